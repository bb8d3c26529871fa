//! Adding one report's figures to the sums of the reports before it. Every sum is checked:
//! one past `u64` is refused, naming the report and the figure, never wrapped into a count
//! that looks real.

use crate::error::{Error, Location, Result};

/// The sums of one report's keys, or of their loads (`--key-weight`).
#[derive(Clone, Copy)]
pub struct Sum<'a> {
    /// The report, as messages name it.
    name: &'a str,
    loads: bool,
}

impl<'a> Sum<'a> {
    pub fn keys(name: &'a str) -> Self {
        Sum { name, loads: false }
    }

    pub fn loads(name: &'a str) -> Self {
        Sum { name, loads: true }
    }

    /// `total + amount`; `field` completes "keys" or "loads" into the figure's name (empty
    /// for the report's total).
    pub fn add(&self, total: &mut u64, amount: u64, field: &str) -> Result<()> {
        match total.checked_add(amount) {
            Some(sum) => {
                *total = sum;
                Ok(())
            }
            None => Err(Error::input(
                Location::new(self.name, None),
                self.too_large(field),
            )),
        }
    }

    fn too_large(&self, field: &str) -> String {
        let max = u64::MAX;
        if !self.loads {
            return format!(
                "the reports' keys{field} add up to more than {max}, too large to be counts of \
                 real keys; was the report edited? Make it again with ringscope"
            );
        }
        // A real sum of loads can pass u64: the message says what to do.
        let what = if field.is_empty() {
            "the loads of the reports".to_string()
        } else {
            format!("the reports' loads{field}")
        };
        format!(
            "{what} add up to more than {max}; make the reports with weights in a larger unit \
             (e.g. KiB instead of bytes)"
        )
    }
}

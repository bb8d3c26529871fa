//! `ringscope completions SHELL` and `ringscope man`: both generated from the clap
//! definitions, so they never drift from the options.

use std::io::Write;

use clap::CommandFactory;
use ringscope::{Error, Result};

use super::{Outcome, finish, stdout, written};
use crate::cli::Cli;

pub fn completions(shell: clap_complete::Shell) -> Result<Outcome> {
    // Generated in memory first: the generator cannot report a failed write (a full disk),
    // and would panic on one.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "ringscope", &mut script);
    let mut out = stdout();
    written(out.write_all(&script))?;
    finish(out).map(|()| Outcome::default())
}

/// The page of the whole command, or of one subcommand (named `ringscope-SUBCOMMAND`, as the
/// main page's list of subcommands refers to it).
pub fn man(subcommand: Option<&str>) -> Result<Outcome> {
    let mut command = Cli::command();
    command.build();
    let page = match subcommand {
        None => command,
        Some(name) => {
            let names: Vec<&str> = command.get_subcommands().map(|c| c.get_name()).collect();
            let found = command.find_subcommand(name).cloned().ok_or_else(|| {
                Error::usage(format!(
                    "man {name}: {}",
                    ringscope::names::unknown("subcommand", name, &names)
                ))
            })?;
            found
                .name(format!("ringscope-{name}"))
                .version(env!("CARGO_PKG_VERSION"))
        }
    };
    let mut out = stdout();
    written(clap_mangen::Man::new(page).render(&mut out))?;
    finish(out).map(|()| Outcome::default())
}

//! `ringscope completions SHELL` and `ringscope man`: both generated from the clap
//! definitions, so they never drift from the options.

use std::io::Write;

use clap::CommandFactory;
use clap_mangen::roff::{Roff, bold, roman};
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
/// main page's list of subcommands refers to it): clap's sections from the definitions, and
/// after them EXAMPLES, EXIT STATUS and ENVIRONMENT.
pub fn man(subcommand: Option<&str>) -> Result<Outcome> {
    let mut command = Cli::command();
    command.build();
    let (page, examples) = match subcommand {
        None => (command, crate::help::examples("")),
        Some(name) => {
            let names: Vec<&str> = command.get_subcommands().map(|c| c.get_name()).collect();
            let found = command.find_subcommand(name).cloned().ok_or_else(|| {
                Error::usage(format!(
                    "man {name}: {}",
                    ringscope::names::unknown("subcommand", name, &names)
                ))
            })?;
            let page = found
                .name(format!("ringscope-{name}"))
                .version(env!("CARGO_PKG_VERSION"));
            (page, crate::help::examples(name))
        }
    };
    // The examples have a section of their own, not clap's "EXTRA" of the help text.
    let page = page.after_help(None::<&str>).after_long_help(None::<&str>);
    let mut text = Vec::new();
    let rendered = clap_mangen::Man::new(page).render(&mut text);
    written(rendered)?;
    text.extend(sections(examples).render().into_bytes());
    let mut out = stdout();
    written(out.write_all(&text))?;
    finish(out).map(|()| Outcome::default())
}

/// EXAMPLES, EXIT STATUS and ENVIRONMENT in roff.
fn sections(examples: &[&str]) -> Roff {
    let mut roff = Roff::new();
    if !examples.is_empty() {
        roff.control("SH", ["EXAMPLES"]);
        for example in examples {
            roff.control("PP", [])
                .control("nf", [])
                .control("RS", ["4"]);
            for line in crate::help::lay_out(example, crate::help::MAN_WIDTH) {
                // The page indents the block; continuation lines keep their extra indent.
                let line = line.strip_prefix("  ").unwrap_or(&line);
                roff.text([roman(line)]);
            }
            roff.control("RE", []).control("fi", []);
        }
    }
    for (heading, entries) in [
        ("EXIT STATUS", crate::help::EXIT_STATUS),
        ("ENVIRONMENT", crate::help::ENVIRONMENT),
    ] {
        roff.control("SH", [heading]);
        for (name, meaning) in entries {
            roff.control("TP", [])
                .text([bold(*name)])
                .text([roman(*meaning)]);
        }
    }
    roff
}

//! The `ringscope` binary: parse the command line, run one subcommand, turn the result into an
//! exit code (0 success, 1 a gate failed, 2 bad usage or input).

mod cli;
mod cmd;
mod help;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return usage_error(error),
    };
    if let Err(error) = ringscope::files::interrupt::remove_pending_files_on_signal() {
        say(&format!(
            "ringscope: error: cannot watch for signals: {error}"
        ));
        return ExitCode::from(2);
    }
    match cmd::run(cli.command, cli.color) {
        Ok(None) => ExitCode::SUCCESS,
        Ok(Some(failed_gate)) => {
            say(&format!("ringscope: gate failed: {failed_gate}"));
            ExitCode::from(1)
        }
        // Per-key output (`map`, `lookup`) whose reader has gone: nothing more to say. Reports
        // never end here: their gates are judged whoever reads them.
        Err(error) if error.is_broken_pipe() => ExitCode::SUCCESS,
        Err(error) => {
            say(&format!("ringscope: error: {error}"));
            ExitCode::from(2)
        }
    }
}

/// Help and version go to stdout as clap writes them; every other clap error becomes our one
/// error line.
fn usage_error(error: clap::Error) -> ExitCode {
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => print_help(&error, ExitCode::SUCCESS),
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand | ErrorKind::MissingSubcommand => {
            // Asked for nothing: the help on stderr, as the answer to a mistake.
            let _ = error.print();
            ExitCode::from(2)
        }
        _ => {
            let message =
                cli::usage_message(&error).unwrap_or_else(|| one_line(&error.render().to_string()));
            say(&format!(
                "ringscope: error: {message}; see 'ringscope --help'"
            ));
            ExitCode::from(2)
        }
    }
}

/// Writes `--help` or `--version` to stdout; one that cannot be written (`> /dev/full`) is
/// an error like any other output's, not a success. A reader that has gone (`| head`) is not.
fn print_help(help: &clap::Error, success: ExitCode) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let rendered = help.render();
    let text = if std::io::IsTerminal::is_terminal(&out) {
        rendered.ansi().to_string()
    } else {
        rendered.to_string()
    };
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => success,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => success,
        Err(e) => {
            let error = ringscope::Error::io("<stdout>", "cannot write output", e);
            say(&format!("ringscope: error: {error}"));
            ExitCode::from(2)
        }
    }
}

/// Folds clap's multi-line message (the error, the missing arguments or valid values, a tip)
/// into one line; the usage block after it is left to `--help`.
fn one_line(rendered: &str) -> String {
    let mut line = String::new();
    for part in rendered
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:"))
    {
        if part.is_empty() || part.starts_with("For more information") {
            continue;
        }
        let part = part.strip_prefix("error: ").unwrap_or(part);
        if !line.is_empty() {
            line += if line.ends_with(':') { " " } else { "; " };
        }
        line += part;
    }
    line
}

/// The longest message printed: what it quotes is cut in the middle past this, so that a
/// 20 MB line of input is not echoed back, and the advice at the end is kept.
const MAX_MESSAGE: usize = 1000;

/// Writes one line to stderr; control characters from user input (a newline in a file name
/// or a key) are escaped so that a message stays one line.
fn say(line: &str) {
    let line: String = line
        .chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    let _ = writeln!(std::io::stderr(), "{}", bounded(&line));
}

/// `line` cut to [`MAX_MESSAGE`] characters: its start and its end (what to do), joined by
/// an ellipsis that says how much was left out.
fn bounded(line: &str) -> std::borrow::Cow<'_, str> {
    let count = line.chars().count();
    if count <= MAX_MESSAGE {
        return line.into();
    }
    let (head, tail) = (MAX_MESSAGE * 2 / 3, MAX_MESSAGE / 3);
    let start: String = line.chars().take(head).collect();
    let end: String = line.chars().skip(count - tail).collect();
    format!(
        "{start} … ({} characters left out) … {end}",
        count - head - tail
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_messages_keep_their_start_and_their_advice() {
        let line = format!("f:1: bad '{}'; give a node", "x".repeat(20 << 20));
        let cut = bounded(&line);
        assert!(cut.chars().count() < MAX_MESSAGE + 60, "{}", cut.len());
        assert!(cut.starts_with("f:1: bad 'xxx") && cut.ends_with("'; give a node"));
        assert!(cut.contains("characters left out"));
        assert_eq!(bounded("short"), "short");
    }
}

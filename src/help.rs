//! What `--help` and the man pages say beyond the options: the examples of each command
//! (written once, laid out to fit 80 columns with `\` continuations), the exit status and
//! the environment.

/// Examples per command (`""` for ringscope itself), one command line each.
const EXAMPLES: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "redis-cli --scan | ringscope dist --nodes nutcracker.yml --pool alpha",
            "ringscope lookup --nodes samples/nodes.txt user:1000",
            "ringscope ring --nodes samples/cluster-nodes.txt",
            "ringscope simulate --nodes samples/nutcracker.yml --pool cache --fail cache-b samples/keys.txt",
        ],
    ),
    (
        "lookup",
        &[
            "ringscope lookup --nodes samples/nodes.txt user:1000 user:1001",
            "ringscope lookup --preset redis-cluster --nodes samples/cluster-nodes.txt '{user1000}.following'",
            "ringscope lookup --nodes samples/nutcracker.yml --pool cache --explain user:1000",
            "ringscope lookup --nodes samples/nutcracker.yml --pool cache --fail cache-b --auto-eject true --explain --format json session:9f3a",
        ],
    ),
    (
        "map",
        &[
            "ringscope map --nodes samples/nodes.txt samples/keys.txt",
            "redis-cli --scan | ringscope map --nodes pool.yml --pool alpha --format json",
            "ringscope map --nodes samples/cluster-nodes.txt --format csv samples/keys.txt > placement.csv",
        ],
    ),
    (
        "ring",
        &[
            "ringscope ring --nodes samples/nutcracker.yml --pool cache",
            "ringscope ring --nodes samples/nodes.txt --algo vnode --vnodes 40 --format json",
            "ringscope ring --nodes samples/nutcracker.yml --pool cache --svg ring.svg",
            "ringscope ring --nodes samples/nodes.txt --points | head",
        ],
    ),
    (
        "dist",
        &[
            "ringscope dist --nodes samples/nodes.txt samples/keys.txt",
            "redis-cli --scan | ringscope dist --nodes nutcracker.yml --pool alpha --max-imbalance 1.10",
            "ringscope dist --nodes samples/nodes.txt --key-weight --top 3 samples/key-sizes.tsv",
            "ringscope dist --nodes samples/nodes.txt --random 1000000 --pattern 'user:{}' --format csv",
            "ringscope dist --nodes samples/nodes.txt --format csv --table summary samples/keys.txt",
            "ringscope dist --nodes samples/nodes.txt samples/keys.txt --svg dist.svg",
        ],
    ),
    (
        "simulate",
        &[
            "ringscope simulate --nodes samples/nutcracker.yml --pool cache --fail cache-b samples/keys.txt",
            "ringscope simulate --nodes samples/nodes.txt --add '10.0.1.15:6379 cache-e' --max-moved 25",
            "ringscope simulate --nodes samples/nodes.txt --fail cache-b --svg fail.svg samples/keys.txt",
            "ringscope simulate --nodes pool.yml --fail cache-d --key-weight --top 5 sizes.tsv",
            "redis-cli --scan | ringscope simulate --nodes pool.yml --pool alpha --weight cache-c=1 --moves moves.csv -",
            "ringscope simulate --nodes samples/nodes.txt --fail cache-b --format csv --table flows samples/keys.txt",
        ],
    ),
    (
        "diff",
        &[
            "ringscope diff --from old.yml --to new.yml --pool alpha keys.txt",
            "ringscope diff --from samples/nodes.txt --from-algo modula --to samples/nodes.txt --to-algo ketama",
            "ringscope diff --from old.yml --to new.yml --pool alpha --svg diff.svg keys.txt",
            "git show main:pool.yml > /tmp/old.yml && ringscope diff --from /tmp/old.yml --to pool.yml --pool alpha --max-moved 10",
        ],
    ),
    (
        "sweep",
        &[
            "ringscope sweep --nodes samples/nodes.txt",
            "ringscope sweep --nodes samples/nodes.txt samples/keys.txt --target-imbalance 1.10",
            "redis-cli --scan | ringscope sweep --nodes pool.yml --pool alpha --algos vnode,maglev --vnodes 100,200,400 --format json -",
            "ringscope sweep --nodes samples/pool-10.txt --svg sweep.svg",
        ],
    ),
    (
        "merge",
        &[
            "redis-cli -h cache1 --scan | ringscope dist --nodes pool.yml --format json > cache1.json",
            "ringscope merge cache1.json cache2.json --max-imbalance 1.10",
            "ringscope merge --format csv part-*.json > fleet.csv",
        ],
    ),
    (
        "lint",
        &[
            "ringscope lint --nodes samples/nutcracker.yml --pool cache",
            "ringscope lint --nodes pool.yml --pool alpha --format json",
            "ringscope lint --nodes samples/nodes.txt --algo modula",
        ],
    ),
    (
        "completions",
        &[
            "ringscope completions bash > /etc/bash_completion.d/ringscope",
            "ringscope completions zsh > \"${fpath[1]}/_ringscope\"",
            "ringscope completions fish > ~/.config/fish/completions/ringscope.fish",
        ],
    ),
    (
        "man",
        &[
            "ringscope man | man -l -",
            "ringscope man simulate | man -l -",
            "for c in '' lookup map ring dist simulate diff sweep merge lint; do ringscope man $c > ringscope${c:+-$c}.1; done",
        ],
    ),
];

/// The widest line of an example in `--help`, indent and `\` included: 80 columns with
/// room to spare.
pub const HELP_WIDTH: usize = 78;
/// The widest in a man page, which indents examples by 11 columns of its own.
pub const MAN_WIDTH: usize = 68;
const INDENT: &str = "  ";
const CONTINUED: &str = "      ";

/// The examples of `command` (`""` for ringscope itself).
pub fn examples(command: &str) -> &'static [&'static str] {
    EXAMPLES
        .iter()
        .find(|(name, _)| *name == command)
        .map_or(&[], |(_, examples)| *examples)
}

/// The `--help` text after the options: the examples, each laid out to fit.
pub fn after_help(command: &str) -> String {
    let mut text = String::from("Examples:\n");
    for example in examples(command) {
        for line in lay_out(example, HELP_WIDTH) {
            text += &line;
            text.push('\n');
        }
    }
    text.trim_end().to_string()
}

/// `example` as lines of at most `width` characters: broken between words (never inside a
/// quoted word), each line but the last ending in ` \`, the next indented further.
pub fn lay_out(example: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = INDENT.to_string();
    for word in words(example) {
        let fresh = line.trim().is_empty();
        // Room for the word, and for ` \` should another follow.
        if !fresh && line.chars().count() + 1 + word.chars().count() + 2 > width {
            lines.push(format!("{line} \\"));
            line = CONTINUED.to_string();
        } else if !fresh {
            line.push(' ');
        }
        line += &word;
    }
    lines.push(line);
    lines
}

/// The words of a command line; a quoted part stays with its word.
fn words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    for c in command.chars() {
        match (c, quote) {
            ('\'' | '"', None) => {
                quote = Some(c);
                word.push(c);
            }
            (c, Some(q)) if c == q => {
                quote = None;
                word.push(c);
            }
            (' ', None) => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            (c, _) => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// What the exit status says, for the man page.
pub const EXIT_STATUS: &[(&str, &str)] = &[
    ("0", "Success."),
    (
        "1",
        "A gate failed (--max-imbalance, --max-moved), or lint found a trap; the report is printed all the same.",
    ),
    (
        "2",
        "Bad usage or bad input: one line on standard error says what, where and what to do; no output file is replaced.",
    ),
    (
        "128+N",
        "Ended by signal N (SIGINT, SIGTERM, SIGHUP); temporary files are removed first.",
    ),
];

/// The environment ringscope reads, for the man page.
pub const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "COLUMNS",
        "The width tables are fitted to; without it, the terminal's width, and no limit into a pipe or a file.",
    ),
    (
        "NO_COLOR",
        "When set and not empty, no colour (unless --color always).",
    ),
    (
        "CLICOLOR_FORCE",
        "When set, not empty and not 0, colour even into a pipe (unless --color never or NO_COLOR).",
    ),
    ("TERM", "dumb: no colour with --color auto."),
    (
        "TMPDIR",
        "Where sweep keeps keys read from standard input or a pipe, which it reads once per configuration.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_fits_80_columns_and_reads_as_the_command() {
        for (command, examples) in EXAMPLES {
            for example in *examples {
                let lines = lay_out(example, HELP_WIDTH);
                for line in &lines {
                    assert!(line.chars().count() <= HELP_WIDTH, "{command}: {line}");
                }
                let joined: Vec<String> = lines
                    .iter()
                    .map(|l| l.trim().trim_end_matches(" \\").to_string())
                    .collect();
                assert_eq!(joined.join(" "), *example);
            }
        }
    }

    #[test]
    fn quoted_words_stay_whole() {
        assert_eq!(words("a 'b c' \"d e\"f g"), ["a", "'b c'", "\"d e\"f", "g"]);
    }
}

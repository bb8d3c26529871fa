//! `simulate --plan FILE`: a Redis Cluster change as the `redis-cli --cluster` commands that
//! carry it out, one `reshard` per move of the rebalance, so that the slots end exactly where
//! the report says. `reshard` from one source takes that source's lowest-numbered slots, as
//! `rebalance` does, so the moves are the same slot for slot.
//!
//! The script adds new masters first (`add-node`, then waits until the cluster agrees), moves
//! the slots, and deletes removed masters last (`del-node`). Node ids come from the node list
//! (`CLUSTER NODES`); a master whose id is not known (an added one) is asked for it
//! (`CLUSTER MYID`) when the script runs.

use std::io::Write;
use std::path::Path;

use crate::error::Result;
use crate::files::output::{Finished, OutputFile, OutputKind};
use crate::scenario::RebalancePlan;

const PLAN: OutputKind = OutputKind {
    option: "--plan",
    temp_prefix: ".ringscope-plan-",
    cannot_create: "cannot create the plan",
    cannot_write: "cannot write the plan",
    cannot_rename: "cannot rename the plan into place",
    private: false,
};

/// How long the script waits, at most, for the cluster to agree before each change.
const AGREE_SECONDS: u32 = 60;

/// The file `--plan` names, checked and opened before any work.
pub struct PlanFile(OutputFile);

impl PlanFile {
    pub fn create(destination: &Path) -> Result<PlanFile> {
        OutputFile::create(destination, &PLAN).map(PlanFile)
    }

    /// Writes the commands of `plan`: `added` masters join first, `removed` ones leave last.
    pub fn write(
        mut self,
        plan: &RebalancePlan,
        summary: &str,
        added: &[&str],
        removed: &[&str],
    ) -> Result<Finished> {
        let script = script(plan, summary, added, removed);
        self.0
            .write_all(script.as_bytes())
            .map_err(|e| self.0.write_error(e))?;
        self.0.finish()
    }
}

/// A name for the variable that holds a master's id in the script.
fn variable(index: usize) -> String {
    format!("ID_{index}")
}

fn host_and_port(label: &str) -> (&str, &str) {
    let (host, port) = label.rsplit_once(':').unwrap_or((label, "6379"));
    (host.trim_start_matches('[').trim_end_matches(']'), port)
}

fn script(plan: &RebalancePlan, summary: &str, added: &[&str], removed: &[&str]) -> String {
    let entry = &plan.entry;
    let mut out = String::new();
    let line = |out: &mut String, text: &str| {
        out.push_str(text);
        out.push('\n');
    };
    line(&mut out, "#!/bin/sh");
    line(&mut out, &format!("# ringscope plan: {summary}"));
    line(
        &mut out,
        &format!(
            "# what redis-cli --cluster rebalance{} does, as one reshard per move; run against {entry}",
            if plan.use_empty_masters {
                " --cluster-use-empty-masters"
            } else {
                ""
            }
        ),
    );
    line(&mut out, "set -eu");
    line(
        &mut out,
        "# redis-cli --cluster refuses to change a cluster whose nodes do not agree yet: wait",
    );
    line(
        &mut out,
        &format!(
            "settle() {{ tries=0; until redis-cli --cluster check {} >/dev/null 2>&1; do tries=$((tries + 1)); [ \"$tries\" -le {AGREE_SECONDS} ] || {{ echo 'the cluster does not agree; see redis-cli --cluster check' >&2; exit 1; }}; sleep 1; done; }}",
            quote(entry)
        ),
    );
    if !added.is_empty() {
        line(
            &mut out,
            "# knows HOST PORT NODE: wait until HOST:PORT has met NODE (gossip takes a moment)",
        );
        line(
            &mut out,
            &format!(
                "knows() {{ tries=0; until redis-cli -h \"$1\" -p \"$2\" cluster nodes | grep -v handshake | grep -q -- \" $3@\"; do tries=$((tries + 1)); [ \"$tries\" -le {AGREE_SECONDS} ] || {{ echo \"$1:$2 has not met $3\" >&2; exit 1; }}; sleep 1; done; }}"
            ),
        );
    }
    for new in added {
        line(
            &mut out,
            &format!(
                "redis-cli --cluster add-node {} {}",
                quote(new),
                quote(entry)
            ),
        );
    }
    // Every master must know every new one before slots can move to it.
    for new in added {
        for master in &plan.masters {
            let (host, port) = host_and_port(&master.node);
            line(
                &mut out,
                &format!("knows {} {} {}", quote(host), quote(port), quote(new)),
            );
        }
    }
    line(&mut out, "settle");
    // Every master's id, known from the node list or asked of the node.
    for (index, master) in plan.masters.iter().enumerate() {
        let value = match &master.id {
            Some(id) => quote(id),
            None => {
                let (host, port) = host_and_port(&master.node);
                format!(
                    "\"$(redis-cli -h {} -p {} cluster myid)\"",
                    quote(host),
                    quote(port)
                )
            }
        };
        line(
            &mut out,
            &format!("{}={value}   # {}", variable(index), master.node),
        );
    }
    let index_of = |label: &str| {
        plan.masters
            .iter()
            .position(|m| m.node == label)
            .expect("a move names masters of the plan")
    };
    for step in &plan.moves {
        line(
            &mut out,
            &format!(
                "# {} {} → {}: {}",
                crate::words::listed(step.slots, "slot", "slots"),
                step.from,
                step.to,
                step.ranges
            ),
        );
        line(
            &mut out,
            &format!(
                "redis-cli --cluster reshard {} --cluster-from \"${}\" --cluster-to \"${}\" --cluster-slots {} --cluster-yes",
                quote(entry),
                variable(index_of(&step.from)),
                variable(index_of(&step.to)),
                step.slots
            ),
        );
        line(&mut out, "settle");
    }
    for leaving in removed {
        line(
            &mut out,
            &format!(
                "redis-cli --cluster del-node {} \"${}\"",
                quote(entry),
                variable(index_of(leaving))
            ),
        );
    }
    out
}

/// A shell word: as it is when it holds nothing the shell treats specially, else in single
/// quotes.
fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._:/-".contains(&b));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

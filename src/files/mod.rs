//! Files as a careful tool treats them: small inputs read with a bound ([`bounded`]), paths
//! compared by what they name ([`identity`]), outputs that appear whole or not at all and
//! are written through symlinks ([`output`]), temporaries removed when a signal ends the run
//! ([`interrupt`]), and the rule that no output is also an input ([`clash`]).

mod bounded;
pub mod clash;
pub mod identity;
pub mod interrupt;
pub mod output;

pub use bounded::{MAX_NODE_LIST, MAX_REPORT, read_bounded, read_file_bounded};

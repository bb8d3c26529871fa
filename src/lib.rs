//! ringscope: exact consistent-hashing rings, key placement and distribution analysis.
//!
//! The engine is split the way the command line uses it: [`nodes`] reads node lists and
//! configs, [`hash`] resolves hash functions by name, [`ring`] builds a placement from nodes
//! and locates keys, [`keys`] streams keys, [`analysis`] turns placements into reports and
//! [`output`] renders reports. The binary only wires these together.

pub mod analysis;
pub mod config;
pub mod error;
pub mod files;
pub mod fingerprint;
pub mod hash;
pub mod keys;
pub mod lint;
pub mod merge;
pub mod names;
pub mod nodes;
pub mod output;
pub mod preset;
pub mod ring;
pub mod scenario;
pub mod words;

pub use error::{Error, Result};

//! The simulator is `kedatui-core`'s (re-exported here); `kedatui simulate` is the console's.

pub use kedatui_core::sim::*;

pub mod cli;

//! Live Azure Service Bus: the sources are `kedatui-core`'s and the plumbing (connection
//! strings, SAS, client, errors) `kedatui-servicebus`'s, both re-exported here; `kedatui send`,
//! `queue` and `purge` and the flags are the console's.

pub use kedatui_core::servicebus::*;

pub mod cli;

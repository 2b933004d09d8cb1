//! Live Azure Service Bus: connection strings, SAS, batched sends, REST counts, purge.

pub mod cli;
pub mod client;
pub mod connection;
pub mod counts;
pub mod errors;
pub mod sas;

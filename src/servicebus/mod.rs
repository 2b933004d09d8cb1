//! Live Azure Service Bus: connection strings, SAS, batched sends, REST counts, purge.

pub mod cli;
pub mod connection;
pub mod sas;

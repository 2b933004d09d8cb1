//! Live Azure Service Bus: connection strings, SAS, batched sends, REST counts, purge.

pub mod cli;

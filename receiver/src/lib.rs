//! The queue consumer the KEDA demo scales. Its logic is pure and unit-tested here; `run`
//! does the I/O (azservicebus on a `current_thread` runtime) and `main` wires up signals.

pub mod config;
pub mod failure;
pub mod health;
pub mod identity;
pub mod message;
pub mod pump;
pub mod run;
pub mod watchdog;

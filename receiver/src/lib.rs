//! The queue consumer the KEDA demo scales. Its logic is pure and unit-tested here; `run`
//! does the I/O on a `current_thread` runtime, through one module per broker (`servicebus`:
//! azservicebus; `rabbitmq`: lapin), and `main` wires up signals.

pub mod config;
pub mod failure;
pub mod health;
pub mod identity;
pub mod message;
pub mod pump;
pub mod rabbitmq;
pub mod run;
pub mod servicebus;
pub mod watchdog;

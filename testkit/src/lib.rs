//! Loopback fakes for kedatui's tests, each also runnable as a binary for manual live-mode runs.

pub mod entra_login;
pub mod fake_az;
pub mod kube;
pub mod proxy;
pub mod rabbitmq;
pub mod servicebus;

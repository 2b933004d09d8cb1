//! Loopback fakes for kedatui's tests, each also runnable as a binary for manual live-mode runs.

pub mod kube;
pub mod proxy;
pub mod servicebus;

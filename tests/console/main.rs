//! The console's screens: rendered buffers, insta snapshots, and the binary under a pty.
//!
//! One test binary of a few (not one per file): each links tokio, kube and azservicebus.

#[path = "../support/mod.rs"]
mod support;

mod e2e_pty;
mod lab;
mod presenter;
mod readable;
mod stale_pty;
mod ui_snapshots;

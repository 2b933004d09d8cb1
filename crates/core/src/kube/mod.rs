//! Live Kubernetes: watchers and reflectors, pure row builders (pod status like kubectl),
//! target discovery, error classification. (`kedatui doctor` and the flags are the console's.)

pub mod discovery;
pub mod errors;
pub mod rows;
pub mod watch;

pub use watch::{ClusterConfig, run_cluster_source};

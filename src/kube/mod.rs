//! Live Kubernetes: watchers and reflectors, pure row builders (pod status like kubectl),
//! target discovery, error classification, and `kedatui doctor`.

pub mod cli;
pub mod discovery;
pub mod doctor;
pub mod doctor_entra;
pub mod errors;
pub mod rows;
pub mod watch;

pub use cli::ClusterArgs;
pub use watch::{ClusterConfig, run_cluster_source};

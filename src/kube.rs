//! Live Kubernetes: the sources and row builders are `kedatui-core`'s (re-exported here);
//! the flags and `kedatui doctor` are the console's.

pub use kedatui_core::kube::*;

pub mod cli;
pub mod doctor;
pub mod doctor_entra;
pub mod doctor_report;

pub use cli::ClusterArgs;

//! Live Kubernetes: watchers and reflectors, pure row builders (pod status like kubectl).

pub mod cli;
pub mod rows;

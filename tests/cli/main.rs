//! Checks run against the `kedatui` binary, the docs, the YAML manifests and the scripts.
//!
//! One test binary of a few (not one per file): each links tokio, kube and azservicebus.

#[path = "../support/mod.rs"]
mod support;

mod capture_example;
mod console_cli;
mod doc_citations;
mod durations;
mod entra_cli;
mod kube_doctor;
mod layers;
mod rabbitmq_yaml;
mod readme_flags;
mod release_package;
mod replay_cli;
mod scripts_dryrun;
mod servicebus_cli;
mod servicebus_refusals;
mod setup_cli;
mod simulate_cli;
mod yaml_manifests;

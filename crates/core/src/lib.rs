//! kedatui's core: the model the console shows, the CRD types, durations, the simulator, and the
//! Kubernetes and Service Bus sources that report [`event::SourceEvent`]s. No terminal UI and no
//! command line: those live in the `kedatui` console crate.

pub mod crd;
pub mod duration;
pub mod event;
pub mod files;
#[cfg(feature = "fixtures")]
pub mod fixtures;
pub mod kube;
pub mod kubectl;
pub mod model;
pub mod queue;
pub mod rabbitmq;
pub mod servicebus;
pub mod sim;

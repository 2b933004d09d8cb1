//! The live sources against the loopback fakes: Service Bus, the Kubernetes API, Entra.
//!
//! One test binary of a few (not one per file): each links tokio, kube and azservicebus.

#[path = "../support/mod.rs"]
mod support;

mod entra_header;
mod kube_churn;
mod kube_fake;
mod kube_faults;
mod kube_stale;
mod kube_watch;
mod live_failures;
mod live_mode;
mod rabbitmq_broker;
mod rabbitmq_faults;
mod rabbitmq_queue;
mod servicebus_fake;
mod servicebus_live;
mod why_tolerance;

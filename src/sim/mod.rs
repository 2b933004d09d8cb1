//! The simulator: KEDA + HPA + Deployment + pods on a virtual clock. Pure and deterministic.

pub mod cli;

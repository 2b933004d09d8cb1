//! The simulator: KEDA + HPA + Deployment + pods on a virtual clock. Pure and deterministic.
//!
//! - [`config`]: the knobs ([`SimConfig`]), from flags or a ScaledObject.
//! - [`keda`], [`hpa`]: the two control loops' arithmetic, sans IO.
//! - [`queue`], [`pods`]: messages and pod lifecycle.
//! - [`world`]: ties them together on the virtual clock ([`World::step`]).

pub mod config;
pub mod fallback;
pub mod hpa;
pub mod keda;
pub mod loops;
pub mod pods;
pub mod queue;
pub mod time;
pub mod world;

pub use config::{ConfigError, HpaBehavior, SimConfig};
pub use world::{SimStats, StepOutcome, World};

#[cfg(test)]
mod tests;

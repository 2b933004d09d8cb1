//! The flag groups several commands share: where the Service Bus connection comes from, which
//! cluster to watch, the simulator's knobs.

pub mod cluster;
pub mod servicebus;
pub mod sim;

//! The flag groups several commands share: which queue (Service Bus or RabbitMQ) and where its
//! connection comes from, which cluster to watch, the simulator's knobs.

pub mod cluster;
pub mod queue;
pub mod servicebus;
pub mod sim;

//! The tests' RabbitMQ: `testkit::rabbitmq::Broker` (a private, real `rabbitmq-server`), with its
//! files under the target directory, installed from Debian first when the machine lacks it.

pub use testkit::rabbitmq::Broker;

/// A started broker named `name`, its files in the target directory.
pub fn start(name: &str) -> Broker {
    testkit::rabbitmq::start_for_test(std::path::Path::new(env!("CARGO_TARGET_TMPDIR")), name)
}

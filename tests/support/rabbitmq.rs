//! The tests' RabbitMQ: `testkit::rabbitmq::Broker` (a private, real `rabbitmq-server`), with its
//! files under the target directory, installed from Debian first when the machine lacks it.

use std::process::{Command, Stdio};

pub use testkit::rabbitmq::Broker;

fn install_if_missing() {
    if testkit::rabbitmq::installed() {
        return;
    }
    let apt = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status()
            .expect("apt-get runs (the RabbitMQ tests install rabbitmq-server from Debian)")
            .success()
    };
    let install = [
        "install",
        "-y",
        "--no-install-recommends",
        "rabbitmq-server",
    ];
    // A fresh machine may have no package lists yet.
    let installed = apt(&install) || (apt(&["update"]) && apt(&install));
    assert!(installed, "apt-get install rabbitmq-server failed");
    assert!(
        testkit::rabbitmq::installed(),
        "{} missing after the install",
        testkit::rabbitmq::SERVER
    );
}

/// A started broker named `name`, its files in the target directory.
pub fn start(name: &str) -> Broker {
    install_if_missing();
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("rabbitmq-{name}-{}", std::process::id()));
    Broker::start_in(&dir, name).unwrap_or_else(|e| {
        let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
        panic!("{e}\n{log}")
    })
}

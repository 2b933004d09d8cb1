//! `servicebus-fake --amqp-port P --http-port H --key-name N --key K --queue Q`: a loopback
//! Service Bus for manual live-mode runs. Prints its connection string and management URL.

use clap::Parser;
use testkit::servicebus::{FakeServiceBus, FakeServiceBusOptions, Rights, SasRule, random_key};

#[derive(Parser)]
#[command(about = "A loopback Azure Service Bus (AMQP 1.0 + management REST) for kedatui")]
struct Args {
    #[arg(long, default_value_t = 5672)]
    amqp_port: u16,
    #[arg(long, default_value_t = 5300)]
    http_port: u16,
    #[arg(long, default_value = "RootManageSharedAccessKey")]
    key_name: String,
    /// The shared access key; a random one when omitted.
    #[arg(long)]
    key: Option<String>,
    /// Queues to create (repeatable).
    #[arg(long, default_value = "kedaqueue")]
    queue: Vec<String>,
    /// Refuse repeated message ids (Service Bus duplicate detection).
    #[arg(long)]
    duplicate_detection: bool,
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let opts = FakeServiceBusOptions {
        amqp_port: args.amqp_port,
        http_port: args.http_port,
        queues: args.queue,
        rules: vec![SasRule {
            name: args.key_name,
            key: args.key.unwrap_or_else(random_key),
            rights: Rights::ALL,
        }],
        duplicate_detection: args.duplicate_detection,
        ..FakeServiceBusOptions::default()
    };
    let bus = match FakeServiceBus::start(opts) {
        Ok(bus) => bus,
        Err(e) => {
            eprintln!("servicebus-fake: cannot listen: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!("{}", bus.connection_string());
    println!("management URL: {}", bus.management_url());
    println!(
        "try: SERVICEBUS_CONNECTION_STRING='{}' SERVICEBUS_MANAGEMENT_URL={} kedatui queue",
        bus.connection_string(),
        bus.management_url()
    );
    // Serve until killed.
    loop {
        std::thread::park();
    }
}

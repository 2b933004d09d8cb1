//! `receiver`: the queue consumer the KEDA demo scales. See `receiver --help`.

use std::process::ExitCode;

use receiver::config::{self, Invocation};
use receiver::run;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match config::parse(
        &args,
        |name| std::env::var(name).ok(),
        |path: &str| std::fs::read_to_string(path),
    ) {
        Ok(Invocation::Help) => {
            println!("{}", config::USAGE);
            return ExitCode::SUCCESS;
        }
        Ok(Invocation::Run(config)) => *config,
        Err(e) => {
            eprintln!("receiver: {e}");
            return ExitCode::from(kedatui_servicebus::EXIT_BAD_INPUT);
        }
    };

    // current_thread: avoids fe2o3-amqp 0.14's unsettled-map race (docs/servicebus-amqp.md §2).
    let runtime = match kedatui_servicebus::client::runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("receiver: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(async move {
        let (tx, rx) = watch::channel(false);
        let (mut term, mut int) = match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(t), Ok(i)) => (t, i),
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("receiver: cannot listen for signals: {e}");
                return ExitCode::from(1);
            }
        };
        tokio::spawn(async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            let _ = tx.send(true);
        });
        match run::run(config, rx).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(fatal) => {
                eprintln!("receiver: {}", fatal.reason);
                ExitCode::from(fatal.failure.exit_code())
            }
        }
    })
}

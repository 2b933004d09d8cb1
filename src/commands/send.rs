//! `kedatui send`: N messages to the queue, with a progress line.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use kedatui_core::queue::{BurstReport, BurstSpec};
use kedatui_servicebus::client::runtime;

use crate::args::queue::QueueArgs;
use crate::parse::{parse_burst_size, parse_rate};

#[derive(Debug, clap::Args)]
pub struct SendArgs {
    #[command(flatten)]
    pub queue: QueueArgs,
    /// How many messages to send: `10000`, `10_000` or `10k` (1 to 1 000 000, as a burst).
    // The burst prompt's parser, so the same text means the same everywhere.
    #[arg(long, short = 'n', value_name = "N", value_parser = parse_burst_size)]
    pub count: u64,
    /// At most B messages per batch [default: as many as fit in the link's max-message-size].
    #[arg(long, value_name = "B", value_parser = clap::value_parser!(u64).range(1..))]
    pub batch_size: Option<u64>,
    /// Limit the rate: `200`, `200/s`, `600/m` [default: as fast as the broker accepts].
    #[arg(long, value_name = "R/s", value_parser = parse_rate)]
    pub rate: Option<f64>,
    /// Print the summary as JSON on stdout: {"sent","failed","elapsed_s","rate","error"}.
    #[arg(long)]
    pub json: bool,
}

fn progress_line(sent: u64, total: u64, started: Instant) -> String {
    let width = 30usize;
    let filled = if total == 0 {
        width
    } else {
        (sent as f64 / total as f64 * width as f64) as usize
    };
    let elapsed = started.elapsed().as_secs_f64().max(1e-9);
    format!(
        "[{}{}] {sent}/{total}  {:.0} msg/s",
        "#".repeat(filled.min(width)),
        " ".repeat(width - filled.min(width)),
        sent as f64 / elapsed
    )
}

pub fn run_send(args: SendArgs) -> color_eyre::Result<ExitCode> {
    let queue = match args.queue.require() {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let spec = BurstSpec {
        burst: 1,
        count: args.count,
        batch_size: args.batch_size.map(|b| b as usize),
        rate: args.rate,
    };
    let tty = std::io::stderr().is_terminal();
    let rt = runtime()?;
    let (report, elapsed) = rt.block_on(async {
        // The clock starts once connected, as a batch send would.
        let started = std::sync::OnceLock::new();
        let mut last_print = Instant::now();
        let mut progress = |r: &BurstReport| {
            if let Some(e) = &r.retrying {
                eprintln!("\nkedatui: retrying after: {}", e.message);
            }
            let since = *started.get_or_init(Instant::now);
            if tty && (last_print.elapsed() > Duration::from_millis(100) || r.done) {
                eprint!("\r{}", progress_line(r.sent, spec.count, since));
                let _ = std::io::stderr().flush();
                last_print = Instant::now();
            }
        };
        let mut start = || {
            started.get_or_init(Instant::now);
        };
        let report = queue.send_once(&spec, &mut start, &mut progress).await;
        let elapsed = started.get().map_or(Duration::ZERO, |s| s.elapsed());
        if tty {
            eprintln!();
        }
        (report, elapsed)
    });
    let rate = if elapsed.is_zero() {
        0.0
    } else {
        report.sent as f64 / elapsed.as_secs_f64()
    };
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "sent": report.sent,
                "failed": report.failed,
                "maybe_resent": report.maybe_resent,
                "elapsed_s": elapsed.as_secs_f64(),
                "rate": rate,
                "queue": queue.queue(),
                "error": report.error.as_ref().map(|e| e.message.clone()),
            })
        );
    } else {
        // Only after a lost acknowledgement: the line stays the same otherwise.
        let resent = match report.maybe_resent {
            0 => String::new(),
            n => format!(", {n} maybe resent (same message ids)"),
        };
        println!(
            "sent {} of {} to {}, failed {}{resent}, in {:.3}s ({:.0} msg/s)",
            report.sent,
            args.count,
            queue.queue(),
            report.failed,
            elapsed.as_secs_f64(),
            rate
        );
    }
    if let Some(e) = &report.error {
        eprintln!("kedatui: {}", e.message);
    }
    Ok(if report.sent == args.count && report.error.is_none() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

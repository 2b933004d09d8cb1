//! `kedatui simulate`: the simulator headless, its time series on stdout.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use jiff::{SignedDuration, Timestamp};
use kedatui_core::duration::{DurationError, format_duration, parse_duration};
use kedatui_core::model::ClusterEvent;
use kedatui_core::sim::config::SimConfig;
use kedatui_core::sim::world::{StepOutcome, World};

use crate::args::sim::SimArgs;
use crate::format::group_thousands;

/// `--burst AT:COUNT`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Burst {
    pub at: SignedDuration,
    pub count: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum BurstError {
    #[error("expected AT:COUNT, e.g. 0s:100 or 2m:500, got {0:?}")]
    Shape(String),
    #[error("invalid COUNT {0:?}: expected a whole number of messages")]
    Count(String),
    #[error(transparent)]
    At(#[from] DurationError),
}

/// `AT` is a duration like every other flag's (`90s`, `1m30s`, or `90`: seconds).
pub fn parse_at(text: &str) -> Result<SignedDuration, DurationError> {
    parse_duration(text)
}

pub fn parse_burst(text: &str) -> Result<Burst, BurstError> {
    let (at, count) = text
        .split_once(':')
        .ok_or_else(|| BurstError::Shape(text.to_string()))?;
    let count = count
        .trim()
        .parse::<u64>()
        .map_err(|_| BurstError::Count(count.to_string()))?;
    Ok(Burst {
        at: parse_at(at)?,
        count,
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// `t,active,in_flight,spec_replicas,status_replicas,ready,hpa_desired,keda_active`.
    #[default]
    Csv,
    /// The CSV fields plus the step's events, one JSON object per line.
    Jsonl,
    /// For people: the rows where something changed, and the events.
    Table,
}

#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    #[command(flatten)]
    pub sim: SimArgs,
    /// Take the numbers from a ScaledObject YAML (e.g. yaml/scaledobject.yaml); flags override it.
    #[arg(long, value_name = "FILE")]
    pub scaledobject: Option<PathBuf>,
    /// Send COUNT messages at AT (e.g. 0:100, 2m:500); repeatable.
    #[arg(long = "burst", value_name = "AT:COUNT", value_parser = parse_burst)]
    pub bursts: Vec<Burst>,
    /// Purge the queue at AT; repeatable.
    #[arg(long = "purge", value_name = "AT", value_parser = parse_at)]
    pub purges: Vec<SignedDuration>,
    /// Virtual time to simulate.
    #[arg(long, value_name = "DURATION", default_value = "30m", value_parser = parse_duration)]
    pub duration: SignedDuration,
    /// One output row per STEP of virtual time.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration)]
    pub step: SignedDuration,
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,
    /// Which KEDA scaler reads the queue: servicebus (messageCount 5, ready messages) or
    /// rabbitmq (QueueLength value 20, ready and unacknowledged messages).
    #[arg(long, value_enum, default_value_t = crate::args::queue::ScalerArg::Servicebus)]
    pub scaler: crate::args::queue::ScalerArg,
}

/// Most output rows `simulate` prints: a day at 1 s steps is 86 401.
const MAX_ROWS: i128 = 1_000_000;

/// Exit code for bad input (flags, files).
use kedatui_servicebus::EXIT_BAD_INPUT as BAD_INPUT;

pub fn run(args: SimulateArgs) -> color_eyre::Result<ExitCode> {
    let mut sim = args.sim.clone();
    sim.scaledobject = args.scaledobject.clone();
    let base = SimConfig::keda_defaults().with_scaler(args.scaler.into());
    let config = match sim.apply(base) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("kedatui simulate: {err}");
            return Ok(ExitCode::from(BAD_INPUT));
        }
    };
    if args.step <= SignedDuration::ZERO {
        eprintln!("kedatui simulate: --step must be greater than 0s");
        return Ok(ExitCode::from(BAD_INPUT));
    }
    if args.duration < SignedDuration::ZERO {
        eprintln!("kedatui simulate: --duration must not be negative");
        return Ok(ExitCode::from(BAD_INPUT));
    }
    // A typo like `--duration 30d --step 1ms` would print for hours: refuse it up front.
    let rows = args.duration.as_nanos() / args.step.as_nanos() + 1;
    if rows > MAX_ROWS {
        eprintln!(
            "kedatui simulate: --duration {} at --step {} is {} rows; at most {} (raise --step or shorten --duration)",
            kedatui_core::duration::format_duration(args.duration),
            kedatui_core::duration::format_duration(args.step),
            group_thousands(u64::try_from(rows).unwrap_or(u64::MAX)),
            group_thousands(MAX_ROWS as u64),
        );
        return Ok(ExitCode::from(BAD_INPUT));
    }
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    // CSV and JSONL stay machine-readable on stdout; their summary goes to stderr.
    let result = if args.format == Format::Table {
        simulate(&args, config, &mut out, None)
    } else {
        simulate(&args, config, &mut out, Some(&mut io::stderr().lock()))
    };
    match result.and_then(|()| out.flush()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        // `kedatui simulate | head` is fine.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(e.into()),
    }
}

enum Action {
    Burst(u64),
    Purge,
}

#[derive(Clone, Copy, PartialEq, Eq)]
struct Row {
    active: u64,
    in_flight: u64,
    spec_replicas: u32,
    status_replicas: u32,
    ready: u32,
    hpa_desired: u32,
    keda_active: bool,
}

fn row(world: &World) -> Row {
    let q = world.queue_sample();
    let d = world.deployment();
    Row {
        active: q.counts.active,
        in_flight: q.counts.in_flight.unwrap_or(0),
        spec_replicas: d.spec_replicas,
        status_replicas: d.status_replicas,
        ready: d.ready_replicas,
        hpa_desired: world.hpa().map_or(0, |h| h.desired_replicas),
        keda_active: world.keda_active(),
    }
}

/// Runs the scenario and writes the series to `out`, the summary to `summary` (or `out`).
pub fn simulate(
    args: &SimulateArgs,
    config: SimConfig,
    out: &mut dyn Write,
    summary: Option<&mut dyn Write>,
) -> io::Result<()> {
    let start = Timestamp::UNIX_EPOCH;
    let mut world = World::new(config, args.sim.seed.unwrap_or(0), start);
    let mut actions: Vec<(SignedDuration, Action)> = args
        .bursts
        .iter()
        .map(|b| (b.at, Action::Burst(b.count)))
        .chain(args.purges.iter().map(|&at| (at, Action::Purge)))
        .collect();
    actions.sort_by_key(|(at, _)| *at);
    let mut actions = actions.into_iter().peekable();

    match args.format {
        Format::Csv => writeln!(
            out,
            "t,active,in_flight,spec_replicas,status_replicas,ready,hpa_desired,keda_active"
        )?,
        Format::Table => writeln!(
            out,
            "{:>8} {:>8} {:>9} {:>5} {:>7} {:>6} {:>4}  keda",
            "t", "active", "in_flight", "spec", "status", "ready", "hpa"
        )?,
        Format::Jsonl => {}
    }
    let mut previous: Option<Row> = None;
    let mut elapsed = SignedDuration::ZERO;
    loop {
        let mut outcome = StepOutcome::default();
        while let Some((at, _)) = actions.peek() {
            if *at > elapsed {
                break;
            }
            let now = world.now().duration_since(start);
            outcome.merge(world.step(*at - now));
            match actions.next().expect("peeked").1 {
                Action::Burst(count) => world.send(count),
                Action::Purge => {
                    world.purge();
                }
            }
        }
        let now = world.now().duration_since(start);
        outcome.merge(world.step(elapsed - now));
        let current = row(&world);
        write_row(
            out,
            args.format,
            elapsed,
            &current,
            previous.as_ref(),
            &outcome.events,
            start,
        )?;
        previous = Some(current);
        if elapsed >= args.duration {
            break;
        }
        elapsed = (elapsed + args.step).min(args.duration);
    }
    match summary {
        Some(s) => write_summary(s, &world, start),
        None => write_summary(out, &world, start),
    }
}

fn write_row(
    out: &mut dyn Write,
    format: Format,
    t: SignedDuration,
    r: &Row,
    previous: Option<&Row>,
    events: &[ClusterEvent],
    start: Timestamp,
) -> io::Result<()> {
    match format {
        Format::Csv => writeln!(
            out,
            "{},{},{},{},{},{},{},{}",
            t.as_secs(),
            r.active,
            r.in_flight,
            r.spec_replicas,
            r.status_replicas,
            r.ready,
            r.hpa_desired,
            r.keda_active
        ),
        Format::Jsonl => {
            let events: Vec<_> = events
                .iter()
                .map(|e| {
                    serde_json::json!({
                        "t": e.at.duration_since(start).as_secs_f64(),
                        "type": e.type_.as_str(),
                        "reason": e.reason,
                        "object": e.object,
                        "message": e.message,
                        "source": e.source,
                    })
                })
                .collect();
            let line = serde_json::json!({
                "t": t.as_secs(),
                "active": r.active,
                "in_flight": r.in_flight,
                "spec_replicas": r.spec_replicas,
                "status_replicas": r.status_replicas,
                "ready": r.ready,
                "hpa_desired": r.hpa_desired,
                "keda_active": r.keda_active,
                "events": events,
            });
            writeln!(out, "{line}")
        }
        Format::Table => {
            if previous != Some(r) {
                writeln!(
                    out,
                    "{:>8} {:>8} {:>9} {:>5} {:>7} {:>6} {:>4}  {}",
                    format_duration(t),
                    r.active,
                    r.in_flight,
                    r.spec_replicas,
                    r.status_replicas,
                    r.ready,
                    r.hpa_desired,
                    if r.keda_active { "active" } else { "inactive" }
                )?;
            }
            for e in events {
                writeln!(
                    out,
                    "{:>8}   {} {}: {}",
                    format_duration(e.at.duration_since(start)),
                    e.reason,
                    e.object,
                    e.message
                )?;
            }
            Ok(())
        }
    }
}

fn write_summary(out: &mut dyn Write, world: &World, start: Timestamp) -> io::Result<()> {
    let s = world.stats();
    let since = |t: Timestamp| format_duration(t.duration_since(start));
    let after = |t: Option<Timestamp>, from: Option<Timestamp>, what: &str| match (t, from) {
        (Some(t), Some(from)) if t >= from => {
            format!(
                "t={} ({} after {what})",
                since(t),
                format_duration(t.duration_since(from))
            )
        }
        (Some(t), _) => format!("t={}", since(t)),
        (None, _) => "not within the run".to_string(),
    };
    let q = world.queue_sample();
    writeln!(out, "summary:")?;
    writeln!(
        out,
        "  messages: sent {}, completed {}, purged {}, dead-lettered {}, still queued {}, in flight {}",
        s.sent,
        s.completed,
        s.purged,
        s.dead_lettered,
        q.counts.active,
        q.counts.in_flight.unwrap_or(0)
    )?;
    writeln!(
        out,
        "  first Ready pod: {}",
        after(s.first_ready, s.first_send, "the first send")
    )?;
    writeln!(
        out,
        "  peak replicas: {} (spec.replicas), {} Ready",
        s.peak_spec_replicas, s.peak_ready_replicas
    )?;
    writeln!(
        out,
        "  queue drained: {}",
        after(s.drained, s.first_send, "the first send")
    )?;
    let back = if world.deployment().spec_replicas == 0 {
        after(s.back_to_zero, s.drained, "draining")
    } else {
        "not within the run".to_string()
    };
    writeln!(out, "  back to 0 replicas: {back}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_parse_and_reject_clearly() {
        assert_eq!(
            parse_burst("2m:500").unwrap(),
            Burst {
                at: SignedDuration::from_secs(120),
                count: 500
            }
        );
        assert_eq!(parse_burst("0:100").unwrap().at, SignedDuration::ZERO);
        assert!(matches!(parse_burst("100"), Err(BurstError::Shape(_))));
        assert!(matches!(parse_burst("1m:lots"), Err(BurstError::Count(_))));
        assert!(matches!(parse_burst("1x:5"), Err(BurstError::At(_))));
    }
}

//! The console: flags, terminal set-up and restore, the event loop, and the exit summary.
//!
//! One task owns the [`App`]; the sources (simulator, and later the live adapters), the terminal
//! input and the wall clock are tasks that send [`Event`]s over one channel. The loop applies every
//! pending event, routes the commands `update` returns, and redraws only when something visible
//! changed. The terminal is restored on quit, on error, on a panic of the UI itself, and on SIGTERM,
//! SIGINT, SIGHUP, SIGQUIT or SIGUSR1 (`crate::terminal`); only then is the summary printed.
//! SIGTSTP hands the terminal back while the process is stopped, and SIGCONT takes it again.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use color_eyre::eyre::{Context, Result};
use jiff::Timestamp;
use ratatui::DefaultTerminal;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::app::{App, AppConfig, Mode};
use crate::args::queue::{QueueArgs, QueueEnv};
use crate::args::sim::SimArgs;
use crate::event::{Command, Event};
use crate::parse::{BurstSizes, parse_bursts, parse_trickle, parse_warp};
use crate::presenter::{PresenterCommand, PresenterEvent};
use crate::record::replay::{self, ReplayArgs, ReplayCursor};
use crate::record::{RecordFile, Recorder, Recording};
use crate::source::live::{self, Setup};
use crate::source::{self, Sources, sim::SimDriver};
use kedatui_core::sim::SimConfig;
use kedatui_core::sim::fallback::FallbackSeed;

/// Exit code for bad input (flags, config), before the terminal is touched.
pub use kedatui_servicebus::EXIT_BAD_INPUT as BAD_INPUT;

#[derive(Debug, clap::Args)]
pub struct ConsoleArgs {
    /// Burst sizes for keys 1-9, comma-separated (1 to 9 sizes, each 1..=1000000).
    #[arg(long, value_name = "N,N,...", default_value = "10,100,500,1000,5000", value_parser = parse_bursts)]
    pub bursts: BurstSizes,
    /// Rate of the steady trickle `t` toggles: `5/s`, `30/m` or a plain number per second.
    #[arg(long, value_name = "RATE", default_value = "5/s", value_parser = parse_trickle)]
    pub trickle: f64,
    /// Initial time warp of the simulator (1 = real time; up to 1000).
    #[arg(long, value_name = "N", default_value = "1", value_parser = parse_warp)]
    pub warp: f64,
    /// Where the console logs (never to the screen). Default: kedatui.log in the temp directory.
    #[arg(long, value_name = "FILE", env = "KEDATUI_LOG_FILE")]
    pub log_file: Option<PathBuf>,
    /// The simulator's settings; unset ones take the demo defaults shown in the header.
    #[command(flatten)]
    pub sim: SimArgs,
    /// Take the simulator's numbers from a ScaledObject YAML (e.g. yaml/scaledobject.yaml).
    #[arg(long, value_name = "FILE")]
    pub scaledobject_file: Option<std::path::PathBuf>,
    /// The live queue (Service Bus or RabbitMQ): live mode when one is configured.
    #[command(flatten)]
    pub queue: QueueArgs,
    /// Live cluster to watch.
    #[command(flatten)]
    pub cluster: crate::args::cluster::ClusterArgs,
    /// Run the simulator even when a Service Bus connection is configured.
    #[arg(long = "sim")]
    pub force_simulator: bool,
    /// Recording, themes, big numbers, slide snapshots.
    #[command(flatten)]
    pub presenter: crate::presenter::PresenterArgs,
    /// Start the lab in-process (a loopback Service Bus and API server driven by the simulator's
    /// rules, a real receiver per pod) and watch it in live mode.
    #[arg(long)]
    pub lab: bool,
    #[command(flatten)]
    pub lab_flags: crate::lab::LabFlags,
}

/// A recording's settings pass the checks of the flags that set them, so a hand-edited or
/// damaged header cannot start a replay no console flag would allow (no burst keys, 12 of them,
/// a negative warp).
pub fn check_recorded_config(config: &AppConfig) -> Result<(), String> {
    if config.bursts.is_empty() {
        return Err("its header has no burst sizes (`bursts` is empty; 1 to 9 sizes)".into());
    }
    let bursts: Vec<String> = config.bursts.iter().map(u64::to_string).collect();
    parse_bursts(&bursts.join(",")).map_err(|e| format!("its header's bursts: {e}"))?;
    // `{:?}` keeps an exponent (1e308), which the parsers read back.
    parse_warp(&format!("{:?}", config.warp)).map_err(|e| format!("its header's warp: {e}"))?;
    parse_trickle(&format!("{:?}/s", config.trickle_per_second))
        .map_err(|e| format!("its header's trickle_per_second: {e}"))?;
    Ok(())
}

pub fn run(args: ConsoleArgs) -> Result<ExitCode> {
    // Bad input is reported before the terminal changes, with exit code 2.
    let mut sim_args = args.sim.clone();
    sim_args.scaledobject = args.scaledobject_file.clone();
    let scaler = args.queue.scaler_flag().unwrap_or_default();
    let mut sim_config = match sim_args.apply(SimConfig::demo().with_scaler(scaler)) {
        Ok(c) => c,
        Err(err) => {
            eprintln!("kedatui: {err}");
            return Ok(ExitCode::from(BAD_INPUT));
        }
    };
    if let Err(err) = args.presenter.view.check() {
        eprintln!("kedatui: {err}");
        return Ok(ExitCode::from(BAD_INPUT));
    }
    let lab_broker = if args.lab {
        match crate::lab::broker::console_broker(
            args.force_simulator,
            &args.queue,
            &QueueEnv::from_process(),
            &sim_config.names.queue,
        ) {
            Ok(broker) => broker,
            Err(err) => {
                eprintln!("kedatui: {err}");
                return Ok(ExitCode::from(BAD_INPUT));
            }
        }
    } else {
        Default::default()
    };
    // Flags the lab would ignore are bad input whether or not there is a terminal.
    let lab_setup = if args.lab {
        match crate::lab::console_lab(&args.cluster, &sim_config) {
            Ok(c) => Some(c),
            Err(err) => {
                eprintln!("kedatui: --lab: {err}");
                return Ok(ExitCode::from(BAD_INPUT));
            }
        }
    } else {
        None
    };
    // Before the lab's receivers start, which would only be stopped again.
    if args.lab
        && let Err(err) = need_terminal()
    {
        eprintln!("kedatui: {err}");
        return Ok(ExitCode::from(BAD_INPUT));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .wrap_err("starting the async runtime")?;
    // `--lab`: the lab runs on its own thread; the console reaches it like any live set-up.
    let lab = if let Some((lab_sim, lab_cluster)) = lab_setup {
        match crate::lab::Lab::start(crate::lab::LabConfig {
            sim: lab_sim,
            flags: args.lab_flags.clone(),
            cluster: lab_cluster,
            amqp_port: 0,
            http_port: 0,
            api_port: 0,
            seed: args.sim.seed.unwrap_or_else(|| fastrand::u64(..)),
            broker: lab_broker,
        }) {
            Ok(lab) => Some(lab),
            Err(err) => {
                eprintln!("kedatui: --lab: {err}");
                return Ok(ExitCode::FAILURE);
            }
        }
    } else {
        None
    };
    let (queue_args, queue_env, cluster_args) = match &lab {
        Some(lab) => {
            let (queue_args, queue_env) = lab.broker.console(&args.queue);
            (
                queue_args,
                queue_env,
                crate::args::cluster::ClusterArgs {
                    kubeconfig: Some(lab.kubeconfig.clone()),
                    // The loopback API server's kubeconfig has one context; yours keeps --context.
                    context: if lab.in_process_api {
                        None
                    } else {
                        args.cluster.context.clone()
                    },
                    ..args.cluster.clone()
                },
            )
        }
        None => (
            args.queue.clone(),
            QueueEnv::from_process(),
            args.cluster.clone(),
        ),
    };
    let setup = match runtime.block_on(live::resolve(
        args.force_simulator && lab.is_none(),
        &queue_args,
        queue_env,
        &cluster_args,
    )) {
        Ok(setup) => setup,
        Err(err) => {
            eprintln!("kedatui: {err}");
            return Ok(ExitCode::from(BAD_INPUT));
        }
    };
    if let Setup::Simulator = setup
        && let Err(err) =
            live::name_the_simulator(&mut sim_config.names, &args.queue.servicebus, &args.cluster)
    {
        eprintln!("kedatui: {err}");
        return Ok(ExitCode::from(BAD_INPUT));
    }
    // Refused with exit 2 before the terminal changes: an existing file (without --force), or
    // one another console is recording into.
    let record_file = match &args.presenter.record {
        Some(path) => match RecordFile::open(path, args.presenter.force) {
            Ok(file) => Some(file),
            Err(err) => {
                eprintln!(
                    "kedatui: cannot create the recording {}: {err}",
                    path.display()
                );
                return Ok(ExitCode::from(BAD_INPUT));
            }
        },
        None => None,
    };
    if let Err(err) = need_terminal() {
        if let (Some(file), Some(path)) = (record_file, &args.presenter.record) {
            file.abandon(path);
        }
        eprintln!("kedatui: {err}");
        return Ok(ExitCode::from(BAD_INPUT));
    }
    let (_log_guard, log_file) =
        crate::logging::init_logging_or_warn(args.log_file.as_deref(), "kedatui.log")?;

    let app_config = match &setup {
        Setup::Simulator => AppConfig {
            mode: Mode::Simulator,
            bursts: args.bursts.0.clone(),
            trickle_per_second: args.trickle,
            warp: args.warp,
            namespace: sim_config.names.namespace.clone(),
            queue: sim_config.names.queue.clone(),
            scaled_object: sim_config.names.scaled_object.clone(),
            deployment: sim_config.names.deployment.clone(),
            scaler: sim_config.scaler,
        },
        Setup::Live(live) => AppConfig {
            mode: Mode::Live,
            bursts: args.bursts.0.clone(),
            trickle_per_second: args.trickle,
            warp: 1.0,
            namespace: args.cluster.namespace.clone(),
            queue: live.queue.queue().to_owned(),
            scaler: live.queue.scaler(),
            scaled_object: args.cluster.scaledobject.clone(),
            deployment: sim_config.names.deployment.clone(),
        },
    };
    tracing::info!(?sim_config, ?app_config, "console starting");
    let seed = args.sim.seed.unwrap_or_else(|| fastrand::u64(..));
    let started_at = Timestamp::now();
    let recorder = match (record_file, &args.presenter.record) {
        (Some(file), Some(path)) => match Recorder::create(file, &app_config, started_at) {
            Ok(r) => Some(r),
            Err(err) => {
                eprintln!(
                    "kedatui: cannot create the recording {}: {err}",
                    path.display()
                );
                return Ok(ExitCode::from(BAD_INPUT));
            }
        },
        _ => None,
    };
    let mut app = App::new(app_config);
    app.lab = lab.is_some();
    app.lab_external_api = lab.as_ref().is_some_and(|l| !l.in_process_api);
    app.presenter.theme = args.presenter.view.theme;
    app.presenter.big = args.presenter.view.big;
    if let Setup::Live(live) = &setup {
        app.sign_in = live::sign_in_label(&live.queue);
    }
    let session = Session {
        recorder,
        snapshot_dir: args.presenter.view.snapshot_dir.clone(),
        fallback: Some((sim_config.clone(), seed)),
    };
    let warp = args.warp;
    let lab_commands = lab.as_ref().map(crate::lab::Lab::commands);
    let log_path = log_file.as_deref();
    let code = run_session(app, session, log_path, runtime, move |tx, sources| {
        if let Some(lab_commands) = lab_commands {
            let (commands, task) = crate::lab::spawn_fault_source(lab_commands);
            sources.add("lab", crate::lab::lab_accepts, commands, Some(task));
        }
        match setup {
            Setup::Simulator => {
                let world = kedatui_core::sim::World::new(sim_config, seed, started_at);
                let (commands, task) = source::sim::spawn(SimDriver::new(world, warp), tx);
                sources.add("simulator", source::simulator_accepts, commands, Some(task));
            }
            Setup::Live(live_config) => live::spawn_live(*live_config, tx, sources)
                .wrap_err("starting the Service Bus source")?,
        }
        Ok(())
    })?;
    if let Some(lab) = lab {
        // After the console's summary: the receivers stop as a scale-down would stop them.
        // Best effort writes: after SIGHUP there is no terminal to print to.
        let _ = match lab.shutdown() {
            Ok(report) => writeln!(io::stdout(), "{report}"),
            Err(err) => writeln!(io::stderr(), "kedatui: the lab: {err}"),
        };
    }
    Ok(code)
}

/// `kedatui replay`: refuse a bad recording before the terminal changes (exit 2), then play it.
pub fn replay(args: ReplayArgs) -> Result<ExitCode> {
    if let Err(err) = args.view.check() {
        eprintln!("kedatui: {err}");
        return Ok(ExitCode::from(BAD_INPUT));
    }
    let recording = match crate::record::load(&args.file) {
        Ok(r) => r,
        Err(err) => {
            eprintln!("kedatui: cannot replay {}: {err}", args.file.display());
            return Ok(ExitCode::from(BAD_INPUT));
        }
    };
    if let Err(err) = check_recorded_config(&recording.header.config.0) {
        eprintln!("kedatui: cannot replay {}: {err}", args.file.display());
        return Ok(ExitCode::from(BAD_INPUT));
    }
    run_replay(args, recording)
}

/// The TUI draws on standard output and reads keys from standard input: with either redirected
/// (`kedatui > file`, `kedatui </dev/null`) it would write escape codes into a file.
fn need_terminal() -> Result<(), String> {
    use std::io::IsTerminal;
    let not = if !io::stdin().is_terminal() {
        "standard input"
    } else if !io::stdout().is_terminal() {
        "standard output"
    } else {
        return Ok(());
    };
    Err(format!(
        "the console needs a terminal, and {not} is not one (run it in a terminal; `kedatui simulate`, `send`, `queue` and `lab` work without one)"
    ))
}

/// `kedatui replay`: the recording through the same App and UI, driven by the replay source.
fn run_replay(args: ReplayArgs, recording: Recording) -> Result<ExitCode> {
    if let Err(err) = need_terminal() {
        eprintln!("kedatui: {err}");
        return Ok(ExitCode::from(BAD_INPUT));
    }
    let (_log_guard, log_file) =
        crate::logging::init_logging_or_warn(args.log_file.as_deref(), "kedatui.log")?;
    tracing::info!(file = %args.file.display(), events = recording.entries.len(), cut_at = ?recording.cut_at, "replay starting");
    let cursor = ReplayCursor::new(&recording, args.speed);
    let mut app = App::new(recording.header.config.app_config());
    app.presenter.theme = args.view.theme;
    app.presenter.big = args.view.big;
    app.presenter.replay = Some(cursor.status());
    if let Some(line) = recording.cut_at {
        // Also on stderr, so it is still there once the screen is back.
        eprintln!(
            "kedatui: {} was cut off at line {line}: replaying the {} complete events before it",
            args.file.display(),
            recording.entries.len()
        );
        app.update(Event::Presenter(PresenterEvent::ReplayCutShort { line }));
    }
    let session = Session {
        recorder: None,
        snapshot_dir: args.view.snapshot_dir.clone(),
        fallback: None,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .wrap_err("starting the async runtime")?;
    let log_path = log_file.as_deref();
    run_session(app, session, log_path, runtime, move |tx, sources| {
        let (commands, task) = replay::spawn(cursor, tx);
        sources.add("replay", replay::replay_accepts, commands, Some(task));
        Ok(())
    })
}

/// What the loop does besides driving the App.
struct Session {
    recorder: Option<Recorder<BufWriter<File>>>,
    snapshot_dir: PathBuf,
    /// The simulator's settings from the flags and the seed, for the Wi-Fi fallback
    /// (`None` in a replay, which never switches).
    fallback: Option<(SimConfig, u64)>,
}

/// Set up the terminal, start the sources, run the loop, restore, print the summary.
fn run_session(
    app: App,
    mut session: Session,
    log_file: Option<&std::path::Path>,
    runtime: tokio::runtime::Runtime,
    start_sources: impl FnOnce(mpsc::UnboundedSender<Event>, &mut Sources) -> Result<()>,
) -> Result<ExitCode> {
    let (app, ended_by) = runtime.block_on(async move {
        let (world_tx, world_rx) = live::world_channel();
        let mut sources = Sources::default();
        start_sources(world_tx, &mut sources)?;

        // Only the UI going down restores the terminal (`crate::terminal`), never a panic on
        // a background thread.
        let (mut terminal, terminal_guard) =
            crate::terminal::enter().wrap_err("setting up the terminal")?;
        let (input_tx, input_rx) = mpsc::unbounded_channel();
        source::clock::spawn_input(input_tx);
        let mut world = Running {
            events: world_rx,
            sources,
        };
        let result = event_loop(&mut terminal, app, input_rx, &mut world, &mut session).await;
        // ratatui's Drop reports a cursor it cannot show with eprintln!, which panics once the
        // terminal has hung up: keep it from trying.
        if terminal.show_cursor().is_err() {
            std::mem::forget(terminal);
        }
        drop(terminal_guard);
        world.sources.shutdown().await;
        if let Some(recorder) = session.recorder.take()
            && let Err(err) = recorder.finish()
        {
            tracing::error!(%err, "the recording is incomplete");
            // Not eprintln!: after a hang-up there is no terminal, and it would panic.
            let _ = writeln!(io::stderr(), "kedatui: the recording is incomplete: {err}");
        }
        result
    })?;

    tracing::info!(?ended_by, summary = %app.summary(), "console stopped");
    // Best effort: after SIGHUP the terminal is gone, and the exit code still says why.
    let mut out = io::stdout().lock();
    let _ = writeln!(out, "{}", app.summary());
    let _ = match log_file {
        Some(path) => writeln!(out, "  log                  {}", path.display()),
        None => writeln!(
            out,
            "  log                  none (the log file could not be opened)"
        ),
    };
    Ok(match ended_by {
        EndedBy::Quit => ExitCode::SUCCESS,
        EndedBy::Signal(code) => ExitCode::from(code),
        EndedBy::SourcesGone => ExitCode::FAILURE,
        // As the SIGHUP that comes with a hang-up would.
        EndedBy::TerminalLost => ExitCode::from(129),
    })
}

/// The world the console shows: its sources and their events (replaced by the fallback).
struct Running {
    events: mpsc::UnboundedReceiver<Event>,
    sources: Sources,
}

impl Running {
    /// `s` in live mode: stop the live sources, start the simulator from the live numbers.
    async fn fall_back(
        &mut self,
        app: &mut App,
        seed: FallbackSeed,
        base: &SimConfig,
        rng_seed: u64,
    ) {
        let (tx, rx) = live::world_channel();
        let (sources, warning) = live::start_fallback(&seed, base, rng_seed, Timestamp::now(), tx);
        let live_sources = std::mem::replace(&mut self.sources, sources);
        // Dropping the old receiver drops whatever the live sources still had in flight.
        self.events = rx;
        live_sources.shutdown().await;
        if let Some(warning) = warning {
            tracing::warn!(%warning, "fallback");
            app.prompt.notice = Some(crate::app::Notice {
                level: crate::app::NoticeLevel::Warning,
                text: warning,
            });
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EndedBy {
    Quit,
    /// 128 + signal number, as shells report it.
    Signal(u8),
    SourcesGone,
    /// Drawing failed: the terminal hung up (a closed window) before its SIGHUP was handled.
    TerminalLost,
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    mut app: App,
    mut input: mpsc::UnboundedReceiver<Event>,
    world: &mut Running,
    session: &mut Session,
) -> Result<(App, EndedBy)> {
    let mut ending = EndSignals::install()?;
    let mut sigtstp = signal(SignalKind::from_raw(nix::libc::SIGTSTP))
        .wrap_err("installing the SIGTSTP handler")?;
    let mut sigcont = signal(SignalKind::from_raw(nix::libc::SIGCONT))
        .wrap_err("installing the SIGCONT handler")?;
    let size = terminal.size().wrap_err("reading the terminal size")?;
    app.update(Event::Input(crossterm::event::Event::Resize(
        size.width,
        size.height,
    )));
    if let Err(err) = draw(terminal, &app) {
        return Ok(terminal_lost(app, err));
    }
    let mut input_open = true;
    loop {
        // World events first: a key applies after the state the speaker saw (e.g. the
        // simulator's first tick), as with one channel.
        let first = tokio::select! {
            biased;
            code = ending.recv() => return Ok((app, EndedBy::Signal(code))),
            e = world.events.recv() => match e {
                Some(e) => e,
                None => {
                    tracing::error!("every world source stopped");
                    return Ok((app, EndedBy::SourcesGone));
                }
            },
            e = input.recv(), if input_open => match e {
                Some(e) => e,
                None => {
                    tracing::warn!("terminal input stopped");
                    input_open = false;
                    continue;
                }
            },
            _ = sigtstp.recv() => {
                // Ctrl-Z reaches us as a key in raw mode; this is `kill -TSTP` or a shell's
                // suspend. Back from `fg`, everything is drawn again.
                tracing::info!("SIGTSTP: stopping until continued");
                let redrawn = crate::terminal::suspend(terminal)
                    .wrap_err("suspending the terminal")
                    .and_then(|()| draw(terminal, &app));
                if let Err(err) = redrawn {
                    return Ok(terminal_lost(app, err));
                }
                continue;
            }
            _ = sigcont.recv() => {
                // Continued after a stop we may not have seen (SIGSTOP cannot be caught): the
                // shell may have reset the terminal and written over the screen.
                let redrawn = crate::terminal::resume(terminal)
                    .wrap_err("resuming the terminal")
                    .and_then(|()| draw(terminal, &app));
                if let Err(err) = redrawn {
                    return Ok(terminal_lost(app, err));
                }
                continue;
            }
        };
        // Apply everything already waiting, then draw once.
        let mut next = Some(first);
        let mut repaint = false;
        while let Some(event) = next {
            if let Some(recorder) = &mut session.recorder {
                recorder.record(&event);
            }
            for command in app.update(event) {
                if command == Command::Presenter(PresenterCommand::Snapshot) {
                    let saved = snapshot(terminal, &app, &session.snapshot_dir);
                    app.update(Event::Presenter(saved));
                } else if command == Command::Presenter(PresenterCommand::Redraw) {
                    repaint = true;
                } else if !world.sources.route(&command) {
                    tracing::warn!(?command, "no source can carry this out");
                }
            }
            if app.should_quit() {
                return Ok((app, EndedBy::Quit));
            }
            if let Some(seed) = app.take_fallback() {
                match &session.fallback {
                    Some((base, rng_seed)) => {
                        world.fall_back(&mut app, seed, base, *rng_seed).await;
                    }
                    None => tracing::warn!("no simulator to fall back to"),
                }
            }
            next = world
                .events
                .try_recv()
                .ok()
                .or_else(|| input.try_recv().ok());
        }
        // Once per batch, so a full disk shows at once (and a kill loses at most a batch).
        if let Some(recorder) = &mut session.recorder
            && let Some(err) = recorder.flush()
        {
            app.update(Event::Presenter(PresenterEvent::RecordingFailed(err)));
        }
        let changed = app.take_redraw();
        let redrawn = if repaint {
            // Ctrl-L: whatever else wrote to the terminal (a background job) is painted over.
            crate::terminal::clear(terminal)
                .wrap_err("clearing the screen")
                .and_then(|()| draw(terminal, &app))
        } else if changed {
            draw(terminal, &app)
        } else {
            Ok(())
        };
        if let Err(err) = redrawn {
            return Ok(terminal_lost(app, err));
        }
    }
}

/// The terminal failed under the loop (a closed window): end as the hang-up's SIGHUP would, so
/// the recording is flushed, the sources (and the lab) stop, and the summary is attempted.
fn terminal_lost(app: App, err: color_eyre::Report) -> (App, EndedBy) {
    tracing::warn!("the terminal is gone: {err:#}");
    (app, EndedBy::TerminalLost)
}

/// The signals that end the console as `q` would: the terminal is restored, the recording
/// flushed, the sources (and `--lab`'s receivers) stopped, and the summary printed. SIGHUP is a
/// closed window or `tmux kill-session`; SIGQUIT and SIGUSR1 would otherwise kill the process
/// with the terminal still raw.
struct EndSignals(Vec<(tokio::signal::unix::Signal, u8)>);

impl EndSignals {
    fn install() -> Result<Self> {
        let kinds = [
            (SignalKind::terminate(), "SIGTERM", 15),
            (SignalKind::interrupt(), "SIGINT", 2),
            (SignalKind::hangup(), "SIGHUP", 1),
            (SignalKind::quit(), "SIGQUIT", 3),
            (SignalKind::user_defined1(), "SIGUSR1", 10),
        ];
        let mut signals = Vec::with_capacity(kinds.len());
        for (kind, name, number) in kinds {
            let s = signal(kind).wrap_err_with(|| format!("installing the {name} handler"))?;
            signals.push((s, 128 + number));
        }
        Ok(EndSignals(signals))
    }

    /// The exit code (128 + the signal's number) of the first that arrives.
    async fn recv(&mut self) -> u8 {
        std::future::poll_fn(|cx| {
            for (s, code) in &mut self.0 {
                if s.poll_recv(cx).is_ready() {
                    return std::task::Poll::Ready(*code);
                }
            }
            std::task::Poll::Pending
        })
        .await
    }
}

/// `S`: draw the App off-screen at the terminal's size and write it as text and SVG.
fn snapshot(terminal: &DefaultTerminal, app: &App, dir: &std::path::Path) -> PresenterEvent {
    let size = match terminal.size() {
        Ok(s) => s,
        Err(err) => {
            return PresenterEvent::SnapshotFailed(format!("reading the terminal size: {err}"));
        }
    };
    let area = ratatui::layout::Rect::new(0, 0, size.width, size.height);
    let mut buf = ratatui::buffer::Buffer::empty(area);
    // A slide shows the demo, not the key echo of the key that took it.
    let mut shot = app.clone();
    shot.presenter.echo = None;
    ratatui::widgets::Widget::render(&shot, area, &mut buf);
    match crate::presenter::snapshot::write(dir, Timestamp::now(), &buf) {
        Ok((text, svg)) => {
            tracing::info!(text = %text.display(), svg = %svg.display(), "snapshot written");
            PresenterEvent::SnapshotSaved { text, svg }
        }
        Err(err) => PresenterEvent::SnapshotFailed(format!("writing to {}: {err}", dir.display())),
    }
}

fn draw(terminal: &mut DefaultTerminal, app: &App) -> Result<()> {
    terminal
        .draw(|frame| frame.render_widget(app, frame.area()))
        .wrap_err("drawing the screen")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        // Catches flag clashes between the areas' flattened Args (clap's own checks).
        use clap::CommandFactory;
        crate::cli::Cli::command().debug_assert();
    }

    #[test]
    fn console_flags_parse() {
        use clap::Parser;
        let cli = crate::cli::Cli::try_parse_from([
            "kedatui",
            "--bursts",
            "1,2",
            "--trickle",
            "30/m",
            "--warp",
            "10",
            "--max",
            "7",
        ])
        .unwrap();
        assert_eq!(cli.console.bursts.0, vec![1, 2]);
        assert_eq!(cli.console.trickle, 0.5);
        assert_eq!(cli.console.warp, 10.0);
        assert_eq!(cli.console.sim.max, Some(7));
        let err = crate::cli::Cli::try_parse_from(["kedatui", "--warp", "0"]).unwrap_err();
        assert_eq!(err.exit_code(), 2, "bad input exits 2");
    }

    /// #19 item 10: a header is checked like the flags; the recorder's own headers pass.
    #[test]
    fn recorded_settings_are_checked_like_the_flags() {
        let good = AppConfig::default();
        assert_eq!(check_recorded_config(&good), Ok(()));
        let cases: Vec<(AppConfig, &str)> = vec![
            (
                AppConfig {
                    bursts: vec![],
                    ..good.clone()
                },
                "no burst sizes",
            ),
            (
                AppConfig {
                    bursts: (1..=12).collect(),
                    ..good.clone()
                },
                "at most 9 bursts",
            ),
            (
                AppConfig {
                    bursts: vec![10, 0],
                    ..good.clone()
                },
                "at least 1 message",
            ),
            (
                AppConfig {
                    warp: -1e308,
                    ..good.clone()
                },
                "its header's warp: invalid warp \"-1e308\"",
            ),
            (
                AppConfig {
                    warp: 1e-300,
                    ..good.clone()
                },
                "at least 0.1",
            ),
            (
                AppConfig {
                    trickle_per_second: 0.0,
                    ..good.clone()
                },
                "trickle_per_second",
            ),
        ];
        for (config, want) in cases {
            let err = check_recorded_config(&config).expect_err(want);
            assert!(err.contains(want), "{want}: {err}");
        }
    }
}

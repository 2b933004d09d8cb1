//! `kedatui lab` and `kedatui --lab`: a local stand-in for "AKS + KEDA + Service Bus".
//!
//! Everything the console talks to speaks the real protocol: the loopback Service Bus (AMQP 1.0
//! and management REST) and a Kubernetes API server (the loopback one, or any API server without
//! nodes or controllers given by `--kubeconfig`). The cluster behaves by the simulator's rules:
//! [`controller`] drives `kedatui_core::sim::loops` (KEDA's scale loop, the HPA) on the broker's real
//! ActiveMessageCount and plays the Deployment and ReplicaSet controllers and the kubelet, whose
//! containers are real `receiver` processes ([`worker`]). It is not KEDA: no scaler code, no
//! metrics server, no admission webhooks.

pub mod broker;
pub mod controller;
pub mod install;
pub mod objects;
pub mod pods;
pub mod worker;

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use jiff::SignedDuration;
use serde_json::{Map, json};
use tokio::sync::mpsc::{self, UnboundedSender};

use crate::args::cluster::ClusterArgs;
use kedatui_core::duration::parse_duration;
use kedatui_core::queue::Scaler;
use kedatui_core::sim::SimConfig;

pub const SEND_RULE: &str = "kedatui-send";
pub const LISTEN_RULE: &str = "receiver-listen";
pub const MANAGE_RULE: &str = "keda-manage";
/// The image the lab's Deployment names; the lab runs the workspace's receiver binary instead.
pub const IMAGE: &str = "kedatui-lab/receiver:local";

/// The lab's own knobs (the rest are the simulator's flags).
#[derive(Debug, Clone, clap::Args)]
pub struct LabFlags {
    /// Lab: the receiver binary to run for each pod [default: $KEDATUI_RECEIVER, else `receiver`
    /// next to kedatui].
    #[arg(long, value_name = "FILE")]
    pub receiver: Option<PathBuf>,
    /// Lab: the HPA controller's sync period (`--horizontal-pod-autoscaler-sync-period`).
    #[arg(long, value_name = "DURATION", default_value = "15s", value_parser = parse_duration)]
    pub hpa_sync: SignedDuration,
    /// Lab: the kubelet's first restart back-off for a crashed receiver (doubles up to 5m).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub restart_backoff: SignedDuration,
    /// Lab: the queue's lock duration: a crashed receiver's messages come back after it.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub lock_duration: SignedDuration,
    /// Lab: where the lab keeps its kubeconfig and the receivers' logs [default: a fresh
    /// directory in the temp directory].
    #[arg(long, value_name = "DIR")]
    pub lab_dir: Option<PathBuf>,
}

/// `kedatui lab`.
#[derive(Debug, clap::Args)]
pub struct LabArgs {
    #[command(flatten)]
    pub flags: LabFlags,
    /// The simulator's settings (polling, cooldown, processing, pod timings, …).
    #[command(flatten)]
    pub sim: crate::args::sim::SimArgs,
    /// An API server without nodes or controllers to use instead of the loopback one
    /// (e.g. envtest's kube-apiserver + etcd).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context (with --kubeconfig).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// AMQP port of the loopback Service Bus (0 = any free port).
    #[arg(long, value_name = "PORT", default_value_t = 0)]
    pub amqp_port: u16,
    /// Management REST port of the loopback Service Bus (0 = any free port).
    #[arg(long, value_name = "PORT", default_value_t = 0)]
    pub http_port: u16,
    /// Port of the loopback API server (0 = any free port).
    #[arg(long, value_name = "PORT", default_value_t = 0)]
    pub api_port: u16,
    /// Where the lab logs [default: kedatui-lab.log in the temp directory].
    #[arg(long, value_name = "FILE")]
    pub log_file: Option<PathBuf>,
    /// The lab's broker: servicebus (a loopback Service Bus) or rabbitmq (its own
    /// rabbitmq-server, or yours from $RABBITMQ_URL / --rabbitmq-url-file) [default: servicebus].
    #[arg(long, value_enum, env = "KEDATUI_SCALER")]
    pub scaler: Option<crate::args::queue::ScalerArg>,
    /// With --scaler rabbitmq: your broker instead of the lab's own.
    #[command(flatten)]
    pub rabbitmq: crate::args::queue::RabbitMqArgs,
}

/// A fault to rehearse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The broker goes away (every connection dropped, ports closed) for this long.
    BrokerDown(Duration),
    /// SIGKILL one running receiver.
    CrashReceiver,
    /// The API server compacts: every watch gets 410 Expired and must re-list.
    ApiExpire,
    /// The API server goes away for this long.
    ApiDown(Duration),
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::BrokerDown(d) => write!(f, "broker down for {}s", d.as_secs()),
            Fault::CrashReceiver => f.write_str("crash a receiver"),
            Fault::ApiExpire => f.write_str("API server: 410 Expired to every watch"),
            Fault::ApiDown(d) => write!(f, "API server down for {}s", d.as_secs()),
        }
    }
}

/// The fault commands `kedatui lab` reads on stdin.
pub const FAULT_HELP: &str =
    "faults (type one, then Enter): crash | broker-down 10s | api-410 | api-down 10s | help | quit";

/// What a line typed into `kedatui lab` asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Typed {
    Fault(Fault),
    Help,
    Quit,
    Nothing,
}

/// Parses one command line (`crash`, `broker-down 10s`, `api-410`, `api-down 5s`, `quit`).
pub fn parse_command(line: &str) -> Result<Typed, String> {
    let mut words = line.split_whitespace();
    let Some(word) = words.next() else {
        return Ok(Typed::Nothing);
    };
    let duration = |arg: Option<&str>| -> Result<Duration, String> {
        let text = arg.unwrap_or("10s");
        let d = parse_duration(text).map_err(|e| format!("{text}: {e}"))?;
        if d <= SignedDuration::ZERO || d > SignedDuration::from_secs(600) {
            return Err(format!("{text}: give a duration between 1s and 10m"));
        }
        Ok(Duration::from_nanos(d.as_nanos() as u64))
    };
    let typed = match word {
        "crash" => Typed::Fault(Fault::CrashReceiver),
        "broker-down" => Typed::Fault(Fault::BrokerDown(duration(words.next())?)),
        "api-410" => Typed::Fault(Fault::ApiExpire),
        "api-down" => Typed::Fault(Fault::ApiDown(duration(words.next())?)),
        "help" | "?" => Typed::Help,
        "quit" | "exit" => Typed::Quit,
        other => return Err(format!("unknown command {other:?}; {FAULT_HELP}")),
    };
    Ok(typed)
}

impl From<crate::event::LabFault> for Fault {
    /// The console's keys: the broker and the API server go away for 10 s.
    fn from(key: crate::event::LabFault) -> Self {
        use crate::event::LabFault as K;
        match key {
            K::CrashReceiver => Fault::CrashReceiver,
            K::BrokerDown => Fault::BrokerDown(Duration::from_secs(10)),
            K::ApiExpire => Fault::ApiExpire,
            K::ApiDown => Fault::ApiDown(Duration::from_secs(10)),
        }
    }
}

/// The console's route for the fault keys (`Sources::add`).
pub fn lab_accepts(command: &crate::event::Command) -> bool {
    matches!(command, crate::event::Command::LabFault(_))
}

/// A source for `Sources`: forwards the console's fault keys to the lab.
pub fn spawn_fault_source(
    lab: UnboundedSender<LabCommand>,
) -> (
    UnboundedSender<crate::event::Command>,
    tokio::task::JoinHandle<()>,
) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let task = tokio::spawn(async move {
        while let Some(command) = rx.recv().await {
            if let crate::event::Command::LabFault(key) = command {
                let _ = lab.send(LabCommand::Fault(key.into()));
            }
        }
    });
    (tx, task)
}

/// To the controller.
#[derive(Debug)]
pub enum LabCommand {
    Fault(Fault),
    Shutdown,
}

/// What the lab did, printed when it stops.
#[derive(Clone, Debug, Default)]
pub struct LabReport {
    pub receivers_started: u32,
    pub completed_by_receivers: u64,
    /// Receivers that exited while their pod was not being deleted.
    pub crashes: u32,
    /// Exit codes of receivers stopped by a pod deletion (SIGTERM).
    pub exits_when_deleted: Vec<i32>,
    /// What the broker saw (`broker::Process::summary`).
    pub broker: Option<String>,
}

impl fmt::Display for LabReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(b) = &self.broker {
            writeln!(f, "  lab broker           {b}")?;
        }
        let clean = self.exits_when_deleted.iter().filter(|c| **c == 0).count();
        write!(
            f,
            "  lab receivers        {} started, {} stopped on SIGTERM ({} exit 0), {} crashed",
            self.receivers_started,
            self.exits_when_deleted.len(),
            clean,
            self.crashes
        )
    }
}

/// What the lab is asked to run.
#[derive(Clone, Debug)]
pub struct LabConfig {
    pub sim: SimConfig,
    pub flags: LabFlags,
    /// An external API server; `None` runs the loopback one.
    pub cluster: Option<ClusterArgs>,
    pub amqp_port: u16,
    pub http_port: u16,
    pub api_port: u16,
    pub seed: u64,
    /// The loopback Service Bus, or RabbitMQ (the lab's own broker or yours).
    pub broker: broker::BrokerChoice,
}

/// A running lab.
pub struct Lab {
    /// How the console, KEDA and the receivers reach the broker.
    pub broker: broker::Endpoints,
    pub kubeconfig: PathBuf,
    pub api_url: String,
    pub dir: PathBuf,
    pub in_process_api: bool,
    /// Pods of the Deployment an earlier run left in the API server, deleted at start.
    pub leftover_pods: Vec<String>,
    /// What the API server leaves out (Namespaces, Events), one line each, already logged.
    pub notes: Vec<String>,
    commands: UnboundedSender<LabCommand>,
    thread: Option<JoinHandle<Result<LabReport, String>>>,
    _tempdir: Option<tempfile::TempDir>,
}

struct Ready {
    endpoints: broker::Endpoints,
    api_url: String,
    leftover_pods: Vec<String>,
    notes: Vec<String>,
}

impl Lab {
    /// Starts the broker, the API server (unless external), installs the demo's objects and
    /// starts the controllers. Returns once everything is in place, or why it cannot be.
    pub fn start(config: LabConfig) -> Result<Lab, String> {
        let receiver = worker::find_receiver(config.flags.receiver.as_deref())?;
        let (tempdir, dir) = match &config.flags.lab_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create --lab-dir {}: {e}", dir.display()))?;
                (None, dir.clone())
            }
            None => {
                let t = tempfile::Builder::new()
                    .prefix("kedatui-lab-")
                    .tempdir()
                    .map_err(|e| format!("cannot create the lab's directory: {e}"))?;
                let path = t.path().to_owned();
                (Some(t), path)
            }
        };
        let logs = dir.join("receivers");
        std::fs::create_dir_all(&logs)
            .map_err(|e| format!("cannot create {}: {e}", logs.display()))?;
        let kubeconfig = match &config.cluster {
            Some(c) => c.kubeconfig.clone().unwrap_or_default(),
            None => dir.join("kubeconfig"),
        };
        let (commands, commands_rx) = mpsc::unbounded_channel();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<Ready, String>>();
        let in_process_api = config.cluster.is_none();
        let kubeconfig_path = kubeconfig.clone();
        let lab_dir = dir.clone();
        let thread = std::thread::Builder::new()
            .name("kedatui-lab".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .map_err(|e| format!("cannot start the lab's runtime: {e}"))?;
                runtime.block_on(run_lab(
                    config,
                    lab_dir,
                    receiver,
                    logs,
                    kubeconfig_path,
                    commands_rx,
                    ready_tx,
                ))
            })
            .map_err(|e| format!("cannot start the lab's thread: {e}"))?;
        match ready_rx.recv() {
            Ok(Ok(ready)) => Ok(Lab {
                broker: ready.endpoints,
                kubeconfig,
                api_url: ready.api_url,
                dir,
                in_process_api,
                leftover_pods: ready.leftover_pods,
                notes: ready.notes,
                commands,
                thread: Some(thread),
                _tempdir: tempdir,
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => Err(match thread.join() {
                Ok(Err(e)) => e,
                _ => "the lab stopped while starting".into(),
            }),
        }
    }

    pub fn fault(&self, fault: Fault) {
        let _ = self.commands.send(LabCommand::Fault(fault));
    }

    /// A sender for faults, for a console key or a stdin reader.
    pub fn commands(&self) -> UnboundedSender<LabCommand> {
        self.commands.clone()
    }

    /// Stops the receivers (SIGTERM, as a scale-down would), then the fakes; returns the report.
    pub fn shutdown(mut self) -> Result<LabReport, String> {
        let _ = self.commands.send(LabCommand::Shutdown);
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err("the lab panicked".into()),
            None => Err("the lab was already stopped".into()),
        }
    }

    /// How to point kedatui (or anything else) at this lab. Holds the lab's own broker's
    /// per-run secrets, as `servicebus-fake` prints them.
    pub fn instructions(&self) -> String {
        let mut s = self.broker.describe_lines();
        s.push_str(&format!(
            "kubeconfig: {} (API server {})\n",
            self.kubeconfig.display(),
            self.api_url
        ));
        s.push_str(&format!(
            "receiver logs: {}\n",
            self.dir.join("receivers").display()
        ));
        s.push_str("point kedatui at it:\n");
        let (exports, scaler) = self.broker.exports();
        s.push_str(&exports);
        let kc = self.kubeconfig.display();
        s.push_str(&format!(
            "  then: kedatui{scaler} --kubeconfig {kc}   |   kedatui doctor{scaler} --kubeconfig {kc}   |   kedatui send{scaler} --count 100   |   kedatui queue{scaler}\n"
        ));
        s
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = self.commands.send(LabCommand::Shutdown);
            let _ = thread.join();
        }
    }
}

async fn run_lab(
    config: LabConfig,
    dir: PathBuf,
    receiver: PathBuf,
    logs: PathBuf,
    kubeconfig: PathBuf,
    commands: mpsc::UnboundedReceiver<LabCommand>,
    ready: std::sync::mpsc::Sender<Result<Ready, String>>,
) -> Result<LabReport, String> {
    let fail = |e: String| {
        let _ = ready.send(Err(e.clone()));
        e
    };
    let names = config.sim.names.clone();
    let (endpoints, process) = broker::start(&config, &dir).await.map_err(fail)?;
    let process = Arc::new(process);

    let (api, cluster) = match &config.cluster {
        Some(c) => (None, c.clone()),
        None => {
            let api = testkit::kube::FakeApiServer::start_with(testkit::kube::Options {
                port: config.api_port,
                anonymous: true,
                ..testkit::kube::Options::default()
            })
            .await
            .map_err(|e| fail(format!("the lab's API server cannot listen: {e}")))?;
            api.write_kubeconfig(&kubeconfig, &names.namespace)
                .map_err(|e| fail(format!("cannot write {}: {e}", kubeconfig.display())))?;
            let cluster = ClusterArgs {
                kubeconfig: Some(kubeconfig.clone()),
                namespace: names.namespace.clone(),
                ..ClusterArgs::default()
            };
            (Some(Arc::new(api)), cluster)
        }
    };
    let (client, _) = cluster
        .client()
        .await
        .map_err(|e| fail(format!("the lab cannot use the API server: {}", e.message)))?;
    let api_url = api
        .as_ref()
        .map_or_else(|| "from the kubeconfig".to_string(), |a| a.url());
    install::refuse_real_cluster(&client).await.map_err(fail)?;
    let served = install::preflight(&client).await.map_err(fail)?;
    install::install(&client, &config.sim, IMAGE, served)
        .await
        .map_err(fail)?;
    let leftover_pods = controller::delete_leftover_pods(&client, &config.sim)
        .await
        .map_err(fail)?;
    let mut notes = Vec::new();
    if !served.namespaces {
        notes.push(format!(
            "namespaces: not served by this API server; the lab writes into {} without a Namespace object",
            names.namespace
        ));
    }
    if !served.events {
        notes.push(install::EVENTS_NOT_SERVED.to_string());
    }
    for note in &notes {
        tracing::warn!("lab: {note}");
    }

    let queue = endpoints.queue(&names.queue).map_err(fail)?;
    let report_queue = queue.clone();
    let sim = &config.sim;
    let mut vars = endpoints.receiver_vars();
    vars.extend([
        ("QUEUE_NAME".into(), names.queue.clone()),
        (
            "PROCESSING_MS".into(),
            sim.processing_time.as_millis().to_string(),
        ),
        ("CONCURRENCY".into(), sim.concurrency.to_string()),
        (
            "SHUTDOWN_GRACE_MS".into(),
            sim.pod.drain_limit.as_millis().to_string(),
        ),
        ("RUST_LOG".into(), "warn".into()),
    ]);
    let worker_env = worker::WorkerEnv {
        binary: receiver,
        vars,
        log_dir: logs,
    };
    let mut labels = Map::new();
    labels.insert("app.kubernetes.io/name".into(), json!(names.deployment));
    let template = pods::PodTemplate {
        namespace: names.namespace.clone(),
        container: names.container.clone(),
        image: IMAGE.into(),
        labels,
        grace_period_seconds: sim.pod.termination_grace_period.as_secs(),
    };
    let (faults_tx, mut faults_rx) = mpsc::unbounded_channel::<Fault>();
    let mut sim_config = config.sim.clone();
    sim_config.hpa_sync_period = config.flags.hpa_sync;
    sim_config.lock_duration = config.flags.lock_duration;
    let controller = controller::Controller::new(
        sim_config,
        controller::Wiring {
            client,
            queue,
            worker_env,
            template,
            restart_backoff: Duration::from_nanos(
                config.flags.restart_backoff.as_nanos().max(1) as u64
            ),
            seed: config.seed,
            commands,
            faults: faults_tx,
            events: served.events,
        },
    );
    let _ = ready.send(Ok(Ready {
        endpoints,
        api_url,
        leftover_pods,
        notes,
    }));

    // Broker and API server faults: the fakes' (or the lab's rabbitmq-server's) own switches,
    // on their real sockets.
    let fault_bus = process.clone();
    let fault_api = api.clone();
    let broker_outage = Arc::new(Mutex::new(BrokerOutage::default()));
    let faults = tokio::spawn(async move {
        while let Some(fault) = faults_rx.recv().await {
            tracing::info!(%fault, "lab: fault");
            match fault {
                Fault::BrokerDown(d) => {
                    let bus = fault_bus.clone();
                    let outage = broker_outage.clone();
                    let stop = outage.lock().unwrap().begin(std::time::Instant::now(), d);
                    tokio::spawn(async move {
                        if stop {
                            let stopping = bus.clone();
                            let _ = tokio::task::spawn_blocking(move || stopping.stop()).await;
                        }
                        tokio::time::sleep(d).await;
                        // A later, longer outage is not ended by this one's timer.
                        if !outage.lock().unwrap().end(std::time::Instant::now()) {
                            return;
                        }
                        let _ = tokio::task::spawn_blocking(move || match bus.restart() {
                            Ok(()) => tracing::info!("lab: the broker is back"),
                            Err(e) => {
                                tracing::warn!(error = %e, "lab: the broker cannot listen again")
                            }
                        })
                        .await;
                    });
                }
                Fault::ApiExpire => match &fault_api {
                    Some(api) => api.expire_resource_versions(),
                    None => tracing::warn!("lab: 410 needs the loopback API server"),
                },
                Fault::ApiDown(d) => match &fault_api {
                    Some(api) => {
                        let api = api.clone();
                        tokio::spawn(async move {
                            if let Err(e) = api.restart(d).await {
                                tracing::warn!(error = %e, "lab: the API server cannot listen again");
                            }
                        });
                    }
                    None => tracing::warn!("lab: api-down needs the loopback API server"),
                },
                Fault::CrashReceiver => {}
            }
        }
    });
    let mut report = controller.run().await;
    faults.abort();
    // The summary, then the broker stops (the lab's own rabbitmq-server: SIGTERM, on drop).
    report.broker = broker::summary(process, report_queue).await;
    Ok(report)
}

/// Overlapping `broker-down` faults: the broker comes back when the last of them ends, not
/// at the first one's timer.
#[derive(Debug, Default)]
struct BrokerOutage {
    until: Option<std::time::Instant>,
}

impl BrokerOutage {
    /// A `broker-down` of `length` at `now`; true when the broker must be stopped (it was up).
    fn begin(&mut self, now: std::time::Instant, length: Duration) -> bool {
        let end = now + length;
        let was_up = self.until.is_none();
        self.until = Some(self.until.map_or(end, |u| u.max(end)));
        was_up
    }

    /// A timer fired at `now`; true when the outage is over and the broker must come back.
    fn end(&mut self, now: std::time::Instant) -> bool {
        match self.until {
            Some(until) if now >= until => {
                self.until = None;
                true
            }
            _ => false,
        }
    }
}

/// Why a fault cannot act on this lab, if it cannot: the API server faults switch the loopback
/// API server, and a `--kubeconfig` one is not the lab's to take down or compact.
pub fn refuse_fault(fault: &Fault, in_process_api: bool) -> Option<String> {
    let word = match fault {
        Fault::ApiExpire => "api-410",
        Fault::ApiDown(_) => "api-down",
        Fault::BrokerDown(_) | Fault::CrashReceiver => return None,
    };
    (!in_process_api).then(|| {
        format!(
            "{word} needs the lab's loopback API server: the lab cannot take down or compact your API server (--kubeconfig), so nothing happened"
        )
    })
}

/// The fault commands this lab can carry out.
pub fn fault_help(in_process_api: bool) -> &'static str {
    if in_process_api {
        FAULT_HELP
    } else {
        "faults (type one, then Enter): crash | broker-down 10s | help | quit (api-410 and api-down need the loopback API server)"
    }
}

/// Flags `kedatui lab` would otherwise ignore: refused before anything starts (exit 2).
pub fn check_args(args: &LabArgs) -> Result<(), String> {
    if args.kubeconfig.is_none() && args.context.is_some() {
        return Err("--context needs --kubeconfig: without it the lab runs its own loopback API server, which has no contexts".into());
    }
    if args.kubeconfig.is_some() && args.api_port != 0 {
        return Err("--api-port is the loopback API server's port: with --kubeconfig the lab uses your API server, so leave it out".into());
    }
    Ok(())
}

/// `kedatui --lab`: the console's cluster flags point the lab, so the lab installs what the
/// console watches: `--namespace` and `--scaledobject` name the lab's objects, `--kubeconfig`
/// (with `--context`) is the API server the lab writes to. `--context` alone is refused.
pub fn console_lab(
    cluster: &ClusterArgs,
    sim: &SimConfig,
) -> Result<(SimConfig, Option<ClusterArgs>), String> {
    if cluster.kubeconfig.is_none() && cluster.context.is_some() {
        return Err("--context needs --kubeconfig: without it the lab runs its own loopback API server, which has no contexts".into());
    }
    let mut sim = sim.clone();
    sim.names.namespace = cluster.namespace.clone();
    sim.names.scaled_object = cluster.scaledobject.clone();
    let external = cluster.kubeconfig.as_ref().map(|k| ClusterArgs {
        kubeconfig: Some(k.clone()),
        context: cluster.context.clone(),
        namespace: cluster.namespace.clone(),
        ..ClusterArgs::default()
    });
    Ok((sim, external))
}

/// The lab's stdout. `kedatui lab | head -2` closes it: the lab then stops as `quit` does,
/// quietly (println! would panic on the broken pipe).
#[derive(Clone)]
struct Stdout {
    quit: std::sync::mpsc::Sender<&'static str>,
    closed: Arc<std::sync::atomic::AtomicBool>,
}

impl Stdout {
    fn say(&self, text: &str) {
        use std::io::Write as _;
        use std::sync::atomic::Ordering;
        if self.closed.load(Ordering::SeqCst) {
            return;
        }
        let mut out = std::io::stdout().lock();
        if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            self.close(&e.to_string());
        }
    }

    fn close(&self, why: &str) {
        use std::sync::atomic::Ordering;
        if !self.closed.swap(true, Ordering::SeqCst) {
            tracing::info!(why, "lab: stdout closed; stopping as `quit` does");
            let _ = self.quit.send("stdout closed");
        }
    }

    /// Notices a closed stdout without writing to it: poll reports POLLERR on a pipe whose
    /// reader is gone (and POLLHUP on a hung-up terminal), even while the lab has nothing to say.
    #[cfg(unix)]
    fn watch(&self) {
        use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
        use std::os::fd::AsFd as _;
        let stdout = self.clone();
        std::thread::spawn(move || {
            let out = std::io::stdout();
            loop {
                let mut fds = [PollFd::new(out.as_fd(), PollFlags::empty())];
                match poll(&mut fds, PollTimeout::NONE) {
                    Ok(_) => {
                        let gone = PollFlags::POLLERR | PollFlags::POLLHUP | PollFlags::POLLNVAL;
                        if fds[0].revents().is_some_and(|r| r.intersects(gone)) {
                            stdout.close("poll");
                            return;
                        }
                    }
                    Err(nix::errno::Errno::EINTR) => {}
                    Err(_) => return,
                }
            }
        });
    }
}

/// `kedatui lab`: runs the lab until Ctrl-C, SIGTERM, SIGHUP, `quit` or a closed stdout, reading
/// fault commands on stdin.
pub fn run_headless(args: LabArgs) -> color_eyre::Result<std::process::ExitCode> {
    use std::process::ExitCode;
    // stderr may be closed too: never panic over a message.
    let complain = |e: &str| {
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), "kedatui lab: {e}");
    };
    if let Err(e) = check_args(&args) {
        complain(&e);
        return Ok(ExitCode::from(kedatui_servicebus::EXIT_BAD_INPUT));
    }
    let scaler = args.scaler.map(Scaler::from).unwrap_or_default();
    let sim = match args.sim.apply(SimConfig::demo().with_scaler(scaler)) {
        Ok(c) => c,
        Err(e) => {
            complain(&e.to_string());
            return Ok(ExitCode::from(kedatui_servicebus::EXIT_BAD_INPUT));
        }
    };
    let env_url = std::env::var(kedatui_core::rabbitmq::RABBITMQ_URL_ENV).ok();
    let broker = match broker::choose(scaler, &args.rabbitmq, env_url, &sim.names.queue)
        .and_then(|b| broker::check_ports(&b, args.amqp_port, args.http_port).map(|()| b))
    {
        Ok(b) => b,
        Err(e) => {
            complain(&e);
            return Ok(ExitCode::from(kedatui_servicebus::EXIT_BAD_INPUT));
        }
    };
    // A log file that cannot be opened costs the log, not the lab (one line of warning).
    let (_guard, _log_file) =
        crate::logging::init_logging_or_warn(args.log_file.as_deref(), "kedatui-lab.log")?;
    let cluster = args.kubeconfig.as_ref().map(|k| ClusterArgs {
        kubeconfig: Some(k.clone()),
        context: args.context.clone(),
        namespace: sim.names.namespace.clone(),
        ..ClusterArgs::default()
    });
    let lab = match Lab::start(LabConfig {
        seed: args.sim.seed.unwrap_or_else(|| fastrand::u64(..)),
        sim: sim.clone(),
        flags: args.flags.clone(),
        cluster,
        amqp_port: args.amqp_port,
        http_port: args.http_port,
        api_port: args.api_port,
        broker,
    }) {
        Ok(lab) => lab,
        Err(e) => {
            tracing::error!(error = %e, "lab: cannot start");
            complain(&e);
            return Ok(ExitCode::FAILURE);
        }
    };
    let (quit_tx, quit_rx) = std::sync::mpsc::channel::<&'static str>();
    let out = Stdout {
        quit: quit_tx.clone(),
        closed: Arc::default(),
    };
    #[cfg(unix)]
    out.watch();
    let mut banner = format!(
        "kedatui lab: KEDA's and the HPA's rules (the simulator's) over {} and {}; every pod runs a real receiver. Not KEDA itself.\n",
        lab.broker.describe(),
        if lab.in_process_api {
            "a loopback Kubernetes API server"
        } else {
            "your API server"
        }
    );
    banner.push_str(&format!(
        "settings: polling {} · cooldown {} · HPA sync {} · processing {} · max {}\n",
        crate::format::short_duration(sim.polling_interval),
        crate::format::short_duration(sim.cooldown_period),
        crate::format::short_duration(args.flags.hpa_sync),
        crate::format::short_duration(sim.processing_time),
        sim.max_replicas
    ));
    if !lab.leftover_pods.is_empty() {
        banner.push_str(&format!(
            "lab: deleted {} pod(s) an earlier lab left in the API server without a receiver: {}\n",
            lab.leftover_pods.len(),
            lab.leftover_pods.join(", ")
        ));
    }
    for note in &lab.notes {
        banner.push_str(&format!("{note}\n"));
    }
    banner.push_str(&lab.instructions());
    banner.push_str(fault_help(lab.in_process_api));
    banner.push('\n');
    out.say(&banner);

    let commands = lab.commands();
    let in_process_api = lab.in_process_api;
    let endpoints = lab.broker.clone();
    let stdin_quit = quit_tx.clone();
    let stdin_out = out.clone();
    std::thread::spawn(move || {
        let out = stdin_out;
        let mut line = String::new();
        loop {
            line.clear();
            match std::io::stdin().read_line(&mut line) {
                // End of input (run in the background): keep running until a signal.
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            match parse_command(&line) {
                Ok(Typed::Fault(f)) => {
                    match refuse_fault(&f, in_process_api).or_else(|| endpoints.refuse_fault(&f)) {
                        Some(why) => out.say(&format!("lab: {why}\n")),
                        None => {
                            out.say(&format!("lab: {f}\n"));
                            let _ = commands.send(LabCommand::Fault(f));
                        }
                    }
                }
                Ok(Typed::Help) => out.say(&format!("{}\n", fault_help(in_process_api))),
                Ok(Typed::Quit) => {
                    let _ = stdin_quit.send("quit");
                    return;
                }
                Ok(Typed::Nothing) => {}
                Err(e) => out.say(&format!("lab: {e}\n")),
            }
        }
    });
    #[cfg(unix)]
    {
        let signal_quit = quit_tx.clone();
        std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                use tokio::signal::unix::{SignalKind, signal};
                // SIGHUP: the lab's terminal closed. Like the others, it stops the receivers
                // and removes their pods, instead of leaving them in the API server.
                let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
                    signal(SignalKind::terminate()),
                    signal(SignalKind::interrupt()),
                    signal(SignalKind::hangup()),
                ) else {
                    return;
                };
                let which = tokio::select! {
                    _ = term.recv() => "SIGTERM",
                    _ = int.recv() => "SIGINT",
                    _ = hup.recv() => "SIGHUP",
                };
                let _ = signal_quit.send(which);
            });
        });
    }
    drop(quit_tx);
    let why = quit_rx.recv().unwrap_or("quit");
    out.say(&format!(
        "lab: stopping ({why}): SIGTERM to every receiver, as a scale-down would\n"
    ));
    match lab.shutdown() {
        Ok(report) => {
            tracing::info!("lab: stopped ({why})\n{report}");
            out.say(&format!("kedatui lab summary\n{report}\n"));
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            tracing::error!(error = %e, "lab: stopping");
            complain(&e);
            Ok(ExitCode::FAILURE)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_broker_outages_end_at_the_last_end() {
        let t0 = std::time::Instant::now();
        let s = Duration::from_secs;
        let mut outage = BrokerOutage::default();
        // broker-down 10s, then broker-down 30s 2 s later: back at 32 s, not 10 s.
        assert!(outage.begin(t0, s(10)), "the first stops the broker");
        assert!(!outage.begin(t0 + s(2), s(30)), "the second finds it down");
        assert!(
            !outage.end(t0 + s(10)),
            "the first timer does not end the second outage"
        );
        assert!(outage.end(t0 + s(32)));
        // A shorter one inside a longer one changes nothing.
        assert!(outage.begin(t0 + s(40), s(30)));
        assert!(!outage.begin(t0 + s(41), s(5)));
        assert!(!outage.end(t0 + s(46)));
        assert!(outage.end(t0 + s(70)));
        assert!(
            !outage.end(t0 + s(80)),
            "over: a stray timer restarts nothing"
        );
    }

    #[test]
    fn fault_commands() {
        let cases = [
            ("crash", Ok(Typed::Fault(Fault::CrashReceiver))),
            (
                "broker-down 5s",
                Ok(Typed::Fault(Fault::BrokerDown(Duration::from_secs(5)))),
            ),
            (
                "broker-down",
                Ok(Typed::Fault(Fault::BrokerDown(Duration::from_secs(10)))),
            ),
            ("api-410", Ok(Typed::Fault(Fault::ApiExpire))),
            (
                " api-down 1m ",
                Ok(Typed::Fault(Fault::ApiDown(Duration::from_secs(60)))),
            ),
            ("quit", Ok(Typed::Quit)),
            ("", Ok(Typed::Nothing)),
        ];
        for (line, want) in cases {
            assert_eq!(parse_command(line), want, "{line:?}");
        }
        assert!(parse_command("broker-down 0s").is_err());
        assert!(parse_command("broker-down 1h").is_err());
        assert!(
            parse_command("reboot")
                .unwrap_err()
                .contains("unknown command \"reboot\"")
        );
    }

    #[test]
    fn api_faults_need_the_loopback_api_server() {
        let api_faults = [Fault::ApiExpire, Fault::ApiDown(Duration::from_secs(10))];
        for fault in &api_faults {
            assert_eq!(refuse_fault(fault, true), None);
            assert!(refuse_fault(fault, false).is_some_and(|why| why.contains("--kubeconfig")));
        }
        for fault in [
            Fault::CrashReceiver,
            Fault::BrokerDown(Duration::from_secs(1)),
        ] {
            assert_eq!(refuse_fault(&fault, false), None);
        }
        assert!(!fault_help(false).contains("api-down 10s |"));
        assert_eq!(fault_help(true), FAULT_HELP);
    }

    #[test]
    fn the_console_lab_installs_what_the_console_watches() {
        let cluster = ClusterArgs {
            namespace: "demo2".into(),
            scaledobject: "so2".into(),
            ..ClusterArgs::default()
        };
        let (sim, external) = console_lab(&cluster, &SimConfig::demo()).unwrap();
        assert_eq!(sim.names.namespace, "demo2");
        assert_eq!(sim.names.scaled_object, "so2");
        assert!(external.is_none(), "the loopback API server");
        let yours = ClusterArgs {
            kubeconfig: Some("k".into()),
            context: Some("c".into()),
            ..cluster.clone()
        };
        let (_, external) = console_lab(&yours, &SimConfig::demo()).unwrap();
        let external = external.unwrap();
        assert_eq!(external.context.as_deref(), Some("c"));
        assert_eq!(external.namespace, "demo2");
        let context_alone = ClusterArgs {
            context: Some("c".into()),
            ..cluster
        };
        assert!(
            console_lab(&context_alone, &SimConfig::demo())
                .unwrap_err()
                .starts_with("--context needs --kubeconfig")
        );
    }
}

//! The lab end to end: the real binary with `--lab` in a pseudo-terminal (a burst scales real
//! receiver processes out and back to zero, every message completed exactly once, also with a
//! receiver crash), and `kedatui lab` headless against a loopback API server reached through a
//! kubeconfig file, checked with `kedatui doctor`. Waits are on screen or output conditions with
//! timeouts.

use crate::support as common;

use std::collections::{BTreeSet, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::pty::{Pty, SERVICEBUS_VARS, Spawn, Watch};

const ROWS: u16 = 40;
const COLS: u16 = 120;
/// Receivers are debug builds starting on a shared 2-core machine: generous, still bounded.
const TIMEOUT: Duration = Duration::from_secs(90);
const BURST: u64 = 150;

/// The workspace's receiver binary, built with the same profile as this test's kedatui.
fn receiver_binary() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT.get_or_init(build_receiver).clone()
}

fn build_receiver() -> PathBuf {
    let kedatui = PathBuf::from(env!("CARGO_BIN_EXE_kedatui"));
    let dir = kedatui.parent().unwrap().to_path_buf();
    let receiver = dir.join(format!("receiver{}", std::env::consts::EXE_SUFFIX));
    // `cargo test --workspace` builds it alongside; rebuild only when a source is newer (a
    // `cargo build` from here resolves other features than the test build and recompiles much).
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let built = std::fs::metadata(&receiver).and_then(|m| m.modified()).ok();
    let sources = [
        "src",
        "crates",
        "vendor",
        "receiver/src",
        "testkit/src",
        "Cargo.lock",
        "Cargo.toml",
        "receiver/Cargo.toml",
        "testkit/Cargo.toml",
    ]
    .iter()
    .filter_map(|p| newest(&root.join(p)))
    .max();
    if built.is_some() && built >= sources {
        return receiver;
    }
    let mut build = Command::new(env!("CARGO"));
    build
        .args(["build", "-p", "receiver", "--bin", "receiver"])
        .current_dir(root);
    // What cargo set for this test process is not the caller's build environment.
    for (key, _) in std::env::vars() {
        let keep = [
            "CARGO_HOME",
            "CARGO_BUILD_JOBS",
            "CARGO_TARGET_DIR",
            "CARGO_NET_OFFLINE",
        ];
        if key.starts_with("CARGO_") && !keep.contains(&key.as_str()) {
            build.env_remove(key);
        }
    }
    if dir.file_name().is_some_and(|n| n == "release") {
        build.arg("--release");
    }
    let status = build.status().expect("run cargo build -p receiver");
    assert!(status.success(), "cargo build -p receiver failed");
    assert!(receiver.is_file(), "{} was built", receiver.display());
    receiver
}

/// The newest modification time of a file or of any file under a directory.
fn newest(path: &Path) -> Option<std::time::SystemTime> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_dir() {
        return meta.modified().ok();
    }
    std::fs::read_dir(path)
        .ok()?
        .flatten()
        .filter_map(|e| newest(&e.path()))
        .max()
}

/// Short timings: 1 s polls and syncs, a 4 s cooldown, 200 ms per message, at most 4 pods.
const LAB_FLAGS: &[&str] = &[
    "--polling-interval",
    "1s",
    "--cooldown",
    "4s",
    "--hpa-sync",
    "1s",
    "--processing",
    "200ms",
    "--max",
    "4",
    "--scheduling-delay",
    "600ms",
    "--container-creating",
    "600ms",
    "--seed",
    "7",
];

/// Pod STATUS words seen in the pod table so far, and the most `Running 1/1` rows at once: pods
/// can start and go between two waits.
#[derive(Default)]
struct Pods {
    statuses: BTreeSet<String>,
    most_ready: usize,
}

impl Watch for Pods {
    fn saw(&mut self, screen: &vt100::Screen) {
        let screen = screen.contents();
        let mut ready = 0;
        for line in pod_table_rows(&screen) {
            // The pod table's columns follow the name: STATUS, READY, RESTARTS, AGE.
            let mut words = line.split_whitespace().skip(1);
            let (Some(status), Some(ready_col)) = (words.next(), words.next()) else {
                continue;
            };
            self.statuses.insert(status.to_string());
            if status == "Running" && ready_col == "1/1" {
                ready += 1;
            }
        }
        self.most_ready = self.most_ready.max(ready);
    }

    fn report(&self) -> String {
        format!("seen {:?}; ", self.statuses)
    }
}

/// kedatui in a pty, without the caller's Service Bus or cluster settings.
fn start(args: &[&str]) -> Pty<Pods> {
    let remove = [SERVICEBUS_VARS.as_slice(), &["KUBECONFIG"]].concat();
    Pty::spawn(Spawn {
        args,
        envs: &[],
        remove: &remove,
        rows: ROWS,
        cols: COLS,
        timeout: TIMEOUT,
    })
}

/// The pod table's rows: they start at the panel's left border with a pod name (the header's
/// `kedasbreceiver-scaler` and the events' texts do not), or with `…` where a wider RESTARTS
/// (`1 (5s ago)`) left the name without its Deployment prefix.
fn pod_table_rows(screen: &str) -> impl Iterator<Item = &str> {
    screen
        .lines()
        .filter_map(|l| l.strip_prefix('│'))
        .filter(|l| {
            (l.starts_with("kedasbreceiver-") && !l.starts_with("kedasbreceiver-scaler"))
                || l.starts_with('…')
        })
}

fn pod_rows(screen: &str) -> usize {
    pod_table_rows(screen).count()
}

/// The receivers' completed message ids, from the logs the lab keeps per pod.
fn completed_ids(lab_dir: &Path) -> Vec<String> {
    let mut ids = Vec::new();
    for entry in std::fs::read_dir(lab_dir.join("receivers")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            if v["event"] == "completed" {
                ids.push(v["id"].as_str().unwrap().to_string());
            }
        }
    }
    ids
}

/// Children of `pid` whose command is `receiver`.
fn receiver_children(pid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{child}/stat")) else {
            continue;
        };
        // pid (comm) state ppid ...
        let Some(close) = stat.rfind(')') else {
            continue;
        };
        let comm = &stat[stat.find('(').unwrap() + 1..close];
        let ppid = stat[close + 2..].split_whitespace().nth(1);
        if comm == "receiver" && ppid == Some(pid.to_string().as_str()) {
            found.push(child);
        }
    }
    found
}

/// Press `1` (a burst of 150), watch pods go Pending → Running 1/1 and the queue drain, then
/// the cooldown take them back to none; quit and read the lab's report. With `crash`, one
/// receiver is killed (SIGKILL) while the queue still holds messages.
fn burst_cycle(crash: bool) {
    let receiver = receiver_binary();
    let lab_dir = tempfile::tempdir().unwrap();
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut args: Vec<&str> = vec!["--lab", "--bursts", "150"];
    args.extend_from_slice(LAB_FLAGS);
    let receiver_arg = receiver.to_string_lossy().into_owned();
    let dir_arg = lab_dir.path().to_string_lossy().into_owned();
    let log_arg = log.path().to_string_lossy().into_owned();
    args.extend_from_slice(&[
        "--receiver",
        &receiver_arg,
        "--lab-dir",
        &dir_arg,
        "--log-file",
        &log_arg,
    ]);
    if crash {
        // A killed receiver's message comes back when its lock expires.
        args.extend_from_slice(&["--lock-duration", "3s", "--restart-backoff", "3s"]);
    }
    let mut console = start(&args);
    console.wait_for("the lab's live header", |s, _| {
        s.contains("LIVE (lab)") && s.contains("Service Bus ok") && s.contains("cluster ok")
    });
    console.press(b"1");
    console.wait_for("the burst in the queue", |s, _| s.contains("sent 150"));
    console.wait_for("two pods Running 1/1", |_, pods| pods.most_ready >= 2);
    if crash {
        let pid = console.pid();
        let receivers = receiver_children(pid);
        assert!(!receivers.is_empty(), "the lab runs receiver processes");
        // nix, not the `kill` program: a minimal system has no procps.
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(receivers[0] as i32),
            nix::sys::signal::Signal::SIGKILL,
        )
        .expect("SIGKILL the receiver");
        console.wait_for("CrashLoopBackOff", |_, pods| {
            pods.statuses.contains("CrashLoopBackOff")
        });
    }
    console.wait_for("the queue drained", |s, _| {
        s.contains("active 0 ") && (s.contains("in flight 0 ") || s.contains("in flight n/a"))
    });
    console.wait_for("pods Terminating after the cooldown", |_, pods| {
        pods.statuses.contains("Terminating")
    });
    console.wait_for("no pods left", |s, _| pod_rows(s) == 0);
    let seen = console.watch.statuses.clone();
    assert!(
        seen.contains("Pending") || seen.contains("ContainerCreating"),
        "pods were seen starting: {seen:?}"
    );
    console.press(b"q");
    let (code, after) = console.wait_exit();
    assert_eq!(code, 0, "{after}");
    assert!(
        after.contains(&format!(
            "lab broker           sent {BURST}, completed {BURST}, dead-lettered 0, still queued 0 (locked 0)"
        )),
        "the broker completed every message exactly once, none dead-lettered:\n{after}"
    );
    let receivers_line = after
        .lines()
        .find(|l| l.contains("lab receivers"))
        .unwrap_or_else(|| panic!("the lab reports its receivers:\n{after}"));
    // "N started, M stopped on SIGTERM (M exit 0), K crashed": every stopped receiver exited 0.
    let numbers: Vec<u32> = receivers_line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .collect();
    let [started, stopped, clean, 0, crashed] = numbers[..] else {
        panic!("unexpected receivers line: {receivers_line}");
    };
    assert!(started >= 2, "{receivers_line}");
    assert_eq!(stopped, clean, "every receiver exited 0: {receivers_line}");
    if crash {
        assert!(crashed >= 1, "{receivers_line}");
        assert_eq!(started, stopped + crashed, "{receivers_line}");
    } else {
        assert_eq!(crashed, 0, "{receivers_line}");
        assert_eq!(started, stopped, "{receivers_line}");
    }
    let ids = completed_ids(lab_dir.path());
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len() as u64, BURST, "every message completed");
    assert_eq!(ids.len(), unique.len(), "and none twice");
}

#[test]
fn lab_burst_scales_real_receivers_out_and_back_to_zero() {
    burst_cycle(false);
}

#[test]
fn lab_receiver_crash_shows_crash_loop_back_off_and_loses_nothing() {
    burst_cycle(true);
}

/// `kedatui lab` against a loopback API server it reaches through a kubeconfig file, then
/// `kedatui doctor` with what the lab printed: all green; a burst sent with `kedatui send`
/// becomes pods in that API server; `quit` on stdin stops it with every message completed.
#[test]
fn headless_lab_through_a_kubeconfig_passes_the_doctor() {
    let receiver = receiver_binary();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let api = runtime
        .block_on(testkit::kube::FakeApiServer::start())
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    api.write_kubeconfig(&kubeconfig, "keda-demo").unwrap();
    let mut lab = Command::new(env!("CARGO_BIN_EXE_kedatui"))
        .arg("lab")
        .args(LAB_FLAGS)
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .arg("--receiver")
        .arg(&receiver)
        .arg("--lab-dir")
        .arg(dir.path().join("lab"))
        .arg("--log-file")
        .arg(dir.path().join("lab.log"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines_tx, lines) = mpsc::channel::<String>();
    let stdout = lab.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut printed = Vec::new();
    let deadline = Instant::now() + TIMEOUT;
    while !printed.iter().any(|l: &String| l.starts_with("faults")) {
        let line = lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| panic!("the lab printed its strings: {printed:#?}"));
        printed.push(line);
    }
    let export = |name: &str| -> String {
        let prefix = format!("  export {name}=");
        let line = printed
            .iter()
            .find_map(|l| l.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("{name} in {printed:#?}"));
        line.trim_matches('\'').to_string()
    };
    let envs = [
        (
            "SERVICEBUS_CONNECTION_STRING",
            export("SERVICEBUS_CONNECTION_STRING"),
        ),
        (
            "SERVICEBUS_MANAGE_CONNECTION_STRING",
            export("SERVICEBUS_MANAGE_CONNECTION_STRING"),
        ),
        (
            "SERVICEBUS_MANAGEMENT_URL",
            export("SERVICEBUS_MANAGEMENT_URL"),
        ),
    ];
    assert!(
        printed
            .iter()
            .any(|l| l.contains(&format!("--kubeconfig {}", kubeconfig.display()))),
        "the lab names the kubeconfig it uses: {printed:#?}"
    );
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_kedatui"))
            .args(args)
            .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    // The ScaledObject turns Ready at KEDA's first poll.
    let deadline = Instant::now() + TIMEOUT;
    let (code, doctor) = loop {
        let (code, out) = run(&["doctor", "--kubeconfig", kubeconfig.to_str().unwrap()]);
        if code == Some(0) || Instant::now() > deadline {
            break (code, out);
        }
        std::thread::park_timeout(Duration::from_millis(200));
    };
    assert_eq!(code, Some(0), "doctor is all green:\n{doctor}");
    assert!(doctor.contains("all 10 checks passed"), "{doctor}");
    assert!(!doctor.contains('✘'), "{doctor}");

    let sent = Command::new(env!("CARGO_BIN_EXE_kedatui"))
        .args(["send", "--count", "20"])
        .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    assert!(sent.status.success(), "{sent:?}");
    let deadline = Instant::now() + TIMEOUT;
    while api.names(testkit::kube::PODS, "keda-demo").is_empty() {
        assert!(
            Instant::now() < deadline,
            "the lab created pods in the API server"
        );
        std::thread::park_timeout(Duration::from_millis(50));
    }
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let ready = api
            .names(testkit::kube::PODS, "keda-demo")
            .iter()
            .filter_map(|n| api.get(testkit::kube::PODS, "keda-demo", n))
            .any(|p| p["status"]["containerStatuses"][0]["ready"] == true);
        if ready {
            break;
        }
        assert!(Instant::now() < deadline, "a pod turned Ready");
        std::thread::park_timeout(Duration::from_millis(50));
    }
    let deployment = api
        .get(testkit::kube::DEPLOYMENTS, "keda-demo", "kedasbreceiver")
        .unwrap();
    assert!(deployment["spec"]["replicas"].as_i64().unwrap() >= 1);
    let so = api
        .get(
            testkit::kube::SCALED_OBJECTS,
            "keda-demo",
            "kedasbreceiver-scaler",
        )
        .unwrap();
    assert_eq!(so["status"]["hpaName"], "keda-hpa-kedasbreceiver-scaler");

    // Wait for the queue to empty, then quit through stdin.
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let (_, queue) = run(&["queue"]);
        if queue.contains("active 0") && queue.contains("total 0") {
            break;
        }
        assert!(Instant::now() < deadline, "the queue drained: {queue}");
        std::thread::park_timeout(Duration::from_millis(200));
    }
    lab.stdin.as_mut().unwrap().write_all(b"quit\n").unwrap();
    let status = lab.wait().unwrap();
    let mut rest = Vec::new();
    while let Ok(line) = lines.recv_timeout(Duration::from_secs(5)) {
        rest.push(line);
    }
    let rest = rest.join("\n");
    assert!(status.success(), "{rest}");
    assert!(
        rest.contains("sent 20, completed 20, dead-lettered 0, still queued 0"),
        "{rest}"
    );
}

/// An API server that runs KEDA (or has nodes, or a controller manager) is refused, clearly,
/// before the lab writes anything.
#[test]
fn headless_lab_refuses_an_api_server_with_controllers() {
    let receiver = receiver_binary();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let api = runtime
        .block_on(testkit::kube::FakeApiServer::start())
        .unwrap();
    api.apply(
        serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "keda-operator", "namespace": "keda"}, "spec": {}}),
    );
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    api.write_kubeconfig(&kubeconfig, "keda-demo").unwrap();
    let before = api.resource_version();
    let out = lab_until_it_exits(&kubeconfig, &receiver, dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("this API server runs KEDA (Deployment keda/keda-operator)"),
        "{stderr}"
    );
    assert_eq!(api.resource_version(), before, "nothing was written");
}

/// #19 item 10: a closed window or `tmux kill-session` (SIGHUP) ends `kedatui --lab` as `q` does:
/// the lab's shutdown runs, so no receiver outlives the console (they used to keep running for
/// about 20 s, until their broker connection timed out).
#[test]
fn sighup_on_the_lab_console_stops_every_receiver() {
    let receiver = receiver_binary();
    let lab_dir = tempfile::tempdir().unwrap();
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut args: Vec<&str> = vec!["--lab", "--bursts", "150"];
    args.extend_from_slice(LAB_FLAGS);
    let receiver_arg = receiver.to_string_lossy().into_owned();
    let dir_arg = lab_dir.path().to_string_lossy().into_owned();
    let log_arg = log.path().to_string_lossy().into_owned();
    args.extend_from_slice(&[
        "--receiver",
        &receiver_arg,
        "--lab-dir",
        &dir_arg,
        "--log-file",
        &log_arg,
    ]);
    let mut console = start(&args);
    console.wait_for("the lab's live header", |s, _| {
        s.contains("LIVE (lab)") && s.contains("Service Bus ok") && s.contains("cluster ok")
    });
    console.press(b"1");
    console.wait_for("two pods Running 1/1", |_, pods| pods.most_ready >= 2);
    let pid = console.pid();
    let receivers = receiver_children(pid);
    assert!(!receivers.is_empty(), "the lab runs receiver processes");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGHUP,
    )
    .unwrap();
    let (code, after) = console.wait_exit();
    assert_eq!(code, 129, "128 + SIGHUP:\n{after}");
    assert!(
        after.contains("lab receivers"),
        "the lab reported:\n{after}"
    );
    // The console has exited: whatever of its receivers is left would be running still.
    let left: Vec<u32> = receivers
        .into_iter()
        .filter(|r| std::path::Path::new(&format!("/proc/{r}")).exists())
        .collect();
    assert!(left.is_empty(), "receivers outlived the console: {left:?}");
}

/// `kedatui lab` headless against the test's own loopback API server through a kubeconfig,
/// its stdout read line by line.
struct Headless {
    child: std::process::Child,
    lines: mpsc::Receiver<String>,
    printed: Vec<String>,
    api: testkit::kube::FakeApiServer,
    dir: tempfile::TempDir,
    runtime: tokio::runtime::Runtime,
}

impl Headless {
    /// Starts the lab with `LAB_FLAGS` and `extra` once `prepare` has filled the API server;
    /// returns when it has printed its fault help.
    fn start(extra: &[&str], prepare: impl FnOnce(&testkit::kube::FakeApiServer)) -> Self {
        Self::start_with(&receiver_binary(), extra, prepare)
    }

    fn start_with(
        receiver: &Path,
        extra: &[&str],
        prepare: impl FnOnce(&testkit::kube::FakeApiServer),
    ) -> Self {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let api = runtime
            .block_on(testkit::kube::FakeApiServer::start())
            .unwrap();
        prepare(&api);
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        api.write_kubeconfig(&kubeconfig, "keda-demo").unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_kedatui"))
            .arg("lab")
            .args(LAB_FLAGS)
            .args(extra)
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .arg("--receiver")
            .arg(receiver)
            .arg("--lab-dir")
            .arg(dir.path().join("lab"))
            .arg("--log-file")
            .arg(dir.path().join("lab.log"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            // Its own process group, as a shell's job is: what a closed terminal signals.
            .process_group(0)
            .spawn()
            .unwrap();
        let (lines_tx, lines) = mpsc::channel::<String>();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut lab = Headless {
            child,
            lines,
            printed: Vec::new(),
            api,
            dir,
            runtime,
        };
        lab.wait_line("its fault help", |l| l.starts_with("faults"));
        lab
    }

    fn wait_line(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let line = self
                .lines
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .unwrap_or_else(|_| panic!("the lab printed {what}: {:#?}", self.printed));
            self.printed.push(line.clone());
            if pred(&line) {
                return line;
            }
        }
    }

    fn export(&self, name: &str) -> (String, String) {
        let prefix = format!("  export {name}=");
        let value = self
            .printed
            .iter()
            .find_map(|l| l.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("{name} in {:#?}", self.printed));
        (name.to_string(), value.trim_matches('\'').to_string())
    }

    /// `kedatui send --count N` to the lab's queue.
    fn send(&self, count: u32) {
        let envs = [
            self.export("SERVICEBUS_CONNECTION_STRING"),
            self.export("SERVICEBUS_MANAGEMENT_URL"),
        ];
        let sent = Command::new(env!("CARGO_BIN_EXE_kedatui"))
            .args(["send", "--count", &count.to_string()])
            .envs(envs)
            .output()
            .unwrap();
        assert!(sent.status.success(), "{sent:?}");
    }

    fn type_line(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().unwrap();
        stdin.write_all(format!("{line}\n").as_bytes()).unwrap();
        stdin.flush().unwrap();
    }

    /// Waits on the API server's objects until `pred` holds.
    fn wait_api(&self, what: &str, pred: impl Fn(&testkit::kube::FakeApiServer) -> bool) {
        let deadline = Instant::now() + TIMEOUT;
        while !pred(&self.api) {
            assert!(Instant::now() < deadline, "{what}");
            std::thread::park_timeout(Duration::from_millis(50));
        }
    }

    fn pods(&self) -> Vec<serde_json::Value> {
        self.api
            .names(testkit::kube::PODS, "keda-demo")
            .iter()
            .filter_map(|n| self.api.get(testkit::kube::PODS, "keda-demo", n))
            .collect()
    }

    fn hpa(&self) -> serde_json::Value {
        self.api
            .get(
                testkit::kube::HPAS,
                "keda-demo",
                "keda-hpa-kedasbreceiver-scaler",
            )
            .expect("the lab's HPA")
    }

    fn deployment_replicas(&self) -> i64 {
        self.api
            .get(testkit::kube::DEPLOYMENTS, "keda-demo", "kedasbreceiver")
            .expect("the lab's Deployment")["spec"]["replicas"]
            .as_i64()
            .unwrap()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("lab.log")).unwrap_or_default()
    }

    /// Waits for the lab to exit; returns whether it succeeded and what it printed since start.
    fn wait_exit(mut self) -> (bool, String, Self) {
        let status = self.child.wait().unwrap();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.printed.push(line);
        }
        let printed = self.printed.join("\n");
        (status.success(), printed, self)
    }
}

fn condition<'a>(object: &'a serde_json::Value, type_: &str) -> Option<&'a serde_json::Value> {
    object["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == type_)
}

/// `--hpa-behavior default`: the HPA the lab writes carries the behavior it plays, and the
/// ScaledObject says so where KEDA reads it, so a console watching the lab says `behavior`.
#[test]
fn headless_lab_writes_the_hpa_behavior_it_plays() {
    let mut lab = Headless::start(&["--hpa-behavior", "default"], |_| {});
    let hpa = lab.hpa();
    let behavior = &hpa["spec"]["behavior"];
    assert_eq!(
        behavior["scaleDown"]["stabilizationWindowSeconds"], 300,
        "{hpa:#}"
    );
    assert_eq!(
        behavior["scaleUp"]["policies"].as_array().map(Vec::len),
        Some(2)
    );
    let so = lab
        .api
        .get(
            testkit::kube::SCALED_OBJECTS,
            "keda-demo",
            "kedasbreceiver-scaler",
        )
        .unwrap();
    assert_eq!(
        so["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"], *behavior,
        "{so:#}"
    );
    // What the console makes of it.
    let typed: kedatui_core::crd::ScaledObject = serde_json::from_value(so).unwrap();
    let view = kedatui_core::kube::rows::scaled_object_view(&typed);
    assert_eq!(
        view.hpa_behavior,
        kedatui_core::model::HpaBehaviorKind::Configured
    );
    lab.type_line("quit");
    let (ok, printed, _) = lab.wait_exit();
    assert!(ok, "{printed}");
}

/// The lab's terminal closes while pods run: SIGHUP to its process group, as the terminal's
/// shell sends its job. The lab stops its receivers (SIGTERM, exit 0: the hang-up does not reach
/// them), removes their pods and scales the Deployment to 0, as on `quit`, instead of dying and
/// leaving them.
#[test]
fn headless_lab_on_sighup_removes_its_pods() {
    let lab = Headless::start(&[], |_| {});
    lab.send(20);
    lab.wait_api("a pod turned Ready", |_| {
        lab.pods()
            .iter()
            .any(|p| p["status"]["containerStatuses"][0]["ready"] == true)
    });
    nix::sys::signal::killpg(
        nix::unistd::Pid::from_raw(lab.child.id() as i32),
        nix::sys::signal::Signal::SIGHUP,
    )
    .unwrap();
    let (ok, printed, lab) = lab.wait_exit();
    assert!(ok, "{printed}");
    assert!(printed.contains("lab: stopping (SIGHUP)"), "{printed}");
    let receivers = printed
        .lines()
        .find(|l| l.contains("lab receivers"))
        .unwrap_or_else(|| panic!("{printed}"));
    let numbers: Vec<u32> = receivers
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .collect();
    let [started, stopped, clean, 0, crashed] = numbers[..] else {
        panic!("unexpected receivers line: {receivers}");
    };
    assert!(started >= 1, "{receivers}");
    assert_eq!(
        (stopped, clean, crashed),
        (started, started, 0),
        "{receivers}"
    );
    assert_eq!(
        lab.pods(),
        Vec::<serde_json::Value>::new(),
        "no pod is left"
    );
    assert_eq!(lab.deployment_replicas(), 0);
}

/// An earlier lab died without cleaning up (SIGKILL): its pods are still in the API server.
/// The next lab deletes them before it runs any receiver, and says so.
#[test]
fn headless_lab_deletes_the_pods_an_earlier_run_left() {
    let lab = Headless::start(&[], |api| {
        for name in [
            "kedasbreceiver-5d8f7c9b4-ghost1",
            "kedasbreceiver-5d8f7c9b4-ghost2",
        ] {
            api.apply(serde_json::json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "namespace": "keda-demo",
                             "labels": {"app.kubernetes.io/name": "kedasbreceiver"}},
                "spec": {"containers": [{"name": "receiver", "image": "x"}]},
                "status": {"phase": "Running"}}));
        }
        api.apply(
            serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "kedasbreceiver", "namespace": "keda-demo"},
            "spec": {"replicas": 8}}),
        );
    });
    assert_eq!(
        lab.pods(),
        Vec::<serde_json::Value>::new(),
        "the ghosts are gone"
    );
    assert_eq!(lab.deployment_replicas(), 0);
    assert!(
        lab.printed.iter().any(
            |l| l.contains("deleted 2 pod(s)") && l.contains("kedasbreceiver-5d8f7c9b4-ghost1")
        ),
        "{:#?}",
        lab.printed
    );
}

/// `broker-down` while pods run: the lab cannot read the queue, so its HPA says what the HPA
/// controller says of a failed external metric, and KEDA's scaler failure is an event.
#[test]
fn headless_lab_broker_down_fails_the_hpa_metric() {
    let mut lab = Headless::start(&[], |_| {});
    lab.send(20);
    lab.wait_api("the HPA found its metric", |_| {
        condition(&lab.hpa(), "ScalingActive").is_some_and(|c| c["reason"] == "ValidMetricFound")
    });
    lab.type_line("broker-down 60s");
    lab.wait_api("ScalingActive=False/FailedGetExternalMetric", |_| {
        condition(&lab.hpa(), "ScalingActive")
            .is_some_and(|c| c["status"] == "False" && c["reason"] == "FailedGetExternalMetric")
    });
    let active = condition(&lab.hpa(), "ScalingActive").unwrap().clone();
    assert!(
        active["message"]
            .as_str()
            .unwrap()
            .starts_with("the HPA was unable to compute the replica count: unable to get external metric keda-demo/s0-azure-servicebus-kedaqueue/"),
        "{active:#}"
    );
    let events = |reason: &str| {
        lab.api
            .names(testkit::kube::EVENTS, "keda-demo")
            .iter()
            .filter_map(|n| lab.api.get(testkit::kube::EVENTS, "keda-demo", n))
            .filter(|e| e["reason"] == reason)
            .count()
    };
    lab.wait_api("KEDA's KEDAScalerFailed event", |_| {
        events("KEDAScalerFailed") > 0
    });
    lab.wait_api("the HPA's FailedGetExternalMetric event", |_| {
        events("FailedGetExternalMetric") > 0
    });
    lab.type_line("quit");
    let (ok, printed, _) = lab.wait_exit();
    assert!(ok, "{printed}");
}

/// The API server goes away while pods work: the lab's log says so once when it goes and once
/// when it is back, with no line per failed request in between.
#[test]
fn headless_lab_logs_an_api_server_outage_once() {
    let mut lab = Headless::start(&[], |_| {});
    lab.send(100);
    lab.wait_api("a pod turned Ready", |_| {
        lab.pods()
            .iter()
            .any(|p| p["status"]["containerStatuses"][0]["ready"] == true)
    });
    // Down for 5 s while the receivers complete messages and pods change.
    lab.runtime
        .block_on(lab.api.restart(Duration::from_secs(5)))
        .unwrap();
    let deadline = Instant::now() + TIMEOUT;
    while !lab.log().contains("the API server is back") {
        assert!(
            Instant::now() < deadline,
            "the lab logs that the API server is back:\n{}",
            lab.log()
        );
        std::thread::park_timeout(Duration::from_millis(100));
    }
    let log = lab.log();
    let count = |text: &str| log.lines().filter(|l| l.contains(text)).count();
    assert_eq!(count("the API server cannot be reached"), 1, "{log}");
    assert_eq!(count("the API server is back"), 1, "{log}");
    assert_eq!(count("ERROR"), 0, "{log}");
    lab.type_line("quit");
    let (ok, printed, _) = lab.wait_exit();
    assert!(ok, "{printed}");
}

/// A receiver that cannot even start (its binary went away under the lab) puts its pod in
/// CrashLoopBackOff, and the lab's report counts those failures as crashes, not `0 crashed`.
#[test]
fn headless_lab_counts_a_receiver_that_cannot_start_as_crashed() {
    let dir = tempfile::tempdir().unwrap();
    let receiver = dir.path().join("receiver");
    std::fs::copy(receiver_binary(), &receiver).unwrap();
    let mut lab = Headless::start_with(&receiver, &["--restart-backoff", "1s"], |_| {});
    std::fs::remove_file(&receiver).unwrap();
    lab.send(5);
    lab.wait_api("a pod in CrashLoopBackOff", |_| {
        lab.pods().iter().any(|p| {
            p["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] == "CrashLoopBackOff"
        })
    });
    lab.type_line("quit");
    let (ok, printed, _) = lab.wait_exit();
    assert!(ok, "{printed}");
    let line = printed
        .lines()
        .find(|l| l.contains("lab receivers"))
        .unwrap_or_else(|| panic!("{printed}"));
    assert!(line.contains("0 started"), "{line}");
    assert!(!line.ends_with(" 0 crashed"), "{line}");
}

/// `kedatui lab` running headless, its stdout read line by line on a thread.
struct PipedLab {
    child: std::process::Child,
    lines: mpsc::Receiver<String>,
    /// What it printed up to its fault help (the line starting with `faults`).
    printed: Vec<String>,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl PipedLab {
    /// Starts `kedatui lab` with `args` and the test's short timings; waits for its help line.
    fn start(args: &[&std::ffi::OsStr]) -> Self {
        Self::start_with(args, &[])
    }

    /// [`PipedLab::start`] with environment variables set (`Some`) or removed (`None`).
    fn start_with(args: &[&std::ffi::OsStr], envs: &[(&str, Option<&str>)]) -> Self {
        let receiver = receiver_binary();
        let dir = tempfile::tempdir().unwrap();
        // A test that names its own --log-file keeps it.
        let log = match args.iter().position(|a| *a == "--log-file") {
            Some(at) => PathBuf::from(args[at + 1]),
            None => dir.path().join("lab.log"),
        };
        let mut command = Command::new(env!("CARGO_BIN_EXE_kedatui"));
        command
            .arg("lab")
            .args(LAB_FLAGS)
            .args(args)
            .arg("--receiver")
            .arg(&receiver)
            .arg("--lab-dir")
            .arg(dir.path().join("lab"));
        if !args.contains(&"--log-file".as_ref()) {
            command.arg("--log-file").arg(&log);
        }
        for (name, value) in envs {
            match value {
                Some(v) => command.env(name, v),
                None => command.env_remove(name),
            };
        }
        let mut child = command
            .env_remove("KUBECONFIG")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (lines_tx, lines) = mpsc::channel::<String>();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut lab = PipedLab {
            child,
            lines,
            printed: Vec::new(),
            log,
            _dir: dir,
        };
        lab.printed = lab.read_until("its fault help", |l| l.starts_with("faults"));
        lab
    }

    /// The lab's directory (`--lab-dir`).
    fn lab_dir(&self) -> PathBuf {
        self._dir.path().join("lab")
    }

    /// Lines printed until one matches (included).
    fn read_until(&mut self, what: &str, matches: impl Fn(&str) -> bool) -> Vec<String> {
        let deadline = Instant::now() + TIMEOUT;
        let mut seen = Vec::new();
        loop {
            match self
                .lines
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(line) => {
                    let done = matches(&line);
                    seen.push(line);
                    if done {
                        return seen;
                    }
                }
                Err(_) => {
                    let _ = self.child.kill();
                    let stderr = self.stderr();
                    panic!("the lab printed {what}: {seen:#?}\nstderr: {stderr}");
                }
            }
        }
    }

    fn stderr(&mut self) -> String {
        let mut text = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut text);
        }
        text
    }

    fn type_line(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().unwrap();
        stdin.write_all(format!("{line}\n").as_bytes()).unwrap();
        stdin.flush().unwrap();
    }

    /// `quit` on stdin; the exit status and what it printed after.
    fn quit(mut self) -> (std::process::ExitStatus, String, String) {
        self.type_line("quit");
        let status = wait_exit(&mut self.child);
        // Until the reader thread reaches the end of stdout.
        let mut rest = Vec::new();
        while let Ok(line) = self.lines.recv_timeout(TIMEOUT) {
            rest.push(line);
        }
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        (status, rest.join("\n"), log)
    }
}

impl Drop for PipedLab {
    /// A failed test leaves no lab behind.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits for a process to exit, for at most the test's timeout (then kills it and fails).
fn wait_exit(child: &mut std::process::Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the lab did not exit");
        }
        std::thread::park_timeout(Duration::from_millis(50));
    }
}

/// A loopback API server and a kubeconfig for it, as `--kubeconfig` would be given.
fn external_api(
    runtime: &tokio::runtime::Runtime,
) -> (testkit::kube::FakeApiServer, tempfile::TempDir, PathBuf) {
    let api = runtime
        .block_on(testkit::kube::FakeApiServer::start())
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    api.write_kubeconfig(&kubeconfig, "keda-demo").unwrap();
    (api, dir, kubeconfig)
}

/// A generic API server serves no Namespaces: the lab says so and installs the demo's objects
/// into keda-demo without one, instead of stopping on the 404.
#[test]
fn headless_lab_goes_on_without_a_namespaces_api() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (api, _dir, kubeconfig) = external_api(&runtime);
    api.set_served("namespaces", false);
    let lab = PipedLab::start(&["--kubeconfig".as_ref(), kubeconfig.as_os_str()]);
    assert!(
        lab.printed
            .iter()
            .any(|l| l.starts_with("namespaces: not served by this API server")),
        "{:#?}",
        lab.printed
    );
    for (resource, name) in [
        (testkit::kube::DEPLOYMENTS, "kedasbreceiver"),
        (testkit::kube::SCALED_OBJECTS, "kedasbreceiver-scaler"),
        (testkit::kube::HPAS, "keda-hpa-kedasbreceiver-scaler"),
    ] {
        assert!(
            api.get(resource, "keda-demo", name).is_some(),
            "{name} installed"
        );
    }
    let (status, rest, _) = lab.quit();
    assert!(status.success(), "{rest}");
}

/// An API server without something the lab cannot do without (here: HPAs) is refused with a
/// sentence before the first write: nothing is left behind.
#[test]
fn headless_lab_refuses_a_missing_api_before_writing_anything() {
    let receiver = receiver_binary();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (api, dir, kubeconfig) = external_api(&runtime);
    api.set_served("horizontalpodautoscalers", false);
    let before = api.resource_version();
    let out = lab_until_it_exits(&kubeconfig, &receiver, dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "this API server does not serve horizontalpodautoscalers (autoscaling/v2): the lab needs"
        ),
        "{stderr}"
    );
    assert_eq!(api.resource_version(), before, "nothing was written");
}

/// A refused write reads as a sentence with the API server's answer first, never kube's `Debug`
/// dump of the `Status`.
#[test]
fn headless_lab_errors_are_sentences_not_debug_dumps() {
    let receiver = receiver_binary();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (api, dir, kubeconfig) = external_api(&runtime);
    api.forbid("create", "namespaces");
    let out = lab_until_it_exits(&kubeconfig, &receiver, dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with(
            "kedatui lab: the API server refused to write Namespace keda-demo (403 Forbidden: namespaces is forbidden"
        ),
        "{stderr}"
    );
    for dump in ["Status {", "ApiError", "ErrorResponse", "code: 403"] {
        assert!(!stderr.contains(dump), "no Debug dump ({dump}): {stderr}");
    }
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "one sentence: {stderr}"
    );
}

/// No Events API: the lab says so once, on stdout and in its log, and writes none (a burst's
/// scale-out would otherwise post several).
#[test]
fn headless_lab_says_once_that_events_are_not_served() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (api, _dir, kubeconfig) = external_api(&runtime);
    api.set_served("events", false);
    let lab = PipedLab::start(&["--kubeconfig".as_ref(), kubeconfig.as_os_str()]);
    const SAID: &str = "events: not served by this API server; the lab writes none";
    assert_eq!(
        lab.printed.iter().filter(|l| *l == SAID).count(),
        1,
        "{:#?}",
        lab.printed
    );
    let export = |name: &str| -> (String, String) {
        let prefix = format!("  export {name}=");
        let value = lab
            .printed
            .iter()
            .find_map(|l| l.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("{name} in {:#?}", lab.printed));
        (name.to_string(), value.trim_matches('\'').to_string())
    };
    let envs = [
        export("SERVICEBUS_CONNECTION_STRING"),
        export("SERVICEBUS_MANAGE_CONNECTION_STRING"),
        export("SERVICEBUS_MANAGEMENT_URL"),
    ];
    let sent = Command::new(env!("CARGO_BIN_EXE_kedatui"))
        .args(["send", "--count", "5"])
        .envs(envs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .unwrap();
    assert!(sent.status.success(), "{sent:?}");
    // A pod turning Ready means KEDA scaled out and the scheduler and kubelet had their say:
    // events the lab would have posted.
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let ready = api
            .names(testkit::kube::PODS, "keda-demo")
            .iter()
            .filter_map(|n| api.get(testkit::kube::PODS, "keda-demo", n))
            .any(|p| p["status"]["containerStatuses"][0]["ready"] == true);
        if ready {
            break;
        }
        assert!(Instant::now() < deadline, "a pod turned Ready");
        std::thread::park_timeout(Duration::from_millis(50));
    }
    let (status, rest, log) = lab.quit();
    assert!(status.success(), "{rest}");
    assert!(!rest.contains(SAID), "said once: {rest}");
    assert_eq!(log.matches(SAID).count(), 1, "once in the log:\n{log}");
    let posted: Vec<String> = api
        .requests()
        .into_iter()
        .filter(|r| r.starts_with("POST") && r.contains("/events"))
        .collect();
    assert!(posted.is_empty(), "no event was posted: {posted:#?}");
}

/// The API server faults switch the lab's loopback API server: against `--kubeconfig` they are
/// refused with a sentence instead of announced, and the help leaves them out.
#[test]
fn headless_lab_refuses_api_faults_against_your_api_server() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (_api, _dir, kubeconfig) = external_api(&runtime);
    let mut lab = PipedLab::start(&["--kubeconfig".as_ref(), kubeconfig.as_os_str()]);
    let help = lab.printed.last().unwrap().clone();
    assert!(
        help.contains("crash | broker-down 10s | help | quit (api-410 and api-down need the loopback API server)"),
        "{help}"
    );
    for (typed, word) in [("api-down 10s", "api-down"), ("api-410", "api-410")] {
        lab.type_line(typed);
        let said = lab.read_until("an answer", |l| l.starts_with("lab: "));
        let said = said.last().unwrap();
        assert_eq!(
            said,
            &format!(
                "lab: {word} needs the lab's loopback API server: the lab cannot take down or compact your API server (--kubeconfig), so nothing happened"
            )
        );
    }
    let (status, rest, _) = lab.quit();
    assert!(status.success(), "{rest}");
}

/// Flags `kedatui lab` and `kedatui --lab` would ignore are refused with exit 2 and a sentence.
#[test]
fn lab_flags_that_would_do_nothing_are_refused() {
    let cases: [(&[&str], &str); 5] = [
        (
            &["lab", "--scaler", "rabbitmq", "--amqp-port", "5672"],
            "kedatui lab: --amqp-port and --http-port are the loopback Service Bus's ports",
        ),
        (
            &[
                "lab",
                "--scaler",
                "rabbitmq",
                "--rabbitmq-management-url",
                "http://h:15672/",
            ],
            "kedatui lab: --rabbitmq-management-url ($RABBITMQ_MANAGEMENT_URL) names the management API of your broker, but no broker is given",
        ),
        (
            &["lab", "--context", "real"],
            "kedatui lab: --context needs --kubeconfig: without it the lab runs its own loopback API server",
        ),
        (
            &["lab", "--kubeconfig", "k", "--api-port", "6443"],
            "kedatui lab: --api-port is the loopback API server's port: with --kubeconfig the lab uses your API server",
        ),
        (
            &["--lab", "--context", "real"],
            "kedatui: --lab: --context needs --kubeconfig: without it the lab runs its own loopback API server",
        ),
    ];
    for (args, said) in cases {
        // Not `output()`: a lab that ignored the flag would run until stopped.
        let mut child = Command::new(env!("CARGO_BIN_EXE_kedatui"))
            .args(args)
            .env_remove("KUBECONFIG")
            .env_remove("RABBITMQ_URL")
            .env_remove("RABBITMQ_MANAGEMENT_URL")
            .env_remove("KEDATUI_SCALER")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let status = wait_exit(&mut child);
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        assert_eq!(status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.starts_with(said), "{args:?}: {stderr}");
    }
}

/// `kedatui lab | head -2`: once its reader is gone the lab stops as `quit` does, quietly,
/// exit 0, with no panic, even while it has nothing more to print.
#[test]
fn headless_lab_stops_quietly_when_stdout_closes() {
    let receiver = receiver_binary();
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kedatui"))
        .arg("lab")
        .arg("--receiver")
        .arg(&receiver)
        .arg("--lab-dir")
        .arg(dir.path().join("lab"))
        .arg("--log-file")
        .arg(dir.path().join("lab.log"))
        .env_remove("KUBECONFIG")
        // stdin stays open: the lab must not be waiting for its end.
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    for _ in 0..2 {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "a line");
    }
    drop(stdout);
    let status = wait_exit(&mut child);
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(status.success(), "{status:?}: {stderr}");
    assert_eq!(stderr, "", "quietly");
    let log = std::fs::read_to_string(dir.path().join("lab.log")).unwrap();
    assert!(log.contains("lab: stdout closed"), "{log}");
}

/// `kedatui --lab --kubeconfig K`: the lab installs into and plays K's API server, and the
/// console watches it there.
#[test]
fn console_lab_uses_the_kubeconfig_it_is_given() {
    let receiver = receiver_binary().to_string_lossy().into_owned();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (api, dir, kubeconfig) = external_api(&runtime);
    let kubeconfig = kubeconfig.to_string_lossy().into_owned();
    let log = dir
        .path()
        .join("console.log")
        .to_string_lossy()
        .into_owned();
    let mut args = vec!["--lab", "--kubeconfig", &kubeconfig];
    args.extend_from_slice(LAB_FLAGS);
    args.extend_from_slice(&["--receiver", &receiver, "--log-file", &log]);
    let mut console = start(&args);
    console.wait_for("the lab's live header", |s, _| {
        s.contains("LIVE (lab)") && s.contains("cluster ok")
    });
    assert!(
        api.get(testkit::kube::DEPLOYMENTS, "keda-demo", "kedasbreceiver")
            .is_some(),
        "the lab installed the demo into the kubeconfig's API server"
    );
    console.press(b"q");
    let (code, after) = console.wait_exit();
    assert_eq!(code, 0, "{after}");
}

/// `kedatui --lab --namespace demo2`: the lab installs into demo2, where the console looks.
#[test]
fn console_lab_installs_into_the_namespace_it_watches() {
    let receiver = receiver_binary().to_string_lossy().into_owned();
    let dir = tempfile::tempdir().unwrap();
    let lab_dir = dir.path().to_string_lossy().into_owned();
    let log = dir
        .path()
        .join("console.log")
        .to_string_lossy()
        .into_owned();
    let mut args = vec!["--lab", "--namespace", "demo2"];
    args.extend_from_slice(LAB_FLAGS);
    args.extend_from_slice(&[
        "--receiver",
        &receiver,
        "--lab-dir",
        &lab_dir,
        "--log-file",
        &log,
    ]);
    let mut console = start(&args);
    console.wait_for("the lab's live header with the cluster ok", |s, _| {
        s.contains("LIVE (lab)") && s.contains("cluster ok") && s.contains("demo2")
    });
    console.press(b"q");
    let (code, after) = console.wait_exit();
    assert_eq!(code, 0, "{after}");
}

/// #19 item 7: a log file that cannot be opened (a missing directory, another user's file after
/// one `sudo`) costs `kedatui lab` its log, not the lab: one line of warning, then it runs.
#[test]
fn headless_lab_runs_without_a_log_file_it_cannot_open() {
    let mut lab = PipedLab::start(&[
        "--log-file".as_ref(),
        "/nonexistent-kedatui-dir/lab.log".as_ref(),
    ]);
    lab.type_line("quit");
    let status = wait_exit(&mut lab.child);
    let stderr = lab.stderr();
    assert!(status.success(), "{stderr}");
    assert!(
        stderr.contains("warning: cannot open the log file /nonexistent-kedatui-dir/lab.log"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one line of warning: {stderr}");
}

/// `kedatui lab --kubeconfig` run to its exit (a refusal, not a running lab), stdin empty.
fn lab_until_it_exits(kubeconfig: &Path, receiver: &Path, dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kedatui"))
        .arg("lab")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .arg("--receiver")
        .arg(receiver)
        .arg("--log-file")
        .arg(dir.join("lab.log"))
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// `kedatui --lab --scaler rabbitmq`: the lab starts its own rabbitmq-server in `--lab-dir`,
/// the console sends a burst of 150 to it, "KEDA" reads the queue's `messages` over the
/// management API and scales real receivers out; they drain the real broker and the cooldown
/// takes the pods back to none. No password reaches the screen; the broker stops with the lab.
#[test]
fn lab_rabbitmq_burst_scales_real_receivers_on_a_real_broker() {
    testkit::rabbitmq::install_for_tests();
    let receiver = receiver_binary();
    let lab_dir = tempfile::tempdir().unwrap();
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut args: Vec<&str> = vec!["--lab", "--scaler", "rabbitmq", "--bursts", "150"];
    args.extend_from_slice(LAB_FLAGS);
    let receiver_arg = receiver.to_string_lossy().into_owned();
    let dir_arg = lab_dir.path().to_string_lossy().into_owned();
    let log_arg = log.path().to_string_lossy().into_owned();
    args.extend_from_slice(&[
        "--receiver",
        &receiver_arg,
        "--lab-dir",
        &dir_arg,
        "--log-file",
        &log_arg,
    ]);
    let mut console = start(&args);
    console.wait_for("the lab's live header on RabbitMQ", |s, _| {
        s.contains("LIVE (lab)") && s.contains("RabbitMQ ok") && s.contains("cluster ok")
    });
    // The lab's own broker: its files in the lab's directory, its URL (with the per-run
    // password) in a file only the user can read.
    assert!(lab_dir.path().join("rabbitmq/rabbitmq.conf").is_file());
    let url_file = lab_dir.path().join("rabbitmq-url");
    let url = std::fs::read_to_string(&url_file).unwrap();
    let password = url
        .trim()
        .strip_prefix("amqp://kedatui-lab:")
        .and_then(|rest| rest.split('@').next())
        .unwrap_or_else(|| panic!("a URL with the lab's user: {url}"))
        .to_string();
    assert!(password.len() >= 16, "a real password");
    let amqp_port: u16 = url
        .trim()
        .rsplit(':')
        .next()
        .and_then(|p| p.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("a port in {url}"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&url_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the URL file is the user's only: {mode:o}");
    }
    console.press(b"1");
    console.wait_for("the burst in the queue", |s, _| s.contains("sent 150"));
    console.wait_for("two pods Running 1/1", |_, pods| pods.most_ready >= 2);
    console.wait_for("the queue drained", |s, _| {
        s.contains("ready 0 ") && s.contains("unacked 0 ")
    });
    console.wait_for("pods Terminating after the cooldown", |_, pods| {
        pods.statuses.contains("Terminating")
    });
    console.wait_for("no pods left", |s, _| pod_rows(s) == 0);
    assert!(
        !console.output().contains(&password),
        "the broker's password never reaches the screen"
    );
    console.press(b"q");
    let (code, after) = console.wait_exit();
    assert_eq!(code, 0, "{after}");
    assert!(!after.contains(&password), "{after}");
    assert!(
        after.contains("still queued 0 (unacked 0)"),
        "the broker's queue is empty:\n{after}"
    );
    let receivers_line = after
        .lines()
        .find(|l| l.contains("lab receivers"))
        .unwrap_or_else(|| panic!("the lab reports its receivers:\n{after}"));
    let numbers: Vec<u32> = receivers_line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .collect();
    let [started, stopped, clean, 0, crashed] = numbers[..] else {
        panic!("unexpected receivers line: {receivers_line}");
    };
    assert!(started >= 2, "{receivers_line}");
    assert_eq!(
        (stopped, clean, crashed),
        (started, started, 0),
        "{receivers_line}"
    );
    let ids = completed_ids(lab_dir.path());
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len() as u64, BURST, "every message completed");
    assert_eq!(ids.len(), unique.len(), "and none twice");
    // The lab stopped its broker: nothing listens on its AMQP port any more.
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", amqp_port)).is_err(),
        "the lab's rabbitmq-server stopped with the lab"
    );
}

/// `kedatui lab --scaler rabbitmq` headless: it prints how to reach its own broker; `kedatui
/// send` and `queue` with that URL work; the receivers drain a burst; `quit` stops the broker.
/// The ScaledObject carries a `rabbitmq` trigger and the HPA the rabbitmq metric's name.
#[test]
fn headless_lab_rabbitmq_runs_on_its_own_broker_and_stops_it() {
    testkit::rabbitmq::install_for_tests();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let api = runtime
        .block_on(testkit::kube::FakeApiServer::start())
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    api.write_kubeconfig(&kubeconfig, "keda-demo").unwrap();
    let lab = PipedLab::start_with(
        &[
            "--scaler".as_ref(),
            "rabbitmq".as_ref(),
            "--kubeconfig".as_ref(),
            kubeconfig.as_os_str(),
        ],
        &[
            ("RABBITMQ_URL", None),
            ("RABBITMQ_MANAGEMENT_URL", None),
            ("KEDATUI_SCALER", None),
        ],
    );
    let (printed, lab_dir) = (lab.printed.clone(), lab.lab_dir());
    assert!(
        printed[0].contains("over its own rabbitmq-server and your API server"),
        "{printed:#?}"
    );
    let url = printed
        .iter()
        .find_map(|l| l.strip_prefix("  export RABBITMQ_URL="))
        .unwrap_or_else(|| panic!("RABBITMQ_URL in {printed:#?}"))
        .trim_matches('\'')
        .to_string();
    assert!(url.starts_with("amqp://kedatui-lab:"), "{url}");
    let management = printed
        .iter()
        .find_map(|l| l.strip_prefix("  export RABBITMQ_MANAGEMENT_URL="))
        .unwrap_or_else(|| panic!("RABBITMQ_MANAGEMENT_URL in {printed:#?}"))
        .to_string();
    assert!(management.starts_with("http://127.0.0.1:"), "{management}");
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_kedatui"))
            .args(args)
            .env("RABBITMQ_URL", &url)
            .env("RABBITMQ_MANAGEMENT_URL", &management)
            .env_remove("KEDATUI_SCALER")
            .env_remove("SERVICEBUS_CONNECTION_STRING")
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (code, sent) = run(&["send", "--scaler", "rabbitmq", "--count", "20"]);
    assert_eq!(code, Some(0), "{sent}");
    // Every message completed by a receiver (their logs), then the queue empty.
    let deadline = Instant::now() + TIMEOUT;
    while completed_ids(&lab_dir).len() < 20 {
        assert!(Instant::now() < deadline, "the receivers drained the burst");
        std::thread::park_timeout(Duration::from_millis(200));
    }
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let (_, queue) = run(&["queue", "--scaler", "rabbitmq"]);
        if queue.contains("messages 0 ") {
            break;
        }
        assert!(Instant::now() < deadline, "the queue drained: {queue}");
        std::thread::park_timeout(Duration::from_millis(200));
    }
    // What the lab installed: KEDA's rabbitmq trigger over the management API, the HPA on the
    // rabbitmq metric, the receivers' RABBITMQ_URL from the overlay's Secret.
    let so = api
        .get(
            testkit::kube::SCALED_OBJECTS,
            "keda-demo",
            "kedasbreceiver-scaler",
        )
        .unwrap();
    let trigger = &so["spec"]["triggers"][0];
    assert_eq!(trigger["type"], "rabbitmq", "{so}");
    assert_eq!(trigger["metadata"]["protocol"], "http", "{so}");
    assert_eq!(trigger["metadata"]["mode"], "QueueLength", "{so}");
    assert_eq!(trigger["metadata"]["value"], "20", "{so}");
    assert_eq!(trigger["authenticationRef"]["name"], "kedasbreceiver-auth");
    assert_eq!(so["status"]["triggersTypes"], "rabbitmq", "{so}");
    assert_eq!(
        so["status"]["externalMetricNames"][0], "s0-rabbitmq-kedaqueue",
        "{so}"
    );
    let hpa = api
        .get(
            testkit::kube::HPAS,
            "keda-demo",
            "keda-hpa-kedasbreceiver-scaler",
        )
        .unwrap();
    assert_eq!(
        hpa["spec"]["metrics"][0]["external"]["metric"]["name"], "s0-rabbitmq-kedaqueue",
        "{hpa}"
    );
    let deployment = api
        .get(testkit::kube::DEPLOYMENTS, "keda-demo", "kedasbreceiver")
        .unwrap();
    let env = &deployment["spec"]["template"]["spec"]["containers"][0]["env"];
    assert_eq!(env[0]["name"], "RABBITMQ_URL", "{deployment}");
    assert_eq!(
        env[0]["valueFrom"]["secretKeyRef"]["name"], "rabbitmq-connection",
        "{deployment}"
    );
    // `broker-down` stops the lab's own broker and starts it again on the same port and data:
    // the receivers ride it out and a later burst drains too.
    let port: u16 = url
        .rsplit(':')
        .next()
        .and_then(|p| p.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap();
    let listening = || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
    let mut lab = lab;
    lab.type_line("broker-down 2s");
    let until = |what: &str, want: bool| {
        let deadline = Instant::now() + TIMEOUT;
        while listening() != want {
            assert!(Instant::now() < deadline, "{what}");
            std::thread::park_timeout(Duration::from_millis(100));
        }
    };
    until("the lab's broker went down", false);
    until("the lab's broker came back", true);
    let (code, sent) = run(&["send", "--scaler", "rabbitmq", "--count", "20"]);
    assert_eq!(code, Some(0), "{sent}");
    let deadline = Instant::now() + TIMEOUT;
    while completed_ids(&lab_dir).len() < 40 {
        assert!(
            Instant::now() < deadline,
            "the receivers drained the burst after the outage"
        );
        std::thread::park_timeout(Duration::from_millis(200));
    }
    let (status, rest, _) = lab.quit();
    assert!(status.success(), "{rest}");
    // (The report's published/acked come from the broker's statistics, which a restart resets:
    // only what is still queued is checked here.)
    assert!(
        rest.contains("lab broker           RabbitMQ: published")
            && rest.contains("still queued 0 (unacked 0)"),
        "{rest}"
    );
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the lab's rabbitmq-server stopped with the lab"
    );
}

/// `kedatui lab --scaler rabbitmq` with `$RABBITMQ_URL` set: the lab uses that broker (here a
/// private rabbitmq-server the test runs) instead of starting one, declares the queue it lacks,
/// never prints its password, refuses `broker-down`, and leaves the broker running at quit.
#[test]
fn headless_lab_rabbitmq_uses_the_broker_rabbitmq_url_names() {
    let dir = tempfile::tempdir().unwrap();
    let mut broker = testkit::rabbitmq::start_for_test(dir.path(), "lab-yours");
    let management = format!("http://127.0.0.1:{}/", broker.management_port);
    let amqp = broker.amqp_url();
    let mut lab = PipedLab::start_with(
        &["--scaler".as_ref(), "rabbitmq".as_ref()],
        &[
            ("RABBITMQ_URL", Some(&amqp)),
            ("RABBITMQ_MANAGEMENT_URL", Some(&management)),
            ("KEDATUI_SCALER", None),
        ],
    );
    let (printed, lab_dir) = (lab.printed.clone(), lab.lab_dir());
    let all = printed.join("\n");
    assert!(all.contains("over your RabbitMQ broker"), "{all}");
    assert!(all.contains("your broker from $RABBITMQ_URL"), "{all}");
    assert!(
        !all.contains("guest:guest"),
        "the password is never printed: {all}"
    );
    assert!(
        !lab_dir.join("rabbitmq").exists(),
        "no broker of the lab's own"
    );
    assert!(
        broker.live_queue_counts("kedaqueue").is_some(),
        "the lab declared the queue"
    );
    lab.type_line("broker-down 5s");
    lab.read_until("its answer to broker-down", |l| {
        l.contains("broker-down needs a broker the lab runs")
    });
    let sent = Command::new(env!("CARGO_BIN_EXE_kedatui"))
        .args(["send", "--scaler", "rabbitmq", "--count", "20"])
        .env("RABBITMQ_URL", broker.amqp_url())
        .env(
            "RABBITMQ_MANAGEMENT_URL",
            format!("http://127.0.0.1:{}/", broker.management_port),
        )
        .output()
        .unwrap();
    assert!(sent.status.success(), "{sent:?}");
    let deadline = Instant::now() + TIMEOUT;
    while completed_ids(&lab_dir).len() < 20 {
        assert!(Instant::now() < deadline, "the receivers drained the burst");
        std::thread::park_timeout(Duration::from_millis(200));
    }
    let (status, rest, _) = lab.quit();
    assert!(status.success(), "{rest}");
    assert!(
        rest.contains("lab broker           RabbitMQ (your broker): still queued"),
        "{rest}"
    );
    assert!(broker.running(), "your broker keeps running after the lab");
    assert_eq!(
        broker.live_queue_counts("kedaqueue"),
        Some((0, 0)),
        "every message acked"
    );
}

//! What the speaker sees when a live source goes quiet, in a real terminal: the real binary in a
//! pty against the loopback Service Bus and API server, faults through real sockets. Every
//! number from a source that is down, or has not answered yet, is marked (issue 19 item 1);
//! a draining API server turns the header within seconds and marks the cluster's panels (issue
//! 18 item 9); an API server that never answers ends in DOWN with a reason (issue 19 item 5);
//! the `s` fallback with no cluster shows no HPA numbers nobody read (issue 19 item 10).
//! Waits are conditions on the screen with deadlines.

use crate::support as common;

use std::path::PathBuf;
use std::time::Duration;

use common::pty::{Pty, SERVICEBUS_VARS, Spawn};
use testkit::kube::demo::{self, PodStage};
use testkit::kube::{FakeApiServer, Options, PODS};
use testkit::servicebus::FakeServiceBus;

const ROWS: u16 = 40;
const COLS: u16 = 120;
const TIMEOUT: Duration = Duration::from_secs(45);

struct Fakes {
    bus: FakeServiceBus,
    runtime: tokio::runtime::Runtime,
    api: FakeApiServer,
    _dir: tempfile::TempDir,
    kubeconfig: PathBuf,
}

impl Fakes {
    fn start() -> Self {
        let bus = FakeServiceBus::start(Default::default()).unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let api = runtime
            .block_on(FakeApiServer::start_with(Options {
                seed_demo: true,
                ..Default::default()
            }))
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        api.write_kubeconfig(&kubeconfig, "default").unwrap();
        Fakes {
            bus,
            runtime,
            api,
            _dir: dir,
            kubeconfig,
        }
    }

    /// The kubeconfig, pointed at `port` on 127.0.0.1 instead of the fake.
    fn kubeconfig_to(&self, port: u16) -> PathBuf {
        let path = self._dir.path().join(format!("kubeconfig-{port}"));
        let yaml = self.api.kubeconfig_yaml("default").replace(
            &format!("127.0.0.1:{}", self.api.addr().port()),
            &format!("127.0.0.1:{port}"),
        );
        std::fs::write(&path, yaml).unwrap();
        path
    }

    /// kedatui live against the fakes (counts every 200 ms), `more` arguments after.
    fn console(&self, kubeconfig: &std::path::Path, management_url: &str, more: &[&str]) -> Pty {
        let connection_string = self.bus.connection_string();
        let mut args = vec![
            "--kubeconfig",
            kubeconfig.to_str().unwrap(),
            "--count-interval",
            "200ms",
        ];
        args.extend_from_slice(more);
        Pty::spawn(Spawn {
            args: &args,
            envs: &[
                ("SERVICEBUS_CONNECTION_STRING", &connection_string),
                ("SERVICEBUS_MANAGEMENT_URL", management_url),
            ],
            remove: &SERVICEBUS_VARS,
            rows: ROWS,
            cols: COLS,
            timeout: TIMEOUT,
        })
    }
}

fn header(s: &str) -> String {
    s.lines().take(2).collect::<Vec<_>>().join("\n")
}

/// The row of the screen holding `what` (for a panel's title or a count's line).
fn line_with<'a>(s: &'a str, what: &str) -> &'a str {
    s.lines().find(|l| l.contains(what)).unwrap_or_default()
}

/// Before any count has been read the queue says `—`, not `active 0`; with counts arriving and
/// then the broker killed, `active 500` stays but says how old it is, in each theme.
#[test]
fn queue_counts_are_marked_before_the_first_read_and_during_an_outage() {
    let mut fakes = Fakes::start();
    // A management endpoint that accepts and never answers: no count ever arrives.
    let hole = testkit::proxy::BlackHole::start().unwrap();
    let silent = format!("http://127.0.0.1:{}/", hole.port());
    let kubeconfig = fakes.kubeconfig.clone();
    let mut pty = fakes.console(&kubeconfig, &silent, &[]);
    pty.wait_for("the queue line with no count read yet", |s, _| {
        s.contains("active — (not read yet)")
    });
    let s = pty.contents();
    assert!(!s.contains("active 0"), "no count nobody read:\n{s}");
    drop(pty);

    let url = fakes.bus.management_url();
    for theme in ["default", "presenter", "light"] {
        let mut pty = fakes.console(&kubeconfig, &url, &["--theme", theme]);
        pty.wait_for("Service Bus ok", |s, _| {
            header(s).contains("Service Bus ok")
        });
        pty.press(b"3");
        pty.wait_for("500 active", |s, _| s.contains("active 500"));
        fakes.bus.stop();
        pty.wait_for("the last count marked as old", |s, _| {
            let line = line_with(s, "active 500");
            line.contains("active 500 (") && line.contains("s old)")
        });
        let s = pty.contents();
        assert!(
            line_with(&s, "drain ").contains("drain —"),
            "[{theme}] no rate from a source that is down:\n{s}"
        );
        drop(pty);
        fakes.bus.restart().unwrap();
        fakes.bus.drain("kedaqueue");
    }
}

/// `--big`: the digits of a source that is down say how old they are, and a burst whose
/// messages all failed shows under them (there is no queue line to show it).
#[test]
fn big_numbers_mark_stale_counts_and_show_a_failed_burst() {
    let mut fakes = Fakes::start();
    let kubeconfig = fakes.kubeconfig.clone();
    let url = fakes.bus.management_url();
    let mut pty = fakes.console(&kubeconfig, &url, &["--big"]);
    pty.wait_for("both sources ok", |s, _| {
        header(s).contains("Service Bus ok") && header(s).contains("cluster ok")
    });
    pty.press(b"3");
    pty.wait_for("the burst's result under the digits", |s, _| {
        s.contains("burst #1: 500 sent")
    });
    fakes.bus.stop();
    pty.wait_for("the depth box marked as old", |s, _| {
        line_with(s, "Queue depth ").contains("s old: Service Bus ")
    });
    // A burst into a broker that is gone: every message fails after the retries.
    pty.press(b"1");
    pty.wait_for("the failed burst under the digits", |s, _| {
        s.contains("burst #2: 0 sent, 10 failed")
    });
}

/// A draining API server keeps its watches open and silent: within seconds the header says
/// `reconnecting` and the pods, the scaling panel and the events say how old they are; the
/// server back, the pods are right again.
#[test]
fn a_draining_api_server_marks_every_cluster_panel() {
    let fakes = Fakes::start();
    for n in 1..=4 {
        fakes.api.apply(demo::pod(
            demo::NAMESPACE,
            &format!("kedasbreceiver-a-{n}"),
            PodStage::ContainerCreating,
        ));
    }
    let url = fakes.bus.management_url();
    let mut pty = fakes.console(&fakes.kubeconfig, &url, &[]);
    pty.wait_for("four pods and cluster ok", |s, _| {
        header(s).contains("cluster ok") && s.contains("Pods 4 (0 ready)")
    });
    // Every watch open, then the drain holds them.
    let watches = || {
        fakes
            .api
            .requests()
            .iter()
            .filter(|r| r.contains("watch=true"))
            .count()
    };
    pty.wait_for("the five watches", |_, _| watches() >= 5);
    fakes.api.drain();
    for n in 1..=4 {
        fakes
            .api
            .delete(PODS, demo::NAMESPACE, &format!("kedasbreceiver-a-{n}"));
    }
    pty.wait_for("reconnecting, and every cluster panel marked", |s, _| {
        header(s).contains("cluster reconnecting")
            && line_with(s, " Pods 4").contains("old: cluster")
            && line_with(s, " Scaling: why").contains("old: cluster")
            && line_with(s, " Events (newest first)").contains("old: cluster")
    });
    let s = pty.contents();
    assert!(
        header(&s).contains("cannot reach the API server"),
        "the reason:\n{s}"
    );
    fakes
        .runtime
        .block_on(fakes.api.restart(Duration::ZERO))
        .unwrap();
    pty.wait_for("cluster ok with no pods", |s, _| {
        header(s).contains("cluster ok") && !s.contains("old: cluster") && s.contains("no pods")
    });
}

/// An API server that accepts connections and never answers: DOWN with the reason, as
/// `kedatui doctor` says it, not an endless `looking up ScaledObject …`.
#[test]
fn an_api_server_that_never_answers_ends_down_with_the_reason() {
    let fakes = Fakes::start();
    let hole = testkit::proxy::BlackHole::start().unwrap();
    let kubeconfig = fakes.kubeconfig_to(hole.port());
    let url = fakes.bus.management_url();
    let mut pty = fakes.console(&kubeconfig, &url, &[]);
    pty.wait_for("cluster DOWN with the reason", |s, _| {
        header(s).contains("cluster DOWN") && header(s).contains("no answer within 10s")
    });
    let s = pty.contents();
    assert!(
        line_with(&s, " Pods ").contains("not read yet"),
        "the pods were never read:\n{s}"
    );
}

/// The `s` fallback with the cluster down from the start: the simulator's HPA has not synced,
/// so the panel shows no `desired 0 · current 0` nobody read.
#[test]
fn fallback_without_a_cluster_shows_no_unread_hpa_numbers() {
    let fakes = Fakes::start();
    // A port nothing listens on: refused from the start.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let kubeconfig = fakes.kubeconfig_to(port);
    let url = fakes.bus.management_url();
    let mut pty = fakes.console(&kubeconfig, &url, &[]);
    pty.wait_for("cluster DOWN", |s, _| header(s).contains("cluster DOWN"));
    pty.press(b"s");
    pty.wait_for("the simulator with its HPA", |s, _| {
        header(s).contains(" SIM ") && s.contains("HPA    ") && !s.contains("HPA    not created")
    });
    let s = pty.contents();
    assert!(
        !s.contains("desired 0 · current 0") && !s.contains("the live HPA's last sync"),
        "no HPA numbers nobody read:\n{s}"
    );
    assert!(s.contains("HPA    not synced yet · next in"), "{s}");
}

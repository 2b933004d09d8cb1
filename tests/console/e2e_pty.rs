//! The real binary in a pseudo-terminal: press `3`, wait for a Running pod and messages in the
//! gauge, press `q`, then check the exit summary and that raw mode and the alternate screen were
//! left. Waits are on screen conditions with timeouts; time warp keeps it quick. And live mode
//! against the loopback Service Bus and API server fakes.

use crate::support as common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::pty::{Pty, SERVICEBUS_VARS, Spawn};
use nix::sys::signal::Signal;

const ROWS: u16 = 40;
const COLS: u16 = 120;
const TIMEOUT: Duration = Duration::from_secs(30);

/// kedatui in a pty, checked to be on the alternate screen in raw mode while it runs and to
/// leave both when it exits.
struct Console {
    pty: Pty,
    log: tempfile::NamedTempFile,
}

impl Console {
    /// Start kedatui at warp ×20 in a fresh 120×40 pty and wait for its first frame.
    fn start() -> Console {
        Console::start_sim(&[])
    }

    /// [`Console::start`] with `more` arguments.
    fn start_sim(more: &[&str]) -> Console {
        let mut args = vec!["--warp", "20", "--seed", "42"];
        args.extend_from_slice(more);
        Console::start_with(&args, &[], "the first frame", |s| {
            s.contains("Queue kedaqueue") && s.contains("no pods")
        })
    }

    /// Start kedatui live against the loopback fakes (counts every 200 ms) with `more`
    /// arguments and environment, and wait for both sources to be connected.
    fn start_live(
        kubeconfig: &Path,
        connection_string: &str,
        management_url: &str,
        more: &[&str],
        more_envs: &[(&str, &str)],
    ) -> Console {
        let mut args = vec![
            "--kubeconfig",
            kubeconfig.to_str().unwrap(),
            "--count-interval",
            "200ms",
        ];
        args.extend_from_slice(more);
        let mut envs = vec![
            ("SERVICEBUS_CONNECTION_STRING", connection_string),
            ("SERVICEBUS_MANAGEMENT_URL", management_url),
        ];
        envs.extend_from_slice(more_envs);
        Console::start_with(
            &args,
            &envs,
            "the LIVE header with both sources connected",
            |s| s.contains(" LIVE ") && s.contains("Service Bus ok") && s.contains("cluster ok"),
        )
    }

    /// Start kedatui with `args` and extra environment `envs` (the Service Bus environment
    /// variables are cleared first, so only the test decides the mode) and wait for `first`.
    fn start_with(
        args: &[&str],
        envs: &[(&str, &str)],
        what: &str,
        first: impl Fn(&str) -> bool,
    ) -> Console {
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut args = args.to_vec();
        args.extend(["--log-file", log.path().to_str().unwrap()]);
        let mut pty = Pty::spawn(Spawn {
            args: &args,
            envs,
            remove: &SERVICEBUS_VARS,
            rows: ROWS,
            cols: COLS,
            timeout: TIMEOUT,
        });
        pty.wait_for(what, |s, _| first(s));
        assert!(
            pty.parser.screen().alternate_screen(),
            "the console draws on the alternate screen"
        );
        // Raw mode: the line discipline no longer echoes or buffers lines.
        assert_ne!(
            pty.local_flags(),
            pty.cooked,
            "raw mode is on while running"
        );
        Console { pty, log }
    }

    /// Read output until `cond` holds on the screen, or fail after TIMEOUT with the screen shown.
    fn wait_for(&mut self, what: &str, cond: impl Fn(&str) -> bool) {
        self.pty.wait_for(what, |s, _| cond(s));
    }

    fn press(&mut self, bytes: &[u8]) {
        self.pty.press(bytes);
    }

    /// `q`, which asks first while there is something to lose, then `y`: see [`Console::finish`].
    fn quit_confirmed(mut self) -> (u32, String) {
        self.press(b"q");
        self.wait_for("the quit question", |s| s.contains("Quit?"));
        self.press(b"y");
        self.finish()
    }

    /// Wait for the exit, check the terminal is back to normal, return the exit code and the summary.
    fn finish(mut self) -> (u32, String) {
        let (code, summary) = self.pty.wait_exit();
        assert!(
            !self.pty.parser.screen().alternate_screen(),
            "the alternate screen was left"
        );
        assert_eq!(
            self.pty.local_flags(),
            self.pty.cooked,
            "raw mode was turned off (ICANON/ECHO back)"
        );
        let output = self.pty.output();
        // The summary is the output's tail.
        let summary_at = output.len() - summary.len();
        // The summary comes after the alternate screen was left, so it stays in the scrollback.
        let leave_alt = output
            .rfind("\u{1b}[?1049l")
            .expect("LeaveAlternateScreen was written");
        assert!(
            leave_alt < summary_at,
            "summary printed after the terminal was restored"
        );
        (code, summary)
    }
}

#[test]
fn burst_scale_out_and_quit_in_a_real_terminal() {
    let mut console = Console::start();
    console.press(b"3");
    // The key echo tells the audience what was pressed.
    console.wait_for("the key echo", |s| s.contains("3 → burst of 500"));
    console.wait_for("a Running, Ready pod and 500 messages sent", |s| {
        s.contains("sent 500")
            && s.lines().any(|l| {
                l.contains("kedasbreceiver-") && l.contains("Running") && l.contains("1/1")
            })
    });
    // Pods and messages are around: q asks first.
    let (code, summary) = console.quit_confirmed();
    assert_eq!(code, 0);
    assert!(summary.contains("bursts fired         1"), "{summary}");
    assert!(summary.contains("messages sent        500"), "{summary}");
    assert!(
        summary.contains("first Ready pod")
            && summary.contains("after the message that activated KEDA"),
        "{summary}"
    );
    let peak: u32 = summary
        .lines()
        .find_map(|l| l.trim().strip_prefix("peak replicas"))
        .and_then(|v| v.trim().parse().ok())
        .expect("peak replicas line");
    assert!(peak >= 1, "{summary}");
}

#[test]
fn ctrl_c_restores_the_terminal() {
    let mut console = Console::start();
    console.press(b"\x03");
    let (code, summary) = console.finish();
    assert_eq!(code, 0, "Ctrl-C is a key in raw mode: a normal quit");
    assert!(summary.contains("bursts fired         0"), "{summary}");
}

#[test]
fn sigterm_restores_the_terminal() {
    let console = Console::start();
    console.pty.signal(Signal::SIGTERM);
    let (code, summary) = console.finish();
    assert_eq!(code, 143, "128 + SIGTERM");
    assert!(summary.contains("messages sent        0"), "{summary}");
}

/// The loopback fakes a live console runs against: Service Bus, and the API server (on its own
/// runtime) seeded with the demo objects, with a kubeconfig for it in `dir`.
struct LiveFakes {
    bus: testkit::servicebus::FakeServiceBus,
    runtime: tokio::runtime::Runtime,
    api: testkit::kube::FakeApiServer,
    dir: tempfile::TempDir,
    kubeconfig: PathBuf,
}

impl LiveFakes {
    fn start() -> Self {
        let bus = testkit::servicebus::FakeServiceBus::start(Default::default()).unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let api = runtime
            .block_on(testkit::kube::FakeApiServer::start_with(
                testkit::kube::Options {
                    seed_demo: true,
                    ..Default::default()
                },
            ))
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        api.write_kubeconfig(&kubeconfig, "default").unwrap();
        LiveFakes {
            bus,
            runtime,
            api,
            dir,
            kubeconfig,
        }
    }
}

/// Live mode: the real binary against the loopback Service Bus (AMQP + REST) and API server.
#[test]
fn live_mode_burst_counts_from_the_rest_fake() {
    let LiveFakes {
        mut bus,
        runtime: _runtime,
        api,
        // Holds the kubeconfig until the end.
        dir: _dir,
        kubeconfig,
    } = LiveFakes::start();
    let mut console = Console::start_live(
        &kubeconfig,
        &bus.connection_string(),
        &bus.management_url(),
        &[],
        // The most verbose log: azservicebus and fe2o3 print CBS frames at debug level.
        &[("KEDATUI_LOG", "debug")],
    );
    // The header has no simulator warp in live mode.
    let contents = console.pty.contents();
    let header = contents.lines().next().unwrap_or_default();
    assert!(!header.contains("warp"), "no warp in live mode: {header}");
    console.press(b"3");
    console.wait_for("500 active messages read from the REST fake", |s| {
        s.contains("active 500")
    });
    assert_eq!(bus.counts("kedaqueue").unwrap().active, 500);
    // Wi-Fi gone: the header says so, and `s` carries on in the simulator from 500 messages.
    let key = bus.options().rules[0].key.clone();
    bus.stop();
    console.wait_for("the header saying Service Bus is down", |s| {
        s.contains("Service Bus DOWN") && s.contains("[s: switch to simulator]")
    });
    console.press(b"s");
    console.wait_for("SIM in the header, from the live numbers", |s| {
        let header = s.lines().next().unwrap_or_default();
        header.contains(" SIM ")
            && header.contains("not live")
            && !header.contains("LIVE")
            && s.contains("active 500")
    });
    let contents = console.pty.contents();
    assert!(!contents.contains(&key), "no key on screen");
    // Still readable after `finish` drops (and unlinks) the temporary file.
    let mut log_file = console.log.reopen().unwrap();
    let (code, summary) = console.quit_confirmed();
    assert_eq!(code, 0);
    assert!(summary.contains("messages sent        500"), "{summary}");
    assert!(!summary.contains(&key), "no key in the summary");
    let mut log = String::new();
    log_file.read_to_string(&mut log).unwrap();
    assert!(log.contains("burst finished"), "the debug log was written");
    assert!(!log.contains(&key), "no key in the log file");
    assert!(
        log.match_indices("sig=")
            .all(|(i, _)| log[i + 4..].starts_with("<redacted>")),
        "no SAS signature in the log file"
    );
    assert!(
        summary.starts_with("kedatui summary (live, then the simulator"),
        "{summary}"
    );
    drop(api);
}

/// A live session against the loopback fakes, recorded: the file holds neither the connection
/// string nor its key; `S` writes text and SVG; the replay shows REPLAY, refuses a burst, and
/// ends with the same summary.
#[test]
fn record_a_live_session_snapshot_and_replay_it() {
    let LiveFakes {
        bus,
        runtime: _runtime,
        api,
        dir,
        kubeconfig,
    } = LiveFakes::start();
    let recording = dir.path().join("demo.jsonl");
    let shots = dir.path().join("shots");
    std::fs::create_dir(&shots).unwrap();
    let connection_string = bus.connection_string();
    let key = bus.options().rules[0].key.clone();
    let mut console = Console::start_live(
        &kubeconfig,
        &connection_string,
        &bus.management_url(),
        &[
            "--record",
            recording.to_str().unwrap(),
            "--snapshot-dir",
            shots.to_str().unwrap(),
            "--theme",
            "presenter",
        ],
        &[],
    );
    console.press(b"3");
    console.wait_for("500 active messages", |s| s.contains("active 500"));
    console.press(b"S");
    console.wait_for("the snapshot notice", |s| s.contains("screen saved:"));
    let (code, recorded_summary) = console.quit_confirmed();
    assert_eq!(code, 0);
    drop(api);

    let text = std::fs::read_to_string(&recording).unwrap();
    assert!(
        text.starts_with("{\"kedatui_recording\":1,"),
        "versioned header"
    );
    assert!(text.contains("\"mode\":\"live\""), "a live recording");
    assert!(text.lines().count() > 10, "events were recorded");
    for secret in [
        key.as_str(),
        connection_string.as_str(),
        "SharedAccessKey",
        "SharedAccessSignature",
    ] {
        assert!(!text.contains(secret), "the recording holds {secret:?}");
    }
    let mut files: Vec<_> = std::fs::read_dir(&shots)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 2, "{files:?}");
    let txt = std::fs::read_to_string(&files[1]).unwrap();
    assert!(
        files[1].extension().unwrap() == "txt" && txt.contains("active 500"),
        "{txt}"
    );
    let svg = std::fs::read_to_string(&files[0]).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains("kedaqueue") && svg.contains(">500"),
        "{svg}"
    );

    // Replay at ×4: the same run, marked REPLAY, with the world-changing keys disabled.
    let mut replay = Console::start_with(
        &["replay", recording.to_str().unwrap(), "--speed", "4"],
        &[],
        "the REPLAY header",
        |s| s.contains("REPLAY"),
    );
    replay.press(b"1");
    replay.wait_for("the refusal", |s| s.contains("disabled in replay"));
    replay.wait_for("the end of the recording", |s| {
        s.contains("REPLAY end") && s.contains("active 500")
    });
    replay.press(b"q");
    let (code, replayed_summary) = replay.finish();
    assert_eq!(code, 0);
    let body = |s: &str| -> String {
        s.lines()
            .filter(|l| !l.contains("log "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(body(&replayed_summary), body(&recorded_summary));
    assert!(
        recorded_summary.contains("messages sent        500"),
        "{recorded_summary}"
    );
}

/// #10.1: `Esc` only cancels (prompts, overlays, questions); it never ends the talk. `q` with a
/// burst's messages and pods around asks `Quit?`; `n` keeps going, `y` quits.
#[test]
fn esc_never_quits_and_q_asks_while_the_demo_runs() {
    let mut console = Console::start();
    // A double tap of Esc, then a triple one on the help overlay: still running.
    console.press(b"\x1b");
    console.press(b"\x1b");
    console.press(b"?");
    // Wait for the whole overlay: a frame can reach the pty in several chunks, so "this help"
    // may be on screen before the quit line below it is.
    console.wait_for("the help overlay saying how q and Ctrl-C quit", |s| {
        s.contains("this help") && s.contains("Ctrl-C: at once")
    });
    console.press(b"\x1b");
    console.wait_for("help closed", |s| !s.contains("this help"));
    console.press(b"\x1b");
    console.press(b"3");
    console.wait_for("500 messages sent", |s| s.contains("sent 500"));
    console.press(b"q");
    console.wait_for("the quit question", |s| {
        s.contains("Quit?") && s.contains("keep going")
    });
    console.press(b"n");
    console.wait_for("the question gone", |s| !s.contains("Quit?"));
    console.press(b"q");
    console.wait_for("the quit question again", |s| s.contains("Quit?"));
    console.press(b"\x1b");
    console.wait_for("Esc answers no", |s| !s.contains("Quit?"));
    assert!(!console.pty.closed, "still running after every Esc");
    let (code, summary) = console.quit_confirmed();
    assert_eq!(code, 0);
    assert!(summary.contains("messages sent        500"), "{summary}");
}

/// #10.1: with nothing going on (no burst, no pods, empty queue) `q` quits at once.
#[test]
fn q_quits_at_once_when_nothing_is_going_on() {
    let mut console = Console::start();
    console.press(b"q");
    let (code, summary) = console.finish();
    assert_eq!(code, 0);
    assert!(summary.contains("bursts fired         0"), "{summary}");
}

/// #10.3: a connection string pasted into the `b` prompt (a bracketed paste, as terminals send
/// it) never shows on screen, not even its digits, and never lands in the recording.
#[test]
fn a_pasted_connection_string_never_reaches_the_screen_or_the_recording() {
    let dir = tempfile::tempdir().unwrap();
    let recording = dir.path().join("paste.jsonl");
    // A fresh random key: no key, real-looking or not, is written in the repository.
    let key = testkit::servicebus::random_key();
    let key = key.as_str();
    let secret = format!(
        "Endpoint=sb://demo-123.servicebus.windows.net/;SharedAccessKeyName=kedatui-send;SharedAccessKey={key}"
    );
    let mut console = Console::start_sim(&["--record", recording.to_str().unwrap()]);
    console.press(b"b");
    console.wait_for("the burst prompt", |s| s.contains("Burst size:"));
    console.press(format!("\x1b[200~{secret}\x1b[201~").as_bytes());
    console.wait_for("the paste hint", |s| s.contains("paste dropped"));
    // Typed letters are dropped too; digits and a suffix are taken.
    console.press(b"x1k");
    console.wait_for("the typed size", |s| s.contains("Burst size: 1k"));
    let screen = console.pty.contents();
    for shown in [key, "SharedAccessKey", "Endpoint", "123"] {
        assert!(
            !screen.contains(shown),
            "the screen shows {shown:?}:\n{screen}"
        );
    }
    console.press(b"\r");
    console.wait_for("the burst of 1k", |s| s.contains("burst of 1 000"));
    console.press(b"\x03");
    let (code, _) = console.finish();
    assert_eq!(code, 0);
    let text = std::fs::read_to_string(&recording).unwrap();
    assert!(
        text.starts_with("{\"kedatui_recording\":"),
        "a recording was written"
    );
    for secret in [key, "SharedAccessKey", "Endpoint", "servicebus.windows.net"] {
        assert!(!text.contains(secret), "the recording holds {secret:?}");
    }
    assert!(
        text.contains(r#"{"Paste":""}"#),
        "the dropped paste is recorded empty:\n{text}"
    );
}

/// The number after `label` in the exit summary (`messages sent        59 000` → 59000).
fn summary_number(summary: &str, label: &str) -> u64 {
    summary
        .lines()
        .find_map(|l| l.trim().strip_prefix(label))
        .map(|v| {
            v.trim()
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == ' ')
                .filter(char::is_ascii_digit)
                .collect::<String>()
        })
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {label:?} line in:\n{summary}"))
}

/// #10 item 2: the network drops for 3 s mid-burst (a TCP proxy between kedatui and the broker
/// resets every connection and refuses new ones). The terminal stays the console's: alternate
/// screen and raw mode on, no panic text; the header reports the outage, then "ok" again once
/// the network is back (with no further burst); the burst's result
/// reconciles with what the broker holds: sent ≤ held ≤ sent + maybe resent, failed = size −
/// sent, and every resend kept its message id.
#[test]
fn network_blip_mid_burst_keeps_the_terminal_and_the_numbers_honest() {
    const BURST: u64 = 60_000;
    let LiveFakes {
        bus,
        runtime: _runtime,
        api,
        dir: _dir,
        kubeconfig,
    } = LiveFakes::start();
    let proxy = testkit::proxy::TcpProxy::start(([127, 0, 0, 1], bus.amqp_port()).into()).unwrap();
    let via_proxy = bus.connection_string().replace(
        &format!("127.0.0.1:{}", bus.amqp_port()),
        &format!("127.0.0.1:{}", proxy.port()),
    );
    let mut console = Console::start_live(
        &kubeconfig,
        &via_proxy,
        &bus.management_url(),
        &["--bursts", &BURST.to_string()],
        &[],
    );
    let before = proxy.bytes_to_target();
    console.press(b"1");
    // Cut after about a sixth of the burst's bytes (~200 B per message on the wire).
    assert!(
        proxy.wait_until(TIMEOUT, |p| p.bytes_to_target() > before + BURST * 200 / 6),
        "the burst never got going"
    );
    proxy.cut_for(Duration::from_secs(3));
    let held_at_cut = bus.counts("kedaqueue").unwrap().active;
    assert!(held_at_cut < BURST, "cut mid-burst, not after it");
    console.wait_for("the header reporting the outage", |s| {
        let header: String = s.lines().take(2).collect::<Vec<_>>().join("\n");
        header.contains("reconnecting") || header.contains("DOWN")
    });
    console.wait_for("the burst's result", |s| {
        s.contains("burst #1:") && !s.contains("sending")
    });
    // The network is back: the header says so by itself, without another burst.
    console.wait_for("the header back to ok after the outage", |s| {
        let header: String = s.lines().take(2).collect::<Vec<_>>().join("\n");
        header.contains("Service Bus ok") && !header.contains("reconnecting")
    });
    let contents = console.pty.contents();
    assert!(
        console.pty.parser.screen().alternate_screen(),
        "still on the alternate screen:\n{contents}"
    );
    assert_ne!(
        console.pty.local_flags(),
        console.pty.cooked,
        "raw mode is still on"
    );
    let raw = console.pty.output();
    assert!(!raw.contains("panicked"), "no panic text on the terminal");
    assert!(
        !raw.contains("\u{1b}[?1049l"),
        "the alternate screen was never left while running"
    );
    // Messages are still queued, so `q` asks first (#10.1).
    let (code, summary) = console.quit_confirmed();
    assert_eq!(code, 0);
    let sent = summary_number(&summary, "messages sent");
    let failed = summary_number(&summary, "messages failed");
    let maybe_resent = summary_number(&summary, "maybe resent");
    assert_eq!(sent + failed, BURST, "{summary}");
    let messages = bus.drain("kedaqueue");
    let held = messages.len() as u64;
    eprintln!("broker holds {held}\n{summary}");
    assert!(
        sent <= held && held <= sent + maybe_resent,
        "broker holds {held}; sent {sent}, maybe resent {maybe_resent}\n{summary}"
    );
    let ids: std::collections::HashSet<String> = messages
        .iter()
        .map(|m| {
            m.message_id()
                .unwrap_or_else(|| panic!("every message has an id"))
        })
        .collect();
    assert_eq!(ids.len() as u64, sent, "resends kept their message ids");
    drop(api);
}

/// #19 item 2: SIGHUP (a closed window, `tmux kill-session`), SIGQUIT and SIGUSR1 end the console
/// as SIGTERM does: the terminal restored (alternate screen left, raw mode off, cursor shown,
/// bracketed paste off), the summary printed, 128 + the signal's number, and the recording
/// flushed whole, so `replay` reads every event.
#[test]
fn hangup_quit_and_usr1_restore_the_terminal_and_keep_the_recording() {
    let dir = tempfile::tempdir().unwrap();
    for (signal, code) in [
        (Signal::SIGHUP, 129),
        (Signal::SIGQUIT, 131),
        (Signal::SIGUSR1, 138),
    ] {
        let recording = dir.path().join(format!("{signal}.jsonl"));
        let mut console = Console::start_sim(&["--record", recording.to_str().unwrap()]);
        console.press(b"3");
        console.wait_for("500 messages sent", |s| s.contains("sent 500"));
        console.pty.signal(signal);
        let (got, summary) = console_finish_checked(console);
        assert_eq!(got, code, "{signal}: 128 + its number");
        assert!(
            summary.contains("messages sent        500"),
            "{signal}: {summary}"
        );
        let replayable = kedatui::record::load(&recording)
            .unwrap_or_else(|e| panic!("{signal}: the recording cannot be replayed: {e}"));
        assert_eq!(replayable.cut_at, None, "{signal}: nothing cut off");
        let keys = replayable
            .entries
            .iter()
            .filter(|e| matches!(e.event, kedatui::event::Event::Input(_)))
            .count();
        assert!(keys >= 1, "{signal}: the `3` is in the recording");
    }
}

/// [`Console::finish`], and the cursor and bracketed paste are back to normal too.
fn console_finish_checked(console: Console) -> (u32, String) {
    let mut console = console;
    let (code, summary) = console.pty.wait_exit();
    let screen = console.pty.parser.screen();
    assert!(!screen.alternate_screen(), "the alternate screen was left");
    assert!(!screen.hide_cursor(), "the cursor is shown again");
    assert!(!screen.bracketed_paste(), "bracketed paste is off");
    assert_eq!(
        console.pty.local_flags(),
        console.pty.cooked,
        "raw mode was turned off (ICANON/ECHO back)"
    );
    (code, summary)
}

/// #19 item 2: a recording to a full disk (`/dev/full` answers every write with ENOSPC) says so
/// on screen at once, and the demo goes on.
#[test]
fn a_full_disk_stops_the_recording_and_says_so_on_screen() {
    let mut console = Console::start_sim(&["--record", "/dev/full", "--force"]);
    console.wait_for("the recording's failure on screen", |s| {
        s.contains("recording stopped, a write failed: No space left on device")
    });
    console.press(b"3");
    console.wait_for("the demo going on", |s| s.contains("sent 500"));
    console.press(b"\x03");
    let (code, _) = console.pty.wait_exit();
    assert_eq!(code, 0);
    let output = console.pty.output();
    assert!(
        output.contains("kedatui: the recording is incomplete: No space left on device"),
        "the exit says so too:\n{output}"
    );
}

/// kedatui in a pty with `args` that is expected to refuse them before its first frame: the exit
/// code and everything it wrote.
fn refused(args: &[&str]) -> (u32, String) {
    let mut pty: Pty = Pty::spawn(Spawn {
        args,
        envs: &[],
        remove: &SERVICEBUS_VARS,
        rows: ROWS,
        cols: COLS,
        timeout: TIMEOUT,
    });
    pty.wait_exit_output()
}

/// #19 item 2: `--record` never overwrites a file unless `--force`, and never records into a file
/// another console is recording into (two writers made it `corrupt at line 243`), even with
/// `--force`: each is refused with one sentence and exit 2, the file untouched.
#[test]
fn record_refuses_an_existing_file_and_one_another_console_records_into() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("kedatui.log");
    let log = log.to_str().unwrap();
    let existing = dir.path().join("yesterday.jsonl");
    std::fs::write(&existing, "yesterday's talk\n").unwrap();
    let (code, output) = refused(&["--record", existing.to_str().unwrap(), "--log-file", log]);
    assert_eq!(code, 2, "{output}");
    assert!(
        output.contains("it exists already (add --force to overwrite it)"),
        "{output}"
    );
    assert!(
        !output.contains("\u{1b}[?1049h"),
        "the terminal was not taken"
    );
    assert_eq!(
        std::fs::read_to_string(&existing).unwrap(),
        "yesterday's talk\n"
    );

    let shared = dir.path().join("shared.jsonl");
    let mut first = Console::start_sim(&["--record", shared.to_str().unwrap()]);
    first.press(b"3");
    first.wait_for("500 messages sent", |s| s.contains("sent 500"));
    let (code, output) = refused(&[
        "--record",
        shared.to_str().unwrap(),
        "--force",
        "--log-file",
        log,
    ]);
    assert_eq!(code, 2, "{output}");
    assert!(
        output.contains("another kedatui is recording into it"),
        "{output}"
    );
    let (code, _) = first.quit_confirmed();
    assert_eq!(code, 0);
    let recording = kedatui::record::load(&shared).expect("the first console's recording");
    assert!(!recording.entries.is_empty());

    // Once that console is gone, --force may overwrite its file.
    let again = Console::start_sim(&["--record", shared.to_str().unwrap(), "--force"]);
    let mut again = again;
    again.press(b"q");
    let (code, _) = again.finish();
    assert_eq!(code, 0);
}

/// #19 item 6: another program writing to the terminal (a background `kubectl port-forward &`)
/// leaves its text over the console, since ratatui only redraws cells that changed; `Ctrl-L`
/// paints every cell again.
#[test]
fn ctrl_l_paints_over_what_a_background_job_wrote() {
    let mut console = Console::start();
    let junk = "Forwarding from 127.0.0.1:8080 -> 80";
    console
        .pty
        .write_as_another_program(format!("\u{1b}[1;1H{junk}").as_bytes());
    console.wait_for("the background job's line over the header", |s| {
        s.contains(junk)
    });
    console.press(b"\x0c");
    console.wait_for("the header painted again", |s| {
        !s.contains(junk) && s.contains("Queue kedaqueue")
    });
    console.press(b"?");
    console.wait_for("Ctrl-L in the help overlay", |s| {
        s.contains("Ctrl-L") && s.contains("redraw the whole screen")
    });
    console.press(b"q");
    let (code, _) = console.finish();
    assert_eq!(code, 0);
}

/// #19 item 6: SIGTSTP (a shell's suspend, `kill -TSTP`) gives the terminal back before the
/// process stops; after SIGCONT (`fg`) raw mode and the alternate screen are back and every cell
/// is drawn again.
#[test]
fn sigtstp_gives_the_terminal_back_and_fg_redraws_everything() {
    let mut console = Console::start();
    console.pty.signal(Signal::SIGTSTP);
    console.pty.wait_until("the terminal given back", |p| {
        !p.parser.screen().alternate_screen()
            && !p.parser.screen().hide_cursor()
            && p.local_flags() == p.cooked
    });
    console
        .pty
        .wait_until("the process stopped", |p| p.process_state() == Some('T'));
    // The shell prints at its prompt meanwhile.
    console
        .pty
        .write_as_another_program(b"[1]+  Stopped  kedatui\r\n$ fg\r\n");
    console.pty.signal(Signal::SIGCONT);
    console
        .pty
        .wait_until("the console back, drawn whole", |p| {
            let s = p.contents();
            p.parser.screen().alternate_screen()
                && p.local_flags() != p.cooked
                && s.contains("Queue kedaqueue")
                && s.contains("no pods")
                && !s.contains("Stopped")
        });
    console.press(b"q");
    let (code, _) = console.finish();
    assert_eq!(code, 0);
}

/// #19 item 7: a log file that cannot be opened (a missing directory, a missing `TMPDIR`, the
/// temp directory's kedatui.log owned by another user) is one line of warning, and the console
/// runs without a log.
#[test]
fn a_log_file_that_cannot_be_opened_costs_the_log_not_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-dir").join("kedatui.log");
    let missing = missing.to_str().unwrap();
    let tmpdir = dir.path().join("no-such-tmp");
    let tmpdir = tmpdir.to_str().unwrap();
    let remove = [SERVICEBUS_VARS.as_slice(), &["KEDATUI_LOG_FILE"]].concat();
    for (args, envs) in [
        (vec!["--warp", "20", "--log-file", missing], vec![]),
        (vec!["--warp", "20"], vec![("TMPDIR", tmpdir)]),
    ] {
        let mut pty: Pty = Pty::spawn(Spawn {
            args: &args,
            envs: &envs,
            remove: &remove,
            rows: ROWS,
            cols: COLS,
            timeout: TIMEOUT,
        });
        pty.wait_for("the first frame", |s, _| s.contains("Queue kedaqueue"));
        pty.press(b"q");
        let (code, summary) = pty.wait_exit();
        assert_eq!(code, 0, "{args:?} {envs:?}");
        let output = pty.output();
        let warnings: Vec<&str> = output
            .lines()
            .filter(|l| l.contains("cannot open the log file"))
            .collect();
        assert_eq!(warnings.len(), 1, "one line of warning:\n{output}");
        assert!(
            warnings[0].contains("carrying on without a log file"),
            "{output}"
        );
        assert!(!output.contains("src/logging.rs"), "no report: {output}");
        assert!(summary.contains("log                  none"), "{summary}");
    }
}

/// #19 item 2: `replay` of a file cut short (a console killed mid-write, a full disk) plays up
/// to the last complete event and says where it stopped.
#[test]
fn a_recording_cut_short_replays_up_to_where_it_stops() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.jsonl");
    let header = r#"{"kedatui_recording":1,"started_at":"2026-09-21T14:13:20Z","config":{"mode":"simulator","bursts":[10,100,500,1000,5000],"trickle_per_second":5.0,"warp":1.0,"namespace":"keda-demo","queue":"kedaqueue","scaled_object":"kedasbreceiver-scaler","deployment":"kedasbreceiver"}}"#;
    let mut text = format!("{header}\n");
    for s in 0..=3 {
        text.push_str(&format!(
            "{{\"ms\":{},\"event\":{{\"Tick\":{{\"now\":\"2026-09-21T14:13:2{s}Z\"}}}}}}\n",
            s * 1000
        ));
    }
    text.push_str(r#"{"ms":3500,"event":{"Tick":{"no"#);
    std::fs::write(&path, text).unwrap();
    let mut replay = Console::start_with(
        &["replay", path.to_str().unwrap(), "--speed", "4"],
        &[],
        "the REPLAY header and where the recording stops",
        |s| s.contains("REPLAY") && s.contains("cut off at line 6"),
    );
    replay.wait_for("the end of what was recorded", |s| s.contains("REPLAY end"));
    replay.press(b"q");
    let (code, _) = replay.pty.wait_exit();
    assert_eq!(code, 0);
    let output = replay.pty.output();
    assert!(
        output.contains("was cut off at line 6: replaying the 4 complete events before it"),
        "{output}"
    );
}

/// #19 item 7: `kedatui > file` from a terminal (keys could be read, but the screen would go
/// into the file as escape codes): one sentence on the terminal, exit 2, and an empty file.
#[test]
fn output_redirected_to_a_file_is_refused_with_one_sentence() {
    use portable_pty::{CommandBuilder, PtySize, native_pty_system};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("screen.txt");
    let log = dir.path().join("kedatui.log");
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: ROWS,
            cols: COLS,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new("sh");
    // The shell only redirects: kedatui replaces it, with the pty as stdin and stderr.
    cmd.args([
        "-c",
        r#"exec "$0" --sim --log-file "$1" > "$2""#,
        env!("CARGO_BIN_EXE_kedatui"),
        log.to_str().unwrap(),
        out.to_str().unwrap(),
    ]);
    cmd.env("TERM", "xterm-256color");
    for var in SERVICEBUS_VARS {
        cmd.env_remove(var);
    }
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let deadline = std::time::Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() >= deadline {
            let _ = child.kill();
            panic!(
                "kedatui > file did not exit; the file holds {} bytes",
                std::fs::metadata(&out).map_or(0, |m| m.len())
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    drop(pair.master);
    let mut said = Vec::new();
    let _ = reader.read_to_end(&mut said);
    let said = String::from_utf8_lossy(&said);
    assert_eq!(status.exit_code(), 2, "{said}");
    assert!(
        said.contains("the console needs a terminal, and standard output is not one"),
        "{said}"
    );
    assert_eq!(said.trim().lines().count(), 1, "one sentence: {said}");
    assert_eq!(
        std::fs::read(&out).unwrap(),
        b"",
        "nothing went into the file"
    );
}

/// #19 item 9: in simulator mode the names on the command line are the ones on screen (nothing
/// connects, but the header reads as the speaker's own set-up), not the demo's defaults.
#[test]
fn the_simulator_shows_the_names_given_on_the_command_line() {
    let mut console = Console::start_with(
        &[
            "--seed",
            "42",
            "--queue",
            "orders",
            "-n",
            "shop",
            "--scaledobject",
            "orders-scaler",
        ],
        &[],
        "the first frame",
        |s| s.contains("no pods"),
    );
    console.wait_for("the names from the flags in the header", |s| {
        s.contains("ns shop")
            && s.contains("queue orders")
            && s.contains("ScaledObject orders-scaler")
    });
    let screen = console.pty.contents();
    assert!(
        !screen.contains("kedaqueue") && !screen.contains("keda-demo"),
        "no default name left: {screen}"
    );
    console.press(b"q");
    let (code, _) = console.finish();
    assert_eq!(code, 0);
}

/// #19 item 10: a recording whose header starts with a UTF-8 byte-order mark (saved by a
/// Windows editor) replays.
#[test]
fn a_recording_with_a_byte_order_mark_replays() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bom.jsonl");
    std::fs::write(
        &path,
        concat!(
            "\u{feff}",
            r#"{"kedatui_recording":1,"started_at":"2026-09-21T14:13:20Z","config":{"mode":"simulator","bursts":[10,100],"trickle_per_second":5.0,"warp":1.0,"namespace":"keda-demo","queue":"bomqueue","scaled_object":"kedasbreceiver-scaler","deployment":"kedasbreceiver"}}"#,
            "\n",
            r#"{"ms":0,"event":{"Tick":{"now":"2026-09-21T14:13:20Z"}}}"#,
            "\n"
        ),
    )
    .unwrap();
    let mut replay = Console::start_with(
        &["replay", path.to_str().unwrap()],
        &[],
        "the REPLAY header",
        |s| s.contains("REPLAY") && s.contains("bomqueue"),
    );
    replay.press(b"q");
    let (code, _) = replay.finish();
    assert_eq!(code, 0);
}

/// The number before `/s` after `label` on the gauge's screen, if shown (`send 166 611/s`).
fn rate_on_screen(screen: &str, label: &str) -> Option<f64> {
    let at = screen.find(label)? + label.len();
    let rest = &screen[at..];
    let value = &rest[..rest.find("/s")?];
    value.replace(' ', "").parse().ok()
}

/// #18.11: bursts sent from another terminal (`kedatui send`, as `kedatui lab` suggests) and
/// consumed by someone else: the console sent nothing, yet drain and "empty in" follow the
/// counts the broker reports.
#[test]
fn drain_rate_follows_the_counts_for_messages_sent_from_another_terminal() {
    let LiveFakes {
        bus,
        runtime: _runtime,
        api,
        dir,
        kubeconfig,
    } = LiveFakes::start();
    let mut console = Console::start_live(
        &kubeconfig,
        &bus.connection_string(),
        &bus.management_url(),
        &[],
        &[],
    );
    // Another terminal: `kedatui send --count 200` with the same connection string.
    let cs_file = dir.path().join("connection-string");
    std::fs::write(&cs_file, bus.connection_string()).unwrap();
    let sent = std::process::Command::new(env!("CARGO_BIN_EXE_kedatui"))
        .args(["send", "--count", "200", "--connection-string-file"])
        .arg(&cs_file)
        .args(["--management-url", &bus.management_url()])
        .env_remove("SERVICEBUS_CONNECTION_STRING")
        .env_remove("SERVICEBUS_MANAGE_CONNECTION_STRING")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(sent.status.success(), "{sent:?}");
    console.wait_for("the 200 messages in the gauge", |s| {
        s.contains("active 200")
    });
    // Someone else's consumer takes them, 40 at a time.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let cs = kedatui_servicebus::connection::parse(&bus.connection_string()).unwrap();
    let mut client = rt
        .block_on(kedatui_servicebus::client::connect(
            &cs,
            kedatui_servicebus::client::retry_options(),
        ))
        .unwrap();
    let mut receiver = rt
        .block_on(client.create_receiver_for_queue(
            "kedaqueue",
            azservicebus::ServiceBusReceiverOptions {
                receive_mode: azservicebus::ServiceBusReceiveMode::ReceiveAndDelete,
                ..Default::default()
            },
        ))
        .unwrap();
    for left in [160, 120] {
        let mut taken = 0;
        while taken < 40 {
            let got = rt
                .block_on(
                    receiver.receive_messages_with_max_wait_time(
                        40 - taken,
                        Some(Duration::from_secs(5)),
                    ),
                )
                .unwrap();
            taken += got.len() as u32;
        }
        console.wait_for(&format!("active {left}"), |s| {
            s.contains(&format!("active {left} "))
        });
    }
    console.wait_for("a drain rate and a time to empty", |s| {
        rate_on_screen(s, "drain ").is_some_and(|r| r > 0.0)
            && s.contains("empty in ")
            && !s.contains("empty in —")
    });
    let contents = console.pty.contents();
    assert_eq!(
        rate_on_screen(&contents, "send "),
        Some(0.0),
        "the console sent nothing itself:\n{contents}"
    );
    let _ = rt.block_on(receiver.dispose());
    let _ = rt.block_on(client.dispose());
    let (code, summary) = console.quit_confirmed();
    assert_eq!(code, 0);
    assert!(summary.contains("messages sent        0"), "{summary}");
    drop(api);
}

/// #19.10: a 1 M burst goes out at tens of thousands a second; `send` says so while it does,
/// instead of `0/s` (a finished burst is a count and a duration again).
#[test]
fn send_rate_shows_while_a_big_burst_goes_out() {
    let LiveFakes {
        bus,
        runtime: _runtime,
        api,
        dir: _dir,
        kubeconfig,
    } = LiveFakes::start();
    let mut console = Console::start_live(
        &kubeconfig,
        &bus.connection_string(),
        &bus.management_url(),
        &["--bursts", "1000000"],
        &[],
    );
    console.press(b"1");
    console.wait_for("the burst going out with its send rate", |s| {
        s.contains("▶ burst #1 ") && rate_on_screen(s, "send ").is_some_and(|r| r >= 100.0)
    });
    let (code, summary) = console.quit_confirmed();
    assert_eq!(code, 0, "{summary}");
    drop((api, bus));
}

/// #19.10: below 80×24 keys still act, so the question they raise shows: `t` (the trickle on:
/// something to lose), then `q` on a 79-column terminal asks `Quit?` on its bottom row.
#[test]
fn the_quit_question_shows_on_a_too_small_terminal() {
    let log = tempfile::NamedTempFile::new().unwrap();
    let pty = Pty::spawn(Spawn {
        args: &[
            "--warp",
            "20",
            "--seed",
            "42",
            "--log-file",
            log.path().to_str().unwrap(),
        ],
        envs: &[],
        remove: &SERVICEBUS_VARS,
        rows: 24,
        cols: 79,
        timeout: TIMEOUT,
    });
    let mut console = Console { pty, log };
    console.wait_for("the too-small notice", |s| {
        s.contains("terminal too small (need 80×24)")
    });
    console.press(b"t");
    console.press(b"q");
    console.wait_for("the quit question on the bottom row", |s| {
        s.lines().last().is_some_and(|l| l.contains("Quit?"))
    });
    console.press(b"n");
    console.wait_for("the question answered", |s| {
        !s.contains("Quit?") && s.contains("terminal too small")
    });
    let (code, summary) = console.quit_confirmed();
    assert_eq!(code, 0);
    assert!(summary.starts_with("kedatui summary"), "{summary}");
}

/// A closed window: every handle on the terminal's master side goes away, so the tty hangs up
/// (reads fail with EIO) and the kernel sends SIGHUP. The console must end as on SIGHUP, with its
/// recording whole, however the two race: crossterm 0.29 reads a hung-up tty in an endless loop,
/// which on the UI's runtime used to starve the signal's handling and leave kedatui spinning at
/// 100 % CPU for ever.
#[test]
fn a_closed_window_ends_the_console_with_its_recording() {
    use portable_pty::{CommandBuilder, PtySize, native_pty_system};
    let dir = tempfile::tempdir().unwrap();
    let recording = dir.path().join("closed.jsonl");
    let log = dir.path().join("kedatui.log");
    for round in 0..3 {
        let _ = std::fs::remove_file(&recording);
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_kedatui"));
        cmd.args([
            "--sim",
            "--record",
            recording.to_str().unwrap(),
            "--log-file",
            log.to_str().unwrap(),
        ]);
        cmd.env("TERM", "xterm-256color");
        for var in SERVICEBUS_VARS {
            cmd.env_remove(var);
        }
        let mut child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        // Read here, not on a thread: the test must be able to close every master handle.
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let mut seen = Vec::new();
        let mut buf = [0u8; 8192];
        while !String::from_utf8_lossy(&seen).contains("kedaqueue") {
            match reader.read(&mut buf) {
                Ok(0) | Err(_) => panic!("round {round}: the console closed the terminal first"),
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
        drop(reader);
        drop(writer);
        drop(pair.master);
        let deadline = std::time::Instant::now() + TIMEOUT;
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if std::time::Instant::now() >= deadline {
                let _ = child.kill();
                panic!("round {round}: the console outlived its window");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert_eq!(status.exit_code(), 129, "round {round}: 128 + SIGHUP");
        let text = std::fs::read_to_string(&recording).unwrap();
        assert!(
            text.ends_with('\n'),
            "round {round}: the last event is whole"
        );
        for (i, line) in text.lines().enumerate() {
            serde_json::from_str::<serde_json::Value>(line)
                .unwrap_or_else(|e| panic!("round {round}: line {} is cut: {e}", i + 1));
        }
    }
}

/// Live mode on a real `rabbitmq-server` (no cluster): the header names RabbitMQ, a burst lands
/// on the broker and in the gauge (ready, as the management API reports it), the broker's stop
/// turns the header to DOWN with the last count dimmed, and the password never shows.
#[test]
fn live_mode_on_a_real_rabbitmq() {
    let broker = common::rabbitmq::start("console");
    broker.declare_queue("kedaqueue");
    let password = "pw-on-stage-7f3a";
    let (code, body) = broker.api(
        "PUT",
        "users/speaker",
        Some(&format!(
            r#"{{"password":"{password}","tags":"monitoring"}}"#
        )),
    );
    assert!(code == 201 || code == 204, "{code} {body}");
    let (code, body) = broker.api(
        "PUT",
        "permissions/%2F/speaker",
        Some(r#"{"configure":".*","write":".*","read":".*"}"#),
    );
    assert!(code == 201 || code == 204, "{code} {body}");
    let url = format!(
        "amqp://speaker:{password}@127.0.0.1:{}/%2F",
        broker.amqp_port
    );
    let management = format!("http://127.0.0.1:{}/", broker.management_port);
    let mut console = Console::start_with(
        &["--count-interval", "200ms"],
        &[
            ("RABBITMQ_URL", &url),
            ("RABBITMQ_MANAGEMENT_URL", &management),
            ("KUBECONFIG", "/nonexistent/kubeconfig"),
        ],
        "the LIVE header with RabbitMQ connected",
        |s| s.contains(" LIVE ") && s.contains("RabbitMQ ok"),
    );
    console.press(b"2");
    console.wait_for("100 ready messages read from the management API", |s| {
        s.contains("ready 100") && s.contains("unacked 0")
    });
    assert_eq!(broker.queue_counts("kedaqueue"), Some((100, 100, 0)));
    let mut broker = broker;
    broker.stop();
    console.wait_for("the header saying RabbitMQ is down", |s| {
        s.contains("RabbitMQ DOWN")
    });
    assert!(
        !console.pty.contents().contains(password),
        "no password on screen"
    );
    let mut log_file = console.log.reopen().unwrap();
    let (code, summary) = console.quit_confirmed();
    assert_eq!(code, 0);
    assert!(summary.contains("messages sent        100"), "{summary}");
    let mut log = String::new();
    log_file.read_to_string(&mut log).unwrap();
    assert!(!log.contains(password), "no password in the log file");
    assert!(!summary.contains(password), "no password in the summary");
}

/// `--scaler rabbitmq` with no broker configured rehearses on the simulator with the rabbitmq
/// scaler's rules: the header shows its `value` 20, and 100 messages make 5 replicas, not 20.
#[test]
fn the_simulator_rehearses_the_rabbitmq_scaler() {
    let mut console = Console::start_sim(&["--scaler", "rabbitmq", "--no-consume"]);
    console.wait_for("the rabbitmq trigger's settings", |s| {
        let settings = s.lines().nth(1).unwrap_or_default();
        settings.contains("value 20") && settings.contains("activationValue 0")
    });
    console.press(b"2");
    console.wait_for(
        "KEDA's rabbitmq metric in the events and 5 ready pods",
        |s| s.contains("s0-rabbitmq-kedaqueue") && s.contains("Pods 5 (5 ready)"),
    );
    let (code, _) = console.quit_confirmed();
    assert_eq!(code, 0);
}

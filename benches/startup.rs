//! Launch to the first full frame (#23 item 4): the console started in a pseudo-terminal and
//! timed until the screen holds the header, the panels and the key bar, for the simulator and
//! for the lab (`--lab`: the loopback broker and API server start in-process first).
//!
//! `cargo bench --bench startup` times the release build of this checkout;
//! `KEDATUI_BIN=path/to/kedatui` times another binary, e.g. the packaged one:
//! `KEDATUI_BIN=target/dist/kedatui-0.1.0-x86_64-unknown-linux-musl/kedatui cargo bench --profile dev --bench startup`.

use std::io::Read;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use portable_pty::{CommandBuilder, PtySize, native_pty_system};

const ROWS: u16 = 30;
const COLS: u16 = 100;
const TIMEOUT: Duration = Duration::from_secs(30);

fn binary() -> String {
    std::env::var("KEDATUI_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_kedatui").to_owned())
}

/// The whole screen is drawn: header (with the mode), the pods and events panels, the key bar.
fn full_frame(screen: &str, mode: &str) -> bool {
    let first = screen.lines().next().unwrap_or_default();
    first.contains("kedatui")
        && first.contains(mode)
        && screen.contains("Events")
        && screen.lines().last().is_some_and(|l| l.contains("q quit"))
}

/// One launch: from spawn to the first full frame.
fn first_frame(args: &[&str], mode: &str, log: &std::path::Path) -> Duration {
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: ROWS,
            cols: COLS,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(binary());
    cmd.args(args);
    cmd.args(["--log-file", log.to_str().unwrap()]);
    cmd.env("TERM", "xterm-256color");
    for var in [
        "SERVICEBUS_CONNECTION_STRING",
        "SERVICEBUS_FULLY_QUALIFIED_NAMESPACE",
        "KEDATUI_PROFILE",
    ] {
        cmd.env_remove(var);
    }
    let mut reader = pair.master.try_clone_reader().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 16384];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let start = Instant::now();
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut parser = vt100::Parser::new(ROWS, COLS, 0);
    let took = loop {
        let chunk = rx
            .recv_timeout(TIMEOUT.saturating_sub(start.elapsed()))
            .unwrap_or_else(|_| {
                panic!(
                    "no full frame within {TIMEOUT:?}:\n{}",
                    parser.screen().contents()
                )
            });
        parser.process(&chunk);
        if full_frame(&parser.screen().contents(), mode) {
            break start.elapsed();
        }
    };
    child.kill().ok();
    child.wait().ok();
    took
}

fn startup(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("kedatui.log");
    let mut group = c.benchmark_group("startup");
    group.sample_size(20);
    group.bench_function("first_frame_simulator", |b| {
        b.iter_custom(|n| (0..n).map(|_| first_frame(&["--sim"], "SIM", &log)).sum())
    });
    group.sample_size(10);
    group.bench_function("first_frame_lab", |b| {
        b.iter_custom(|n| (0..n).map(|_| first_frame(&["--lab"], "LIVE", &log)).sum())
    });
    group.finish();
}

criterion_group!(benches, startup);
criterion_main!(benches);

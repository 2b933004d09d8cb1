//! #19 item 10: `cargo run --example capture` (the README's screen, docs/console.md's summary) runs from any
//! directory and profile, and ends by itself even when `q` would ask `Quit?`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The capture example, built with this test's profile beside the kedatui under test.
fn capture_example() -> PathBuf {
    let kedatui = PathBuf::from(env!("CARGO_BIN_EXE_kedatui"));
    let profile_dir = kedatui.parent().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut build = Command::new(env!("CARGO"));
    build
        .args(["build", "--example", "capture"])
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
    if profile_dir.file_name().is_some_and(|n| n == "release") {
        build.arg("--release");
    }
    let status = build.status().expect("run cargo build --example capture");
    assert!(status.success(), "cargo build --example capture failed");
    let example = profile_dir
        .join("examples")
        .join(format!("capture{}", std::env::consts::EXE_SUFFIX));
    assert!(example.is_file(), "{} was built", example.display());
    example
}

#[test]
fn the_capture_example_finds_kedatui_and_ends_by_itself() {
    let example = capture_example();
    // Not the repository's root: `target/debug/kedatui` means nothing here.
    let elsewhere = tempfile::tempdir().unwrap();
    let log = elsewhere.path().join("kedatui.log");
    let mut child = Command::new(&example)
        .args(["3", "sent 500", "--warp", "20", "--seed", "7", "--log-file"])
        .arg(&log)
        .current_dir(elsewhere.path())
        .env_remove("KEDATUI_BIN")
        .env_remove("SERVICEBUS_CONNECTION_STRING")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the capture example");
    // 500 messages and a pod are around when it quits: `q` would wait for an answer forever.
    let limit = Duration::from_secs(120);
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() >= deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "the capture example did not end within {limit:?}:\n{}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("Queue kedaqueue"), "the screen: {stdout}");
    assert!(
        stdout.contains("kedatui summary") && stdout.contains("messages sent        500"),
        "the summary: {stdout}"
    );
}

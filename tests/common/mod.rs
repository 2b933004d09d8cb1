//! Helpers shared by the integration tests (each test binary includes this with `mod common;`).

// Each test binary uses only some of these.
#![allow(dead_code)]

use std::process::Command;

pub mod fixtures;
pub mod pty;
pub mod screen;

/// Runs the `kedatui` binary with `args`: (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kedatui"))
        .args(args)
        .output()
        .expect("run kedatui");
    (
        out.status.code().expect("exit code"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// [`run`], but the process is killed (and the test fails) if it has not exited after `limit`:
/// for input that once made kedatui hang or eat memory.
pub fn run_within(args: &[&str], limit: std::time::Duration) -> (i32, String, String) {
    use std::io::Read as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_kedatui"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run kedatui");
    let deadline = std::time::Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for kedatui") {
            break status;
        }
        if std::time::Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("kedatui {args:?} did not exit within {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let (mut stdout, mut stderr) = (String::new(), String::new());
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (status.code().expect("exit code"), stdout, stderr)
}

/// The main loop's work below the terminal: apply `events` to `app` and route its commands to
/// `sources`, until `cond` holds; fails after `timeout` with what the App shows.
pub async fn pump_until(
    timeout: std::time::Duration,
    app: &mut kedatui::app::App,
    events: &mut tokio::sync::mpsc::UnboundedReceiver<kedatui::event::Event>,
    sources: &kedatui::source::Sources,
    what: &str,
    cond: impl Fn(&kedatui::app::App) -> bool,
) {
    let deadline = tokio::time::Instant::now() + timeout;
    while !cond(app) {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(event)) => {
                for command in app.update(event) {
                    sources.route(&command);
                }
            }
            Ok(None) => panic!("every source stopped while waiting for {what}"),
            Err(_) => panic!(
                "timed out waiting for {what}: depth {}, spec {:?}, pods {}, health {:?}",
                app.depth(),
                app.deployment_spec(),
                app.pods.len(),
                app.health
            ),
        }
    }
}

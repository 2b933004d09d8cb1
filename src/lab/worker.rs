//! The lab's containers: one real `receiver` process per running pod, with the environment the
//! Deployment gives it. Each process reports on a channel when it has connected (its `started`
//! line) and when it exits; the controller turns that into pod status.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use tokio::sync::mpsc::UnboundedSender;

/// What a receiver process did.
#[derive(Debug)]
pub enum WorkerEvent {
    /// Connected and attached: the pod turns Ready.
    Connected { pod: String, generation: u32 },
    /// Completed one message.
    Completed { pod: String },
    /// Exited: the exit code, or 128 + the signal that killed it; its last stderr line.
    Exited {
        pod: String,
        generation: u32,
        code: i32,
        message: String,
    },
}

/// Where the receiver binary is: `$KEDATUI_RECEIVER`, else `receiver` next to this executable
/// (cargo puts the workspace's binaries side by side).
pub fn find_receiver(flag: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(path) = flag {
        return check(path.to_path_buf(), "--receiver");
    }
    if let Some(path) = std::env::var_os(RECEIVER_ENV) {
        return check(PathBuf::from(path), "$KEDATUI_RECEIVER");
    }
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this executable: {e}"))?;
    let mut dirs = vec![];
    if let Some(dir) = exe.parent() {
        dirs.push(dir.to_path_buf());
        // Test binaries live in target/<profile>/deps.
        if let Some(up) = dir.parent() {
            dirs.push(up.to_path_buf());
        }
    }
    for dir in &dirs {
        let candidate = dir.join(format!("receiver{}", std::env::consts::EXE_SUFFIX));
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    Err(format!(
        "the lab runs the workspace's receiver binary and found none next to {}: build it with `cargo build -p receiver` (or `cargo build --release -p receiver` for a release kedatui), or name it with --receiver or ${RECEIVER_ENV}",
        exe.display()
    ))
}

pub const RECEIVER_ENV: &str = "KEDATUI_RECEIVER";

fn check(path: PathBuf, from: &str) -> Result<PathBuf, String> {
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "the receiver binary {} (from {from}) does not exist",
            path.display()
        ))
    }
}

/// The Deployment's environment for one receiver.
#[derive(Clone, Debug)]
pub struct WorkerEnv {
    pub binary: PathBuf,
    /// `(name, value)` pairs; holds the Listen connection string, never logged.
    pub vars: Vec<(String, String)>,
    pub log_dir: PathBuf,
}

/// Starts the receiver for `pod`; returns its pid. Its stdout goes to `<log_dir>/<pod>.log`
/// (as `kubectl logs` would keep it) after the lab has read what it needs from each line.
pub fn spawn(
    env: &WorkerEnv,
    pod: &str,
    generation: u32,
    events: UnboundedSender<WorkerEvent>,
) -> std::io::Result<u32> {
    let mut command = Command::new(&env.binary);
    command
        .envs(env.vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("HOSTNAME", pod)
        // Every lab pod shares this host's network: each receiver serves its probes on a free
        // loopback port instead of the pod's 0.0.0.0:8080, which only one of them could bind.
        .env("HEALTH_ADDR", "127.0.0.1:0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // The lab ends its receivers itself (SIGTERM, then the grace period); this is the
        // backstop if the lab's task is dropped.
        .kill_on_drop(true);
    // Its own process group: a closed terminal's SIGHUP (or a Ctrl-C) reaches the lab, which
    // stops its receivers as a scale-down would, not the receivers themselves.
    #[cfg(unix)]
    command.process_group(0);
    let mut child = command.spawn()?;
    let pid = child.id().unwrap_or(0);
    let stdout = child.stdout.take().expect("piped");
    let stderr = child.stderr.take().expect("piped");
    let log_path = env.log_dir.join(format!("{pod}.log"));
    let name = pod.to_string();
    let out_events = events.clone();
    let out_task = tokio::spawn(async move {
        let mut log = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .await
            .ok();
        let mut lines = BufReader::new(stdout).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            match line_event(&line) {
                Some("started") => {
                    let _ = out_events.send(WorkerEvent::Connected {
                        pod: name.clone(),
                        generation,
                    });
                }
                Some("completed") => {
                    let _ = out_events.send(WorkerEvent::Completed { pod: name.clone() });
                }
                _ => {}
            }
            if let Some(f) = log.as_mut() {
                use tokio::io::AsyncWriteExt as _;
                let _ = f.write_all(format!("{line}\n").as_bytes()).await;
            }
        }
    });
    let name = pod.to_string();
    tokio::spawn(async move {
        let mut last = String::new();
        let mut lines = BufReader::new(stderr).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if !line.trim().is_empty() {
                last = line;
            }
        }
        let status = child.wait().await;
        let _ = out_task.await;
        let code = match status {
            Ok(s) => exit_code(s),
            Err(_) => 255,
        };
        let _ = events.send(WorkerEvent::Exited {
            pod: name,
            generation,
            code,
            message: last,
        });
    });
    Ok(pid)
}

#[cfg(unix)]
fn exit_code(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt as _;
    status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(255)
}

#[cfg(not(unix))]
fn exit_code(status: std::process::ExitStatus) -> i32 {
    status.code().unwrap_or(255)
}

/// The `event` field of one of the receiver's JSON log lines.
pub fn line_event(line: &str) -> Option<&'static str> {
    let value: serde_json::Value = serde_json::from_str(line).ok()?;
    match value.get("event")?.as_str()? {
        "started" => Some("started"),
        "completed" => Some("completed"),
        _ => None,
    }
}

/// Sends `signal` (SIGTERM to stop, SIGKILL at the grace period or to crash it on purpose).
#[cfg(unix)]
pub fn signal(pid: u32, signal: nix::sys::signal::Signal) {
    if pid == 0 {
        return;
    }
    let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), signal);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_receivers_lines() {
        assert_eq!(
            line_event(r#"{"ts":"x","level":"info","event":"started","queue":"q"}"#),
            Some("started")
        );
        assert_eq!(
            line_event(r#"{"level":"info","event":"completed","id":"a"}"#),
            Some("completed")
        );
        assert_eq!(line_event(r#"{"event":"stopped"}"#), None);
        assert_eq!(line_event("not json"), None);
    }
}

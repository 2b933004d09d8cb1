//! The receiver binary as a child process: its JSON log lines, SIGTERM, its exit, its probes.
//! Every wait polls a condition against a deadline.

#![allow(dead_code)] // each test file uses its own subset

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

pub const WAIT: Duration = Duration::from_secs(30);

pub struct Receiver {
    pub child: Child,
    lines: mpsc::Receiver<String>,
    pub seen: Vec<Value>,
}

/// Starts the receiver with only `env` (and probes on a free loopback port).
pub fn spawn(env: &[(&str, &str)], args: &[&str]) -> Receiver {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_receiver"));
    cmd.args(args)
        .env_clear()
        .env("CREATE_TIMEOUT_MS", "10000")
        .env("HEALTH_ADDR", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    Receiver {
        child,
        lines,
        seen: Vec::new(),
    }
}

fn parse(line: &str) -> Value {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("not one JSON line: {line:?}: {e}"))
}

impl Receiver {
    /// Waits for a log line with this `event`.
    pub fn wait_event(&mut self, event: &str) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(v) = self.seen.iter().find(|v| v["event"] == event) {
                return v.clone();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(parse(&line)),
                Err(_) => panic!("no {event} line; saw {:?}", self.seen),
            }
        }
    }

    /// The lines logged so far, without waiting.
    pub fn lines_now(&mut self) -> &[Value] {
        while let Ok(line) = self.lines.try_recv() {
            self.seen.push(parse(&line));
        }
        &self.seen
    }

    pub fn count_now(&mut self, event: &str) -> usize {
        events(self.lines_now(), event).len()
    }

    pub fn sigterm(&self) {
        // nix, not the `kill` program: a minimal system has no procps.
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        )
        .expect("SIGTERM the receiver");
    }

    pub fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// The address its probes listen on, from its `health` line.
    pub fn health_addr(&mut self) -> String {
        let line = self.wait_event("health");
        line["addr"].as_str().expect("an addr").to_owned()
    }

    /// Waits for the exit, then returns the status, every stdout line, and stderr.
    pub fn finish(mut self) -> (ExitStatus, Vec<Value>, String) {
        let deadline = Instant::now() + WAIT;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                panic!("the receiver did not exit; saw {:?}", self.seen);
            }
            std::thread::park_timeout(Duration::from_millis(10));
        };
        // The reader thread ends at EOF, so this drains every line.
        for line in self.lines.iter() {
            self.seen.push(parse(&line));
        }
        let mut stderr = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        (status, self.seen, stderr)
    }
}

pub fn events<'a>(lines: &'a [Value], event: &str) -> Vec<&'a Value> {
    lines.iter().filter(|v| v["event"] == event).collect()
}

/// Polls `check` until it returns `Some`, or panics with `what` after [`WAIT`].
pub fn wait_for<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::park_timeout(Duration::from_millis(25));
    }
}

/// One probe request, as the kubelet makes it: the status code, or `None` if nothing answers.
pub fn probe(addr: &str, path: &str) -> Option<u16> {
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(WAIT)).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: kube-probe/1.33\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response.split(' ').nth(1)?.parse().ok()
}

/// Polls a probe until it answers `want`.
pub fn wait_probe(addr: &str, path: &str, want: Option<u16>) {
    wait_for(&format!("{path} to answer {want:?}"), || {
        (probe(addr, path) == want).then_some(())
    });
}

/// Asserts a clear failure: the exit code, one line on stderr saying `expected`, no `secret`.
pub fn assert_clear_exit(
    status: ExitStatus,
    stderr: &str,
    code: i32,
    expected: &str,
    secret: &str,
) {
    assert_eq!(status.code(), Some(code), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr:?}");
    assert!(
        stderr.contains(expected),
        "{stderr:?} should say {expected:?}"
    );
    assert!(!stderr.contains(secret), "the secret leaked: {stderr}");
}

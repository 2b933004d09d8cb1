//! Readiness and liveness for the kubelet's probes, served over plain HTTP so they work in a
//! `FROM scratch` image (no shell or curl for an exec probe).
//!
//! - `GET /readyz`: 200 once the receiver link is attached (RabbitMQ: the consumer is
//!   registered) and its last receive succeeded;
//!   503 before that, after a failed receive, and from SIGTERM on (the pod leaves `Ready` as
//!   soon as it starts draining).
//! - `GET /livez`: 200 while the receive loop keeps coming round (each turn is bounded by the
//!   pump's `max_receive_wait`, and a stuck receive call is ended by the watchdog); 503 once it
//!   has not for [`STALE_AFTER`]. Start-up counts as alive: connecting is bounded by
//!   `CREATE_TIMEOUT_MS`, after which the process exits by itself.
//!
//! The decision ([`State::status`]) is pure; the server answers on the receiver's own
//! `current_thread` runtime, so a runtime that stops polling also stops answering.
//! The server is a few lines of HTTP/1.0-style request-in, response-out, rather than a web
//! framework: two fixed paths, no bodies, one request per connection.

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// How long the loop may go without a turn before `/livez` fails. Well above one turn's worst
/// case (a receive's wait plus its allowed overrun, then settling) and below what the kubelet
/// takes to restart a pod anyway (periodSeconds × failureThreshold in yaml/base/deployment.yaml).
pub const STALE_AFTER: Duration = Duration::from_secs(30);
/// Limit on reading one request: a client that connects and says nothing is dropped.
const READ_TIMEOUT: Duration = Duration::from_secs(2);
/// Longest request head read; the kubelet's is about 150 bytes.
const MAX_REQUEST: usize = 4096;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Connecting and attaching the receiver link.
    Starting,
    /// Attached; the last receive call succeeded.
    Receiving,
    /// The last receive call failed (the loop retries a few times, then exits).
    ReceiveFailed,
    /// SIGTERM: no new messages are taken.
    Draining,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct State {
    pub phase: Phase,
    /// The receive loop's last turn (or the start, before the loop runs).
    pub beat: Instant,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status {
    pub ready: bool,
    pub live: bool,
}

impl State {
    pub fn new(now: Instant) -> Self {
        Self {
            phase: Phase::Starting,
            beat: now,
        }
    }

    /// What the probes answer at `now`; `stopping` is true once SIGTERM arrived.
    pub fn status(&self, now: Instant, stopping: bool) -> Status {
        let live =
            self.phase == Phase::Starting || now.saturating_duration_since(self.beat) < STALE_AFTER;
        let ready = live && !stopping && self.phase == Phase::Receiving;
        Status { ready, live }
    }
}

/// The receive loop's handle: it reports, the server reads.
#[derive(Clone, Debug)]
pub struct Health {
    state: Arc<Mutex<State>>,
}

impl Default for Health {
    fn default() -> Self {
        Self::new()
    }
}

impl Health {
    pub fn new() -> Self {
        Self {
            state: Arc::new(Mutex::new(State::new(Instant::now()))),
        }
    }

    fn update(&self, f: impl FnOnce(&mut State)) {
        // A poisoned lock only means a panic elsewhere; the state is plain data.
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut state);
    }

    /// The loop came round once more.
    pub fn beat(&self) {
        self.update(|s| s.beat = Instant::now());
    }

    /// The receiver link is attached, or a receive call succeeded.
    pub fn receiving(&self) {
        self.update(|s| {
            if s.phase != Phase::Draining {
                s.phase = Phase::Receiving;
            }
            s.beat = Instant::now();
        });
    }

    pub fn receive_failed(&self) {
        self.update(|s| {
            if s.phase != Phase::Draining {
                s.phase = Phase::ReceiveFailed;
            }
        });
    }

    pub fn draining(&self) {
        self.update(|s| s.phase = Phase::Draining);
    }

    pub fn state(&self) -> State {
        *self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Binds the probe listener (before connecting, so a taken port fails at once).
pub async fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    TcpListener::bind(addr).await
}

/// Answers probes until the process exits. `shutdown` turns readiness off the moment SIGTERM
/// arrives, before the loop notices it between receive calls.
pub async fn serve(listener: TcpListener, health: Health, shutdown: watch::Receiver<bool>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue; // e.g. EMFILE: the next probe tries again
        };
        let status = health.state().status(Instant::now(), *shutdown.borrow());
        tokio::spawn(answer(stream, status));
    }
}

async fn answer(mut stream: TcpStream, status: Status) {
    let mut head = Vec::with_capacity(256);
    let read = tokio::time::timeout(READ_TIMEOUT, async {
        let mut buf = [0u8; 512];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_REQUEST {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    if read.is_err() {
        return;
    }
    let (code, body) = respond(&head, status);
    let reason = match code {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Service Unavailable",
    };
    let response = format!(
        "HTTP/1.1 {code} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// The status code and body for one request head.
pub fn respond(head: &[u8], status: Status) -> (u16, &'static str) {
    let line = head
        .split(|&b| b == b'\r' || b == b'\n')
        .next()
        .unwrap_or(&[]);
    let mut parts = line.split(|&b| b == b' ');
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return (400, "bad request\n");
    };
    // The kubelet sends no query, but a probe URL with one still names the same check.
    let path = target.split(|&b| b == b'?').next().unwrap_or(target);
    let check = match path {
        b"/readyz" => status.ready,
        b"/livez" => status.live,
        _ => return (404, "not found: try /readyz or /livez\n"),
    };
    if method != b"GET" && method != b"HEAD" {
        return (405, "GET only\n");
    }
    match (path, check) {
        (_, true) => (200, "ok\n"),
        (b"/readyz", false) => (503, "not ready\n"),
        _ => (503, "receive loop stalled\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_only_while_receiving_and_not_stopping() {
        let t0 = Instant::now();
        let at = |phase| State { phase, beat: t0 };
        let cases = [
            (Phase::Starting, false, false),
            (Phase::Receiving, false, true),
            (Phase::Receiving, true, false),
            (Phase::ReceiveFailed, false, false),
            (Phase::Draining, false, false),
            (Phase::Draining, true, false),
        ];
        for (phase, stopping, ready) in cases {
            let s = at(phase).status(t0, stopping);
            assert_eq!(s.ready, ready, "{phase:?} stopping={stopping}");
            assert!(s.live, "{phase:?} just beat");
        }
    }

    #[test]
    fn a_loop_that_stops_coming_round_is_not_live_nor_ready() {
        let t0 = Instant::now();
        let stale = t0 + STALE_AFTER;
        let fresh = stale - Duration::from_millis(1);
        for phase in [Phase::Receiving, Phase::ReceiveFailed, Phase::Draining] {
            let s = State { phase, beat: t0 };
            assert!(s.status(fresh, false).live, "{phase:?}");
            assert_eq!(
                s.status(stale, false),
                Status {
                    ready: false,
                    live: false
                },
                "{phase:?}"
            );
        }
        // Connecting has its own limit (CREATE_TIMEOUT_MS), after which the process exits.
        let starting = State::new(t0);
        assert!(starting.status(t0 + STALE_AFTER * 10, false).live);
    }

    #[test]
    fn the_handle_moves_through_the_phases_and_draining_sticks() {
        let h = Health::new();
        assert_eq!(h.state().phase, Phase::Starting);
        h.receiving();
        assert_eq!(h.state().phase, Phase::Receiving);
        h.receive_failed();
        assert_eq!(h.state().phase, Phase::ReceiveFailed);
        h.receiving();
        h.draining();
        h.receiving();
        h.receive_failed();
        assert_eq!(h.state().phase, Phase::Draining);
    }

    #[test]
    fn requests_map_to_codes() {
        let up = Status {
            ready: true,
            live: true,
        };
        let down = Status {
            ready: false,
            live: false,
        };
        let get = |path: &str| format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").into_bytes();
        assert_eq!(respond(&get("/readyz"), up).0, 200);
        assert_eq!(respond(&get("/livez"), up).0, 200);
        assert_eq!(respond(&get("/readyz?verbose"), up).0, 200);
        assert_eq!(respond(&get("/readyz"), down), (503, "not ready\n"));
        assert_eq!(
            respond(&get("/livez"), down),
            (503, "receive loop stalled\n")
        );
        assert_eq!(respond(&get("/"), up).0, 404);
        assert_eq!(respond(b"HEAD /livez HTTP/1.1\r\n\r\n", up).0, 200);
        assert_eq!(respond(b"POST /livez HTTP/1.1\r\n\r\n", up).0, 405);
        assert_eq!(respond(b"", up).0, 400);
        assert_eq!(respond(b"garbage\r\n\r\n", up).0, 400);
    }
}

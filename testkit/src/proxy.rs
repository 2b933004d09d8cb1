//! A loopback TCP proxy a test controls, for injecting network faults through real sockets.
//!
//! ```no_run
//! # let broker: std::net::SocketAddr = "127.0.0.1:5672".parse().unwrap();
//! let proxy = testkit::proxy::TcpProxy::start(broker).unwrap();
//! // point the client at proxy.addr() instead of the broker …
//! proxy.cut();     // every open connection is reset, new ones are refused
//! proxy.resume();  // connections are accepted (and forwarded) again, same port
//! ```
//!
//! It listens on 127.0.0.1 (port 0 unless told otherwise) and forwards each accepted connection
//! to the target. `cut()` resets every open connection (RST, as a dropped route looks to a
//! client that is sending) and closes the listening socket, so new connections get
//! `ECONNREFUSED`; `resume()` listens again on the same port. `cut_for(d)` resumes by itself
//! after `d`. The byte counters let a test time a fault to a point in a transfer ("after about
//! 1 MB sent") without sleeping. Runs on its own thread with a `current_thread` runtime, so it
//! works from sync and async tests alike; dropping it stops it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A running proxy. See the module docs.
pub struct TcpProxy {
    addr: SocketAddr,
    state: Arc<Shared>,
    /// `true` while forwarding; `false` while cut. Closed on drop, which stops the proxy.
    up: watch::Sender<State>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Up,
    Cut,
    Stopped,
}

#[derive(Default)]
struct Shared {
    accepted: AtomicU64,
    to_target: AtomicU64,
    to_client: AtomicU64,
    cuts: AtomicU64,
}

impl TcpProxy {
    /// Listens on an ephemeral 127.0.0.1 port and forwards to `target`.
    pub fn start(target: SocketAddr) -> std::io::Result<Self> {
        Self::start_on(0, target)
    }

    /// Listens on 127.0.0.1:`port` (0 = ephemeral) and forwards to `target`.
    pub fn start_on(port: u16, target: SocketAddr) -> std::io::Result<Self> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Shared::default());
        let (up, rx) = watch::channel(State::Up);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let shared = state.clone();
        let thread = std::thread::Builder::new()
            .name("tcp-proxy".into())
            .spawn(move || {
                runtime.block_on(serve(listener, addr, target, shared, rx));
                runtime.shutdown_timeout(Duration::from_millis(200));
            })?;
        Ok(Self {
            addr,
            state,
            up,
            thread: Some(thread),
        })
    }

    /// Where clients connect: `127.0.0.1:<port>`.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Resets every open connection and refuses new ones until [`resume`](Self::resume).
    pub fn cut(&self) {
        self.state.cuts.fetch_add(1, Ordering::SeqCst);
        self.up.send_replace(State::Cut);
    }

    /// Accepts and forwards connections again (same port).
    pub fn resume(&self) {
        self.up.send_replace(State::Up);
    }

    /// [`cut`](Self::cut) now and [`resume`](Self::resume) after `outage`, without blocking.
    pub fn cut_for(&self, outage: Duration) {
        self.cut();
        let up = self.up.clone();
        let until = Instant::now() + outage;
        std::thread::spawn(move || {
            // A timer, not synchronisation: the outage's length is the fault being injected.
            while Instant::now() < until {
                std::thread::park_timeout(until - Instant::now());
            }
            up.send_if_modified(|s| {
                let cut = *s == State::Cut;
                if cut {
                    *s = State::Up;
                }
                cut
            });
        });
    }

    /// Whether connections are being forwarded (not cut).
    pub fn is_up(&self) -> bool {
        *self.up.borrow() == State::Up
    }

    /// Connections accepted and forwarded so far.
    pub fn accepted(&self) -> u64 {
        self.state.accepted.load(Ordering::SeqCst)
    }

    /// Bytes forwarded from clients to the target so far.
    pub fn bytes_to_target(&self) -> u64 {
        self.state.to_target.load(Ordering::SeqCst)
    }

    /// Bytes forwarded from the target to clients so far.
    pub fn bytes_to_client(&self) -> u64 {
        self.state.to_client.load(Ordering::SeqCst)
    }

    /// Waits until `pred(self)` holds, checking every millisecond; `false` after `timeout`.
    pub fn wait_until(&self, timeout: Duration, mut pred: impl FnMut(&Self) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if pred(self) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::park_timeout(Duration::from_millis(1));
        }
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.up.send_replace(State::Stopped);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(
    first: std::net::TcpListener,
    addr: SocketAddr,
    target: SocketAddr,
    shared: Arc<Shared>,
    mut state: watch::Receiver<State>,
) {
    let mut listener = Some(TcpListener::from_std(first).expect("in a runtime"));
    loop {
        let current = *state.borrow_and_update();
        match current {
            State::Stopped => return,
            // Closed listening socket: new connections are refused.
            State::Cut => listener = None,
            State::Up if listener.is_none() => match bind(addr) {
                Ok(l) => listener = Some(l),
                Err(e) => tracing::warn!(%addr, "proxy cannot listen again: {e}"),
            },
            State::Up => {}
        }
        match &listener {
            Some(l) => tokio::select! {
                accepted = l.accept() => if let Ok((client, _)) = accepted {
                    shared.accepted.fetch_add(1, Ordering::SeqCst);
                    tokio::spawn(forward(client, target, shared.clone(), state.clone()));
                },
                changed = state.changed() => if changed.is_err() { return },
            },
            None => {
                if state.changed().await.is_err() {
                    return;
                }
            }
        }
    }
}

fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(128)
}

/// Pipes one connection both ways until either side closes or the proxy is cut.
async fn forward(
    client: TcpStream,
    target: SocketAddr,
    shared: Arc<Shared>,
    mut state: watch::Receiver<State>,
) {
    let Ok(upstream) = TcpStream::connect(target).await else {
        let _ = client.set_zero_linger();
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = upstream.set_nodelay(true);
    let (mut cr, mut cw) = client.into_split();
    let (mut ur, mut uw) = upstream.into_split();
    let up = pipe(&mut cr, &mut uw, &shared.to_target);
    let down = pipe(&mut ur, &mut cw, &shared.to_client);
    let cut = async { state.wait_for(|s| *s != State::Up).await.is_ok() };
    let was_cut = tokio::select! {
        _ = async { tokio::join!(up, down) } => false,
        cut = cut => cut,
    };
    if was_cut {
        // Reset rather than close: the peer sees the connection die, not end.
        if let (Ok(c), Ok(u)) = (cr.reunite(cw), ur.reunite(uw)) {
            let _ = c.set_zero_linger();
            let _ = u.set_zero_linger();
        }
    }
}

async fn pipe(
    from: &mut tokio::net::tcp::OwnedReadHalf,
    to: &mut tokio::net::tcp::OwnedWriteHalf,
    counter: &AtomicU64,
) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).await.is_err() {
                    break;
                }
                counter.fetch_add(n as u64, Ordering::SeqCst);
            }
        }
    }
    let _ = to.shutdown().await;
}

/// A listener that accepts every connection and never answers (nor closes it): a server that
/// hangs, or a middlebox that swallows traffic. Connections stay open until it is dropped.
pub struct BlackHole {
    addr: SocketAddr,
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<JoinHandle<()>>,
    accepted: Arc<AtomicU64>,
}

impl BlackHole {
    /// Listens on an ephemeral 127.0.0.1 port.
    pub fn start() -> std::io::Result<Self> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let accepted = Arc::new(AtomicU64::new(0));
        let (stop2, accepted2) = (stop.clone(), accepted.clone());
        let thread = std::thread::Builder::new()
            .name("black-hole".into())
            .spawn(move || {
                let mut held = Vec::new();
                while !stop2.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((c, _)) => {
                            accepted2.fetch_add(1, Ordering::SeqCst);
                            held.push(c);
                        }
                        // Polling the non-blocking socket, so a drop can stop the thread.
                        Err(_) => std::thread::park_timeout(Duration::from_millis(5)),
                    }
                }
            })?;
        Ok(Self {
            addr,
            stop,
            thread: Some(thread),
            accepted,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Connections accepted (and held) so far.
    pub fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for BlackHole {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    /// An echo server on its own thread (one connection at a time is enough here).
    fn echo() -> SocketAddr {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        std::thread::spawn(move || {
            for conn in l.incoming() {
                let Ok(mut c) = conn else { return };
                std::thread::spawn(move || {
                    let mut buf = [0u8; 1024];
                    while let Ok(n) = c.read(&mut buf) {
                        if n == 0 || c.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                });
            }
        });
        addr
    }

    fn roundtrip(c: &mut std::net::TcpStream, text: &[u8]) -> std::io::Result<Vec<u8>> {
        c.write_all(text)?;
        let mut got = vec![0u8; text.len()];
        c.read_exact(&mut got)?;
        Ok(got)
    }

    #[test]
    fn forwards_cuts_refuses_and_resumes() {
        let proxy = TcpProxy::start(echo()).unwrap();
        let mut c = std::net::TcpStream::connect(proxy.addr()).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        assert_eq!(roundtrip(&mut c, b"hello").unwrap(), b"hello");
        assert_eq!(proxy.bytes_to_target(), 5);
        assert!(proxy.wait_until(Duration::from_secs(5), |p| p.bytes_to_client() == 5));
        assert_eq!(proxy.accepted(), 1);

        proxy.cut();
        assert!(!proxy.is_up());
        // The open connection dies…
        let mut buf = [0u8; 8];
        let dead = (0..50).any(|_| {
            matches!(c.read(&mut buf), Ok(0) | Err(_)) || roundtrip(&mut c, b"x").is_err()
        });
        assert!(dead, "the open connection was reset");
        // …and new ones are refused while cut.
        let refused = (0..100).any(|_| match std::net::TcpStream::connect(proxy.addr()) {
            Err(e) => e.kind() == std::io::ErrorKind::ConnectionRefused,
            Ok(_) => {
                std::thread::park_timeout(Duration::from_millis(5));
                false
            }
        });
        assert!(refused, "connections are refused while cut");

        proxy.resume();
        assert!(proxy.wait_until(Duration::from_secs(5), |_| {
            std::net::TcpStream::connect(proxy.addr())
                .and_then(|mut c| roundtrip(&mut c, b"again"))
                .is_ok_and(|got| got == b"again")
        }));
    }

    #[test]
    fn cut_for_resumes_by_itself() {
        let proxy = TcpProxy::start(echo()).unwrap();
        let started = Instant::now();
        proxy.cut_for(Duration::from_millis(300));
        assert!(!proxy.is_up());
        assert!(proxy.wait_until(Duration::from_secs(5), |p| p.is_up()));
        assert!(started.elapsed() >= Duration::from_millis(300));
        // `is_up` flips first; the listener opens again just after, so connecting is retried.
        assert!(proxy.wait_until(Duration::from_secs(5), |_| {
            std::net::TcpStream::connect(proxy.addr())
                .and_then(|mut c| {
                    c.set_read_timeout(Some(Duration::from_secs(5)))?;
                    roundtrip(&mut c, b"up")
                })
                .is_ok_and(|got| got == b"up")
        }));
    }
}

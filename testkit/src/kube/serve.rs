//! The listener and its connections: restart drops them all, a drain closes the listening
//! socket and idle connections and holds the watches.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use tokio::net::{TcpListener, TcpSocket};
use tokio::task::JoinSet;

use super::Shared;
use super::routes::handle;

pub(super) fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    // Rebinding the same port right after a restart must not hit TIME_WAIT.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

pub(super) fn spawn_server(listener: TcpListener, shared: Arc<Shared>) -> JoinSetGuard {
    let mut draining = shared.draining.subscribe();
    let app = Router::new().fallback(handle).with_state(shared);
    JoinSetGuard(tokio::spawn(async move {
        // Connections live in this JoinSet: aborting the accept loop drops them all.
        let mut connections = JoinSet::new();
        let mut listener = Some(listener);
        loop {
            tokio::select! {
                accepted = async { listener.as_ref()?.accept().await.ok() }, if listener.is_some() => {
                    let Some((stream, _)) = accepted else { continue };
                    // Go's net package (so the real API server) disables Nagle; without this,
                    // watch events sit behind delayed ACKs for up to 40 ms.
                    let _ = stream.set_nodelay(true);
                    let service = hyper_util::service::TowerToHyperService::new(app.clone());
                    let mut draining = draining.clone();
                    connections.spawn(async move {
                        let io = hyper_util::rt::TokioIo::new(stream);
                        let conn = hyper::server::conn::http1::Builder::new()
                            .serve_connection(io, service);
                        tokio::pin!(conn);
                        tokio::select! {
                            _ = conn.as_mut() => return,
                            _ = async { let _ = draining.wait_for(|d| *d).await; } => {}
                        }
                        // Like Go's Server.Shutdown: an idle connection closes, one with a
                        // request in flight (a watch) finishes it and then closes.
                        conn.as_mut().graceful_shutdown();
                        let _ = conn.await;
                    });
                }
                _ = async { let _ = draining.wait_for(|d| *d).await; }, if listener.is_some() => {
                    // Closed listening socket: new connections are refused.
                    listener = None;
                }
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                else => std::future::pending::<()>().await,
            }
        }
    }))
}

/// Aborts the accept loop (and with it every connection) when dropped.
pub(super) struct JoinSetGuard(pub(super) tokio::task::JoinHandle<()>);

impl Drop for JoinSetGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

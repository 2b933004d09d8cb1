//! A private, real `rabbitmq-server`: its own node name, loopback ports (AMQP, management,
//! distribution, epmd) and data directory, with the management plugin. Not a fake: the tests and
//! the lab (`kedatui lab --scaler rabbitmq`) run Debian's broker itself, as the calling user.
//!
//! Stopped on drop. [`Broker::restart`] stops it and starts it again on the same ports and data
//! directory, so durable queues and persistent messages survive, as on a real broker restart.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where Debian's package puts the server script that runs as the calling user (the one in
/// /usr/sbin switches to the `rabbitmq` user, which cannot write a private data directory).
pub const SERVER: &str = "/usr/lib/rabbitmq/bin/rabbitmq-server";
/// The control CLI that goes with [`SERVER`] (also runs as the calling user).
pub const CTL: &str = "/usr/lib/rabbitmq/bin/rabbitmqctl";
/// A cold start with the management plugin takes about 7 s on a 2-core machine.
pub const START_LIMIT: Duration = Duration::from_secs(90);

/// Whether this machine has a broker to start.
pub fn installed() -> bool {
    Path::new(SERVER).exists()
}

/// For tests (never the lab, which only uses a broker that is there): installs Debian's
/// `rabbitmq-server` when the machine lacks it, so the suite runs on a fresh machine. Panics
/// when the install fails.
pub fn install_for_tests() {
    if installed() {
        return;
    }
    let apt = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status()
            .expect("apt-get runs (the RabbitMQ tests install rabbitmq-server from Debian)")
            .success()
    };
    let install = [
        "install",
        "-y",
        "--no-install-recommends",
        "rabbitmq-server",
    ];
    // A fresh machine may have no package lists yet.
    let done = apt(&install) || (apt(&["update"]) && apt(&install));
    assert!(done, "apt-get install rabbitmq-server failed");
    assert!(installed(), "{SERVER} missing after the install");
}

/// For tests: [`install_for_tests`], then a broker named `name` with its files in
/// `root/rabbitmq-<name>-<pid>`. Panics, with the server's log, when it does not start.
pub fn start_for_test(root: &Path, name: &str) -> Broker {
    install_for_tests();
    let dir = root.join(format!("rabbitmq-{name}-{}", std::process::id()));
    Broker::start_in(&dir, name).unwrap_or_else(|e| {
        let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
        panic!("{e}\n{log}")
    })
}

/// Why a broker did not start.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    #[error(
        "rabbitmq-server is not installed ({SERVER} is missing; `apt-get install rabbitmq-server`)"
    )]
    NotInstalled,
    #[error("cannot prepare {dir}: {source}")]
    Files {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot start rabbitmq-server: {0}")]
    Spawn(std::io::Error),
    #[error("rabbitmq-server exited ({status}) before it was ready; its log is {log}")]
    Exited { status: String, log: PathBuf },
    #[error("rabbitmq-server was not ready after {limit:?}; its log is {log}")]
    NotReady { limit: Duration, log: PathBuf },
}

pub struct Broker {
    child: Option<Child>,
    name: String,
    pub amqp_port: u16,
    pub management_port: u16,
    dist_port: u16,
    epmd_port: u16,
    pub dir: PathBuf,
}

/// `N` distinct free loopback ports: all bound at once, so none is handed out twice.
fn free_ports<const N: usize>() -> std::io::Result<[u16; N]> {
    let mut ports = [0; N];
    let mut held = Vec::with_capacity(N);
    for port in &mut ports {
        let l = TcpListener::bind("127.0.0.1:0")?;
        *port = l.local_addr()?.port();
        held.push(l);
    }
    Ok(ports)
}

impl Broker {
    /// Starts a broker with its files in `dir` (created; emptied first) and waits until its
    /// management API answers. `name` goes into the Erlang node name.
    pub fn start_in(dir: &Path, name: &str) -> Result<Broker, BrokerError> {
        if !installed() {
            return Err(BrokerError::NotInstalled);
        }
        let files = |source| BrokerError::Files {
            dir: dir.to_owned(),
            source,
        };
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).map_err(files)?;
        let [amqp_port, management_port, dist_port, epmd_port] = free_ports().map_err(files)?;
        std::fs::write(
            dir.join("rabbitmq.conf"),
            format!(
                "listeners.tcp.1 = 127.0.0.1:{amqp_port}\n\
                 management.tcp.ip = 127.0.0.1\n\
                 management.tcp.port = {management_port}\n\
                 collect_statistics_interval = 500\n"
            ),
        )
        .map_err(files)?;
        std::fs::write(dir.join("enabled_plugins"), "[rabbitmq_management].\n").map_err(files)?;
        let mut broker = Broker {
            child: None,
            name: format!("kedatui-{name}-{}@localhost", std::process::id()),
            amqp_port,
            management_port,
            dist_port,
            epmd_port,
            dir: dir.to_owned(),
        };
        broker.spawn()?;
        Ok(broker)
    }

    fn spawn(&mut self) -> Result<(), BrokerError> {
        let dir = &self.dir;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("server.log"))
            .map_err(|source| BrokerError::Files {
                dir: dir.clone(),
                source,
            })?;
        let err = log.try_clone().map_err(BrokerError::Spawn)?;
        let child = Command::new(SERVER)
            .current_dir(dir)
            .env("HOME", dir)
            .env("ERL_EPMD_ADDRESS", "127.0.0.1")
            .env("ERL_EPMD_PORT", self.epmd_port.to_string())
            .env("RABBITMQ_NODENAME", &self.name)
            .env("RABBITMQ_DIST_PORT", self.dist_port.to_string())
            .env(
                "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS",
                "-kernel inet_dist_use_interface {127,0,0,1}",
            )
            .env("RABBITMQ_CONFIG_FILE", dir.join("rabbitmq.conf"))
            .env("RABBITMQ_ENABLED_PLUGINS_FILE", dir.join("enabled_plugins"))
            .env("RABBITMQ_MNESIA_BASE", dir.join("mnesia"))
            .env("RABBITMQ_LOG_BASE", dir.join("log"))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .spawn()
            .map_err(BrokerError::Spawn)?;
        self.child = Some(child);
        self.wait_ready()
    }

    fn wait_ready(&mut self) -> Result<(), BrokerError> {
        let deadline = Instant::now() + START_LIMIT;
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                self.child = None;
                return Err(BrokerError::Exited {
                    status: status.to_string(),
                    log: self.log_path(),
                });
            }
            if self
                .try_api("GET", "overview", None)
                .is_some_and(|(code, _)| code == 200)
            {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(BrokerError::NotReady {
                    limit: START_LIMIT,
                    log: self.log_path(),
                });
            }
            // Polling a process we do not control: the condition is the API's answer.
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.join("server.log")
    }

    /// The server's log so far (for a failed test's message).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// `amqp://guest:guest@127.0.0.1:PORT/` (guest may sign in from loopback only).
    pub fn amqp_url(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:{}/", self.amqp_port)
    }

    /// The management API with `user`/`password`.
    pub fn management_url_as(&self, user: &str, password: &str) -> String {
        format!(
            "http://{user}:{password}@127.0.0.1:{}/",
            self.management_port
        )
    }

    /// Whether the broker process is running (false between [`Broker::stop`] and a start).
    pub fn running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| c.try_wait().ok().flatten().is_none())
    }

    /// SIGTERM (rabbitmq's orderly stop), then SIGKILL after 30 s. Its data stays.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        #[cfg(unix)]
        {
            let pid = nix::unistd::Pid::from_raw(child.id() as i32);
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
            let deadline = Instant::now() + Duration::from_secs(30);
            while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Stops the broker and starts it again: same node, ports and data (a broker restart).
    pub fn restart(&mut self) -> Result<(), BrokerError> {
        self.stop();
        self.spawn()
    }

    /// A management API call as guest, over a plain socket (an independent client, not
    /// kedatui's): (status, body). Panics when the API does not answer.
    pub fn api(&self, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
        self.try_api(method, path, body)
            .unwrap_or_else(|| panic!("the management API did not answer {method} {path}"))
    }

    /// [`Broker::api`], `None` when the API does not answer.
    pub fn try_api(&self, method: &str, path: &str, body: Option<&str>) -> Option<(u16, String)> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.management_port)).ok()?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .ok()?;
        let body = body.unwrap_or("");
        // guest:guest, base64.
        let request = format!(
            "{method} /api/{path} HTTP/1.0\r\nHost: 127.0.0.1\r\nAuthorization: Basic Z3Vlc3Q6Z3Vlc3Q=\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).ok()?;
        let mut response = String::new();
        stream.read_to_string(&mut response).ok()?;
        let code = response.split_whitespace().nth(1)?.parse().ok()?;
        let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        Some((code, body.to_owned()))
    }

    /// Publishes one persistent message with `payload` to `queue` on the default vhost, through
    /// the default exchange (the management API's publish, an independent client); panics unless
    /// the broker routed it.
    pub fn publish(&self, queue: &str, payload: &str) {
        self.publish_in("%2F", queue, payload)
    }

    /// [`Broker::publish`] on `vhost` (as the management API's path spells it).
    pub fn publish_in(&self, vhost: &str, queue: &str, payload: &str) {
        let body = serde_json::json!({
            "properties": {"delivery_mode": 2},
            "routing_key": queue,
            "payload": payload,
            "payload_encoding": "string",
        });
        let (code, answer) = self.api(
            "POST",
            &format!("exchanges/{vhost}/amq.default/publish"),
            Some(&body.to_string()),
        );
        assert!(
            code == 200 && answer.contains(r#""routed":true"#),
            "publish to {queue}: {code} {answer}"
        );
    }

    /// Declares a durable queue on the default vhost.
    pub fn declare_queue(&self, queue: &str) {
        let (code, body) = self.api(
            "PUT",
            &format!("queues/%2F/{queue}"),
            Some(r#"{"durable":true}"#),
        );
        assert!(code == 201 || code == 204, "declare {queue}: {code} {body}");
    }

    /// `messages`, `messages_ready`, `messages_unacknowledged` as the API reports them now: the
    /// management agent's samples, taken every 5 s (its default retention policy), so they can
    /// lag by that much; [`Broker::live_queue_counts`] asks the queue itself.
    pub fn queue_counts(&self, queue: &str) -> Option<(u64, u64, u64)> {
        let (code, body) = self.try_api("GET", &format!("queues/%2F/{queue}"), None)?;
        if code != 200 {
            return None;
        }
        let v: serde_json::Value = serde_json::from_str(&body).ok()?;
        let n = |k: &str| v.get(k).and_then(|x| x.as_u64());
        Some((
            n("messages")?,
            n("messages_ready")?,
            n("messages_unacknowledged")?,
        ))
    }
}

impl Broker {
    /// `rabbitmqctl ARGS` against this node (its node name, the cookie in its HOME, its epmd
    /// port): stdout, `None` when it fails. About a second a call (a CLI VM each time), but live,
    /// where the management API's queue figures are samples taken every 5 s.
    pub fn ctl(&self, args: &[&str]) -> Option<String> {
        let out = Command::new(CTL)
            .args(args)
            .current_dir(&self.dir)
            .env("HOME", &self.dir)
            .env("ERL_EPMD_ADDRESS", "127.0.0.1")
            .env("ERL_EPMD_PORT", self.epmd_port.to_string())
            .env("RABBITMQ_NODENAME", &self.name)
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// `messages_ready`, `messages_unacknowledged` of a queue on the default vhost, asked of
    /// the queue itself now (see [`Broker::ctl`]); `None` when there is no such queue.
    pub fn live_queue_counts(&self, queue: &str) -> Option<(u64, u64)> {
        self.live_queue_counts_in("/", queue)
    }

    /// [`Broker::live_queue_counts`] of a queue on `vhost`.
    pub fn live_queue_counts_in(&self, vhost: &str, queue: &str) -> Option<(u64, u64)> {
        let out = self.ctl(&[
            "-q",
            "list_queues",
            "-p",
            vhost,
            "--formatter",
            "json",
            "name",
            "messages_ready",
            "messages_unacknowledged",
        ])?;
        let rows: Vec<serde_json::Value> = serde_json::from_str(out.trim()).ok()?;
        let row = rows.iter().find(|r| r["name"] == queue)?;
        Some((
            row["messages_ready"].as_u64()?,
            row["messages_unacknowledged"].as_u64()?,
        ))
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.stop();
        // The epmd this node started on its own port.
        let _ = Command::new("epmd")
            .args(["-port", &self.epmd_port.to_string(), "-kill"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

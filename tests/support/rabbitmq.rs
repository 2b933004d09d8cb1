//! A private, real `rabbitmq-server` for a test: its own node name, loopback ports (AMQP,
//! management, distribution, epmd) and data directory under the target directory, with the
//! management plugin. Installed from Debian when the machine lacks it; stopped on drop.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where Debian's package puts the server script that runs as the calling user (the one in
/// /usr/sbin switches to the `rabbitmq` user, which cannot write a test's data directory).
const SERVER: &str = "/usr/lib/rabbitmq/bin/rabbitmq-server";
/// A cold start with the management plugin takes about 7 s on the 2-core CI machine.
const START_LIMIT: Duration = Duration::from_secs(90);

pub struct Broker {
    child: Child,
    pub amqp_port: u16,
    pub management_port: u16,
    epmd_port: u16,
    pub dir: PathBuf,
}

/// `N` distinct free loopback ports: all bound at once, so none is handed out twice.
fn free_ports<const N: usize>() -> [u16; N] {
    let listeners: [TcpListener; N] =
        std::array::from_fn(|_| TcpListener::bind("127.0.0.1:0").unwrap());
    listeners.map(|l| l.local_addr().unwrap().port())
}

fn install_if_missing() {
    if Path::new(SERVER).exists() {
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
    let installed = apt(&install) || (apt(&["update"]) && apt(&install));
    assert!(installed, "apt-get install rabbitmq-server failed");
    assert!(
        Path::new(SERVER).exists(),
        "{SERVER} missing after the install"
    );
}

impl Broker {
    /// Starts a broker and waits until its management API answers.
    pub fn start(name: &str) -> Broker {
        install_if_missing();
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("rabbitmq-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let [amqp_port, management_port, dist_port, epmd_port] = free_ports();
        std::fs::write(
            dir.join("rabbitmq.conf"),
            format!(
                "listeners.tcp.1 = 127.0.0.1:{amqp_port}\n\
                 management.tcp.ip = 127.0.0.1\n\
                 management.tcp.port = {management_port}\n\
                 collect_statistics_interval = 500\n"
            ),
        )
        .unwrap();
        std::fs::write(dir.join("enabled_plugins"), "[rabbitmq_management].\n").unwrap();
        let log = std::fs::File::create(dir.join("server.log")).unwrap();
        let child = Command::new(SERVER)
            .current_dir(&dir)
            .env("HOME", &dir)
            .env("ERL_EPMD_ADDRESS", "127.0.0.1")
            .env("ERL_EPMD_PORT", epmd_port.to_string())
            .env(
                "RABBITMQ_NODENAME",
                format!("kedatui-{name}-{}@localhost", std::process::id()),
            )
            .env("RABBITMQ_DIST_PORT", dist_port.to_string())
            .env(
                "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS",
                "-kernel inet_dist_use_interface {127,0,0,1}",
            )
            .env("RABBITMQ_CONFIG_FILE", dir.join("rabbitmq.conf"))
            .env("RABBITMQ_ENABLED_PLUGINS_FILE", dir.join("enabled_plugins"))
            .env("RABBITMQ_MNESIA_BASE", dir.join("mnesia"))
            .env("RABBITMQ_LOG_BASE", dir.join("log"))
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start rabbitmq-server");
        let mut broker = Broker {
            child,
            amqp_port,
            management_port,
            epmd_port,
            dir,
        };
        broker.wait_ready();
        broker
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + START_LIMIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "rabbitmq-server exited ({status}) before it was ready:\n{}",
                    self.log()
                );
            }
            if self
                .try_api("GET", "overview", None)
                .is_some_and(|(code, _)| code == 200)
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "rabbitmq-server not ready after {START_LIMIT:?}:\n{}",
                self.log()
            );
            // Polling a process we do not control: the condition is the API's answer.
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    /// `amqp://guest:guest@127.0.0.1:PORT/` (guest may sign in from loopback only).
    pub fn amqp_url(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:{}/", self.amqp_port)
    }

    /// The management API with `user`/`password` (for refusal tests).
    pub fn management_url_as(&self, user: &str, password: &str) -> String {
        format!(
            "http://{user}:{password}@127.0.0.1:{}/",
            self.management_port
        )
    }

    /// A management API call as guest, over a plain socket (an independent client, not
    /// kedatui's): (status, body).
    pub fn api(&self, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
        self.try_api(method, path, body)
            .unwrap_or_else(|| panic!("the management API did not answer {method} {path}"))
    }

    fn try_api(&self, method: &str, path: &str, body: Option<&str>) -> Option<(u16, String)> {
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
}

impl Drop for Broker {
    fn drop(&mut self) {
        // SIGTERM is rabbitmq's orderly stop; then the epmd this node started on its own port.
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = Command::new("epmd")
            .args(["-port", &self.epmd_port.to_string(), "-kill"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

//! A loopback Azure Service Bus: an AMQP 1.0 broker speaking the Service Bus dialect plus the
//! management REST endpoint, over one in-memory store.
//!
//! ```no_run
//! let bus = testkit::servicebus::FakeServiceBus::start(Default::default()).unwrap();
//! println!("{}", bus.connection_string()); // ...;UseDevelopmentEmulator=true
//! ```
//!
//! Runs on its own thread with a `current_thread` runtime. `stop()` drops every connection (as a
//! killed broker would); `restart()` listens again on the same ports with the same messages.

mod amqp;
pub mod entra;
mod rest;
pub mod sas;
mod store;

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

pub use amqp::BATCH_FORMAT;
pub use entra::{EntraAccept, EntraConfig, Role};
pub use sas::{Rights, SasRule};
pub use store::{AmqpMessage, FakeCounts, StoredMessage};

use amqp::Broker;
use store::Store;

/// How to start the fake.
#[derive(Clone, Debug)]
pub struct FakeServiceBusOptions {
    /// 0 = an ephemeral port.
    pub amqp_port: u16,
    pub http_port: u16,
    pub queues: Vec<String>,
    /// The first rule is the one `connection_string()` uses.
    pub rules: Vec<SasRule>,
    pub lock_duration: Duration,
    /// Advertised on every link (Standard tier: 256 KiB).
    pub max_message_size: u64,
    /// Refuse a second message with the same message id (Service Bus duplicate detection).
    pub duplicate_detection: bool,
    /// Accept Microsoft Entra ID bearer tokens as well as SAS (`None`: SAS only).
    pub entra: Option<EntraConfig>,
}

impl Default for FakeServiceBusOptions {
    fn default() -> Self {
        Self {
            amqp_port: 0,
            http_port: 0,
            queues: vec!["kedaqueue".into()],
            rules: vec![SasRule {
                name: "RootManageSharedAccessKey".into(),
                key: random_key(),
                rights: Rights::ALL,
            }],
            lock_duration: Duration::from_secs(60),
            max_message_size: 262_144,
            duplicate_detection: false,
            entra: None,
        }
    }
}

/// A fresh fake key (base64 of random bytes), so no key is ever written in the repository.
pub fn random_key() -> String {
    use base64::Engine as _;
    let bytes: Vec<u8> = (0..32).map(|_| rand_byte()).collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn rand_byte() -> u8 {
    uuid::Uuid::new_v4().as_bytes()[0]
}

/// A running fake Service Bus namespace.
pub struct FakeServiceBus {
    opts: FakeServiceBusOptions,
    store: Arc<Store>,
    amqp_addr: SocketAddr,
    http_addr: SocketAddr,
    running: Option<Running>,
    /// CBS put-tokens accepted so far (tests wait on a refresh with it).
    tokens_accepted: Arc<std::sync::atomic::AtomicUsize>,
}

struct Running {
    shutdown: tokio::sync::oneshot::Sender<()>,
    thread: JoinHandle<()>,
}

impl FakeServiceBus {
    pub fn start(opts: FakeServiceBusOptions) -> std::io::Result<Self> {
        let store = Store::new(&opts.queues, opts.lock_duration, opts.duplicate_detection);
        let amqp = std::net::TcpListener::bind(("127.0.0.1", opts.amqp_port))?;
        let http = std::net::TcpListener::bind(("127.0.0.1", opts.http_port))?;
        let mut bus = Self {
            amqp_addr: amqp.local_addr()?,
            http_addr: http.local_addr()?,
            opts,
            store,
            running: None,
            tokens_accepted: Arc::default(),
        };
        bus.running = Some(bus.launch(amqp, http)?);
        Ok(bus)
    }

    fn launch(
        &self,
        amqp: std::net::TcpListener,
        http: std::net::TcpListener,
    ) -> std::io::Result<Running> {
        amqp.set_nonblocking(true)?;
        http.set_nonblocking(true)?;
        let broker = Arc::new(Broker {
            store: self.store.clone(),
            rules: self.opts.rules.clone(),
            entra: self.opts.entra.clone(),
            tokens_accepted: self.tokens_accepted.clone(),
            max_message_size: self.opts.max_message_size,
        });
        let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let thread = std::thread::Builder::new()
            .name("servicebus-fake".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let amqp = tokio::net::TcpListener::from_std(amqp).expect("in a runtime");
                    let http = tokio::net::TcpListener::from_std(http).expect("in a runtime");
                    let sweep_store = broker.store.clone();
                    tokio::spawn(amqp::serve(amqp, broker.clone()));
                    tokio::spawn(rest::serve(http, broker));
                    tokio::spawn(async move {
                        let mut tick = tokio::time::interval(Duration::from_millis(250));
                        loop {
                            tick.tick().await;
                            sweep_store.expire_locks(jiff::Timestamp::now());
                        }
                    });
                    let _ = stop.await;
                });
                // Dropping the tasks closes every socket; don't wait on stragglers.
                runtime.shutdown_timeout(Duration::from_millis(200));
            })?;
        Ok(Running { shutdown, thread })
    }

    /// `Endpoint=sb://127.0.0.1:<amqp>;…;UseDevelopmentEmulator=true` for the first rule.
    pub fn connection_string(&self) -> String {
        self.connection_string_for(&self.opts.rules[0].name)
    }

    /// The connection string of a named rule (panics if there is none).
    pub fn connection_string_for(&self, rule: &str) -> String {
        let rule = self
            .opts
            .rules
            .iter()
            .find(|r| r.name == rule)
            .expect("a configured rule");
        format!(
            "Endpoint=sb://127.0.0.1:{};SharedAccessKeyName={};SharedAccessKey={};UseDevelopmentEmulator=true",
            self.amqp_addr.port(),
            rule.name,
            rule.key
        )
    }

    /// The namespace for keyless (Entra ID) clients: `127.0.0.1:<amqp>`.
    pub fn fully_qualified_namespace(&self) -> String {
        format!("127.0.0.1:{}", self.amqp_addr.port())
    }

    /// How many CBS put-tokens (SAS or Entra) the broker has accepted since it was created.
    pub fn tokens_accepted(&self) -> usize {
        self.tokens_accepted
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Where the REST counts are served: `http://127.0.0.1:<http>/`.
    pub fn management_url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.http_addr.port())
    }

    pub fn amqp_port(&self) -> u16 {
        self.amqp_addr.port()
    }

    pub fn http_port(&self) -> u16 {
        self.http_addr.port()
    }

    pub fn options(&self) -> &FakeServiceBusOptions {
        &self.opts
    }

    /// The queue's counters, `None` if it does not exist.
    pub fn counts(&self, queue: &str) -> Option<FakeCounts> {
        self.store.counts(queue)
    }

    /// Adds a queue at run time.
    pub fn create_queue(&self, queue: &str) {
        self.store
            .create_queue(queue, self.opts.duplicate_detection);
    }

    /// Puts messages straight into a queue (bodies as data sections); returns how many were added.
    pub fn preload(&self, queue: &str, bodies: impl IntoIterator<Item = Vec<u8>>) -> usize {
        use fe2o3_amqp_types::messaging::{Body, Data, Message};
        let messages = bodies
            .into_iter()
            .map(|b| Message {
                header: None,
                delivery_annotations: None,
                message_annotations: None,
                properties: None,
                application_properties: None,
                body: Body::Data(vec![Data(b.into())].into()),
                footer: None,
            })
            .collect();
        self.store
            .enqueue(&store::normalise(queue), messages)
            .unwrap_or(0)
    }

    /// Removes and returns every available message of a queue.
    pub fn drain(&self, queue: &str) -> Vec<StoredMessage> {
        self.store.drain(queue)
    }

    /// Waits (polling the store, not sleeping blindly) until `pred` holds or `timeout` passes.
    pub fn wait_for_counts(
        &self,
        queue: &str,
        timeout: Duration,
        pred: impl Fn(&FakeCounts) -> bool,
    ) -> Option<FakeCounts> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let counts = self.counts(queue)?;
            if pred(&counts) {
                return Some(counts);
            }
            if std::time::Instant::now() >= deadline {
                return None;
            }
            std::thread::park_timeout(Duration::from_millis(10));
        }
    }

    /// Like [`wait_for_counts`](Self::wait_for_counts) for async tests: it yields, so a client
    /// on the same runtime keeps running while the test waits.
    pub async fn wait_for_counts_async(
        &self,
        queue: &str,
        timeout: Duration,
        pred: impl Fn(&FakeCounts) -> bool,
    ) -> Option<FakeCounts> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let counts = self.counts(queue)?;
            if pred(&counts) {
                return Some(counts);
            }
            if tokio::time::Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// Kills the broker: every connection drops, the ports close. Messages stay in the store.
    pub fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            let _ = running.shutdown.send(());
            let _ = running.thread.join();
        }
    }

    /// Starts again on the same ports with the same messages.
    pub fn restart(&mut self) -> std::io::Result<()> {
        self.stop();
        let amqp = std::net::TcpListener::bind(self.amqp_addr)?;
        let http = std::net::TcpListener::bind(self.http_addr)?;
        self.running = Some(self.launch(amqp, http)?);
        Ok(())
    }
}

impl Drop for FakeServiceBus {
    fn drop(&mut self) {
        self.stop();
    }
}

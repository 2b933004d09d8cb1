//! A loopback Kubernetes API server the real kube client reaches through a generated kubeconfig.
//!
//! It speaks the wire shapes recorded from a real k8s.io/apiserver
//! (`docs/kube-wire.md`): lists with `resourceVersion`, `limit`/`continue`; watches as chunked
//! newline-delimited JSON with BOOKMARKs; a too-old resourceVersion answered by an `ERROR` event
//! with `code: 410` **inside an HTTP 200 stream** (an HTTP 410 on a watch makes kube-rs retry
//! forever); an expired continue token as HTTP 410; `Status` bodies for 401/403/404/409. A
//! watch from a resourceVersion this server never issued (each server counts from its own base,
//! so one from a previous, restarted fake never matches) gets the same 410: the client re-lists
//! instead of keeping the old server's objects as ghosts.
//!
//! Switches for tests: forbid a verb on a resource (403), stop serving a resource (404, as an
//! API server without the Events API), restart (drop every connection, same port), drain (a
//! graceful shutdown: new connections refused, open watches held and silent), expire
//! resource versions (watches get 410 and must re-list), uninstall KEDA's CRDs (keda.sh paths
//! answer 404). Objects are created, changed and deleted through the Rust API on
//! [`FakeApiServer`] or over plain HTTP (POST/PUT/PATCH merge-patch/DELETE).

// Errors here *are* HTTP responses, returned straight to the client; boxing buys nothing.
#![allow(clippy::result_large_err)]

pub mod demo;
mod selector;

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State as AxState};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::{broadcast, mpsc, watch};
use tokio::task::JoinSet;

use selector::{FieldSelector, LabelSelector};

/// A resource the fake serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Resource {
    pub group: &'static str,
    pub version: &'static str,
    pub plural: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
}

impl Resource {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

const fn res(
    group: &'static str,
    version: &'static str,
    plural: &'static str,
    kind: &'static str,
    namespaced: bool,
) -> Resource {
    Resource {
        group,
        version,
        plural,
        kind,
        namespaced,
    }
}

pub const PODS: Resource = res("", "v1", "pods", "Pod", true);
pub const EVENTS: Resource = res("", "v1", "events", "Event", true);
pub const NAMESPACES: Resource = res("", "v1", "namespaces", "Namespace", false);
pub const DEPLOYMENTS: Resource = res("apps", "v1", "deployments", "Deployment", true);
pub const HPAS: Resource = res(
    "autoscaling",
    "v2",
    "horizontalpodautoscalers",
    "HorizontalPodAutoscaler",
    true,
);
pub const SCALED_OBJECTS: Resource =
    res("keda.sh", "v1alpha1", "scaledobjects", "ScaledObject", true);
pub const SCALED_JOBS: Resource = res("keda.sh", "v1alpha1", "scaledjobs", "ScaledJob", true);
pub const TRIGGER_AUTHENTICATIONS: Resource = res(
    "keda.sh",
    "v1alpha1",
    "triggerauthentications",
    "TriggerAuthentication",
    true,
);
pub const EVENTS_V1: Resource = res("events.k8s.io", "v1", "events", "Event", true);
pub const CRDS: Resource = res(
    "apiextensions.k8s.io",
    "v1",
    "customresourcedefinitions",
    "CustomResourceDefinition",
    false,
);

pub const RESOURCES: &[Resource] = &[
    PODS,
    EVENTS,
    NAMESPACES,
    DEPLOYMENTS,
    HPAS,
    SCALED_OBJECTS,
    SCALED_JOBS,
    TRIGGER_AUTHENTICATIONS,
    EVENTS_V1,
    CRDS,
];

const KEDA_GROUP: &str = "keda.sh";
/// Changes kept for watches that resume from a resourceVersion; older ones are "compacted".
const HISTORY: usize = 20_000;

/// The identity the fake's 403 messages name (kedatui's ServiceAccount in the demo).
pub const USER: &str = "system:serviceaccount:keda-demo:kedatui-viewer";

#[derive(Clone, Debug)]
pub struct Options {
    /// 0 = an ephemeral port.
    pub port: u16,
    /// Interval of the BOOKMARK events sent on watches that allow them.
    pub bookmark_interval: Duration,
    /// Create the demo's Namespace, Deployment, ScaledObject, HPA and KEDA's CRDs.
    pub seed_demo: bool,
    /// Accept requests without the bearer token too (kubectl sends no token over plain http).
    pub anonymous: bool,
    /// The bearer token (default: a fresh random one). A test that replaces a server with a
    /// fresh one on the same port passes the old one's, so clients carry on.
    pub token: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            port: 0,
            bookmark_interval: Duration::from_secs(5),
            seed_demo: false,
            anonymous: false,
            token: None,
        }
    }
}

/// One change, as watches see it.
#[derive(Debug)]
struct Change {
    rv: u64,
    resource: Resource,
    type_: &'static str,
    object: Value,
    previous: Option<Value>,
}

#[derive(Debug)]
enum Notice {
    Change(Arc<Change>),
    /// The watch cache was reset: every live watch gets a 410 ERROR event.
    Expired,
}

type Key = (Resource, String, String);

#[derive(Default)]
struct Store {
    rv: u64,
    /// The oldest resourceVersion a watch may resume from (or a continue token carry);
    /// older ones get 410 Expired.
    floor: u64,
    objects: BTreeMap<Key, Value>,
    history: VecDeque<Arc<Change>>,
    forbidden: HashSet<(String, String)>,
    /// Plurals the server does not serve (404, as an API server without that API).
    unserved: HashSet<String>,
    keda_uninstalled: bool,
    /// Changes are recorded but not delivered to live watches (a "missed" event).
    muted: bool,
    requests: Vec<String>,
}

struct Shared {
    store: Mutex<Store>,
    notices: broadcast::Sender<Notice>,
    token: String,
    anonymous: bool,
    bookmark_interval: Duration,
    /// Bumped on restart: every watch stream ends.
    generation: watch::Sender<u64>,
    /// A graceful shutdown in progress ([`FakeApiServer::drain`]): new connections are refused,
    /// open watches are held and deliver nothing more.
    draining: watch::Sender<bool>,
}

impl Clone for Notice {
    fn clone(&self) -> Self {
        match self {
            Notice::Change(c) => Notice::Change(c.clone()),
            Notice::Expired => Notice::Expired,
        }
    }
}

/// The running fake. Dropping it stops the server.
pub struct FakeApiServer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    serving: Mutex<Option<JoinSetGuard>>,
}

/// Aborts the accept loop (and with it every connection) when dropped.
struct JoinSetGuard(tokio::task::JoinHandle<()>);

impl Drop for JoinSetGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl FakeApiServer {
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(Options::default()).await
    }

    pub async fn start_with(opts: Options) -> std::io::Result<Self> {
        let (notices, _) = broadcast::channel(65_536);
        // Each server issues resourceVersions from its own base, as a fresh etcd would not
        // reuse another's: a client that resumes with a version from a previous server (a
        // restarted fake) gets 410 and re-lists instead of silently keeping ghosts.
        let base = next_rv_base();
        let store = Store {
            rv: base,
            floor: base,
            ..Store::default()
        };
        let shared = Arc::new(Shared {
            store: Mutex::new(store),
            notices,
            token: opts
                .token
                .clone()
                .unwrap_or_else(|| format!("fake-token-{}", uuid::Uuid::new_v4().simple())),
            anonymous: opts.anonymous,
            bookmark_interval: opts.bookmark_interval,
            generation: watch::channel(0).0,
            draining: watch::channel(false).0,
        });
        let listener = bind(SocketAddr::from(([127, 0, 0, 1], opts.port)))?;
        let addr = listener.local_addr()?;
        let server = Self {
            serving: Mutex::new(Some(spawn_server(listener, shared.clone()))),
            shared,
            addr,
        };
        if opts.seed_demo {
            demo::seed(&server, demo::NAMESPACE);
        }
        Ok(server)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bearer token the fake accepts (generated per run).
    pub fn token(&self) -> &str {
        &self.shared.token
    }

    /// A kubeconfig whose current context points at this server, with `namespace` as default.
    pub fn kubeconfig_yaml(&self, namespace: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: {url}\n\
             contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: fake\n    namespace: {namespace}\n\
             current-context: fake\nusers:\n- name: fake\n  user:\n    token: {token}\n",
            url = self.url(),
            token = self.shared.token
        )
    }

    pub fn write_kubeconfig(&self, path: &std::path::Path, namespace: &str) -> std::io::Result<()> {
        std::fs::write(path, self.kubeconfig_yaml(namespace))
    }

    /// Create or replace an object; the resource comes from its apiVersion and kind.
    /// Returns the stored object (with resourceVersion, uid, creationTimestamp).
    pub fn apply(&self, object: Value) -> Value {
        let resource = resource_of(&object)
            .unwrap_or_else(|| panic!("fake API server: unknown kind in {object}"));
        let mut store = self.shared.store.lock().unwrap();
        let ns = object["metadata"]["namespace"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let name = object["metadata"]["name"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let key = (
            resource,
            if resource.namespaced {
                ns
            } else {
                String::new()
            },
            name,
        );
        if store.objects.contains_key(&key) {
            store.replace(&self.shared, key, object).expect("replace")
        } else {
            store.create(&self.shared, key, object).expect("create")
        }
    }

    /// Change an object in place. `None` if it does not exist.
    pub fn modify(
        &self,
        resource: Resource,
        namespace: &str,
        name: &str,
        f: impl FnOnce(&mut Value),
    ) -> Option<Value> {
        let mut store = self.shared.store.lock().unwrap();
        let key = key_of(resource, namespace, name);
        let mut object = store.objects.get(&key)?.clone();
        f(&mut object);
        store.replace(&self.shared, key, object).ok()
    }

    pub fn delete(&self, resource: Resource, namespace: &str, name: &str) -> Option<Value> {
        let mut store = self.shared.store.lock().unwrap();
        store.delete(&self.shared, key_of(resource, namespace, name))
    }

    pub fn get(&self, resource: Resource, namespace: &str, name: &str) -> Option<Value> {
        self.shared
            .store
            .lock()
            .unwrap()
            .objects
            .get(&key_of(resource, namespace, name))
            .cloned()
    }

    /// Names of the stored objects of a resource in a namespace.
    pub fn names(&self, resource: Resource, namespace: &str) -> Vec<String> {
        let store = self.shared.store.lock().unwrap();
        store
            .objects
            .keys()
            .filter(|(r, ns, _)| *r == resource && (!resource.namespaced || ns == namespace))
            .map(|(_, _, n)| n.clone())
            .collect()
    }

    /// Answer `verb` (`get`, `list`, `watch`, `create`, …) on `plural` with 403 Forbidden.
    pub fn forbid(&self, verb: &str, plural: &str) {
        self.shared
            .store
            .lock()
            .unwrap()
            .forbidden
            .insert((verb.into(), plural.into()));
    }

    pub fn allow(&self, verb: &str, plural: &str) {
        self.shared
            .store
            .lock()
            .unwrap()
            .forbidden
            .remove(&(verb.to_string(), plural.to_string()));
    }

    /// Stop (or start again) serving a resource, by plural (`events` covers core/v1 and
    /// events.k8s.io): its paths answer 404 to every verb and discovery stops listing it, like an
    /// API server without that API.
    pub fn set_served(&self, plural: &str, served: bool) {
        let mut store = self.shared.store.lock().unwrap();
        if served {
            store.unserved.remove(plural);
        } else {
            store.unserved.insert(plural.to_string());
        }
    }

    /// Remove (or restore) KEDA's CRDs: every keda.sh path answers 404 and its watches end.
    pub fn set_keda_installed(&self, installed: bool) {
        let mut store = self.shared.store.lock().unwrap();
        store.keda_uninstalled = !installed;
        if !installed {
            // Like a CRD deletion: the objects go, and so do the watches on them.
            store.objects.retain(|(r, _, _), _| r.group != KEDA_GROUP);
            drop(store);
            self.shared.generation.send_modify(|g| *g += 1);
        }
    }

    /// Run `f` with change delivery to live watches suspended: the changes are stored but no
    /// watch sees them, as if they were lost. Follow with [`expire_resource_versions`] to make
    /// the clients re-list (and find out).
    pub fn unobserved<T>(&self, f: impl FnOnce(&Self) -> T) -> T {
        self.shared.store.lock().unwrap().muted = true;
        let out = f(self);
        self.shared.store.lock().unwrap().muted = false;
        out
    }

    /// Compact: every resourceVersion before now becomes too old. Live watches receive an
    /// `ERROR` event with code 410 (inside their HTTP 200 stream) and end; clients must re-list.
    /// The current version stays valid, as on a real server: a list taken now can be watched
    /// from (otherwise a client would re-list, get 410 and re-list again until something changed).
    pub fn expire_resource_versions(&self) {
        let mut store = self.shared.store.lock().unwrap();
        // Every version issued so far is now below the floor; a list taken now carries the
        // next one, at the floor.
        store.rv += 1;
        store.floor = store.rv;
        store.history.clear();
        let _ = self.shared.notices.send(Notice::Expired);
    }

    /// Drop every connection and stop listening for `downtime`, then serve again on the same port.
    /// State survives, like an API server restart in front of the same etcd.
    pub async fn restart(&self, downtime: Duration) -> std::io::Result<()> {
        self.serving.lock().unwrap().take();
        self.shared.generation.send_modify(|g| *g += 1);
        self.shared.draining.send_replace(false);
        tokio::time::sleep(downtime).await;
        let listener = bind(self.addr)?;
        *self.serving.lock().unwrap() = Some(spawn_server(listener, self.shared.clone()));
        Ok(())
    }

    /// Shut down gracefully, as an API server does for up to 60 s on its way down: the listening
    /// socket closes (new connections are refused), idle keep-alive connections close, and the
    /// watches already open are held: they stay open but deliver nothing more, so a client
    /// that trusts its watches alone keeps showing what it had. Changes made meanwhile are
    /// stored. Until [`restart`](Self::restart), [`stop`](Self::stop) or drop.
    pub fn drain(&self) {
        self.shared.draining.send_replace(true);
    }

    /// Stop serving (connections refused) until [`restart`] or drop.
    pub fn stop(&self) {
        self.serving.lock().unwrap().take();
        self.shared.generation.send_modify(|g| *g += 1);
    }

    /// Requests served so far, as `VERB path?query` lines.
    pub fn requests(&self) -> Vec<String> {
        self.shared.store.lock().unwrap().requests.clone()
    }

    /// The current resourceVersion.
    pub fn resource_version(&self) -> u64 {
        self.shared.store.lock().unwrap().rv
    }
}

/// A resourceVersion base no other server in this process (or a recent one) has used: the
/// wall clock in microseconds times 1000, then a billion apart per server.
fn next_rv_base() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let from_clock = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
        .saturating_mul(1000);
    let _ = NEXT.fetch_max(from_clock, Ordering::SeqCst);
    NEXT.fetch_add(1_000_000_000, Ordering::SeqCst)
}

fn key_of(resource: Resource, namespace: &str, name: &str) -> Key {
    (
        resource,
        if resource.namespaced {
            namespace.to_string()
        } else {
            String::new()
        },
        name.to_string(),
    )
}

fn resource_of(object: &Value) -> Option<Resource> {
    let api_version = object["apiVersion"].as_str()?;
    let kind = object["kind"].as_str()?;
    RESOURCES
        .iter()
        .copied()
        .find(|r| r.api_version() == api_version && r.kind == kind)
}

fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    // Rebinding the same port right after a restart must not hit TIME_WAIT.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

fn spawn_server(listener: TcpListener, shared: Arc<Shared>) -> JoinSetGuard {
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

impl Store {
    fn next_rv(&mut self) -> u64 {
        self.rv += 1;
        self.rv
    }

    fn record(&mut self, shared: &Shared, change: Change) {
        let change = Arc::new(change);
        self.history.push_back(change.clone());
        while self.history.len() > HISTORY {
            if let Some(old) = self.history.pop_front() {
                self.floor = self.floor.max(old.rv);
            }
        }
        if !self.muted {
            let _ = shared.notices.send(Notice::Change(change));
        }
    }

    fn create(&mut self, shared: &Shared, key: Key, mut object: Value) -> Result<Value, Response> {
        if self.objects.contains_key(&key) {
            return Err(status(
                409,
                "AlreadyExists",
                &format!(
                    "{}.{} \"{}\" already exists",
                    key.0.plural, key.0.group, key.2
                ),
                Some(&key),
            ));
        }
        let rv = self.next_rv();
        let meta = &mut object["metadata"];
        if key.0.namespaced {
            meta["namespace"] = json!(key.1);
        }
        meta["name"] = json!(key.2);
        meta["resourceVersion"] = json!(rv.to_string());
        if meta["uid"].as_str().is_none() {
            meta["uid"] = json!(uuid::Uuid::new_v4().to_string());
        }
        if meta["creationTimestamp"].as_str().is_none() {
            meta["creationTimestamp"] = json!(now_rfc3339());
        }
        Ok(self.store(shared, key, rv, object, "ADDED", None))
    }

    fn replace(&mut self, shared: &Shared, key: Key, mut object: Value) -> Result<Value, Response> {
        let Some(previous) = self.objects.get(&key).cloned() else {
            return Err(not_found(&key));
        };
        let rv = self.next_rv();
        let meta = &mut object["metadata"];
        meta["resourceVersion"] = json!(rv.to_string());
        for keep in ["uid", "creationTimestamp", "name"] {
            meta[keep] = previous["metadata"][keep].clone();
        }
        if key.0.namespaced {
            meta["namespace"] = json!(key.1);
        }
        Ok(self.store(shared, key, rv, object, "MODIFIED", Some(previous)))
    }

    /// Stamps the object's apiVersion and kind, keeps it, and records the change for watchers.
    fn store(
        &mut self,
        shared: &Shared,
        key: Key,
        rv: u64,
        mut object: Value,
        type_: &'static str,
        previous: Option<Value>,
    ) -> Value {
        object["apiVersion"] = json!(key.0.api_version());
        object["kind"] = json!(key.0.kind);
        self.objects.insert(key.clone(), object.clone());
        self.record(
            shared,
            Change {
                rv,
                resource: key.0,
                type_,
                object: object.clone(),
                previous,
            },
        );
        object
    }

    fn delete(&mut self, shared: &Shared, key: Key) -> Option<Value> {
        let mut object = self.objects.remove(&key)?;
        let rv = self.next_rv();
        object["metadata"]["resourceVersion"] = json!(rv.to_string());
        self.record(
            shared,
            Change {
                rv,
                resource: key.0,
                type_: "DELETED",
                object: object.clone(),
                previous: None,
            },
        );
        Some(object)
    }
}

fn now_rfc3339() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// A `Status` response, shaped like the real server's (docs/kube-wire.md §8).
fn status(code: u16, reason: &str, message: &str, key: Option<&Key>) -> Response {
    let mut body = json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "code": code
    });
    if let Some((r, _, name)) = key {
        body["details"] = json!({"name": name, "group": r.group, "kind": r.plural});
    }
    (
        StatusCode::from_u16(code).unwrap(),
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn not_found(key: &Key) -> Response {
    let what = if key.0.group.is_empty() {
        key.0.plural.to_string()
    } else {
        format!("{}.{}", key.0.plural, key.0.group)
    };
    status(
        404,
        "NotFound",
        &format!("{what} \"{}\" not found", key.2),
        Some(key),
    )
}

/// What a real server answers for a path no API serves (e.g. a CRD that is not installed).
fn no_such_resource() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "application/json")],
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
               "message": "the server could not find the requested resource", "reason": "NotFound",
               "details": {}, "code": 404})
        .to_string(),
    )
        .into_response()
}

fn json_response(code: StatusCode, body: &Value) -> Response {
    (
        code,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// A parsed resource path.
struct Route {
    resource: Resource,
    namespace: Option<String>,
    name: Option<String>,
}

enum Path {
    Resource(Route),
    Discovery(Value),
    Unknown,
}

fn parse_path(path: &str, keda_installed: bool, unserved: &HashSet<String>) -> Path {
    let parts: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|p| !p.is_empty())
        .collect();
    let (group, version, rest) = match parts.as_slice() {
        ["version"] => {
            return Path::Discovery(
                json!({"major": "1", "minor": "33", "gitVersion": "v1.33.0-kedatui-fake", "platform": "linux/amd64"}),
            );
        }
        ["api"] => {
            return Path::Discovery(
                json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}),
            );
        }
        ["apis"] => return Path::Discovery(group_list(keda_installed, unserved)),
        ["api", v, rest @ ..] => ("", *v, rest),
        ["apis", g, v, rest @ ..] => (*g, *v, rest),
        _ => return Path::Unknown,
    };
    if group == KEDA_GROUP && !keda_installed {
        return Path::Unknown;
    }
    let in_group = |plural: &str| {
        RESOURCES
            .iter()
            .copied()
            .find(|r| r.group == group && r.version == version && r.plural == plural)
    };
    let route = match rest {
        [] => {
            // An unserved resource is missing from discovery too, as on a server without it.
            let resources: Vec<Value> = RESOURCES
                .iter()
                .filter(|r| r.group == group && r.version == version)
                .filter(|r| !unserved.contains(r.plural))
                .map(|r| {
                    json!({"name": r.plural, "singularName": r.kind.to_lowercase(), "namespaced": r.namespaced,
                           "shortNames": short_names(r.plural),
                           "kind": r.kind, "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]})
                })
                .collect();
            if resources.is_empty() {
                return Path::Unknown;
            }
            return Path::Discovery(json!({"kind": "APIResourceList", "apiVersion": "v1",
                "groupVersion": if group.is_empty() { version.to_string() } else { format!("{group}/{version}") },
                "resources": resources}));
        }
        ["namespaces", ns, plural, tail @ ..] if in_group(plural).is_some_and(|r| r.namespaced) => {
            let name = match tail {
                [] => None,
                // The status subresource reads and writes the whole object here.
                [name] | [name, "status"] => Some(name.to_string()),
                _ => return Path::Unknown,
            };
            Route {
                resource: in_group(plural).unwrap(),
                namespace: Some(ns.to_string()),
                name,
            }
        }
        [plural, tail @ ..] => {
            let Some(resource) = in_group(plural) else {
                return Path::Unknown;
            };
            let name = match tail {
                [] => None,
                [name] if !resource.namespaced => Some(name.to_string()),
                _ => return Path::Unknown,
            };
            Route {
                resource,
                namespace: None,
                name,
            }
        }
    };
    Path::Resource(route)
}

/// kubectl resolves `deploy`, `hpa`, `so`, … through discovery.
fn short_names(plural: &str) -> Vec<&'static str> {
    match plural {
        "pods" => vec!["po"],
        "events" => vec!["ev"],
        "namespaces" => vec!["ns"],
        "deployments" => vec!["deploy"],
        "horizontalpodautoscalers" => vec!["hpa"],
        "scaledobjects" => vec!["so"],
        "scaledjobs" => vec!["sj"],
        "triggerauthentications" => vec!["ta", "triggerauth"],
        "customresourcedefinitions" => vec!["crd", "crds"],
        _ => vec![],
    }
}

fn group_list(keda_installed: bool, unserved: &HashSet<String>) -> Value {
    let mut groups: Vec<(&str, &str)> = RESOURCES
        .iter()
        .filter(|r| !r.group.is_empty() && (keda_installed || r.group != KEDA_GROUP))
        .filter(|r| !unserved.contains(r.plural))
        .map(|r| (r.group, r.version))
        .collect();
    groups.sort();
    groups.dedup();
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|(g, v)| {
            let gv = json!({"groupVersion": format!("{g}/{v}"), "version": v});
            json!({"name": g, "versions": [gv.clone()], "preferredVersion": gv})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

fn query_map(query: Option<&str>) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

async fn handle(AxState(shared): AxState<Arc<Shared>>, request: Request) -> Response {
    let method = request.method().clone();
    let uri = request.uri().clone();
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let authorized = match authorization {
        Some(v) => v == format!("Bearer {}", shared.token),
        None => shared.anonymous,
    };
    let body = axum::body::to_bytes(request.into_body(), 64 << 20)
        .await
        .unwrap_or_default();
    let (keda_installed, unserved) = {
        let mut store = shared.store.lock().unwrap();
        store.requests.push(format!("{method} {uri}"));
        (!store.keda_uninstalled, store.unserved.clone())
    };
    if !authorized {
        return status(401, "Unauthorized", "Unauthorized", None);
    }
    let query = query_map(uri.query());
    let route = match parse_path(uri.path(), keda_installed, &unserved) {
        Path::Discovery(doc) if method == Method::GET => {
            return json_response(StatusCode::OK, &doc);
        }
        Path::Resource(route) if !unserved.contains(route.resource.plural) => route,
        _ => return no_such_resource(),
    };
    let verb = match (&method, &route.name) {
        (&Method::GET, Some(_)) => "get",
        (&Method::GET, None) if query.get("watch").is_some_and(|w| w == "true" || w == "1") => {
            "watch"
        }
        (&Method::GET, None) => "list",
        (&Method::POST, None) => "create",
        (&Method::PUT, Some(_)) => "update",
        (&Method::PATCH, Some(_)) => "patch",
        (&Method::DELETE, Some(_)) => "delete",
        _ => {
            return status(
                405,
                "MethodNotAllowed",
                "the server does not allow this method on the requested resource",
                None,
            );
        }
    };
    if let Some(denied) = forbidden(&shared, verb, &route) {
        return denied;
    }
    let namespace = route.namespace.clone().unwrap_or_default();
    let key = |name: &str| key_of(route.resource, &namespace, name);
    match verb {
        "get" => {
            let key = key(route.name.as_deref().unwrap());
            match shared.store.lock().unwrap().objects.get(&key) {
                Some(object) => json_response(StatusCode::OK, object),
                None => not_found(&key),
            }
        }
        "list" => list(&shared, &route, &query),
        "watch" => watch_stream(&shared, &route, &query),
        "create" | "update" | "patch" => {
            let Ok(mut object) = serde_json::from_slice::<Value>(&body) else {
                return status(
                    400,
                    "BadRequest",
                    "the request body is not valid JSON",
                    None,
                );
            };
            let mut store = shared.store.lock().unwrap();
            let name = route
                .name
                .clone()
                .or_else(|| object["metadata"]["name"].as_str().map(str::to_string))
                .unwrap_or_default();
            if name.is_empty() {
                return status(
                    422,
                    "Invalid",
                    "metadata.name: Required value: name is required",
                    None,
                );
            }
            let key = key(&name);
            let result = match verb {
                "create" => store
                    .create(&shared, key, object)
                    .map(|o| (StatusCode::CREATED, o)),
                "update" => store
                    .replace(&shared, key, object)
                    .map(|o| (StatusCode::OK, o)),
                _ => match store.objects.get(&key).cloned() {
                    Some(mut current) => {
                        merge_patch(&mut current, &object);
                        object = current;
                        store
                            .replace(&shared, key, object)
                            .map(|o| (StatusCode::OK, o))
                    }
                    None => Err(not_found(&key)),
                },
            };
            match result {
                Ok((code, object)) => json_response(code, &object),
                Err(response) => response,
            }
        }
        _ => {
            let key = key(route.name.as_deref().unwrap());
            let grace = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|options| options["gracePeriodSeconds"].as_i64());
            let mut store = shared.store.lock().unwrap();
            // Graceful deletion of a scheduled pod, as the real server does it when the client
            // asks for a grace period: the pod stays, Terminating, until deleted again with 0
            // (the kubelet's part, after the container stopped). Without the option the fake
            // deletes at once, as its tests expect.
            if route.resource == PODS
                && let Some(grace) = grace.filter(|g| *g > 0)
                && let Some(current) = store.objects.get(&key).cloned()
                && current["spec"]["nodeName"].is_string()
            {
                if current["metadata"]["deletionTimestamp"].is_string() {
                    return json_response(StatusCode::OK, &current);
                }
                let mut marked = current;
                let at = jiff::Timestamp::now()
                    .saturating_add(jiff::SignedDuration::from_secs(grace))
                    .unwrap_or_else(|_| jiff::Timestamp::now());
                marked["metadata"]["deletionTimestamp"] =
                    json!(at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
                marked["metadata"]["deletionGracePeriodSeconds"] = json!(grace);
                return match store.replace(&shared, key, marked) {
                    Ok(object) => json_response(StatusCode::OK, &object),
                    Err(response) => response,
                };
            }
            match store.delete(&shared, key.clone()) {
                Some(object) => json_response(StatusCode::OK, &object),
                None => not_found(&key),
            }
        }
    }
}

/// RFC 7386 JSON merge patch.
fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(fields) => {
            if !target.is_object() {
                *target = json!({});
            }
            for (k, v) in fields {
                if v.is_null() {
                    target.as_object_mut().unwrap().remove(k);
                } else {
                    merge_patch(
                        target
                            .as_object_mut()
                            .unwrap()
                            .entry(k.clone())
                            .or_insert(Value::Null),
                        v,
                    );
                }
            }
        }
        other => *target = other.clone(),
    }
}

fn forbidden(shared: &Shared, verb: &str, route: &Route) -> Option<Response> {
    let store = shared.store.lock().unwrap();
    if !store
        .forbidden
        .contains(&(verb.to_string(), route.resource.plural.to_string()))
    {
        return None;
    }
    let scope = match &route.namespace {
        Some(ns) => format!(" in the namespace \"{ns}\""),
        None => " at the cluster scope".into(),
    };
    let what = match &route.name {
        Some(name) => format!("{} \"{name}\"", route.resource.plural),
        None => route.resource.plural.to_string(),
    };
    let message = format!(
        "{what} is forbidden: User \"{USER}\" cannot {verb} resource \"{}\" in API group \"{}\"{scope}",
        route.resource.plural, route.resource.group
    );
    let body = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": "Forbidden",
        "details": {"name": route.name.clone().unwrap_or_default(), "group": route.resource.group, "kind": route.resource.plural},
        "code": 403});
    Some(json_response(StatusCode::FORBIDDEN, &body))
}

struct Filter {
    resource: Resource,
    namespace: Option<String>,
    labels: LabelSelector,
    fields: FieldSelector,
}

impl Filter {
    fn new(route: &Route, query: &BTreeMap<String, String>) -> Result<Self, Response> {
        let bad = |e: String| status(400, "BadRequest", &e, None);
        Ok(Self {
            resource: route.resource,
            namespace: route.namespace.clone(),
            labels: LabelSelector::parse(query.get("labelSelector").map_or("", String::as_str))
                .map_err(bad)?,
            fields: FieldSelector::parse(query.get("fieldSelector").map_or("", String::as_str))
                .map_err(bad)?,
        })
    }

    fn matches(&self, resource: Resource, object: &Value) -> bool {
        resource == self.resource
            && self
                .namespace
                .as_deref()
                .is_none_or(|ns| object["metadata"]["namespace"].as_str() == Some(ns))
            && self.labels.matches(&object["metadata"]["labels"])
            && self.fields.matches(object)
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct ContinueToken {
    rv: u64,
    start: String,
}

fn list(shared: &Shared, route: &Route, query: &BTreeMap<String, String>) -> Response {
    let filter = match Filter::new(route, query) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let store = shared.store.lock().unwrap();
    let limit = query
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|l| *l > 0);
    let (list_rv, start) = match query.get("continue").filter(|c| !c.is_empty()) {
        Some(token) => {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(token)
                .ok()
                .and_then(|b| serde_json::from_slice::<ContinueToken>(&b).ok());
            let Some(token) = decoded else {
                return status(400, "BadRequest", "continue key is not valid", None);
            };
            if token.rv < store.floor {
                // docs/kube-wire.md §7: a list fails at HTTP level.
                return status(
                    410,
                    "Expired",
                    "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
                    None,
                );
            }
            (token.rv, Some(token.start))
        }
        None => (store.rv, None),
    };
    let mut items = Vec::new();
    let mut next = None;
    for ((r, ns, name), object) in &store.objects {
        if !filter.matches(*r, object) {
            continue;
        }
        let position = format!("{ns}/{name}");
        if start
            .as_ref()
            .is_some_and(|s| position.as_str() <= s.as_str())
        {
            continue;
        }
        if limit.is_some_and(|l| items.len() >= l) {
            next = Some(items_last_position(&items));
            break;
        }
        items.push((position, object.clone()));
    }
    let continue_token = next.map(|start| {
        base64::engine::general_purpose::STANDARD
            .encode(serde_json::to_vec(&ContinueToken { rv: list_rv, start }).unwrap())
    });
    json_response(
        StatusCode::OK,
        &json!({
            "apiVersion": route.resource.api_version(),
            "kind": format!("{}List", route.resource.kind),
            "metadata": {"resourceVersion": list_rv.to_string(), "continue": continue_token.unwrap_or_default()},
            "items": items.into_iter().map(|(_, o)| o).collect::<Vec<_>>(),
        }),
    )
}

fn items_last_position(items: &[(String, Value)]) -> String {
    items.last().map(|(p, _)| p.clone()).unwrap_or_default()
}

fn event_line(type_: &str, object: &Value) -> Bytes {
    let mut line = json!({"type": type_, "object": object}).to_string();
    line.push('\n');
    Bytes::from(line)
}

fn bookmark(resource: Resource, rv: u64, initial_end: bool) -> Bytes {
    let mut metadata = json!({"resourceVersion": rv.to_string()});
    if initial_end {
        metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
    }
    event_line(
        "BOOKMARK",
        &json!({"apiVersion": resource.api_version(), "kind": resource.kind, "metadata": metadata}),
    )
}

fn expired(message: String) -> Bytes {
    event_line(
        "ERROR",
        &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": message, "reason": "Expired", "code": 410}),
    )
}

/// What a change looks like through a filtered watch: label changes move objects in and out.
fn through_filter(filter: &Filter, change: &Change) -> Option<&'static str> {
    let now = filter.matches(change.resource, &change.object);
    let before = change
        .previous
        .as_ref()
        .is_some_and(|p| filter.matches(change.resource, p));
    match (change.type_, before, now) {
        ("DELETED", _, true) => Some("DELETED"),
        ("MODIFIED", false, true) => Some("ADDED"),
        ("MODIFIED", true, false) => Some("DELETED"),
        (t, _, true) => Some(t),
        _ => None,
    }
}

fn watch_stream(shared: &Arc<Shared>, route: &Route, query: &BTreeMap<String, String>) -> Response {
    let filter = match Filter::new(route, query) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let bookmarks = query
        .get("allowWatchBookmarks")
        .is_some_and(|b| b == "true");
    let send_initial = query.get("sendInitialEvents").is_some_and(|b| b == "true");
    let timeout = Duration::from_secs(
        query
            .get("timeoutSeconds")
            .and_then(|t| t.parse().ok())
            .unwrap_or(1800),
    );
    let requested_rv = query.get("resourceVersion").cloned().unwrap_or_default();

    let (tx, rx) = mpsc::channel::<Bytes>(1024);
    let mut initial: Vec<Bytes> = Vec::new();
    let mut draining = shared.draining.subscribe();
    let (notices, start_rv, mut generation) = {
        let store = shared.store.lock().unwrap();
        // Decided under the lock, with the generation subscribed here too: a CRD removed (or a
        // restart) between routing and this point must still end or refuse this watch.
        if store.keda_uninstalled && filter.resource.group == KEDA_GROUP {
            return no_such_resource();
        }
        let generation = shared.generation.subscribe();
        let notices = shared.notices.subscribe();
        if requested_rv.is_empty() || requested_rv == "0" || send_initial {
            for ((r, _, _), object) in &store.objects {
                if filter.matches(*r, object) {
                    initial.push(event_line("ADDED", object));
                }
            }
            if send_initial {
                initial.push(bookmark(filter.resource, store.rv, true));
            }
        } else {
            let Ok(rv) = requested_rv.parse::<u64>() else {
                return status(400, "BadRequest", "resourceVersion is not a number", None);
            };
            if rv < store.floor || rv > store.rv {
                // docs/kube-wire.md §6: HTTP 200 with one ERROR event. A version this server
                // never issued (from before a restart with fresh state) is answered the same
                // way, so the client re-lists instead of keeping ghosts.
                let line = expired(format!(
                    "too old resource version: {rv} ({})",
                    store.floor - 1
                ));
                return (
                    StatusCode::OK,
                    [(header::CONTENT_TYPE, "application/json")],
                    Body::from(line),
                )
                    .into_response();
            }
            for change in store.history.iter().filter(|c| c.rv > rv) {
                if let Some(t) = through_filter(&filter, change) {
                    initial.push(event_line(t, &change.object));
                }
            }
        }
        (notices, store.rv, generation)
    };
    let interval = shared.bookmark_interval;
    let resource = filter.resource;
    tokio::spawn(async move {
        let mut notices = notices;
        for line in initial {
            if tx.send(line).await.is_err() {
                return;
            }
        }
        let mut seen_rv = start_rv;
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        loop {
            let line = tokio::select! {
                // A drain comes first: a change stored after it must not get through.
                biased;
                _ = async { let _ = draining.wait_for(|d| *d).await; } => {
                    // Held by a draining server: open, silent, until it goes for good.
                    tokio::select! {
                        _ = generation.changed() => {}
                        _ = tx.closed() => {}
                    }
                    return;
                }
                notice = notices.recv() => match notice {
                    Ok(Notice::Change(change)) => {
                        if change.rv <= seen_rv {
                            continue;
                        }
                        seen_rv = change.rv;
                        match through_filter(&filter, &change) {
                            Some(t) => event_line(t, &change.object),
                            None => continue,
                        }
                    }
                    Ok(Notice::Expired) => {
                        let _ = tx.send(expired(format!("too old resource version: {seen_rv} ({seen_rv})"))).await;
                        return;
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        let _ = tx.send(expired(format!("too old resource version: {seen_rv}"))).await;
                        return;
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                _ = ticks.tick(), if bookmarks => bookmark(resource, seen_rv, false),
                _ = &mut deadline => {
                    if bookmarks {
                        let _ = tx.send(bookmark(resource, seen_rv, false)).await;
                    }
                    return;
                }
                _ = generation.changed() => return,
                _ = tx.closed() => return,
            };
            if tx.send(line).await.is_err() {
                return;
            }
        }
    });
    let body = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<_, Infallible>(b), rx))
    });
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        Body::from_stream(body),
    )
        .into_response()
}

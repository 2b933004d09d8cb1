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
mod list_watch;
mod routes;
mod selector;
mod serve;
mod status;
mod store;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{broadcast, watch};

use serve::{JoinSetGuard, bind, spawn_server};
use store::{Notice, Store, key_of, next_rv_base, resource_of};

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

/// The running fake. Dropping it stops the server.
pub struct FakeApiServer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    serving: Mutex<Option<JoinSetGuard>>,
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

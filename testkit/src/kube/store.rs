//! The objects, their resourceVersions and the change history watches resume from.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::Arc;

use axum::response::Response;
use serde_json::{Value, json};

use super::status::{not_found, status};
use super::{HISTORY, RESOURCES, Resource, Shared};

/// One change, as watches see it.
#[derive(Debug)]
pub(super) struct Change {
    pub(super) rv: u64,
    pub(super) resource: Resource,
    pub(super) type_: &'static str,
    pub(super) object: Value,
    pub(super) previous: Option<Value>,
}

#[derive(Debug)]
pub(super) enum Notice {
    Change(Arc<Change>),
    /// The watch cache was reset: every live watch gets a 410 ERROR event.
    Expired,
}

pub(super) type Key = (Resource, String, String);

#[derive(Default)]
pub(super) struct Store {
    pub(super) rv: u64,
    /// The oldest resourceVersion a watch may resume from (or a continue token carry);
    /// older ones get 410 Expired.
    pub(super) floor: u64,
    pub(super) objects: BTreeMap<Key, Value>,
    pub(super) history: VecDeque<Arc<Change>>,
    pub(super) forbidden: HashSet<(String, String)>,
    /// Plurals the server does not serve (404, as an API server without that API).
    pub(super) unserved: HashSet<String>,
    pub(super) keda_uninstalled: bool,
    /// Changes are recorded but not delivered to live watches (a "missed" event).
    pub(super) muted: bool,
    pub(super) requests: Vec<String>,
}

impl Clone for Notice {
    fn clone(&self) -> Self {
        match self {
            Notice::Change(c) => Notice::Change(c.clone()),
            Notice::Expired => Notice::Expired,
        }
    }
}

impl Store {
    pub(super) fn next_rv(&mut self) -> u64 {
        self.rv += 1;
        self.rv
    }

    pub(super) fn record(&mut self, shared: &Shared, change: Change) {
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

    pub(super) fn create(
        &mut self,
        shared: &Shared,
        key: Key,
        mut object: Value,
    ) -> Result<Value, Response> {
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

    pub(super) fn replace(
        &mut self,
        shared: &Shared,
        key: Key,
        mut object: Value,
    ) -> Result<Value, Response> {
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
    pub(super) fn store(
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

    pub(super) fn delete(&mut self, shared: &Shared, key: Key) -> Option<Value> {
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

/// A resourceVersion base no other server in this process (or a recent one) has used: the
/// wall clock in microseconds times 1000, then a billion apart per server.
pub(super) fn next_rv_base() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let from_clock = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
        .saturating_mul(1000);
    let _ = NEXT.fetch_max(from_clock, Ordering::SeqCst);
    NEXT.fetch_add(1_000_000_000, Ordering::SeqCst)
}

pub(super) fn key_of(resource: Resource, namespace: &str, name: &str) -> Key {
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

pub(super) fn resource_of(object: &Value) -> Option<Resource> {
    let api_version = object["apiVersion"].as_str()?;
    let kind = object["kind"].as_str()?;
    RESOURCES
        .iter()
        .copied()
        .find(|r| r.api_version() == api_version && r.kind == kind)
}

pub(super) fn now_rfc3339() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// RFC 7386 JSON merge patch.
pub(super) fn merge_patch(target: &mut Value, patch: &Value) {
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

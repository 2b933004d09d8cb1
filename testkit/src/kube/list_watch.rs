//! Lists (with `limit`/`continue`) and watches (chunked events, BOOKMARKs, 410 Expired,
//! held by a drain).

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};

use super::routes::Route;
use super::selector::{FieldSelector, LabelSelector};
use super::status::{json_response, no_such_resource, status};
use super::store::{Change, Notice};
use super::{KEDA_GROUP, Resource, Shared};

pub(super) struct Filter {
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
pub(super) struct ContinueToken {
    rv: u64,
    start: String,
}

pub(super) fn list(shared: &Shared, route: &Route, query: &BTreeMap<String, String>) -> Response {
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

pub(super) fn items_last_position(items: &[(String, Value)]) -> String {
    items.last().map(|(p, _)| p.clone()).unwrap_or_default()
}

pub(super) fn event_line(type_: &str, object: &Value) -> Bytes {
    let mut line = json!({"type": type_, "object": object}).to_string();
    line.push('\n');
    Bytes::from(line)
}

pub(super) fn bookmark(resource: Resource, rv: u64, initial_end: bool) -> Bytes {
    let mut metadata = json!({"resourceVersion": rv.to_string()});
    if initial_end {
        metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
    }
    event_line(
        "BOOKMARK",
        &json!({"apiVersion": resource.api_version(), "kind": resource.kind, "metadata": metadata}),
    )
}

pub(super) fn expired(message: String) -> Bytes {
    event_line(
        "ERROR",
        &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": message, "reason": "Expired", "code": 410}),
    )
}

/// What a change looks like through a filtered watch: label changes move objects in and out.
pub(super) fn through_filter(filter: &Filter, change: &Change) -> Option<&'static str> {
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

pub(super) fn watch_stream(
    shared: &Arc<Shared>,
    route: &Route,
    query: &BTreeMap<String, String>,
) -> Response {
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

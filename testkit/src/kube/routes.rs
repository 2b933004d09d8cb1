//! Request routing: authentication, discovery, paths to resources (404 for what is not
//! served), verbs, RBAC (403) and the writes.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use axum::extract::{Request, State as AxState};
use axum::http::{Method, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::list_watch::{list, watch_stream};
use super::status::{json_response, no_such_resource, not_found, status};
use super::store::{key_of, merge_patch};
use super::{KEDA_GROUP, PODS, RESOURCES, Resource, Shared, USER};

/// A parsed resource path.
pub(super) struct Route {
    pub(super) resource: Resource,
    pub(super) namespace: Option<String>,
    pub(super) name: Option<String>,
}

pub(super) enum Path {
    Resource(Route),
    Discovery(Value),
    Unknown,
}

pub(super) fn parse_path(path: &str, keda_installed: bool, unserved: &HashSet<String>) -> Path {
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
pub(super) fn short_names(plural: &str) -> Vec<&'static str> {
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

pub(super) fn group_list(keda_installed: bool, unserved: &HashSet<String>) -> Value {
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

pub(super) fn query_map(query: Option<&str>) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

pub(super) async fn handle(AxState(shared): AxState<Arc<Shared>>, request: Request) -> Response {
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

pub(super) fn forbidden(shared: &Shared, verb: &str, route: &Route) -> Option<Response> {
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

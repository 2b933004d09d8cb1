//! kube errors → `SourceError`s the UI can act on: which RBAC verb is missing and which file
//! grants it, KEDA not installed, API server unreachable. Messages never carry credentials.

use crate::event::{ErrorKind, SourceError};

/// The file in yaml/ that grants kedatui's read-only access.
pub const RBAC_FILE: &str = "yaml/rbac.yaml";

/// What was being attempted, to explain a failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Access {
    pub verb: &'static str,
    /// `pods`, `deployments.apps`, `scaledobjects.keda.sh`, …
    pub resource: &'static str,
    pub namespace: String,
    pub name: Option<String>,
}

impl Access {
    fn new(
        verb: &'static str,
        resource: &'static str,
        namespace: &str,
        name: Option<&str>,
    ) -> Self {
        Self {
            verb,
            resource,
            namespace: namespace.to_string(),
            name: name.map(str::to_string),
        }
    }
    pub fn pods(verb: &'static str, namespace: &str) -> Self {
        Self::new(verb, "pods", namespace, None)
    }
    pub fn deployments(verb: &'static str, namespace: &str, name: Option<&str>) -> Self {
        Self::new(verb, "deployments.apps", namespace, name)
    }
    pub fn hpas(verb: &'static str, namespace: &str, name: Option<&str>) -> Self {
        Self::new(
            verb,
            "horizontalpodautoscalers.autoscaling",
            namespace,
            name,
        )
    }
    pub fn scaled_objects(verb: &'static str, namespace: &str, name: Option<&str>) -> Self {
        Self::new(verb, "scaledobjects.keda.sh", namespace, name)
    }
    pub fn events(verb: &'static str, namespace: &str) -> Self {
        Self::new(verb, "events", namespace, None)
    }
    pub fn namespaces(name: &str) -> Self {
        Self::new("get", "namespaces", "", Some(name))
    }
    /// `GET /version`, the cluster-health probe.
    pub fn version() -> Self {
        Self::new("get", "version", "", Some("/version"))
    }

    fn is_keda(&self) -> bool {
        self.resource.ends_with(".keda.sh")
    }

    fn describe(&self) -> String {
        let kind = self.resource.split('.').next().unwrap_or(self.resource);
        match &self.name {
            Some(name) if self.namespace.is_empty() => format!("{kind} {name}"),
            Some(name) => format!("{kind} {}/{name}", self.namespace),
            None => format!("{kind} in namespace {}", self.namespace),
        }
    }
}

/// The RBAC error for a verb on a resource.
pub fn forbidden(access: &Access) -> SourceError {
    let scope = if access.namespace.is_empty() {
        "at cluster scope".to_string()
    } else {
        format!("in namespace {}", access.namespace)
    };
    SourceError {
        kind: ErrorKind::Forbidden {
            verb: access.verb.to_string(),
            resource: access.resource.to_string(),
            grant_file: RBAC_FILE.to_string(),
        },
        message: format!(
            "RBAC: kedatui may not {} {} {scope}; `kubectl apply -f {RBAC_FILE}` grants it",
            access.verb, access.resource
        ),
    }
}

pub fn keda_not_installed() -> SourceError {
    SourceError {
        kind: ErrorKind::KedaNotInstalled,
        message: "KEDA is not installed: the cluster has no keda.sh/v1alpha1 ScaledObject resource \
                  (scripts/azure-up.sh installs it; or `helm install keda kedacore/keda -n keda --create-namespace`)"
            .into(),
    }
}

/// Classify a kube error that happened during `access`.
pub fn classify(err: &kube::Error, access: Access) -> SourceError {
    match err {
        kube::Error::Api(status) => classify_status(
            status.code,
            &status.message,
            status_names_object(status),
            access,
        ),
        kube::Error::HyperError(_) | kube::Error::Service(_) => {
            unreachable_error(&transport_detail(err))
        }
        kube::Error::Auth(e) => SourceError {
            kind: ErrorKind::Unauthorized,
            message: format!(
                "cannot authenticate to the API server: {}",
                first_line(&e.to_string())
            ),
        },
        other => SourceError {
            kind: ErrorKind::Other,
            message: format!(
                "{} failed: {}",
                access.describe(),
                first_line(&other.to_string())
            ),
        },
    }
}

/// A `Status` naming one object (`details.name`) is "that object is missing"; without it, the
/// whole resource is missing, which for keda.sh means the CRD is not installed.
fn status_names_object(status: &kube::core::Status) -> bool {
    status.details.as_ref().is_some_and(|d| !d.name.is_empty())
}

pub fn classify_status(
    code: u16,
    message: &str,
    names_object: bool,
    access: Access,
) -> SourceError {
    match code {
        401 => SourceError {
            kind: ErrorKind::Unauthorized,
            message:
                "the API server rejected kedatui's credentials (401); check the kubeconfig's user"
                    .into(),
        },
        403 => forbidden(&access),
        404 if access.is_keda() && !names_object => keda_not_installed(),
        404 => SourceError {
            kind: ErrorKind::NotFound,
            message: format!("{} not found", access.describe()),
        },
        429 => SourceError {
            kind: ErrorKind::Throttled,
            message: "the API server is throttling kedatui (429); retrying".into(),
        },
        504 => SourceError {
            kind: ErrorKind::Timeout,
            message: "the API server timed out (504)".into(),
        },
        _ => SourceError {
            kind: ErrorKind::Other,
            message: format!(
                "{} failed ({code}): {}",
                access.describe(),
                first_line(message)
            ),
        },
    }
}

pub fn unreachable_error(detail: &str) -> SourceError {
    SourceError {
        kind: ErrorKind::Unreachable,
        message: format!("cannot reach the API server: {detail}"),
    }
}

fn transport_detail(err: &kube::Error) -> String {
    // The innermost cause is the useful part ("Connection refused (os error 111)").
    let mut source: &dyn std::error::Error = err;
    while let Some(next) = source.source() {
        source = next;
    }
    first_line(&source.to_string())
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").chars().take(200).collect()
}

/// A watcher error, classified (410 never reaches here: the watcher re-lists by itself).
pub fn classify_watcher(
    err: &kube::runtime::watcher::Error,
    list: Access,
    watch: Access,
) -> SourceError {
    use kube::runtime::watcher::Error as W;
    match err {
        W::InitialListFailed(e) => classify(e, list),
        W::WatchStartFailed(e) | W::WatchFailed(e) => classify(e, watch),
        W::WatchError(status) => classify_status(
            status.code,
            &status.message,
            status_names_object(status),
            watch,
        ),
        W::NoResourceVersion => SourceError {
            kind: ErrorKind::Other,
            message: "the API server sent no resourceVersion; retrying".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_become_actionable_errors() {
        let so = || Access::scaled_objects("list", "keda-demo", None);
        // 403: which verb, which resource, which file grants it.
        let e = classify_status(403, "forbidden", false, Access::pods("watch", "keda-demo"));
        assert_eq!(
            e.kind,
            ErrorKind::Forbidden {
                verb: "watch".into(),
                resource: "pods".into(),
                grant_file: RBAC_FILE.into()
            }
        );
        assert!(
            e.message
                .contains("may not watch pods in namespace keda-demo"),
            "{}",
            e.message
        );
        assert!(e.message.contains("yaml/rbac.yaml"));
        // 404 on the keda.sh collection: the CRD is missing.
        assert_eq!(
            classify_status(
                404,
                "the server could not find the requested resource",
                false,
                so()
            )
            .kind,
            ErrorKind::KedaNotInstalled
        );
        // 404 naming the object: KEDA is there, the ScaledObject is not.
        let missing = classify_status(
            404,
            "not found",
            true,
            Access::scaled_objects("get", "keda-demo", Some("x")),
        );
        assert_eq!(missing.kind, ErrorKind::NotFound);
        assert_eq!(missing.message, "scaledobjects keda-demo/x not found");
        assert_eq!(
            classify_status(
                404,
                "",
                false,
                Access::deployments("get", "keda-demo", Some("d"))
            )
            .kind,
            ErrorKind::NotFound
        );
        assert_eq!(
            classify_status(401, "", false, so()).kind,
            ErrorKind::Unauthorized
        );
        assert_eq!(
            classify_status(429, "", false, so()).kind,
            ErrorKind::Throttled
        );
        assert_eq!(
            classify_status(500, "boom\nmore", false, so()).message,
            "scaledobjects in namespace keda-demo failed (500): boom"
        );
    }
}

//! `Status` bodies and JSON responses, shaped like the real server's.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::store::Key;

/// A `Status` response, shaped like the real server's (docs/kube-wire.md §8).
pub(super) fn status(code: u16, reason: &str, message: &str, key: Option<&Key>) -> Response {
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

pub(super) fn not_found(key: &Key) -> Response {
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
pub(super) fn no_such_resource() -> Response {
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

pub(super) fn json_response(code: StatusCode, body: &Value) -> Response {
    (
        code,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

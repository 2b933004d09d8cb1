//! The management REST endpoint's one read kedatui and KEDA use: `GET /<queue>?api-version=…`
//! returning the ATOM entry with `CountDetails` (docs/keda-semantics.md §6.1–§6.4).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;

use super::amqp::Broker;

pub(crate) async fn serve(listener: TcpListener, broker: Arc<Broker>) {
    let app = axum::Router::new()
        .route("/{queue}", axum::routing::get(get_queue))
        .with_state(broker);
    let _ = axum::serve(listener, app).await;
}

fn xml(status: StatusCode, content_type: &'static str, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
}

fn error(status: StatusCode, detail: &str) -> Response {
    xml(
        status,
        "application/xml; charset=utf-8",
        format!(
            "<Error><Code>{}</Code><Detail>{detail} TrackingId:00000000-0000-0000-0000-000000000000</Detail></Error>",
            status.as_u16()
        ),
    )
}

async fn get_queue(
    State(broker): State<Arc<Broker>>,
    Path(queue): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return error(
            StatusCode::UNAUTHORIZED,
            "MissingToken: The authorization header was not found.",
        );
    };
    // `Authorization: Bearer <JWT>` with Entra ID, else a SAS token (§6.1).
    let token = super::entra::bearer(token).unwrap_or(token);
    let grant = match broker.verify_token(token, jiff::Timestamp::now().as_second()) {
        Ok(g) => g,
        Err(e) => return error(StatusCode::UNAUTHORIZED, &e),
    };
    if !grant.covers(&queue) {
        return error(
            StatusCode::UNAUTHORIZED,
            "InvalidAudience: the token does not cover this entity.",
        );
    }
    if !grant.rights.manage {
        // The real service's wording (§6.3).
        return error(
            StatusCode::UNAUTHORIZED,
            "Manage,EntityRead claims required for this operation.",
        );
    }
    let Some(counts) = broker.store.counts(&queue) else {
        // A missing entity is a 200 with an empty feed, not a 404 (§6.4).
        return xml(
            StatusCode::OK,
            "application/atom+xml;type=feed;charset=utf-8",
            r#"<feed xmlns="http://www.w3.org/2005/Atom"><title type="text">Publicly Listed Services</title><subtitle type="text">This is the list of publicly-listed services currently available.</subtitle><id>uuid:00000000-0000-0000-0000-000000000000;id=1</id><updated>2026-01-01T00:00:00Z</updated><generator>Service Bus 1.1</generator></feed>"#.to_owned(),
        );
    };
    let now = jiff::Timestamp::now();
    let body = format!(
        r#"<entry xmlns="http://www.w3.org/2005/Atom"><id>http://127.0.0.1/{queue}?api-version=2021-05</id><title type="text">{queue}</title><published>{now}</published><updated>{now}</updated><author><name>testkit</name></author><link rel="self" href="http://127.0.0.1/{queue}?api-version=2021-05"/><content type="application/xml"><QueueDescription xmlns="http://schemas.microsoft.com/netservices/2010/10/servicebus/connect" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><LockDuration>PT1M</LockDuration><MaxSizeInMegabytes>1024</MaxSizeInMegabytes><RequiresDuplicateDetection>false</RequiresDuplicateDetection><RequiresSession>false</RequiresSession><SizeInBytes>0</SizeInBytes><MessageCount>{total}</MessageCount><Status>Active</Status><CountDetails xmlns:d2p1="http://schemas.microsoft.com/netservices/2011/06/servicebus"><d2p1:ActiveMessageCount>{active}</d2p1:ActiveMessageCount><d2p1:DeadLetterMessageCount>{dead}</d2p1:DeadLetterMessageCount><d2p1:ScheduledMessageCount>0</d2p1:ScheduledMessageCount><d2p1:TransferMessageCount>0</d2p1:TransferMessageCount><d2p1:TransferDeadLetterMessageCount>0</d2p1:TransferDeadLetterMessageCount></CountDetails><EntityAvailabilityStatus>Available</EntityAvailabilityStatus></QueueDescription></content></entry>"#,
        total = counts.total,
        active = counts.active,
        dead = counts.dead_letter,
    );
    xml(
        StatusCode::OK,
        "application/atom+xml;type=entry;charset=utf-8",
        body,
    )
}

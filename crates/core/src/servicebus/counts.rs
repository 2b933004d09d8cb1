//! Queue counts from the management REST API (docs/keda-semantics.md §6.1–§6.4): the only place
//! counts come from, azservicebus has no runtime-properties call (docs/servicebus-amqp.md §4).

use std::time::Duration;

use quick_xml::events::Event as XmlEvent;
use url::Url;

use super::connection::ConnectionString;
use super::sas;
use crate::event::{ErrorKind, SourceError};
use crate::model::QueueCounts;

pub const API_VERSION: &str = "2021-05";
pub const MANAGE_RIGHTS: &str = "the policy needs Manage rights to read counts";

/// Reads a queue's description from `GET {management_url}{queue}?api-version=2021-05`.
#[derive(Clone, Debug)]
pub struct CountProbe {
    http: reqwest::Client,
    url: Url,
    /// The SAS audience: the entity URL without the query (§6.1: an entity URI token works).
    audience: String,
    connection: ConnectionString,
    queue: String,
    /// Signed with `$SERVICEBUS_MANAGE_CONNECTION_STRING`, not the send string (for the 401 hint).
    separate_manage_connection: bool,
}

impl CountProbe {
    pub fn new(
        connection: ConnectionString,
        management_url: &Url,
        queue: &str,
    ) -> Result<Self, SourceError> {
        let mut base = management_url.clone();
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let mut url = base.join(queue).map_err(|e| SourceError {
            kind: ErrorKind::Other,
            message: format!("cannot build the counts URL for queue `{queue}`: {e}"),
        })?;
        let audience = url.to_string();
        url.query_pairs_mut()
            .append_pair("api-version", API_VERSION);
        // rustls explicitly, so counts never depend on which TLS backends the tree turns on.
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| SourceError {
                kind: ErrorKind::Other,
                message: format!("cannot build the HTTP client: {e}"),
            })?;
        Ok(Self {
            http,
            url,
            audience,
            connection,
            queue: queue.to_owned(),
            separate_manage_connection: false,
        })
    }

    /// Marks the probe as signing with the separate manage connection string, so a 401 names it.
    pub fn with_separate_manage_connection(mut self, separate: bool) -> Self {
        self.separate_manage_connection = separate;
        self
    }

    /// One read of the counts.
    pub async fn read(&self) -> Result<QueueCounts, SourceError> {
        let authorization = match &self.connection.entra {
            // `Authorization: Bearer <JWT>` for scope https://servicebus.azure.net/.default (§6.1).
            Some(auth) => auth.authorization_header().await.map_err(|e| SourceError {
                kind: ErrorKind::Unauthorized,
                message: e.to_string(),
            })?,
            None => sas::sign_for(
                &self.connection.key_name,
                &self.connection.key,
                &self.audience,
                jiff::Timestamp::now(),
                Duration::from_secs(3600),
            )
            .expose()
            .to_owned(),
        };
        let response = self
            .http
            .get(self.url.clone())
            .header(reqwest::header::AUTHORIZATION, authorization)
            .send()
            .await
            .map_err(|e| self.transport_error(&e))?;
        let status = response.status().as_u16();
        let body = response
            .text()
            .await
            .map_err(|e| self.transport_error(&e))?;
        parse_response(status, &body, &self.queue).map_err(|mut e| {
            if let (ErrorKind::Unauthorized, Some(auth)) = (&e.kind, &self.connection.entra) {
                e.message = super::entra::explain_refusal(
                    auth,
                    &self.connection.host,
                    super::entra::ROLE_OWNER,
                    "reading counts",
                    &e.message,
                );
            } else if needs_manage(&e) {
                e.message = with_manage_hint(
                    &e.message,
                    &self.connection.key_name,
                    self.separate_manage_connection,
                );
            } else if e.kind == ErrorKind::Unauthorized {
                let from = if self.separate_manage_connection {
                    super::MANAGE_CONNECTION_STRING_ENV
                } else {
                    super::CONNECTION_STRING_ENV
                };
                e.message = format!(
                    "{}; policy `{}` from ${from}",
                    e.message, self.connection.key_name
                );
            }
            e
        })
    }

    fn transport_error(&self, e: &reqwest::Error) -> SourceError {
        // reqwest's Display names the URL, which holds no secret (the token is a header).
        let (kind, what) = if e.is_timeout() {
            (ErrorKind::Timeout, "timed out")
        } else if e.is_connect() {
            (ErrorKind::Unreachable, "cannot connect")
        } else {
            (ErrorKind::Other, "failed")
        };
        let mut source = std::error::Error::source(e);
        let mut chain = String::new();
        while let Some(s) = source {
            chain = s.to_string();
            source = s.source();
        }
        SourceError {
            kind,
            // The cause first: a narrow header cuts the end, and the URL is the least news.
            message: format!("counts {what}: {chain} (GET {})", self.url.as_str()),
        }
    }
}

/// Whether a refused count read means the policy lacks Manage (and not a wrong key).
pub fn needs_manage(e: &SourceError) -> bool {
    e.kind == ErrorKind::Unauthorized && e.message.contains(MANAGE_RIGHTS)
}

/// A refused count read says which policy was used and how to give counts a Manage policy of
/// their own while sends keep a Send-only one (§6.6). Names the policy and variable, never a key.
pub fn with_manage_hint(message: &str, policy: &str, separate_manage_connection: bool) -> String {
    let env = super::MANAGE_CONNECTION_STRING_ENV;
    if separate_manage_connection {
        format!(
            "{message}; policy `{policy}` from ${env} (or --manage-connection-string-file) has no Manage right or a wrong key"
        )
    } else {
        format!(
            "{message}; policy `{policy}` cannot: set ${env} to a Manage policy's connection string for counts (sends keep this one)"
        )
    }
}

/// Interprets the management API's answer (pure; §6.2–§6.4).
pub fn parse_response(status: u16, body: &str, queue: &str) -> Result<QueueCounts, SourceError> {
    let detail = || error_detail(body).unwrap_or_default();
    match status {
        200 => {}
        401 | 403 => {
            let detail = detail();
            let message = match super::errors::refusal(&detail) {
                super::errors::Refusal::MissingRight("Manage") => {
                    format!("Service Bus refused to read counts: {MANAGE_RIGHTS} ({detail})")
                }
                _ if detail.is_empty() => format!(
                    "{} reading counts (HTTP {status}, no reason given)",
                    super::errors::KEY_REFUSED
                ),
                _ => format!("{} reading counts: {detail}", super::errors::KEY_REFUSED),
            };
            return Err(SourceError {
                kind: ErrorKind::Unauthorized,
                message,
            });
        }
        404 => return Err(not_found(queue)),
        429 | 503 => {
            return Err(SourceError {
                kind: ErrorKind::Throttled,
                message: format!(
                    "Service Bus is throttling count reads (HTTP {status}) {}",
                    detail()
                ),
            });
        }
        _ => {
            return Err(SourceError {
                kind: ErrorKind::Other,
                message: format!("reading counts failed with HTTP {status} {}", detail()),
            });
        }
    }
    let parsed = parse_queue_description(body).map_err(|e| SourceError {
        kind: ErrorKind::Other,
        message: format!("the counts response is not valid XML: {e}"),
    })?;
    match parsed {
        Parsed::EmptyFeed => Err(not_found(queue)),
        Parsed::Entry { counts: None, .. } => Err(SourceError {
            kind: ErrorKind::Throttled,
            message:
                "the queue description has no CountDetails (Service Bus omits it when throttling)"
                    .into(),
        }),
        Parsed::Entry {
            counts: Some(counts),
            ..
        } => Ok(counts),
    }
}

fn not_found(queue: &str) -> SourceError {
    SourceError {
        kind: ErrorKind::NotFound,
        message: format!("queue `{queue}` not found in the Service Bus namespace"),
    }
}

/// What the body was.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// `<feed>` with no entry: the entity does not exist (§6.4).
    EmptyFeed,
    Entry {
        counts: Option<QueueCounts>,
        transfer: u64,
        transfer_dead_letter: u64,
    },
}

/// Reads `CountDetails` children and `MessageCount` by local name: they live in different
/// namespaces (§6.2 "Parser notes").
pub fn parse_queue_description(body: &str) -> Result<Parsed, quick_xml::Error> {
    let mut reader = quick_xml::Reader::from_str(body);
    let mut root: Option<String> = None;
    let mut path: Vec<String> = Vec::new();
    let mut saw_count_details = false;
    let mut counts = QueueCounts::default();
    let (mut transfer, mut transfer_dead_letter) = (0, 0);
    loop {
        match reader.read_event()? {
            XmlEvent::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if root.is_none() {
                    root = Some(name.clone());
                }
                if name == "CountDetails" {
                    saw_count_details = true;
                }
                path.push(name);
            }
            XmlEvent::Empty(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if root.is_none() {
                    root = Some(name.clone());
                }
                if name == "CountDetails" {
                    saw_count_details = true;
                }
            }
            XmlEvent::End(_) => {
                path.pop();
            }
            XmlEvent::Text(t) => {
                let text = t.decode().map(|c| c.into_owned()).unwrap_or_default();
                let value: Option<u64> = text.trim().parse().ok();
                let (Some(leaf), Some(value)) = (path.last(), value) else {
                    continue;
                };
                let in_details = path.iter().any(|p| p == "CountDetails");
                match (leaf.as_str(), in_details) {
                    ("ActiveMessageCount", true) => counts.active = value,
                    ("DeadLetterMessageCount", true) => counts.dead_letter = value,
                    ("ScheduledMessageCount", true) => counts.scheduled = value,
                    ("TransferMessageCount", true) => transfer = value,
                    ("TransferDeadLetterMessageCount", true) => transfer_dead_letter = value,
                    ("MessageCount", false) if path.iter().any(|p| p == "QueueDescription") => {
                        counts.total = Some(value)
                    }
                    _ => {}
                }
            }
            XmlEvent::Eof => break,
            _ => {}
        }
    }
    if root.as_deref() == Some("feed") {
        return Ok(Parsed::EmptyFeed);
    }
    Ok(Parsed::Entry {
        counts: saw_count_details.then_some(counts),
        transfer,
        transfer_dead_letter,
    })
}

/// `<Error><Code>…</Code><Detail>…</Detail></Error>` → the detail (§6.3).
fn error_detail(body: &str) -> Option<String> {
    let start = body.find("<Detail>")? + "<Detail>".len();
    let end = body[start..].find("</Detail>")? + start;
    Some(body[start..end].chars().take(300).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/keda-semantics.md §6.2, verbatim.
    const REFERENCE_ENTRY: &str = r#"<entry xmlns="http://www.w3.org/2005/Atom">
  <id>https://contoso-demo.servicebus.windows.net/orders?api-version=2021-05</id>
  <title type="text">orders</title>
  <published>2026-01-10T09:12:41Z</published>
  <updated>2026-01-10T09:12:41Z</updated>
  <author><name>contoso-demo</name></author>
  <link rel="self" href="https://contoso-demo.servicebus.windows.net/orders?api-version=2021-05" />
  <content type="application/xml">
    <QueueDescription xmlns="http://schemas.microsoft.com/netservices/2010/10/servicebus/connect"
                      xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
      <LockDuration>PT1M</LockDuration>
      <MaxSizeInMegabytes>1024</MaxSizeInMegabytes>
      <RequiresDuplicateDetection>false</RequiresDuplicateDetection>
      <RequiresSession>false</RequiresSession>
      <DefaultMessageTimeToLive>P14D</DefaultMessageTimeToLive>
      <DeadLetteringOnMessageExpiration>false</DeadLetteringOnMessageExpiration>
      <DuplicateDetectionHistoryTimeWindow>PT10M</DuplicateDetectionHistoryTimeWindow>
      <MaxDeliveryCount>10</MaxDeliveryCount>
      <EnableBatchedOperations>true</EnableBatchedOperations>
      <SizeInBytes>48213</SizeInBytes>
      <MessageCount>46</MessageCount>
      <IsAnonymousAccessible>false</IsAnonymousAccessible>
      <AuthorizationRules />
      <Status>Active</Status>
      <CreatedAt>2026-01-10T09:12:41.5030000Z</CreatedAt>
      <UpdatedAt>2026-01-10T09:12:41.5670000Z</UpdatedAt>
      <AccessedAt>2026-01-12T14:03:22.1070000Z</AccessedAt>
      <SupportOrdering>true</SupportOrdering>
      <CountDetails xmlns:d2p1="http://schemas.microsoft.com/netservices/2011/06/servicebus">
        <d2p1:ActiveMessageCount>42</d2p1:ActiveMessageCount>
        <d2p1:DeadLetterMessageCount>1</d2p1:DeadLetterMessageCount>
        <d2p1:ScheduledMessageCount>3</d2p1:ScheduledMessageCount>
        <d2p1:TransferMessageCount>0</d2p1:TransferMessageCount>
        <d2p1:TransferDeadLetterMessageCount>0</d2p1:TransferDeadLetterMessageCount>
      </CountDetails>
      <AutoDeleteOnIdle>P10675199DT2H48M5.4775807S</AutoDeleteOnIdle>
      <EnablePartitioning>false</EnablePartitioning>
      <EntityAvailabilityStatus>Available</EntityAvailabilityStatus>
      <EnableExpress>false</EnableExpress>
    </QueueDescription>
  </content>
</entry>"#;

    /// docs/keda-semantics.md §6.4, the troubleshooting guide's example.
    const EMPTY_FEED: &str = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title type="text">Publicly Listed Services</title><subtitle type="text">This is the list of publicly-listed services currently available.</subtitle><id>uuid:8f6b…;id=30</id><updated>2026-01-10T09:12:41Z</updated><generator>Service Bus 1.1</generator></feed>"#;

    #[test]
    fn reads_the_reference_response() {
        let counts = parse_response(200, REFERENCE_ENTRY, "orders").unwrap();
        assert_eq!(
            counts,
            QueueCounts {
                active: 42,
                in_flight: None,
                dead_letter: 1,
                scheduled: 3,
                // MessageCount as given, never computed from the sub-counts (§6.2).
                total: Some(46),
            }
        );
    }

    #[test]
    fn statuses_map_to_the_errors_the_ui_shows() {
        // §6.3 (401 body), §6.4 (200 empty feed and 404 both mean not found).
        let unauthorized = "<Error><Code>401</Code><Detail>Manage,EntityRead claims required for this operation.</Detail></Error>";
        let cases: &[(u16, &str, ErrorKind, &str)] = &[
            (
                200,
                EMPTY_FEED,
                ErrorKind::NotFound,
                "queue `orders` not found",
            ),
            (404, "", ErrorKind::NotFound, "queue `orders` not found"),
            (401, unauthorized, ErrorKind::Unauthorized, MANAGE_RIGHTS),
            (
                401,
                "<Error><Code>401</Code><Detail>InvalidSignature: The token has an invalid signature.</Detail></Error>",
                ErrorKind::Unauthorized,
                "wrong key or policy name",
            ),
            (401, "", ErrorKind::Unauthorized, "wrong key or policy name"),
            (
                401,
                unauthorized,
                ErrorKind::Unauthorized,
                "Manage,EntityRead",
            ),
            (429, "", ErrorKind::Throttled, "throttling"),
            (
                500,
                "<Error><Code>500</Code><Detail>boom</Detail></Error>",
                ErrorKind::Other,
                "HTTP 500 boom",
            ),
            (
                200,
                "<entry><content><QueueDescription><MessageCount>1</MessageCount></QueueDescription></content></entry>",
                ErrorKind::Throttled,
                "no CountDetails",
            ),
            (
                200,
                "<entry><unclosed></entry>",
                ErrorKind::Other,
                "not valid XML",
            ),
        ];
        for (status, body, kind, text) in cases {
            let e = parse_response(*status, body, "orders").unwrap_err();
            assert_eq!(&e.kind, kind, "{status} {body}");
            assert!(e.message.contains(text), "{status}: {}", e.message);
        }
    }

    #[test]
    fn a_refused_count_read_says_how_to_give_counts_a_manage_policy() {
        // §6.6: counts need Manage; the send string may stay Send-only.
        let e = parse_response(
            401,
            "<Error><Code>401</Code><Detail>Manage,EntityRead claims required for this operation.</Detail></Error>",
            "orders",
        )
        .unwrap_err();
        assert!(needs_manage(&e));
        let wrong_key = parse_response(401, "InvalidSignature", "orders").unwrap_err();
        assert!(!needs_manage(&wrong_key), "{}", wrong_key.message);
        assert!(
            !wrong_key.message.contains("Manage"),
            "{}",
            wrong_key.message
        );
        let cases = [
            (
                false,
                "set $SERVICEBUS_MANAGE_CONNECTION_STRING to a Manage policy's",
            ),
            (
                true,
                "from $SERVICEBUS_MANAGE_CONNECTION_STRING (or --manage-connection-string-file) has no Manage right",
            ),
        ];
        for (separate, want) in cases {
            let text = with_manage_hint(&e.message, "kedatui-send", separate);
            assert!(text.starts_with(&e.message), "{text}");
            assert!(text.contains(MANAGE_RIGHTS), "{text}");
            assert!(text.contains("policy `kedatui-send`"), "{text}");
            assert!(text.contains(want), "{separate}: {text}");
        }
    }

    #[test]
    fn unknown_elements_and_prefixes_are_ignored() {
        let body = r#"<a:entry xmlns:a="http://www.w3.org/2005/Atom"><a:content><x:QueueDescription xmlns:x="urn:x"><x:UserMetadata>9</x:UserMetadata><x:MessageCount>7</x:MessageCount><x:CountDetails><y:ActiveMessageCount xmlns:y="urn:y">7</y:ActiveMessageCount></x:CountDetails></x:QueueDescription></a:content></a:entry>"#;
        let counts = parse_response(200, body, "q").unwrap();
        assert_eq!((counts.active, counts.total), (7, Some(7)));
    }
}

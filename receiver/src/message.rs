//! What the receiver reads from each message and the JSON line it logs for it. Pure: the I/O
//! loop copies the few fields it needs out of the azservicebus message into [`Received`].
//!
//! kedatui tags each message with its burst number and its position in the burst, as
//! application properties `burst` and `seq` and in a JSON body `{"burst":..,"seq":..}`. Either is
//! enough; a message from any other sender is still processed, with those fields left out.

use jiff::Timestamp;
use serde::Serialize;

/// An application-property value, reduced to what the receiver can use.
#[derive(Clone, Debug, PartialEq)]
pub enum PropValue {
    Int(i64),
    Text(String),
    Other,
}

/// The parts of a received message the log line is made of.
#[derive(Clone, Debug, PartialEq)]
pub struct Received {
    pub message_id: Option<String>,
    pub sequence_number: i64,
    pub delivery_count: Option<u32>,
    pub enqueued_at: Option<Timestamp>,
    /// Until when the broker holds the lock for us (the queue's lock duration, 1 min by default).
    pub locked_until: Option<Timestamp>,
    pub properties: Vec<(String, PropValue)>,
    /// The data section, when the body is one.
    pub body: Option<Vec<u8>>,
}

/// The one line logged per completed message.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Processed {
    pub ts: Timestamp,
    pub level: &'static str,
    pub event: &'static str,
    pub id: Option<String>,
    pub burst: Option<u64>,
    pub seq: Option<u64>,
    /// From enqueue (broker clock) to the start of the work (pod clock).
    pub queue_latency_ms: Option<i64>,
    pub sequence_number: i64,
    pub delivery_count: Option<u32>,
    /// The pod (HOSTNAME), so the audience can see which replica took which message.
    pub pod: Option<String>,
}

/// Builds the log line for a message whose work started at `started`.
pub fn describe(
    msg: &Received,
    started: Timestamp,
    now: Timestamp,
    pod: Option<&str>,
) -> Processed {
    let body: Option<serde_json::Value> = msg
        .body
        .as_deref()
        .and_then(|b| serde_json::from_slice(b).ok());
    let field = |name: &str| -> Option<u64> {
        let from_props = msg.properties.iter().find_map(|(k, v)| {
            if !k.eq_ignore_ascii_case(name) {
                return None;
            }
            match v {
                PropValue::Int(n) => u64::try_from(*n).ok(),
                PropValue::Text(t) => t.trim().parse().ok(),
                PropValue::Other => None,
            }
        });
        from_props.or_else(|| body.as_ref()?.get(name)?.as_u64())
    };
    Processed {
        ts: now,
        level: "info",
        event: "completed",
        id: msg.message_id.clone(),
        burst: field("burst"),
        seq: field("seq"),
        // Clocks differ between the broker and the pod: a negative latency is reported as 0.
        queue_latency_ms: msg
            .enqueued_at
            .map(|at| started.duration_since(at).as_millis().max(0) as i64),
        sequence_number: msg.sequence_number,
        delivery_count: msg.delivery_count,
        pod: pod.map(str::to_owned),
    }
}

/// kedatui's `sent_at` (RFC 3339) in a JSON body: when a broker stamps no enqueue time
/// (RabbitMQ stamps none; a publisher may set the `timestamp` property), the latency is
/// counted from the send.
pub fn sent_at(body: &[u8]) -> Option<Timestamp> {
    let body: serde_json::Value = serde_json::from_slice(body).ok()?;
    body.get("sent_at")?.as_str()?.parse().ok()
}

/// True when the work would outlast the message's lock: completing it would then fail and the
/// broker would deliver the message again. The fix is configuration (the queue's lock duration or
/// PROCESSING_MS), so the receiver warns instead of renewing locks.
pub fn lock_expires_first(
    msg: &Received,
    started: Timestamp,
    processing: std::time::Duration,
) -> bool {
    let Ok(processing) = jiff::SignedDuration::try_from(processing) else {
        return true;
    };
    match (msg.locked_until, started.checked_add(processing)) {
        (Some(until), Ok(done)) => until < done,
        _ => false,
    }
}

/// Any other structured event (start, draining, abandon, settle failures), one JSON line each.
pub fn event_line(level: &str, event: &str, fields: serde_json::Value) -> String {
    let mut line = serde_json::json!({
        "ts": Timestamp::now(),
        "level": level,
        "event": event,
    });
    if let (Some(line), serde_json::Value::Object(extra)) = (line.as_object_mut(), fields) {
        line.extend(extra);
    }
    line.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn msg(properties: Vec<(&str, PropValue)>, body: Option<&str>) -> Received {
        Received {
            message_id: Some("b3-17".into()),
            sequence_number: 42,
            delivery_count: Some(1),
            enqueued_at: Some(ts("2026-11-27T10:00:00Z")),
            locked_until: Some(ts("2026-11-27T10:01:00Z")),
            properties: properties
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            body: body.map(|b| b.as_bytes().to_vec()),
        }
    }

    #[test]
    fn burst_and_seq_come_from_properties_or_the_json_body() {
        let cases = [
            (
                msg(
                    vec![("burst", PropValue::Int(3)), ("seq", PropValue::Int(17))],
                    None,
                ),
                (Some(3), Some(17)),
            ),
            (
                msg(vec![], Some(r#"{"burst":4,"seq":2,"sent_at":"x"}"#)),
                (Some(4), Some(2)),
            ),
            (
                msg(
                    vec![("Burst", PropValue::Text("5".into()))],
                    Some(r#"{"seq":9}"#),
                ),
                (Some(5), Some(9)),
            ),
            // Properties win over the body.
            (
                msg(vec![("burst", PropValue::Int(1))], Some(r#"{"burst":2}"#)),
                (Some(1), None),
            ),
            // Not ours: processed, fields left out.
            (msg(vec![], Some("hello")), (None, None)),
            (msg(vec![("burst", PropValue::Int(-1))], None), (None, None)),
            (msg(vec![("burst", PropValue::Other)], None), (None, None)),
        ];
        for (m, (burst, seq)) in cases {
            let p = describe(
                &m,
                ts("2026-11-27T10:00:01Z"),
                ts("2026-11-27T10:00:02Z"),
                None,
            );
            assert_eq!((p.burst, p.seq), (burst, seq), "{m:?}");
        }
    }

    #[test]
    fn queue_latency_is_enqueue_to_start_and_never_negative() {
        let m = msg(vec![], None);
        let p = describe(
            &m,
            ts("2026-11-27T10:00:01.250Z"),
            ts("2026-11-27T10:00:02Z"),
            None,
        );
        assert_eq!(p.queue_latency_ms, Some(1250));
        let p = describe(
            &m,
            ts("2026-11-27T09:59:59Z"),
            ts("2026-11-27T10:00:02Z"),
            None,
        );
        assert_eq!(p.queue_latency_ms, Some(0), "pod clock behind the broker's");
        let none = Received {
            enqueued_at: None,
            ..m
        };
        let p = describe(
            &none,
            ts("2026-11-27T10:00:01Z"),
            ts("2026-11-27T10:00:02Z"),
            None,
        );
        assert_eq!(p.queue_latency_ms, None);
    }

    #[test]
    fn the_log_line_is_one_line_of_json_with_the_agreed_fields() {
        let m = msg(
            vec![("burst", PropValue::Int(3)), ("seq", PropValue::Int(17))],
            None,
        );
        let p = describe(
            &m,
            ts("2026-11-27T10:00:01Z"),
            ts("2026-11-27T10:00:02Z"),
            Some("kedasbreceiver-abc"),
        );
        let line = serde_json::to_string(&p).unwrap();
        assert!(!line.contains('\n'));
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["event"], "completed");
        assert_eq!(v["id"], "b3-17");
        assert_eq!(v["burst"], 3);
        assert_eq!(v["seq"], 17);
        assert_eq!(v["queue_latency_ms"], 1000);
        assert_eq!(v["pod"], "kedasbreceiver-abc");
        assert_eq!(v["ts"], "2026-11-27T10:00:02Z");
    }

    #[test]
    fn a_lock_shorter_than_the_work_is_noticed() {
        let m = msg(vec![], None); // locked until 10:01:00
        let cases = [
            ("2026-11-27T10:00:00Z", 59_000, false),
            ("2026-11-27T10:00:00Z", 60_000, false),
            ("2026-11-27T10:00:00Z", 60_001, true),
            ("2026-11-27T10:00:30Z", 31_000, true),
        ];
        for (started, ms, expected) in cases {
            let d = std::time::Duration::from_millis(ms);
            assert_eq!(
                lock_expires_first(&m, ts(started), d),
                expected,
                "{started} {ms}"
            );
        }
        let unknown = Received {
            locked_until: None,
            ..m
        };
        assert!(!lock_expires_first(
            &unknown,
            ts("2026-11-27T10:00:00Z"),
            std::time::Duration::from_secs(600)
        ));
    }

    #[test]
    fn sent_at_comes_from_kedatuis_json_body() {
        let body = br#"{"burst":1,"seq":0,"sent_at":"2026-12-07T00:00:00Z"}"#;
        assert_eq!(sent_at(body), Some(ts("2026-12-07T00:00:00Z")));
        assert_eq!(sent_at(br#"{"sent_at":"yesterday"}"#), None);
        assert_eq!(sent_at(b"hello"), None);
    }

    #[test]
    fn event_lines_merge_their_fields() {
        let line = event_line("warn", "abandoned", serde_json::json!({"id": "x", "n": 2}));
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(
            (v["level"].as_str(), v["event"].as_str()),
            (Some("warn"), Some("abandoned"))
        );
        assert_eq!(v["n"], 2);
    }
}

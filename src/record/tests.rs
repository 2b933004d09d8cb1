use std::time::Duration;

use crossterm::event::Event as TermEvent;
use jiff::Timestamp;

use super::replay::ReplayCursor;
use super::*;
use crate::presenter::{PresenterEvent, ReplayControl};

fn t(s: i64) -> Timestamp {
    Timestamp::from_second(1_790_000_000 + s).unwrap()
}

fn key(c: char) -> Event {
    Event::char_key(c)
}

/// A recording of ticks every second for `secs` seconds, with a key press at 2 s.
fn sample(secs: u64) -> Vec<u8> {
    let mut rec = Recorder::new(Vec::new(), &AppConfig::default(), t(0)).unwrap();
    for s in 0..=secs {
        rec.record_at(Duration::from_secs(s), &Event::Tick { now: t(s as i64) });
        if s == 2 {
            rec.record_at(Duration::from_secs(s), &key('3'));
        }
    }
    rec.record_at(
        Duration::from_secs(secs),
        &Event::Presenter(PresenterEvent::ReplayReset),
    );
    rec.finish().unwrap()
}

#[test]
fn a_recording_reads_back_as_written() {
    let bytes = sample(5);
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(text.starts_with(r#"{"kedatui_recording":1,"started_at":"2026-09-21T14:13:20Z""#));
    let recording = parse(&bytes).unwrap();
    assert_eq!(recording.header.config.app_config(), AppConfig::default());
    assert_eq!(
        recording.entries.len(),
        7,
        "6 ticks and a key; control events are not recorded"
    );
    assert_eq!(recording.entries[3].event, key('3'));
    assert_eq!(recording.length_ms(), 5000);
}

#[test]
fn bad_recordings_are_refused_with_a_clear_message() {
    let good = String::from_utf8(sample(3)).unwrap();
    let header_only_future =
        good.replacen(r#""kedatui_recording":1"#, r#""kedatui_recording":7"#, 1);
    let mut lines: Vec<&str> = good.lines().collect();
    lines[2] = r#"{"ms":1000,"event":{"Tick":{"now":"not a time"}}}"#;
    let corrupt = lines.join("\n") + "\n";
    let mut lines: Vec<&str> = good.lines().collect();
    lines.swap(1, 3);
    let backwards = lines.join("\n") + "\n";
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", Vec::new(), "empty, not a kedatui recording"),
        ("blank", b"\n\n".to_vec(), "empty"),
        (
            "not ours",
            b"{\"hello\":1}\n".to_vec(),
            "not a kedatui recording",
        ),
        (
            "not json",
            b"PK\x03\x04 zip\n".to_vec(),
            "not a kedatui recording",
        ),
        (
            "truncated header",
            good.as_bytes()[..20].to_vec(),
            "truncated: line 1",
        ),
        (
            "future version",
            header_only_future.into_bytes(),
            "format 7, newer than this kedatui reads (format 1)",
        ),
        ("corrupt line", corrupt.into_bytes(), "corrupt at line 3"),
        ("time goes back", backwards.into_bytes(), "time goes back"),
        (
            "binary garbage",
            [good.as_bytes(), b"\xff\xfe\x00\n"].concat(),
            "corrupt at line 7",
        ),
    ];
    for (name, bytes, want) in cases {
        match parse(&bytes) {
            Ok(_) => panic!("{name}: accepted"),
            Err(err) => {
                let msg = err.to_string();
                assert!(msg.contains(want), "{name}: {msg}");
            }
        }
    }
}

/// #19 item 2: a console killed mid-write, or a full disk, leaves a last line cut off; what came
/// before it plays, and the reader says where it stopped.
#[test]
fn a_recording_cut_short_keeps_its_complete_events() {
    let good = String::from_utf8(sample(3)).unwrap();
    let whole = parse(good.as_bytes()).unwrap();
    assert_eq!(whole.cut_at, None);
    // Cut mid-JSON, and in the middle of a character (a UTF-8 sequence of a non-ASCII paste).
    let cut = &good.as_bytes()[..good.len() - 10];
    let mid_char = [good.as_bytes(), "{\"ms\":9000,\"event\":\"é".as_bytes()].concat();
    let mid_char = &mid_char[..mid_char.len() - 1];
    for (name, bytes, cut_line, kept) in [
        ("mid-event", cut, 6, whole.entries.len() - 1),
        ("mid-character", mid_char, 7, whole.entries.len()),
    ] {
        let recording = parse(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(recording.cut_at, Some(cut_line), "{name}");
        assert_eq!(recording.entries[..], whole.entries[..kept], "{name}");
    }
}

#[test]
fn a_future_version_is_refused_whatever_else_its_header_holds() {
    let bytes = b"{\"kedatui_recording\":2,\"something\":\"new\"}\n{\"new_kind\":true}\n";
    assert!(matches!(
        parse(bytes),
        Err(RecordingError::FutureVersion { found: 2 })
    ));
}

fn ticks(events: &[Event]) -> Vec<i64> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Presenter(PresenterEvent::Replayed(inner)) => match **inner {
                Event::Tick { now } => Some(now.as_second() - 1_790_000_000),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

#[test]
fn the_cursor_plays_at_speed_pauses_and_seeks() {
    let recording = parse(&sample(30)).unwrap();
    let mut cursor = ReplayCursor::new(&recording, 2.0);
    assert_eq!(ticks(&cursor.advance(Duration::ZERO)), [0]);
    // 1.5 s of wall time at ×2 is 3 s of recording.
    assert_eq!(
        ticks(&cursor.advance(Duration::from_millis(1500))),
        [1, 2, 3]
    );
    cursor.control(ReplayControl::TogglePause);
    assert!(cursor.advance(Duration::from_secs(5)).is_empty(), "paused");
    assert!(cursor.status().paused);
    let forward = cursor.control(ReplayControl::Seek(10));
    assert_eq!(ticks(&forward), (4..=13).collect::<Vec<_>>());
    assert_eq!(cursor.status().position_ms, 13_000);
    // Back: a reset, then everything from the start to the new position.
    let back = cursor.control(ReplayControl::Seek(-10));
    assert_eq!(back[0], Event::Presenter(PresenterEvent::ReplayReset));
    assert_eq!(ticks(&back), [0, 1, 2, 3]);
    assert!(matches!(
        back.last(),
        Some(Event::Presenter(PresenterEvent::ReplayStatus(s))) if s.position_ms == 3000
    ));
    // Past either end it stops at the end.
    cursor.control(ReplayControl::Seek(-100));
    assert_eq!(cursor.status().position_ms, 0);
    cursor.control(ReplayControl::TogglePause);
    cursor.control(ReplayControl::Faster);
    assert_eq!(cursor.status().speed, 4.0);
    let rest = cursor.advance(Duration::from_secs(60));
    assert_eq!(ticks(&rest).last(), Some(&30));
    assert!(cursor.status().finished());
    assert!(cursor.advance(Duration::from_secs(1)).is_empty());
}

#[test]
fn the_header_never_holds_connection_details() {
    let text = String::from_utf8(sample(1)).unwrap();
    let header: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    let mut keys: Vec<&str> = header["config"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "bursts",
            "deployment",
            "mode",
            "namespace",
            "queue",
            "scaled_object",
            "scaler",
            "trickle_per_second",
            "warp"
        ]
    );
}

#[test]
fn lines_look_as_the_readme_shows() {
    let mut rec = Recorder::new(Vec::new(), &AppConfig::default(), t(0)).unwrap();
    rec.record_at(Duration::ZERO, &Event::Tick { now: t(0) });
    rec.record_at(Duration::from_secs(1), &key('3'));
    let text = String::from_utf8(rec.finish().unwrap()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(
        lines[1],
        r#"{"ms":0,"event":{"Tick":{"now":"2026-09-21T14:13:20Z"}}}"#
    );
    assert_eq!(
        lines[2],
        r#"{"ms":1000,"event":{"Input":{"Key":{"code":{"Char":"3"},"modifiers":"","kind":"Press","state":""}}}}"#
    );
}

#[test]
fn a_pasted_secret_is_not_recorded() {
    let key: String = (0..44).map(|_| fastrand::alphanumeric()).collect();
    let paste = format!(
        "Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=a;SharedAccessKey={key}"
    );
    let mut rec = Recorder::new(Vec::new(), &AppConfig::default(), t(0)).unwrap();
    rec.record_at(Duration::ZERO, &Event::Input(TermEvent::Paste(paste)));
    rec.record_at(
        Duration::ZERO,
        &Event::Input(TermEvent::Paste("1_000".into())),
    );
    let text = String::from_utf8(rec.finish().unwrap()).unwrap();
    assert!(
        !text.contains(&key) && !text.contains("SharedAccessKey"),
        "{text}"
    );
    let recording = parse(text.as_bytes()).unwrap();
    assert_eq!(
        recording.entries[0].event,
        Event::Input(TermEvent::Paste(String::new())),
        "not even the digits of a pasted connection string are kept"
    );
    assert_eq!(
        recording.entries[1].event,
        Event::Input(TermEvent::Paste("1_000".into())),
        "a burst size pastes through"
    );
}

/// The replay task over real time: it plays to the end at ×64, reports it, and answers a seek
/// back with a reset and the events again. Waits are on what arrives, with a timeout.
#[tokio::test]
async fn the_replay_source_plays_to_the_end_and_seeks_back() {
    use crate::event::Command;
    use crate::presenter::PresenterCommand;
    use tokio::time::timeout;

    let recording = parse(&sample(5)).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (commands, task) = replay::spawn(ReplayCursor::new(&recording, 64.0), tx);
    let mut seen = Vec::new();
    let wait = Duration::from_secs(10);
    loop {
        let event = timeout(wait, rx.recv())
            .await
            .expect("events keep coming")
            .unwrap();
        if let Event::Presenter(PresenterEvent::ReplayStatus(s)) = &event
            && s.finished()
        {
            break;
        }
        seen.push(event);
    }
    assert_eq!(ticks(&seen), [0, 1, 2, 3, 4, 5], "every tick, in order");
    commands
        .send(Command::Presenter(PresenterCommand::Replay(
            ReplayControl::Seek(-3),
        )))
        .unwrap();
    let reset = timeout(wait, rx.recv()).await.unwrap().unwrap();
    assert_eq!(reset, Event::Presenter(PresenterEvent::ReplayReset));
    let mut again = Vec::new();
    loop {
        match timeout(wait, rx.recv()).await.unwrap().unwrap() {
            Event::Presenter(PresenterEvent::ReplayStatus(s)) => {
                assert_eq!(s.position_ms, 2000);
                break;
            }
            e => again.push(e),
        }
    }
    assert_eq!(ticks(&again), [0, 1, 2]);
    drop(commands);
    timeout(wait, task).await.unwrap().unwrap();
}

//! Presenter features end to end through `App::update` and the real drawing code: a simulator
//! run recorded and replayed gives the same screens and summary; themes, `--big`, the key echo.
//! The simulator is driven frame by frame (sans-IO `SimDriver`), so every run is the same.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::support as common;

use common::screen::{key, render, rows as text};

use crossterm::event::{Event as TermEvent, KeyCode};
use jiff::Timestamp;
use kedatui::app::{App, AppConfig};
use kedatui::event::Event;
use kedatui::presenter::{PresenterEvent, ReplayControl, ThemeKind};
use kedatui::record::replay::ReplayCursor;
use kedatui::record::{self, Recorder};
use kedatui::source::sim::SimDriver;
use kedatui_core::sim::{SimConfig, World};
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

const T0: i64 = 1_790_000_000; // 2026-09-21 14:13:20 UTC
const FRAME_MS: u64 = 100;
/// Seconds into the run at which the screens are compared.
const CHECKPOINTS: [u64; 4] = [3, 12, 40, 75];
/// Keys pressed during the run: (second, key).
const SCRIPT: [(u64, char); 3] = [(1, '3'), (30, '1'), (31, ' ')];

/// A simulator run of `secs` seconds at warp ×10, keys from SCRIPT: the App it leaves, the
/// screens at each checkpoint, and the recording of it.
fn recorded_run(secs: u64) -> (App, BTreeMap<u64, Vec<String>>, Vec<u8>) {
    let config = AppConfig {
        warp: 10.0,
        ..AppConfig::default()
    };
    let world = World::new(SimConfig::demo(), 7, Timestamp::from_second(T0).unwrap());
    let mut driver = SimDriver::new(world, 10.0);
    let mut app = App::new(config.clone());
    let mut recorder =
        Recorder::new(Vec::new(), &config, Timestamp::from_second(T0).unwrap()).unwrap();
    let mut screens = BTreeMap::new();
    let mut apply = |app: &mut App, driver: &mut SimDriver, ms: u64, event: Event| {
        let mut pending = vec![event];
        while let Some(event) = pending.pop() {
            recorder.record_at(Duration::from_millis(ms), &event);
            for command in app.update(event) {
                // Effects come back in order, before anything else.
                pending.extend(driver.apply_console(command).into_iter().rev());
            }
        }
    };
    apply(
        &mut app,
        &mut driver,
        0,
        Event::Input(TermEvent::Resize(120, 40)),
    );
    for e in driver.start() {
        apply(&mut app, &mut driver, 0, e);
    }
    for frame in 1..=secs * 1000 / FRAME_MS {
        let ms = frame * FRAME_MS;
        for e in driver.advance(Duration::from_millis(FRAME_MS)) {
            apply(&mut app, &mut driver, ms, e);
        }
        for (at, c) in SCRIPT {
            if at * 1000 == ms {
                apply(&mut app, &mut driver, ms, key(c));
            }
        }
        if CHECKPOINTS.contains(&(ms / 1000)) && ms.is_multiple_of(1000) {
            screens.insert(ms / 1000, text(&render(&app, 120, 40)));
        }
    }
    // With pods or messages around q asks first, and y quits.
    apply(&mut app, &mut driver, secs * 1000, key('q'));
    if !app.should_quit() {
        assert_eq!(app.prompt.input, kedatui::app::InputMode::ConfirmQuit);
        apply(&mut app, &mut driver, secs * 1000, key('y'));
    }
    assert!(app.should_quit());
    (app, screens, recorder.finish().unwrap())
}

fn replay_app(recording: &record::Recording, cursor: &ReplayCursor) -> App {
    let mut app = App::new(recording.header.config.app_config());
    app.presenter.replay = Some(cursor.status());
    app.update(Event::Input(TermEvent::Resize(120, 40)));
    app
}

fn apply_all(app: &mut App, events: Vec<Event>) {
    for e in events {
        assert!(app.update(e).is_empty(), "a replay sends nothing");
    }
}

/// The screen without what a replay changes on purpose: the header's first line (REPLAY, its
/// position) and the key bar (the playback keys).
fn world_rows(screen: &[String]) -> Vec<String> {
    screen[1..screen.len() - 1].to_vec()
}

#[test]
fn a_replayed_simulator_run_shows_the_same_screens_and_summary() {
    let (original, screens, bytes) = recorded_run(80);
    let recording = record::parse(&bytes).unwrap();
    let mut cursor = ReplayCursor::new(&recording, 1.0);
    let mut app = replay_app(&recording, &cursor);
    apply_all(&mut app, cursor.advance(Duration::ZERO));
    let mut at_ms = 0;
    for (&second, want) in &screens {
        while at_ms < second * 1000 {
            apply_all(&mut app, cursor.advance(Duration::from_millis(FRAME_MS)));
            at_ms += FRAME_MS;
        }
        app.update(Event::Presenter(PresenterEvent::ReplayStatus(
            cursor.status(),
        )));
        let got = text(&render(&app, 120, 40));
        assert_eq!(world_rows(&got), world_rows(want), "screen at {second}s");
        assert!(
            got[0].contains("REPLAY"),
            "the header says REPLAY: {}",
            got[0]
        );
        insta::assert_snapshot!(format!("replay_at_{second}s"), got.join("\n"));
    }
    apply_all(&mut app, cursor.advance(Duration::from_secs(3600)));
    assert!(cursor.status().finished());
    assert!(
        !app.should_quit(),
        "the recorded q ends the recording, not the replay"
    );
    assert_eq!(app.summary(), original.summary());
    assert_eq!(app.summary().to_string(), original.summary().to_string());
}

#[test]
fn seeking_back_rebuilds_the_screen_of_that_moment() {
    let (_, screens, bytes) = recorded_run(80);
    let recording = record::parse(&bytes).unwrap();
    let mut cursor = ReplayCursor::new(&recording, 1.0);
    let mut app = replay_app(&recording, &cursor);
    apply_all(&mut app, cursor.advance(Duration::ZERO));
    // Forward to 50 s in two seeks, then back 10 s to 40 s.
    for _ in 0..5 {
        apply_all(&mut app, cursor.control(ReplayControl::Seek(10)));
    }
    assert_eq!(cursor.status().position_ms, 50_000);
    let back = cursor.control(ReplayControl::Seek(-10));
    assert_eq!(back[0], Event::Presenter(PresenterEvent::ReplayReset));
    apply_all(&mut app, back);
    let got = text(&render(&app, 120, 40));
    assert_eq!(world_rows(&got), world_rows(&screens[&40]));
    assert!(got[0].contains("REPLAY playing 40s / 1m20s"), "{}", got[0]);
}

#[test]
fn world_changing_keys_are_disabled_in_replay_and_say_so() {
    let (_, _, bytes) = recorded_run(5);
    let recording = record::parse(&bytes).unwrap();
    let cursor = ReplayCursor::new(&recording, 1.0);
    let mut app = replay_app(&recording, &cursor);
    for c in ['3', 'b', 't', 'c', 'p', '+'] {
        let commands = app.update(key(c));
        let is_speed = c == '+';
        if is_speed {
            assert_eq!(commands.len(), 1, "+ speeds the replay up");
            continue;
        }
        assert!(commands.is_empty(), "{c} sent {commands:?}");
        let notice = app.prompt.notice.clone().expect("a notice").text;
        assert!(notice.contains("disabled in replay"), "{c}: {notice}");
    }
    let screen = text(&render(&app, 120, 40));
    let bar = screen.last().unwrap();
    for hint in ["space", "pause", "←/→", "seek ±10s", "speed ×1"] {
        assert!(bar.contains(hint), "{hint} missing from the key bar: {bar}");
    }
}

/// The buffer as text, then a grid of one letter per style, then the legend: colours and
/// modifiers are part of the snapshot.
fn styled(buf: &Buffer) -> String {
    let area = buf.area;
    let mut legend: Vec<String> = Vec::new();
    let mut grid = Vec::new();
    for y in area.top()..area.bottom() {
        let mut row = String::new();
        for x in area.left()..area.right() {
            let s = buf[(x, y)].style();
            let name = format!(
                "fg {:?} bg {:?} {:?}",
                s.fg.unwrap_or(Color::Reset),
                s.bg.unwrap_or(Color::Reset),
                s.add_modifier
            );
            let i = legend.iter().position(|l| *l == name).unwrap_or_else(|| {
                legend.push(name);
                legend.len() - 1
            });
            row.push(char::from_digit(i as u32 % 36, 36).unwrap());
        }
        grid.push(row);
    }
    let legend: Vec<String> = legend
        .iter()
        .enumerate()
        .map(|(i, l)| format!("{}: {l}", char::from_digit(i as u32 % 36, 36).unwrap()))
        .collect();
    format!(
        "{}\n\n{}\n\n{}",
        text(buf).join("\n"),
        grid.join("\n"),
        legend.join("\n")
    )
}

/// 4 s at ×10: the burst of 500 is being worked off, the Deployment scaling out.
fn mid_run_app(theme: ThemeKind, big: bool) -> App {
    let (_, _, bytes) = recorded_run(4);
    let recording = record::parse(&bytes).unwrap();
    let mut app = App::new(recording.header.config.app_config());
    app.presenter.theme = theme;
    app.presenter.big = big;
    app.update(Event::Input(TermEvent::Resize(80, 24)));
    for entry in recording.entries {
        if !matches!(entry.event, Event::Input(TermEvent::Key(_))) {
            app.update(entry.event);
        }
    }
    app
}

#[test]
fn theme_presenter() {
    let buf = render(&mid_run_app(ThemeKind::Presenter, false), 80, 24);
    for cell in buf.content() {
        assert_ne!(cell.bg, Color::Reset, "every cell on a black background");
        assert!(
            !cell.modifier.contains(Modifier::DIM),
            "nothing dimmed away"
        );
    }
    insta::assert_snapshot!(styled(&buf));
}

#[test]
fn theme_light() {
    let buf = render(&mid_run_app(ThemeKind::Light, false), 80, 24);
    for cell in buf.content() {
        assert_ne!(
            cell.fg,
            Color::White,
            "no white text on the light background"
        );
    }
    insta::assert_snapshot!(styled(&buf));
}

#[test]
fn theme_default() {
    insta::assert_snapshot!(styled(&render(
        &mid_run_app(ThemeKind::Default, false),
        80,
        24
    )));
}

#[test]
fn big_numbers() {
    let app = mid_run_app(ThemeKind::Default, true);
    let screen = text(&render(&app, 80, 24));
    insta::assert_snapshot!(screen.join("\n"));
    assert!(
        screen.iter().any(|r| r.contains("Queue depth"))
            && screen.iter().any(|r| r.contains("Replicas")),
        "both numbers are titled"
    );
}

#[test]
fn the_key_echo_shows_what_a_key_did_and_fades() {
    let mut app = mid_run_app(ThemeKind::Default, false);
    let now = app.now.unwrap();
    app.update(key('3'));
    let bottom = |app: &App| text(&render(app, 80, 24))[22].clone();
    assert!(
        bottom(&app).contains("3 → burst of 500"),
        "{}",
        bottom(&app)
    );
    // Warp ×10: the echo lasts 30 s of virtual time.
    app.update(Event::Tick {
        now: now + jiff::SignedDuration::from_secs(29),
    });
    assert!(bottom(&app).contains("3 → burst of 500"));
    app.update(Event::Tick {
        now: now + jiff::SignedDuration::from_secs(31),
    });
    assert!(app.take_redraw(), "fading redraws");
    assert!(!bottom(&app).contains("→"), "{}", bottom(&app));
}

#[test]
fn key_echo_table() {
    let code = Event::key;
    // (keys pressed in order, the echo after the last, None: no echo)
    let cases: Vec<(Vec<Event>, Option<&str>)> = vec![
        (vec![key('3')], Some("3 → burst of 500")),
        (vec![key('5')], Some("5 → burst of 5 000")),
        (vec![key('t')], Some("t → trickle 5/s")),
        (vec![key('t'), key('t')], Some("t → trickle off")),
        (vec![key('c')], Some("c → consumers paused")),
        (vec![key('+')], Some("+ → warp ×20")),
        (vec![key('p')], Some("p → purge? (y/n)")),
        (vec![key('p'), key('y')], Some("y → purge")),
        (vec![key('p'), code(KeyCode::Esc)], Some("Esc → cancelled")),
        (
            vec![key('b'), key('1'), key('2'), code(KeyCode::Enter)],
            Some("Enter → burst of 12"),
        ),
        (vec![key(' ')], Some("space → chart frozen")),
        // The slide must not show the key that took it.
        (vec![key('S')], None),
        (vec![key('j')], None),
    ];
    for (keys, want) in cases {
        let mut app = mid_run_app(ThemeKind::Default, false);
        for k in &keys {
            app.update(k.clone());
        }
        let got = app
            .presenter
            .echo_at(app.now, app.warp)
            .map(|e| format!("{} → {}", e.key, e.what));
        assert_eq!(got.as_deref(), want, "{keys:?}");
    }
}

#[test]
fn replay_paused_at_80x24() {
    let (_, _, bytes) = recorded_run(5);
    let recording = record::parse(&bytes).unwrap();
    let mut cursor = ReplayCursor::new(&recording, 2.0);
    let mut app = App::new(recording.header.config.app_config());
    app.update(Event::Input(TermEvent::Resize(80, 24)));
    apply_all(&mut app, cursor.advance(Duration::from_secs(2)));
    for e in cursor.control(ReplayControl::TogglePause) {
        app.update(e);
    }
    let screen = text(&render(&app, 80, 24));
    assert!(
        screen[0].contains("REPLAY paused 4s / 5s ×2"),
        "{}",
        screen[0]
    );
    insta::assert_snapshot!(screen.join("\n"));
}

#[test]
fn seeking_back_before_a_recorded_fallback_is_live_again() {
    let config = AppConfig {
        mode: kedatui::app::Mode::Live,
        ..AppConfig::default()
    };
    let start = Timestamp::from_second(T0).unwrap();
    let mut recorder = Recorder::new(Vec::new(), &config, start).unwrap();
    for s in 0..=10u64 {
        let now = start + jiff::SignedDuration::from_secs(s as i64);
        recorder.record_at(Duration::from_secs(s), &Event::Tick { now });
        if s == 3 {
            recorder.record_at(Duration::from_secs(s), &key('s'));
        }
    }
    let recording = record::parse(&recorder.finish().unwrap()).unwrap();
    let mut cursor = ReplayCursor::new(&recording, 1.0);
    let mut app = App::new(recording.header.config.app_config());
    app.presenter.replay = Some(cursor.status());
    apply_all(&mut app, cursor.advance(Duration::from_secs(8)));
    assert!(
        app.is_simulator(),
        "the recorded s switched to the simulator"
    );
    apply_all(&mut app, cursor.control(ReplayControl::Seek(-10)));
    assert_eq!(cursor.status().position_ms, 0);
    assert!(
        !app.is_simulator(),
        "before the s, the recording is live again"
    );
    let screen = text(&render(&app, 120, 40));
    assert!(screen[0].contains(" LIVE "), "{}", screen[0]);
}

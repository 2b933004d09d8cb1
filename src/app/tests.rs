//! `update` for every key and every event.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::*;
use crate::event::{ErrorKind, SourceError};
use kedatui_core::fixtures::demo_scaled_object;
use kedatui_core::model::{Condition, EventType, QueueCounts};

fn t(s: i64) -> Timestamp {
    Timestamp::from_second(1_700_000_000 + s).unwrap()
}

fn key(code: KeyCode) -> Event {
    Event::key(code)
}

fn ch(c: char) -> Event {
    Event::char_key(c)
}

fn app() -> App {
    let mut app = App::new(AppConfig::default());
    app.update(Event::Tick { now: t(0) });
    app
}

fn live_app() -> App {
    let mut app = App::new(AppConfig {
        mode: Mode::Live,
        ..AppConfig::default()
    });
    app.update(Event::Tick { now: t(0) });
    app
}

fn queue(at: i64, active: u64, in_flight: u64) -> Event {
    Event::Source(SourceEvent::Queue(QueueSample {
        at: t(at),
        counts: QueueCounts {
            active,
            in_flight: Some(in_flight),
            ..QueueCounts::default()
        },
    }))
}

fn pod(name: &str, status: &str, ready: u32, created: i64) -> PodView {
    PodView {
        name: name.into(),
        status: status.into(),
        ready_containers: ready,
        total_containers: 1,
        restarts: 0,
        last_restart: None,
        created: t(created),
        deleting: status == "Terminating",
        node: None,
    }
}

fn sent(burst: u64, size: u64, sent: u64, done: bool) -> Event {
    Event::Source(SourceEvent::Send(SendProgress {
        burst,
        size,
        sent,
        failed: 0,
        at: t(0),
        done,
        cancelled: false,
        error: None,
        maybe_resent: 0,
    }))
}

#[test]
fn number_keys_fire_the_configured_bursts() {
    let mut a = app();
    let cases = [('1', 10), ('2', 100), ('3', 500), ('4', 1000), ('5', 5000)];
    for (i, (c, count)) in cases.into_iter().enumerate() {
        assert_eq!(
            a.update(ch(c)),
            vec![Command::World(WorldCommand::Burst {
                burst: i as u64 + 1,
                count
            })],
            "key {c}"
        );
    }
    assert_eq!(a.update(ch('6')), vec![], "no sixth burst by default");
    assert_eq!(a.summary().bursts, 5);
    assert_eq!(
        a.queue.history.markers(0, i64::MAX).count(),
        5,
        "each burst marks the chart"
    );
}

#[test]
fn custom_bursts_from_the_command_line() {
    let mut a = App::new(AppConfig {
        bursts: vec![7, 70],
        ..AppConfig::default()
    });
    assert_eq!(
        a.update(ch('2')),
        vec![Command::World(WorldCommand::Burst {
            burst: 1,
            count: 70
        })]
    );
    assert_eq!(a.update(ch('3')), vec![]);
}

#[test]
fn key_release_is_ignored() {
    let mut a = app();
    let mut release = KeyEvent::new(KeyCode::Char('1'), KeyModifiers::NONE);
    release.kind = KeyEventKind::Release;
    assert_eq!(a.update(Event::Input(TermEvent::Key(release))), vec![]);
}

#[test]
fn b_prompts_validates_and_fires() {
    let mut a = app();
    a.update(ch('b'));
    assert_eq!(a.key_context(), KeyContext::BurstPrompt);
    // Enter on empty input: an error, still prompting.
    assert_eq!(a.update(key(KeyCode::Enter)), vec![]);
    assert!(
        matches!(&a.prompt.input, InputMode::BurstPrompt { error: Some(e), .. } if e.contains("type a number"))
    );
    for c in "25x".chars() {
        a.update(ch(c));
    }
    // The x was dropped with a hint; 25 stays.
    assert_eq!(
        a.prompt.input,
        InputMode::BurstPrompt {
            input: "25".into(),
            error: Some(PROMPT_HINT.into())
        }
    );
    // Keys that normally act (q, p) are dropped inside the prompt too.
    a.update(ch('q'));
    assert!(!a.should_quit());
    assert_eq!(
        a.update(key(KeyCode::Enter)),
        vec![Command::World(WorldCommand::Burst {
            burst: 1,
            count: 25
        })]
    );
    assert_eq!(a.prompt.input, InputMode::Normal);
}

fn prompt_text(a: &App) -> (String, Option<String>) {
    match &a.prompt.input {
        InputMode::BurstPrompt { input, error } => (input.clone(), error.clone()),
        other => panic!("not prompting: {other:?}"),
    }
}

#[test]
fn b_prompt_takes_digits_separators_and_a_k_or_m_suffix_only() {
    // (typed, text kept, burst fired)
    let cases: &[(&str, &str, Option<u64>)] = &[
        ("10k", "10k", Some(10_000)),
        ("1m", "1m", Some(1_000_000)),
        ("2_500", "2_500", Some(2_500)),
        ("5K", "5K", Some(5_000)),
        ("k5", "5", Some(5)),
        ("10kk", "10k", Some(10_000)),
        ("10k5", "10k", Some(10_000)),
        ("abc-+. 7", "7", Some(7)),
        ("2m", "2m", None),
        ("1234567890123456", "123456789012", None),
    ];
    for (typed, kept, fired) in cases {
        let mut a = app();
        a.update(ch('b'));
        for c in typed.chars() {
            a.update(ch(c));
        }
        assert_eq!(prompt_text(&a).0, *kept, "{typed:?}");
        let commands = a.update(key(KeyCode::Enter));
        match fired {
            Some(n) => assert_eq!(
                commands,
                vec![Command::World(WorldCommand::Burst {
                    burst: 1,
                    count: *n
                })],
                "{typed:?}"
            ),
            None => {
                assert_eq!(commands, vec![], "{typed:?}");
                let error = prompt_text(&a).1.expect("an error");
                assert!(
                    !error.contains(kept),
                    "{typed:?}: the error repeats {error:?}"
                );
            }
        }
    }
}

#[test]
fn a_pasted_connection_string_never_reaches_the_prompt() {
    // A fresh random key: no key, real-looking or not, is written in the repository.
    let secret_key = testkit::servicebus::random_key();
    let secret = format!(
        "Endpoint=sb://demo.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey={secret_key}"
    );
    let mut a = app();
    a.update(ch('b'));
    a.update(ch('4'));
    a.update(Event::Input(TermEvent::Paste(secret)));
    let (text, error) = prompt_text(&a);
    assert_eq!(text, "4", "the paste is dropped whole, digits and all");
    assert_eq!(error.as_deref(), Some(PASTE_DROPPED));
    // Enter fires what was typed; nothing of the paste shows anywhere.
    assert_eq!(
        a.update(key(KeyCode::Enter)),
        vec![Command::World(WorldCommand::Burst { burst: 1, count: 4 })]
    );
    let shown = format!("{:?}", a);
    assert!(!shown.contains("SharedAccessKey") && !shown.contains(&secret_key));
}

#[test]
fn b_prompt_q_is_text_and_esc_cancels() {
    let mut a = app();
    a.update(ch('b'));
    a.update(ch('q'));
    assert!(!a.should_quit(), "q inside the prompt is text");
    assert_eq!(a.update(key(KeyCode::Esc)), vec![]);
    assert_eq!(a.prompt.input, InputMode::Normal);
    assert!(!a.should_quit(), "Esc cancels the prompt, it does not quit");
}

#[test]
fn paste_goes_into_the_prompt() {
    let mut a = app();
    a.update(ch('b'));
    a.update(Event::Input(TermEvent::Paste("1200".into())));
    assert_eq!(
        a.update(key(KeyCode::Enter)),
        vec![Command::World(WorldCommand::Burst {
            burst: 1,
            count: 1200
        })]
    );
    // Outside the prompt a paste does nothing.
    assert_eq!(a.update(Event::Input(TermEvent::Paste("5".into()))), vec![]);
}

#[test]
fn parse_burst_size_table() {
    let cases: &[(&str, Result<u64, &str>)] = &[
        ("1", Ok(1)),
        (" 250 ", Ok(250)),
        ("1_000", Ok(1000)),
        ("1000000", Ok(1_000_000)),
        ("", Err("type a number")),
        ("0", Err("at least 1")),
        ("-5", Err("not a whole number")),
        ("2.5", Err("not a whole number")),
        ("10k", Ok(10_000)),
        ("1_000k", Ok(1_000_000)),
        ("1m", Ok(1_000_000)),
        ("2m", Err("at most 1 000 000")),
        ("k", Err("not a whole number")),
        ("99999999999999999999m", Err("at most")),
        ("1000001", Err("at most 1 000 000")),
        ("99999999999999999999999", Err("at most")),
    ];
    for (input, want) in cases {
        match (parse_burst_size(input), want) {
            (Ok(n), Ok(w)) => assert_eq!(n, *w, "{input:?}"),
            (Err(e), Err(w)) => {
                assert!(e.contains(w), "{input:?}: {e}");
                let typed = input.trim();
                assert!(
                    typed.len() < 2 || !e.contains(typed),
                    "{input:?}: the error repeats what was typed: {e}"
                );
            }
            (got, want) => panic!("{input:?}: got {got:?}, want {want:?}"),
        }
    }
}

#[test]
fn t_toggles_the_trickle() {
    let mut a = app();
    assert_eq!(
        a.update(ch('t')),
        vec![Command::World(WorldCommand::SetTrickle(Some(5.0)))]
    );
    assert_eq!(a.queue.trickle, Some(5.0));
    assert_eq!(
        a.update(ch('t')),
        vec![Command::World(WorldCommand::SetTrickle(None))]
    );
    let mut b = App::new(AppConfig {
        trickle_per_second: 20.0,
        ..AppConfig::default()
    });
    assert_eq!(
        b.update(ch('t')),
        vec![Command::World(WorldCommand::SetTrickle(Some(20.0)))]
    );
    // The source's answer wins.
    b.update(Event::Source(SourceEvent::Trickle(None)));
    assert_eq!(b.queue.trickle, None);
}

#[test]
fn c_pauses_and_resumes_consumers_in_the_simulator_only() {
    let mut a = app();
    assert_eq!(
        a.update(ch('c')),
        vec![Command::World(WorldCommand::SetConsumersPaused(true))]
    );
    assert_eq!(
        a.update(ch('c')),
        vec![Command::World(WorldCommand::SetConsumersPaused(false))]
    );
    let mut l = live_app();
    assert_eq!(l.update(ch('c')), vec![]);
    assert!(
        l.prompt
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("simulator-only")
    );
}

#[test]
fn p_purges_only_after_confirmation() {
    let mut a = app();
    assert_eq!(a.update(ch('p')), vec![]);
    assert_eq!(a.key_context(), KeyContext::ConfirmPurge);
    assert_eq!(a.update(ch('n')), vec![]);
    assert_eq!(a.prompt.input, InputMode::Normal);
    a.update(ch('p'));
    assert_eq!(a.update(key(KeyCode::Esc)), vec![]);
    assert!(!a.should_quit(), "Esc cancels the confirmation");
    a.update(ch('p'));
    assert_eq!(
        a.update(ch('1')),
        vec![],
        "other keys do nothing while confirming"
    );
    assert_eq!(a.update(ch('y')), vec![Command::World(WorldCommand::Purge)]);
    a.update(ch('p'));
    assert_eq!(
        a.update(key(KeyCode::Enter)),
        vec![Command::World(WorldCommand::Purge)]
    );
}

#[test]
fn plus_minus_walk_the_warp_ladder_in_the_simulator_only() {
    let mut a = app();
    assert_eq!(
        a.update(ch('+')),
        vec![Command::World(WorldCommand::SetWarp(2.0))]
    );
    assert_eq!(
        a.update(ch('=')),
        vec![Command::World(WorldCommand::SetWarp(5.0))]
    );
    assert_eq!(
        a.update(ch('-')),
        vec![Command::World(WorldCommand::SetWarp(2.0))]
    );
    a.update(Event::Source(SourceEvent::Warp(200.0)));
    assert_eq!(a.update(ch('+')), vec![], "already at the top");
    let mut l = live_app();
    assert_eq!(l.update(ch('+')), vec![]);
    assert_eq!(l.update(ch('-')), vec![]);
    assert!(
        l.prompt
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("time warp is simulator-only")
    );
}

#[test]
fn space_freezes_the_chart_at_the_current_time() {
    let mut a = app();
    a.update(Event::Tick { now: t(5) });
    a.update(ch(' '));
    assert_eq!(a.queue.frozen_at, Some(t(5)));
    a.update(Event::Tick { now: t(9) });
    assert_eq!(
        a.queue.frozen_at,
        Some(t(5)),
        "the world moves on, the chart does not"
    );
    a.update(ch(' '));
    assert_eq!(a.queue.frozen_at, None);
}

#[test]
fn question_mark_opens_and_closes_help() {
    let mut a = app();
    a.update(ch('?'));
    assert!(a.prompt.show_help);
    assert_eq!(
        a.update(ch('1')),
        vec![],
        "keys under the overlay are inert"
    );
    a.update(key(KeyCode::Esc));
    assert!(!a.prompt.show_help);
    assert!(!a.should_quit(), "Esc closes help first");
    a.update(ch('?'));
    a.update(ch('?'));
    assert!(!a.prompt.show_help);
    a.update(ch('?'));
    a.update(ch('q'));
    assert!(a.should_quit());
}

fn ctrl_c() -> Event {
    Event::Input(TermEvent::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )))
}

#[test]
fn esc_never_quits() {
    // Normal, help, each prompt and question: a double (or triple) tap of Esc never ends the talk.
    for opener in [None, Some('?'), Some('b'), Some('p')] {
        let mut a = app();
        if let Some(c) = opener {
            a.update(ch(c));
        }
        for _ in 0..3 {
            a.update(key(KeyCode::Esc));
            assert!(!a.should_quit(), "Esc after {opener:?}");
        }
        assert_eq!(a.prompt.input, InputMode::Normal, "{opener:?}");
        assert!(!a.prompt.show_help, "{opener:?}");
    }
}

#[test]
fn q_quits_at_once_only_when_nothing_is_going_on() {
    let mut a = app();
    a.update(ch('q'));
    assert!(a.should_quit(), "idle: q quits at once");

    // Each thing going on makes q ask first.
    type Setup = fn(&mut App);
    let cases: [(&str, Setup); 4] = [
        ("burst in progress", |a| {
            a.update(ch('1'));
            a.update(Event::Source(SourceEvent::Send(SendProgress {
                burst: 1,
                size: 10,
                sent: 3,
                failed: 0,
                maybe_resent: 0,
                at: t(1),
                done: false,
                cancelled: false,
                error: None,
            })));
        }),
        ("pods", |a| {
            a.update(Event::Source(SourceEvent::Pods(vec![pod(
                "r-1", "Running", 1, 0,
            )])));
        }),
        ("messages queued", |a| {
            a.update(queue(1, 0, 2));
        }),
        ("trickle on", |a| {
            a.update(ch('t'));
        }),
    ];
    for (name, setup) in cases {
        let mut a = app();
        setup(&mut a);
        a.update(ch('q'));
        assert!(!a.should_quit(), "{name}: q asks first");
        assert_eq!(a.key_context(), KeyContext::ConfirmQuit, "{name}");
        // n and Esc keep going.
        a.update(ch('n'));
        assert!(
            !a.should_quit() && a.prompt.input == InputMode::Normal,
            "{name}"
        );
        a.update(ch('q'));
        a.update(key(KeyCode::Esc));
        assert!(
            !a.should_quit() && a.prompt.input == InputMode::Normal,
            "{name}"
        );
        // y quits; so does Enter.
        a.update(ch('q'));
        a.update(ch('y'));
        assert!(a.should_quit(), "{name}: y quits");
        let mut b = app();
        setup(&mut b);
        b.update(ch('q'));
        b.update(key(KeyCode::Enter));
        assert!(b.should_quit(), "{name}: Enter quits");
        // From the help overlay too, and the question replaces the overlay.
        let mut c = app();
        setup(&mut c);
        c.update(ch('?'));
        c.update(ch('q'));
        assert!(!c.should_quit() && !c.prompt.show_help, "{name}");
        assert_eq!(c.key_context(), KeyContext::ConfirmQuit, "{name}");
    }
    // Back to idle: the queue drained and the pods are gone.
    let mut a = app();
    a.update(queue(1, 5, 0));
    a.update(queue(2, 0, 0));
    a.update(ch('q'));
    assert!(a.should_quit(), "drained: q quits at once");
}

#[test]
fn ctrl_c_quits_at_once_everywhere() {
    for opener in [None, Some('?'), Some('b'), Some('p'), Some('q')] {
        let mut a = app();
        a.update(Event::Source(SourceEvent::Pods(vec![pod(
            "r-1", "Running", 1, 0,
        )])));
        if let Some(c) = opener {
            a.update(ch(c));
        }
        assert!(!a.should_quit(), "{opener:?}");
        a.update(ctrl_c());
        assert!(a.should_quit(), "Ctrl-C after {opener:?}");
    }
}

#[test]
fn arrows_scroll_the_pod_table_within_bounds() {
    let mut a = app();
    let pods = (0..30)
        .map(|i| pod(&format!("p-{i:02}"), "Running", 1, i))
        .collect();
    a.update(Event::Source(SourceEvent::Pods(pods)));
    a.update(key(KeyCode::Up));
    assert_eq!(a.cluster.pod_scroll, 0);
    a.update(key(KeyCode::Down));
    a.update(ch('j'));
    assert_eq!(a.cluster.pod_scroll, 2);
    a.update(ch('k'));
    assert_eq!(a.cluster.pod_scroll, 1);
    a.update(key(KeyCode::PageDown));
    a.update(key(KeyCode::PageDown));
    a.update(key(KeyCode::PageDown));
    assert_eq!(a.cluster.pod_scroll, 29, "clamped to the last row");
    a.update(key(KeyCode::PageUp));
    assert_eq!(a.cluster.pod_scroll, 19);
}

#[test]
fn scrolling_stops_when_the_last_pod_is_on_screen() {
    let mut a = app();
    a.update(Event::Input(TermEvent::Resize(120, 40)));
    let visible = crate::app::layout::pod_rows_visible(120, 40, false);
    assert_eq!(visible, 13, "the pod table at 120×40");
    let pods = (0..30)
        .map(|i| pod(&format!("p-{i:02}"), "Running", 1, i))
        .collect();
    a.update(Event::Source(SourceEvent::Pods(pods)));
    a.update(key(KeyCode::PageDown));
    assert_eq!(a.cluster.pod_scroll, 13, "a page is what fits");
    a.update(key(KeyCode::PageDown));
    assert_eq!(a.cluster.pod_scroll, 30 - 13);
    a.update(key(KeyCode::Up));
    assert_eq!(a.cluster.pod_scroll, 30 - 13 - 1, "↑ moves at once");
}

#[test]
fn unbound_keys_do_nothing() {
    let mut a = app();
    for c in ['x', 'z', '0', '9'] {
        assert_eq!(a.update(ch(c)), vec![]);
    }
    assert!(!a.should_quit());
}

#[test]
fn focus_and_mouse_events_are_ignored() {
    let mut a = app();
    a.take_redraw();
    for e in [TermEvent::FocusGained, TermEvent::FocusLost] {
        assert_eq!(a.update(Event::Input(e)), vec![]);
    }
    assert!(!a.take_redraw());
}

#[test]
fn resize_requests_a_redraw() {
    let mut a = app();
    a.take_redraw();
    a.update(Event::Input(TermEvent::Resize(100, 30)));
    assert!(a.take_redraw());
    assert!(!a.take_redraw());
}

#[test]
fn unchanged_queue_samples_do_not_redraw() {
    let mut a = app();
    a.update(queue(0, 5, 0));
    assert!(a.take_redraw());
    a.update(queue(0, 5, 0));
    assert!(!a.take_redraw(), "same counts");
    a.update(queue(0, 4, 1));
    assert!(a.take_redraw());
}

#[test]
fn ticks_redraw_once_per_second_of_clock() {
    let mut a = app();
    a.take_redraw();
    a.update(Event::Tick {
        now: t(0) + SignedDuration::from_millis(300),
    });
    assert!(!a.take_redraw(), "same second, nothing moved");
    a.update(Event::Tick { now: t(1) });
    assert!(a.take_redraw());
    assert_eq!(a.now, Some(t(1)));
    assert_eq!(a.queue.history.len(), 2);
}

#[test]
fn queue_samples_feed_gauge_chart_rates_and_drain_time() {
    let mut a = app();
    a.update(queue(0, 0, 0));
    a.update(ch('3'));
    a.update(sent(1, 500, 500, true));
    a.update(queue(1, 480, 20));
    assert_eq!(a.depth(), 500);
    assert_eq!(a.queue.rates.sent_total(), 500);
    a.update(Event::Tick { now: t(11) });
    a.update(queue(11, 380, 20));
    assert!(
        (a.rates().drain_per_second - 10.0).abs() < 0.01,
        "{:?}",
        a.rates()
    );
    a.update(Event::Tick { now: t(61) });
    a.update(queue(61, 0, 0));
    let s = a.summary();
    assert_eq!(s.last_drain, Some(SignedDuration::from_secs(60)));
    assert_eq!(s.peak_depth, 500);
    assert_eq!(s.messages_sent, 500);
    assert_eq!(s.bursts, 1);
}

#[test]
fn pods_keep_first_seen_flash_and_sort_newest_first() {
    let mut a = app();
    a.update(Event::Source(SourceEvent::Pods(vec![pod(
        "a", "Running", 1, 0,
    )])));
    a.update(Event::Tick { now: t(10) });
    assert!(
        !a.is_flashing(&a.cluster.pods[0]),
        "flash is over after 1.5 s at warp 1"
    );
    a.update(Event::Source(SourceEvent::Pods(vec![
        pod("a", "Running", 1, 0),
        pod("b", "Pending", 0, 10),
    ])));
    assert_eq!(a.cluster.pods[0].pod.name, "b", "newest first");
    assert!(a.is_flashing(&a.cluster.pods[0]));
    assert!(!a.is_flashing(&a.cluster.pods[1]), "a keeps its first_seen");
    assert_eq!(a.cluster.pods[1].first_seen, t(0));
}

#[test]
fn first_ready_pod_is_timed_from_the_message_that_activated_keda() {
    use crate::event::SendProgress;
    use kedatui_core::model::{ClusterEvent, EventType};
    let send = |burst: u64, sent: u64, at: Timestamp| {
        Event::Source(SourceEvent::Send(SendProgress {
            burst,
            size: if burst == 0 { 0 } else { sent },
            sent,
            failed: 0,
            at,
            done: burst != 0,
            cancelled: false,
            error: None,
            maybe_resent: 0,
        }))
    };
    let mut a = app();
    // The trickle starts at 2 s; KEDA activates on it at its poll at 4 s.
    a.update(Event::Tick { now: t(2) });
    a.update(send(0, 3, t(2)));
    a.update(Event::Tick { now: t(4) });
    a.update(Event::Source(SourceEvent::ClusterEvent(ClusterEvent {
        at: t(4),
        type_: EventType::Normal,
        reason: "KEDAScaleTargetActivated".into(),
        object: "ScaledObject/so".into(),
        message: "Scaled d from 0 to 1".into(),
        source: "keda-operator".into(),
        count: 1,
    })));
    // The burst comes after the activation: it is not what the first pod answers.
    a.update(Event::Tick { now: t(5) });
    a.update(ch('1'));
    a.update(send(1, 10, t(5)));
    a.update(Event::Source(SourceEvent::Pods(vec![pod(
        "a", "Running", 0, 4,
    )])));
    assert_eq!(
        a.summary().first_ready_after_activation,
        None,
        "0/1 is not ready"
    );
    a.update(Event::Tick { now: t(9) });
    a.update(Event::Source(SourceEvent::Pods(vec![pod(
        "a", "Running", 1, 4,
    )])));
    assert_eq!(
        a.summary().first_ready_after_activation,
        Some(SignedDuration::from_secs(7)),
        "from the trickle's first message at 2 s, not the burst at 5 s"
    );
}

#[test]
fn notices_expire_after_about_eight_seconds() {
    let mut a = app();
    a.config.mode = crate::app::Mode::Live;
    a.update(Event::Tick { now: t(0) });
    a.update(ch('+'));
    assert!(
        a.prompt.notice.is_some(),
        "warp is simulator-only in live mode"
    );
    a.update(Event::Tick { now: t(7) });
    assert!(a.prompt.notice.is_some(), "still there after 7 s");
    a.update(Event::Tick { now: t(8) });
    assert!(a.prompt.notice.is_none(), "gone after 8 s");
}

#[test]
fn deployment_tracks_peak_replicas_and_chart() {
    let mut a = app();
    for spec in [1, 4, 8, 3] {
        a.update(Event::Source(SourceEvent::Deployment(DeploymentView {
            name: "d".into(),
            spec_replicas: spec,
            status_replicas: spec,
            ready_replicas: spec.saturating_sub(1),
        })));
    }
    assert_eq!(a.summary().peak_replicas, 8);
    let last = a.queue.history.window(0, i64::MAX).last().copied().unwrap();
    assert_eq!((last.spec_replicas, last.ready_replicas), (3, 2));
}

#[test]
fn scaled_object_and_hpa_are_stored() {
    let mut a = app();
    let so = ScaledObjectView {
        namespace: "ns".into(),
        name: "so".into(),
        target_name: "d".into(),
        queue_name: "q".into(),
        conditions: vec![Condition {
            type_: "Active".into(),
            status: "True".into(),
            reason: "ScalerActive".into(),
            message: String::new(),
        }],
        last_active: Some(t(0)),
        last_poll: Some(t(0)),
        next_poll: Some(t(5)),
        ..demo_scaled_object()
    };
    a.update(Event::Source(SourceEvent::ScaledObject(Box::new(
        so.clone(),
    ))));
    assert_eq!(a.cluster.scaled_object, Some(so));
    let hpa = HpaView {
        name: "keda-hpa-so".into(),
        min_replicas: 1,
        max_replicas: 20,
        current_replicas: 1,
        desired_replicas: 4,
        current_metric: Some(100.0),
        target_average: Some(5.0),
        conditions: vec![],
        last_scale_time: None,
        decision: None,
        last_sync: None,
        next_sync: None,
        tolerance: Default::default(),
    };
    a.update(Event::Source(SourceEvent::Hpa(Some(Box::new(hpa.clone())))));
    assert_eq!(a.cluster.hpa, Some(hpa));
    a.update(Event::Source(SourceEvent::Hpa(None)));
    assert_eq!(a.cluster.hpa, None);
}

#[test]
fn cluster_events_are_newest_first_capped_and_mark_keda_transitions() {
    let mut a = app();
    let ev = |i: i64, reason: &str| {
        Event::Source(SourceEvent::ClusterEvent(ClusterEvent {
            at: t(i),
            type_: EventType::Normal,
            reason: reason.into(),
            object: "ScaledObject/so".into(),
            message: format!("m{i}"),
            source: "keda-operator".into(),
            count: 1,
        }))
    };
    a.update(ev(1, "KEDAScaleTargetActivated"));
    a.update(ev(2, "SuccessfulRescale"));
    a.update(ev(3, "KEDAScaleTargetDeactivated"));
    assert_eq!(a.cluster.events[0].message, "m3");
    let kinds: Vec<_> = a
        .queue
        .history
        .markers(0, i64::MAX)
        .map(|m| m.kind)
        .collect();
    assert_eq!(
        kinds,
        vec![MarkerKind::KedaActivated, MarkerKind::KedaDeactivated]
    );
    for i in 0..(EVENTS_KEPT as i64 + 10) {
        a.update(ev(4 + 2 * i, "Killing"));
    }
    assert_eq!(a.cluster.events.len(), EVENTS_KEPT);
}

#[test]
fn repeated_events_within_a_second_fold_into_one_row() {
    let mut a = app();
    let started = |ms: i64, pod: &str| {
        Event::Source(SourceEvent::ClusterEvent(ClusterEvent {
            at: t(10) + SignedDuration::from_millis(ms),
            type_: EventType::Normal,
            reason: "Started".into(),
            object: format!("Pod/{pod}"),
            message: "Started container receiver".into(),
            source: "kubelet".into(),
            count: 1,
        }))
    };
    for (ms, pod) in [(0, "a"), (300, "b"), (900, "c")] {
        a.update(started(ms, pod));
    }
    assert_eq!(a.cluster.events.len(), 1);
    assert_eq!(a.cluster.events[0].count, 3);
    assert_eq!(a.cluster.events[0].object, "Pod/c");
    a.update(started(3000, "d"));
    assert_eq!(
        a.cluster.events.len(),
        2,
        "more than a second later: a new row"
    );
    // Interleaved reasons still fold.
    for (i, reason) in ["SuccessfulDelete", "Killing", "SuccessfulDelete", "Killing"]
        .into_iter()
        .enumerate()
    {
        a.update(Event::Source(SourceEvent::ClusterEvent(ClusterEvent {
            at: t(20) + SignedDuration::from_millis(10 * i as i64),
            type_: EventType::Normal,
            reason: reason.into(),
            object: "Pod/x".into(),
            message: String::new(),
            source: "kubelet".into(),
            count: 1,
        })));
    }
    assert_eq!(a.cluster.events.len(), 4);
    assert_eq!(
        (a.cluster.events[0].count, a.cluster.events[1].count),
        (2, 2)
    );
}

#[test]
fn send_progress_tracks_bursts_and_trickle_totals() {
    let mut a = app();
    a.update(sent(1, 1000, 400, false));
    assert_eq!(a.sends.active.len(), 1);
    assert_eq!(a.queue.rates.sent_total(), 400);
    a.update(sent(1, 1000, 1000, true));
    assert!(a.sends.active.is_empty());
    assert_eq!(a.sends.last.as_ref().unwrap().sent, 1000);
    assert_eq!(
        a.queue.rates.sent_total(),
        1000,
        "progress is cumulative per burst, not added twice"
    );
    a.update(sent(TRICKLE_BURST, 0, 7, false));
    a.update(sent(TRICKLE_BURST, 0, 12, false));
    assert_eq!(a.queue.rates.sent_total(), 1012);
    assert!(a.sends.active.is_empty(), "the trickle is not a burst");
    let mut failed = SendProgress {
        burst: 2,
        size: 10,
        sent: 0,
        failed: 10,
        at: t(0),
        done: true,
        cancelled: false,
        error: None,
        maybe_resent: 0,
    };
    failed.error = Some(SourceError {
        kind: ErrorKind::Unauthorized,
        message: "401: the SAS key was rejected".into(),
    });
    a.update(Event::Source(SourceEvent::Send(failed)));
    assert!(
        a.prompt
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("burst #2 failed: 401")
    );
}

#[test]
fn purge_progress_counts_removed_messages_once() {
    let mut a = app();
    a.update(queue(0, 0, 0));
    a.update(sent(1, 100, 100, true));
    a.update(queue(1, 100, 0));
    a.update(ch('p'));
    a.update(ch('y'));
    for (removed, done) in [(40, false), (100, true)] {
        a.update(Event::Source(SourceEvent::Purge(PurgeProgress {
            removed,
            at: t(2),
            done,
            error: None,
        })));
    }
    a.update(Event::Tick { now: t(2) });
    a.update(queue(2, 0, 0));
    assert_eq!(
        a.rates().drain_per_second,
        0.0,
        "purged messages were not consumed"
    );
    assert!(a.queue.purge.as_ref().unwrap().done);
}

#[test]
fn consumers_paused_and_health_events() {
    let mut a = app();
    a.update(Event::Source(SourceEvent::ConsumersPaused(true)));
    assert!(a.queue.consumers_paused);
    a.update(Event::Source(SourceEvent::Health {
        source: SourceKind::Queue,
        health: Health::Reconnecting("AMQP link".into()),
    }));
    assert_eq!(
        a.health.get(&SourceKindKey::Queue),
        Some(&Health::Reconnecting("AMQP link".into()))
    );
    a.update(Event::Source(SourceEvent::Health {
        source: SourceKind::Queue,
        health: Health::Connected,
    }));
    assert_eq!(
        a.health.get(&SourceKindKey::Queue),
        Some(&Health::Connected)
    );
}

#[test]
fn key_bar_comes_from_the_key_map() {
    let a = app();
    let normal: Vec<_> = a
        .bindings(KeyContext::Normal)
        .into_iter()
        .filter(|b| b.in_bar)
        .map(|b| b.key_label)
        .collect();
    assert_eq!(
        normal,
        ["1-5", "b", "t", "c", "p", "+/-", "space", "?", "q"]
    );
    let l = live_app();
    let disabled: Vec<_> = l
        .bindings(KeyContext::Normal)
        .into_iter()
        .filter(|b| !b.enabled)
        .map(|b| b.key_label)
        .collect();
    assert_eq!(
        disabled,
        ["c", "+/-"],
        "live mode disables consumers and warp"
    );
}

/// `--lab`: `K`, `B`, `E`, `A` ask the lab for a fault and the echo says which; without the lab
/// (or in the simulator) those keys do nothing.
#[test]
fn lab_fault_keys_only_against_the_lab() {
    use crate::event::LabFault;
    let mut lab = live_app();
    lab.lab = true;
    for (c, fault) in [
        ('K', LabFault::CrashReceiver),
        ('B', LabFault::BrokerDown),
        ('E', LabFault::ApiExpire),
        ('A', LabFault::ApiDown),
    ] {
        assert_eq!(lab.update(ch(c)), vec![Command::LabFault(fault)], "{c}");
    }
    let help: Vec<String> = lab
        .bindings(KeyContext::Normal)
        .into_iter()
        .filter(|b| matches!(b.action, Action::LabFault(_)))
        .map(|b| b.key_label)
        .collect();
    assert_eq!(help, ["K", "B", "E", "A"]);
    // `--lab --kubeconfig`: the API server is not the lab's to take down or compact.
    let mut external = live_app();
    external.lab = true;
    external.lab_external_api = true;
    assert!(external.update(ch('A')).is_empty());
    assert!(external.update(ch('E')).is_empty());
    assert_eq!(
        external.update(ch('K')),
        vec![Command::LabFault(LabFault::CrashReceiver)]
    );
    let help: Vec<String> = external
        .bindings(KeyContext::Normal)
        .into_iter()
        .filter(|b| matches!(b.action, Action::LabFault(_)))
        .map(|b| b.key_label)
        .collect();
    assert_eq!(help, ["K", "B"]);
    let mut live = live_app();
    assert!(live.update(ch('K')).is_empty());
    let mut sim = app();
    sim.lab = true;
    assert!(sim.update(ch('K')).is_empty());
}

fn keda_activated(at: Timestamp) -> Event {
    use kedatui_core::model::ClusterEvent;
    Event::Source(SourceEvent::ClusterEvent(ClusterEvent {
        at,
        type_: EventType::Normal,
        reason: "KEDAScaleTargetActivated".into(),
        object: "ScaledObject/so".into(),
        message: "Scaled d from 0 to 1".into(),
        source: "keda-operator".into(),
        count: 1,
    }))
}

fn sent_at(burst: u64, size: u64, sent: u64, at: Timestamp) -> Event {
    Event::Source(SourceEvent::Send(SendProgress {
        burst,
        size,
        sent,
        failed: 0,
        at,
        done: sent == size,
        cancelled: false,
        error: None,
        maybe_resent: 0,
    }))
}

/// #18.12: the pod's creationTimestamp has whole seconds, so it reads just before the
/// sub-second message that activated KEDA; it is still the pod that answered it.
#[test]
fn first_ready_pod_created_in_the_same_second_as_the_message_counts() {
    let ms = |m: i64| t(0) + SignedDuration::from_millis(m);
    let mut a = live_app();
    a.update(Event::Tick { now: ms(10_700) });
    a.update(sent_at(1, 10, 10, ms(10_700)));
    a.update(keda_activated(t(11)));
    // Created at 10.9 s, reported as 10 s.
    a.update(Event::Source(SourceEvent::Pods(vec![pod(
        "a", "Running", 0, 10,
    )])));
    a.update(Event::Tick { now: ms(14_200) });
    a.update(Event::Source(SourceEvent::Pods(vec![pod(
        "a", "Running", 1, 10,
    )])));
    assert_eq!(
        a.summary().first_ready_after_activation,
        Some(SignedDuration::from_millis(3500)),
        "the pod of 10 s answered the message at 10.7 s"
    );
}

/// #19.4: KEDA's events of a rehearsal shortly before are listed at start-up; only an
/// activation during this run counts, and a ScaledObject already active when first seen did not
/// activate for this run either.
#[test]
fn first_ready_pod_ignores_activations_from_before_the_run() {
    let mut a = live_app();
    a.update(Event::Tick { now: t(100) });
    // Listed at start: KEDA activated 30 min ago, and is still active from then.
    a.update(keda_activated(t(-1800)));
    let so = |active: bool| {
        Event::Source(SourceEvent::ScaledObject(Box::new(ScaledObjectView {
            namespace: "ns".into(),
            name: "so".into(),
            target_name: "d".into(),
            queue_name: "q".into(),
            cooldown_period: SignedDuration::from_secs(300),
            conditions: vec![Condition {
                type_: "Active".into(),
                status: if active { "True" } else { "False" }.into(),
                reason: String::new(),
                message: String::new(),
            }],
            ..demo_scaled_object()
        })))
    };
    a.update(so(true));
    a.update(Event::Tick { now: t(101) });
    a.update(Event::Source(SourceEvent::Pods(vec![pod(
        "old", "Running", 1, -1700,
    )])));
    assert_eq!(
        a.summary().first_ready_after_activation,
        None,
        "nothing activated during this run"
    );
    // The cooldown ends, then a burst activates KEDA again, during the run.
    a.update(so(false));
    a.update(Event::Source(SourceEvent::Pods(vec![])));
    a.update(Event::Tick { now: t(200) });
    a.update(sent_at(1, 10, 10, t(200)));
    a.update(keda_activated(t(203)));
    a.update(so(true));
    a.update(Event::Tick { now: t(205) });
    a.update(Event::Source(SourceEvent::Pods(vec![pod(
        "new", "Running", 1, 203,
    )])));
    assert_eq!(
        a.summary().first_ready_after_activation,
        Some(SignedDuration::from_secs(5)),
        "from the burst at 200 s, not from the listed event"
    );
}

/// #18.11: bursts sent from another terminal: the counts alone say how fast the queue drains.
#[test]
fn drain_and_empty_in_follow_the_counts_whoever_sent() {
    let mut a = live_app();
    a.update(queue(0, 0, 0));
    a.update(Event::Tick { now: t(1) });
    a.update(queue(1, 200, 0));
    for s in 2..=11 {
        a.update(Event::Tick { now: t(s) });
        a.update(queue(s, 200 - 10 * (s as u64 - 1), 0));
    }
    let rates = a.rates();
    assert!((rates.drain_per_second - 10.0).abs() < 0.01, "{rates:?}");
    assert_eq!(rates.time_to_empty, Some(SignedDuration::from_secs(10)));
    assert_eq!(
        a.summary().messages_sent,
        0,
        "the console sent none of them"
    );
}

/// #19.10: a 1 M burst takes seconds to go out; meanwhile `send` is its rate, not `0/s`.
#[test]
fn send_rate_counts_a_burst_while_it_is_going_out() {
    let ms = |m: i64| t(0) + SignedDuration::from_millis(m);
    let mut a = live_app();
    a.update(queue(0, 0, 0));
    a.update(ch('b'));
    for c in "1m".chars() {
        a.update(ch(c));
    }
    a.update(key(KeyCode::Enter));
    for i in 1..=20 {
        a.update(Event::Tick { now: ms(100 * i) });
        a.update(sent_at(1, 1_000_000, 17_000 * i as u64, ms(100 * i)));
    }
    let rate = a.rates().send_per_second;
    assert!((rate - 170_000.0).abs() < 2_000.0, "{rate}");
    // Done: the burst is a count and a duration again.
    a.update(sent_at(1, 1_000_000, 1_000_000, ms(2100)));
    assert_eq!(a.rates().send_per_second, 0.0);
}

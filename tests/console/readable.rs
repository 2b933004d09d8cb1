//! Issue #12, "Readable at a glance, from the back row": each item checked on the screens a
//! speaker shows, at 80×24 and 120×40, in the default and presenter themes. States come from the
//! real simulator driven frame by frame (sans-IO `SimDriver`) or from events fed through
//! `App::update` as the live sources send them.

use std::time::Duration;

use crate::support as common;

use common::screen::{key, render, rows};

use crossterm::event::Event as TermEvent;
use jiff::Timestamp;
use kedatui::app::{App, AppConfig, Mode};
use kedatui::event::{Event, Health, SendProgress, SourceEvent, SourceKind};
use kedatui::presenter::ThemeKind;
use kedatui::source::sim::SimDriver;
use kedatui::ui::Panels;
use kedatui_core::model::{QueueCounts, QueueSample};
use kedatui_core::sim::{SimConfig, World};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

const T0: i64 = 1_790_000_000; // 2026-09-21 14:13:20 UTC
const FRAME_MS: u64 = 100;
const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];
const THEMES: [ThemeKind; 2] = [ThemeKind::Default, ThemeKind::Presenter];

fn t0() -> Timestamp {
    Timestamp::from_second(T0).unwrap()
}

/// Every screen of the matrix: (width, height, theme, rows, buffer).
fn screens(app: &mut App) -> Vec<(u16, u16, ThemeKind, Vec<String>, Buffer)> {
    let mut out = Vec::new();
    for (w, h) in SIZES {
        for theme in THEMES {
            app.presenter.theme = theme;
            app.update(Event::Input(TermEvent::Resize(w, h)));
            let buf = render(app, w, h);
            out.push((w, h, theme, rows(&buf), buf));
        }
    }
    app.presenter.theme = ThemeKind::Default;
    out
}

/// The text of a rectangle of the screen, row by row (trailing spaces trimmed).
fn region(rows: &[String], x: usize, y: usize, w: usize, h: usize) -> Vec<String> {
    rows[y..y + h]
        .iter()
        .map(|r| {
            r.chars()
                .skip(x)
                .take(w)
                .collect::<String>()
                .trim_end()
                .to_owned()
        })
        .collect()
}

/// A simulator run at warp ×10 on the demo settings, driven frame by frame.
struct Run {
    app: App,
    driver: SimDriver,
    ms: u64,
}

impl Run {
    fn new(config: SimConfig) -> Self {
        let world = World::new(config, 7, t0());
        let driver = SimDriver::new(world, 10.0);
        let mut run = Run {
            app: App::new(AppConfig {
                warp: 10.0,
                ..AppConfig::default()
            }),
            driver,
            ms: 0,
        };
        for e in run.driver.start() {
            run.apply(e);
        }
        run
    }

    fn apply(&mut self, event: Event) {
        let mut pending = vec![event];
        while let Some(event) = pending.pop() {
            for command in self.app.update(event) {
                pending.extend(self.driver.apply_console(command).into_iter().rev());
            }
        }
    }

    /// Advance `ms` of wall time (×10 virtual) in frames.
    fn wall(&mut self, ms: u64) {
        for _ in 0..ms / FRAME_MS {
            self.ms += FRAME_MS;
            for e in self.driver.advance(Duration::from_millis(FRAME_MS)) {
                self.apply(e);
            }
        }
    }

    /// Advance frame by frame until `done` holds (at most `max_ms` of wall time).
    fn until(&mut self, max_ms: u64, done: impl Fn(&App) -> bool) {
        let end = self.ms + max_ms;
        while !done(&self.app) {
            assert!(self.ms < end, "condition not reached in {max_ms} ms");
            self.wall(FRAME_MS);
        }
    }

    fn press(&mut self, c: char) {
        self.apply(key(c));
    }
}

fn panel(rows: &[String], w: u16, h: u16, pick: impl Fn(&Panels) -> Rect) -> Vec<String> {
    let r = pick(&kedatui::ui::panels(Rect::new(0, 0, w, h), false));
    region(
        rows,
        usize::from(r.x),
        usize::from(r.y),
        usize::from(r.width),
        usize::from(r.height),
    )
}

/// A panel's text as one string: rows joined, borders and continuation indents dropped.
fn joined(rows: &[String]) -> String {
    rows.iter()
        .map(|r| r.trim_matches(|c| c == '│' || c == ' '))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The demo run after pressing `3` (500 messages), once the Deployment is at 16.
fn scaled_out() -> Run {
    let mut run = Run::new(SimConfig::demo());
    run.wall(200);
    run.press('3');
    run.until(20_000, |a| a.deployment_spec() == Some(16));
    run.wall(300);
    run
}

fn live_app() -> App {
    let mut app = App::new(AppConfig {
        mode: Mode::Live,
        ..AppConfig::default()
    });
    app.update(Event::Tick { now: t0() });
    for source in [SourceKind::Queue, SourceKind::Cluster] {
        app.update(Event::Source(SourceEvent::Health {
            source,
            health: Health::Connected,
        }));
    }
    app
}

/// Item 1: start-up events once each (not doubled by the snapshot and the first step), and
/// folded as kubectl does: two KEDAScalersStarted with different messages stay two rows.
#[test]
fn startup_events_are_shown_once_and_folded_like_kubectl() {
    let mut run = Run::new(SimConfig::demo());
    run.wall(100);
    for (w, h, theme, rows, _) in screens(&mut run.app) {
        let events = joined(&panel(&rows, w, h, |p| p.events));
        let at = format!("{w}×{h} {theme:?}: {events}");
        assert_eq!(events.matches("KEDAScalersStarted").count(), 2, "{at}");
        assert_eq!(events.matches("ScaledObjectReady").count(), 1, "{at}");
        assert!(!events.contains('×'), "nothing repeated: {at}");
        assert!(events.contains("Started scalers watch"), "{at}");
        if h >= 40 {
            assert!(events.contains("Scaler azure-servicebus is built"), "{at}");
        }
    }
    // One-per-pod events of a scale-out still fold, so KEDA's and the HPA's stay in view.
    let mut run = scaled_out();
    for (w, h, theme, rows, _) in screens(&mut run.app) {
        let events = joined(&panel(&rows, w, h, |p| p.events));
        assert!(events.contains("Started ×8"), "{w}×{h} {theme:?}: {events}");
    }
}

/// Item 2: two panes, each titled with its unit, round ticks, and a legend that fits 80×24.
#[test]
fn chart_panes_have_titles_units_round_ticks_and_a_legend() {
    let mut run = scaled_out();
    for (w, h, theme, rows, _) in screens(&mut run.app) {
        let chart = panel(&rows, w, h, |p| p.chart);
        let at = format!("{w}×{h} {theme:?}:\n{}", chart.join("\n"));
        let text = chart.join("\n");
        assert!(chart[0].contains("Queue depth (messages)"), "{at}");
        let spec = if theme == ThemeKind::Presenter {
            "• spec"
        } else {
            "━ spec"
        };
        let rule = chart
            .iter()
            .position(|r| r.contains("Replicas (pods)"))
            .unwrap_or_else(|| panic!("no replicas pane title: {at}"));
        assert!(
            chart[rule].contains(spec) && chart[rule].contains("━ ready"),
            "{at}"
        );
        let bottom = chart.last().unwrap();
        for legend in ["burst", "KEDA on", "KEDA off"] {
            assert!(bottom.contains(legend), "{legend}: {at}");
        }
        // The y labels: the numbers left of each pane's axis.
        let labels = |rows: &[String]| -> Vec<String> {
            rows.iter()
                .filter_map(|r| {
                    let inner = r.strip_prefix('│')?;
                    let (label, _) = inner.split_once('│')?;
                    let label = label.trim();
                    let numeric =
                        !label.is_empty() && label.chars().all(|c| c.is_ascii_digit() || c == ' ');
                    numeric.then(|| label.to_owned())
                })
                .collect()
        };
        let (top, bottom_pane) = chart[1..chart.len() - 1].split_at(rule - 1);
        let (depth, replicas) = (labels(top), labels(&bottom_pane[1..]));
        let (want_depth, want_replicas): (&[&str], &[&str]) = if h >= 40 {
            (&["600", "0"], &["20", "10", "0"])
        } else {
            (&["600", "0"], &["20", "0"])
        };
        assert_eq!(depth, want_depth, "{at}");
        assert_eq!(replicas, want_replicas, "{at}");
        assert!(!text.contains("K┐"), "{at}");
    }
}

/// Item 3: "Scaling: why" says what each controller saw at its last decision and when, so a
/// burst that lands between two polls does not sit beside the poll's "inactive".
#[test]
fn scaling_why_shows_what_each_controller_saw_and_when() {
    let mut run = Run::new(SimConfig::demo());
    // KEDA polled an empty queue at 0 s; the burst lands at 3 s, its next poll is at 5 s.
    run.wall(300);
    run.press('3');
    run.wall(100);
    assert_eq!(run.app.depth_active(), 500);
    for (w, h, theme, rows, _) in screens(&mut run.app) {
        let why = joined(&panel(&rows, w, h, |p| p.scaling));
        let at = format!("{w}×{h} {theme:?}: {why}");
        assert!(why.contains("inactive"), "{at}");
        assert!(why.contains("ago:") && why.contains("0 ≤ 0"), "{at}");
        assert!(
            !why.contains("500"),
            "today's queue is not the poll's: {at}"
        );
        assert!(why.contains("HPA") && why.contains("ago"), "{at}");
    }
    // KEDA has scaled 0 → 1 but the HPA has not synced since: it says it saw the target at 0.
    run.until(10_000, |a| a.deployment_spec() == Some(1));
    for (w, h, theme, rows, _) in screens(&mut run.app) {
        let why = panel(&rows, w, h, |p| p.scaling);
        let text = joined(&why);
        let at = format!("{w}×{h} {theme:?}: {text}");
        assert!(
            text.contains("queue 500 > 0") || text.contains("500 > 0"),
            "{at}"
        );
        let hpa = why.iter().find(|r| r.contains("HPA")).expect(&at);
        assert!(
            hpa.contains("ago"),
            "the HPA line says when it synced: {at}"
        );
        assert!(!text.contains("desired 0"), "{at}");
    }
}

/// Item 4: no text cut before its point: KEDA's and the HPA's events without boilerplate and
/// wrapped, and a Service Bus error with its cause first.
#[test]
fn event_and_error_texts_keep_their_point() {
    let mut run = Run::new(SimConfig::demo());
    run.wall(200);
    run.press('3');
    // KEDA's activation, then the HPA's first rescale, each the moment it happens.
    run.until(10_000, |a| a.deployment_spec() == Some(1));
    for (w, h, theme, rows, _) in screens(&mut run.app) {
        let events = joined(&panel(&rows, w, h, |p| p.events));
        let at = format!("{w}×{h} {theme:?}: {events}");
        assert!(events.contains("KEDAScaleTargetActivated"), "{at}");
        assert!(!events.contains("apps/v1."), "{at}");
        // The newest rows get the room; at 80×24 the third event's text is cut at the bottom.
        assert!(events.contains("Scaled kedasbreceiver"), "{at}");
        if h >= 40 {
            assert!(
                events.contains("Scaled kedasbreceiver from 0 to 1, triggered by"),
                "{at}"
            );
        }
    }
    run.until(30_000, |a| a.deployment_spec() == Some(4));
    for (w, h, theme, rows, _) in screens(&mut run.app) {
        let events = joined(&panel(&rows, w, h, |p| p.events));
        let at = format!("{w}×{h} {theme:?}: {events}");
        assert!(!events.contains("LabelSelector"), "{at}");
        assert!(
            events.contains("SuccessfulRescale New size: 4; reason:"),
            "{at}"
        );
        if h >= 40 {
            assert!(
                events.contains("reason: s0-azure-servicebus-kedaqueue above target"),
                "{at}"
            );
        }
    }
    // A real count read against a closed port: the header says why before where.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let connection = kedatui_servicebus::connection::parse(&format!(
        "Endpoint=sb://127.0.0.1:{port};SharedAccessKeyName=k;SharedAccessKey=a2V5;UseDevelopmentEmulator=true"
    ))
    .unwrap();
    let url = format!("http://127.0.0.1:{port}/").parse().unwrap();
    let probe =
        kedatui_core::servicebus::counts::CountProbe::new(connection, &url, "kedaqueue").unwrap();
    let err = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(probe.read())
        .unwrap_err();
    let mut app = live_app();
    app.update(Event::Source(SourceEvent::Health {
        source: SourceKind::Queue,
        health: Health::Down(err),
    }));
    for (w, h, theme, rows, _) in screens(&mut app) {
        assert!(
            rows[1].contains("Service Bus down: counts cannot connect"),
            "{w}×{h} {theme:?}: {}",
            rows[1]
        );
    }
}

/// Item 5: at 80×24 no heading goes, and the key bar drops disabled keys before enabled ones.
#[test]
fn headings_stay_and_the_key_bar_drops_disabled_keys_first() {
    let mut run = scaled_out();
    for (w, h, theme, rows, _) in screens(&mut run.app) {
        let why = panel(&rows, w, h, |p| p.scaling);
        let at = format!("{w}×{h} {theme:?}:\n{}", why.join("\n"));
        for heading in ["│KEDA ", "│HPA ", "│Pods "] {
            assert!(
                why.iter().any(|r| r.starts_with(heading)),
                "{heading}: {at}"
            );
        }
        let bar = rows.last().unwrap();
        for k in [" 1-5 ", " t ", " c ", " p ", " +/- ", " ? ", " q "] {
            assert!(
                bar.contains(k),
                "{w}×{h} {theme:?}: {k} missing from {bar:?}"
            );
        }
    }
    let mut app = live_app();
    for (w, h, theme, rows, _) in screens(&mut app) {
        let bar = rows.last().unwrap();
        let at = format!("{w}×{h} {theme:?}: {bar:?}");
        for k in [" 1-5 ", " t ", " s ", " p ", " ? ", " q "] {
            assert!(bar.contains(k), "enabled {k} shown: {at}");
        }
        for k in [" c ", " +/- "] {
            assert!(!bar.contains(k), "disabled {k} dropped first: {at}");
        }
    }
}

/// Item 6: a burst is a count and a duration, not a rate; a notice gives the keys back.
#[test]
fn bursts_read_as_a_count_and_notices_expire() {
    let mut app = live_app();
    let at = |ms: i64| t0() + jiff::SignedDuration::from_millis(ms);
    let progress = |sent: u64, ms: i64, done: bool| {
        Event::Source(SourceEvent::Send(SendProgress {
            burst: 1,
            size: 500,
            sent,
            failed: 0,
            at: at(ms),
            done,
            cancelled: false,
            error: None,
            maybe_resent: 0,
        }))
    };
    let queue = |ms: i64, active: u64| {
        Event::Source(SourceEvent::Queue(QueueSample {
            at: at(ms),
            counts: QueueCounts {
                active,
                in_flight: None,
                dead_letter: 0,
                scheduled: 0,
                total: Some(active),
            },
        }))
    };
    app.update(queue(0, 0));
    app.update(key('3'));
    app.update(progress(0, 1000, false));
    app.update(progress(200, 1020, false));
    app.update(progress(500, 1040, true));
    app.update(Event::Tick { now: at(2000) });
    app.update(queue(2000, 500));
    for (w, h, theme, rows, _) in screens(&mut app) {
        let gauge = joined(&panel(&rows, w, h, |p| p.gauge));
        let at = format!("{w}×{h} {theme:?}: {gauge}");
        assert!(gauge.contains("burst #1: 500 sent in 40 ms"), "{at}");
        if h >= 40 {
            assert!(gauge.contains("send 0/s"), "not spread as a rate: {at}");
        }
    }
    // A notice (here: a simulator-only key in live mode) holds the bar for ~8 s, no longer.
    app.update(key('+'));
    for (w, h, theme, rows, _) in screens(&mut app) {
        assert!(
            rows.last().unwrap().contains("simulator-only"),
            "{w}×{h} {theme:?}"
        );
    }
    app.update(Event::Tick { now: at(10_100) });
    for (w, h, theme, rows, _) in screens(&mut app) {
        let bar = rows.last().unwrap();
        assert!(
            !bar.contains("simulator-only") && bar.contains(" 1-5 "),
            "{w}×{h} {theme:?}: {bar}"
        );
    }
}

/// Item 6: "first Ready pod" counts from the message that made KEDA activate: here the
/// trickle's, long before the burst.
#[test]
fn first_ready_pod_counts_from_the_message_that_activated_keda() {
    let mut run = Run::new(SimConfig::demo());
    run.wall(100);
    run.press('t');
    run.until(10_000, |a| {
        a.cluster
            .pods
            .iter()
            .any(|p| p.pod.status == "Running" && p.pod.ready_containers == 1)
    });
    run.press('3');
    run.wall(200);
    let summary = run.app.summary();
    let first = summary.first_ready_after_activation.expect("a Ready pod");
    // Poll at 5 s, then ~3.5 s of pod start-up: never the 0.1 s since the burst.
    assert!(first >= jiff::SignedDuration::from_secs(3), "{first:?}");
    assert!(
        summary
            .to_string()
            .contains("after the message that activated KEDA"),
        "{summary}"
    );
}

/// Item 7: the SVG snapshot looks like the screen: rendered to PNG by librsvg, the colour at
/// sampled points of each cell (backgrounds, seams between cells, box-drawing lines, blocks,
/// braille dots) is the buffer's.
#[test]
fn svg_snapshots_look_like_the_screen() {
    ensure_rsvg_convert();
    let mut run = scaled_out();
    let dir = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for (w, h) in SIZES {
        for theme in [ThemeKind::Default, ThemeKind::Presenter, ThemeKind::Light] {
            run.app.presenter.theme = theme;
            let buf = render(&run.app, w, h);
            let svg = kedatui::presenter::snapshot::to_svg(&buf);
            let svg_path = dir.path().join(format!("{w}x{h}-{theme:?}.svg"));
            let png_path = svg_path.with_extension("png");
            std::fs::write(&svg_path, svg).unwrap();
            let status = std::process::Command::new("rsvg-convert")
                .arg("-o")
                .arg(&png_path)
                .arg(&svg_path)
                .status()
                .unwrap();
            assert!(status.success());
            if let Ok(keep) = std::env::var("KEEP_PNG") {
                std::fs::copy(&png_path, format!("{keep}/{w}x{h}-{theme:?}.png")).unwrap();
            }
            let image = Png::read(&png_path);
            checked += check_cells(&buf, &image, &format!("{w}×{h} {theme:?}"));
        }
    }
    assert!(checked > 10_000, "{checked} points");
}

use kedatui::presenter::snapshot::{CELL_H, CELL_W, MARGIN, braille_dot, cell_colors};

struct Png {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
}

impl Png {
    fn read(path: &std::path::Path) -> Png {
        let decoder =
            png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut data = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut data).unwrap();
        assert_eq!(info.bit_depth, png::BitDepth::Eight);
        let channels = info.color_type.samples();
        let rgb = data[..info.buffer_size()]
            .chunks(channels)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect();
        Png {
            width: info.width,
            height: info.height,
            rgb,
        }
    }

    fn at(&self, x: u32, y: u32) -> (u8, u8, u8) {
        let i = ((y * self.width + x) * 3) as usize;
        (self.rgb[i], self.rgb[i + 1], self.rgb[i + 2])
    }
}

/// Compare the PNG with the buffer at points whose colour is certain: the middle of a blank
/// cell and the boundary with a blank neighbour of the same background (no seams), the middle
/// of a full block or a line, and each braille dot. Returns how many points were checked.
fn check_cells(buf: &Buffer, image: &Png, what: &str) -> usize {
    let area = buf.area;
    assert_eq!(
        image.width,
        u32::from(area.width) * CELL_W + 2 * MARGIN,
        "{what}"
    );
    assert_eq!(
        image.height,
        u32::from(area.height) * CELL_H + 2 * MARGIN,
        "{what}"
    );
    let mut checked = 0;
    let mut expect = |x: u32, y: u32, want: (u8, u8, u8), cell: (u16, u16), why: &str| {
        let got = image.at(x, y);
        let close = |a: u8, b: u8| a.abs_diff(b) <= 2;
        assert!(
            close(got.0, want.0) && close(got.1, want.1) && close(got.2, want.2),
            "{what}: cell {cell:?} {why} {:?}: pixel ({x}, {y}) is {got:?}, the buffer says {want:?}",
            buf[cell].symbol()
        );
        checked += 1;
    };
    for cy in area.top()..area.bottom() {
        for cx in area.left()..area.right() {
            let cell = &buf[(cx, cy)];
            let (fg, bg) = cell_colors(cell.style());
            let (x0, y0) = (
                MARGIN + u32::from(cx) * CELL_W,
                MARGIN + u32::from(cy) * CELL_H,
            );
            let (mx, my) = (x0 + CELL_W / 2, y0 + CELL_H / 2);
            let c = cell.symbol().chars().next().unwrap_or(' ');
            match c {
                ' ' => {
                    expect(mx, my, bg, (cx, cy), "background");
                    let next = (cx + 1 < area.right()).then(|| &buf[(cx + 1, cy)]);
                    if let Some(n) = next
                        && n.symbol() == " "
                        && cell_colors(n.style()).1 == bg
                    {
                        expect(x0 + CELL_W, my, bg, (cx, cy), "seam");
                    }
                }
                '█' | '─' | '│' | '━' | '┌' | '┐' | '└' | '┘' => {
                    expect(mx, my, fg, (cx, cy), "shape")
                }
                '\u{2800}'..='\u{28ff}' => {
                    let bits = (c as u32 - 0x2800) as u8;
                    for dot in 0..8 {
                        let (dx, dy, size) = braille_dot(dot);
                        let want = if bits & (1 << dot) != 0 { fg } else { bg };
                        expect(
                            x0 + dx + size / 2,
                            y0 + dy + size / 2,
                            want,
                            (cx, cy),
                            "dot",
                        );
                    }
                }
                _ => {}
            }
        }
    }
    // A margin around the screen, in the colour of most of the screen.
    let mut counts = std::collections::HashMap::new();
    for cy in area.top()..area.bottom() {
        for cx in area.left()..area.right() {
            *counts
                .entry(cell_colors(buf[(cx, cy)].style()).1)
                .or_insert(0) += 1;
        }
    }
    let page = counts.into_iter().max_by_key(|&(c, n)| (n, c)).unwrap().0;
    for (x, y) in [(1, 1), (image.width - 2, image.height - 2)] {
        expect(x, y, page, (0, 0), "margin");
    }
    checked
}

/// rsvg-convert (Debian's librsvg2-bin) renders the SVG as a browser would; install it if
/// this machine lacks it.
fn ensure_rsvg_convert() {
    let present = || {
        std::process::Command::new("rsvg-convert")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if present() {
        return;
    }
    let apt = |args: &[&str]| {
        std::process::Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|s| s.success())
    };
    let _ = apt(&["update", "-qq"]);
    assert!(
        apt(&["install", "-y", "-qq", "librsvg2-bin"]) && present(),
        "rsvg-convert is needed to check SVG snapshots: apt-get install librsvg2-bin"
    );
}

#[test]
fn show_screens() {
    if std::env::var("SHOW").is_err() {
        return;
    }
    let mut run = Run::new(SimConfig::demo());
    run.wall(200);
    for (_, _, _, rows, _) in screens(&mut run.app).into_iter().step_by(2) {
        println!("{}", rows.join("\n"));
    }
    run.press('3');
    run.wall(250);
    for (_, _, _, rows, _) in screens(&mut run.app).into_iter().step_by(2) {
        println!("{}", rows.join("\n"));
    }
    run.until(20_000, |a| a.deployment_spec() == Some(16));
    run.wall(300);
    for (_, _, _, rows, _) in screens(&mut run.app).into_iter().step_by(2) {
        println!("{}", rows.join("\n"));
    }
}

/// The demo cycle on the simulator: `3` (500 messages) on the demo settings, from the key press
/// to the most replicas and back to 0, in virtual time.
fn demo_cycle() -> (jiff::SignedDuration, jiff::SignedDuration, u32) {
    let mut world = World::new(SimConfig::demo(), 7, t0());
    world.step(jiff::SignedDuration::from_secs(1));
    world.send(500);
    let sent = world.now();
    let (mut peak, mut peak_at) = (0, sent);
    loop {
        world.step(jiff::SignedDuration::from_millis(100));
        let spec = world.deployment().spec_replicas;
        if spec > peak {
            (peak, peak_at) = (spec, world.now());
        }
        if peak > 0 && spec == 0 {
            return (
                peak_at.duration_since(sent),
                world.now().duration_since(sent),
                peak,
            );
        }
        assert!(world.now().duration_since(sent).as_secs() < 3600);
    }
}

/// Item 8: the pace table (docs/console.md) is the simulator's own numbers: each warp's wall time for
/// the whole cycle and between the HPA's decisions.
#[test]
fn the_pace_table_matches_the_simulator() {
    use kedatui::format::short_duration;
    let (to_peak, total, peak) = demo_cycle();
    assert_eq!(peak, 20, "the demo cycle reaches maxReplicaCount");
    let sync = SimConfig::demo().hpa_sync_period;
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/console.md")).unwrap();
    let wall = |d: jiff::SignedDuration, warp: f64| {
        short_duration(jiff::SignedDuration::from_secs_f64(d.as_secs_f64() / warp))
    };
    let rows: Vec<String> = [1.0, 2.0, 5.0, 10.0, 20.0]
        .into_iter()
        .map(|warp| {
            format!(
                "| ×{warp} | {} | {} | {} |",
                wall(to_peak, warp),
                wall(total, warp),
                wall(sync, warp)
            )
        })
        .collect();
    for row in &rows {
        assert!(
            readme.contains(row),
            "docs/console.md lacks {row:?}; the rows:\n{}",
            rows.join("\n")
        );
    }
}

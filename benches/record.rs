//! Recording costs the event loop one serialisation per event (the writer is buffered), and a
//! theme costs one pass over the frame. Measured on what a simulator run really sends: ten
//! minutes at warp ×10 with bursts, recorded, then read back and replayed.
//! Targets: recording ≤ 20 µs per event on average; loading ≥ 50 000 events/s; the theme
//! pass ≤ 0.2 ms per 120×40 frame. Figures: docs/console.md, "Presenter features".

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;
use kedatui::app::{App, AppConfig};
use kedatui::event::Event;
use kedatui::presenter::ThemeKind;
use kedatui::record::{self, Recorder};
use kedatui::source::sim::SimDriver;
use kedatui_core::sim::{SimConfig, World};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

/// Every event a 60 s (600 s virtual) run sends, in order.
fn run_events() -> Vec<(u64, Event)> {
    let world = World::new(
        SimConfig::demo(),
        7,
        Timestamp::from_second(1_790_000_000).unwrap(),
    );
    let mut driver = SimDriver::new(world, 10.0);
    let mut app = App::new(AppConfig::default());
    let mut out: Vec<(u64, Event)> = driver.start().into_iter().map(|e| (0, e)).collect();
    for frame in 1..=600u64 {
        let ms = frame * 100;
        let mut events = driver.advance(Duration::from_millis(100));
        if frame % 150 == 0 {
            events.push(Event::Input(TermEvent::Key(KeyEvent::new(
                KeyCode::Char('4'),
                KeyModifiers::NONE,
            ))));
        }
        for e in events {
            for command in app.update(e.clone()) {
                out.extend(driver.apply_console(command).into_iter().map(|e| (ms, e)));
            }
            out.push((ms, e));
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let events = run_events();
    let config = AppConfig::default();
    let start = Timestamp::from_second(1_790_000_000).unwrap();
    let record_all = || {
        let mut rec = Recorder::new(Vec::with_capacity(1 << 20), &config, start).unwrap();
        for (ms, e) in &events {
            rec.record_at(Duration::from_millis(*ms), e);
        }
        rec.finish().unwrap()
    };
    let bytes = record_all();
    eprintln!(
        "recording of a 60 s run at ×10: {} events, {} bytes ({} bytes/event)",
        events.len(),
        bytes.len(),
        bytes.len() / events.len()
    );

    let mut group = c.benchmark_group("record");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("write a 60 s run", |b| b.iter(|| black_box(record_all())));
    group.bench_function("load a 60 s run", |b| {
        b.iter(|| black_box(record::parse(&bytes).unwrap()))
    });
    group.finish();

    let recording = record::parse(&bytes).unwrap();
    let mut app = App::new(recording.header.config.app_config());
    app.update(Event::Input(TermEvent::Resize(120, 40)));
    for entry in recording.entries {
        app.update(entry.event);
    }
    let area = Rect::new(0, 0, 120, 40);
    let mut group = c.benchmark_group("theme");
    for theme in [ThemeKind::Default, ThemeKind::Presenter] {
        app.presenter.theme = theme;
        group.bench_function(format!("frame 120x40 {theme:?}"), |b| {
            let mut buf = Buffer::empty(area);
            b.iter(|| {
                buf.reset();
                (&app).render(area, &mut buf);
                black_box(&buf);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

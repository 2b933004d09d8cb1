//! The queue: active, in flight, dead-lettered; total sent; send and drain rates; time to empty.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use super::theme;
use crate::app::App;
use crate::app::stale::Freshness;
use crate::format::{group_thousands, rate, short_duration};

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let block = Block::new().borders(Borders::ALL).title(Span::styled(
        format!(" Queue {} ", app.config.queue),
        theme::title(),
    ));
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 {
        return;
    }
    let counts = app
        .queue
        .sample
        .as_ref()
        .map(|q| q.counts.clone())
        .unwrap_or_default();
    let in_flight = counts.in_flight;
    // A count nobody read is `—`; the last one read while the source is away is dimmed and
    // says how old it is (the rates below turn to `—` too).
    let freshness = app.queue_freshness();
    let count = |n: Option<u64>, style: Style| match &freshness {
        Freshness::Unknown { .. } => Span::styled("—", theme::dim()),
        Freshness::Stale { .. } => Span::styled(
            n.map_or_else(|| "n/a".to_owned(), group_thousands),
            theme::dim(),
        ),
        Freshness::Live => Span::styled(n.map_or_else(|| "n/a".to_owned(), group_thousands), style),
    };
    let labelled = |label: &str, value: Span<'static>| {
        vec![Span::styled(label.to_owned(), theme::label()), value]
    };
    let pair =
        |label: &str, value: String, style: Style| labelled(label, Span::styled(value, style));
    let (active_label, in_flight_label) = app.config.scaler.count_labels();
    let mut active = labelled(
        &format!("{active_label} "),
        count(Some(counts.active), theme::value().fg(theme::DEPTH)),
    );
    if let Some(marker) = freshness.marker() {
        active.push(Span::styled(format!(" ({marker})"), theme::warn()));
    }
    let mut first = vec![
        Part::new(KEEP, active),
        Part::new(
            3,
            labelled(
                &format!("{in_flight_label} "),
                count(in_flight, theme::value().fg(theme::IN_FLIGHT)),
            ),
        ),
    ];
    // Only a broker that counts dead letters per queue shows them (a RabbitMQ queue's go to
    // another queue, through its dead-letter exchange).
    if app.config.scaler.counts_dead_letters() {
        first.push(Part::new(
            5,
            labelled(
                "dead-lettered ",
                count(
                    Some(counts.dead_letter),
                    if counts.dead_letter > 0 {
                        theme::bad()
                    } else {
                        theme::value()
                    },
                ),
            ),
        ));
    }
    first.push(Part::new(
        1,
        pair(
            "sent ",
            group_thousands(app.queue.rates.sent_total()),
            theme::value(),
        ),
    ));
    let rates = app.rates();
    // Counts stopped with the source: no rate is known, rather than a frozen or invented one.
    let per_second = |r: f64| {
        if app.queue.stale || !freshness.is_live() {
            "—".to_owned()
        } else {
            format!("{}/s", rate(r))
        }
    };
    let mut second = vec![
        Part::new(
            if rates.send_per_second > 0.0 { 5 } else { 4 },
            pair("send ", per_second(rates.send_per_second), theme::value()),
        ),
        Part::new(
            6,
            pair("drain ", per_second(rates.drain_per_second), theme::value()),
        ),
    ];
    let time_to_empty = if app.queue.stale || !freshness.is_live() {
        None
    } else {
        rates.time_to_empty
    };
    second.push(Part::new(
        4,
        match time_to_empty {
            Some(d) if d.is_zero() => vec![Span::styled("queue empty", theme::good())],
            other => pair(
                "empty in ",
                other.map_or_else(|| "—".to_owned(), short_duration),
                theme::value(),
            ),
        },
    ));
    if inner.height >= 3 {
        second.extend(activity(app));
        fit(first, inner.width).render(row(inner, 0), buf);
        render_bar(app, row(inner, 1), buf);
        fit(second, inner.width).render(row(inner, 2), buf);
    } else {
        // One row: what is happening (a burst, the trickle) before the rates; what matters
        // least goes first when it does not fit; no dead letters is not news here.
        if counts.dead_letter == 0 {
            first.remove(2);
        }
        first.extend(activity(app));
        // Time to empty is the first to go on one row: the burst comes before the rates.
        if let Some(empty_in) = second.last_mut() {
            empty_in.keep = 0;
        }
        if rates.send_per_second == 0.0 {
            // Nothing sent steadily: "send 0/s" would only push the drain rate off the edge.
            second.remove(0);
        }
        if let Some(rate) = second.first_mut() {
            rate.gap = Style::new();
        }
        first.extend(second);
        fit(first, inner.width).render(row(inner, 0), buf);
        if inner.height >= 2 {
            render_bar(app, row(inner, 1), buf);
        }
    }
}

/// A part of a gauge line, and how much it is worth keeping when the line is too wide
/// (higher stays longer).
struct Part {
    keep: u8,
    spans: Vec<Span<'static>>,
    /// The gap before it takes the style of its first span unless said otherwise.
    gap: Style,
}

impl Part {
    fn new(keep: u8, spans: Vec<Span<'static>>) -> Part {
        let gap = spans.first().map_or_else(Style::new, |s| s.style);
        Part { keep, spans, gap }
    }

    fn plain_gap(self) -> Part {
        Part {
            gap: Style::new(),
            ..self
        }
    }

    fn width(&self) -> usize {
        self.spans.iter().map(|s| s.width()).sum()
    }
}

/// Never dropped.
const KEEP: u8 = u8::MAX;
const GAP: &str = "   ";

/// The parts that fit in `width`, three spaces apart: the least worth keeping goes first (the
/// rightmost of equals), so a state that changes what the speaker does (the trickle, paused
/// consumers, a burst going out) is never the part cut off at the edge.
fn fit(mut parts: Vec<Part>, width: u16) -> Paragraph<'static> {
    let total = |parts: &[Part]| -> usize {
        parts.iter().map(Part::width).sum::<usize>() + GAP.len() * parts.len().saturating_sub(1)
    };
    while total(&parts) > usize::from(width) {
        let drop = parts
            .iter()
            .enumerate()
            .filter(|(_, p)| p.keep != KEEP)
            .min_by_key(|(i, p)| (p.keep, std::cmp::Reverse(*i)))
            .map(|(i, _)| i);
        match drop {
            Some(i) => {
                parts.remove(i);
            }
            None => break,
        }
    }
    let mut spans = Vec::new();
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(GAP, part.gap));
        }
        spans.extend(part.spans);
    }
    Paragraph::new(Line::from(spans))
}

fn row(area: Rect, i: u16) -> Rect {
    Rect {
        y: area.y + i,
        height: 1,
        ..area
    }
}

/// What is going on right now: bursts being sent, trickle, paused consumers, a purge.
fn activity(app: &App) -> Vec<Part> {
    let mut out = Vec::new();
    let mut push = |keep: u8, text: String, style: Style| {
        out.push(Part::new(keep, vec![Span::styled(text, style)]).plain_gap());
    };
    for s in app.sends.active.values() {
        push(
            8,
            format!(
                "▶ burst #{} {}/{}",
                s.burst,
                group_thousands(s.sent),
                group_thousands(s.size)
            ),
            theme::warn(),
        );
    }
    if app.sends.active.is_empty()
        && let Some(s) = &app.sends.last
    {
        let text = if s.cancelled {
            format!(
                "burst #{} cancelled at {}",
                s.burst,
                group_thousands(s.sent)
            )
        } else {
            let mut text = format!("burst #{}: {} sent", s.burst, group_thousands(s.sent));
            if s.failed > 0 {
                text.push_str(&format!(", {} failed", group_thousands(s.failed)));
            }
            if s.maybe_resent > 0 {
                text.push_str(&format!(
                    ", {} maybe resent",
                    group_thousands(s.maybe_resent)
                ));
            }
            format!("{text} {}", took(app.sends.last_took))
        };
        if s.failed > 0 {
            push(6, text, theme::bad());
        } else {
            push(2, text, theme::dim());
        }
    }
    if let Some(t) = app.queue.trickle {
        push(
            9,
            format!("trickle {}/s", crate::app::keymap::format_factor(t)),
            theme::warn(),
        );
    }
    if app.queue.consumers_paused {
        push(9, "consumers PAUSED".into(), theme::bad());
    }
    if let Some(p) = &app.queue.purge {
        let text = if p.done {
            format!("purged {}", group_thousands(p.removed))
        } else {
            format!("purging… {} removed", group_thousands(p.removed))
        };
        push(if p.done { 2 } else { 7 }, text, theme::dim());
    }
    out
}

/// How long a burst took to send: a burst is a moment, not a rate ("500 sent in 40 ms").
fn took(d: Option<jiff::SignedDuration>) -> String {
    match d {
        Some(d) if d.as_millis() <= 0 => "at once".into(),
        Some(d) if d.as_millis() < 1000 => format!("in {} ms", d.as_millis()),
        Some(d) => format!("in {}", short_duration(d)),
        None => String::new(),
    }
}

/// A pipe gauge: active (solid) then in flight (shaded), scaled to the peak depth seen recently.
fn render_bar(app: &App, area: Rect, buf: &mut Buffer) {
    let counts = app
        .queue
        .sample
        .as_ref()
        .map(|q| q.counts.clone())
        .unwrap_or_default();
    // Nothing read yet: an empty bar, not a bar of zero.
    let (active, in_flight) = match app.queue_freshness() {
        Freshness::Unknown { .. } => (0, 0),
        _ => (counts.active, counts.in_flight.unwrap_or(0)),
    };
    let stale = !app.queue_freshness().is_live();
    let color = |c| {
        if stale {
            theme::dim()
        } else {
            Style::new().fg(c)
        }
    };
    let scale = app.peak_depth().max(active + in_flight).max(1);
    let width = u64::from(area.width.saturating_sub(2));
    let a = (active * width).div_ceil(scale).min(width);
    let f = ((in_flight * width).div_ceil(scale)).min(width - a);
    let mut spans = vec![Span::styled("[", theme::dim())];
    spans.push(Span::styled("█".repeat(a as usize), color(theme::DEPTH)));
    spans.push(Span::styled(
        "▒".repeat(f as usize),
        color(theme::IN_FLIGHT),
    ));
    spans.push(Span::styled(
        "·".repeat((width - a - f) as usize),
        theme::dim(),
    ));
    spans.push(Span::styled("]", theme::dim()));
    Paragraph::new(Line::from(spans)).render(area, buf);
}

/// [`activity`] as spans, each part after the gauge's three-space gap (`--big` puts them on the
/// depth box's border).
pub(super) fn activity_spans(app: &App) -> Vec<Span<'static>> {
    activity(app)
        .into_iter()
        .flat_map(|p| std::iter::once(Span::styled(GAP, p.gap)).chain(p.spans))
        .collect()
}

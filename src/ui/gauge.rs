//! The queue: active, in flight, dead-lettered; total sent; send and drain rates; time to empty.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use super::theme;
use crate::app::App;
use crate::app::format::{group_thousands, rate, short_duration};
use crate::app::stale::Freshness;

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
    let mut first = vec![
        Span::styled("active ", theme::label()),
        count(Some(counts.active), theme::value().fg(theme::DEPTH)),
    ];
    if let Some(marker) = freshness.marker() {
        first.push(Span::styled(format!(" ({marker})"), theme::warn()));
    }
    first.extend([
        Span::styled("   in flight ", theme::label()),
        count(in_flight, theme::value().fg(theme::IN_FLIGHT)),
        Span::styled("   dead-lettered ", theme::label()),
        count(
            Some(counts.dead_letter),
            if counts.dead_letter > 0 {
                theme::bad()
            } else {
                theme::value()
            },
        ),
        Span::styled("   sent ", theme::label()),
        Span::styled(group_thousands(app.rates.sent_total()), theme::value()),
    ]);
    let dead_letter_at = first.len() - 4;
    let rates = app.rates();
    // Counts stopped with the source: no rate is known, rather than a frozen or invented one.
    let per_second = |r: f64| {
        if app.queue_stale || !freshness.is_live() {
            "—".to_owned()
        } else {
            format!("{}/s", rate(r))
        }
    };
    let mut second = vec![
        Span::styled("send ", theme::label()),
        Span::styled(per_second(rates.send_per_second), theme::value()),
        Span::styled("   drain ", theme::label()),
        Span::styled(per_second(rates.drain_per_second), theme::value()),
    ];
    let time_to_empty = if app.queue_stale || !freshness.is_live() {
        None
    } else {
        rates.time_to_empty
    };
    match time_to_empty {
        Some(d) if d.is_zero() => second.push(Span::styled("   queue empty", theme::good())),
        other => {
            second.push(Span::styled("   empty in ", theme::label()));
            second.push(Span::styled(
                other.map_or_else(|| "—".to_owned(), short_duration),
                theme::value(),
            ));
        }
    }
    if inner.height >= 3 {
        second.extend(activity(app));
        Paragraph::new(Line::from(first)).render(row(inner, 0), buf);
        render_bar(app, row(inner, 1), buf);
        Paragraph::new(Line::from(second)).render(row(inner, 2), buf);
    } else {
        // One row: what is happening (a burst, the trickle) before the rates, which a narrow
        // screen cuts first; no dead letters is not news here.
        if counts.dead_letter == 0 {
            first.drain(dead_letter_at..dead_letter_at + 2);
        }
        first.extend(activity(app));
        first.push(Span::raw("   "));
        if rates.send_per_second == 0.0 {
            // Nothing sent steadily: "send 0/s" would only push the drain rate off the edge.
            second.drain(..2);
            second[0] = Span::styled("drain ", theme::label());
        }
        first.extend(second);
        Paragraph::new(Line::from(first)).render(row(inner, 0), buf);
        if inner.height >= 2 {
            render_bar(app, row(inner, 1), buf);
        }
    }
}

fn row(area: Rect, i: u16) -> Rect {
    Rect {
        y: area.y + i,
        height: 1,
        ..area
    }
}

/// What is going on right now: bursts being sent, trickle, paused consumers, a purge.
pub(super) fn activity(app: &App) -> Vec<Span<'static>> {
    let mut out = Vec::new();
    let mut push = |text: String, style: Style| {
        out.push(Span::styled("   ", Style::new()));
        out.push(Span::styled(text, style));
    };
    for s in app.sends.values() {
        push(
            format!(
                "▶ burst #{} {}/{}",
                s.burst,
                group_thousands(s.sent),
                group_thousands(s.size)
            ),
            theme::warn(),
        );
    }
    if app.sends.is_empty()
        && let Some(s) = &app.last_send
    {
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
                format!("{text} {}", took(app.last_send_took))
            };
            push(
                text,
                if s.failed > 0 {
                    theme::bad()
                } else {
                    theme::dim()
                },
            );
        }
    }
    if let Some(t) = app.trickle {
        push(
            format!("trickle {}/s", crate::app::keymap::format_factor(t)),
            theme::warn(),
        );
    }
    if app.consumers_paused {
        push("consumers PAUSED".into(), theme::bad());
    }
    if let Some(p) = &app.purge {
        let text = if p.done {
            format!("purged {}", group_thousands(p.removed))
        } else {
            format!("purging… {} removed", group_thousands(p.removed))
        };
        push(text, theme::dim());
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

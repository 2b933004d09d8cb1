//! KEDA, HPA, Deployment, ReplicaSet and pod events, newest first.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use super::theme;
use crate::app::App;
use crate::format::kubectl_age;
use kedatui_core::model::EventType;

/// Continuation rows start under the reason, past the age column.
const CONTINUATION_INDENT: usize = 6;

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let mut title = vec![Span::styled(" Events (newest first) ", theme::title())];
    if let Some(m) = app.cluster_freshness().explained() {
        title.push(Span::styled(format!("{m} "), theme::warn()));
    }
    let block = Block::new().borders(Borders::ALL).title(Line::from(title));
    let inner = block.inner(area);
    let visible = usize::from(inner.height);
    let width = usize::from(inner.width);
    let mut lines: Vec<Line> = Vec::new();
    for e in &app.cluster.events {
        if lines.len() >= visible {
            break;
        }
        let age = app
            .now
            .map_or_else(|| "0s".into(), |now| kubectl_age(now.duration_since(e.at)));
        let reason_style = match (e.type_, e.reason.as_str()) {
            (EventType::Warning, _) => theme::bad(),
            (_, "KEDAScaleTargetActivated") => theme::good(),
            (_, "KEDAScaleTargetDeactivated") => theme::bad().fg(theme::DEACTIVATED_MARKER),
            (_, "SuccessfulRescale") => theme::warn(),
            _ => theme::value(),
        };
        let count = if e.count > 1 {
            format!(" ×{}", e.count)
        } else {
            String::new()
        };
        let head = vec![
            Span::styled(format!("{age:>5} "), theme::dim()),
            Span::styled(e.reason.clone(), reason_style),
            Span::styled(count, theme::warn()),
            Span::raw(" "),
        ];
        let head_w: usize = head.iter().map(Span::width).sum();
        let message = short_message(&e.message, &app.config.namespace);
        // More rows when the message does not fit beside the reason: up to three for KEDA's
        // and the HPA's, one for the one-per-pod events when the panel is short.
        let budget = if crate::app::per_pod_event(e) {
            if visible < 10 { 1 } else { 2 }
        } else {
            3
        };
        let rows = budget.min(visible - lines.len());
        let parts = wrap(
            &message,
            width.saturating_sub(head_w),
            width.saturating_sub(CONTINUATION_INDENT),
            rows,
        );
        let mut parts = parts.into_iter();
        let mut first = head;
        first.push(Span::styled(
            parts.next().unwrap_or_default(),
            theme::label(),
        ));
        lines.push(Line::from(first));
        for rest in parts {
            lines.push(Line::from(vec![
                Span::raw(" ".repeat(CONTINUATION_INDENT)),
                Span::styled(rest, theme::label()),
            ]));
        }
    }
    if let Some(why) = app.events_unavailable() {
        // Said in place of the rows: old rows would read as current.
        Paragraph::new(Line::styled(
            format!("events unavailable ({why})"),
            theme::warn(),
        ))
        .block(block)
        .render(area, buf);
    } else if lines.is_empty() {
        Paragraph::new(Line::styled(
            "no events yet: press 1-5 to fire a burst",
            theme::dim(),
        ))
        .block(block)
        .render(area, buf);
    } else {
        Paragraph::new(lines).block(block).render(area, buf);
    }
}

/// An event's message without what every row would repeat: the target's API group and kind
/// and the namespace (`Scaled apps/v1.Deployment keda-demo/kedasbreceiver` → `Scaled
/// kedasbreceiver`), and the HPA metric's kind and label selector (`external metric
/// …-kedaqueue(&LabelSelector{…})` → `…-kedaqueue`).
pub fn short_message(message: &str, namespace: &str) -> String {
    let mut out = message.to_owned();
    while let Some(start) = out.find("(&LabelSelector") {
        let mut depth = 0usize;
        let mut end = out.len();
        for (i, c) in out[start..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = start + i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.replace_range(start..end, "");
    }
    // `group/version.Kind ` before a name, as KEDA writes its scale target.
    let words: Vec<&str> = out.split(' ').collect();
    let kept: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| {
            let kind = w.rsplit_once('.');
            !matches!(kind, Some((gv, k)) if gv.contains('/') && k.chars().next().is_some_and(char::is_uppercase))
        })
        .collect();
    let ns = format!("{namespace}/");
    // The HPA's only metric is KEDA's external one: its name says enough.
    kept.join(" ")
        .replace(&ns, "")
        .replace("reason: external metric ", "reason: ")
}

/// Word-wrap `text` into at most `rows` pieces: the first `first` wide, the rest `rest` wide;
/// what does not fit ends in `…`.
fn wrap(text: &str, first: usize, rest: usize, rows: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    let width_of = |i: usize| if i == 0 { first } else { rest };
    let mut words = text.split(' ').peekable();
    while let Some(word) = words.next() {
        let limit = width_of(out.len());
        let needed = line.chars().count() + usize::from(!line.is_empty()) + word.chars().count();
        if needed <= limit {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
            continue;
        }
        if line.is_empty() && out.is_empty() && rows > 1 && word.chars().count() <= rest {
            // Not even the first word fits beside the reason: start on the next row.
            out.push(String::new());
            line.push_str(word);
            continue;
        }
        if out.len() + 1 >= rows || line.is_empty() {
            // Last row (or one word wider than a row): cut it with an ellipsis.
            let mut rest_text = line.clone();
            if !rest_text.is_empty() {
                rest_text.push(' ');
            }
            rest_text.push_str(word);
            for w in words.by_ref() {
                rest_text.push(' ');
                rest_text.push_str(w);
            }
            if out.len() + 1 < rows {
                // One long word on a fresh row: cut here, carry on below.
                let cut: String = rest_text.chars().take(limit).collect();
                let tail: String = rest_text.chars().skip(limit).collect();
                out.push(cut);
                out.extend(wrap(&tail, rest, rest, rows - out.len()));
                return out;
            }
            out.push(ellipsize(&rest_text, limit));
            return out;
        }
        out.push(std::mem::take(&mut line));
        line.push_str(word);
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    out
}

fn ellipsize(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let cut: String = text.chars().take(width.saturating_sub(1)).collect();
    let mut cut = cut.trim_end().to_owned();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boilerplate_is_dropped() {
        let cases = [
            (
                "Scaled apps/v1.Deployment keda-demo/kedasbreceiver from 0 to 1, triggered by s0-azure-servicebus-kedaqueue",
                "Scaled kedasbreceiver from 0 to 1, triggered by s0-azure-servicebus-kedaqueue",
            ),
            (
                "New size: 4; reason: external metric s0-azure-servicebus-kedaqueue(&LabelSelector{MatchLabels:map[string]string{scaledobject.keda.sh/name: kedasbreceiver-scaler,},MatchExpressions:[]LabelSelectorRequirement{},}) above target",
                "New size: 4; reason: s0-azure-servicebus-kedaqueue above target",
            ),
            (
                "Successfully assigned keda-demo/kedasbreceiver-5d8f7c9b4-x2k9p to node-1",
                "Successfully assigned kedasbreceiver-5d8f7c9b4-x2k9p to node-1",
            ),
            ("Started container receiver", "Started container receiver"),
        ];
        for (message, want) in cases {
            assert_eq!(short_message(message, "keda-demo"), want);
        }
    }

    #[test]
    fn wrap_table() {
        let cases: [(&str, usize, usize, usize, &[&str]); 5] = [
            ("a bb ccc", 10, 10, 2, &["a bb ccc"]),
            ("a bb ccc dddd", 6, 10, 2, &["a bb", "ccc dddd"]),
            ("a bb ccc dddd eeeee", 6, 8, 2, &["a bb", "ccc ddd…"]),
            ("a bb ccc", 6, 10, 1, &["a bb…"]),
            ("ScaledObject is ready", 6, 14, 2, &["", "ScaledObject…"]),
        ];
        for (text, first, rest, rows, want) in cases {
            assert_eq!(wrap(text, first, rest, rows), want, "{text:?}");
        }
    }
}

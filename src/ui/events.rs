//! KEDA, HPA, Deployment, ReplicaSet and pod events, newest first.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use super::theme;
use crate::app::App;
use crate::app::format::kubectl_age;
use crate::model::EventType;

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let block = Block::new()
        .borders(Borders::ALL)
        .title(Span::styled(" Events (newest first) ", theme::title()));
    let visible = usize::from(area.height.saturating_sub(2));
    let lines: Vec<Line> = app
        .events
        .iter()
        .take(visible)
        .map(|e| {
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
            Line::from(vec![
                Span::styled(format!("{age:>5} "), theme::dim()),
                Span::styled(e.reason.clone(), reason_style),
                Span::styled(count, theme::warn()),
                Span::raw(" "),
                Span::styled(e.message.clone(), theme::label()),
            ])
        })
        .collect();
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

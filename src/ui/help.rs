//! The `?` overlay: every key of the active key map, with what it does.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

use super::theme;
use crate::app::App;
use crate::app::keymap::{Action, KeyContext};
use crate::format::group_thousands;

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let mut lines = Vec::new();
    for b in app.bindings(KeyContext::Normal) {
        let key_style = if b.enabled {
            theme::key()
        } else {
            theme::key_disabled()
        };
        if b.action == Action::Burst(0) {
            for (i, size) in app.config.bursts.iter().enumerate() {
                lines.push(Line::from(vec![
                    Span::styled(format!(" {:^7}", i + 1), key_style),
                    Span::styled(
                        format!("  fire a burst of {} messages", group_thousands(*size)),
                        theme::label(),
                    ),
                ]));
            }
            continue;
        }
        let mut help = b.help.clone();
        if !b.enabled {
            help.push_str(if app.is_replay() {
                " — disabled in replay"
            } else {
                " — disabled in live mode"
            });
        }
        lines.push(Line::from(vec![
            Span::styled(format!(" {:^7}", b.key_label), key_style),
            Span::styled(
                format!("  {help}"),
                if b.enabled {
                    theme::label()
                } else {
                    theme::dim()
                },
            ),
        ]));
    }
    // Leave the header and the key bar visible: drop the spacer line, then the notes, when
    // space is tight (the keys always stay).
    let room = usize::from(area.height.saturating_sub(4));
    let notes = [
        " Chart: depth = active + in-flight messages; spec/ready = replicas.",
        " KEDA scales 0↔1 at its polls; the HPA scales 1↔N every 15 s.",
    ];
    if lines.len() + 1 + notes.len() <= room {
        lines.push(Line::raw(""));
    }
    for note in notes {
        if lines.len() < room {
            lines.push(Line::styled(note, theme::dim()));
        }
    }
    let height = (lines.len() as u16 + 2).min(area.height);
    let popup = area.centered(
        Constraint::Length(86.min(area.width)),
        Constraint::Length(height),
    );
    Clear.render(popup, buf);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(
            Block::new()
                .borders(Borders::ALL)
                .border_style(theme::warn())
                .title(Span::styled(" Keys — ? or Esc closes ", theme::title())),
        )
        .render(popup, buf);
}

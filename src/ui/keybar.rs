//! The bottom line: generated from the active key map; prompts and notices take it over.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::theme;
use crate::app::format::group_thousands;
use crate::app::keymap::KeyContext;
use crate::app::{App, InputMode, NoticeLevel};

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let context = app.key_context();
    let mut spans: Vec<Span> = Vec::new();
    match &app.input {
        InputMode::BurstPrompt { input, error } => {
            spans.push(Span::styled(" Burst size: ", theme::warn()));
            spans.push(Span::styled(format!("{input}█"), theme::value()));
            if let Some(err) = error {
                spans.push(Span::styled(format!("  {err}"), theme::bad()));
            }
            spans.push(Span::raw("  "));
        }
        InputMode::ConfirmPurge => {
            let active = app.queue.as_ref().map_or(0, |q| q.counts.active);
            spans.push(Span::styled(
                format!(
                    " Purge {} active messages from {}? ",
                    group_thousands(active),
                    app.config.queue
                ),
                theme::bad(),
            ));
        }
        InputMode::ConfirmQuit => {
            spans.push(Span::styled(" Quit? ", theme::warn()));
        }
        InputMode::ConfirmFallback => {
            spans.push(Span::styled(
                " Leave live mode and continue in the simulator? ",
                theme::warn(),
            ));
        }
        InputMode::Normal => {
            if let Some(n) = &app.notice {
                let style = match n.level {
                    NoticeLevel::Info => theme::good(),
                    NoticeLevel::Warning => theme::warn(),
                };
                spans.push(Span::styled(format!(" {} ", n.text), style));
                spans.push(Span::raw(" "));
            }
        }
    }
    let hints = hint_spans(
        app,
        context,
        area.width
            .saturating_sub(Line::from(spans.clone()).width() as u16),
    );
    spans.extend(hints);
    Paragraph::new(Line::from(spans)).render(area, buf);
}

/// Hints that fit in `width`, always keeping the last two (help and quit in normal mode).
fn hint_spans(app: &App, context: KeyContext, width: u16) -> Vec<Span<'static>> {
    let bindings: Vec<_> = app
        .bindings(context)
        .into_iter()
        .filter(|b| b.in_bar)
        .collect();
    let rendered: Vec<(Vec<Span<'static>>, usize)> = bindings
        .iter()
        .map(|b| {
            let key_style = if b.enabled {
                theme::key()
            } else {
                theme::key_disabled()
            };
            let text_style = if b.enabled {
                theme::label()
            } else {
                theme::dim()
            };
            let spans = vec![
                Span::styled(format!(" {} ", b.key_label), key_style),
                Span::styled(format!(" {} ", b.hint), text_style),
            ];
            let w = b.key_label.chars().count() + b.hint.chars().count() + 4;
            (spans, w)
        })
        .collect();
    let keep_tail = rendered.len().min(2);
    let tail_w: usize = rendered[rendered.len() - keep_tail..]
        .iter()
        .map(|r| r.1)
        .sum();
    let mut budget = usize::from(width).saturating_sub(tail_w);
    let mut out = Vec::new();
    for (spans, w) in &rendered[..rendered.len() - keep_tail] {
        if *w > budget {
            break;
        }
        budget -= w;
        out.extend(spans.iter().cloned());
    }
    for (spans, _) in &rendered[rendered.len() - keep_tail..] {
        out.extend(spans.iter().cloned());
    }
    out
}

#[cfg(test)]
mod tests {
    use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent};

    use super::*;
    use crate::app::{AppConfig, Mode};
    use crate::event::{Event, Health, SourceEvent, SourceKind};

    fn bar(app: &App) -> String {
        let area = Rect::new(0, 0, 120, 1);
        let mut buf = Buffer::empty(area);
        render(app, area, &mut buf);
        (0..area.width).map(|x| buf[(x, 0)].symbol()).collect()
    }

    #[test]
    fn s_with_healthy_live_sources_shows_the_fallback_question_and_its_keys() {
        let mut app = App::new(AppConfig {
            mode: Mode::Live,
            ..AppConfig::default()
        });
        for source in [SourceKind::ServiceBus, SourceKind::Cluster] {
            app.update(Event::Source(SourceEvent::Health {
                source,
                health: Health::Connected,
            }));
        }
        assert!(!bar(&app).contains("Leave live mode"));
        app.update(Event::Input(TermEvent::Key(KeyEvent::from(KeyCode::Char(
            's',
        )))));
        let line = bar(&app);
        assert!(
            line.starts_with(" Leave live mode and continue in the simulator? "),
            "{line:?}"
        );
        assert!(line.contains(" y  simulator "), "{line:?}");
        assert!(line.contains(" n/Esc  stay live "), "{line:?}");
    }
}

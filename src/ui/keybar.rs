//! The bottom line: generated from the active key map; prompts and notices take it over.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::theme;
use crate::app::keymap::{Action, Binding, KeyContext};
use crate::app::{App, InputMode, NoticeLevel};
use crate::format::group_thousands;

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let context = app.key_context();
    let mut spans: Vec<Span> = Vec::new();
    match &app.prompt.input {
        InputMode::BurstPrompt { input, error } => {
            spans.push(Span::styled(" Burst size: ", theme::warn()));
            spans.push(Span::styled(format!("{input}█"), theme::value()));
            if let Some(err) = error {
                spans.push(Span::styled(format!("  {err}"), theme::bad()));
            }
            spans.push(Span::raw("  "));
        }
        InputMode::ConfirmPurge => {
            spans.push(Span::styled(purge_question(app, area.width), theme::bad()));
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
            if let Some(n) = &app.prompt.notice {
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

/// What `y` will purge. The purge receives until the queue stays empty, so what a burst still
/// has to send while it runs is purged too: the question says so, not only today's count.
fn purge_question(app: &App, width: u16) -> String {
    let active = group_thousands(app.queue.sample.as_ref().map_or(0, |q| q.counts.active));
    let queue = &app.config.queue;
    let to_send: u64 = app
        .sends
        .active
        .values()
        .map(|s| s.size.saturating_sub(s.sent + s.failed))
        .sum();
    if to_send == 0 {
        return format!(" Purge {active} active messages from {queue}? ");
    }
    let bursts: Vec<String> = app.sends.active.keys().map(|b| format!("#{b}")).collect();
    let which = match bursts.as_slice() {
        [one] => format!("burst {one} still sends"),
        many => format!("bursts {} still send", many.join(", ")),
    };
    let to_send = group_thousands(to_send);
    let long = format!(" Purge {active} active messages from {queue} and the {to_send} {which}? ");
    // Room for `y purge  n/Esc cancel`.
    if long.chars().count() + 24 <= usize::from(width) {
        long
    } else {
        format!(" Purge {active} active + {to_send} still to send? ")
    }
}

/// Hints that fit in `width`, deciding per width what to drop, lowest value first: the full
/// bar; then without the disabled keys; then with short hints; then the enabled keys of least
/// use on stage go one by one. The last two (help and quit in normal mode) always stay.
fn hint_spans(app: &App, context: KeyContext, width: u16) -> Vec<Span<'static>> {
    let bindings: Vec<Binding> = app
        .bindings(context)
        .into_iter()
        .filter(|b| b.in_bar)
        .collect();
    let width = usize::from(width);
    let tail_from = bindings.len().saturating_sub(2);
    let mut shown: Vec<bool> = vec![true; bindings.len()];
    let total = |shown: &[bool], short: bool| -> usize {
        bindings
            .iter()
            .zip(shown)
            .filter(|(_, s)| **s)
            .map(|(b, _)| item_width(b, short))
            .sum()
    };
    let mut short = false;
    if total(&shown, false) > width {
        for (i, b) in bindings.iter().enumerate() {
            if i < tail_from && !b.enabled {
                shown[i] = false;
            }
        }
    }
    let mut by_value: Vec<usize> = (0..tail_from).filter(|&i| shown[i]).collect();
    by_value.sort_by_key(|&i| value(bindings[i].action));
    if total(&shown, false) > width {
        // The least useful key goes before any hint is shortened.
        let mut fewer = shown.clone();
        for &i in by_value.iter().filter(|&&i| value(bindings[i].action) <= 1) {
            fewer[i] = false;
        }
        if total(&fewer, false) <= width {
            shown = fewer;
        } else {
            short = true;
        }
    }
    for i in by_value {
        if total(&shown, short) <= width {
            break;
        }
        shown[i] = false;
    }
    bindings
        .iter()
        .zip(&shown)
        .filter(|(_, s)| **s)
        .flat_map(|(b, _)| item(b, short))
        .collect()
}

/// How much a key is worth keeping in a narrow bar (higher stays longer).
fn value(action: Action) -> u8 {
    match action {
        Action::FreezeChart => 1,
        Action::CustomBurst => 2,
        Action::WarpUp | Action::WarpDown => 3,
        Action::ToggleConsumers => 4,
        Action::Purge => 5,
        Action::SwitchToSimulator => 6,
        Action::ToggleTrickle => 7,
        Action::Burst(_) => 8,
        _ => 5,
    }
}

/// The hint in few words: `burst 10/100/500/1k/5k` → `burst`, `warp ×10` → `×10`.
fn short_hint(b: &Binding) -> String {
    let first_word = || b.hint.split(' ').next().unwrap_or_default().to_owned();
    match b.action {
        Action::Burst(_) | Action::ToggleConsumers => first_word(),
        Action::ToggleTrickle if b.hint.starts_with("stop") => "stop".into(),
        Action::ToggleTrickle => first_word(),
        Action::WarpUp | Action::WarpDown => b.hint.trim_start_matches("warp ").to_owned(),
        Action::SwitchToSimulator => "to sim".into(),
        _ => b.hint.clone(),
    }
}

fn item_width(b: &Binding, short: bool) -> usize {
    if short {
        b.key_label.chars().count() + short_hint(b).chars().count() + 3
    } else {
        b.key_label.chars().count() + b.hint.chars().count() + 4
    }
}

fn item(b: &Binding, short: bool) -> Vec<Span<'static>> {
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
    let text = if short {
        format!("{} ", short_hint(b))
    } else {
        format!(" {} ", b.hint)
    };
    vec![
        Span::styled(format!(" {} ", b.key_label), key_style),
        Span::styled(text, text_style),
    ]
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
        for source in [SourceKind::Queue, SourceKind::Cluster] {
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

//! Below the minimum size a clear notice replaces the layout.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::{MIN_HEIGHT, MIN_WIDTH, keybar, theme};
use crate::app::{App, InputMode};

pub fn render(app: &App, screen: Rect, buf: &mut Buffer) {
    // Keys still act here: a question or prompt (`Quit?`, the burst size) keeps the bottom row,
    // so the speaker sees what `y` or Enter will do.
    let area = if app.prompt.input == InputMode::Normal {
        screen
    } else {
        let [rest, keys] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(screen);
        keybar::render(app, keys, buf);
        rest
    };
    let text = vec![
        Line::styled(
            format!("terminal too small (need {MIN_WIDTH}×{MIN_HEIGHT})"),
            theme::bad(),
        ),
        Line::styled(
            format!(
                "now {}×{}; enlarge it or press q",
                screen.width, screen.height
            ),
            theme::label(),
        ),
    ];
    let inner = area.centered_vertically(Constraint::Length(2.min(area.height)));
    Paragraph::new(text)
        .centered()
        .wrap(Wrap { trim: true })
        .render(inner, buf);
}

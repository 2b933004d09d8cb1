//! Below the minimum size a clear notice replaces the layout.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::{MIN_HEIGHT, MIN_WIDTH, theme};

pub fn render(area: Rect, buf: &mut Buffer) {
    let text = vec![
        Line::styled(
            format!("terminal too small (need {MIN_WIDTH}×{MIN_HEIGHT})"),
            theme::bad(),
        ),
        Line::styled(
            format!("now {}×{}; enlarge it or press q", area.width, area.height),
            theme::label(),
        ),
    ];
    let inner = area.centered_vertically(Constraint::Length(2.min(area.height)));
    Paragraph::new(text)
        .centered()
        .wrap(Wrap { trim: true })
        .render(inner, buf);
}

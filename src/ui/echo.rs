//! The key echo: the last key and what it did (`3 → burst of 500`), in reverse video just above
//! the key bar's right end, until it fades (see `PresenterState::echo_at`).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::Widget;

use crate::app::App;

pub fn render(app: &App, keys: Rect, buf: &mut Buffer) {
    let Some(echo) = app.presenter.echo_at(app.now, app.warp) else {
        return;
    };
    if keys.y == 0 {
        return;
    }
    let text = format!(" {} → {} ", echo.key, echo.what);
    let width = (text.chars().count() as u16).min(keys.width.saturating_sub(2));
    let area = Rect {
        x: keys.right().saturating_sub(width + 1),
        y: keys.y - 1,
        width,
        height: 1,
    };
    Line::styled(
        text,
        Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
    )
    .render(area, buf);
}

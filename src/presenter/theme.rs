//! Themes as a last pass over the drawn buffer: the panels draw with the default palette
//! (`ui::theme`), then each cell's style is mapped. One mapping per theme keeps every panel
//! themed without threading a palette through them.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

use super::ThemeKind;

pub fn apply(kind: ThemeKind, area: Rect, buf: &mut Buffer) {
    if kind == ThemeKind::Default {
        return;
    }
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            if let Some(cell) = buf.cell_mut((x, y)) {
                let style = restyle(kind, cell.style());
                cell.set_style(style);
                // `set_style` only adds modifiers: clear the ones the mapping dropped.
                cell.modifier = style.add_modifier;
            }
        }
    }
}

/// The style a cell drawn with the default palette gets in `kind`.
pub fn restyle(kind: ThemeKind, style: Style) -> Style {
    let fg = style.fg.unwrap_or(Color::Reset);
    let bg = style.bg.unwrap_or(Color::Reset);
    let mods = style.add_modifier;
    match kind {
        ThemeKind::Default => style,
        ThemeKind::Presenter => {
            let mut mods = mods;
            // Dimmed text vanishes on a projector: keep it readable, just not bold.
            mods.remove(Modifier::DIM);
            // Disabled keys are marked by a dark grey background only: cross them out.
            if bg == Color::DarkGray {
                mods.insert(Modifier::CROSSED_OUT);
            }
            // Any coloured text is bold, so thin glyphs survive the washed-out colours.
            if !matches!(fg, Color::Reset | Color::Gray | Color::DarkGray) {
                mods.insert(Modifier::BOLD);
            }
            let fg = match fg {
                Color::Reset | Color::Gray => Color::White,
                Color::DarkGray => Color::Gray,
                Color::Cyan => Color::LightCyan,
                Color::Yellow => Color::LightYellow,
                Color::Green => Color::LightGreen,
                Color::Red => Color::LightRed,
                Color::Magenta => Color::LightMagenta,
                Color::Blue => Color::LightBlue,
                c => c,
            };
            let bg = match bg {
                Color::Reset => Color::Black,
                Color::DarkGray => Color::Gray,
                c => c,
            };
            Style::new().fg(fg).bg(bg).add_modifier(mods)
        }
        ThemeKind::Light => {
            let fg = match fg {
                Color::Reset | Color::White | Color::Gray => Color::Black,
                Color::DarkGray => Color::Indexed(240),
                Color::Yellow | Color::LightYellow => Color::Indexed(130),
                Color::Cyan | Color::LightCyan => Color::Indexed(25),
                Color::Green | Color::LightGreen => Color::Indexed(28),
                Color::Red | Color::LightRed => Color::Indexed(160),
                Color::Magenta | Color::LightMagenta => Color::Indexed(127),
                c => c,
            };
            let bg = match bg {
                Color::Reset => Color::White,
                Color::Black => Color::Indexed(252),
                Color::DarkGray => Color::Indexed(250),
                Color::Cyan => Color::Indexed(117),
                Color::LightGreen => Color::Indexed(120),
                c => c,
            };
            // Text drawn black on a coloured key cap keeps its black.
            let fg = if style.fg == Some(Color::Black) {
                Color::Black
            } else {
                fg
            };
            Style::new().fg(fg).bg(bg).add_modifier(mods)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restyle_table() {
        let bold = Modifier::BOLD;
        // (theme, drawn with, expected)
        let cases = [
            (
                ThemeKind::Default,
                Style::new().fg(Color::Gray),
                Style::new().fg(Color::Gray),
            ),
            (
                ThemeKind::Presenter,
                Style::new().fg(Color::Gray),
                Style::new().fg(Color::White).bg(Color::Black),
            ),
            (
                ThemeKind::Presenter,
                Style::new().fg(Color::Yellow),
                Style::new()
                    .fg(Color::LightYellow)
                    .bg(Color::Black)
                    .add_modifier(bold),
            ),
            (
                ThemeKind::Presenter,
                Style::new().fg(Color::Black).bg(Color::DarkGray),
                Style::new()
                    .fg(Color::Black)
                    .bg(Color::Gray)
                    .add_modifier(Modifier::CROSSED_OUT | bold),
            ),
            (
                ThemeKind::Presenter,
                Style::new().fg(Color::DarkGray).add_modifier(Modifier::DIM),
                Style::new().fg(Color::Gray).bg(Color::Black),
            ),
            (
                ThemeKind::Light,
                Style::new().fg(Color::White).add_modifier(bold),
                Style::new()
                    .fg(Color::Black)
                    .bg(Color::White)
                    .add_modifier(bold),
            ),
            (
                ThemeKind::Light,
                Style::new().fg(Color::Black).bg(Color::Cyan),
                Style::new().fg(Color::Black).bg(Color::Indexed(117)),
            ),
        ];
        for (kind, drawn, want) in cases {
            assert_eq!(restyle(kind, drawn), want, "{kind:?} {drawn:?}");
        }
    }
}

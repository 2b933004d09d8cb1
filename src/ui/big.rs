//! `--big`: queue depth and replicas in digits five rows tall, readable from the back row.
//! A small built-in font (tui-big-text's 8-row glyphs do not fit beside the gauge at 80×24).

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Widget};

/// Rows of the font: the height the App's layout reserves.
pub use crate::presenter::BIG_HEIGHT as HEIGHT;

/// 3×5 glyphs for `0`–`9` and a space; `#` is a lit cell.
fn glyph(c: char) -> [&'static str; 5] {
    match c {
        '0' => ["###", "# #", "# #", "# #", "###"],
        '1' => [" # ", "## ", " # ", " # ", "###"],
        '2' => ["###", "  #", "###", "#  ", "###"],
        '3' => ["###", "  #", "###", "  #", "###"],
        '4' => ["# #", "# #", "###", "  #", "  #"],
        '5' => ["###", "#  ", "###", "  #", "###"],
        '6' => ["###", "#  ", "###", "# #", "###"],
        '7' => ["###", "  #", "  #", "  #", "  #"],
        '8' => ["###", "# #", "###", "# #", "###"],
        '9' => ["###", "# #", "###", "  #", "###"],
        _ => ["   ", "   ", "   ", "   ", "   "],
    }
}

/// The five text rows of `digits` in the big font (each glyph doubled in width, so it is
/// about as wide as tall in a terminal cell), glyphs one column apart.
pub fn rows(digits: &str) -> [String; 5] {
    let mut out: [String; 5] = Default::default();
    for (i, c) in digits.chars().enumerate() {
        for (row, line) in glyph(c).iter().enumerate() {
            if i > 0 {
                out[row].push(' ');
            }
            for cell in line.chars() {
                out[row].push_str(if cell == '#' { "██" } else { "  " });
            }
        }
    }
    out
}

/// Width in cells of `digits` drawn big.
pub fn width(digits: &str) -> usize {
    let n = digits.chars().count();
    if n == 0 { 0 } else { n * 6 + (n - 1) }
}

/// One titled box with a big number in it; falls back to plain digits when it does not fit.
pub fn render_number(title: &str, value: u64, style: Style, area: Rect, buf: &mut Buffer) {
    let block = Block::bordered().title(format!(" {title} "));
    let inner = block.inner(area);
    block.render(area, buf);
    let digits = value.to_string();
    if usize::from(inner.width) < width(&digits) || inner.height < HEIGHT {
        Paragraph::new(Line::styled(digits, style)).render(inner, buf);
        return;
    }
    let lines: Vec<Line> = rows(&digits)
        .into_iter()
        .map(|r| Line::styled(r, style))
        .collect();
    Paragraph::new(lines).centered().render(inner, buf);
}

/// Queue depth on the left, replicas (spec, and ready) on the right.
pub fn render(depth: u64, (spec, ready): (u32, u32), area: Rect, buf: &mut Buffer) {
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area);
    render_number(
        "Queue depth (active + in flight)",
        depth,
        Style::new().fg(super::theme::DEPTH).bold(),
        left,
        buf,
    );
    render_number(
        &format!("Replicas ({ready} ready)"),
        u64::from(spec),
        Style::new().fg(super::theme::READY_REPLICAS).bold(),
        right,
        buf,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_digits_have_the_stated_width() {
        for digits in ["0", "42", "1000", "123456789"] {
            for row in rows(digits) {
                assert_eq!(row.chars().count(), width(digits), "{digits}");
            }
        }
        assert_eq!(rows("1")[4], "██████");
        assert_eq!(rows("7")[0], "██████");
    }
}

//! `--big`: queue depth and replicas in digits five rows tall, readable from the back row.
//! A small built-in font (tui-big-text's 8-row glyphs do not fit beside the gauge at 80×24).

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget};

use crate::app::App;
use crate::app::stale::Freshness;

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
        // A number nobody read (the source has not answered yet).
        '-' => ["   ", "   ", "###", "   ", "   "],
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

/// One titled box with a big number in it (`None`: not read yet, drawn as a dash); falls back
/// to plain digits when it does not fit. `marker` (how old, why) goes on the top border beside
/// the title, `bottom` on the bottom border.
pub fn render_number(
    title: Line<'static>,
    value: Option<u64>,
    style: Style,
    bottom: Option<Line<'static>>,
    area: Rect,
    buf: &mut Buffer,
) {
    let mut block = Block::bordered().title(title);
    if let Some(bottom) = bottom {
        block = block.title_bottom(bottom);
    }
    let inner = block.inner(area);
    block.render(area, buf);
    let digits = value.map_or_else(|| "-".to_owned(), |v| v.to_string());
    if usize::from(inner.width) < width(&digits) || inner.height < HEIGHT {
        let plain = if value.is_some() {
            digits
        } else {
            "—".into()
        };
        Paragraph::new(Line::styled(plain, style)).render(inner, buf);
        return;
    }
    let lines: Vec<Line> = rows(&digits)
        .into_iter()
        .map(|r| Line::styled(r, style))
        .collect();
    Paragraph::new(lines).centered().render(inner, buf);
}

/// A box title, or its `short` form with the freshness marker after it so the marker fits
/// at 80 columns: ` Queue depth 12s old: Service Bus down `.
fn titled(title: String, short: &str, freshness: &Freshness) -> Line<'static> {
    match freshness.explained() {
        None => Line::raw(format!(" {title} ")),
        Some(m) => Line::from(vec![
            Span::raw(format!(" {short} ")),
            Span::styled(format!("{m} "), super::theme::warn()),
        ]),
    }
}

/// Queue depth on the left, replicas (spec, and ready) on the right. Stale numbers are dimmed
/// and say how old they are; the burst's result (a failed burst above all) sits under the depth,
/// since `--big` has no queue line.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area);
    let style = |fresh: &Freshness, color| {
        if fresh.is_live() {
            Style::new().fg(color).bold()
        } else {
            super::theme::dim()
        }
    };
    let queue = app.queue_freshness();
    let depth = match queue {
        Freshness::Unknown { .. } => None,
        _ => Some(app.depth()),
    };
    let activity = super::gauge::activity_spans(app);
    let bottom = (!activity.is_empty()).then(|| {
        // The gauge's separators, with a border's single space in place of the first.
        let mut spans = activity;
        spans[0] = Span::raw(" ");
        spans.push(Span::raw(" "));
        Line::from(spans)
    });
    render_number(
        titled(
            "Queue depth (active + in flight)".into(),
            "Queue depth",
            &queue,
        ),
        depth,
        style(&queue, super::theme::DEPTH),
        bottom,
        left,
        buf,
    );
    let cluster = app.cluster_freshness();
    // The simulator's Deployment starts at 0; a live one nobody has read yet has no count,
    // rather than a 0 nobody saw.
    let live = app.config.mode == crate::app::Mode::Live;
    let (spec, ready, cluster) = match &app.cluster.deployment {
        Some(d) => (
            Some(u64::from(d.spec_replicas)),
            d.ready_replicas.to_string(),
            cluster,
        ),
        None if live => {
            let cluster = match cluster {
                Freshness::Live => Freshness::Unknown {
                    why: "no Deployment yet".into(),
                },
                other => other,
            };
            (None, "—".into(), cluster)
        }
        None => (Some(0), "0".into(), cluster),
    };
    render_number(
        titled(format!("Replicas ({ready} ready)"), "Replicas", &cluster),
        spec,
        style(&cluster, super::theme::READY_REPLICAS),
        None,
        right,
        buf,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 19 item 1: live, before any count or Deployment was read, `--big` draws dashes and
    /// says so, not two zeros.
    #[test]
    fn nothing_read_yet_is_a_dash_not_a_zero() {
        let app = App::new(crate::app::AppConfig {
            mode: crate::app::Mode::Live,
            ..Default::default()
        });
        let draw = |width| {
            let area = Rect::new(0, 0, width, 7);
            let mut buf = Buffer::empty(area);
            render(&app, area, &mut buf);
            (0..area.height)
                .map(|y| (0..area.width).map(|x| buf[(x, y)].symbol()).collect())
                .collect::<Vec<String>>()
        };
        let rows = draw(120);
        let text = rows.join("\n");
        assert!(
            rows[0].contains("Queue depth not read yet: Service Bus connecting")
                && rows[0].contains("Replicas not read yet: cluster connecting"),
            "{text}"
        );
        // A digit lights its top and bottom rows; a dash only the middle one.
        assert!(
            [1, 2, 4, 5].iter().all(|&r| !rows[r].contains('█')),
            "no digit drawn:\n{text}"
        );
        assert_eq!(rows[3].matches("██████").count(), 2, "two dashes:\n{text}");
        // At 80 columns the marker still shows on both boxes.
        assert_eq!(
            draw(80)[0].matches("not read yet").count(),
            2,
            "{:?}",
            draw(80)[0]
        );
    }

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

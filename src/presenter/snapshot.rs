//! `S`: the screen as plain text and as SVG, for slides. The main loop draws the App into an
//! off-screen buffer and calls [`write`]; drawing and `update` never touch files.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

/// The buffer's text, one line per row, trailing spaces trimmed.
pub fn to_text(buf: &Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        let mut line = String::new();
        for x in area.left()..area.right() {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

const CELL_W: f64 = 8.4;
const CELL_H: f64 = 17.0;

fn css(color: Color, default: &str) -> String {
    let named = |c: &str| c.to_owned();
    match color {
        Color::Reset => default.to_owned(),
        Color::Black => named("#000000"),
        Color::Red => named("#cd3131"),
        Color::Green => named("#0dbc79"),
        Color::Yellow => named("#e5e510"),
        Color::Blue => named("#2472c8"),
        Color::Magenta => named("#bc3fbc"),
        Color::Cyan => named("#11a8cd"),
        Color::Gray => named("#cccccc"),
        Color::DarkGray => named("#666666"),
        Color::LightRed => named("#f14c4c"),
        Color::LightGreen => named("#23d18b"),
        Color::LightYellow => named("#f5f543"),
        Color::LightBlue => named("#3b8eea"),
        Color::LightMagenta => named("#d670d6"),
        Color::LightCyan => named("#29b8db"),
        Color::White => named("#ffffff"),
        Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
        Color::Indexed(i) => indexed(i),
    }
}

/// xterm's 256-colour palette.
fn indexed(i: u8) -> String {
    match i {
        0..=15 => "#808080".into(),
        16..=231 => {
            let i = i - 16;
            let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            format!(
                "#{:02x}{:02x}{:02x}",
                level(i / 36),
                level((i / 6) % 6),
                level(i % 6)
            )
        }
        _ => {
            let v = 8 + (i - 232) * 10;
            format!("#{v:02x}{v:02x}{v:02x}")
        }
    }
}

fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
}

/// The buffer as an SVG: a dark background, cell backgrounds as rectangles, text runs of one
/// style as `<text>` elements at their column (so box-drawing lines stay aligned).
pub fn to_svg(buf: &Buffer) -> String {
    let area = buf.area;
    let (w, h) = (
        f64::from(area.width) * CELL_W,
        f64::from(area.height) * CELL_H,
    );
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14">"#
    );
    let _ = writeln!(
        out,
        r##"<rect width="100%" height="100%" fill="#1e1e1e"/>"##
    );
    for y in area.top()..area.bottom() {
        let row = f64::from(y - area.top());
        let mut x = area.left();
        while x < area.right() {
            let cell = &buf[(x, y)];
            let style = cell.style();
            let start = x;
            let mut text = String::new();
            while x < area.right() && buf[(x, y)].style() == style {
                text.push_str(buf[(x, y)].symbol());
                x += 1;
            }
            let reversed = style.add_modifier.contains(Modifier::REVERSED);
            let (mut fg, mut bg) = (
                css(style.fg.unwrap_or(Color::Reset), "#e5e5e5"),
                style.bg.map(|c| css(c, "none")),
            );
            if reversed {
                let b = bg.unwrap_or_else(|| "#1e1e1e".into());
                bg = Some(fg);
                fg = b;
            }
            let col = f64::from(start - area.left());
            let cells = f64::from(x - start);
            if let Some(bg) = bg.filter(|b| b != "none") {
                let _ = writeln!(
                    out,
                    r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{CELL_H}" fill="{bg}"/>"#,
                    col * CELL_W,
                    row * CELL_H,
                    cells * CELL_W
                );
            }
            if text.trim().is_empty() {
                continue;
            }
            let weight = if style.add_modifier.contains(Modifier::BOLD) {
                r#" font-weight="bold""#
            } else {
                ""
            };
            let _ = write!(
                out,
                r#"<text x="{:.1}" y="{:.1}" fill="{fg}"{weight} xml:space="preserve">"#,
                col * CELL_W,
                row * CELL_H + 13.0
            );
            escape(&text, &mut out);
            out.push_str("</text>\n");
        }
    }
    out.push_str("</svg>\n");
    out
}

/// Write `kedatui-<timestamp>.txt` and `.svg` into `dir`; a second snapshot in the same second
/// gets `-2`, `-3`, … rather than overwriting the first.
pub fn write(dir: &Path, at: Timestamp, buf: &Buffer) -> io::Result<(PathBuf, PathBuf)> {
    let stem = format!("kedatui-{}", at.strftime("%Y%m%d-%H%M%S"));
    let mut n = 1;
    let (text, svg) = loop {
        let name = if n == 1 {
            stem.clone()
        } else {
            format!("{stem}-{n}")
        };
        let text = dir.join(format!("{name}.txt"));
        let svg = dir.join(format!("{name}.svg"));
        if !text.exists() && !svg.exists() {
            break (text, svg);
        }
        n += 1;
    };
    std::fs::write(&text, to_text(buf))?;
    std::fs::write(&svg, to_svg(buf))?;
    Ok((text, svg))
}

#[cfg(test)]
mod tests {
    use super::*;
    use quick_xml::Reader;
    use quick_xml::events::Event as Xml;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    fn sample() -> Buffer {
        let mut buf = Buffer::empty(Rect::new(0, 0, 24, 3));
        buf.set_string(0, 0, "queue <kedaqueue> & co", Style::new().fg(Color::Cyan));
        buf.set_string(0, 1, " SIM ", Style::new().bg(Color::Cyan).fg(Color::Black));
        buf.set_string(6, 1, "ready 8", Style::new().add_modifier(Modifier::BOLD));
        buf
    }

    /// The text of every `<text>` element, in order, after the XML parser has checked that the
    /// SVG is well-formed.
    fn svg_text(svg: &str) -> Vec<String> {
        let mut reader = Reader::from_str(svg);
        let mut texts = Vec::new();
        let mut current = String::new();
        let mut depth = 0i32;
        loop {
            match reader.read_event().expect("well-formed SVG") {
                Xml::Start(_) => {
                    depth += 1;
                    current.clear();
                }
                Xml::End(e) => {
                    depth -= 1;
                    if e.name().as_ref() == b"text" {
                        texts.push(std::mem::take(&mut current));
                    }
                }
                Xml::Text(t) => current.push_str(&t.decode().unwrap()),
                Xml::GeneralRef(r) => {
                    let name = r.decode().unwrap();
                    current.push_str(match name.as_ref() {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        other => panic!("unexpected entity {other}"),
                    });
                }
                Xml::Eof => break,
                _ => {}
            }
        }
        assert_eq!(depth, 0, "every element closed");
        texts
    }

    #[test]
    fn text_is_the_screen() {
        assert_eq!(
            to_text(&sample()),
            "queue <kedaqueue> & co\n SIM  ready 8\n\n"
        );
    }

    #[test]
    fn svg_is_well_formed_and_holds_the_screen_text() {
        let svg = to_svg(&sample());
        let joined = svg_text(&svg).join("|");
        for want in ["queue <kedaqueue> & co", "SIM", "ready 8"] {
            assert!(joined.contains(want), "{want:?} missing from {joined:?}");
        }
        assert!(
            svg.contains(r##"fill="#11a8cd""##),
            "cyan text keeps its colour"
        );
        assert!(svg.contains(r#"font-weight="bold""#));
    }

    #[test]
    fn writes_both_files_without_overwriting() {
        let dir = tempfile::tempdir().unwrap();
        let at = Timestamp::from_second(1_790_000_000).unwrap();
        let (t1, s1) = write(dir.path(), at, &sample()).unwrap();
        let (t2, s2) = write(dir.path(), at, &sample()).unwrap();
        assert_eq!(t1.file_name().unwrap(), "kedatui-20260921-141320.txt");
        assert_eq!(s2.file_name().unwrap(), "kedatui-20260921-141320-2.svg");
        assert_ne!(t1, t2);
        assert_eq!(std::fs::read_to_string(&t2).unwrap(), to_text(&sample()));
        assert!(std::fs::read_to_string(&s1).unwrap().starts_with("<svg"));
    }
}

//! `S`: the screen as plain text and as SVG, for slides. The main loop draws the App into an
//! off-screen buffer and calls [`write`]; drawing and `update` never touch files.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier, Style};

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

/// A cell is a whole number of pixels and every shape sits on the pixel grid, so neighbouring
/// cells meet without seams at any zoom a slide tool uses.
pub const CELL_W: u32 = 9;
pub const CELL_H: u32 = 18;
/// Space around the screen, as a terminal window has.
pub const MARGIN: u32 = 8;
/// The background of cells that leave it to the terminal (VS Code's dark theme).
const TERMINAL_BG: (u8, u8, u8) = (0x1e, 0x1e, 0x1e);
/// Text that leaves its colour to the terminal.
const TERMINAL_FG: (u8, u8, u8) = (0xe5, 0xe5, 0xe5);

/// The 16 ANSI colours as VS Code's terminal shows them; `Indexed(0..=15)` are the same.
const ANSI: [(u8, u8, u8); 16] = [
    (0x00, 0x00, 0x00),
    (0xcd, 0x31, 0x31),
    (0x0d, 0xbc, 0x79),
    (0xe5, 0xe5, 0x10),
    (0x24, 0x72, 0xc8),
    (0xbc, 0x3f, 0xbc),
    (0x11, 0xa8, 0xcd),
    (0xcc, 0xcc, 0xcc),
    (0x66, 0x66, 0x66),
    (0xf1, 0x4c, 0x4c),
    (0x23, 0xd1, 0x8b),
    (0xf5, 0xf5, 0x43),
    (0x3b, 0x8e, 0xea),
    (0xd6, 0x70, 0xd6),
    (0x29, 0xb8, 0xdb),
    (0xff, 0xff, 0xff),
];

/// The RGB a colour is drawn with in the SVG (`None`: the terminal's default).
pub fn rgb(color: Color) -> Option<(u8, u8, u8)> {
    let ansi = |i: usize| Some(ANSI[i]);
    match color {
        Color::Reset => None,
        Color::Black => ansi(0),
        Color::Red => ansi(1),
        Color::Green => ansi(2),
        Color::Yellow => ansi(3),
        Color::Blue => ansi(4),
        Color::Magenta => ansi(5),
        Color::Cyan => ansi(6),
        Color::Gray => ansi(7),
        Color::DarkGray => ansi(8),
        Color::LightRed => ansi(9),
        Color::LightGreen => ansi(10),
        Color::LightYellow => ansi(11),
        Color::LightBlue => ansi(12),
        Color::LightMagenta => ansi(13),
        Color::LightCyan => ansi(14),
        Color::White => ansi(15),
        Color::Rgb(r, g, b) => Some((r, g, b)),
        Color::Indexed(i) => Some(indexed(i)),
    }
}

/// xterm's 256-colour palette.
fn indexed(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => ANSI[usize::from(i)],
        16..=231 => {
            let i = i - 16;
            let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            (level(i / 36), level((i / 6) % 6), level(i % 6))
        }
        _ => {
            let v = 8 + (i - 232) * 10;
            (v, v, v)
        }
    }
}

/// A cell's foreground and background as drawn: reverse video swapped, defaults filled in.
pub fn cell_colors(style: Style) -> ((u8, u8, u8), (u8, u8, u8)) {
    let fg = style.fg.and_then(rgb).unwrap_or(TERMINAL_FG);
    let bg = style.bg.and_then(rgb).unwrap_or(TERMINAL_BG);
    if style.add_modifier.contains(Modifier::REVERSED) {
        (bg, fg)
    } else {
        (fg, bg)
    }
}

fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
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

/// Lines through a box-drawing cell, as (up, down, left, right) stroke widths in pixels.
fn box_lines(c: char) -> Option<(u32, u32, u32, u32)> {
    // Light and heavy strokes, as a terminal font draws them at this size.
    const L: u32 = 2;
    const H: u32 = 4;
    Some(match c {
        '─' => (0, 0, L, L),
        '━' => (0, 0, H, H),
        '│' => (L, L, 0, 0),
        '┃' => (H, H, 0, 0),
        '┌' => (0, L, 0, L),
        '┐' => (0, L, L, 0),
        '└' => (L, 0, 0, L),
        '┘' => (L, 0, L, 0),
        '├' => (L, L, 0, L),
        '┤' => (L, L, L, 0),
        '┬' => (0, L, L, L),
        '┴' => (L, 0, L, L),
        '┼' => (L, L, L, L),
        _ => return None,
    })
}

/// Block elements as (x, y, w, h) fractions of the cell in eighths, and an opacity.
fn block_rect(c: char) -> Option<([u32; 4], f32)> {
    Some(match c {
        '█' => ([0, 0, 8, 8], 1.0),
        '▀' => ([0, 0, 8, 4], 1.0),
        '▄' => ([0, 4, 8, 4], 1.0),
        '▌' => ([0, 0, 4, 8], 1.0),
        '▐' => ([4, 0, 4, 8], 1.0),
        '░' => ([0, 0, 8, 8], 0.25),
        '▒' => ([0, 0, 8, 8], 0.5),
        '▓' => ([0, 0, 8, 8], 0.75),
        _ => return None,
    })
}

/// Where a braille dot is drawn in its cell: (x, y, size) in pixels. Terminal fonts draw the
/// dots large, so a chart line reads as a line, not as sparse specks.
pub fn braille_dot(dot: u8) -> (u32, u32, u32) {
    // Bits 0..=7 are dots 1-2-3-7 (left column) and 4-5-6-8 (right column).
    let (col, row) = match dot {
        0 => (0, 0),
        1 => (0, 1),
        2 => (0, 2),
        3 => (1, 0),
        4 => (1, 1),
        5 => (1, 2),
        6 => (0, 3),
        _ => (1, 3),
    };
    let size = 3;
    (1 + col * 4, 1 + row * 4 + row / 2, size)
}

/// The buffer as an SVG that looks like the screen: the background of the most common cell,
/// other backgrounds as rectangles on the pixel grid, box-drawing lines, blocks and braille
/// dots as shapes (so borders line up and the chart stays solid whatever font the viewer has),
/// and text runs of one style stretched to exactly their cells.
pub fn to_svg(buf: &Buffer) -> String {
    let area = buf.area;
    let (cols, rows) = (u32::from(area.width), u32::from(area.height));
    let (w, h) = (cols * CELL_W + 2 * MARGIN, rows * CELL_H + 2 * MARGIN);
    let cell_at = |x: u32, y: u32| &buf[(area.left() + x as u16, area.top() + y as u16)];
    // The page takes the colour most cells have, so the margin matches the screen's theme.
    let mut counts = std::collections::HashMap::new();
    for y in 0..rows {
        for x in 0..cols {
            *counts
                .entry(cell_colors(cell_at(x, y).style()).1)
                .or_insert(0u32) += 1;
        }
    }
    let page = counts
        .into_iter()
        .max_by_key(|&(c, n)| (n, c))
        .map_or(TERMINAL_BG, |(c, _)| c);
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="15" shape-rendering="crispEdges">"#
    );
    let _ = writeln!(
        out,
        r#"<rect width="{w}" height="{h}" fill="{}"/>"#,
        hex(page)
    );
    let px = |x: u32| MARGIN + x * CELL_W;
    let py = |y: u32| MARGIN + y * CELL_H;
    // Backgrounds, one rectangle per run of one colour.
    for y in 0..rows {
        let mut x = 0;
        while x < cols {
            let bg = cell_colors(cell_at(x, y).style()).1;
            let start = x;
            while x < cols && cell_colors(cell_at(x, y).style()).1 == bg {
                x += 1;
            }
            if bg != page {
                let _ = writeln!(
                    out,
                    r#"<rect x="{}" y="{}" width="{}" height="{CELL_H}" fill="{}"/>"#,
                    px(start),
                    py(y),
                    (x - start) * CELL_W,
                    hex(bg)
                );
            }
        }
    }
    // Shapes: box drawing, blocks, braille.
    for y in 0..rows {
        for x in 0..cols {
            let cell = cell_at(x, y);
            let Some(c) = cell.symbol().chars().next() else {
                continue;
            };
            let fill = hex(cell_colors(cell.style()).0);
            let (x0, y0) = (px(x), py(y));
            let mut rect = |rx: u32, ry: u32, rw: u32, rh: u32, opacity: f32| {
                let op = if opacity < 1.0 {
                    format!(r#" fill-opacity="{opacity}""#)
                } else {
                    String::new()
                };
                let _ = writeln!(
                    out,
                    r#"<rect x="{rx}" y="{ry}" width="{rw}" height="{rh}" fill="{fill}"{op}/>"#
                );
            };
            if let Some((up, down, left, right)) = box_lines(c) {
                let (cx, cy) = (x0 + CELL_W / 2, y0 + CELL_H / 2);
                let hw = up.max(down).max(1);
                let vw = left.max(right).max(1);
                if up > 0 {
                    rect(cx - up / 2, y0, up, CELL_H / 2 + vw.div_ceil(2), 1.0);
                }
                if down > 0 {
                    rect(
                        cx - down / 2,
                        cy - vw / 2,
                        down,
                        CELL_H - CELL_H / 2 + vw / 2,
                        1.0,
                    );
                }
                if left > 0 {
                    rect(x0, cy - left / 2, CELL_W / 2 + hw.div_ceil(2), left, 1.0);
                }
                if right > 0 {
                    rect(
                        cx - hw / 2,
                        cy - right / 2,
                        CELL_W - CELL_W / 2 + hw / 2,
                        right,
                        1.0,
                    );
                }
            } else if let Some(([bx, by, bw, bh], opacity)) = block_rect(c) {
                let (x8, y8) = (|v: u32| v * CELL_W / 8, |v: u32| v * CELL_H / 8);
                rect(x0 + x8(bx), y0 + y8(by), x8(bw), y8(bh), opacity);
            } else if ('\u{2800}'..='\u{28ff}').contains(&c) {
                let bits = (c as u32 - 0x2800) as u8;
                for dot in 0..8 {
                    if bits & (1 << dot) != 0 {
                        let (dx, dy, size) = braille_dot(dot);
                        rect(x0 + dx, y0 + dy, size, size, 1.0);
                    }
                }
            }
        }
    }
    // Text, one element per run of one style, stretched to its cells.
    for y in 0..rows {
        let mut x = 0;
        while x < cols {
            let style = cell_at(x, y).style();
            let start = x;
            let mut text = String::new();
            while x < cols && cell_at(x, y).style() == style {
                let c = cell_at(x, y).symbol();
                let ch = c.chars().next().unwrap_or(' ');
                let shape = box_lines(ch).is_some()
                    || block_rect(ch).is_some()
                    || ('\u{2800}'..='\u{28ff}').contains(&ch);
                text.push_str(if shape { " " } else { c });
                x += 1;
            }
            if text.trim().is_empty() {
                continue;
            }
            // Leading and trailing blanks are cells too: trim them and move the run.
            let lead = text.chars().take_while(|c| *c == ' ').count() as u32;
            let body = text.trim();
            let cells = body.chars().count() as u32;
            let fg = cell_colors(style).0;
            let mut attrs = String::new();
            if style.add_modifier.contains(Modifier::BOLD) {
                attrs.push_str(r#" font-weight="bold""#);
            }
            if style.add_modifier.contains(Modifier::DIM) {
                attrs.push_str(r#" fill-opacity="0.6""#);
            }
            let mut deco = Vec::new();
            if style.add_modifier.contains(Modifier::CROSSED_OUT) {
                deco.push("line-through");
            }
            if style.add_modifier.contains(Modifier::UNDERLINED) {
                deco.push("underline");
            }
            if !deco.is_empty() {
                let _ = write!(attrs, r#" text-decoration="{}""#, deco.join(" "));
            }
            let _ = write!(
                out,
                r#"<text x="{}" y="{}" textLength="{}" lengthAdjust="spacingAndGlyphs" fill="{}"{attrs} xml:space="preserve">"#,
                px(start + lead),
                py(y) + CELL_H - 5,
                cells * CELL_W,
                hex(fg)
            );
            escape(body, &mut out);
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

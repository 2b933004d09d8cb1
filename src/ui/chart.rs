//! Queue depth (top) and replicas, spec and ready (bottom), over the last minutes, with markers
//! for bursts and KEDA activation/deactivation. Reads only the visible window of the history.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker as Glyph;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Borders, Chart, Dataset, GraphType, Widget};

use super::theme;
use crate::app::App;
use crate::app::format::kubectl_age;
use crate::app::history::MarkerKind;
use jiff::SignedDuration;

/// The visible window.
pub const WINDOW: SignedDuration = SignedDuration::from_mins(5);

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let frozen = app.frozen_at.is_some();
    // The presenter theme tells the lines apart by glyph too, not by colour alone.
    let shapes = app.presenter.theme == crate::presenter::ThemeKind::Presenter;
    let glyph = |kind: Option<&MarkerKind>, spec: bool| match (shapes, kind, spec) {
        (false, _, _) => Glyph::Braille,
        (true, Some(MarkerKind::KedaActivated), _) => Glyph::Block,
        (true, Some(MarkerKind::KedaDeactivated), _) => Glyph::Dot,
        (true, None, true) => Glyph::Dot,
        (true, _, _) => Glyph::Braille,
    };
    let legend = |plain: &'static str, shaped: &'static str| if shapes { shaped } else { plain };
    let title = Line::from(vec![
        Span::styled(
            format!(" Last {} min ", WINDOW.as_secs() / 60),
            theme::title(),
        ),
        Span::styled("━ depth ", Style::new().fg(theme::DEPTH)),
        Span::styled(
            legend("━ spec ", "• spec "),
            Style::new().fg(theme::SPEC_REPLICAS),
        ),
        Span::styled("━ ready ", Style::new().fg(theme::READY_REPLICAS)),
        Span::styled("│ burst ", Style::new().fg(theme::BURST_MARKER)),
        Span::styled(
            legend("│ KEDA on ", "█ KEDA on "),
            Style::new().fg(theme::ACTIVATED_MARKER),
        ),
        Span::styled(
            legend("│ off ", "• off "),
            Style::new().fg(theme::DEACTIVATED_MARKER),
        ),
        if frozen {
            Span::styled(" FROZEN ", theme::key())
        } else {
            Span::raw("")
        },
    ]);
    let block = Block::new().borders(Borders::ALL).title(title);
    let inner = block.inner(area);
    block.render(area, buf);
    let Some(end) = app.frozen_at.or(app.now) else {
        return;
    };
    let to = end.as_second();
    let from = to - WINDOW.as_secs();

    // One pass over the window builds all three series and their maxima.
    let mut depth = Vec::with_capacity(WINDOW.as_secs() as usize + 1);
    let mut spec = Vec::with_capacity(depth.capacity());
    let mut ready = Vec::with_capacity(depth.capacity());
    let (mut max_depth, mut max_replicas) = (0u64, 0u32);
    for p in app.history.window(from, to) {
        let x = (p.second - from) as f64;
        depth.push((x, p.depth as f64));
        spec.push((x, f64::from(p.spec_replicas)));
        ready.push((x, f64::from(p.ready_replicas)));
        max_depth = max_depth.max(p.depth);
        max_replicas = max_replicas.max(p.spec_replicas);
    }
    let depth_top = nice_ceiling(max_depth.max(10) as f64 * 1.1);
    let replicas_top = f64::from(max_replicas.max(4) + 1);

    type MarkerLines = (MarkerKind, [(f64, f64); 2], [(f64, f64); 2]);
    let markers: Vec<MarkerLines> = app
        .history
        .markers(from, to)
        .map(|m| {
            let x = (m.at.as_second() - from) as f64;
            (
                m.kind,
                [(x, 0.0), (x, depth_top)],
                [(x, 0.0), (x, replicas_top)],
            )
        })
        .collect();
    let marker_sets = |second: bool| -> Vec<Dataset<'_>> {
        markers
            .iter()
            .map(|(kind, a, b)| {
                let color = match kind {
                    MarkerKind::Burst(_) => theme::BURST_MARKER,
                    MarkerKind::KedaActivated => theme::ACTIVATED_MARKER,
                    MarkerKind::KedaDeactivated => theme::DEACTIVATED_MARKER,
                };
                Dataset::default()
                    .graph_type(GraphType::Line)
                    .marker(glyph(Some(kind), false))
                    .style(Style::new().fg(color))
                    .data(if second { b } else { a })
            })
            .collect()
    };

    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(inner);
    let x_labels = x_labels(inner.width);
    let x_axis = |labels: bool| {
        let axis = Axis::default()
            .bounds([0.0, WINDOW.as_secs() as f64])
            .style(theme::dim());
        if labels {
            axis.labels(x_labels.clone())
        } else {
            axis
        }
    };

    let mut top_sets = marker_sets(false);
    top_sets.push(
        Dataset::default()
            .graph_type(GraphType::Line)
            .marker(Glyph::Braille)
            .style(Style::new().fg(theme::DEPTH))
            .data(&depth),
    );
    Chart::new(top_sets)
        .x_axis(x_axis(false))
        .y_axis(
            Axis::default()
                .bounds([0.0, depth_top])
                .labels(vec![
                    Span::raw(format!("{:>5}", 0)),
                    Span::styled(format!("{depth_top:>5.0}"), Style::new().fg(theme::DEPTH)),
                ])
                .style(theme::dim()),
        )
        .legend_position(None)
        .render(top, buf);

    let mut bottom_sets = marker_sets(true);
    bottom_sets.push(
        Dataset::default()
            .graph_type(GraphType::Line)
            .marker(glyph(None, true))
            .style(Style::new().fg(theme::SPEC_REPLICAS))
            .data(&spec),
    );
    bottom_sets.push(
        Dataset::default()
            .graph_type(GraphType::Line)
            .marker(Glyph::Braille)
            .style(Style::new().fg(theme::READY_REPLICAS))
            .data(&ready),
    );
    Chart::new(bottom_sets)
        .x_axis(x_axis(bottom.height >= 4))
        .y_axis(
            Axis::default()
                .bounds([0.0, replicas_top])
                .labels(vec![
                    Span::raw(format!("{:>5}", 0)),
                    Span::styled(
                        format!("{replicas_top:>5.0}"),
                        Style::new().fg(Color::Yellow),
                    ),
                ])
                .style(theme::dim()),
        )
        .legend_position(None)
        .render(bottom, buf);
}

fn x_labels(width: u16) -> Vec<Span<'static>> {
    let ago = |secs: i64| Span::raw(format!("-{}", kubectl_age(SignedDuration::from_secs(secs))));
    let w = WINDOW.as_secs();
    if width >= 60 {
        vec![ago(w), ago(w / 2), Span::raw("now")]
    } else {
        vec![ago(w), Span::raw("now")]
    }
}

/// Round an axis maximum up to 1, 2 or 5 × 10ⁿ so the label is a round number.
pub fn nice_ceiling(v: f64) -> f64 {
    if v <= 1.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(v.log10().floor());
    for step in [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0] {
        if step * magnitude >= v {
            return step * magnitude;
        }
    }
    10.0 * magnitude
}

#[cfg(test)]
mod tests {
    #[test]
    fn nice_ceiling_rounds_up() {
        for (v, want) in [
            (0.5, 1.0),
            (11.0, 12.0),
            (20.0, 20.0),
            (437.0, 500.0),
            (5500.0, 6000.0),
            (1.1, 1.2),
            (1100.0, 1200.0),
        ] {
            assert_eq!(super::nice_ceiling(v), want, "{v}");
        }
    }
}

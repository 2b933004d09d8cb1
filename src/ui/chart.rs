//! Queue depth (top) and replicas, spec and ready (bottom), over the last minutes, with markers
//! for bursts and KEDA activation/deactivation. Reads only the visible window of the history.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker as Glyph;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Borders, Chart, Dataset, GraphType, Widget};

use super::theme;
use crate::app::App;
use crate::app::history::MarkerKind;
use crate::format::{group_thousands, kubectl_age};
use jiff::SignedDuration;

/// The visible window.
pub const WINDOW: SignedDuration = SignedDuration::from_mins(5);

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let frozen = app.queue.frozen_at.is_some();
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
    // The block's title names the top pane (with its unit), a rule names the bottom one, and
    // the markers' legend sits on the bottom border: each survives an 80×24 screen.
    let title = Line::from(vec![
        Span::styled(" Queue depth ", theme::title().fg(theme::DEPTH)),
        Span::styled("(messages) ", theme::title()),
        Span::styled(
            format!("· last {} min ", WINDOW.as_secs() / 60),
            theme::label(),
        ),
        if frozen {
            Span::styled(" FROZEN ", theme::key())
        } else {
            Span::raw("")
        },
    ]);
    // The lines go flat while a source is away: say whose numbers stopped, and since when
    // (in place of the window's length, so it survives a narrow screen).
    let stale: Vec<String> = [
        ("counts", app.queue_freshness()),
        ("replicas", app.cluster_freshness()),
    ]
    .into_iter()
    .filter(|(_, f)| matches!(f, crate::app::stale::Freshness::Stale { .. }))
    .filter_map(|(what, f)| f.marker().map(|m| format!("{what} {m}")))
    .collect();
    let mut title = title;
    if !stale.is_empty() {
        title.spans[2] = Span::styled(format!("{} ", stale.join(" · ")), theme::warn());
    }
    let markers_legend = Line::from(vec![
        Span::raw(" "),
        Span::styled("│ burst ", Style::new().fg(theme::BURST_MARKER)),
        Span::raw(" "),
        Span::styled(
            legend("│ KEDA on ", "█ KEDA on "),
            Style::new().fg(theme::ACTIVATED_MARKER),
        ),
        Span::raw(" "),
        Span::styled(
            legend("│ KEDA off ", "• KEDA off "),
            Style::new().fg(theme::DEACTIVATED_MARKER),
        ),
    ]);
    let block = Block::new()
        .borders(Borders::ALL)
        .title(title)
        .title_bottom(markers_legend);
    let inner = block.inner(area);
    block.render(area, buf);
    let Some(end) = app.queue.frozen_at.or(app.now) else {
        return;
    };
    let to = end.as_second();
    let from = to - WINDOW.as_secs();

    // One pass over the window builds all three series and their maxima.
    let mut depth = Vec::with_capacity(WINDOW.as_secs() as usize + 1);
    let mut spec = Vec::with_capacity(depth.capacity());
    let mut ready = Vec::with_capacity(depth.capacity());
    let (mut max_depth, mut max_replicas) = (0u64, 0u32);
    for p in app.queue.history.window(from, to) {
        let x = (p.second - from) as f64;
        depth.push((x, p.depth as f64));
        spec.push((x, f64::from(p.spec_replicas)));
        ready.push((x, f64::from(p.ready_replicas)));
        max_depth = max_depth.max(p.depth);
        max_replicas = max_replicas.max(p.spec_replicas);
    }
    let depth_top = nice_ceiling(max_depth.max(10) as f64 * 1.1);
    let replicas_top = nice_ceiling(f64::from(max_replicas.max(4)));
    type MarkerLines = (MarkerKind, [(f64, f64); 2], [(f64, f64); 2]);
    let markers: Vec<MarkerLines> = app
        .queue
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

    // One row between the panes for the bottom pane's title.
    let plots = inner.height.saturating_sub(1);
    // On a tall chart the bottom pane also holds the time axis: it gets the odd row.
    let top_rows = if plots >= 12 {
        plots / 2
    } else {
        plots.div_ceil(2)
    };
    let [top, rule, bottom] = Layout::vertical([
        Constraint::Length(top_rows),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(inner);
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
    let bottom_labels = bottom.height >= 4;
    let bottom_plot = if bottom_labels {
        bottom.height - 2
    } else {
        bottom.height
    };
    let depth_ticks = ticks(depth_top, top.height);
    let replica_ticks = ticks(replicas_top, bottom_plot);
    // Both panes' y labels share one width, so their axes line up.
    let label_w = depth_ticks
        .iter()
        .chain(&replica_ticks)
        .map(|t| t.chars().count())
        .max()
        .unwrap_or(1);
    let y_labels = |ticks: &[String]| -> Vec<Span<'static>> {
        ticks
            .iter()
            .map(|t| Span::raw(format!("{t:>label_w$}")))
            .collect()
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
                .labels(y_labels(&depth_ticks))
                .style(theme::dim()),
        )
        .legend_position(None)
        .render(top, buf);

    let rule_line = Line::from(vec![
        Span::styled(format!("{} ", "─".repeat(label_w + 1)), theme::dim()),
        Span::styled("Replicas ", theme::title()),
        Span::styled("(pods) ", theme::title()),
        Span::styled("━ spec ", Style::new().fg(theme::SPEC_REPLICAS)),
        Span::styled(
            legend("━ ready ", "━ ready "),
            Style::new().fg(theme::READY_REPLICAS),
        ),
    ]);
    let rule_line = if shapes {
        Line::from(
            rule_line
                .spans
                .into_iter()
                .map(|s| {
                    if s.content == "━ spec " {
                        Span::styled("• spec ", s.style)
                    } else {
                        s
                    }
                })
                .collect::<Vec<_>>(),
        )
    } else {
        rule_line
    };
    let fill = usize::from(rule.width).saturating_sub(rule_line.width());
    let mut rule_spans = rule_line.spans;
    rule_spans.push(Span::styled("─".repeat(fill), theme::dim()));
    Line::from(rule_spans).render(rule, buf);

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
        .x_axis(x_axis(bottom_labels))
        .y_axis(
            Axis::default()
                .bounds([0.0, replicas_top])
                .labels(y_labels(&replica_ticks))
                .style(theme::dim()),
        )
        .legend_position(None)
        .render(bottom, buf);
}

/// Tick labels from 0 to `top` (a round number): the middle one too when the pane has a middle
/// row (ratatui spreads labels over `rows − 1` in whole rows) and it is a whole number.
fn ticks(top: f64, rows: u16) -> Vec<String> {
    let label = |v: f64| group_thousands(v.round() as u64);
    let half = top / 2.0;
    if rows >= 5 && rows % 2 == 1 && half.fract() == 0.0 {
        vec![label(0.0), label(half), label(top)]
    } else {
        vec![label(0.0), label(top)]
    }
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

/// Round an axis maximum up to a round number whose half is round too (1, 1.2, 2, 4, 5, 6 or
/// 8 × 10ⁿ), so the ticks read 0, 600, 1 200.
pub fn nice_ceiling(v: f64) -> f64 {
    if v <= 1.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(v.log10().floor());
    for step in [1.0, 1.2, 2.0, 4.0, 5.0, 6.0, 8.0, 10.0] {
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
            (1400.0, 2000.0),
            (16.0, 20.0),
            (4.0, 4.0),
        ] {
            assert_eq!(super::nice_ceiling(v), want, "{v}");
        }
    }
}

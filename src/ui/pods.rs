//! The pod table in `kubectl get pods` terms: NAME, STATUS, READY, RESTARTS, AGE.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row, Table, Widget};

use super::theme;
use crate::app::stale::Freshness;
use crate::app::{App, PodRow};
use kedatui_core::kubectl;

const STATUS_W: u16 = 17; // "ContainerCreating"
const READY_W: u16 = 5;
const AGE_W: u16 = 5;
/// The narrowest NAME column (`…x2k9p` and a little).
const MIN_NAME_W: u16 = 8;

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let total = app.cluster.pods.len();
    let ready = app
        .cluster
        .pods
        .iter()
        .filter(|r| {
            !r.pod.deleting
                && r.pod.total_containers > 0
                && r.pod.ready_containers == r.pod.total_containers
        })
        .count();
    let visible = usize::from(area.height.saturating_sub(3)); // borders + header
    let max_scroll = total.saturating_sub(visible.max(1));
    let scroll = app.cluster.pod_scroll.min(max_scroll);
    let mut title = vec![
        Span::styled(" Pods ", theme::title()),
        Span::styled(format!("{total} ({ready} ready) "), theme::label()),
    ];
    // A held watch or a lost cluster: these rows are what was last seen, and say so.
    let freshness = app.cluster_freshness();
    if let Some(m) = freshness.explained() {
        title.push(Span::styled(format!("{m} "), theme::warn()));
    }
    if scroll > 0 || total > scroll + visible {
        title.push(Span::styled(
            format!(
                "{}–{} of {} ↑↓ ",
                scroll + 1,
                (scroll + visible).min(total),
                total
            ),
            theme::dim(),
        ));
    }
    let block = Block::new().borders(Borders::ALL).title(Line::from(title));
    let inner_w = block.inner(area).width;
    let narrow = inner_w < 60;
    let restarts_header = if narrow { "RST" } else { "RESTARTS" };
    let shown: Vec<&PodRow> = app.cluster.pods.iter().skip(scroll).take(visible).collect();
    // RESTARTS as kubectl prints it (`1 (2s ago)`) when the column can be that wide, else the
    // count alone: never a text cut mid-word (`1 (2s ag`).
    let fixed = STATUS_W + READY_W + AGE_W + 4; // column gaps
    let full: Vec<String> = shown
        .iter()
        .map(|r| kubectl::restarts_text(&r.pod, app.now.unwrap_or(r.pod.created)))
        .collect();
    let restarts: Vec<String> = if fixed + column_w(&full, restarts_header) + MIN_NAME_W <= inner_w
    {
        full
    } else {
        shown.iter().map(|r| r.pod.restarts.to_string()).collect()
    };
    let restarts_w = column_w(&restarts, restarts_header);
    let name_w = inner_w.saturating_sub(fixed + restarts_w).max(MIN_NAME_W);

    if total == 0 {
        let msg = match (&app.cluster.deployment, &freshness) {
            (_, Freshness::Unknown { .. }) => "pods not read yet",
            (Some(d), _) if d.spec_replicas == 0 => "no pods: the Deployment is scaled to zero",
            _ => "no pods",
        };
        ratatui::widgets::Paragraph::new(Line::styled(msg, theme::dim()))
            .block(block)
            .render(area, buf);
        return;
    }

    let rows = shown
        .into_iter()
        .zip(restarts)
        .map(|(r, restarts)| row(app, r, restarts, name_w, &app.config.deployment));
    let header =
        Row::new(["NAME", "STATUS", "READY", restarts_header, "AGE"]).style(theme::label().bold());
    Table::new(
        rows,
        [
            Constraint::Length(name_w),
            Constraint::Length(STATUS_W),
            Constraint::Length(READY_W),
            Constraint::Length(restarts_w),
            Constraint::Length(AGE_W),
        ],
    )
    .header(header)
    .block(block)
    .render(area, buf);
}

fn row<'a>(app: &App, r: &'a PodRow, restarts: String, name_w: u16, deployment: &str) -> Row<'a> {
    let pod = &r.pod;
    let ready = pod.total_containers > 0 && pod.ready_containers == pod.total_containers;
    let style = if !app.cluster_freshness().is_live() {
        theme::dim()
    } else if app.is_flashing(r) {
        theme::flash()
    } else {
        theme::pod_status(&pod.status, ready, pod.deleting)
    };
    let now = app.now.unwrap_or(pod.created);
    Row::new([
        Cell::from(fit_name(&pod.name, deployment, usize::from(name_w))),
        Cell::from(pod.status.clone()),
        Cell::from(kubectl::ready_text(pod)),
        Cell::from(restarts),
        Cell::from(kubectl::age_text(pod.created, now)),
    ])
    .style(style)
}

/// The width of a column holding `header` and `texts`.
fn column_w(texts: &[String], header: &str) -> u16 {
    let widest = texts.iter().map(|t| t.chars().count()).max().unwrap_or(0);
    widest.max(header.chars().count()) as u16
}

/// Pod names are long (`kedasbreceiver-5d8f7c9b4-x2k9p`); when the column is narrow drop the
/// Deployment prefix, then the template hash, keeping the part that tells pods apart.
pub fn fit_name(name: &str, deployment: &str, width: usize) -> String {
    if name.chars().count() <= width {
        return name.to_owned();
    }
    let rest = name
        .strip_prefix(deployment)
        .and_then(|r| r.strip_prefix('-'))
        .unwrap_or(name);
    let short = format!("…{rest}");
    if short.chars().count() <= width {
        return short;
    }
    let suffix = rest.rsplit('-').next().unwrap_or(rest);
    let shorter = format!("…{suffix}");
    if shorter.chars().count() <= width {
        return shorter;
    }
    shorter.chars().take(width).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn fit_name_keeps_the_distinguishing_suffix() {
        let name = "kedasbreceiver-5d8f7c9b4-x2k9p";
        let cases = [
            (40, name),
            (30, name),
            (29, "…5d8f7c9b4-x2k9p"),
            (16, "…5d8f7c9b4-x2k9p"),
            (15, "…x2k9p"),
            (6, "…x2k9p"),
            (4, "…x2k"),
        ];
        for (w, want) in cases {
            assert_eq!(
                super::fit_name(name, "kedasbreceiver", w),
                want,
                "width {w}"
            );
        }
    }
}

//! Mode, namespace, queue, ScaledObject, clock and warp; the scaling settings in force.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::theme;
use crate::app::keymap::format_factor;
use crate::app::{App, Mode};
use crate::event::Health;
use crate::format::short_duration;
use kedatui_core::model::HpaBehaviorKind;

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let mode = match app.config.mode {
        Mode::Simulator => Span::styled(
            " SIM ",
            Style::new().fg(Color::Black).bg(Color::Cyan).bold(),
        ),
        // The lab is live over real protocols, but nobody may take it for Azure.
        Mode::Live if app.lab => Span::styled(
            " LIVE (lab) ",
            Style::new().fg(Color::Black).bg(Color::Yellow).bold(),
        ),
        Mode::Live => Span::styled(
            " LIVE ",
            Style::new().fg(Color::White).bg(Color::Red).bold(),
        ),
    };
    // After the Wi-Fi fallback: nobody may take the simulator for the real cluster.
    let from_live = if app.from_live {
        Span::styled(
            " not live: simulated from the last live numbers ",
            theme::warn(),
        )
    } else {
        Span::raw("")
    };
    let clock = app
        .now
        .map(|t| t.strftime("%H:%M:%S UTC").to_string())
        .unwrap_or_else(|| "--:--:--".into());
    let build_right = |compact: bool| -> Line<'static> {
        let mut right = live_health(app, compact);
        right.push(Span::styled(clock.clone(), theme::value()));
        if let Some(replay) = &app.presenter.replay {
            // A replay says so first, so nobody takes it for today's run.
            let state = if replay.finished() {
                "end"
            } else if replay.paused {
                "paused"
            } else {
                "playing"
            };
            right.insert(
                0,
                Span::styled(
                    format!(
                        " REPLAY {state} {} ×{} ",
                        crate::format::replay_position(replay.position_ms, replay.length_ms),
                        replay.speed
                    ),
                    Style::new().fg(Color::Black).bg(Color::Magenta).bold(),
                ),
            );
            right.insert(1, Span::raw("  "));
        } else if app.is_simulator() {
            right.push(Span::styled(
                format!("  warp ×{}", format_factor(app.warp)),
                theme::warn(),
            ));
        }
        Line::from(right).right_aligned()
    };
    let mut right = build_right(false);
    let mut right_w = right.width() as u16 + 1;
    let left_with = |labels: [&'static str; 3]| {
        Line::from(vec![
            Span::styled(" kedatui ", theme::title()),
            mode.clone(),
            from_live.clone(),
            Span::styled(labels[0], theme::label()),
            Span::styled(app.config.namespace.clone(), theme::value()),
            Span::styled(labels[1], theme::label()),
            Span::styled(app.config.queue.clone(), theme::value()),
            Span::styled(labels[2], theme::label()),
            Span::styled(app.config.scaled_object.clone(), theme::value()),
        ])
    };
    // Keyless live mode names the signed-in identity after the names.
    let left_with = |labels: [&'static str; 3]| {
        let mut line = left_with(labels);
        if let (Some(who), Mode::Live) = (&app.sign_in, app.config.mode) {
            line.push_span(Span::styled("  Entra: ", theme::label()));
            line.push_span(Span::styled(who.clone(), theme::value()));
        }
        line
    };
    let mut left = left_with(["  ns ", "  queue ", "  ScaledObject "]);
    if left.width() as u16 + right_w > area.width {
        left = left_with([" ", " q ", " so "]);
    }
    if left.width() as u16 + right_w > area.width && app.config.mode == Mode::Live {
        // Narrow screen: the health words shrink before the names are cut.
        right = build_right(true);
        right_w = right.width() as u16 + 1;
    }
    let first = Rect { height: 1, ..area };
    Paragraph::new(right).render(first, buf);
    let left_area = Rect {
        width: first.width.saturating_sub(right_w),
        ..first
    };
    Paragraph::new(left).render(left_area, buf);

    if area.height < 2 {
        return;
    }
    let second = Rect {
        y: area.y + 1,
        height: 1,
        ..area
    };
    Paragraph::new(settings_line(app)).render(second, buf);
}

/// The numbers the scaling decisions use, then any source that is not healthy.
fn settings_line(app: &App) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    let problems: Vec<Span> = app
        .health
        .iter()
        .map(|(source, health)| (source_name(app, *source), health))
        .filter_map(|(source, health)| match health {
            Health::Connected => None,
            Health::Reconnecting(what) => Some(Span::styled(
                format!("{source}: reconnecting ({what}) "),
                theme::warn(),
            )),
            Health::Down(err) => Some(Span::styled(format!("{source} down: {err} "), theme::bad())),
        })
        .collect();
    if !problems.is_empty() {
        // The way out first, so a narrow screen still shows it.
        if app.config.mode == Mode::Live {
            spans.push(Span::styled("[s: switch to simulator] ", theme::warn()));
        }
        spans.extend(problems);
        return Line::from(spans);
    }
    let Some(so) = &app.cluster.scaled_object else {
        spans.push(Span::styled("waiting for the ScaledObject…", theme::dim()));
        return Line::from(spans);
    };
    let behavior = match so.hpa_behavior {
        HpaBehaviorKind::Legacy => "legacy",
        HpaBehaviorKind::Configured => "behavior",
    };
    let prefix = if app.from_live {
        "simulated with "
    } else if app.is_simulator() {
        "demo settings "
    } else {
        "settings "
    };
    // Named as the trigger's metadata names them.
    let (target, activation) = so.scaler.unwrap_or(app.config.scaler).target_names();
    let pairs = [
        ("polling", short_duration(so.polling_interval)),
        ("cooldown", short_duration(so.cooldown_period)),
        ("min", so.min_replicas.to_string()),
        ("max", so.max_replicas.to_string()),
        (target, so.message_count.to_string()),
        (activation, so.activation_message_count.to_string()),
        ("HPA", behavior.to_string()),
    ];
    spans.push(Span::styled(prefix, theme::dim()));
    for (i, (k, v)) in pairs.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme::dim()));
        }
        spans.push(Span::styled(format!("{k} "), theme::label()));
        spans.push(Span::styled(v, Style::new().fg(Color::White)));
    }
    Line::from(spans)
}

/// Live mode: one word per source (the queue's broker, cluster) so a failing link shows at a
/// glance. `compact`: `SB ok k8s retry` (or `MQ ok …`) for narrow screens.
fn live_health(app: &App, compact: bool) -> Vec<Span<'static>> {
    if app.config.mode != Mode::Live {
        return Vec::new();
    }
    let mut spans = Vec::new();
    let scaler = app.config.scaler;
    for (key, label, short) in [
        (
            crate::app::SourceKindKey::Queue,
            scaler.label(),
            scaler.short_label(),
        ),
        (crate::app::SourceKindKey::Cluster, "cluster", "k8s"),
    ] {
        let (word, short_word, style) = match app.health.get(&key) {
            None => ("connecting", "…", theme::dim()),
            Some(Health::Connected) => ("ok", "ok", theme::good()),
            Some(Health::Reconnecting(_)) => ("reconnecting", "retry", theme::warn()),
            Some(Health::Down(_)) => ("DOWN", "DOWN", theme::bad()),
        };
        let (label, word) = if compact {
            (short, short_word)
        } else {
            (label, word)
        };
        spans.push(Span::styled(format!("{label} "), theme::label()));
        spans.push(Span::styled(word, style));
        spans.push(Span::raw(if compact { " " } else { "  " }));
    }
    spans
}

fn source_name(app: &App, source: crate::app::SourceKindKey) -> &'static str {
    match source {
        crate::app::SourceKindKey::Simulator => "simulator",
        crate::app::SourceKindKey::Queue => app.config.scaler.label(),
        crate::app::SourceKindKey::Cluster => "cluster",
    }
}

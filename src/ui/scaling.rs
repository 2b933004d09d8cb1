//! The "why" panel: KEDA's activation state and timers, and the HPA's last decision as arithmetic.

use jiff::{SignedDuration, Timestamp};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use super::theme;
use crate::app::App;
use crate::app::format::short_duration;
use crate::model::{HpaBehaviorKind, HpaDecision, LimitReason, ScaledObjectView};

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let block = Block::new()
        .borders(Borders::ALL)
        .title(Span::styled(" Scaling: why ", theme::title()));
    let inner = block.inner(area);
    block.render(area, buf);
    let width = usize::from(inner.width);
    // On a short panel keep what explains the decision; drop the context lines.
    let roomy = inner.height >= 10;
    let short = inner.height < 8;
    let indent = if width >= 44 { 7 } else { 2 };
    let mut lines = Vec::new();
    match (&app.scaled_object, app.now) {
        (Some(so), Some(now)) => {
            for (i, mut pieces) in keda_lines(so, app.depth_active(), app.deployment_spec(), now)
                .into_iter()
                .enumerate()
            {
                if i > 0 {
                    pieces.insert(0, Span::raw(" ".repeat(indent)));
                }
                lines.extend(flow(pieces, width, indent));
            }
        }
        _ => lines.push(Line::styled(
            "KEDA   waiting for the ScaledObject…",
            theme::dim(),
        )),
    }
    if roomy {
        lines.push(Line::raw(""));
    }
    let behavior = app
        .scaled_object
        .as_ref()
        .map_or(HpaBehaviorKind::Legacy, |so| so.hpa_behavior);
    let hpa_label = Span::styled("HPA    ", theme::title());
    match &app.hpa {
        None => lines.push(Line::styled("HPA    not created yet", theme::dim())),
        Some(_) if app.deployment_spec() == Some(0) => {
            let pieces = vec![
                hpa_label,
                Span::styled("idle: target at 0 ", theme::dim()),
                Span::styled("(ScalingDisabled); ", theme::dim()),
                Span::styled("KEDA scales 0 → 1, ", theme::dim()),
                Span::styled("the HPA 1 → N", theme::dim()),
            ];
            lines.extend(flow(pieces, width, indent));
        }
        Some(hpa) => match &hpa.decision {
            Some(d) => {
                let ago = app.now.map(|n| n.duration_since(d.at)).unwrap_or_default();
                let pieces = vec![
                    hpa_label,
                    Span::styled(
                        format!("synced {} ago ", short_duration(ago)),
                        theme::label(),
                    ),
                    Span::styled(
                        format!(
                            "· current {} · status {}",
                            d.current_replicas, d.status_replicas
                        ),
                        theme::dim(),
                    ),
                ];
                if !short {
                    lines.extend(flow(pieces, width, indent));
                }
                let mut steps = vec![Span::raw(" ".repeat(indent))];
                steps.extend(
                    hpa_steps(d, behavior)
                        .into_iter()
                        .map(|s| Span::styled(s + " ", theme::value())),
                );
                lines.extend(flow(steps, width, indent));
            }
            None => {
                let pieces = vec![
                    hpa_label,
                    Span::styled(format!("desired {} ", hpa.desired_replicas), theme::value()),
                    Span::styled(
                        format!(
                            "· current {} (min {}, max {})",
                            hpa.current_replicas, hpa.min_replicas, hpa.max_replicas
                        ),
                        theme::label(),
                    ),
                ];
                lines.extend(flow(pieces, width, indent));
            }
        },
    }
    if let Some(d) = app.deployment.as_ref().filter(|_| !short) {
        if roomy {
            lines.push(Line::raw(""));
        }
        let pieces = vec![
            Span::styled("Pods   ", theme::title()),
            Span::styled(format!("spec {} ", d.spec_replicas), theme::label()),
            Span::styled(format!("· status {} ", d.status_replicas), theme::label()),
            Span::styled(format!("· ready {}", d.ready_replicas), theme::label()),
        ];
        lines.extend(flow(pieces, width, indent));
    }
    Paragraph::new(lines).render(inner, buf);
}

/// Pack spans into lines of `width`, breaking only between spans; continuation lines are indented.
fn flow(pieces: Vec<Span<'static>>, width: usize, indent: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let mut current: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for piece in pieces {
        let w = piece.width();
        if used + w > width && used > indent {
            lines.push(Line::from(std::mem::take(&mut current)));
            current.push(Span::raw(" ".repeat(indent)));
            used = indent;
        }
        used += w;
        current.push(piece);
    }
    if !current.is_empty() {
        lines.push(Line::from(current));
    }
    lines
}

/// KEDA: active or not and why, when it polls next, how much cooldown is left (docs/keda-semantics.md §1.2).
/// Each inner Vec is one logical line, as spans that may wrap between them.
pub fn keda_lines(
    so: &ScaledObjectView,
    active_messages: u64,
    spec_replicas: Option<u32>,
    now: Timestamp,
) -> Vec<Vec<Span<'static>>> {
    let active = so.conditions.iter().find(|c| c.type_ == "Active");
    let (state, style) = match active.map(|c| (c.status.as_str(), c.reason.as_str())) {
        Some(("True", _)) => ("● active ", theme::good()),
        Some(("False", "ScalerCooldown")) => ("◐ cooling down ", theme::warn()),
        Some(("False", _)) => ("○ inactive ", theme::dim()),
        _ => ("? unknown ", theme::dim()),
    };
    let cmp = if active_messages > so.activation_message_count {
        ">"
    } else {
        "≤"
    };
    let first = vec![
        Span::styled("KEDA   ", theme::title()),
        Span::styled(state, style),
        Span::styled(
            format!(
                " queue {active_messages} {cmp} activation {}",
                so.activation_message_count
            ),
            theme::label(),
        ),
    ];
    let mut timers = Vec::new();
    match so.next_poll {
        Some(next) => {
            let left = next.duration_since(now).max(SignedDuration::ZERO);
            timers.push(Span::styled(
                format!("next poll in {} ", ceil_secs(left)),
                theme::value(),
            ));
        }
        None => timers.push(Span::styled(
            format!("polls every {} ", short_duration(so.polling_interval)),
            theme::label(),
        )),
    }
    timers.push(
        match cooldown_left(so, active_messages, spec_replicas, now) {
            Some(left) if left.is_positive() => Span::styled(
                format!("· cooldown {} left → 0", ceil_secs(left)),
                theme::warn(),
            ),
            Some(_) => Span::styled("· cooldown over: → 0 at next poll", theme::warn()),
            None => Span::styled(
                format!("· cooldown {}", short_duration(so.cooldown_period)),
                theme::dim(),
            ),
        },
    );
    vec![first, timers]
}

/// Whole seconds, rounded up, as the audience counts them: `3s`.
fn ceil_secs(d: SignedDuration) -> String {
    let ms = d.as_millis().max(0) as i64;
    format!("{}s", (ms + 999) / 1000)
}

/// Cooldown left before KEDA deactivates: only when inactive, scaled above zero, with
/// `minReplicaCount` 0; measured from `lastActiveTime` (docs/keda-semantics.md §1.2 `scaleToZeroOrIdle`).
pub fn cooldown_left(
    so: &ScaledObjectView,
    active_messages: u64,
    spec_replicas: Option<u32>,
    now: Timestamp,
) -> Option<SignedDuration> {
    let inactive = active_messages <= so.activation_message_count;
    let above_zero = spec_replicas.is_some_and(|r| r > so.idle_replicas.unwrap_or(0));
    if !inactive || !above_zero || so.min_replicas > 0 {
        return None;
    }
    let last = so.last_active?;
    Some((last + so.cooldown_period).duration_since(now))
}

/// The HPA's last decision as the sum the audience can check (docs/keda-semantics.md §4.3–4.5), e.g.
/// `desired = ceil(437 / 5) = 88 → limit 2×8 = 16 → 16 (max 20)`.
pub fn hpa_arithmetic(d: &HpaDecision, behavior: HpaBehaviorKind) -> String {
    hpa_steps(d, behavior).join(" ")
}

/// The same, one step per piece, so the panel can wrap between steps.
pub fn hpa_steps(d: &HpaDecision, behavior: HpaBehaviorKind) -> Vec<String> {
    let mut steps = Vec::new();
    if d.within_tolerance {
        let ratio = if d.status_replicas == 0 {
            0.0
        } else {
            d.metric as f64 / (d.target as f64 * f64::from(d.status_replicas))
        };
        steps.push(format!(
            "{} / ({} × {}) = {ratio:.2},",
            d.metric, d.target, d.status_replicas
        ));
        steps.push(format!("within ±10% → keep {}", d.proposal));
    } else {
        steps.push(format!(
            "desired = ceil({} / {}) = {}",
            d.metric, d.target, d.proposal
        ));
    }
    if d.stabilized != d.proposal {
        steps.push(format!("→ held at {} by the 5m window", d.stabilized));
    }
    match d.limit {
        Some((LimitReason::ScaleUpLimit, v)) => steps.push(match behavior {
            HpaBehaviorKind::Legacy if v == 2 * d.current_replicas => {
                format!("→ limit 2×{} = {v}", d.current_replicas)
            }
            HpaBehaviorKind::Legacy => format!("→ limit max(2×{}, 4) = {v}", d.current_replicas),
            HpaBehaviorKind::Configured => format!("→ scale-up policy limit {v}"),
        }),
        Some((LimitReason::ScaleDownLimit, v)) => {
            steps.push(format!("→ scale-down policy limit {v}"))
        }
        Some((LimitReason::TooManyReplicas, v)) => steps.push(format!("→ capped at max {v}")),
        Some((LimitReason::TooFewReplicas, v)) => steps.push(format!("→ raised to min {v}")),
        None => {}
    }
    steps.push(format!("→ {} (max {})", d.desired, d.max_replicas));
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Condition;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + s).unwrap()
    }

    #[allow(clippy::too_many_arguments)] // one row of the table, in column order
    fn decision(
        metric: u64,
        current: u32,
        status: u32,
        within: bool,
        proposal: u32,
        stabilized: u32,
        limit: Option<(LimitReason, u32)>,
        desired: u32,
    ) -> HpaDecision {
        HpaDecision {
            at: t(0),
            metric,
            target: 5,
            current_replicas: current,
            status_replicas: status,
            within_tolerance: within,
            proposal,
            stabilized,
            limit,
            desired,
            min_replicas: 1,
            max_replicas: 20,
        }
    }

    #[test]
    fn hpa_arithmetic_table() {
        use HpaBehaviorKind::*;
        use LimitReason::*;
        let cases = [
            // The example: legacy cap 2×current (docs/keda-semantics.md §4.4).
            (
                decision(437, 8, 8, false, 88, 88, Some((ScaleUpLimit, 16)), 16),
                Legacy,
                "desired = ceil(437 / 5) = 88 → limit 2×8 = 16 → 16 (max 20)",
            ),
            // From 1 replica the legacy cap is max(2×1, 4) = 4 (§4.4, 100 msgs: 1→4).
            (
                decision(100, 1, 1, false, 20, 20, Some((ScaleUpLimit, 4)), 4),
                Legacy,
                "desired = ceil(100 / 5) = 20 → limit max(2×1, 4) = 4 → 4 (max 20)",
            ),
            // Tolerance edge: 11 msgs at 2 replicas is ratio 1.1, kept (§4.3).
            (
                decision(11, 2, 2, true, 2, 2, None, 2),
                Legacy,
                "11 / (5 × 2) = 1.10, within ±10% → keep 2 → 2 (max 20)",
            ),
            // 12 msgs leaves tolerance: ceil(12/5) = 3 (§4.3).
            (
                decision(12, 2, 2, false, 3, 3, None, 3),
                Legacy,
                "desired = ceil(12 / 5) = 3 → 3 (max 20)",
            ),
            // Scale-down held by the 300 s window (§4.4).
            (
                decision(0, 16, 16, false, 0, 16, None, 16),
                Legacy,
                "desired = ceil(0 / 5) = 0 → held at 16 by the 5m window → 16 (max 20)",
            ),
            // Clamp to maxReplicas.
            (
                decision(
                    500,
                    16,
                    16,
                    false,
                    100,
                    100,
                    Some((TooManyReplicas, 20)),
                    20,
                ),
                Legacy,
                "desired = ceil(500 / 5) = 100 → capped at max 20 → 20 (max 20)",
            ),
            // behavior defaults: Pods 4 / Percent 100 policy limit (§4.5).
            (
                decision(100, 1, 1, false, 20, 20, Some((ScaleUpLimit, 5)), 5),
                Configured,
                "desired = ceil(100 / 5) = 20 → scale-up policy limit 5 → 5 (max 20)",
            ),
        ];
        for (d, behavior, want) in cases {
            assert_eq!(hpa_arithmetic(&d, behavior), want);
        }
    }

    fn so(active: &str, reason: &str, last_active: Option<Timestamp>) -> ScaledObjectView {
        ScaledObjectView {
            namespace: "keda-demo".into(),
            name: "so".into(),
            target_kind: "apps/v1.Deployment".into(),
            target_name: "d".into(),
            queue_name: "q".into(),
            polling_interval: SignedDuration::from_secs(5),
            cooldown_period: SignedDuration::from_secs(30),
            min_replicas: 0,
            max_replicas: 20,
            idle_replicas: None,
            message_count: 5,
            activation_message_count: 0,
            hpa_behavior: HpaBehaviorKind::Legacy,
            conditions: vec![Condition {
                type_: "Active".into(),
                status: active.into(),
                reason: reason.into(),
                message: String::new(),
            }],
            last_active,
            last_poll: None,
            next_poll: Some(t(3)),
        }
    }

    #[test]
    fn cooldown_left_table() {
        // §1.2: cooldown counts from lastActiveTime, only while inactive, above 0, min 0.
        let cases = [
            (
                so("False", "ScalerCooldown", Some(t(0))),
                0,
                Some(3),
                t(10),
                Some(20),
            ),
            (
                so("False", "ScalerCooldown", Some(t(0))),
                0,
                Some(3),
                t(40),
                Some(-10),
            ),
            (
                so("True", "ScalerActive", Some(t(0))),
                5,
                Some(3),
                t(10),
                None,
            ),
            (
                so("False", "ScalerNotActive", Some(t(0))),
                0,
                Some(0),
                t(10),
                None,
            ),
            (
                so("False", "ScalerNotActive", None),
                0,
                Some(2),
                t(10),
                None,
            ),
        ];
        for (so, msgs, spec, now, want) in cases {
            assert_eq!(
                cooldown_left(&so, msgs, spec, now).map(|d| d.as_secs()),
                want,
                "{msgs} {spec:?}"
            );
        }
    }

    #[test]
    fn keda_lines_show_poll_countdown_and_cooldown() {
        let lines = keda_lines(&so("False", "ScalerCooldown", Some(t(0))), 0, Some(4), t(1));
        let text: Vec<String> = lines
            .iter()
            .map(|spans| spans.iter().map(|s| s.content.as_ref()).collect())
            .collect();
        assert!(text[0].contains("cooling down"), "{text:?}");
        assert!(text[1].contains("next poll in 2s"), "{text:?}");
        assert!(text[1].contains("cooldown 29s left"), "{text:?}");
    }
}

//! The "why" panel: KEDA's activation state and timers, and the HPA's last decision as arithmetic.

use jiff::{SignedDuration, Timestamp};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use super::theme;
use crate::app::App;
use crate::format::short_duration;
use kedatui_core::model::{
    HpaBehaviorKind, HpaDecision, HpaTolerance, LimitReason, ScaledObjectView,
};

/// One thing the panel can say, in decreasing detail; `priority` 0 is a section heading, kept
/// at any size, higher numbers go first when rows run out.
struct Entry {
    section: usize,
    priority: u8,
    variants: Vec<Vec<Span<'static>>>,
}

impl Entry {
    fn new(section: usize, priority: u8, variants: Vec<Vec<Span<'static>>>) -> Self {
        Entry {
            section,
            priority,
            variants,
        }
    }
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let mut title = vec![Span::styled(" Scaling: why ", theme::title())];
    if let Some(m) = app.cluster_freshness().explained() {
        title.push(Span::styled(format!("{m} "), theme::warn()));
    }
    let block = Block::new().borders(Borders::ALL).title(Line::from(title));
    let inner = block.inner(area);
    block.render(area, buf);
    let width = usize::from(inner.width);
    let indent = if width >= 44 { 7 } else { 2 };
    let mut entries = Vec::new();
    keda_entries(app, indent, &mut entries);
    hpa_entries(app, indent, &mut entries);
    pods_entries(app, &mut entries);
    let lines = fit(entries, width, usize::from(inner.height), indent);
    Paragraph::new(lines).render(inner, buf);
}

/// Choose what fits in `height` rows: every heading, then the rest by priority, each in the most
/// detailed variant that still fits; shown in panel order, with blank lines between sections when
/// there is room.
fn fit(entries: Vec<Entry>, width: usize, height: usize, indent: usize) -> Vec<Line<'static>> {
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by_key(|&i| entries[i].priority);
    let mut reserved = entries.iter().filter(|e| e.priority == 0).count();
    let mut chosen: Vec<Option<Vec<Line<'static>>>> = vec![None; entries.len()];
    let mut used = 0;
    for i in order {
        let e = &entries[i];
        let heading = e.priority == 0;
        if heading {
            reserved -= 1;
        }
        let room = height.saturating_sub(used + reserved);
        // A heading takes one row, so the rows left go to what explains it.
        let rows = if heading { room.min(1) } else { room };
        let pick = e
            .variants
            .iter()
            .map(|v| flow(v.clone(), width, indent))
            .find(|lines| lines.len() <= rows);
        let pick = match pick {
            Some(lines) => Some(lines),
            // A heading always shows: its shortest variant, on one row.
            None if heading && room > 0 => e.variants.last().map(|v| vec![Line::from(v.clone())]),
            None => None,
        };
        if let Some(lines) = pick {
            used += lines.len();
            chosen[i] = Some(lines);
        }
    }
    let sections = entries
        .iter()
        .map(|e| e.section)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let gaps = height.saturating_sub(used) >= sections.saturating_sub(1) && height >= 10;
    let mut out = Vec::new();
    let mut last_section = None;
    for (e, lines) in entries.iter().zip(chosen) {
        let Some(lines) = lines else { continue };
        if gaps && last_section.is_some_and(|s| s != e.section) {
            out.push(Line::raw(""));
        }
        last_section = Some(e.section);
        out.extend(lines);
    }
    out
}

fn pad(indent: usize) -> Span<'static> {
    Span::raw(" ".repeat(indent))
}

/// KEDA's state as its last poll decided it, what that poll saw and when, and its timers
/// (docs/keda-semantics.md §1.2), so the panel never puts today's queue beside yesterday's decision.
fn keda_entries(app: &App, indent: usize, out: &mut Vec<Entry>) {
    let (Some(so), Some(now)) = (&app.cluster.scaled_object, app.now) else {
        out.push(Entry::new(
            0,
            0,
            vec![vec![Span::styled(
                "KEDA   waiting for the ScaledObject…",
                theme::dim(),
            )]],
        ));
        return;
    };
    let (state, word, style) = keda_state(so);
    let label = Span::styled("KEDA   ", theme::title());
    out.push(Entry::new(
        0,
        0,
        vec![vec![label, Span::styled(state, style)]],
    ));
    let cmp = |m: u64| {
        if m > so.activation_message_count {
            ">"
        } else {
            "≤"
        }
    };
    // What the scaler compared, in its words (rabbitmq's QueueLength: `messages`).
    let value_name = so.scaler.unwrap_or(app.config.scaler).value_name();
    match (so.last_poll, so.last_poll_metric) {
        (Some(at), Some(metric)) => {
            let ago = floor_secs(now.duration_since(at));
            let act = so.activation_message_count;
            out.push(Entry::new(
                0,
                1,
                vec![
                    vec![
                        pad(indent),
                        Span::styled(format!("last poll {ago} ago: "), theme::label()),
                        Span::styled(
                            format!("{value_name} {metric} {} {act} ", cmp(metric)),
                            theme::value(),
                        ),
                        Span::styled(format!("→ {word}"), style),
                    ],
                    vec![
                        pad(indent),
                        Span::styled(format!("poll {ago} ago: "), theme::label()),
                        Span::styled(format!("{metric} {} {act}", cmp(metric)), theme::value()),
                    ],
                ],
            ));
        }
        // A live cluster does not publish what KEDA polled: its status says, as such.
        _ => out.push(Entry::new(
            0,
            1,
            vec![
                vec![
                    pad(indent),
                    Span::styled("status: ", theme::dim()),
                    Span::styled(format!("{} ", active_reason(so)), theme::label()),
                    Span::styled(
                        format!("· activation {}", so.activation_message_count),
                        theme::label(),
                    ),
                ],
                vec![
                    pad(indent),
                    Span::styled("status: ", theme::dim()),
                    Span::styled(active_reason(so), theme::label()),
                ],
            ],
        )),
    }
    let mut timers = vec![pad(indent)];
    match so.next_poll {
        Some(next) => timers.push(Span::styled(
            format!("next poll in {} ", ceil_secs(next.duration_since(now))),
            theme::value(),
        )),
        None => timers.push(Span::styled(
            format!("polls every {} ", short_duration(so.polling_interval)),
            theme::label(),
        )),
    }
    timers.push(match cooldown_left(so, app.deployment_spec(), now) {
        Some(left) if left.is_positive() => Span::styled(
            format!("· cooldown {} left → 0", ceil_secs(left)),
            theme::warn(),
        ),
        Some(_) => Span::styled("· cooldown over: → 0 at next poll", theme::warn()),
        None => Span::styled(
            format!("· cooldown {}", short_duration(so.cooldown_period)),
            theme::dim(),
        ),
    });
    out.push(Entry::new(0, 2, vec![timers]));
}

fn keda_state(so: &ScaledObjectView) -> (&'static str, &'static str, Style) {
    let active = so.conditions.iter().find(|c| c.type_ == "Active");
    match active.map(|c| (c.status.as_str(), c.reason.as_str())) {
        Some(("True", _)) => ("● active", "active", theme::good()),
        Some(("False", "ScalerCooldown")) => ("◐ cooling down", "cooling down", theme::warn()),
        Some(("False", _)) => ("○ inactive", "inactive", theme::dim()),
        _ => ("? unknown", "unknown", theme::dim()),
    }
}

fn active_reason(so: &ScaledObjectView) -> String {
    so.conditions
        .iter()
        .find(|c| c.type_ == "Active")
        .map_or_else(|| "not reported".into(), |c| c.reason.clone())
}

/// The HPA's last sync as arithmetic, with when it ran (docs/keda-semantics.md §4.2–4.5).
fn hpa_entries(app: &App, indent: usize, out: &mut Vec<Entry>) {
    let label = || Span::styled("HPA    ", theme::title());
    let Some(hpa) = &app.cluster.hpa else {
        out.push(Entry::new(
            1,
            0,
            vec![vec![Span::styled("HPA    not created yet", theme::dim())]],
        ));
        return;
    };
    let behavior = app
        .cluster
        .scaled_object
        .as_ref()
        .map_or(HpaBehaviorKind::Legacy, |so| so.hpa_behavior);
    let ago = |at: Timestamp| {
        app.now
            .map_or_else(|| "0s".into(), |n| floor_secs(n.duration_since(at)))
    };
    let next = hpa
        .next_sync
        .zip(app.now)
        .map(|(n, now)| format!("· next in {}", ceil_secs(n.duration_since(now))));
    let synced_at = hpa.last_sync.or(hpa.decision.as_ref().map(|d| d.at));
    let heading = match synced_at {
        Some(at) => {
            let mut full = vec![
                label(),
                Span::styled(format!("last sync {} ago ", ago(at)), theme::label()),
            ];
            if let Some(next) = &next {
                full.push(Span::styled(next.clone(), theme::dim()));
            }
            vec![
                full,
                vec![
                    label(),
                    Span::styled(format!("synced {} ago", ago(at)), theme::label()),
                ],
            ]
        }
        // The simulator's HPA before its first sync (e.g. just after the Wi-Fi fallback): its
        // numbers are nobody's reading yet.
        None if hpa.next_sync.is_some() => vec![vec![
            label(),
            Span::styled("not synced yet ", theme::label()),
            Span::styled(next.clone().unwrap_or_default(), theme::dim()),
        ]],
        None => vec![vec![
            label(),
            Span::styled("status (the live HPA's last sync)", theme::label()),
        ]],
    };
    let unsynced = synced_at.is_none() && hpa.next_sync.is_some();
    out.push(Entry::new(1, 0, heading));
    match &hpa.decision {
        Some(d) => {
            let mut steps = vec![pad(indent)];
            steps.extend(
                hpa_steps(d, behavior, hpa.tolerance)
                    .into_iter()
                    .map(|s| Span::styled(s + " ", theme::value())),
            );
            let compact = vec![
                pad(indent),
                Span::styled(
                    format!("ceil({} / {}) → {}", d.metric, d.target, d.desired),
                    theme::value(),
                ),
            ];
            out.push(Entry::new(1, 1, vec![steps, compact]));
            out.push(Entry::new(
                1,
                3,
                vec![vec![
                    pad(indent),
                    Span::styled(
                        format!(
                            "saw current {} · status {}",
                            d.current_replicas, d.status_replicas
                        ),
                        theme::dim(),
                    ),
                ]],
            ));
        }
        // The simulator syncs with the target at 0 and records no arithmetic.
        None if synced_at.is_some() => out.push(Entry::new(
            1,
            1,
            vec![
                vec![
                    pad(indent),
                    Span::styled("target was at 0: idle ", theme::dim()),
                    Span::styled("(ScalingDisabled); ", theme::dim()),
                    Span::styled("KEDA scales 0 → 1, ", theme::dim()),
                    Span::styled("the HPA 1 → N", theme::dim()),
                ],
                vec![
                    pad(indent),
                    Span::styled("target was at 0: idle", theme::dim()),
                ],
            ],
        )),
        None if unsynced => {}
        None => out.push(Entry::new(
            1,
            1,
            vec![vec![
                pad(indent),
                Span::styled(format!("desired {} ", hpa.desired_replicas), theme::value()),
                Span::styled(
                    format!(
                        "· current {} (min {}, max {})",
                        hpa.current_replicas, hpa.min_replicas, hpa.max_replicas
                    ),
                    theme::label(),
                ),
            ]],
        )),
    }
    // A behavior's own tolerance band (§4.3) changes what "within" means: say so when set.
    if let Some(text) = tolerance_text(hpa.tolerance) {
        out.push(Entry::new(
            1,
            3,
            vec![vec![
                pad(indent),
                Span::styled(format!("{text} (behavior)"), theme::dim()),
            ]],
        ));
    }
}

/// The Deployment as it is now (not as a controller last saw it): said so.
fn pods_entries(app: &App, out: &mut Vec<Entry>) {
    let label = || Span::styled("Pods   ", theme::title());
    let Some(d) = &app.cluster.deployment else {
        out.push(Entry::new(
            2,
            0,
            vec![vec![
                label(),
                Span::styled("no Deployment yet", theme::dim()),
            ]],
        ));
        return;
    };
    out.push(Entry::new(
        2,
        0,
        vec![
            vec![
                label(),
                Span::styled("now: ", theme::dim()),
                Span::styled(format!("spec {} ", d.spec_replicas), theme::label()),
                Span::styled(format!("· status {} ", d.status_replicas), theme::label()),
                Span::styled(format!("· ready {}", d.ready_replicas), theme::label()),
            ],
            vec![
                label(),
                Span::styled(format!("spec {} ", d.spec_replicas), theme::label()),
                Span::styled(format!("· ready {}", d.ready_replicas), theme::label()),
            ],
        ],
    ));
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

/// Whole seconds elapsed, rounded down, so "ago" and "next in" add up to the period.
fn floor_secs(d: SignedDuration) -> String {
    format!("{}s", d.as_millis().max(0) / 1000)
}

/// Whole seconds, rounded up, as the audience counts them: `3s`.
fn ceil_secs(d: SignedDuration) -> String {
    let ms = d.as_millis().max(0) as i64;
    format!("{}s", (ms + 999) / 1000)
}

/// Cooldown left before KEDA deactivates: only when its last poll found the trigger inactive,
/// scaled above zero, with `minReplicaCount` 0; measured from `lastActiveTime`
/// (docs/keda-semantics.md §1.2 `scaleToZeroOrIdle`).
pub fn cooldown_left(
    so: &ScaledObjectView,
    spec_replicas: Option<u32>,
    now: Timestamp,
) -> Option<SignedDuration> {
    let inactive = so
        .conditions
        .iter()
        .any(|c| c.type_ == "Active" && c.status == "False");
    let above_zero = spec_replicas.is_some_and(|r| r > so.idle_replicas.unwrap_or(0));
    if !inactive || !above_zero || so.min_replicas > 0 {
        return None;
    }
    let last = so.last_active?;
    // Saturating: a cooldown from a flag or a cluster object must not overflow the clock.
    let ends = last
        .checked_add(so.cooldown_period)
        .unwrap_or(Timestamp::MAX);
    Some(ends.duration_since(now))
}

/// The HPA's last decision as the sum the audience can check (docs/keda-semantics.md §4.3–4.5), e.g.
/// `desired = ceil(437 / 5) = 88 → limit 2×8 = 16 → 16 (max 20)`.
pub fn hpa_arithmetic(
    d: &HpaDecision,
    behavior: HpaBehaviorKind,
    tolerance: HpaTolerance,
) -> String {
    hpa_steps(d, behavior, tolerance).join(" ")
}

/// A tolerance as a percentage: `5%`, `2.5%`.
fn percent(t: f64) -> String {
    let p = format!("{:.1}", t * 100.0);
    format!("{}%", p.strip_suffix(".0").unwrap_or(&p))
}

/// `tolerance up 5% · down 10%` when the behavior sets either direction (the other keeps 0.1).
pub fn tolerance_text(t: HpaTolerance) -> Option<String> {
    t.is_set().then(|| {
        format!(
            "tolerance up {} · down {}",
            percent(t.scale_up.unwrap_or(0.1)),
            percent(t.scale_down.unwrap_or(0.1))
        )
    })
}

/// The same, one step per piece, so the panel can wrap between steps.
pub fn hpa_steps(
    d: &HpaDecision,
    behavior: HpaBehaviorKind,
    tolerance: HpaTolerance,
) -> Vec<String> {
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
        let band = if tolerance.is_set() {
            format!(
                "−{}/+{}",
                percent(tolerance.scale_down.unwrap_or(0.1)),
                percent(tolerance.scale_up.unwrap_or(0.1))
            )
        } else {
            "±10%".to_string()
        };
        steps.push(format!("within {band} → keep {}", d.proposal));
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
    use kedatui_core::fixtures::demo_scaled_object;
    use kedatui_core::model::Condition;

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
            assert_eq!(hpa_arithmetic(&d, behavior, HpaTolerance::default()), want);
        }
    }

    /// §4.3: a behavior's per-direction tolerance shows in the band and its own line.
    #[test]
    fn a_behavior_tolerance_shows_its_band() {
        let up5 = HpaTolerance {
            scale_up: Some(0.05),
            scale_down: None,
        };
        assert_eq!(
            hpa_arithmetic(
                &decision(14, 3, 3, true, 3, 3, None, 3),
                HpaBehaviorKind::Configured,
                up5
            ),
            "14 / (5 × 3) = 0.93, within −10%/+5% → keep 3 → 3 (max 20)"
        );
        assert_eq!(
            tolerance_text(up5).as_deref(),
            Some("tolerance up 5% · down 10%")
        );
        let down = HpaTolerance {
            scale_up: None,
            scale_down: Some(0.025),
        };
        assert_eq!(
            tolerance_text(down).as_deref(),
            Some("tolerance up 10% · down 2.5%")
        );
        assert_eq!(tolerance_text(HpaTolerance::default()), None);
    }

    fn so(active: &str, reason: &str, last_active: Option<Timestamp>) -> ScaledObjectView {
        ScaledObjectView {
            namespace: "keda-demo".into(),
            name: "so".into(),
            target_name: "d".into(),
            queue_name: "q".into(),
            conditions: vec![Condition {
                type_: "Active".into(),
                status: active.into(),
                reason: reason.into(),
                message: String::new(),
            }],
            last_active,
            last_poll: None,
            next_poll: Some(t(3)),
            ..demo_scaled_object()
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
        // (The queue column is what the poll saw; the Active condition carries it.)
        for (so, msgs, spec, now, want) in cases {
            assert_eq!(
                cooldown_left(&so, spec, now).map(|d| d.as_secs()),
                want,
                "{msgs} {spec:?}"
            );
        }
    }

    /// #10.8: a cooldown past the end of the calendar (`--cooldown 300000000000s` once
    /// panicked here) saturates instead of overflowing.
    #[test]
    fn cooldown_left_saturates() {
        let mut long = so("False", "ScalerCooldown", Some(t(0)));
        long.cooldown_period = SignedDuration::from_secs(300_000_000_000);
        let left = cooldown_left(&long, Some(3), t(10)).expect("cooling down");
        assert!(
            left > SignedDuration::from_hours(24 * 365 * 1000),
            "{left:?}"
        );
    }

    #[test]
    fn fit_keeps_every_heading_and_drops_detail_first() {
        let line = |t: &str| vec![Span::raw(t.to_owned())];
        let entries = || {
            vec![
                Entry::new(0, 0, vec![line("KEDA   active")]),
                Entry::new(0, 1, vec![line("  last poll 1s ago")]),
                Entry::new(0, 2, vec![line("  next poll in 4s")]),
                Entry::new(1, 0, vec![line("HPA    synced 2s ago")]),
                Entry::new(
                    1,
                    1,
                    vec![
                        vec![Span::raw("  desired = ceil(10 / 5) = 2"), Span::raw(" → 2")],
                        line("  → 2"),
                    ],
                ),
                Entry::new(2, 0, vec![line("Pods   spec 2")]),
            ]
        };
        let text =
            |lines: Vec<Line>| -> Vec<String> { lines.iter().map(|l| l.to_string()).collect() };
        let three = text(fit(entries(), 40, 3, 2));
        assert_eq!(
            three,
            ["KEDA   active", "HPA    synced 2s ago", "Pods   spec 2"]
        );
        let five = text(fit(entries(), 20, 5, 2));
        assert_eq!(
            five,
            [
                "KEDA   active",
                "  last poll 1s ago",
                "HPA    synced 2s ago",
                "  → 2",
                "Pods   spec 2"
            ],
            "the compact arithmetic when the full one would wrap past the room"
        );
    }
}

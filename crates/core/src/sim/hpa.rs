//! The HPA's arithmetic, sans IO: the AverageValue proposal with its tolerance (docs/keda-semantics.md §4.3),
//! the legacy normalisation KEDA's behavior-less HPA runs (§4.4), and the behavior path (§4.5).
//!
//! Times are [`Nanos`] on the simulator's clock. Each function mirrors one function of
//! `pkg/controller/podautoscaler/horizontal.go`, including its strict/non-strict window edges.

use super::config::{Behavior, PolicyKind, ScalingRules, SelectPolicy};
use super::time::Nanos;
use crate::model::LimitReason;

/// The tolerance band of `Tolerances.isWithin` (`replica_calculator.go`, v1.33+): below 1 the
/// scale-down tolerance applies, above 1 the scale-up one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerances {
    pub scale_down: f64,
    pub scale_up: f64,
}

impl Tolerances {
    /// The controller's single `--horizontal-pod-autoscaler-tolerance` for both directions.
    pub fn both(tolerance: f64) -> Self {
        Self {
            scale_down: tolerance,
            scale_up: tolerance,
        }
    }
}

/// `GetExternalPerPodMetricReplicas` (§4.3): the proposal and whether the usage ratio was within
/// the tolerance. Within tolerance the proposal is `status.replicas`; outside it is
/// `ceil(metric / target)`. A zero `status_replicas` gives an infinite or NaN ratio: never within.
pub fn metric_proposal(
    metric: u64,
    target: u64,
    status_replicas: u32,
    tolerance: Tolerances,
) -> (u32, bool) {
    let usage_ratio = metric as f64 / (target as f64 * f64::from(status_replicas));
    let within =
        (1.0 - tolerance.scale_down) <= usage_ratio && usage_ratio <= (1.0 + tolerance.scale_up);
    if within {
        (status_replicas, true)
    } else {
        let replicas = metric.div_ceil(target);
        (u32::try_from(replicas).unwrap_or(u32::MAX), false)
    }
}

/// `status.currentMetrics[].external.current.averageValue`: `ceil(usage / status.replicas)` in
/// milli-units (§4.3), returned in units. `None` at zero replicas (kubectl shows `<unknown>`).
pub fn current_average(metric: u64, status_replicas: u32) -> Option<f64> {
    if status_replicas == 0 {
        return None;
    }
    let milli = (metric * 1000).div_ceil(u64::from(status_replicas));
    Some(milli as f64 / 1000.0)
}

/// The outcome of one normalisation: what the HPA's `AbleToScale` and `ScalingLimited`
/// conditions say, and the numbers the console explains.
#[derive(Clone, Debug, PartialEq)]
pub struct Normalized {
    pub stabilized: u32,
    pub desired: u32,
    /// Set when `desired != stabilized`: which rule cut it, and the value it allowed.
    pub limit: Option<(LimitReason, u32)>,
    pub able_to_scale: (&'static str, &'static str),
    /// `(status True?, reason, message)`.
    pub scaling_limited: (bool, &'static str, &'static str),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Timestamped {
    at: Nanos,
    value: i64,
}

/// `timestampedScaleEvent`: a rescale's replica change, and whether `markScaleEventsOutdated`
/// found it older than its direction's longest policy period (its slot may then be reused).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ScaleEvent {
    at: Nanos,
    change: i64,
    outdated: bool,
}

/// The HPA controller's per-HPA memory: recommendations and (behavior path only) scale events.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HpaHistory {
    recommendations: Vec<Timestamped>,
    scale_up_events: Vec<ScaleEvent>,
    scale_down_events: Vec<ScaleEvent>,
}

const READY_FOR_NEW_SCALE: (&str, &str) =
    ("ReadyForNewScale", "recommended size matches current size");
const SCALE_DOWN_STABILIZED: (&str, &str) = (
    "ScaleDownStabilized",
    "recent recommendations were higher than current one, applying the highest recent recommendation",
);
const SCALE_UP_STABILIZED: (&str, &str) = (
    "ScaleUpStabilized",
    "recent recommendations were lower than current one, applying the lowest recent recommendation",
);
const SCALE_UP_LIMIT: (&str, &str) = (
    "ScaleUpLimit",
    "the desired replica count is increasing faster than the maximum scale rate",
);
const SCALE_DOWN_LIMIT: (&str, &str) = (
    "ScaleDownLimit",
    "the desired replica count is decreasing faster than the maximum scale rate",
);
const TOO_MANY: (&str, &str) = (
    "TooManyReplicas",
    "the desired replica count is more than the maximum replica count",
);
const TOO_FEW: (&str, &str) = (
    "TooFewReplicas",
    "the desired replica count is less than the minimum replica count",
);
const WITHIN_RANGE: (&str, &str) = (
    "DesiredWithinRange",
    "the desired count is within the acceptable range",
);

fn limit_reason(reason: &str) -> Option<LimitReason> {
    match reason {
        "ScaleUpLimit" => Some(LimitReason::ScaleUpLimit),
        "ScaleDownLimit" => Some(LimitReason::ScaleDownLimit),
        "TooManyReplicas" => Some(LimitReason::TooManyReplicas),
        "TooFewReplicas" => Some(LimitReason::TooFewReplicas),
        _ => None,
    }
}

fn finish(
    stabilized: i64,
    desired: i64,
    able_to_scale: (&'static str, &'static str),
    rule: (&'static str, &'static str),
) -> Normalized {
    let limited = desired != stabilized;
    Normalized {
        stabilized: clamp_u32(stabilized),
        desired: clamp_u32(desired),
        limit: if limited {
            limit_reason(rule.0).map(|r| (r, clamp_u32(desired)))
        } else {
            None
        },
        able_to_scale,
        scaling_limited: (limited, rule.0, rule.1),
    }
}

fn clamp_u32(v: i64) -> u32 {
    v.clamp(0, i64::from(u32::MAX)) as u32
}

impl HpaHistory {
    /// `recordInitialRecommendation`: seeds the history once, at the first sync (§4.2).
    pub fn record_initial(&mut self, current_replicas: u32, now: Nanos) {
        if self.recommendations.is_empty() {
            self.recommendations.push(Timestamped {
                at: now,
                value: i64::from(current_replicas),
            });
        }
    }

    /// How many recommendations are kept (bounded: old slots are reused, as upstream).
    pub fn recommendation_count(&self) -> usize {
        self.recommendations.len()
    }

    /// `normalizeDesiredReplicas` (§4.4): max over the window (entries at exactly the cutoff
    /// still count: upstream drops only those `Before(cutoff)`), then `convertDesiredReplicasWithRules`.
    pub fn normalize_legacy(
        &mut self,
        now: Nanos,
        window: Nanos,
        current: u32,
        proposal: u32,
        min: u32,
        max: u32,
    ) -> Normalized {
        let proposal = i64::from(proposal);
        let cutoff = now - window;
        let mut stabilized = proposal;
        let mut old_sample = None;
        for (i, rec) in self.recommendations.iter().enumerate() {
            if rec.at < cutoff {
                old_sample = Some(i);
            } else if rec.value > stabilized {
                stabilized = rec.value;
            }
        }
        let entry = Timestamped {
            at: now,
            value: proposal,
        };
        match old_sample {
            Some(i) => self.recommendations[i] = entry,
            None => self.recommendations.push(entry),
        }
        let able = if stabilized != proposal {
            SCALE_DOWN_STABILIZED
        } else {
            READY_FOR_NEW_SCALE
        };
        // convertDesiredReplicasWithRules / calculateScaleUpLimit: max(2 × current, 4).
        let scale_up_limit = (2 * i64::from(current)).max(4);
        let (max_allowed, rule) = if i64::from(max) > scale_up_limit {
            (scale_up_limit, SCALE_UP_LIMIT)
        } else {
            (i64::from(max), TOO_MANY)
        };
        let (desired, rule) = if stabilized < i64::from(min) {
            (i64::from(min), TOO_FEW)
        } else if stabilized > max_allowed {
            (max_allowed, rule)
        } else {
            (stabilized, WITHIN_RANGE)
        };
        finish(stabilized, desired, able, rule)
    }

    /// `normalizeDesiredReplicasWithBehaviors` (§4.5): windows count entries strictly after the
    /// cutoff; rate limits come from the scale events of the last policy periods.
    pub fn normalize_with_behavior(
        &mut self,
        now: Nanos,
        behavior: &Behavior,
        current: u32,
        proposal: u32,
        min: u32,
        max: u32,
    ) -> Normalized {
        let desired_raw = i64::from(proposal);
        let current_i = i64::from(current);
        // stabilizeRecommendationWithBehaviors
        let up_cutoff = now - Nanos::from_duration(behavior.scale_up.stabilization_window);
        let down_cutoff = now - Nanos::from_duration(behavior.scale_down.stabilization_window);
        let mut up_rec = desired_raw;
        let mut down_rec = desired_raw;
        let mut old_sample = None;
        for (i, rec) in self.recommendations.iter().enumerate() {
            if rec.at > up_cutoff {
                up_rec = up_rec.min(rec.value);
            }
            if rec.at > down_cutoff {
                down_rec = down_rec.max(rec.value);
            }
            if rec.at < up_cutoff && rec.at < down_cutoff {
                old_sample = Some(i);
            }
        }
        let mut stabilized = current_i;
        if stabilized < up_rec {
            stabilized = up_rec;
        }
        if stabilized > down_rec {
            stabilized = down_rec;
        }
        let entry = Timestamped {
            at: now,
            value: desired_raw,
        };
        match old_sample {
            Some(i) => self.recommendations[i] = entry,
            None => self.recommendations.push(entry),
        }
        let able = if stabilized == desired_raw {
            READY_FOR_NEW_SCALE
        } else if desired_raw >= current_i {
            SCALE_UP_STABILIZED
        } else {
            SCALE_DOWN_STABILIZED
        };
        // convertDesiredReplicasWithBehaviorRate
        let (desired, rule) = if stabilized > current_i {
            let limit = self
                .scale_up_limit(now, current_i, &behavior.scale_up)
                .max(current_i);
            let (max_allowed, rule) = if i64::from(max) > limit {
                (limit, SCALE_UP_LIMIT)
            } else {
                (i64::from(max), TOO_MANY)
            };
            if stabilized > max_allowed {
                (max_allowed, rule)
            } else {
                (stabilized, WITHIN_RANGE)
            }
        } else if stabilized < current_i {
            let limit = self
                .scale_down_limit(now, current_i, &behavior.scale_down)
                .min(current_i);
            let (min_allowed, rule) = if i64::from(min) < limit {
                (limit, SCALE_DOWN_LIMIT)
            } else {
                (i64::from(min), TOO_FEW)
            };
            if stabilized < min_allowed {
                (min_allowed, rule)
            } else {
                (stabilized, WITHIN_RANGE)
            }
        } else {
            (stabilized, WITHIN_RANGE)
        };
        finish(stabilized, desired, able, rule)
    }

    /// `getReplicasChangePerPeriod`: events strictly after `now - period`, outdated or not (the
    /// mark only frees a slot, so a scale-down older than its own longest period still counts
    /// toward a longer scale-up period).
    fn change_in_period(events: &[ScaleEvent], now: Nanos, period: Nanos) -> i64 {
        let cutoff = now - period;
        events
            .iter()
            .filter(|e| e.at > cutoff)
            .map(|e| e.change)
            .sum()
    }

    fn period_start(&self, now: Nanos, current: i64, period: Nanos) -> i64 {
        current - Self::change_in_period(&self.scale_up_events, now, period)
            + Self::change_in_period(&self.scale_down_events, now, period)
    }

    /// `calculateScaleUpLimitWithScalingRules`.
    fn scale_up_limit(&self, now: Nanos, current: i64, rules: &ScalingRules) -> i64 {
        let pick: fn(i64, i64) -> i64 = match rules.select_policy {
            SelectPolicy::Disabled => return current,
            SelectPolicy::Min => i64::min,
            SelectPolicy::Max => i64::max,
        };
        let mut result = if rules.select_policy == SelectPolicy::Min {
            i64::from(i32::MAX)
        } else {
            i64::from(i32::MIN)
        };
        for policy in &rules.policies {
            let start = self.period_start(now, current, Nanos::from_duration(policy.period));
            let proposed = match policy.kind {
                PolicyKind::Pods => start + i64::from(policy.value),
                PolicyKind::Percent => {
                    (start as f64 * (1.0 + f64::from(policy.value) / 100.0)).ceil() as i64
                }
            };
            result = pick(result, proposed);
        }
        result
    }

    /// `calculateScaleDownLimitWithBehaviors`: Percent truncates, as upstream's int32 conversion.
    fn scale_down_limit(&self, now: Nanos, current: i64, rules: &ScalingRules) -> i64 {
        let pick: fn(i64, i64) -> i64 = match rules.select_policy {
            SelectPolicy::Disabled => return current,
            SelectPolicy::Min => i64::max,
            SelectPolicy::Max => i64::min,
        };
        let mut result = if rules.select_policy == SelectPolicy::Min {
            i64::from(i32::MIN)
        } else {
            i64::from(i32::MAX)
        };
        for policy in &rules.policies {
            let start = self.period_start(now, current, Nanos::from_duration(policy.period));
            let proposed = match policy.kind {
                PolicyKind::Pods => start - i64::from(policy.value),
                PolicyKind::Percent => {
                    (start as f64 * (1.0 - f64::from(policy.value) / 100.0)) as i64
                }
            };
            result = pick(result, proposed);
        }
        result
    }

    /// `storeScaleEvent` (behavior path only): remembers the HPA's own rescales. Nothing is
    /// deleted: `markScaleEventsOutdated` marks the events before `now - longest policy period`
    /// of that direction, and the new event overwrites the last marked slot (else it is appended).
    pub fn store_scale_event(&mut self, behavior: &Behavior, now: Nanos, previous: u32, new: u32) {
        let (events, rules, change) = if new > previous {
            (
                &mut self.scale_up_events,
                &behavior.scale_up,
                new - previous,
            )
        } else {
            (
                &mut self.scale_down_events,
                &behavior.scale_down,
                previous - new,
            )
        };
        let longest = rules
            .policies
            .iter()
            .map(|p| Nanos::from_duration(p.period))
            .max()
            .unwrap_or(Nanos::ZERO);
        let cutoff = now - longest;
        let mut last_outdated = None;
        for (i, event) in events.iter_mut().enumerate() {
            if event.at < cutoff {
                event.outdated = true;
            }
            if event.outdated {
                last_outdated = Some(i);
            }
        }
        let event = ScaleEvent {
            at: now,
            change: i64::from(change),
            outdated: false,
        };
        match last_outdated {
            Some(i) => events[i] = event,
            None => events.push(event),
        }
    }
}

/// The external metric as the HPA names it in events and conditions (§4.2).
pub fn metric_description(metric_name: &str, scaled_object: &str) -> String {
    format!(
        "external metric {metric_name}(&LabelSelector{{MatchLabels:map[string]string{{scaledobject.keda.sh/name: {scaled_object},}},MatchExpressions:[]LabelSelectorRequirement{{}},}})"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::config::Behavior;

    const S: Nanos = Nanos::from_secs(1);

    /// docs/keda-semantics.md §4.3 "Tolerance edge example" and the 0-replica note.
    #[test]
    fn proposal_respects_the_tolerance_band() {
        // (metric, target, status.replicas, proposal, within)
        let cases = [
            (11, 5, 2, 2, true),  // ratio 1.1: inside, stays at 2
            (12, 5, 2, 3, false), // ratio 1.2: ceil(12/5) = 3
            (9, 5, 2, 2, true),   // ratio 0.9: inside
            (8, 5, 2, 2, false),  // ratio 0.8: ceil(8/5) = 2 anyway
            (100, 5, 1, 20, false),
            (100, 5, 0, 20, false), // +Inf: never within
            (0, 5, 0, 0, false),    // NaN: never within
            (0, 5, 3, 0, false),
            (50, 5, 10, 10, true),
        ];
        for (metric, target, status, proposal, within) in cases {
            assert_eq!(
                metric_proposal(metric, target, status, Tolerances::both(0.1)),
                (proposal, within),
                "metric {metric}, target {target}, status.replicas {status}"
            );
        }
    }

    /// §4.3 `Tolerances.isWithin`: below 1 the scale-down tolerance, above 1 the scale-up one.
    #[test]
    fn per_direction_tolerances_bound_each_side() {
        let up5 = Tolerances {
            scale_down: 0.1,
            scale_up: 0.05,
        };
        let down35 = Tolerances {
            scale_down: 0.35,
            scale_up: 0.1,
        };
        // (metric, status.replicas, tolerances, proposal, within)
        let cases = [
            (11, 2, Tolerances::both(0.1), 2, true), // ratio 1.1: inside ±10%
            (11, 2, up5, 3, false),                  // above 1 + 0.05
            (9, 2, up5, 2, true),                    // 0.9: the scale-down side is still 0.1
            (14, 4, Tolerances::both(0.1), 3, false), // 0.7: outside ±10%
            (14, 4, down35, 4, true),                // inside 1 − 0.35
            (23, 4, down35, 5, false),               // 1.15: the scale-up side is still 0.1
        ];
        for (metric, status, tolerances, proposal, within) in cases {
            assert_eq!(
                metric_proposal(metric, 5, status, tolerances),
                (proposal, within),
                "{metric} messages at {status} replicas, {tolerances:?}"
            );
        }
    }

    #[test]
    fn current_average_is_milli_ceiled_and_unknown_at_zero() {
        assert_eq!(current_average(11, 2), Some(5.5));
        assert_eq!(current_average(10, 3), Some(3.334));
        assert_eq!(current_average(10, 0), None);
    }

    /// Runs syncs every 15 s with a constant proposal, feeding each desired back as current.
    fn run_syncs(
        behavior: Option<&Behavior>,
        start: u32,
        proposal: u32,
        max: u32,
        syncs: usize,
    ) -> Vec<u32> {
        let mut history = HpaHistory::default();
        let mut current = start;
        let mut seen = vec![current];
        for i in 0..syncs {
            let now = (i as i64 + 1) * 15 * S;
            history.record_initial(current, now);
            let n = match behavior {
                None => history.normalize_legacy(now, 300 * S, current, proposal, 1, max),
                Some(b) => history.normalize_with_behavior(now, b, current, proposal, 1, max),
            };
            if n.desired != current {
                if let Some(b) = behavior {
                    history.store_scale_event(b, now, current, n.desired);
                }
                current = n.desired;
                seen.push(current);
            }
        }
        seen
    }

    /// docs/keda-semantics.md §4.4 / §4.5 worked example: 100 messages, messageCount 5, max 30.
    #[test]
    fn worked_example_scale_up_sequences() {
        let cases: [(&str, Option<Behavior>, Vec<u32>); 2] = [
            ("legacy", None, vec![1, 4, 8, 16, 20]),
            (
                "behavior defaults",
                Some(Behavior::kubernetes_default()),
                vec![1, 5, 10, 20],
            ),
        ];
        for (name, behavior, expected) in cases {
            let (proposal, _) = metric_proposal(100, 5, 1, Tolerances::both(0.1));
            assert_eq!(proposal, 20);
            assert_eq!(
                run_syncs(behavior.as_ref(), 1, proposal, 30, 8),
                expected,
                "{name}"
            );
        }
    }

    #[test]
    fn legacy_limits_are_reported_with_their_reason() {
        let mut h = HpaHistory::default();
        let n = h.normalize_legacy(Nanos::ZERO, 300 * S, 1, 20, 1, 30);
        assert_eq!(n.limit, Some((LimitReason::ScaleUpLimit, 4)));
        assert_eq!(n.scaling_limited.1, "ScaleUpLimit");
        let n = h.normalize_legacy(15 * S, 300 * S, 16, 40, 1, 30);
        assert_eq!(n.limit, Some((LimitReason::TooManyReplicas, 30)));
        let mut h = HpaHistory::default();
        let n = h.normalize_legacy(Nanos::ZERO, 300 * S, 3, 0, 1, 30);
        assert_eq!((n.stabilized, n.desired), (0, 1));
        assert_eq!(n.limit, Some((LimitReason::TooFewReplicas, 1)));
        assert_eq!(n.scaling_limited, (true, TOO_FEW.0, TOO_FEW.1));
    }

    /// §4.4: scale-down waits until every recommendation of the last 300 s is at or below the
    /// new value; an entry exactly 300 s old still counts (`Before(cutoff)` is strict).
    #[test]
    fn legacy_scale_down_is_held_by_the_300s_window() {
        let mut h = HpaHistory::default();
        let first = h.normalize_legacy(Nanos::ZERO, 300 * S, 20, 20, 1, 30);
        assert_eq!(first.desired, 20);
        // (time, proposal, expected desired, able-to-scale reason)
        let cases = [
            (15, 2, 20, "ScaleDownStabilized"),
            (150, 2, 20, "ScaleDownStabilized"),
            (300, 2, 20, "ScaleDownStabilized"),
            (315, 2, 2, "ReadyForNewScale"),
        ];
        for (t, proposal, desired, reason) in cases {
            let n = h.normalize_legacy(t * S, 300 * S, 20, proposal, 1, 30);
            assert_eq!((n.desired, n.able_to_scale.0), (desired, reason), "t={t}");
        }
    }

    /// §4.5: the behavior window drops an entry exactly at the cutoff (`After(cutoff)` is strict).
    #[test]
    fn behavior_scale_down_window_and_rate() {
        let behavior = Behavior::kubernetes_default();
        let mut h = HpaHistory::default();
        h.normalize_with_behavior(Nanos::ZERO, &behavior, 20, 20, 1, 30);
        let n = h.normalize_with_behavior(299 * S, &behavior, 20, 2, 1, 30);
        assert_eq!((n.desired, n.able_to_scale.0), (20, "ScaleDownStabilized"));
        let n = h.normalize_with_behavior(300 * S, &behavior, 20, 2, 1, 30);
        assert_eq!(n.desired, 2, "entry at exactly now-300s no longer holds");
        // A Pods 1/60 s scale-down policy limits the rate.
        let mut slow = Behavior::kubernetes_default();
        slow.scale_down.policies = vec![crate::sim::config::ScalingPolicy {
            kind: PolicyKind::Pods,
            value: 1,
            period: jiff::SignedDuration::from_secs(60),
        }];
        slow.scale_down.stabilization_window = jiff::SignedDuration::ZERO;
        let mut h = HpaHistory::default();
        let n = h.normalize_with_behavior(Nanos::ZERO, &slow, 5, 1, 1, 30);
        assert_eq!(n.desired, 4);
        assert_eq!(n.limit, Some((LimitReason::ScaleDownLimit, 4)));
        h.store_scale_event(&slow, Nanos::ZERO, 5, 4);
        let n = h.normalize_with_behavior(15 * S, &slow, 4, 1, 1, 30);
        assert_eq!(n.desired, 4, "one pod per 60 s already used");
        let n = h.normalize_with_behavior(61 * S, &slow, 4, 1, 1, 30);
        assert_eq!(n.desired, 3);
    }

    /// §4.5: a scale-up window takes the minimum of recent proposals (strictly after the cutoff).
    #[test]
    fn behavior_scale_up_window_holds_the_lowest_recent_proposal() {
        let mut b = Behavior::kubernetes_default();
        b.scale_up.stabilization_window = jiff::SignedDuration::from_secs(60);
        let mut h = HpaHistory::default();
        // (time, proposal, desired, AbleToScale reason, limit)
        let cases = [
            (0, 2, 2, "ReadyForNewScale", None),
            (15, 10, 2, "ScaleUpStabilized", None),
            (59, 10, 2, "ScaleUpStabilized", None),
            // The 2 at 0 s sits exactly on the cutoff: out. 10 is then capped by the policies
            // (the larger of 2 + 4 pods and 2 + 100%).
            (
                60,
                10,
                6,
                "ReadyForNewScale",
                Some((LimitReason::ScaleUpLimit, 6)),
            ),
        ];
        for (t, proposal, desired, reason, limit) in cases {
            let n = h.normalize_with_behavior(t * S, &b, 2, proposal, 1, 30);
            assert_eq!(
                (n.desired, n.able_to_scale.0, n.limit),
                (desired, reason, limit),
                "t={t}"
            );
        }
    }

    /// §4.5 `storeScaleEvent`: nothing is deleted; events before `now − longest period` are
    /// marked outdated (the mark sticks) and the new event takes the LAST outdated slot, else
    /// it is appended. Scale-down rules: Pods 1 per 15 s.
    #[test]
    fn scale_events_are_marked_outdated_and_the_last_outdated_slot_is_reused() {
        let mut b = Behavior::kubernetes_default();
        b.scale_down.policies = vec![crate::sim::config::ScalingPolicy {
            kind: PolicyKind::Pods,
            value: 1,
            period: jiff::SignedDuration::from_secs(15),
        }];
        let mut h = HpaHistory::default();
        // (time, slots after storing a 1-pod scale-down as (time, outdated))
        let cases: [(i64, &[(i64, bool)]); 6] = [
            (0, &[(0, false)]),
            // 0 is exactly at the cutoff: not before it, so not outdated; appended.
            (15, &[(0, false), (15, false)]),
            (30, &[(30, false), (15, false)]),
            (45, &[(30, false), (45, false)]),
            // Both are outdated: the last one (slot 1) is overwritten, slot 0 stays marked.
            (100, &[(30, true), (100, false)]),
            (101, &[(101, false), (100, false)]),
        ];
        for (t, slots) in cases {
            h.store_scale_event(&b, t * S, 3, 2);
            let got: Vec<(i64, bool)> = h
                .scale_down_events
                .iter()
                .map(|e| (e.at / S, e.outdated))
                .collect();
            assert_eq!(got, slots, "t={t}");
            assert!(h.scale_down_events.iter().all(|e| e.change == 1));
        }
        assert!(h.scale_up_events.is_empty());
    }

    /// An outdated scale-down (older than its own 15 s period) still counts toward a 120 s
    /// scale-up period: `getReplicasChangePerPeriod` ignores the mark.
    #[test]
    fn outdated_scale_downs_still_raise_the_scale_up_period_start() {
        let mut b = Behavior::kubernetes_default();
        b.scale_up.policies = vec![crate::sim::config::ScalingPolicy {
            kind: PolicyKind::Pods,
            value: 10,
            period: jiff::SignedDuration::from_secs(120),
        }];
        b.scale_down.policies = vec![crate::sim::config::ScalingPolicy {
            kind: PolicyKind::Pods,
            value: 1,
            period: jiff::SignedDuration::from_secs(15),
        }];
        let mut h = HpaHistory::default();
        h.store_scale_event(&b, Nanos::ZERO, 1, 8); // +7
        h.store_scale_event(&b, 15 * S, 8, 7);
        h.store_scale_event(&b, 30 * S, 7, 6);
        // Both earlier scale-downs are outdated now; only the last slot (30 s) is reused.
        h.store_scale_event(&b, 60 * S, 6, 5);
        assert_eq!(h.scale_down_events.len(), 2);
        // At 70 s with 5 pods: start = 5 − 7 + 2 = 0, so Pods 10 allows 10 (dropping the
        // 15 s event would give 5 − 7 + 1 + 10 = 9).
        assert_eq!(h.scale_up_limit(70 * S, 5, &b.scale_up), 10);
    }

    #[test]
    fn disabled_select_policy_freezes_that_direction() {
        let mut b = Behavior::kubernetes_default();
        b.scale_up.select_policy = SelectPolicy::Disabled;
        let mut h = HpaHistory::default();
        let n = h.normalize_with_behavior(Nanos::ZERO, &b, 2, 10, 1, 30);
        assert_eq!(n.desired, 2);
        assert_eq!(n.limit, Some((LimitReason::ScaleUpLimit, 2)));
    }

    #[test]
    fn history_stays_bounded() {
        let mut h = HpaHistory::default();
        for i in 0..10_000 {
            h.normalize_legacy(i * 15 * S, 300 * S, 5, (i % 7) as u32, 1, 30);
        }
        assert!(
            h.recommendation_count() <= 22,
            "{}",
            h.recommendation_count()
        );
    }

    #[test]
    fn metric_description_matches_the_hpa_event_text() {
        assert_eq!(
            metric_description("s0-azure-servicebus-orders", "consumer"),
            "external metric s0-azure-servicebus-orders(&LabelSelector{MatchLabels:map[string]string{scaledobject.keda.sh/name: consumer,},MatchExpressions:[]LabelSelectorRequirement{},})"
        );
    }
}

//! KEDA's scale loop decision, sans IO: `RequestScale` of
//! `pkg/scaling/executor/scale_scaledobjects.go` (docs/keda-semantics.md §1.2).

use super::time::Nanos;

/// What one poll saw and what KEDA remembers. Times are [`Nanos`] on the simulator clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KedaPoll {
    pub now: Nanos,
    /// `ActiveMessageCount > activationMessageCount` (strict).
    pub is_active: bool,
    /// The target's `spec.replicas`.
    pub current_replicas: u32,
    pub min_replicas: u32,
    pub idle_replicas: Option<u32>,
    pub last_active: Option<Nanos>,
    pub created: Nanos,
    pub cooldown: Nanos,
    pub initial_cooldown: Nanos,
}

/// What KEDA does to the target's replicas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KedaScale {
    Nothing,
    /// `scaleFromZeroOrIdle`: event `KEDAScaleTargetActivated`.
    Activate {
        from: u32,
        to: u32,
    },
    /// `scaleToZeroOrIdle` after the cooldown: event `KEDAScaleTargetDeactivated`.
    Deactivate {
        from: u32,
        to: u32,
    },
    /// Inactive and below `minReplicaCount` (no idle count): back up to the minimum, no event.
    RaiseToMin {
        from: u32,
        to: u32,
    },
}

/// The `Active` condition KEDA writes (docs/keda-semantics.md §1.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActiveCondition {
    ScalerActive,
    ScalerNotActive,
    ScalerCooldown,
}

impl ActiveCondition {
    /// `(status, reason, message)`.
    pub fn text(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Self::ScalerActive => (
                "True",
                "ScalerActive",
                "Scaling is performed because triggers are active",
            ),
            Self::ScalerNotActive => (
                "False",
                "ScalerNotActive",
                "Scaling is not performed because triggers are not active",
            ),
            Self::ScalerCooldown => (
                "False",
                "ScalerCooldown",
                "Scaler cooling down because triggers are not active",
            ),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KedaDecision {
    pub scale: KedaScale,
    pub active: ActiveCondition,
    /// `status.lastActiveTime` after the poll: refreshed on every active poll.
    pub last_active: Option<Nanos>,
}

/// `RequestScale` without errors, fallback or pause (the simulator has none of those).
pub fn request_scale(p: &KedaPoll) -> KedaDecision {
    let current = p.current_replicas;
    if p.is_active {
        let below_min_with_idle = p.idle_replicas.is_some() && current < p.min_replicas;
        let scale = if below_min_with_idle || current == 0 {
            KedaScale::Activate {
                from: current,
                to: p.min_replicas.max(1),
            }
        } else {
            KedaScale::Nothing
        };
        return KedaDecision {
            scale,
            active: ActiveCondition::ScalerActive,
            last_active: Some(p.now),
        };
    }
    let above_idle = p.idle_replicas.is_some_and(|idle| current > idle);
    let mut decision = KedaDecision {
        scale: KedaScale::Nothing,
        active: ActiveCondition::ScalerNotActive,
        last_active: p.last_active,
    };
    if above_idle || (current > 0 && p.min_replicas == 0) {
        // Strict `<`: a poll landing exactly on the end of the cooldown still waits.
        let cooled = match p.last_active {
            None => p.created.saturating_add(p.initial_cooldown) < p.now,
            Some(last) => last.saturating_add(p.cooldown) < p.now,
        };
        if cooled {
            decision.scale = KedaScale::Deactivate {
                from: current,
                to: p.idle_replicas.unwrap_or(p.min_replicas),
            };
        } else {
            decision.active = ActiveCondition::ScalerCooldown;
        }
    } else if p.idle_replicas.is_none() && current < p.min_replicas {
        decision.scale = KedaScale::RaiseToMin {
            from: current,
            to: p.min_replicas,
        };
    }
    decision
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Nanos = Nanos::from_secs(1);

    fn poll(now_s: i64, active: bool, current: u32, last_active_s: Option<i64>) -> KedaPoll {
        KedaPoll {
            now: now_s * S,
            is_active: active,
            current_replicas: current,
            min_replicas: 0,
            idle_replicas: None,
            last_active: last_active_s.map(|s| s * S),
            created: Nanos::from_millis(-1),
            cooldown: 300 * S,
            initial_cooldown: Nanos::ZERO,
        }
    }

    /// docs/keda-semantics.md §1.2 pseudo-code, row by row.
    #[test]
    fn request_scale_table() {
        use ActiveCondition::*;
        use KedaScale::*;
        let cases = [
            (
                "active at 0 activates to max(1,min)",
                poll(30, true, 0, None),
                Activate { from: 0, to: 1 },
                ScalerActive,
                Some(30),
            ),
            (
                "active at N: HPA's job, refresh lastActive",
                poll(60, true, 4, Some(30)),
                Nothing,
                ScalerActive,
                Some(60),
            ),
            (
                "inactive within cooldown",
                poll(90, false, 4, Some(60)),
                Nothing,
                ScalerCooldown,
                Some(60),
            ),
            (
                "cooldown ends exactly now: still waits (strict <)",
                poll(360, false, 4, Some(60)),
                Nothing,
                ScalerCooldown,
                Some(60),
            ),
            (
                "cooldown over: straight to 0",
                poll(390, false, 4, Some(60)),
                Deactivate { from: 4, to: 0 },
                ScalerNotActive,
                Some(60),
            ),
            (
                "never active, SO just created: scale to 0 at once",
                poll(0, false, 3, None),
                Deactivate { from: 3, to: 0 },
                ScalerNotActive,
                None,
            ),
            (
                "inactive at 0: nothing",
                poll(400, false, 0, Some(60)),
                Nothing,
                ScalerNotActive,
                Some(60),
            ),
        ];
        for (name, p, scale, active, last) in cases {
            let d = request_scale(&p);
            assert_eq!(
                (d.scale, d.active, d.last_active.map(|t| t / S)),
                (scale, active, last),
                "{name}"
            );
        }
    }

    #[test]
    fn min_and_idle_replicas() {
        // min 2: activation goes to 2; inactive never goes below 2.
        let mut p = poll(30, true, 0, None);
        p.min_replicas = 2;
        assert_eq!(
            request_scale(&p).scale,
            KedaScale::Activate { from: 0, to: 2 }
        );
        let mut p = poll(900, false, 5, Some(30));
        p.min_replicas = 2;
        assert_eq!(request_scale(&p).scale, KedaScale::Nothing);
        let mut p = poll(900, false, 1, Some(30));
        p.min_replicas = 2;
        assert_eq!(
            request_scale(&p).scale,
            KedaScale::RaiseToMin { from: 1, to: 2 }
        );
        // idle 0, min 2: active below min → min; inactive after cooldown → idle.
        let mut p = poll(30, true, 0, None);
        (p.min_replicas, p.idle_replicas) = (2, Some(0));
        assert_eq!(
            request_scale(&p).scale,
            KedaScale::Activate { from: 0, to: 2 }
        );
        let mut p = poll(900, false, 2, Some(30));
        (p.min_replicas, p.idle_replicas) = (2, Some(0));
        assert_eq!(
            request_scale(&p).scale,
            KedaScale::Deactivate { from: 2, to: 0 }
        );
    }

    #[test]
    fn initial_cooldown_counts_from_creation_until_first_active() {
        let mut p = poll(30, false, 1, None);
        p.initial_cooldown = 60 * S;
        assert_eq!(request_scale(&p).active, ActiveCondition::ScalerCooldown);
        p.now = 61 * S;
        assert_eq!(
            request_scale(&p).scale,
            KedaScale::Deactivate { from: 1, to: 0 }
        );
    }
}

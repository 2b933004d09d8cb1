//! The loops' clock: virtual in the simulator, the time since the lab started in the lab.

use std::ops::{Add, Div, Mul, Sub};

use jiff::SignedDuration;

/// Nanoseconds on the loops' clock: a moment (counted from the clock's start) or a span.
/// Its own type, so a replica count or a number of seconds cannot pass for a time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Nanos(i64);

impl Nanos {
    pub const ZERO: Nanos = Nanos(0);
    /// Far enough to never come, with room to add to it.
    pub const NEVER: Nanos = Nanos(i64::MAX / 4);

    pub const fn from_nanos(nanos: i64) -> Self {
        Nanos(nanos)
    }

    pub const fn from_millis(millis: i64) -> Self {
        Nanos(millis * 1_000_000)
    }

    pub const fn from_secs(secs: i64) -> Self {
        Nanos(secs * 1_000_000_000)
    }

    /// A duration on the clock; a negative one counts as zero, one too long as [`Nanos::NEVER`].
    pub fn from_duration(d: SignedDuration) -> Self {
        Nanos(i64::try_from(d.as_nanos()).unwrap_or(Self::NEVER.0).max(0))
    }

    /// A real elapsed time (the lab's clock); one too long is [`Nanos::NEVER`].
    pub fn from_std(d: std::time::Duration) -> Self {
        Nanos(
            i64::try_from(d.as_nanos())
                .unwrap_or(Self::NEVER.0)
                .min(Self::NEVER.0),
        )
    }

    /// The span as a real duration (zero if negative).
    pub fn to_std(self) -> std::time::Duration {
        std::time::Duration::from_nanos(u64::try_from(self.0).unwrap_or(0))
    }

    pub const fn as_nanos(self) -> i64 {
        self.0
    }

    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }

    pub fn to_duration(self) -> SignedDuration {
        SignedDuration::from_nanos(self.0)
    }

    pub const fn saturating_add(self, other: Nanos) -> Nanos {
        Nanos(self.0.saturating_add(other.0))
    }
}

impl Add for Nanos {
    type Output = Nanos;
    fn add(self, other: Nanos) -> Nanos {
        Nanos(self.0 + other.0)
    }
}

impl Sub for Nanos {
    type Output = Nanos;
    fn sub(self, other: Nanos) -> Nanos {
        Nanos(self.0 - other.0)
    }
}

/// A span times a count (`3 * polling_interval`).
impl Mul<i64> for Nanos {
    type Output = Nanos;
    fn mul(self, n: i64) -> Nanos {
        Nanos(self.0 * n)
    }
}

/// A count times a span (`300 * SECOND`).
impl Mul<Nanos> for i64 {
    type Output = Nanos;
    fn mul(self, n: Nanos) -> Nanos {
        Nanos(self * n.0)
    }
}

/// How many whole `other` spans fit in `self`.
impl Div for Nanos {
    type Output = i64;
    fn div(self, other: Nanos) -> i64 {
        self.0 / other.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_bounds() {
        assert_eq!(Nanos::from_secs(2), Nanos::from_millis(2_000));
        assert_eq!(Nanos::from_secs(2).as_nanos(), 2_000_000_000);
        assert_eq!(
            Nanos::from_duration(SignedDuration::from_secs(-5)),
            Nanos::ZERO
        );
        assert_eq!(Nanos::from_duration(SignedDuration::MAX), Nanos::NEVER);
        assert_eq!(
            Nanos::from_duration(SignedDuration::from_millis(250)).as_secs_f64(),
            0.25
        );
        assert_eq!(Nanos::from_secs(30) / Nanos::from_secs(15), 2);
        assert_eq!(Nanos::from_secs(5) * 3, Nanos::from_secs(15));
        assert!(Nanos::NEVER.saturating_add(Nanos::NEVER) > Nanos::NEVER);
        assert_eq!(
            Nanos::from_secs(3).to_duration(),
            SignedDuration::from_secs(3)
        );
        let std = std::time::Duration::from_millis(1_500);
        assert_eq!(Nanos::from_std(std).to_std(), std);
        assert_eq!(Nanos::from_nanos(-5).to_std(), std::time::Duration::ZERO);
        assert_eq!(Nanos::from_std(std::time::Duration::MAX), Nanos::NEVER);
    }
}

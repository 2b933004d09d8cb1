//! Text formats shared by the panels and the exit summary.

use jiff::SignedDuration;

/// AGE exactly as `kubectl get pods` prints it (apimachinery `duration.HumanDuration`); the one
/// definition lives with the other kubectl row rules.
pub use kedatui_core::kubectl::human_duration as kubectl_age;

/// A compact duration for panels and the summary: `0s`, `45s`, `1m24s`, `2h05m`; tenths below 10 s.
pub fn short_duration(d: SignedDuration) -> String {
    let ms = d.as_millis().max(0) as i64;
    if ms < 10_000 && ms % 1000 != 0 {
        return format!("{:.1}s", ms as f64 / 1000.0);
    }
    let s = ms / 1000;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// `1234567` → `1 234 567` (thin groups read well on a projector).
pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// A rate: `0`, `8.5`, `120`, `170 000` (a big burst's, grouped like the counts).
pub fn rate(per_second: f64) -> String {
    if per_second < 0.05 {
        "0".into()
    } else if per_second < 100.0 {
        format!("{per_second:.1}")
    } else {
        group_thousands(per_second.round() as u64)
    }
}

/// `12s / 1m40s` for the replay header.
pub fn replay_position(position_ms: u64, length_ms: u64) -> String {
    let f = |ms: u64| short_duration(SignedDuration::from_millis(ms as i64));
    format!("{} / {}", f(position_ms), f(length_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_age_matches_human_duration() {
        // Cases from k8s.io/apimachinery/pkg/util/duration/duration_test.go TestHumanDuration.
        let cases: &[(i64, &str)] = &[
            (-2, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (1, "1s"),
            (119, "119s"),
            (120, "2m"),
            (121, "2m1s"),
            (9 * 60 + 59, "9m59s"),
            (10 * 60, "10m"),
            (3 * 3600 - 1, "179m"),
            (3 * 3600, "3h"),
            (3 * 3600 + 60, "3h1m"),
            (8 * 3600 - 1, "7h59m"),
            (8 * 3600, "8h"),
            (48 * 3600 - 1, "47h"),
            (48 * 3600, "2d"),
            (49 * 3600, "2d1h"),
            (8 * 24 * 3600, "8d"),
            (2 * 365 * 24 * 3600, "2y"),
            (2 * 365 * 24 * 3600 + 24 * 3600, "2y1d"),
            (8 * 365 * 24 * 3600, "8y"),
        ];
        for &(secs, want) in cases {
            assert_eq!(
                kubectl_age(SignedDuration::from_secs(secs)),
                want,
                "{secs}s"
            );
        }
    }

    #[test]
    fn short_durations() {
        let cases: &[(i64, &str)] = &[
            (0, "0s"),
            (1500, "1.5s"),
            (9_900, "9.9s"),
            (12_000, "12s"),
            (12_400, "12s"),
            (84_000, "1m24s"),
            (3_900_000, "1h05m"),
            (-5, "0s"),
        ];
        for &(ms, want) in cases {
            assert_eq!(
                short_duration(SignedDuration::from_millis(ms)),
                want,
                "{ms}ms"
            );
        }
    }

    #[test]
    fn rates() {
        for (r, s) in [
            (0.0, "0"),
            (0.04, "0"),
            (8.46, "8.5"),
            (120.4, "120"),
            (170_000.4, "170 000"),
        ] {
            assert_eq!(rate(r), s, "{r}");
        }
    }

    #[test]
    fn thousands() {
        for (n, s) in [
            (0, "0"),
            (999, "999"),
            (1000, "1 000"),
            (1234567, "1 234 567"),
        ] {
            assert_eq!(group_thousands(n), s);
        }
    }
}

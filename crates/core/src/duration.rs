//! Human durations for flags: `90s`, `5m`, `1h`, `1m30s` (and `500ms` or `1.5s` for sub-second
//! steps). A bare number means seconds, as a ScaledObject's `cooldownPeriod: 300` does. Every
//! duration flag (`--cooldown`, `--count-interval`, `--burst AT:…`, ...) parses with this.
//!
//! Parsed into `jiff::SignedDuration`, the type the simulator and the model use. Negative or
//! malformed values are rejected with a message that says how to write the value instead.

use jiff::SignedDuration;

/// Why a duration flag was rejected. The message is shown to the user as is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("empty duration: write it like 90s, 5m, 1h or 1m30s")]
    Empty,
    #[error("invalid duration {input:?}: negative durations are not allowed")]
    Negative { input: String },
    #[error("invalid duration {input:?}: {number} has no unit; write it like {number}s")]
    MissingUnit { input: String, number: String },
    #[error("invalid duration {input:?}: {number:?} is not a number")]
    BadNumber { input: String, number: String },
    #[error("invalid duration {input:?}: unknown unit {unit:?} (use h, m, s or ms, e.g. 1m30s)")]
    UnknownUnit { input: String, unit: String },
    #[error(
        "invalid duration {input:?}: expected a number before {unit:?} (e.g. 90s, 5m, 1h, 1m30s)"
    )]
    MissingNumber { input: String, unit: String },
    #[error(
        "invalid duration {input:?}: units must go from largest to smallest, each once (e.g. 1h2m3s)"
    )]
    UnitOrder { input: String },
    #[error("invalid duration {input:?}: too large")]
    Overflow { input: String },
}

/// Parses `90s`, `5m`, `1h`, `1m30s`, `1h30m`, `500ms`, `1.5s`, `0s`, and `90` (seconds); to the
/// millisecond. Also usable as a clap `value_parser`.
pub fn parse_duration(input: &str) -> Result<SignedDuration, DurationError> {
    let trimmed = input.trim();
    let seconds;
    let text = if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        seconds = format!("{trimmed}s");
        seconds.as_str()
    } else {
        trimmed
    };
    if text.is_empty() {
        return Err(DurationError::Empty);
    }
    if text.starts_with('-') {
        return Err(DurationError::Negative {
            input: input.to_string(),
        });
    }
    let overflow = || DurationError::Overflow {
        input: input.to_string(),
    };
    let mut total_ms: i64 = 0;
    // Rank of the last unit seen (h=4, m=3, s=2, ms=1): each must be strictly smaller.
    let mut last_rank = u8::MAX;
    let mut rest = text;
    while !rest.is_empty() {
        let digits_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(digits_end);
        let unit_end = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_end);
        if number.is_empty() {
            return Err(DurationError::MissingNumber {
                input: input.to_string(),
                unit: unit.to_string(),
            });
        }
        if unit.is_empty() {
            return Err(DurationError::MissingUnit {
                input: input.to_string(),
                number: number.to_string(),
            });
        }
        let (rank, ms_per_unit) = match unit {
            "h" => (4, 3_600_000),
            "m" => (3, 60_000),
            "s" => (2, 1_000),
            "ms" => (1, 1),
            _ => {
                return Err(DurationError::UnknownUnit {
                    input: input.to_string(),
                    unit: unit.to_string(),
                });
            }
        };
        if rank >= last_rank {
            return Err(DurationError::UnitOrder {
                input: input.to_string(),
            });
        }
        last_rank = rank;
        let value: f64 = number.parse().map_err(|_| DurationError::BadNumber {
            input: input.to_string(),
            number: number.to_string(),
        })?;
        let ms = (value * ms_per_unit as f64).round();
        if !ms.is_finite() || ms >= i64::MAX as f64 {
            return Err(overflow());
        }
        total_ms = total_ms.checked_add(ms as i64).ok_or_else(overflow)?;
        rest = next;
    }
    Ok(SignedDuration::from_millis(total_ms))
}

/// Formats like the flags are written: `0s`, `90s` → `1m30s`, `1h`, `1.5s` → `1500ms`.
pub fn format_duration(d: SignedDuration) -> String {
    let negative = d.is_negative();
    let total_ms = d.as_millis().unsigned_abs();
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if total_ms == 0 {
        out.push_str("0s");
        return out;
    }
    let (h, rem) = (total_ms / 3_600_000, total_ms % 3_600_000);
    let (m, rem) = (rem / 60_000, rem % 60_000);
    let (s, ms) = (rem / 1_000, rem % 1_000);
    for (value, unit) in [(h, "h"), (m, "m"), (s, "s"), (ms, "ms")] {
        if value > 0 {
            out.push_str(&format!("{value}{unit}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_forms() {
        let cases = [
            ("90s", 90_000),
            ("5m", 300_000),
            ("1h", 3_600_000),
            ("1m30s", 90_000),
            ("1h30m", 5_400_000),
            ("1h2m3s", 3_723_000),
            ("500ms", 500),
            ("1s500ms", 1_500),
            ("0s", 0),
            (" 30s ", 30_000),
            ("1.5s", 1_500),
            ("0.5m", 30_000),
            // A bare number is seconds, like a ScaledObject's cooldownPeriod.
            ("30", 30_000),
            ("1.5", 1_500),
            ("0", 0),
        ];
        for (input, ms) in cases {
            assert_eq!(
                parse_duration(input),
                Ok(SignedDuration::from_millis(ms)),
                "{input}"
            );
        }
    }

    #[test]
    fn rejects_malformed_input_with_a_specific_error() {
        type Check = fn(&DurationError) -> bool;
        let cases: [(&str, Check); 9] = [
            ("", |e| matches!(e, DurationError::Empty)),
            ("1.2.3s", |e| matches!(e, DurationError::BadNumber { .. })),
            ("1m30", |e| matches!(e, DurationError::MissingUnit { .. })),
            ("-5s", |e| matches!(e, DurationError::Negative { .. })),
            ("5x", |e| matches!(e, DurationError::UnknownUnit { .. })),
            ("5sec", |e| matches!(e, DurationError::UnknownUnit { .. })),
            ("s", |e| matches!(e, DurationError::MissingNumber { .. })),
            ("30s1m", |e| matches!(e, DurationError::UnitOrder { .. })),
            ("99999999999999999999h", |e| {
                matches!(e, DurationError::Overflow { .. })
            }),
        ];
        for (input, expected) in cases {
            let err = parse_duration(input).expect_err(input);
            assert!(expected(&err), "{input}: got {err:?}");
        }
    }

    #[test]
    fn error_messages_say_how_to_fix_it() {
        let err = parse_duration("1m30").unwrap_err().to_string();
        assert_eq!(
            err,
            "invalid duration \"1m30\": 30 has no unit; write it like 30s"
        );
    }

    #[test]
    fn formats_round_trip() {
        for input in ["0s", "1m30s", "1h", "1h2m3s", "500ms", "5m"] {
            assert_eq!(format_duration(parse_duration(input).unwrap()), input);
        }
    }
}

//! The value parsers of the flags and the burst prompt: burst sizes, rates, warp, replay speed.
//! One grammar per kind of value, so the same text means the same everywhere.

use crate::format::group_thousands;

/// The largest burst the `b` prompt and `--bursts` accept.
pub const MAX_BURST: u64 = 1_000_000;

/// The fastest warp the simulator runs at.
pub const MAX_WARP: f64 = 1000.0;

/// Validate a burst size typed at the `b` prompt or given to `--bursts`: digits with optional
/// `_` separators and a `k` (×1 000) or `m` (×1 000 000) suffix. Errors never repeat the text.
pub fn parse_burst_size(text: &str) -> Result<u64, String> {
    let t = text.trim().replace('_', "");
    if t.is_empty() {
        return Err("type a number of messages".into());
    }
    let (digits, factor) = match t.char_indices().last() {
        Some((i, 'k' | 'K')) => (&t[..i], 1_000),
        Some((i, 'm' | 'M')) => (&t[..i], 1_000_000),
        _ => (t.as_str(), 1),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err("not a whole number of messages (digits, then k or m if you like)".into());
    }
    match digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(factor))
    {
        Some(0) => Err("a burst needs at least 1 message".into()),
        Some(n) if n <= MAX_BURST => Ok(n),
        _ => Err(format!(
            "at most {} messages per burst",
            group_thousands(MAX_BURST)
        )),
    }
}

/// `--bursts`: the sizes behind keys 1-9.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BurstSizes(pub Vec<u64>);

pub fn parse_bursts(text: &str) -> Result<BurstSizes, String> {
    let sizes = text
        .split(',')
        .enumerate()
        .map(|(i, part)| {
            parse_burst_size(part).map_err(|e| format!("burst {} ({:?}): {e}", i + 1, part.trim()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if sizes.len() > 9 {
        return Err(format!("at most 9 bursts (keys 1-9), got {}", sizes.len()));
    }
    Ok(BurstSizes(sizes))
}

/// The slowest trickle `--trickle` takes.
const MIN_TRICKLE_PER_SECOND: f64 = 0.01;

/// A rate, per second: `5/s`, `0.5/sec`, `30/m`, `120/min` or a bare `200` (per second). The
/// grammar of `--trickle` and `send --rate`; `--trickle` adds its bounds ([`parse_trickle`]).
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let (number, per) = match t.split_once('/') {
        Some((n, u)) => match u.trim() {
            "s" | "sec" => (n, 1.0),
            "m" | "min" => (n, 60.0),
            unit => {
                return Err(format!(
                    "unknown rate unit {unit:?}: write it like 5/s or 30/m"
                ));
            }
        },
        None => (t, 1.0),
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("invalid rate {text:?}: write it like 5/s or 30/m"))?;
    let per_second = value / per;
    if !per_second.is_finite() || per_second <= 0.0 {
        return Err(format!("invalid rate {text:?}: it must be more than 0"));
    }
    Ok(per_second)
}

/// `--trickle`: a [`parse_rate`] rate from 0.01/s up to [`MAX_BURST`]/s.
pub fn parse_trickle(text: &str) -> Result<f64, String> {
    let per_second = parse_rate(text)?;
    if per_second > MAX_BURST as f64 {
        return Err(format!("invalid rate {text:?}: at most {MAX_BURST}/s"));
    }
    // Below this the "next message" would be hours away (and a tiny rate's interval overflows).
    if per_second < MIN_TRICKLE_PER_SECOND {
        return Err(format!(
            "invalid rate {text:?}: at least {MIN_TRICKLE_PER_SECOND}/s (0.6/m)"
        ));
    }
    Ok(per_second)
}

/// The slowest warp `--warp` takes: the header shows one decimal (a smaller one read `×0`).
pub const MIN_WARP: f64 = 0.1;

/// `--warp`: a factor from 0.1 up to 1000.
pub fn parse_warp(text: &str) -> Result<f64, String> {
    let w: f64 = text
        .trim()
        .trim_start_matches(['x', '×'])
        .parse()
        .map_err(|_| format!("invalid warp {text:?}: a number like 1, 10 or 0.5"))?;
    if !w.is_finite() || w <= 0.0 || w > MAX_WARP {
        return Err(format!(
            "invalid warp {text:?}: it must be more than 0 and at most {}",
            MAX_WARP
        ));
    }
    if w < MIN_WARP {
        return Err(format!("invalid warp {text:?}: at least {MIN_WARP}"));
    }
    Ok(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_flag_table() {
        let cases: &[(&str, Result<&[u64], &str>)] = &[
            ("10,100,500,1000,5000", Ok(&[10, 100, 500, 1000, 5000])),
            ("10, 50", Ok(&[10, 50])),
            ("7", Ok(&[7])),
            ("1,2,3,4,5,6,7,8,9", Ok(&[1, 2, 3, 4, 5, 6, 7, 8, 9])),
            ("1,2,3,4,5,6,7,8,9,10", Err("at most 9 bursts")),
            ("10,,50", Err("burst 2")),
            ("10,0", Err("at least 1 message")),
            ("10,abc", Err("not a whole number")),
            ("2000000", Err("at most 1 000 000")),
        ];
        for (input, want) in cases {
            match (parse_bursts(input), want) {
                (Ok(got), Ok(w)) => assert_eq!(got.0, *w, "{input}"),
                (Err(e), Err(w)) => assert!(e.contains(w), "{input}: {e}"),
                (got, want) => panic!("{input}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn trickle_flag_table() {
        let cases: &[(&str, Result<f64, &str>)] = &[
            ("5/s", Ok(5.0)),
            ("0.5/s", Ok(0.5)),
            ("30/m", Ok(0.5)),
            ("120/min", Ok(2.0)),
            ("7", Ok(7.0)),
            ("0/s", Err("more than 0")),
            ("-1/s", Err("more than 0")),
            ("5/h", Err("unknown rate unit")),
            ("fast", Err("write it like 5/s")),
            ("2000000/s", Err("at most")),
            ("1e-300/s", Err("at least 0.01/s")),
            ("0.5/m", Err("at least")),
            ("0.6/m", Ok(0.01)),
        ];
        for (input, want) in cases {
            match (parse_trickle(input), want) {
                (Ok(got), Ok(w)) => assert!((got - w).abs() < 1e-9, "{input}: {got}"),
                (Err(e), Err(w)) => assert!(e.contains(w), "{input}: {e}"),
                (got, want) => panic!("{input}: got {got:?}, want {want:?}"),
            }
        }
    }
    #[test]
    fn send_rate_values() {
        assert_eq!(parse_rate("200"), Ok(200.0));
        assert_eq!(parse_rate("600/m"), Ok(10.0));
        assert_eq!(parse_rate("200/ s"), Ok(200.0));
        assert!(parse_rate("0").is_err());
        assert!(parse_rate("5/h").is_err());
    }

    #[test]
    fn warp_flag_table() {
        let cases: &[(&str, Result<f64, &str>)] = &[
            ("1", Ok(1.0)),
            ("10", Ok(10.0)),
            ("x20", Ok(20.0)),
            ("0.5", Ok(0.5)),
            ("1000", Ok(1000.0)),
            ("0", Err("more than 0")),
            ("1001", Err("at most 1000")),
            ("NaN", Err("more than 0")),
            ("fast", Err("a number")),
            ("0.1", Ok(0.1)),
            ("1e-300", Err("at least 0.1")),
            ("0.04", Err("at least 0.1")),
        ];
        for (input, want) in cases {
            match (parse_warp(input), want) {
                (Ok(got), Ok(w)) => assert_eq!(got, *w, "{input}"),
                (Err(e), Err(w)) => assert!(e.contains(w), "{input}: {e}"),
                (got, want) => panic!("{input}: got {got:?}, want {want:?}"),
            }
        }
    }
}

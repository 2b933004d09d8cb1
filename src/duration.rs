//! Human durations for flags: `90s`, `5m`, `1h`, `1m30s`.

//! The summary printed after the terminal is restored.

use std::fmt;

use jiff::SignedDuration;

use super::Mode;
use crate::format::{group_thousands, short_duration};

#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub mode: Mode,
    /// Live first, then the simulator after the Wi-Fi fallback (`s`).
    pub from_live: bool,
    pub bursts: u64,
    pub messages_sent: u64,
    pub peak_replicas: u32,
    pub peak_depth: u64,
    /// From the first message that made KEDA activate (a burst's or the trickle's) to the
    /// first pod created since then that is Running with all containers ready.
    pub first_ready_after_activation: Option<SignedDuration>,
    /// How long the queue last stayed non-empty before it drained.
    pub last_drain: Option<SignedDuration>,
    /// The queue last became empty across a Service Bus outage, faster than it was draining:
    /// a broker restart wiped it, so there is no drain time to report.
    pub queue_reset: bool,
    /// Live runs: messages that failed, and messages that may have been sent twice (after a
    /// lost acknowledgement, with the same ids). `None` in the simulator, where sends cannot fail.
    pub failures: Option<(u64, u64)>,
    /// Active + in-flight messages left at exit.
    pub still_queued: u64,
    pub ran_for: Option<SignedDuration>,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let clock = match (self.mode, self.from_live) {
            (Mode::Simulator, true) => "live, then the simulator from the live numbers",
            (Mode::Simulator, false) => "simulator, virtual time",
            (Mode::Live, _) => "live",
        };
        let opt = |d: Option<SignedDuration>, none: &str| {
            d.map_or_else(|| none.to_owned(), short_duration)
        };
        writeln!(f, "kedatui summary ({clock})")?;
        writeln!(f, "  bursts fired         {}", self.bursts)?;
        writeln!(
            f,
            "  messages sent        {}",
            group_thousands(self.messages_sent)
        )?;
        if let Some((failed, maybe_resent)) = self.failures {
            writeln!(f, "  messages failed      {}", group_thousands(failed))?;
            writeln!(
                f,
                "  maybe resent         {} (same message ids)",
                group_thousands(maybe_resent)
            )?;
        }
        writeln!(
            f,
            "  peak queue depth     {}",
            group_thousands(self.peak_depth)
        )?;
        writeln!(f, "  peak replicas        {}", self.peak_replicas)?;
        let first_ready = match self.first_ready_after_activation {
            Some(d) => format!(
                "{} after the message that activated KEDA",
                short_duration(d)
            ),
            None => "none ready".to_owned(),
        };
        writeln!(f, "  first Ready pod      {first_ready}")?;
        let drain = match (self.last_drain, self.still_queued) {
            (Some(_), 0) if self.queue_reset => {
                "queue reset (emptied during a Service Bus outage, not drained)".into()
            }
            (Some(d), 0) => format!("{} (queue empty)", short_duration(d)),
            (Some(d), q) => format!(
                "{} last time; {} still queued",
                short_duration(d),
                group_thousands(q)
            ),
            (None, 0) => "nothing to drain".into(),
            (None, q) => format!("not drained; {} still queued", group_thousands(q)),
        };
        writeln!(f, "  time to drain        {drain}")?;
        write!(f, "  ran for              {}", opt(self.ran_for, "0s"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_text() {
        let mut s = Summary {
            mode: Mode::Simulator,
            from_live: false,
            bursts: 2,
            messages_sent: 1500,
            peak_replicas: 16,
            peak_depth: 1200,
            first_ready_after_activation: Some(SignedDuration::from_millis(8500)),
            last_drain: Some(SignedDuration::from_secs(72)),
            queue_reset: false,
            failures: None,
            still_queued: 0,
            ran_for: Some(SignedDuration::from_secs(150)),
        };
        assert_eq!(
            s.to_string(),
            "kedatui summary (simulator, virtual time)\n  bursts fired         2\n  messages sent        1 500\n  peak queue depth     1 200\n  peak replicas        16\n  first Ready pod      8.5s after the message that activated KEDA\n  time to drain        1m12s (queue empty)\n  ran for              2m30s"
        );
        s.mode = Mode::Live;
        s.first_ready_after_activation = None;
        s.last_drain = None;
        s.still_queued = 40;
        let text = s.to_string();
        assert!(text.starts_with("kedatui summary (live)"), "{text}");
        s.mode = Mode::Simulator;
        s.from_live = true;
        assert!(
            s.to_string()
                .starts_with("kedatui summary (live, then the simulator from the live numbers)"),
            "the fallback is not passed off as a live run"
        );
        s.mode = Mode::Live;
        s.from_live = false;
        let text = s.to_string();
        assert!(text.contains("first Ready pod      none ready"), "{text}");
        assert!(
            text.contains("time to drain        not drained; 40 still queued"),
            "{text}"
        );
        s.failures = Some((1_200, 250));
        s.still_queued = 0;
        s.last_drain = Some(SignedDuration::from_secs(30));
        s.queue_reset = true;
        let text = s.to_string();
        assert!(
            text.contains("  messages sent        1 500\n  messages failed      1 200\n  maybe resent         250 (same message ids)\n"),
            "{text}"
        );
        assert!(
            text.contains("time to drain        queue reset (emptied during a Service Bus outage, not drained)"),
            "a wiped queue is not reported as a drain: {text}"
        );
    }
}

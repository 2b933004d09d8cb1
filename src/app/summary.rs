//! The summary printed after the terminal is restored.

use std::fmt;

use jiff::SignedDuration;

use super::Mode;
use super::format::{group_thousands, short_duration};

#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub mode: Mode,
    pub bursts: u64,
    pub messages_sent: u64,
    pub peak_replicas: u32,
    pub peak_depth: u64,
    /// From the first burst to the first Running pod with all containers ready.
    pub first_ready_after_first_burst: Option<SignedDuration>,
    /// How long the queue last stayed non-empty before it drained.
    pub last_drain: Option<SignedDuration>,
    /// Active + in-flight messages left at exit.
    pub still_queued: u64,
    pub ran_for: Option<SignedDuration>,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let clock = match self.mode {
            Mode::Simulator => "simulator, virtual time",
            Mode::Live => "live",
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
        writeln!(
            f,
            "  peak queue depth     {}",
            group_thousands(self.peak_depth)
        )?;
        writeln!(f, "  peak replicas        {}", self.peak_replicas)?;
        writeln!(
            f,
            "  first Ready pod      {}",
            opt(self.first_ready_after_first_burst, "none").replace("none", "none ready")
                + if self.first_ready_after_first_burst.is_some() {
                    " after the first burst"
                } else {
                    ""
                }
        )?;
        let drain = match (self.last_drain, self.still_queued) {
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

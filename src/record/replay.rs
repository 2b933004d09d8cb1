//! `kedatui replay FILE`: plays a recording through the same App and UI.
//!
//! [`ReplayCursor`] is the sans-IO part: a virtual clock over the recorded timestamps that
//! pauses, changes speed and seeks. Seeking back emits `ReplayReset` and then every event from
//! the start to the new position, which the App applies to a fresh state (update is pure, so
//! that rebuilds exactly the screen it had then). [`spawn`] is the task around it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::{Entry, Recording};
use crate::event::{Command, Event};
use crate::presenter::{
    PresenterCommand, PresenterEvent, ReplayControl, ReplayStatus, ViewArgs, speed_down, speed_up,
};

/// How often the replay clock advances.
pub const FRAME: Duration = Duration::from_millis(50);

#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// A recording made with `kedatui --record FILE`.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Playback speed (1 = as recorded; `+`/`-` change it while playing).
    #[arg(long, value_name = "N", default_value = "1", value_parser = parse_speed)]
    pub speed: f64,
    /// Where the replay logs. Default: kedatui.log in the temp directory.
    #[arg(long, value_name = "FILE", env = "KEDATUI_LOG_FILE")]
    pub log_file: Option<PathBuf>,
    #[command(flatten)]
    pub view: ViewArgs,
}

pub fn parse_speed(text: &str) -> Result<f64, String> {
    let s: f64 = text
        .trim()
        .trim_start_matches(['x', '×'])
        .parse()
        .map_err(|_| format!("invalid speed {text:?}: a number like 1, 2 or 0.5"))?;
    if !s.is_finite() || s <= 0.0 || s > 64.0 {
        return Err(format!(
            "invalid speed {text:?}: it must be more than 0 and at most 64"
        ));
    }
    Ok(s)
}

/// Which commands the replay source takes: only its own controls.
pub fn replay_accepts(command: &Command) -> bool {
    matches!(command, Command::Presenter(PresenterCommand::Replay(_)))
}

pub struct ReplayCursor {
    entries: Arc<[Entry]>,
    next: usize,
    position_ms: f64,
    length_ms: u64,
    speed: f64,
    paused: bool,
}

fn replayed(entry: &Entry) -> Event {
    Event::Presenter(PresenterEvent::Replayed(Box::new(entry.event.clone())))
}

impl ReplayCursor {
    pub fn new(recording: &Recording, speed: f64) -> Self {
        ReplayCursor {
            entries: recording.entries.clone().into(),
            next: 0,
            position_ms: 0.0,
            length_ms: recording.length_ms(),
            speed,
            paused: false,
        }
    }

    pub fn status(&self) -> ReplayStatus {
        ReplayStatus {
            position_ms: (self.position_ms as u64).min(self.length_ms),
            length_ms: self.length_ms,
            speed: self.speed,
            paused: self.paused,
        }
    }

    /// Events due at or before the current position that were not sent yet.
    fn due(&mut self) -> Vec<Event> {
        let mut out = Vec::new();
        while let Some(entry) = self.entries.get(self.next) {
            if entry.ms as f64 > self.position_ms {
                break;
            }
            out.push(replayed(entry));
            self.next += 1;
        }
        out
    }

    /// `real` wall time passed: move the virtual clock by `real × speed` (unless paused).
    pub fn advance(&mut self, real: Duration) -> Vec<Event> {
        if !self.paused {
            self.position_ms = (self.position_ms + real.as_secs_f64() * 1000.0 * self.speed)
                .min(self.length_ms as f64);
        }
        self.due()
    }

    pub fn control(&mut self, control: ReplayControl) -> Vec<Event> {
        let mut out = Vec::new();
        match control {
            ReplayControl::TogglePause => self.paused = !self.paused,
            ReplayControl::Faster => self.speed = speed_up(self.speed),
            ReplayControl::Slower => self.speed = speed_down(self.speed),
            ReplayControl::Seek(secs) => {
                let target =
                    (self.position_ms + secs as f64 * 1000.0).clamp(0.0, self.length_ms as f64);
                if target < self.position_ms {
                    out.push(Event::Presenter(PresenterEvent::ReplayReset));
                    self.next = 0;
                }
                self.position_ms = target;
                out.extend(self.due());
            }
        }
        out.push(Event::Presenter(PresenterEvent::ReplayStatus(
            self.status(),
        )));
        out
    }
}

/// The replay source: advances the cursor every FRAME, carries out the replay controls, and
/// reports its status when the shown position (whole seconds) changes.
pub fn spawn(
    mut cursor: ReplayCursor,
    events: mpsc::UnboundedSender<Event>,
) -> (mpsc::UnboundedSender<Command>, JoinHandle<()>) {
    let (tx, mut commands) = mpsc::unbounded_channel();
    let task = tokio::spawn(async move {
        let mut interval = tokio::time::interval(FRAME);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut last = tokio::time::Instant::now();
        let mut shown = cursor.status();
        let _ = events.send(Event::Presenter(PresenterEvent::ReplayStatus(shown)));
        loop {
            let out = tokio::select! {
                command = commands.recv() => match command {
                    Some(Command::Presenter(PresenterCommand::Replay(c))) => cursor.control(c),
                    Some(_) => continue,
                    None => break,
                },
                _ = interval.tick() => {
                    let now = tokio::time::Instant::now();
                    let mut out = cursor.advance(now - last);
                    last = now;
                    let status = cursor.status();
                    if status.position_ms / 1000 != shown.position_ms / 1000
                        || status.paused != shown.paused
                        || status.speed != shown.speed
                        || status.finished() != shown.finished()
                    {
                        out.push(Event::Presenter(PresenterEvent::ReplayStatus(status)));
                    }
                    out
                }
            };
            for event in out {
                if let Event::Presenter(PresenterEvent::ReplayStatus(s)) = &event {
                    shown = *s;
                }
                if events.send(event).is_err() {
                    return;
                }
            }
        }
    });
    (tx, task)
}

#[cfg(test)]
mod tests {
    /// #19 item 10: a UTF-8 byte-order mark before the header (a Windows editor's) is accepted.
    #[test]
    fn a_byte_order_mark_before_the_header_is_accepted() {
        let header = r#"{"kedatui_recording":1,"started_at":"2026-09-21T14:13:20Z","config":{"mode":"simulator","bursts":[10],"trickle_per_second":5.0,"warp":1.0,"namespace":"keda-demo","queue":"kedaqueue","scaled_object":"kedasbreceiver-scaler","deployment":"kedasbreceiver"}}"#;
        let text = format!(
            "\u{feff}{header}\n{{\"ms\":0,\"event\":{{\"Tick\":{{\"now\":\"2026-09-21T14:13:20Z\"}}}}}}\n"
        );
        let recording = crate::record::parse(text.as_bytes()).expect("a BOM is not corruption");
        assert_eq!(recording.header.config.0.bursts, vec![10]);
        assert_eq!(recording.entries.len(), 1);
    }
}

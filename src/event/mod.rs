//! The one event type the console's `App::update` consumes, and the commands it emits.
//!
//! Background tasks (input, tick, simulator, Service Bus sender and count probe, kube watchers)
//! send `Event`s over one tokio channel; the App is their only reader. `App::update` answers with
//! `Command`s, which the main loop routes to whichever source can carry them out. What the
//! sources report and take is defined in `kedatui-core` and re-exported here.

use std::path::PathBuf;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The world's commands, as `kedatui-core` defines them.
pub use kedatui_core::event::Command as WorldCommand;
pub use kedatui_core::event::*;

/// What `App::update` asks for: the world's commands, carried out by the sources, and the
/// console's own (replay controls and snapshots, the lab's faults).
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    World(WorldCommand),
    /// Replay controls and slide snapshots, carried out by the replay source and the main loop.
    Presenter(PresenterCommand),
    /// `kedatui --lab` only: rehearse a fault (the lab carries it out; other sources ignore it).
    LabFault(LabFault),
}

/// The faults the console's keys can ask the lab for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LabFault {
    /// SIGKILL one running receiver.
    CrashReceiver,
    /// The broker goes away for 10 s.
    BrokerDown,
    /// Every watch gets 410 Expired.
    ApiExpire,
    /// The API server goes away for 10 s.
    ApiDown,
}

impl LabFault {
    /// For the key echo and the help.
    pub fn label(self) -> &'static str {
        match self {
            LabFault::CrashReceiver => "lab: crash a receiver",
            LabFault::BrokerDown => "lab: broker down 10s",
            LabFault::ApiExpire => "lab: API server 410 to every watch",
            LabFault::ApiDown => "lab: API server down 10s",
        }
    }
}

/// The console's own commands (replay controls, slide snapshots). Plain data that travels with
/// the others; no source here carries them out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum PresenterCommand {
    /// `S`: write the current screen as text and SVG (the main loop does it, outside draw).
    Snapshot,
    Replay(ReplayControl),
    /// `Ctrl-L`: clear the terminal and draw every cell again (the main loop does it).
    Redraw,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum ReplayControl {
    TogglePause,
    /// Seconds of recording time, back (negative) or forward.
    Seek(i64),
    Faster,
    Slower,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Event {
    /// A key press, paste or resize from the terminal.
    Input(crossterm::event::Event),
    /// The clock moved: virtual time in the simulator, wall time in live mode.
    /// Read by the tick task, never while drawing.
    Tick {
        now: Timestamp,
    },
    Source(SourceEvent),
    /// Replay and slide snapshots (never recorded).
    Presenter(PresenterEvent),
}

impl Event {
    /// A plain key press (no modifiers), as the input task passes it on: the one spelling the
    /// tests, the recordings' samples and the replay share.
    pub fn key(code: crossterm::event::KeyCode) -> Self {
        Event::Input(crossterm::event::Event::Key(
            crossterm::event::KeyEvent::new(code, crossterm::event::KeyModifiers::NONE),
        ))
    }

    /// [`Event::key`] of a character key.
    pub fn char_key(c: char) -> Self {
        Self::key(crossterm::event::KeyCode::Char(c))
    }
}

/// What the core's sources send becomes `Event::Source`.
impl From<SourceEvent> for Event {
    fn from(e: SourceEvent) -> Self {
        Event::Source(e)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum PresenterEvent {
    /// Where the replay is: position, length, speed, paused.
    ReplayStatus(ReplayStatus),
    /// Seeking back: start again from a fresh App; the recording's events up to the new
    /// position follow at once.
    ReplayReset,
    /// One recorded event, applied as it was then (its commands go nowhere).
    Replayed(Box<Event>),
    /// A slide snapshot was written.
    SnapshotSaved { text: PathBuf, svg: PathBuf },
    /// Writing the slide snapshot failed (the message says what and where).
    SnapshotFailed(String),
    /// `--record`: a write failed (a full disk); the recording stopped, the demo goes on.
    RecordingFailed(String),
    /// `replay` of a file cut short: it plays the events before `line`, the one cut off.
    ReplayCutShort { line: usize },
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReplayStatus {
    pub position_ms: u64,
    pub length_ms: u64,
    pub speed: f64,
    pub paused: bool,
}

impl ReplayStatus {
    pub fn finished(&self) -> bool {
        self.position_ms >= self.length_ms
    }
}

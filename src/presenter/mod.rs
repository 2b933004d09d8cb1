//! Presenter features: themes for projectors, big numbers (drawn by `ui::big`), the key echo,
//! slide snapshots. State
//! lives in [`App::presenter`](crate::app::App); drawing reads it like any other state. The
//! events and commands replay uses are message types, defined in [`crate::event`].

pub mod snapshot;
pub mod theme;

use std::path::PathBuf;

use jiff::{SignedDuration, Timestamp};

/// How long the key echo stays on screen (of the App's clock, stretched by the warp like the
/// pod flash so it reads the same at ×10).
pub const ECHO_FOR: SignedDuration = SignedDuration::from_secs(3);

pub use crate::event::{PresenterCommand, PresenterEvent, ReplayControl, ReplayStatus};

/// Rows of `--big`'s digits (drawn by `ui::big`); the App's layout reserves them.
pub const BIG_HEIGHT: u16 = 5;

/// What `←`/`→` seek by during a replay.
pub const SEEK_STEP_SECS: i64 = 10;

/// The speeds `+`/`-` walk during a replay.
pub const REPLAY_SPEEDS: [f64; 9] = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0];

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ThemeKind {
    /// Colours on a dark terminal.
    #[default]
    Default,
    /// High contrast for washed-out projectors: black background, bright bold text, and state
    /// carried by words, symbols, bold and reverse video rather than hue alone.
    Presenter,
    /// Dark text on a light background.
    Light,
}

/// The last key pressed and what it did, e.g. `3 → burst of 500`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyEcho {
    pub key: String,
    pub what: String,
    /// The App's clock when it was pressed (`None` before the first tick).
    pub at: Option<Timestamp>,
}

/// What the App keeps for the presenter features.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PresenterState {
    pub theme: ThemeKind,
    pub big: bool,
    pub echo: Option<KeyEcho>,
    /// Set while a recording plays.
    pub replay: Option<ReplayStatus>,
}

impl PresenterState {
    /// The echo, if still showing at `now` (`warp` stretches its life like the pod flash).
    pub fn echo_at(&self, now: Option<Timestamp>, warp: f64) -> Option<&KeyEcho> {
        let echo = self.echo.as_ref()?;
        let span = SignedDuration::from_secs_f64(ECHO_FOR.as_secs_f64() * warp.max(1.0));
        match (echo.at, now) {
            (Some(at), Some(now)) => (now.duration_since(at) < span).then_some(echo),
            _ => Some(echo),
        }
    }
}

/// Flags shared by the console and `replay`.
#[derive(Clone, Debug, clap::Args)]
pub struct ViewArgs {
    /// Colour theme: default, presenter (high contrast for projectors), light.
    #[arg(long, value_name = "THEME", value_enum, default_value_t = ThemeKind::Default)]
    pub theme: ThemeKind,
    /// Show the queue depth and the replicas in big digits.
    #[arg(long)]
    pub big: bool,
    /// Where `S` writes the screen as text and SVG.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub snapshot_dir: PathBuf,
}

impl ViewArgs {
    /// A snapshot directory that does not exist is bad input, found before the demo starts
    /// rather than when `S` is pressed on stage.
    pub fn check(&self) -> Result<(), String> {
        if !self.snapshot_dir.is_dir() {
            return Err(format!(
                "--snapshot-dir {}: not an existing directory",
                self.snapshot_dir.display()
            ));
        }
        Ok(())
    }
}

/// The console's presenter flags.
#[derive(Clone, Debug, clap::Args)]
pub struct PresenterArgs {
    /// Record every event the console receives to FILE (JSON lines), for `kedatui replay`.
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// With --record: overwrite FILE if it exists (a file another console is recording into is
    /// still refused).
    #[arg(long, requires = "record")]
    pub force: bool,
    #[command(flatten)]
    pub view: ViewArgs,
}

pub fn speed_up(current: f64) -> f64 {
    REPLAY_SPEEDS
        .iter()
        .copied()
        .find(|&s| s > current + 1e-9)
        .unwrap_or(current)
}

pub fn speed_down(current: f64) -> f64 {
    REPLAY_SPEEDS
        .iter()
        .rev()
        .copied()
        .find(|&s| s < current - 1e-9)
        .unwrap_or(current)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(1_790_000_000 + s).unwrap()
    }

    #[test]
    fn the_echo_fades_on_the_apps_clock() {
        let state = PresenterState {
            echo: Some(KeyEcho {
                key: "3".into(),
                what: "burst of 500".into(),
                at: Some(t(0)),
            }),
            ..Default::default()
        };
        // (now, warp, shown)
        let cases = [
            (Some(t(0)), 1.0, true),
            (Some(t(2)), 1.0, true),
            (Some(t(3)), 1.0, false),
            (Some(t(20)), 10.0, true),
            (Some(t(30)), 10.0, false),
            (None, 1.0, true),
        ];
        for (now, warp, shown) in cases {
            assert_eq!(state.echo_at(now, warp).is_some(), shown, "{now:?} ×{warp}");
        }
    }

    #[test]
    fn replay_speed_ladder() {
        for (cur, up, down) in [
            (1.0, 2.0, 0.5),
            (0.25, 0.5, 0.25),
            (64.0, 64.0, 32.0),
            (3.0, 4.0, 2.0),
        ] {
            assert_eq!(speed_up(cur), up, "up from {cur}");
            assert_eq!(speed_down(cur), down, "down from {cur}");
        }
    }
}

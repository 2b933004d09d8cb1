//! The active key map: one table that both decides what a key does and generates the key bar and
//! the help overlay, so what is shown is always what works (gitui's command bar).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key asks the App to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Fire the burst bound to this key (index into `--bursts`).
    Burst(usize),
    /// Ask for a custom burst size.
    CustomBurst,
    ToggleTrickle,
    ToggleConsumers,
    /// Ask for confirmation, then purge.
    Purge,
    WarpUp,
    WarpDown,
    FreezeChart,
    ToggleHelp,
    /// `q`: at once when nothing is going on, else asks.
    Quit,
    /// Ctrl-C: always at once.
    QuitNow,
    /// Ctrl-L: clear the terminal and draw everything again.
    Redraw,
    ScrollUp,
    ScrollDown,
    PageUp,
    PageDown,
    /// Live mode: carry on in the simulator from the live numbers (the Wi-Fi fallback).
    SwitchToSimulator,
    /// In a prompt or confirmation.
    Confirm,
    Cancel,
    /// `S`: write the screen as text and SVG.
    Snapshot,
    ReplayPause,
    ReplayFaster,
    ReplaySlower,
    SeekBack,
    SeekForward,
    /// `--lab` only: ask the lab for a fault.
    LabFault(crate::event::LabFault),
}

/// Keys that would change the world: disabled while a recording plays.
pub fn changes_the_world(action: Action) -> bool {
    matches!(
        action,
        Action::Burst(_)
            | Action::CustomBurst
            | Action::ToggleTrickle
            | Action::ToggleConsumers
            | Action::Purge
            | Action::WarpUp
            | Action::WarpDown
            | Action::SwitchToSimulator
            | Action::LabFault(_)
    )
}

/// How a key is written in the key echo.
pub fn key_name(code: KeyCode) -> String {
    match code {
        KeyCode::Char(' ') => "space".into(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        other => format!("{other}"),
    }
}

/// What the key map needs to know about a replay in progress.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReplayStatusKeys {
    pub paused: bool,
    pub speed: f64,
}

/// Which keys are live right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyContext {
    Normal,
    Help,
    BurstPrompt,
    ConfirmPurge,
    ConfirmFallback,
    /// `q` while something is going on (a burst, pods, messages in the queue).
    ConfirmQuit,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    pub keys: Vec<KeyCode>,
    /// How the keys are written in the bar, e.g. `1-5`, `+/-`.
    pub key_label: String,
    /// Short text for the key bar.
    pub hint: String,
    /// Longer text for the help overlay.
    pub help: String,
    pub action: Action,
    /// False when the current mode cannot do it (e.g. time warp in live mode): shown dimmed,
    /// and pressing it explains why.
    pub enabled: bool,
    /// Shown in the key bar (scrolling keys only appear in help).
    pub in_bar: bool,
}

/// What the key map needs to know about the App.
#[derive(Clone, Debug)]
pub struct KeyMapState<'a> {
    pub bursts: &'a [u64],
    pub simulator: bool,
    pub trickle_on: bool,
    pub trickle_label: &'a str,
    pub consumers_paused: bool,
    pub frozen: bool,
    pub warp: f64,
    /// Set while a recording plays: the world-changing keys are disabled, space/`+`/`-`/`←`/`→`
    /// control the playback.
    pub replay: Option<ReplayStatusKeys>,
    /// Live against `kedatui --lab`: the fault keys exist.
    pub lab: bool,
    /// The lab runs the API server (not `--kubeconfig`): `E` and `A` exist.
    pub lab_api_faults: bool,
}

fn binding(
    keys: Vec<KeyCode>,
    key_label: &str,
    hint: String,
    help: String,
    action: Action,
) -> Binding {
    Binding {
        keys,
        key_label: key_label.to_owned(),
        hint,
        help,
        action,
        enabled: true,
        in_bar: true,
    }
}

/// `1000` → `1k`, `5000` → `5k`, `1500` → `1500`.
pub fn short_count(n: u64) -> String {
    if n >= 1000 && n.is_multiple_of(1000) {
        format!("{}k", n / 1000)
    } else {
        n.to_string()
    }
}

pub fn bindings(context: KeyContext, s: &KeyMapState<'_>) -> Vec<Binding> {
    use KeyCode::*;
    match context {
        KeyContext::Normal => {
            let mut v = Vec::new();
            if !s.bursts.is_empty() {
                let n = s.bursts.len();
                let keys = (0..n).map(|i| Char(char::from(b'1' + i as u8))).collect();
                let sizes: Vec<String> = s.bursts.iter().map(|&b| short_count(b)).collect();
                let label = if n == 1 {
                    "1".to_owned()
                } else {
                    format!("1-{n}")
                };
                v.push(binding(
                    keys,
                    &label,
                    format!("burst {}", sizes.join("/")),
                    "fire a burst of that many messages".to_owned(),
                    Action::Burst(0),
                ));
            }
            v.push(binding(
                vec![Char('b')],
                "b",
                "custom".into(),
                "fire a burst of a size you type".into(),
                Action::CustomBurst,
            ));
            v.push(binding(
                vec![Char('t')],
                "t",
                if s.trickle_on {
                    "stop trickle".into()
                } else {
                    format!("trickle {}", s.trickle_label)
                },
                format!("start/stop a steady trickle of {}", s.trickle_label),
                Action::ToggleTrickle,
            ));
            // Before the simulator-only keys, so it stays in the bar.
            if !s.simulator {
                v.push(binding(
                    vec![Char('s')],
                    "s",
                    "to simulator".into(),
                    "switch to the simulator, seeded with the live queue depth, replicas and \
                     ScaledObject settings (at once when Wi-Fi or the cluster fails; asks first \
                     while live is healthy)"
                        .into(),
                    Action::SwitchToSimulator,
                ));
            }
            if s.lab && !s.simulator {
                use crate::event::LabFault;
                for (key, fault, help) in [
                    (
                        'K',
                        LabFault::CrashReceiver,
                        "lab: crash a receiver (SIGKILL); it shows Error, then CrashLoopBackOff",
                    ),
                    (
                        'B',
                        LabFault::BrokerDown,
                        "lab: the broker goes away for 10s",
                    ),
                    (
                        'E',
                        LabFault::ApiExpire,
                        "lab: the API server answers every watch with 410 Expired",
                    ),
                    (
                        'A',
                        LabFault::ApiDown,
                        "lab: the API server goes away for 10s",
                    ),
                ] {
                    if !s.lab_api_faults && matches!(fault, LabFault::ApiExpire | LabFault::ApiDown)
                    {
                        continue;
                    }
                    let mut b = binding(
                        vec![Char(key)],
                        &key.to_string(),
                        fault.label().into(),
                        help.into(),
                        Action::LabFault(fault),
                    );
                    // In the help overlay only: the bar stays the talk's.
                    b.in_bar = false;
                    v.push(b);
                }
            }
            let mut consumers = binding(
                vec![Char('c')],
                "c",
                if s.consumers_paused {
                    "resume consumers".into()
                } else {
                    "pause consumers".into()
                },
                "pause/resume the receivers (simulator only)".into(),
                Action::ToggleConsumers,
            );
            consumers.enabled = s.simulator;
            v.push(consumers);
            v.push(binding(
                vec![Char('p')],
                "p",
                "purge".into(),
                "remove every active message (asks first)".into(),
                Action::Purge,
            ));
            let mut warp = binding(
                vec![Char('+'), Char('='), Char('-'), Char('_')],
                "+/-",
                format!("warp ×{}", format_factor(s.warp)),
                "speed the clock up / slow it down (simulator only)".into(),
                Action::WarpUp,
            );
            warp.enabled = s.simulator;
            v.push(warp);
            v.push(binding(
                vec![Char(' ')],
                "space",
                if s.frozen {
                    "unfreeze".into()
                } else {
                    "freeze".into()
                },
                "freeze/unfreeze the chart (the world keeps running)".into(),
                Action::FreezeChart,
            ));
            let mut snapshot = binding(
                vec![Char('S')],
                "S",
                "snapshot".into(),
                "save the screen as text and SVG, for slides (see --snapshot-dir)".into(),
                Action::Snapshot,
            );
            snapshot.in_bar = false;
            v.push(snapshot);
            // Matched by its modifier in `action_for`, so no plain key is bound.
            let mut redraw = binding(
                Vec::new(),
                "Ctrl-L",
                "redraw".into(),
                "redraw the whole screen (after another program wrote over it)".into(),
                Action::Redraw,
            );
            redraw.in_bar = false;
            v.push(redraw);
            if let Some(r) = s.replay {
                replay_bindings(&mut v, r);
            }
            v.push(binding(
                vec![Char('?')],
                "?",
                "help".into(),
                "this help".into(),
                Action::ToggleHelp,
            ));
            // Not Esc: Esc cancels prompts and overlays, and a double tap must not end the talk.
            v.push(binding(
                vec![Char('q')],
                "q",
                "quit".into(),
                "quit and print a summary (asks y/n while busy; Ctrl-C: at once)".into(),
                Action::Quit,
            ));
            for (keys, label, help, action) in [
                (
                    vec![Up, Char('k')],
                    "↑/k",
                    "scroll the pod table up",
                    Action::ScrollUp,
                ),
                (
                    vec![Down, Char('j')],
                    "↓/j",
                    "scroll the pod table down",
                    Action::ScrollDown,
                ),
                (vec![PageUp], "PgUp", "pod table: page up", Action::PageUp),
                (
                    vec![PageDown],
                    "PgDn",
                    "pod table: page down",
                    Action::PageDown,
                ),
            ] {
                let mut b = binding(keys, label, String::new(), help.into(), action);
                b.in_bar = false;
                v.push(b);
            }
            v
        }
        KeyContext::Help => vec![
            binding(
                vec![Char('?'), Esc],
                "?/Esc",
                "close help".into(),
                "close this help".into(),
                Action::ToggleHelp,
            ),
            binding(
                vec![Char('q')],
                "q",
                "quit".into(),
                "quit".into(),
                Action::Quit,
            ),
        ],
        KeyContext::BurstPrompt => vec![
            binding(
                vec![Enter],
                "Enter",
                "fire".into(),
                "fire the burst".into(),
                Action::Confirm,
            ),
            binding(
                vec![Esc],
                "Esc",
                "cancel".into(),
                "cancel".into(),
                Action::Cancel,
            ),
        ],
        KeyContext::ConfirmPurge => vec![
            binding(
                vec![Char('y'), Enter],
                "y",
                "purge".into(),
                "purge the queue".into(),
                Action::Confirm,
            ),
            binding(
                vec![Char('n'), Esc],
                "n/Esc",
                "cancel".into(),
                "keep the messages".into(),
                Action::Cancel,
            ),
        ],
        KeyContext::ConfirmQuit => vec![
            binding(
                vec![Char('y'), Enter],
                "y",
                "quit".into(),
                "quit and print a summary".into(),
                Action::Confirm,
            ),
            binding(
                vec![Char('n'), Esc],
                "n/Esc",
                "keep going".into(),
                "stay in the console".into(),
                Action::Cancel,
            ),
        ],
        KeyContext::ConfirmFallback => vec![
            binding(
                vec![Char('y'), Enter],
                "y",
                "simulator".into(),
                "leave live mode and continue in the simulator".into(),
                Action::Confirm,
            ),
            binding(
                vec![Char('n'), Esc],
                "n/Esc",
                "stay live".into(),
                "stay in live mode".into(),
                Action::Cancel,
            ),
        ],
    }
}

/// During a replay: the world-changing keys dimmed, space/`+`/`-` drive the playback, `←`/`→`
/// seek.
fn replay_bindings(v: &mut Vec<Binding>, r: ReplayStatusKeys) {
    use KeyCode::*;
    v.retain(|b| !matches!(b.action, Action::WarpUp | Action::FreezeChart));
    for b in v.iter_mut() {
        b.enabled &= !changes_the_world(b.action);
    }
    let controls = [
        binding(
            vec![Char(' ')],
            "space",
            if r.paused { "play" } else { "pause" }.into(),
            "pause/resume the replay".into(),
            Action::ReplayPause,
        ),
        binding(
            vec![Left, Right],
            "←/→",
            "seek ±10s".into(),
            "seek 10 s back / forward in the recording".into(),
            Action::SeekForward,
        ),
        binding(
            vec![Char('+'), Char('='), Char('-'), Char('_')],
            "+/-",
            format!("speed ×{}", r.speed),
            "replay faster / slower".into(),
            Action::ReplayFaster,
        ),
    ];
    // The playback controls first, so they stay in the bar on a narrow screen.
    v.splice(0..0, controls);
}

/// The action bound to `key` in `context`, if any. Ctrl-C always quits, without asking; Ctrl-L
/// redraws, in any context.
pub fn action_for(key: &KeyEvent, context: KeyContext, s: &KeyMapState<'_>) -> Option<Action> {
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return match key.code {
            KeyCode::Char('c' | 'C') => Some(Action::QuitNow),
            KeyCode::Char('l' | 'L') => Some(Action::Redraw),
            _ => None,
        };
    }
    let found = bindings(context, s)
        .into_iter()
        .find(|b| b.keys.contains(&key.code))?;
    Some(match (found.action, key.code) {
        (Action::Burst(_), KeyCode::Char(c)) => Action::Burst(usize::from(c as u8 - b'1')),
        (Action::WarpUp, KeyCode::Char('-' | '_')) => Action::WarpDown,
        (Action::ReplayFaster, KeyCode::Char('-' | '_')) => Action::ReplaySlower,
        (Action::SeekForward, KeyCode::Left) => Action::SeekBack,
        (action, _) => action,
    })
}

/// A warp or rate without a useless `.0`: `10` → `10`, `0.5` → `0.5`.
pub fn format_factor(warp: f64) -> String {
    if (warp - warp.round()).abs() < 1e-9 {
        format!("{}", warp.round() as i64)
    } else {
        format!("{warp:.1}")
    }
}

/// The time-warp ladder `+`/`-` walk.
pub const WARP_STEPS: [f64; 9] = [0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0];

pub fn warp_up(current: f64) -> f64 {
    WARP_STEPS
        .iter()
        .copied()
        .find(|&w| w > current + 1e-9)
        .unwrap_or(current)
}

pub fn warp_down(current: f64) -> f64 {
    WARP_STEPS
        .iter()
        .rev()
        .copied()
        .find(|&w| w < current - 1e-9)
        .unwrap_or(current)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warp_ladder() {
        let cases = [
            (1.0, 2.0, 0.5),
            (0.5, 1.0, 0.5),
            (200.0, 200.0, 100.0),
            (3.0, 5.0, 2.0),
            (1000.0, 1000.0, 200.0),
        ];
        for (cur, up, down) in cases {
            assert_eq!(warp_up(cur), up, "up from {cur}");
            assert_eq!(warp_down(cur), down, "down from {cur}");
        }
    }

    #[test]
    fn short_counts() {
        for (n, s) in [
            (10, "10"),
            (1000, "1k"),
            (5000, "5k"),
            (1500, "1500"),
            (0, "0"),
        ] {
            assert_eq!(short_count(n), s);
        }
    }
}

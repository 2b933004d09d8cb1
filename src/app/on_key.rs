//! The App's handling of the keyboard: key presses, the burst prompt, and the actions keys map to.

use super::*;

impl App {
    pub(super) fn on_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let label = self.trickle_label();
        let context = self.key_context();
        let action = keymap::action_for(&key, context, &self.keymap_state(&label));
        if context == KeyContext::BurstPrompt && action.is_none() {
            self.edit_prompt(key.code);
            return Vec::new();
        }
        let Some(action) = action else {
            return Vec::new();
        };
        if action == Action::Redraw {
            // Only the terminal changes: the notice, prompt and echo stay as they were.
            return vec![Command::Presenter(PresenterCommand::Redraw)];
        }
        self.prompt.notice = None;
        let echo_key = keymap::key_name(key.code);
        if context == KeyContext::Normal
            && self.replay_controls().is_some()
            && keymap::changes_the_world(action)
        {
            self.prompt.notice = Some(Notice {
                level: NoticeLevel::Warning,
                text: "disabled in replay: a recording plays back what happened, nothing is sent"
                    .into(),
            });
            self.echo(echo_key, "disabled in replay".into());
            return Vec::new();
        }
        let commands = self.on_key_action(context, action);
        if let Some(what) = self.describe(context, action, &commands) {
            self.echo(echo_key, what);
        }
        commands
    }

    pub(super) fn echo(&mut self, key: String, what: String) {
        self.presenter.echo = Some(KeyEcho {
            key,
            what,
            at: self.now,
        });
    }

    /// What a key did, for the key echo (`None`: not worth echoing, e.g. scrolling).
    pub(super) fn describe(
        &self,
        context: KeyContext,
        action: Action,
        commands: &[Command],
    ) -> Option<String> {
        if let Some(echo) = commands.first().and_then(command_echo) {
            return echo;
        }
        Some(match (context, action) {
            (KeyContext::Normal, Action::CustomBurst) => "custom burst size?".into(),
            (KeyContext::Normal, Action::Purge) => "purge? (y/n)".into(),
            (KeyContext::Normal, Action::FreezeChart) => if self.queue.frozen_at.is_some() {
                "chart frozen"
            } else {
                "chart live"
            }
            .into(),
            (KeyContext::Normal, Action::SwitchToSimulator)
                if self.prompt.input == InputMode::ConfirmFallback =>
            {
                "simulator? (y/n)".into()
            }
            (KeyContext::Normal, Action::SwitchToSimulator)
            | (KeyContext::ConfirmFallback, Action::Confirm)
                if self.from_live =>
            {
                "switched to the simulator".into()
            }
            (KeyContext::Normal | KeyContext::Help, Action::Quit)
                if self.prompt.input == InputMode::ConfirmQuit =>
            {
                "quit? (y/n)".into()
            }
            (KeyContext::Normal, Action::ToggleHelp) => "help".into(),
            (KeyContext::Help, Action::ToggleHelp) => "help closed".into(),
            (_, Action::Cancel) => "cancelled".into(),
            _ => return None,
        })
    }

    pub(super) fn on_key_action(&mut self, context: KeyContext, action: Action) -> Vec<Command> {
        match (context, action) {
            (_, Action::QuitNow) | (KeyContext::ConfirmQuit, Action::Confirm | Action::Quit) => {
                // Back to normal: a replay applies the recorded `q`, `y` and carries on.
                self.prompt.input = InputMode::Normal;
                self.should_quit = true;
                Vec::new()
            }
            (_, Action::Quit) => {
                self.ask_to_quit();
                Vec::new()
            }
            (KeyContext::Help, Action::ToggleHelp) => {
                self.prompt.show_help = false;
                Vec::new()
            }
            (KeyContext::BurstPrompt, Action::Confirm) => self.confirm_burst_prompt(),
            (KeyContext::ConfirmPurge, Action::Confirm) => {
                self.prompt.input = InputMode::Normal;
                self.queue.purge_seen = 0;
                vec![Command::World(WorldCommand::Purge)]
            }
            (KeyContext::ConfirmFallback, Action::Confirm) => {
                self.prompt.input = InputMode::Normal;
                self.switch_to_simulator();
                Vec::new()
            }
            (
                KeyContext::BurstPrompt
                | KeyContext::ConfirmPurge
                | KeyContext::ConfirmFallback
                | KeyContext::ConfirmQuit,
                Action::Cancel,
            ) => {
                self.prompt.input = InputMode::Normal;
                Vec::new()
            }
            (KeyContext::Normal, action) => self.on_action(action),
            _ => Vec::new(),
        }
    }

    /// `q`: quit at once when nothing would be lost, else ask first.
    fn ask_to_quit(&mut self) {
        if self.busy() {
            self.prompt.show_help = false;
            self.prompt.input = InputMode::ConfirmQuit;
        } else {
            self.should_quit = true;
        }
    }

    /// Enter in the burst prompt: fire the typed size, or keep the text with what is wrong.
    fn confirm_burst_prompt(&mut self) -> Vec<Command> {
        let InputMode::BurstPrompt { input, .. } = &self.prompt.input else {
            return Vec::new();
        };
        match parse_burst_size(input) {
            Ok(count) => {
                self.prompt.input = InputMode::Normal;
                vec![self.fire(count)]
            }
            Err(msg) => {
                self.prompt.input = InputMode::BurstPrompt {
                    input: input.clone(),
                    error: Some(msg),
                };
                Vec::new()
            }
        }
    }

    pub(super) fn edit_prompt(&mut self, code: KeyCode) {
        let InputMode::BurstPrompt { input, error } = &mut self.prompt.input else {
            return;
        };
        match code {
            KeyCode::Backspace => {
                input.pop();
                *error = None;
            }
            // Anything but a digit, `_` or a k/m suffix is dropped, not shown: a stray
            // keystroke (or a key typed by mistake) never reaches the projector.
            KeyCode::Char(c) => match prompt_push(input, c) {
                Ok(()) => *error = None,
                Err(hint) => *error = Some(hint.into()),
            },
            _ => {}
        }
    }

    pub(super) fn paste_into_prompt(&mut self, text: &str) {
        let InputMode::BurstPrompt { input, error } = &mut self.prompt.input else {
            return;
        };
        // All or nothing: a pasted connection string must not leave its digits behind.
        let mut edited = input.clone();
        let accepted = text
            .trim()
            .chars()
            .try_for_each(|c| prompt_push(&mut edited, c));
        match accepted {
            Ok(()) => {
                *input = edited;
                *error = None;
            }
            Err(_) => *error = Some(PASTE_DROPPED.into()),
        }
    }

    pub(super) fn on_action(&mut self, action: Action) -> Vec<Command> {
        match action {
            Action::Burst(i) => match self.config.bursts.get(i) {
                Some(&count) => vec![self.fire(count)],
                None => Vec::new(),
            },
            Action::CustomBurst => {
                self.prompt.input = InputMode::BurstPrompt {
                    input: String::new(),
                    error: None,
                };
                Vec::new()
            }
            Action::ToggleTrickle => self.toggle_trickle(),
            Action::ToggleConsumers => self.toggle_consumers(),
            Action::Purge => {
                self.prompt.input = InputMode::ConfirmPurge;
                Vec::new()
            }
            Action::WarpUp => self.change_warp(keymap::warp_up),
            Action::WarpDown => self.change_warp(keymap::warp_down),
            Action::FreezeChart => {
                self.queue.frozen_at = match self.queue.frozen_at {
                    Some(_) => None,
                    None => self.now,
                };
                Vec::new()
            }
            Action::ToggleHelp => {
                self.prompt.show_help = true;
                Vec::new()
            }
            Action::ScrollUp => self.scroll(-1),
            Action::ScrollDown => self.scroll(1),
            Action::PageUp => self.scroll(-(self.page_size() as isize)),
            Action::PageDown => self.scroll(self.page_size() as isize),
            Action::SwitchToSimulator => {
                // Healthy live sources are worth a question before leaving them.
                if self.live_sources_healthy() {
                    self.prompt.input = InputMode::ConfirmFallback;
                } else {
                    self.switch_to_simulator();
                }
                Vec::new()
            }
            Action::Snapshot => vec![Command::Presenter(PresenterCommand::Snapshot)],
            Action::LabFault(fault) => vec![Command::LabFault(fault)],
            Action::ReplayPause => self.replay_command(ReplayControl::TogglePause),
            Action::ReplayFaster => self.replay_command(ReplayControl::Faster),
            Action::ReplaySlower => self.replay_command(ReplayControl::Slower),
            Action::SeekBack => {
                self.replay_command(ReplayControl::Seek(-crate::presenter::SEEK_STEP_SECS))
            }
            Action::SeekForward => {
                self.replay_command(ReplayControl::Seek(crate::presenter::SEEK_STEP_SECS))
            }
            Action::Redraw => vec![Command::Presenter(PresenterCommand::Redraw)],
            Action::Quit | Action::QuitNow | Action::Confirm | Action::Cancel => Vec::new(),
        }
    }

    /// `t`: the trickle on at the configured rate, or off.
    fn toggle_trickle(&mut self) -> Vec<Command> {
        let next = match self.queue.trickle {
            Some(_) => None,
            None => Some(self.config.trickle_per_second),
        };
        self.queue.trickle = next;
        vec![Command::World(WorldCommand::SetTrickle(next))]
    }

    /// `c`: the simulator's receivers pause or resume (live receivers are the cluster's).
    fn toggle_consumers(&mut self) -> Vec<Command> {
        if !self.is_simulator() {
            self.simulator_only("pausing consumers");
            return Vec::new();
        }
        self.queue.consumers_paused = !self.queue.consumers_paused;
        vec![Command::World(WorldCommand::SetConsumersPaused(
            self.queue.consumers_paused,
        ))]
    }

    /// `+`/`-`: the next warp step, in the simulator only; nothing at the end of the range.
    fn change_warp(&mut self, step: fn(f64) -> f64) -> Vec<Command> {
        if !self.is_simulator() {
            self.simulator_only("time warp");
            return Vec::new();
        }
        let next = step(self.warp);
        if next == self.warp {
            return Vec::new();
        }
        self.warp = next;
        vec![Command::World(WorldCommand::SetWarp(next))]
    }

    pub(super) fn replay_command(&self, control: ReplayControl) -> Vec<Command> {
        if self.replay_controls().is_none() {
            return Vec::new();
        }
        vec![Command::Presenter(PresenterCommand::Replay(control))]
    }

    /// Pod rows on screen, when the terminal size is known.
    pub(super) fn pod_rows_visible(&self) -> Option<usize> {
        self.screen
            .map(|(w, h)| layout::pod_rows_visible(w, h, self.presenter.big))
    }

    pub(super) fn page_size(&self) -> usize {
        self.pod_rows_visible().unwrap_or(10).max(1)
    }

    pub(super) fn scroll(&mut self, by: isize) -> Vec<Command> {
        // Never scroll past the point where the last row is at the bottom, so ↑ acts at once.
        let visible = self.pod_rows_visible().unwrap_or(1).max(1);
        let max = self.cluster.pods.len().saturating_sub(visible);
        self.cluster.pod_scroll = self.cluster.pod_scroll.saturating_add_signed(by).min(max);
        Vec::new()
    }

    pub(super) fn simulator_only(&mut self, what: &str) {
        self.prompt.notice = Some(Notice {
            level: NoticeLevel::Warning,
            text: format!("{what} is simulator-only; disabled in live mode"),
        });
    }

    pub(super) fn fire(&mut self, count: u64) -> Command {
        let burst = self.sends.next_id;
        self.sends.next_id += 1;
        self.stats.bursts_fired += 1;
        if let Some(now) = self.now {
            self.queue.history.mark(Marker {
                at: now,
                kind: MarkerKind::Burst(count),
            });
        }
        Command::World(WorldCommand::Burst { burst, count })
    }
}

/// The echo of the command a key sent: `Some(None)` for one never echoed (a snapshot's echo
/// would end up on the slide), `None` for one whose key says more than the command.
fn command_echo(command: &Command) -> Option<Option<String>> {
    use format::group_thousands;
    Some(Some(match command {
        Command::World(WorldCommand::Burst { count, .. }) => {
            format!("burst of {}", group_thousands(*count))
        }
        Command::World(WorldCommand::SetTrickle(Some(r))) => {
            format!("trickle {}/s", keymap::format_factor(*r))
        }
        Command::World(WorldCommand::SetTrickle(None)) => "trickle off".into(),
        Command::World(WorldCommand::SetConsumersPaused(true)) => "consumers paused".into(),
        Command::World(WorldCommand::SetConsumersPaused(false)) => "consumers resumed".into(),
        Command::World(WorldCommand::SetWarp(w)) => format!("warp ×{}", keymap::format_factor(*w)),
        Command::World(WorldCommand::Purge) => "purge".into(),
        Command::LabFault(f) => f.label().into(),
        Command::Presenter(PresenterCommand::Snapshot) => return Some(None),
        Command::Presenter(PresenterCommand::Replay(c)) => match c {
            ReplayControl::TogglePause => "pause/resume replay".into(),
            ReplayControl::Seek(s) if *s < 0 => format!("back {}s", -s),
            ReplayControl::Seek(s) => format!("forward {s}s"),
            ReplayControl::Faster => "replay faster".into(),
            ReplayControl::Slower => "replay slower".into(),
        },
        _ => return None,
    }))
}

//! The App's handling of replay and slide-snapshot events.

use super::*;

impl App {
    pub(super) fn on_presenter(&mut self, event: PresenterEvent) {
        match event {
            PresenterEvent::ReplayStatus(status) => self.presenter.replay = Some(status),
            PresenterEvent::ReplayReset => {
                // Seeking back: the state at the new position is rebuilt from the start.
                let mut fresh = App::new(self.start_config.clone());
                fresh.presenter = self.presenter.clone();
                fresh.presenter.echo = None;
                fresh.screen = self.screen;
                *self = fresh;
            }
            PresenterEvent::Replayed(event) => match *event {
                // The replay's own terminal decides the layout; nested control events never
                // appear in a valid recording.
                Event::Input(TermEvent::Resize(..)) | Event::Presenter(_) => {}
                event => {
                    let quit = self.should_quit;
                    self.applying_recording = true;
                    // What was sent then is not sent again: the commands go nowhere.
                    let _ = self.update(event);
                    self.applying_recording = false;
                    // The recorded `q` ends the recording, not the replay.
                    self.should_quit = quit;
                }
            },
            PresenterEvent::SnapshotSaved { text, svg } => {
                self.prompt.notice = Some(Notice {
                    level: NoticeLevel::Info,
                    text: format!("screen saved: {} and {}", text.display(), svg.display()),
                });
            }
            PresenterEvent::SnapshotFailed(err) => {
                self.prompt.notice = Some(Notice {
                    level: NoticeLevel::Warning,
                    text: format!("snapshot failed: {err}"),
                });
            }
            PresenterEvent::RecordingFailed(err) => {
                self.prompt.notice = Some(Notice {
                    level: NoticeLevel::Warning,
                    text: format!("recording stopped, a write failed: {err}; the demo goes on"),
                });
            }
            PresenterEvent::ReplayCutShort { line } => {
                self.prompt.notice = Some(Notice {
                    level: NoticeLevel::Warning,
                    text: format!(
                        "the recording was cut off at line {line}: playing the events before it"
                    ),
                });
            }
        }
    }
}

//! The wall clock for live mode (the simulator is its own clock), and the terminal input task.

use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::event::Event;

/// Sends `Event::Tick { now }` every `period` until the receiver is gone.
pub fn spawn_wall_clock(events: mpsc::UnboundedSender<Event>, period: Duration) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(period);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            interval.tick().await;
            if events
                .send(Event::Tick {
                    now: Timestamp::now(),
                })
                .is_err()
            {
                break;
            }
        }
    })
}

/// Forwards key presses, pastes and resizes from the terminal, from a thread of its own.
///
/// Not an `EventStream` task on the UI's runtime: once the terminal hangs up (a closed window),
/// crossterm 0.29's `UnixInternalEventSource::try_read` retries a read that keeps failing with
/// EIO (or returning 0) without end. As a task on the current_thread runtime that loop starved
/// everything else, the SIGHUP that a closed window sends included, and left kedatui spinning at
/// 100 % CPU with its recording unflushed. On its own thread the loop cannot stop the UI from
/// seeing the signal and ending cleanly; the thread dies with the process.
pub fn spawn_input(events: mpsc::UnboundedSender<Event>) {
    let spawned = std::thread::Builder::new()
        .name("kedatui-input".into())
        .spawn(move || {
            loop {
                let event = match crossterm::event::read() {
                    Ok(
                        e @ (crossterm::event::Event::Key(_)
                        | crossterm::event::Event::Paste(_)
                        | crossterm::event::Event::Resize(..)),
                    ) => e,
                    Ok(_) => continue,
                    Err(err) => {
                        tracing::error!(%err, "reading terminal input failed");
                        break;
                    }
                };
                if events.send(Event::Input(event)).is_err() {
                    break;
                }
            }
        });
    if let Err(err) = spawned {
        tracing::error!(%err, "cannot start the terminal input thread");
    }
}

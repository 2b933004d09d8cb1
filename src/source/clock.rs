//! The wall clock for live mode (the simulator is its own clock), and the terminal input task.

use std::time::Duration;

use futures::StreamExt;
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

/// Forwards key presses, pastes and resizes from the terminal.
pub fn spawn_input(events: mpsc::UnboundedSender<Event>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut stream = crossterm::event::EventStream::new();
        while let Some(item) = stream.next().await {
            let event = match item {
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
    })
}

//! The world's sources and how the console's commands reach them.
//!
//! A source is a task that sends [`Event`]s over the one channel and takes [`Command`]s from its
//! own. The simulator is one; the live Service Bus sender and the cluster watchers are others. The
//! main loop does not know which is which: it hands every command to [`Sources::route`].
//!
//! Live mode plugs in the same way: the Service Bus source takes the event sender and returns its
//! command sender (`sources.add("queue", live_queue_accepts, commands, None)`), the cluster
//! watchers only send events, and [`clock::spawn_wall_clock`] replaces the simulator's clock.

pub mod clock;
pub mod live;
pub mod sim;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::event::{Command, WorldCommand};

/// Which commands a source carries out.
pub type Accepts = fn(&Command) -> bool;

struct Route {
    /// For logs.
    name: &'static str,
    accepts: Accepts,
    commands: Commands,
}

/// A source's command channel: a world source (simulator, Service Bus) takes the world's
/// commands only; a console source (replay, the lab's fault keys) takes the console's.
pub enum Commands {
    World(mpsc::UnboundedSender<WorldCommand>),
    Console(mpsc::UnboundedSender<Command>),
}

impl From<mpsc::UnboundedSender<WorldCommand>> for Commands {
    fn from(tx: mpsc::UnboundedSender<WorldCommand>) -> Self {
        Commands::World(tx)
    }
}

impl From<mpsc::UnboundedSender<Command>> for Commands {
    fn from(tx: mpsc::UnboundedSender<Command>) -> Self {
        Commands::Console(tx)
    }
}

impl Commands {
    /// `None` when this channel does not carry that kind of command.
    fn send(&self, command: &Command) -> Option<bool> {
        match (self, command) {
            (Commands::World(tx), Command::World(c)) => Some(tx.send(c.clone()).is_ok()),
            (Commands::World(_), _) => None,
            (Commands::Console(tx), c) => Some(tx.send(c.clone()).is_ok()),
        }
    }
}

/// The running sources and their command channels.
#[derive(Default)]
pub struct Sources {
    routes: Vec<Route>,
    /// Tasks on this runtime; sources on their own thread (the live Service Bus source) have none
    /// and stop when their command channel closes.
    tasks: Vec<JoinHandle<()>>,
}

impl Sources {
    /// Register a source task and the commands it accepts.
    pub fn add(
        &mut self,
        name: &'static str,
        accepts: Accepts,
        commands: impl Into<Commands>,
        task: Option<JoinHandle<()>>,
    ) {
        self.routes.push(Route {
            name,
            accepts,
            commands: commands.into(),
        });
        self.tasks.extend(task);
    }

    /// A task without commands (input, wall clock).
    pub fn add_task(&mut self, task: JoinHandle<()>) {
        self.tasks.push(task);
    }

    /// Hand `command` to every source that accepts it; false when none did.
    pub fn route(&self, command: &Command) -> bool {
        let mut taken = false;
        for route in self.routes.iter().filter(|r| (r.accepts)(command)) {
            match route.commands.send(command) {
                None => {}
                Some(true) => {
                    tracing::debug!(source = route.name, ?command, "command routed");
                    taken = true;
                }
                Some(false) => tracing::warn!(
                    source = route.name,
                    ?command,
                    "source has stopped; command dropped"
                ),
            }
        }
        taken
    }

    /// Stop every task: close the command channels, then abort whatever is still running.
    pub async fn shutdown(self) {
        drop(self.routes);
        for task in self.tasks {
            task.abort();
            let _ = task.await;
        }
    }
}

/// Everything the simulator can do (all but the presenter's replay controls and snapshots).
pub fn simulator_accepts(command: &Command) -> bool {
    !matches!(command, Command::Presenter(_))
}

/// What a live queue source does: sending, the trickle, purging. Time warp and pausing the
/// receivers are simulator-only (the App disables those keys in live mode).
pub fn live_queue_accepts(command: &Command) -> bool {
    matches!(
        command,
        Command::World(WorldCommand::Burst { .. })
            | Command::World(WorldCommand::CancelBursts)
            | Command::World(WorldCommand::SetTrickle(_))
            | Command::World(WorldCommand::Purge)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warp_only(c: &Command) -> bool {
        matches!(c, Command::World(WorldCommand::SetWarp(_)))
    }

    #[test]
    fn live_queue_sources_take_no_simulator_commands() {
        for (command, want) in [
            (
                Command::World(WorldCommand::Burst { burst: 1, count: 5 }),
                true,
            ),
            (Command::World(WorldCommand::CancelBursts), true),
            (Command::World(WorldCommand::SetTrickle(Some(5.0))), true),
            (Command::World(WorldCommand::Purge), true),
            (Command::World(WorldCommand::SetWarp(2.0)), false),
            (
                Command::World(WorldCommand::SetConsumersPaused(true)),
                false,
            ),
        ] {
            assert_eq!(live_queue_accepts(&command), want, "{command:?}");
        }
    }

    #[tokio::test]
    async fn commands_go_only_to_sources_that_accept_them() {
        let mut sources = Sources::default();
        let (all_tx, mut all_rx) = mpsc::unbounded_channel();
        let (warp_tx, mut warp_rx) = mpsc::unbounded_channel();
        sources.add(
            "all",
            simulator_accepts,
            all_tx,
            Some(tokio::spawn(async {})),
        );
        sources.add("warp", warp_only, warp_tx, None);
        assert!(sources.route(&Command::World(WorldCommand::Purge)));
        assert!(sources.route(&Command::World(WorldCommand::SetWarp(2.0))));
        assert_eq!(
            all_rx.recv().await,
            Some(Command::World(WorldCommand::Purge))
        );
        assert_eq!(
            all_rx.recv().await,
            Some(Command::World(WorldCommand::SetWarp(2.0)))
        );
        assert_eq!(
            warp_rx.recv().await,
            Some(Command::World(WorldCommand::SetWarp(2.0)))
        );
        assert!(
            warp_rx.try_recv().is_err(),
            "the purge did not go to the warp-only source"
        );
        drop(all_rx);
        assert!(
            sources.route(&Command::World(WorldCommand::SetWarp(1.0))),
            "still taken by the warp source"
        );
        drop(warp_rx);
        assert!(
            !sources.route(&Command::World(WorldCommand::Purge)),
            "nobody left to take it"
        );
        sources.shutdown().await;
    }
}

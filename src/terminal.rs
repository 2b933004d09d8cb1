//! Who may touch the terminal while the TUI is up: only the UI.
//!
//! ratatui's own panic hook restores the terminal on *any* panic, so a panic on a background
//! thread (azservicebus panics with `called after complete` when a connection drops mid-send,
//! #10 item 2) left the alternate screen and raw mode while the UI kept drawing, and the default
//! hook printed the panic over the screen. Here the terminal is restored only when the UI goes
//! down: [`TerminalGuard`]'s `Drop`, on a normal exit or while a panic unwinds the UI itself.
//! While the TUI is up the hook writes nothing to the terminal: every panic goes to the log, and
//! the UI thread's own panic is printed after the terminal is restored. A background panic
//! reaches the speaker as an error in the header, through the task that joins it.

use std::io;
use std::sync::{Mutex, Once};
use std::thread::ThreadId;

use ratatui::DefaultTerminal;

struct HookState {
    /// The UI's thread while the TUI is up.
    ui: Option<ThreadId>,
    /// The UI thread's panic, printed once the terminal is restored.
    ui_panic: Option<String>,
}

static STATE: Mutex<HookState> = Mutex::new(HookState {
    ui: None,
    ui_panic: None,
});
static HOOK: Once = Once::new();

fn state() -> std::sync::MutexGuard<'static, HookState> {
    STATE.lock().unwrap_or_else(|p| p.into_inner())
}

/// Wraps the current panic hook: while the TUI is up, panics are logged (never printed);
/// otherwise the previous hook runs as before.
fn install_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let mut st = state();
            let Some(ui) = st.ui else {
                drop(st);
                previous(info);
                return;
            };
            let thread = std::thread::current();
            let name = thread.name().unwrap_or("unnamed").to_owned();
            let text = describe(info);
            tracing::error!(thread = %name, "panic: {text}");
            if thread.id() == ui {
                st.ui_panic = Some(format!("kedatui: thread '{name}' panicked at {text}"));
            }
        }));
    });
}

/// `file:line:col: message`, as the default hook prints it.
fn describe(info: &std::panic::PanicHookInfo<'_>) -> String {
    let payload = info.payload();
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "Box<dyn Any>".into());
    match info.location() {
        Some(at) => format!("{at}:\n{message}"),
        None => message,
    }
}

/// The terminal is the UI's until this is dropped, which restores it.
pub struct TerminalGuard {
    _private: (),
}

/// Raw mode, the alternate screen and bracketed paste; the guard restores them.
pub fn enter() -> io::Result<(DefaultTerminal, TerminalGuard)> {
    install_hook();
    {
        let mut st = state();
        st.ui = Some(std::thread::current().id());
        st.ui_panic = None;
    }
    let guard = TerminalGuard { _private: () };
    take_terminal()?;
    let terminal = ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(io::stdout()))?;
    Ok((terminal, guard))
}

/// Whether the UI is up (the panic hook stays quiet then).
pub fn is_up() -> bool {
    state().ui.is_some()
}

/// Raw mode, the alternate screen and bracketed paste on (what [`enter`] sets up, and what
/// [`resume`] sets up again after a stop).
fn take_terminal() -> io::Result<()> {
    crossterm::terminal::enable_raw_mode()?;
    crossterm::execute!(
        io::stdout(),
        crossterm::terminal::EnterAlternateScreen,
        crossterm::event::EnableBracketedPaste
    )
}

/// Bracketed paste off, the cursor shown, the alternate screen left, raw mode off. Errors are
/// ignored: after a hang-up there is no terminal left to restore.
fn give_terminal_back() {
    let _ = crossterm::execute!(
        io::stdout(),
        crossterm::event::DisableBracketedPaste,
        crossterm::cursor::Show
    );
    // Not `ratatui::restore`, whose eprintln! of a failure panics when stderr is gone too.
    let _ = ratatui::try_restore();
}

/// SIGTSTP: give the terminal back to the shell and stop (SIGSTOP, which cannot be caught, so
/// this returns only once the process is continued), then take the terminal again and make the
/// next draw repaint every cell: whatever was on the screen in between is gone.
#[cfg(unix)]
pub fn suspend(terminal: &mut DefaultTerminal) -> io::Result<()> {
    give_terminal_back();
    nix::sys::signal::raise(nix::sys::signal::Signal::SIGSTOP).map_err(io::Error::from)?;
    resume(terminal)
}

/// After SIGCONT (or a stop we did not see coming): raw mode, the alternate screen and bracketed
/// paste again, and a cleared screen so the next draw writes everything.
pub fn resume(terminal: &mut DefaultTerminal) -> io::Result<()> {
    take_terminal()?;
    clear(terminal)
}

/// Clears the screen and forgets what ratatui drew, so the next draw writes every cell (`Ctrl-L`).
/// Not `Terminal::clear`, which asks the terminal for the cursor position and waits (2 s in
/// crossterm) for an answer that the input reader may have taken.
pub fn clear(terminal: &mut DefaultTerminal) -> io::Result<()> {
    let size = terminal.size()?;
    terminal.resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        give_terminal_back();
        let ui_panic = {
            let mut st = state();
            st.ui = None;
            st.ui_panic.take()
        };
        // Only the UI's own panic ends the session; say why after the terminal is back.
        if std::thread::panicking()
            && let Some(text) = ui_panic
        {
            eprintln!("{text}");
        }
    }
}

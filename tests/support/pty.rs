//! The real kedatui in a pseudo-terminal: its output is read on a thread and fed through a
//! vt100 parser, keys are written to it, and waits poll the screen until a condition holds or a
//! timeout passes.

use std::io::{Read, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

/// The Service Bus variables a developer's shell may hold: unset them so only the test decides
/// the mode.
pub const SERVICEBUS_VARS: [&str; 7] = [
    "SERVICEBUS_CONNECTION_STRING",
    "SERVICEBUS_MANAGE_CONNECTION_STRING",
    "SERVICEBUS_QUEUE",
    "SERVICEBUS_MANAGEMENT_URL",
    "RABBITMQ_URL",
    "RABBITMQ_MANAGEMENT_URL",
    "KEDATUI_SCALER",
];

/// How long a wait blocks for output before it looks at the clock again.
const POLL: Duration = Duration::from_millis(50);

/// How to start kedatui: `TERM` is always `xterm-256color`.
pub struct Spawn<'a> {
    pub args: &'a [&'a str],
    pub envs: &'a [(&'a str, &'a str)],
    /// Variables unset in kedatui's environment.
    pub remove: &'a [&'a str],
    pub rows: u16,
    pub cols: u16,
    /// The most a wait for the screen, for the exit or for the last output may take.
    pub timeout: Duration,
}

/// What a test keeps from each screen as output arrives, to ask about later (states that may
/// have come and gone between two waits).
pub trait Watch: Default {
    fn saw(&mut self, screen: &vt100::Screen);

    /// Shown in front of the screen when a wait times out.
    fn report(&self) -> String {
        String::new()
    }
}

impl Watch for () {
    fn saw(&mut self, _: &vt100::Screen) {}
}

pub struct Pty<W: Watch = ()> {
    pub parser: vt100::Parser,
    /// Everything kedatui wrote, escape sequences included.
    pub raw: Vec<u8>,
    /// The reader thread has stopped: kedatui and all it started closed the terminal.
    pub closed: bool,
    pub master: Box<dyn portable_pty::MasterPty + Send>,
    /// The fresh pty's line-discipline flags (ICANON, ECHO, …) before kedatui ran, as text: nix's
    /// type is not re-exported.
    pub cooked: String,
    pub watch: W,
    timeout: Duration,
    chunks: mpsc::Receiver<Vec<u8>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
}

impl<W: Watch> Pty<W> {
    pub fn spawn(how: Spawn) -> Self {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: how.rows,
                cols: how.cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        // Read before kedatui starts, so it is not raw mode already.
        let cooked = local_flags(&*pair.master);
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_kedatui"));
        cmd.args(how.args);
        cmd.env("TERM", "xterm-256color");
        for var in how.remove {
            cmd.env_remove(var);
        }
        for (k, v) in how.envs {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).expect("spawn kedatui");
        // Only kedatui holds the slave now, so the reader ends when kedatui (and what it
        // started) is gone.
        drop(pair.slave);

        let mut reader = pair.master.try_clone_reader().unwrap();
        let (tx, chunks) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if tx.send(buf[..n].to_vec()).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        Pty {
            parser: vt100::Parser::new(how.rows, how.cols, 0),
            raw: Vec::new(),
            closed: false,
            writer: pair.master.take_writer().unwrap(),
            master: pair.master,
            cooked,
            watch: W::default(),
            timeout: how.timeout,
            chunks,
            child,
        }
    }

    /// Takes the next chunk of output, waiting at most `wait`; true if one arrived.
    pub fn pump(&mut self, wait: Duration) -> bool {
        match self.chunks.recv_timeout(wait) {
            Ok(chunk) => {
                self.parser.process(&chunk);
                self.raw.extend_from_slice(&chunk);
                self.watch.saw(self.parser.screen());
                true
            }
            Err(mpsc::RecvTimeoutError::Timeout) => false,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                self.closed = true;
                false
            }
        }
    }

    /// Reads output until `cond` holds on the screen (and what was watched); fails with the
    /// screen shown if kedatui exits first or the timeout passes.
    pub fn wait_for(&mut self, what: &str, cond: impl Fn(&str, &W) -> bool) {
        let deadline = Instant::now() + self.timeout;
        loop {
            let contents = self.contents();
            if cond(&contents, &self.watch) {
                return;
            }
            assert!(
                !self.closed,
                "the console exited while waiting for {what}:\n{contents}"
            );
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; {}screen:\n{contents}",
                self.watch.report()
            );
            self.pump(POLL);
        }
    }

    pub fn press(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
    }

    /// Waits for kedatui to exit and for the rest of its output; returns the exit code and
    /// everything from the last "kedatui summary" on.
    pub fn wait_exit(&mut self) -> (u32, String) {
        let deadline = Instant::now() + self.timeout;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "kedatui did not exit");
            self.pump(POLL);
        };
        let deadline = Instant::now() + self.timeout;
        while !self.closed {
            assert!(
                Instant::now() < deadline,
                "the terminal stayed open after kedatui exited"
            );
            self.pump(Duration::from_millis(200));
        }
        let output = self.output();
        let at = output
            .rfind("kedatui summary")
            .expect("the exit summary is printed");
        (status.exit_code(), output[at..].to_owned())
    }

    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("kedatui's pid")
    }

    /// The screen's text.
    pub fn contents(&self) -> String {
        self.parser.screen().contents()
    }

    /// Everything written so far, as text.
    pub fn output(&self) -> String {
        String::from_utf8_lossy(&self.raw).into_owned()
    }

    /// The pty's line-discipline flags now, to compare with [`Pty::cooked`].
    pub fn local_flags(&self) -> String {
        local_flags(&*self.master)
    }
}

fn local_flags(master: &dyn portable_pty::MasterPty) -> String {
    format!(
        "{:?}",
        master
            .get_termios()
            .expect("termios of the pty")
            .local_flags
    )
}

impl<W: Watch> Pty<W> {
    /// Reads output until `cond` holds on the whole pty (the screen's modes, the line
    /// discipline), or fails after the timeout with the screen shown.
    pub fn wait_until(&mut self, what: &str, cond: impl Fn(&Self) -> bool) {
        let deadline = Instant::now() + self.timeout;
        while !cond(self) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{}",
                self.contents()
            );
            self.pump(POLL);
        }
    }

    /// Waits for kedatui to exit and for the rest of its output, summary or not: the exit code
    /// and everything it wrote.
    pub fn wait_exit_output(&mut self) -> (u32, String) {
        let deadline = Instant::now() + self.timeout;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "kedatui did not exit; screen:\n{}",
                self.contents()
            );
            self.pump(POLL);
        };
        while !self.closed {
            assert!(
                Instant::now() < deadline,
                "the terminal stayed open after kedatui exited"
            );
            self.pump(POLL);
        }
        (status.exit_code(), self.output())
    }

    /// Sends `signal` to kedatui (never through the `kill` program).
    pub fn signal(&self, signal: nix::sys::signal::Signal) {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.pid() as i32), signal)
            .expect("signal kedatui");
    }

    /// Writes `bytes` to kedatui's terminal from outside, as a background job sharing the
    /// terminal (`kubectl port-forward … &`) does: through its own standard output's device.
    pub fn write_as_another_program(&self, bytes: &[u8]) {
        let mut tty = std::fs::OpenOptions::new()
            .write(true)
            .open(format!("/proc/{}/fd/1", self.pid()))
            .expect("open kedatui's terminal");
        tty.write_all(bytes).unwrap();
    }

    /// kedatui's scheduler state from /proc (`T`: stopped).
    pub fn process_state(&self) -> Option<char> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).ok()?;
        stat[stat.rfind(')')? + 1..].trim_start().chars().next()
    }
}

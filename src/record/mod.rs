//! `--record FILE`: every event the App receives, as JSON lines, and reading them back for
//! `kedatui replay`.
//!
//! Format 1 (documented in docs/console.md, "Presenter features"): line 1 is the header
//! `{"kedatui_recording":1,"started_at":"…","config":{…}}`; every further line is
//! `{"ms":<milliseconds since the start>,"event":<Event>}`, in order. Events carry no secrets
//! by design (no connection string or key is ever part of an `Event` or of `AppConfig`); the
//! one free-text event, a paste, is recorded with only what a burst size can hold.
//! The writer is buffered and flushed once per batch of events (and when the console stops), so
//! recording never blocks drawing and a failed write (a full disk) shows on screen at once.
//! The file is locked while it is written: a second console recording into it is refused.

pub mod replay;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::app::AppConfig;
use crate::event::Event;

/// The format this kedatui writes and the newest it reads.
pub const FORMAT_VERSION: u32 = 1;

/// Line 1 of a recording.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub kedatui_recording: u32,
    pub started_at: Timestamp,
    pub config: RecordedConfig,
}

/// What the App was started with: its [`AppConfig`] as is (names and key settings; it never
/// holds connection details), so a new setting is recorded without a copy of it here.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RecordedConfig(pub AppConfig);

impl From<&AppConfig> for RecordedConfig {
    fn from(c: &AppConfig) -> Self {
        RecordedConfig(c.clone())
    }
}

impl RecordedConfig {
    pub fn app_config(&self) -> AppConfig {
        self.0.clone()
    }
}

/// One line after the header.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub ms: u64,
    pub event: Event,
}

/// An [`Entry`] borrowed for writing, so recording never clones an event.
#[derive(Serialize)]
struct EntryRef<'a> {
    ms: u64,
    event: &'a Event,
}

/// Writes a recording. Call [`Recorder::record`] in the event loop for each event, in the order
/// `App::update` sees them; [`Recorder::finish`] flushes.
pub struct Recorder<W: Write> {
    out: W,
    start: Instant,
    /// The first write error; later events are dropped rather than failing the demo.
    failed: Option<io::Error>,
    /// Whether [`Recorder::flush`] has reported `failed` already.
    reported: bool,
}

/// Why `--record FILE` cannot start.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("it exists already (add --force to overwrite it)")]
    Exists,
    #[error("another kedatui is recording into it (each console needs its own file)")]
    Locked,
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// A recording file opened and locked, not yet written: [`Recorder::create`] truncates it and
/// writes the header. The lock lasts as long as the file is open.
pub struct RecordFile {
    file: File,
    /// Created by this open (so it can be removed if the console does not start after all).
    created: bool,
}

impl RecordFile {
    /// Opens `path` for a recording: refuses an existing file unless `force`, and a file another
    /// console holds (an advisory lock, `flock`). Nothing is truncated until the lock is held.
    pub fn open(path: &Path, force: bool) -> Result<RecordFile, CreateError> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true);
        let (file, created) = match options.clone().create_new(true).open(path) {
            Ok(file) => (file, true),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists && force => {
                (options.open(path)?, false)
            }
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                return Err(CreateError::Exists);
            }
            Err(err) => return Err(err.into()),
        };
        // Only a regular file: `/dev/null` is every console's to write into.
        if file.metadata()?.is_file() {
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => return Err(CreateError::Locked),
                Err(std::fs::TryLockError::Error(err)) => return Err(err.into()),
            }
        }
        Ok(RecordFile { file, created })
    }

    /// Gives the file up without recording (the console is not starting): a file this open
    /// created is removed again.
    pub fn abandon(self, path: &Path) {
        if self.created {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Recorder<BufWriter<File>> {
    /// Truncates the locked file and writes the header.
    pub fn create(file: RecordFile, config: &AppConfig, started_at: Timestamp) -> io::Result<Self> {
        let file = file.file;
        // A device (`/dev/full`, `/dev/null`) has no length to cut.
        if file.metadata()?.is_file() {
            file.set_len(0)?;
        }
        Recorder::new(
            BufWriter::with_capacity(64 * 1024, file),
            config,
            started_at,
        )
    }
}

impl<W: Write> Recorder<W> {
    pub fn new(mut out: W, config: &AppConfig, started_at: Timestamp) -> io::Result<Self> {
        let header = Header {
            kedatui_recording: FORMAT_VERSION,
            started_at,
            config: config.into(),
        };
        serde_json::to_writer(&mut out, &header)?;
        out.write_all(b"\n")?;
        Ok(Recorder {
            out,
            start: Instant::now(),
            failed: None,
            reported: false,
        })
    }

    /// Writes what is buffered. Returns the first write error, once, to show on screen.
    pub fn flush(&mut self) -> Option<String> {
        if self.failed.is_none()
            && let Err(err) = self.out.flush()
        {
            tracing::error!(%err, "recording stopped: writing failed");
            self.failed = Some(err);
        }
        match &self.failed {
            Some(err) if !self.reported => {
                self.reported = true;
                Some(err.to_string())
            }
            _ => None,
        }
    }

    pub fn record(&mut self, event: &Event) {
        self.record_at(self.start.elapsed(), event);
    }

    /// Record `event` as received `offset` after the start.
    pub fn record_at(&mut self, offset: Duration, event: &Event) {
        if self.failed.is_some() || matches!(event, Event::Presenter(_)) {
            return;
        }
        let redacted;
        let event = match event {
            // A paste is the one event that carries whatever the speaker's clipboard held (a
            // connection string, say). Only the burst prompt uses pastes, and it drops any paste
            // that is not a size whole: keep exactly those, and nothing (not even the digits)
            // of any other.
            Event::Input(crossterm::event::Event::Paste(text)) => {
                redacted = Event::Input(crossterm::event::Event::Paste(
                    crate::app::prompt_paste(text).unwrap_or_default(),
                ));
                &redacted
            }
            event => event,
        };
        let entry = EntryRef {
            ms: offset.as_millis() as u64,
            event,
        };
        let result = serde_json::to_writer(&mut self.out, &entry)
            .map_err(io::Error::from)
            .and_then(|()| self.out.write_all(b"\n"));
        if let Err(err) = result {
            tracing::error!(%err, "recording stopped: writing failed");
            self.failed = Some(err);
        }
    }

    /// Flush; reports the first write error, if any.
    pub fn finish(mut self) -> io::Result<W> {
        if let Some(err) = self.failed.take() {
            return Err(err);
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

/// A recording read back.
#[derive(Clone, Debug, PartialEq)]
pub struct Recording {
    pub header: Header,
    pub entries: Vec<Entry>,
    /// The line a cut-off write stopped in (a killed console, a full disk): the entries are
    /// the complete events before it.
    pub cut_at: Option<usize>,
}

impl Recording {
    pub fn length_ms(&self) -> u64 {
        self.entries.last().map_or(0, |e| e.ms)
    }
}

/// Why a file cannot be replayed.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    #[error("cannot read it: {0}")]
    Io(#[from] io::Error),
    #[error("it is not a regular file (a recording is a file that `--record` wrote)")]
    NotAFile,
    #[error(
        "it is {bytes} bytes, more than a recording can be (at most {MAX_RECORDING_BYTES} bytes)"
    )]
    TooLarge { bytes: u64 },
    #[error(
        "line {line} is {bytes} bytes long, more than any event (at most {MAX_LINE_BYTES} bytes)"
    )]
    LineTooLong { line: usize, bytes: usize },
    #[error("it is empty, not a kedatui recording")]
    Empty,
    #[error("it is not a kedatui recording (line 1 is not a kedatui_recording header)")]
    NotARecording,
    #[error(
        "it was recorded in format {found}, newer than this kedatui reads (format {FORMAT_VERSION}); replay it with a newer kedatui"
    )]
    FutureVersion { found: u64 },
    #[error("it is truncated: line {line} stops mid-event (the recording was cut off)")]
    Truncated { line: usize },
    #[error("it is corrupt at line {line}: {detail}")]
    Corrupt { line: usize, detail: String },
}

/// The largest recording `replay` reads: hours of a busy demo are tens of megabytes.
pub const MAX_RECORDING_BYTES: u64 = 256 << 20;
/// The longest line: one event (a snapshot of 1 000 pods is a few hundred kilobytes).
pub const MAX_LINE_BYTES: usize = 8 << 20;

/// Read a recording: a regular file (not a device, pipe or directory, e.g. `/dev/zero`) of at
/// most [`MAX_RECORDING_BYTES`], so a wrong path can never eat the machine's memory.
pub fn load(path: &Path) -> Result<Recording, RecordingError> {
    use std::io::Read as _;
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(RecordingError::NotAFile);
    }
    if meta.len() > MAX_RECORDING_BYTES {
        return Err(RecordingError::TooLarge { bytes: meta.len() });
    }
    // The file may grow after the check: read at most one byte past the limit.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    File::open(path)?
        .take(MAX_RECORDING_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_RECORDING_BYTES {
        return Err(RecordingError::TooLarge {
            bytes: bytes.len() as u64,
        });
    }
    parse(&bytes)
}

pub fn parse(bytes: &[u8]) -> Result<Recording, RecordingError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(RecordingError::Empty);
    }
    let ends_with_newline = bytes.ends_with(b"\n");
    let lines: Vec<&[u8]> = bytes
        .strip_suffix(b"\n")
        .unwrap_or(bytes)
        .split(|&b| b == b'\n')
        .collect();
    if let Some((i, line)) = lines
        .iter()
        .enumerate()
        .find(|(_, l)| l.len() > MAX_LINE_BYTES)
    {
        return Err(RecordingError::LineTooLong {
            line: i + 1,
            bytes: line.len(),
        });
    }
    let header = parse_header(lines[0])?;
    let last = lines.len();
    let mut entries = Vec::with_capacity(last);
    let mut cut_at = None;
    for (i, line) in lines.iter().enumerate().skip(1) {
        let number = i + 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let entry: Entry = match serde_json::from_slice(line) {
            Ok(e) => e,
            // A cut-off write: the last line, without the newline every complete line ends
            // with (the JSON ends early, or in the middle of a character). What came before it
            // plays.
            Err(_) if number == last && !ends_with_newline => {
                cut_at = Some(number);
                break;
            }
            Err(err) => {
                return Err(RecordingError::Corrupt {
                    line: number,
                    detail: err.to_string(),
                });
            }
        };
        if let Some(prev) = entries.last().map(|e: &Entry| e.ms)
            && entry.ms < prev
        {
            return Err(RecordingError::Corrupt {
                line: number,
                detail: format!("time goes back from {prev} ms to {} ms", entry.ms),
            });
        }
        if matches!(entry.event, Event::Presenter(_)) {
            return Err(RecordingError::Corrupt {
                line: number,
                detail: "a replay control event, which recordings never hold".into(),
            });
        }
        entries.push(entry);
    }
    Ok(Recording {
        header,
        entries,
        cut_at,
    })
}

fn parse_header(line: &[u8]) -> Result<Header, RecordingError> {
    // Editors on Windows may add a UTF-8 byte-order mark: it is not part of the JSON.
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    let value: serde_json::Value = match serde_json::from_slice(line) {
        Ok(v) => v,
        Err(err) if err.is_eof() => return Err(RecordingError::Truncated { line: 1 }),
        Err(_) => return Err(RecordingError::NotARecording),
    };
    let Some(version) = value.get("kedatui_recording").and_then(|v| v.as_u64()) else {
        return Err(RecordingError::NotARecording);
    };
    if version > u64::from(FORMAT_VERSION) {
        return Err(RecordingError::FutureVersion { found: version });
    }
    serde_json::from_value(value).map_err(|err| RecordingError::Corrupt {
        line: 1,
        detail: format!("header: {err}"),
    })
}

#[cfg(test)]
mod tests;

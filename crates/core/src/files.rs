//! Reading a file named on the command line without trusting it: only a regular file (never a
//! device such as `/dev/zero`, a FIFO that blocks, or a directory) of at most a given size, so a
//! wrong path is a clear sentence instead of a hang or gigabytes of memory.

use std::io::Read as _;
use std::path::Path;

/// Why a file named by a flag was not read. Its text follows "cannot read FILE: ".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("{0}")]
    Io(String),
    #[error("it is not a regular file (a device, a FIFO or a directory); name the file itself")]
    NotAFile,
    #[error("it is {bytes} bytes, more than {what} can be (at most {limit} bytes)")]
    TooLarge {
        bytes: u64,
        limit: u64,
        what: &'static str,
    },
    #[error("it is not UTF-8 text")]
    NotText,
}

/// The text of `path`, a regular file of at most `limit` bytes (`what`, e.g. "a kubeconfig",
/// names it in the error). A UTF-8 byte-order mark is dropped.
pub fn read_text(path: &Path, limit: u64, what: &'static str) -> Result<String, ReadError> {
    let io = |e: std::io::Error| ReadError::Io(e.to_string());
    let len = check_file(path, limit, what)?;
    let too_large = |bytes| ReadError::TooLarge { bytes, limit, what };
    // The file may grow after the check: read at most one byte past the limit.
    let mut bytes = Vec::with_capacity(len as usize);
    std::fs::File::open(path)
        .map_err(io)?
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    let text = String::from_utf8(bytes).map_err(|_| ReadError::NotText)?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    })
}

/// [`read_text`]'s checks alone, for a reader that opens the file itself; returns its size.
pub fn check_file(path: &Path, limit: u64, what: &'static str) -> Result<u64, ReadError> {
    // `metadata` follows symlinks and never opens the file, so a FIFO cannot block here.
    let meta = std::fs::metadata(path).map_err(|e| ReadError::Io(e.to_string()))?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile);
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge {
            bytes: meta.len(),
            limit,
            what,
        });
    }
    Ok(meta.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_within_the_limit() {
        let dir = std::env::temp_dir().join(format!("kedatui-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let small = dir.join("small");
        std::fs::write(&small, "\u{feff}hello").unwrap();
        let big = dir.join("big");
        let missing = dir.join("missing");
        std::fs::write(&big, "x".repeat(11)).unwrap();
        assert_eq!(read_text(&small, 10, "a test").unwrap(), "hello");
        let cases = [
            (Path::new("/dev/zero"), "not a regular file"),
            (dir.as_path(), "not a regular file"),
            (
                big.as_path(),
                "it is 11 bytes, more than a test can be (at most 10 bytes)",
            ),
            (missing.as_path(), "No such file"),
        ];
        for (path, want) in cases {
            let err = read_text(path, 10, "a test").unwrap_err().to_string();
            assert!(err.contains(want), "{}: {err}", path.display());
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

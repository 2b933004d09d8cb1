//! A stand-in `az` for keyless tests: a small shell script in a temporary directory that the
//! test puts first on the child's `PATH`. It answers `az account get-access-token` with the
//! JSON the real Azure CLI prints (2.54 or newer: `accessToken`, `expiresOn`, `expires_on`,
//! `subscription`, `tenant`, `tokenType`), handing out the queued tokens in order and repeating
//! the last; it logs each call's arguments and can fail like a signed-out CLI.

use std::fs;
use std::path::{Path, PathBuf};

const SCRIPT: &str = r#"#!/bin/sh
# fake az for kedatui's tests: only `az account get-access-token` (see testkit/src/fake_az.rs)
dir="$(cd "$(dirname "$0")" && pwd)"
echo "$*" >> "$dir/az.log"
case "$1 $2" in
  "account get-access-token") ;;
  *) echo "ERROR: the fake az only answers 'account get-access-token'" >&2; exit 2 ;;
esac
if [ -f "$dir/az.err" ]; then cat "$dir/az.err" >&2; exit 1; fi
n=$(( $(cat "$dir/az.count" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$dir/az.count"
f="$dir/az.out.$n"
[ -f "$f" ] || f="$dir/az.out.last"
cat "$f"
"#;

/// The fake CLI's directory; dropped with the value.
pub struct FakeAz {
    dir: tempfile_dir::Dir,
    queued: usize,
}

impl FakeAz {
    /// A directory holding an executable `az` (and nothing queued yet).
    pub fn new() -> std::io::Result<Self> {
        let dir = tempfile_dir::Dir::new()?;
        let az = dir.path().join("az");
        fs::write(&az, SCRIPT)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            fs::set_permissions(&az, fs::Permissions::from_mode(0o755))?;
        }
        Ok(Self { dir, queued: 0 })
    }

    /// Where `az` is: put it first on `PATH`.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `PATH` with this directory first.
    pub fn path_env(&self) -> std::ffi::OsString {
        let mut paths = vec![self.dir().to_path_buf()];
        if let Some(old) = std::env::var_os("PATH") {
            paths.extend(std::env::split_paths(&old));
        }
        std::env::join_paths(paths).expect("no separator in a temp path")
    }

    /// Queues the next token the CLI hands out, expiring at `expires_on` (Unix seconds).
    pub fn push_token(&mut self, token: &str, expires_on: i64) -> std::io::Result<()> {
        let local = jiff::Timestamp::from_second(expires_on)
            .map(|t| t.strftime("%Y-%m-%d %H:%M:%S.000000").to_string())
            .unwrap_or_default();
        let json = serde_json::json!({
            "accessToken": token,
            "expiresOn": local,
            "expires_on": expires_on,
            "subscription": "00000000-0000-0000-0000-000000000001",
            "tenant": "00000000-0000-0000-0000-000000000002",
            "tokenType": "Bearer",
        });
        self.queued += 1;
        let text = serde_json::to_string_pretty(&json).expect("json");
        fs::write(self.dir().join(format!("az.out.{}", self.queued)), &text)?;
        fs::write(self.dir().join("az.out.last"), &text)
    }

    /// From now on the CLI fails as a signed-out one does.
    pub fn sign_out(&self) -> std::io::Result<()> {
        fs::write(
            self.dir().join("az.err"),
            "ERROR: Please run 'az login' to setup account.\n",
        )
    }

    /// How many times `az account get-access-token` answered with a token.
    pub fn calls(&self) -> usize {
        fs::read_to_string(self.dir().join("az.count"))
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0)
    }

    /// Every invocation's arguments, one line each.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir().join("az.log")).unwrap_or_default()
    }

    pub fn into_path(self) -> PathBuf {
        self.dir.keep()
    }
}

/// A self-deleting temporary directory (kept small so testkit needs no extra crate).
mod tempfile_dir {
    use std::path::{Path, PathBuf};

    pub struct Dir(Option<PathBuf>);

    impl Dir {
        pub fn new() -> std::io::Result<Self> {
            let path = std::env::temp_dir()
                .join(format!("kedatui-fake-az-{}", uuid::Uuid::new_v4().simple()));
            std::fs::create_dir_all(&path)?;
            Ok(Self(Some(path)))
        }

        pub fn path(&self) -> &Path {
            self.0.as_deref().expect("present until dropped")
        }

        pub fn keep(mut self) -> PathBuf {
            self.0.take().expect("present until dropped")
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            if let Some(p) = self.0.take() {
                let _ = std::fs::remove_dir_all(p);
            }
        }
    }
}

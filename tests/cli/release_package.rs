//! The packaged release binary runs where there is no Rust, no libc, nothing: extracted from
//! its archive into an empty root and run there with chroot (#23 item 3).
//!
//! Needs the archive scripts/package-release.sh makes (a musl release build takes minutes), so
//! it is ignored by `cargo test`; .ci/image-test builds the archive and runs it:
//! `KEDATUI_RELEASE_ARCHIVE=target/dist/kedatui-…tar.gz cargo test --test cli release_package -- --ignored`.
//! It runs as root (chroot).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

const TIMEOUT: Duration = Duration::from_secs(30);
const HOST_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

fn archive() -> PathBuf {
    let path = std::env::var_os("KEDATUI_RELEASE_ARCHIVE")
        .expect("KEDATUI_RELEASE_ARCHIVE names the archive (scripts/package-release.sh)");
    let path = PathBuf::from(path);
    std::fs::canonicalize(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The archive, checked against its SHA-256 and unpacked; returns an empty root holding only
/// the binary (and an empty /tmp).
fn bare_root(dir: &Path) -> PathBuf {
    let archive = archive();
    let name = archive.file_name().unwrap().to_str().unwrap().to_owned();
    let stem = name.strip_suffix(".tar.gz").expect("a .tar.gz archive");
    assert!(
        stem.starts_with(&format!("kedatui-{}-", env!("CARGO_PKG_VERSION"))),
        "{stem} is not kedatui-<version>-<target>"
    );
    let sums = archive.parent().unwrap();
    let check = Command::new("sha256sum")
        .args(["-c", &format!("{name}.sha256")])
        .current_dir(sums)
        .output()
        .expect("sha256sum");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let unpacked = dir.join("unpacked");
    std::fs::create_dir(&unpacked).unwrap();
    let tar = Command::new("tar")
        .arg("-xzf")
        .arg(&archive)
        .arg("-C")
        .arg(&unpacked)
        .status()
        .expect("tar");
    assert!(tar.success());
    let top = unpacked.join(stem);
    for file in [
        "kedatui",
        "README.md",
        "docs/console.md",
        "kedatui.1",
        "completions/kedatui.bash",
    ] {
        assert!(top.join(file).is_file(), "{file} missing from the archive");
    }
    let root = dir.join("root");
    std::fs::create_dir_all(root.join("tmp")).unwrap();
    std::fs::copy(top.join("kedatui"), root.join("kedatui")).unwrap();
    root
}

fn chrooted(root: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new("chroot")
        .arg(root)
        .arg("/kedatui")
        .args(args)
        .env_clear()
        // For finding chroot itself; nothing in the root has a PATH to search.
        .env("PATH", HOST_PATH)
        .env("TMPDIR", "/tmp")
        .output()
        .expect("chroot");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
#[ignore = "needs the release archive; .ci/image-test runs it"]
fn the_packaged_binary_runs_in_an_empty_root() {
    let dir = tempfile::tempdir().unwrap();
    let root = bare_root(dir.path());
    assert_eq!(
        std::fs::read_dir(&root).unwrap().count(),
        2,
        "only /kedatui and /tmp"
    );

    let (code, version, err) = chrooted(&root, &["--version"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        version.starts_with(&format!("kedatui {}\ncommit: ", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );
    assert!(
        version.contains("target: x86_64-unknown-linux-musl"),
        "{version}"
    );

    let (code, csv, err) = chrooted(
        &root,
        &[
            "simulate",
            "--duration",
            "2m",
            "--burst",
            "0s:100",
            "--seed",
            "1",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(csv.starts_with("t,active,"), "{csv}");
    assert!(err.contains("messages: sent 100"), "{err}");

    // The console, in a pseudo-terminal: it draws, takes a key, and gives the terminal back.
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 40,
            cols: 120,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new("chroot");
    cmd.args([
        root.to_str().unwrap(),
        "/kedatui",
        "--sim",
        "--log-file",
        "/tmp/kedatui.log",
    ]);
    cmd.env_clear();
    cmd.env("PATH", HOST_PATH);
    cmd.env("TERM", "xterm-256color");
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let mut writer = pair.master.take_writer().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut parser = vt100::Parser::new(40, 120, 0);
    let mut raw = Vec::new();
    let mut wait_for = |what: &str, cond: &dyn Fn(&str) -> bool| {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let screen = parser.screen().contents();
            if cond(&screen) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "no {what} within {TIMEOUT:?}:\n{screen}"
            );
            if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(50)) {
                parser.process(&chunk);
                raw.extend_from_slice(&chunk);
            }
        }
    };
    wait_for("simulator header", &|s| s.contains("SIM"));
    writer.write_all(b"3").unwrap();
    wait_for("key echo", &|s| s.contains("3 → burst of 500"));
    writer.write_all(b"q").unwrap();
    wait_for("quit question", &|s| s.contains("Quit?"));
    writer.write_all(b"y").unwrap();
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the console did not exit");
        if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(50)) {
            parser.process(&chunk);
            raw.extend_from_slice(&chunk);
        }
    };
    // The rest of the output, up to the pty closing (the reader thread ends then).
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(chunk) => raw.extend_from_slice(&chunk),
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => panic!("the terminal stayed open"),
        }
    }
    assert!(status.success(), "exit {}", status.exit_code());
    assert!(
        String::from_utf8_lossy(&raw).contains("kedatui summary"),
        "no summary printed"
    );
}

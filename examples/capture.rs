//! Text capture of the console for the README: runs kedatui in a pseudo-terminal, presses keys,
//! waits until the screen shows a given text, prints the screen, then quits.
//!
//! `cargo run --example capture -- [--size COLSxROWS] KEYS UNTIL [kedatui flags...]`, e.g.
//! `cargo run --example capture -- 4 "spec 8" --warp 10 --seed 7` (120×40 unless `--size`).

use std::io::{Read, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    let (mut rows, mut cols) = (40, 120);
    if args.peek().map(String::as_str) == Some("--size") {
        args.next();
        let size = args.next().expect("--size COLSxROWS");
        let (c, r) = size.split_once('x').expect("--size COLSxROWS, e.g. 80x24");
        (cols, rows) = (c.parse().expect("columns"), r.parse().expect("rows"));
    }
    let keys = args
        .next()
        .expect("usage: capture [--size COLSxROWS] KEYS UNTIL [kedatui flags...]");
    let until = args
        .next()
        .expect("usage: capture KEYS UNTIL [kedatui flags...]");
    let rest: Vec<String> = args.collect();

    let pair = native_pty_system()
        .openpty(PtySize {
            rows,
            cols,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("open a pty");
    let exe = kedatui_binary();
    let mut cmd = CommandBuilder::new(exe);
    cmd.args(&rest);
    cmd.env("TERM", "xterm-256color");
    let mut child = pair.slave.spawn_command(cmd).expect("spawn kedatui");
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
    let mut parser = vt100::Parser::new(rows, cols, 0);
    let mut raw = Vec::new();
    let wait_for = |parser: &mut vt100::Parser, raw: &mut Vec<u8>, text: &str| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !parser.screen().contents().contains(text) {
            if Instant::now() > deadline {
                eprintln!("timed out waiting for {text:?}");
                break;
            }
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(chunk) => {
                    parser.process(&chunk);
                    raw.extend_from_slice(&chunk);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
    };
    wait_for(&mut parser, &mut raw, "Queue kedaqueue");
    writer.write_all(keys.as_bytes()).unwrap();
    writer.flush().unwrap();
    wait_for(&mut parser, &mut raw, &until);
    // Let the frame being written finish: read until the output pauses.
    while let Ok(chunk) = rx.recv_timeout(Duration::from_millis(50)) {
        parser.process(&chunk);
        raw.extend_from_slice(&chunk);
    }
    for row in parser.screen().rows(0, cols) {
        println!("{}", row.trim_end());
    }
    // Ctrl-C quits at once: `q` would ask `Quit?` while pods or messages are around.
    writer.write_all(b"\x03").unwrap();
    writer.flush().unwrap();
    let _ = child.wait();
    // The exit summary is plain text after the alternate screen was left.
    wait_for(&mut parser, &mut raw, "\u{0}never");
    let output = String::from_utf8_lossy(&raw);
    if let Some(at) = output.rfind("kedatui summary") {
        println!();
        print!("{}", output[at..].replace("\r\n", "\n"));
    }
}

/// `$KEDATUI_BIN`, else the kedatui built beside this example (cargo puts examples in
/// `target/<profile>/examples/`), whatever the current directory and profile.
fn kedatui_binary() -> std::path::PathBuf {
    if let Some(bin) = std::env::var_os("KEDATUI_BIN") {
        return std::fs::canonicalize(&bin).unwrap_or_else(|_| bin.into());
    }
    let me = std::env::current_exe().expect("the example's own path");
    let profile_dir = me
        .parent()
        .and_then(|examples| examples.parent())
        .expect("the example runs from target/<profile>/examples");
    let bin = profile_dir.join(format!("kedatui{}", std::env::consts::EXE_SUFFIX));
    if !bin.is_file() {
        eprintln!(
            "capture: no kedatui at {} (run `cargo build` first, or set KEDATUI_BIN)",
            bin.display()
        );
        std::process::exit(2);
    }
    bin
}

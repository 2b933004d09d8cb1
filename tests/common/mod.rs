//! Helpers shared by the integration tests (each test binary includes this with `mod common;`).

// Each test binary uses only some of these.
#![allow(dead_code)]

use std::process::Command;

pub mod fixtures;

/// Runs the `kedatui` binary with `args`: (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kedatui"))
        .args(args)
        .output()
        .expect("run kedatui");
    (
        out.status.code().expect("exit code"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

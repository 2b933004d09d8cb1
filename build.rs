//! Build-time facts for `kedatui --version`: the commit and the cargo features.

use std::process::Command;

fn main() {
    // A release build outside a checkout (a source tarball, a container) may be told the commit.
    println!("cargo:rerun-if-env-changed=KEDATUI_COMMIT");
    let commit = std::env::var("KEDATUI_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(git_commit)
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=KEDATUI_COMMIT={}", commit.trim());
    // Rebuild when HEAD moves (works in a worktree too: ask git where its files are).
    for what in ["HEAD", "index"] {
        if let Some(path) = git(&["rev-parse", "--git-path", what]) {
            println!("cargo:rerun-if-changed={}", path.trim());
        }
    }
    let mut features: Vec<String> = std::env::vars()
        .filter_map(|(k, _)| {
            k.strip_prefix("CARGO_FEATURE_")
                .map(|f| f.to_lowercase().replace('_', "-"))
        })
        .collect();
    features.sort();
    let features = if features.is_empty() {
        "none".to_owned()
    } else {
        features.join(", ")
    };
    println!("cargo:rustc-env=KEDATUI_FEATURES={features}");
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".to_owned());
    println!("cargo:rustc-env=KEDATUI_TARGET={target}");
}

fn git_commit() -> Option<String> {
    let commit = git(&["rev-parse", "--short=12", "HEAD"])?;
    let dirty = git(&["status", "--porcelain", "--untracked-files=no"])
        .is_some_and(|s| !s.trim().is_empty());
    Some(if dirty {
        format!("{}-dirty", commit.trim())
    } else {
        commit.trim().to_owned()
    })
}

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
        .filter(|s| !s.trim().is_empty())
}

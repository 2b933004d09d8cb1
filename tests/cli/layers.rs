//! The layering rules the compiler cannot check (the crate graph checks the rest: `kedatui-core`
//! cannot name the console, `kedatui-servicebus` cannot name either):
//! - the receiver's dependency tree has no UI, Kubernetes or command-line crates;
//! - `kedatui-core` has no terminal UI or command line;
//! - inside the console, `app` imports neither `ui`, `record` nor `tui`, and `event` and
//!   `presenter` import nothing above them;
//! - nothing in the workspace builds OpenSSL.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The crate names in `package`'s normal and build dependency tree (dev-dependencies excluded:
/// tests may use anything).
fn dependency_names(package: &str) -> Vec<String> {
    let names = tree_names(&["-p", package, "-e", "normal,build"]);
    assert!(
        names.iter().any(|n| n == package),
        "cargo tree -p {package} did not list the package itself: {names:?}"
    );
    names
}

/// The sorted, deduplicated crate names `cargo tree ARGS` prints.
fn tree_names(args: &[&str]) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(root())
        .args(["tree", "--offline", "--locked"])
        .args(args)
        .args(["--prefix", "none", "--format", "{p}"])
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect();
    names.sort();
    names.dedup();
    names
}

fn assert_none_of(package: &str, forbidden: &[&str]) {
    let names = dependency_names(package);
    let found: Vec<&&str> = forbidden
        .iter()
        .filter(|f| names.iter().any(|n| n == *f))
        .collect();
    assert!(
        found.is_empty(),
        "{package} depends on {found:?} (see `cargo tree -p {package} -e normal -i CRATE`)"
    );
}

/// What the receiver and the Service Bus crate must not pull in: the console, the core, the
/// terminal UI, the Kubernetes client and the command line.
const CONSOLE_AND_CLUSTER: &[&str] = &[
    "kedatui",
    "kedatui-core",
    "ratatui",
    "crossterm",
    "kube",
    "k8s-openapi",
    "clap",
];

#[test]
fn the_receiver_has_no_ui_kube_or_cli_crates() {
    assert_none_of("receiver", CONSOLE_AND_CLUSTER);
}

#[test]
fn the_core_has_no_terminal_ui_or_command_line() {
    assert_none_of("kedatui-core", &["kedatui", "ratatui", "crossterm", "clap"]);
}

#[test]
fn the_servicebus_crate_stands_alone() {
    assert_none_of("kedatui-servicebus", CONSOLE_AND_CLUSTER);
}

/// The crates that build OpenSSL (or link it through native-tls).
const OPENSSL: &[&str] = &["openssl", "openssl-sys", "native-tls", "hyper-tls"];

/// One `[[package]]` of a Cargo.lock: name, version, whether it is a path (workspace or
/// vendored) package, and its dependencies as the lock writes them (`name` or `name version`).
struct Locked {
    name: String,
    version: String,
    local: bool,
    dependencies: Vec<String>,
}

fn parse_lock(text: &str) -> Vec<Locked> {
    let mut packages: Vec<Locked> = Vec::new();
    let mut in_dependencies = false;
    let unquote = |v: &str| v.trim().trim_matches('"').to_owned();
    for line in text.lines() {
        let line = line.trim();
        if line == "[[package]]" {
            packages.push(Locked {
                name: String::new(),
                version: String::new(),
                local: true,
                dependencies: Vec::new(),
            });
            in_dependencies = false;
            continue;
        }
        let Some(package) = packages.last_mut() else {
            continue;
        };
        if in_dependencies {
            if line.starts_with(']') {
                in_dependencies = false;
            } else if !line.is_empty() {
                package
                    .dependencies
                    .push(unquote(line.trim_end_matches(',')));
            }
        } else if let Some(v) = line.strip_prefix("name = ") {
            package.name = unquote(v);
        } else if let Some(v) = line.strip_prefix("version = ") {
            package.version = unquote(v);
        } else if line.starts_with("source = ") {
            package.local = false;
        } else if line.starts_with("dependencies = [") {
            in_dependencies = !line.ends_with(']');
        } else if line.starts_with('[') {
            // `[metadata]` or another table: no more package fields.
            packages.pop_if(|p| p.name.is_empty());
        }
    }
    packages
}

/// The crate names reachable from the lock's path packages (the workspace and `vendor/`),
/// sorted and deduplicated. The lock holds every target's and every kind's dependencies
/// (normal, build, dev) and needs nothing downloaded, so this works on a fresh clone, where
/// `cargo tree --offline --target all` fails for lack of, say, Windows-only crates.
fn locked_tree_names(lock: &str) -> Vec<String> {
    let packages = parse_lock(lock);
    let find = |dep: &str| -> Option<usize> {
        let mut parts = dep.split_whitespace();
        let name = parts.next()?;
        let version = parts.next();
        packages
            .iter()
            .position(|p| p.name == name && version.is_none_or(|v| p.version == v))
    };
    let mut seen = vec![false; packages.len()];
    let mut stack: Vec<usize> = (0..packages.len()).filter(|&i| packages[i].local).collect();
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        for dep in &packages[i].dependencies {
            let j = find(dep).unwrap_or_else(|| panic!("{dep:?} is not a package of the lock"));
            stack.push(j);
        }
    }
    let mut names: Vec<String> = packages
        .iter()
        .zip(&seen)
        .filter(|(_, seen)| **seen)
        .map(|(p, _)| p.name.clone())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Which of [`OPENSSL`] the lock's tree holds.
fn openssl_in(lock: &str) -> Vec<String> {
    locked_tree_names(lock)
        .into_iter()
        .filter(|n| OPENSSL.contains(&n.as_str()))
        .collect()
}

/// #13: a fresh machine needs Rust and a C compiler, not libssl-dev and pkg-config; nothing in
/// any member's tree (tests included, every target platform) builds OpenSSL, vendored or not.
/// The copies under `vendor/` (see `vendor/azservicebus/PATCHED.md`) keep native-tls out.
#[test]
fn no_crate_in_the_workspace_builds_openssl() {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).expect("Cargo.lock");
    let names = locked_tree_names(&lock);
    assert!(
        names.iter().any(|n| n == "reqwest") && names.iter().any(|n| n == "rustls"),
        "the scan sees the TLS crates at all: {names:?}"
    );
    assert!(
        names.iter().any(|n| n == "kedatui") && names.iter().any(|n| n == "receiver"),
        "the scan starts at the workspace: {names:?}"
    );
    let found = openssl_in(&lock);
    assert!(
        found.is_empty(),
        "{found:?} in the tree (see `cargo tree --workspace --target all -i CRATE`)"
    );
}

/// The check above is not blind: a lock whose tree reaches openssl-sys (through native-tls,
/// behind a versioned dependency) fails it; a stray package nothing depends on does not count.
#[test]
fn the_openssl_check_finds_openssl_in_a_lock() {
    let lock = r#"version = 4

[[package]]
name = "app"
version = "0.1.0"
dependencies = [
 "hyper",
 "native-tls 0.2.14",
]

[[package]]
name = "hyper"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "native-tls"
version = "0.2.14"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [
 "openssl-sys",
]

[[package]]
name = "openssl-sys"
version = "0.9.109"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "openssl"
version = "0.10.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;
    assert_eq!(openssl_in(lock), ["native-tls", "openssl-sys"]);
    let clean = lock.replace(" \"native-tls 0.2.14\",\n", "");
    assert_eq!(openssl_in(&clean), Vec::<String>::new());
    assert_eq!(locked_tree_names(&clean), ["app", "hyper"]);
}

/// A file's code with its comments stripped.
fn code_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .map(|l| l.find("//").map_or(l, |i| &l[..i]))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Code (comments stripped) of every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            let code = code_of(&path);
            out.push((path, code));
        }
    }
    out
}

/// The top-level names in a `{…}` import group (`app::{A, B}, ui` → `app`, `ui`).
fn group_names(group: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                names.push(&group[start..i]);
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                names.push(&group[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    names
        .into_iter()
        .map(|n| n.trim().split("::").next().unwrap_or("").trim())
        .collect()
}

/// Which of `modules` the code names through `crate::`/`super::super::`/`kedatui::`, including
/// grouped imports (`use crate::{app, ui};`).
fn named_modules(code: &str, modules: &[&str]) -> Vec<String> {
    let flat = code.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut found = Vec::new();
    for prefix in ["crate::", "super::super::", "kedatui::"] {
        for (i, _) in flat.match_indices(prefix) {
            let rest = &flat[i + prefix.len()..];
            let names: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
                group_names(group)
            } else {
                let end = rest
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                vec![&rest[..end]]
            };
            found.extend(
                names
                    .into_iter()
                    .filter(|n| modules.contains(n))
                    .map(|n| format!("{prefix}{n}")),
            );
        }
    }
    found
}

/// The modules under `src/{dir}` that name any of `forbidden`, as `file: path`.
fn imports_of(dir: &str, forbidden: &[&str]) -> Vec<String> {
    let mut offending = Vec::new();
    for (path, code) in sources(&root().join("src").join(dir)) {
        for name in named_modules(&code, forbidden) {
            offending.push(format!("{}: {name}", path.display()));
        }
    }
    offending
}

#[test]
fn the_app_imports_no_ui_record_or_tui() {
    let offending = imports_of("app", &["ui", "record", "tui"]);
    assert!(offending.is_empty(), "app imports: {offending:#?}");
}

/// The console's message types and presenter state sit below the App: they name neither the
/// App nor anything that draws, records or runs the terminal (`--big`'s drawing is `ui::big`).
#[test]
fn events_and_presenter_import_nothing_above_them() {
    for (dir, forbidden) in [
        ("event", &["app", "ui", "record", "tui", "presenter"][..]),
        ("presenter", &["app", "ui", "record", "tui"][..]),
    ] {
        let offending = imports_of(dir, forbidden);
        assert!(offending.is_empty(), "{dir} imports: {offending:#?}");
    }
}

#[test]
fn the_import_scan_sees_plain_grouped_and_nested_paths() {
    let forbidden = ["ui", "record", "tui"];
    for (code, expect) in [
        ("use crate::ui::theme;", vec!["crate::ui"]),
        ("let x = crate::record::replay::X;", vec!["crate::record"]),
        (
            "use crate::{\n    app::App,\n    tui::run,\n};",
            vec!["crate::tui"],
        ),
        ("use super::super::ui;", vec!["super::super::ui"]),
        ("use crate::ui as _;", vec!["crate::ui"]),
        ("use crate::{app::{A, B}, record};", vec!["crate::record"]),
        ("use crate::app::ui_state; use crate::uix;", vec![]),
    ] {
        assert_eq!(named_modules(code, &forbidden), expect, "{code}");
    }
}

/// #16: a minimal Debian (Rust and gcc, no procps) runs every test: tests send signals and wait
/// on conditions themselves (`nix`, deadlines), never through programs such a system may lack.
#[test]
fn tests_run_no_program_a_minimal_system_lacks() {
    const PROGRAMS: &[&str] = &[
        "kill", "pkill", "killall", "pgrep", "ps", "pidof", "sleep", "timeout", "top", "lsof",
        "ss", "netstat", "curl", "wget",
    ];
    let mut offending = Vec::new();
    for dir in [
        "tests",
        "testkit",
        "receiver/tests",
        "crates",
        "src",
        "benches",
    ] {
        for (path, code) in sources(&root().join(dir)) {
            let flat: String = code.split_whitespace().collect();
            for program in PROGRAMS {
                if flat.contains(&format!("Command::new(\"{program}\")")) {
                    offending.push(format!("{}: {program}", path.display()));
                }
            }
        }
    }
    assert!(offending.is_empty(), "external programs: {offending:#?}");
}

/// The words of the console (its presenter, its lab, replay and snapshots) that the core's
/// vocabulary must not know: the core's `Command` is what the world does.
const CONSOLE_WORDS: &[&str] = &["Presenter", "LabFault", "Replay", "Snapshot", "Redraw"];

fn console_words_in_command(event_rs: &str) -> Vec<&'static str> {
    let start = event_rs
        .find("pub enum Command {")
        .expect("the core defines Command");
    let body = &event_rs[start..start + event_rs[start..].find("\n}").unwrap()];
    CONSOLE_WORDS
        .iter()
        .copied()
        .filter(|w| body.contains(w))
        .collect()
}

#[test]
fn the_cores_command_names_no_console_concept() {
    let event_rs = std::fs::read_to_string(root().join("crates/core/src/event.rs")).unwrap();
    assert_eq!(console_words_in_command(&event_rs), Vec::<&str>::new());
    let core = sources(&root().join("crates/core/src"));
    let found: Vec<String> = core
        .iter()
        .filter(|(_, code)| code.contains("PresenterCommand") || code.contains("LabFault"))
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert!(found.is_empty(), "console commands in the core: {found:?}");
    // The check sees a console word where one is.
    let with = "pub enum Command {\n    Purge,\n    Presenter(PresenterCommand),\n}\n";
    assert_eq!(console_words_in_command(with), ["Presenter"]);
}

/// The console crate's layers, as `src/lib.rs` documents them: a module names only modules of
/// its own layer or the ones before it.
const CONSOLE_LAYERS: &[&[&str]] = &[
    &["format", "parse", "terminal", "logging"],
    &["args"],
    &["event", "presenter"],
    &["source", "lab"],
    &["app"],
    &["ui", "record"],
    &["commands"],
    &["tui", "cli", "config"],
];

/// Each upward import under `root` as `file: crate::module`.
fn upward_imports(root: &Path, layers: &[&[&str]]) -> Vec<String> {
    let mut offending = Vec::new();
    for (layer, modules) in layers.iter().enumerate() {
        let above: Vec<&str> = layers[layer + 1..]
            .iter()
            .flat_map(|m| m.iter().copied())
            .collect();
        for module in *modules {
            let dir = root.join(module);
            let files = if dir.is_dir() {
                sources(&dir)
            } else {
                let path = root.join(format!("{module}.rs"));
                let code = code_of(&path);
                vec![(path, code)]
            };
            for (path, code) in files {
                // A module's unit tests may drive it from above (the simulator's through the App):
                // they are not part of the layer a build links.
                let code = code.split("#[cfg(test)]\nmod tests").next().unwrap_or("");
                for name in named_modules(code, &above) {
                    offending.push(format!("{}: {name}", path.display()));
                }
            }
        }
    }
    offending
}

#[test]
fn nothing_in_the_console_imports_a_layer_above_it() {
    let src = root().join("src");
    // Every module lib.rs declares has its layer here, so a new one cannot slip past.
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    let declared: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod "))
        .map(|l| l.trim_end_matches(';'))
        .collect();
    let layered: Vec<&str> = CONSOLE_LAYERS
        .iter()
        .flat_map(|m| m.iter().copied())
        .collect();
    for module in &declared {
        assert!(
            layered.contains(module),
            "src/lib.rs declares `{module}`, which has no layer"
        );
    }
    let offending = upward_imports(&src, CONSOLE_LAYERS);
    assert!(offending.is_empty(), "upward imports: {offending:#?}");
    // The old re-export shims are gone: `World` has one home, `kedatui_core::sim`.
    for shim in ["sim", "kube", "servicebus"] {
        assert!(
            !src.join(shim).exists() && !src.join(format!("{shim}.rs")).exists(),
            "src/{shim} is back"
        );
    }
    assert!(
        !lib.contains("pub use kedatui_core"),
        "lib.rs re-exports the core again"
    );
}

#[test]
fn the_layer_check_sees_an_upward_import() {
    let dir = std::env::temp_dir().join(format!("kedatui-layers-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("low")).unwrap();
    std::fs::write(dir.join("low/mod.rs"), "use crate::{high::Thing, low};\n").unwrap();
    std::fs::write(
        dir.join("high.rs"),
        "use crate::low::X; // crate::nothing\n",
    )
    .unwrap();
    let found = upward_imports(&dir, &[&["low"], &["high"]]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].ends_with("low/mod.rs: crate::high"), "{found:?}");
}

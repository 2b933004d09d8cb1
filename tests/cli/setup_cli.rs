//! A speaker's own set-up (#23): talk profiles in a config file, shell completions, the man page
//! and `--version`, all through the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_kedatui");

/// kedatui with a private config directory and none of the developer's own settings.
fn kedatui(xdg: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env("XDG_CONFIG_HOME", xdg)
        .env("HOME", xdg)
        .env_remove("KEDATUI_PROFILE")
        .env_remove("SERVICEBUS_QUEUE")
        .env_remove("SERVICEBUS_CONNECTION_STRING")
        .env_remove("SERVICEBUS_MANAGE_CONNECTION_STRING")
        .env_remove("SERVICEBUS_FULLY_QUALIFIED_NAMESPACE")
        .env_remove("KEDATUI_LOG_FILE");
    cmd
}

fn run(cmd: &mut Command) -> (Output, String, String) {
    let out = cmd.output().expect("run kedatui");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stdout, stderr)
}

fn write_config(xdg: &Path, text: &str) -> PathBuf {
    let dir = xdg.join("kedatui");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The line of `config show` for one key.
fn shown<'a>(show: &'a str, key: &str) -> &'a str {
    show.lines()
        .find(|l| l.starts_with(&format!("{key} = ")))
        .unwrap_or_else(|| panic!("no {key} in config show:\n{show}"))
}

const TALKS: &str = r#"
theme = "light"
queue = "from-file"
warp = 2

[profile.kubecon]
theme = "presenter"
bursts = [10, 100, 500]
polling-interval = "5s"
queue = "from-profile"
big = true

[profile.devoxx]
cooldown = "1m"
"#;

#[test]
fn precedence_is_flags_env_profile_file_defaults() {
    let xdg = tempfile::tempdir().unwrap();
    write_config(xdg.path(), TALKS);
    let (out, show, err) = run(kedatui(xdg.path())
        .env("SERVICEBUS_QUEUE", "from-env")
        .args(["--profile", "kubecon", "--bursts", "7,8", "config", "show"]));
    assert!(out.status.success(), "{err}");
    assert!(
        shown(&show, "bursts").contains("\"7,8\"") && shown(&show, "bursts").ends_with("# flag")
    );
    assert!(
        shown(&show, "queue").contains("from-env")
            && shown(&show, "queue").ends_with("# env SERVICEBUS_QUEUE")
    );
    assert!(
        shown(&show, "theme").contains("presenter")
            && shown(&show, "theme").contains("# profile kubecon (line 7)")
    );
    assert!(
        shown(&show, "big").contains("true") && shown(&show, "big").contains("# profile kubecon")
    );
    assert!(shown(&show, "polling-interval").contains("\"5s\""));
    assert!(
        shown(&show, "warp").contains("\"2\"")
            && shown(&show, "warp").contains("# config file (line 4)")
    );
    assert!(
        shown(&show, "trickle").contains("\"5/s\"")
            && shown(&show, "trickle").ends_with("# default")
    );
    assert!(
        shown(&show, "cooldown").ends_with("# unset"),
        "devoxx's cooldown leaked"
    );

    // KEDATUI_PROFILE picks the profile; --profile beats it.
    let (_, show, _) = run(kedatui(xdg.path())
        .env("KEDATUI_PROFILE", "devoxx")
        .args(["config", "show"]));
    assert!(
        shown(&show, "cooldown").contains("\"1m\"")
            && shown(&show, "cooldown").contains("profile devoxx")
    );
    assert!(
        shown(&show, "theme").contains("light") && shown(&show, "theme").contains("config file")
    );
    let (_, show, _) = run(kedatui(xdg.path()).env("KEDATUI_PROFILE", "devoxx").args([
        "config",
        "show",
        "--profile",
        "kubecon",
    ]));
    assert!(shown(&show, "theme").contains("presenter"));
}

#[test]
fn the_console_starts_from_the_profile() {
    // A profile's value reaches the console's own checks, before the terminal is touched.
    let xdg = tempfile::tempdir().unwrap();
    let path = write_config(
        xdg.path(),
        "[profile.broken]\nsnapshot-dir = \"/nonexistent/kedatui-slides\"\n",
    );
    let (out, _, err) = run(kedatui(xdg.path()).args(["--profile", "broken", "--sim"]));
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--snapshot-dir /nonexistent/kedatui-slides"),
        "{err}"
    );
    // The flag wins over the profile (the same directory check then passes).
    let dir = xdg.path().display().to_string();
    let (out, _, err) = run(kedatui(xdg.path()).args([
        "--config",
        path.to_str().unwrap(),
        "--profile",
        "broken",
        "--snapshot-dir",
        &dir,
        "config",
        "show",
    ]));
    assert!(out.status.success(), "{err}");
    // A headless subcommand does not read profiles: a typed --profile is refused, not ignored,
    // while KEDATUI_PROFILE in the shell does not stop it.
    let (out, _, err) =
        run(kedatui(xdg.path()).args(["simulate", "--duration", "10s", "--profile", "broken"]));
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("`kedatui simulate` takes its own flags only"),
        "{err}"
    );
    let (out, _, err) = run(kedatui(xdg.path()).env("KEDATUI_PROFILE", "broken").args([
        "simulate",
        "--duration",
        "10s",
    ]));
    assert!(out.status.success(), "{err}");
    // A profile that is not in the file is refused, naming the ones that are.
    let (out, _, err) = run(kedatui(xdg.path()).args(["--profile", "kubecon", "--sim"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err.contains("no profile \"kubecon\"") && err.contains("broken"),
        "{err}"
    );
}

#[test]
fn secrets_in_the_file_are_refused_naming_the_key() {
    let xdg = tempfile::tempdir().unwrap();
    let secret = "Endpoint=sb://demo.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=c2VjcmV0c2VjcmV0";
    write_config(
        xdg.path(),
        &format!("[profile.kubecon]\ntheme = \"presenter\"\nconnection-string = \"{secret}\"\n"),
    );
    let (out, stdout, err) = run(kedatui(xdg.path()).args(["--profile", "kubecon", "--sim"]));
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(":3:1: profile.kubecon.connection-string is a secret"),
        "{err}"
    );
    assert!(
        !err.contains("c2VjcmV0") && !stdout.contains("c2VjcmV0"),
        "the secret was printed"
    );

    // A connection string under an innocent key is a secret too.
    write_config(xdg.path(), &format!("queue = \"{secret}\"\n"));
    let (out, _, err) = run(kedatui(xdg.path()).args(["config", "check"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err.contains(":1:1: queue is a secret") && !err.contains("c2VjcmV0"),
        "{err}"
    );
}

/// `key = value` with a flag's name as the key (not a comment that happens to hold ` = `).
fn is_setting(line: &str) -> bool {
    line.split_once(" = ").is_some_and(|(k, _)| {
        !k.is_empty() && k.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
    })
}

#[test]
fn config_init_round_trips_through_config_check() {
    let xdg = tempfile::tempdir().unwrap();
    let (out, stdout, err) = run(kedatui(xdg.path()).args(["config", "init"]));
    assert!(out.status.success(), "{err}");
    let path = xdg.path().join("kedatui/config.toml");
    assert!(stdout.contains(&path.display().to_string()), "{stdout}");
    let (out, _, err) = run(kedatui(xdg.path()).args(["config", "check"]));
    assert!(out.status.success(), "{err}");
    // A second init does not overwrite the speaker's file.
    let (out, _, err) = run(kedatui(xdg.path()).args(["config", "init"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(err.contains("--force"), "{err}");

    // Every default the template writes is a valid value: uncomment them all (and the example
    // profile) and the file still checks, and `config show` reads them from the file.
    let template = std::fs::read_to_string(&path).unwrap();
    let uncommented: String = template
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            Some(rest) if is_setting(rest) || rest.starts_with("[profile.") => rest,
            _ => l,
        })
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(
        uncommented.contains("\nbursts = \"10,100,500,1000,5000\"\n"),
        "{uncommented}"
    );
    assert!(uncommented.contains("\n[profile.kubecon]\n"));
    std::fs::write(&path, &uncommented).unwrap();
    let (out, stdout, err) = run(kedatui(xdg.path()).args(["config", "check"]));
    assert!(out.status.success(), "{err}\n{uncommented}");
    assert!(stdout.contains("profiles: kubecon"), "{stdout}");
    let (out, show, err) =
        run(kedatui(xdg.path()).args(["--profile", "kubecon", "config", "show"]));
    assert!(out.status.success(), "{err}");
    assert!(shown(&show, "namespace").contains("config file"), "{show}");
    assert!(shown(&show, "theme").contains("presenter"), "{show}");
    // The simulator's real defaults are in the template, as the header shows them.
    assert!(
        uncommented.contains("\npolling-interval = \"5s\"\n"),
        "{uncommented}"
    );
    assert!(
        uncommented.contains("\ncooldown = \"30s\"\n"),
        "{uncommented}"
    );
    assert!(uncommented.contains("\nmax = 20\n"), "{uncommented}");
}

#[test]
fn config_check_gives_line_and_column_and_the_nearest_key() {
    let xdg = tempfile::tempdir().unwrap();
    let file = xdg.path().join("talk.toml");
    let check = |text: &str| {
        std::fs::write(&file, text).unwrap();
        let (out, _, err) =
            run(kedatui(xdg.path()).args(["config", "check", file.to_str().unwrap()]));
        assert_eq!(out.status.code(), Some(2), "{text} passed");
        err
    };
    let err = check("[profile.kubecon]\ntheme = \"presenter\"\npoling-interval = \"5s\"\n");
    assert!(
        err.contains("talk.toml:3:1: unknown key profile.kubecon.poling-interval; did you mean profile.kubecon.polling-interval?"),
        "{err}"
    );
    let err = check("theme = \"presenter\"\nbursts = \"10,0\"\n");
    assert!(
        err.contains("talk.toml:2:10: bursts: invalid value") && err.contains("burst 2"),
        "{err}"
    );
    let err = check("theme = \"presenter\"\n[profile.kubecon\n");
    assert!(err.contains("talk.toml:2:"), "{err}");
    let err = check("big = \"yes\"\n");
    assert!(
        err.contains("talk.toml:1:7: big: expected true or false"),
        "{err}"
    );
    // The console refuses the same file, with the same message.
    let (out, _, err) =
        run(kedatui(xdg.path()).args(["--config", file.to_str().unwrap(), "--sim"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err.contains("talk.toml:1:7: big: expected true or false"),
        "{err}"
    );
    // A --config file that does not exist is refused too.
    let (out, _, err) = run(kedatui(xdg.path()).args(["--config", "/nonexistent/k.toml", "--sim"]));
    assert_eq!(out.status.code(), Some(2), "{err}");
}

/// Runs bash with `kedatui` on PATH and the completion script sourced; returns what `script`
/// echoes.
fn bash_completion(xdg: &Path, script: &str) -> String {
    let bin_dir = Path::new(BIN).parent().unwrap();
    let full = format!(
        "source <(kedatui completions bash) || exit 9\n\
         f=$(complete -p kedatui | sed -E 's/.* -F ([^ ]+) .*/\\1/')\n\
         complete_at() {{ COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); COMPREPLY=();\n\
           \"$f\" kedatui \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; echo \"${{COMPREPLY[*]}}\"; }}\n\
         {script}"
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &full])
        .env("PATH", format!("{}:/usr/bin:/bin", bin_dir.display()))
        .env("XDG_CONFIG_HOME", xdg)
        .env("HOME", xdg)
        .env_remove("KEDATUI_PROFILE")
        .output()
        .expect("bash");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "bash failed: {stderr}");
    assert!(stderr.is_empty(), "bash complained: {stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn bash_completes_profile_flag_and_profile_names() {
    let xdg = tempfile::tempdir().unwrap();
    write_config(xdg.path(), TALKS);
    let other = xdg.path().join("other.toml");
    std::fs::write(&other, "[profile.fosdem]\n").unwrap();
    let out = bash_completion(
        xdg.path(),
        &format!(
            "complete_at kedatui --prof\n\
             complete_at kedatui --profile ''\n\
             complete_at kedatui --profile ku\n\
             complete_at kedatui --config {} --profile ''\n\
             complete_at kedatui simulate --polling-int\n",
            other.display()
        ),
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "--profile",
            "devoxx kubecon",
            "kubecon",
            "fosdem",
            "--polling-interval"
        ],
        "{out}"
    );
}

#[test]
fn every_shell_gets_a_script() {
    let xdg = tempfile::tempdir().unwrap();
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef kedatui"),
        ("fish", "kedatui config profiles"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let (out, stdout, err) = run(kedatui(xdg.path()).args(["completions", shell]));
        assert!(out.status.success(), "{shell}: {err}");
        assert!(
            stdout.contains(marker) && stdout.contains("profile"),
            "{shell}:\n{stdout}"
        );
    }
    let (out, _, _) = run(kedatui(xdg.path()).args(["completions", "tcsh"]));
    assert_eq!(out.status.code(), Some(2));
}

fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn the_man_page_renders_with_man_l() {
    if !have("man") || !have("groff") {
        // As the other tests that need a program install it.
        let _ = Command::new("sh")
            .args([
                "-c",
                "(apt-get update -qq && apt-get install -y -qq man-db groff-base) >/dev/null 2>&1",
            ])
            .status();
    }
    assert!(
        have("man"),
        "man is not installed and could not be installed"
    );
    let xdg = tempfile::tempdir().unwrap();
    let (out, roff, err) = run(kedatui(xdg.path()).arg("man"));
    assert!(out.status.success(), "{err}");
    assert!(
        roff.starts_with(".ie") || roff.contains(".TH kedatui 1"),
        "{roff}"
    );
    let page = xdg.path().join("kedatui.1");
    std::fs::write(&page, &roff).unwrap();
    let out = Command::new("man")
        .arg("--warnings")
        .arg("-l")
        .arg(&page)
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("MANWIDTH", "100")
        .env("LANG", "C.UTF-8")
        .output()
        .expect("man");
    let text = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "man -l failed: {stderr}");
    assert!(stderr.trim().is_empty(), "groff warnings: {stderr}");
    // Formatting escapes (bold by overstrike) are out of the way for matching.
    let plain: String = {
        let mut s = String::new();
        for c in text.chars() {
            if c == '\u{8}' {
                s.pop();
            } else {
                s.push(c);
            }
        }
        s
    };
    for want in [
        "NAME",
        "SYNOPSIS",
        "--profile",
        "--polling-interval",
        "KEDATUI SIMULATE",
        "KEDATUI CONFIG",
        "--burst",
        "VERSION",
    ] {
        assert!(
            plain.contains(want),
            "{want} missing from the rendered page:\n{plain}"
        );
    }
    assert!(
        !plain.contains("\\f") && !plain.contains("\\-"),
        "raw roff escapes in the page"
    );
}

#[test]
fn version_names_the_commit_target_scalers_and_features() {
    let xdg = tempfile::tempdir().unwrap();
    let (out, stdout, err) = run(kedatui(xdg.path()).arg("--version"));
    assert!(out.status.success(), "{err}");
    assert!(
        stdout.starts_with(&format!("kedatui {}\n", env!("CARGO_PKG_VERSION"))),
        "{stdout}"
    );
    let commit = stdout
        .lines()
        .find_map(|l| l.strip_prefix("commit: "))
        .expect("commit line");
    let expected = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    match expected {
        // The build saw the same checkout (perhaps with changes on top).
        Some(head) => assert!(commit.starts_with(&head), "{commit} is not HEAD {head}"),
        None => assert_eq!(commit, "unknown"),
    }
    for want in [
        "target: ",
        "scalers: azure-servicebus",
        "built in: simulator, lab",
        "cargo features: ",
    ] {
        assert!(stdout.contains(want), "{want} missing: {stdout}");
    }
    let (_, short, _) = run(kedatui(xdg.path()).arg("-V"));
    assert_eq!(
        short.trim(),
        format!("kedatui {} ({commit})", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn the_documented_example_profile_checks() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/console.md")).unwrap();
    let section = &readme[readme
        .find("## Talk profiles")
        .expect("talk profiles section")..];
    let start = section.find("```toml\n").expect("a toml example") + 8;
    let example = &section[start..start + section[start..].find("```").unwrap()];
    let xdg = tempfile::tempdir().unwrap();
    let file = xdg.path().join("readme.toml");
    std::fs::write(&file, example).unwrap();
    let (out, stdout, err) =
        run(kedatui(xdg.path()).args(["config", "check", file.to_str().unwrap()]));
    assert!(out.status.success(), "{err}");
    assert!(stdout.contains("profiles: kubecon"), "{stdout}");
}

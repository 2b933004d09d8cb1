//! Bad input to the console is refused before the terminal is touched: exit code 2, a specific
//! message on stderr, and no escape sequences (no alternate screen, no raw mode).

use crate::support as common;

use std::process::Command;

use common::run;

#[test]
fn bad_console_flags_exit_2_with_a_specific_message() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.yaml");
    let missing = missing.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["--bursts", "10,0"], "a burst needs at least 1 message"),
        (&["--bursts", "1,2,3,4,5,6,7,8,9,10"], "at most 9 bursts"),
        (&["--trickle", "5/h"], "unknown rate unit"),
        (&["--warp", "0"], "it must be more than 0"),
        (&["--warp", "1e-300"], "at least 0.1"),
        (&["--max", "0"], "maxReplicaCount must be at least 1"),
        (
            &["--min", "5", "--max", "2"],
            "minReplicaCount (5) is greater than maxReplicaCount (2)",
        ),
        (&["--cooldown", "1m5"], "5 has no unit"),
        (&["--scaledobject-file", missing], "cannot read"),
    ];
    for (args, want) in cases {
        let (code, stdout, stderr) = run(args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(want), "{args:?}: {stderr}");
        assert!(
            !stdout.contains('\u{1b}') && !stderr.contains("\u{1b}[?1049h"),
            "{args:?} touched the terminal"
        );
    }
}

/// The Service Bus variables the console reads; each one not in a case's `env` is removed.
const SERVICEBUS_VARS: [&str; 3] = [
    "SERVICEBUS_CONNECTION_STRING",
    "SERVICEBUS_MANAGE_CONNECTION_STRING",
    "SERVICEBUS_MANAGEMENT_URL",
];

/// A value in `refused_with_env`'s `env` that leaves the variable unset.
const UNSET: &str = "\0unset";

/// Runs the console with `args` and only the Service Bus variables in `env`; asserts it refused
/// the input (exit 2, `want` on stderr, no escape sequence on stdout); returns stderr.
fn refused_with_env(args: &[&str], env: &[(&str, &str)], want: &str) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kedatui"));
    command.args(args);
    for var in SERVICEBUS_VARS {
        match env.iter().find(|(name, _)| *name == var) {
            Some((_, value)) if *value != UNSET => command.env(var, value),
            _ => command.env_remove(var),
        };
    }
    let out = command.output().expect("run kedatui");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(stderr.contains(want), "{args:?}: {stderr}");
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains('\u{1b}'),
        "{args:?} touched the terminal"
    );
    stderr
}

/// Live-mode input: a malformed connection string (env or file), or a cluster named explicitly
/// that cannot be configured, exits 2 before the terminal, and the message holds no key.
#[test]
fn bad_live_input_exits_2_without_the_secret() {
    use base64::Engine as _;
    let key = base64::engine::general_purpose::STANDARD.encode(uuid::Uuid::new_v4().as_bytes());
    let good = format!(
        "Endpoint=sb://127.0.0.1:1/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={key};UseDevelopmentEmulator=true"
    );
    let malformed = format!("SharedAccessKeyName=Root;SharedAccessKey={key}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cs");
    std::fs::write(&file, &malformed).unwrap();
    let file = file.to_str().unwrap();
    let missing_kubeconfig = dir.path().join("no-kubeconfig");
    let missing_kubeconfig = missing_kubeconfig.to_str().unwrap();
    // (args, SERVICEBUS_CONNECTION_STRING, expected in stderr)
    let cases: &[(&[&str], &str, &str)] = &[
        (&[], &malformed, "SERVICEBUS_CONNECTION_STRING"),
        (
            &["--connection-string-file", file],
            "",
            "--connection-string-file",
        ),
        (
            &["--kubeconfig", missing_kubeconfig],
            &good,
            "cannot read kubeconfig",
        ),
    ];
    for (args, env, want) in cases {
        let stderr = refused_with_env(args, &[("SERVICEBUS_CONNECTION_STRING", env)], want);
        assert!(!stderr.contains(&key), "{args:?}: the key leaked: {stderr}");
    }
}

/// A manage connection string (for counts) that does not fit the send string is bad input too:
/// another namespace, another queue, a malformed one, or one without a send string.
#[test]
fn a_mismatched_manage_connection_string_exits_2_without_the_secrets() {
    use base64::Engine as _;
    let key = || base64::engine::general_purpose::STANDARD.encode(uuid::Uuid::new_v4().as_bytes());
    let (send_key, manage_key) = (key(), key());
    let send = format!(
        "Endpoint=sb://ns-a.servicebus.windows.net/;SharedAccessKeyName=kedatui-send;SharedAccessKey={send_key};EntityPath=kedaqueue"
    );
    let manage = |endpoint: &str, entity: &str| {
        format!(
            "Endpoint=sb://{endpoint}/;SharedAccessKeyName=keda-manage;SharedAccessKey={manage_key};EntityPath={entity}"
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("manage-cs");
    std::fs::write(&file, manage("ns-b.servicebus.windows.net", "kedaqueue")).unwrap();
    let file = file.to_str().unwrap();
    // (args, send env, manage env, expected in stderr)
    let other_ns = manage("ns-b.servicebus.windows.net", "kedaqueue");
    let other_queue = manage("ns-a.servicebus.windows.net", "orders");
    let malformed = format!("SharedAccessKeyName=keda-manage;SharedAccessKey={manage_key}");
    let cases: &[(&[&str], &str, &str, &str)] = &[
        (
            &[],
            &send,
            &other_ns,
            "the manage connection string is for sb://ns-b.servicebus.windows.net:5671/ but the connection string is for sb://ns-a.servicebus.windows.net:5671/",
        ),
        (
            &["--manage-connection-string-file", file],
            &send,
            "",
            "both must name the same Service Bus namespace",
        ),
        (&[], &send, &other_queue, "scoped to queue `orders`"),
        (
            &[],
            &send,
            &malformed,
            "no Endpoint (expected Endpoint=sb://<namespace>.servicebus.windows.net/) (the manage connection string for counts, from $SERVICEBUS_MANAGE_CONNECTION_STRING)",
        ),
        (&[], UNSET, &other_ns, "no connection string to send with"),
    ];
    for (args, send_env, manage_env, want) in cases {
        let stderr = refused_with_env(
            args,
            &[
                ("SERVICEBUS_CONNECTION_STRING", send_env),
                ("SERVICEBUS_MANAGE_CONNECTION_STRING", manage_env),
            ],
            want,
        );
        for key in [&send_key, &manage_key] {
            assert!(
                !stderr.contains(key.as_str()),
                "{args:?}: a key leaked: {stderr}"
            );
        }
    }
}

/// #10.5: a variable that is set but empty (a failed `$(az …)`), or an empty connection-string
/// file, is bad input naming its source, never a quiet start on the simulator; so is a cluster
/// named on the command line with no Service Bus to go with it.
#[test]
fn empty_connection_strings_and_a_lone_kubeconfig_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "").unwrap();
    let empty = empty.to_str().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig, "apiVersion: v1\nkind: Config\n").unwrap();
    let kubeconfig = kubeconfig.to_str().unwrap();
    let good = "Endpoint=sb://127.0.0.1:1/;SharedAccessKeyName=r;SharedAccessKey=aGVsbG8=;UseDevelopmentEmulator=true";
    // (args, send env, manage env, expected in stderr)
    let cases: &[(&[&str], &str, &str, &str)] = &[
        (
            &[],
            "",
            UNSET,
            "SERVICEBUS_CONNECTION_STRING is set but empty",
        ),
        (
            &[],
            "   ",
            UNSET,
            "SERVICEBUS_CONNECTION_STRING is set but empty",
        ),
        (
            &[],
            good,
            "",
            "SERVICEBUS_MANAGE_CONNECTION_STRING is set but empty",
        ),
        (
            &["--connection-string-file", empty],
            UNSET,
            UNSET,
            "the Service Bus connection string is empty (from --connection-string-file",
        ),
        (
            &["--manage-connection-string-file", empty],
            good,
            UNSET,
            "the manage connection string for counts, from --manage-connection-string-file",
        ),
        (
            &["--kubeconfig", kubeconfig],
            UNSET,
            UNSET,
            "--kubeconfig is given but no queue is configured",
        ),
        (
            &["--context", "aks"],
            UNSET,
            UNSET,
            "--context is given but no queue is configured",
        ),
    ];
    for (args, send, manage, want) in cases {
        refused_with_env(
            args,
            &[
                ("SERVICEBUS_CONNECTION_STRING", send),
                ("SERVICEBUS_MANAGE_CONNECTION_STRING", manage),
            ],
            want,
        );
    }
}

/// #10.8: every count and duration flag is bounded by what the model can hold; values that
/// once hung (`--initial-replicas 99999999`: 2.3 GB at 97 % CPU) or panicked (`--cooldown
/// 300000000000s`: overflow, exit 101) exit 2 at once with the limit.
#[test]
fn out_of_range_counts_and_durations_exit_2_with_the_limit() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["--initial-replicas", "99999999"],
            "initial replicas must be at most 1000, got 99999999",
        ),
        (
            &["--cooldown", "300000000000s"],
            "cooldownPeriod must be at most 24h",
        ),
        (&["--max", "1001"], "maxReplicaCount must be at most 1000"),
        (
            &["--concurrency", "5000"],
            "concurrency must be at most 1000",
        ),
        (
            &["--max-delivery-count", "2001"],
            "MaxDeliveryCount must be at most 2000",
        ),
        (
            &["--polling-interval", "25h"],
            "pollingInterval must be at most 24h",
        ),
        (
            &["--processing", "48h"],
            "processing time must be at most 24h",
        ),
        (
            &["--readiness", "1000h"],
            "readiness delay must be at most 24h",
        ),
        (
            &["--drain-limit", "9999999h"],
            "drain limit must be at most 24h",
        ),
        (&["--trickle", "1e-300/s"], "at least 0.01/s"),
        (&["--cooldown", "99999999999999999999s"], "too large"),
    ];
    for (args, want) in cases {
        let (code, stdout, stderr) = common::run_within(args, std::time::Duration::from_secs(10));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(want), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stdout.contains('\u{1b}'), "{args:?} touched the terminal");
    }
}

/// #10 item 9: `UseDevelopmentEmulator=true` (plain AMQP and HTTP) for a host that is not
/// loopback or local would send SAS tokens in clear text; an `EntityPath` for another queue than
/// `--queue` cannot work. Both are bad input for the console, `send`, `queue` and `purge`.
#[test]
fn plain_text_keys_and_a_mismatched_entity_path_exit_2() {
    use base64::Engine as _;
    let key = base64::engine::general_purpose::STANDARD.encode(uuid::Uuid::new_v4().as_bytes());
    let remote = format!(
        "Endpoint=sb://demo-ns.servicebus.windows.net/;SharedAccessKeyName=kedatui-send;SharedAccessKey={key};UseDevelopmentEmulator=true"
    );
    let scoped = format!(
        "Endpoint=sb://127.0.0.1:1/;SharedAccessKeyName=kedatui-send;SharedAccessKey={key};EntityPath=orders;UseDevelopmentEmulator=true"
    );
    let cases: &[(&[&str], &str, &str)] = &[
        (&[], &remote, "not `demo-ns.servicebus.windows.net`"),
        (&["send", "--count", "1"], &remote, "plain AMQP"),
        (&["queue"], &remote, "plain AMQP"),
        (&["--queue", "kedaqueue"], &scoped, "EntityPath is `orders`"),
        (
            &["send", "--count", "1", "--queue", "kedaqueue"],
            &scoped,
            "EntityPath is `orders`",
        ),
    ];
    for (args, env, want) in cases {
        let stderr = refused_with_env(args, &[("SERVICEBUS_CONNECTION_STRING", env)], want);
        assert!(!stderr.contains(&key), "{args:?}: the key leaked: {stderr}");
    }
}

/// #19 item 7: `kedatui </dev/null` and `kedatui > file` have no terminal to draw on: one
/// sentence and exit 2, no escape codes in the file, and no recording left behind. The console
/// and `replay` draw; headless commands such as `simulate` keep working with pipes.
#[test]
fn without_a_terminal_the_console_says_so_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let recording = dir.path().join("demo.jsonl");
    let good = dir.path().join("good.jsonl");
    std::fs::write(
        &good,
        concat!(
            r#"{"kedatui_recording":1,"started_at":"2026-09-21T14:13:20Z","config":{"mode":"simulator","bursts":[10],"trickle_per_second":5.0,"warp":1.0,"namespace":"keda-demo","queue":"kedaqueue","scaled_object":"kedasbreceiver-scaler","deployment":"kedasbreceiver"}}"#,
            "\n",
            r#"{"ms":0,"event":{"Tick":{"now":"2026-09-21T14:13:20Z"}}}"#,
            "\n"
        ),
    )
    .unwrap();
    let log = dir.path().join("kedatui.log");
    let log = log.to_str().unwrap();
    for args in [
        vec!["--sim", "--log-file", log],
        vec![
            "--sim",
            "--record",
            recording.to_str().unwrap(),
            "--log-file",
            log,
        ],
        vec!["replay", good.to_str().unwrap(), "--log-file", log],
    ] {
        let out_file = dir.path().join("out.txt");
        let out = std::fs::File::create(&out_file).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_kedatui"))
            .args(&args)
            .env_remove("SERVICEBUS_CONNECTION_STRING")
            .stdin(std::process::Stdio::null())
            .stdout(out)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let output = output_within(child, std::time::Duration::from_secs(20), &args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(
            stderr.lines().count(),
            1,
            "{args:?}: one sentence: {stderr}"
        );
        assert!(
            stderr.contains("the console needs a terminal, and standard input is not one"),
            "{args:?}: {stderr}"
        );
        let written = std::fs::read(&out_file).unwrap();
        assert!(
            !written.contains(&0x1b),
            "{args:?}: escape codes in the file: {:?}",
            String::from_utf8_lossy(&written)
        );
        assert!(!recording.exists(), "{args:?}: no recording left behind");
    }
    let (code, stdout, stderr) = run(&["simulate", "--duration", "10s", "--burst", "0s:100"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stdout.is_empty());
}

/// The child's output, or the test fails (and the child is killed) after `limit`.
fn output_within(
    mut child: std::process::Child,
    limit: std::time::Duration,
    args: &[&str],
) -> std::process::Output {
    let deadline = std::time::Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("kedatui {args:?} did not exit within {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// Like [`refused_with_env`], but for input that once hung or ate memory: kedatui is killed
/// (and the test fails) if it has not exited within 10 s.
fn refused_within(args: &[&str], env: &[(&str, &str)], want: &str) -> String {
    let mut child = common::spawn_kedatui(args, env);
    let code = common::wait_within(&mut child, std::time::Duration::from_secs(10));
    let stdout = common::read_all(child.stdout.take());
    let stderr = common::read_all(child.stderr.take());
    assert_eq!(code, 2, "{args:?}: {stderr}");
    assert!(stderr.contains(want), "{args:?}: {stderr}");
    assert!(!stdout.contains('\u{1b}'), "{args:?} touched the terminal");
    stderr
}

/// #19 item 8: every file flag reads only a regular file of sane size. `/dev/zero` once grew
/// kedatui to gigabytes in seconds and a FIFO hung it; each is refused at once with exit 2.
#[test]
fn file_flags_refuse_devices_fifos_and_huge_files() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = common::fifo(dir.path());
    let fifo = fifo.to_str().unwrap();
    // Sparse: takes no disk.
    let huge = dir.path().join("huge");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(64 << 20)
        .unwrap();
    let huge = huge.to_str().unwrap();
    let good = "Endpoint=sb://127.0.0.1:1/;SharedAccessKeyName=r;SharedAccessKey=aGVsbG8=;UseDevelopmentEmulator=true";
    let not_a_file = "it is not a regular file";
    let cases: &[(&str, &str, &str)] = &[
        ("--connection-string-file", "/dev/zero", not_a_file),
        ("--connection-string-file", fifo, not_a_file),
        (
            "--connection-string-file",
            huge,
            "more than a connection string file can be",
        ),
        ("--manage-connection-string-file", "/dev/zero", not_a_file),
        ("--manage-connection-string-file", fifo, not_a_file),
        ("--kubeconfig", "/dev/zero", not_a_file),
        ("--kubeconfig", fifo, not_a_file),
        ("--kubeconfig", huge, "more than a kubeconfig can be"),
        ("--scaledobject-file", "/dev/zero", not_a_file),
        ("--scaledobject-file", fifo, not_a_file),
        (
            "--scaledobject-file",
            huge,
            "more than a ScaledObject YAML can be",
        ),
    ];
    for (flag, path, want) in cases {
        let env: &[(&str, &str)] = match *flag {
            "--connection-string-file" | "--scaledobject-file" => &[],
            _ => &[("SERVICEBUS_CONNECTION_STRING", good)],
        };
        let stderr = refused_within(&[flag, path], env, want);
        assert!(
            stderr.contains(path),
            "{flag} {path}: names the file: {stderr}"
        );
    }
    // The headless commands and `simulate` read the same way.
    refused_within(
        &["queue", "--connection-string-file", "/dev/zero"],
        &[],
        not_a_file,
    );
    refused_within(&["simulate", "--scaledobject", fifo], &[], not_a_file);
}

/// #19 item 7: a key longer than any Service Bus key (100 kB pasted by mistake) is bad input
/// before anything connects, not a failure (exit 1) in the middle of a send.
#[test]
fn a_huge_key_exits_2_without_the_key() {
    let key = "A".repeat(100_000);
    let cs = format!(
        "Endpoint=sb://127.0.0.1:1/;SharedAccessKeyName=r;SharedAccessKey={key};UseDevelopmentEmulator=true"
    );
    for args in [&[][..], &["send", "--count", "1"], &["queue"]] {
        let stderr = refused_within(
            args,
            &[("SERVICEBUS_CONNECTION_STRING", &cs)],
            "SharedAccessKey is 100000 characters long, more than a key can be (at most 256)",
        );
        assert!(!stderr.contains(&key[..64]), "{args:?}: the key leaked");
    }
}

/// #19 item 9: each flag acts or is refused. `--lab` brings its own Service Bus, so `--sim` or a
/// configured Service Bus next to it is refused; `--selector` selects nothing in the simulator.
#[test]
fn flags_the_chosen_mode_would_ignore_exit_2() {
    let good = "Endpoint=sb://127.0.0.1:1/;SharedAccessKeyName=r;SharedAccessKey=aGVsbG8=;UseDevelopmentEmulator=true";
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case] = &[
        (
            &["--lab", "--sim"],
            &[],
            "--lab and --sim contradict each other",
        ),
        (
            &["--lab"],
            &[("SERVICEBUS_CONNECTION_STRING", good)],
            "--lab uses its own loopback broker, but SERVICEBUS_CONNECTION_STRING is set too",
        ),
        (
            &["--lab", "--connection-string-file", "/nonexistent/cs"],
            &[],
            "but --connection-string-file is set too",
        ),
        (
            &["--lab"],
            &[("RABBITMQ_URL", "amqp://u:p@127.0.0.1:1/")],
            "--lab uses its own loopback broker, but RABBITMQ_URL is set too",
        ),
        (
            &["--lab", "--scaler", "rabbitmq"],
            &[("SERVICEBUS_CONNECTION_STRING", good)],
            "--lab uses its own loopback broker, but SERVICEBUS_CONNECTION_STRING is set too",
        ),
        (
            &["--lab", "--scaler", "rabbitmq"],
            &[("RABBITMQ_URL", "http://u:s3cret@127.0.0.1:1/")],
            "$RABBITMQ_URL: the RabbitMQ URL has scheme \"http\"",
        ),
        (
            &["--selector", "app=x"],
            &[],
            "--selector picks pods of a live cluster",
        ),
        (
            &["--sim", "--kubeconfig", "/nonexistent/kubeconfig"],
            &[("SERVICEBUS_CONNECTION_STRING", good)],
            "--kubeconfig names a live cluster, but --sim runs the simulator",
        ),
    ];
    for (args, env, want) in cases {
        refused_within(args, env, want);
    }
}

/// #19 item 5: a kubeconfig whose exec plugin waits for a sign-in (kubelogin's device code) no
/// longer holds the console forever: the plugin's prompt reaches the terminal, and after
/// `--exec-timeout` the console exits 2 with the reason, whether `--kubeconfig` named the file
/// or `$KUBECONFIG` did (the plugin may still be reading the terminal: no TUI over it).
#[test]
fn a_blocking_exec_plugin_shows_its_prompt_and_times_out() {
    for named in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let (kubeconfig, pid_file) = common::blocking_exec_kubeconfig(dir.path());
        let kubeconfig = kubeconfig.to_str().unwrap();
        let good = "Endpoint=sb://127.0.0.1:1/;SharedAccessKeyName=r;SharedAccessKey=aGVsbG8=;UseDevelopmentEmulator=true";
        let (args, env): (&[&str], &[(&str, &str)]) = if named {
            (
                &["--kubeconfig", kubeconfig, "--exec-timeout", "1s"],
                &[("SERVICEBUS_CONNECTION_STRING", good)],
            )
        } else {
            (
                &["--exec-timeout", "1s"],
                &[
                    ("SERVICEBUS_CONNECTION_STRING", good),
                    ("KUBECONFIG", kubeconfig),
                ],
            )
        };
        exec_plugin_times_out(args, env, &pid_file);
    }
}

fn exec_plugin_times_out(args: &[&str], env: &[(&str, &str)], pid_file: &std::path::Path) {
    let mut child = common::spawn_kedatui(args, env);
    let code = common::wait_within(&mut child, std::time::Duration::from_secs(30));
    // The plugin holds kedatui's stderr until it ends.
    common::kill_exec_plugin(pid_file, std::time::Duration::from_secs(10));
    let stderr = common::read_all(child.stderr.take());
    let stdout = common::read_all(child.stdout.take());
    assert_eq!(code, 2, "{args:?}: {stderr}");
    assert!(stderr.contains(common::EXEC_PROMPT), "the prompt: {stderr}");
    assert!(
        stderr.contains("exec-plugin.sh` gave no credential within 1s")
            && stderr.contains("--exec-timeout"),
        "{stderr}"
    );
    assert!(!stdout.contains('\u{1b}'), "the terminal was untouched");
}

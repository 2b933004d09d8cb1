//! `kedatui send`, `kedatui queue`, `kedatui purge` as a user runs them, against the loopback
//! Service Bus.

use std::process::{Command, Output, Stdio};

use crate::support::output_text;
use testkit::servicebus::{FakeServiceBus, FakeServiceBusOptions, Rights, SasRule, random_key};

fn kedatui(args: &[&str], connection_string: Option<&str>, management_url: Option<&str>) -> Output {
    kedatui_with(args, connection_string, None, management_url)
}

/// With `$SERVICEBUS_MANAGE_CONNECTION_STRING` too.
fn kedatui_with(
    args: &[&str],
    connection_string: Option<&str>,
    manage_connection_string: Option<&str>,
    management_url: Option<&str>,
) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kedatui"));
    cmd.args(args)
        .env_remove("SERVICEBUS_CONNECTION_STRING")
        .env_remove("SERVICEBUS_MANAGE_CONNECTION_STRING")
        .env_remove("SERVICEBUS_MANAGEMENT_URL")
        .env_remove("SERVICEBUS_QUEUE")
        .stdin(Stdio::null());
    if let Some(cs) = connection_string {
        cmd.env("SERVICEBUS_CONNECTION_STRING", cs);
    }
    if let Some(cs) = manage_connection_string {
        cmd.env("SERVICEBUS_MANAGE_CONNECTION_STRING", cs);
    }
    if let Some(url) = management_url {
        cmd.env("SERVICEBUS_MANAGEMENT_URL", url);
    }
    cmd.output().expect("kedatui runs")
}

#[test]
fn send_queue_purge_round_trip() {
    let bus = FakeServiceBus::start(FakeServiceBusOptions::default()).unwrap();
    let cs = bus.connection_string();
    let url = bus.management_url();
    let out = kedatui(
        &["send", "--count", "2500", "--json"],
        Some(&cs),
        Some(&url),
    );
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (summary["sent"].as_u64(), summary["failed"].as_u64()),
        (Some(2500), Some(0))
    );
    assert_eq!(bus.counts("kedaqueue").unwrap().total, 2500);

    let out = kedatui(&["queue", "--json"], Some(&cs), Some(&url));
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    let counts: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(counts["active"].as_u64(), Some(2500));

    // No confirmation possible without a terminal: refuse (bad input).
    let out = kedatui(&["purge"], Some(&cs), Some(&url));
    assert_eq!(out.status.code(), Some(2), "{}", output_text(&out));
    assert!(output_text(&out).contains("--yes"));

    let out = kedatui(&["purge", "--yes"], Some(&cs), Some(&url));
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("removed 2500"),
        "{}",
        output_text(&out)
    );
    assert_eq!(bus.counts("kedaqueue").unwrap().total, 0);
}

#[test]
fn rate_limited_send_with_small_batches() {
    let bus = FakeServiceBus::start(FakeServiceBusOptions::default()).unwrap();
    let out = kedatui(
        &["send", "-n", "50", "--batch-size", "7", "--rate", "500/s"],
        Some(&bus.connection_string()),
        Some(&bus.management_url()),
    );
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("sent 50 of 50"),
        "{}",
        output_text(&out)
    );
    assert_eq!(bus.counts("kedaqueue").unwrap().total, 50);
}

#[test]
fn bad_input_exits_2_with_a_specific_message() {
    let key = random_key();
    let cases: &[(Option<String>, &str)] = &[
        (None, "no Service Bus configured"),
        (
            Some(format!("SharedAccessKeyName=k;SharedAccessKey={key}")),
            "no Endpoint",
        ),
        (
            Some("Endpoint=sb://h/;SharedAccessKeyName=k".into()),
            "no SharedAccessKey",
        ),
        (
            Some(format!(
                "Endpoint=http://h/;SharedAccessKeyName=k;SharedAccessKey={key}"
            )),
            "scheme `http`",
        ),
    ];
    for (cs, expected) in cases {
        for command in [
            &["send", "--count", "1"][..],
            &["queue"],
            &["purge", "--yes"],
        ] {
            let out = kedatui(command, cs.as_deref(), None);
            let all = output_text(&out);
            assert_eq!(out.status.code(), Some(2), "{command:?} {cs:?}: {all}");
            assert!(all.contains(expected), "{command:?}: {all}");
            assert!(!all.contains(&key), "the key leaked: {all}");
        }
    }
    let out = kedatui(
        &[
            "send",
            "--count",
            "1",
            "--connection-string-file",
            "/nonexistent/kedatui-cs",
        ],
        None,
        None,
    );
    assert_eq!(out.status.code(), Some(2), "{}", output_text(&out));
    assert!(output_text(&out).contains("/nonexistent/kedatui-cs"));
    // A count is checked before anything connects, with the burst prompt's words.
    for (count, expected) in [
        ("0", "at least 1 message"),
        ("2m", "at most 1 000 000"),
        ("ten", "not a whole number"),
    ] {
        let out = kedatui(&["send", "--count", count], None, None);
        let all = output_text(&out);
        assert_eq!(out.status.code(), Some(2), "--count {count}: {all}");
        assert!(all.contains(expected), "--count {count}: {all}");
    }
}

#[test]
fn failures_exit_1_without_secrets() {
    let bus = FakeServiceBus::start(FakeServiceBusOptions::default()).unwrap();
    let real_key = bus.options().rules[0].key.clone();
    let wrong_key = random_key();
    let wrong = format!(
        "Endpoint=sb://127.0.0.1:{};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={wrong_key};UseDevelopmentEmulator=true",
        bus.amqp_port()
    );
    let url = bus.management_url();
    for (args, cs, expected) in [
        (
            &["send", "--count", "3"][..],
            wrong.as_str(),
            "refused the credentials",
        ),
        (&["queue"], wrong.as_str(), "refused"),
        (
            &["send", "--count", "3", "--queue", "missing"],
            bus.connection_string().as_str(),
            "not found",
        ),
        (
            &["queue", "--queue", "missing"],
            bus.connection_string().as_str(),
            "not found",
        ),
    ] {
        let out = kedatui(args, Some(cs), Some(&url));
        let all = output_text(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {all}");
        assert!(all.contains(expected), "{args:?}: {all}");
        for key in [&real_key, &wrong_key] {
            assert!(!all.contains(key.as_str()), "a key leaked: {all}");
        }
        assert!(!all.contains("sig="), "a signature leaked: {all}");
    }
    assert_eq!(bus.counts("kedaqueue").unwrap().enqueued_total, 0);
}

/// The least-privilege set-up from the command line: `send` with a Send-only policy, `queue` and
/// `purge` with the Manage string (env or file); without it `queue` says how to fix it; a Manage
/// string for another namespace is bad input. No key in any output.
#[test]
fn a_manage_string_reads_counts_and_purges_for_a_send_only_policy() {
    let rule = |name: &str, rights| SasRule {
        name: name.into(),
        key: random_key(),
        rights,
    };
    let bus = FakeServiceBus::start(FakeServiceBusOptions {
        rules: vec![
            rule("kedatui-send", Rights::SEND),
            rule("keda-manage", Rights::ALL),
        ],
        ..FakeServiceBusOptions::default()
    })
    .unwrap();
    let other = FakeServiceBus::start(FakeServiceBusOptions::default()).unwrap();
    let keys: Vec<String> = bus
        .options()
        .rules
        .iter()
        .chain(&other.options().rules)
        .map(|r| r.key.clone())
        .collect();
    let (send, manage) = (
        bus.connection_string_for("kedatui-send"),
        bus.connection_string_for("keda-manage"),
    );
    let url = bus.management_url();
    let dir = tempfile::tempdir().unwrap();
    let manage_file = dir.path().join("manage-cs");
    std::fs::write(&manage_file, &manage).unwrap();
    let manage_file = manage_file.to_str().unwrap();
    let mut outputs = Vec::new();
    let mut check = |args: &[&str], manage: Option<&str>, code: i32, want: &str| {
        let out = kedatui_with(args, Some(&send), manage, Some(&url));
        let all = output_text(&out);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {all}");
        assert!(all.contains(want), "{args:?}: {all}");
        outputs.push(all);
    };
    check(
        &["send", "--count", "40"],
        Some(&manage),
        0,
        "sent 40 of 40",
    );
    check(&["queue"], Some(&manage), 0, "kedaqueue: active 40");
    check(
        &["queue", "--manage-connection-string-file", manage_file],
        None,
        0,
        "kedaqueue: active 40",
    );
    check(
        &["queue"],
        None,
        1,
        "policy `kedatui-send` cannot: set $SERVICEBUS_MANAGE_CONNECTION_STRING",
    );
    check(&["purge", "--yes"], None, 1, "refused");
    assert_eq!(bus.counts("kedaqueue").unwrap().total, 40);
    check(&["purge", "--yes"], Some(&manage), 0, "removed 40");
    assert_eq!(bus.counts("kedaqueue").unwrap().total, 0);
    // Another broker (another namespace): refused before anything is sent.
    let elsewhere = other.connection_string();
    for args in [
        &["send", "--count", "1"][..],
        &["queue"],
        &["purge", "--yes"],
    ] {
        check(
            args,
            Some(&elsewhere),
            2,
            "both must name the same Service Bus namespace",
        );
    }
    assert_eq!(bus.counts("kedaqueue").unwrap().enqueued_total, 40);
    assert_eq!(other.counts("kedaqueue").unwrap().enqueued_total, 0);
    for all in &outputs {
        for key in &keys {
            assert!(!all.contains(key.as_str()), "a key leaked: {all}");
        }
        assert!(!all.contains("sig="), "a signature leaked: {all}");
    }
}

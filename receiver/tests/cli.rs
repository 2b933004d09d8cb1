//! The receiver binary's start-up: bad input exits 2 with one line naming the problem, never the
//! key or password; a broker that is not there fails at once, and one that never answers is
//! given up on after CREATE_TIMEOUT_MS.

use std::net::TcpListener;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn fake_key() -> String {
    format!("fake{}=", uuid::Uuid::new_v4().simple())
}

fn receiver(env: &[(&str, String)], args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_receiver"));
    // Probes on a free loopback port, unless a test says otherwise.
    cmd.args(args).env_clear().env("HEALTH_ADDR", "127.0.0.1:0");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn one_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes).into_owned();
    assert_eq!(
        text.trim_end().lines().count(),
        1,
        "one line expected: {text:?}"
    );
    text
}

#[test]
fn help_exits_zero() {
    let out = receiver(&[], &["--help"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("SERVICEBUS_CONNECTION_STRING"));
}

#[test]
fn bad_configuration_exits_2_with_one_line_and_no_key() {
    let key = fake_key();
    let good =
        format!("Endpoint=sb://127.0.0.1:1/;SharedAccessKeyName=listen;SharedAccessKey={key}");
    let cases: Vec<(Vec<(&str, String)>, &str)> = vec![
        (
            vec![],
            "set SERVICEBUS_CONNECTION_STRING or SERVICEBUS_CONNECTION_STRING_FILE",
        ),
        (
            vec![(
                "SERVICEBUS_CONNECTION_STRING",
                format!("SharedAccessKeyName=listen;SharedAccessKey={key}"),
            )],
            "has no Endpoint",
        ),
        (
            vec![
                ("SERVICEBUS_CONNECTION_STRING", good.clone()),
                ("CONCURRENCY", "lots".into()),
            ],
            "CONCURRENCY must be a whole number",
        ),
        (
            vec![
                ("SERVICEBUS_CONNECTION_STRING", good.clone()),
                ("HEALTH_ADDR", ":8080".into()),
            ],
            "HEALTH_ADDR must be an address and port",
        ),
        (
            vec![(
                "SERVICEBUS_CONNECTION_STRING_FILE",
                "/nonexistent/connection".into(),
            )],
            "cannot read SERVICEBUS_CONNECTION_STRING_FILE /nonexistent/connection",
        ),
    ];
    for (env, expected) in cases {
        let out = receiver(&env, &[]);
        assert_eq!(out.status.code(), Some(2), "{expected}");
        let err = one_line(&out.stderr);
        assert!(
            err.contains(expected),
            "{err:?} should contain {expected:?}"
        );
        assert!(!err.contains(&key), "the key leaked: {err}");
    }
}

#[test]
fn a_broker_that_never_answers_is_given_up_on() {
    // Accepts TCP and then says nothing: without the create timeout the receiver would hang.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let key = fake_key();
    let started = Instant::now();
    let out = receiver(
        &[
            (
                "SERVICEBUS_CONNECTION_STRING",
                format!(
                    "Endpoint=sb://127.0.0.1:{port}/;SharedAccessKeyName=listen;SharedAccessKey={key};UseDevelopmentEmulator=true"
                ),
            ),
            ("CREATE_TIMEOUT_MS", "300".into()),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = one_line(&out.stderr);
    assert!(err.contains("timed out"), "{err}");
    assert!(err.contains("kedaqueue"), "{err}");
    assert!(!err.contains(&key));
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "gave up late: {:?}",
        started.elapsed()
    );
    drop(silent);
}

#[test]
fn a_taken_probe_port_exits_1_before_connecting() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    // A broker that never answers: had the receiver got as far as connecting, it would time out
    // with a different line.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let key = fake_key();
    let out = receiver(
        &[
            (
                "SERVICEBUS_CONNECTION_STRING",
                format!(
                    "Endpoint=sb://127.0.0.1:{port}/;SharedAccessKeyName=listen;SharedAccessKey={key};UseDevelopmentEmulator=true"
                ),
            ),
            ("HEALTH_ADDR", addr.clone()),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = one_line(&out.stderr);
    assert!(
        err.contains(&format!("cannot listen on HEALTH_ADDR {addr}")),
        "{err}"
    );
    drop((taken, silent));
}

#[test]
fn rabbitmq_bad_configuration_exits_2_with_one_line_and_no_password() {
    let password = format!("pw{}", uuid::Uuid::new_v4().simple());
    let key = fake_key();
    let cases: Vec<(Vec<(&str, String)>, &str)> = vec![
        (
            vec![
                (
                    "SERVICEBUS_CONNECTION_STRING",
                    format!(
                        "Endpoint=sb://127.0.0.1:1/;SharedAccessKeyName=listen;SharedAccessKey={key}"
                    ),
                ),
                ("RABBITMQ_URL", format!("amqp://u:{password}@127.0.0.1:1/")),
            ],
            "both a Service Bus connection (SERVICEBUS_CONNECTION_STRING) and RABBITMQ_URL are set",
        ),
        (
            vec![("RABBITMQ_URL", format!("http://u:{password}@127.0.0.1:1/"))],
            "RABBITMQ_URL is not a RabbitMQ URL",
        ),
        (
            vec![("RABBITMQ_URL", format!("amqp://u:{password}@h/a/b"))],
            "its vhost must be one path segment",
        ),
        (
            vec![("RABBITMQ_URL_FILE", "/nonexistent/url".into())],
            "cannot read RABBITMQ_URL_FILE /nonexistent/url",
        ),
    ];
    for (env, expected) in cases {
        let out = receiver(&env, &[]);
        assert_eq!(out.status.code(), Some(2), "{expected}");
        let err = one_line(&out.stderr);
        assert!(
            err.contains(expected),
            "{err:?} should contain {expected:?}"
        );
        assert!(!err.contains(&password), "the password leaked: {err}");
        assert!(!err.contains(&key), "the key leaked: {err}");
    }
}

#[test]
fn a_rabbitmq_broker_that_is_not_there_or_never_answers_exits_1() {
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let password = format!("pw{}", uuid::Uuid::new_v4().simple());
    let out = receiver(
        &[(
            "RABBITMQ_URL",
            format!("amqp://u:{password}@127.0.0.1:{port}/"),
        )],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = one_line(&out.stderr);
    assert!(
        err.contains(&format!("cannot connect to RabbitMQ at 127.0.0.1:{port}")),
        "{err}"
    );
    assert!(!err.contains(&password));

    // Accepts TCP and then says nothing: given up on after CREATE_TIMEOUT_MS.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let started = Instant::now();
    let out = receiver(
        &[
            (
                "RABBITMQ_URL",
                format!("amqp://u:{password}@127.0.0.1:{port}/"),
            ),
            ("CREATE_TIMEOUT_MS", "300".into()),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = one_line(&out.stderr);
    assert!(err.contains("timed out after 300ms"), "{err}");
    assert!(err.contains("kedaqueue"), "{err}");
    assert!(!err.contains(&password));
    assert!(started.elapsed() < Duration::from_secs(30));
    drop(silent);
}

//! The `servicebus-fake` binary prints a working connection string per rule and the management
//! URL.

use std::io::{BufRead, BufReader, Lines, Read, Write};
use std::process::{Child, ChildStdout, Command, Stdio};

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

fn spawn(args: &[&str]) -> (Child, Lines<BufReader<ChildStdout>>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_servicebus-fake"))
        .args(["--amqp-port", "0", "--http-port", "0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    (child, lines)
}

/// The printed `(label, connection string)` pairs, then the management URL's port.
fn read_rules(lines: &mut Lines<BufReader<ChildStdout>>) -> (Vec<(String, String)>, u16) {
    let mut rules = Vec::new();
    loop {
        let line = lines.next().expect("more output").unwrap();
        if let Some(url) = line.strip_prefix("management URL: ") {
            let port = url
                .trim_start_matches("http://127.0.0.1:")
                .trim_end_matches('/')
                .parse()
                .unwrap();
            return (rules, port);
        }
        let label = line
            .strip_prefix("# rule ")
            .unwrap_or_else(|| panic!("a rule label: {line}"))
            .to_owned();
        let connection_string = lines.next().unwrap().unwrap();
        assert!(
            connection_string.starts_with("Endpoint=sb://127.0.0.1:"),
            "{connection_string}"
        );
        assert!(connection_string.ends_with(";UseDevelopmentEmulator=true"));
        rules.push((label, connection_string));
    }
}

fn field<'a>(connection_string: &'a str, name: &str) -> &'a str {
    connection_string
        .split(';')
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
        .unwrap_or_else(|| panic!("{name} in {connection_string}"))
}

/// The REST counts read signed with a connection string's rule (`None`: unsigned); the status
/// line.
fn get_counts(port: u16, queue: &str, connection_string: Option<&str>) -> String {
    let auth = connection_string.map_or_else(String::new, |cs| {
        let expiry = jiff::Timestamp::now().as_second() + 600;
        let mut mac =
            Hmac::<Sha256>::new_from_slice(field(cs, "SharedAccessKey").as_bytes()).unwrap();
        mac.update(format!("{queue}\n{expiry}").as_bytes());
        let sig = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        let sig = percent_encoding::utf8_percent_encode(&sig, percent_encoding::NON_ALPHANUMERIC);
        format!(
            "Authorization: SharedAccessSignature sr={queue}&sig={sig}&se={expiry}&skn={}\r\n",
            field(cs, "SharedAccessKeyName")
        )
    });
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "GET /{queue}?api-version=2021-05 HTTP/1.1\r\nHost: x\r\n{auth}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response.lines().next().unwrap_or_default().to_owned()
}

#[test]
fn prints_its_connection_string_and_serves_counts() {
    let (mut child, mut lines) = spawn(&["--key-name", "demo", "--queue", "orders"]);
    let (rules, port) = read_rules(&mut lines);
    assert_eq!(rules.len(), 1, "{rules:?}");
    let (label, connection_string) = &rules[0];
    assert_eq!(label, "demo: manage,send,listen");
    assert!(connection_string.contains(";SharedAccessKeyName=demo;SharedAccessKey="));
    // The REST endpoint answers: 401 without a token, 200 with the printed rule's.
    assert!(get_counts(port, "orders", None).starts_with("HTTP/1.1 401"));
    let signed = get_counts(port, "orders", Some(connection_string));
    assert!(signed.starts_with("HTTP/1.1 200"), "{signed}");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn rules_print_one_labelled_string_each_with_the_rights_they_carry() {
    let fixed_key = format!("test-key-{}", uuid::Uuid::new_v4().simple());
    let send_rule = format!("kedatui-send:{fixed_key}:send");
    let (mut child, mut lines) = spawn(&[
        "--rule",
        &send_rule,
        "--rule",
        "keda-manage::manage",
        "--rule",
        "receiver-listen::listen",
        "--queue",
        "kedaqueue",
    ]);
    let (rules, port) = read_rules(&mut lines);
    let labels: Vec<&str> = rules.iter().map(|(l, _)| l.as_str()).collect();
    // Only --rule's: no RootManageSharedAccessKey without --key-name/--key.
    assert_eq!(
        labels,
        [
            "kedatui-send: send",
            "keda-manage: manage,send,listen",
            "receiver-listen: listen"
        ]
    );
    let (send, manage, listen) = (&rules[0].1, &rules[1].1, &rules[2].1);
    assert_eq!(field(send, "SharedAccessKey"), fixed_key);
    let random = field(manage, "SharedAccessKey");
    assert!(
        random.len() >= 40 && random != field(listen, "SharedAccessKey"),
        "an empty KEY is a fresh random one: {random}"
    );
    // Counts need Manage: the Send-only and Listen-only strings are refused.
    // (case, string, status)
    let cases = [
        ("manage", manage, "HTTP/1.1 200"),
        ("send only", send, "HTTP/1.1 401"),
        ("listen only", listen, "HTTP/1.1 401"),
    ];
    for (name, cs, want) in cases {
        let status = get_counts(port, "kedaqueue", Some(cs));
        assert!(status.starts_with(want), "{name}: {status}");
    }
    // The try line shows the least-privilege pair.
    let try_line = lines.next().unwrap().unwrap();
    assert!(
        try_line.contains(&format!("SERVICEBUS_CONNECTION_STRING='{send}'"))
            && try_line.contains(&format!("SERVICEBUS_MANAGE_CONNECTION_STRING='{manage}'")),
        "{try_line}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn key_name_and_key_stay_a_full_rights_rule_next_to_rules() {
    let (mut child, mut lines) = spawn(&["--key-name", "root", "--rule", "sender::send"]);
    let (rules, _) = read_rules(&mut lines);
    let labels: Vec<&str> = rules.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(labels, ["root: manage,send,listen", "sender: send"]);
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn bad_rules_exit_2_with_a_specific_reason_and_no_key() {
    let secret = format!("secret-{}", uuid::Uuid::new_v4().simple());
    // (case, --rule or other args, expected in stderr)
    let cases: [(&str, Vec<String>, &str); 5] = [
        (
            "no colons",
            vec!["--rule".into(), "justaname".into()],
            "NAME:KEY:RIGHTS",
        ),
        (
            "one colon",
            vec!["--rule".into(), format!("a:{secret}")],
            "NAME:KEY:RIGHTS",
        ),
        (
            "unknown right",
            vec!["--rule".into(), format!("a:{secret}:read")],
            "unknown right \"read\"",
        ),
        (
            "empty rights",
            vec!["--rule".into(), format!("a:{secret}:")],
            "RIGHTS is empty",
        ),
        (
            "duplicate name",
            vec![
                "--rule".into(),
                format!("a:{secret}:send"),
                "--rule".into(),
                "a::manage".into(),
            ],
            "two rules are named \"a\"",
        ),
    ];
    for (name, args, want) in cases {
        let out = Command::new(env!("CARGO_BIN_EXE_servicebus-fake"))
            .args(["--amqp-port", "0", "--http-port", "0"])
            .args(&args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(want), "{name}: {stderr}");
        assert!(
            !stderr.contains(&secret),
            "{name}: the key leaked: {stderr}"
        );
        assert!(out.stdout.is_empty(), "{name}");
    }
}

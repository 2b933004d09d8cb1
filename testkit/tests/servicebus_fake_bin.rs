//! The `servicebus-fake` binary prints a working connection string and management URL.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

#[test]
fn prints_its_connection_string_and_serves_counts() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_servicebus-fake"))
        .args([
            "--amqp-port",
            "0",
            "--http-port",
            "0",
            "--key-name",
            "demo",
            "--queue",
            "orders",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let connection_string = lines.next().unwrap().unwrap();
    let management = lines.next().unwrap().unwrap();
    assert!(
        connection_string.starts_with("Endpoint=sb://127.0.0.1:"),
        "{connection_string}"
    );
    assert!(connection_string.contains(";SharedAccessKeyName=demo;SharedAccessKey="));
    assert!(connection_string.ends_with(";UseDevelopmentEmulator=true"));
    let url = management.strip_prefix("management URL: ").unwrap();
    let port: u16 = url
        .trim_start_matches("http://127.0.0.1:")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    // The REST endpoint answers (401 without a token).
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .write_all(
            b"GET /orders?api-version=2021-05 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 401"), "{response}");
    child.kill().unwrap();
    child.wait().unwrap();
}

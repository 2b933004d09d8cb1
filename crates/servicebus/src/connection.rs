//! Service Bus connection strings, parsed by hand because azservicebus drops the endpoint's port
//! (docs/servicebus-amqp.md §1 "Connection-string parsing and the port problem").
//!
//! `Endpoint=sb://<host>[:port]/;SharedAccessKeyName=<rule>;SharedAccessKey=<key>[;EntityPath=<queue>][;UseDevelopmentEmulator=true]`
//! (docs/keda-semantics.md §6.5, last paragraph). The key is held in a [`SecretKey`], whose `Debug` and
//! `Display` never show it, and no error message quotes any part of the input that could hold it.

use std::fmt;

use url::Url;

/// A shared access key. `Debug` and `Display` print `<redacted>`; read it with [`SecretKey::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey(String);

impl SecretKey {
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The key itself, for signing only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A parsed Service Bus connection string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionString {
    /// Namespace host, e.g. `contoso.servicebus.windows.net` or `127.0.0.1`.
    pub host: String,
    /// The endpoint's explicit port, if it had one (azservicebus would silently drop it).
    pub port: Option<u16>,
    pub key_name: String,
    pub key: SecretKey,
    pub entity_path: Option<String>,
    /// `UseDevelopmentEmulator=true`: plain AMQP and plain HTTP, as with Microsoft's emulator.
    pub use_development_emulator: bool,
}

/// Why a connection string was refused. Messages name the problem, never the key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConnectionStringError {
    #[error("the Service Bus connection string is empty")]
    Empty,
    #[error(
        "the Service Bus connection string has no Endpoint (expected Endpoint=sb://<namespace>.servicebus.windows.net/)"
    )]
    MissingEndpoint,
    #[error("the Service Bus connection string has no SharedAccessKeyName")]
    MissingKeyName,
    #[error("the Service Bus connection string has no SharedAccessKey")]
    MissingKey,
    #[error(
        "the Service Bus connection string uses SharedAccessSignature; kedatui needs SharedAccessKeyName and SharedAccessKey"
    )]
    SignatureNotSupported,
    #[error("part {index} of the Service Bus connection string is not KEY=VALUE")]
    MalformedPart { index: usize },
    #[error("the Service Bus Endpoint is not a valid URL: {reason}")]
    BadEndpoint { reason: String },
    #[error(
        "the Service Bus Endpoint has scheme `{scheme}`; expected sb:// (or amqp:// / amqps://)"
    )]
    UnsupportedScheme { scheme: String },
    #[error("UseDevelopmentEmulator must be true or false, not `{value}`")]
    BadEmulatorFlag { value: String },
    #[error("could not read the connection string file {path}: {reason}")]
    File { path: String, reason: String },
    #[error("the queue name is empty")]
    EmptyQueue,
    #[error("--management-url is not a valid http(s) URL: {reason}")]
    BadManagementUrl { reason: String },
    /// The separate connection string for counts (`from` names where it came from) is refused.
    #[error("{error} (the manage connection string for counts, from {from})")]
    Manage {
        from: String,
        error: Box<ConnectionStringError>,
    },
    /// Counts would be read from another namespace than the one the bursts go to.
    #[error(
        "the manage connection string is for {manage} but the connection string is for {send}: both must name the same Service Bus namespace"
    )]
    NamespaceMismatch { send: String, manage: String },
    /// A queue-scoped manage policy (its EntityPath) for another queue than the one kedatui uses.
    #[error(
        "the manage connection string is scoped to queue `{manage_queue}` (EntityPath) but kedatui uses queue `{queue}`"
    )]
    ManageQueueMismatch { manage_queue: String, queue: String },
    /// A manage connection string alone: it only reads counts, the bursts need the send string.
    #[error(
        "a manage connection string is set ({from}) but no connection string to send with: set {send_env} or pass --connection-string-file FILE too (or run the simulator with --sim)"
    )]
    ManageWithoutConnection {
        from: String,
        send_env: &'static str,
    },
}

/// Default AMQP ports: 5671 (TLS) on Azure, 5672 (plain) for the emulator.
pub const AMQPS_PORT: u16 = 5671;
pub const AMQP_PORT: u16 = 5672;
/// Microsoft's Service Bus emulator serves the management API on this port.
pub const EMULATOR_MANAGEMENT_PORT: u16 = 5300;

/// Parses a connection string. Keys are matched case-insensitively, values split on the first `=`
/// (base64 keys end in `=`), empty parts (a trailing `;`) are ignored.
pub fn parse(input: &str) -> Result<ConnectionString, ConnectionStringError> {
    let input = input.trim();
    if input.is_empty() {
        return Err(ConnectionStringError::Empty);
    }
    let mut endpoint = None;
    let mut key_name = None;
    let mut key = None;
    let mut entity_path = None;
    let mut emulator = false;
    let mut signature = false;
    for (index, part) in input.split(';').enumerate() {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let Some((name, value)) = part.split_once('=') else {
            return Err(ConnectionStringError::MalformedPart { index: index + 1 });
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "endpoint" => endpoint = Some(value.to_owned()),
            "sharedaccesskeyname" => key_name = Some(value.to_owned()),
            "sharedaccesskey" => key = Some(value.to_owned()),
            "entitypath" => entity_path = Some(value.to_owned()),
            "sharedaccesssignature" => signature = true,
            "usedevelopmentemulator" => {
                emulator = match value.to_ascii_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(ConnectionStringError::BadEmulatorFlag {
                            value: value.chars().take(16).collect(),
                        });
                    }
                }
            }
            // Other keys (TransportType, ...) do not change what kedatui does.
            _ => {}
        }
    }
    let endpoint = endpoint
        .filter(|e| !e.is_empty())
        .ok_or(ConnectionStringError::MissingEndpoint)?;
    let url = Url::parse(&endpoint).map_err(|e| ConnectionStringError::BadEndpoint {
        reason: e.to_string(),
    })?;
    match url.scheme() {
        "sb" | "amqp" | "amqps" => {}
        other => {
            return Err(ConnectionStringError::UnsupportedScheme {
                scheme: other.to_owned(),
            });
        }
    }
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| ConnectionStringError::BadEndpoint {
            reason: "no host".into(),
        })?
        .to_owned();
    let key_name = key_name.filter(|k| !k.is_empty());
    let key = key.filter(|k| !k.is_empty());
    if signature && (key_name.is_none() || key.is_none()) {
        return Err(ConnectionStringError::SignatureNotSupported);
    }
    Ok(ConnectionString {
        host,
        port: url.port(),
        key_name: key_name.ok_or(ConnectionStringError::MissingKeyName)?,
        key: SecretKey(key.ok_or(ConnectionStringError::MissingKey)?),
        entity_path: entity_path.filter(|e| !e.is_empty()),
        use_development_emulator: emulator,
    })
}

impl ConnectionString {
    /// `host:port` for azservicebus's named-key constructor, which keeps the port
    /// (unlike its connection-string constructor).
    pub fn amqp_host_port(&self) -> String {
        let default = if self.use_development_emulator {
            AMQP_PORT
        } else {
            AMQPS_PORT
        };
        format!("{}:{}", self.host, self.port.unwrap_or(default))
    }

    /// Where counts are read when `--management-url` is not given.
    pub fn default_management_url(&self) -> Url {
        let text = if self.use_development_emulator {
            format!("http://{}:{}/", self.host, EMULATOR_MANAGEMENT_PORT)
        } else {
            format!("https://{}/", self.host)
        };
        Url::parse(&text).expect("a host that parsed as a URL host forms a URL")
    }

    /// The namespace endpoint as `sb://host:port/` with the effective port, to compare two strings.
    pub fn endpoint(&self) -> String {
        format!("sb://{}/", self.amqp_host_port().to_ascii_lowercase())
    }

    /// The namespace URI the SAS tokens are scoped to for AMQP (`sb://host/`).
    pub fn namespace_uri(&self) -> String {
        format!("sb://{}/", self.host)
    }
}

impl fmt::Display for ConnectionString {
    /// The connection string with the key replaced, safe to show.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Endpoint=sb://{}", self.host)?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        write!(
            f,
            "/;SharedAccessKeyName={};SharedAccessKey={}",
            self.key_name, self.key
        )?;
        if let Some(entity) = &self.entity_path {
            write!(f, ";EntityPath={entity}")?;
        }
        if self.use_development_emulator {
            f.write_str(";UseDevelopmentEmulator=true")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A fake key generated for this test file, never a real one.
    const KEY: &str = "ZmFrZS1rZXktZm9yLXRlc3RzLW9ubHk=";

    #[test]
    fn parses_azure_and_emulator_strings() {
        // docs/keda-semantics.md §6.5 (connection string format); docs/servicebus-amqp.md §1 and §3 (port, emulator).
        struct Case {
            input: String,
            host: &'static str,
            port: Option<u16>,
            amqp: &'static str,
            mgmt: &'static str,
            entity: Option<&'static str>,
            emulator: bool,
        }
        let cases = [
            Case {
                input: format!(
                    "Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={KEY}"
                ),
                host: "contoso.servicebus.windows.net",
                port: None,
                amqp: "contoso.servicebus.windows.net:5671",
                mgmt: "https://contoso.servicebus.windows.net/",
                entity: None,
                emulator: false,
            },
            Case {
                input: format!(
                    "Endpoint=sb://127.0.0.1:5673;SharedAccessKeyName=k;SharedAccessKey={KEY};UseDevelopmentEmulator=true"
                ),
                host: "127.0.0.1",
                port: Some(5673),
                amqp: "127.0.0.1:5673",
                mgmt: "http://127.0.0.1:5300/",
                entity: None,
                emulator: true,
            },
            Case {
                input: format!(
                    " endpoint=sb://localhost;sharedaccesskeyname=k;SHAREDACCESSKEY={KEY};EntityPath=orders;usedevelopmentemulator=TRUE; "
                ),
                host: "localhost",
                port: None,
                amqp: "localhost:5672",
                mgmt: "http://localhost:5300/",
                entity: Some("orders"),
                emulator: true,
            },
        ];
        for case in cases {
            let cs = parse(&case.input).unwrap();
            assert_eq!(cs.host, case.host);
            assert_eq!(cs.port, case.port);
            assert_eq!(cs.amqp_host_port(), case.amqp);
            assert_eq!(cs.default_management_url().as_str(), case.mgmt);
            assert_eq!(cs.entity_path.as_deref(), case.entity);
            assert_eq!(cs.use_development_emulator, case.emulator);
            // The key survives parsing intact, including its trailing `=`.
            assert_eq!(cs.key.expose(), KEY);
        }
    }

    #[test]
    fn malformed_strings_get_specific_errors() {
        use ConnectionStringError as E;
        let cases: &[(&str, E)] = &[
            ("", E::Empty),
            ("   ", E::Empty),
            (
                "SharedAccessKeyName=k;SharedAccessKey=abc=",
                E::MissingEndpoint,
            ),
            ("Endpoint=sb://h/;SharedAccessKey=abc=", E::MissingKeyName),
            ("Endpoint=sb://h/;SharedAccessKeyName=k", E::MissingKey),
            (
                "Endpoint=sb://h/;SharedAccessKeyName=k;SharedAccessKey=",
                E::MissingKey,
            ),
            (
                "Endpoint=sb://h/;SharedAccessSignature=SharedAccessSignature sr=x&sig=y",
                E::SignatureNotSupported,
            ),
            ("Endpoint=sb://h/;garbage", E::MalformedPart { index: 2 }),
            (
                "Endpoint=https://h/;SharedAccessKeyName=k;SharedAccessKey=a",
                E::UnsupportedScheme {
                    scheme: "https".into(),
                },
            ),
            (
                "Endpoint=sb://h/;SharedAccessKeyName=k;SharedAccessKey=a;UseDevelopmentEmulator=yes",
                E::BadEmulatorFlag {
                    value: "yes".into(),
                },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(&parse(input).unwrap_err(), expected, "input {input:?}");
        }
        assert!(matches!(
            parse("Endpoint=not a url;SharedAccessKeyName=k;SharedAccessKey=a"),
            Err(E::BadEndpoint { .. })
        ));
    }

    #[test]
    fn the_key_never_shows_in_debug_display_or_errors() {
        let input =
            format!("Endpoint=sb://h:1/;SharedAccessKeyName=k;SharedAccessKey={KEY};EntityPath=q");
        let cs = parse(&input).unwrap();
        for text in [format!("{cs:?}"), cs.to_string(), format!("{:?}", cs.key)] {
            assert!(!text.contains(KEY), "{text}");
            assert!(text.contains("<redacted>"), "{text}");
        }
        // An error about a malformed part must not echo the part (it may be the key).
        let err = parse(&format!("Endpoint=sb://h/;{KEY}")).unwrap_err();
        assert!(!err.to_string().contains(KEY));
    }
}

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
    /// Keyless: sign in with Microsoft Entra ID instead of the (then empty) key.
    pub entra: Option<super::entra::EntraAuth>,
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
    /// Service Bus keys are 44 characters; the SAS signer refuses more than 256, mid-send.
    #[error(
        "the Service Bus connection string's SharedAccessKey is {length} characters long, more than a key can be (at most {MAX_KEY_LENGTH}): copy the connection string again"
    )]
    KeyTooLong { length: usize },
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
    /// Set but empty, as after a failed `$(az …)`: never taken to mean "run the simulator".
    #[error(
        "{name} is set but empty (did the command that fills it fail?): set it to the connection string, or unset it to run the simulator"
    )]
    EmptyVariable { name: &'static str },
    /// Plain AMQP and HTTP would carry SAS tokens across a network in clear text.
    #[error(
        "UseDevelopmentEmulator=true sends the key's SAS tokens over plain AMQP and HTTP, so kedatui allows it only for a loopback or local host (127.0.0.1, ::1, localhost, a single-label name such as a container's), not `{host}`: remove UseDevelopmentEmulator to use TLS"
    )]
    EmulatorNotLocal { host: String },
    /// `--queue` names another queue than the string's EntityPath grants.
    #[error(
        "--queue is `{queue}` but the connection string's EntityPath is `{entity}`: a queue-level policy only opens its own queue; drop --queue or use that queue's connection string"
    )]
    QueueEntityMismatch { queue: String, entity: String },
    #[error("could not read the connection string file {path}: {reason}")]
    File { path: String, reason: String },
    #[error(
        "--fully-qualified-namespace (${env}) is not a namespace ({reason}); expected NAME.servicebus.windows.net",
        env = super::entra::FULLY_QUALIFIED_NAMESPACE_ENV
    )]
    BadNamespace { reason: String },
    #[error(
        "both a connection string and --fully-qualified-namespace (${env}) are set: use the connection string (keys) or the namespace (Entra ID sign-in), not both",
        env = super::entra::FULLY_QUALIFIED_NAMESPACE_ENV
    )]
    BothSignIns,
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

/// The longest SharedAccessKey the SAS signer takes (azservicebus's `MAXIMUM_KEY_LENGTH`).
pub const MAX_KEY_LENGTH: usize = 256;

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
    if emulator && !is_local_host(&host) {
        return Err(ConnectionStringError::EmulatorNotLocal { host });
    }
    if let Some(k) = key.as_ref().filter(|k| k.len() > MAX_KEY_LENGTH) {
        return Err(ConnectionStringError::KeyTooLong { length: k.len() });
    }
    Ok(ConnectionString {
        host,
        port: url.port(),
        key_name: key_name.ok_or(ConnectionStringError::MissingKeyName)?,
        key: SecretKey(key.ok_or(ConnectionStringError::MissingKey)?),
        entity_path: entity_path.filter(|e| !e.is_empty()),
        use_development_emulator: emulator,
        entra: None,
    })
}

/// A keyless namespace: `NAME.servicebus.windows.net` (TLS), or a loopback `127.0.0.1:PORT` /
/// `localhost:PORT`, which connects in plain text as the emulator strings do. An `sb://` prefix
/// and a trailing `/` are allowed.
pub fn keyless(
    namespace: &str,
    auth: super::entra::EntraAuth,
) -> Result<ConnectionString, ConnectionStringError> {
    let text = namespace.trim();
    if text.is_empty() {
        return Err(ConnectionStringError::BadNamespace {
            reason: "it is empty".into(),
        });
    }
    let with_scheme = if text.contains("://") {
        text.to_owned()
    } else {
        format!("sb://{text}")
    };
    let url = Url::parse(&with_scheme).map_err(|e| ConnectionStringError::BadNamespace {
        reason: e.to_string(),
    })?;
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| ConnectionStringError::BadNamespace {
            reason: "no host".into(),
        })?
        .to_owned();
    if !matches!(url.path(), "" | "/") {
        return Err(ConnectionStringError::BadNamespace {
            reason: "expected only a host (and port), e.g. NAME.servicebus.windows.net".into(),
        });
    }
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
        || host
            .trim_matches(|c| c == '[' || c == ']')
            .parse::<std::net::Ipv6Addr>()
            .is_ok_and(|ip| ip.is_loopback());
    Ok(ConnectionString {
        host,
        port: url.port(),
        key_name: String::new(),
        key: SecretKey(String::new()),
        entity_path: None,
        use_development_emulator: loopback,
        entra: Some(auth),
    })
}

/// Hosts that plain-text AMQP may reach without crossing a network: loopback addresses,
/// `localhost` (and `*.localhost`), and single-label names (a container or compose service).
pub fn is_local_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<std::net::IpAddr>() {
        return ip.is_loopback();
    }
    let name = bare.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost") || !name.contains('.')
}

impl ConnectionString {
    /// `error` from an operation over this connection, explained for a keyless one: a refusal
    /// names the `role` to grant for `what` (see `entra::explain`); SAS errors pass through.
    pub fn explain(
        &self,
        error: crate::errors::SourceError,
        role: &str,
        what: &str,
    ) -> crate::errors::SourceError {
        super::entra::explain(error, self.entra.as_ref(), &self.host, role, what)
    }

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
        if self.entra.is_some() {
            return f.write_str("/;Authentication=Microsoft Entra ID");
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
    fn the_emulator_flag_is_refused_for_a_remote_host() {
        for host in [
            "127.0.0.1:5672",
            "127.0.0.2",
            "[::1]:5672",
            "localhost",
            "sb.localhost",
            "sb-emulator",
        ] {
            let cs = format!(
                "Endpoint=sb://{host};SharedAccessKeyName=k;SharedAccessKey={KEY};UseDevelopmentEmulator=true"
            );
            assert!(parse(&cs).is_ok(), "{host} is local");
        }
        for host in [
            "contoso.servicebus.windows.net",
            "10.0.0.4",
            "192.168.1.20:5672",
            "[2001:db8::1]",
            "8.8.8.8",
        ] {
            let cs = format!(
                "Endpoint=sb://{host};SharedAccessKeyName=k;SharedAccessKey={KEY};UseDevelopmentEmulator=true"
            );
            let err = parse(&cs).unwrap_err();
            assert!(
                matches!(err, ConnectionStringError::EmulatorNotLocal { .. }),
                "{host}: {err}"
            );
            let text = err.to_string();
            assert!(text.contains("plain AMQP") && !text.contains(KEY), "{text}");
            // Without the flag the same host is fine (TLS).
            let tls = cs.replace(";UseDevelopmentEmulator=true", "");
            assert!(parse(&tls).is_ok(), "{host} over TLS");
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
    fn keyless_namespaces_use_tls_except_on_loopback() {
        let auth = || crate::entra::EntraAuth::developer_tools();
        let cases = [
            (
                "contoso.servicebus.windows.net",
                "contoso.servicebus.windows.net",
                None,
                false,
                "contoso.servicebus.windows.net:5671",
                "https://contoso.servicebus.windows.net/",
            ),
            (
                "sb://contoso.servicebus.windows.net/",
                "contoso.servicebus.windows.net",
                None,
                false,
                "contoso.servicebus.windows.net:5671",
                "https://contoso.servicebus.windows.net/",
            ),
            (
                "127.0.0.1:5673",
                "127.0.0.1",
                Some(5673),
                true,
                "127.0.0.1:5673",
                "http://127.0.0.1:5300/",
            ),
            (
                "localhost:5673",
                "localhost",
                Some(5673),
                true,
                "localhost:5673",
                "http://localhost:5300/",
            ),
        ];
        for (input, host, port, plain, amqp, mgmt) in cases {
            let cs = keyless(input, auth()).unwrap();
            assert_eq!(
                (cs.host.as_str(), cs.port, cs.use_development_emulator),
                (host, port, plain),
                "{input}"
            );
            assert_eq!(cs.amqp_host_port(), amqp, "{input}");
            assert_eq!(cs.default_management_url().as_str(), mgmt, "{input}");
            assert!(cs.entra.is_some());
            assert!(
                cs.to_string()
                    .ends_with("/;Authentication=Microsoft Entra ID"),
                "{cs}"
            );
        }
        for bad in ["", "  ", "https://x/queue", "sb://"] {
            assert!(
                matches!(
                    keyless(bad, auth()),
                    Err(ConnectionStringError::BadNamespace { .. })
                ),
                "{bad:?}"
            );
        }
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

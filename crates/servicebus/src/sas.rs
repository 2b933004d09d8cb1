//! Shared Access Signature tokens (docs/keda-semantics.md §6.5).
//!
//! `SharedAccessSignature sr=<enc(uri)>&sig=<enc(base64(HMAC-SHA256(key, enc(uri) + "\n" + se)))>&se=<se>&skn=<rule>`
//! where the HMAC key is the SharedAccessKey's UTF-8 bytes (not base64-decoded) and the signed
//! string uses exactly the encoded `sr`.

use std::fmt;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha2::Sha256;

use super::connection::SecretKey;

/// What `encodeURIComponent` leaves alone; the signed string and `sr` use the same encoding,
/// which is all the service checks (§6.5 "Encoding").
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// A complete `SharedAccessSignature …` header value. A secret: `Debug`/`Display` redact it.
#[derive(Clone, PartialEq, Eq)]
pub struct SasToken(String);

impl SasToken {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SasToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SasToken(<redacted>)")
    }
}

impl fmt::Display for SasToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedAccessSignature <redacted>")
    }
}

fn encode(text: &str) -> String {
    utf8_percent_encode(text, COMPONENT).to_string()
}

/// The raw (base64, not URL-encoded) signature of `encoded_resource\nexpiry`.
pub fn signature(key: &SecretKey, encoded_resource: &str, expiry_unix: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.expose().as_bytes())
        .expect("HMAC-SHA256 accepts keys of any length");
    mac.update(format!("{encoded_resource}\n{expiry_unix}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Signs `resource_uri` (e.g. `https://<ns>/<queue>`) until `expiry_unix` (seconds since the epoch).
pub fn sign(key_name: &str, key: &SecretKey, resource_uri: &str, expiry_unix: i64) -> SasToken {
    let sr = encode(resource_uri);
    let sig = signature(key, &sr, expiry_unix);
    SasToken(format!(
        "SharedAccessSignature sr={sr}&sig={}&se={expiry_unix}&skn={}",
        encode(&sig),
        encode(key_name)
    ))
}

/// Signs `resource_uri` valid for `lifetime` from `now`.
pub fn sign_for(
    key_name: &str,
    key: &SecretKey,
    resource_uri: &str,
    now: jiff::Timestamp,
    lifetime: std::time::Duration,
) -> SasToken {
    let expiry = now.as_second() + i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX / 2);
    sign(key_name, key, resource_uri, expiry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_official_and_reference_vectors() {
        // docs/keda-semantics.md §6.5: the Go SDK's TestTokenProviderWithKey vector, then the
        // reference's self-computed vectors (uppercase-hex `sr`).
        let demo_key = SecretKey::new("Zm9vYmFyLWtleS1mb3ItZGVtby1vbmx5LW5vdC1yZWFsPQ==");
        let cases = [
            (
                "keyName",
                SecretKey::new("key"),
                "audience",
                1_578_099_723,
                "SharedAccessSignature sr=audience&sig=8UM0iIfFCfeBSqxSdBMW8pUbhAm7mnjSUaIZTZx8V0g%3D&se=1578099723&skn=keyName",
            ),
            (
                "keda-monitor",
                demo_key.clone(),
                "https://contoso-demo.servicebus.windows.net/",
                1_767_225_600,
                "SharedAccessSignature sr=https%3A%2F%2Fcontoso-demo.servicebus.windows.net%2F&sig=YH78ny2QokVY1vZQ2BSJhKUnzXWSC6bYNukNk5ECfUg%3D&se=1767225600&skn=keda-monitor",
            ),
            (
                "keda-monitor",
                demo_key.clone(),
                "https://contoso-demo.servicebus.windows.net/orders",
                1_767_225_600,
                "SharedAccessSignature sr=https%3A%2F%2Fcontoso-demo.servicebus.windows.net%2Forders&sig=IqKQ%2Fji2QJiSRfWoiWMB2fZHexjSmT6VYFKu2T7WF8U%3D&se=1767225600&skn=keda-monitor",
            ),
        ];
        for (name, key, uri, se, expected) in cases {
            assert_eq!(sign(name, &key, uri, se).expose(), expected, "{uri}");
        }
        // The Go-style lowercase `sr` signs differently (§6.5 third self-computed vector).
        assert_eq!(
            signature(
                &demo_key,
                "https%3a%2f%2fcontoso-demo.servicebus.windows.net%2forders",
                1_767_225_600
            ),
            "zNQHuPC+1FvbZH1giddeBivVmt2+rcTx1LWRUOqrYio="
        );
    }

    #[test]
    fn expiry_is_now_plus_lifetime() {
        // §6.5: 2020-01-01T01:02:03Z + 72 h → se=1578099723.
        let now: jiff::Timestamp = "2020-01-01T01:02:03Z".parse().unwrap();
        let token = sign_for(
            "keyName",
            &SecretKey::new("key"),
            "audience",
            now,
            std::time::Duration::from_secs(72 * 3600),
        );
        assert!(token.expose().contains("&se=1578099723&"));
    }

    #[test]
    fn token_is_redacted_when_printed() {
        let token = sign("k", &SecretKey::new("secret"), "audience", 1);
        assert!(!format!("{token:?}").contains("sig="));
        assert!(!token.to_string().contains("sig="));
    }
}

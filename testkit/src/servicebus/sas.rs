//! SAS token verification, written independently of kedatui's signer so a test of one checks
//! the other (docs/keda-semantics.md §6.5).

use base64::Engine as _;
use hmac::{Hmac, Mac};
use percent_encoding::percent_decode_str;
use sha2::Sha256;

/// Which operations a shared access policy allows (docs/keda-semantics.md §6.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rights {
    pub manage: bool,
    pub send: bool,
    pub listen: bool,
}

impl Rights {
    pub const ALL: Rights = Rights {
        manage: true,
        send: true,
        listen: true,
    };
    pub const SEND: Rights = Rights {
        manage: false,
        send: true,
        listen: false,
    };
    pub const LISTEN: Rights = Rights {
        manage: false,
        send: false,
        listen: true,
    };
    pub const SEND_LISTEN: Rights = Rights {
        manage: false,
        send: true,
        listen: true,
    };
}

/// A shared access policy on the namespace.
#[derive(Clone, Debug)]
pub struct SasRule {
    pub name: String,
    pub key: String,
    pub rights: Rights,
}

/// Why a token was refused (shown as the broker's status description, like Service Bus does).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("InvalidSignature: the token is not a SharedAccessSignature")]
    Malformed,
    #[error("InvalidSignature: the token has an unknown policy")]
    UnknownRule,
    #[error("InvalidSignature: the token has an invalid signature")]
    BadSignature,
    #[error("ExpiredToken: the token is expired")]
    Expired,
    #[error("InvalidAudience: the token's audience does not cover this resource")]
    WrongAudience,
}

/// A verified token: which rule signed it and the path it covers (lowercase, no leading `/`).
#[derive(Debug, Clone)]
pub struct Grant {
    pub rule: String,
    pub rights: Rights,
    pub path: String,
    pub expires: i64,
}

impl Grant {
    /// Whether the grant covers `path` (a queue, or `queue/$management`).
    pub fn covers(&self, path: &str) -> bool {
        let path = path.to_ascii_lowercase();
        self.path.is_empty() || path == self.path || path.starts_with(&format!("{}/", self.path))
    }
}

/// Strips scheme and host: `https://h:1/Q/x` → `q/x`; `audience` → `audience`.
pub fn resource_path(uri: &str) -> String {
    let rest = match uri.split_once("://") {
        Some((_, rest)) => rest.split_once('/').map(|(_, p)| p).unwrap_or(""),
        None => uri,
    };
    rest.split('?')
        .next()
        .unwrap_or("")
        .trim_matches('/')
        .to_ascii_lowercase()
}

/// Verifies `SharedAccessSignature sr=…&sig=…&se=…&skn=…` against the rules.
pub fn verify(token: &str, rules: &[SasRule], now_unix: i64) -> Result<Grant, TokenError> {
    let fields = token
        .trim()
        .strip_prefix("SharedAccessSignature ")
        .ok_or(TokenError::Malformed)?;
    let (mut sr, mut sig, mut se, mut skn) = (None, None, None, None);
    for pair in fields.split('&') {
        let (k, v) = pair.split_once('=').ok_or(TokenError::Malformed)?;
        match k {
            "sr" => sr = Some(v),
            "sig" => sig = Some(v),
            "se" => se = Some(v),
            "skn" => skn = Some(v),
            _ => {}
        }
    }
    let (sr, sig, se, skn) = (
        sr.ok_or(TokenError::Malformed)?,
        sig.ok_or(TokenError::Malformed)?,
        se.ok_or(TokenError::Malformed)?,
        skn.ok_or(TokenError::Malformed)?,
    );
    let expires: i64 = se.parse().map_err(|_| TokenError::Malformed)?;
    let skn = percent_decode_str(skn).decode_utf8_lossy();
    let rule = rules
        .iter()
        .find(|r| r.name == skn)
        .ok_or(TokenError::UnknownRule)?;
    let sig = percent_decode_str(sig).decode_utf8_lossy();
    let sig = base64::engine::general_purpose::STANDARD
        .decode(sig.as_bytes())
        .map_err(|_| TokenError::BadSignature)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(rule.key.as_bytes()).expect("any key length");
    mac.update(format!("{sr}\n{se}").as_bytes());
    mac.verify_slice(&sig)
        .map_err(|_| TokenError::BadSignature)?;
    if expires <= now_unix {
        return Err(TokenError::Expired);
    }
    Ok(Grant {
        rule: rule.name.clone(),
        rights: rule.rights,
        path: resource_path(&percent_decode_str(sr).decode_utf8_lossy()),
        expires,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_the_official_vector_and_refuses_tampering() {
        // docs/keda-semantics.md §6.5, Go SDK TestTokenProviderWithKey.
        let token = "SharedAccessSignature sr=audience&sig=8UM0iIfFCfeBSqxSdBMW8pUbhAm7mnjSUaIZTZx8V0g%3D&se=1578099723&skn=keyName";
        let rules = [SasRule {
            name: "keyName".into(),
            key: "key".into(),
            rights: Rights::ALL,
        }];
        let grant = verify(token, &rules, 1_578_099_000).unwrap();
        assert_eq!(grant.path, "audience");
        assert_eq!(
            verify(token, &rules, 1_578_099_723).unwrap_err(),
            TokenError::Expired
        );
        let wrong_key = [SasRule {
            key: "other".into(),
            ..rules[0].clone()
        }];
        assert_eq!(
            verify(token, &wrong_key, 0).unwrap_err(),
            TokenError::BadSignature
        );
        let moved = token.replace("se=1578099723", "se=1578099724");
        assert_eq!(
            verify(&moved, &rules, 0).unwrap_err(),
            TokenError::BadSignature
        );
    }

    #[test]
    fn resource_paths() {
        for (uri, path) in [
            ("https://ns.servicebus.windows.net/", ""),
            ("sb://127.0.0.1:5673/KedaQueue", "kedaqueue"),
            ("amqp://127.0.0.1:5673/q/$management", "q/$management"),
            ("http://127.0.0.1:1/q?api-version=2021-05", "q"),
        ] {
            assert_eq!(resource_path(uri), path, "{uri}");
        }
    }
}

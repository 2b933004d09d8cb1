//! Microsoft Entra ID (OAuth bearer tokens) on the fake: CBS put-token with type `jwt` and
//! `Authorization: Bearer …` on the management REST endpoint.
//!
//! Real Service Bus checks a token's signature against Entra's keys and then evaluates the
//! principal's Azure role assignments on the namespace (docs/keda-semantics.md §6.6). The fake
//! accepts one identity, in one of two ways, and gives it the rights of the roles it is
//! configured with:
//! - [`EntraAccept::Token`]: exactly this token string (`servicebus-fake --entra-token T`);
//!   its `exp` claim is honoured when it is a JWT.
//! - [`EntraAccept::SigningKey`]: any HS256 JWT signed with this key whose `aud` is
//!   `https://servicebus.azure.net` and whose `exp` lies ahead (for expiry and refresh tests).

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::sas::{Grant, Rights};

/// The audience Service Bus tokens are issued for (scope `https://servicebus.azure.net/.default`).
pub const AUDIENCE: &str = "https://servicebus.azure.net";

/// Which tokens the fake accepts as the signed-in identity.
#[derive(Clone, PartialEq, Eq)]
pub enum EntraAccept {
    Token(String),
    SigningKey(String),
}

impl std::fmt::Debug for EntraAccept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Token(_) => f.write_str("Token(<redacted>)"),
            Self::SigningKey(_) => f.write_str("SigningKey(<redacted>)"),
        }
    }
}

/// The Azure built-in roles for Service Bus data access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// "Azure Service Bus Data Owner": everything, including reading counts.
    Owner,
    /// "Azure Service Bus Data Sender".
    Sender,
    /// "Azure Service Bus Data Receiver".
    Receiver,
}

impl Role {
    pub fn parse(text: &str) -> Result<Role, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "owner" | "azure service bus data owner" => Ok(Role::Owner),
            "sender" | "azure service bus data sender" => Ok(Role::Sender),
            "receiver" | "azure service bus data receiver" => Ok(Role::Receiver),
            other => Err(format!(
                "unknown role `{other}` (use owner, sender or receiver)"
            )),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Role::Owner => "Azure Service Bus Data Owner",
            Role::Sender => "Azure Service Bus Data Sender",
            Role::Receiver => "Azure Service Bus Data Receiver",
        }
    }
}

/// Rights of a set of roles: Owner is all three (counts need it, as Manage does for SAS).
pub fn rights_of(roles: &[Role]) -> Rights {
    let mut rights = Rights {
        manage: false,
        send: false,
        listen: false,
    };
    for role in roles {
        match role {
            Role::Owner => rights = Rights::ALL,
            Role::Sender => rights.send = true,
            Role::Receiver => rights.listen = true,
        }
    }
    rights
}

/// Entra on the fake: what it accepts and the roles the identity holds on the namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntraConfig {
    pub accept: EntraAccept,
    pub roles: Vec<Role>,
}

/// Why a bearer token was refused; the texts follow Service Bus's error codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("InvalidToken: the namespace does not accept Microsoft Entra ID tokens")]
    NotEnabled,
    #[error("InvalidToken: the token is not a valid JWT")]
    Malformed,
    #[error("InvalidSignature: the token's signature is invalid")]
    BadSignature,
    #[error("InvalidAudience: the token's audience is not {AUDIENCE}")]
    WrongAudience,
    #[error("ExpiredToken: the token is expired")]
    Expired,
}

/// The claims the fake reads from a JWT (unverified until [`verify`] says so).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Claims {
    pub exp: Option<i64>,
    pub aud: Option<String>,
    pub upn: Option<String>,
    pub appid: Option<String>,
    pub oid: Option<String>,
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
}

/// Decodes a JWT's payload without checking its signature.
pub fn claims(token: &str) -> Option<Claims> {
    let mut parts = token.split('.');
    let (_header, payload) = (parts.next()?, parts.next()?);
    let bytes = b64().decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Signs `claims` (a JSON object) as an HS256 JWT with `key`: what the tests and `--entra-signing-key`
/// users hand the fake `az`.
pub fn mint(key: &str, claims: &serde_json::Value) -> String {
    let header = b64().encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = b64().encode(claims.to_string().as_bytes());
    let signing_input = format!("{header}.{payload}");
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("any key length");
    mac.update(signing_input.as_bytes());
    let sig = b64().encode(mac.finalize().into_bytes());
    format!("{signing_input}.{sig}")
}

/// Verifies a bearer token; the grant covers the whole namespace with the roles' rights.
pub fn verify(token: &str, entra: Option<&EntraConfig>, now_unix: i64) -> Result<Grant, JwtError> {
    let entra = entra.ok_or(JwtError::NotEnabled)?;
    let token = token.trim();
    let parsed = claims(token);
    match &entra.accept {
        EntraAccept::Token(expected) => {
            if token != expected {
                return Err(JwtError::BadSignature);
            }
        }
        EntraAccept::SigningKey(key) => {
            let (signing_input, sig) = token.rsplit_once('.').ok_or(JwtError::Malformed)?;
            let sig = b64()
                .decode(sig.trim_end_matches('='))
                .map_err(|_| JwtError::Malformed)?;
            let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("any key length");
            mac.update(signing_input.as_bytes());
            mac.verify_slice(&sig).map_err(|_| JwtError::BadSignature)?;
            let claims = parsed.as_ref().ok_or(JwtError::Malformed)?;
            let aud = claims.aud.as_deref().unwrap_or_default();
            if aud.trim_end_matches('/') != AUDIENCE {
                return Err(JwtError::WrongAudience);
            }
            if claims.exp.is_none() {
                return Err(JwtError::Malformed);
            }
        }
    }
    let claims = parsed.unwrap_or_default();
    let expires = claims.exp.unwrap_or(i64::MAX);
    if expires <= now_unix {
        return Err(JwtError::Expired);
    }
    let identity = claims
        .upn
        .or(claims.appid)
        .or(claims.oid)
        .unwrap_or_else(|| "entra".into());
    Ok(Grant {
        rule: identity,
        rights: rights_of(&entra.roles),
        path: String::new(),
        expires,
    })
}

/// `Bearer <token>` → the token (the scheme is case-insensitive, RFC 6750 §2.1).
pub fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn signing(roles: Vec<Role>) -> EntraConfig {
        EntraConfig {
            accept: EntraAccept::SigningKey("k".into()),
            roles,
        }
    }

    #[test]
    fn signed_tokens_are_checked_for_signature_audience_and_expiry() {
        let entra = signing(vec![Role::Sender]);
        let good = mint(
            "k",
            &json!({"aud": AUDIENCE, "exp": 1000, "upn": "ana@contoso.com"}),
        );
        let grant = verify(&good, Some(&entra), 999).unwrap();
        assert_eq!(grant.rule, "ana@contoso.com");
        assert_eq!(grant.rights, Rights::SEND);
        assert!(grant.covers("kedaqueue"));
        assert_eq!(
            verify(&good, Some(&entra), 1000).unwrap_err(),
            JwtError::Expired
        );
        let other_key = mint("x", &json!({"aud": AUDIENCE, "exp": 1000}));
        assert_eq!(
            verify(&other_key, Some(&entra), 0).unwrap_err(),
            JwtError::BadSignature
        );
        let wrong_aud = mint(
            "k",
            &json!({"aud": "https://management.azure.com", "exp": 1000}),
        );
        assert_eq!(
            verify(&wrong_aud, Some(&entra), 0).unwrap_err(),
            JwtError::WrongAudience
        );
        assert_eq!(
            verify("nope", Some(&entra), 0).unwrap_err(),
            JwtError::Malformed
        );
        assert_eq!(verify(&good, None, 0).unwrap_err(), JwtError::NotEnabled);
    }

    #[test]
    fn a_fixed_token_is_the_only_one_accepted() {
        let entra = EntraConfig {
            accept: EntraAccept::Token("opaque".into()),
            roles: vec![Role::Owner],
        };
        assert_eq!(
            verify("opaque", Some(&entra), 0).unwrap().rights,
            Rights::ALL
        );
        assert_eq!(
            verify("other", Some(&entra), 0).unwrap_err(),
            JwtError::BadSignature
        );
        // A JWT given as the fixed token still expires.
        let jwt = mint("any", &json!({"exp": 10, "appid": "app-1"}));
        let entra = EntraConfig {
            accept: EntraAccept::Token(jwt.clone()),
            roles: vec![Role::Receiver],
        };
        assert_eq!(verify(&jwt, Some(&entra), 9).unwrap().rule, "app-1");
        assert_eq!(
            verify(&jwt, Some(&entra), 10).unwrap_err(),
            JwtError::Expired
        );
    }

    #[test]
    fn roles_and_bearer_headers() {
        assert_eq!(
            rights_of(&[Role::Sender, Role::Receiver]),
            Rights::SEND_LISTEN
        );
        assert_eq!(rights_of(&[Role::Owner]), Rights::ALL);
        assert_eq!(
            Role::parse("Azure Service Bus Data Sender"),
            Ok(Role::Sender)
        );
        assert!(Role::parse("reader").is_err());
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer  abc "), Some("abc"));
        assert_eq!(bearer("SharedAccessSignature sr=x"), None);
    }
}

//! Keyless sign-in with Microsoft Entra ID, for namespaces whose SAS keys are turned off.
//!
//! azservicebus takes any azure_core `TokenCredential` (`new_from_token_credential`): it puts
//! the token on CBS with type `jwt` and re-puts a fresh one when it expires. Counts and purge's
//! REST calls send it as `Authorization: Bearer` (docs/keda-semantics.md §6.1). The credentials
//! come from azure_identity: on a laptop the developer-tools chain (Azure CLI, then Azure
//! Developer CLI), in a pod the workload identity credential (the receiver).
//!
//! [`EntraAuth`] wraps such a credential with a cache, because the CLI credentials run `az` on
//! every call and counts are read every second. A cached token is renewed before it expires
//! (5 minutes ahead, or a quarter of its lifetime for short-lived ones), so a long talk never
//! sees an expired token. The token is never logged or shown; only the identity from its
//! claims (`upn`, else the app id) is.

use std::fmt;
use std::sync::{Arc, Mutex};

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_identity::{AzureCliCredential, AzureDeveloperCliCredential};
use base64::Engine as _;
use time::OffsetDateTime;

/// The one scope Service Bus tokens are requested for.
pub const SCOPE: &str = "https://servicebus.azure.net/.default";

/// `--fully-qualified-namespace`'s environment variable (the Azure SDKs' name for it).
pub const FULLY_QUALIFIED_NAMESPACE_ENV: &str = "SERVICEBUS_FULLY_QUALIFIED_NAMESPACE";

/// The built-in roles kedatui's operations need (docs/keda-semantics.md §6.6).
pub const ROLE_SENDER: &str = "Azure Service Bus Data Sender";
pub const ROLE_RECEIVER: &str = "Azure Service Bus Data Receiver";
/// Reading a queue's description (its counts) needs Manage with SAS; with Entra ID, the Owner role.
pub const ROLE_OWNER: &str = "Azure Service Bus Data Owner";

/// Renew this long before expiry at most (a quarter of the lifetime for shorter tokens).
const RENEW_AHEAD: time::Duration = time::Duration::minutes(5);

/// A cached, shareable Entra ID credential. Clones share the cache.
#[derive(Clone)]
pub struct EntraAuth {
    inner: Arc<Inner>,
}

struct Inner {
    source: Arc<dyn TokenCredential>,
    /// What signs in, for messages: "Azure CLI / Azure Developer CLI", "workload identity".
    via: &'static str,
    cache: tokio::sync::Mutex<Option<Cached>>,
    identity: Mutex<Option<String>>,
    fetches: std::sync::atomic::AtomicUsize,
}

#[derive(Clone)]
struct Cached {
    token: AccessToken,
    renew_at: OffsetDateTime,
}

impl EntraAuth {
    pub fn new(source: Arc<dyn TokenCredential>, via: &'static str) -> Self {
        Self {
            inner: Arc::new(Inner {
                source,
                via,
                cache: tokio::sync::Mutex::new(None),
                identity: Mutex::new(None),
                fetches: Default::default(),
            }),
        }
    }

    /// A speaker's laptop: `az account get-access-token`, then `azd auth token`.
    pub fn developer_tools() -> Self {
        Self::new(Arc::new(DeveloperTools), "Azure CLI / Azure Developer CLI")
    }

    pub fn via(&self) -> &'static str {
        self.inner.via
    }

    /// The signed-in identity from the last token's claims (`ana@contoso.com`, `app <id>`),
    /// `None` before the first token.
    pub fn identity(&self) -> Option<String> {
        self.inner.identity.lock().unwrap().clone()
    }

    /// How many tokens were fetched from the source (not from the cache).
    pub fn fetches(&self) -> usize {
        self.inner.fetches.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// A valid token for Service Bus, from the cache unless it is due for renewal.
    pub async fn token(&self) -> azure_core::Result<AccessToken> {
        let mut cache = self.inner.cache.lock().await;
        let now = OffsetDateTime::now_utc();
        if let Some(cached) = cache.as_ref().filter(|c| now < c.renew_at) {
            return Ok(cached.token.clone());
        }
        let token = self
            .inner
            .source
            .get_token(&[SCOPE], None)
            .await
            .map_err(|e| {
                azure_core::Error::with_message(azure_core::error::ErrorKind::Credential, || {
                    format!(
                        "signing in to Service Bus with Microsoft Entra ID ({}) failed: {e}",
                        self.inner.via
                    )
                })
            })?;
        self.inner
            .fetches
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let lifetime: time::Duration = token.expires_on - now;
        let ahead = (lifetime / 4_i32)
            .min(RENEW_AHEAD)
            .max(time::Duration::ZERO);
        *self.inner.identity.lock().unwrap() = identity_of(token.token.secret());
        *cache = Some(Cached {
            renew_at: token.expires_on - ahead,
            token: token.clone(),
        });
        Ok(token)
    }

    /// `Bearer <token>` for the management REST API.
    pub async fn authorization_header(&self) -> azure_core::Result<String> {
        Ok(format!("Bearer {}", self.token().await?.token.secret()))
    }
}

impl PartialEq for EntraAuth {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Eq for EntraAuth {}

impl fmt::Debug for EntraAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EntraAuth")
            .field("via", &self.inner.via)
            .field("identity", &self.identity())
            .finish()
    }
}

#[async_trait::async_trait]
impl TokenCredential for EntraAuth {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<TokenRequestOptions>,
    ) -> azure_core::Result<AccessToken> {
        // azservicebus only asks for the Service Bus scope; anything else goes straight through.
        if scopes != [SCOPE] {
            return self.inner.source.get_token(scopes, None).await;
        }
        self.token().await
    }
}

/// The developer-tools chain: the Azure CLI, then the Azure Developer CLI (azure_identity's).
#[derive(Debug)]
struct DeveloperTools;

#[async_trait::async_trait]
impl TokenCredential for DeveloperTools {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions>,
    ) -> azure_core::Result<AccessToken> {
        let cli = match AzureCliCredential::new(None) {
            Ok(c) => c.get_token(scopes, options.clone()).await,
            Err(e) => Err(e),
        };
        let cli_error = match cli {
            Ok(token) => return Ok(token),
            Err(e) => e,
        };
        let azd = match AzureDeveloperCliCredential::new(None) {
            Ok(c) => c.get_token(scopes, options).await,
            Err(e) => Err(e),
        };
        azd.map_err(|azd_error| {
            azure_core::Error::with_message(azure_core::error::ErrorKind::Credential, || {
                format!(
                    "run `az login` (or `azd auth login`) first. Azure CLI: {}; Azure Developer CLI: {}",
                    one_line(&cli_error.to_string()),
                    one_line(&azd_error.to_string())
                )
            })
        })
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Who a token is for, from its (unverified) claims: the user's sign-in name, else the app id,
/// else the object id. Never the token.
pub fn identity_of(jwt: &str) -> Option<String> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let text = |key: &str| {
        claims
            .get(key)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    ["upn", "preferred_username", "unique_name", "email"]
        .iter()
        .find_map(|k| text(k))
        .or_else(|| {
            ["appid", "azp"]
                .iter()
                .find_map(|k| text(k))
                .map(|id| format!("app {id}"))
        })
        .or_else(|| text("oid").map(|id| format!("object {id}")))
}

/// The namespace name in `NAME.servicebus.windows.net` (for the `az` commands in fixes).
pub fn namespace_name(host: &str) -> &str {
    if host == "localhost" || host.parse::<std::net::IpAddr>().is_ok() {
        // A loopback broker has no Azure name.
        return "<namespace>";
    }
    host.split('.').next().unwrap_or(host)
}

/// The broker's own words without the SAS advice wrapped around them (keys, policies and
/// Manage rights mean nothing to an Entra identity).
fn broker_words(message: &str) -> &str {
    for marker in ["SharedAccessKey", "Manage rights"] {
        if let Some(at) = message.find(marker) {
            // `(… SharedAccessKey …): detail` or `… Manage rights … (detail)`.
            let rest = &message[at..];
            match rest.find(['(', ')']) {
                Some(i) if rest[i..].starts_with('(') => {
                    return rest[i + 1..].strip_suffix(')').unwrap_or(&rest[i + 1..]);
                }
                Some(i) => return rest[i + 1..].trim_start_matches([':', ' ']),
                None => {}
            }
        }
    }
    message
}

/// The exact command that grants `role` to `assignee` on the namespace `host`.
pub fn role_fix(role: &str, assignee: Option<&str>, host: &str) -> String {
    let assignee = match assignee {
        Some(a) => a.strip_prefix("app ").unwrap_or(a).to_owned(),
        None => "$(az ad signed-in-user show --query id -o tsv)".into(),
    };
    format!(
        "az role assignment create --assignee {assignee} --role \"{role}\" --scope \"$(az servicebus namespace list --query \"[?name=='{}'].id\" -o tsv)\"",
        namespace_name(host)
    )
}

/// A refusal of an Entra identity, rewritten to name the identity, the role it lacks and the
/// command that grants it (the SAS wording talks about policies and keys).
pub fn explain_refusal(
    auth: &EntraAuth,
    host: &str,
    role: &str,
    what: &str,
    detail: &str,
) -> String {
    let who = auth.identity();
    format!(
        "Service Bus refused {what} for {}: it needs the \"{role}\" role on the namespace; fix: {} (broker: {})",
        who.as_deref()
            .map_or_else(|| "the Entra ID identity".to_owned(), |w| format!("`{w}`")),
        role_fix(role, who.as_deref(), host),
        broker_words(detail),
    )
}

/// An AMQP-side error for a keyless connection (`auth`, to namespace `host`): a refusal names
/// the role to grant; a failed sign-in keeps its own text (it already says what to run). SAS
/// connections (`None`) pass through. Callers use `ConnectionString::explain`.
pub fn explain(
    mut error: crate::errors::SourceError,
    auth: Option<&EntraAuth>,
    host: &str,
    role: &str,
    what: &str,
) -> crate::errors::SourceError {
    let Some(auth) = auth else {
        return error;
    };
    if let Some(at) = error
        .message
        .find("signing in to Service Bus with Microsoft Entra ID")
    {
        error.kind = crate::errors::ErrorKind::Unauthorized;
        error.message = error.message[at..].to_owned();
    } else if error.kind == crate::errors::ErrorKind::Unauthorized {
        error.message = explain_refusal(auth, host, role, what, &error.message);
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicI64, Ordering};

    fn jwt(claims: serde_json::Value) -> String {
        let b = |s: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!(
            "{}.{}.{}",
            b(br#"{"alg":"none"}"#),
            b(claims.to_string().as_bytes()),
            b(b"sig")
        )
    }

    #[test]
    fn the_identity_comes_from_the_claims() {
        use serde_json::json;
        let cases = [
            (
                json!({"upn": "ana@contoso.com", "appid": "x"}),
                Some("ana@contoso.com"),
            ),
            (
                json!({"preferred_username": "bo@contoso.com"}),
                Some("bo@contoso.com"),
            ),
            (
                json!({"appid": "0000-1111", "oid": "o"}),
                Some("app 0000-1111"),
            ),
            (json!({"oid": "o-1"}), Some("object o-1")),
            (json!({"aud": "x"}), None),
        ];
        for (claims, want) in cases {
            assert_eq!(
                identity_of(&jwt(claims.clone())).as_deref(),
                want,
                "{claims}"
            );
        }
        assert_eq!(identity_of("not a jwt"), None);
    }

    #[test]
    fn fixes_name_the_role_and_the_namespace() {
        let fix = role_fix(
            ROLE_SENDER,
            Some("ana@contoso.com"),
            "demo.servicebus.windows.net",
        );
        assert!(fix.starts_with("az role assignment create --assignee ana@contoso.com --role \"Azure Service Bus Data Sender\""), "{fix}");
        assert!(fix.contains("name=='demo'"), "{fix}");
        let app = role_fix(ROLE_OWNER, Some("app 1234"), "demo.servicebus.windows.net");
        assert!(app.contains("--assignee 1234 "), "{app}");
        assert!(role_fix(ROLE_OWNER, None, "127.0.0.1").contains("name=='<namespace>'"));
        // The SAS advice around the broker's words is dropped for an Entra identity.
        assert_eq!(
            broker_words(
                "Service Bus refused the credentials (check SharedAccessKeyName/SharedAccessKey; the policy needs Send rights): Local error: X"
            ),
            "Local error: X"
        );
        assert_eq!(
            broker_words(
                "Service Bus refused to read counts: the policy needs Manage rights to read counts (Manage,EntityRead claims required for this operation.)"
            ),
            "Manage,EntityRead claims required for this operation."
        );
        assert_eq!(broker_words("plain"), "plain");
    }

    /// A source that hands out numbered tokens expiring `life` seconds after `now`.
    #[derive(Debug)]
    struct Counter {
        now: Arc<AtomicI64>,
        life: i64,
        calls: AtomicI64,
    }

    #[async_trait::async_trait]
    impl TokenCredential for Counter {
        async fn get_token(
            &self,
            _: &[&str],
            _: Option<TokenRequestOptions>,
        ) -> azure_core::Result<AccessToken> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
            let exp = self.now.load(Ordering::SeqCst) + self.life;
            Ok(AccessToken::new(
                jwt(serde_json::json!({"upn": format!("user{n}@contoso.com")})),
                OffsetDateTime::from_unix_timestamp(exp).unwrap(),
            ))
        }
    }

    #[tokio::test]
    async fn tokens_are_cached_and_renewed_before_they_expire() {
        // Tokens expire an hour after they are issued (now = the real clock, so the cache's
        // "now" agrees): the first is reused, not refetched.
        let now = Arc::new(AtomicI64::new(OffsetDateTime::now_utc().unix_timestamp()));
        let source = Arc::new(Counter {
            now: now.clone(),
            life: 3600,
            calls: AtomicI64::new(0),
        });
        let auth = EntraAuth::new(source.clone(), "test");
        assert_eq!(auth.identity(), None);
        let a = auth.token().await.unwrap();
        let b = auth.token().await.unwrap();
        assert_eq!(a.token.secret(), b.token.secret());
        assert_eq!(auth.fetches(), 1);
        assert_eq!(auth.identity().as_deref(), Some("user1@contoso.com"));
        // A token already inside its renewal window (expires in 2 minutes, under the 5-minute
        // margin) is replaced on the next call.
        let short = EntraAuth::new(
            Arc::new(Counter {
                now,
                life: 120,
                calls: AtomicI64::new(0),
            }),
            "test",
        );
        let first = short.token().await.unwrap();
        assert!(first.expires_on > OffsetDateTime::now_utc());
        // 120 s lifetime → renew 30 s ahead; not yet due.
        short.token().await.unwrap();
        assert_eq!(short.fetches(), 1);
        // The Debug output names the identity and never the token.
        let debug = format!("{auth:?}");
        assert!(debug.contains("user1@contoso.com") && !debug.contains(a.token.secret()));
    }
}

//! A loopback Microsoft Entra ID token endpoint for workload identity tests:
//! `POST /{tenant}/oauth2/v2.0/token` with the client-credentials grant and a client assertion
//! (the pod's federated service account token), as azure_identity's workload identity
//! credential sends it. It checks the tenant, client id, assertion and Service Bus scope, and
//! answers with an access token the fake broker accepts (signed with the broker's
//! `EntraAccept::SigningKey`), or with Entra's error JSON.
//!
//! Reached by setting `AZURE_AUTHORITY_HOST` to [`FakeEntraLogin::authority_host`], the same
//! variable the AKS webhook sets for pods.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::servicebus::entra::{AUDIENCE, mint};

/// What the endpoint expects and signs with.
#[derive(Clone, Debug)]
pub struct FakeEntraLoginOptions {
    pub tenant_id: String,
    pub client_id: String,
    /// The federated token (the service account token's contents) it accepts as the assertion.
    pub assertion: String,
    /// Signs the access tokens it issues (the broker's signing key).
    pub signing_key: String,
    /// Access tokens' lifetime in seconds.
    pub lifetime: u64,
}

struct Shared {
    opts: FakeEntraLoginOptions,
    issued: AtomicUsize,
}

/// A running token endpoint; stops when dropped.
pub struct FakeEntraLogin {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeEntraLogin {
    pub fn start(opts: FakeEntraLoginOptions) -> std::io::Result<Self> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            opts,
            issued: AtomicUsize::new(0),
        });
        let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let state = shared.clone();
        let thread = std::thread::Builder::new()
            .name("entra-login-fake".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener).expect("runtime");
                    let app = axum::Router::new()
                        .route("/{tenant}/oauth2/v2.0/token", axum::routing::post(token))
                        .with_state(state);
                    tokio::select! {
                        _ = axum::serve(listener, app) => {}
                        _ = stop => {}
                    }
                });
            })?;
        Ok(Self {
            addr,
            shared,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// For `AZURE_AUTHORITY_HOST`: `http://127.0.0.1:<port>/`.
    pub fn authority_host(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Access tokens issued so far.
    pub fn issued(&self) -> usize {
        self.shared.issued.load(Ordering::SeqCst)
    }
}

impl Drop for FakeEntraLogin {
    fn drop(&mut self) {
        if let Some(s) = self.shutdown.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn refuse(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        axum::Json(serde_json::json!({
            "error": error,
            "error_description": description,
            "error_codes": [],
        })),
    )
        .into_response()
}

async fn token(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Response {
    let opts = &shared.opts;
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or_default();
    if tenant != opts.tenant_id {
        return refuse(
            StatusCode::BAD_REQUEST,
            "invalid_tenant",
            "AADSTS90002: Tenant not found.",
        );
    }
    if field("grant_type") != "client_credentials"
        || field("client_assertion_type")
            != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    {
        return refuse(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "AADSTS900144: expected a client-credentials grant with a JWT client assertion.",
        );
    }
    if field("client_id") != opts.client_id {
        return refuse(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            "AADSTS700016: Application not found in the directory.",
        );
    }
    if field("client_assertion") != opts.assertion {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "AADSTS700211: No matching federated identity record found for presented assertion.",
        );
    }
    if field("scope") != format!("{AUDIENCE}/.default") {
        return refuse(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "AADSTS70011: The provided scope is not valid.",
        );
    }
    let exp = jiff::Timestamp::now().as_second() + opts.lifetime as i64;
    let access_token = mint(
        &opts.signing_key,
        &serde_json::json!({
            "aud": AUDIENCE,
            "exp": exp,
            "appid": opts.client_id,
            "tid": opts.tenant_id,
        }),
    );
    shared.issued.fetch_add(1, Ordering::SeqCst);
    axum::Json(serde_json::json!({
        "token_type": "Bearer",
        "expires_in": opts.lifetime,
        "ext_expires_in": opts.lifetime,
        "access_token": access_token,
    }))
    .into_response()
}

//! The receiver without keys: workload identity against the loopback broker. The pod's
//! federated service account token is a file; azure_identity trades it for an access token at
//! `$AZURE_AUTHORITY_HOST/{tenant}/oauth2/v2.0/token`, here a loopback Entra endpoint
//! (`testkit::entra_login`) that signs with the key the broker checks.

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use testkit::entra_login::{FakeEntraLogin, FakeEntraLoginOptions};
use testkit::servicebus::{EntraAccept, EntraConfig, FakeServiceBus, FakeServiceBusOptions, Role};

const QUEUE: &str = "kedaqueue";
const KEY: &str = "workload-identity-test-key";
const TENANT: &str = "00000000-0000-0000-0000-0000000000aa";
const CLIENT: &str = "00000000-0000-0000-0000-0000000000bb";
const SA_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.service-account-token.signature";

fn bus(roles: Vec<Role>) -> FakeServiceBus {
    FakeServiceBus::start(FakeServiceBusOptions {
        entra: Some(EntraConfig {
            accept: EntraAccept::SigningKey(KEY.into()),
            roles,
        }),
        ..FakeServiceBusOptions::default()
    })
    .unwrap()
}

fn login() -> FakeEntraLogin {
    FakeEntraLogin::start(FakeEntraLoginOptions {
        tenant_id: TENANT.into(),
        client_id: CLIENT.into(),
        assertion: SA_TOKEN.into(),
        signing_key: KEY.into(),
        lifetime: 3600,
    })
    .unwrap()
}

/// A projected service account token, as the webhook mounts it.
struct TokenFile(std::path::PathBuf);

impl TokenFile {
    fn new(contents: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "azure-identity-token-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::write(&path, contents).unwrap();
        Self(path)
    }
}

impl Drop for TokenFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn receiver(
    bus: &FakeServiceBus,
    login: &FakeEntraLogin,
    token: &TokenFile,
    skip: Option<&str>,
) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_receiver"));
    cmd.env_clear()
        .env(
            "SERVICEBUS_FULLY_QUALIFIED_NAMESPACE",
            bus.fully_qualified_namespace(),
        )
        .env("QUEUE_NAME", QUEUE)
        .env("HEALTH_ADDR", "127.0.0.1:0")
        .env("PROCESSING_MS", "0")
        .env("CREATE_TIMEOUT_MS", "10000")
        .env("AZURE_CLIENT_ID", CLIENT)
        .env("AZURE_TENANT_ID", TENANT)
        .env("AZURE_FEDERATED_TOKEN_FILE", &token.0)
        .env("AZURE_AUTHORITY_HOST", login.authority_host())
        .stdin(Stdio::null());
    if let Some(variable) = skip {
        cmd.env_remove(variable);
    }
    cmd
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn the_receiver_signs_in_with_a_federated_token_file() {
    let bus = bus(vec![Role::Receiver]);
    let login = login();
    let token = TokenFile::new(SA_TOKEN);
    bus.preload(QUEUE, [br#"{"burst":1,"seq":0}"#.to_vec()]);
    let out = receiver(&bus, &login, &token, None)
        .args(["--once", "--exit-when-done"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("\"completed\""), "{stdout}");
    assert!(
        bus.wait_for_counts(QUEUE, Duration::from_secs(10), |c| c.active == 0)
            .is_some()
    );
    assert!(
        login.issued() >= 1,
        "the token came from the Entra endpoint"
    );
    assert!(!stdout.contains(SA_TOKEN) && !stderr(&out).contains(SA_TOKEN));
}

#[test]
fn an_unfederated_service_account_is_refused_with_entras_reason() {
    let bus = bus(vec![Role::Receiver]);
    let login = login();
    let token = TokenFile::new("another-service-account-token");
    bus.preload(QUEUE, [b"x".to_vec()]);
    let out = receiver(&bus, &login, &token, None).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("AADSTS700211"), "{err}");
    assert!(err.contains("workload identity"), "{err}");
    assert_eq!(login.issued(), 0);
    assert_eq!(bus.counts(QUEUE).unwrap().active, 1, "nothing was taken");
}

#[test]
fn an_identity_without_the_receiver_role_names_it() {
    let bus = bus(vec![Role::Sender]);
    let login = login();
    let token = TokenFile::new(SA_TOKEN);
    let out = receiver(&bus, &login, &token, None).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("needs the \"Azure Service Bus Data Receiver\" role"),
        "{err}"
    );
    assert!(err.contains(&format!("app {CLIENT}")), "{err}");
}

#[test]
fn a_pod_without_the_webhook_variables_is_bad_configuration() {
    let bus = bus(vec![Role::Receiver]);
    let login = login();
    let token = TokenFile::new(SA_TOKEN);
    let out = receiver(&bus, &login, &token, Some("AZURE_FEDERATED_TOKEN_FILE"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("AZURE_FEDERATED_TOKEN_FILE is not set"),
        "{err}"
    );
}

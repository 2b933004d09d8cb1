//! Keyless: the receiver signs in with its pod's federated service account (Azure workload
//! identity). The AKS webhook mounts the service account token and sets `AZURE_CLIENT_ID`,
//! `AZURE_TENANT_ID`, `AZURE_FEDERATED_TOKEN_FILE` and `AZURE_AUTHORITY_HOST`; azure_identity's
//! `WorkloadIdentityCredential` trades the token file for an Entra ID access token at
//! `{AZURE_AUTHORITY_HOST}/{tenant}/oauth2/v2.0/token`. That authority host is also the test
//! seam: tests point it at a loopback token endpoint (`testkit::entra_login`), as a sovereign
//! cloud points it at its own login host.

use std::path::PathBuf;
use std::sync::Arc;

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_identity::{
    ClientAssertionCredentialOptions, TokenCredentialOptions, WorkloadIdentityCredential,
    WorkloadIdentityCredentialOptions,
};
use kedatui_servicebus::entra::EntraAuth;

/// Where the workload identity credential signs in; built on the first token request, because
/// azure_identity reads the token file when the credential is made (configuration stays I/O-free).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadIdentity {
    pub client_id: String,
    pub tenant_id: String,
    pub token_file: PathBuf,
    /// `AZURE_AUTHORITY_HOST` [default: https://login.microsoftonline.com/].
    pub authority_host: Option<String>,
}

impl WorkloadIdentity {
    /// The shareable, cached credential kedatui's client takes.
    pub fn into_auth(self) -> EntraAuth {
        EntraAuth::new(
            Arc::new(Lazy {
                identity: self,
                credential: tokio::sync::OnceCell::new(),
            }),
            "workload identity",
        )
    }

    fn build(&self) -> azure_core::Result<Arc<WorkloadIdentityCredential>> {
        let mut credential_options = TokenCredentialOptions::default();
        if let Some(host) = &self.authority_host {
            credential_options.set_authority_host(host.clone());
        }
        WorkloadIdentityCredential::new(Some(WorkloadIdentityCredentialOptions {
            credential_options: ClientAssertionCredentialOptions {
                credential_options,
                ..Default::default()
            },
            client_id: Some(self.client_id.clone()),
            tenant_id: Some(self.tenant_id.clone()),
            token_file_path: Some(self.token_file.clone()),
        }))
    }
}

#[derive(Debug)]
struct Lazy {
    identity: WorkloadIdentity,
    credential: tokio::sync::OnceCell<Arc<WorkloadIdentityCredential>>,
}

#[async_trait::async_trait]
impl TokenCredential for Lazy {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions>,
    ) -> azure_core::Result<AccessToken> {
        let credential = self
            .credential
            .get_or_try_init(|| async { self.identity.build() })
            .await?;
        credential.get_token(scopes, options).await
    }
}

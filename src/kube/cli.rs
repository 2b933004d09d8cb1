//! The cluster options the console and `kedatui doctor` share.

use std::path::PathBuf;
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use super::watch::ClusterConfig;
use crate::event::{ErrorKind, SourceError};
use crate::model::names;

/// Which cluster and objects to watch (shared by the console and `doctor`).
#[derive(Debug, Clone, clap::Args)]
pub struct ClusterArgs {
    /// Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then the in-cluster service account).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context (default: the current context).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// Namespace of the demo's ScaledObject, Deployment and pods.
    #[arg(short = 'n', long, default_value = names::NAMESPACE, value_name = "NAME")]
    pub namespace: String,
    /// The ScaledObject to follow; its scaleTargetRef names the Deployment.
    #[arg(long, default_value = names::SCALED_OBJECT, value_name = "NAME")]
    pub scaledobject: String,
    /// Pod label selector (default: the Deployment's own selector).
    #[arg(long, value_name = "SELECTOR")]
    pub selector: Option<String>,
}

impl Default for ClusterArgs {
    fn default() -> Self {
        Self {
            kubeconfig: None,
            context: None,
            namespace: names::NAMESPACE.into(),
            scaledobject: names::SCALED_OBJECT.into(),
            selector: None,
        }
    }
}

impl ClusterArgs {
    /// The client configuration: the kubeconfig (file, context) or the in-cluster service account.
    /// Bad input (a missing or malformed kubeconfig, an unknown context) is an error here, before
    /// anything connects.
    pub async fn kube_config(&self) -> Result<Config, SourceError> {
        let options = KubeConfigOptions {
            context: self.context.clone(),
            ..KubeConfigOptions::default()
        };
        let bad = |what: String, e: &dyn std::fmt::Display| SourceError {
            kind: ErrorKind::Other,
            message: format!("{what}: {e}"),
        };
        let mut config = match &self.kubeconfig {
            Some(path) => {
                let file = Kubeconfig::read_from(path)
                    .map_err(|e| bad(format!("cannot read kubeconfig {}", path.display()), &e))?;
                Config::from_custom_kubeconfig(file, &options)
                    .await
                    .map_err(|e| bad(format!("kubeconfig {}", path.display()), &e))?
            }
            None if self.context.is_some() => Config::from_kubeconfig(&options)
                .await
                .map_err(|e| bad("kubeconfig".into(), &e))?,
            None => Config::infer()
                .await
                .map_err(|e| bad("no cluster configured".into(), &e))?,
        };
        // Fail fast on stage: a dead cluster must not freeze `doctor` or the first list for 30 s.
        config.connect_timeout = Some(Duration::from_secs(5));
        config.read_timeout = Some(Duration::from_secs(300));
        Ok(config)
    }

    /// A client and the cluster source's configuration.
    pub async fn client(&self) -> Result<(Client, ClusterConfig), SourceError> {
        let config = self.kube_config().await?;
        let client = Client::try_from(config).map_err(|e| SourceError {
            kind: ErrorKind::Other,
            message: format!("cannot build the Kubernetes client (TLS or proxy settings): {e}"),
        })?;
        let cluster = ClusterConfig {
            client: client.clone(),
            namespace: self.namespace.clone(),
            scaled_object: self.scaledobject.clone(),
            selector: self.selector.clone(),
        };
        Ok((client, cluster))
    }
}

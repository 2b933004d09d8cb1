//! The cluster options the console and `kedatui doctor` share.

use std::path::PathBuf;
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use kedatui_core::event::{ErrorKind, SourceError};
use kedatui_core::kube::watch::ClusterConfig;
use kedatui_core::model::names;

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
    /// How long the kubeconfig's exec plugin (kubelogin, `aws eks get-token`, ...) may take to
    /// hand over a credential, sign-in prompt included, before kedatui gives up and says so.
    #[arg(long, value_name = "DURATION", default_value = "2m", value_parser = parse_exec_timeout)]
    pub exec_timeout: Duration,
}

/// The default `--exec-timeout`: long enough to finish a device-code sign-in.
pub const EXEC_TIMEOUT: Duration = Duration::from_secs(120);

/// `--exec-timeout`: a duration like every flag's, between 1 s and 30 min.
pub fn parse_exec_timeout(text: &str) -> Result<Duration, String> {
    let seconds = kedatui_core::duration::parse_duration(text)
        .map_err(|e| e.to_string())?
        .as_secs_f64();
    if !(1.0..=1800.0).contains(&seconds) {
        return Err(format!(
            "`{text}`: the exec plugin's timeout must be between 1s and 30m"
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// The largest kubeconfig read: embedded certificates for dozens of clusters stay far below.
pub const MAX_KUBECONFIG_BYTES: u64 = 16 << 20;

/// The first of `$KUBECONFIG`'s files (else `~/.kube/config`) that exists but is no regular
/// file of sane size; missing ones are skipped, as kubectl skips them.
fn inferred_kubeconfig_problem() -> Option<SourceError> {
    let paths: Vec<PathBuf> = match std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        Some(list) => std::env::split_paths(&list).collect(),
        None => std::env::var_os("HOME")
            .map(|home| PathBuf::from(home).join(".kube").join("config"))
            .into_iter()
            .collect(),
    };
    paths
        .iter()
        .filter(|p| std::fs::metadata(p).is_ok())
        .find_map(|p| {
            kedatui_core::files::check_file(p, MAX_KUBECONFIG_BYTES, "a kubeconfig")
                .err()
                .map(|e| SourceError {
                    kind: ErrorKind::Other,
                    message: format!("cannot read kubeconfig {}: {e}", p.display()),
                })
        })
}

fn shown(d: Duration) -> String {
    kedatui_core::duration::format_duration(d.try_into().unwrap_or_default())
}

/// After this long without a credential, say what kedatui is waiting for (the plugin's own
/// prompt, if any, is on the same terminal).
const EXEC_NOTICE_AFTER: Duration = Duration::from_secs(1);

impl Default for ClusterArgs {
    fn default() -> Self {
        Self {
            kubeconfig: None,
            context: None,
            namespace: names::NAMESPACE.into(),
            scaledobject: names::SCALED_OBJECT.into(),
            selector: None,
            exec_timeout: EXEC_TIMEOUT,
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
        // kube-rs reads `$KUBECONFIG`'s files (or ~/.kube/config) whole: check them first.
        if self.kubeconfig.is_none()
            && let Some(e) = inferred_kubeconfig_problem()
        {
            return Err(e);
        }
        let mut config = match &self.kubeconfig {
            Some(path) => {
                kedatui_core::files::check_file(path, MAX_KUBECONFIG_BYTES, "a kubeconfig")
                    .map_err(|e| bad(format!("cannot read kubeconfig {}", path.display()), &e))?;
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
        let client = self.build_client(config).await?;
        let cluster = ClusterConfig {
            client: client.clone(),
            namespace: self.namespace.clone(),
            scaled_object: self.scaledobject.clone(),
            selector: self.selector.clone(),
        };
        Ok((client, cluster))
    }

    /// The client for `config`. Building it runs the kubeconfig's exec plugin, if any, as a
    /// blocking child process with no deadline of its own (kube-rs `Auth::try_from`): kubelogin's
    /// device-code sign-in waits for the user. So it runs on its own thread, its prompt reaches
    /// the terminal (the plugin inherits stderr), and after `--exec-timeout` the caller gets a
    /// reason instead of waiting on: the only error of kind [`ErrorKind::Timeout`] here.
    pub async fn build_client(&self, config: Config) -> Result<Client, SourceError> {
        let build_error = |e: kube::Error| SourceError {
            kind: ErrorKind::Other,
            message: format!("cannot build the Kubernetes client (TLS or proxy settings): {e}"),
        };
        let Some(exec) = config.auth_info.exec.as_ref() else {
            return Client::try_from(config).map_err(build_error);
        };
        let plugin = exec.command.clone().unwrap_or_else(|| "?".into());
        let (tx, rx) = tokio::sync::oneshot::channel();
        // The client's request buffer spawns its worker on the caller's runtime.
        let runtime = tokio::runtime::Handle::current();
        // Detached: a plugin that never returns keeps its thread, not kedatui, waiting.
        std::thread::Builder::new()
            .name("kube-exec-plugin".into())
            .spawn(move || {
                let _entered = runtime.enter();
                let _ = tx.send(Client::try_from(config));
            })
            .map_err(|e| SourceError {
                kind: ErrorKind::Other,
                message: format!("cannot start the kubeconfig's exec plugin `{plugin}`: {e}"),
            })?;
        let mut rx = rx;
        let result = match tokio::time::timeout(EXEC_NOTICE_AFTER, &mut rx).await {
            Ok(result) => Ok(result),
            Err(_) => {
                // Before the terminal is taken (the console and `doctor` build clients first).
                eprintln!(
                    "kedatui: waiting up to {} for the kubeconfig's exec plugin `{plugin}` to sign in…",
                    shown(self.exec_timeout)
                );
                tokio::time::timeout(self.exec_timeout.saturating_sub(EXEC_NOTICE_AFTER), rx).await
            }
        };
        match result {
            Ok(Ok(built)) => built.map_err(|e| match e {
                kube::Error::Auth(e) => SourceError {
                    kind: ErrorKind::Unauthorized,
                    message: format!("the kubeconfig's exec plugin `{plugin}` failed: {e}"),
                },
                e => build_error(e),
            }),
            Ok(Err(_)) => Err(SourceError {
                kind: ErrorKind::Other,
                message: format!(
                    "the kubeconfig's exec plugin `{plugin}` stopped without an answer"
                ),
            }),
            Err(_) => Err(SourceError {
                kind: ErrorKind::Timeout,
                message: format!(
                    "the kubeconfig's exec plugin `{plugin}` gave no credential within {} (is it \
                     waiting for a sign-in?): sign in first (`kubectl get ns` runs the plugin and \
                     shows its prompt), or allow longer with --exec-timeout",
                    shown(self.exec_timeout)
                ),
            }),
        }
    }
}

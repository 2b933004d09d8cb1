//! The log file every long-running command writes (the console, `kedatui lab`): never the
//! terminal, which belongs to the TUI while it is up.

use color_eyre::Result;
use color_eyre::eyre::WrapErr as _;

pub fn init_logging(path: &std::path::Path) -> Result<tracing_appender::non_blocking::WorkerGuard> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .wrap_err_with(|| format!("opening the log file {}", path.display()))?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = tracing_subscriber::EnvFilter::try_from_env("KEDATUI_LOG")
        // kube's HTTP layer logs every failed request at ERROR; our callers log what a failure
        // means to them, once per change (an unreachable API server would log dozens a second).
        .unwrap_or_else(|_| {
            tracing_subscriber::EnvFilter::new("info,kube_client::client::builder=off")
        });
    // azservicebus and fe2o3 log through the `log` crate, sometimes with CBS tokens in the text:
    // our bridge redacts them and keeps the broker's reasons for the UI. It must own `log`, so
    // the subscriber is installed without tracing-subscriber's own `LogTracer`.
    crate::servicebus::errors::install_log_bridge();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber)
        .map_err(|e| color_eyre::eyre::eyre!("setting up logging: {e}"))?;
    Ok(guard)
}

//! The log file every long-running command writes (the console, `kedatui lab`): never the
//! terminal, which belongs to the TUI while it is up.

use color_eyre::Result;

use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;

fn open(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
}

/// Logging for the console and `kedatui lab` (`--log-file`, else `default_name` in the temp
/// directory): a log file that
/// cannot be opened (the temp directory's belongs to another user after one `sudo kedatui`,
/// `TMPDIR` is missing, the file is read-only) costs the log, not the demo. One line of warning
/// before the terminal is taken, and the events go nowhere. Returns the file's path if opened.
pub fn init_logging_or_warn(
    chosen: Option<&Path>,
    default_name: &str,
) -> Result<(WorkerGuard, Option<PathBuf>)> {
    let path = chosen.map_or_else(|| std::env::temp_dir().join(default_name), Path::to_owned);
    match open(&path) {
        Ok(file) => Ok((install(file)?, Some(path))),
        Err(err) => {
            eprintln!(
                "kedatui: warning: cannot open the log file {} ({err}); carrying on without a log file (--log-file chooses another)",
                path.display()
            );
            Ok((install(std::io::sink())?, None))
        }
    }
}

fn install(out: impl std::io::Write + Send + 'static) -> Result<WorkerGuard> {
    let (writer, guard) = tracing_appender::non_blocking(out);
    let filter = tracing_subscriber::EnvFilter::try_from_env("KEDATUI_LOG")
        // kube's HTTP layer logs every failed request at ERROR; our callers log what a failure
        // means to them, once per change (an unreachable API server would log dozens a second).
        .unwrap_or_else(|_| {
            tracing_subscriber::EnvFilter::new("info,kube_client::client::builder=off")
        });
    // azservicebus and fe2o3 log through the `log` crate, sometimes with CBS tokens in the text:
    // our bridge redacts them and keeps the broker's reasons for the UI. It must own `log`, so
    // the subscriber is installed without tracing-subscriber's own `LogTracer`.
    kedatui_servicebus::errors::install_log_bridge();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber)
        .map_err(|e| color_eyre::eyre::eyre!("setting up logging: {e}"))?;
    Ok(guard)
}

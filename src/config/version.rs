//! `kedatui --version`: the version, the commit it was built from (build.rs), the target, and
//! what is built in.

/// `-V`: one line.
pub const SHORT: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("KEDATUI_COMMIT"), ")");

/// `--version`: what a bug report needs.
pub const LONG: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "\ncommit: ",
    env!("KEDATUI_COMMIT"),
    "\ntarget: ",
    env!("KEDATUI_TARGET"),
    "\nscalers: ",
    // The one KEDA scaler the console drives (live) and models (simulator, lab).
    "azure-servicebus (queue; messageCount, activationMessageCount)",
    "\nbuilt in: simulator, lab (loopback Service Bus and API server), live Service Bus (connection string, Entra ID), live cluster (kubeconfig, exec plugins), record/replay",
    "\ncargo features: ",
    env!("KEDATUI_FEATURES"),
);

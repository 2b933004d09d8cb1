//! A loopback Kubernetes API server for manual live-mode runs:
//! `cargo run -p testkit --bin kube-fake -- --port 8001 --kubeconfig /tmp/fake.kubeconfig`,
//! then `kedatui --kubeconfig /tmp/fake.kubeconfig`. Seeded with the demo's objects unless `--empty`.
//! Loopback only; it also accepts requests without the token, since kubectl sends none over http.

use std::path::PathBuf;

use clap::Parser;
use testkit::kube::{FakeApiServer, Options, demo};

#[derive(Parser)]
struct Args {
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Write a kubeconfig pointing at the server here.
    #[arg(long)]
    kubeconfig: PathBuf,
    /// The kubeconfig context's namespace, and where the demo objects go.
    #[arg(short, long, default_value = demo::NAMESPACE)]
    namespace: String,
    /// Start without the demo's Namespace, CRDs, Deployment, ScaledObject and HPA.
    #[arg(long)]
    empty: bool,
    /// Serve no keda.sh API, as a cluster without KEDA (for `kedatui doctor` rehearsals).
    #[arg(long)]
    no_keda: bool,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let server = FakeApiServer::start_with(Options {
        port: args.port,
        anonymous: true,
        ..Options::default()
    })
    .await?;
    if !args.empty {
        demo::seed(&server, &args.namespace);
    }
    if args.no_keda {
        server.set_keda_installed(false);
    }
    server.write_kubeconfig(&args.kubeconfig, &args.namespace)?;
    println!(
        "kube-fake: serving {} (kubeconfig: {})",
        server.url(),
        args.kubeconfig.display()
    );
    println!(
        "kube-fake: `KUBECONFIG={} kubectl get pods` works (NAME and AGE only: no server-side tables); \
         create objects with `kubectl create --validate=false -f …` or curl (POST/PUT/PATCH merge-patch/DELETE); Ctrl-C stops",
        args.kubeconfig.display()
    );
    tokio::signal::ctrl_c().await?;
    Ok(())
}

//! `lantern-server`: binds the router from `lib.rs` to an address.

use std::net::SocketAddr;

use anyhow::Context;
use clap::Parser;

#[derive(Parser)]
#[command(name = "lantern-server", version, about = "Lantern's sync server")]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "LANTERN_LISTEN", default_value = "127.0.0.1:8440")]
    listen: SocketAddr,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "lantern_server=info".into()),
        )
        .init();
    let args = Args::parse();
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    tracing::info!(address = %args.listen, "lantern-server listening");
    axum::serve(
        listener,
        lantern_server::app(lantern_server::AppState::default()),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .context("server stopped with an error")
}

//! `lantern-server`: serves the API from `lib.rs`, or runs an `admin` command on the
//! same database.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "lantern-server", version, about = "Lantern's sync server")]
struct Args {
    /// Directory of the embedded SQLite database (created if missing).
    #[arg(long, env = "LANTERN_DATA", default_value = "lantern-server-data")]
    data: PathBuf,
    /// Use PostgreSQL instead of SQLite, e.g. postgres://user@127.0.0.1/lantern.
    #[arg(long, env = "LANTERN_DATABASE_URL")]
    database_url: Option<String>,
    /// Address to listen on.
    #[arg(long, env = "LANTERN_LISTEN", default_value = "127.0.0.1:8440")]
    listen: SocketAddr,
    /// PEM certificate chain: serve HTTPS (with --tls-key).
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Largest request body, in bytes.
    #[arg(long, default_value_t = lantern_server::DEFAULT_BODY_LIMIT)]
    max_body_bytes: usize,
    /// Hours a dashboard session lasts before its user must sign in again.
    #[arg(long, default_value_t = lantern_server::dashboard::auth::DEFAULT_SESSION_HOURS,
          value_parser = clap::value_parser!(u32).range(1..=168))]
    session_hours: u32,
    /// Mark dashboard session cookies Secure even without --tls-cert (when an HTTPS
    /// reverse proxy terminates TLS in front of this server).
    #[arg(long)]
    secure_cookies: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Operator commands on the server's database (safe while the server runs).
    Admin {
        #[command(subcommand)]
        command: lantern_server::admin::AdminCommand,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                if args.command.is_some() {
                    "warn".into()
                } else {
                    "lantern_server=info".into()
                }
            }),
        )
        .init();
    if let Some(Command::Admin {
        command: lantern_server::admin::AdminCommand::TlsFingerprint { cert },
    }) = &args.command
    {
        return lantern_server::admin::tls_fingerprint(cert);
    }
    let store = lantern_server::store::open(Some(&args.data), args.database_url.as_deref())
        .await
        .context("cannot open the database")?;
    if let Some(Command::Admin { command }) = args.command {
        return lantern_server::admin::run(store, command).await;
    }
    let mut state = lantern_server::AppState::new(store);
    state.body_limit = args.max_body_bytes;
    state.session_hours = args.session_hours;
    // Session cookies are `Secure` whenever the server speaks HTTPS.
    state.secure_cookies = args.tls_cert.is_some() || args.secure_cookies;
    if !lantern_server::dashboard::assets::built() {
        tracing::warn!("this server was built without the dashboard; / says how to build it");
    }
    let app = lantern_server::app(state);
    match (args.tls_cert, args.tls_key) {
        (Some(cert), Some(key)) => {
            let read = |p: &PathBuf| {
                std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))
            };
            let tls = lantern_server::tls::load(read(&cert)?, read(&key)?)
                .await
                .with_context(|| {
                    format!(
                        "cannot load TLS certificate {} and key {}",
                        cert.display(),
                        key.display()
                    )
                })?;
            let listener = std::net::TcpListener::bind(args.listen)
                .with_context(|| format!("cannot listen on {}", args.listen))?;
            let handle = lantern_server::tls::Handle::new();
            let shutdown = handle.clone();
            tokio::spawn(async move {
                shutdown_signal().await;
                shutdown.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
            });
            tracing::info!(address = %args.listen, "lantern-server listening (HTTPS)");
            // On stderr whatever the log filter: operators read it out to devices.
            eprintln!(
                "TLS certificate SHA-256 fingerprint (devices pin it at enrollment): {}",
                tls.fingerprint
            );
            lantern_server::tls::serve(listener, app, &tls, handle).await
        }
        _ => {
            let listener = tokio::net::TcpListener::bind(args.listen)
                .await
                .with_context(|| format!("cannot listen on {}", args.listen))?;
            tracing::info!(address = %args.listen, "lantern-server listening (HTTP)");
            // Connection info: the dashboard's sign-in counts failures per address too.
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(shutdown_signal())
            .await
            .context("server stopped with an error")
        }
    }
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = term => {}
    }
    tracing::info!("shutting down");
}

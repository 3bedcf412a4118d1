//! HTTPS with rustls (ring provider): the certificate and key the operator gives, the
//! fingerprint devices pin at enrollment, and serving `app` over TLS on a listener.

use std::net::TcpListener;

use anyhow::Context;
use axum::Router;
pub use axum_server::Handle;
use axum_server::tls_rustls::RustlsConfig;

/// A loaded certificate and key, with the certificate's SHA-256 fingerprint.
pub struct Tls {
    pub config: RustlsConfig,
    /// `AB:CD:…`, see [`crate::check::certificate_fingerprint`].
    pub fingerprint: String,
}

/// Installs ring as rustls' process-wide crypto provider (idempotent).
fn ring_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Loads a PEM certificate chain (leaf first) and its PEM private key.
pub async fn load(cert_pem: Vec<u8>, key_pem: Vec<u8>) -> anyhow::Result<Tls> {
    ring_provider();
    let fingerprint =
        crate::check::certificate_fingerprint(&cert_pem).map_err(anyhow::Error::msg)?;
    let config = RustlsConfig::from_pem(cert_pem, key_pem)
        .await
        .context("the certificate and key cannot be used together")?;
    Ok(Tls {
        config,
        fingerprint,
    })
}

/// Serves `app` over HTTPS on `listener` until `handle` shuts it down, with each
/// connection's address (the dashboard's sign-in counts failures per address).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    tls: &Tls,
    handle: Handle<std::net::SocketAddr>,
) -> anyhow::Result<()> {
    listener.set_nonblocking(true)?;
    axum_server::from_tcp_rustls(listener, tls.config.clone())?
        .handle(handle)
        .serve(app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .await
        .context("server stopped with an error")
}

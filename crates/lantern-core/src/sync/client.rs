//! The HTTP side of sync (the only user of reqwest in Lantern): a cheap probe, the
//! enrollment call and the signed upload, each turning the server's `{code, message}`
//! refusals into [`SyncError`]s that say what to do.
//!
//! HTTPS is pinned: enrollment trusts the server's certificate on first use (or checks
//! it against the fingerprint the operator read out, `--pin`), keeps the SHA-256 of
//! its DER in the sealed enrollment, and every later connection whose certificate is
//! not that one is refused before a byte of the request is sent. The pin replaces the
//! public-CA check: offline LAN servers use self-signed certificates, and a pinned
//! certificate proves more than a CA chain would. The handshake signature is still
//! verified against the pinned certificate's key, so a copied certificate without its
//! private key does not pass.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use serde::Deserialize;

pub use super::{Ack, EnrollAnswer};
use super::{Outgoing, Result, SyncError};

/// How long the probe waits: a poor link either answers quickly or not at all.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long an upload may take in all.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Deserialize)]
struct ErrorBody {
    code: String,
    message: String,
}

/// How the client treats the server's certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// Only the certificate with this SHA-256 (hex, lowercase) is accepted.
    Pinned(String),
    /// Enrollment without an operator's fingerprint: the first certificate seen is
    /// accepted and pinned for the rest of this client's life (trust on first use).
    FirstUse,
    /// The public certificate authorities (an enrollment made before pinning existed).
    PublicRoots,
}

/// The pin check inside the TLS handshake.
#[derive(Debug)]
struct PinVerifier {
    /// The pin; `None` until the first handshake of a first-use client.
    expected: Mutex<Option<String>>,
    /// Set when a certificate did not match: (expected, presented).
    mismatch: Mutex<Option<(String, String)>>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for PinVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let seen = super::certificate_pin(end_entity.as_ref());
        let mut expected = self.expected.lock().unwrap_or_else(|p| p.into_inner());
        match expected.as_deref() {
            None => {
                *expected = Some(seen);
                Ok(ServerCertVerified::assertion())
            }
            Some(pin) if pin == seen => Ok(ServerCertVerified::assertion()),
            Some(pin) => {
                *self.mismatch.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some((pin.to_owned(), seen));
                Err(rustls::Error::General(
                    "the server's certificate is not the one pinned at enrollment".into(),
                ))
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A client of one server.
pub struct Client {
    base: String,
    http: reqwest::blocking::Client,
    /// The pin check, for HTTPS with a pin or on first use.
    pins: Option<Arc<PinVerifier>>,
}

impl Client {
    /// A client for `base` (already checked by `check_server_url`) that treats the
    /// server's certificate as `trust` says (ignored for plain HTTP to loopback).
    pub fn new(base: &str, trust: Trust) -> Result<Client> {
        let https = !base.starts_with("http://");
        let mut builder = reqwest::blocking::Client::builder()
            .connect_timeout(PROBE_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .https_only(https)
            .user_agent(concat!("lantern/", env!("CARGO_PKG_VERSION")));
        let mut pins = None;
        let expected = match trust {
            Trust::Pinned(pin) => Some(Some(pin)),
            Trust::FirstUse => Some(None),
            Trust::PublicRoots => None,
        };
        if let (true, Some(expected)) = (https, expected) {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let verifier = Arc::new(PinVerifier {
                expected: Mutex::new(expected),
                mismatch: Mutex::new(None),
                provider: Arc::clone(&provider),
            });
            let tls = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| SyncError::BadUrl(format!("cannot set up HTTPS: {e}")))?
                .dangerous()
                .with_custom_certificate_verifier(verifier.clone())
                .with_no_client_auth();
            builder = builder.use_preconfigured_tls(tls);
            pins = Some(verifier);
        }
        let http = builder
            .build()
            .map_err(|e| SyncError::BadUrl(format!("cannot set up HTTPS: {e}")))?;
        Ok(Client {
            base: base.trim_end_matches('/').to_owned(),
            http,
            pins,
        })
    }

    /// The pin of the server's certificate (hex), once a handshake has fixed it.
    pub fn pin(&self) -> Option<String> {
        self.pins
            .as_ref()
            .and_then(|v| v.expected.lock().unwrap_or_else(|p| p.into_inner()).clone())
    }

    /// A failed request as a [`SyncError`]: a certificate that does not match the pin
    /// first (whatever reqwest made of it), else `other`.
    fn failed(&self, e: &reqwest::Error, other: impl FnOnce(String) -> SyncError) -> SyncError {
        if let Some((expected, presented)) = self
            .pins
            .as_ref()
            .and_then(|v| v.mismatch.lock().unwrap_or_else(|p| p.into_inner()).take())
        {
            return SyncError::CertificateMismatch {
                server: self.base.clone(),
                expected: super::display_pin(&expected),
                presented: super::display_pin(&presented),
            };
        }
        other(describe(e))
    }

    /// A cheap `GET /api/v1/health`: is the server there and ready?
    pub fn probe(&self) -> Result<()> {
        let resp = self
            .http
            .get(format!("{}/api/v1/health", self.base))
            .timeout(PROBE_TIMEOUT)
            .send()
            .map_err(|e| self.failed(&e, SyncError::Unreachable))?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(SyncError::Unreachable(format!(
                "the server is not ready (HTTP {})",
                resp.status().as_u16()
            )))
        }
    }

    /// `POST /api/v1/enroll`.
    pub fn enroll(&self, code: &str, public_key_hex: &str) -> Result<EnrollAnswer> {
        let resp = self
            .http
            .post(format!("{}/api/v1/enroll", self.base))
            .json(&serde_json::json!({ "code": code, "public_key": public_key_hex }))
            .send()
            .map_err(|e| self.failed(&e, SyncError::Unreachable))?;
        answer(resp)
    }

    /// `POST /api/v1/batches` with the signed body.
    pub fn upload(&self, device_id: &str, out: &Outgoing) -> Result<Ack> {
        let resp = self
            .http
            .post(format!("{}/api/v1/batches", self.base))
            .header("content-type", "application/json")
            .header("x-lantern-device", device_id)
            .header("x-lantern-signature", &out.signature)
            .body(out.body.clone())
            .send()
            .map_err(|e| {
                self.failed(&e, |d| {
                    SyncError::Server(format!("the connection failed: {d}"))
                })
            })?;
        answer(resp)
    }
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "no answer in time".into()
    } else if e.is_connect() {
        "no connection to the server".into()
    } else {
        let mut text = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            text = format!("{text}: {s}");
            source = s.source();
        }
        text
    }
}

fn answer<T: serde::de::DeserializeOwned>(resp: reqwest::blocking::Response) -> Result<T> {
    let status = resp.status();
    let bytes = resp
        .bytes()
        .map_err(|e| SyncError::Server(format!("the answer was cut off: {}", describe(&e))))?;
    if status.is_success() {
        return serde_json::from_slice(&bytes).map_err(|e| SyncError::Protocol(e.to_string()));
    }
    if status.is_server_error() {
        return Err(SyncError::Server(format!("HTTP {}", status.as_u16())));
    }
    let (code, message) = match serde_json::from_slice::<ErrorBody>(&bytes) {
        Ok(b) => (b.code, b.message),
        Err(_) => ("unknown".into(), format!("HTTP {}", status.as_u16())),
    };
    Err(SyncError::Refused {
        status: status.as_u16(),
        message: plain_message(&code, &message),
        code,
    })
}

/// The server's refusal as a sentence an enumerator can act on.
fn plain_message(code: &str, server: &str) -> String {
    match code {
        "device_revoked" => {
            "the server's operator revoked this device; ask them for a new enrollment code".into()
        }
        "unknown_device" | "bad_signature" => {
            "the server does not recognise this device; it may need to be enrolled again".into()
        }
        "enrollment_code_invalid" => {
            "the enrollment code is not valid; check it or ask the server's operator for a new one"
                .into()
        }
        "enrollment_code_expired" => {
            "the enrollment code has expired; ask the server's operator for a new one".into()
        }
        "enrollment_code_used" => {
            "this enrollment code was already used; each code enrolls one device, ask for a new one"
                .into()
        }
        "site_not_enrolled" | "form_not_enrolled" => format!(
            "this device may not report this: {server}; ask the server's operator to enroll it for it"
        ),
        "stale_sequence" => format!(
            "the server already holds a newer batch for this form, site and round ({server})"
        ),
        "body_too_large" => {
            "the batch is larger than the server accepts; tell the server's operator".into()
        }
        _ => server.to_owned(),
    }
}

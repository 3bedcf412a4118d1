//! The HTTP side of sync (the only user of reqwest in Lantern): a cheap probe, the
//! enrollment call and the signed upload, each turning the server's `{code, message}`
//! refusals into [`SyncError`]s that say what to do.

use std::time::Duration;

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

/// A client of one server.
pub struct Client {
    base: String,
    http: reqwest::blocking::Client,
}

impl Client {
    /// A client for `base` (already checked by `check_server_url`).
    pub fn new(base: &str) -> Result<Client> {
        let http = reqwest::blocking::Client::builder()
            .connect_timeout(PROBE_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .https_only(!base.starts_with("http://"))
            .user_agent(concat!("lantern/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SyncError::BadUrl(format!("cannot set up HTTPS: {e}")))?;
        Ok(Client {
            base: base.trim_end_matches('/').to_owned(),
            http,
        })
    }

    /// A cheap `GET /api/v1/health`: is the server there and ready?
    pub fn probe(&self) -> Result<()> {
        let resp = self
            .http
            .get(format!("{}/api/v1/health", self.base))
            .timeout(PROBE_TIMEOUT)
            .send()
            .map_err(|e| SyncError::Unreachable(describe(&e)))?;
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
            .map_err(|e| SyncError::Unreachable(describe(&e)))?;
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
            .map_err(|e| SyncError::Server(format!("the connection failed: {}", describe(&e))))?;
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

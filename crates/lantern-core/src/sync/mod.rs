//! Client sync: enrollment with a server, the operator's approval of an exact batch,
//! the queue of approved batches, and sending them when the server is reachable.
//!
//! The gates, in order: a batch exists only after disclosure control (`aggregate`,
//! built by the caller); it enters the queue only when the operator approves its exact
//! bytes ([`approve`], audited with the batch hash); it leaves only when a cheap probe
//! reaches the server ([`run`]), signed by the device key sealed in the vault.
//!
//! Time is passed in. Network IO never happens while the vault is borrowed: [`plan`]
//! reads what is due, the client (feature `client`) talks to the server, [`record`] writes the
//! outcome, so the app can run the middle step off the UI thread without holding the
//! vault. State lives in sealed vault settings and the vault's outbox, so a sync
//! killed at any point resumes at the next run (uploads are idempotent by batch id).

pub mod backoff;
#[cfg(feature = "client")]
pub mod client;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use lantern_protocol::Batch;
use serde::{Deserialize, Serialize};

use crate::vault::{AuditEvent, Vault, VaultError, crypto};

/// Sealed setting: what enrollment returned.
const ENROLLMENT_SETTING: &str = "sync.enrollment";
/// Sealed setting: the queue and the last sequence per key.
const STATE_SETTING: &str = "sync.state";

/// Everything that can go wrong in sync, each with a sentence an enumerator can act on.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(
        "this device is not enrolled with a server yet: run enrollment with the server's address and the code from its operator"
    )]
    NotEnrolled,
    #[error("this device is already enrolled with {0}")]
    AlreadyEnrolled(String),
    #[error("{0}")]
    BadUrl(String),
    #[error(
        "the server cannot be reached ({0}); the batches stay queued and are sent when the connection returns"
    )]
    Unreachable(String),
    /// The server refused the request; `message` is the server's sentence.
    #[error("the server refused: {message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    #[error("the server had a problem ({0}); the batch stays queued and is tried again later")]
    Server(String),
    #[error("the server's answer was not understood: {0}")]
    Protocol(String),
    #[error("no approved batch {0}")]
    UnknownBatch(String),
    /// A certificate fingerprint that cannot be one.
    #[error("{0}")]
    BadPin(String),
    /// The server's certificate is not the one pinned at enrollment (or not the one
    /// the operator's fingerprint names).
    #[error(
        "the server at {server} presented a certificate (SHA-256 {presented}) that is not the one this device trusts ({expected}): the connection may be intercepted, so nothing was sent. Do not enroll again on your own: re-enroll only together with the server's operator, after checking the fingerprint the server shows"
    )]
    CertificateMismatch {
        server: String,
        expected: String,
        presented: String,
    },
}

impl SyncError {
    /// A stable code for the UI and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            SyncError::Vault(e) => e.code(),
            SyncError::NotEnrolled => "sync.not_enrolled",
            SyncError::AlreadyEnrolled(_) => "sync.already_enrolled",
            SyncError::BadUrl(_) => "sync.bad_url",
            SyncError::Unreachable(_) => "sync.unreachable",
            SyncError::Refused { .. } => "sync.refused",
            SyncError::Server(_) => "sync.server_error",
            SyncError::Protocol(_) => "sync.protocol",
            SyncError::UnknownBatch(_) => "sync.unknown_batch",
            SyncError::BadPin(_) => "sync.bad_pin",
            SyncError::CertificateMismatch { .. } => "sync.certificate_mismatch",
        }
    }
}

pub type Result<T, E = SyncError> = std::result::Result<T, E>;

/// What enrollment with a server gave this device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrollment {
    pub server_url: String,
    pub device_id: String,
    pub sites: Vec<String>,
    /// Empty: any form.
    pub forms: Vec<String>,
    pub enrolled_at: String,
    /// SHA-256 of the server's certificate (DER), lowercase hex, pinned at enrollment
    /// over HTTPS; every later connection must present exactly that certificate.
    /// Absent for plain HTTP to this machine (and for enrollments made before pinning,
    /// which fall back to the public certificate authorities).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_pin: Option<String>,
}

impl Enrollment {
    /// The pin as people compare it (`AB:CD:…`), if there is one.
    pub fn pin_display(&self) -> Option<String> {
        self.server_pin.as_deref().map(display_pin)
    }
}

/// The pin of a certificate: SHA-256 of its DER bytes, lowercase hex.
pub fn certificate_pin(der: &[u8]) -> String {
    crypto::to_hex(&crypto::sha256(&[der]))
}

/// A pin as people read it out and as `openssl x509 -fingerprint -sha256` and
/// `lantern-server admin tls-fingerprint` print it: uppercase hex pairs joined by `:`.
pub fn display_pin(hex: &str) -> String {
    hex.as_bytes()
        .chunks(2)
        .map(|c| String::from_utf8_lossy(c).to_ascii_uppercase())
        .collect::<Vec<_>>()
        .join(":")
}

/// Reads a fingerprint typed by an operator: 64 hex digits, with or without `:` or
/// spaces between pairs, optionally prefixed `SHA256:` / `sha256 Fingerprint=`.
pub fn parse_pin(text: &str) -> Result<String> {
    let t = text.trim();
    let t = t.rsplit_once('=').map_or(t, |(_, v)| v);
    let t = t
        .strip_prefix("SHA256:")
        .or_else(|| t.strip_prefix("sha256:"))
        .unwrap_or(t);
    let hex: String = t
        .chars()
        .filter(|c| !matches!(c, ':' | ' ' | '-'))
        .collect::<String>()
        .to_ascii_lowercase();
    if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(SyncError::BadPin(format!(
            "{text:?} is not a certificate fingerprint: expected the 64 hexadecimal digits of a SHA-256 fingerprint (e.g. AB:CD:…) as the server's operator shows it"
        )));
    }
    Ok(hex)
}

/// Where an approved batch is on its way to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    /// Approved, waiting for a connection.
    Queued,
    /// Being sent (a sync was under way; resent at the next run if it was cut off).
    Sending,
    /// Acknowledged by the server.
    Sent,
    /// Refused by the server for good, or failing and waiting to be retried.
    Failed,
    /// A later approved batch for the same form, site and round took its place unsent.
    Replaced,
}

/// One approved batch in the queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueItem {
    pub batch_id: String,
    pub form_id: String,
    pub site: String,
    pub round: Option<String>,
    pub sequence: u64,
    /// SHA-256 of the exact bytes approved and sent, hex.
    pub batch_hash: String,
    pub state: ItemState,
    pub approved_at: String,
    pub attempts: u32,
    /// When a failed batch is tried again (absent: at the next run).
    pub next_attempt_at: Option<String>,
    /// Why the last attempt failed, in plain language.
    pub last_error: Option<String>,
    /// The stable code of that failure (`sync.refused`, …), for the UI's own words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_code: Option<String>,
    /// `false` once the server refused it for good (it is not retried).
    #[serde(default = "yes")]
    pub retry: bool,
    pub sent_at: Option<String>,
    /// The submissions whose aggregates the batch carries; their retention clock starts
    /// at the acknowledgement.
    pub submissions: Vec<String>,
}

fn yes() -> bool {
    true
}

impl QueueItem {
    fn key(&self) -> String {
        batch_key(&self.form_id, &self.site, self.round.as_deref())
    }

    fn due(&self, now: DateTime<Utc>, respect_backoff: bool) -> bool {
        match self.state {
            ItemState::Queued | ItemState::Sending => true,
            ItemState::Failed if self.retry => {
                !respect_backoff
                    || self
                        .next_attempt_at
                        .as_deref()
                        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                        .is_none_or(|t| t <= now)
            }
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct SyncState {
    items: Vec<QueueItem>,
    /// The last sequence approved per form × site × round.
    sequences: BTreeMap<String, u64>,
}

fn batch_key(form_id: &str, site: &str, round: Option<&str>) -> String {
    serde_json::to_string(&(form_id, site, round)).unwrap_or_default()
}

fn timestamp(now: DateTime<Utc>) -> String {
    now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn load_state(vault: &Vault, now: DateTime<Utc>) -> Result<SyncState> {
    match vault.setting(STATE_SETTING, now)? {
        Some(v) => serde_json::from_value(v)
            .map_err(|e| SyncError::Vault(VaultError::InvalidInput(format!("sync state: {e}")))),
        None => Ok(SyncState::default()),
    }
}

fn save_state(vault: &mut Vault, state: &SyncState, now: DateTime<Utc>) -> Result<()> {
    let value = serde_json::to_value(state)
        .map_err(|e| SyncError::Vault(VaultError::InvalidInput(e.to_string())))?;
    vault.set_setting(STATE_SETTING, &value, now)?;
    Ok(())
}

/// The server's acknowledgement of an upload.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Ack {
    pub batch_id: String,
    pub device_id: String,
    pub batch_hash: String,
    pub sequence: u64,
    pub received_at: String,
}

/// What the server answers to an enrollment.
#[derive(Debug, Clone, Deserialize)]
pub struct EnrollAnswer {
    pub device_id: String,
    pub sites: Vec<String>,
    pub forms: Vec<String>,
}

/// The enrollment, if this device has one.
pub fn enrollment(vault: &Vault, now: DateTime<Utc>) -> Result<Option<Enrollment>> {
    match vault.setting(ENROLLMENT_SETTING, now)? {
        Some(v) => Ok(Some(serde_json::from_value(v).map_err(|e| {
            SyncError::Vault(VaultError::InvalidInput(format!("enrollment: {e}")))
        })?)),
        None => Ok(None),
    }
}

/// Checks a server address: HTTPS, or plain HTTP to this machine only.
pub fn check_server_url(url: &str) -> Result<String> {
    let parsed = url::Url::parse(url.trim())
        .map_err(|e| SyncError::BadUrl(format!("{url:?} is not a server address: {e}")))?;
    let host = parsed.host_str().unwrap_or("");
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match parsed.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(SyncError::BadUrl(format!(
                "{url} is plain HTTP: the server must use HTTPS (plain HTTP is only allowed to this machine)"
            )));
        }
        other => {
            return Err(SyncError::BadUrl(format!(
                "{url}: unsupported scheme {other:?}; use https://"
            )));
        }
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

#[cfg(feature = "client")]
/// Enrolls this device with a server using the operator's one-time code. The device
/// key is generated (or reused) inside the vault; only its public half leaves.
///
/// Over HTTPS the server's certificate is pinned: `pin` (the fingerprint the
/// operator read out, see [`parse_pin`]) must match it, or without `pin` the
/// certificate seen now is trusted from here on. The code is sent only after the
/// certificate passed.
pub fn enroll(
    vault: &mut Vault,
    server_url: &str,
    code: &str,
    pin: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Enrollment> {
    let url = check_server_url(server_url)?;
    let https = url.starts_with("https://");
    let trust = match pin {
        Some(p) => {
            let p = parse_pin(p)?;
            if !https {
                return Err(SyncError::BadUrl(format!(
                    "{url} is plain HTTP: a certificate fingerprint only applies to an https:// server"
                )));
            }
            client::Trust::Pinned(p)
        }
        None => client::Trust::FirstUse,
    };
    if let Some(existing) = enrollment(vault, now)? {
        return Err(SyncError::AlreadyEnrolled(existing.server_url));
    }
    let key = vault.device_key(now)?;
    let http = client::Client::new(&url, trust)?;
    let answer = http.enroll(code, &crypto::to_hex(&key.public_key()))?;
    let server_pin = if https {
        Some(http.pin().ok_or_else(|| {
            SyncError::Protocol("the server's certificate was not seen during enrollment".into())
        })?)
    } else {
        None
    };
    let enrollment = Enrollment {
        server_url: url,
        device_id: answer.device_id,
        sites: answer.sites,
        forms: answer.forms,
        enrolled_at: timestamp(now),
        server_pin,
    };
    let value = serde_json::to_value(&enrollment)
        .map_err(|e| SyncError::Vault(VaultError::InvalidInput(e.to_string())))?;
    vault.set_setting(ENROLLMENT_SETTING, &value, now)?;
    vault.record_event(
        AuditEvent::Sync,
        &format!(
            "enrolled device={} server={} certificate_sha256={}",
            enrollment.device_id,
            enrollment.server_url,
            enrollment.server_pin.as_deref().unwrap_or("-")
        ),
        now,
    )?;
    Ok(enrollment)
}

/// A batch ready for the operator to look at: its sequence assigned, its exact bytes
/// and their hash. What is approved is exactly `body`.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub batch: Batch,
    pub body: String,
    pub hash: String,
}

/// Gives `batch` the next sequence for its form × site × round (at least the one it
/// carries) and fixes its bytes.
pub fn prepare(vault: &mut Vault, mut batch: Batch, now: DateTime<Utc>) -> Result<Prepared> {
    batch
        .validate()
        .map_err(|e| SyncError::Protocol(e.to_string()))?;
    let state = load_state(vault, now)?;
    let key = batch_key(&batch.form_id, &batch.site, batch.round.as_deref());
    // The aggregates' own release counter may be ahead (e.g. a vault restored from a
    // backup whose sync state is older); never go backwards.
    batch.sequence = batch
        .sequence
        .max(state.sequences.get(&key).copied().unwrap_or(0) + 1);
    let body = serde_json::to_string(&batch).map_err(|e| SyncError::Protocol(e.to_string()))?;
    let hash = crypto::to_hex(&crypto::sha256(&[body.as_bytes()]));
    Ok(Prepared { batch, body, hash })
}

/// The operator approved exactly `prepared`: it enters the outbox (sealed), a queued,
/// unsent batch for the same form × site × round is replaced, and the approval is
/// written to the audit log with the batch hash.
pub fn approve(
    vault: &mut Vault,
    prepared: &Prepared,
    submissions: &[String],
    now: DateTime<Utc>,
) -> Result<QueueItem> {
    let mut state = load_state(vault, now)?;
    let b = &prepared.batch;
    let key = batch_key(&b.form_id, &b.site, b.round.as_deref());
    let last = state.sequences.get(&key).copied().unwrap_or(0);
    if b.sequence <= last {
        return Err(SyncError::Protocol(format!(
            "this preview is out of date (sequence {} after {last}); prepare it again",
            b.sequence
        )));
    }
    let id = b.batch_id.to_string();
    vault.enqueue_outbox(&id, &serde_json::json!({ "body": prepared.body }), now)?;
    for old in state.items.iter_mut() {
        if old.key() == key
            && matches!(
                old.state,
                ItemState::Queued | ItemState::Failed | ItemState::Sending
            )
        {
            old.state = ItemState::Replaced;
            vault.set_outbox_state(&old.batch_id, "replaced", now)?;
        }
    }
    let item = QueueItem {
        batch_id: id,
        form_id: b.form_id.clone(),
        site: b.site.clone(),
        round: b.round.clone(),
        sequence: b.sequence,
        batch_hash: prepared.hash.clone(),
        state: ItemState::Queued,
        approved_at: timestamp(now),
        attempts: 0,
        next_attempt_at: None,
        last_error: None,
        last_code: None,
        retry: true,
        sent_at: None,
        submissions: submissions.to_vec(),
    };
    state.sequences.insert(key, b.sequence);
    state.items.push(item.clone());
    save_state(vault, &state, now)?;
    vault.record_event(
        AuditEvent::Sync,
        &format!(
            "approved batch={} hash={} form={} site={} round={} sequence={}",
            item.batch_id,
            item.batch_hash,
            item.form_id,
            item.site,
            item.round.as_deref().unwrap_or("-"),
            item.sequence
        ),
        now,
    )?;
    Ok(item)
}

/// One upload ready to go: everything the network step needs, nothing borrowed.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub batch_id: String,
    pub batch_hash: String,
    pub body: String,
    /// Ed25519 over `body`, hex.
    pub signature: String,
}

/// The plan of one run: where to, as whom, and what is due.
#[derive(Debug, Clone)]
pub struct Plan {
    pub server_url: String,
    pub device_id: String,
    /// The certificate pinned at enrollment (hex), if any.
    pub server_pin: Option<String>,
    pub outgoing: Vec<Outgoing>,
}

/// Reads and signs what is due and marks it `sending` (so a run cut off here is
/// resumed next time). `respect_backoff: false` also retries failed batches whose
/// retry time has not come (an operator's explicit "send now").
pub fn plan(vault: &mut Vault, now: DateTime<Utc>, respect_backoff: bool) -> Result<Plan> {
    let enrollment = enrollment(vault, now)?.ok_or(SyncError::NotEnrolled)?;
    let mut state = load_state(vault, now)?;
    let key = vault.device_key(now)?;
    let mut outgoing = Vec::new();
    for item in state.items.iter_mut() {
        if !item.due(now, respect_backoff) {
            continue;
        }
        let payload = vault
            .outbox_item(&item.batch_id, now)?
            .ok_or_else(|| SyncError::UnknownBatch(item.batch_id.clone()))?;
        let body = payload
            .get("body")
            .and_then(|b| b.as_str())
            .ok_or_else(|| SyncError::UnknownBatch(item.batch_id.clone()))?
            .to_owned();
        let signature = crypto::to_hex(&key.sign(body.as_bytes()));
        item.state = ItemState::Sending;
        outgoing.push(Outgoing {
            batch_id: item.batch_id.clone(),
            batch_hash: item.batch_hash.clone(),
            body,
            signature,
        });
    }
    if !outgoing.is_empty() {
        save_state(vault, &state, now)?;
    }
    Ok(Plan {
        server_url: enrollment.server_url,
        device_id: enrollment.device_id,
        server_pin: enrollment.server_pin,
        outgoing,
    })
}

/// What happened to one upload.
#[derive(Debug)]
pub enum Outcome {
    Acknowledged(Ack),
    Failed(SyncError),
}

/// Writes the outcome of one upload: on acknowledgement the batch is sent, the
/// retention clock of its submissions starts and the log says so; on failure the
/// reason and the next retry (exponential backoff with jitter) are kept.
pub fn record(
    vault: &mut Vault,
    batch_id: &str,
    outcome: &Outcome,
    now: DateTime<Utc>,
) -> Result<QueueItem> {
    let mut state = load_state(vault, now)?;
    let item = state
        .items
        .iter_mut()
        .find(|i| i.batch_id == batch_id)
        .ok_or_else(|| SyncError::UnknownBatch(batch_id.to_owned()))?;
    match outcome {
        Outcome::Acknowledged(ack) => {
            if ack.batch_id != item.batch_id || ack.batch_hash != item.batch_hash {
                return Err(SyncError::Protocol(format!(
                    "the acknowledgement names batch {} with hash {}, not the batch sent",
                    ack.batch_id, ack.batch_hash
                )));
            }
            item.state = ItemState::Sent;
            item.sent_at = Some(timestamp(now));
            item.last_error = None;
            item.last_code = None;
            item.next_attempt_at = None;
        }
        Outcome::Failed(error) => {
            item.attempts = item.attempts.saturating_add(1);
            item.last_error = Some(error.to_string());
            item.last_code = Some(error.code().to_string());
            item.state = ItemState::Failed;
            let permanent = matches!(error, SyncError::Refused { status, .. } if *status != 429 && *status != 408);
            if permanent {
                item.retry = false;
                item.next_attempt_at = None;
            } else {
                let delay = backoff::delay(item.attempts, backoff::jitter());
                item.next_attempt_at = Some(timestamp(now + delay));
            }
        }
    }
    let item = item.clone();
    save_state(vault, &state, now)?;
    match outcome {
        Outcome::Acknowledged(_) => {
            vault.set_outbox_state(&item.batch_id, "sent", now)?;
            let ids: Vec<&str> = item.submissions.iter().map(String::as_str).collect();
            if !ids.is_empty() {
                vault.mark_acknowledged(&ids, now)?;
            }
            vault.record_event(
                AuditEvent::Sync,
                &format!(
                    "acknowledged batch={} hash={} sequence={}",
                    item.batch_id, item.batch_hash, item.sequence
                ),
                now,
            )?;
        }
        Outcome::Failed(error) => {
            vault.record_event(
                AuditEvent::Sync,
                &format!("send failed batch={} code={}", item.batch_id, error.code()),
                now,
            )?;
        }
    }
    Ok(item)
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum RunReport {
    /// Nothing was queued.
    NothingQueued,
    /// Every due batch was acknowledged.
    AllAcknowledged { sent: usize },
    /// The probe did not reach the server: nothing was attempted.
    Unreachable { queued: usize, reason: String },
    /// Some batches failed; they are retried or need the operator (see status).
    SomeFailed { sent: usize, failed: usize },
}

#[cfg(feature = "client")]
/// One pass: plan, probe, send each due batch, record each outcome. `now` is read
/// through `clock` after each network step, since a pass may take a while.
pub fn run(
    vault: &mut Vault,
    clock: &dyn Fn() -> DateTime<Utc>,
    respect_backoff: bool,
) -> Result<RunReport> {
    let plan = plan(vault, clock(), respect_backoff)?;
    if plan.outgoing.is_empty() {
        return Ok(RunReport::NothingQueued);
    }
    finish(vault, plan.outgoing.len(), send(&plan), clock)
}

#[cfg(feature = "client")]
/// The network half of a pass, holding no vault: probe the server, then upload each
/// planned batch. `Err` when the probe fails (nothing was attempted: call [`unsent`]).
pub fn send(plan: &Plan) -> Result<Vec<(String, Outcome)>> {
    let trust = match &plan.server_pin {
        Some(pin) => client::Trust::Pinned(pin.clone()),
        None => client::Trust::PublicRoots,
    };
    let http = client::Client::new(&plan.server_url, trust)?;
    http.probe()?;
    Ok(plan
        .outgoing
        .iter()
        .map(|out| {
            let outcome = match http.upload(&plan.device_id, out) {
                Ok(ack) => Outcome::Acknowledged(ack),
                Err(e) => Outcome::Failed(e),
            };
            (out.batch_id.clone(), outcome)
        })
        .collect())
}

/// Puts batches marked `sending` by [`plan`] back as they were when the server could
/// not be reached (not an attempt: no backoff, no error recorded).
pub fn unsent(vault: &mut Vault, now: DateTime<Utc>) -> Result<()> {
    let mut state = load_state(vault, now)?;
    let mut changed = false;
    for item in state.items.iter_mut() {
        if item.state == ItemState::Sending {
            item.state = if item.attempts == 0 {
                ItemState::Queued
            } else {
                ItemState::Failed
            };
            changed = true;
        }
    }
    if changed {
        save_state(vault, &state, now)?;
    }
    Ok(())
}

/// The vault half after [`send`]: records each upload's outcome, or, when the server
/// could not be reached, puts the batches back untouched (a certificate that is not the
/// pinned one is logged and returned as the error it is).
pub fn finish(
    vault: &mut Vault,
    planned: usize,
    uploads: Result<Vec<(String, Outcome)>>,
    clock: &dyn Fn() -> DateTime<Utc>,
) -> Result<RunReport> {
    let uploads = match uploads {
        Ok(uploads) => uploads,
        Err(e) => {
            let now = clock();
            unsent(vault, now)?;
            if let SyncError::CertificateMismatch { .. } = e {
                // Not "unreachable": someone else answered. Say so loudly, and log it.
                vault.record_event(
                    AuditEvent::Sync,
                    &format!("refused server certificate: {}", e.code()),
                    now,
                )?;
                return Err(e);
            }
            return Ok(RunReport::Unreachable {
                queued: planned,
                reason: e.to_string(),
            });
        }
    };
    let (mut sent, mut failed) = (0, 0);
    for (batch_id, outcome) in &uploads {
        let item = record(vault, batch_id, outcome, clock())?;
        if item.state == ItemState::Sent {
            sent += 1;
        } else {
            failed += 1;
        }
    }
    Ok(if failed == 0 {
        RunReport::AllAcknowledged { sent }
    } else {
        RunReport::SomeFailed { sent, failed }
    })
}

/// What the UI shows about sync.
#[derive(Debug, Clone, Serialize)]
pub struct SyncStatus {
    pub enrollment: Option<Enrollment>,
    pub queued: usize,
    pub sending: usize,
    pub sent: usize,
    pub failed: usize,
    /// The earliest retry among failed batches that will be retried.
    pub next_retry_at: Option<String>,
    /// Every approved batch, newest first.
    pub items: Vec<QueueItem>,
}

/// The sync status for the UI and `lantern sync status`.
pub fn status(vault: &Vault, now: DateTime<Utc>) -> Result<SyncStatus> {
    let state = load_state(vault, now)?;
    let count = |s: ItemState| state.items.iter().filter(|i| i.state == s).count();
    let next_retry_at = state
        .items
        .iter()
        .filter(|i| i.state == ItemState::Failed && i.retry)
        .filter_map(|i| i.next_attempt_at.clone())
        .min();
    let mut items = state.items.clone();
    items.reverse();
    Ok(SyncStatus {
        enrollment: enrollment(vault, now)?,
        queued: count(ItemState::Queued),
        sending: count(ItemState::Sending),
        sent: count(ItemState::Sent),
        failed: count(ItemState::Failed),
        next_retry_at,
        items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "7a43fd67758205d38afb348a8f8f9da8649aea79454824b46494c06c31936a9f";
    const SHOWN: &str = "7A:43:FD:67:75:82:05:D3:8A:FB:34:8A:8F:8F:9D:A8:64:9A:EA:79:45:48:24:B4:64:94:C0:6C:31:93:6A:9F";

    #[test]
    fn pins_read_the_way_operators_write_them() {
        assert_eq!(display_pin(HEX), SHOWN);
        for typed in [
            SHOWN.to_owned(),
            HEX.to_owned(),
            format!("sha256 Fingerprint={SHOWN}"),
            format!("SHA256:{HEX}"),
            format!("  {} ", SHOWN.replace(':', " ")),
        ] {
            assert_eq!(parse_pin(&typed).unwrap(), HEX, "{typed}");
        }
        for bad in [
            "",
            "12:34",
            &HEX[..62],
            &format!("{HEX}00"),
            &HEX.replace('7', "g"),
        ] {
            let e = parse_pin(bad).unwrap_err();
            assert_eq!(e.code(), "sync.bad_pin");
            assert!(
                e.to_string().contains("not a certificate fingerprint"),
                "{e}"
            );
        }
    }

    #[test]
    fn the_pin_is_sha256_of_the_certificate_bytes() {
        let pin = certificate_pin(b"not really DER, only bytes");
        assert_eq!(pin.len(), 64);
        assert_eq!(
            pin,
            crypto::to_hex(&crypto::sha256(&[b"not really DER, only bytes"]))
        );
        assert_ne!(pin, certificate_pin(b"other bytes"));
    }
}

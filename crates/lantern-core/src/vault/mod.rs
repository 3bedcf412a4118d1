//! The encrypted vault: where every response lives on the device, from the first
//! keystroke of a draft to its retention purge.
//!
//! One SQLite file per vault directory (`vault.db`, WAL, `synchronous=FULL`,
//! `secure_delete=ON`) and a fixed-size key slots file (`vault.db-keys`). Only ids,
//! form id/version, status, revision and day-level dates are in clear; answers, site
//! choices, notes, consent records, form definitions, sites, settings, outbox payloads
//! and audit details are sealed (and padded) with AES-256-GCM under a random data key,
//! which is wrapped by an Argon2id key from the passphrase in the key slots file. The
//! data key changes (every record re-sealed, the old key overwritten) on every
//! passphrase change, withdraw, purge and duress unlock. `docs/vault.md` describes the
//! on-disk format, the crypto and the threat model.
//!
//! Time is always passed in (`now`): the vault never reads the clock, so auto-lock and
//! retention are testable and the app decides what "now" is.
//!
//! This file holds the vault's lifecycle (create, open, unlock, lock, passphrases,
//! duress, wipe, status); `submissions`, `records` (forms, sites, settings, outbox),
//! `retention`, `audit`, `backup`, `rekey` and `policy` add the rest; `crypto` alone
//! handles keys and `keyfile` alone the key slots file.

pub mod audit;
pub mod backup;
mod contributions;
/// Key material; its public surface is re-exported where needed (`KdfParams`,
/// `backup::OrgSecretKey`).
pub(crate) mod crypto;
mod device;
mod keyfile;
pub mod policy;
mod records;
mod rekey;
mod retention;
mod schema;
mod submissions;
mod wipe;

use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeDelta, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use zeroize::Zeroizing;

pub use audit::{AuditEntry, AuditEvent, ChainBreak};
pub use crypto::KdfParams;
use crypto::{DataKey, PassphraseKey};

/// The database file's name inside a vault directory.
pub const DB_FILE: &str = "vault.db";
/// The on-disk format version written in the header.
pub const FORMAT: i64 = 1;

/// Everything that can go wrong at the vault boundary.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("no vault in {0}")]
    NotAVault(PathBuf),
    #[error("a vault already exists in {0}")]
    AlreadyExists(PathBuf),
    #[error("the vault is locked")]
    Locked,
    /// A read handle ([`Vault::reader`]) was asked to write, or was made before the vault
    /// was re-keyed: open a new one from the unlocked vault.
    #[error("this read handle of the vault cannot do that: open a new one from the unlocked vault")]
    ReadHandle,
    #[error("wrong passphrase")]
    WrongPassphrase,
    /// Any sealed value that does not open: flipped bytes, moved rows, rolled-back keys.
    /// Deliberately says nothing more.
    #[error("vault data could not be decrypted: it is damaged or has been tampered with")]
    Decryption,
    #[error("no submission {0}")]
    NoSuchSubmission(String),
    #[error("submission {0} is finalized and can no longer change")]
    Frozen(String),
    #[error("{0}")]
    InvalidInput(String),
    #[error("audit log check failed: {0}")]
    AuditBroken(ChainBreak),
    #[error("not a Lantern backup file, or a backup format this version cannot read")]
    BackupFormat,
    #[error("the vault header's key-derivation parameters are invalid")]
    KdfParams,
    #[error("the system random generator failed")]
    Random,
    /// The passphrase is too easy to guess; the message says what is needed.
    #[error("{0}")]
    WeakPassphrase(String),
    /// The sealed commitment over the records does not match the rows on disk: a row
    /// was deleted, rolled back, replayed or had its clear metadata edited.
    #[error(
        "the vault's records do not match their sealed commitment: rows were deleted, rolled back or edited"
    )]
    Integrity,
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("schema migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
}

impl VaultError {
    /// A stable code for the UI and scripts; never match on messages.
    pub fn code(&self) -> &'static str {
        match self {
            VaultError::NotAVault(_) => "vault.not_a_vault",
            VaultError::AlreadyExists(_) => "vault.already_exists",
            VaultError::Locked => "vault.locked",
            VaultError::ReadHandle => "vault.read_handle",
            VaultError::WrongPassphrase => "vault.wrong_passphrase",
            VaultError::Decryption => "vault.decryption",
            VaultError::NoSuchSubmission(_) => "vault.no_such_submission",
            VaultError::Frozen(_) => "vault.frozen",
            VaultError::InvalidInput(_) => "vault.invalid_input",
            VaultError::AuditBroken(_) => "vault.audit_broken",
            VaultError::BackupFormat => "vault.backup_format",
            VaultError::KdfParams => "vault.kdf_params",
            VaultError::Random => "vault.random",
            VaultError::WeakPassphrase(_) => "vault.weak_passphrase",
            VaultError::Integrity => "vault.integrity",
            VaultError::Database(_) => "vault.database",
            VaultError::Migration(_) => "vault.migration",
            VaultError::Io(_) => "vault.io",
        }
    }
}

impl From<crypto::SealError> for VaultError {
    fn from(_: crypto::SealError) -> Self {
        VaultError::Decryption
    }
}

impl From<crypto::RandomError> for VaultError {
    fn from(_: crypto::RandomError) -> Self {
        VaultError::Random
    }
}

impl From<crypto::OrgKeyError> for VaultError {
    fn from(e: crypto::OrgKeyError) -> Self {
        match e {
            crypto::OrgKeyError::Random => VaultError::Random,
            crypto::OrgKeyError::NotAPublicKey => VaultError::InvalidInput(
                "that is not an organisation public key (a low-order point)".into(),
            ),
        }
    }
}

impl From<crypto::KdfError> for VaultError {
    fn from(_: crypto::KdfError) -> Self {
        VaultError::KdfParams
    }
}

type Result<T, E = VaultError> = std::result::Result<T, E>;

/// How a vault is created and run.
#[derive(Debug, Clone, Copy)]
pub struct VaultConfig {
    /// Argon2id cost for new vaults and passphrase changes (existing vaults use the
    /// parameters in their header).
    pub kdf: KdfParams,
    /// Lock after this long without activity.
    pub idle_lock: TimeDelta,
}

impl Default for VaultConfig {
    fn default() -> Self {
        VaultConfig {
            kdf: KdfParams::PRODUCTION,
            idle_lock: TimeDelta::minutes(5),
        }
    }
}

/// Draft or finalized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    Finalized,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Finalized => "finalized",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "draft" => Some(Status::Draft),
            "finalized" => Some(Status::Finalized),
            _ => None,
        }
    }
}

/// What the caller says about a submission when saving it (the form session owns ids).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmissionMeta {
    /// The instance id (e.g. `uuid:…`), unique per submission.
    pub id: String,
    /// The form's `form_id` from its `settings` sheet.
    pub form_id: String,
    /// The form's `version` from its `settings` sheet.
    pub form_version: String,
}

/// What can be seen of a submission without decrypting it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SubmissionSummary {
    pub id: String,
    pub form_id: String,
    pub form_version: String,
    pub status: Status,
    pub created_day: String,
    pub updated_day: String,
    pub finalized_day: Option<String>,
    pub acknowledged_day: Option<String>,
}

/// A decrypted submission. Its `Debug` never prints the answers (issue 13, item 10).
#[derive(Clone, PartialEq)]
pub struct Submission {
    pub summary: SubmissionSummary,
    pub content: serde_json::Value,
}

impl std::fmt::Debug for Submission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Submission")
            .field("summary", &self.summary)
            .field("content", &"<redacted>")
            .finish()
    }
}

/// Which submissions [`Vault::list`] returns.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub form_id: Option<String>,
    pub status: Option<Status>,
}

/// A form definition as stored (the vault does not parse it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormRecord {
    pub form_id: String,
    pub version: String,
    /// The workbook or XForm bytes.
    pub definition: Vec<u8>,
    /// `retention_days` from the form's `purpose` sheet, if any.
    pub retention_days: Option<u32>,
    /// The form's data files (CSV, XML, GeoJSON choice lists), sealed with it (issue 10),
    /// so a response can be opened with exactly the lists it was filled with.
    pub media: Vec<FormMedia>,
}

/// One data file of a form, by the plain file name the form declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormMedia {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// What a retention purge removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurgeReport {
    pub purged_ids: Vec<String>,
    /// Finalized and acknowledged submissions kept because no retention period applies.
    pub kept_without_period: usize,
}

/// What `lantern vault status` shows. While locked the counts are `None` for every
/// vault: what a vault holds is not shown without the passphrase, so a status taken
/// after a duress unlock looks like one taken before (issue 13, C1).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VaultStatus {
    pub vault_id: String,
    pub format: i64,
    pub schema_version: usize,
    pub kdf: KdfParams,
    pub unlocked: bool,
    pub forms: Option<i64>,
    pub drafts: Option<i64>,
    pub finalized: Option<i64>,
    pub audit_entries: Option<i64>,
    pub failed_unlocks: i64,
}

/// The vault header, in clear in the `header` table.
#[derive(Clone)]
struct Header {
    vault_id: String,
    kdf: KdfParams,
    salt: Vec<u8>,
    key_epoch: i64,
    /// Vaults from before issue 13 kept the wrapped key here; since then it is random
    /// bytes and the key is in `vault.db-keys`.
    wrapped_key: Vec<u8>,
    duress_verifier: Vec<u8>,
    /// The parameters the duress verifier was derived with, if not the header's.
    duress_kdf: Option<KdfParams>,
    /// Whether the wrapped key lives in the key slots file.
    keyfile: bool,
}

/// Sealed state kept apart from the header (see `docs/vault.md`, rollback).
#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct SealedState {
    key_epoch: i64,
    audit_seq: i64,
    audit_hash: String,
    /// Set once an unlock finds the log no longer matches the anchor; kept in every
    /// later state so the finding survives further appends.
    #[serde(default)]
    audit_broken_at: Option<i64>,
    /// The row commitment: XOR over every submission and outbox item of a keyed MAC of
    /// its clear tuple (hex). `None` in vaults from before issue 13 until first unlock.
    #[serde(default)]
    rows_mac: Option<String>,
}

/// An open vault directory, locked or unlocked.
pub struct Vault {
    dir: PathBuf,
    conn: Connection,
    header: Header,
    key: Option<DataKey>,
    /// The passphrase key, kept while unlocked so a re-key (withdraw, purge) can wrap
    /// the new data key without asking for the passphrase again.
    kek: Option<PassphraseKey>,
    /// The sealed state as last written, while unlocked.
    state: Option<SealedState>,
    /// Which key slot holds the current key.
    slot: usize,
    config: VaultConfig,
    /// In a `Cell` so that reads can take `&self` (the connection is not `Sync` anyway).
    last_activity: std::cell::Cell<DateTime<Utc>>,
    /// The audit entry found missing or changed at unlock, if any.
    audit_broken_at: Option<i64>,
    /// A read handle ([`Vault::reader`]): its own read-only connection, no writes.
    read_only: bool,
}

/// Shows where the vault is and whether it is unlocked; never keys or content.
impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("dir", &self.dir)
            .field("unlocked", &self.key.is_some())
            .finish_non_exhaustive()
    }
}

fn day(now: DateTime<Utc>) -> String {
    now.format("%Y-%m-%d").to_string()
}

fn second(now: DateTime<Utc>) -> String {
    now.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Length-prefixed fields, so that no two different field lists give the same bytes.
fn associated_data(fields: &[&str]) -> Vec<u8> {
    let mut out = b"lantern-vault-v1".to_vec();
    for field in fields {
        out.extend_from_slice(&(field.len() as u64).to_be_bytes());
        out.extend_from_slice(field.as_bytes());
    }
    out
}

fn wrap_ad(vault_id: &str, epoch: i64, kdf: KdfParams) -> Vec<u8> {
    let mut ad = associated_data(&["data-key", vault_id]);
    ad.extend_from_slice(&epoch.to_be_bytes());
    ad.extend_from_slice(&kdf.to_bytes());
    ad
}

/// Length of a wrapped data key.
const WRAPPED_LEN: usize = crypto::KEY_LEN + crypto::SEAL_OVERHEAD;

fn submission_ad(vault_id: &str, meta: &SubmissionMeta, status: Status, rev: i64) -> Vec<u8> {
    submission_ad_parts(
        vault_id,
        &meta.id,
        &meta.form_id,
        &meta.form_version,
        status,
        rev,
    )
}

/// Revision 0 is a row written before issue 13 (no revision bound); every write since
/// binds its revision, so an older ciphertext of the same row no longer opens.
fn submission_ad_parts(
    vault_id: &str,
    id: &str,
    form_id: &str,
    form_version: &str,
    status: Status,
    rev: i64,
) -> Vec<u8> {
    if rev == 0 {
        return associated_data(&[
            "submission",
            vault_id,
            id,
            form_id,
            form_version,
            status.as_str(),
        ]);
    }
    associated_data(&[
        "submission-v2",
        vault_id,
        id,
        form_id,
        form_version,
        status.as_str(),
        &rev.to_string(),
    ])
}

fn state_ad(vault_id: &str) -> Vec<u8> {
    associated_data(&["vault-state", vault_id])
}

fn audit_ad(vault_id: &str, seq: i64) -> Vec<u8> {
    associated_data(&["audit", vault_id, &seq.to_string()])
}

/// The size a sealed plaintext is padded to (issue 13, M5): powers of two from 512
/// bytes to 64 KiB, then whole multiples of 64 KiB, so a length says little about how
/// long the notes were, how many groups were repeated or whether consent was refused.
pub(crate) fn padded_len(len: usize) -> usize {
    const BIG: usize = 64 * 1024;
    if len <= BIG {
        len.max(512).next_power_of_two()
    } else {
        len.div_ceil(BIG) * BIG
    }
}

/// JSON, padded with trailing spaces (which every JSON parser skips) to its bucket.
///
/// Serialised twice: once to count the bytes, once into a zeroizing buffer of exactly
/// the padded size, so the buffer never grows and no reallocation leaves a copy of the
/// plaintext behind in freed memory (issue 13, L6).
fn padded_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<Zeroizing<Vec<u8>>> {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    serde_json::to_writer(&mut count, value)
        .map_err(|e| VaultError::InvalidInput(e.to_string()))?;
    let mut plain = Zeroizing::new(Vec::with_capacity(padded_len(count.0)));
    serde_json::to_writer(&mut *plain, value)
        .map_err(|e| VaultError::InvalidInput(e.to_string()))?;
    pad_spaces(&mut plain);
    Ok(plain)
}

fn pad_spaces(plain: &mut Zeroizing<Vec<u8>>) {
    let target = padded_len(plain.len());
    if target > plain.capacity() {
        // Grow by copying into a zeroizing buffer, so the old allocation is wiped.
        let mut bigger = Zeroizing::new(Vec::with_capacity(target));
        bigger.extend_from_slice(plain);
        *plain = bigger;
    }
    plain.resize(target, b' ');
}

/// The row commitment's element for a submission.
fn submission_mac(
    key: &DataKey,
    id: &str,
    form_id: &str,
    form_version: &str,
    status: &str,
    rev: i64,
    acknowledged_day: Option<&str>,
) -> [u8; 32] {
    key.mac(&associated_data(&[
        "row:submission",
        id,
        form_id,
        form_version,
        status,
        &rev.to_string(),
        acknowledged_day.unwrap_or("-"),
    ]))
}

/// The row commitment's element for an outbox item.
fn outbox_mac(key: &DataKey, id: &str, state: &str) -> [u8; 32] {
    key.mac(&associated_data(&["row:outbox", id, state]))
}

fn xor_into(acc: &mut [u8; 32], x: &[u8; 32]) {
    for (a, b) in acc.iter_mut().zip(x) {
        *a ^= b;
    }
}

/// The commitment over every row, computed from the table (unlock, re-key).
fn rows_mac(conn: &Connection, key: &DataKey) -> Result<[u8; 32]> {
    let mut acc = [0u8; 32];
    let mut stmt = conn.prepare(
        "SELECT id, form_id, form_version, status, rev, acknowledged_day FROM submissions",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let ack: Option<String> = r.get(5)?;
        let mac = submission_mac(
            key,
            &r.get::<_, String>(0)?,
            &r.get::<_, String>(1)?,
            &r.get::<_, String>(2)?,
            &r.get::<_, String>(3)?,
            r.get(4)?,
            ack.as_deref(),
        );
        xor_into(&mut acc, &mac);
    }
    let mut stmt = conn.prepare("SELECT id, state FROM outbox")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let mac = outbox_mac(key, &r.get::<_, String>(0)?, &r.get::<_, String>(1)?);
        xor_into(&mut acc, &mac);
    }
    Ok(acc)
}

fn kdf_from_bytes(bytes: &[u8]) -> Option<KdfParams> {
    if bytes.len() != 12 {
        return None;
    }
    let word = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    Some(KdfParams {
        m_cost_kib: word(0),
        t_cost: word(4),
        p_cost: word(8),
    })
}

fn read_header(conn: &Connection) -> Result<Header> {
    let header = conn.query_row(
        "SELECT vault_id, kdf_m_cost_kib, kdf_t_cost, kdf_p_cost, salt, key_epoch, wrapped_key, duress_verifier, keyfile, duress_kdf FROM header WHERE id = 1",
        [],
        |r| {
            let duress_kdf: Option<Vec<u8>> = r.get(9)?;
            Ok(Header {
                vault_id: r.get(0)?,
                kdf: KdfParams {
                    m_cost_kib: r.get(1)?,
                    t_cost: r.get(2)?,
                    p_cost: r.get(3)?,
                },
                salt: r.get(4)?,
                key_epoch: r.get(5)?,
                wrapped_key: r.get(6)?,
                duress_verifier: r.get(7)?,
                keyfile: r.get::<_, i64>(8)? == 1,
                duress_kdf: duress_kdf.as_deref().and_then(kdf_from_bytes),
            })
        },
    )?;
    Ok(header)
}

fn random_bytes(len: usize) -> Result<Vec<u8>> {
    let mut out = vec![0u8; len];
    crypto::fill_random(&mut out)?;
    Ok(out)
}

/// Makes `dir` (0700 when this creates it) and refuses one that already holds a vault.
fn prepare_dir(dir: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)?;
    if dir.join(DB_FILE).exists() || keyfile::path(dir).exists() {
        return Err(VaultError::AlreadyExists(dir.to_path_buf()));
    }
    // SQLite gives the WAL and shared-memory files the database file's mode, so making
    // the database 0600 before SQLite opens it covers all three (issue 13, L3).
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(dir.join(DB_FILE))?;
    Ok(())
}

/// Tightens the modes of an existing vault's files (vaults made before issue 13 were
/// created 0644). Best effort: a read-only mount is not an error.
fn tighten_modes(dir: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(entries) = std::fs::read_dir(dir) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                if name.to_str().is_some_and(|n| n.starts_with(DB_FILE)) {
                    let _ = std::fs::set_permissions(
                        entry.path(),
                        std::fs::Permissions::from_mode(0o600),
                    );
                }
            }
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
}

impl Vault {
    /// Creates a new vault in `dir` (created 0700 if missing) and returns it unlocked.
    /// The passphrase must pass [`policy::check`].
    pub fn create(
        dir: &Path,
        passphrase: &[u8],
        config: VaultConfig,
        now: DateTime<Utc>,
    ) -> Result<Vault> {
        Self::create_inner(dir, passphrase, None, config, now, schema::LATEST)
    }

    /// Creates a new vault with a duress passphrase set from the start. Both are
    /// checked before anything is written, so a refused duress passphrase never leaves
    /// a vault without one behind (issue 13, M3).
    pub fn create_with_duress(
        dir: &Path,
        passphrase: &[u8],
        duress: &[u8],
        config: VaultConfig,
        now: DateTime<Utc>,
    ) -> Result<Vault> {
        Self::create_inner(dir, passphrase, Some(duress), config, now, schema::LATEST)
    }

    /// Creates a vault at an older schema version with the key in the header, as an
    /// older Lantern did. Only for tests of the upgrade path; the app always uses
    /// [`Vault::create`].
    #[doc(hidden)]
    pub fn create_with_schema_version(
        dir: &Path,
        passphrase: &[u8],
        config: VaultConfig,
        now: DateTime<Utc>,
        version: usize,
    ) -> Result<Vault> {
        Self::create_inner(dir, passphrase, None, config, now, version)
    }

    fn create_inner(
        dir: &Path,
        passphrase: &[u8],
        duress: Option<&[u8]>,
        config: VaultConfig,
        now: DateTime<Utc>,
        version: usize,
    ) -> Result<Vault> {
        policy::check(passphrase)?;
        if let Some(d) = duress {
            policy::check_duress(passphrase, d)?;
        }
        crypto::PassphraseKey::check_params(config.kdf)?;
        prepare_dir(dir)?;
        let path = dir.join(DB_FILE);
        let created = (|| {
            let mut conn = schema::connect(&path, true)?;
            schema::migrations().to_version(&mut conn, version)?;
            Self::initialise(dir, conn, passphrase, duress, config, now, version)
        })();
        if created.is_err() {
            let _ = wipe::overwrite_and_delete(dir);
        }
        created
    }

    fn initialise(
        dir: &Path,
        mut conn: Connection,
        passphrase: &[u8],
        duress: Option<&[u8]>,
        config: VaultConfig,
        now: DateTime<Utc>,
        version: usize,
    ) -> Result<Vault> {
        let salt = crypto::random_salt()?;
        let key = DataKey::generate()?;
        let vault_id = uuid::Uuid::new_v4().to_string();
        let pk = PassphraseKey::derive(passphrase, &salt, config.kdf)?;
        let wrapped = pk.wrap(&key, &wrap_ad(&vault_id, 1, config.kdf))?;
        let in_keyfile = version >= 3;
        let header_wrapped = if in_keyfile {
            keyfile::write_slots(dir, &[(0, keyfile::slot(1, &wrapped)?)])?;
            random_bytes(WRAPPED_LEN)?
        } else {
            wrapped
        };
        // Without a duress passphrase the verifier is random bytes, so the header does
        // not reveal whether one is set.
        let verifier = match duress {
            Some(d) => PassphraseKey::derive(d, &salt, config.kdf)?
                .verifier(b"duress")
                .to_vec(),
            None => random_bytes(32)?,
        };
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO header (id, vault_id, format, kdf_m_cost_kib, kdf_t_cost, kdf_p_cost, salt, key_epoch, wrapped_key, duress_verifier)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?8)",
            params![
                vault_id,
                FORMAT,
                config.kdf.m_cost_kib,
                config.kdf.t_cost,
                config.kdf.p_cost,
                &salt[..],
                header_wrapped,
                verifier
            ],
        )?;
        if in_keyfile {
            tx.execute("UPDATE header SET keyfile = 1 WHERE id = 1", [])?;
        }
        tx.commit()?;
        let header = if in_keyfile {
            read_header(&conn)?
        } else {
            Header {
                vault_id: vault_id.clone(),
                kdf: config.kdf,
                salt: salt.to_vec(),
                key_epoch: 1,
                wrapped_key: Vec::new(),
                duress_verifier: Vec::new(),
                duress_kdf: None,
                keyfile: false,
            }
        };
        let mut vault = Vault {
            dir: dir.to_path_buf(),
            conn,
            header,
            key: Some(key),
            kek: Some(pk),
            state: Some(SealedState {
                key_epoch: 1,
                audit_seq: 0,
                audit_hash: crypto::to_hex(&audit::GENESIS),
                audit_broken_at: None,
                rows_mac: in_keyfile.then(|| crypto::to_hex(&[0u8; 32])),
            }),
            slot: 0,
            config,
            last_activity: std::cell::Cell::new(now),
            audit_broken_at: None,
            read_only: false,
        };
        vault.in_tx(|tx, v| {
            v.log(tx, now, AuditEvent::Create, "")?;
            Ok(())
        })?;
        Ok(vault)
    }

    /// Opens an existing vault, locked, bringing its schema up to date.
    pub fn open(dir: &Path, config: VaultConfig, now: DateTime<Utc>) -> Result<Vault> {
        let path = dir.join(DB_FILE);
        if !path.is_file() || std::fs::metadata(&path)?.len() == 0 {
            return Err(VaultError::NotAVault(dir.to_path_buf()));
        }
        tighten_modes(dir);
        let mut conn = schema::connect(&path, false)?;
        schema::migrations().to_latest(&mut conn)?;
        let header = read_header(&conn).map_err(|e| match e {
            VaultError::Database(rusqlite::Error::QueryReturnedNoRows) => {
                VaultError::NotAVault(dir.to_path_buf())
            }
            other => other,
        })?;
        Ok(Vault {
            dir: dir.to_path_buf(),
            conn,
            header,
            key: None,
            kek: None,
            state: None,
            slot: 0,
            config,
            last_activity: std::cell::Cell::new(now),
            audit_broken_at: None,
            read_only: false,
        })
    }

    /// A second handle on this unlocked vault that only reads, on its own read-only
    /// SQLite connection (WAL lets it read while this handle writes), so that a reader
    /// (a background sync, a results screen) need not wait behind autosaves for one
    /// lock. It holds a copy of the data key: drop it when this handle locks. It keeps
    /// its own idle timer, refuses every write, and refuses reads once the vault has been
    /// re-keyed (a withdrawal or a purge does that): open a new one then.
    pub fn reader(&self, now: DateTime<Utc>) -> Result<Vault> {
        self.active_read(now)?;
        let key = self.data_key()?.duplicate();
        let conn = schema::connect_read_only(&self.dir.join(DB_FILE))?;
        Ok(Vault {
            dir: self.dir.clone(),
            conn,
            header: self.header.clone(),
            key: Some(key),
            kek: None,
            state: None,
            slot: self.slot,
            config: self.config,
            last_activity: std::cell::Cell::new(now),
            audit_broken_at: self.audit_broken_at,
            read_only: true,
        })
    }

    /// Whether this is a read handle made by [`Vault::reader`].
    pub fn is_reader(&self) -> bool {
        self.read_only
    }

    /// The status of the vault in `dir`, read without writing anything (no migration,
    /// no journal-mode change): what `lantern vault status` shows (issue 13, L8).
    pub fn status_of(dir: &Path) -> Result<VaultStatus> {
        let path = dir.join(DB_FILE);
        if !path.is_file() || std::fs::metadata(&path)?.len() == 0 {
            return Err(VaultError::NotAVault(dir.to_path_buf()));
        }
        let conn = schema::connect_read_only(&path)?;
        let schema_version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let not_a_vault = |_| VaultError::NotAVault(dir.to_path_buf());
        let (vault_id, m, t, p, failed): (String, u32, u32, u32, i64) = conn
            .query_row(
                "SELECT vault_id, kdf_m_cost_kib, kdf_t_cost, kdf_p_cost, failed_unlocks FROM header WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .map_err(not_a_vault)?;
        Ok(VaultStatus {
            vault_id,
            format: FORMAT,
            schema_version: usize::try_from(schema_version).unwrap_or(0),
            kdf: KdfParams {
                m_cost_kib: m,
                t_cost: t,
                p_cost: p,
            },
            unlocked: false,
            forms: None,
            drafts: None,
            finalized: None,
            audit_entries: None,
            failed_unlocks: failed,
        })
    }

    /// The directory this vault lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether the data key is in memory.
    pub fn is_unlocked(&self) -> bool {
        self.key.is_some()
    }

    /// Unlocks with the passphrase. A wrong passphrase is counted and logged.
    ///
    /// The duress passphrase destroys every response and the team's working data
    /// (forms, sites, settings, outbox) by overwriting the key, keeps the vault's
    /// identity and the shape of its history, and leaves the vault unlocked under the
    /// duress passphrase, which from then on is its passphrase. The result is the same
    /// `Ok(())`, the work done is the same (one Argon2id per parameter set, one key-file
    /// write, one transaction) and the clear tables change the same way as in a normal
    /// unlock, so neither the screen, the timing nor `vault status` tells the person
    /// watching what happened. `docs/vault.md` lists what an examiner who imaged the
    /// disk *before* can still tell.
    pub fn unlock(&mut self, passphrase: &[u8], now: DateTime<Utc>) -> Result<()> {
        if self.read_only {
            return Err(VaultError::ReadHandle);
        }
        let header = read_header(&self.conn)?;
        self.header = header.clone();
        let kek = PassphraseKey::derive(passphrase, &header.salt, header.kdf)?;
        // The duress verifier's own parameters when they differ: derived on every
        // unlock, right or wrong or duress, so the time does not depend on which.
        let duress_key = match header.duress_kdf {
            Some(d) if d != header.kdf => Some(PassphraseKey::derive(passphrase, &header.salt, d)?),
            _ => None,
        };
        let is_duress = crypto::ct_eq(
            &duress_key.as_ref().unwrap_or(&kek).verifier(b"duress"),
            &header.duress_verifier,
        );
        drop(duress_key);
        let ad = wrap_ad(&header.vault_id, header.key_epoch, header.kdf);
        let mut found = None;
        if header.keyfile {
            let slots = keyfile::read(&self.dir)?.ok_or(VaultError::Decryption)?;
            for (i, slot) in slots.iter().enumerate() {
                let (epoch, wrapped) = keyfile::parse(slot, WRAPPED_LEN);
                // Both slots are tried, always: the time does not say which one held it.
                let opened = kek.unwrap(wrapped, &ad);
                if epoch == header.key_epoch
                    && let Ok(key) = opened
                {
                    found = Some((i, key));
                }
            }
        } else {
            found = kek.unwrap(&header.wrapped_key, &ad).ok().map(|k| (0, k));
        }
        match found {
            Some((slot, key)) => self.unlock_with(kek, key, slot, now),
            None if is_duress => self.duress(kek, now),
            None => {
                let tx = self.conn.transaction()?;
                tx.execute(
                    "UPDATE header SET failed_unlocks = failed_unlocks + 1 WHERE id = 1",
                    [],
                )?;
                // Written while locked, so it cannot be sealed: no detail, day only.
                audit::append(&tx, &day(now), AuditEvent::UnlockFailed.as_str(), "")?;
                tx.commit()?;
                Err(VaultError::WrongPassphrase)
            }
        }
    }

    fn unlock_with(
        &mut self,
        kek: PassphraseKey,
        key: DataKey,
        slot: usize,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut state = self.check_state(&key)?;
        // Compare the log with the anchor before this unlock moves it.
        let entries = audit::entries(&self.conn)?;
        let anchor = crypto::from_hex::<32>(&state.audit_hash)
            .map(|h| (state.audit_seq, h))
            .ok_or(VaultError::Decryption)?;
        self.audit_broken_at = state
            .audit_broken_at
            .or_else(|| audit::verify(&entries, Some(anchor)).err().map(|b| b.seq()));
        state.audit_broken_at = self.audit_broken_at;
        // The row commitment: a deleted, rolled-back or replayed row, or an edited
        // acknowledgement day or outbox state, is refused here (issue 13, M1, M2).
        let rows = rows_mac(&self.conn, &key)?;
        match &state.rows_mac {
            Some(sealed) if !crypto::ct_eq(sealed.as_bytes(), crypto::to_hex(&rows).as_bytes()) => {
                return Err(VaultError::Integrity);
            }
            Some(_) => {}
            // A vault from before issue 13: commit to what is there now.
            None => state.rows_mac = Some(crypto::to_hex(&rows)),
        }
        self.key = Some(key);
        self.kek = Some(kek);
        self.state = Some(state);
        self.slot = slot;
        self.last_activity.set(now);
        if !self.header.keyfile {
            // A vault from before issue 13: move the key out of the database into the
            // key slots file, under a new data key (every record re-sealed).
            return self.rekey(None, now, |tx, v| {
                tx.execute("UPDATE header SET failed_unlocks = 0 WHERE id = 1", [])?;
                v.log(tx, now, AuditEvent::Unlock, "")
            });
        }
        // Overwrite the spare slot: a key left there by a re-key that was killed after
        // its commit is destroyed now, and every unlock writes the key file the same
        // way a duress unlock does.
        keyfile::write_slots(&self.dir, &[(1 - slot, keyfile::empty_slot()?)])?;
        self.in_tx(|tx, v| {
            tx.execute("UPDATE header SET failed_unlocks = 0 WHERE id = 1", [])?;
            v.log(tx, now, AuditEvent::Unlock, "")?;
            Ok(())
        })
    }

    /// Checks the sealed state against the header: a rolled-back wrapped key opens with
    /// an old passphrase but carries an old epoch.
    fn check_state(&self, key: &DataKey) -> Result<SealedState> {
        let sealed: Option<Vec<u8>> = self
            .conn
            .query_row("SELECT sealed FROM vault_state WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?;
        let sealed = sealed.ok_or(VaultError::Decryption)?;
        let plain = key.open(&sealed, &state_ad(&self.header.vault_id))?;
        let state: SealedState =
            serde_json::from_slice(&plain).map_err(|_| VaultError::Decryption)?;
        if state.key_epoch != self.header.key_epoch {
            return Err(VaultError::Decryption);
        }
        Ok(state)
    }

    /// Forgets the data key and the passphrase key.
    pub fn lock(&mut self) {
        // Dropping them zeroizes their bytes.
        self.key = None;
        self.kek = None;
        self.state = None;
    }

    /// Locks if nothing happened for longer than the configured idle time. The app calls
    /// this from its timer; every operation also checks it first.
    pub fn lock_if_idle(&mut self, now: DateTime<Utc>) -> bool {
        if self.key.is_some() && self.idle_at(now) {
            self.lock();
            return true;
        }
        false
    }

    /// How long without activity before the vault locks itself.
    pub fn idle_lock(&self) -> TimeDelta {
        self.config.idle_lock
    }

    /// Changes the idle lock of this open vault (the app keeps the choice in a setting
    /// and applies it at each unlock).
    pub fn set_idle_lock(&mut self, idle: TimeDelta) {
        self.config.idle_lock = idle;
    }

    fn idle_at(&self, now: DateTime<Utc>) -> bool {
        now - self.last_activity.get() > self.config.idle_lock
    }

    fn active(&mut self, now: DateTime<Utc>) -> Result<()> {
        if self.read_only {
            return Err(VaultError::ReadHandle);
        }
        if self.lock_if_idle(now) || self.key.is_none() {
            return Err(VaultError::Locked);
        }
        self.touch(now);
        Ok(())
    }

    /// The read-only twin of `active`: an idle vault refuses the read (the key itself is
    /// dropped by the next `&mut` call or the app's `lock_if_idle` timer).
    fn active_read(&self, now: DateTime<Utc>) -> Result<()> {
        if self.key.is_none() || self.idle_at(now) {
            return Err(VaultError::Locked);
        }
        if self.read_only {
            // A re-key replaced the data key this handle copied.
            let epoch: i64 =
                self.conn
                    .query_row("SELECT key_epoch FROM header WHERE id = 1", [], |r| {
                        r.get(0)
                    })?;
            if epoch != self.header.key_epoch {
                return Err(VaultError::ReadHandle);
            }
        }
        self.touch(now);
        Ok(())
    }

    fn touch(&self, now: DateTime<Utc>) {
        if now > self.last_activity.get() {
            self.last_activity.set(now);
        }
    }

    fn data_key(&self) -> Result<&DataKey> {
        self.key.as_ref().ok_or(VaultError::Locked)
    }

    /// Runs `f` in one transaction (one fsync at commit). Audit entries and row changes
    /// it records through the context also move the sealed state (audit anchor, row
    /// commitment), in the same transaction.
    fn in_tx<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>, &VaultCtx<'_>) -> Result<T>,
    ) -> Result<T> {
        if self.read_only {
            return Err(VaultError::ReadHandle);
        }
        let key = self.key.as_ref().ok_or(VaultError::Locked)?;
        let tx = self.conn.transaction()?;
        let ctx = VaultCtx {
            key,
            header: &self.header,
            logged: std::cell::Cell::new(None),
            rows_delta: std::cell::Cell::new(None),
        };
        let out = f(&tx, &ctx)?;
        let mut new_state = None;
        if ctx.logged.get().is_some() || ctx.rows_delta.get().is_some() {
            let mut state = self.state.clone().ok_or(VaultError::Locked)?;
            if let Some((seq, hash)) = ctx.logged.get() {
                state.audit_seq = seq;
                state.audit_hash = crypto::to_hex(&hash);
            }
            state.audit_broken_at = self.audit_broken_at;
            if let Some(delta) = ctx.rows_delta.get()
                && let Some(mac) = &state.rows_mac
            {
                let mut acc = crypto::from_hex::<32>(mac).ok_or(VaultError::Decryption)?;
                xor_into(&mut acc, &delta);
                state.rows_mac = Some(crypto::to_hex(&acc));
            }
            write_state(&tx, key, &self.header.vault_id, &state)?;
            new_state = Some(state);
        }
        tx.commit()?;
        if let Some(state) = new_state {
            self.state = Some(state);
        }
        Ok(out)
    }

    /// Changes the passphrase and re-keys: a new data key, every record re-sealed under
    /// it and the old key overwritten, all in one transaction (issue 13, H1). An old
    /// copy of the vault and the old passphrase open nothing written after the change.
    pub fn change_passphrase(&mut self, old: &[u8], new: &[u8], now: DateTime<Utc>) -> Result<()> {
        self.active(now)?;
        policy::check(new)?;
        let header = self.header.clone();
        let old_key = PassphraseKey::derive(old, &header.salt, header.kdf)?;
        let current = self.kek.as_ref().ok_or(VaultError::Locked)?;
        if !crypto::ct_eq(&old_key.verifier(b"check"), &current.verifier(b"check")) {
            return Err(VaultError::WrongPassphrase);
        }
        drop(old_key);
        // The salt stays: the duress verifier is derived with it.
        let kdf = self.config.kdf;
        crypto::PassphraseKey::check_params(kdf)?;
        let new_key = PassphraseKey::derive(new, &header.salt, kdf)?;
        let duress_kdf = header.duress_kdf.unwrap_or(header.kdf);
        let new_as_duress = if duress_kdf == kdf {
            new_key.verifier(b"duress")
        } else {
            PassphraseKey::derive(new, &header.salt, duress_kdf)?.verifier(b"duress")
        };
        if crypto::ct_eq(&new_as_duress, &header.duress_verifier) {
            return Err(VaultError::InvalidInput(
                "the new passphrase must differ from the duress passphrase".into(),
            ));
        }
        self.rekey(Some((new_key, kdf)), now, |tx, v| {
            v.log(tx, now, AuditEvent::PassphraseChanged, "")
        })
    }

    /// Sets the duress passphrase (replacing any earlier one).
    pub fn set_duress_passphrase(&mut self, duress: &[u8], now: DateTime<Utc>) -> Result<()> {
        self.active(now)?;
        let header = self.header.clone();
        let key = PassphraseKey::derive(duress, &header.salt, header.kdf)?;
        let current = self.kek.as_ref().ok_or(VaultError::Locked)?;
        if duress.is_empty() || crypto::ct_eq(&key.verifier(b"check"), &current.verifier(b"check"))
        {
            return Err(VaultError::InvalidInput(
                "the duress passphrase must be non-empty and differ from the passphrase".into(),
            ));
        }
        let verifier = key.verifier(b"duress");
        self.header.duress_verifier = verifier.to_vec();
        self.header.duress_kdf = None;
        // No audit entry: even sealed, its existence would be one more thing to explain.
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE header SET duress_verifier = ?1, duress_kdf = NULL WHERE id = 1",
            [&verifier[..]],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn duress(&mut self, kek: PassphraseKey, now: DateTime<Utc>) -> Result<()> {
        let header = self.header.clone();
        let epoch = header.key_epoch + 1;
        let key = DataKey::generate()?;
        let wrapped = kek.wrap(&key, &wrap_ad(&header.vault_id, epoch, header.kdf))?;
        // Crypto-erasure of everything first: both slots overwritten, the new key in one.
        keyfile::write_slots(
            &self.dir,
            &[
                (0, keyfile::slot(epoch, &wrapped)?),
                (1, keyfile::empty_slot()?),
            ],
        )?;
        let entries = audit::entries(&self.conn)?;
        let tx = self.conn.transaction()?;
        for table in rekey::sealed_tables(&tx)? {
            if !matches!(table.name.as_str(), "audit_log" | "vault_state") {
                tx.execute(&format!("DELETE FROM \"{}\"", table.name), [])?;
            }
        }
        // The history keeps its shape (same number of entries on the same days, one
        // more for this unlock), its content becomes that of an ordinary vault.
        let mut rows = Vec::with_capacity(entries.len() + 1);
        for entry in &entries {
            if entry.event == AuditEvent::UnlockFailed.as_str() && entry.detail.is_empty() {
                rows.push((
                    entry.seq,
                    entry.at.clone(),
                    entry.event.clone(),
                    String::new(),
                ));
                continue;
            }
            let event = if entry.seq == 1 {
                AuditEvent::Create
            } else {
                AuditEvent::Unlock
            };
            let at_day = entry.at.get(..10).unwrap_or(&entry.at).to_string();
            let content = AuditContent {
                at: format!("{at_day}T09:00:00Z"),
                event: event.as_str().to_string(),
                detail: String::new(),
            };
            let sealed = key.seal(
                &padded_json(&content)?,
                &audit_ad(&header.vault_id, entry.seq),
            )?;
            rows.push((
                entry.seq,
                at_day,
                audit::SEALED_EVENT.to_string(),
                crypto::to_hex(&sealed),
            ));
        }
        let seq = entries.last().map_or(0, |e| e.seq) + 1;
        let content = AuditContent {
            at: second(now),
            event: AuditEvent::Unlock.as_str().to_string(),
            detail: String::new(),
        };
        let sealed = key.seal(&padded_json(&content)?, &audit_ad(&header.vault_id, seq))?;
        rows.push((
            seq,
            day(now),
            audit::SEALED_EVENT.to_string(),
            crypto::to_hex(&sealed),
        ));
        let head = audit::rewrite(&tx, &rows)?;
        tx.execute(
            "UPDATE header SET key_epoch = ?1, wrapped_key = ?2, duress_verifier = ?3, duress_kdf = NULL, failed_unlocks = 0, keyfile = 1 WHERE id = 1",
            params![epoch, random_bytes(WRAPPED_LEN)?, random_bytes(32)?],
        )?;
        let state = SealedState {
            key_epoch: epoch,
            audit_seq: head.0,
            audit_hash: crypto::to_hex(&head.1),
            audit_broken_at: None,
            rows_mac: Some(crypto::to_hex(&[0u8; 32])),
        };
        write_state(&tx, &key, &header.vault_id, &state)?;
        tx.commit()?;
        self.header = read_header(&self.conn)?;
        self.key = Some(key);
        self.kek = Some(kek);
        self.state = Some(state);
        self.slot = 0;
        self.audit_broken_at = None;
        self.last_activity.set(now);
        Ok(())
    }

    fn wipe_in_place(&mut self) -> Result<()> {
        self.lock();
        // Crypto-erase first: the key slots, then the header through SQLite, so that even
        // a wipe interrupted after this point leaves nothing that unwraps.
        if keyfile::path(&self.dir).exists() {
            keyfile::write_slots(
                &self.dir,
                &[(0, keyfile::empty_slot()?), (1, keyfile::empty_slot()?)],
            )?;
        }
        let junk = random_bytes(self.header.wrapped_key.len().max(64))?;
        self.conn.execute(
            "UPDATE header SET wrapped_key = ?1, salt = ?1 WHERE id = 1",
            [&junk],
        )?;
        // Zero the WAL before SQLite's close unlinks it: its frames hold the clear
        // columns of past rows. A failure here must not stop the wipe.
        let _ = self.truncate_wal();
        let conn = std::mem::replace(&mut self.conn, Connection::open_in_memory()?);
        conn.close().map_err(|(_, e)| VaultError::Database(e))?;
        wipe::overwrite_and_delete(&self.dir)?;
        Ok(())
    }

    /// Panic wipe: destroys the key slots and the header's key material, overwrites and
    /// deletes every vault file in the directory. Needs no passphrase.
    pub fn wipe(mut self) -> Result<()> {
        self.wipe_in_place()
    }

    /// Panic wipe of a directory that may hold a vault too damaged to open.
    pub fn wipe_dir(dir: &Path) -> Result<()> {
        if !dir.join(DB_FILE).is_file() {
            return Err(VaultError::NotAVault(dir.to_path_buf()));
        }
        match Vault::open(dir, VaultConfig::default(), DateTime::<Utc>::UNIX_EPOCH) {
            Ok(vault) => vault.wipe(),
            Err(_) => Ok(wipe::overwrite_and_delete(dir)?),
        }
    }

    /// Moves every WAL frame into the database, overwrites the WAL file with zeros in
    /// place, then truncates it, so that the blocks the file system frees hold nothing
    /// (ext4 does not erase freed blocks: without the zeros, every page image the WAL
    /// ever held, purged and withdrawn ciphertexts included, would stay readable in
    /// them, sealed under destroyed keys but there).
    ///
    /// Crash-safe: the zeros go in only after a checkpoint that copied every frame into
    /// the database and synced it, with no reader left on the WAL; the 32-byte header is
    /// zeroed and synced first, so a crash part-way leaves a WAL whose header SQLite
    /// rejects (it then ignores the file), never a shorter history it would replay over
    /// the newer database. When the checkpoint cannot complete (a reader holds an older
    /// snapshot), the WAL is left as it is and only truncated.
    fn truncate_wal(&self) -> Result<()> {
        let (busy, log, done): (i64, i64, i64) =
            self.conn
                .query_row("PRAGMA wal_checkpoint(RESTART)", [], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
        if busy == 0 && log >= 0 && log == done && !self.read_only {
            zero_in_place(&self.dir.join(format!("{DB_FILE}-wal")))?;
        }
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// The audit log as stored, oldest first (sealed entries show `sealed` and hex).
    pub fn audit_entries(&self) -> Result<Vec<AuditEntry>> {
        Ok(audit::entries(&self.conn)?)
    }

    /// The audit log with sealed entries opened (time, event and detail), oldest first.
    pub fn audit_events(&self, now: DateTime<Utc>) -> Result<Vec<AuditEntry>> {
        self.active_read(now)?;
        let key = self.data_key()?;
        let mut out = audit::entries(&self.conn)?;
        for entry in &mut out {
            if entry.event != audit::SEALED_EVENT {
                continue;
            }
            let sealed = crypto::from_hex_vec(&entry.detail).ok_or(VaultError::Decryption)?;
            let plain = key.open(&sealed, &audit_ad(&self.header.vault_id, entry.seq))?;
            let content: AuditContent =
                serde_json::from_slice(&plain).map_err(|_| VaultError::Decryption)?;
            entry.at = content.at;
            entry.event = content.event;
            entry.detail = content.detail;
        }
        Ok(out)
    }

    /// Checks the audit chain; when unlocked also checks it against the sealed anchor.
    /// Returns the number of entries checked. While locked only the chain's own
    /// consistency can be checked: a truncated or rewritten log needs the unlocked check.
    pub fn verify_log(&self) -> Result<usize> {
        let entries = self.audit_entries()?;
        if let Some(seq) = self.audit_broken_at {
            // Report the first break the chain itself shows, if any, else the anchor.
            return Err(VaultError::AuditBroken(
                audit::verify(&entries, None)
                    .err()
                    .unwrap_or(ChainBreak::AnchorMismatch { seq }),
            ));
        }
        let anchor = match &self.state {
            Some(s) if self.key.is_some() => {
                crypto::from_hex::<32>(&s.audit_hash).map(|h| (s.audit_seq, h))
            }
            _ => None,
        };
        audit::verify(&entries, anchor).map_err(VaultError::AuditBroken)?;
        Ok(entries.len())
    }

    /// Records an event that happens outside the vault (export, sync).
    pub fn record_event(
        &mut self,
        event: AuditEvent,
        detail: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.active(now)?;
        self.in_tx(|tx, v| {
            v.log(tx, now, event, detail)?;
            Ok(())
        })
    }

    /// Counts and parameters. The counts are shown only while unlocked.
    pub fn status(&self) -> Result<VaultStatus> {
        let count = |sql: &str| -> Result<i64> { Ok(self.conn.query_row(sql, [], |r| r.get(0))?) };
        let schema_version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let unlocked = self.key.is_some();
        let when_unlocked = |sql: &str| -> Result<Option<i64>> {
            if unlocked {
                count(sql).map(Some)
            } else {
                Ok(None)
            }
        };
        Ok(VaultStatus {
            vault_id: self.header.vault_id.clone(),
            format: FORMAT,
            schema_version: usize::try_from(schema_version).unwrap_or(0),
            kdf: self.header.kdf,
            unlocked,
            forms: when_unlocked("SELECT count(*) FROM forms")?,
            drafts: when_unlocked("SELECT count(*) FROM submissions WHERE status = 'draft'")?,
            finalized: when_unlocked(
                "SELECT count(*) FROM submissions WHERE status = 'finalized'",
            )?,
            audit_entries: when_unlocked("SELECT count(*) FROM audit_log")?,
            failed_unlocks: count("SELECT failed_unlocks FROM header WHERE id = 1")?,
        })
    }

    /// SQLite's own consistency check (`PRAGMA integrity_check`); true when "ok".
    pub fn integrity_check(&self) -> Result<bool> {
        let result: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        Ok(result == "ok")
    }
}

/// What a sealed audit entry holds.
#[derive(serde::Serialize, serde::Deserialize)]
struct AuditContent {
    at: String,
    event: String,
    detail: String,
}

fn write_state(
    tx: &rusqlite::Transaction<'_>,
    key: &DataKey,
    vault_id: &str,
    state: &SealedState,
) -> Result<()> {
    let sealed = key.seal(&padded_json(state)?, &state_ad(vault_id))?;
    tx.execute(
        "INSERT INTO vault_state (id, sealed) VALUES (1, ?1)
         ON CONFLICT (id) DO UPDATE SET sealed = excluded.sealed",
        [sealed],
    )?;
    Ok(())
}

/// What a transaction body may use: the key, the header, the audit log and the row
/// commitment.
struct VaultCtx<'a> {
    key: &'a DataKey,
    header: &'a Header,
    logged: std::cell::Cell<Option<(i64, [u8; 32])>>,
    rows_delta: std::cell::Cell<Option<[u8; 32]>>,
}

impl VaultCtx<'_> {
    /// Appends a sealed audit entry: day in clear, time, event and detail sealed.
    fn log(
        &self,
        tx: &rusqlite::Transaction<'_>,
        now: DateTime<Utc>,
        event: AuditEvent,
        detail: &str,
    ) -> Result<()> {
        let (last, _) = audit::head(tx)?;
        let content = AuditContent {
            at: second(now),
            event: event.as_str().to_string(),
            detail: detail.to_string(),
        };
        let sealed = self.key.seal(
            &padded_json(&content)?,
            &audit_ad(&self.header.vault_id, last + 1),
        )?;
        let head = audit::append(tx, &day(now), audit::SEALED_EVENT, &crypto::to_hex(&sealed))?;
        self.logged.set(Some(head));
        Ok(())
    }

    /// Seals a JSON value for row `id` of `table` (associated data `table ‖ vault id ‖
    /// id`), padded. This is the helper a new sealed table uses: a re-key re-seals every
    /// table with a `sealed` column and a one-column primary key this way.
    fn seal_row<T: serde::Serialize + ?Sized>(
        &self,
        table: &str,
        id: &str,
        value: &T,
    ) -> Result<Vec<u8>> {
        Ok(self.key.seal(
            &padded_json(value)?,
            &associated_data(&[table, &self.header.vault_id, id]),
        )?)
    }

    /// Records that a committed row left (`old`) and/or arrived (`new`).
    fn rows_changed(&self, old: Option<[u8; 32]>, new: Option<[u8; 32]>) {
        let mut delta = self.rows_delta.get().unwrap_or([0u8; 32]);
        if let Some(m) = old {
            xor_into(&mut delta, &m);
        }
        if let Some(m) = new {
            xor_into(&mut delta, &m);
        }
        self.rows_delta.set(Some(delta));
    }
}

/// Closing: SQLite's close would checkpoint and unlink the WAL, leaving every page image
/// it held in blocks the file system frees without erasing. The WAL is zeroed first.
impl Drop for Vault {
    fn drop(&mut self) {
        if !self.read_only && self.dir.join(format!("{DB_FILE}-wal")).exists() {
            let _ = self.truncate_wal();
        }
    }
}

/// Overwrites a file with zeros in place, header (first 32 bytes) first and synced, then
/// the rest, synced. A missing file is nothing to do.
fn zero_in_place(path: &Path) -> Result<()> {
    use std::io::{Seek, SeekFrom, Write};
    let mut f = match std::fs::OpenOptions::new().write(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let len = f.metadata()?.len();
    if len == 0 {
        return Ok(());
    }
    let head = len.min(32);
    f.write_all(&[0u8; 32][..head as usize])?;
    f.sync_data()?;
    let zeros = [0u8; 64 * 1024];
    let mut at = head;
    f.seek(SeekFrom::Start(at))?;
    while at < len {
        let n = (len - at).min(zeros.len() as u64) as usize;
        f.write_all(&zeros[..n])?;
        at += n as u64;
    }
    f.sync_data()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The zeroing of the WAL (`truncate_wal`) relies on this: once a checkpoint has
    /// copied every frame into the database, a WAL whose header is zeros (a crash right
    /// after the header was overwritten) is ignored and loses nothing; a WAL zeroed
    /// whole is the same; and the vault, reopened, holds every record.
    #[test]
    fn a_checkpointed_wal_with_a_zeroed_header_loses_nothing() {
        let t = DateTime::parse_from_rfc3339("2026-11-23T09:45:00Z")
            .unwrap()
            .to_utc();
        let cfg = VaultConfig {
            kdf: KdfParams::INSECURE_FAST_FOR_TESTS,
            idle_lock: TimeDelta::minutes(5),
        };
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("v");
        let mut v = Vault::create(&dir, b"correct horse battery", cfg, t).unwrap();
        for i in 0..30 {
            let meta = SubmissionMeta {
                id: format!("uuid:{i}"),
                form_id: "f".into(),
                form_version: "1".into(),
            };
            v.save_draft(&meta, &serde_json::json!({ "n": i }), t)
                .unwrap();
        }
        // The state `truncate_wal` zeroes from: every frame checkpointed.
        let (busy, log, done): (i64, i64, i64) = v
            .conn
            .query_row("PRAGMA wal_checkpoint(RESTART)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap();
        assert_eq!((busy, log), (0, done));
        assert!(log > 0, "the WAL held frames");
        let wal = dir.join(format!("{DB_FILE}-wal"));
        for zero_all in [false, true] {
            // A copy of the folder as a crash would leave it.
            let copy = tmp.path().join(format!("crash-{zero_all}"));
            std::fs::create_dir_all(&copy).unwrap();
            for entry in std::fs::read_dir(&dir).unwrap() {
                let p = entry.unwrap().path();
                std::fs::copy(&p, copy.join(p.file_name().unwrap())).unwrap();
            }
            let copied_wal = copy.join(format!("{DB_FILE}-wal"));
            assert!(std::fs::metadata(&copied_wal).unwrap().len() > 32);
            if zero_all {
                zero_in_place(&copied_wal).unwrap();
            } else {
                use std::io::Write;
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&copied_wal)
                    .unwrap();
                f.write_all(&[0u8; 32]).unwrap();
            }
            // The shared-memory index of the crashed process is gone too.
            let _ = std::fs::remove_file(copy.join(format!("{DB_FILE}-shm")));
            let mut back = Vault::open(&copy, cfg, t).unwrap();
            back.unlock(b"correct horse battery", t).unwrap();
            assert!(back.integrity_check().unwrap());
            for i in 0..30 {
                let s = back.open_submission(&format!("uuid:{i}"), t).unwrap();
                assert_eq!(s.content, serde_json::json!({ "n": i }));
            }
        }
        drop(v);
        // Closing zeroes and truncates the WAL before SQLite removes it.
        assert!(!wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0);
    }

    /// Padding buckets (M5) and a plaintext buffer allocated once at its final size, so
    /// no reallocation leaves a copy behind (L6).
    #[test]
    fn padded_json_fills_a_buffer_allocated_once() {
        assert_eq!(padded_len(0), 512);
        assert_eq!(padded_len(513), 1024);
        assert_eq!(padded_len(64 * 1024), 64 * 1024);
        assert_eq!(padded_len(64 * 1024 + 1), 128 * 1024);
        for n in [1usize, 400, 3000, 70_000] {
            let value = serde_json::json!({"notes": "x".repeat(n)});
            let plain = padded_json(&value).unwrap();
            assert_eq!(plain.len(), padded_len(n + 13));
            assert_eq!(plain.capacity(), plain.len());
            let back: serde_json::Value = serde_json::from_slice(&plain).unwrap();
            assert_eq!(back, value);
        }
    }
}

//! The encrypted vault: where every response lives on the device, from the first
//! keystroke of a draft to its retention purge.
//!
//! One SQLite file per vault directory (`vault.db`, WAL, `synchronous=FULL`,
//! `secure_delete=ON`). Only ids, form id/version, status and day-level dates are in
//! clear; answers, site choices, notes, consent records, form definitions, sites,
//! settings and outbox payloads are sealed with AES-256-GCM under a random data key,
//! which is itself wrapped by an Argon2id key from the passphrase. `docs/vault.md`
//! describes the on-disk format, the crypto and the threat model.
//!
//! Time is always passed in (`now`): the vault never reads the clock, so auto-lock and
//! retention are testable and the app decides what "now" is.
//!
//! This file holds the vault's lifecycle (create, open, unlock, lock, passphrases,
//! duress, wipe, status); `submissions`, `records` (forms, sites, settings, outbox),
//! `retention`, `audit` and `backup` add the rest; `crypto` alone handles keys.

pub mod audit;
pub mod backup;
mod contributions;
pub mod crypto;
mod device;
mod records;
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
            VaultError::WrongPassphrase => "vault.wrong_passphrase",
            VaultError::Decryption => "vault.decryption",
            VaultError::NoSuchSubmission(_) => "vault.no_such_submission",
            VaultError::Frozen(_) => "vault.frozen",
            VaultError::InvalidInput(_) => "vault.invalid_input",
            VaultError::AuditBroken(_) => "vault.audit_broken",
            VaultError::BackupFormat => "vault.backup_format",
            VaultError::KdfParams => "vault.kdf_params",
            VaultError::Random => "vault.random",
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

/// A decrypted submission.
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    pub summary: SubmissionSummary,
    pub content: serde_json::Value,
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
}

/// What a retention purge removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurgeReport {
    pub purged_ids: Vec<String>,
    /// Finalized and acknowledged submissions kept because no retention period applies.
    pub kept_without_period: usize,
}

/// What `lantern vault status` shows; readable while locked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VaultStatus {
    pub vault_id: String,
    pub format: i64,
    pub schema_version: usize,
    pub kdf: KdfParams,
    pub unlocked: bool,
    pub forms: i64,
    pub drafts: i64,
    pub finalized: i64,
    pub audit_entries: i64,
    pub failed_unlocks: i64,
}

/// The vault header, in clear in the `header` table.
#[derive(Clone)]
struct Header {
    vault_id: String,
    kdf: KdfParams,
    salt: Vec<u8>,
    key_epoch: i64,
    wrapped_key: Vec<u8>,
    duress_verifier: Vec<u8>,
}

/// Sealed state kept apart from the header (see `docs/vault.md`, rollback).
#[derive(serde::Serialize, serde::Deserialize)]
struct SealedState {
    key_epoch: i64,
    audit_seq: i64,
    audit_hash: String,
    /// Set once an unlock finds the log no longer contains the anchored entry; kept
    /// in every later state so the finding survives further appends.
    #[serde(default)]
    audit_broken_at: Option<i64>,
}

/// An open vault directory, locked or unlocked.
pub struct Vault {
    dir: PathBuf,
    conn: Connection,
    header: Header,
    key: Option<DataKey>,
    config: VaultConfig,
    last_activity: DateTime<Utc>,
    /// The anchored audit entry found missing or changed at unlock, if any.
    audit_broken_at: Option<i64>,
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

fn submission_ad(vault_id: &str, meta: &SubmissionMeta, status: Status) -> Vec<u8> {
    submission_ad_parts(
        vault_id,
        &meta.id,
        &meta.form_id,
        &meta.form_version,
        status,
    )
}

fn submission_ad_parts(
    vault_id: &str,
    id: &str,
    form_id: &str,
    form_version: &str,
    status: Status,
) -> Vec<u8> {
    associated_data(&[
        "submission",
        vault_id,
        id,
        form_id,
        form_version,
        status.as_str(),
    ])
}

fn state_ad(vault_id: &str) -> Vec<u8> {
    associated_data(&["vault-state", vault_id])
}

fn read_header(conn: &Connection) -> Result<Header> {
    let header = conn.query_row(
        "SELECT vault_id, kdf_m_cost_kib, kdf_t_cost, kdf_p_cost, salt, key_epoch, wrapped_key, duress_verifier FROM header WHERE id = 1",
        [],
        |r| {
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
            })
        },
    )?;
    Ok(header)
}

impl Vault {
    /// Creates a new vault in `dir` (created if missing) and returns it unlocked.
    pub fn create(
        dir: &Path,
        passphrase: &[u8],
        config: VaultConfig,
        now: DateTime<Utc>,
    ) -> Result<Vault> {
        Self::create_with_schema_version(dir, passphrase, config, now, schema::LATEST)
    }

    /// Creates a vault at an older schema version. Only for the test that proves old
    /// vaults still open; the app always uses [`Vault::create`].
    #[doc(hidden)]
    pub fn create_with_schema_version(
        dir: &Path,
        passphrase: &[u8],
        config: VaultConfig,
        now: DateTime<Utc>,
        version: usize,
    ) -> Result<Vault> {
        if passphrase.is_empty() {
            return Err(VaultError::InvalidInput(
                "the passphrase must not be empty".into(),
            ));
        }
        std::fs::create_dir_all(dir)?;
        let path = dir.join(DB_FILE);
        if path.exists() {
            return Err(VaultError::AlreadyExists(dir.to_path_buf()));
        }
        let mut conn = schema::connect(&path, true)?;
        schema::migrations().to_version(&mut conn, version)?;
        let salt = crypto::random_salt()?;
        let key = DataKey::generate()?;
        let vault_id = uuid::Uuid::new_v4().to_string();
        let pk = PassphraseKey::derive(passphrase, &salt, config.kdf)?;
        let wrapped = pk.wrap(&key, &wrap_ad(&vault_id, 1, config.kdf))?;
        // With no duress passphrase the verifier is random bytes, so the header does not
        // reveal whether one is set.
        let mut verifier = [0u8; 32];
        crypto::fill_random(&mut verifier)?;
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
                wrapped,
                &verifier[..]
            ],
        )?;
        tx.commit()?;
        let header = read_header(&conn)?;
        let mut vault = Vault {
            dir: dir.to_path_buf(),
            conn,
            header,
            key: Some(key),
            config,
            last_activity: now,
            audit_broken_at: None,
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
        if !path.is_file() {
            return Err(VaultError::NotAVault(dir.to_path_buf()));
        }
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
            config,
            last_activity: now,
            audit_broken_at: None,
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

    /// Unlocks with the passphrase. A wrong passphrase is counted and logged. The duress
    /// passphrase destroys everything and leaves an empty vault unlocked under it; the
    /// result is deliberately the same `Ok(())` so nothing on screen differs.
    pub fn unlock(&mut self, passphrase: &[u8], now: DateTime<Utc>) -> Result<()> {
        let header = read_header(&self.conn)?;
        self.header = header.clone();
        let pk = PassphraseKey::derive(passphrase, &header.salt, header.kdf)?;
        let ad = wrap_ad(&header.vault_id, header.key_epoch, header.kdf);
        match pk.unwrap(&header.wrapped_key, &ad) {
            Ok(key) => {
                let state = self.check_state(&key)?;
                // Compare the log with the anchor before this unlock moves it.
                let entries = audit::entries(&self.conn)?;
                let anchor = crypto::from_hex::<32>(&state.audit_hash)
                    .map(|h| (state.audit_seq, h))
                    .ok_or(VaultError::Decryption)?;
                self.audit_broken_at = state.audit_broken_at.or_else(|| {
                    audit::verify(&entries, Some(anchor))
                        .err()
                        .map(|_| state.audit_seq)
                });
                self.key = Some(key);
                self.last_activity = now;
                self.in_tx(|tx, v| {
                    tx.execute("UPDATE header SET failed_unlocks = 0 WHERE id = 1", [])?;
                    v.log(tx, now, AuditEvent::Unlock, "")?;
                    Ok(())
                })
            }
            Err(_) => {
                if crypto::ct_eq(&pk.verifier(b"duress"), &header.duress_verifier) {
                    return self.duress(passphrase, now);
                }
                let tx = self.conn.transaction()?;
                tx.execute(
                    "UPDATE header SET failed_unlocks = failed_unlocks + 1 WHERE id = 1",
                    [],
                )?;
                let count: i64 =
                    tx.query_row("SELECT failed_unlocks FROM header WHERE id = 1", [], |r| {
                        r.get(0)
                    })?;
                audit::append(
                    &tx,
                    &second(now),
                    AuditEvent::UnlockFailed.as_str(),
                    &format!("consecutive_failures={count}"),
                )?;
                tx.commit()?;
                Err(VaultError::WrongPassphrase)
            }
        }
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

    fn sealed_state(&self) -> Result<Option<SealedState>> {
        let key = self.key.as_ref().ok_or(VaultError::Locked)?;
        let sealed: Option<Vec<u8>> = self
            .conn
            .query_row("SELECT sealed FROM vault_state WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?;
        match sealed {
            None => Ok(None),
            Some(sealed) => {
                let plain = key.open(&sealed, &state_ad(&self.header.vault_id))?;
                Ok(Some(
                    serde_json::from_slice(&plain).map_err(|_| VaultError::Decryption)?,
                ))
            }
        }
    }

    /// Forgets the data key.
    pub fn lock(&mut self) {
        // Dropping the DataKey zeroizes its bytes.
        self.key = None;
    }

    /// Locks if nothing happened for longer than the configured idle time. The app calls
    /// this from its timer; every operation also checks it first.
    pub fn lock_if_idle(&mut self, now: DateTime<Utc>) -> bool {
        if self.key.is_some() && now - self.last_activity > self.config.idle_lock {
            self.lock();
            return true;
        }
        false
    }

    fn active(&mut self, now: DateTime<Utc>) -> Result<()> {
        if self.lock_if_idle(now) || self.key.is_none() {
            return Err(VaultError::Locked);
        }
        if now > self.last_activity {
            self.last_activity = now;
        }
        Ok(())
    }

    fn data_key(&self) -> Result<&DataKey> {
        self.key.as_ref().ok_or(VaultError::Locked)
    }

    /// Runs `f` in one transaction (one fsync at commit). Audit entries written with
    /// [`Vault::log`] inside it also move the sealed anchor, in the same transaction.
    fn in_tx<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>, &VaultCtx<'_>) -> Result<T>,
    ) -> Result<T> {
        let key = self.key.as_ref().ok_or(VaultError::Locked)?;
        let tx = self.conn.transaction()?;
        let ctx = VaultCtx {
            key,
            header: &self.header,
            logged: std::cell::Cell::new(None),
        };
        let out = f(&tx, &ctx)?;
        if let Some((seq, hash)) = ctx.logged.get() {
            let state = SealedState {
                key_epoch: self.header.key_epoch,
                audit_seq: seq,
                audit_hash: crypto::to_hex(&hash),
                audit_broken_at: self.audit_broken_at,
            };
            let plain = Zeroizing::new(
                serde_json::to_vec(&state).map_err(|e| VaultError::InvalidInput(e.to_string()))?,
            );
            let sealed = key.seal(&plain, &state_ad(&self.header.vault_id))?;
            tx.execute(
                "INSERT INTO vault_state (id, sealed) VALUES (1, ?1)
                 ON CONFLICT (id) DO UPDATE SET sealed = excluded.sealed",
                [sealed],
            )?;
        }
        tx.commit()?;
        Ok(out)
    }

    /// Changes the passphrase: only the data key is rewrapped; no record is touched.
    pub fn change_passphrase(&mut self, old: &[u8], new: &[u8], now: DateTime<Utc>) -> Result<()> {
        self.active(now)?;
        if new.is_empty() {
            return Err(VaultError::InvalidInput(
                "the passphrase must not be empty".into(),
            ));
        }
        let header = self.header.clone();
        let old_key = PassphraseKey::derive(old, &header.salt, header.kdf)?;
        let ad = wrap_ad(&header.vault_id, header.key_epoch, header.kdf);
        if old_key.unwrap(&header.wrapped_key, &ad).is_err() {
            return Err(VaultError::WrongPassphrase);
        }
        // The salt stays: it is per vault, and keeping it keeps the duress verifier valid.
        let kdf = self.config.kdf;
        let new_key = PassphraseKey::derive(new, &header.salt, kdf)?;
        if crypto::ct_eq(&new_key.verifier(b"duress"), &header.duress_verifier) {
            return Err(VaultError::InvalidInput(
                "the new passphrase must differ from the duress passphrase".into(),
            ));
        }
        let epoch = header.key_epoch + 1;
        let wrapped = new_key.wrap(self.data_key()?, &wrap_ad(&header.vault_id, epoch, kdf))?;
        self.header.key_epoch = epoch;
        self.header.kdf = kdf;
        self.header.wrapped_key = wrapped.clone();
        self.in_tx(|tx, v| {
            tx.execute(
                "UPDATE header SET wrapped_key = ?1, key_epoch = ?2, kdf_m_cost_kib = ?3, kdf_t_cost = ?4, kdf_p_cost = ?5 WHERE id = 1",
                params![wrapped, epoch, kdf.m_cost_kib, kdf.t_cost, kdf.p_cost],
            )?;
            v.log(tx, now, AuditEvent::PassphraseChanged, &format!("key_epoch={epoch}"))?;
            Ok(())
        })
    }

    /// Sets the duress passphrase (replacing any earlier one).
    pub fn set_duress_passphrase(&mut self, duress: &[u8], now: DateTime<Utc>) -> Result<()> {
        self.active(now)?;
        let header = self.header.clone();
        let key = PassphraseKey::derive(duress, &header.salt, header.kdf)?;
        let ad = wrap_ad(&header.vault_id, header.key_epoch, header.kdf);
        if duress.is_empty() || key.unwrap(&header.wrapped_key, &ad).is_ok() {
            return Err(VaultError::InvalidInput(
                "the duress passphrase must be non-empty and differ from the passphrase".into(),
            ));
        }
        let verifier = key.verifier(b"duress");
        self.header.duress_verifier = verifier.to_vec();
        self.in_tx(|tx, v| {
            tx.execute(
                "UPDATE header SET duress_verifier = ?1 WHERE id = 1",
                [&verifier[..]],
            )?;
            v.log(tx, now, AuditEvent::DuressSet, "")?;
            Ok(())
        })
    }

    fn duress(&mut self, passphrase: &[u8], now: DateTime<Utc>) -> Result<()> {
        let config = self.config;
        self.wipe_in_place()?;
        // An empty vault under the duress passphrase, with nothing in its log that says
        // a wipe happened: the person holding the device must not be put at risk.
        let fresh = Vault::create(&self.dir, passphrase, config, now)?;
        *self = fresh;
        Ok(())
    }

    fn wipe_in_place(&mut self) -> Result<()> {
        self.key = None;
        // Crypto-erase first, through SQLite, so that even a wipe interrupted after this
        // point leaves nothing that unwraps.
        let mut junk = vec![0u8; self.header.wrapped_key.len().max(64)];
        crypto::fill_random(&mut junk)?;
        self.conn.execute(
            "UPDATE header SET wrapped_key = ?1, salt = ?1 WHERE id = 1",
            [&junk],
        )?;
        let conn = std::mem::replace(&mut self.conn, Connection::open_in_memory()?);
        conn.close().map_err(|(_, e)| VaultError::Database(e))?;
        wipe::overwrite_and_delete(&self.dir)?;
        Ok(())
    }

    /// Panic wipe: destroys the wrapped key, overwrites and deletes every vault file in
    /// the directory. Needs no passphrase.
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

    /// Moves every WAL frame into the database and truncates the WAL file, so deleted
    /// rows' old pages do not linger in `vault.db-wal` (they are ciphertext regardless).
    fn truncate_wal(&self) -> Result<()> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// The audit log, oldest first.
    pub fn audit_entries(&self) -> Result<Vec<AuditEntry>> {
        Ok(audit::entries(&self.conn)?)
    }

    /// Checks the audit chain; when unlocked also checks it against the sealed anchor.
    /// Returns the number of entries checked.
    pub fn verify_log(&self) -> Result<usize> {
        let entries = self.audit_entries()?;
        if let Some(seq) = self.audit_broken_at {
            return Err(VaultError::AuditBroken(ChainBreak::AnchorMismatch { seq }));
        }
        let anchor = if self.key.is_some() {
            self.sealed_state()?
                .and_then(|s| crypto::from_hex::<32>(&s.audit_hash).map(|h| (s.audit_seq, h)))
        } else {
            None
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

    /// Counts and parameters; works while locked.
    pub fn status(&self) -> Result<VaultStatus> {
        let count = |sql: &str| -> Result<i64> { Ok(self.conn.query_row(sql, [], |r| r.get(0))?) };
        let schema_version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?;
        Ok(VaultStatus {
            vault_id: self.header.vault_id.clone(),
            format: FORMAT,
            schema_version: usize::try_from(schema_version).unwrap_or(0),
            kdf: self.header.kdf,
            unlocked: self.key.is_some(),
            forms: count("SELECT count(*) FROM forms")?,
            drafts: count("SELECT count(*) FROM submissions WHERE status = 'draft'")?,
            finalized: count("SELECT count(*) FROM submissions WHERE status = 'finalized'")?,
            audit_entries: count("SELECT count(*) FROM audit_log")?,
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

/// What a transaction body may use: the key, the header, and the audit log.
struct VaultCtx<'a> {
    key: &'a DataKey,
    header: &'a Header,
    logged: std::cell::Cell<Option<(i64, [u8; 32])>>,
}

impl VaultCtx<'_> {
    fn log(
        &self,
        tx: &rusqlite::Transaction<'_>,
        now: DateTime<Utc>,
        event: AuditEvent,
        detail: &str,
    ) -> Result<()> {
        let head = audit::append(tx, &second(now), event.as_str(), detail)?;
        self.logged.set(Some(head));
        Ok(())
    }
}

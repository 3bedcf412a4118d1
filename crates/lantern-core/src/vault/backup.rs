//! Encrypted backup and restore of a whole vault: one file, sealed either under a
//! separate backup passphrase (Argon2id) or to an organisation's X25519 public key so
//! only headquarters can open it.
//!
//! File layout: a mode byte, the mode's header (salt and Argon2id parameters, or the
//! ephemeral public key), then one AES-256-GCM sealed body whose associated data is
//! everything before it. No magic: a file found on a seized phone or stick does not say
//! "Lantern backup" in its first bytes (L4). Files written before this start with the
//! `LNTNBAK1` magic and still restore. The body is the vault's
//! content as JSON, built and parsed in zeroizing memory only: no plaintext temp file.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

pub use super::crypto::OrgSecretKey;
use super::crypto::{self, BackupKey, KdfParams};
use super::{
    AuditEntry, AuditEvent, FormMedia, FormRecord, ListFilter, Status, SubmissionMeta, Vault,
    VaultConfig, VaultError, audit,
};

/// The magic of backups written before the format dropped it; read, never written.
const LEGACY_MAGIC: &[u8; 8] = b"LNTNBAK1";
const MODE_PASSPHRASE: u8 = 1;
/// Written before issue 13: the organisation's public key was in the header too.
const MODE_ORG_KEY: u8 = 2;
/// Since issue 13 (L4): only the ephemeral public key; the organisation's public key,
/// which would identify the NGO to whoever finds the file, is not stored (headquarters
/// derives it from its secret key; it is still bound through the key derivation).
const MODE_ORG_KEY_ANON: u8 = 3;

/// Who can open a backup.
pub enum BackupRecipient<'a> {
    /// Anyone with this backup passphrase (kept apart from the vault passphrase).
    Passphrase(&'a [u8]),
    /// Only the holder of the organisation's X25519 secret key.
    OrgKey([u8; 32]),
}

/// What opens a backup.
pub enum BackupSecret<'a> {
    Passphrase(&'a [u8]),
    OrgKey(&'a OrgSecretKey),
}

#[derive(Serialize, Deserialize)]
struct Body {
    vault_id: String,
    forms: Vec<FormEntry>,
    submissions: Vec<SubmissionEntry>,
    sites: Vec<(String, serde_json::Value)>,
    settings: Vec<(String, serde_json::Value)>,
    outbox: Vec<OutboxEntry>,
    audit: Vec<AuditEntry>,
    /// Each finalized submission's sealed indicator contributions, opened, as (id, hex):
    /// a restored vault aggregates what the lost one did. Absent in older backups.
    #[serde(default)]
    contributions: Vec<(String, String)>,
}

#[derive(Serialize, Deserialize)]
struct FormEntry {
    form_id: String,
    version: String,
    definition_hex: String,
    retention_days: Option<u32>,
    /// The form's data files as (name, hex); absent in backups made before issue 10.
    #[serde(default)]
    media: Vec<(String, String)>,
}

#[derive(Serialize, Deserialize)]
struct SubmissionEntry {
    id: String,
    form_id: String,
    form_version: String,
    status: Status,
    created_day: String,
    updated_day: String,
    finalized_day: Option<String>,
    acknowledged_day: Option<String>,
    content: serde_json::Value,
}

#[derive(Serialize, Deserialize)]
struct OutboxEntry {
    id: String,
    created_day: String,
    state: String,
    payload: serde_json::Value,
}

/// Counts of what a backup holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    pub submissions: usize,
    pub forms: usize,
    pub bytes: usize,
    /// Records that did not decrypt (damaged or tampered) and were left out, as
    /// `table:id`: one bad record never blocks an evacuation backup (issue 13, M6).
    pub skipped: Vec<String>,
}

impl Vault {
    /// Writes the whole vault, encrypted, to `file`.
    pub fn backup(
        &mut self,
        file: &Path,
        recipient: BackupRecipient<'_>,
        now: DateTime<Utc>,
    ) -> Result<BackupReport, VaultError> {
        self.active(now)?;
        let mut skipped = Vec::new();
        let mut submissions = Vec::new();
        for summary in self.list(&ListFilter::default())? {
            match self.read_submission(&summary.id) {
                Ok(s) => submissions.push(SubmissionEntry {
                    id: s.summary.id,
                    form_id: s.summary.form_id,
                    form_version: s.summary.form_version,
                    status: s.summary.status,
                    created_day: s.summary.created_day,
                    updated_day: s.summary.updated_day,
                    finalized_day: s.summary.finalized_day,
                    acknowledged_day: s.summary.acknowledged_day,
                    content: s.content,
                }),
                Err(VaultError::Decryption) => skipped.push(format!("submissions:{}", summary.id)),
                Err(e) => return Err(e),
            }
        }
        let form_keys: Vec<(String, String)> = {
            let mut stmt = self
                .conn
                .prepare("SELECT form_id, version FROM forms ORDER BY form_id, version")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut forms = Vec::new();
        for (form_id, version) in form_keys {
            let f = match self.form(&form_id, &version, now) {
                Ok(f) => f,
                Err(VaultError::Decryption) => {
                    skipped.push(format!("forms:{form_id}@{version}"));
                    continue;
                }
                Err(e) => return Err(e),
            };
            forms.push(FormEntry {
                form_id: f.form_id,
                version: f.version,
                definition_hex: crypto::to_hex(&f.definition),
                retention_days: f.retention_days,
                media: f
                    .media
                    .iter()
                    .map(|m| (m.name.clone(), crypto::to_hex(&m.bytes)))
                    .collect(),
            });
        }
        let mut contributions = Vec::new();
        {
            let key = self.data_key()?;
            let mut stmt = self.conn.prepare(
                "SELECT submission_id, form_id, sealed FROM contributions ORDER BY rowid",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let id: String = r.get(0)?;
                let form_id: String = r.get(1)?;
                let sealed: Vec<u8> = r.get(2)?;
                let ad =
                    super::contributions::contributions_ad(&self.header.vault_id, &id, &form_id);
                match key.open(&sealed, &ad) {
                    Ok(plain) => contributions.push((id, crypto::to_hex(&plain))),
                    Err(_) => skipped.push(format!("contributions:{id}")),
                }
            }
        }
        let sites = self.all_sealed("sites", "id", &mut skipped)?;
        let settings = self.all_sealed("settings", "key", &mut skipped)?;
        let outbox_rows: Vec<(String, String, String)> = {
            let mut stmt = self
                .conn
                .prepare("SELECT id, created_day, state FROM outbox ORDER BY id")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut outbox = Vec::new();
        for (id, created_day, state) in outbox_rows {
            let payload = match self.get_sealed_json("outbox", "id", &id) {
                Ok(p) => p.unwrap_or(serde_json::Value::Null),
                Err(VaultError::Decryption) => {
                    skipped.push(format!("outbox:{id}"));
                    continue;
                }
                Err(e) => return Err(e),
            };
            outbox.push(OutboxEntry {
                id,
                created_day,
                state,
                payload,
            });
        }
        let report_counts = (submissions.len(), forms.len());
        let body = Body {
            vault_id: self.header.vault_id.clone(),
            forms,
            submissions,
            sites,
            settings,
            outbox,
            audit: self.audit_events(now)?,
            contributions,
        };
        let plain = Zeroizing::new(
            serde_json::to_vec(&body).map_err(|e| VaultError::InvalidInput(e.to_string()))?,
        );
        drop(body);

        let mut head = Vec::new();
        let (key, mode) = match recipient {
            BackupRecipient::Passphrase(pass) => {
                if pass.is_empty() {
                    return Err(VaultError::InvalidInput(
                        "the backup passphrase must not be empty".into(),
                    ));
                }
                let salt = crypto::random_salt()?;
                let kdf = self.config.kdf;
                head.push(MODE_PASSPHRASE);
                head.extend_from_slice(&salt);
                head.extend_from_slice(&kdf.to_bytes());
                (BackupKey::from_passphrase(pass, &salt, kdf)?, "passphrase")
            }
            BackupRecipient::OrgKey(org_public) => {
                // Sealed to the organisation's key: the vault passphrase policy is for
                // the device; this key is checked for being a real public key.
                let (key, eph_public) = BackupKey::to_org_key(&org_public)?;
                head.push(MODE_ORG_KEY_ANON);
                head.extend_from_slice(&eph_public);
                (key, "org_key")
            }
        };
        let sealed = key.seal(&plain, &head)?;
        let mut out = head;
        out.extend_from_slice(&sealed);
        write_durably(file, &out)?;
        self.record_event(
            AuditEvent::Backup,
            &format!(
                "mode={mode} submissions={} forms={} skipped={}",
                report_counts.0,
                report_counts.1,
                skipped.len()
            ),
            now,
        )?;
        Ok(BackupReport {
            submissions: report_counts.0,
            forms: report_counts.1,
            bytes: out.len(),
            skipped,
        })
    }

    fn all_sealed(
        &self,
        table: &'static str,
        key_column: &'static str,
        skipped: &mut Vec<String>,
    ) -> Result<Vec<(String, serde_json::Value)>, VaultError> {
        let ids: Vec<String> = {
            let mut stmt = self.conn.prepare(&format!(
                "SELECT {key_column} FROM {table} ORDER BY {key_column}"
            ))?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut out = Vec::new();
        for id in ids {
            match self.get_sealed_json(table, key_column, &id) {
                Ok(Some(value)) => out.push((id, value)),
                Ok(None) => {}
                Err(VaultError::Decryption) => skipped.push(format!("{table}:{id}")),
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Restores a backup into a new vault in `dir` under `passphrase`, with a new data
    /// key. The original audit history is kept (re-sealed under the new key, so its
    /// chain is rebuilt) and a `restore` entry appended.
    pub fn restore(
        file: &Path,
        secret: BackupSecret<'_>,
        dir: &Path,
        passphrase: &[u8],
        config: VaultConfig,
        now: DateTime<Utc>,
    ) -> Result<Vault, VaultError> {
        Self::restore_inner(file, secret, dir, passphrase, None, config, now)
    }

    /// Like [`Vault::restore`], with a duress passphrase set in the restored vault
    /// (checked before anything is written; issue 13, M3).
    pub fn restore_with_duress(
        file: &Path,
        secret: BackupSecret<'_>,
        dir: &Path,
        passphrase: &[u8],
        duress: &[u8],
        config: VaultConfig,
        now: DateTime<Utc>,
    ) -> Result<Vault, VaultError> {
        Self::restore_inner(file, secret, dir, passphrase, Some(duress), config, now)
    }

    fn restore_inner(
        file: &Path,
        secret: BackupSecret<'_>,
        dir: &Path,
        passphrase: &[u8],
        duress: Option<&[u8]>,
        config: VaultConfig,
        now: DateTime<Utc>,
    ) -> Result<Vault, VaultError> {
        super::policy::check(passphrase)?;
        if let Some(d) = duress {
            super::policy::check_duress(passphrase, d)?;
        }
        let bytes = std::fs::read(file)?;
        let (head, sealed, at) = split_backup(&bytes)?;
        let key = match (head[at], secret) {
            (MODE_PASSPHRASE, BackupSecret::Passphrase(pass)) => {
                let salt = &head[at + 1..at + 1 + crypto::SALT_LEN];
                let p = &head[at + 1 + crypto::SALT_LEN..];
                let word = |i: usize| u32::from_be_bytes([p[i], p[i + 1], p[i + 2], p[i + 3]]);
                let kdf = KdfParams {
                    m_cost_kib: word(0),
                    t_cost: word(4),
                    p_cost: word(8),
                };
                BackupKey::from_passphrase(pass, salt, kdf)?
            }
            (MODE_ORG_KEY | MODE_ORG_KEY_ANON, BackupSecret::OrgKey(org)) => {
                let mut eph = [0u8; 32];
                eph.copy_from_slice(&head[at + 1..at + 33]);
                BackupKey::from_org_secret(org, &eph)?
            }
            (MODE_PASSPHRASE, _) => {
                return Err(VaultError::InvalidInput(
                    "this backup is protected by a backup passphrase".into(),
                ));
            }
            _ => {
                return Err(VaultError::InvalidInput(
                    "this backup can only be opened with the organisation's secret key".into(),
                ));
            }
        };
        let plain = key.open(sealed, head)?;
        let body: Body = serde_json::from_slice(&plain).map_err(|_| VaultError::BackupFormat)?;
        drop(plain);

        let mut vault = match duress {
            Some(d) => Vault::create_with_duress(dir, passphrase, d, config, now)?,
            None => Vault::create(dir, passphrase, config, now)?,
        };
        // A restore that fails half-way must not leave a half vault (with some of the
        // plaintext-derived records) behind: wipe what was written and report the error.
        match vault.fill_from_backup(&body, now) {
            Ok(()) => Ok(vault),
            Err(e) => {
                let _ = vault.wipe();
                Err(e)
            }
        }
    }

    fn fill_from_backup(&mut self, body: &Body, now: DateTime<Utc>) -> Result<(), VaultError> {
        let vault = self;
        // The new vault's own "created" entry is replaced by the original history,
        // sealed under the new key. Backups from before issue 13 carry it in clear.
        vault.active(now)?;
        vault.in_tx(|tx, v| {
            let mut rows = Vec::with_capacity(body.audit.len());
            for (seq, entry) in (1..).zip(&body.audit) {
                if entry.event == "unlock_failed" && entry.detail.is_empty() {
                    rows.push((seq, entry.at.clone(), entry.event.clone(), String::new()));
                    continue;
                }
                let content = super::AuditContent {
                    at: entry.at.clone(),
                    event: entry.event.clone(),
                    detail: entry.detail.clone(),
                };
                let sealed = v.key.seal(
                    &super::padded_json(&content)?,
                    &super::audit_ad(&v.header.vault_id, seq),
                )?;
                let day = entry.at.get(..10).unwrap_or(&entry.at).to_string();
                rows.push((
                    seq,
                    day,
                    audit::SEALED_EVENT.to_string(),
                    crypto::to_hex(&sealed),
                ));
            }
            v.logged.set(Some(audit::rewrite(tx, &rows)?));
            Ok(())
        })?;
        for form in &body.forms {
            let definition = hex_to_vec(&form.definition_hex).ok_or(VaultError::BackupFormat)?;
            let media = form
                .media
                .iter()
                .map(|(name, hex)| {
                    Ok(FormMedia {
                        name: name.clone(),
                        bytes: hex_to_vec(hex).ok_or(VaultError::BackupFormat)?,
                    })
                })
                .collect::<Result<Vec<_>, VaultError>>()?;
            vault.add_form(
                &FormRecord {
                    form_id: form.form_id.clone(),
                    version: form.version.clone(),
                    definition,
                    retention_days: form.retention_days,
                    media,
                },
                now,
            )?;
        }
        vault.import_submissions(&body.submissions, now)?;
        for (id, hex) in &body.contributions {
            let plain = Zeroizing::new(hex_to_vec(hex).ok_or(VaultError::BackupFormat)?);
            vault.put_contributions(id, &plain, now)?;
        }
        for (id, site) in &body.sites {
            vault.put_site(id, site, now)?;
        }
        for (key, value) in &body.settings {
            vault.set_setting(key, value, now)?;
        }
        for item in &body.outbox {
            vault.enqueue_outbox(&item.id, &item.payload, now)?;
            vault.conn.execute(
                "UPDATE outbox SET created_day = ?1 WHERE id = ?2",
                rusqlite::params![item.created_day, item.id],
            )?;
            if item.state != "pending" {
                vault.set_outbox_state(&item.id, &item.state, now)?;
            }
        }
        vault.record_event(
            AuditEvent::Restore,
            &format!(
                "submissions={} forms={}",
                body.submissions.len(),
                body.forms.len()
            ),
            now,
        )?;
        Ok(())
    }

    fn import_submissions(
        &mut self,
        entries: &[SubmissionEntry],
        now: DateTime<Utc>,
    ) -> Result<(), VaultError> {
        self.active(now)?;
        // One transaction, no per-submission audit entries: the `restore` entry that
        // follows records the count.
        self.in_tx(|tx, v| {
            for entry in entries {
                let meta = SubmissionMeta {
                    id: entry.id.clone(),
                    form_id: entry.form_id.clone(),
                    form_version: entry.form_version.clone(),
                };
                let plain = super::padded_json(&entry.content)?;
                let sealed = v.key.seal(
                    &plain,
                    &super::submission_ad(&v.header.vault_id, &meta, entry.status, 1),
                )?;
                v.rows_changed(
                    None,
                    Some(super::submission_mac(
                        v.key,
                        &entry.id,
                        &entry.form_id,
                        &entry.form_version,
                        entry.status.as_str(),
                        1,
                        entry.acknowledged_day.as_deref(),
                    )),
                );
                tx.execute(
                    "INSERT INTO submissions (id, form_id, form_version, status, created_day, updated_day, finalized_day, acknowledged_day, sealed, rev)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1)",
                    rusqlite::params![
                        entry.id,
                        entry.form_id,
                        entry.form_version,
                        entry.status.as_str(),
                        entry.created_day,
                        entry.updated_day,
                        entry.finalized_day,
                        entry.acknowledged_day,
                        sealed
                    ],
                )?;
            }
            Ok(())
        })
    }
}

/// Parses an organisation public key given as 64 hex digits (from [`org_keygen`]).
pub fn parse_org_public_key(hex: &str) -> Result<[u8; 32], VaultError> {
    crypto::from_hex::<32>(hex).ok_or_else(|| {
        VaultError::InvalidInput(
            "an organisation public key is 64 hex digits (from `lantern vault org-keygen`)".into(),
        )
    })
}

/// Makes an organisation key pair: writes the secret key (hex) to `file`, created 0600
/// and never overwritten, and returns the public key (hex) to give to devices.
pub fn org_keygen(file: &Path) -> Result<String, VaultError> {
    use std::io::Write;
    let key = OrgSecretKey::generate()?;
    let secret_hex = Zeroizing::new(crypto::to_hex(key.to_bytes().as_ref()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut out = options.open(file).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            VaultError::InvalidInput(format!(
                "{} already exists; not overwriting a key",
                file.display()
            ))
        } else {
            VaultError::Io(e)
        }
    })?;
    out.write_all(secret_hex.as_bytes())?;
    out.sync_all()?;
    Ok(crypto::to_hex(&key.public_key()))
}

/// Reads an organisation secret key file written by [`org_keygen`].
pub fn read_org_secret_key(file: &Path) -> Result<OrgSecretKey, VaultError> {
    let text = Zeroizing::new(std::fs::read_to_string(file)?);
    let bytes = Zeroizing::new(crypto::from_hex::<32>(&text).ok_or_else(|| {
        VaultError::InvalidInput("the organisation key file is not 64 hex digits".into())
    })?);
    Ok(OrgSecretKey::from_bytes(&bytes))
}

/// Splits a backup file into its header (the body's associated data) and sealed body,
/// and says where the mode byte is (after the legacy magic, or first).
fn split_backup(bytes: &[u8]) -> Result<(&[u8], &[u8], usize), VaultError> {
    let at = if bytes.starts_with(LEGACY_MAGIC) {
        LEGACY_MAGIC.len()
    } else {
        0
    };
    let head_len = match bytes.get(at) {
        Some(&MODE_PASSPHRASE) => at + 1 + crypto::SALT_LEN + 12,
        // Only legacy files have the organisation's public key in their header.
        Some(&MODE_ORG_KEY) if at > 0 => at + 1 + 64,
        Some(&MODE_ORG_KEY_ANON) => at + 1 + 32,
        _ => return Err(VaultError::BackupFormat),
    };
    if bytes.len() < head_len + crypto::SEAL_OVERHEAD {
        return Err(VaultError::BackupFormat);
    }
    let (head, sealed) = bytes.split_at(head_len);
    Ok((head, sealed, at))
}

fn hex_to_vec(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len() / 2)
        .map(|i| u8::from_str_radix(&text[i * 2..i * 2 + 2], 16).ok())
        .collect()
}

/// Writes beside the target and renames, so an interrupted backup never leaves a
/// truncated file under the name the user chose (or clobbers an older good one).
fn write_durably(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(".partial");
    let tmp = std::path::PathBuf::from(tmp_name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Encrypted, yet nobody else's business (issue 13, L3).
        options.mode(0o600);
    }
    let mut file = options.open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, path)?;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && let Ok(dir) = std::fs::File::open(parent)
    {
        let _ = dir.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    //! The backup file's header (L4): no magic in new files; files with the old magic
    //! still restore.
    use chrono::TimeDelta;

    use super::*;

    fn config() -> VaultConfig {
        VaultConfig {
            kdf: KdfParams::INSECURE_FAST_FOR_TESTS,
            idle_lock: TimeDelta::minutes(5),
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-30T10:00:00Z")
            .unwrap()
            .to_utc()
    }

    #[test]
    fn a_new_backup_has_no_magic_and_a_legacy_one_still_restores() {
        let tmp = tempfile::tempdir().unwrap();
        let mut v = Vault::create(
            &tmp.path().join("v"),
            b"correct horse battery",
            config(),
            now(),
        )
        .unwrap();
        let meta = SubmissionMeta {
            id: "uuid:one".into(),
            form_id: "f".into(),
            form_version: "1".into(),
        };
        v.save_draft(&meta, &serde_json::json!({"q": "a"}), now())
            .unwrap();
        let file = tmp.path().join("backup");
        v.backup(
            &file,
            BackupRecipient::Passphrase(b"backup passphrase ok"),
            now(),
        )
        .unwrap();
        let bytes = std::fs::read(&file).unwrap();
        assert_eq!(bytes[0], MODE_PASSPHRASE);
        for needle in [&b"LNTN"[..], b"lantern", b"Lantern", b"uuid:one"] {
            assert!(!bytes.windows(needle.len()).any(|w| w == needle));
        }

        // The same body in the legacy layout: magic, then the same header.
        let (head, sealed, at) = split_backup(&bytes).unwrap();
        assert_eq!(at, 0);
        let salt = &head[1..1 + crypto::SALT_LEN];
        let kdf = config().kdf;
        let key = BackupKey::from_passphrase(b"backup passphrase ok", salt, kdf).unwrap();
        let plain = key.open(sealed, head).unwrap();
        let mut legacy_head = LEGACY_MAGIC.to_vec();
        legacy_head.extend_from_slice(head);
        let mut legacy = legacy_head.clone();
        legacy.extend_from_slice(&key.seal(&plain, &legacy_head).unwrap());
        let legacy_file = tmp.path().join("legacy");
        std::fs::write(&legacy_file, legacy).unwrap();
        let restored = Vault::restore(
            &legacy_file,
            BackupSecret::Passphrase(b"backup passphrase ok"),
            &tmp.path().join("r"),
            b"second passphrase two",
            config(),
            now(),
        )
        .unwrap();
        let got = restored.open_submission("uuid:one", now()).unwrap();
        assert_eq!(got.content["q"], "a");

        // A file that is neither is refused as a backup format error, not a panic.
        for junk in [&b""[..], b"\x09garbage", b"LNTNBAK1\x02short"] {
            std::fs::write(&legacy_file, junk).unwrap();
            let refused = Vault::restore(
                &legacy_file,
                BackupSecret::Passphrase(b"backup passphrase ok"),
                &tmp.path().join("x"),
                b"second passphrase two",
                config(),
                now(),
            );
            assert_eq!(refused.err().unwrap().code(), "vault.backup_format");
        }
    }
}

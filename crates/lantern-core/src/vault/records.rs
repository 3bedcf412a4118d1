//! The smaller sealed tables: form definitions (with their retention period), sites
//! (P-codes and names), settings, and the outbox of payloads waiting for sync.
//!
//! Since issue 13 a form's retention period is sealed with its definition (format v2:
//! `retention u32 ‖ length u64 ‖ definition ‖ zero padding`, associated data `"form-v2"
//! ‖ vault id ‖ form id ‖ version`) and no hash of the public workbook is stored. Since
//! issue 10 the form's data files are sealed with it (format v3, associated data
//! `"form-v3"`: the v2 fields, then `count u32` and per file `name length u32 ‖ name ‖
//! length u64 ‖ bytes`, then zero padding). Older rows keep their format (v1: raw
//! definition, clear retention; v2: no media) until the next re-key rewrites them.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use zeroize::Zeroizing;

use super::crypto::DataKey;
use super::{
    FormMedia, FormRecord, Result, Vault, VaultError, associated_data, day, outbox_mac, padded_len,
};

const NO_RETENTION: u32 = u32::MAX;

/// Seals a form definition, its retention period and its data files (format v3, padded).
pub(super) fn seal_form(
    key: &DataKey,
    vault_id: &str,
    form_id: &str,
    version: &str,
    retention_days: Option<u32>,
    definition: &[u8],
    media: &[FormMedia],
) -> Result<Vec<u8>> {
    let len = 12
        + definition.len()
        + 4
        + media
            .iter()
            .map(|m| 12 + m.name.len() + m.bytes.len())
            .sum::<usize>();
    let count = u32::try_from(media.len())
        .map_err(|_| VaultError::InvalidInput("too many form media files".into()))?;
    let mut plain = Zeroizing::new(Vec::with_capacity(padded_len(len)));
    plain.extend_from_slice(&retention_days.unwrap_or(NO_RETENTION).to_be_bytes());
    plain.extend_from_slice(&(definition.len() as u64).to_be_bytes());
    plain.extend_from_slice(definition);
    plain.extend_from_slice(&count.to_be_bytes());
    for m in media {
        let name_len = u32::try_from(m.name.len())
            .map_err(|_| VaultError::InvalidInput("a form media file name is too long".into()))?;
        plain.extend_from_slice(&name_len.to_be_bytes());
        plain.extend_from_slice(m.name.as_bytes());
        plain.extend_from_slice(&(m.bytes.len() as u64).to_be_bytes());
        plain.extend_from_slice(&m.bytes);
    }
    plain.resize(padded_len(len), 0);
    let ad = associated_data(&["form-v3", vault_id, form_id, version]);
    Ok(key.seal(&plain, &ad)?)
}

/// A form row's opened fields: definition, retention period, data files.
pub(super) type OpenedForm = (Vec<u8>, Option<u32>, Vec<FormMedia>);

/// Reads `n` bytes at `*at` of an authenticated plaintext, or says it is malformed.
fn take<'a>(plain: &'a [u8], at: &mut usize, n: usize) -> Result<&'a [u8]> {
    let end = at.checked_add(n).ok_or(VaultError::Decryption)?;
    let bytes = plain.get(*at..end).ok_or(VaultError::Decryption)?;
    *at = end;
    Ok(bytes)
}

fn take_u32(plain: &[u8], at: &mut usize) -> Result<u32> {
    let mut word = [0u8; 4];
    word.copy_from_slice(take(plain, at, 4)?);
    Ok(u32::from_be_bytes(word))
}

fn take_len(plain: &[u8], at: &mut usize) -> Result<usize> {
    let mut long = [0u8; 8];
    long.copy_from_slice(take(plain, at, 8)?);
    usize::try_from(u64::from_be_bytes(long)).map_err(|_| VaultError::Decryption)
}

/// The v2/v3 fields: retention, then the definition (and, in v3, the media).
fn parse_form(plain: &[u8], with_media: bool) -> Result<OpenedForm> {
    let mut at = 0;
    let retention = take_u32(plain, &mut at)?;
    let len = take_len(plain, &mut at)?;
    let definition = take(plain, &mut at, len)?.to_vec();
    let mut media = Vec::new();
    if with_media {
        let count = take_u32(plain, &mut at)?;
        for _ in 0..count {
            let name_len = take_u32(plain, &mut at)? as usize;
            let name = std::str::from_utf8(take(plain, &mut at, name_len)?)
                .map_err(|_| VaultError::Decryption)?
                .to_string();
            let len = take_len(plain, &mut at)?;
            let bytes = take(plain, &mut at, len)?.to_vec();
            media.push(FormMedia { name, bytes });
        }
    }
    Ok((
        definition,
        (retention != NO_RETENTION).then_some(retention),
        media,
    ))
}

/// Opens a form row in any format: the definition, its retention period and its data
/// files (none before v3).
pub(super) fn open_form(
    key: &DataKey,
    vault_id: &str,
    form_id: &str,
    version: &str,
    clear_retention: Option<u32>,
    sealed: &[u8],
) -> Result<OpenedForm> {
    let v3 = associated_data(&["form-v3", vault_id, form_id, version]);
    if let Ok(plain) = key.open(sealed, &v3) {
        return parse_form(&plain, true);
    }
    let v2 = associated_data(&["form-v2", vault_id, form_id, version]);
    if let Ok(plain) = key.open(sealed, &v2) {
        return parse_form(&plain, false);
    }
    let v1 = associated_data(&["form", vault_id, form_id, version]);
    let plain = key.open(sealed, &v1)?;
    Ok((plain.to_vec(), clear_retention, Vec::new()))
}

impl Vault {
    /// Stores a form definition with its retention period, both sealed.
    pub fn add_form(&mut self, form: &FormRecord, now: DateTime<Utc>) -> Result<()> {
        self.active(now)?;
        let today = day(now);
        self.in_tx(|tx, v| {
            let sealed = seal_form(
                v.key,
                &v.header.vault_id,
                &form.form_id,
                &form.version,
                form.retention_days,
                &form.definition,
                &form.media,
            )?;
            tx.execute(
                "INSERT INTO forms (form_id, version, hash, added_day, retention_days, sealed) VALUES (?1, ?2, '', ?3, NULL, ?4)
                 ON CONFLICT (form_id, version) DO UPDATE SET hash = '', retention_days = NULL, sealed = excluded.sealed",
                params![form.form_id, form.version, today, sealed],
            )?;
            Ok(())
        })
    }

    /// Whether the vault holds this form version (its id and version are clear; nothing
    /// is decrypted).
    pub fn has_form(&self, form_id: &str, version: &str, now: DateTime<Utc>) -> Result<bool> {
        self.active_read(now)?;
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM forms WHERE form_id = ?1 AND version = ?2",
                [form_id, version],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Reads a stored form definition.
    pub fn form(&self, form_id: &str, version: &str, now: DateTime<Utc>) -> Result<FormRecord> {
        self.active_read(now)?;
        let key = self.data_key()?;
        let row: Option<(Option<u32>, Vec<u8>)> = self
            .conn
            .query_row(
                "SELECT retention_days, sealed FROM forms WHERE form_id = ?1 AND version = ?2",
                [form_id, version],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (retention_days, sealed) = row.ok_or_else(|| {
            VaultError::InvalidInput(format!("no form {form_id} version {version}"))
        })?;
        let (definition, retention_days, media) = open_form(
            key,
            &self.header.vault_id,
            form_id,
            version,
            retention_days,
            &sealed,
        )?;
        Ok(FormRecord {
            form_id: form_id.to_string(),
            version: version.to_string(),
            definition,
            retention_days,
            media,
        })
    }

    fn put_sealed_json(
        &mut self,
        table: &'static str,
        key_column: &'static str,
        id: &str,
        value: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.active(now)?;
        self.in_tx(|tx, v| {
            let sealed = v.seal_row(table, id, value)?;
            tx.execute(
                &format!(
                    "INSERT INTO {table} ({key_column}, sealed) VALUES (?1, ?2)
                     ON CONFLICT ({key_column}) DO UPDATE SET sealed = excluded.sealed"
                ),
                params![id, sealed],
            )?;
            Ok(())
        })
    }

    pub(super) fn get_sealed_json(
        &self,
        table: &'static str,
        key_column: &'static str,
        id: &str,
    ) -> Result<Option<serde_json::Value>> {
        let key = self.data_key()?;
        let sealed: Option<Vec<u8>> = self
            .conn
            .query_row(
                &format!("SELECT sealed FROM {table} WHERE {key_column} = ?1"),
                [id],
                |r| r.get(0),
            )
            .optional()?;
        match sealed {
            None => Ok(None),
            Some(sealed) => {
                let plain = key.open(
                    &sealed,
                    &associated_data(&[table, &self.header.vault_id, id]),
                )?;
                Ok(Some(
                    serde_json::from_slice(&plain).map_err(|_| VaultError::Decryption)?,
                ))
            }
        }
    }

    /// Stores a site (its P-code, name and whatever the site list carries), sealed.
    pub fn put_site(
        &mut self,
        id: &str,
        site: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.put_sealed_json("sites", "id", id, site, now)
    }

    /// Reads a site.
    pub fn site(&self, id: &str, now: DateTime<Utc>) -> Result<Option<serde_json::Value>> {
        self.active_read(now)?;
        self.get_sealed_json("sites", "id", id)
    }

    /// Stores a setting, sealed. `retention_days.<form_id>` overrides a form's period.
    pub fn set_setting(
        &mut self,
        key: &str,
        value: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.put_sealed_json("settings", "key", key, value, now)
    }

    /// Reads a setting.
    pub fn setting(&self, key: &str, now: DateTime<Utc>) -> Result<Option<serde_json::Value>> {
        self.active_read(now)?;
        self.get_sealed_json("settings", "key", key)
    }

    /// Queues a payload for a later sync (sealed until it is sent).
    pub fn enqueue_outbox(
        &mut self,
        id: &str,
        payload: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.active(now)?;
        let today = day(now);
        self.in_tx(|tx, v| {
            let sealed = v.seal_row("outbox", id, payload)?;
            tx.execute(
                "INSERT INTO outbox (id, created_day, state, sealed) VALUES (?1, ?2, 'pending', ?3)",
                params![id, today, sealed],
            )?;
            v.rows_changed(None, Some(outbox_mac(v.key, id, "pending")));
            Ok(())
        })
    }

    /// Reads a queued payload.
    pub fn outbox_item(&self, id: &str, now: DateTime<Utc>) -> Result<Option<serde_json::Value>> {
        self.active_read(now)?;
        self.get_sealed_json("outbox", "id", id)
    }

    /// Ids of outbox items in a state (`pending` when queued), oldest first; works
    /// while locked so the app can show "3 batches waiting".
    pub fn outbox_ids(&self, state: &str) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM outbox WHERE state = ?1 ORDER BY rowid")?;
        let rows = stmt.query_map([state], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Moves an outbox item to another state (e.g. `sent`, `acknowledged`) as sync
    /// reports progress.
    /// The state is bound into the sealed row commitment: an edit on disk is refused at
    /// the next unlock.
    pub fn set_outbox_state(&mut self, id: &str, state: &str, now: DateTime<Utc>) -> Result<()> {
        self.active(now)?;
        self.in_tx(|tx, v| {
            let old: Option<String> = tx
                .query_row("SELECT state FROM outbox WHERE id = ?1", [id], |r| r.get(0))
                .optional()?;
            let old =
                old.ok_or_else(|| VaultError::InvalidInput(format!("no outbox item {id}")))?;
            tx.execute(
                "UPDATE outbox SET state = ?1 WHERE id = ?2",
                params![state, id],
            )?;
            v.rows_changed(
                Some(outbox_mac(v.key, id, &old)),
                Some(outbox_mac(v.key, id, state)),
            );
            Ok(())
        })
    }
}

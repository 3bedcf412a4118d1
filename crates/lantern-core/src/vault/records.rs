//! The smaller sealed tables: form definitions (with their retention period), sites
//! (P-codes and names), settings, and the outbox of payloads waiting for sync.
//!
//! Since issue 13 a form's retention period is sealed with its definition (format v2:
//! `retention u32 ‖ length u64 ‖ definition ‖ zero padding`, associated data `"form-v2"
//! ‖ vault id ‖ form id ‖ version`) and no hash of the public workbook is stored; rows
//! from before keep the v1 format (raw definition, clear retention) until the next
//! re-key rewrites them.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use zeroize::Zeroizing;

use super::crypto::DataKey;
use super::{FormRecord, Result, Vault, VaultError, associated_data, day, outbox_mac, padded_len};

const NO_RETENTION: u32 = u32::MAX;

/// Seals a form definition and its retention period (format v2, padded).
pub(super) fn seal_form(
    key: &DataKey,
    vault_id: &str,
    form_id: &str,
    version: &str,
    retention_days: Option<u32>,
    definition: &[u8],
) -> Result<Vec<u8>> {
    let len = 12 + definition.len();
    let mut plain = Zeroizing::new(Vec::with_capacity(padded_len(len)));
    plain.extend_from_slice(&retention_days.unwrap_or(NO_RETENTION).to_be_bytes());
    plain.extend_from_slice(&(definition.len() as u64).to_be_bytes());
    plain.extend_from_slice(definition);
    plain.resize(padded_len(len), 0);
    let ad = associated_data(&["form-v2", vault_id, form_id, version]);
    Ok(key.seal(&plain, &ad)?)
}

/// Opens a form row in either format: the definition and its retention period.
pub(super) fn open_form(
    key: &DataKey,
    vault_id: &str,
    form_id: &str,
    version: &str,
    clear_retention: Option<u32>,
    sealed: &[u8],
) -> Result<(Vec<u8>, Option<u32>)> {
    let v2 = associated_data(&["form-v2", vault_id, form_id, version]);
    if let Ok(plain) = key.open(sealed, &v2) {
        if plain.len() < 12 {
            return Err(VaultError::Decryption);
        }
        let mut word = [0u8; 4];
        word.copy_from_slice(&plain[..4]);
        let retention = u32::from_be_bytes(word);
        let mut long = [0u8; 8];
        long.copy_from_slice(&plain[4..12]);
        let len = usize::try_from(u64::from_be_bytes(long)).map_err(|_| VaultError::Decryption)?;
        let definition = plain
            .get(12..12usize.saturating_add(len))
            .ok_or(VaultError::Decryption)?
            .to_vec();
        return Ok((definition, (retention != NO_RETENTION).then_some(retention)));
    }
    let v1 = associated_data(&["form", vault_id, form_id, version]);
    let plain = key.open(sealed, &v1)?;
    Ok((plain.to_vec(), clear_retention))
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
            )?;
            tx.execute(
                "INSERT INTO forms (form_id, version, hash, added_day, retention_days, sealed) VALUES (?1, ?2, '', ?3, NULL, ?4)
                 ON CONFLICT (form_id, version) DO UPDATE SET hash = '', retention_days = NULL, sealed = excluded.sealed",
                params![form.form_id, form.version, today, sealed],
            )?;
            Ok(())
        })
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
        let (definition, retention_days) = open_form(
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

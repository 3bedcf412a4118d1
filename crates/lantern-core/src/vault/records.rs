//! The smaller sealed tables: form definitions (with their hash and retention period),
//! sites (P-codes and names), settings, and the outbox of payloads waiting for sync.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use zeroize::Zeroizing;

use super::{FormRecord, Result, Vault, VaultError, associated_data, crypto, day};

impl Vault {
    /// Stores a form definition (sealed) with its hash and retention period.
    pub fn add_form(&mut self, form: &FormRecord, now: DateTime<Utc>) -> Result<()> {
        self.active(now)?;
        let hash = crypto::to_hex(&crypto::sha256(&[&form.definition]));
        let today = day(now);
        self.in_tx(|tx, v| {
            let ad = associated_data(&["form", &v.header.vault_id, &form.form_id, &form.version]);
            let sealed = v.key.seal(&form.definition, &ad)?;
            tx.execute(
                "INSERT INTO forms (form_id, version, hash, added_day, retention_days, sealed) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (form_id, version) DO UPDATE SET hash = excluded.hash, retention_days = excluded.retention_days, sealed = excluded.sealed",
                params![form.form_id, form.version, hash, today, form.retention_days, sealed],
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
        let ad = associated_data(&["form", &self.header.vault_id, form_id, version]);
        let definition = key.open(&sealed, &ad)?.to_vec();
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
            let plain = Zeroizing::new(
                serde_json::to_vec(value).map_err(|e| VaultError::InvalidInput(e.to_string()))?,
            );
            let sealed = v
                .key
                .seal(&plain, &associated_data(&[table, &v.header.vault_id, id]))?;
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
            let plain = Zeroizing::new(
                serde_json::to_vec(payload).map_err(|e| VaultError::InvalidInput(e.to_string()))?,
            );
            let sealed = v
                .key
                .seal(&plain, &associated_data(&["outbox", &v.header.vault_id, id]))?;
            tx.execute(
                "INSERT INTO outbox (id, created_day, state, sealed) VALUES (?1, ?2, 'pending', ?3)",
                params![id, today, sealed],
            )?;
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
    pub fn set_outbox_state(&mut self, id: &str, state: &str, now: DateTime<Utc>) -> Result<()> {
        self.active(now)?;
        let n = self.conn.execute(
            "UPDATE outbox SET state = ?1 WHERE id = ?2",
            params![state, id],
        )?;
        if n == 0 {
            return Err(VaultError::InvalidInput(format!("no outbox item {id}")));
        }
        Ok(())
    }
}

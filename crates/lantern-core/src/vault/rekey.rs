//! Re-keying: a new data key, every sealed value in the vault re-sealed under it, and
//! the old key overwritten in the key slots file (issue 13, H1, H2).
//!
//! This is what makes "deleted" mean gone and a passphrase change a revocation: the
//! ciphertexts SQLite leaves in freed WAL blocks and free pages were sealed under a
//! key that no longer exists anywhere, and an old copy of the vault with the old
//! passphrase opens only what was written before the change.
//!
//! Order, so that a kill at any point leaves a vault that opens:
//! 1. the new key, wrapped, goes into the spare slot (synced);
//! 2. one SQLite transaction runs the caller's change (a delete, an audit entry),
//!    re-seals every row, moves the header's epoch and writes the sealed state;
//! 3. the old slot is overwritten (synced).
//!
//! Killed before 2 commits, the old epoch and slot are current; killed after, the new
//! ones are, and the next unlock overwrites the stale slot.
//!
//! Tables: `submissions` (revision bound), `forms`, `audit_log` (chain rebuilt) and
//! `vault_state` have their own formats; every other table with a `sealed` column and a
//! one-column primary key is re-sealed with associated data `table ‖ vault id ‖ key`
//! (what `VaultCtx::seal_row` writes), so a new sealed table is covered without code here.

use chrono::{DateTime, Utc};
use rusqlite::{Transaction, params};

use super::crypto::{self, DataKey, KdfParams, PassphraseKey};
use super::{
    AuditContent, Result, SealedState, Status, Vault, VaultCtx, VaultError, WRAPPED_LEN,
    associated_data, audit, audit_ad, keyfile, outbox_mac, padded_json, random_bytes, records,
    submission_ad_parts, submission_mac, wrap_ad, write_state, xor_into,
};

/// Tables whose associated data binds more than their primary key: `table ‖ vault id ‖`
/// these columns' values, in order. Every other sealed table binds its one-column
/// primary key (what `VaultCtx::seal_row` writes).
const AD_COLUMNS: &[(&str, &[&str])] = &[
    // Issue 12's per-submission contributions: `"contributions" ‖ vault id ‖
    // submission id ‖ form id`.
    ("contributions", &["submission_id", "form_id"]),
];

/// The audit log's last sequence number and hash.
type AuditHead = (i64, [u8; 32]);

/// A table holding sealed values.
pub(super) struct SealedTable {
    pub(super) name: String,
    /// Its one-column primary key, if it has exactly one.
    pub(super) key_column: Option<String>,
}

/// Every table with a `sealed` column.
pub(super) fn sealed_tables(conn: &rusqlite::Connection) -> Result<Vec<SealedTable>> {
    let names: Vec<String> = {
        let mut stmt = conn.prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut out = Vec::new();
    for name in names {
        let mut stmt = conn.prepare(&format!("PRAGMA table_info(\"{name}\")"))?;
        let cols: Vec<(String, i64)> = stmt
            .query_map([], |r| Ok((r.get(1)?, r.get(5)?)))?
            .collect::<rusqlite::Result<_>>()?;
        if !cols.iter().any(|(c, _)| c == "sealed") {
            continue;
        }
        let pk: Vec<&String> = cols
            .iter()
            .filter(|(_, pk)| *pk > 0)
            .map(|(c, _)| c)
            .collect();
        out.push(SealedTable {
            key_column: (pk.len() == 1).then(|| pk[0].clone()),
            name,
        });
    }
    Ok(out)
}

impl Vault {
    /// Runs `body` and re-keys, in one transaction. `new` is a new passphrase key and
    /// its parameters (passphrase change); without it the key in memory wraps the new
    /// data key.
    pub(super) fn rekey<T>(
        &mut self,
        new: Option<(PassphraseKey, KdfParams)>,
        now: DateTime<Utc>,
        body: impl FnOnce(&Transaction<'_>, &VaultCtx<'_>) -> Result<T>,
    ) -> Result<T> {
        let _ = now;
        let old_key = self.key.as_ref().ok_or(VaultError::Locked)?;
        let kek = match &new {
            Some((k, _)) => k,
            None => self.kek.as_ref().ok_or(VaultError::Locked)?,
        };
        let old_kdf = self.header.kdf;
        let kdf = new.as_ref().map_or(old_kdf, |(_, k)| *k);
        let vault_id = self.header.vault_id.clone();
        let epoch = self.header.key_epoch + 1;
        let new_key = DataKey::generate()?;
        let wrapped = kek.wrap(&new_key, &wrap_ad(&vault_id, epoch, kdf))?;
        let spare = if self.header.keyfile {
            1 - self.slot
        } else {
            0
        };
        keyfile::write_slots(&self.dir, &[(spare, keyfile::slot(epoch, &wrapped)?)])?;

        // The duress verifier keeps the parameters it was made with.
        let duress_kdf = if kdf == old_kdf {
            self.header.duress_kdf
        } else {
            Some(self.header.duress_kdf.unwrap_or(old_kdf)).filter(|d| *d != kdf)
        };
        let tx = self.conn.transaction()?;
        let ctx = VaultCtx {
            key: old_key,
            header: &self.header,
            logged: std::cell::Cell::new(None),
            rows_delta: std::cell::Cell::new(None),
        };
        let out = body(&tx, &ctx)?;
        let (rows, head) = reseal_all(&tx, old_key, &new_key, &vault_id)?;
        tx.execute(
            "UPDATE header SET key_epoch = ?1, kdf_m_cost_kib = ?2, kdf_t_cost = ?3, kdf_p_cost = ?4, wrapped_key = ?5, keyfile = 1, duress_kdf = ?6 WHERE id = 1",
            params![
                epoch,
                kdf.m_cost_kib,
                kdf.t_cost,
                kdf.p_cost,
                random_bytes(WRAPPED_LEN)?,
                duress_kdf.map(|d| d.to_bytes().to_vec())
            ],
        )?;
        let state = SealedState {
            key_epoch: epoch,
            audit_seq: head.0,
            audit_hash: crypto::to_hex(&head.1),
            audit_broken_at: self.audit_broken_at,
            rows_mac: Some(crypto::to_hex(&rows)),
        };
        write_state(&tx, &new_key, &vault_id, &state)?;
        tx.commit()?;
        // The old key is destroyed: its slot (or, for a vault from before issue 13, the
        // header's copy, overwritten above) holds random bytes from now on.
        if self.header.keyfile {
            keyfile::write_slots(&self.dir, &[(self.slot, keyfile::empty_slot()?)])?;
        }
        self.slot = spare;
        self.key = Some(new_key);
        if let Some((k, _)) = new {
            self.kek = Some(k);
        }
        self.state = Some(state);
        self.header = super::read_header(&self.conn)?;
        self.truncate_wal()?;
        Ok(out)
    }
}

/// Re-seals every sealed value from `old` to `new`; returns the row commitment and the
/// audit head under the new key.
fn reseal_all(
    tx: &Transaction<'_>,
    old: &DataKey,
    new: &DataKey,
    vault_id: &str,
) -> Result<([u8; 32], AuditHead)> {
    let mut rows_acc = [0u8; 32];
    // Submissions: revision 0 rows (before issue 13) get revision 1 and the v2 binding.
    {
        type Row = (
            i64,
            String,
            String,
            String,
            String,
            i64,
            Option<String>,
            Vec<u8>,
        );
        let all: Vec<Row> = {
            let mut stmt = tx.prepare(
                "SELECT rowid, id, form_id, form_version, status, rev, acknowledged_day, sealed FROM submissions",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            })?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut update =
            tx.prepare("UPDATE submissions SET sealed = ?1, rev = ?2 WHERE rowid = ?3")?;
        for (rowid, id, form_id, version, status_text, rev, ack, sealed) in all {
            let status = Status::parse(&status_text).ok_or(VaultError::Decryption)?;
            let plain = old.open(
                &sealed,
                &submission_ad_parts(vault_id, &id, &form_id, &version, status, rev),
            )?;
            let new_rev = rev.max(1);
            let mut plain = plain;
            super::pad_spaces(&mut plain);
            let resealed = new.seal(
                &plain,
                &submission_ad_parts(vault_id, &id, &form_id, &version, status, new_rev),
            )?;
            update.execute(params![resealed, new_rev, rowid])?;
            let mac = submission_mac(
                new,
                &id,
                &form_id,
                &version,
                &status_text,
                new_rev,
                ack.as_deref(),
            );
            xor_into(&mut rows_acc, &mac);
        }
    }
    // Forms: always rewritten in the current format (retention and media sealed, no
    // clear hash).
    {
        type Row = (i64, String, String, Option<u32>, Vec<u8>);
        let all: Vec<Row> = {
            let mut stmt =
                tx.prepare("SELECT rowid, form_id, version, retention_days, sealed FROM forms")?;
            let rows = stmt.query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for (rowid, form_id, version, retention, sealed) in all {
            let (definition, retention, media) =
                records::open_form(old, vault_id, &form_id, &version, retention, &sealed)?;
            let resealed = records::seal_form(
                new,
                vault_id,
                &form_id,
                &version,
                retention,
                &definition,
                &media,
            )?;
            tx.execute(
                "UPDATE forms SET sealed = ?1, retention_days = NULL, hash = '' WHERE rowid = ?2",
                params![resealed, rowid],
            )?;
        }
    }
    // Every other sealed table, generically.
    for table in sealed_tables(tx)? {
        if matches!(
            table.name.as_str(),
            "submissions" | "forms" | "audit_log" | "vault_state"
        ) {
            continue;
        }
        let columns: Vec<String> = match AD_COLUMNS.iter().find(|(t, _)| *t == table.name) {
            Some((_, cols)) => cols.iter().map(|c| (*c).to_string()).collect(),
            None => vec![table.key_column.clone().ok_or_else(|| {
                VaultError::InvalidInput(format!(
                    "table {} has no one-column primary key and cannot be re-keyed",
                    table.name
                ))
            })?],
        };
        let select = columns
            .iter()
            .map(|c| format!("CAST(\"{c}\" AS TEXT)"))
            .collect::<Vec<_>>()
            .join(", ");
        let all: Vec<(i64, Vec<String>, Vec<u8>)> = {
            let mut stmt = tx.prepare(&format!(
                "SELECT rowid, sealed, {select} FROM \"{}\"",
                table.name
            ))?;
            let rows = stmt.query_map([], |r| {
                let mut values = Vec::with_capacity(columns.len());
                for i in 0..columns.len() {
                    values.push(r.get::<_, String>(i + 2)?);
                }
                Ok((r.get(0)?, values, r.get(1)?))
            })?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for (rowid, values, sealed) in all {
            let mut fields: Vec<&str> = vec![&table.name, vault_id];
            fields.extend(values.iter().map(String::as_str));
            let ad = associated_data(&fields);
            // Re-sealed as they are: values written by `seal_row` are already padded,
            // and another table's plaintext need not be JSON.
            let plain = old.open(&sealed, &ad)?;
            let resealed = new.seal(&plain, &ad)?;
            tx.execute(
                &format!("UPDATE \"{}\" SET sealed = ?1 WHERE rowid = ?2", table.name),
                params![resealed, rowid],
            )?;
        }
    }
    {
        let mut stmt = tx.prepare("SELECT id, state FROM outbox")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let mac = outbox_mac(new, &r.get::<_, String>(0)?, &r.get::<_, String>(1)?);
            xor_into(&mut rows_acc, &mac);
        }
    }
    // The audit log: sealed entries re-sealed; clear entries from before issue 13
    // sealed now, their time cut to the day in clear.
    let entries = audit::entries(tx)?;
    let mut rows = Vec::with_capacity(entries.len());
    for entry in entries {
        let ad = audit_ad(vault_id, entry.seq);
        if entry.event == audit::SEALED_EVENT {
            let sealed = crypto::from_hex_vec(&entry.detail).ok_or(VaultError::Decryption)?;
            let plain = old.open(&sealed, &ad)?;
            let resealed = new.seal(&plain, &ad)?;
            rows.push((entry.seq, entry.at, entry.event, crypto::to_hex(&resealed)));
        } else if entry.event == "unlock_failed" && entry.detail.is_empty() {
            rows.push((entry.seq, entry.at, entry.event, entry.detail));
        } else {
            let at_day = entry.at.get(..10).unwrap_or(&entry.at).to_string();
            let content = AuditContent {
                at: entry.at,
                event: entry.event,
                detail: entry.detail,
            };
            let sealed = new.seal(&padded_json(&content)?, &ad)?;
            rows.push((
                entry.seq,
                at_day,
                audit::SEALED_EVENT.to_string(),
                crypto::to_hex(&sealed),
            ));
        }
    }
    let head = audit::rewrite(tx, &rows)?;
    Ok((rows_acc, head))
}

//! Submissions: drafts saved on every change, finalized (frozen), withdrawn
//! (deleted), listed from clear metadata while locked, decrypted one by one or streamed.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::crypto::DataKey;
use super::{
    AuditEvent, ListFilter, Result, Status, Submission, SubmissionMeta, SubmissionSummary, Vault,
    VaultError, day, padded_json, submission_ad, submission_ad_parts, submission_mac,
};

impl Vault {
    /// Saves a draft (creating it on first save). One transaction, one fsync: cheap
    /// enough for every batch of keystrokes.
    pub fn save_draft(
        &mut self,
        meta: &SubmissionMeta,
        content: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<()> {
        // By reference: no copy of the answers is made (issue 13, L6).
        self.save_draft_refs(&[(meta, content)], now)
    }

    /// Saves many drafts in one transaction (imports, restores, benchmarks).
    pub fn save_drafts(
        &mut self,
        drafts: &[(SubmissionMeta, serde_json::Value)],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let refs: Vec<(&SubmissionMeta, &serde_json::Value)> =
            drafts.iter().map(|(m, c)| (m, c)).collect();
        self.save_draft_refs(&refs, now)
    }

    fn save_draft_refs(
        &mut self,
        drafts: &[(&SubmissionMeta, &serde_json::Value)],
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.active(now)?;
        for (meta, _) in drafts {
            if meta.id.is_empty() || meta.form_id.is_empty() {
                return Err(VaultError::InvalidInput(
                    "a submission needs an id and a form id".into(),
                ));
            }
        }
        let today = day(now);
        self.in_tx(|tx, v| {
            for (meta, content) in drafts {
                let existing: Option<(String, String, String, i64)> = tx
                    .query_row(
                        "SELECT status, form_id, form_version, rev FROM submissions WHERE id = ?1",
                        [&meta.id],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                    )
                    .optional()?;
                let plain = padded_json(content)?;
                let rev = existing.as_ref().map_or(0, |e| e.3) + 1;
                let sealed = v.key.seal(
                    &plain,
                    &submission_ad(&v.header.vault_id, meta, Status::Draft, rev),
                )?;
                let mac = |rev: i64| {
                    submission_mac(
                        v.key,
                        &meta.id,
                        &meta.form_id,
                        &meta.form_version,
                        "draft",
                        rev,
                        None,
                    )
                };
                match existing {
                    Some((status, form_id, version, old_rev)) => {
                        if status != "draft" {
                            return Err(VaultError::Frozen(meta.id.clone()));
                        }
                        if form_id != meta.form_id || version != meta.form_version {
                            return Err(VaultError::InvalidInput(format!(
                                "submission {} belongs to another form or version",
                                meta.id
                            )));
                        }
                        tx.execute(
                            "UPDATE submissions SET sealed = ?1, updated_day = ?2, rev = ?3 WHERE id = ?4",
                            params![sealed, today, rev, meta.id],
                        )?;
                        v.rows_changed(Some(mac(old_rev)), Some(mac(rev)));
                    }
                    None => {
                        tx.execute(
                            "INSERT INTO submissions (id, form_id, form_version, status, created_day, updated_day, sealed, rev)
                             VALUES (?1, ?2, ?3, 'draft', ?4, ?4, ?5, ?6)",
                            params![meta.id, meta.form_id, meta.form_version, today, sealed, rev],
                        )?;
                        v.rows_changed(None, Some(mac(rev)));
                        v.log(
                            tx,
                            now,
                            AuditEvent::SubmissionCreated,
                            &format!("id={} form={}", meta.id, meta.form_id),
                        )?;
                    }
                }
            }
            Ok(())
        })
    }

    /// Freezes a draft: from now on it can be read, acknowledged, purged or withdrawn,
    /// never changed.
    pub fn finalize(&mut self, id: &str, now: DateTime<Utc>) -> Result<()> {
        self.active(now)?;
        let sub = self.read_submission(id)?;
        if sub.summary.status == Status::Finalized {
            return Err(VaultError::Frozen(id.to_string()));
        }
        let meta = SubmissionMeta {
            id: id.to_string(),
            form_id: sub.summary.form_id.clone(),
            form_version: sub.summary.form_version.clone(),
        };
        let today = day(now);
        let old_rev: i64 =
            self.conn
                .query_row("SELECT rev FROM submissions WHERE id = ?1", [id], |r| {
                    r.get(0)
                })?;
        self.in_tx(|tx, v| {
            let plain = padded_json(&sub.content)?;
            let rev = old_rev + 1;
            let sealed = v.key.seal(
                &plain,
                &submission_ad(&v.header.vault_id, &meta, Status::Finalized, rev),
            )?;
            tx.execute(
                "UPDATE submissions SET status = 'finalized', sealed = ?1, updated_day = ?2, finalized_day = ?2, rev = ?3 WHERE id = ?4 AND status = 'draft'",
                params![sealed, today, rev, id],
            )?;
            let mac = |status: &str, rev: i64| {
                submission_mac(v.key, id, &meta.form_id, &meta.form_version, status, rev, None)
            };
            v.rows_changed(Some(mac("draft", old_rev)), Some(mac("finalized", rev)));
            v.log(
                tx,
                now,
                AuditEvent::Finalize,
                &format!("id={id} form={}", meta.form_id),
            )?;
            Ok(())
        })
    }

    /// Withdraws (deletes) a submission, draft or finalized, and re-keys the vault, so
    /// that no copy of its ciphertext left anywhere on the disk opens any more.
    pub fn withdraw(&mut self, id: &str, now: DateTime<Utc>) -> Result<()> {
        self.active(now)?;
        let exists: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM submissions WHERE id = ?1)",
            [id],
            |r| r.get(0),
        )?;
        if !exists {
            return Err(VaultError::NoSuchSubmission(id.to_string()));
        }
        self.rekey(None, now, |tx, v| {
            tx.execute("DELETE FROM submissions WHERE id = ?1", [id])?;
            v.log(tx, now, AuditEvent::Withdraw, &format!("id={id}"))
        })
    }

    /// Submissions' clear metadata; works while locked.
    pub fn list(&self, filter: &ListFilter) -> Result<Vec<SubmissionSummary>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, form_id, form_version, status, created_day, updated_day, finalized_day, acknowledged_day
             FROM submissions
             WHERE (?1 IS NULL OR form_id = ?1) AND (?2 IS NULL OR status = ?2)
             ORDER BY created_day, id",
        )?;
        let rows = stmt.query_map(
            params![filter.form_id, filter.status.map(Status::as_str)],
            summary_from_row,
        )?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Decrypts one submission.
    pub fn open_submission(&self, id: &str, now: DateTime<Utc>) -> Result<Submission> {
        self.active_read(now)?;
        self.read_submission(id)
    }

    pub(super) fn read_submission(&self, id: &str) -> Result<Submission> {
        let key = self.data_key()?;
        let row = self
            .conn
            .query_row(
                "SELECT id, form_id, form_version, status, created_day, updated_day, finalized_day, acknowledged_day, sealed, rev
                 FROM submissions WHERE id = ?1",
                [id],
                |r| Ok((summary_from_row(r)?, r.get::<_, Vec<u8>>(8)?, r.get::<_, i64>(9)?)),
            )
            .optional()?;
        let (summary, sealed, rev) =
            row.ok_or_else(|| VaultError::NoSuchSubmission(id.to_string()))?;
        let content = decrypt_submission(key, &self.header.vault_id, &summary, rev, &sealed)?;
        Ok(Submission { summary, content })
    }

    /// Decrypts every matching submission in turn, without holding them all in memory.
    pub fn for_each_submission(
        &self,
        filter: &ListFilter,
        now: DateTime<Utc>,
        mut f: impl FnMut(Submission),
    ) -> Result<usize> {
        let mut parse_failed = false;
        let count = self.for_each_plaintext(filter, now, |summary, plain| {
            match serde_json::from_slice(plain) {
                Ok(content) => f(Submission { summary, content }),
                Err(_) => parse_failed = true,
            }
        })?;
        if parse_failed {
            // Authenticated bytes that are not JSON were sealed by something else.
            return Err(VaultError::Decryption);
        }
        Ok(count)
    }

    /// Like [`Vault::for_each_submission`], but hands over the decrypted JSON bytes
    /// (zeroized after the call) so a caller can parse them into its own types without
    /// building a `serde_json::Value` first (aggregation over many submissions).
    pub fn for_each_plaintext(
        &self,
        filter: &ListFilter,
        now: DateTime<Utc>,
        mut f: impl FnMut(SubmissionSummary, &[u8]),
    ) -> Result<usize> {
        self.active_read(now)?;
        let key = self.data_key()?;
        // Rowid order: no sort, so 100,000 sealed rows stream straight from the table.
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, form_id, form_version, status, created_day, updated_day, finalized_day, acknowledged_day, sealed, rev
             FROM submissions
             WHERE (?1 IS NULL OR form_id = ?1) AND (?2 IS NULL OR status = ?2)
             ORDER BY rowid",
        )?;
        let mut rows = stmt.query(params![filter.form_id, filter.status.map(Status::as_str)])?;
        let mut count = 0;
        while let Some(r) = rows.next()? {
            let summary = summary_from_row(r)?;
            let sealed: &[u8] = r.get_ref(8)?.as_blob().map_err(rusqlite::Error::from)?;
            let ad = submission_ad_parts(
                &self.header.vault_id,
                &summary.id,
                &summary.form_id,
                &summary.form_version,
                summary.status,
                r.get(9)?,
            );
            let plain = key.open(sealed, &ad)?;
            f(summary, &plain);
            count += 1;
        }
        Ok(count)
    }

    /// Records that a server acknowledged these submissions' aggregates; the retention
    /// period counts from today.
    pub fn mark_acknowledged(&mut self, ids: &[&str], now: DateTime<Utc>) -> Result<usize> {
        self.active(now)?;
        let today = day(now);
        self.in_tx(|tx, v| {
            let mut n = 0;
            for id in ids {
                let row: Option<(String, String, i64)> = tx
                    .query_row(
                        "SELECT form_id, form_version, rev FROM submissions WHERE id = ?1 AND status = 'finalized' AND acknowledged_day IS NULL",
                        [id],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                    )
                    .optional()?;
                let Some((form_id, version, rev)) = row else {
                    continue;
                };
                n += tx.execute(
                    "UPDATE submissions SET acknowledged_day = ?1 WHERE id = ?2",
                    params![today, id],
                )?;
                let mac = |ack: Option<&str>| {
                    submission_mac(v.key, id, &form_id, &version, "finalized", rev, ack)
                };
                v.rows_changed(Some(mac(None)), Some(mac(Some(&today))));
            }
            v.log(tx, now, AuditEvent::Acknowledge, &format!("count={n}"))?;
            Ok(n)
        })
    }
}

fn summary_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SubmissionSummary> {
    let status: String = r.get(3)?;
    Ok(SubmissionSummary {
        id: r.get(0)?,
        form_id: r.get(1)?,
        form_version: r.get(2)?,
        status: Status::parse(&status).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                3,
                rusqlite::types::Type::Text,
                "unknown submission status".into(),
            )
        })?,
        created_day: r.get(4)?,
        updated_day: r.get(5)?,
        finalized_day: r.get(6)?,
        acknowledged_day: r.get(7)?,
    })
}

fn decrypt_submission(
    key: &DataKey,
    vault_id: &str,
    summary: &SubmissionSummary,
    rev: i64,
    sealed: &[u8],
) -> Result<serde_json::Value> {
    let ad = submission_ad_parts(
        vault_id,
        &summary.id,
        &summary.form_id,
        &summary.form_version,
        summary.status,
        rev,
    );
    let plain = key.open(sealed, &ad)?;
    serde_json::from_slice(&plain).map_err(|_| VaultError::Decryption)
}

//! Each finalized submission's indicator contributions (issue 12), sealed beside the
//! submission so that aggregating never rebuilds a form session. The vault stores
//! opaque bytes; `aggregate::Contributions` gives them their meaning.

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{Result, Vault, VaultError, associated_data};

pub(super) fn contributions_ad(vault_id: &str, submission_id: &str, form_id: &str) -> Vec<u8> {
    associated_data(&["contributions", vault_id, submission_id, form_id])
}

impl Vault {
    /// Seals `plain` (a submission's serialized contributions) beside a finalized
    /// submission, replacing any earlier ones.
    pub fn put_contributions(
        &mut self,
        submission_id: &str,
        plain: &[u8],
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.active(now)?;
        let form_id: String = self
            .conn
            .query_row(
                "SELECT form_id FROM submissions WHERE id = ?1 AND status = 'finalized'",
                [submission_id],
                |r| r.get(0),
            )
            .map_err(|_| VaultError::NoSuchSubmission(submission_id.to_string()))?;
        self.in_tx(|tx, v| {
            let sealed = v.key.seal(
                plain,
                &contributions_ad(&v.header.vault_id, submission_id, &form_id),
            )?;
            tx.execute(
                "INSERT INTO contributions (submission_id, form_id, sealed) VALUES (?1, ?2, ?3)
                 ON CONFLICT (submission_id) DO UPDATE SET sealed = excluded.sealed",
                params![submission_id, form_id, sealed],
            )?;
            Ok(())
        })
    }

    /// Decrypts the contributions of every finalized submission of `form_id` in turn
    /// (rowid order, one at a time, zeroized after the call); returns how many.
    pub fn for_each_contribution(
        &mut self,
        form_id: &str,
        now: DateTime<Utc>,
        mut f: impl FnMut(&str, &[u8]),
    ) -> Result<usize> {
        self.active(now)?;
        let key = self.data_key()?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT submission_id, sealed FROM contributions WHERE form_id = ?1 ORDER BY rowid",
        )?;
        let mut rows = stmt.query([form_id])?;
        let mut count = 0;
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            let sealed: &[u8] = r.get_ref(1)?.as_blob().map_err(rusqlite::Error::from)?;
            let plain = key.open(
                sealed,
                &contributions_ad(&self.header.vault_id, &id, form_id),
            )?;
            f(&id, &plain);
            count += 1;
        }
        Ok(count)
    }

    /// Finalized submissions of `form_id` that have no contributions yet (finalized
    /// before this feature, or by a caller that did not compute them).
    pub fn submissions_without_contributions(&self, form_id: &str) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.id FROM submissions s LEFT JOIN contributions c ON c.submission_id = s.id
             WHERE s.form_id = ?1 AND s.status = 'finalized' AND c.submission_id IS NULL
             ORDER BY s.rowid",
        )?;
        let rows = stmt.query_map([form_id], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
    }
}

impl Vault {
    /// The most recently added version of a stored form, if any (clear metadata).
    pub fn latest_form_version(&self, form_id: &str) -> Result<Option<String>> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row(
                "SELECT version FROM forms WHERE form_id = ?1 ORDER BY rowid DESC LIMIT 1",
                [form_id],
                |r| r.get(0),
            )
            .optional()?)
    }
}

impl Vault {
    /// Finalizes many drafts and seals their contributions in one transaction (imports
    /// and benchmarks); each item is `(submission id, contributions bytes)`.
    pub fn finalize_many_with_contributions(
        &mut self,
        items: &[(String, Vec<u8>)],
        now: DateTime<Utc>,
    ) -> Result<()> {
        for (id, _) in items {
            self.finalize(id, now)?;
        }
        self.active(now)?;
        let forms: Vec<String> = items
            .iter()
            .map(|(id, _)| {
                self.conn
                    .query_row("SELECT form_id FROM submissions WHERE id = ?1", [id], |r| {
                        r.get(0)
                    })
                    .map_err(|_| VaultError::NoSuchSubmission(id.clone()))
            })
            .collect::<Result<_>>()?;
        self.in_tx(|tx, v| {
            for ((id, plain), form_id) in items.iter().zip(&forms) {
                let sealed = v
                    .key
                    .seal(plain, &contributions_ad(&v.header.vault_id, id, form_id))?;
                tx.execute(
                    "INSERT INTO contributions (submission_id, form_id, sealed) VALUES (?1, ?2, ?3)
                     ON CONFLICT (submission_id) DO UPDATE SET sealed = excluded.sealed",
                    params![id, form_id, sealed],
                )?;
            }
            Ok(())
        })
    }
}

//! Retention: finalized submissions are deleted a set number of days after a server
//! acknowledged their aggregates (per form's `purpose` sheet, overridable in settings).

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use rusqlite::OptionalExtension;

use super::{AuditEvent, PurgeReport, Result, Vault};

impl Vault {
    /// Deletes finalized submissions whose retention period has passed since a server
    /// acknowledged their aggregates. The period is the `retention_days.<form_id>`
    /// setting if set, else the form's `retention_days`; without either, nothing is
    /// purged for that form.
    pub fn purge(&mut self, now: DateTime<Utc>) -> Result<PurgeReport> {
        self.active(now)?;
        let today = now.date_naive();
        let candidates: Vec<(String, String, String, String)> = {
            let mut stmt = self.conn.prepare(
                "SELECT id, form_id, form_version, acknowledged_day FROM submissions
                 WHERE status = 'finalized' AND acknowledged_day IS NOT NULL ORDER BY id",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut report = PurgeReport::default();
        let mut periods: std::collections::HashMap<(String, String), Option<i64>> =
            std::collections::HashMap::new();
        let mut doomed = Vec::new();
        for (id, form_id, version, ack) in candidates {
            let key = (form_id.clone(), version.clone());
            let period = match periods.get(&key) {
                Some(p) => *p,
                None => {
                    let p = self.retention_period(&form_id, &version)?;
                    periods.insert(key, p);
                    p
                }
            };
            let Some(days) = period else {
                report.kept_without_period += 1;
                continue;
            };
            let Ok(ack_day) = NaiveDate::parse_from_str(&ack, "%Y-%m-%d") else {
                continue;
            };
            if ack_day + TimeDelta::days(days) <= today {
                doomed.push(id);
            }
        }
        if doomed.is_empty() {
            return Ok(report);
        }
        // Delete, then re-key in the same transaction: the purged ciphertexts, wherever
        // SQLite or the file system left copies, were sealed under a key that is gone.
        self.rekey(None, now, |tx, v| {
            let mut delete = tx.prepare("DELETE FROM submissions WHERE id = ?1")?;
            for id in &doomed {
                delete.execute([id])?;
            }
            v.log(
                tx,
                now,
                AuditEvent::RetentionPurge,
                &format!("count={} ids={}", doomed.len(), doomed.join(",")),
            )
        })?;
        report.purged_ids = doomed;
        Ok(report)
    }

    /// The retention period of a form version in days: the setting, else the form's.
    pub fn retention_period(&self, form_id: &str, version: &str) -> Result<Option<i64>> {
        let setting =
            self.get_sealed_json("settings", "key", &format!("retention_days.{form_id}"))?;
        if let Some(days) = setting.and_then(|v| v.as_i64()).filter(|d| *d >= 0) {
            return Ok(Some(days));
        }
        // The period is sealed with the form (issue 13, M2): an edit on disk cannot
        // shorten it. A form that is not in the vault has no period.
        let exists: Option<i64> = self
            .conn
            .query_row(
                "SELECT 1 FROM forms WHERE form_id = ?1 AND version = ?2",
                [form_id, version],
                |r| r.get(0),
            )
            .optional()?;
        if exists.is_none() {
            return Ok(None);
        }
        let form = self.form(form_id, version, self.last_activity.get())?;
        Ok(form.retention_days.map(i64::from))
    }
}

//! Finalized responses on the device (issue 16): the list by form, site and round with
//! where each stands (kept, covered by an acknowledged batch, due for purge), one
//! response read-only in its form's layout, the respondent's receipt code, and
//! withdrawal by that code when a respondent takes back consent.
//!
//! The receipt code is derived from the response's sealed seed and its id, so it can be
//! recomputed only with the vault unlocked; it is not stored anywhere, in clear or not.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta, Utc};

use crate::vault::{ListFilter, Status, Vault, VaultError, crypto};

use super::content::{Content, Stored};
use super::dto::{self, ResponseState, SubmissionRow, SubmissionView};
use super::{Capture, CaptureError, Draft, Result};

/// Crockford's base32: no I, L, O or U, so a code read aloud or copied by hand survives.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The receipt code of a response: 8 characters of Crockford base32 (40 bits) from the
/// response's seed and id, shown as `ABCD-EFGH`.
pub fn receipt_code(seed: u64, id: &str) -> String {
    let digest = crypto::sha256(&[b"lantern.receipt/1\0", &seed.to_le_bytes(), id.as_bytes()]);
    let mut bits: u64 = 0;
    for b in &digest[..5] {
        bits = (bits << 8) | u64::from(*b);
    }
    let mut code = String::with_capacity(9);
    for i in 0..8 {
        if i == 4 {
            code.push('-');
        }
        let shift = 35 - 5 * i;
        code.push(ALPHABET[((bits >> shift) & 31) as usize] as char);
    }
    code
}

/// A code as a person typed it, in the form [`receipt_code`] writes: case, spaces and
/// dashes ignored, and the letters people confuse read as Crockford says (O → 0,
/// I and L → 1). `None` when it cannot be a receipt code.
pub fn normalize_receipt(typed: &str) -> Option<String> {
    let mut chars = Vec::with_capacity(8);
    for c in typed.chars() {
        let c = match c.to_ascii_uppercase() {
            ' ' | '-' | '\u{2010}'..='\u{2015}' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !ALPHABET.contains(&(c as u8)) || !c.is_ascii() {
            return None;
        }
        chars.push(c);
    }
    if chars.len() != 8 {
        return None;
    }
    let mut out: String = chars[..4].iter().collect();
    out.push('-');
    out.extend(&chars[4..]);
    Some(out)
}

/// What a finalized response's sealed content says about it.
struct Facts {
    site: Option<String>,
    round: Option<String>,
    refusal: bool,
    receipt: Option<String>,
}

fn facts(id: &str, content: &serde_json::Value) -> Facts {
    match Stored::parse(content) {
        Some(Stored::Current(Content::Draft(d))) => Facts {
            site: d.site.clone().or_else(|| field(&d.instance, "site")),
            round: d.round.clone().or_else(|| field(&d.instance, "round")),
            refusal: false,
            receipt: Some(receipt_code(d.seed, id)),
        },
        Some(Stored::Current(Content::Refusal(r))) => Facts {
            site: r.site,
            round: r.round,
            refusal: true,
            receipt: None,
        },
        _ => Facts {
            site: None,
            round: None,
            refusal: false,
            receipt: None,
        },
    }
}

fn field(instance: &serde_json::Value, name: &str) -> Option<String> {
    match instance.get(name)? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl Capture {
    fn title_of(&self, vault: &Vault, form_id: &str, version: &str, now: DateTime<Utc>) -> String {
        self.library
            .get(form_id, Some(version))
            .map(|f| f.form().title.clone())
            .or_else(|_| {
                vault
                    .form(form_id, version, now)
                    .map(|_| form_id.to_string())
            })
            .unwrap_or_else(|_| form_id.to_string())
    }

    fn row(
        &self,
        vault: &Vault,
        summary: crate::vault::SubmissionSummary,
        content: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<SubmissionRow> {
        let f = facts(&summary.id, content);
        let state = match summary.acknowledged_day.as_deref() {
            None => ResponseState::Kept,
            Some(ack) => {
                let purge_on = vault
                    .retention_period(&summary.form_id, &summary.form_version)?
                    .and_then(|days| {
                        let day = NaiveDate::parse_from_str(ack, "%Y-%m-%d").ok()?;
                        Some((day + TimeDelta::days(days)).format("%Y-%m-%d").to_string())
                    });
                let today = now.format("%Y-%m-%d").to_string();
                match purge_on {
                    Some(on) if on <= today => ResponseState::DueForPurge { purge_on: on },
                    purge_on => ResponseState::Sent {
                        acknowledged_day: ack.to_string(),
                        purge_on,
                    },
                }
            }
        };
        Ok(SubmissionRow {
            title: self.title_of(vault, &summary.form_id, &summary.form_version, now),
            submission_id: summary.id,
            form_id: summary.form_id,
            form_version: summary.form_version,
            site: f.site,
            round: f.round,
            finalized_day: summary.finalized_day.unwrap_or(summary.updated_day),
            refusal: f.refusal,
            state,
        })
    }

    /// Every finalized response, by form, site, round and day (newest day first within
    /// a site and round).
    pub fn submissions(&self, vault: &Vault, now: DateTime<Utc>) -> Result<Vec<SubmissionRow>> {
        let mut rows = Vec::new();
        for summary in vault.list(&ListFilter {
            form_id: None,
            status: Some(Status::Finalized),
        })? {
            let content = vault.open_submission(&summary.id, now)?.content;
            rows.push(self.row(vault, summary, &content, now)?);
        }
        rows.sort_by(|a, b| {
            (&a.form_id, &a.site, &a.round)
                .cmp(&(&b.form_id, &b.site, &b.round))
                .then_with(|| b.finalized_day.cmp(&a.finalized_day))
                .then_with(|| a.submission_id.cmp(&b.submission_id))
        });
        Ok(rows)
    }

    /// The finalized response a respondent's receipt code names, if any.
    pub fn find_receipt(
        &self,
        vault: &Vault,
        typed: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SubmissionRow>> {
        let Some(code) = normalize_receipt(typed) else {
            return Err(CaptureError::BadReceipt);
        };
        for summary in vault.list(&ListFilter {
            form_id: None,
            status: Some(Status::Finalized),
        })? {
            let content = vault.open_submission(&summary.id, now)?.content;
            if facts(&summary.id, &content).receipt.as_deref() == Some(code.as_str()) {
                return Ok(Some(self.row(vault, summary, &content, now)?));
            }
        }
        Ok(None)
    }

    /// One finalized response, read-only: every relevant page of its form as the fill
    /// screen would draw it, answers in place.
    pub fn submission_view(
        &self,
        vault: &Vault,
        id: &str,
        ui_language: Option<&str>,
        now: DateTime<FixedOffset>,
    ) -> Result<SubmissionView> {
        let utc = now.to_utc();
        let stored = vault.open_submission(id, utc).map_err(|e| match e {
            VaultError::NoSuchSubmission(_) => CaptureError::UnknownDraft(id.to_string()),
            e => e.into(),
        })?;
        if stored.summary.status != Status::Finalized {
            return Err(CaptureError::UnknownDraft(id.to_string()));
        }
        let f = facts(id, &stored.content);
        let summary = stored.summary.clone();
        let row = self.row(vault, summary.clone(), &stored.content, utc)?;
        let pages = match Stored::parse(&stored.content) {
            Some(Stored::Current(Content::Draft(d))) => {
                let form = self.form_for(vault, &summary.form_id, &summary.form_version, utc)?;
                let mut draft = Draft::restore(id, form, d, ui_language)?;
                let relevant: Vec<u32> = draft
                    .index()
                    .into_iter()
                    .filter(|p| p.relevant)
                    .map(|p| p.index)
                    .collect();
                relevant
                    .into_iter()
                    .map(|index| draft.go(&dto::Nav::Page { index }).page)
                    .collect()
            }
            // A refusal keeps no answers: nothing to show but the row.
            _ => Vec::new(),
        };
        Ok(SubmissionView {
            row,
            receipt: f.receipt,
            pages,
        })
    }

    /// Withdraws a finalized response (the respondent took back consent): deleted and
    /// the vault re-keyed; the audit log records the withdrawal by id, never content.
    /// The site's next batch reflects it once the successive-release rule allows.
    pub fn withdraw_response(
        &mut self,
        vault: &mut Vault,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let summary = vault
            .list(&ListFilter {
                form_id: None,
                status: Some(Status::Finalized),
            })?
            .into_iter()
            .find(|s| s.id == id)
            .ok_or_else(|| CaptureError::UnknownDraft(id.to_string()))?;
        self.withdraw(vault, &summary.id, now)
    }
}

//! The device's settings as the app manages them (issue 16, item 4): the idle lock,
//! retention per form (never longer than the form allows), the site list imported from
//! CSV (all rows or none), encrypted backups and their restore, aggregate exports under
//! a named data-sharing agreement, and the audit log with its verification.
//!
//! File locations are the caller's (the shell decides where backups and exports go);
//! this module reads no clock and draws no randomness.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{DateTime, TimeDelta, Utc};

use crate::export::{Format, export};
use crate::release;
use crate::vault::backup::{
    BackupRecipient, BackupSecret, parse_org_public_key, read_org_secret_key,
};
use crate::vault::{AuditEvent, ListFilter, Vault, VaultConfig, VaultError};

use super::dto::{
    AuditRow, AuditView, BackupDone, BackupTo, DeviceSettings, ExportDone, ExportRequest,
    LineProblem, RetentionRow, SiteImport, SiteRow,
};
use super::{Capture, CaptureError, Result};

/// The sealed setting holding the idle lock in minutes.
pub const IDLE_LOCK_SETTING: &str = "app.idle_lock_minutes";
/// The sealed setting holding the imported site list.
pub const SITES_SETTING: &str = "app.sites";
/// The idle-lock choices offered (minutes).
pub const IDLE_LOCK_CHOICES: [u32; 5] = [1, 2, 5, 10, 15];

fn retention_key(form_id: &str) -> String {
    format!("retention_days.{form_id}")
}

/// The idle lock kept in the vault, if one was chosen (applied at each unlock).
pub fn idle_lock(vault: &Vault, now: DateTime<Utc>) -> Result<Option<TimeDelta>> {
    Ok(vault
        .setting(IDLE_LOCK_SETTING, now)?
        .and_then(|v| v.as_u64())
        .and_then(|m| u32::try_from(m).ok())
        .filter(|m| IDLE_LOCK_CHOICES.contains(m))
        .map(|m| TimeDelta::minutes(i64::from(m))))
}

/// The imported site list (code order).
pub fn sites(vault: &Vault, now: DateTime<Utc>) -> Result<Vec<SiteRow>> {
    Ok(vault
        .setting(SITES_SETTING, now)?
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default())
}

/// Reads a site list (`lantern_protocol::sites::parse`, the same rules as the server's
/// import): every bad row is reported with its line; with any, nothing is imported.
pub fn parse_sites(text: &str) -> std::result::Result<Vec<SiteRow>, Vec<LineProblem>> {
    lantern_protocol::sites::parse(text)
        .map(|sites| {
            sites
                .into_iter()
                .map(|s| SiteRow {
                    code: s.code,
                    name: s.name,
                    admin: s.admin,
                })
                .collect()
        })
        .map_err(|problems| {
            problems
                .into_iter()
                .map(|p| LineProblem {
                    line: u32::try_from(p.line).unwrap_or(u32::MAX),
                    code: p.kind.code().to_string(),
                    site: p.kind.site().map(str::to_string),
                    column: p.kind.column().map(str::to_string),
                    message: p.message,
                })
                .collect()
        })
}

impl Capture {
    /// Everything the settings screen shows from the vault.
    pub fn device_settings(
        &self,
        vault: &Vault,
        config: &VaultConfig,
        now: DateTime<Utc>,
    ) -> Result<DeviceSettings> {
        let idle = idle_lock(vault, now)?.unwrap_or(config.idle_lock);
        let mut retention = Vec::new();
        let mut forms = BTreeSet::new();
        for entry in self.library.catalog()? {
            if let crate::catalog::EntryStatus::Ok { summary, .. } = entry.status {
                forms.insert(summary.form_id);
            }
        }
        for s in vault.list(&ListFilter::default())? {
            forms.insert(s.form_id);
        }
        for form_id in forms {
            let Ok(loaded) = self.library.get(&form_id, None) else {
                continue;
            };
            let form = loaded.form();
            let form_days = form.purpose.as_ref().and_then(|p| p.retention_days);
            let days = vault
                .setting(&retention_key(&form_id), now)?
                .and_then(|v| v.as_u64())
                .map(|d| u32::try_from(d).unwrap_or(u32::MAX));
            retention.push(RetentionRow {
                form_id: form_id.clone(),
                title: form.title.clone(),
                form_days,
                days,
            });
        }
        Ok(DeviceSettings {
            idle_lock_minutes: u32::try_from(idle.num_minutes().max(1)).unwrap_or(5),
            idle_lock_choices: IDLE_LOCK_CHOICES.to_vec(),
            retention,
            sites: sites(vault, now)?,
        })
    }

    /// Keeps a form's responses `days` after acknowledgement (`None`: the form's own
    /// period). Never longer than the form's `retention_days`.
    pub fn set_retention(
        &self,
        vault: &mut Vault,
        form_id: &str,
        days: Option<u32>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let loaded = self.library.get(form_id, None)?;
        let limit = loaded
            .form()
            .purpose
            .as_ref()
            .and_then(|p| p.retention_days);
        match (days, limit) {
            (None, _) => {
                vault.set_setting(&retention_key(form_id), &serde_json::Value::Null, now)?
            }
            (Some(d), Some(limit)) if u64::from(d) <= u64::from(limit) => {
                vault.set_setting(&retention_key(form_id), &serde_json::json!(d), now)?
            }
            (Some(_), Some(limit)) => {
                return Err(CaptureError::Setting(format!(
                    "the form allows keeping responses at most {limit} days after they are sent"
                )));
            }
            (Some(_), None) => {
                return Err(CaptureError::Setting(
                    "this form sets no retention period, so none can be shortened".into(),
                ));
            }
        }
        Ok(())
    }

    /// Replaces the site list with `text` (CSV), or reports every bad row and keeps the
    /// old list.
    pub fn import_sites(
        &self,
        vault: &mut Vault,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<SiteImport> {
        match parse_sites(text) {
            Ok(rows) => {
                let value = serde_json::to_value(&rows)
                    .map_err(|e| CaptureError::Setting(e.to_string()))?;
                vault.set_setting(SITES_SETTING, &value, now)?;
                Ok(SiteImport {
                    imported: u32::try_from(rows.len()).unwrap_or(u32::MAX),
                    problems: Vec::new(),
                })
            }
            Err(problems) => Ok(SiteImport {
                imported: 0,
                problems,
            }),
        }
    }
}

/// Exports what may be released now of a form (optionally one site and round) to
/// `file`, under the data-sharing agreement the operator named. Only releasable
/// tables go; each is recorded as released (so later releases are checked against
/// it) and the export is written to the audit log with the agreement. A site × round
/// with no change since its last release gives that release's table again, as it was.
pub fn export_releasable(
    vault: &mut Vault,
    request: &ExportRequest,
    file: &Path,
    now: DateTime<Utc>,
    new_id: &mut dyn FnMut() -> uuid::Uuid,
) -> Result<ExportDone> {
    let agreement = request.agreement.trim();
    if agreement.is_empty() {
        return Err(CaptureError::Setting(
            "name the data-sharing agreement this export falls under".into(),
        ));
    }
    let Some(format) = Format::parse(&request.format) else {
        return Err(CaptureError::Setting(format!(
            "unknown format {:?}: csv, xlsx or hxl",
            request.format
        )));
    };
    let form = release::stored_form(vault, &request.form_id, now)?;
    let (previews, _) = release::preview(
        vault,
        &form,
        request.site.as_deref(),
        request.round.as_deref(),
        now,
        new_id,
    )?;
    let mut batches = Vec::new();
    let mut held = 0u32;
    let mut releasable = Vec::new();
    for p in previews {
        let ok = matches!(p.releasable, crate::aggregate::Releasability::Releasable)
            && release::hold_if_all_hidden(&p.batch).is_ok();
        if ok {
            batches.push(p.batch.clone());
            releasable.push(p);
        } else if let (0, Some(previous)) = (p.changes, p.previous) {
            // Nothing changed since the last release: the same table again (in another
            // format, for another meeting) tells nobody anything new.
            batches.push(previous);
        } else {
            held += 1;
        }
    }
    if batches.is_empty() {
        return Err(CaptureError::Setting(
            "nothing may be exported now: every table is held back by disclosure control".into(),
        ));
    }
    let bytes = export(&batches, format).map_err(|e| CaptureError::Aggregate(e.to_string()))?;
    write_new(file, &bytes)?;
    for p in &releasable {
        release::record_release(vault, &form, p, now)?;
    }
    let cells: usize = batches
        .iter()
        .map(|b| b.cells.iter().filter(|c| !c.suppressed).count())
        .sum();
    vault.record_event(
        AuditEvent::Export,
        &format!(
            "export-{} form={} batches={} released_cells={cells} file={} agreement={agreement:?}",
            request.format,
            form.form_id,
            batches.len(),
            file.file_name().and_then(|n| n.to_str()).unwrap_or("-"),
        ),
        now,
    )?;
    Ok(ExportDone {
        file: file.display().to_string(),
        bytes: u32::try_from(bytes.len()).unwrap_or(u32::MAX),
        batches: u32::try_from(batches.len()).unwrap_or(u32::MAX),
        held,
    })
}

/// Writes `bytes` to a new file (never over an existing one), creating its folder.
fn write_new(file: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(|e| CaptureError::Io(e.to_string()))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(file)
        .map_err(|e| CaptureError::Io(format!("{}: {e}", file.display())))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| CaptureError::Io(format!("{}: {e}", file.display())))
}

/// The idle lock chosen in settings, kept sealed; the caller applies it.
pub fn set_idle_lock(vault: &mut Vault, minutes: u32, now: DateTime<Utc>) -> Result<TimeDelta> {
    if !IDLE_LOCK_CHOICES.contains(&minutes) {
        return Err(CaptureError::Setting(format!(
            "the vault can lock after {} minutes of inactivity",
            IDLE_LOCK_CHOICES.map(|m| m.to_string()).join(", ")
        )));
    }
    vault.set_setting(IDLE_LOCK_SETTING, &serde_json::json!(minutes), now)?;
    Ok(TimeDelta::minutes(i64::from(minutes)))
}

/// An encrypted backup of the whole vault to `file`, for a backup passphrase or an
/// organisation's public key (hex, as `lantern vault org-keygen` prints it). The vault
/// logs it.
pub fn backup(
    vault: &mut Vault,
    to: &BackupTo,
    file: &Path,
    now: DateTime<Utc>,
) -> Result<BackupDone> {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(|e| CaptureError::Io(e.to_string()))?;
    }
    let report = match to {
        BackupTo::Passphrase { passphrase } => {
            crate::vault::policy::check(passphrase.as_bytes())?;
            vault.backup(
                file,
                BackupRecipient::Passphrase(passphrase.as_bytes()),
                now,
            )?
        }
        BackupTo::OrgKey { public_key } => {
            let key = parse_org_public_key(public_key.trim())?;
            vault.backup(file, BackupRecipient::OrgKey(key), now)?
        }
    };
    Ok(BackupDone {
        file: file.display().to_string(),
        name: file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string(),
        submissions: u32::try_from(report.submissions).unwrap_or(u32::MAX),
        forms: u32::try_from(report.forms).unwrap_or(u32::MAX),
        bytes: u32::try_from(report.bytes).unwrap_or(u32::MAX),
        skipped: u32::try_from(report.skipped.len()).unwrap_or(u32::MAX),
    })
}

/// Restores a backup into a new vault at `dir` under `passphrase`: opened with the
/// backup passphrase, or with the organisation's secret key file.
pub fn restore(
    file: &Path,
    secret: &super::dto::BackupSecretInput,
    dir: &Path,
    passphrase: &str,
    config: VaultConfig,
    now: DateTime<Utc>,
) -> Result<Vault> {
    use super::dto::BackupSecretInput;
    let vault = match secret {
        BackupSecretInput::Passphrase { passphrase: p } => Vault::restore(
            file,
            BackupSecret::Passphrase(p.as_bytes()),
            dir,
            passphrase.as_bytes(),
            config,
            now,
        )?,
        BackupSecretInput::OrgKeyFile { path } => {
            let key = read_org_secret_key(Path::new(path))?;
            Vault::restore(
                file,
                BackupSecret::OrgKey(&key),
                dir,
                passphrase.as_bytes(),
                config,
                now,
            )?
        }
    };
    Ok(vault)
}

/// The audit log opened, newest first, with the chain's verification.
pub fn audit_view(vault: &Vault, now: DateTime<Utc>) -> Result<AuditView> {
    let (verified, checked, problem) = match vault.verify_log() {
        Ok(n) => (true, u32::try_from(n).unwrap_or(u32::MAX), None),
        Err(VaultError::AuditBroken(b)) => (false, 0, Some(format!("{b:?}"))),
        Err(e) => return Err(e.into()),
    };
    let mut entries: Vec<AuditRow> = vault
        .audit_events(now)?
        .into_iter()
        .map(|e| AuditRow {
            seq: u32::try_from(e.seq).unwrap_or(u32::MAX),
            at: e.at,
            event: e.event,
            detail: e.detail,
        })
        .collect();
    entries.reverse();
    Ok(AuditView {
        verified,
        checked,
        problem,
        entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_site_list_is_read_whole_or_refused_with_every_bad_line() {
        let rows = parse_sites(
            "\u{feff}site_code,site_name,admin1,admin2\nSO2401-0001,Hodan IDP site,SO24,SO2401\n",
        )
        .unwrap();
        assert_eq!(rows[0].admin, ["SO24", "SO2401"]);
        let problems =
            parse_sites("code,name,admin1\nA 1,x,S\nB,,S\n,y,S\nC,z,S\nC,again,S\n").unwrap_err();
        let lines: Vec<u32> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [2, 3, 4, 6]);
        assert!(problems[0].message.contains("may hold"), "{problems:?}");
    }
}

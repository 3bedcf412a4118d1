//! The home screen's data: the forms with their sites and rounds, the drafts, and the
//! finalized responses counted per form, site and round.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::catalog::EntryStatus;
use crate::vault::{ListFilter, Status, Vault};

use super::content::{Content, Stored};
use super::dto::{self, Choice, FormCard, Home, SyncStatus};
use super::library::LoadedForm;
use super::{Capture, Result, form_language};

/// Form id, site, round.
type CountKey = (String, Option<String>, Option<String>);

/// The vault setting that holds the referral cards.
pub const REFERRALS_SETTING: &str = "referral_cards";

impl Capture {
    /// Everything home shows, labels in the form language matching `ui_language`.
    pub fn home(&self, vault: &Vault, ui_language: &str, now: DateTime<Utc>) -> Result<Home> {
        let mut forms = Vec::new();
        let mut titles = BTreeMap::new();
        for entry in self.library.catalog()? {
            match entry.status {
                EntryStatus::Ok { summary, policy } => {
                    let policy: Vec<dto::PolicyFinding> =
                        policy.iter().map(dto::PolicyFinding::from).collect();
                    let card = match self.library.get(&summary.form_id, Some(&summary.version)) {
                        Ok(loaded) => {
                            let language = form_language(&loaded.form().languages, ui_language);
                            let (sites, rounds) = sites_and_rounds(&loaded, language.as_deref());
                            titles.insert(summary.form_id.clone(), summary.title.clone());
                            FormCard::Ok {
                                file: entry.file,
                                form_id: summary.form_id,
                                version: summary.version,
                                title: summary.title,
                                languages: summary.languages,
                                default_language: summary.default_language,
                                sites,
                                rounds,
                                policy,
                            }
                        }
                        Err(e) => FormCard::Broken {
                            file: entry.file,
                            code: e.code().to_string(),
                            message: e.to_string(),
                            policy,
                        },
                    };
                    forms.push(card);
                }
                EntryStatus::Broken { code, message } => forms.push(FormCard::Broken {
                    file: entry.file,
                    code: code.to_string(),
                    message,
                    policy: Vec::new(),
                }),
            }
        }
        let title = |form_id: &str| {
            titles
                .get(form_id)
                .cloned()
                .unwrap_or_else(|| form_id.to_string())
        };

        let mut drafts = Vec::new();
        for summary in vault.list(&ListFilter {
            form_id: None,
            status: Some(Status::Draft),
        })? {
            let content = vault.open_submission(&summary.id, now)?.content;
            let (site, round, answered) = match Stored::parse(&content) {
                Some(Stored::Current(Content::Draft(d))) => (d.site, d.round, d.answered),
                _ => (None, None, 0),
            };
            drafts.push(dto::DraftSummary {
                title: title(&summary.form_id),
                draft_id: summary.id,
                form_id: summary.form_id,
                form_version: summary.form_version,
                site,
                round,
                updated_day: summary.updated_day,
                answered,
            });
        }
        drafts.sort_by(|a, b| {
            b.updated_day
                .cmp(&a.updated_day)
                .then(a.draft_id.cmp(&b.draft_id))
        });

        let mut counts: BTreeMap<CountKey, (u32, u32)> = BTreeMap::new();
        for summary in vault.list(&ListFilter {
            form_id: None,
            status: Some(Status::Finalized),
        })? {
            let content = vault.open_submission(&summary.id, now)?.content;
            let (site, round, refusal) = match Stored::parse(&content) {
                Some(Stored::Current(Content::Draft(d))) => (
                    d.site.or_else(|| field(&d.instance, "site")),
                    d.round,
                    false,
                ),
                Some(Stored::Current(Content::Refusal(r))) => (r.site, r.round, true),
                _ => (None, None, false),
            };
            let entry = counts.entry((summary.form_id, site, round)).or_default();
            if refusal {
                entry.1 += 1;
            } else {
                entry.0 += 1;
            }
        }
        let finalized = counts
            .into_iter()
            .map(
                |((form_id, site, round), (count, refusals))| dto::FinalizedCount {
                    title: title(&form_id),
                    form_id,
                    site,
                    round,
                    count,
                    refusals,
                },
            )
            .collect();
        Ok(Home {
            forms,
            drafts,
            finalized,
            sync: sync_status(vault, now)?,
        })
    }

    /// The referral cards kept in the vault's settings.
    pub fn referrals(&self, vault: &Vault, now: DateTime<Utc>) -> Result<dto::ReferralCards> {
        referral_cards(vault, now)
    }

    pub fn set_referrals(
        &self,
        vault: &mut Vault,
        cards: &dto::ReferralCards,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let value = serde_json::to_value(cards).unwrap_or_default();
        vault.set_setting(REFERRALS_SETTING, &value, now)?;
        Ok(())
    }
}

/// Sync as home sums it up: not enrolled, failing, or how many approved batches wait.
fn sync_status(vault: &Vault, now: DateTime<Utc>) -> Result<SyncStatus> {
    let st = crate::sync::status(vault, now).map_err(|e| match e {
        crate::sync::SyncError::Vault(v) => super::CaptureError::Vault(v),
        other => super::CaptureError::from(other),
    })?;
    if st.enrollment.is_none() {
        return Ok(SyncStatus::NotConfigured);
    }
    if let Some(failed) = st
        .items
        .iter()
        .find(|i| i.state == crate::sync::ItemState::Failed && !i.retry)
    {
        return Ok(SyncStatus::Failed {
            message: failed.last_error.clone().unwrap_or_default(),
        });
    }
    Ok(SyncStatus::Idle {
        pending: u32::try_from(st.queued + st.sending + st.failed).unwrap_or(u32::MAX),
        last_sync: st.items.iter().filter_map(|i| i.sent_at.clone()).max(),
    })
}

fn field(instance: &serde_json::Value, name: &str) -> Option<String> {
    instance
        .get(name)
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

/// The choices of the form's `site_field` and `round_field` selects.
pub fn sites_and_rounds(form: &LoadedForm, language: Option<&str>) -> (Vec<Choice>, Vec<Choice>) {
    let f = form.form();
    let choices = |field: Option<&String>| -> Vec<Choice> {
        let Some(field) = field else {
            return Vec::new();
        };
        let Some(node) = f.nodes_named(field).next() else {
            return Vec::new();
        };
        let Some(list) = node
            .select
            .as_ref()
            .and_then(|s| f.choice_list(&s.list_name))
        else {
            return Vec::new();
        };
        let language = language
            .map(str::to_string)
            .or_else(|| f.default_language.clone())
            .unwrap_or_default();
        list.choices
            .iter()
            .map(|c| Choice {
                name: c.name.clone(),
                label: c
                    .label
                    .get_or_first(&language)
                    .unwrap_or(&c.name)
                    .to_string(),
            })
            .collect()
    };
    let purpose = f.purpose.as_ref();
    (
        choices(purpose.and_then(|p| p.site_field.as_ref())),
        choices(purpose.and_then(|p| p.round_field.as_ref())),
    )
}

/// The referral cards kept in the vault's settings; needs only a read handle
/// (`Vault::reader`), so the card opens even while a draft is being saved.
pub fn referral_cards(vault: &Vault, now: DateTime<Utc>) -> Result<dto::ReferralCards> {
    Ok(vault
        .setting(REFERRALS_SETTING, now)?
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default())
}

//! Results on the device, the send preview and the operator's approval, and sync as the
//! app shows it (issue 16): the app's layer over `release` (fold, disclosure control,
//! the successive-release rule) and `sync` (the queue). Every number it hands the UI is
//! one a release would carry now; a hidden cell reaches the UI only as "fewer than k"
//! and why.
//!
//! Like the rest of `capture` it reads no clock and draws no randomness: `now` and the
//! batch ids come from the caller.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use lantern_protocol::suppression::{cell_level, round_rank};
use lantern_protocol::{Cell, IndicatorKind, IndicatorMeta, Level, SuppressionRule};
use uuid::Uuid;

use crate::aggregate::{Releasability, dimension_field, round_change};
use crate::form::FormDef;
use crate::release::{self, Held, Preview};
use crate::sync::{self, ItemState, Prepared, SyncError};
use crate::vault::{ListFilter, Status, Vault};

use super::dto::{
    ActionItem, BatchState, ByValue, EnrollmentView, HiddenBecause, IndicatorResult, Payload,
    PreviewTotal, Release, ResultCell, Results, RiskLevel, SectorRisk, ShareGroup, SharePreview,
    Shown, SyncItem, SyncProblem, SyncView,
};
use super::{Capture, CaptureError, Result, form_language};

/// A preview the operator was shown, kept until approved (or the vault locks).
#[derive(Debug, Clone)]
pub struct PendingShare {
    pub form_id: String,
    pub site: String,
    pub round: Option<String>,
    pub prepared: Prepared,
}

impl From<release::ReleaseError> for CaptureError {
    fn from(e: release::ReleaseError) -> CaptureError {
        match e {
            release::ReleaseError::Vault(v) => CaptureError::Vault(v),
            other => CaptureError::Aggregate(other.to_string()),
        }
    }
}

impl From<release::LoadError> for CaptureError {
    fn from(e: release::LoadError) -> CaptureError {
        match e {
            release::LoadError::Vault(v) => CaptureError::Vault(v),
            release::LoadError::UnknownForm(f) => CaptureError::UnknownForm(f),
            release::LoadError::BadForm(f) => {
                CaptureError::FormUnusable(format!("the stored form {f} does not import cleanly"))
            }
        }
    }
}

impl From<release::ApproveError> for CaptureError {
    fn from(e: release::ApproveError) -> CaptureError {
        match e {
            release::ApproveError::Load(l) => l.into(),
            release::ApproveError::Release(r) => r.into(),
        }
    }
}

impl From<SyncError> for CaptureError {
    fn from(e: SyncError) -> CaptureError {
        match e {
            SyncError::Vault(v) => CaptureError::Vault(v),
            other => CaptureError::Sync {
                code: other.code(),
                message: other.to_string(),
            },
        }
    }
}

/// Labels of the form in one language: indicator labels, choices of the site, round
/// and dimension fields.
struct Labels<'a> {
    form: &'a FormDef,
    /// The form language matching the UI language, if the form has it.
    language: Option<String>,
}

impl<'a> Labels<'a> {
    /// The labels of `stored`, read from the forms folder's copy when there is one
    /// (`Capture::label_form`).
    fn of(
        stored: &'a FormDef,
        loaded: Option<&'a super::library::LoadedForm>,
        ui_language: &str,
    ) -> Labels<'a> {
        let form = loaded.map_or(stored, |l| l.form());
        Labels {
            form,
            language: form_language(&form.languages, ui_language),
        }
    }

    /// A label map of a batch (`labels`, `actions`) in this language, else the form's
    /// default language, else the first.
    fn pick(&self, map: &BTreeMap<String, String>) -> Option<String> {
        let default = self.form.default_language.as_deref();
        self.language
            .as_deref()
            .and_then(|l| map.get(l))
            .or_else(|| default.and_then(|l| map.get(l)))
            .or_else(|| map.get("default"))
            .or_else(|| map.values().next())
            .cloned()
    }

    /// The label of choice `value` of the select `field`, else the value itself.
    fn choice(&self, field: Option<&str>, value: &str) -> String {
        let label = field
            .and_then(|f| self.form.nodes_named(f).next())
            .and_then(|n| n.select.as_ref())
            .and_then(|s| self.form.choice_list(&s.list_name))
            .and_then(|l| l.choices.iter().find(|c| c.name == value))
            .and_then(|c| {
                let lang = self
                    .language
                    .clone()
                    .or_else(|| self.form.default_language.clone())
                    .unwrap_or_default();
                c.label.get_or_first(&lang).map(str::to_string)
            });
        label.unwrap_or_else(|| value.to_string())
    }

    fn site(&self, site: &str) -> String {
        let field = self
            .form
            .purpose
            .as_ref()
            .and_then(|p| p.site_field.clone());
        self.choice(field.as_deref(), site)
    }

    fn round(&self, round: &str) -> String {
        let field = self
            .form
            .purpose
            .as_ref()
            .and_then(|p| p.round_field.clone());
        self.choice(field.as_deref(), round)
    }

    fn dimension(&self, dim: &str, value: &str) -> String {
        self.choice(dimension_field(self.form, dim).as_deref(), value)
    }
}

fn no_results(form_id: &str, site: &str) -> CaptureError {
    CaptureError::NoResults {
        form: form_id.to_string(),
        site: site.to_string(),
    }
}

fn level(l: Level) -> RiskLevel {
    match l {
        Level::Green => RiskLevel::Green,
        Level::Amber => RiskLevel::Amber,
        Level::Red => RiskLevel::Red,
    }
}

fn hidden_because(rule: Option<SuppressionRule>) -> HiddenBecause {
    match rule {
        Some(SuppressionRule::Complementary) => HiddenBecause::Complementary,
        Some(SuppressionRule::Derived) => HiddenBecause::Derived,
        Some(SuppressionRule::MinResponses) => HiddenBecause::MinResponses,
        Some(SuppressionRule::Primary) | None => HiddenBecause::Primary,
    }
}

/// Whether an indicator is rated (a traffic light exists for it).
fn rated(meta: &IndicatorMeta) -> bool {
    meta.sector.is_some()
        && (meta.kind == IndicatorKind::Score || (meta.amber.is_some() && meta.red.is_some()))
}

fn shown(meta: &IndicatorMeta, cell: &Cell) -> Shown {
    if cell.suppressed {
        return Shown::Hidden {
            because: hidden_because(cell.rule),
            fewer_than: meta.min_cell,
        };
    }
    Shown::Released {
        n: clamp(cell.n.unwrap_or(0)),
        denominator: cell.denominator.map(clamp),
        value: cell.value,
        level: cell_level(meta, cell).map(level),
    }
}

fn clamp(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn release_of(releasable: &Releasability) -> Release {
    match releasable {
        Releasability::Releasable => Release::Releasable,
        Releasability::NeedMoreChanges { changes, needed } => Release::NeedMoreChanges {
            changes: clamp(*changes),
            needed: clamp(*needed),
        },
        Releasability::DifferencingRisk { cells } => Release::DifferencingRisk {
            cells: cells.clone(),
        },
    }
}

/// What may happen to a preview's batch now: the successive-release rule, then
/// "every cell hidden" (such a batch tells the server nothing).
fn release_state(p: &Preview) -> Release {
    match release_of(&p.releasable) {
        Release::Releasable => match release::hold_if_all_hidden(&p.batch) {
            Ok(()) => Release::Releasable,
            Err(Held::AllHidden { min_responses, .. }) => Release::AllHidden { min_responses },
            Err(_) => Release::Releasable,
        },
        other => other,
    }
}

fn group(form: &FormDef, labels: &Labels, p: &Preview) -> ShareGroup {
    let b = &p.batch;
    ShareGroup {
        form_id: form.form_id.clone(),
        title: form.title.clone(),
        site: b.site.clone(),
        site_label: labels.site(&b.site),
        round: b.round.clone(),
        round_label: b.round.as_deref().map(|r| labels.round(r)),
        responses: clamp(p.ids.len() as u64),
        rated: b.indicators.iter().any(rated),
        release: release_state(p),
    }
}

/// The form ids with finalized submissions in the vault (clear metadata only).
fn finalized_forms(vault: &Vault) -> Result<BTreeSet<String>> {
    Ok(vault
        .list(&ListFilter {
            form_id: None,
            status: Some(Status::Finalized),
        })?
        .into_iter()
        .map(|s| s.form_id)
        .collect())
}

impl Capture {
    /// The form whose labels the screens show: the forms folder's copy of the stored
    /// version when there is one (it has its CSV media, so sites read from a file get
    /// their names), else the vault's copy.
    fn label_form(&self, stored: &FormDef) -> Option<std::sync::Arc<super::library::LoadedForm>> {
        self.library
            .get(&stored.form_id, Some(&stored.version))
            .ok()
    }

    /// Every form × site × round with finalized responses, each with whether it may
    /// be approved now (forms in id order, then site, then round).
    pub fn share_groups(
        &self,
        vault: &mut Vault,
        ui_language: &str,
        now: DateTime<Utc>,
        new_id: &mut dyn FnMut() -> Uuid,
    ) -> Result<Vec<ShareGroup>> {
        let mut out = Vec::new();
        for form_id in finalized_forms(vault)? {
            let form = match release::stored_form(vault, &form_id, now) {
                Ok(f) => f,
                // A form whose stored copy no longer imports has nothing to show here;
                // its submissions stay in the vault.
                Err(release::LoadError::BadForm(_) | release::LoadError::UnknownForm(_)) => {
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            if form.indicators.is_empty() {
                continue;
            }
            let loaded = self.label_form(&form);
            let labels = Labels::of(&form, loaded.as_deref(), ui_language);
            let (previews, _) = release::preview(vault, &form, None, None, now, new_id)?;
            let mut groups: Vec<ShareGroup> =
                previews.iter().map(|p| group(&form, &labels, p)).collect();
            groups.sort_by(|a, b| {
                a.site.cmp(&b.site).then_with(|| {
                    round_rank(a.round.as_deref()).cmp(&round_rank(b.round.as_deref()))
                })
            });
            out.extend(groups);
        }
        Ok(out)
    }

    /// The results of one form × site × round as a release would carry them now, with
    /// the risk profile, the action plan and, for an endline, the change from baseline.
    #[allow(clippy::too_many_arguments)]
    pub fn results(
        &self,
        vault: &mut Vault,
        form_id: &str,
        site: &str,
        round: Option<&str>,
        ui_language: &str,
        now: DateTime<Utc>,
        new_id: &mut dyn FnMut() -> Uuid,
    ) -> Result<Results> {
        let form = release::stored_form(vault, form_id, now)?;
        let loaded = self.label_form(&form);
        let labels = Labels::of(&form, loaded.as_deref(), ui_language);
        let (previews, _) = release::preview(vault, &form, Some(site), None, now, new_id)?;
        let Some(p) = previews.iter().find(|p| p.batch.round.as_deref() == round) else {
            return Err(no_results(form_id, site));
        };
        let b = &p.batch;
        let baseline = (round == Some("endline"))
            .then(|| {
                previews
                    .iter()
                    .find(|q| q.batch.round.as_deref() == Some("baseline"))
            })
            .flatten();
        let before: BTreeMap<(String, BTreeMap<String, String>), f64> = baseline
            .map(|base| {
                round_change(&base.batch, b)
                    .into_iter()
                    .map(|c| ((c.indicator, c.by), c.before))
                    .collect()
            })
            .unwrap_or_default();

        let mut indicators = Vec::new();
        let mut sectors: BTreeMap<String, SectorRisk> = BTreeMap::new();
        let mut actions = Vec::new();
        for meta in &b.indicators {
            let label = labels
                .pick(&meta.labels)
                .unwrap_or_else(|| meta.name.clone());
            let action = labels.pick(&meta.actions).unwrap_or_default();
            let cells: Vec<ResultCell> = b
                .cells
                .iter()
                .filter(|c| c.indicator == meta.name)
                .map(|c| ResultCell {
                    by: c
                        .by
                        .iter()
                        .map(|(d, v)| ByValue {
                            dimension: d.clone(),
                            value: v.clone(),
                            label: labels.dimension(d, v),
                        })
                        .collect(),
                    shown: shown(meta, c),
                    baseline: before.get(&(c.indicator.clone(), c.by.clone())).copied(),
                })
                .collect();
            let total = b
                .cells
                .iter()
                .find(|c| c.indicator == meta.name && c.by.is_empty());
            let total_level = total
                .and_then(|t| cell_level(meta, t))
                .filter(|_| rated(meta));
            if rated(meta)
                && let Some(sector) = &meta.sector
            {
                let s = sectors.entry(sector.clone()).or_insert_with(|| SectorRisk {
                    sector: sector.clone(),
                    level: None,
                    red: 0,
                    amber: 0,
                    green: 0,
                    unrated: 0,
                });
                match total_level {
                    Some(Level::Red) => s.red += 1,
                    Some(Level::Amber) => s.amber += 1,
                    Some(Level::Green) => s.green += 1,
                    None => s.unrated += 1,
                }
                s.level = s.level.max(total_level.map(level));
            }
            if let Some(l @ (Level::Red | Level::Amber)) = total_level {
                actions.push(ActionItem {
                    indicator: meta.name.clone(),
                    label: label.clone(),
                    sector: meta.sector.clone(),
                    level: level(l),
                    value: total.and_then(|t| t.value),
                    action: action.clone(),
                });
            }
            indicators.push(IndicatorResult {
                name: meta.name.clone(),
                label,
                kind: serde_json::to_value(meta.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                sector: meta.sector.clone(),
                higher_is: meta.higher_is.and_then(|h| {
                    serde_json::to_value(h)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                }),
                amber: meta.amber,
                red: meta.red,
                min_cell: meta.min_cell,
                level: total_level.map(level),
                action,
                cells,
            });
        }
        // Red first, then amber; the form's order within a level (stable sort).
        actions.sort_by_key(|a| std::cmp::Reverse(a.level));
        let mut sectors: Vec<SectorRisk> = sectors.into_values().collect();
        sectors.sort_by(|a, b| b.level.cmp(&a.level).then_with(|| a.sector.cmp(&b.sector)));
        let refusals = if b.refusals.suppressed {
            Shown::Hidden {
                because: hidden_because(b.refusals.rule),
                fewer_than: b.min_cell_size,
            }
        } else {
            Shown::Released {
                n: clamp(b.refusals.n.unwrap_or(0)),
                denominator: None,
                value: None,
                level: None,
            }
        };
        Ok(Results {
            group: group(&form, &labels, p),
            period: b.period.clone(),
            min_cell_size: b.min_cell_size,
            refusals,
            baseline_round: baseline.and_then(|q| q.batch.round.clone()),
            indicators,
            sectors,
            actions,
        })
    }

    /// The send preview: exactly the bytes that would leave the device for one form ×
    /// site × round, or why nothing may leave yet. The payload is kept until approved.
    #[allow(clippy::too_many_arguments)]
    pub fn share_preview(
        &mut self,
        vault: &mut Vault,
        form_id: &str,
        site: &str,
        round: Option<&str>,
        ui_language: &str,
        now: DateTime<Utc>,
        new_id: &mut dyn FnMut() -> Uuid,
    ) -> Result<SharePreview> {
        let form = release::stored_form(vault, form_id, now)?;
        let loaded = self.label_form(&form);
        let labels = Labels::of(&form, loaded.as_deref(), ui_language);
        let (previews, _) = release::preview(vault, &form, Some(site), round, now, new_id)?;
        let Some(p) = previews
            .into_iter()
            .find(|p| p.batch.site == site && p.batch.round.as_deref() == round)
        else {
            return Err(no_results(form_id, site));
        };
        let group = group(&form, &labels, &p);
        if group.release != Release::Releasable {
            return Ok(SharePreview {
                group,
                payload: None,
            });
        }
        let prepared = sync::prepare(vault, p.batch.clone(), now)?;
        let b = &prepared.batch;
        let released = b.cells.iter().filter(|c| !c.suppressed).count();
        let totals = b
            .indicators
            .iter()
            .filter_map(|meta| {
                let total = b
                    .cells
                    .iter()
                    .find(|c| c.indicator == meta.name && c.by.is_empty())?;
                Some(PreviewTotal {
                    label: labels
                        .pick(&meta.labels)
                        .unwrap_or_else(|| meta.name.clone()),
                    shown: shown(meta, total),
                })
            })
            .collect();
        let payload = Payload {
            batch_id: b.batch_id.to_string(),
            sequence: b.sequence,
            hash: prepared.hash.clone(),
            body: prepared.body.clone(),
            period: b.period.clone(),
            min_cell_size: b.min_cell_size,
            indicators: clamp(b.indicators.len() as u64),
            cells: clamp(b.cells.len() as u64),
            released: clamp(released as u64),
            hidden: clamp((b.cells.len() - released) as u64),
            totals,
        };
        self.shares.insert(
            prepared.hash.clone(),
            PendingShare {
                form_id: form_id.to_string(),
                site: site.to_string(),
                round: round.map(str::to_string),
                prepared,
            },
        );
        Ok(SharePreview {
            group,
            payload: Some(payload),
        })
    }

    /// The operator approved the preview whose payload hashes to `hash`: the batch is
    /// computed again with the same id and must be byte for byte the one shown; then it
    /// is queued (and the approval logged with its hash) and the release recorded.
    pub fn share_approve(
        &mut self,
        vault: &mut Vault,
        hash: &str,
        now: DateTime<Utc>,
    ) -> Result<SyncItem> {
        let pending = self
            .shares
            .get(hash)
            .cloned()
            .ok_or(CaptureError::StalePreview)?;
        let id = pending.prepared.batch.batch_id;
        let approvable = match release::approvable(
            vault,
            &pending.form_id,
            &pending.site,
            pending.round.as_deref(),
            now,
            &mut || id,
        )? {
            Ok(a) => a,
            Err(_) => {
                self.shares.remove(hash);
                return Err(CaptureError::StalePreview);
            }
        };
        if release::hold_if_all_hidden(&approvable.preview.batch).is_err() {
            self.shares.remove(hash);
            return Err(CaptureError::StalePreview);
        }
        let again = sync::prepare(vault, approvable.preview.batch.clone(), now)?;
        if again.body != pending.prepared.body {
            self.shares.remove(hash);
            return Err(CaptureError::StalePreview);
        }
        let submissions: Vec<String> = approvable.preview.ids.iter().cloned().collect();
        let item = sync::approve(vault, &again, &submissions, now)?;
        let mut released = approvable.preview;
        released.batch = again.batch.clone();
        release::record_release(vault, &approvable.form, &released, now)?;
        self.shares.clear();
        let titles = BTreeMap::from([(
            approvable.form.form_id.clone(),
            approvable.form.title.clone(),
        )]);
        Ok(sync_item(&item, &titles))
    }

    /// Drops every kept preview (the vault locked).
    pub fn forget_shares(&mut self) {
        self.shares.clear();
    }
}

fn sync_item(item: &sync::QueueItem, titles: &BTreeMap<String, String>) -> SyncItem {
    SyncItem {
        batch_id: item.batch_id.clone(),
        form_id: item.form_id.clone(),
        title: titles
            .get(&item.form_id)
            .cloned()
            .unwrap_or_else(|| item.form_id.clone()),
        site: item.site.clone(),
        round: item.round.clone(),
        sequence: item.sequence,
        batch_hash: item.batch_hash.clone(),
        state: match item.state {
            ItemState::Queued => BatchState::Queued,
            ItemState::Sending => BatchState::Sending,
            ItemState::Sent => BatchState::Sent,
            ItemState::Failed => BatchState::Failed,
            ItemState::Replaced => BatchState::Replaced,
        },
        approved_at: item.approved_at.clone(),
        sent_at: item.sent_at.clone(),
        attempts: item.attempts,
        next_attempt_at: item.next_attempt_at.clone(),
        problem: item.last_error.as_ref().map(|message| SyncProblem {
            code: item
                .last_code
                .clone()
                .unwrap_or_else(|| "sync.failed".to_string()),
            message: message.clone(),
            retry: item.retry,
        }),
    }
}

/// Sync as the send screen shows it. `offline`: the last pass could not reach the
/// server.
pub fn sync_view(vault: &mut Vault, offline: bool, now: DateTime<Utc>) -> Result<SyncView> {
    let st = sync::status(vault, now)?;
    let mut titles = BTreeMap::new();
    for item in &st.items {
        if titles.contains_key(&item.form_id) {
            continue;
        }
        if let Ok(form) = release::stored_form(vault, &item.form_id, now) {
            titles.insert(item.form_id.clone(), form.title.clone());
        }
    }
    Ok(SyncView {
        enrollment: st.enrollment.as_ref().map(|e| EnrollmentView {
            server_url: e.server_url.clone(),
            device_id: e.device_id.clone(),
            pin: e.pin_display(),
            enrolled_at: e.enrolled_at.clone(),
            sites: e.sites.clone(),
        }),
        queued: clamp(st.queued as u64),
        sending: clamp(st.sending as u64),
        sent: clamp(st.sent as u64),
        failed: clamp(st.failed as u64),
        next_retry_at: st.next_retry_at.clone(),
        offline,
        items: st.items.iter().map(|i| sync_item(i, &titles)).collect(),
    })
}

/// Enrolls this device with a server (network IO while the vault is held: enrollment
/// is one short exchange the operator waits for).
#[cfg(feature = "client")]
pub fn enroll(
    vault: &mut Vault,
    request: &super::dto::EnrollRequest,
    now: DateTime<Utc>,
) -> Result<SyncView> {
    sync::enroll(
        vault,
        request.server_url.trim(),
        request.code.trim(),
        request
            .pin
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty()),
        now,
    )?;
    sync_view(vault, false, now)
}

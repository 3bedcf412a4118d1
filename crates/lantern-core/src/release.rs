//! The glue between the vault and `aggregate`: computes and seals contributions at
//! finalize, decrypts and folds them one at a time, previews batches with the
//! successive-release rule, records releases and exports in the audit log.
//!
//! `aggregate` stays pure; this module does the IO (through the vault's API only).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use lantern_protocol::Batch;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::aggregate::{AggregateError, Fold, Plan, Releasability, successive_release};
use crate::engine::{EngineError, Session};
use crate::form::FormDef;
use crate::vault::{AuditEvent, Vault, VaultError};

#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Aggregate(#[from] AggregateError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("stored contributions of {0} cannot be read")]
    Corrupt(String),
    /// The record of earlier releases of a form cannot be read: nothing of the form is
    /// released until it is mended (restore a backup), since the successive-release
    /// check depends on it.
    #[error(
        "the record of what was released of {0} cannot be read, so nothing of it may be released"
    )]
    ReleaseRecord(String),
}

/// Finalizes a submission and seals its contributions beside it (computed once, here).
pub fn finalize(
    vault: &mut Vault,
    session: &Session,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(), ReleaseError> {
    let contributions = session.contributions(&now.format("%Y-%m").to_string())?;
    vault.finalize(id, now)?;
    if !session.form().indicators.is_empty() {
        // The compact stored form (`aggregate::stored`), padded to its bucket.
        let plain = contributions.encode();
        vault.put_contributions(id, &plain, now)?;
    }
    Ok(())
}

/// What was folded from the vault.
pub struct Folded {
    pub fold: Fold,
    /// Consenting submissions per site × round (for the successive-release rule).
    pub ids: HashMap<(String, Option<String>), BTreeSet<String>>,
    /// Finalized submissions whose contributions are missing (not aggregated).
    pub without_contributions: usize,
}

/// Decrypts every stored contribution of the form, one at a time, and folds it.
pub fn fold(vault: &mut Vault, form: &FormDef, now: DateTime<Utc>) -> Result<Folded, ReleaseError> {
    let plan = Plan::new(form)?;
    let mut fold = Fold::new(plan);
    // Consenting submissions per site × round, gathered without allocating a key per
    // row (sites and rounds are few) and sorted into sets once at the end.
    let mut covered: Vec<(String, Option<String>, Vec<String>)> = Vec::new();
    let mut bad = None;
    vault.for_each_contribution(&form.form_id, now, |id, plain| {
        match fold.add_stored(plain) {
            Ok(added) => {
                if added.consent && added.folded {
                    let round = added.round.as_deref();
                    let at = match covered
                        .iter()
                        .position(|(s, r, _)| *s == added.site && r.as_deref() == round)
                    {
                        Some(at) => at,
                        None => {
                            covered.push((
                                added.site.to_string(),
                                round.map(str::to_string),
                                Vec::new(),
                            ));
                            covered.len() - 1
                        }
                    };
                    covered[at].2.push(id.to_string());
                }
            }
            Err(_) => bad = Some(id.to_string()),
        }
    })?;
    if let Some(id) = bad {
        return Err(ReleaseError::Corrupt(id));
    }
    let ids: HashMap<(String, Option<String>), BTreeSet<String>> = covered
        .into_iter()
        .map(|(s, r, v)| ((s, r), v.into_iter().collect()))
        .collect();
    let without_contributions = vault
        .submissions_without_contributions(&form.form_id)?
        .len();
    Ok(Folded {
        fold,
        ids,
        without_contributions,
    })
}

/// What was last released for one site × round.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Released {
    sequence: u64,
    batch: Option<Batch>,
    ids: BTreeSet<String>,
}

fn state_key(form_id: &str) -> String {
    format!("aggregate.releases.{form_id}")
}

fn group_key(site: &str, round: Option<&str>) -> String {
    format!("{site}\u{1f}{}", round.unwrap_or(""))
}

fn load_state(
    vault: &mut Vault,
    form_id: &str,
    now: DateTime<Utc>,
) -> Result<BTreeMap<String, Released>, ReleaseError> {
    // A record that cannot be read fails closed: read as "nothing released", it would
    // let the next batch out without the successive-release check.
    match vault.setting(&state_key(form_id), now)? {
        None => Ok(BTreeMap::new()),
        Some(v) => {
            serde_json::from_value(v).map_err(|_| ReleaseError::ReleaseRecord(form_id.to_string()))
        }
    }
}

/// One site × round's batch as it would be released now.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    pub batch: Batch,
    pub releasable: Releasability,
    /// Consenting responses added or withdrawn since the last release.
    pub changes: u64,
    /// The consenting submissions the batch covers (kept on the device, never sent).
    #[serde(skip)]
    pub ids: BTreeSet<String>,
    /// The batch last released for this site × round, if any.
    #[serde(skip)]
    pub previous: Option<Batch>,
}

/// The batches of a form (optionally one site and/or round), each with whether it may
/// be released now. `new_id` draws batch ids; `today` is `YYYY-MM-DD`.
pub fn preview(
    vault: &mut Vault,
    form: &FormDef,
    site: Option<&str>,
    round: Option<&str>,
    now: DateTime<Utc>,
    new_id: &mut dyn FnMut() -> Uuid,
) -> Result<(Vec<Preview>, usize), ReleaseError> {
    let folded = fold(vault, form, now)?;
    let state = load_state(vault, &form.form_id, now)?;
    let today = now.format("%Y-%m-%d").to_string();
    let mut out = Vec::new();
    let keys: Vec<(String, Option<String>)> =
        folded.fold.groups().map(|(k, _)| k.clone()).collect();
    for (s, r) in keys {
        if site.is_some_and(|x| x != s) || round.is_some_and(|x| Some(x) != r.as_deref()) {
            continue;
        }
        let prev = state
            .get(&group_key(&s, r.as_deref()))
            .cloned()
            .unwrap_or_default();
        let Some(batch) = folded
            .fold
            .batch(&s, r.as_deref(), new_id(), prev.sequence + 1, &today)
        else {
            continue;
        };
        let empty = BTreeSet::new();
        let current = folded.ids.get(&(s.clone(), r.clone())).unwrap_or(&empty);
        let changes = current.symmetric_difference(&prev.ids).count() as u64;
        let withdrawals = prev.ids.difference(current).next().is_some();
        let releasable = successive_release(prev.batch.as_ref(), &batch, changes, withdrawals);
        out.push(Preview {
            batch,
            releasable,
            changes,
            ids: current.clone(),
            previous: prev.batch,
        });
    }
    Ok((out, folded.without_contributions))
}

/// Records a releasable batch as released (its sequence, the submissions it covers),
/// and writes the release to the audit log (what and when; no content).
pub fn record_release(
    vault: &mut Vault,
    form: &FormDef,
    preview: &Preview,
    now: DateTime<Utc>,
) -> Result<bool, ReleaseError> {
    if preview.releasable != Releasability::Releasable {
        return Ok(false);
    }
    let b = &preview.batch;
    let ids = preview.ids.clone();
    let mut state = load_state(vault, &form.form_id, now)?;
    state.insert(
        group_key(&b.site, b.round.as_deref()),
        Released {
            sequence: b.sequence,
            batch: Some(b.clone()),
            ids,
        },
    );
    let value =
        serde_json::to_value(&state).map_err(|e| VaultError::InvalidInput(e.to_string()))?;
    vault.set_setting(&state_key(&form.form_id), &value, now)?;
    audit(
        vault,
        "release",
        &form.form_id,
        std::slice::from_ref(b),
        now,
    )?;
    Ok(true)
}

/// Writes one audit entry for batches that left the vault (`what` is `release`,
/// `aggregate`, `export-csv`…): the form, how many batches and released cells.
pub fn audit(
    vault: &mut Vault,
    what: &str,
    form_id: &str,
    batches: &[Batch],
    now: DateTime<Utc>,
) -> Result<(), ReleaseError> {
    let cells: usize = batches
        .iter()
        .map(|b| b.cells.iter().filter(|c| !c.suppressed).count())
        .sum();
    let ids: Vec<String> = batches.iter().map(|b| b.batch_id.to_string()).collect();
    vault.record_event(
        AuditEvent::Export,
        &format!(
            "{what} form={form_id} batches={} released_cells={cells} ids={}",
            batches.len(),
            ids.join(",")
        ),
        now,
    )?;
    Ok(())
}

/// Why a site × round cannot be approved for sending now; its `Display` is the sentence
/// shown to the operator.
#[derive(Debug, Clone, PartialEq)]
pub enum Held {
    /// No finalized, consenting response at that site and round yet.
    NothingFinalized {
        form: String,
        site: String,
        round: Option<String>,
    },
    /// The successive-release rule: fewer than k changes since the last release.
    NeedMoreChanges { changes: u64, needed: u64 },
    /// Comparing with the last release would narrow these cells below the minimum.
    DifferencingRisk { cells: Vec<String> },
    /// Every cell is hidden; `min_responses` when the form's `min_responses` is why.
    AllHidden {
        form: String,
        site: String,
        min_responses: bool,
    },
}

impl std::fmt::Display for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Held::NothingFinalized { form, site, round } => write!(
                f,
                "Nothing to release for {form} at {site}{}: no finalized, consenting response yet.",
                round
                    .as_deref()
                    .map(|r| format!(" round {r}"))
                    .unwrap_or_default()
            ),
            Held::NeedMoreChanges { changes, needed } => write!(
                f,
                "Not releasable yet: only {changes} response(s) changed since the last release, {needed} are needed so that no one can be singled out by comparing the two."
            ),
            Held::DifferencingRisk { cells } => write!(
                f,
                "Not releasable yet: comparing it with the last release would narrow these cells to fewer than the minimum: {}. Collect more responses first.",
                cells.join(", ")
            ),
            Held::AllHidden {
                form,
                site,
                min_responses,
            } => write!(
                f,
                "Nothing is releasable yet for {form} at {site}: every cell is hidden{}.",
                if *min_responses {
                    " because there are fewer consenting responses than the form's min_responses"
                } else {
                    " (too few consenting responses)"
                }
            ),
        }
    }
}

/// `Err` when every cell of `batch` is hidden: such a batch tells the server nothing
/// and is not worth an approval.
pub fn hold_if_all_hidden(batch: &Batch) -> Result<(), Held> {
    if batch.cells.iter().any(|c| !c.suppressed) {
        return Ok(());
    }
    Err(Held::AllHidden {
        form: batch.form_id.clone(),
        site: batch.site.clone(),
        min_responses: batch
            .cells
            .iter()
            .any(|c| c.rule == Some(lantern_protocol::SuppressionRule::MinResponses)),
    })
}

/// A batch that may be approved now, with what recording its release needs.
pub struct Approvable {
    pub form: FormDef,
    pub preview: Preview,
}

/// The batch of `form_id` at `site` × `round` as it may be approved now (disclosure
/// control and the successive-release rule applied), or why it is held back. Folds
/// the vault's contributions once.
pub fn approvable(
    vault: &mut Vault,
    form_id: &str,
    site: &str,
    round: Option<&str>,
    now: DateTime<Utc>,
    new_id: &mut dyn FnMut() -> Uuid,
) -> Result<Result<Approvable, Held>, ApproveError> {
    let form = stored_form(vault, form_id, now)?;
    let (previews, _) = preview(vault, &form, Some(site), round, now, new_id)?;
    let Some(preview) = previews
        .into_iter()
        .find(|p| p.batch.site == site && p.batch.round.as_deref() == round)
    else {
        return Ok(Err(Held::NothingFinalized {
            form: form_id.to_string(),
            site: site.to_string(),
            round: round.map(str::to_string),
        }));
    };
    match &preview.releasable {
        Releasability::Releasable => {}
        Releasability::NeedMoreChanges { changes, needed } => {
            return Ok(Err(Held::NeedMoreChanges {
                changes: *changes,
                needed: *needed,
            }));
        }
        Releasability::DifferencingRisk { cells } => {
            return Ok(Err(Held::DifferencingRisk {
                cells: cells.clone(),
            }));
        }
    }
    Ok(Ok(Approvable { form, preview }))
}

/// Why [`approvable`] could not look at the vault's data.
#[derive(Debug, thiserror::Error)]
pub enum ApproveError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Release(#[from] ReleaseError),
}

/// Why a stored form cannot be aggregated.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("the vault holds no form {0}")]
    UnknownForm(String),
    #[error("the stored form {0} does not import cleanly")]
    BadForm(String),
    #[error(transparent)]
    Vault(#[from] VaultError),
}

/// The newest stored version of a form, imported.
pub fn stored_form(
    vault: &mut Vault,
    form_id: &str,
    now: DateTime<Utc>,
) -> Result<FormDef, LoadError> {
    use crate::xlsform::{WorkbookFormat, import_bytes};
    let version = vault
        .latest_form_version(form_id)?
        .ok_or_else(|| LoadError::UnknownForm(form_id.to_string()))?;
    let record = vault.form(form_id, &version, now)?;
    let format = WorkbookFormat::sniff(&record.definition);
    let import = import_bytes(&record.definition, format, form_id);
    import
        .usable_form()
        .cloned()
        .ok_or_else(|| LoadError::BadForm(form_id.to_string()))
}

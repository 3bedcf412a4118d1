//! The application layer both edges call (issue 11): the Tauri commands and the CLI's
//! `fill` are one-line adapters over this module. It holds the product rules of
//! capturing a response: the form library (`library`: catalog, import, media, compiled
//! forms per id and version), drafts (`Capture`: start, answer with autosave, resume
//! from the vault, finalize, withdraw) over a typed, versioned content (`content`), the
//! pages the app shows (`pages`), and the wire types of the IPC contract (`dto`).
//!
//! Like the engine it reads no clock and draws no randomness: each call gets one `now`
//! (used for the engine's session time and the vault's stamps alike) and, to start a
//! draft, a seed.

pub mod content;
pub mod dto;
pub mod home;
pub mod library;
pub mod pages;
pub mod passphrase;
pub mod responses;
pub mod settings;
pub mod share;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, Utc};

use crate::engine::{Config, EngineError, Session};
use crate::vault::{FormRecord, Status, SubmissionMeta, Vault, VaultError};

use content::{Content, DraftV1, RefusalV1, Step, Stored};
use library::{Library, LoadedForm};
use pages::Built;

/// Why a capture call failed; each has a stable [`CaptureError::code`].
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("no form {0} on this device")]
    UnknownForm(String),
    #[error("{0}")]
    FormUnusable(String),
    #[error("no draft {0}")]
    UnknownDraft(String),
    #[error("the response cannot be finalized yet: {0} question(s) still block it")]
    NotFinalizable(usize),
    #[error("stored response {0} is in a format this version of Lantern cannot read")]
    DraftContent(String),
    #[error("{0}")]
    Media(String),
    #[error("{0}")]
    Io(String),
    #[error("the response's indicator contributions could not be sealed: {0}")]
    Aggregate(String),
    /// Sync failed; `code` is the sync error's (`sync.unreachable`, …).
    #[error("{message}")]
    Sync { code: &'static str, message: String },
    #[error("no finalized, consenting response of {form} at {site} for that round")]
    NoResults { form: String, site: String },
    #[error(
        "what would be sent changed since the preview was shown (or the preview is no longer kept): look at the new preview before approving"
    )]
    StalePreview,
    #[error("that is not a receipt code: a receipt code has 8 letters and digits, like ABCD-EFGH")]
    BadReceipt,
    /// A setting, import or export that cannot be done as asked; the sentence says why.
    #[error("{0}")]
    Setting(String),
}

impl CaptureError {
    pub fn code(&self) -> &'static str {
        match self {
            CaptureError::Vault(e) => e.code(),
            CaptureError::Engine(e) => e.code(),
            CaptureError::UnknownForm(_) => "capture.unknown_form",
            CaptureError::FormUnusable(_) => "capture.form_unusable",
            CaptureError::UnknownDraft(_) => "capture.unknown_draft",
            CaptureError::NotFinalizable(_) => "capture.not_finalizable",
            CaptureError::DraftContent(_) => "capture.draft_content",
            CaptureError::Media(_) => "capture.media",
            CaptureError::Io(_) => "capture.io",
            CaptureError::Aggregate(_) => "capture.aggregate",
            CaptureError::Sync { code, .. } => code,
            CaptureError::NoResults { .. } => "share.no_results",
            CaptureError::StalePreview => "share.stale_preview",
            CaptureError::BadReceipt => "capture.bad_receipt",
            CaptureError::Setting(_) => "settings.invalid",
        }
    }
}

type Result<T, E = CaptureError> = std::result::Result<T, E>;

/// A draft being filled: the session and what rebuilds it.
#[derive(Debug, Clone)]
pub struct Draft {
    pub id: String,
    pub form: Arc<LoadedForm>,
    pub session: Session,
    pub seed: u64,
    pub started_at: DateTime<FixedOffset>,
    pub site: Option<String>,
    pub round: Option<String>,
    pub steps: Vec<Step>,
    /// The page shown, by path (indices move when repeats change).
    pub page: Option<String>,
    pub saved_at: Option<DateTime<Utc>>,
    /// What `${last-saved#name}` reads in this draft (see [`last_saved`]).
    pub last_saved: Vec<(String, String)>,
}

impl Draft {
    /// A new session of `form` at `now` with `seed`, in the language matching
    /// `ui_language` where the form has one.
    pub fn new(
        form: Arc<LoadedForm>,
        seed: u64,
        now: DateTime<FixedOffset>,
        ui_language: Option<&str>,
    ) -> Result<Draft> {
        Draft::with_last_saved(form, seed, now, ui_language, Vec::new())
    }

    /// Like [`Draft::new`], with the values `${last-saved#name}` reads.
    pub fn with_last_saved(
        form: Arc<LoadedForm>,
        seed: u64,
        now: DateTime<FixedOffset>,
        ui_language: Option<&str>,
        last_saved: Vec<(String, String)>,
    ) -> Result<Draft> {
        let config = Config {
            now,
            seed,
            language: ui_language.and_then(|l| form_language(&form.form().languages, l)),
        };
        let session =
            Session::new_with_last_saved(Arc::clone(&form.compiled), config, last_saved.clone())?;
        let id = session
            .result()
            .pointer("/meta/instanceID")
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .unwrap_or_else(|| {
                format!(
                    "uuid:{}",
                    uuid::Uuid::from_u64_pair(seed, seed.rotate_left(17))
                )
            });
        Ok(Draft {
            id,
            form,
            session,
            seed,
            started_at: now,
            site: None,
            round: None,
            steps: Vec::new(),
            page: None,
            saved_at: None,
            last_saved,
        })
    }

    /// Applies one step and records it (only when it applied).
    pub fn apply(&mut self, step: Step) -> Result<()> {
        apply_step(&mut self.session, &step)?;
        content::push_step(&mut self.steps, step);
        Ok(())
    }

    /// Answers a question by its name or path and records it; then pre-fills the site
    /// and round if that made them relevant.
    pub fn answer(&mut self, path: &str, value: &str) -> Result<crate::engine::Outcome> {
        let outcome = self.answer_only(path, value)?;
        self.prefill();
        Ok(outcome)
    }

    fn answer_only(&mut self, path: &str, value: &str) -> Result<crate::engine::Outcome> {
        let id = self.session.find(path)?;
        let full = self.session.path_of(id);
        let outcome = self.session.answer_node(id, value)?;
        content::push_step(
            &mut self.steps,
            Step::Answer {
                path: full,
                value: value.to_string(),
            },
        );
        Ok(outcome)
    }

    /// Pre-fills the form's `site_field` and `round_field` with the site and round
    /// chosen on home, as soon as each is relevant (in the built-in forms the site
    /// question comes after consent) and still empty.
    fn prefill(&mut self) {
        let Some(purpose) = self.form.form().purpose.clone() else {
            return;
        };
        for (field, value) in [
            (purpose.site_field.as_ref(), self.site.clone()),
            (purpose.round_field.as_ref(), self.round.clone()),
        ] {
            let (Some(field), Some(value)) = (field, value) else {
                continue;
            };
            let empty = self.session.value(field).is_ok_and(|v| v.is_empty());
            let relevant = self.session.is_relevant(field).unwrap_or(false);
            if empty && relevant {
                // A site the list does not offer is left for the person to choose.
                let _ = self.answer_only(field, &value);
            }
        }
    }

    /// Rebuilds a draft from its stored content: the same seed and session time, then
    /// every step again.
    pub fn restore(
        id: &str,
        form: Arc<LoadedForm>,
        stored: DraftV1,
        ui_language: Option<&str>,
    ) -> Result<Draft> {
        let started_at = DateTime::parse_from_rfc3339(&stored.started_at)
            .map_err(|_| CaptureError::DraftContent(id.to_string()))?;
        let mut draft =
            Draft::with_last_saved(form, stored.seed, started_at, None, stored.last_saved)?;
        draft.id = id.to_string();
        for step in stored.steps {
            // A step that no longer applies (the form changed under a draft) is dropped
            // rather than losing every other answer.
            let _ = draft.apply(step);
        }
        let language = ui_language
            .and_then(|l| form_language(&draft.form.form().languages, l))
            .unwrap_or(stored.language);
        let _ = draft.session.set_language(&language);
        draft.site = stored.site;
        draft.round = stored.round;
        draft.page = stored.page;
        draft.prefill();
        Ok(draft)
    }

    /// The stored content of this draft now.
    pub fn content(&self) -> Content {
        let answered = self
            .session
            .view()
            .pages
            .iter()
            .flat_map(|p| p.questions.iter())
            .filter(|q| pages::answered(q))
            .count() as u32;
        Content::Draft(DraftV1 {
            form_id: self.form.form().form_id.clone(),
            form_version: self.form.form().version.clone(),
            seed: self.seed,
            started_at: self.started_at.to_rfc3339(),
            language: self.session.language().to_string(),
            site: self.field("site").or_else(|| self.site.clone()),
            round: self.field("round").or_else(|| self.round.clone()),
            page: self.page.clone(),
            steps: self.steps.clone(),
            answered,
            instance: self.session.result(),
            last_saved: self.last_saved.clone(),
        })
    }

    fn meta(&self) -> SubmissionMeta {
        SubmissionMeta {
            id: self.id.clone(),
            form_id: self.form.form().form_id.clone(),
            form_version: self.form.form().version.clone(),
        }
    }

    /// Seals the draft into the vault (adding the form's definition the first time).
    pub fn save(&mut self, vault: &mut Vault, now: DateTime<Utc>) -> Result<()> {
        vault.save_draft(&self.meta(), &self.content().to_value(), now)?;
        self.saved_at = Some(now);
        Ok(())
    }

    /// The form ended at its consent gate with a refusal: the gate's field has a value
    /// other than the consenting one and nothing else is left to answer.
    pub fn ending(&self, blocking: &[crate::engine::Blocker]) -> Option<dto::Ending> {
        let purpose = self.form.form().purpose.as_ref()?;
        let field = purpose.consent_field.as_ref()?;
        let wanted = purpose.consent_value.as_deref().unwrap_or("yes");
        let value = self.session.value(field).ok()?;
        (blocking.is_empty() && !value.is_empty() && value != wanted)
            .then_some(dto::Ending::Refused)
    }

    /// What finalizing would do now.
    pub fn check(&self, pages: &[Built]) -> dto::FinalizeCheck {
        let blocking = self.session.validate_all();
        let ending = self.ending(&blocking);
        dto::FinalizeCheck {
            finalizable: blocking.is_empty(),
            blocking: blocking
                .iter()
                .map(|b| dto::Blocker {
                    path: b.path.clone(),
                    label: self.session.label(&b.path).unwrap_or_default(),
                    page_index: pages.iter().position(|p| p.holds(&b.path)).unwrap_or(0) as u32,
                    outcome: pages::outcome_dto(&b.outcome),
                })
                .collect(),
            ending,
        }
    }

    /// The screen for the current page (the first relevant one when none is set).
    pub fn view(&mut self) -> dto::DraftView {
        let built = pages::build(&self.session, &self.form);
        let current = self
            .page
            .as_deref()
            .and_then(|p| built.iter().position(|b| b.path() == p))
            .or_else(|| built.iter().position(Built::relevant))
            .unwrap_or(0);
        self.view_at(&built, current)
    }

    fn view_at(&mut self, built: &[Built], current: usize) -> dto::DraftView {
        self.page = built.get(current).map(|b| b.path().to_string());
        let relevant: Vec<usize> = (0..built.len()).filter(|i| built[*i].relevant()).collect();
        let position = relevant.iter().filter(|i| **i <= current).count() as u32;
        let answered = built
            .iter()
            .filter_map(|b| match b {
                Built::Questions(p) => {
                    Some(p.questions.iter().filter(|q| pages::answered(q)).count())
                }
                Built::RepeatPrompt { .. } => None,
            })
            .sum::<usize>() as u32;
        let blocking = self.session.validate_all();
        let page = match built.get(current) {
            Some(b) => pages::page_dto(&self.session, &self.form, current, b),
            None => dto::PageView {
                index: 0,
                path: String::new(),
                content: dto::PageContent::Questions {
                    label: None,
                    questions: Vec::new(),
                },
            },
        };
        let form = self.form.form();
        dto::DraftView {
            draft_id: self.id.clone(),
            form_id: form.form_id.clone(),
            form_version: form.version.clone(),
            title: form.title.clone(),
            language: self.session.language().to_string(),
            languages: form.languages.clone(),
            site: self.site.clone(),
            round: self.round.clone(),
            page_count: built.len() as u32,
            page,
            progress: dto::Progress {
                position: position.max(1),
                relevant_pages: relevant.len() as u32,
                answered,
            },
            at_start: relevant.first().is_none_or(|f| current <= *f),
            at_end: relevant.last().is_none_or(|l| current >= *l),
            ending: self.ending(&blocking),
            saved_at: self.saved_at.map(|t| t.to_rfc3339()),
        }
    }

    /// Moves to another page.
    pub fn go(&mut self, nav: &dto::Nav) -> dto::DraftView {
        let built = pages::build(&self.session, &self.form);
        let current = self
            .page
            .as_deref()
            .and_then(|p| built.iter().position(|b| b.path() == p))
            .unwrap_or(0);
        let target = match nav {
            dto::Nav::Next => (current + 1..built.len())
                .find(|i| built[*i].relevant())
                .unwrap_or(current),
            dto::Nav::Back => (0..current)
                .rev()
                .find(|i| built[*i].relevant())
                .unwrap_or(current),
            dto::Nav::Page { index } => {
                let index = (*index as usize).min(built.len().saturating_sub(1));
                (index..built.len())
                    .find(|i| built[*i].relevant())
                    .unwrap_or(index)
            }
            dto::Nav::Path { path } => built.iter().position(|b| b.holds(path)).unwrap_or(current),
        };
        self.view_at(&built, target)
    }

    /// The jump-to index.
    pub fn index(&self) -> Vec<dto::PageEntry> {
        let built = pages::build(&self.session, &self.form);
        built
            .iter()
            .enumerate()
            .map(|(i, b)| match b {
                Built::Questions(p) => dto::PageEntry {
                    index: i as u32,
                    label: p
                        .label
                        .clone()
                        .or_else(|| p.questions.first().map(|q| q.label.clone()))
                        .unwrap_or_default(),
                    relevant: p.relevant,
                    answered: p.questions.iter().any(pages::answered),
                    blocking: p
                        .questions
                        .iter()
                        .any(|q| q.relevant && q.outcome != crate::engine::Outcome::Ok),
                },
                Built::RepeatPrompt { .. } => {
                    let dto::PageContent::RepeatPrompt { label, .. } =
                        pages::page_dto(&self.session, &self.form, i, b).content
                    else {
                        unreachable!("a repeat prompt's DTO is a prompt")
                    };
                    dto::PageEntry {
                        index: i as u32,
                        label,
                        relevant: b.relevant(),
                        answered: false,
                        blocking: false,
                    }
                }
            })
            .collect()
    }

    /// Finalizes into the vault: the response, or, after a refusal at the consent gate,
    /// only the refusal record with its site and round. The draft must have been saved.
    pub fn finalize(&mut self, vault: &mut Vault, now: DateTime<Utc>) -> Result<dto::Finalized> {
        // As ODK Collect: answers a choice filter no longer offers are cleared (J7).
        self.session.prepare_finalize();
        let blocking = self.session.validate_all();
        if !blocking.is_empty() {
            return Err(CaptureError::NotFinalizable(blocking.len()));
        }
        let refusal = self.ending(&blocking) == Some(dto::Ending::Refused);
        let content = if refusal {
            Content::Refusal(RefusalV1 {
                form_id: self.form.form().form_id.clone(),
                form_version: self.form.form().version.clone(),
                site: self.site.clone().or_else(|| self.field("site")),
                round: self.round.clone().or_else(|| self.field("round")),
            })
        } else {
            self.content()
        };
        ensure_form(vault, &self.form, now)?;
        vault.save_draft(&self.meta(), &content.to_value(), now)?;
        // Freezes the submission and seals its indicator contributions beside it
        // (issue 12; a refusal contributes nothing, the engine checks consent).
        crate::release::finalize(vault, &self.session, &self.id, now).map_err(|e| match e {
            crate::release::ReleaseError::Vault(e) => CaptureError::Vault(e),
            crate::release::ReleaseError::Engine(e) => CaptureError::Engine(e),
            e => CaptureError::Aggregate(e.to_string()),
        })?;
        if !refusal {
            // The next response of this form reads `${last-saved#…}` from this one.
            vault.set_setting(
                &last_saved_key(&self.form.form().form_id),
                &serde_json::Value::String(self.id.clone()),
                now,
            )?;
        }
        Ok(dto::Finalized {
            submission_id: self.id.clone(),
            refusal,
            receipt: (!refusal).then(|| responses::receipt_code(self.seed, &self.id)),
        })
    }

    /// The value of the purpose sheet's site or round field.
    fn field(&self, which: &str) -> Option<String> {
        let purpose = self.form.form().purpose.as_ref()?;
        let field = match which {
            "site" => purpose.site_field.as_ref()?,
            _ => purpose.round_field.as_ref()?,
        };
        self.session.value(field).ok().filter(|v| !v.is_empty())
    }
}

fn apply_step(session: &mut Session, step: &Step) -> Result<()> {
    match step {
        Step::Answer { path, value } => {
            session.answer(path, value)?;
        }
        Step::AddRepeat { repeat } => {
            session.add_repeat(repeat)?;
        }
        Step::RemoveRepeat { instance } => session.remove_repeat(instance)?,
        Step::MoveRepeat { instance, to } => session.move_repeat(instance, *to as usize)?,
    }
    Ok(())
}

/// The sealed setting naming the last response of a form finalized on this device.
fn last_saved_key(form_id: &str) -> String {
    format!("capture.last_saved.{form_id}")
}

/// The values `${last-saved#name}` reads in a new response of `form`: the fields the
/// form names, taken from the last response of the same form finalized on this device
/// (a refusal is not one; a withdrawn or purged response leaves nothing), as ODK
/// Collect reads its last saved instance. Only the names the form uses are copied, and
/// nothing is read when it uses none. A field inside a repeat is not read (Collect's
/// `last-saved` path names the first instance; Lantern leaves it empty).
pub fn last_saved(
    vault: &Vault,
    form: &LoadedForm,
    now: DateTime<Utc>,
) -> Result<Vec<(String, String)>> {
    let names = &form.last_saved_names;
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let Some(id) = vault
        .setting(&last_saved_key(&form.form().form_id), now)?
        .and_then(|v| v.as_str().map(str::to_string))
    else {
        return Ok(Vec::new());
    };
    let stored = match vault.open_submission(&id, now) {
        Ok(stored) => stored,
        Err(VaultError::NoSuchSubmission(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let instance = match Stored::parse(&stored.content) {
        Some(Stored::Current(Content::Draft(d))) => d.instance,
        Some(Stored::Legacy(legacy)) => legacy.instance,
        _ => return Ok(Vec::new()),
    };
    Ok(names
        .iter()
        .filter_map(|name| field_value(&instance, name).map(|v| (name.clone(), v)))
        .collect())
}

/// The value of the first field named `name` in an instance, outside repeats.
fn field_value(instance: &serde_json::Value, name: &str) -> Option<String> {
    let serde_json::Value::Object(fields) = instance else {
        return None;
    };
    if let Some(value) = fields.get(name) {
        match value {
            serde_json::Value::String(s) => return Some(s.clone()),
            serde_json::Value::Number(n) => return Some(n.to_string()),
            serde_json::Value::Bool(b) => return Some(b.to_string()),
            _ => {}
        }
    }
    fields
        .iter()
        .filter(|(k, v)| k.as_str() != "meta" && v.is_object())
        .find_map(|(_, v)| field_value(v, name))
}

/// Stores the form's definition in the vault (idempotent), so a response can always be
/// read with the exact form it was filled with.
pub fn ensure_form(vault: &mut Vault, form: &LoadedForm, now: DateTime<Utc>) -> Result<()> {
    let f = form.form();
    if vault.has_form(&f.form_id, &f.version, now)? {
        return Ok(());
    }
    vault.add_form(
        &FormRecord {
            form_id: f.form_id.clone(),
            version: f.version.clone(),
            definition: form.definition.clone(),
            retention_days: f.purpose.as_ref().and_then(|p| p.retention_days),
            media: form.media.clone(),
        },
        now,
    )?;
    Ok(())
}

/// The form language for a UI language code: a language named by the code (`fr`), or
/// written `Name (code)` as pyxform forms do (`Français (fr)`).
pub fn form_language(languages: &[String], ui: &str) -> Option<String> {
    let ui = ui.to_ascii_lowercase();
    languages
        .iter()
        .find(|l| {
            let l = l.to_ascii_lowercase();
            l == ui
                || l.ends_with(&format!("({ui})"))
                || l.split(['-', '_']).next() == Some(ui.as_str())
        })
        .cloned()
}

/// The drafts open in memory and the forms they use. Both edges drive drafts through
/// this; the shell keeps one behind a lock next to the vault.
#[derive(Debug)]
pub struct Capture {
    pub library: Library,
    open: HashMap<String, Draft>,
    /// Send previews shown and not yet approved, by payload hash (`share`).
    shares: HashMap<String, share::PendingShare>,
}

impl Capture {
    pub fn new(library: Library) -> Capture {
        Capture {
            library,
            open: HashMap::new(),
            shares: HashMap::new(),
        }
    }

    /// Drops every open draft from memory (the vault locked).
    pub fn forget_all(&mut self) {
        self.open.clear();
        self.shares.clear();
    }

    /// Starts a draft: pre-fills site and round, saves it at once.
    pub fn start(
        &mut self,
        vault: &mut Vault,
        request: &dto::StartDraft,
        seed: u64,
        now: DateTime<FixedOffset>,
    ) -> Result<dto::DraftView> {
        let form = self
            .library
            .get(&request.form_id, request.version.as_deref())?;
        let last_saved = last_saved(vault, &form, now.to_utc())?;
        let mut draft =
            Draft::with_last_saved(form, seed, now, request.ui_language.as_deref(), last_saved)?;
        draft.site = request.site.clone().filter(|s| !s.is_empty());
        draft.round = request.round.clone().filter(|r| !r.is_empty());
        draft.prefill();
        let utc = now.to_utc();
        ensure_form(vault, &draft.form, utc)?;
        draft.view();
        draft.save(vault, utc)?;
        let view = draft.view();
        self.open.insert(draft.id.clone(), draft);
        Ok(view)
    }

    /// Opens a stored draft again, every answer restored, at the page it was left on.
    pub fn resume(
        &mut self,
        vault: &Vault,
        id: &str,
        ui_language: Option<&str>,
        now: DateTime<FixedOffset>,
    ) -> Result<dto::DraftView> {
        if let Some(draft) = self.open.get_mut(id) {
            if let Some(l) =
                ui_language.and_then(|l| form_language(&draft.form.form().languages, l))
            {
                let _ = draft.session.set_language(&l);
            }
            return Ok(draft.view());
        }
        let draft = self.load(vault, id, ui_language, now)?;
        let draft = self.open.entry(id.to_string()).or_insert(draft);
        Ok(draft.view())
    }

    /// Reads a stored draft back into a session.
    pub fn load(
        &self,
        vault: &Vault,
        id: &str,
        ui_language: Option<&str>,
        now: DateTime<FixedOffset>,
    ) -> Result<Draft> {
        let utc = now.to_utc();
        let stored = vault.open_submission(id, utc).map_err(|e| match e {
            VaultError::NoSuchSubmission(_) => CaptureError::UnknownDraft(id.to_string()),
            e => e.into(),
        })?;
        if stored.summary.status != Status::Draft {
            return Err(VaultError::Frozen(id.to_string()).into());
        }
        let form = self.form_for(
            vault,
            &stored.summary.form_id,
            &stored.summary.form_version,
            utc,
        )?;
        match Stored::parse(&stored.content) {
            Some(Stored::Current(Content::Draft(d))) => Draft::restore(id, form, d, ui_language),
            Some(Stored::Legacy(legacy)) => {
                // A draft written by `lantern fill --vault` before drafts were typed:
                // its answers are refilled from the instance (no seed was kept).
                let mut draft = Draft::new(form, 0, now, ui_language)?;
                draft.id = id.to_string();
                if let serde_json::Value::Object(answers) = &legacy.instance {
                    let mut answers = answers.clone();
                    answers.remove("meta");
                    draft.session.fill(&answers);
                }
                draft.steps = journal_of(&draft.session, &draft.form, draft.seed, draft.started_at);
                Ok(draft)
            }
            _ => Err(CaptureError::DraftContent(id.to_string())),
        }
    }

    fn form_for(
        &self,
        vault: &Vault,
        form_id: &str,
        version: &str,
        now: DateTime<Utc>,
    ) -> Result<Arc<LoadedForm>> {
        match self.library.get(form_id, Some(version)) {
            Ok(f) => Ok(f),
            Err(CaptureError::UnknownForm(_)) => {
                let record = vault.form(form_id, version, now)?;
                self.library
                    .from_definition(form_id, version, record.definition, record.media)
            }
            Err(e) => Err(e),
        }
    }

    pub fn draft(&mut self, id: &str) -> Result<&mut Draft> {
        self.open
            .get_mut(id)
            .ok_or_else(|| CaptureError::UnknownDraft(id.to_string()))
    }

    /// Answers, autosaves, and returns the same page redrawn.
    pub fn answer(
        &mut self,
        vault: &mut Vault,
        id: &str,
        path: &str,
        value: &str,
        now: DateTime<Utc>,
    ) -> Result<dto::DraftView> {
        let draft = self.draft(id)?;
        draft.answer(path, value)?;
        draft.save(vault, now)?;
        Ok(draft.view())
    }

    /// A change to the repeats, autosaved; the view moves to `focus` when given.
    pub fn step(
        &mut self,
        vault: &mut Vault,
        id: &str,
        step: Step,
        now: DateTime<Utc>,
    ) -> Result<dto::DraftView> {
        let draft = self.draft(id)?;
        let added = matches!(step, Step::AddRepeat { .. });
        let repeat = match &step {
            Step::AddRepeat { repeat } => repeat.clone(),
            _ => String::new(),
        };
        draft.apply(step)?;
        if added {
            // Show the new instance's first page.
            let count = pages::instances(&draft.session, &repeat);
            draft.page = None;
            let view = draft.go(&dto::Nav::Path {
                path: format!("{repeat}[{count}]"),
            });
            if view.page.path.starts_with(&format!("{repeat}[{count}]")) {
                draft.save(vault, now)?;
                return Ok(draft.view());
            }
            let built = pages::build(&draft.session, &draft.form);
            let prefix = format!("{repeat}[{count}]/");
            if let Some(i) = built.iter().position(|b| b.path().starts_with(&prefix)) {
                draft.page = Some(built[i].path().to_string());
            }
        }
        draft.save(vault, now)?;
        Ok(draft.view())
    }

    pub fn go(
        &mut self,
        vault: &mut Vault,
        id: &str,
        nav: &dto::Nav,
        now: DateTime<Utc>,
    ) -> Result<dto::DraftView> {
        let draft = self.draft(id)?;
        let view = draft.go(nav);
        // The page is part of the draft: resume opens where the person was.
        draft.save(vault, now)?;
        Ok(draft.view_after(view))
    }

    pub fn set_language(
        &mut self,
        vault: &mut Vault,
        id: &str,
        language: &str,
        now: DateTime<Utc>,
    ) -> Result<dto::DraftView> {
        let draft = self.draft(id)?;
        draft.session.set_language(language)?;
        draft.save(vault, now)?;
        Ok(draft.view())
    }

    pub fn check(&mut self, id: &str) -> Result<dto::FinalizeCheck> {
        let draft = self.draft(id)?;
        let built = pages::build(&draft.session, &draft.form);
        Ok(draft.check(&built))
    }

    pub fn finalize(
        &mut self,
        vault: &mut Vault,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<dto::Finalized> {
        let draft = self.draft(id)?;
        let done = draft.finalize(vault, now)?;
        self.open.remove(id);
        Ok(done)
    }

    /// Save and exit: the draft is already in the vault; it leaves memory.
    pub fn close(&mut self, id: &str) {
        self.open.remove(id);
    }

    /// Deletes a draft (or withdraws a finalized response) from the vault for good.
    pub fn withdraw(&mut self, vault: &mut Vault, id: &str, now: DateTime<Utc>) -> Result<()> {
        self.open.remove(id);
        vault.withdraw(id, now).map_err(|e| match e {
            VaultError::NoSuchSubmission(_) => CaptureError::UnknownDraft(id.to_string()),
            e => e.into(),
        })
    }
}

impl Draft {
    fn view_after(&mut self, view: dto::DraftView) -> dto::DraftView {
        let mut view = view;
        view.saved_at = self.saved_at.map(|t| t.to_rfc3339());
        view
    }
}

/// A journal that rebuilds `session`'s relevant answers and repeat instances, for a
/// session filled without one (a headless fill, a legacy draft). It is built by
/// replaying onto a fresh session, so repeat instances a session creates by itself are
/// not added twice.
pub fn journal_of(
    session: &Session,
    form: &LoadedForm,
    seed: u64,
    now: DateTime<FixedOffset>,
) -> Vec<Step> {
    let mut steps = Vec::new();
    let config = Config {
        now,
        seed,
        language: None,
    };
    let Ok(mut fresh) = Session::new(Arc::clone(&form.compiled), config) else {
        return steps;
    };
    for node in session.snapshot() {
        let Some(def) = form.def_at(&node.path) else {
            continue;
        };
        let def = form.form().node(def);
        let step = match def.kind {
            crate::form::NodeKind::Repeat if def.repeat_count.is_none() => {
                let (Some(open), Some(close)) = (node.path.rfind('['), node.path.rfind(']')) else {
                    continue;
                };
                let repeat = node.path[..open].to_string();
                let index: usize = node.path[open + 1..close].parse().unwrap_or(0);
                if pages::instances(&fresh, &repeat) >= index {
                    continue;
                }
                Step::AddRepeat { repeat }
            }
            crate::form::NodeKind::Question
                if pages::user_control(def.control)
                    && node.relevant
                    && !node.readonly
                    && !node.value.is_empty()
                    && fresh.value(&node.path).is_ok_and(|v| v != node.value) =>
            {
                Step::Answer {
                    path: node.path.clone(),
                    value: node.value.clone(),
                }
            }
            _ => continue,
        };
        if apply_step(&mut fresh, &step).is_ok() {
            steps.push(step);
        }
    }
    steps
}

/// A headless fill from JSON answers (`lantern form fill`, `lantern fill --vault`).
pub struct Filled {
    pub draft: Draft,
    pub outcomes: Vec<crate::engine::AnswerRecord>,
    pub blocking: Vec<crate::engine::Blocker>,
}

impl Filled {
    /// Every answer applied and nothing blocks.
    pub fn finalizable(&self) -> bool {
        self.blocking.is_empty()
            && self
                .outcomes
                .iter()
                .all(|r| matches!(r.result, crate::engine::AnswerResult::Applied(_)))
    }
}

/// Fills `form` from a JSON object of answers (see `engine::fill`).
pub fn fill(
    form: Arc<LoadedForm>,
    answers: &serde_json::Map<String, serde_json::Value>,
    seed: u64,
    now: DateTime<FixedOffset>,
    last_saved: Vec<(String, String)>,
) -> Result<Filled> {
    let mut draft = Draft::with_last_saved(form, seed, now, None, last_saved)?;
    let outcomes = draft.session.fill(answers);
    // As ODK Collect: answers a choice filter no longer offers are cleared (J7).
    draft.session.prepare_finalize();
    let blocking = draft.session.validate_all();
    draft.steps = journal_of(&draft.session, &draft.form, draft.seed, draft.started_at);
    Ok(Filled {
        draft,
        outcomes,
        blocking,
    })
}

/// Stores a headless fill in the vault as a draft, and finalizes it when asked and
/// nothing blocks. Returns whether it was finalized.
pub fn store(
    filled: &mut Filled,
    vault: &mut Vault,
    finalize: bool,
    now: DateTime<Utc>,
) -> Result<bool> {
    ensure_form(vault, &filled.draft.form, now)?;
    filled.draft.save(vault, now)?;
    if finalize && filled.finalizable() {
        filled.draft.finalize(vault, now)?;
        return Ok(true);
    }
    Ok(false)
}

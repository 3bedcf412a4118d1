//! The wire types of the app's IPC contract (`docs/ipc.md`): what the Tauri commands take
//! and return, and what events carry. One serde shape per type; the TypeScript in
//! `ui/src/lib/bindings/index.ts` is generated from these by ts-rs and checked by
//! `src-tauri/tests/bindings.rs`, so the UI cannot drift from them.
//!
//! These are deliberately separate from the engine's own types (`engine::view`): the
//! engine may change its internals, the contract changes only on purpose.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A failed command as the UI receives it: a stable `code` to branch on and a `message`
/// to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ApiError {
    pub code: String,
    pub message: String,
}

/// What the shell says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AppInfo {
    pub version: String,
    /// The app runs on the demo vault of `make run`: the UI shows a banner.
    pub demo: bool,
}

/// The vault as the lock screen needs it; readable while locked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct VaultState {
    /// A vault exists in the app's vault folder (else the UI offers to create one).
    pub exists: bool,
    pub unlocked: bool,
    /// The demo vault of `make run` (its passphrase is printed in the terminal).
    pub demo: bool,
    /// After repeated failed unlocks: seconds to wait before the next try (0: none).
    pub retry_after_seconds: u32,
    /// The vault locks itself after this long without activity.
    pub idle_lock_seconds: u32,
}

/// Why the vault locked (payload of the `vault://locked` event).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LockReason {
    /// The lock button.
    User,
    /// No activity for `idle_lock_seconds`.
    Idle,
    /// The quick-exit control.
    QuickExit,
}

/// Payload of the `vault://locked` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LockedEvent {
    pub reason: LockReason,
}

/// Payload of the `draft://saved` event: a draft was sealed into the vault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SavedEvent {
    pub draft_id: String,
    /// RFC 3339, UTC.
    pub saved_at: String,
}

/// What the strength meter shows for a passphrase being chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PassphraseStrength {
    /// 0 (very weak) to 4 (strong).
    pub score: u8,
    /// Whether `vault_create` accepts it.
    pub acceptable: bool,
    pub min_length: u32,
    /// Why it is weak, as message-catalog keys' suffixes.
    pub hints: Vec<StrengthHint>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum StrengthHint {
    TooShort,
    /// A well-known password or a keyboard run.
    Common,
    /// Only one kind of character (letters only, digits only…).
    OneKind,
    /// Mostly one character repeated.
    Repeated,
}

/// A choice a list offers (sites, rounds, answers), labelled in the current language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Choice {
    pub name: String,
    pub label: String,
}

/// One form on the home screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum FormCard {
    Ok {
        /// The workbook's file name in the forms folder.
        file: String,
        form_id: String,
        version: String,
        title: String,
        languages: Vec<String>,
        default_language: Option<String>,
        /// The sites the form's `site_field` offers (empty: the form has none).
        sites: Vec<Choice>,
        /// The rounds the form's `round_field` offers (empty: the form has none).
        rounds: Vec<Choice>,
        /// What the do-no-harm check found: warnings only, since an error makes the
        /// form unusable (a `Broken` card).
        policy: Vec<PolicyFinding>,
    },
    /// A workbook that cannot be used, with why.
    Broken {
        file: String,
        code: String,
        message: String,
        /// The do-no-harm check's findings, located, when the workbook could be read:
        /// its errors are why the form cannot be used.
        policy: Vec<PolicyFinding>,
    },
}

/// How serious a do-no-harm finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FindingSeverity {
    /// The form can be used, but exposes respondents or lacks an optional field.
    Warning,
    /// The form must not be used until it is fixed.
    Error,
}

/// One finding of the do-no-harm check (`xlsform::policy`), located in the workbook
/// so that whoever maintains the form can fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PolicyFinding {
    /// `policy.name`, `policy.identifying_type`, `policy.free_text_shared`…
    pub code: String,
    pub severity: FindingSeverity,
    pub sheet: String,
    /// The spreadsheet's row (1-based, header included), when known.
    pub row: Option<u32>,
    /// The column's header as written, when known.
    pub column: Option<String>,
    pub message: String,
}

impl From<&crate::xlsform::Diagnostic> for PolicyFinding {
    fn from(d: &crate::xlsform::Diagnostic) -> PolicyFinding {
        PolicyFinding {
            code: d.code().to_string(),
            severity: if d.is_error() {
                FindingSeverity::Error
            } else {
                FindingSeverity::Warning
            },
            sheet: d.sheet.clone(),
            row: d.row.and_then(|r| u32::try_from(r).ok()),
            column: d.column.clone(),
            message: d.error.to_string(),
        }
    }
}

/// A draft on the home screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DraftSummary {
    pub draft_id: String,
    pub form_id: String,
    pub form_version: String,
    pub title: String,
    pub site: Option<String>,
    pub round: Option<String>,
    /// Day of the last save (`YYYY-MM-DD`).
    pub updated_day: String,
    /// Questions answered so far.
    pub answered: u32,
}

/// Finalized submissions of one form, site and round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FinalizedCount {
    pub form_id: String,
    pub title: String,
    pub site: Option<String>,
    pub round: Option<String>,
    /// Complete responses.
    pub count: u32,
    /// Refusal records (consent not given).
    pub refusals: u32,
}

/// The place for sync status on home (sync itself is issue 15).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SyncStatus {
    /// No server configured on this device.
    NotConfigured,
    Idle {
        pending: u32,
        last_sync: Option<String>,
    },
    Syncing,
    Failed {
        message: String,
    },
}

/// Everything the home screen shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Home {
    pub forms: Vec<FormCard>,
    pub drafts: Vec<DraftSummary>,
    pub finalized: Vec<FinalizedCount>,
    pub sync: SyncStatus,
}

/// What `draft_start` needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct StartDraft {
    pub form_id: String,
    /// `None`: the form's current version in the forms folder.
    pub version: Option<String>,
    /// Pre-fills the form's `site_field`.
    pub site: Option<String>,
    /// Pre-fills the form's `round_field`.
    pub round: Option<String>,
    /// The UI language (`en`, `fr`, `es`, `ar`): the form opens in the matching
    /// language where it has one.
    pub ui_language: Option<String>,
}

/// The state of one answer. The only wire shape of an outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    RequiredButEmpty,
    ConstraintViolated { message: String },
    ExpressionFailed { message: String },
}

/// A label's media (`media::image`, `media::audio`…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MediaRef {
    /// `image`, `audio`, `video`, `big-image`.
    pub kind: String,
    /// The file name, for `form_media`.
    pub file: String,
}

/// Where a question sits in a repeat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RepeatPosition {
    /// The repeat instance (`/form/members[2]`).
    pub instance: String,
    /// 1-based.
    pub index: u32,
    pub count: u32,
    /// The repeat's label.
    pub label: String,
    /// The form sets the number of instances (`repeat_count`): no add, remove or move.
    pub fixed: bool,
}

/// One question as the UI draws it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Question {
    pub path: String,
    pub name: String,
    /// The XLSForm type: `text`, `integer`, `decimal`, `select_one`, `select_multiple`,
    /// `date`, `time`, `dateTime`, `geopoint`, `range`, `rank`, `acknowledge`, `note`…
    #[serde(rename = "type")]
    #[ts(rename = "type")]
    pub type_name: String,
    pub label: String,
    pub hint: String,
    pub appearance: Option<String>,
    /// `parameters` as written (`start=1 end=5 step=1` → pairs).
    pub parameters: Vec<(String, String)>,
    pub media: Vec<MediaRef>,
    /// XForms text: numbers as digits, `select_multiple` as space-separated names,
    /// dates `YYYY-MM-DD`, geopoint `lat lon alt accuracy`.
    pub value: String,
    pub relevant: bool,
    pub required: bool,
    pub read_only: bool,
    pub choices: Vec<Choice>,
    pub outcome: Outcome,
    pub repeat: Option<RepeatPosition>,
}

/// One screen of the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PageContent {
    /// One question, or a `field-list` group's questions.
    Questions {
        label: Option<String>,
        questions: Vec<Question>,
    },
    /// "Add another …?" after a repeat's instances (or in place of none).
    RepeatPrompt {
        /// The repeat to add to (`/form/members`, `/form/hh[2]/members`).
        repeat: String,
        label: String,
        count: u32,
    },
}

/// One page with its place in the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PageView {
    /// 0-based among all pages (relevant or not).
    pub index: u32,
    pub path: String,
    pub content: PageContent,
}

/// How far the person is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Progress {
    /// 1-based position of the current page among the relevant pages.
    pub position: u32,
    /// Relevant pages now (changes with the answers: "about N").
    pub relevant_pages: u32,
    pub answered: u32,
}

/// Why the form ended before its last page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    /// The form's consent gate (`purpose.consent_field`) was answered with a refusal:
    /// finalizing keeps only a refusal record with its site and round.
    Refused,
}

/// The open draft at its current page: what the form-filling screen draws.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DraftView {
    pub draft_id: String,
    pub form_id: String,
    pub form_version: String,
    pub title: String,
    /// The form's language now, and those it has.
    pub language: String,
    pub languages: Vec<String>,
    pub site: Option<String>,
    pub round: Option<String>,
    pub page_count: u32,
    pub page: PageView,
    pub progress: Progress,
    /// First and last relevant page: no back / no next.
    pub at_start: bool,
    pub at_end: bool,
    pub ending: Option<Ending>,
    /// RFC 3339 of the last autosave.
    pub saved_at: Option<String>,
}

/// Where `draft_go` moves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum Nav {
    /// The next relevant page.
    Next,
    /// The previous relevant page.
    Back,
    /// A page by index (the jump-to index, a blocker's link).
    Page { index: u32 },
    /// The page holding a question path (a blocker's path).
    Path { path: String },
}

/// One line of the jump-to index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PageEntry {
    pub index: u32,
    pub label: String,
    pub relevant: bool,
    pub answered: bool,
    /// A required question is empty or a constraint fails on this page.
    pub blocking: bool,
}

/// A question that blocks finalizing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Blocker {
    pub path: String,
    pub label: String,
    /// The page to go to (`Nav::Page`).
    pub page_index: u32,
    pub outcome: Outcome,
}

/// What finalizing would do now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FinalizeCheck {
    pub finalizable: bool,
    pub blocking: Vec<Blocker>,
    pub ending: Option<Ending>,
}

/// A finalized submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Finalized {
    pub submission_id: String,
    /// Only a refusal record was kept.
    pub refusal: bool,
    /// The code to give the respondent (`ABCD-EFGH`): with it the team finds and
    /// withdraws the response if consent is taken back. `None` for a refusal.
    pub receipt: Option<String>,
}

/// A label's media file, for `<img src>` / `<audio src>` as a data URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MediaData {
    pub mime: String,
    pub data_url: String,
}

/// A service on a referral card.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct ReferralService {
    pub name: String,
    pub contact: String,
    pub hours: String,
    pub notes: String,
}

/// The referral card of one site (or of every site without its own card).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct ReferralCard {
    /// `None`: the card for sites without their own.
    pub site: Option<String>,
    pub services: Vec<ReferralService>,
}

/// All referral cards, kept sealed in the vault's settings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct ReferralCards {
    pub cards: Vec<ReferralCard>,
}

// --- results, sharing and sync (issue 16) ---------------------------------------------

/// A traffic light from an indicator's thresholds (or a score's own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    Green,
    Amber,
    Red,
}

/// Why a cell carries no number. The UI shows "fewer than k" and this reason, never a
/// zero or a blank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum HiddenBecause {
    /// Between 1 and k − 1 people.
    Primary,
    /// Hidden so that a small cell cannot be worked out from the totals.
    Complementary,
    /// A percentage or mean of a hidden count.
    Derived,
    /// The site and round have fewer consenting responses than the form's minimum.
    MinResponses,
}

/// One cell as the device may show it: released with its numbers, or hidden.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "shown", rename_all = "snake_case")]
pub enum Shown {
    Released {
        /// Units counted (for a proportion, the denominator's).
        n: u32,
        denominator: Option<u32>,
        /// The percentage, mean, sum or score; `None` for a plain count.
        value: Option<f64>,
        level: Option<RiskLevel>,
    },
    Hidden {
        because: HiddenBecause,
        /// The cell minimum that applies (k).
        fewer_than: u32,
    },
}

/// One dimension of a cell, e.g. `sex` = `female`, with the choice label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ByValue {
    pub dimension: String,
    pub value: String,
    pub label: String,
}

/// One cell of an indicator's table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ResultCell {
    /// Empty: the site total.
    pub by: Vec<ByValue>,
    pub shown: Shown,
    /// The same cell in the baseline, when both are released with a value.
    pub baseline: Option<f64>,
}

/// One indicator at a site and round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct IndicatorResult {
    pub name: String,
    pub label: String,
    /// `count`, `proportion`, `mean`, `sum` or `score`.
    pub kind: String,
    pub sector: Option<String>,
    /// `better` or `worse`.
    pub higher_is: Option<String>,
    pub amber: Option<f64>,
    pub red: Option<f64>,
    pub min_cell: u32,
    /// The total's level, when it is released and the indicator is rated.
    pub level: Option<RiskLevel>,
    /// The form's recommended mitigation in the chosen language (may be empty).
    pub action: String,
    pub cells: Vec<ResultCell>,
}

/// One sector of the risk profile: its worst released level and how many rated
/// indicators are at each level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SectorRisk {
    pub sector: String,
    /// `None`: nothing in the sector is rated yet (hidden totals count as unrated).
    pub level: Option<RiskLevel>,
    pub red: u32,
    pub amber: u32,
    pub green: u32,
    pub unrated: u32,
}

/// A red or amber finding of the action plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ActionItem {
    pub indicator: String,
    pub label: String,
    pub sector: Option<String>,
    pub level: RiskLevel,
    pub value: Option<f64>,
    /// The form's recommended mitigation in the chosen language.
    pub action: String,
}

/// Whether a site × round's aggregates may be approved for sending now, or why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Release {
    /// May be approved now.
    Releasable,
    /// No finalized, consenting response yet.
    NothingFinalized,
    /// Fewer changes since the last release than the successive-release rule needs.
    NeedMoreChanges { changes: u32, needed: u32 },
    /// Comparing with the last release would narrow these cells below the minimum.
    DifferencingRisk { cells: Vec<String> },
    /// Every cell is hidden; `min_responses` when the form's minimum is why.
    AllHidden { min_responses: bool },
}

/// One form × site × round with finalized responses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ShareGroup {
    pub form_id: String,
    pub title: String,
    pub site: String,
    pub site_label: String,
    pub round: Option<String>,
    pub round_label: Option<String>,
    /// Finalized consenting responses.
    pub responses: u32,
    /// Whether the form rates sectors (a risk profile and an action plan exist).
    pub rated: bool,
    pub release: Release,
}

/// Results on the device for one form × site × round: what a release would carry now,
/// after disclosure control, with the risk profile and the action plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Results {
    pub group: ShareGroup,
    /// The month the data belongs to (`YYYY-MM`).
    pub period: String,
    pub min_cell_size: u32,
    /// Refusals at the site and round, by the same cell rule.
    pub refusals: Shown,
    /// The round compared with (baseline) for `ResultCell::baseline`, if any.
    pub baseline_round: Option<String>,
    pub indicators: Vec<IndicatorResult>,
    /// Sectors, worst first; empty for a form without thresholds.
    pub sectors: Vec<SectorRisk>,
    /// Red findings first, then amber, in the form's order.
    pub actions: Vec<ActionItem>,
}

/// An indicator's site total in the send preview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PreviewTotal {
    pub label: String,
    pub shown: Shown,
}

/// The exact payload that would leave the device, and what it says in plain words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Payload {
    pub batch_id: String,
    #[ts(type = "number")]
    pub sequence: u64,
    /// SHA-256 of `body`, hex: what `share_approve` names.
    pub hash: String,
    /// The exact bytes (JSON) that would be signed and sent.
    pub body: String,
    pub period: String,
    pub min_cell_size: u32,
    pub indicators: u32,
    pub cells: u32,
    pub released: u32,
    pub hidden: u32,
    pub totals: Vec<PreviewTotal>,
}

/// The send preview of one form × site × round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SharePreview {
    pub group: ShareGroup,
    /// Present only when `group.release` is `releasable`.
    pub payload: Option<Payload>,
}

/// Where an approved batch is on its way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum BatchState {
    /// Approved, waiting for a connection.
    Queued,
    Sending,
    /// Acknowledged by the server.
    Sent,
    /// Failed; retried by itself unless `problem.retry` is false.
    Failed,
    /// A later approval for the same form, site and round took its place unsent.
    Replaced,
}

/// Why the last attempt failed: a stable code the UI words, and the core's sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SyncProblem {
    pub code: String,
    pub message: String,
    /// Tried again by itself.
    pub retry: bool,
}

/// One approved batch: the history and the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SyncItem {
    pub batch_id: String,
    pub form_id: String,
    pub title: String,
    pub site: String,
    pub round: Option<String>,
    #[ts(type = "number")]
    pub sequence: u64,
    pub batch_hash: String,
    pub state: BatchState,
    pub approved_at: String,
    pub sent_at: Option<String>,
    pub attempts: u32,
    pub next_attempt_at: Option<String>,
    pub problem: Option<SyncProblem>,
}

/// The server this device is enrolled with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct EnrollmentView {
    pub server_url: String,
    pub device_id: String,
    /// The pinned certificate's SHA-256 as people compare it (`AB:CD:…`); `None` over
    /// plain HTTP to this machine.
    pub pin: Option<String>,
    pub enrolled_at: String,
    pub sites: Vec<String>,
}

/// Sync as the send screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SyncView {
    pub enrollment: Option<EnrollmentView>,
    pub queued: u32,
    pub sending: u32,
    pub sent: u32,
    pub failed: u32,
    /// The earliest automatic retry of a failed batch.
    pub next_retry_at: Option<String>,
    /// The last pass could not reach the server (it is tried again by itself).
    pub offline: bool,
    /// Every approved batch, newest first.
    pub items: Vec<SyncItem>,
}

/// What `sync_enroll` needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct EnrollRequest {
    pub server_url: String,
    pub code: String,
    /// The fingerprint the server's operator read out; `None`: trust on first use.
    pub pin: Option<String>,
}

/// Where a finalized response stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ResponseState {
    /// On the device; no acknowledged batch covers it yet.
    Kept,
    /// A server acknowledged a batch covering it on `acknowledged_day`; it is deleted on
    /// `purge_on` (the form's retention), or kept when no period applies.
    Sent {
        acknowledged_day: String,
        purge_on: Option<String>,
    },
    /// Its retention period has passed: the next purge deletes it.
    DueForPurge { purge_on: String },
}

/// One finalized response in the submissions list (no answer in it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SubmissionRow {
    pub submission_id: String,
    pub form_id: String,
    pub form_version: String,
    pub title: String,
    pub site: Option<String>,
    pub round: Option<String>,
    /// Day it was finalized (`YYYY-MM-DD`).
    pub finalized_day: String,
    /// Only a refusal record is kept.
    pub refusal: bool,
    pub state: ResponseState,
}

/// One finalized response, read-only, in its form's layout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SubmissionView {
    pub row: SubmissionRow,
    pub receipt: Option<String>,
    /// Every relevant page, answers in place (empty for a refusal).
    pub pages: Vec<PageView>,
}

/// A form's retention on this device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RetentionRow {
    pub form_id: String,
    pub title: String,
    /// The form's own `retention_days`: the longest allowed.
    pub form_days: Option<u32>,
    /// A shorter period chosen on this device, if any.
    pub days: Option<u32>,
}

/// A site of the imported site list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SiteRow {
    pub code: String,
    pub name: String,
    /// Admin area codes, largest first (admin1, admin2, …).
    pub admin: Vec<String>,
}

/// A bad line of an imported file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LineProblem {
    /// 1-based, the header being line 1; 0 for the file as a whole.
    pub line: u32,
    /// What is wrong, for the window to word (`sites.no_name`, `sites.duplicate`, …).
    pub code: String,
    /// The site the line is about, when it names one.
    pub site: Option<String>,
    /// The column at fault (an admin area code's), when one is.
    pub column: Option<String>,
    /// The same in English, with details (kept for logs and unknown codes).
    pub message: String,
}

/// What a site list import did: all rows, or none and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SiteImport {
    pub imported: u32,
    /// Every bad row; when any, nothing was imported.
    pub problems: Vec<LineProblem>,
}

/// The settings kept in the vault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DeviceSettings {
    pub idle_lock_minutes: u32,
    pub idle_lock_choices: Vec<u32>,
    pub retention: Vec<RetentionRow>,
    pub sites: Vec<SiteRow>,
}

/// Who can open a backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BackupTo {
    /// A backup passphrase, kept apart from the vault's.
    Passphrase { passphrase: String },
    /// The organisation's public key (64 hex characters).
    OrgKey { public_key: String },
}

/// What opens a backup at restore.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BackupSecretInput {
    Passphrase {
        passphrase: String,
    },
    /// The organisation's secret key file.
    OrgKeyFile {
        path: String,
    },
}

/// A backup written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct BackupDone {
    /// Where it is (full path).
    pub file: String,
    pub name: String,
    pub submissions: u32,
    pub forms: u32,
    pub bytes: u32,
    /// Damaged records left out.
    pub skipped: u32,
}

/// A backup file found in the backups folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct BackupFile {
    pub name: String,
    pub file: String,
    pub bytes: u32,
    /// RFC 3339 of its last change.
    pub modified: String,
}

/// What `vault_restore` needs: which backup, what opens it, the new vault's passphrase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RestoreRequest {
    /// A file name in the backups folder, or a full path.
    pub file: String,
    pub secret: BackupSecretInput,
    pub passphrase: String,
}

/// An aggregate export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ExportRequest {
    pub form_id: String,
    pub site: Option<String>,
    pub round: Option<String>,
    /// `csv`, `xlsx` or `hxl`.
    pub format: String,
    /// The data-sharing agreement it falls under (kept in the audit log).
    pub agreement: String,
}

/// An export written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ExportDone {
    pub file: String,
    pub bytes: u32,
    pub batches: u32,
    /// Tables held back by disclosure control (not exported).
    pub held: u32,
}

/// One audit entry, opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AuditRow {
    pub seq: u32,
    pub at: String,
    pub event: String,
    /// Ids and counts only; never an answer.
    pub detail: String,
}

/// The audit log, newest first, and whether its chain verifies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AuditView {
    pub verified: bool,
    /// Entries checked.
    pub checked: u32,
    /// Where the chain breaks, when it does.
    pub problem: Option<String>,
    pub entries: Vec<AuditRow>,
}

/// Every exported declaration, in the order of `ui/src/lib/bindings/index.ts`.
pub fn typescript() -> String {
    let cfg = ts_rs::Config::new();
    let decls = [
        ApiError::decl(&cfg),
        AppInfo::decl(&cfg),
        VaultState::decl(&cfg),
        LockReason::decl(&cfg),
        LockedEvent::decl(&cfg),
        SavedEvent::decl(&cfg),
        PassphraseStrength::decl(&cfg),
        StrengthHint::decl(&cfg),
        Choice::decl(&cfg),
        FormCard::decl(&cfg),
        FindingSeverity::decl(&cfg),
        PolicyFinding::decl(&cfg),
        DraftSummary::decl(&cfg),
        FinalizedCount::decl(&cfg),
        SyncStatus::decl(&cfg),
        Home::decl(&cfg),
        StartDraft::decl(&cfg),
        Outcome::decl(&cfg),
        MediaRef::decl(&cfg),
        RepeatPosition::decl(&cfg),
        Question::decl(&cfg),
        PageContent::decl(&cfg),
        PageView::decl(&cfg),
        Progress::decl(&cfg),
        Ending::decl(&cfg),
        DraftView::decl(&cfg),
        Nav::decl(&cfg),
        PageEntry::decl(&cfg),
        Blocker::decl(&cfg),
        FinalizeCheck::decl(&cfg),
        Finalized::decl(&cfg),
        MediaData::decl(&cfg),
        ReferralService::decl(&cfg),
        ReferralCard::decl(&cfg),
        ReferralCards::decl(&cfg),
        RiskLevel::decl(&cfg),
        HiddenBecause::decl(&cfg),
        Shown::decl(&cfg),
        ByValue::decl(&cfg),
        ResultCell::decl(&cfg),
        IndicatorResult::decl(&cfg),
        SectorRisk::decl(&cfg),
        ActionItem::decl(&cfg),
        Release::decl(&cfg),
        ShareGroup::decl(&cfg),
        Results::decl(&cfg),
        PreviewTotal::decl(&cfg),
        Payload::decl(&cfg),
        SharePreview::decl(&cfg),
        BatchState::decl(&cfg),
        SyncProblem::decl(&cfg),
        SyncItem::decl(&cfg),
        EnrollmentView::decl(&cfg),
        SyncView::decl(&cfg),
        EnrollRequest::decl(&cfg),
        ResponseState::decl(&cfg),
        SubmissionRow::decl(&cfg),
        SubmissionView::decl(&cfg),
        RetentionRow::decl(&cfg),
        SiteRow::decl(&cfg),
        LineProblem::decl(&cfg),
        SiteImport::decl(&cfg),
        DeviceSettings::decl(&cfg),
        BackupTo::decl(&cfg),
        BackupSecretInput::decl(&cfg),
        BackupDone::decl(&cfg),
        BackupFile::decl(&cfg),
        RestoreRequest::decl(&cfg),
        ExportRequest::decl(&cfg),
        ExportDone::decl(&cfg),
        AuditRow::decl(&cfg),
        AuditView::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from crates/lantern-core/src/capture/dto.rs by ts-rs. Do not edit:\n\
         // run `UPDATE_BINDINGS=1 cargo test -p lantern-app --test bindings`.\n",
    );
    for decl in decls {
        out.push_str("\nexport ");
        out.push_str(&decl);
        out.push('\n');
    }
    out
}

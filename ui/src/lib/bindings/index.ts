// Generated from crates/lantern-core/src/capture/dto.rs by ts-rs. Do not edit:
// run `UPDATE_BINDINGS=1 cargo test -p lantern-app --test bindings`.

export type ApiError = { code: string, message: string, };

export type AppInfo = { version: string, 
/**
 * The app runs on the demo vault of `make run`: the UI shows a banner.
 */
demo: boolean, };

export type VaultState = { 
/**
 * A vault exists in the app's vault folder (else the UI offers to create one).
 */
exists: boolean, unlocked: boolean, 
/**
 * The demo vault of `make run` (its passphrase is printed in the terminal).
 */
demo: boolean, 
/**
 * After repeated failed unlocks: seconds to wait before the next try (0: none).
 */
retry_after_seconds: number, 
/**
 * The vault locks itself after this long without activity.
 */
idle_lock_seconds: number, };

export type LockReason = "user" | "idle" | "quick_exit";

export type LockedEvent = { reason: LockReason, };

export type SavedEvent = { draft_id: string, 
/**
 * RFC 3339, UTC.
 */
saved_at: string, };

export type PassphraseStrength = { 
/**
 * 0 (very weak) to 4 (strong).
 */
score: number, 
/**
 * Whether `vault_create` accepts it.
 */
acceptable: boolean, min_length: number, 
/**
 * Why it is weak, as message-catalog keys' suffixes.
 */
hints: Array<StrengthHint>, };

export type StrengthHint = "too_short" | "common" | "one_kind" | "repeated";

export type Choice = { name: string, label: string, };

export type FormCard = { "status": "ok", 
/**
 * The workbook's file name in the forms folder.
 */
file: string, form_id: string, version: string, title: string, languages: Array<string>, default_language: string | null, 
/**
 * The sites the form's `site_field` offers (empty: the form has none).
 */
sites: Array<Choice>, 
/**
 * The rounds the form's `round_field` offers (empty: the form has none).
 */
rounds: Array<Choice>, 
/**
 * What the do-no-harm check found: warnings only, since an error makes the
 * form unusable (a `Broken` card).
 */
policy: Array<PolicyFinding>, } | { "status": "broken", file: string, code: string, message: string, 
/**
 * The do-no-harm check's findings, located, when the workbook could be read:
 * its errors are why the form cannot be used.
 */
policy: Array<PolicyFinding>, };

export type FindingSeverity = "warning" | "error";

export type PolicyFinding = { 
/**
 * `policy.name`, `policy.identifying_type`, `policy.free_text_shared`…
 */
code: string, severity: FindingSeverity, sheet: string, 
/**
 * The spreadsheet's row (1-based, header included), when known.
 */
row: number | null, 
/**
 * The column's header as written, when known.
 */
column: string | null, message: string, };

export type DraftSummary = { draft_id: string, form_id: string, form_version: string, title: string, site: string | null, round: string | null, 
/**
 * Day of the last save (`YYYY-MM-DD`).
 */
updated_day: string, 
/**
 * Questions answered so far.
 */
answered: number, };

export type FinalizedCount = { form_id: string, title: string, site: string | null, round: string | null, 
/**
 * Complete responses.
 */
count: number, 
/**
 * Refusal records (consent not given).
 */
refusals: number, };

export type SyncStatus = { "state": "not_configured" } | { "state": "idle", pending: number, last_sync: string | null, } | { "state": "syncing" } | { "state": "failed", message: string, };

export type Home = { forms: Array<FormCard>, drafts: Array<DraftSummary>, finalized: Array<FinalizedCount>, sync: SyncStatus, };

export type StartDraft = { form_id: string, 
/**
 * `None`: the form's current version in the forms folder.
 */
version: string | null, 
/**
 * Pre-fills the form's `site_field`.
 */
site: string | null, 
/**
 * Pre-fills the form's `round_field`.
 */
round: string | null, 
/**
 * The UI language (`en`, `fr`, `es`, `ar`): the form opens in the matching
 * language where it has one.
 */
ui_language: string | null, };

export type Outcome = { "outcome": "ok" } | { "outcome": "required_but_empty" } | { "outcome": "constraint_violated", message: string, } | { "outcome": "expression_failed", message: string, };

export type MediaRef = { 
/**
 * `image`, `audio`, `video`, `big-image`.
 */
kind: string, 
/**
 * The file name, for `form_media`.
 */
file: string, };

export type RepeatPosition = { 
/**
 * The repeat instance (`/form/members[2]`).
 */
instance: string, 
/**
 * 1-based.
 */
index: number, count: number, 
/**
 * The repeat's label.
 */
label: string, 
/**
 * The form sets the number of instances (`repeat_count`): no add, remove or move.
 */
fixed: boolean, };

export type Question = { path: string, name: string, 
/**
 * The XLSForm type: `text`, `integer`, `decimal`, `select_one`, `select_multiple`,
 * `date`, `time`, `dateTime`, `geopoint`, `range`, `rank`, `acknowledge`, `note`…
 */
type: string, label: string, hint: string, appearance: string | null, 
/**
 * `parameters` as written (`start=1 end=5 step=1` → pairs).
 */
parameters: Array<[string, string]>, media: Array<MediaRef>, 
/**
 * XForms text: numbers as digits, `select_multiple` as space-separated names,
 * dates `YYYY-MM-DD`, geopoint `lat lon alt accuracy`.
 */
value: string, relevant: boolean, required: boolean, read_only: boolean, choices: Array<Choice>, outcome: Outcome, repeat: RepeatPosition | null, };

export type PageContent = { "kind": "questions", label: string | null, questions: Array<Question>, } | { "kind": "repeat_prompt", 
/**
 * The repeat to add to (`/form/members`, `/form/hh[2]/members`).
 */
repeat: string, label: string, count: number, };

export type PageView = { 
/**
 * 0-based among all pages (relevant or not).
 */
index: number, path: string, content: PageContent, };

export type Progress = { 
/**
 * 1-based position of the current page among the relevant pages.
 */
position: number, 
/**
 * Relevant pages now (changes with the answers: "about N").
 */
relevant_pages: number, answered: number, };

export type Ending = "refused";

export type DraftView = { draft_id: string, form_id: string, form_version: string, title: string, 
/**
 * The form's language now, and those it has.
 */
language: string, languages: Array<string>, site: string | null, round: string | null, page_count: number, page: PageView, progress: Progress, 
/**
 * First and last relevant page: no back / no next.
 */
at_start: boolean, at_end: boolean, ending: Ending | null, 
/**
 * RFC 3339 of the last autosave.
 */
saved_at: string | null, };

export type Nav = { "to": "next" } | { "to": "back" } | { "to": "page", index: number, } | { "to": "path", path: string, };

export type PageEntry = { index: number, label: string, relevant: boolean, answered: boolean, 
/**
 * A required question is empty or a constraint fails on this page.
 */
blocking: boolean, };

export type Blocker = { path: string, label: string, 
/**
 * The page to go to (`Nav::Page`).
 */
page_index: number, outcome: Outcome, };

export type FinalizeCheck = { finalizable: boolean, blocking: Array<Blocker>, ending: Ending | null, };

export type Finalized = { submission_id: string, 
/**
 * Only a refusal record was kept.
 */
refusal: boolean, 
/**
 * The code to give the respondent (`ABCD-EFGH`): with it the team finds and
 * withdraws the response if consent is taken back. `None` for a refusal.
 */
receipt: string | null, };

export type MediaData = { mime: string, data_url: string, };

export type ReferralService = { name: string, contact: string, hours: string, notes: string, };

export type ReferralCard = { 
/**
 * `None`: the card for sites without their own.
 */
site: string | null, services: Array<ReferralService>, };

export type ReferralCards = { cards: Array<ReferralCard>, };

export type RiskLevel = "green" | "amber" | "red";

export type HiddenBecause = "primary" | "complementary" | "derived" | "min_responses";

export type Shown = { "shown": "released", 
/**
 * Units counted (for a proportion, the denominator's).
 */
n: number, denominator: number | null, 
/**
 * The percentage, mean, sum or score; `None` for a plain count.
 */
value: number | null, level: RiskLevel | null, } | { "shown": "hidden", because: HiddenBecause, 
/**
 * The cell minimum that applies (k).
 */
fewer_than: number, };

export type ByValue = { dimension: string, value: string, label: string, };

export type ResultCell = { 
/**
 * Empty: the site total.
 */
by: Array<ByValue>, shown: Shown, 
/**
 * The same cell in the baseline, when both are released with a value.
 */
baseline: number | null, };

export type IndicatorResult = { name: string, label: string, 
/**
 * `count`, `proportion`, `mean`, `sum` or `score`.
 */
kind: string, sector: string | null, 
/**
 * `better` or `worse`.
 */
higher_is: string | null, amber: number | null, red: number | null, min_cell: number, 
/**
 * The total's level, when it is released and the indicator is rated.
 */
level: RiskLevel | null, 
/**
 * The form's recommended mitigation in the chosen language (may be empty).
 */
action: string, cells: Array<ResultCell>, };

export type SectorRisk = { sector: string, 
/**
 * `None`: nothing in the sector is rated yet (hidden totals count as unrated).
 */
level: RiskLevel | null, red: number, amber: number, green: number, unrated: number, };

export type ActionItem = { indicator: string, label: string, sector: string | null, level: RiskLevel, value: number | null, 
/**
 * The form's recommended mitigation in the chosen language.
 */
action: string, };

export type Release = { "state": "releasable" } | { "state": "nothing_finalized" } | { "state": "need_more_changes", changes: number, needed: number, } | { "state": "differencing_risk", cells: Array<string>, } | { "state": "all_hidden", min_responses: boolean, };

export type ShareGroup = { form_id: string, title: string, site: string, site_label: string, round: string | null, round_label: string | null, 
/**
 * Finalized consenting responses.
 */
responses: number, 
/**
 * Whether the form rates sectors (a risk profile and an action plan exist).
 */
rated: boolean, release: Release, };

export type Results = { group: ShareGroup, 
/**
 * The month the data belongs to (`YYYY-MM`).
 */
period: string, min_cell_size: number, 
/**
 * Refusals at the site and round, by the same cell rule.
 */
refusals: Shown, 
/**
 * The round compared with (baseline) for `ResultCell::baseline`, if any.
 */
baseline_round: string | null, indicators: Array<IndicatorResult>, 
/**
 * Sectors, worst first; empty for a form without thresholds.
 */
sectors: Array<SectorRisk>, 
/**
 * Red findings first, then amber, in the form's order.
 */
actions: Array<ActionItem>, };

export type PreviewTotal = { label: string, shown: Shown, };

export type Payload = { batch_id: string, sequence: number, 
/**
 * SHA-256 of `body`, hex: what `share_approve` names.
 */
hash: string, 
/**
 * The exact bytes (JSON) that would be signed and sent.
 */
body: string, period: string, min_cell_size: number, indicators: number, cells: number, released: number, hidden: number, totals: Array<PreviewTotal>, };

export type SharePreview = { group: ShareGroup, 
/**
 * Present only when `group.release` is `releasable`.
 */
payload: Payload | null, };

export type BatchState = "queued" | "sending" | "sent" | "failed" | "replaced";

export type SyncProblem = { code: string, message: string, 
/**
 * Tried again by itself.
 */
retry: boolean, };

export type SyncItem = { batch_id: string, form_id: string, title: string, site: string, round: string | null, sequence: number, batch_hash: string, state: BatchState, approved_at: string, sent_at: string | null, attempts: number, next_attempt_at: string | null, problem: SyncProblem | null, };

export type EnrollmentView = { server_url: string, device_id: string, 
/**
 * The pinned certificate's SHA-256 as people compare it (`AB:CD:…`); `None` over
 * plain HTTP to this machine.
 */
pin: string | null, enrolled_at: string, sites: Array<string>, };

export type SyncView = { enrollment: EnrollmentView | null, queued: number, sending: number, sent: number, failed: number, 
/**
 * The earliest automatic retry of a failed batch.
 */
next_retry_at: string | null, 
/**
 * The last pass could not reach the server (it is tried again by itself).
 */
offline: boolean, 
/**
 * Every approved batch, newest first.
 */
items: Array<SyncItem>, };

export type EnrollRequest = { server_url: string, code: string, 
/**
 * The fingerprint the server's operator read out; `None`: trust on first use.
 */
pin: string | null, };

export type ResponseState = { "state": "kept" } | { "state": "sent", acknowledged_day: string, purge_on: string | null, } | { "state": "due_for_purge", purge_on: string, };

export type SubmissionRow = { submission_id: string, form_id: string, form_version: string, title: string, site: string | null, round: string | null, 
/**
 * Day it was finalized (`YYYY-MM-DD`).
 */
finalized_day: string, 
/**
 * Only a refusal record is kept.
 */
refusal: boolean, state: ResponseState, };

export type SubmissionView = { row: SubmissionRow, receipt: string | null, 
/**
 * Every relevant page, answers in place (empty for a refusal).
 */
pages: Array<PageView>, };

export type RetentionRow = { form_id: string, title: string, 
/**
 * The form's own `retention_days`: the longest allowed.
 */
form_days: number | null, 
/**
 * A shorter period chosen on this device, if any.
 */
days: number | null, };

export type SiteRow = { code: string, name: string, 
/**
 * Admin area codes, largest first (admin1, admin2, …).
 */
admin: Array<string>, };

export type LineProblem = { 
/**
 * 1-based, the header being line 1; 0 for the file as a whole.
 */
line: number, 
/**
 * What is wrong, for the window to word (`sites.no_name`, `sites.duplicate`, …).
 */
code: string, 
/**
 * The site the line is about, when it names one.
 */
site: string | null, 
/**
 * The column at fault (an admin area code's), when one is.
 */
column: string | null, 
/**
 * The same in English, with details (kept for logs and unknown codes).
 */
message: string, };

export type SiteImport = { imported: number, 
/**
 * Every bad row; when any, nothing was imported.
 */
problems: Array<LineProblem>, };

export type DeviceSettings = { idle_lock_minutes: number, idle_lock_choices: Array<number>, retention: Array<RetentionRow>, sites: Array<SiteRow>, };

export type BackupTo = { "kind": "passphrase", passphrase: string, } | { "kind": "org_key", public_key: string, };

export type BackupSecretInput = { "kind": "passphrase", passphrase: string, } | { "kind": "org_key_file", path: string, };

export type BackupDone = { 
/**
 * Where it is (full path).
 */
file: string, name: string, submissions: number, forms: number, bytes: number, 
/**
 * Damaged records left out.
 */
skipped: number, };

export type BackupFile = { name: string, file: string, bytes: number, 
/**
 * RFC 3339 of its last change.
 */
modified: string, };

export type RestoreRequest = { 
/**
 * A file name in the backups folder, or a full path.
 */
file: string, secret: BackupSecretInput, passphrase: string, };

export type ExportRequest = { form_id: string, site: string | null, round: string | null, 
/**
 * `csv`, `xlsx` or `hxl`.
 */
format: string, 
/**
 * The data-sharing agreement it falls under (kept in the audit log).
 */
agreement: string, };

export type ExportDone = { file: string, bytes: number, batches: number, 
/**
 * Tables held back by disclosure control (not exported).
 */
held: number, };

export type AuditRow = { seq: number, at: string, event: string, 
/**
 * Ids and counts only; never an answer.
 */
detail: string, };

export type AuditView = { verified: boolean, 
/**
 * Entries checked.
 */
checked: number, 
/**
 * Where the chain breaks, when it does.
 */
problem: string | null, entries: Array<AuditRow>, };

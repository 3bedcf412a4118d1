//! Lantern's IPC commands (docs/ipc.md): each one converts at the boundary and calls
//! `lantern-core` through the app state (`session::AppState`). Their names are the ones
//! `ui/src/lib/api.ts` invokes and `capabilities/` allows. Every command that touches the
//! vault or a form runs off the window's thread (`spawn_blocking`), so key derivation,
//! autosave and imports never freeze the UI.

use std::sync::Arc;

use lantern_core::capture::content::Step;
use lantern_core::capture::dto::{
    self, DraftView, FinalizeCheck, Finalized, Home, LockReason, MediaData, Nav, PageEntry,
    PassphraseStrength, ReferralCards, StartDraft, VaultState,
};
use lantern_core::catalog::{self, CatalogEntry};
use tauri::{AppHandle, Runtime, State};

use crate::error::CommandError;
use crate::session::AppState;
use crate::state::FormsDir;

type Shared<'a> = State<'a, Arc<AppState>>;
type Result<T> = std::result::Result<T, CommandError>;

/// Runs `f` on a blocking thread with the shared state.
async fn blocking<T: Send + 'static>(
    state: &Arc<AppState>,
    f: impl FnOnce(&AppState) -> Result<T> + Send + 'static,
) -> Result<T> {
    let state = Arc::clone(state);
    tauri::async_runtime::spawn_blocking(move || f(&state))
        .await
        .map_err(|e| CommandError::Internal(e.to_string()))?
}

#[tauri::command]
pub fn app_info(state: Shared<'_>) -> dto::AppInfo {
    state.app_info()
}

/// The forms on this device, broken workbooks included with their error.
#[tauri::command]
pub async fn list_forms(forms: State<'_, FormsDir>) -> Result<Vec<CatalogEntry>> {
    catalog::scan(forms.path()).map_err(|source| CommandError::FormsFolder {
        path: forms.path().to_path_buf(),
        source,
    })
}

#[tauri::command]
pub async fn vault_state(state: Shared<'_>) -> Result<VaultState> {
    blocking(&state, |s| Ok(s.vault_state())).await
}

#[tauri::command]
pub fn passphrase_strength(passphrase: String) -> PassphraseStrength {
    lantern_core::capture::passphrase::strength(&passphrase)
}

#[tauri::command]
pub async fn vault_create(state: Shared<'_>, passphrase: String) -> Result<VaultState> {
    blocking(&state, move |s| s.create(&passphrase)).await
}

#[tauri::command]
pub async fn vault_unlock(state: Shared<'_>, passphrase: String) -> Result<VaultState> {
    blocking(&state, move |s| s.unlock(&passphrase)).await
}

#[tauri::command]
pub async fn vault_lock<R: Runtime>(app: AppHandle<R>, state: Shared<'_>) -> Result<VaultState> {
    blocking(&state, move |s| Ok(s.lock_vault(&app, LockReason::User))).await
}

#[tauri::command]
pub async fn vault_touch(state: Shared<'_>) -> Result<()> {
    blocking(&state, |s| s.touch()).await
}

#[tauri::command]
pub async fn vault_set_duress(state: Shared<'_>, passphrase: String, duress: String) -> Result<()> {
    blocking(&state, move |s| s.set_duress(&passphrase, &duress)).await
}

#[tauri::command]
pub async fn quick_exit<R: Runtime>(app: AppHandle<R>, state: Shared<'_>) -> Result<()> {
    blocking(&state, move |s| {
        Ok(s.lock_vault(&app, LockReason::QuickExit)).map(|_| ())
    })
    .await
}

#[tauri::command]
pub async fn home(state: Shared<'_>, ui_language: String) -> Result<Home> {
    blocking(&state, move |s| s.home(&ui_language)).await
}

#[tauri::command]
pub async fn draft_start<R: Runtime>(
    app: AppHandle<R>,
    state: Shared<'_>,
    request: StartDraft,
) -> Result<DraftView> {
    blocking(&state, move |s| s.start(&app, &request)).await
}

#[tauri::command]
pub async fn draft_resume(
    state: Shared<'_>,
    draft_id: String,
    ui_language: Option<String>,
) -> Result<DraftView> {
    blocking(&state, move |s| s.resume(&draft_id, ui_language.as_deref())).await
}

#[tauri::command]
pub async fn draft_go<R: Runtime>(
    app: AppHandle<R>,
    state: Shared<'_>,
    draft_id: String,
    nav: Nav,
) -> Result<DraftView> {
    blocking(&state, move |s| s.go(&app, &draft_id, &nav)).await
}

#[tauri::command]
pub async fn draft_answer<R: Runtime>(
    app: AppHandle<R>,
    state: Shared<'_>,
    draft_id: String,
    path: String,
    value: String,
) -> Result<DraftView> {
    blocking(&state, move |s| s.answer(&app, &draft_id, &path, &value)).await
}

#[tauri::command]
pub async fn draft_repeat_add<R: Runtime>(
    app: AppHandle<R>,
    state: Shared<'_>,
    draft_id: String,
    repeat: String,
) -> Result<DraftView> {
    blocking(&state, move |s| {
        s.step(&app, &draft_id, Step::AddRepeat { repeat })
    })
    .await
}

#[tauri::command]
pub async fn draft_repeat_remove<R: Runtime>(
    app: AppHandle<R>,
    state: Shared<'_>,
    draft_id: String,
    instance: String,
) -> Result<DraftView> {
    blocking(&state, move |s| {
        s.step(&app, &draft_id, Step::RemoveRepeat { instance })
    })
    .await
}

#[tauri::command]
pub async fn draft_repeat_move<R: Runtime>(
    app: AppHandle<R>,
    state: Shared<'_>,
    draft_id: String,
    instance: String,
    to: u32,
) -> Result<DraftView> {
    blocking(&state, move |s| {
        s.step(&app, &draft_id, Step::MoveRepeat { instance, to })
    })
    .await
}

#[tauri::command]
pub async fn draft_set_language(
    state: Shared<'_>,
    draft_id: String,
    language: String,
) -> Result<DraftView> {
    blocking(&state, move |s| s.set_language(&draft_id, &language)).await
}

#[tauri::command]
pub async fn draft_index(state: Shared<'_>, draft_id: String) -> Result<Vec<PageEntry>> {
    blocking(&state, move |s| s.index(&draft_id)).await
}

#[tauri::command]
pub async fn draft_check(state: Shared<'_>, draft_id: String) -> Result<FinalizeCheck> {
    blocking(&state, move |s| s.check(&draft_id)).await
}

#[tauri::command]
pub async fn draft_finalize(state: Shared<'_>, draft_id: String) -> Result<Finalized> {
    blocking(&state, move |s| s.finalize(&draft_id)).await
}

#[tauri::command]
pub async fn draft_close(state: Shared<'_>, draft_id: String) -> Result<()> {
    blocking(&state, move |s| s.close(&draft_id)).await
}

#[tauri::command]
pub async fn draft_discard(state: Shared<'_>, draft_id: String) -> Result<()> {
    blocking(&state, move |s| s.discard(&draft_id)).await
}

#[tauri::command]
pub async fn form_media(
    state: Shared<'_>,
    form_id: String,
    version: String,
    file: String,
) -> Result<MediaData> {
    blocking(&state, move |s| s.media(&form_id, &version, &file)).await
}

#[tauri::command]
pub fn ui_language(state: Shared<'_>) -> Option<String> {
    state.ui_language()
}

#[tauri::command]
pub fn set_ui_language(state: Shared<'_>, language: String) -> Result<()> {
    state.set_ui_language(&language)
}

#[tauri::command]
pub async fn referrals_get(state: Shared<'_>) -> Result<ReferralCards> {
    blocking(&state, |s| s.referrals()).await
}

#[tauri::command]
pub async fn referrals_set(state: Shared<'_>, cards: ReferralCards) -> Result<()> {
    blocking(&state, move |s| s.set_referrals(&cards)).await
}

#[tauri::command]
pub async fn share_groups(state: Shared<'_>, ui_language: String) -> Result<Vec<dto::ShareGroup>> {
    blocking(&state, move |s| s.share_groups(&ui_language)).await
}

#[tauri::command]
pub async fn results(
    state: Shared<'_>,
    form_id: String,
    site: String,
    round: Option<String>,
    ui_language: String,
) -> Result<dto::Results> {
    blocking(&state, move |s| {
        s.results(&form_id, &site, round.as_deref(), &ui_language)
    })
    .await
}

#[tauri::command]
pub async fn share_preview(
    state: Shared<'_>,
    form_id: String,
    site: String,
    round: Option<String>,
    ui_language: String,
) -> Result<dto::SharePreview> {
    blocking(&state, move |s| {
        s.share_preview(&form_id, &site, round.as_deref(), &ui_language)
    })
    .await
}

/// Queues the approved batch and starts a sync pass in the background at once.
#[tauri::command]
pub async fn share_approve<R: Runtime>(
    app: AppHandle<R>,
    state: Shared<'_>,
    hash: String,
) -> Result<dto::SyncItem> {
    let item = blocking(&state, move |s| s.share_approve(&hash)).await?;
    let state = Arc::clone(&state);
    std::thread::spawn(move || state.sync_tick(&app));
    Ok(item)
}

#[tauri::command]
pub async fn sync_status(state: Shared<'_>) -> Result<dto::SyncView> {
    blocking(&state, |s| s.sync_status()).await
}

#[tauri::command]
pub async fn sync_enroll(state: Shared<'_>, request: dto::EnrollRequest) -> Result<dto::SyncView> {
    blocking(&state, move |s| s.sync_enroll(&request)).await
}

#[tauri::command]
pub async fn sync_now<R: Runtime>(app: AppHandle<R>, state: Shared<'_>) -> Result<dto::SyncView> {
    blocking(&state, move |s| s.sync_now(&app)).await
}

#[tauri::command]
pub async fn submissions_list(state: Shared<'_>) -> Result<Vec<dto::SubmissionRow>> {
    blocking(&state, |s| s.submissions()).await
}

#[tauri::command]
pub async fn submission_open(
    state: Shared<'_>,
    submission_id: String,
    ui_language: Option<String>,
) -> Result<dto::SubmissionView> {
    blocking(&state, move |s| {
        s.submission_open(&submission_id, ui_language.as_deref())
    })
    .await
}

#[tauri::command]
pub async fn receipt_find(state: Shared<'_>, code: String) -> Result<Option<dto::SubmissionRow>> {
    blocking(&state, move |s| s.receipt_find(&code)).await
}

/// Deletes a finalized response for good (after the UI's deliberate confirmation).
#[tauri::command]
pub async fn submission_withdraw(state: Shared<'_>, submission_id: String) -> Result<()> {
    blocking(&state, move |s| s.submission_withdraw(&submission_id)).await
}

#[tauri::command]
pub async fn settings_get(state: Shared<'_>) -> Result<dto::DeviceSettings> {
    blocking(&state, |s| s.device_settings()).await
}

#[tauri::command]
pub async fn settings_set_idle_lock(
    state: Shared<'_>,
    minutes: u32,
) -> Result<dto::DeviceSettings> {
    blocking(&state, move |s| s.set_idle_lock(minutes)).await
}

#[tauri::command]
pub async fn settings_set_retention(
    state: Shared<'_>,
    form_id: String,
    days: Option<u32>,
) -> Result<dto::DeviceSettings> {
    blocking(&state, move |s| s.set_retention(&form_id, days)).await
}

#[tauri::command]
pub async fn vault_change_passphrase(
    state: Shared<'_>,
    passphrase: String,
    new_passphrase: String,
) -> Result<()> {
    blocking(&state, move |s| {
        s.change_passphrase(&passphrase, &new_passphrase)
    })
    .await
}

#[tauri::command]
pub async fn sites_import(state: Shared<'_>, text: String) -> Result<dto::SiteImport> {
    blocking(&state, move |s| s.import_sites(&text)).await
}

#[tauri::command]
pub async fn audit_log(state: Shared<'_>) -> Result<dto::AuditView> {
    blocking(&state, |s| s.audit_log()).await
}

#[tauri::command]
pub async fn export_aggregates(
    state: Shared<'_>,
    request: dto::ExportRequest,
) -> Result<dto::ExportDone> {
    blocking(&state, move |s| s.export(&request)).await
}

#[tauri::command]
pub async fn backup_create(state: Shared<'_>, to: dto::BackupTo) -> Result<dto::BackupDone> {
    blocking(&state, move |s| s.backup(&to)).await
}

#[tauri::command]
pub async fn backup_list(state: Shared<'_>) -> Result<Vec<dto::BackupFile>> {
    blocking(&state, |s| Ok(s.backups())).await
}

#[tauri::command]
pub async fn vault_restore(state: Shared<'_>, request: dto::RestoreRequest) -> Result<VaultState> {
    blocking(&state, move |s| s.restore(&request)).await
}

/// Panic wipe (the UI asks for a deliberate confirmation first).
#[tauri::command]
pub async fn vault_wipe<R: Runtime>(app: AppHandle<R>, state: Shared<'_>) -> Result<VaultState> {
    blocking(&state, move |s| s.wipe(&app)).await
}

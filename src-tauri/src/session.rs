//! The app's live state: the vault (locked or not) and the open drafts, behind one lock,
//! plus what the shell alone decides (where the vault and the config live, whether this
//! is the demo vault). Every command goes through one method here, which reads the clock
//! and draws randomness (the core never does) and emits the events.
//!
//! One `Mutex` guards the vault and the drafts: SQLite's connection is not `Sync`, and an
//! autosave must not interleave with a lock. Beside it, a second lock holds a read handle
//! (`Vault::reader`: its own read-only connection and idle timer) for what only reads
//! and must not wait behind an autosave: the referral card today, sync and results
//! next. Locking drops both; the read handle is made again from the unlocked vault when
//! it is missing or stale (after a re-key).

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use chrono::{DateTime, FixedOffset, Utc};
use lantern_core::capture::content::Step;
use lantern_core::capture::dto::{self, LockReason};
use lantern_core::capture::library::Library;
use lantern_core::capture::{Capture, CaptureError, home, passphrase, settings, share};
use lantern_core::sync;
use lantern_core::vault::{KdfParams, Vault, VaultConfig, VaultError};
use tauri::{Emitter, Runtime};

use crate::error::CommandError;

/// Event names (docs/ipc.md).
pub const LOCKED_EVENT: &str = "vault://locked";
pub const SAVED_EVENT: &str = "draft://saved";
pub const SYNC_EVENT: &str = "sync://changed";

/// Where things live and how the vault is run.
#[derive(Debug, Clone)]
pub struct Settings {
    pub vault_dir: PathBuf,
    pub config_dir: PathBuf,
    pub forms_dir: PathBuf,
    /// Where backups are written and looked for (`LANTERN_BACKUP_DIR`, default
    /// `<app data>/backups`).
    pub backups_dir: PathBuf,
    /// Where aggregate exports are written (`<app data>/exports`).
    pub exports_dir: PathBuf,
    pub demo: bool,
    pub vault: VaultConfig,
}

impl Settings {
    /// From the environment, else the platform's app folders:
    /// `LANTERN_VAULT_DIR` (default `<app data>/vault`), `LANTERN_CONFIG_DIR` (default
    /// `<app config>`), `LANTERN_DEMO=1` for the demo vault of `make run`.
    pub fn locate(
        data_dir: Option<PathBuf>,
        config_dir: Option<PathBuf>,
        forms_dir: PathBuf,
    ) -> Settings {
        let var = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let data = data_dir.unwrap_or_else(|| PathBuf::from("lantern-data"));
        let mut vault = VaultConfig::default();
        // Debug builds only (tests, E2E): a cheap key derivation so a test run does not
        // spend its time in Argon2id. A release build always uses the production cost.
        if cfg!(debug_assertions) && std::env::var_os("LANTERN_INSECURE_FAST_KDF").is_some() {
            vault.kdf = KdfParams::INSECURE_FAST_FOR_TESTS;
        }
        Settings {
            vault_dir: var("LANTERN_VAULT_DIR").unwrap_or_else(|| data.join("vault")),
            config_dir: var("LANTERN_CONFIG_DIR")
                .or(config_dir)
                .unwrap_or_else(|| data.join("config")),
            forms_dir,
            backups_dir: var("LANTERN_BACKUP_DIR").unwrap_or_else(|| data.join("backups")),
            exports_dir: var("LANTERN_EXPORT_DIR").unwrap_or_else(|| data.join("exports")),
            demo: std::env::var("LANTERN_DEMO").is_ok_and(|v| v == "1"),
            vault,
        }
    }
}

struct Inner {
    vault: Option<Vault>,
    capture: Capture,
    /// The last failed unlock (or the app's start, so a restart does not skip a wait).
    last_failure: Instant,
    /// The last sync pass could not reach the server.
    offline: bool,
}

/// The state every command shares.
pub struct AppState {
    pub settings: Settings,
    inner: Mutex<Inner>,
    /// The read handle, if one was made since the last unlock. Lock order: `reader`,
    /// then `inner`; never the other way.
    reader: Mutex<Option<Vault>>,
    /// Held for the whole of a sync pass (never while waiting on `inner`'s callers).
    sync_pass: Mutex<()>,
}

fn now() -> DateTime<FixedOffset> {
    chrono::Local::now().fixed_offset()
}

fn utc() -> DateTime<Utc> {
    Utc::now()
}

type Result<T> = std::result::Result<T, CommandError>;

impl AppState {
    pub fn new(settings: Settings) -> AppState {
        let capture = Capture::new(Library::new(settings.forms_dir.clone()));
        AppState {
            settings,
            inner: Mutex::new(Inner {
                vault: None,
                capture,
                last_failure: Instant::now(),
                offline: false,
            }),
            reader: Mutex::new(None),
            sync_pass: Mutex::new(()),
        }
    }

    /// Drops the read handle (and its copy of the key). Called after `inner` is released.
    fn drop_reader(&self) {
        *self.reader.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Runs `f` on the read handle, making it from the unlocked vault when there is none
    /// or it went stale (a re-key) or idle.
    fn with_reader<T>(&self, f: impl Fn(&Vault) -> Result<T>) -> Result<T> {
        let mut slot = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        for attempt in 0..2 {
            if slot.is_none() {
                *slot = Some(self.with(|vault, _| Ok(vault.reader(utc())?))?);
            }
            let Some(reader) = slot.as_ref() else {
                return Err(CommandError::Locked);
            };
            match f(reader) {
                Err(CommandError::Capture(CaptureError::Vault(
                    VaultError::ReadHandle | VaultError::Locked,
                ))) if attempt == 0 => *slot = None,
                other => return other,
            }
        }
        Err(CommandError::Locked)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn exists(&self) -> bool {
        self.settings
            .vault_dir
            .join(lantern_core::vault::DB_FILE)
            .is_file()
    }

    /// Opens the vault handle (locked) when there is a vault and none is open.
    fn open(&self, inner: &mut Inner) -> Result<()> {
        if inner.vault.is_none() {
            if !self.exists() {
                return Err(CommandError::NoVault);
            }
            inner.vault = Some(Vault::open(
                &self.settings.vault_dir,
                self.settings.vault,
                utc(),
            )?);
        }
        Ok(())
    }

    fn wait(&self, inner: &mut Inner) -> u32 {
        let failures = inner
            .vault
            .as_ref()
            .and_then(|v| v.status().ok())
            .map_or(0, |s| s.failed_unlocks);
        let wait = passphrase::unlock_wait_seconds(failures);
        wait.saturating_sub(inner.last_failure.elapsed().as_secs() as u32)
    }

    pub fn app_info(&self) -> dto::AppInfo {
        dto::AppInfo {
            version: lantern_core::VERSION.to_string(),
            demo: self.settings.demo,
        }
    }

    pub fn vault_state(&self) -> dto::VaultState {
        let mut inner = self.lock();
        let _ = self.open(&mut inner);
        let retry = self.wait(&mut inner);
        dto::VaultState {
            exists: self.exists(),
            unlocked: inner.vault.as_ref().is_some_and(|v| v.is_unlocked()),
            demo: self.settings.demo,
            retry_after_seconds: retry,
            idle_lock_seconds: inner
                .vault
                .as_ref()
                .map_or(self.settings.vault.idle_lock, |v| v.idle_lock())
                .num_seconds()
                .max(0) as u32,
        }
    }

    pub fn create(&self, passphrase: &str) -> Result<dto::VaultState> {
        if !passphrase::strength(passphrase).acceptable {
            return Err(CommandError::WeakPassphrase);
        }
        {
            let mut inner = self.lock();
            if self.exists() {
                return Err(VaultError::AlreadyExists(self.settings.vault_dir.clone()).into());
            }
            let vault = Vault::create(
                &self.settings.vault_dir,
                passphrase.as_bytes(),
                self.settings.vault,
                utc(),
            )?;
            inner.vault = Some(vault);
        }
        Ok(self.vault_state())
    }

    pub fn unlock(&self, passphrase: &str) -> Result<dto::VaultState> {
        {
            let mut inner = self.lock();
            self.open(&mut inner)?;
            let wait = self.wait(&mut inner);
            if wait > 0 {
                return Err(CommandError::UnlockWait(wait));
            }
            let vault = inner.vault.as_mut().ok_or(CommandError::NoVault)?;
            if let Err(e) = vault.unlock(passphrase.as_bytes(), utc()) {
                inner.last_failure = Instant::now();
                return Err(e.into());
            }
            // The idle lock chosen in settings (a duress unlock leaves an empty vault
            // without one: the default applies).
            if vault.is_unlocked()
                && let Ok(Some(idle)) = settings::idle_lock(vault, utc())
            {
                vault.set_idle_lock(idle);
            }
        }
        Ok(self.vault_state())
    }

    /// Locks and drops every open draft; tells the window.
    pub fn lock_vault<R: Runtime>(
        &self,
        app: &impl Emitter<R>,
        reason: LockReason,
    ) -> dto::VaultState {
        {
            let mut inner = self.lock();
            if let Some(vault) = inner.vault.as_mut() {
                vault.lock();
            }
            inner.capture.forget_all();
        }
        self.drop_reader();
        let _ = app.emit(LOCKED_EVENT, dto::LockedEvent { reason });
        self.vault_state()
    }

    /// The idle timer's tick: locks an idle vault and says so.
    pub fn lock_if_idle<R: Runtime>(&self, app: &impl Emitter<R>) {
        let locked = {
            let mut inner = self.lock();
            let locked = inner.vault.as_mut().is_some_and(|v| v.lock_if_idle(utc()));
            if locked {
                inner.capture.forget_all();
            }
            locked
        };
        if locked {
            self.drop_reader();
            let _ = app.emit(
                LOCKED_EVENT,
                dto::LockedEvent {
                    reason: LockReason::Idle,
                },
            );
        }
    }

    /// Runs `f` on the unlocked vault and the drafts.
    fn with<T>(&self, f: impl FnOnce(&mut Vault, &mut Capture) -> Result<T>) -> Result<T> {
        let mut inner = self.lock();
        self.open(&mut inner)?;
        let Inner { vault, capture, .. } = &mut *inner;
        let vault = vault.as_mut().ok_or(CommandError::NoVault)?;
        if !vault.is_unlocked() {
            capture.forget_all();
            return Err(CommandError::Locked);
        }
        f(vault, capture)
    }

    pub fn touch(&self) -> Result<()> {
        // Any read of the unlocked vault counts as activity (a key that is never set).
        self.with(|vault, _| Ok(vault.setting("app.activity", utc()).map(|_| ())?))
    }

    pub fn set_duress(&self, passphrase: &str, duress: &str) -> Result<()> {
        self.with(|vault, _| {
            // The passphrase is asked again: an unlocked phone left on a table must not
            // be enough to set a duress passphrase.
            vault.unlock(passphrase.as_bytes(), utc())?;
            Ok(vault.set_duress_passphrase(duress.as_bytes(), utc())?)
        })
    }

    pub fn home(&self, ui_language: &str) -> Result<dto::Home> {
        self.with(|vault, capture| Ok(capture.home(vault, ui_language, utc())?))
    }

    fn saved<R: Runtime>(app: &impl Emitter<R>, view: &dto::DraftView) {
        if let Some(saved_at) = &view.saved_at {
            let _ = app.emit(
                SAVED_EVENT,
                dto::SavedEvent {
                    draft_id: view.draft_id.clone(),
                    saved_at: saved_at.clone(),
                },
            );
        }
    }

    pub fn start<R: Runtime>(
        &self,
        app: &impl Emitter<R>,
        request: &dto::StartDraft,
    ) -> Result<dto::DraftView> {
        let seed = uuid::Uuid::new_v4().as_u64_pair().0;
        let view = self.with(|vault, capture| Ok(capture.start(vault, request, seed, now())?))?;
        Self::saved(app, &view);
        Ok(view)
    }

    pub fn resume(&self, id: &str, ui_language: Option<&str>) -> Result<dto::DraftView> {
        self.with(|vault, capture| Ok(capture.resume(vault, id, ui_language, now())?))
    }

    pub fn go<R: Runtime>(
        &self,
        app: &impl Emitter<R>,
        id: &str,
        nav: &dto::Nav,
    ) -> Result<dto::DraftView> {
        let view = self.with(|vault, capture| Ok(capture.go(vault, id, nav, utc())?))?;
        Self::saved(app, &view);
        Ok(view)
    }

    pub fn answer<R: Runtime>(
        &self,
        app: &impl Emitter<R>,
        id: &str,
        path: &str,
        value: &str,
    ) -> Result<dto::DraftView> {
        let view =
            self.with(|vault, capture| Ok(capture.answer(vault, id, path, value, utc())?))?;
        Self::saved(app, &view);
        Ok(view)
    }

    pub fn step<R: Runtime>(
        &self,
        app: &impl Emitter<R>,
        id: &str,
        step: Step,
    ) -> Result<dto::DraftView> {
        let view = self.with(|vault, capture| Ok(capture.step(vault, id, step, utc())?))?;
        Self::saved(app, &view);
        Ok(view)
    }

    pub fn set_language(&self, id: &str, language: &str) -> Result<dto::DraftView> {
        self.with(|vault, capture| Ok(capture.set_language(vault, id, language, utc())?))
    }

    pub fn index(&self, id: &str) -> Result<Vec<dto::PageEntry>> {
        self.with(|_, capture| Ok(capture.draft(id)?.index()))
    }

    pub fn check(&self, id: &str) -> Result<dto::FinalizeCheck> {
        self.with(|_, capture| Ok(capture.check(id)?))
    }

    pub fn finalize(&self, id: &str) -> Result<dto::Finalized> {
        self.with(|vault, capture| Ok(capture.finalize(vault, id, utc())?))
    }

    pub fn close(&self, id: &str) -> Result<()> {
        self.with(|_, capture| {
            capture.close(id);
            Ok(())
        })
    }

    pub fn discard(&self, id: &str) -> Result<()> {
        self.with(|vault, capture| Ok(capture.withdraw(vault, id, utc())?))
    }

    pub fn media(&self, form_id: &str, version: &str, file: &str) -> Result<dto::MediaData> {
        self.with(|_, capture| {
            let form = capture.library.get(form_id, Some(version))?;
            Ok(capture.library.media(&form, file)?)
        })
    }

    pub fn referrals(&self) -> Result<dto::ReferralCards> {
        self.with_reader(|reader| Ok(home::referral_cards(reader, utc())?))
    }

    pub fn set_referrals(&self, cards: &dto::ReferralCards) -> Result<()> {
        self.with(|vault, capture| Ok(capture.set_referrals(vault, cards, utc())?))
    }

    pub fn submissions(&self) -> Result<Vec<dto::SubmissionRow>> {
        self.with(|vault, capture| Ok(capture.submissions(vault, utc())?))
    }

    pub fn submission_open(
        &self,
        id: &str,
        ui_language: Option<&str>,
    ) -> Result<dto::SubmissionView> {
        self.with(|vault, capture| Ok(capture.submission_view(vault, id, ui_language, now())?))
    }

    pub fn receipt_find(&self, code: &str) -> Result<Option<dto::SubmissionRow>> {
        self.with(|vault, capture| Ok(capture.find_receipt(vault, code, utc())?))
    }

    pub fn submission_withdraw(&self, id: &str) -> Result<()> {
        self.with(|vault, capture| Ok(capture.withdraw_response(vault, id, utc())?))
    }

    pub fn share_groups(&self, ui_language: &str) -> Result<Vec<dto::ShareGroup>> {
        self.with(|vault, capture| {
            Ok(capture.share_groups(vault, ui_language, utc(), &mut uuid::Uuid::new_v4)?)
        })
    }

    pub fn results(
        &self,
        form_id: &str,
        site: &str,
        round: Option<&str>,
        ui_language: &str,
    ) -> Result<dto::Results> {
        self.with(|vault, capture| {
            Ok(capture.results(
                vault,
                form_id,
                site,
                round,
                ui_language,
                utc(),
                &mut uuid::Uuid::new_v4,
            )?)
        })
    }

    pub fn share_preview(
        &self,
        form_id: &str,
        site: &str,
        round: Option<&str>,
        ui_language: &str,
    ) -> Result<dto::SharePreview> {
        self.with(|vault, capture| {
            Ok(capture.share_preview(
                vault,
                form_id,
                site,
                round,
                ui_language,
                utc(),
                &mut uuid::Uuid::new_v4,
            )?)
        })
    }

    /// Queues the approved batch, then tries to send at once (off this thread).
    pub fn share_approve(&self, hash: &str) -> Result<dto::SyncItem> {
        self.with(|vault, capture| Ok(capture.share_approve(vault, hash, utc())?))
    }

    pub fn sync_status(&self) -> Result<dto::SyncView> {
        let offline = self.lock().offline;
        self.with(|vault, _| Ok(share::sync_view(vault, offline, utc())?))
    }

    pub fn sync_enroll(&self, request: &dto::EnrollRequest) -> Result<dto::SyncView> {
        let view = self.with(|vault, _| Ok(share::enroll(vault, request, utc())?))?;
        self.lock().offline = false;
        Ok(view)
    }

    /// One sync pass, with the vault held only to plan and to record: the network
    /// exchange runs without it, so the window stays usable on a slow connection.
    /// `respect_backoff: false` also retries failed batches before their time (the
    /// operator's "try now"). Returns the view when anything was due, `None` when
    /// nothing was (or the vault is locked, or the device not enrolled).
    pub fn sync_pass(&self, respect_backoff: bool) -> Result<Option<dto::SyncView>> {
        // One pass at a time: the background loop and "try now" must not both send.
        let _pass = self.sync_pass.lock().unwrap_or_else(|p| p.into_inner());
        let plan = match self.with(|vault, _| {
            Ok(sync::plan(vault, utc(), respect_backoff).map_err(CaptureError::from)?)
        }) {
            Ok(plan) => plan,
            Err(CommandError::Locked | CommandError::NoVault) => return Ok(None),
            Err(CommandError::Capture(CaptureError::Sync {
                code: "sync.not_enrolled",
                ..
            })) => {
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        if plan.outgoing.is_empty() {
            return Ok(None);
        }
        let uploads = sync::send(&plan);
        let report = self.with(|vault, _| {
            Ok(sync::finish(vault, plan.outgoing.len(), uploads, &utc)
                .map_err(CaptureError::from)?)
        });
        // "Offline" is what the core's report says it is, nothing decided here.
        self.lock().offline = matches!(report, Ok(sync::RunReport::Unreachable { .. }));
        report?;
        self.sync_status().map(Some)
    }

    /// "Try now": a pass that ignores the retry times; the view either way.
    pub fn sync_now<R: Runtime>(&self, app: &impl Emitter<R>) -> Result<dto::SyncView> {
        if let Some(view) = self.sync_pass(false)? {
            let _ = app.emit(SYNC_EVENT, &view);
            return Ok(view);
        }
        self.sync_status()
    }

    /// The background loop's tick: sends what is due and tells the window.
    pub fn sync_tick<R: Runtime>(&self, app: &impl Emitter<R>) {
        match self.sync_pass(true) {
            Ok(Some(view)) => {
                let _ = app.emit(SYNC_EVENT, &view);
            }
            Ok(None) => {}
            // The code only: a sync error never carries an answer, but keep logs terse.
            Err(e) => eprintln!("lantern-app: background sync pass failed: {}", e.code()),
        }
    }

    pub fn device_settings(&self) -> Result<dto::DeviceSettings> {
        let config = self.settings.vault;
        self.with(|vault, capture| Ok(capture.device_settings(vault, &config, utc())?))
    }

    pub fn set_idle_lock(&self, minutes: u32) -> Result<dto::DeviceSettings> {
        self.with(|vault, _| {
            let idle = settings::set_idle_lock(vault, minutes, utc())?;
            vault.set_idle_lock(idle);
            Ok(())
        })?;
        self.device_settings()
    }

    pub fn set_retention(&self, form_id: &str, days: Option<u32>) -> Result<dto::DeviceSettings> {
        self.with(|vault, capture| Ok(capture.set_retention(vault, form_id, days, utc())?))?;
        self.device_settings()
    }

    pub fn change_passphrase(&self, old: &str, new: &str) -> Result<()> {
        if !passphrase::strength(new).acceptable {
            return Err(CommandError::WeakPassphrase);
        }
        self.with(|vault, _| {
            Ok(vault.change_passphrase(old.as_bytes(), new.as_bytes(), utc())?)
        })?;
        // A re-key: the read handle is stale.
        self.drop_reader();
        Ok(())
    }

    pub fn import_sites(&self, text: &str) -> Result<dto::SiteImport> {
        self.with(|vault, capture| Ok(capture.import_sites(vault, text, utc())?))
    }

    pub fn audit_log(&self) -> Result<dto::AuditView> {
        self.with(|vault, _| Ok(settings::audit_view(vault, utc())?))
    }

    pub fn export(&self, request: &dto::ExportRequest) -> Result<dto::ExportDone> {
        let ext = match request.format.as_str() {
            "xlsx" => "xlsx",
            _ => "csv",
        };
        let name = format!(
            "lantern-{}-{}{}.{ext}",
            request
                .form_id
                .replace(|c: char| !c.is_ascii_alphanumeric() && c != '_', "-"),
            chrono::Local::now().format("%Y%m%d-%H%M%S"),
            if request.format == "hxl" { "-hxl" } else { "" },
        );
        let file = self.settings.exports_dir.join(name);
        self.with(|vault, _| {
            Ok(settings::export_releasable(
                vault,
                request,
                &file,
                utc(),
                &mut uuid::Uuid::new_v4,
            )?)
        })
    }

    pub fn backup(&self, to: &dto::BackupTo) -> Result<dto::BackupDone> {
        let name = format!(
            "lantern-backup-{}.lbk",
            chrono::Local::now().format("%Y%m%d-%H%M%S")
        );
        let file = self.settings.backups_dir.join(name);
        self.with(|vault, _| Ok(settings::backup(vault, to, &file, utc())?))
    }

    /// Backups in the backups folder, newest first; readable while locked or without a
    /// vault (restore starts from here).
    pub fn backups(&self) -> Vec<dto::BackupFile> {
        let mut out: Vec<dto::BackupFile> = std::fs::read_dir(&self.settings.backups_dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let meta = e.metadata().ok().filter(|m| m.is_file())?;
                let name = e.file_name().to_str()?.to_string();
                name.ends_with(".lbk").then(|| dto::BackupFile {
                    file: e.path().display().to_string(),
                    bytes: u32::try_from(meta.len()).unwrap_or(u32::MAX),
                    modified: meta
                        .modified()
                        .ok()
                        .map(|t| DateTime::<Utc>::from(t).to_rfc3339())
                        .unwrap_or_default(),
                    name,
                })
            })
            .collect();
        out.sort_by(|a, b| b.modified.cmp(&a.modified).then(b.name.cmp(&a.name)));
        out
    }

    /// Restores a backup as this device's vault; only when there is none.
    pub fn restore(&self, request: &dto::RestoreRequest) -> Result<dto::VaultState> {
        if !passphrase::strength(&request.passphrase).acceptable {
            return Err(CommandError::WeakPassphrase);
        }
        let file = if request.file.contains(std::path::MAIN_SEPARATOR) {
            PathBuf::from(&request.file)
        } else {
            self.settings.backups_dir.join(&request.file)
        };
        {
            let mut inner = self.lock();
            if self.exists() {
                return Err(VaultError::AlreadyExists(self.settings.vault_dir.clone()).into());
            }
            let vault = settings::restore(
                &file,
                &request.secret,
                &self.settings.vault_dir,
                &request.passphrase,
                self.settings.vault,
                utc(),
            )?;
            inner.vault = Some(vault);
        }
        Ok(self.vault_state())
    }

    /// Panic wipe: the vault is destroyed at once; the window is told it is locked (and
    /// then finds no vault).
    pub fn wipe<R: Runtime>(&self, app: &impl Emitter<R>) -> Result<dto::VaultState> {
        {
            let mut inner = self.lock();
            inner.capture.forget_all();
            match inner.vault.take() {
                Some(vault) => vault.wipe()?,
                None if self.exists() => Vault::wipe_dir(&self.settings.vault_dir)?,
                None => return Err(CommandError::NoVault),
            }
        }
        self.drop_reader();
        let _ = app.emit(
            LOCKED_EVENT,
            dto::LockedEvent {
                reason: LockReason::User,
            },
        );
        Ok(self.vault_state())
    }

    fn language_file(&self) -> PathBuf {
        self.settings.config_dir.join("ui-language")
    }

    /// The UI language chosen on this device: kept outside the vault (the lock screen
    /// needs it before unlocking); it says nothing about any answer.
    pub fn ui_language(&self) -> Option<String> {
        std::fs::read_to_string(self.language_file())
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| UI_LANGUAGES.contains(&s.as_str()))
    }

    pub fn set_ui_language(&self, language: &str) -> Result<()> {
        if !UI_LANGUAGES.contains(&language) {
            return Err(CommandError::UnknownLanguage(language.to_string()));
        }
        std::fs::create_dir_all(&self.settings.config_dir)
            .and_then(|()| std::fs::write(self.language_file(), language))
            .map_err(|e| CommandError::Config(e.to_string()))
    }
}

/// The languages the UI has message catalogs for.
pub const UI_LANGUAGES: [&str; 4] = ["en", "fr", "es", "ar"];

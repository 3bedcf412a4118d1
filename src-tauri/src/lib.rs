//! Lantern's app shell: opens the window that shows `ui/`, and answers the UI's IPC
//! calls with thin adapters over `lantern-core`.
//!
//! No business rule lives here. The shell decides only where things are (the forms
//! folder, see `state`) and how errors cross to the WebView (`error`).

pub mod commands;
pub mod error;
pub mod session;
pub mod state;

use std::sync::Arc;
use std::time::Duration;

use tauri::{Manager, Runtime};

/// Registers Lantern's commands and app state on a builder. Shared by `run()` and the
/// tests, which use Tauri's mock runtime instead of a real window.
pub fn configure<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .setup(|app| {
            manage_state(app.handle());
            start_idle_timer(app.handle().clone());
            start_sync_loop(app.handle().clone());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::list_forms,
            commands::vault_state,
            commands::passphrase_strength,
            commands::vault_create,
            commands::vault_unlock,
            commands::vault_lock,
            commands::vault_touch,
            commands::vault_set_duress,
            commands::quick_exit,
            commands::home,
            commands::draft_start,
            commands::draft_resume,
            commands::draft_go,
            commands::draft_answer,
            commands::draft_repeat_add,
            commands::draft_repeat_remove,
            commands::draft_repeat_move,
            commands::draft_set_language,
            commands::draft_index,
            commands::draft_check,
            commands::draft_finalize,
            commands::draft_close,
            commands::draft_discard,
            commands::form_media,
            commands::ui_language,
            commands::set_ui_language,
            commands::referrals_get,
            commands::referrals_set,
            commands::share_groups,
            commands::results,
            commands::share_preview,
            commands::share_approve,
            commands::sync_status,
            commands::sync_enroll,
            commands::sync_now,
            commands::submissions_list,
            commands::submission_open,
            commands::receipt_find,
            commands::submission_withdraw,
            commands::settings_get,
            commands::settings_set_idle_lock,
            commands::settings_set_retention,
            commands::vault_change_passphrase,
            commands::sites_import,
            commands::audit_log,
            commands::export_aggregates,
            commands::backup_create,
            commands::backup_list,
            commands::vault_restore,
            commands::vault_wipe,
        ])
}

/// Puts the app's state in place: where the forms are, where the vault is, the vault
/// and open drafts. Runs in `setup`; state managed before it (as tests do) is kept.
pub fn manage_state<R: Runtime>(app: &tauri::AppHandle<R>) {
    let resources = app.path().resource_dir().ok();
    app.manage(state::FormsDir::locate(resources.as_deref()));
    if app.try_state::<Arc<session::AppState>>().is_none() {
        let forms = app.state::<state::FormsDir>().path().to_path_buf();
        let settings = session::Settings::locate(
            app.path().app_data_dir().ok(),
            app.path().app_config_dir().ok(),
            forms,
        );
        app.manage(Arc::new(session::AppState::new(settings)));
    }
}

/// Locks the vault after its idle time (`VaultConfig::idle_lock`), even when the window
/// sends nothing: checked every few seconds on a thread of its own.
fn start_idle_timer<R: Runtime>(app: tauri::AppHandle<R>) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_secs(5));
            let state = app.state::<Arc<session::AppState>>();
            state.lock_if_idle(&app);
        }
    });
}

/// Sends approved batches by itself: every `LANTERN_SYNC_INTERVAL_SECONDS` (default 15)
/// while the vault is unlocked, a pass sends what is due (queued batches, and failed
/// ones whose backoff has passed). Nothing happens while locked or not enrolled.
fn start_sync_loop<R: Runtime>(app: tauri::AppHandle<R>) {
    let every = std::env::var("LANTERN_SYNC_INTERVAL_SECONDS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(15);
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_secs(every));
            let state = app.state::<Arc<session::AppState>>();
            state.sync_tick(&app);
        }
    });
}

/// The app's compiled-in configuration: `tauri.conf.json`, capabilities, icons and the
/// built UI (`ui/dist`). Public so tests check the real ACL, not a copy of it.
pub fn context<R: Runtime>() -> tauri::Context<R> {
    tauri::generate_context!()
}

/// Starts the app and blocks until its last window closes.
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let result = configure(tauri::Builder::default()).run(context());
    if let Err(e) = result {
        // Typically no display, or a WebKit that cannot start: say so and exit non-zero
        // rather than unwinding through the event loop.
        eprintln!("lantern-app could not start: {e}");
        std::process::exit(1);
    }
}

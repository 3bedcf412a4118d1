//! Lantern's app shell: opens the window that shows `ui/`, and answers the UI's IPC
//! calls with thin adapters over `lantern-core`.
//!
//! No business rule lives here. The shell decides only where things are (the forms
//! folder, see `state`) and how errors cross to the WebView (`error`).

pub mod commands;
pub mod error;
pub mod state;

use tauri::{Manager, Runtime};

/// Registers Lantern's commands and app state on a builder. Shared by `run()` and the
/// tests, which use Tauri's mock runtime instead of a real window.
pub fn configure<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .setup(|app| {
            manage_state(app.handle());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::list_forms
        ])
}

/// Puts the app's state in place: where the forms are. Runs in `setup`; state managed
/// before it (as tests do) is kept.
pub fn manage_state<R: Runtime>(app: &tauri::AppHandle<R>) {
    let resources = app.path().resource_dir().ok();
    app.manage(state::FormsDir::locate(resources.as_deref()));
    // Hook for the vault work: the demo vault for `make run` will be opened (or created)
    // here and managed as state once `lantern_core::vault` exists.
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

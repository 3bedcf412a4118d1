//! Lantern's IPC commands: each one converts at the boundary and calls `lantern-core`.
//! Their names are the ones `ui/src/lib/api.ts` invokes and `capabilities/` allows.

use lantern_core::catalog::{self, CatalogEntry};
use serde::Serialize;
use tauri::State;

use crate::error::CommandError;
use crate::state::FormsDir;

/// What the UI shows about the app itself.
#[derive(Debug, Clone, Serialize)]
pub struct AppInfo {
    pub version: &'static str,
}

#[tauri::command]
pub fn app_info() -> AppInfo {
    AppInfo {
        version: lantern_core::VERSION,
    }
}

/// The forms on this device, broken workbooks included with their error. Async so
/// that reading workbooks never blocks the window's event loop.
#[tauri::command]
pub async fn list_forms(forms: State<'_, FormsDir>) -> Result<Vec<CatalogEntry>, CommandError> {
    catalog::scan(forms.path()).map_err(|source| CommandError::FormsFolder {
        path: forms.path().to_path_buf(),
        source,
    })
}

//! What the shell keeps between commands. For now only where the forms are.

use std::path::{Path, PathBuf};

/// The folder whose XLSForms the home screen lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormsDir(pub PathBuf);

/// Environment variable that points the app at another forms folder (tests, demos,
/// a field team's own forms on a USB stick).
pub const FORMS_DIR_VAR: &str = "LANTERN_FORMS_DIR";

impl FormsDir {
    /// Where to look for forms, first match wins:
    /// 1. `LANTERN_FORMS_DIR`, when set and not empty;
    /// 2. in a debug build, the repository's `forms/`, so a form edited there shows up
    ///    on the next refresh without rebuilding;
    /// 3. the `forms/` folder bundled with the installed app (`bundle.resources`).
    pub fn locate(resource_dir: Option<&Path>) -> FormsDir {
        Self::choose(
            std::env::var_os(FORMS_DIR_VAR).map(PathBuf::from),
            resource_dir,
        )
    }

    fn choose(from_env: Option<PathBuf>, resource_dir: Option<&Path>) -> FormsDir {
        if let Some(dir) = from_env.filter(|d| !d.as_os_str().is_empty()) {
            return FormsDir(dir);
        }
        if cfg!(debug_assertions) {
            let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../forms");
            if repo.is_dir() {
                return FormsDir(repo);
            }
        }
        FormsDir(resource_dir.map_or_else(|| PathBuf::from("forms"), |r| r.join("forms")))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_var_wins() {
        let dir = FormsDir::choose(Some("/data/forms".into()), Some(Path::new("/opt/lantern")));
        assert_eq!(dir.path(), Path::new("/data/forms"));
    }

    #[test]
    fn empty_env_var_is_ignored_and_debug_builds_use_the_repository() {
        let dir = FormsDir::choose(Some(PathBuf::new()), Some(Path::new("/opt/lantern")));
        // Tests are debug builds run from the repository.
        assert!(dir.path().ends_with("src-tauri/../forms"), "{dir:?}");
        assert!(dir.path().join("site_visit_check.xlsx").is_file());
    }
}

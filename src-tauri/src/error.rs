//! The errors commands return, and how they cross to the UI: as `{code, message}`
//! (`lantern_core::capture::dto::ApiError`), so the UI can branch on a stable `code` and
//! show the `message` without parsing it. The codes are listed in docs/ipc.md.

use std::path::PathBuf;

use lantern_core::capture::CaptureError;
use lantern_core::vault::VaultError;
use serde::ser::SerializeStruct;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("the forms folder {} could not be read: {source}", path.display())]
    FormsFolder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("there is no vault on this device yet: create one first")]
    NoVault,
    #[error("the vault is locked: unlock it to go on")]
    Locked,
    #[error("too many wrong passphrases: wait {0} seconds before trying again")]
    UnlockWait(u32),
    #[error("this passphrase is too easy to guess: use a longer one, not a well-known word")]
    WeakPassphrase,
    #[error("{0} is not one of the app's languages (en, fr, es, ar)")]
    UnknownLanguage(String),
    #[error("the app's settings could not be saved: {0}")]
    Config(String),
    #[error("the app failed inside: {0}")]
    Internal(String),
    #[error(transparent)]
    Capture(#[from] CaptureError),
}

impl From<VaultError> for CommandError {
    fn from(e: VaultError) -> Self {
        CommandError::Capture(CaptureError::Vault(e))
    }
}

impl CommandError {
    /// A stable code for the UI and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            CommandError::FormsFolder { .. } => "app.forms_folder_unreadable",
            CommandError::NoVault => "app.no_vault",
            CommandError::Locked
            | CommandError::Capture(CaptureError::Vault(VaultError::Locked)) => "app.locked",
            CommandError::UnlockWait(_) => "app.unlock_wait",
            CommandError::WeakPassphrase => "capture.weak_passphrase",
            CommandError::UnknownLanguage(_) => "app.unknown_language",
            CommandError::Config(_) => "app.config",
            CommandError::Internal(_) => "app.internal",
            CommandError::Capture(e) => e.code(),
        }
    }

    fn message(&self) -> String {
        match self {
            CommandError::Capture(CaptureError::Vault(VaultError::Locked)) => {
                CommandError::Locked.to_string()
            }
            e => e.to_string(),
        }
    }
}

impl serde::Serialize for CommandError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("CommandError", 2)?;
        s.serialize_field("code", self.code())?;
        s.serialize_field("message", &self.message())?;
        s.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crosses_as_code_and_message() {
        let e = CommandError::FormsFolder {
            path: PathBuf::from("/nowhere/forms"),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        };
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["code"], "app.forms_folder_unreadable");
        let message = json["message"].as_str().unwrap();
        assert!(
            message.starts_with("the forms folder /nowhere/forms could not be read"),
            "{message}"
        );
    }

    #[test]
    fn a_locked_vault_is_one_code_wherever_it_is_found() {
        let from_core = CommandError::from(VaultError::Locked);
        assert_eq!(from_core.code(), "app.locked");
        assert_eq!(
            serde_json::to_value(&from_core).unwrap()["message"],
            CommandError::Locked.to_string()
        );
        let wrong = CommandError::from(VaultError::WrongPassphrase);
        assert_eq!(
            serde_json::to_value(&wrong).unwrap()["code"],
            "vault.wrong_passphrase"
        );
    }
}

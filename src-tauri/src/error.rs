//! The errors commands return, and how they cross to the UI: as `{code, message}`, so
//! the UI can branch on a stable `code` and show the `message` without parsing it.

use std::path::PathBuf;

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
}

impl CommandError {
    /// A stable code for the UI and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            CommandError::FormsFolder { .. } => "app.forms_folder_unreadable",
        }
    }
}

impl serde::Serialize for CommandError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("CommandError", 2)?;
        s.serialize_field("code", self.code())?;
        s.serialize_field("message", &self.to_string())?;
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
}

//! The forms a device carries: every XLSForm in a folder, each with its summary or,
//! for a broken workbook, the error that says what is wrong with it.
//!
//! This is the one place in form handling that reads files; `xlsform` only sees bytes.

use std::path::Path;

use serde::Serialize;

use crate::xlsform::{
    Diagnostic, FormSummary, Workbook, WorkbookFormat, import_workbook, summarize,
};

/// One workbook found in a folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogEntry {
    /// The file name, without the folder.
    pub file: String,
    /// The summary if the workbook could be read as an XLSForm.
    #[serde(flatten)]
    pub status: EntryStatus,
}

/// A readable form, or why a workbook is not one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum EntryStatus {
    Ok {
        summary: FormSummary,
        /// What the do-no-harm check (`xlsform::policy`) found, located in the
        /// workbook: errors mean the form must not be used until it is fixed.
        policy: Vec<Diagnostic>,
    },
    Broken {
        code: String,
        message: String,
    },
}

/// Lists the XLSForms (`.xlsx`, `.xls`) in `dir`, sorted by file name. Unreadable
/// workbooks are listed with their error; only an unreadable folder is an error.
pub fn scan(dir: &Path) -> std::io::Result<Vec<CatalogEntry>> {
    let mut entries = Vec::new();
    for item in std::fs::read_dir(dir)? {
        let item = item?;
        let file = item.file_name().to_string_lossy().into_owned();
        let Some(format) = WorkbookFormat::from_file_name(&file) else {
            continue;
        };
        // Markdown is a fixture format for tests, not something users carry.
        if format == WorkbookFormat::Markdown || file.starts_with("~$") || file.starts_with('.') {
            continue;
        }
        let status = match std::fs::read(item.path()) {
            Ok(bytes) => read_entry(&bytes, format, stem(&file)),
            Err(e) => EntryStatus::Broken {
                code: "catalog.read".to_string(),
                message: format!("the file could not be read: {e}"),
            },
        };
        entries.push(CatalogEntry { file, status });
    }
    entries.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(entries)
}

fn read_entry(bytes: &[u8], format: WorkbookFormat, stem: &str) -> EntryStatus {
    let book = match Workbook::from_bytes(bytes, format) {
        Ok(book) => book,
        Err(e) => {
            return EntryStatus::Broken {
                code: e.code().to_string(),
                message: e.to_string(),
            };
        }
    };
    match summarize(&book, stem) {
        Ok(summary) => EntryStatus::Ok {
            summary,
            policy: import_workbook(&book, stem)
                .diagnostics
                .into_iter()
                .filter(|d| d.code().starts_with("policy."))
                .collect(),
        },
        Err(e) => EntryStatus::Broken {
            code: e.code().to_string(),
            message: e.to_string(),
        },
    }
}

fn stem(file: &str) -> &str {
    file.rsplit_once('.').map_or(file, |(stem, _)| stem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_good_and_broken_workbooks_sorted() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b_broken.xlsx"), b"this is not a zip").unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"ignored").unwrap();
        std::fs::copy(
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../forms/site_visit_check.xlsx"
            ),
            dir.path().join("a_site.xlsx"),
        )
        .unwrap();
        let entries = scan(dir.path()).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].file, "a_site.xlsx");
        let EntryStatus::Ok { summary, policy } = &entries[0].status else {
            panic!("expected a readable form, got {:?}", entries[0].status);
        };
        assert_eq!(summary.form_id, "site_visit_check");
        assert!(summary.languages.len() >= 2, "{summary:?}");
        assert!(policy.is_empty(), "{policy:?}");
        assert!(matches!(
            &entries[1].status,
            EntryStatus::Broken { code, .. } if code == "workbook.unreadable"
        ));
    }

    const EXPOSING: &str = "
        | survey |
        | | type | name | label | relevant | lantern::share |
        | | select_one sites | site | Site | | |
        | | select_one yn | consent | Do you agree? | | |
        | | text | respondent | What is your name? | ${consent} = 'yes' | never |
        | | geopoint | shelter | Shelter location | ${consent} = 'yes' | |
        | | text | comments | Comments | ${consent} = 'yes' | |
        | choices |
        | | list_name | name | label |
        | | sites | s1 | Site 1 |
        | | yn | yes | Yes |
        | | yn | no | No |
        | purpose |
        | | purpose | data_owner | retention_days | sensitivity | min_responses | consent_field | consent_value | site_field | round_field |
        | | Audit | Camp management | 90 | high | 5 | consent | yes | site | site |
        ";

    #[test]
    fn the_do_no_harm_check_is_listed_with_each_form() {
        // A form meant for shared aggregates that asks a name, a GPS point and
        // unmarked free text. (The scan skips markdown, so the entry is read directly.)
        let book = EXPOSING;
        let entry = read_entry(book.as_bytes(), WorkbookFormat::Markdown, "exposing");
        let EntryStatus::Ok { policy, .. } = entry else {
            panic!("expected a readable form, got {entry:?}");
        };
        let codes: Vec<(&str, String)> = policy
            .iter()
            .map(|d| (d.code(), d.severity().to_string()))
            .collect();
        assert_eq!(
            codes,
            [
                ("policy.name", "error".to_string()),
                ("policy.identifying_type", "error".to_string()),
                ("policy.free_text_shared", "error".to_string()),
            ]
        );
        let json = serde_json::to_value(CatalogEntry {
            file: "exposing.xlsx".into(),
            status: read_entry(book.as_bytes(), WorkbookFormat::Markdown, "exposing"),
        })
        .unwrap();
        assert_eq!(json["status"], "ok");
        assert_eq!(json["policy"][0]["code"], "policy.name");
        assert_eq!(json["policy"][0]["row"], 4);
        assert_eq!(json["policy"][1]["code"], "policy.identifying_type");
        assert_eq!(json["policy"][2]["column"], "lantern::share");
    }

    /// The same check through `scan` on a real workbook next to a built-in form: the
    /// app's form list gets each form's findings.
    #[test]
    fn a_scanned_folder_lists_each_forms_policy_findings() {
        let forms = concat!(env!("CARGO_MANIFEST_DIR"), "/../../forms");
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(
            format!("{forms}/verify/exposing_form.xlsx"),
            dir.path().join("exposing_form.xlsx"),
        )
        .unwrap();
        std::fs::copy(
            format!("{forms}/camp_safety_audit.xlsx"),
            dir.path().join("camp_safety_audit.xlsx"),
        )
        .unwrap();
        let entries = scan(dir.path()).unwrap();
        let policy = |i: usize| match &entries[i].status {
            EntryStatus::Ok { policy, .. } => policy.clone(),
            other => panic!("expected a readable form, got {other:?}"),
        };
        assert_eq!(entries[0].file, "camp_safety_audit.xlsx");
        assert_eq!(policy(0), Vec::new());
        let found: Vec<(&str, Option<usize>, bool)> = policy(1)
            .iter()
            .map(|d| (d.code(), d.row, d.is_error()))
            .collect();
        assert_eq!(
            found,
            [
                ("policy.name", Some(4), true),
                ("policy.identifying_type", Some(5), true),
                ("policy.free_text_shared", Some(6), true),
            ]
        );
    }

    #[test]
    fn missing_folder_is_an_error() {
        assert!(scan(Path::new("/nonexistent/lantern/forms")).is_err());
    }
}

//! Files a form reads besides its workbook, as ODK Collect and KoboToolbox take them
//! as form media: the CSV lists of `select_one_from_file` / `select_multiple_from_file`,
//! `pulldata()` and `instance('name')` (declared with `csv-external`).
//!
//! A CSV file becomes a choice list named by the file (`sites.csv`), whose items are
//! its rows: the `name` column, `label` (and `label::Language (code)` translations)
//! and every other column as an extra column, exactly as a row of the `choices` sheet.
//! The form session then offers those items, checks answers against them, and lets
//! `instance('sites')/root/item[…]` and `pulldata('sites', …)` read them.
//!
//! The caller reads the bytes (the core does no IO): the CLI and the app look for each
//! file of [`FormDef::secondary_instances`] next to the workbook.

use super::import::read_choice;
use super::table::{CHOICES_ALIASES, CHOICES_KNOWN, Table};
use super::workbook::Sheet;
use crate::form::{ChoiceList, DEFAULT_LANGUAGE, FormDef};

/// Why a form attachment cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttachmentError {
    #[error("the form does not use a file named {0}")]
    NotDeclared(String),
    #[error("the form names the file {0:?}; use a plain file name")]
    NotAFileName(String),
    #[error("{0} is not a CSV file; only CSV attachments are read so far")]
    NotCsv(String),
    #[error("{file}, line {line}: {message}")]
    Csv {
        file: String,
        line: usize,
        message: String,
    },
    #[error("{0} has no header row; its first line must name the columns (name, label, …)")]
    NoHeader(String),
    #[error("{0} has no `name` column; add one with the value each choice stores")]
    NoNameColumn(String),
}

/// Reads `bytes` as the CSV file `file_name` the form declares and makes its rows the
/// form's list of that name (replacing an earlier one). Returns the number of items.
pub fn attach_csv(
    form: &mut FormDef,
    file_name: &str,
    bytes: &[u8],
) -> Result<usize, AttachmentError> {
    if !form.secondary_instances.iter().any(|i| i.file == file_name) {
        return Err(AttachmentError::NotDeclared(file_name.to_string()));
    }
    check_media_name(file_name)?;
    let sheet = read_csv(file_name, bytes)?;
    let Some(table) = Table::read(&sheet, CHOICES_ALIASES, CHOICES_KNOWN) else {
        return Err(AttachmentError::NoHeader(file_name.to_string()));
    };
    if table.column(&["name"]).is_none() {
        return Err(AttachmentError::NoNameColumn(file_name.to_string()));
    }
    let language = form
        .default_language
        .clone()
        .unwrap_or_else(|| DEFAULT_LANGUAGE.to_string());
    let choices: Vec<_> = table
        .rows
        .iter()
        .filter_map(|row| read_choice(&table, row, &language))
        .map(|(_, choice)| choice)
        .filter(|choice| !choice.name.is_empty())
        .collect();
    let count = choices.len();
    let list = ChoiceList {
        name: file_name.to_string(),
        choices,
    };
    match form.choice_lists.iter_mut().find(|l| l.name == file_name) {
        Some(existing) => *existing = list,
        None => form.choice_lists.push(list),
    }
    Ok(count)
}

/// Checks a file name the form declares, before anything is read for it: it must be a
/// plain name (a workbook names a file, never a path, so nothing outside the form's
/// own folders is read), and of a kind Lantern reads ([`AttachmentError::NotCsv`]
/// otherwise, which a caller may take as a warning and go on without the file).
pub fn check_media_name(file_name: &str) -> Result<(), AttachmentError> {
    if file_name.contains(['/', '\\']) || file_name.starts_with('.') {
        return Err(AttachmentError::NotAFileName(file_name.to_string()));
    }
    if !file_name.to_ascii_lowercase().ends_with(".csv") {
        return Err(AttachmentError::NotCsv(file_name.to_string()));
    }
    Ok(())
}

fn read_csv(file_name: &str, bytes: &[u8]) -> Result<Sheet, AttachmentError> {
    // Spreadsheet programs often save CSV with a byte-order mark.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|e| AttachmentError::Csv {
            file: file_name.to_string(),
            line: index + 1,
            message: e.to_string(),
        })?;
        rows.push(record.iter().map(|c| c.trim().to_string()).collect());
    }
    Ok(Sheet {
        name: file_name.to_string(),
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xlsform::{WorkbookFormat, import_bytes};

    const FORM: &str = "\
| survey |
| | type | name | label | calculation |
| | select_one_from_file sites.csv | site | Site | |
| | calculate | district | | pulldata('sites', 'district', 'name', ${site}) |
";

    fn form() -> FormDef {
        let import = import_bytes(FORM.as_bytes(), WorkbookFormat::Markdown, "t");
        let messages: Vec<String> = import.diagnostics.iter().map(|d| d.to_string()).collect();
        assert!(!import.has_errors(), "{messages:?}");
        import.form.expect("a form")
    }

    #[test]
    fn rows_become_the_list_named_by_the_file() {
        let mut form = form();
        let csv = "\u{feff}name,label::English (en),label::Français (fr),district\n\
                   SS0101,Camp A,Camp A (fr),Juba\n,skipped,,\nSS0102,Camp B,,Wau\n";
        assert_eq!(attach_csv(&mut form, "sites.csv", csv.as_bytes()), Ok(2));
        let list = form.choice_list("sites.csv").unwrap();
        assert_eq!(list.choices[0].name, "SS0101");
        assert_eq!(
            list.choices[0].label.get("Français (fr)"),
            Some("Camp A (fr)")
        );
        assert_eq!(
            list.choices[1].extra,
            vec![("district".to_string(), "Wau".to_string())]
        );
        // Attaching again replaces the list.
        assert_eq!(attach_csv(&mut form, "sites.csv", b"name\nX\n"), Ok(1));
        assert_eq!(form.choice_list("sites.csv").unwrap().choices.len(), 1);
    }

    #[test]
    fn bad_attachments_are_clear_errors() {
        let mut form = form();
        assert_eq!(
            attach_csv(&mut form, "other.csv", b"name\n"),
            Err(AttachmentError::NotDeclared("other.csv".into()))
        );
        assert_eq!(
            attach_csv(&mut form, "sites.csv", b"label,district\nA,B\n"),
            Err(AttachmentError::NoNameColumn("sites.csv".into()))
        );
        assert_eq!(
            attach_csv(&mut form, "sites.csv", b""),
            Err(AttachmentError::NoHeader("sites.csv".into()))
        );
        let err = attach_csv(&mut form, "sites.csv", b"name,label\n\xFF,A\n").unwrap_err();
        assert!(
            matches!(err, AttachmentError::Csv { line: 2, .. }),
            "{err:?}"
        );
        assert!(form.choice_list("sites.csv").is_none());
    }

    #[test]
    fn a_declared_file_must_be_a_plain_csv_name() {
        assert_eq!(check_media_name("sites.csv"), Ok(()));
        assert_eq!(check_media_name("Sites.CSV"), Ok(()));
        for path in [
            "../sites.csv",
            "/etc/sites.csv",
            "media\\sites.csv",
            ".hidden.csv",
            "..",
        ] {
            assert_eq!(
                check_media_name(path),
                Err(AttachmentError::NotAFileName(path.into())),
                "{path}"
            );
        }
        assert_eq!(
            check_media_name("sites.xml"),
            Err(AttachmentError::NotCsv("sites.xml".into()))
        );
    }
}

//! What a form list needs to know about a workbook without importing it fully: its id,
//! version, title and languages, read from the `settings` and `survey` sheets.

use serde::Serialize;

use super::workbook::{Sheet, Workbook};

/// The identifying facts of one XLSForm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormSummary {
    /// `settings.form_id`, or the file's stem when the form sets none (as pyxform does).
    pub form_id: String,
    /// `settings.version`, empty when not set.
    pub version: String,
    /// `settings.form_title`, or the form id when not set.
    pub title: String,
    /// `settings.default_language`, if set.
    pub default_language: Option<String>,
    /// Languages of translated columns (`label::English (en)` gives `English (en)`), in
    /// the order they first appear on `survey` then `choices`.
    pub languages: Vec<String>,
}

/// Why a workbook is not an XLSForm that can be listed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SummaryError {
    #[error("the workbook has no `survey` sheet; an XLSForm needs one listing its questions")]
    NoSurveySheet,
    #[error("the `survey` sheet is empty; add a header row (type, name, label) and questions")]
    EmptySurvey,
}

impl SummaryError {
    /// A stable code for the UI and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            SummaryError::NoSurveySheet => "xlsform.no_survey",
            SummaryError::EmptySurvey => "xlsform.empty_survey",
        }
    }
}

/// Columns whose `::language` suffix names a translation.
const TRANSLATABLE: &[&str] = &[
    "label",
    "hint",
    "guidance_hint",
    "constraint_message",
    "required_message",
    "media::image",
    "media::audio",
    "media::video",
    "image",
    "audio",
    "video",
];

/// Reads the summary of a workbook; `file_stem` is the fallback form id.
pub fn summarize(book: &Workbook, file_stem: &str) -> Result<FormSummary, SummaryError> {
    let survey = book.sheet("survey").ok_or(SummaryError::NoSurveySheet)?;
    let header = first_nonempty_row(survey).ok_or(SummaryError::EmptySurvey)?;

    let settings = book.sheet("settings").map(settings_map).unwrap_or_default();
    let setting = |key: &str| {
        settings
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let form_id = setting("form_id")
        .or_else(|| setting("id_string"))
        .unwrap_or_else(|| file_stem.to_string());
    let title = setting("form_title")
        .or_else(|| setting("title"))
        .unwrap_or_else(|| form_id.clone());

    let mut languages = Vec::new();
    let choices_header = book.sheet("choices").and_then(first_nonempty_row);
    for column in header.iter().chain(choices_header.into_iter().flatten()) {
        if let Some(language) = translation_language(column)
            && !languages.contains(&language)
        {
            languages.push(language);
        }
    }

    Ok(FormSummary {
        form_id,
        version: setting("version").unwrap_or_default(),
        title,
        default_language: setting("default_language"),
        languages,
    })
}

fn first_nonempty_row(sheet: &Sheet) -> Option<&Vec<String>> {
    sheet
        .rows
        .iter()
        .find(|row| row.iter().any(|c| !c.is_empty()))
}

/// The `settings` sheet as (lower-cased header, value) pairs from its first data row.
fn settings_map(sheet: &Sheet) -> Vec<(String, String)> {
    let mut rows = sheet
        .rows
        .iter()
        .filter(|r| r.iter().any(|c| !c.is_empty()));
    let (Some(header), Some(values)) = (rows.next(), rows.next()) else {
        return Vec::new();
    };
    header
        .iter()
        .enumerate()
        .map(|(i, key)| {
            let value = values.get(i).cloned().unwrap_or_default();
            (key.trim().to_ascii_lowercase(), value)
        })
        .collect()
}

/// `label::Français (fr)` gives `Français (fr)`; untranslated columns give nothing.
fn translation_language(column: &str) -> Option<String> {
    let (base, language) = column.rsplit_once("::")?;
    let base = base.trim().to_ascii_lowercase();
    let language = language.trim();
    (TRANSLATABLE.contains(&base.as_str()) && !language.is_empty()).then(|| language.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xlsform::WorkbookFormat;

    fn summary_of(md: &str) -> Result<FormSummary, SummaryError> {
        let book = Workbook::from_bytes(md.as_bytes(), WorkbookFormat::Markdown).unwrap();
        summarize(&book, "file_stem")
    }

    #[test]
    fn reads_settings_and_languages() {
        let summary = summary_of(
            "
            | survey |      |      |                     |                       |
            |        | type | name | label::English (en) | Label::Français (fr)  |
            |        | note | n1   | Hello               | Bonjour               |
            | choices |     |      |                     |                       |
            |        | list_name | name | label::English (en) | label::العربية (ar) |
            | settings |    |      |                     |                       |
            |        | form_title | form_id | version | default_language |
            |        | Demo audit | demo    | 2026112301 | English (en) |
            ",
        )
        .unwrap();
        assert_eq!(summary.form_id, "demo");
        assert_eq!(summary.title, "Demo audit");
        assert_eq!(summary.version, "2026112301");
        assert_eq!(summary.default_language.as_deref(), Some("English (en)"));
        assert_eq!(
            summary.languages,
            vec!["English (en)", "Français (fr)", "العربية (ar)"]
        );
    }

    #[test]
    fn falls_back_to_file_stem_without_settings() {
        let summary = summary_of(
            "
            | survey |      |      |       |
            |        | type | name | label |
            |        | text | q1   | Q1    |
            ",
        )
        .unwrap();
        assert_eq!(summary.form_id, "file_stem");
        assert_eq!(summary.title, "file_stem");
        assert!(summary.languages.is_empty());
    }

    #[test]
    fn missing_survey_is_an_error() {
        let err = summary_of("| choices |  |\n|  | list_name |\n").unwrap_err();
        assert_eq!(err, SummaryError::NoSurveySheet);
        assert_eq!(err.code(), "xlsform.no_survey");
    }
}

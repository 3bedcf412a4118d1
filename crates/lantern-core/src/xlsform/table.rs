//! A sheet as a table: its header row read the way pyxform reads it (case-insensitive
//! known columns, aliases such as `list name` or `caption`, `::`-separated groups such
//! as `label::Français (fr)` or `bind::saveIncomplete`, and the older single-`:` form
//! when no header uses `::`), then its data rows with their spreadsheet row numbers.

use super::workbook::Sheet;

/// One column: the header as written and its tokens after de-aliasing, e.g.
/// `Constraint Message::fr` gives `["bind", "jr:constraintMsg", "fr"]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub index: usize,
    pub header: String,
    pub tokens: Vec<String>,
}

/// A data row: its 1-based spreadsheet row number and its cells.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    pub number: usize,
    pub cells: &'a [String],
}

impl<'a> Row<'a> {
    /// The trimmed cell under `column`; empty when the row is shorter.
    pub fn cell(&self, column: &Column) -> &'a str {
        self.cells.get(column.index).map(|c| c.trim()).unwrap_or("")
    }

    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.trim().is_empty())
    }
}

/// A sheet's header and data rows.
#[derive(Debug, Clone)]
pub struct Table<'a> {
    pub sheet: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Row<'a>>,
    /// The header's row number (1-based), for diagnostics about missing columns.
    pub header_row: usize,
}

impl<'a> Table<'a> {
    /// Reads a sheet whose first non-blank row is its header; `None` if it has none.
    pub fn read(
        sheet: &'a Sheet,
        aliases: &[(&str, &[&str])],
        known: &[&str],
    ) -> Option<Table<'a>> {
        let (header_index, header) = sheet
            .rows
            .iter()
            .enumerate()
            .find(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))?;
        let use_double_colon = header.iter().any(|h| h.contains("::"));
        let columns = header
            .iter()
            .enumerate()
            .filter(|(_, h)| !h.trim().is_empty())
            .map(|(index, h)| Column {
                index,
                header: h.trim().to_string(),
                tokens: header_tokens(h.trim(), use_double_colon, aliases, known),
            })
            .collect();
        let rows = sheet
            .rows
            .iter()
            .enumerate()
            .skip(header_index + 1)
            .map(|(i, cells)| Row {
                number: i + 1,
                cells,
            })
            .filter(|r| !r.is_blank())
            .collect();
        Some(Table {
            sheet: sheet.name.trim().to_string(),
            columns,
            rows,
            header_row: header_index + 1,
        })
    }

    /// The first column whose tokens are exactly `tokens`.
    pub fn column(&self, tokens: &[&str]) -> Option<&Column> {
        self.columns.iter().find(|c| {
            c.tokens
                .iter()
                .map(String::as_str)
                .eq(tokens.iter().copied())
        })
    }
}

/// `Select One` → `select_one`: pyxform's normalisation of column names.
pub fn snake_case(value: &str) -> String {
    value
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("_")
        .to_lowercase()
}

/// Splits and de-aliases one header as pyxform's `process_header` does.
fn header_tokens(
    header: &str,
    use_double_colon: bool,
    aliases: &[(&str, &[&str])],
    known: &[&str],
) -> Vec<String> {
    let alias = |key: &str| aliases.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    if known.contains(&header) && alias(header).is_none() {
        return vec![header.to_string()];
    }
    let normalised = snake_case(header);
    if known.contains(&normalised.as_str()) && alias(&normalised).is_none() {
        return vec![normalised];
    }
    let mut tokens: Vec<String> = if use_double_colon || header.contains("::") {
        header.split("::").map(|t| t.trim().to_string()).collect()
    } else {
        let parts: Vec<String> = header.split(':').map(|t| t.trim().to_string()).collect();
        // `bind:jr:constraintMsg`: the `jr` prefix belongs to the next token.
        match parts.iter().position(|t| t == "jr") {
            Some(i) if i + 1 < parts.len() => {
                let mut joined = parts[..i].to_vec();
                joined.push(format!("jr:{}", parts[i + 1]));
                joined.extend(parts[i + 2..].iter().cloned());
                joined
            }
            _ => parts,
        }
    };
    let first = snake_case(&tokens[0]);
    if let Some(replacement) = alias(&first) {
        let mut out: Vec<String> = replacement.iter().map(|s| s.to_string()).collect();
        out.extend(tokens.drain(1..));
        out
    } else if known.contains(&first.as_str()) {
        tokens[0] = first;
        tokens
    } else if tokens.len() == 1 {
        vec![header.to_string()]
    } else {
        tokens
    }
}

/// Known columns and aliases of the `survey` sheet (pyxform's `aliases.survey_header`).
pub const SURVEY_KNOWN: &[&str] = &[
    "type",
    "name",
    "label",
    "hint",
    "guidance_hint",
    "choice_filter",
    "parameters",
    "default",
    "trigger",
    "bind",
    "control",
    "media",
    "instance",
    "disabled",
];

pub const SURVEY_ALIASES: &[(&str, &[&str])] = &[
    ("read_only", &["bind", "readonly"]),
    ("readonly", &["bind", "readonly"]),
    ("relevant", &["bind", "relevant"]),
    ("relevance", &["bind", "relevant"]),
    ("caption", &["label"]),
    ("appearance", &["control", "appearance"]),
    ("required", &["bind", "required"]),
    ("constraint", &["bind", "constraint"]),
    ("constraining_message", &["bind", "jr:constraintMsg"]),
    ("constraint_message", &["bind", "jr:constraintMsg"]),
    ("calculation", &["bind", "calculate"]),
    ("calculate", &["bind", "calculate"]),
    ("command", &["type"]),
    ("tag", &["name"]),
    ("value", &["name"]),
    ("image", &["media", "image"]),
    ("big-image", &["media", "big-image"]),
    ("audio", &["media", "audio"]),
    ("video", &["media", "video"]),
    ("count", &["control", "jr:count"]),
    ("repeat_count", &["control", "jr:count"]),
    ("jr:count", &["control", "jr:count"]),
    ("autoplay", &["control", "autoplay"]),
    ("rows", &["control", "rows"]),
    ("noapperrorstring", &["bind", "jr:noAppErrorString"]),
    ("no_app_error_string", &["bind", "jr:noAppErrorString"]),
    ("requiredmsg", &["bind", "jr:requiredMsg"]),
    ("required_message", &["bind", "jr:requiredMsg"]),
    ("body", &["control"]),
];

/// Known columns and aliases of the `choices` sheet (pyxform's `aliases.list_header`).
pub const CHOICES_KNOWN: &[&str] = &["list_name", "name", "label", "media"];

pub const CHOICES_ALIASES: &[(&str, &[&str])] = &[
    ("caption", &["label"]),
    ("list name", &["list_name"]),
    ("value", &["name"]),
    ("image", &["media", "image"]),
    ("big-image", &["media", "big-image"]),
    ("audio", &["media", "audio"]),
    ("video", &["media", "video"]),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(header: &str, double: bool) -> Vec<String> {
        header_tokens(header, double, SURVEY_ALIASES, SURVEY_KNOWN)
    }

    #[test]
    fn headers_are_read_as_pyxform_reads_them() {
        assert_eq!(tokens("TYPE", true), ["type"]);
        assert_eq!(
            tokens("label::Français (fr)", true),
            ["label", "Français (fr)"]
        );
        assert_eq!(tokens("LABEL::EN", true), ["label", "EN"]);
        assert_eq!(
            tokens("Constraint Message", true),
            ["bind", "jr:constraintMsg"]
        );
        assert_eq!(
            tokens("bind:jr:constraintMsg", false),
            ["bind", "jr:constraintMsg"]
        );
        assert_eq!(tokens("label:English", false), ["label", "English"]);
        assert_eq!(
            tokens("image::english", true),
            ["media", "image", "english"]
        );
        assert_eq!(tokens("requiredMsg", true), ["bind", "jr:requiredMsg"]);
        assert_eq!(tokens("buttonText", true), ["buttonText"]);
        assert_eq!(
            header_tokens("list name", false, CHOICES_ALIASES, CHOICES_KNOWN),
            ["list_name"]
        );
    }
}

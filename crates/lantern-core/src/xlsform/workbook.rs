//! The low stage of import: a workbook's bytes become sheets of trimmed text cells.
//!
//! Four encodings are read: `.xlsx` and `.xls` through calamine, pyxform's
//! markdown-table form (used for readable test fixtures) and pyxform's CSV form (the
//! sheet name in the first column of a row, the sheet's rows below it with an empty
//! first cell). Cell values are rendered the
//! way pyxform sees them: whole numbers without a trailing `.0`, booleans as
//! `TRUE`/`FALSE`, dates as ISO 8601.

use std::io::Cursor;

use calamine::{Data, Reader, Sheets, Xlsx, XlsxError, open_workbook_auto_from_rs};

/// How the bytes of a workbook are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkbookFormat {
    Xlsx,
    Xls,
    Markdown,
    Csv,
}

impl WorkbookFormat {
    /// Tells a stored workbook's format from its first bytes: a zip archive is `.xlsx`,
    /// an OLE compound file is `.xls`, anything else is read as pyxform markdown.
    pub fn sniff(bytes: &[u8]) -> WorkbookFormat {
        if bytes.starts_with(b"PK") {
            WorkbookFormat::Xlsx
        } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            WorkbookFormat::Xls
        } else {
            WorkbookFormat::Markdown
        }
    }

    /// Guesses the format from a file name's extension (case-insensitive).
    pub fn from_file_name(name: &str) -> Option<WorkbookFormat> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".xlsx") {
            Some(WorkbookFormat::Xlsx)
        } else if lower.ends_with(".xls") {
            Some(WorkbookFormat::Xls)
        } else if lower.ends_with(".md") {
            Some(WorkbookFormat::Markdown)
        } else {
            None
        }
    }

    /// Like [`WorkbookFormat::from_file_name`], and also takes `.csv` as pyxform's CSV
    /// form. Only for a file named as a form: a folder of forms also holds the CSV
    /// files of `select_one_from_file`, which are not forms.
    pub fn from_form_file_name(name: &str) -> Option<WorkbookFormat> {
        if name.to_ascii_lowercase().ends_with(".csv") {
            Some(WorkbookFormat::Csv)
        } else {
            WorkbookFormat::from_file_name(name)
        }
    }
}

/// Why a workbook could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkbookError {
    #[error("the file is not a readable spreadsheet ({0}); save it again as .xlsx")]
    Unreadable(String),
    #[error("sheet `{0}` could not be read ({1})")]
    Sheet(String, String),
    #[error("the markdown form has a table row before any sheet name (line {0})")]
    MarkdownNoSheet(usize),
    #[error("the CSV form could not be read at line {0}: {1}")]
    Csv(usize, String),
}

impl WorkbookError {
    /// A stable code for the UI and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            WorkbookError::Unreadable(_) => "workbook.unreadable",
            WorkbookError::Sheet(..) => "workbook.sheet",
            WorkbookError::MarkdownNoSheet(_) => "workbook.markdown",
            WorkbookError::Csv(..) => "workbook.csv",
        }
    }
}

/// One sheet: its name as written and its rows of cells (trailing empty cells kept as
/// empty strings so that column indexes line up with the header row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub name: String,
    pub rows: Vec<Vec<String>>,
}

/// All sheets of a workbook, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Workbook {
    pub sheets: Vec<Sheet>,
}

impl Workbook {
    /// Reads a workbook from bytes in the given format.
    pub fn from_bytes(bytes: &[u8], format: WorkbookFormat) -> Result<Workbook, WorkbookError> {
        match format {
            WorkbookFormat::Xlsx | WorkbookFormat::Xls => read_spreadsheet(bytes),
            WorkbookFormat::Markdown => {
                let text = String::from_utf8_lossy(bytes);
                parse_markdown(&text)
            }
            WorkbookFormat::Csv => parse_csv(bytes),
        }
    }

    /// The sheet with this name, compared case-insensitively as pyxform does.
    pub fn sheet(&self, name: &str) -> Option<&Sheet> {
        self.sheets
            .iter()
            .find(|s| s.name.trim().eq_ignore_ascii_case(name))
    }
}

/// Reads an .xlsx or .xls workbook. calamine panics on some damaged .xls files
/// (out-of-range sector indexes in the compound file); a damaged file is bad input,
/// not a bug of ours, so such a panic becomes `Unreadable` instead of taking the app
/// down. (This needs `panic = "unwind"`, Rust's default.)
fn read_spreadsheet(bytes: &[u8]) -> Result<Workbook, WorkbookError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_spreadsheet_unguarded(bytes)
    }))
    .unwrap_or_else(|_| Err(WorkbookError::Unreadable("the file is damaged".to_string())))
}

fn read_spreadsheet_unguarded(bytes: &[u8]) -> Result<Workbook, WorkbookError> {
    // A hostile .xls or .xlsx can make calamine allocate without bound, which aborts
    // rather than panics (or takes minutes); refuse such files first.
    super::xls_guard::check(bytes)
        .map_err(|refusal| WorkbookError::Unreadable(refusal.to_string()))?;
    super::xlsx_guard::check(bytes).map_err(WorkbookError::Unreadable)?;
    let cursor = Cursor::new(bytes.to_vec());
    let book =
        open_workbook_auto_from_rs(cursor).map_err(|e| WorkbookError::Unreadable(e.to_string()))?;
    let sheets = match book {
        Sheets::Xlsx(xlsx) => read_xlsx_cells(xlsx)?,
        mut other => {
            let mut sheets = Vec::new();
            for name in other.sheet_names() {
                let range = other
                    .worksheet_range(&name)
                    .map_err(|e| WorkbookError::Sheet(name.clone(), e.to_string()))?;
                // `used_cells` counts from the range's first used cell.
                let (first_row, first_col) = range.start().unwrap_or((0, 0));
                let mut rows = Rows::default();
                for (row, col, cell) in range.used_cells() {
                    rows.set(
                        first_row as usize + row,
                        first_col as usize + col,
                        cell_text(cell),
                    );
                }
                sheets.push(Sheet {
                    name,
                    rows: rows.finish(),
                });
            }
            sheets
        }
    };
    Ok(Workbook { sheets })
}

/// Reads each .xlsx sheet cell by cell. calamine's `worksheet_range` would build a
/// dense rows × columns grid, so one stray value far down or to the right (row
/// 1,048,576 is allowed) could take gigabytes; here only the used cells cost memory.
fn read_xlsx_cells<RS: std::io::Read + std::io::Seek>(
    mut xlsx: Xlsx<RS>,
) -> Result<Vec<Sheet>, WorkbookError> {
    let mut sheets = Vec::new();
    for name in xlsx.sheet_names() {
        let sheet_error = |e: XlsxError| WorkbookError::Sheet(name.clone(), e.to_string());
        let mut rows = Rows::default();
        match xlsx.worksheet_cells_reader(&name) {
            Ok(mut reader) => {
                while let Some(cell) = reader.next_cell().map_err(sheet_error)? {
                    let (row, col) = cell.get_position();
                    let value: Data = cell.get_value().clone().into();
                    rows.set(row as usize, col as usize, cell_text(&value));
                }
            }
            // A chart sheet has no cells.
            Err(XlsxError::NotAWorksheet(_)) => {}
            Err(e) => return Err(sheet_error(e)),
        }
        sheets.push(Sheet {
            name,
            rows: rows.finish(),
        });
    }
    Ok(sheets)
}

/// Sparse cells gathered into rows whose indexes are the spreadsheet's own (row 1 is
/// index 0, column A is index 0), which diagnostics report.
#[derive(Default)]
struct Rows(Vec<Vec<String>>);

impl Rows {
    fn set(&mut self, row: usize, col: usize, text: String) {
        if text.is_empty() {
            return;
        }
        if self.0.len() <= row {
            self.0.resize_with(row + 1, Vec::new);
        }
        let cells = &mut self.0[row];
        if cells.len() <= col {
            cells.resize_with(col + 1, String::new);
        }
        cells[col] = text;
    }

    fn finish(self) -> Vec<Vec<String>> {
        self.0
    }
}

/// Renders a cell as pyxform would read it.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => format_float(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(d) if d.time() == chrono::NaiveTime::MIN => d.date().to_string(),
            Some(d) => d.format("%Y-%m-%dT%H:%M:%S").to_string(),
            None => format_float(dt.as_f64()),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn format_float(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// Parses pyxform's markdown form: a line `| survey |` names a sheet; the following
/// table lines, whose first cell is empty, are that sheet's rows.
fn parse_markdown(text: &str) -> Result<Workbook, WorkbookError> {
    let mut sheets: Vec<Sheet> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if !line.starts_with('|') {
            continue;
        }
        let inner = line.trim_start_matches('|');
        let inner = inner.strip_suffix('|').unwrap_or(inner);
        let cells: Vec<String> = split_markdown_cells(inner);
        if cells
            .iter()
            .all(|c| c.chars().all(|ch| ch == '-' || ch == ':'))
        {
            continue; // A separator line such as `|---|---|`.
        }
        let first = cells.first().map(String::as_str).unwrap_or("");
        if !first.is_empty() {
            sheets.push(Sheet {
                name: first.to_string(),
                rows: Vec::new(),
            });
            continue;
        }
        let Some(sheet) = sheets.last_mut() else {
            return Err(WorkbookError::MarkdownNoSheet(index + 1));
        };
        let mut row: Vec<String> = cells.into_iter().skip(1).collect();
        while row.last().is_some_and(|c| c.is_empty()) {
            row.pop();
        }
        sheet.rows.push(row);
    }
    Ok(Workbook { sheets })
}

/// Parses pyxform's CSV form: a row whose first cell is set names a sheet; the rows
/// after it, whose first cell is empty, are that sheet's rows.
fn parse_csv(bytes: &[u8]) -> Result<Workbook, WorkbookError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut sheets: Vec<Sheet> = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|e| WorkbookError::Csv(index + 1, e.to_string()))?;
        let first = record.get(0).unwrap_or("").trim();
        if !first.is_empty() {
            sheets.push(Sheet {
                name: first.to_string(),
                rows: Vec::new(),
            });
            continue;
        }
        let mut row: Vec<String> = record
            .iter()
            .skip(1)
            .map(|c| c.trim().to_string())
            .collect();
        while row.last().is_some_and(|c| c.is_empty()) {
            row.pop();
        }
        match sheets.last_mut() {
            Some(sheet) => sheet.rows.push(row),
            // Blank lines before the first sheet name are harmless; data is not.
            None if row.is_empty() => {}
            None => return Err(WorkbookError::MarkdownNoSheet(index + 1)),
        }
    }
    Ok(Workbook { sheets })
}

/// Splits a markdown table row on `|`, honouring `\|` as a literal bar.
fn split_markdown_cells(inner: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut current = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '\\' if chars.peek() == Some(&'|') => {
                current.push('|');
                chars.next();
            }
            '|' => cells.push(std::mem::take(&mut current).trim().to_string()),
            _ => current.push(ch),
        }
    }
    cells.push(current.trim().to_string());
    cells
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_sheets_and_rows() {
        let md = "
            | survey |         |       |          |
            |        | type    | name  | label    |
            |        | text    | q1    | Name \\| alias |
            | settings |       |       |          |
            |        | form_id |       |          |
            |        | demo    |       |          |
        ";
        let book = Workbook::from_bytes(md.as_bytes(), WorkbookFormat::Markdown).unwrap();
        assert_eq!(book.sheets.len(), 2);
        let survey = book.sheet("SURVEY").unwrap();
        assert_eq!(survey.rows[0], vec!["type", "name", "label"]);
        assert_eq!(survey.rows[1], vec!["text", "q1", "Name | alias"]);
        assert_eq!(book.sheet("settings").unwrap().rows[1], vec!["demo"]);
    }

    #[test]
    fn markdown_row_before_sheet_is_an_error() {
        let err = Workbook::from_bytes(b"|  | type |\n", WorkbookFormat::Markdown).unwrap_err();
        assert_eq!(err, WorkbookError::MarkdownNoSheet(1));
    }

    #[test]
    fn garbage_bytes_are_unreadable_not_a_panic() {
        let err = Workbook::from_bytes(b"not a spreadsheet", WorkbookFormat::Xlsx).unwrap_err();
        assert_eq!(err.code(), "workbook.unreadable");
        let err =
            Workbook::from_bytes(&[0xD0, 0xCF, 0x11, 0xE0, 1, 2], WorkbookFormat::Xls).unwrap_err();
        assert_eq!(err.code(), "workbook.unreadable");
    }

    #[test]
    fn csv_sheets_and_rows() {
        let csv = "\"survey\",,,\n,type,name,label\n,text,q1,\"Name, alias\"\nchoices,,,\n,list_name,name,label\n";
        let book = Workbook::from_bytes(csv.as_bytes(), WorkbookFormat::Csv).unwrap();
        assert_eq!(book.sheets.len(), 2);
        assert_eq!(
            book.sheet("survey").unwrap().rows[1],
            vec!["text", "q1", "Name, alias"]
        );
        assert_eq!(
            book.sheet("choices").unwrap().rows[0],
            vec!["list_name", "name", "label"]
        );
    }

    /// A damaged .xls (from the pyxform fixtures, with bytes overwritten) on which
    /// calamine 0.38 panics in its compound-file reader.
    #[test]
    fn damaged_xls_is_unreadable_not_a_panic() {
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/test_data/damaged.xls"
        ))
        .unwrap();
        let err = Workbook::from_bytes(&bytes, WorkbookFormat::Xls).unwrap_err();
        assert_eq!(err.code(), "workbook.unreadable");
    }

    /// One value in the last cell an .xlsx allows (XFD1048576): a dense grid would be
    /// 17 billion cells and abort the process on allocation; cell by cell it is one.
    #[test]
    fn a_stray_far_cell_costs_one_cell() {
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/test_data/stray_cell.xlsx"
        ))
        .unwrap();
        let book = Workbook::from_bytes(&bytes, WorkbookFormat::Xlsx).unwrap();
        let survey = book.sheet("survey").unwrap();
        assert_eq!(survey.rows[0], vec!["type", "name", "label"]);
        assert_eq!(survey.rows[1], vec!["text", "q1", "Q1"]);
        assert_eq!(survey.rows.len(), 1_048_576);
        assert!(survey.rows[2..1_048_575].iter().all(Vec::is_empty));
        assert_eq!(survey.rows[1_048_575].len(), 16_384);
        assert_eq!(survey.rows[1_048_575][16_383], "stray");
    }

    #[test]
    fn floats_render_like_pyxform() {
        assert_eq!(format_float(2024.0), "2024");
        assert_eq!(format_float(1.5), "1.5");
    }

    #[test]
    fn format_from_file_name() {
        assert_eq!(
            WorkbookFormat::from_file_name("A.XLSX"),
            Some(WorkbookFormat::Xlsx)
        );
        assert_eq!(
            WorkbookFormat::from_file_name("a.xls"),
            Some(WorkbookFormat::Xls)
        );
        assert_eq!(
            WorkbookFormat::from_file_name("a.md"),
            Some(WorkbookFormat::Markdown)
        );
        assert_eq!(WorkbookFormat::from_file_name("a.csv"), None);
        assert_eq!(
            WorkbookFormat::from_form_file_name("a.CSV"),
            Some(WorkbookFormat::Csv)
        );
        assert_eq!(WorkbookFormat::from_form_file_name("a.ods"), None);
    }
}

//! The benchmark form: 2,000 questions in 200 containers (150 groups and 50 repeats,
//! 10 questions each) with dense skip logic: every container's relevance reads the
//! previous container, and inside each container every question after the first is
//! relevant on the one before it, with constraints and a calculation chain. Written as
//! a real `.xlsx` so that the import benchmark includes reading the workbook.

use rust_xlsxwriter::{Workbook, XlsxError};

pub const CONTAINERS: usize = 200;
pub const QUESTIONS_PER_CONTAINER: usize = 10;

/// Whether container `c` is a repeat (every fourth: 50 of 200).
pub fn is_repeat(c: usize) -> bool {
    c % 4 == 3
}

/// The name of question `j` of container `c`.
pub fn question(c: usize, j: usize) -> String {
    format!("g{c}_q{j}")
}

/// The survey rows: `[type, name, label, relevant, constraint, constraint_message,
/// calculation, required]`.
pub fn survey_rows() -> Vec<[String; 8]> {
    let mut rows = Vec::new();
    let row =
        |t: &str, name: String, label: String, relevant: String, constraint: &str, calc: String| {
            [
                t.to_string(),
                name,
                label,
                relevant,
                constraint.to_string(),
                if constraint.is_empty() {
                    String::new()
                } else {
                    "Out of range".to_string()
                },
                calc,
                String::new(),
            ]
        };
    for c in 0..CONTAINERS {
        let kind = if is_repeat(c) { "repeat" } else { "group" };
        let relevant = if c == 0 {
            String::new()
        } else {
            format!("${{{}}} != 99", question(c - 1, 0))
        };
        rows.push(row(
            &format!("begin {kind}"),
            format!("g{c}"),
            format!("Section {c}"),
            relevant,
            "",
            String::new(),
        ));
        for j in 0..QUESTIONS_PER_CONTAINER {
            let name = question(c, j);
            let label = format!("Question {j} of section {c}");
            let prev = if j > 0 {
                question(c, j - 1)
            } else {
                String::new()
            };
            let r = match j {
                0 => row(
                    "integer",
                    name,
                    label,
                    String::new(),
                    ". >= 0 and . <= 1000",
                    String::new(),
                ),
                9 => row(
                    "calculate",
                    name,
                    String::new(),
                    String::new(),
                    "",
                    format!(
                        "${{{}}} + coalesce(${{{}}}, 0)",
                        question(c, 0),
                        question(c, 2)
                    ),
                ),
                j if j % 3 == 1 => row(
                    "select_one yn",
                    name,
                    label,
                    format!("${{{prev}}} > 2"),
                    "",
                    String::new(),
                ),
                j if j % 3 == 2 => row(
                    "integer",
                    name,
                    label,
                    format!("${{{prev}}} = 'yes'"),
                    &format!(". <= ${{{}}} * 10", question(c, 0)),
                    String::new(),
                ),
                _ => row(
                    "text",
                    name,
                    label,
                    format!("${{{prev}}} != ''"),
                    "",
                    String::new(),
                ),
            };
            rows.push(r);
        }
        rows.push(row(
            &format!("end {kind}"),
            String::new(),
            String::new(),
            String::new(),
            "",
            String::new(),
        ));
    }
    rows
}

/// The benchmark form as `.xlsx` bytes.
pub fn workbook_bytes() -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let survey = book.add_worksheet().set_name("survey")?;
    let headers = [
        "type",
        "name",
        "label",
        "relevant",
        "constraint",
        "constraint_message",
        "calculation",
        "required",
    ];
    for (col, header) in headers.iter().enumerate() {
        survey.write_string(0, col as u16, *header)?;
    }
    for (r, row) in survey_rows().iter().enumerate() {
        for (col, cell) in row.iter().enumerate() {
            if !cell.is_empty() {
                survey.write_string(r as u32 + 1, col as u16, cell)?;
            }
        }
    }
    let choices = book.add_worksheet().set_name("choices")?;
    for (r, row) in [
        ["list_name", "name", "label"],
        ["yn", "yes", "Yes"],
        ["yn", "no", "No"],
    ]
    .iter()
    .enumerate()
    {
        for (col, cell) in row.iter().enumerate() {
            choices.write_string(r as u32, col as u16, *cell)?;
        }
    }
    let settings = book.add_worksheet().set_name("settings")?;
    settings.write_string(0, 0, "form_id")?;
    settings.write_string(1, 0, "bench")?;
    book.save_to_buffer()
}

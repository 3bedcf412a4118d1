//! Exports of protected batches: CSV, XLSX and HXL-tagged CSV. Only what a batch
//! releases is written: a suppressed cell is a row (or column) with empty numbers and
//! the rule that hid it. Pure: returns bytes, the caller writes the file.

use std::collections::BTreeMap;

use lantern_protocol::{Batch, Cell, Level, SuppressionRule};

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Hxl,
}

impl Format {
    pub fn parse(text: &str) -> Option<Format> {
        match text {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            "hxl" => Some(Format::Hxl),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("writing the CSV failed: {0}")]
    Csv(#[from] csv::Error),
    #[error("writing the workbook failed: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("writing failed: {0}")]
    Io(#[from] std::io::Error),
}

const HEADER: [&str; 13] = [
    "form_id",
    "form_version",
    "site",
    "round",
    "period",
    "indicator",
    "label",
    "disaggregation",
    "n",
    "denominator",
    "value",
    "level",
    "suppressed",
];

fn label(batch: &Batch, indicator: &str) -> String {
    batch
        .indicators
        .iter()
        .find(|m| m.name == indicator)
        .and_then(|m| {
            m.labels
                .iter()
                .find(|(k, _)| {
                    k.contains("(en)") || k.as_str() == "default" || k.starts_with("English")
                })
                .or_else(|| m.labels.iter().next())
                .map(|(_, v)| v.clone())
        })
        .unwrap_or_default()
}

fn by_text(by: &BTreeMap<String, String>) -> String {
    if by.is_empty() {
        "total".into()
    } else {
        by.iter()
            .map(|(d, v)| format!("{d}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

fn level_text(level: Option<Level>) -> &'static str {
    match level {
        Some(Level::Green) => "green",
        Some(Level::Amber) => "amber",
        Some(Level::Red) => "red",
        None => "",
    }
}

fn rule_text(rule: Option<SuppressionRule>) -> &'static str {
    match rule {
        Some(SuppressionRule::Primary) => "primary",
        Some(SuppressionRule::Complementary) => "complementary",
        Some(SuppressionRule::Derived) => "derived",
        Some(SuppressionRule::MinResponses) => "min_responses",
        None => "",
    }
}

fn number(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

fn row(batch: &Batch, c: &Cell) -> Vec<String> {
    vec![
        batch.form_id.clone(),
        batch.form_version.clone(),
        batch.site.clone(),
        batch.round.clone().unwrap_or_default(),
        batch.period.clone(),
        c.indicator.clone(),
        label(batch, &c.indicator),
        by_text(&c.by),
        c.n.map(|n| n.to_string()).unwrap_or_default(),
        c.denominator.map(|n| n.to_string()).unwrap_or_default(),
        c.value.map(number).unwrap_or_default(),
        level_text(c.level).into(),
        rule_text(c.rule).into(),
    ]
}

fn rows(batches: &[Batch]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for b in batches {
        for c in &b.cells {
            out.push(row(b, c));
        }
        out.push(vec![
            b.form_id.clone(),
            b.form_version.clone(),
            b.site.clone(),
            b.round.clone().unwrap_or_default(),
            b.period.clone(),
            "refusals".into(),
            "Refusals".into(),
            "total".into(),
            b.refusals.n.map(|n| n.to_string()).unwrap_or_default(),
            String::new(),
            String::new(),
            String::new(),
            rule_text(b.refusals.rule).into(),
        ]);
    }
    out
}

/// One row per cell (long format).
pub fn csv(batches: &[Batch]) -> Result<Vec<u8>, ExportError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER)?;
    for r in rows(batches) {
        w.write_record(&r)?;
    }
    w.into_inner().map_err(|e| ExportError::Io(e.into_error()))
}

/// The same table as [`csv`], in a workbook (numbers as numbers).
pub fn xlsx(batches: &[Batch]) -> Result<Vec<u8>, ExportError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("aggregates")?;
    for (c, h) in HEADER.iter().enumerate() {
        sheet.write_string(0, c as u16, *h)?;
    }
    for (r, values) in rows(batches).iter().enumerate() {
        for (c, v) in values.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            match (c, v.parse::<f64>()) {
                (8..=10, Ok(x)) => sheet.write_number(r, c, x)?,
                _ => sheet.write_string(r, c, v)?,
            };
        }
    }
    Ok(book.save_to_buffer()?)
}

/// The HXL attribute a cell key maps to (`female` → `+f`, `25_49` → `+age25_49`,
/// disability `yes` → `+disabled`), else `+<dimension>_<value>`.
pub fn hxl_attribute(dimension: &str, value: &str) -> String {
    let clean = lantern_protocol::hxl_token;
    match (dimension, value) {
        ("sex", "female" | "f" | "woman" | "women") => "+f".into(),
        ("sex", "male" | "m" | "man" | "men") => "+m".into(),
        ("sex", "other" | "i") => "+i".into(),
        ("disability", "yes") => "+disabled".into(),
        ("disability", "no") => "+nondisabled".into(),
        ("age_band", v) => format!("+age{}", clean(v)),
        (d, v) => format!("+{}_{}", clean(d), clean(v)),
    }
}

/// HXL-tagged CSV, wide: one row per site × round, one column per indicator × cell,
/// the hashtag row under the header. A suppressed cell is left empty and named in the
/// `#meta+suppressed` column.
pub fn hxl(batches: &[Batch]) -> Result<Vec<u8>, ExportError> {
    // Columns: every (indicator, by) seen, in first-seen order.
    let mut columns: Vec<(String, BTreeMap<String, String>)> = Vec::new();
    for b in batches {
        for c in &b.cells {
            let key = (c.indicator.clone(), c.by.clone());
            if !columns.contains(&key) {
                columns.push(key);
            }
        }
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "form_id".to_string(),
        "site".into(),
        "round".into(),
        "period".into(),
    ];
    let mut tags = vec![
        "#meta+form".to_string(),
        "#loc+code".into(),
        "#meta+round".into(),
        "#date+month".into(),
    ];
    for (ind, by) in &columns {
        header.push(format!("{ind} [{}]", by_text(by)));
        let base = batches
            .iter()
            .flat_map(|b| &b.indicators)
            .find(|m| &m.name == ind)
            .and_then(|m| m.hxl.clone())
            .unwrap_or_else(|| {
                format!(
                    "#indicator+{}",
                    ind.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
                )
            });
        let attrs: String = by.iter().map(|(d, v)| hxl_attribute(d, v)).collect();
        tags.push(format!("{base}{attrs}"));
    }
    header.push("refusals".into());
    tags.push("#meta+refusals".into());
    header.push("suppressed".into());
    tags.push("#meta+suppressed".into());
    w.write_record(&header)?;
    w.write_record(&tags)?;
    for b in batches {
        let mut r = vec![
            b.form_id.clone(),
            b.site.clone(),
            b.round.clone().unwrap_or_default(),
            b.period.clone(),
        ];
        let mut hidden = Vec::new();
        for (ind, by) in &columns {
            match b.cells.iter().find(|c| &c.indicator == ind && &c.by == by) {
                Some(c) if !c.suppressed => r.push(c.value.map(number).unwrap_or_default()),
                Some(_) => {
                    hidden.push(format!("{ind} [{}]", by_text(by)));
                    r.push(String::new());
                }
                None => r.push(String::new()),
            }
        }
        r.push(b.refusals.n.map(|n| n.to_string()).unwrap_or_default());
        r.push(hidden.join("; "));
        w.write_record(&r)?;
    }
    w.into_inner().map_err(|e| ExportError::Io(e.into_error()))
}

/// Exports in the given format.
pub fn export(batches: &[Batch], format: Format) -> Result<Vec<u8>, ExportError> {
    match format {
        Format::Csv => csv(batches),
        Format::Xlsx => xlsx(batches),
        Format::Hxl => hxl(batches),
    }
}

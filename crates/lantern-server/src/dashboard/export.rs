//! Exports of exactly what a dashboard view shows: the same rows as the view's JSON,
//! as CSV, XLSX or HXL-tagged CSV (a second header row of HXL hashtags). A suppressed
//! cell is written as the words "suppressed (fewer than k)", never as 0 or blank.

use lantern_protocol::Level;

use super::views::{ChangeStatus, ChangeView, IndicatorView, Overview};

/// One exported cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Number(f64),
    Empty,
}

/// A table ready to be written in any format.
#[derive(Debug, Clone)]
pub struct Table {
    pub columns: Vec<&'static str>,
    pub hxl: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

pub fn suppressed_text(k: u32) -> String {
    format!("suppressed (fewer than {k})")
}

fn text(s: impl Into<String>) -> Value {
    Value::Text(s.into())
}

fn opt_text(s: Option<&str>) -> Value {
    s.map_or(Value::Empty, text)
}

fn level_text(l: Option<Level>) -> Value {
    match l {
        Some(Level::Red) => text("red"),
        Some(Level::Amber) => text("amber"),
        Some(Level::Green) => text("green"),
        None => Value::Empty,
    }
}

fn num(x: Option<f64>) -> Value {
    x.map_or(Value::Empty, Value::Number)
}

/// `sex=female; age_group=18_59`, or `total`.
pub fn breakdown(by: &std::collections::BTreeMap<String, String>) -> String {
    if by.is_empty() {
        "total".into()
    } else {
        by.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

pub fn indicator_table(v: &IndicatorView) -> Table {
    let tag = v
        .indicator
        .hxl
        .clone()
        .unwrap_or_else(|| format!("#indicator+{}", v.indicator.name));
    Table {
        columns: vec![
            "site",
            "site_name",
            "round",
            "period",
            "indicator",
            "breakdown",
            "value",
            "n",
            "level",
        ],
        hxl: vec![
            "#loc+code".into(),
            "#loc+name".into(),
            "#date+round".into(),
            "#date+period".into(),
            "#meta+indicator".into(),
            "#meta+breakdown".into(),
            tag,
            "#reached+n".into(),
            "#severity".into(),
        ],
        rows: v
            .rows
            .iter()
            .map(|r| {
                vec![
                    text(&r.site),
                    opt_text(r.site_name.as_deref()),
                    opt_text(r.round.as_deref()),
                    text(&r.period),
                    text(&v.indicator.name),
                    text(breakdown(&r.by)),
                    if r.suppressed {
                        text(suppressed_text(r.k))
                    } else {
                        num(r.value)
                    },
                    if r.suppressed {
                        text(suppressed_text(r.k))
                    } else {
                        num(r.n.map(|n| n as f64))
                    },
                    level_text(r.level),
                ]
            })
            .collect(),
    }
}

pub fn status_text(s: ChangeStatus) -> &'static str {
    match s {
        ChangeStatus::Released => "both rounds released",
        ChangeStatus::BaselineSuppressed => "baseline suppressed",
        ChangeStatus::EndlineSuppressed => "endline suppressed",
        ChangeStatus::NoBaseline => "no baseline",
        ChangeStatus::NoEndline => "no endline",
    }
}

pub fn change_table(v: &ChangeView) -> Table {
    Table {
        columns: vec![
            "site",
            "site_name",
            "indicator",
            "baseline",
            "endline",
            "change",
            "status",
        ],
        hxl: vec![
            "#loc+code".into(),
            "#loc+name".into(),
            "#meta+indicator".into(),
            "#indicator+value+baseline".into(),
            "#indicator+value+endline".into(),
            "#indicator+change".into(),
            "#status".into(),
        ],
        rows: v
            .rows
            .iter()
            .map(|r| {
                let sup = text(suppressed_text(r.k));
                vec![
                    text(&r.site),
                    opt_text(r.site_name.as_deref()),
                    text(&r.indicator),
                    if r.status == ChangeStatus::BaselineSuppressed {
                        sup.clone()
                    } else {
                        num(r.baseline)
                    },
                    if r.status == ChangeStatus::EndlineSuppressed {
                        sup
                    } else {
                        num(r.endline)
                    },
                    num(r.change),
                    text(status_text(r.status)),
                ]
            })
            .collect(),
    }
}

pub fn overview_table(v: &Overview) -> Table {
    let mut columns: Vec<&'static str> = vec!["site", "site_name", "admin", "level"];
    let mut hxl: Vec<String> = vec![
        "#loc+code".into(),
        "#loc+name".into(),
        "#adm+code".into(),
        "#severity".into(),
    ];
    // Column names must be 'static for every format: leak-free by using one generic
    // name per sector pair and the sector in the HXL row and the header text below.
    for _ in &v.sectors {
        columns.push("sector_level");
        columns.push("sector_period");
    }
    for s in &v.sectors {
        hxl.push(format!("#severity+{}", lantern_protocol::hxl_token(s)));
        hxl.push(format!("#date+{}", lantern_protocol::hxl_token(s)));
    }
    let rows = v
        .rows
        .iter()
        .map(|r| {
            let mut row = vec![
                text(&r.site),
                opt_text(r.name.as_deref()),
                text(r.admin.join(" / ")),
                level_text(r.level),
            ];
            for c in &r.cells {
                match c {
                    Some(c) => {
                        row.push(level_text(c.level));
                        row.push(text(&c.period));
                    }
                    None => {
                        row.push(Value::Empty);
                        row.push(Value::Empty);
                    }
                }
            }
            row
        })
        .collect();
    Table { columns, hxl, rows }
}

/// The header row: the column names, with each sector's name for the overview.
pub fn header(t: &Table, sectors: &[String]) -> Vec<String> {
    let mut sector = sectors.iter();
    let mut current = String::new();
    t.columns
        .iter()
        .map(|c| match *c {
            "sector_level" => {
                current = sector.next().cloned().unwrap_or_default();
                format!("{current}_level")
            }
            "sector_period" => format!("{current}_period"),
            other => other.to_owned(),
        })
        .collect()
}

fn cell_string(v: &Value) -> String {
    match v {
        Value::Text(s) => s.clone(),
        Value::Number(x) => {
            if x.fract() == 0.0 && x.abs() < 1e15 {
                format!("{x:.0}")
            } else {
                format!("{}", (x * 1e4).round() / 1e4)
            }
        }
        Value::Empty => String::new(),
    }
}

/// CSV (RFC 4180), optionally with the HXL hashtag row under the header.
pub fn csv(t: &Table, header: &[String], with_hxl: bool) -> Result<Vec<u8>, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let guard = |s: String| {
        // Spreadsheet formula injection: a text cell starting with = + - @ is quoted
        // with a leading apostrophe (numbers are written as numbers).
        if s.starts_with(['=', '+', '-', '@']) {
            format!("'{s}")
        } else {
            s
        }
    };
    w.write_record(header).map_err(|e| e.to_string())?;
    if with_hxl {
        w.write_record(&t.hxl).map_err(|e| e.to_string())?;
    }
    for row in &t.rows {
        let rec: Vec<String> = row
            .iter()
            .map(|v| match v {
                Value::Text(s) => guard(s.clone()),
                other => cell_string(other),
            })
            .collect();
        w.write_record(&rec).map_err(|e| e.to_string())?;
    }
    w.into_inner().map_err(|e| e.to_string())
}

/// One worksheet, the header bold, numbers as numbers.
pub fn xlsx(t: &Table, header: &[String], sheet: &str) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet).map_err(|e| e.to_string())?;
    let bold = Format::new().set_bold();
    for (c, h) in header.iter().enumerate() {
        let c = u16::try_from(c).map_err(|_| "too many columns".to_owned())?;
        ws.write_string_with_format(0, c, h, &bold)
            .map_err(|e| e.to_string())?;
    }
    for (r, row) in t.rows.iter().enumerate() {
        let r = u32::try_from(r + 1).map_err(|_| "too many rows".to_owned())?;
        for (c, v) in row.iter().enumerate() {
            let c = u16::try_from(c).map_err(|_| "too many columns".to_owned())?;
            match v {
                Value::Text(s) => {
                    ws.write_string(r, c, s).map_err(|e| e.to_string())?;
                }
                Value::Number(x) => {
                    ws.write_number(r, c, *x).map_err(|e| e.to_string())?;
                }
                Value::Empty => {}
            }
        }
    }
    wb.save_to_buffer().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_guards_formulas() {
        let t = Table {
            columns: vec!["a", "b"],
            hxl: vec!["#a".into(), "#b".into()],
            rows: vec![
                vec![text("=cmd()"), Value::Number(12.5)],
                vec![text("x, \"y\""), text(suppressed_text(5))],
            ],
        };
        let h = header(&t, &[]);
        let out = String::from_utf8(csv(&t, &h, true).unwrap()).unwrap();
        assert_eq!(
            out,
            "a,b\n#a,#b\n'=cmd(),12.5\n\"x, \"\"y\"\"\",suppressed (fewer than 5)\n"
        );
        let bytes = xlsx(&t, &h, "view").unwrap();
        assert_eq!(&bytes[..2], b"PK");
    }
}

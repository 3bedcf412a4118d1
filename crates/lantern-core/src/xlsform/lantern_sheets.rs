//! Reads Lantern's extra sheets, `purpose` and `indicators`, into the form model and
//! checks them against the form: fields they name must exist, kinds and
//! classifications must be known values, numbers must be numbers.

use super::diagnostic::ImportError;
use super::import::Diagnostics;
use super::table::{Row, Table};
use super::workbook::Workbook;
use crate::form::{
    Expression, FormDef, HigherIs, Indicator, IndicatorKind, NodeKind, Purpose, Sensitivity, Text,
};

const PURPOSE_KNOWN: &[&str] = &[
    "purpose",
    "data_owner",
    "retention_days",
    "sensitivity",
    "min_cell_size",
    "min_responses",
    "consent_field",
    "consent_value",
    "site_field",
    "round_field",
    "sex_field",
    "age_band_field",
    "wg_fields",
];

const INDICATOR_KNOWN: &[&str] = &[
    "name",
    "label",
    "kind",
    "scope",
    "value",
    "denominator",
    "filter",
    "disaggregate",
    "min_cell",
    "hxl",
    "sector",
    "higher_is",
    "amber",
    "red",
    "action",
];

/// Derived disaggregations an indicator may name besides fields.
const DERIVED: &[&str] = &["sex", "age_band", "disability"];

pub(crate) fn read(book: &Workbook, form: &mut FormDef, diags: &mut Diagnostics) {
    let default_language = form
        .default_language
        .clone()
        .unwrap_or_else(|| crate::form::DEFAULT_LANGUAGE.to_string());
    if let Some(table) = book
        .sheet("purpose")
        .and_then(|s| Table::read(s, &[], PURPOSE_KNOWN))
    {
        form.purpose = read_purpose(&table, form, &default_language, diags);
    }
    if let Some(table) = book
        .sheet("indicators")
        .and_then(|s| Table::read(s, &[], INDICATOR_KNOWN))
    {
        form.indicators = read_indicators(&table, form, &default_language, diags);
    }
}

struct Cells<'t, 'a> {
    table: &'t Table<'a>,
    row: Row<'a>,
}

impl Cells<'_, '_> {
    fn get(&self, name: &str) -> Option<String> {
        self.table
            .column(&[name])
            .map(|c| self.row.cell(c).to_string())
            .filter(|v| !v.is_empty())
    }

    fn text(&self, name: &str, default_language: &str) -> Text {
        let mut text = Text::default();
        for column in &self.table.columns {
            if column.tokens.first().map(String::as_str) != Some(name) {
                continue;
            }
            let value = self.row.cell(column);
            if value.is_empty() {
                continue;
            }
            let language = column
                .tokens
                .get(1)
                .map(String::as_str)
                .unwrap_or(default_language);
            text.set(language, value.to_string());
        }
        text
    }
}

fn number<T: std::str::FromStr>(
    cells: &Cells<'_, '_>,
    column: &str,
    expected: &'static str,
    diags: &mut Diagnostics,
) -> Option<T> {
    let value = cells.get(column)?;
    match value.parse::<T>() {
        Ok(v) => Some(v),
        Err(_) => {
            diags.push(
                ImportError::InvalidValue {
                    column: column.to_string(),
                    value,
                    expected,
                },
                &cells.table.sheet,
                Some(cells.row.number),
                Some(column),
            );
            None
        }
    }
}

fn check_field(
    form: &FormDef,
    cells: &Cells<'_, '_>,
    column: &str,
    name: &str,
    diags: &mut Diagnostics,
) {
    let is_field = form
        .fields()
        .any(|n| n.name == name && n.kind == NodeKind::Question);
    if !is_field {
        diags.push(
            ImportError::UnknownField {
                column: column.to_string(),
                name: name.to_string(),
            },
            &cells.table.sheet,
            Some(cells.row.number),
            Some(column),
        );
    }
}

fn read_purpose(
    table: &Table<'_>,
    form: &FormDef,
    default_language: &str,
    diags: &mut Diagnostics,
) -> Option<Purpose> {
    let row = *table.rows.first()?;
    let cells = Cells { table, row };
    let sensitivity = cells.get("sensitivity").and_then(|v| {
        let parsed = Sensitivity::parse(&v);
        if parsed.is_none() {
            diags.push(
                ImportError::InvalidValue {
                    column: "sensitivity".into(),
                    value: v,
                    expected: "one of low, moderate, high, severe",
                },
                &table.sheet,
                Some(row.number),
                Some("sensitivity"),
            );
        }
        parsed
    });
    let purpose = Purpose {
        purpose: cells.text("purpose", default_language),
        data_owner: cells.get("data_owner"),
        retention_days: number(&cells, "retention_days", "a whole number of days", diags),
        sensitivity,
        min_cell_size: number(&cells, "min_cell_size", "a whole number", diags)
            .unwrap_or(crate::form::DEFAULT_MIN_CELL_SIZE),
        min_responses: number(&cells, "min_responses", "a whole number", diags),
        consent_field: cells.get("consent_field"),
        consent_value: cells.get("consent_value"),
        site_field: cells.get("site_field"),
        round_field: cells.get("round_field"),
        sex_field: cells.get("sex_field"),
        age_band_field: cells.get("age_band_field"),
        wg_fields: cells
            .get("wg_fields")
            .map(|v| v.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default(),
        row: row.number,
    };
    for (column, value) in [
        ("consent_field", &purpose.consent_field),
        ("site_field", &purpose.site_field),
        ("round_field", &purpose.round_field),
        ("sex_field", &purpose.sex_field),
        ("age_band_field", &purpose.age_band_field),
    ] {
        if let Some(name) = value {
            check_field(form, &cells, column, name, diags);
        }
    }
    for name in &purpose.wg_fields {
        check_field(form, &cells, "wg_fields", name, diags);
    }
    Some(purpose)
}

fn read_indicators(
    table: &Table<'_>,
    form: &FormDef,
    default_language: &str,
    diags: &mut Diagnostics,
) -> Vec<Indicator> {
    let sheet = table.sheet.clone();
    for column in ["name", "kind", "value"] {
        if table.column(&[column]).is_none() {
            diags.push(
                ImportError::SheetMissingColumn {
                    sheet: "indicators",
                    column,
                },
                &sheet,
                Some(table.header_row),
                Some(column),
            );
            return Vec::new();
        }
    }
    let mut indicators: Vec<Indicator> = Vec::new();
    for row in &table.rows {
        let cells = Cells { table, row: *row };
        let here = |column: &str| (sheet.as_str(), Some(row.number), Some(column.to_string()));
        let Some(name) = cells.get("name") else {
            let (s, r, _) = here("name");
            diags.push(ImportError::MissingName, s, r, Some("name"));
            continue;
        };
        if indicators.iter().any(|i| i.name == name) {
            diags.push(
                ImportError::DuplicateIndicator(name.clone()),
                &sheet,
                Some(row.number),
                Some("name"),
            );
        }
        let kind_text = cells.get("kind").unwrap_or_default();
        let Some(kind) = IndicatorKind::parse(&kind_text) else {
            diags.push(
                ImportError::InvalidValue {
                    column: "kind".into(),
                    value: kind_text,
                    expected: "one of count, proportion, mean, sum, score",
                },
                &sheet,
                Some(row.number),
                Some("kind"),
            );
            continue;
        };
        let Some(value) = cells.get("value") else {
            diags.push(
                ImportError::InvalidValue {
                    column: "value".into(),
                    value: String::new(),
                    expected: "an expression (boolean for count and proportion, a number otherwise)",
                },
                &sheet,
                Some(row.number),
                Some("value"),
            );
            continue;
        };
        let scope = cells.get("scope");
        if let Some(scope) = &scope
            && !form
                .fields()
                .any(|n| &n.name == scope && n.kind == NodeKind::Repeat)
        {
            diags.push(
                ImportError::UnknownScope(scope.clone()),
                &sheet,
                Some(row.number),
                Some("scope"),
            );
        }
        let denominator = cells.get("denominator").map(Expression::new);
        if denominator.is_some() && kind != IndicatorKind::Proportion {
            diags.push(
                ImportError::DenominatorNotProportion,
                &sheet,
                Some(row.number),
                Some("denominator"),
            );
        }
        let higher_is =
            cells
                .get("higher_is")
                .and_then(|v| match v.to_ascii_lowercase().as_str() {
                    "better" => Some(HigherIs::Better),
                    "worse" => Some(HigherIs::Worse),
                    _ => {
                        diags.push(
                            ImportError::InvalidValue {
                                column: "higher_is".into(),
                                value: v,
                                expected: "better or worse",
                            },
                            &sheet,
                            Some(row.number),
                            Some("higher_is"),
                        );
                        None
                    }
                });
        let disaggregate: Vec<String> = cells
            .get("disaggregate")
            .map(|v| v.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default();
        for field in &disaggregate {
            if !DERIVED.contains(&field.as_str()) {
                check_field(form, &cells, "disaggregate", field, diags);
            }
        }
        let indicator = Indicator {
            label: cells.text("label", default_language),
            kind,
            scope,
            value: Expression::new(value),
            denominator,
            filter: cells.get("filter").map(Expression::new),
            disaggregate,
            min_cell: number(&cells, "min_cell", "a whole number", diags),
            hxl: cells.get("hxl"),
            sector: cells.get("sector"),
            higher_is,
            amber: number(&cells, "amber", "a number", diags),
            red: number(&cells, "red", "a number", diags),
            action: cells.text("action", default_language),
            row: row.number,
            name,
        };
        for (column, expr) in [
            ("value", Some(&indicator.value)),
            ("denominator", indicator.denominator.as_ref()),
            ("filter", indicator.filter.as_ref()),
        ] {
            let Some(expr) = expr else { continue };
            for name in &expr.refs {
                if !form.fields().any(|n| &n.name == name) {
                    diags.push(
                        ImportError::UnknownReference(name.clone()),
                        &sheet,
                        Some(row.number),
                        Some(column),
                    );
                }
            }
            for error in super::expressions::expression_errors(column, expr) {
                diags.push(error, &sheet, Some(row.number), Some(column));
            }
        }
        indicators.push(indicator);
    }
    indicators
}

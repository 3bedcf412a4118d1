//! Lantern's own sheets, which ODK and Kobo ignore: `purpose` (why the data is
//! collected, who owns it, how long it is kept, and which fields drive consent and
//! disaggregation) and `indicators` (the aggregates that may leave the device).
//!
//! The column contract is in `docs/spec-notes-xlsform.md`; this is its typed form.

use serde::Serialize;

use super::{Expression, Text};

/// The IASC data-sensitivity classification of a form's responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sensitivity {
    Low,
    Moderate,
    High,
    Severe,
}

impl Sensitivity {
    pub fn parse(value: &str) -> Option<Sensitivity> {
        match value.to_ascii_lowercase().as_str() {
            "low" => Some(Sensitivity::Low),
            "moderate" => Some(Sensitivity::Moderate),
            "high" => Some(Sensitivity::High),
            "severe" => Some(Sensitivity::Severe),
            _ => None,
        }
    }
}

/// The `purpose` sheet: one row of values under a header row.
#[derive(Debug, Clone, PartialEq)]
pub struct Purpose {
    pub purpose: Text,
    pub data_owner: Option<String>,
    pub retention_days: Option<u32>,
    pub sensitivity: Option<Sensitivity>,
    /// Cells smaller than this are suppressed (default 5).
    pub min_cell_size: u32,
    /// Responses needed per site and round before anything is shareable.
    pub min_responses: Option<u32>,
    pub consent_field: Option<String>,
    pub consent_value: Option<String>,
    pub site_field: Option<String>,
    pub round_field: Option<String>,
    pub sex_field: Option<String>,
    pub age_band_field: Option<String>,
    /// The six Washington Group questions.
    pub wg_fields: Vec<String>,
    /// The sheet's row of values (1-based), for diagnostics downstream.
    pub row: usize,
}

/// The default minimum cell size when `purpose.min_cell_size` is empty.
pub const DEFAULT_MIN_CELL_SIZE: u32 = 5;

/// How an indicator aggregates its `value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    Count,
    Proportion,
    Mean,
    Sum,
    Score,
}

impl IndicatorKind {
    pub fn parse(value: &str) -> Option<IndicatorKind> {
        match value.to_ascii_lowercase().as_str() {
            "count" => Some(IndicatorKind::Count),
            "proportion" => Some(IndicatorKind::Proportion),
            "mean" => Some(IndicatorKind::Mean),
            "sum" => Some(IndicatorKind::Sum),
            "score" => Some(IndicatorKind::Score),
            _ => None,
        }
    }
}

/// Whether a higher value of an indicator is good news.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HigherIs {
    Better,
    Worse,
}

/// One row of the `indicators` sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    pub name: String,
    pub label: Text,
    pub kind: IndicatorKind,
    /// Empty: one unit per submission; else the name of a repeat (one per instance).
    pub scope: Option<String>,
    pub value: Expression,
    /// Proportions only: which units form the denominator.
    pub denominator: Option<Expression>,
    pub filter: Option<Expression>,
    /// Field names, or the derived `sex`, `age_band`, `disability`.
    pub disaggregate: Vec<String>,
    pub min_cell: Option<u32>,
    pub hxl: Option<String>,
    pub sector: Option<String>,
    pub higher_is: Option<HigherIs>,
    pub amber: Option<f64>,
    pub red: Option<f64>,
    pub action: Text,
    pub row: usize,
}

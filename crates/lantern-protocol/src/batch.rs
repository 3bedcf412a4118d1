//! The aggregate batch (`lantern.aggregate/1`): what one device releases for one
//! form × site × round. A newer batch for the same device × form × site × round
//! replaces the older one (snapshots, not deltas), ordered by `sequence`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The schema tag every batch of this version carries.
pub const BATCH_SCHEMA: &str = "lantern.aggregate/1";

/// One released table of aggregates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    /// Always [`BATCH_SCHEMA`] for this version.
    pub schema: String,
    /// Random, chosen by the device; a repeated upload of the same id is idempotent.
    pub batch_id: Uuid,
    /// Increasing per device × form × site × round: the server orders batches by it,
    /// never by clocks.
    pub sequence: u64,
    pub form_id: String,
    pub form_version: String,
    pub site: String,
    /// `None` when the form has no `round_field`.
    pub round: Option<String>,
    /// The month the data belongs to, `YYYY-MM` (never interview days).
    pub period: String,
    /// UTC day the batch was generated, `YYYY-MM-DD` (day precision only).
    pub generated_at: String,
    /// The form's `min_cell_size` (k) in force for this batch.
    pub min_cell_size: u32,
    pub indicators: Vec<IndicatorMeta>,
    pub cells: Vec<Cell>,
    pub refusals: Refusals,
}

/// What the dashboard needs to present an indicator; no answer ever appears here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorMeta {
    pub name: String,
    /// Label per language, keyed by the form's language name (e.g. `English (en)`), or
    /// `default` for a form without languages.
    pub labels: BTreeMap<String, String>,
    pub kind: IndicatorKind,
    /// HXL hashtag with attributes, e.g. `#indicator+latrines+lockable`.
    pub hxl: Option<String>,
    pub sector: Option<String>,
    pub higher_is: Option<HigherIs>,
    pub amber: Option<f64>,
    pub red: Option<f64>,
    /// The cell minimum that applies to this indicator (1 for observations of places).
    pub min_cell: u32,
    /// Recommended mitigation per language (shown when red or amber), as `labels`.
    #[serde(default)]
    pub actions: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    Count,
    Proportion,
    Mean,
    Sum,
    Score,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HigherIs {
    Better,
    Worse,
}

/// A score's traffic light.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Green,
    Amber,
    Red,
}

/// Why a cell (or the refusal total) carries no numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuppressionRule {
    /// Its unit count is between 1 and k − 1.
    Primary,
    /// Hidden so that a primary cell cannot be recovered from totals.
    Complementary,
    /// A percentage, mean or score derived from a suppressed count.
    Derived,
    /// The site × round has fewer than `min_responses` consenting responses.
    MinResponses,
}

/// One cell of one indicator's hierarchy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cell {
    pub indicator: String,
    /// Dimension → the form's own choice name; `{}` is the total.
    pub by: BTreeMap<String, String>,
    pub suppressed: bool,
    /// Why it was suppressed, or `None` when released.
    pub rule: Option<SuppressionRule>,
    /// Released cells only: the number of units (for a proportion, the denominator's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denominator: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Scores only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
}

/// Refusals at the site × round, released or suppressed by the same cell rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Refusals {
    pub suppressed: bool,
    pub rule: Option<SuppressionRule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u64>,
}

/// Why a batch is not acceptable as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchError {
    /// The `schema` tag is not [`BATCH_SCHEMA`].
    Schema(String),
    /// A field breaks the protocol's rules; the text says which and why.
    Invalid(String),
}

impl std::fmt::Display for BatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BatchError::Schema(s) => write!(
                f,
                "unsupported batch schema {s:?}, expected {BATCH_SCHEMA:?}"
            ),
            BatchError::Invalid(why) => write!(f, "invalid batch: {why}"),
        }
    }
}

impl std::error::Error for BatchError {}

impl Batch {
    /// Checks what the types cannot: the schema tag, and that a suppressed cell carries
    /// no number while a released one carries its count.
    pub fn validate(&self) -> Result<(), BatchError> {
        if self.schema != BATCH_SCHEMA {
            return Err(BatchError::Schema(self.schema.clone()));
        }
        for cell in &self.cells {
            if !self.indicators.iter().any(|i| i.name == cell.indicator) {
                return Err(BatchError::Invalid(format!(
                    "cell names unknown indicator {:?}",
                    cell.indicator
                )));
            }
            let numbers = cell.n.is_some()
                || cell.denominator.is_some()
                || cell.value.is_some()
                || cell.level.is_some();
            if cell.suppressed && (numbers || cell.rule.is_none()) {
                return Err(BatchError::Invalid(
                    "a suppressed cell must carry a rule and no numbers".into(),
                ));
            }
            if !cell.suppressed && (cell.n.is_none() || cell.rule.is_some()) {
                return Err(BatchError::Invalid(
                    "a released cell must carry n and no rule".into(),
                ));
            }
        }
        if self.refusals.suppressed && self.refusals.n.is_some() {
            return Err(BatchError::Invalid(
                "suppressed refusals carry no count".into(),
            ));
        }
        Ok(())
    }
}

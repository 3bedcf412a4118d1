//! Aggregates on the device: folds each submission's sealed contributions
//! ([`Contributions`], computed once at finalize by `engine::indicators`) into
//! indicator results per form × site × round × indicator × cell, then applies
//! disclosure control (`lantern_protocol::suppression`) before anything can leave.
//!
//! Pure: no IO, no clock, no randomness. Batch ids, sequences and today's date are
//! passed in; the decrypt-and-fold glue lives in [`crate::release`].
//!
//! # Disaggregation syntax (the `disaggregate` column of the `indicators` sheet)
//!
//! A space-separated list of items. Each item is a dimension (`sex`, `age_band`,
//! `disability`, or any `select_one`/`calculate` field of the form) or a combination of
//! dimensions joined by `*` (`sex*age_band`). Released cells form a hierarchy: the total
//! (`by = {}`), every dimension named anywhere on its own, and every declared
//! combination. `sex`, `age_band` and `disability` are derived from the `purpose`
//! sheet (`sex_field`, `age_band_field`, and the Washington Group cut-off over
//! `wg_fields`: any answer "a lot of difficulty" or "cannot do at all", the third or
//! fourth choice of the standard list, gives `yes`); a form field of that name is used
//! when the purpose sheet names none. Cell keys are the form's own choice names; a unit
//! without an answer for a dimension falls in the `_missing` cell (emitted only when
//! non-empty), so every level adds up to its parent.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use lantern_protocol::suppression::{self, Equation, Interval};
use lantern_protocol::{
    BATCH_SCHEMA, Batch, Cell, HigherIs, IndicatorKind, IndicatorMeta, SuppressionRule,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::form::{DataType, FormDef, IndicatorKind as FormKind, NodeKind};

/// The cell key of a unit that gave no answer for a dimension.
pub const MISSING: &str = "_missing";

/// Why a form cannot be aggregated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AggregateError {
    #[error("form {0} has no indicators sheet: there is nothing to aggregate")]
    NoIndicators(String),
    #[error("indicator {indicator}: {message}")]
    Indicator { indicator: String, message: String },
}

/// One unit's value for one indicator (units that do not count are not stored).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum UnitValue {
    Flag(bool),
    Number(f64),
}

/// One counting unit: its value and its key per dimension of the indicator's plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unit {
    pub value: UnitValue,
    pub keys: Vec<Option<String>>,
}

/// What one finalized submission contributes, computed once at finalize and sealed
/// beside it. Holds no answer other than indicator values and dimension choice names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contributions {
    pub form_id: String,
    pub form_version: String,
    /// The site's code (the `site_field`'s choice name), or `_missing`.
    pub site: String,
    pub round: Option<String>,
    /// `YYYY-MM` of the day it was finalized.
    pub period: String,
    /// Consent to aggregate use; a refusal contributes only to the refusal total.
    pub consent: bool,
    /// Per indicator of the plan, in order: the units that count.
    pub indicators: Vec<Vec<Unit>>,
}

/// One indicator, ready to fold.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedIndicator {
    pub meta: IndicatorMeta,
    /// Every dimension named in `disaggregate`, in order of first mention.
    pub dims: Vec<String>,
    /// Each dimension's declared values (choice names), for zero cells.
    pub values: Vec<Vec<String>>,
    /// The released levels: subsets of `dims` (indices), the total first.
    pub levels: Vec<Vec<usize>>,
    /// The indicator (index in the plan) that counts the people behind this one's
    /// units, when its units hold several people each (focus groups): see
    /// [`Plan::new`]. Its cells' `n` then counts those people, and so does the cell
    /// minimum.
    pub people: Option<usize>,
}

/// What the form's `purpose` and `indicators` sheets say about aggregation.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub form_id: String,
    pub form_version: String,
    pub min_cell_size: u32,
    pub min_responses: u32,
    pub indicators: Vec<PlannedIndicator>,
}

fn choice_names(form: &FormDef, field: &str) -> Vec<String> {
    form.fields()
        .find(|n| n.name == field)
        .and_then(|n| n.select.as_ref())
        .and_then(|s| form.choice_list(&s.list_name))
        .map(|l| l.choices.iter().map(|c| c.name.clone()).collect())
        .unwrap_or_default()
}

/// The form field a dimension reads, `None` for the derived disability.
pub fn dimension_field(form: &FormDef, dim: &str) -> Option<String> {
    let purpose = form.purpose.as_ref();
    let named = |f: Option<&String>| f.filter(|s| !s.is_empty()).cloned();
    match dim {
        "sex" => named(purpose.and_then(|p| p.sex_field.as_ref())).or(Some(dim.into())),
        "age_band" => named(purpose.and_then(|p| p.age_band_field.as_ref())).or(Some(dim.into())),
        "disability" if purpose.is_some_and(|p| !p.wg_fields.is_empty()) => None,
        _ => Some(dim.into()),
    }
}

/// HXL hashtags whose values count people (HXL core schema: affected, in need,
/// targeted, reached, population); `+hh`/`+households` would count households.
const PEOPLE_HASHTAGS: &[&str] = &[
    "#affected",
    "#inneed",
    "#targeted",
    "#reached",
    "#population",
];

/// Whether an indicator counts the people in each of its units: a `sum` over a repeat
/// (one unit per group) tagged with a people hashtag.
fn counts_people(ind: &crate::form::Indicator) -> bool {
    ind.kind == FormKind::Sum
        && ind.scope.is_some()
        && ind.hxl.as_deref().is_some_and(|h| {
            let mut parts = h.split('+').map(|p| p.trim().to_ascii_lowercase());
            let tag = parts.next().unwrap_or_default();
            PEOPLE_HASHTAGS.contains(&tag.as_str())
                && !parts.any(|a| a == "hh" || a == "households")
        })
}

/// Whether two indicators have the same units and cells.
fn same_units(a: &crate::form::Indicator, b: &crate::form::Indicator) -> bool {
    a.scope == b.scope
        && a.filter.as_ref().map(|f| f.source.trim()) == b.filter.as_ref().map(|f| f.source.trim())
        && a.disaggregate == b.disaggregate
}

impl Plan {
    /// Reads the plan from the form; refuses dimensions that would put free text, dates,
    /// GPS or item-level Washington Group answers into a result.
    pub fn new(form: &FormDef) -> Result<Plan, AggregateError> {
        if form.indicators.is_empty() {
            return Err(AggregateError::NoIndicators(form.form_id.clone()));
        }
        let purpose = form.purpose.as_ref();
        let k = purpose.map_or(crate::form::DEFAULT_MIN_CELL_SIZE, |p| p.min_cell_size);
        let min_responses = purpose.and_then(|p| p.min_responses).unwrap_or(k);
        let wg: BTreeSet<&str> = purpose
            .map(|p| p.wg_fields.iter().map(String::as_str).collect())
            .unwrap_or_default();
        let mut indicators = Vec::new();
        for ind in &form.indicators {
            let err = |message: String| AggregateError::Indicator {
                indicator: ind.name.clone(),
                message,
            };
            let mut dims: Vec<String> = Vec::new();
            let mut combos: Vec<Vec<String>> = Vec::new();
            for item in ind.disaggregate.iter().flat_map(|d| d.split_whitespace()) {
                let parts: Vec<String> = item.split('*').map(|s| s.trim().to_string()).collect();
                if parts.iter().any(String::is_empty) {
                    return Err(err(format!("bad disaggregation {item:?}")));
                }
                for p in &parts {
                    if !dims.contains(p) {
                        dims.push(p.clone());
                    }
                }
                if parts.len() > 1 {
                    combos.push(parts);
                }
            }
            let mut values = Vec::new();
            for d in &dims {
                match dimension_field(form, d) {
                    None => values.push(vec!["no".into(), "yes".into()]),
                    Some(field) => {
                        if wg.contains(field.as_str()) {
                            return Err(err(format!(
                                "{field} is an item-level Washington Group answer; use `disability`"
                            )));
                        }
                        let node = form.fields().find(|n| n.name == field).ok_or_else(|| {
                            err(format!("disaggregates by unknown field {field}"))
                        })?;
                        let allowed = node.select.is_some()
                            || (node.kind != NodeKind::Group
                                && node.kind != NodeKind::Repeat
                                && matches!(
                                    node.data_type,
                                    Some(DataType::Int) | Some(DataType::String)
                                )
                                && node.type_name == "calculate");
                        if !allowed
                            || node
                                .select
                                .as_ref()
                                .is_some_and(|s| s.kind != crate::form::SelectKind::One)
                        {
                            return Err(err(format!(
                                "{field} ({}) cannot be a dimension: only single-choice questions and calculations are",
                                node.type_name
                            )));
                        }
                        values.push(choice_names(form, &field));
                    }
                }
            }
            let mut levels: Vec<Vec<usize>> = vec![vec![]];
            for i in 0..dims.len() {
                levels.push(vec![i]);
            }
            for c in combos {
                let mut idx: Vec<usize> = c
                    .iter()
                    .map(|d| dims.iter().position(|x| x == d).expect("collected"))
                    .collect();
                idx.sort_unstable();
                idx.dedup();
                if !levels.contains(&idx) {
                    levels.push(idx);
                }
            }
            let labels = if ind.label.is_empty() {
                BTreeMap::from([("default".to_string(), ind.name.clone())])
            } else {
                ind.label.0.iter().cloned().collect()
            };
            indicators.push(PlannedIndicator {
                meta: IndicatorMeta {
                    name: ind.name.clone(),
                    labels,
                    kind: match ind.kind {
                        FormKind::Count => IndicatorKind::Count,
                        FormKind::Proportion => IndicatorKind::Proportion,
                        FormKind::Mean => IndicatorKind::Mean,
                        FormKind::Sum => IndicatorKind::Sum,
                        FormKind::Score => IndicatorKind::Score,
                    },
                    hxl: ind.hxl.clone(),
                    sector: ind.sector.clone(),
                    higher_is: ind.higher_is.map(|h| match h {
                        crate::form::HigherIs::Better => HigherIs::Better,
                        crate::form::HigherIs::Worse => HigherIs::Worse,
                    }),
                    amber: ind.amber,
                    red: ind.red,
                    min_cell: ind.min_cell.unwrap_or(k),
                    actions: ind.action.0.iter().cloned().collect(),
                },
                dims,
                values,
                levels,
                people: None,
            });
        }
        // Participant-weighted minimum (issue 14): a repeat-scoped `sum` whose HXL
        // hashtag counts people counts the participants of each unit (a focus group's
        // hand total); every indicator over exactly the same units and cells (same
        // scope, filter and disaggregation) is measured on those people. Two such
        // totals for the same units would be ambiguous: then nothing is weighted.
        for (i, x) in form.indicators.iter().enumerate() {
            let counters: Vec<usize> = form
                .indicators
                .iter()
                .enumerate()
                .filter(|(_, w)| counts_people(w) && same_units(x, w))
                .map(|(j, _)| j)
                .collect();
            if let [w] = counters[..] {
                indicators[i].people = Some(w);
            }
        }
        Ok(Plan {
            form_id: form.form_id.clone(),
            form_version: form.version.clone(),
            min_cell_size: k,
            min_responses,
            indicators,
        })
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Tally {
    units: u64,
    flags: u64,
    sum: f64,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.units += other.units;
        self.flags += other.flags;
        self.sum += other.sum;
    }
}

/// A dimension value's interned id (`NO_VALUE` for a unit without an answer).
type Sym = u32;
const NO_VALUE: Sym = Sym::MAX;
/// A record's string not interned yet (in [`Fold::add_stored`]).
const UNSET: Sym = Sym::MAX - 1;

/// The running totals of one site × round.
#[derive(Debug, Clone, Default)]
pub struct Group {
    pub consenting: u64,
    pub refusals: u64,
    /// The latest month seen.
    pub period: String,
    /// Per indicator: the tally of each combination of interned dimension values.
    tallies: Vec<HashMap<Box<[Sym]>, Tally>>,
}

/// Stored contributions that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(pub String);

/// What [`Fold::add_stored`] read from one stored contribution: where it belongs and
/// whether it consented (so that the caller can keep the set of submissions covered).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Added<'a> {
    pub site: Cow<'a, str>,
    pub round: Option<Cow<'a, str>>,
    pub consent: bool,
    /// `false` when it belongs to another form or does not fit the plan (skipped).
    pub folded: bool,
}

/// A streaming fold over contributions: memory grows with the number of distinct
/// cells, never with the number of submissions.
///
/// Hot path (100,000 stored submissions per preview): dimension values are interned
/// once, so a unit is tallied by a slice of small ids without allocating; a
/// site × round is found by borrowed lookup.
#[derive(Debug, Clone)]
pub struct Fold {
    plan: Plan,
    groups: Vec<Group>,
    /// Site × round → index into `groups`, in order (for output).
    order: BTreeMap<(String, Option<String>), usize>,
    /// Site → (round, index): found without allocating.
    index: HashMap<String, Vec<(Option<String>, usize)>>,
    symbols: HashMap<String, Sym>,
    names: Vec<String>,
    scratch: Vec<Sym>,
    record_syms: Vec<Sym>,
    /// Contributions skipped because they belong to another form or do not fit the plan.
    pub skipped: u64,
}

impl Fold {
    pub fn new(plan: Plan) -> Fold {
        Fold {
            plan,
            groups: Vec::new(),
            order: BTreeMap::new(),
            index: HashMap::new(),
            symbols: HashMap::new(),
            names: Vec::new(),
            scratch: Vec::new(),
            record_syms: Vec::new(),
            skipped: 0,
        }
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    pub fn add(&mut self, c: &Contributions) {
        self.add_parts(
            &c.form_id,
            &c.site,
            c.round.as_deref(),
            &c.period,
            c.consent,
            c.indicators.iter().map(|units| {
                units
                    .iter()
                    .map(|u| (u.value, u.keys.iter().map(|k| k.as_deref())))
            }),
            c.indicators.len(),
        );
    }

    /// Folds one stored contribution (the bytes of [`Contributions::encode`], or the
    /// JSON that contributions were stored as before) without building a
    /// `Contributions`: the same result as `add(&Contributions::decode(bytes)?)`, without
    /// allocating per unit. Bytes that are neither are an error and fold nothing.
    pub fn add_stored<'a>(&mut self, bytes: &'a [u8]) -> Result<Added<'a>, DecodeError> {
        if let Some(body) = bytes.strip_prefix(stored::MAGIC) {
            return self.add_compact(body);
        }
        let c: stored::ContributionsRef<'a> = serde_json::from_slice(bytes)
            .map_err(|e| DecodeError(format!("stored contributions: {e}")))?;
        let folded = self.add_parts(
            &c.form_id.0,
            &c.site.0,
            c.round.as_ref().map(|r| &*r.0),
            &c.period.0,
            c.consent,
            c.indicators.iter().map(|units| {
                units
                    .iter()
                    .map(|u| (u.value.0, u.keys.iter().map(|k| k.as_ref().map(|t| &*t.0))))
            }),
            c.indicators.len(),
        );
        Ok(Added {
            site: c.site.0,
            round: c.round.map(|r| r.0),
            consent: c.consent,
            folded,
        })
    }

    fn add_compact<'a>(&mut self, body: &'a [u8]) -> Result<Added<'a>, DecodeError> {
        // Validate the whole record before folding anything of it.
        let rec = stored::Compact::parse(body)?;
        let s = |i: usize| rec.strings[i];
        let (site, round, consent) = (s(rec.site), rec.round.map(s), rec.consent);
        let count = rec.indicator_count;
        if s(rec.form_id) != self.plan.form_id || count != self.plan.indicators.len() {
            self.skipped += 1;
            return Ok(Added {
                site: Cow::Borrowed(site),
                round: round.map(Cow::Borrowed),
                consent,
                folded: false,
            });
        }
        let gi = self.group_index(site, round);
        let g = &mut self.groups[gi];
        if s(rec.period) > g.period.as_str() {
            g.period = s(rec.period).to_string();
        }
        if !consent {
            g.refusals += 1;
        } else {
            g.consenting += 1;
            // Each distinct string of the record is interned once, when first used as a
            // key, not once per key.
            self.record_syms.clear();
            self.record_syms.resize(rec.strings.len(), UNSET);
            let mut r = stored::Reader::units(&rec);
            for i in 0..count {
                let units = r.varint()?;
                for _ in 0..units {
                    let value = r.value()?;
                    let keys = r.varint()?;
                    self.scratch.clear();
                    for _ in 0..keys {
                        let k = r.varint()?;
                        let sym = if k == 0 {
                            NO_VALUE
                        } else {
                            let slot = &mut self.record_syms[k - 1];
                            if *slot == UNSET {
                                *slot = Self::symbol(
                                    &mut self.symbols,
                                    &mut self.names,
                                    rec.strings[k - 1],
                                );
                            }
                            *slot
                        };
                        self.scratch.push(sym);
                    }
                    self.tally(gi, i, value);
                }
            }
        }
        Ok(Added {
            site: Cow::Borrowed(site),
            round: round.map(Cow::Borrowed),
            consent,
            folded: true,
        })
    }

    fn symbol(symbols: &mut HashMap<String, Sym>, names: &mut Vec<String>, v: &str) -> Sym {
        if let Some(&s) = symbols.get(v) {
            return s;
        }
        let s = names.len() as Sym;
        names.push(v.to_string());
        symbols.insert(v.to_string(), s);
        s
    }

    fn group_index(&mut self, site: &str, round: Option<&str>) -> usize {
        if let Some(rounds) = self.index.get(site)
            && let Some((_, i)) = rounds.iter().find(|(r, _)| r.as_deref() == round)
        {
            return *i;
        }
        let i = self.groups.len();
        self.groups.push(Group {
            tallies: vec![HashMap::new(); self.plan.indicators.len()],
            ..Group::default()
        });
        self.order
            .insert((site.to_string(), round.map(str::to_string)), i);
        self.index
            .entry(site.to_string())
            .or_default()
            .push((round.map(str::to_string), i));
        i
    }

    #[allow(clippy::too_many_arguments)]
    fn add_parts<'k, U, K>(
        &mut self,
        form_id: &str,
        site: &str,
        round: Option<&str>,
        period: &str,
        consent: bool,
        indicators: impl Iterator<Item = U>,
        count: usize,
    ) -> bool
    where
        U: Iterator<Item = (UnitValue, K)>,
        K: Iterator<Item = Option<&'k str>>,
    {
        if form_id != self.plan.form_id || count != self.plan.indicators.len() {
            self.skipped += 1;
            return false;
        }
        let gi = self.group_index(site, round);
        let g = &mut self.groups[gi];
        if period > g.period.as_str() {
            g.period = period.to_string();
        }
        if !consent {
            g.refusals += 1;
            return true;
        }
        g.consenting += 1;
        for (i, units) in indicators.enumerate() {
            for (value, keys) in units {
                self.scratch.clear();
                for k in keys {
                    let s = match k {
                        Some(v) => Self::symbol(&mut self.symbols, &mut self.names, v),
                        None => NO_VALUE,
                    };
                    self.scratch.push(s);
                }
                self.tally(gi, i, value);
            }
        }
        true
    }

    /// Counts one unit with `value` in the cell keyed by `self.scratch` (the unit's
    /// dimension symbols) of indicator `i` in group `gi`; both fold paths end here.
    fn tally(&mut self, gi: usize, i: usize, value: UnitValue) {
        let map = &mut self.groups[gi].tallies[i];
        let t = match map.get_mut(self.scratch.as_slice()) {
            Some(t) => t,
            None => map
                .entry(self.scratch.clone().into_boxed_slice())
                .or_default(),
        };
        t.units += 1;
        match value {
            UnitValue::Flag(f) => t.flags += u64::from(f),
            UnitValue::Number(x) => t.sum += x,
        }
    }

    /// The site × round pairs seen, in order.
    pub fn groups(&self) -> impl Iterator<Item = (&(String, Option<String>), &Group)> {
        self.order.iter().map(|(k, &i)| (k, &self.groups[i]))
    }

    /// One indicator's tallies of a group with the dimension values spelled out.
    fn spelled(&self, g: &Group, i: usize) -> HashMap<Vec<Option<String>>, Tally> {
        g.tallies[i]
            .iter()
            .map(|(keys, t)| {
                let keys = keys
                    .iter()
                    .map(|&s| (s != NO_VALUE).then(|| self.names[s as usize].clone()))
                    .collect();
                (keys, *t)
            })
            .collect()
    }

    /// The protected batch of one site × round (`None` if nothing was seen there).
    pub fn batch(
        &self,
        site: &str,
        round: Option<&str>,
        batch_id: Uuid,
        sequence: u64,
        today: &str,
    ) -> Option<Batch> {
        let g = &self.groups[*self
            .order
            .get(&(site.to_string(), round.map(str::to_string)))?];
        let per_indicator: Vec<Vec<Cell>> = (0..self.plan.indicators.len())
            .map(|i| indicator_cells(&self.plan.indicators[i], &self.spelled(g, i)))
            .collect();
        // Indicators measured on participants: their cells' n becomes the people
        // counted by the plan's people total, when that count is sound in every cell.
        let mut counted_by: HashMap<&str, &str> = HashMap::new();
        let mut cells = Vec::new();
        for (i, ind) in self.plan.indicators.iter().enumerate() {
            let mut own = per_indicator[i].clone();
            if let Some(w) = ind.people
                && count_people(&mut own, &per_indicator[w])
            {
                counted_by.insert(&ind.meta.name, &self.plan.indicators[w].meta.name);
            }
            cells.extend(own);
        }
        let k = self.plan.min_cell_size;
        if g.consenting < u64::from(self.plan.min_responses) {
            for c in &mut cells {
                suppression::hide(c, SuppressionRule::MinResponses);
            }
        } else {
            let mins: HashMap<&str, u32> = self
                .plan
                .indicators
                .iter()
                .map(|i| (i.meta.name.as_str(), i.meta.min_cell))
                .collect();
            suppression::protect_cells_linked(
                &mut cells,
                &|name| mins.get(name).copied().unwrap_or(k),
                &|name| counted_by.get(name).map(|w| w.to_string()),
            );
        }
        Some(Batch {
            schema: BATCH_SCHEMA.into(),
            batch_id,
            sequence,
            form_id: self.plan.form_id.clone(),
            form_version: self.plan.form_version.clone(),
            site: site.to_string(),
            round: round.map(str::to_string),
            period: g.period.clone(),
            generated_at: today.to_string(),
            min_cell_size: k,
            indicators: self
                .plan
                .indicators
                .iter()
                .map(|i| i.meta.clone())
                .collect(),
            cells,
            refusals: suppression::protect_refusals(Some(g.refusals), k),
        })
    }
}

fn indicator_cells(
    ind: &PlannedIndicator,
    tallies: &HashMap<Vec<Option<String>>, Tally>,
) -> Vec<Cell> {
    // Each dimension's values: declared ones (zero cells too), then any observed.
    let mut values: Vec<Vec<String>> = ind.values.clone();
    for keys in tallies.keys() {
        for (d, v) in keys.iter().enumerate() {
            let v = v.clone().unwrap_or_else(|| MISSING.to_string());
            if d < values.len() && !values[d].contains(&v) {
                values[d].push(v);
            }
        }
    }
    // Sums of floating-point values depend on the order they are added in: add in the
    // keys' order, never a hash map's, so that the same responses always give the same
    // bytes (an approval compares the batch with the one previewed, byte for byte).
    let mut ordered: Vec<(&Vec<Option<String>>, &Tally)> = tallies.iter().collect();
    ordered.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = Vec::new();
    for level in &ind.levels {
        let mut sums: BTreeMap<Vec<String>, Tally> = BTreeMap::new();
        // Zero cells for declared values.
        let mut combos: Vec<Vec<String>> = vec![vec![]];
        for &d in level {
            let declared: Vec<&String> = values[d].iter().filter(|v| *v != MISSING).collect();
            combos = combos
                .into_iter()
                .flat_map(|c| {
                    declared.iter().map(move |v| {
                        let mut c = c.clone();
                        c.push((*v).clone());
                        c
                    })
                })
                .collect();
        }
        for c in combos {
            sums.insert(c, Tally::default());
        }
        for &(keys, t) in &ordered {
            let proj: Vec<String> = level
                .iter()
                .map(|&d| {
                    keys.get(d)
                        .cloned()
                        .flatten()
                        .unwrap_or_else(|| MISSING.to_string())
                })
                .collect();
            sums.entry(proj).or_default().add(t);
        }
        for (vals, t) in sums {
            let by: BTreeMap<String, String> = level
                .iter()
                .zip(vals)
                .map(|(&d, v)| (ind.dims[d].clone(), v))
                .collect();
            out.push(released_cell(&ind.meta, by, &t));
        }
    }
    out
}

/// Sets each cell's `n` (and `denominator`) to the people counted in the same cell by
/// `people` (a people total over the same units), when that is sound everywhere: every
/// cell of `people` exists, has as many units as this one, and holds a whole number of
/// people, at least one per unit. Otherwise changes nothing and returns `false` (the
/// indicator keeps its unit counts, the stricter minimum).
fn count_people(cells: &mut [Cell], people: &[Cell]) -> bool {
    let totals: HashMap<&BTreeMap<String, String>, (u64, f64)> = people
        .iter()
        .filter_map(|c| Some((&c.by, (c.n?, c.value?))))
        .collect();
    let mut counted = Vec::with_capacity(cells.len());
    for c in cells.iter() {
        let Some(&(units, sum)) = totals.get(&c.by) else {
            return false;
        };
        let whole = sum.fract() == 0.0 && sum >= units as f64 && sum < 2f64.powi(53);
        if c.n != Some(units) || !whole {
            return false;
        }
        counted.push(sum as u64);
    }
    for (c, n) in cells.iter_mut().zip(counted) {
        c.n = Some(n);
        c.denominator = Some(n);
    }
    true
}

fn released_cell(meta: &IndicatorMeta, by: BTreeMap<String, String>, t: &Tally) -> Cell {
    let n = t.units;
    let value = match meta.kind {
        IndicatorKind::Count => Some(t.flags as f64),
        IndicatorKind::Proportion => (n > 0).then(|| 100.0 * t.flags as f64 / n as f64),
        IndicatorKind::Mean | IndicatorKind::Score => (n > 0).then(|| t.sum / n as f64),
        IndicatorKind::Sum => Some(t.sum),
    };
    let level = match (meta.kind, value) {
        (IndicatorKind::Score, Some(v)) => suppression::level(meta, v),
        _ => None,
    };
    Cell {
        indicator: meta.name.clone(),
        by,
        suppressed: false,
        rule: None,
        n: Some(n),
        denominator: Some(n),
        value,
        level,
    }
}

/// Whether a new batch for a site × round may be released after `previous`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Releasability {
    /// Nothing released before, or enough changes and the pair audits clean.
    Releasable,
    /// Fewer than k consenting responses were added or withdrawn since the last release.
    NeedMoreChanges { changes: u64, needed: u64 },
    /// Enough changes, but comparing the two batches would narrow a changed cell to
    /// fewer than k responses; more changes are needed.
    DifferencingRisk { cells: Vec<String> },
}

/// The successive-release rule. `changes` is the number of consenting responses added
/// or withdrawn since `previous` was released (the size of the symmetric difference of
/// the two sets of submissions). The audit computes, on the table of differences
/// between the two batches, the feasible interval of every changed cell an observer
/// can bound (released in both, or derived from cells that are), and requires every
/// cell whose true change is between 1 and k−1 to stay at least k wide.
pub fn successive_release(
    previous: Option<&Batch>,
    current: &Batch,
    changes: u64,
    withdrawals: bool,
) -> Releasability {
    let Some(prev) = previous else {
        return Releasability::Releasable;
    };
    let k = u64::from(current.min_cell_size);
    if changes < k {
        return Releasability::NeedMoreChanges {
            changes,
            needed: k - changes,
        };
    }
    // Both batches carry only released numbers; the true differences of hidden cells
    // are unknown to the observer, and to this audit (which sees what leaves).
    let key = |c: &Cell| (c.indicator.clone(), c.by.clone());
    let old: HashMap<_, &Cell> = prev.cells.iter().map(|c| (key(c), c)).collect();
    let mut risky = Vec::new();
    let mut by_ind: BTreeMap<&str, Vec<&Cell>> = BTreeMap::new();
    for c in &current.cells {
        by_ind.entry(c.indicator.as_str()).or_default().push(c);
    }
    for (name, cells) in by_ind {
        let min = current
            .indicators
            .iter()
            .find(|m| m.name == name)
            .map_or(k, |m| u64::from(m.min_cell));
        if min <= 1 {
            continue;
        }
        let keys: Vec<&BTreeMap<String, String>> = cells.iter().map(|c| &c.by).collect();
        let eqs: Vec<Equation> = suppression::equations_from_keys(&keys);
        let diffs: Vec<Option<f64>> = cells
            .iter()
            .map(|c| {
                let o = old.get(&key(c))?;
                Some(c.n? as f64 - o.n? as f64)
            })
            .collect();
        for (i, c) in cells.iter().enumerate() {
            let iv = match diffs[i] {
                Some(d) => Interval { lo: d, hi: Some(d) },
                None => diff_interval(&eqs, &diffs, i, withdrawals),
            };
            // A released difference, or one pinned down, of 1..k−1 responses exposes
            // them; so does an interval narrower than k that excludes zero.
            let width = iv.width();
            let exposes = match iv.hi {
                Some(hi) if width < 1e-9 => {
                    let d = hi.abs();
                    d >= 1.0 - 1e-9 && d < min as f64 - 1e-9
                }
                Some(hi) => width < min as f64 && (iv.lo > 1e-9 || hi < -1e-9),
                None => false,
            };
            if exposes {
                let by: Vec<String> = c.by.iter().map(|(d, v)| format!("{d}={v}")).collect();
                risky.push(format!("{name} {{{}}}", by.join(", ")));
            }
        }
    }
    if risky.is_empty() {
        Releasability::Releasable
    } else {
        Releasability::DifferencingRisk { cells: risky }
    }
}

/// The interval of a difference cell: without withdrawals every change is ≥ 0 and the
/// protocol's interval applies; with them, differences are free and only an exact
/// linear derivation (width 0) pins a cell down.
fn diff_interval(eqs: &[Equation], diffs: &[Option<f64>], i: usize, withdrawals: bool) -> Interval {
    if !withdrawals && diffs.iter().flatten().all(|d| *d >= 0.0) {
        return suppression::interval(eqs, diffs, i);
    }
    // Free variables: the cell is determined only when a chain of equations with one
    // unknown each reaches it.
    let mut known = diffs.to_vec();
    loop {
        let mut progress = false;
        for e in eqs {
            let cells: Vec<usize> = std::iter::once(e.total)
                .chain(e.parts.iter().copied())
                .collect();
            let unknown: Vec<usize> = cells
                .iter()
                .copied()
                .filter(|&c| known[c].is_none())
                .collect();
            if unknown.len() == 1 {
                let u = unknown[0];
                let parts: f64 = e.parts.iter().filter_map(|&p| known[p]).sum();
                known[u] = Some(if u == e.total {
                    parts
                } else {
                    known[e.total].unwrap_or(0.0) - parts
                });
                progress = true;
            }
        }
        if !progress {
            break;
        }
    }
    match known[i] {
        Some(d) => Interval { lo: d, hi: Some(d) },
        None => Interval {
            lo: f64::NEG_INFINITY,
            hi: None,
        },
    }
}

/// One indicator cell's change between two rounds of a site.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub indicator: String,
    pub by: BTreeMap<String, String>,
    pub before: f64,
    pub after: f64,
    pub change: f64,
}

/// The site's baseline and endline batches among `batches`, paired for [`round_change`]
/// (rounds named `baseline` and `endline`, as the women's participation form does).
pub fn baseline_endline_pairs(batches: &[Batch]) -> Vec<(&Batch, &Batch)> {
    batches
        .iter()
        .filter(|b| b.round.as_deref() == Some("endline"))
        .filter_map(|end| {
            batches
                .iter()
                .find(|b| b.site == end.site && b.round.as_deref() == Some("baseline"))
                .map(|base| (base, end))
        })
        .collect()
}

/// Baseline → endline change for every cell released with a value in both batches of
/// one site (a cell hidden in either round has no change: it would reveal nothing safe).
pub fn round_change(before: &Batch, after: &Batch) -> Vec<Change> {
    let old: HashMap<(&str, &BTreeMap<String, String>), f64> = before
        .cells
        .iter()
        .filter_map(|c| Some(((c.indicator.as_str(), &c.by), c.value?)))
        .collect();
    after
        .cells
        .iter()
        .filter_map(|c| {
            let a = c.value?;
            let b = *old.get(&(c.indicator.as_str(), &c.by))?;
            Some(Change {
                indicator: c.indicator.clone(),
                by: c.by.clone(),
                before: b,
                after: a,
                change: a - b,
            })
        })
        .collect()
}

/// One line per suppressed cell: which cell and why (for `lantern aggregate --explain`).
pub fn explain(batch: &Batch) -> Vec<String> {
    let mut out = Vec::new();
    let k = batch.min_cell_size;
    for c in batch.cells.iter().filter(|c| c.suppressed) {
        let by = if c.by.is_empty() {
            "total".to_string()
        } else {
            c.by.iter()
                .map(|(d, v)| format!("{d}={v}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let min = batch
            .indicators
            .iter()
            .find(|m| m.name == c.indicator)
            .map_or(k, |m| m.min_cell);
        let why = match c.rule {
            Some(SuppressionRule::Primary) => format!("primary: between 1 and {} units", min - 1),
            Some(SuppressionRule::Complementary) => {
                "complementary: hidden so that a small cell cannot be recovered from totals".into()
            }
            Some(SuppressionRule::Derived) => "derived from a suppressed count".into(),
            Some(SuppressionRule::MinResponses) => {
                "the site and round have too few consenting responses".into()
            }
            None => "suppressed".into(),
        };
        out.push(format!("{} [{by}]: {why}", c.indicator));
    }
    if batch.refusals.suppressed {
        out.push(format!("refusals: fewer than {k}"));
    }
    out
}

/// A plain-language summary for the preview screen, in English, French, Spanish or
/// Arabic (by language code; English otherwise).
pub fn describe(batch: &Batch, language: &str) -> String {
    let released = batch.cells.iter().filter(|c| !c.suppressed).count()
        + usize::from(!batch.refusals.suppressed);
    let hidden = batch.cells.len() + 1 - released;
    let round = batch.round.as_deref().unwrap_or("-");
    match language {
        "fr" => format!(
            "Ceci enverra {released} nombres sur le site {}, {round} ({}) ; {hidden} restent masqués pour protéger les personnes.",
            batch.site, batch.period
        ),
        "es" => format!(
            "Esto enviará {released} números sobre el sitio {}, {round} ({}); {hidden} quedan ocultos para proteger a las personas.",
            batch.site, batch.period
        ),
        "ar" => format!(
            "سيتم إرسال {released} رقمًا عن الموقع {}، {round} ({})؛ ويبقى {hidden} مخفيًا لحماية الأشخاص.",
            batch.site, batch.period
        ),
        _ => format!(
            "This will send {released} numbers about site {}, {round} ({}); {hidden} stay hidden to protect people.",
            batch.site, batch.period
        ),
    }
}

mod stored;

#[cfg(test)]
mod tests;

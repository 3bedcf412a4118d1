//! What the dashboard shows, computed from the combined aggregates (`combine`): the
//! overview's sites × sectors risk table, one indicator's released cells, and the
//! baseline → endline change. Pure functions of the stored batches and the site list;
//! a suppressed cell is carried as suppressed with its k, never as a number.

use std::collections::{BTreeMap, BTreeSet};

use lantern_protocol::suppression::{cell_level, round_rank};
use lantern_protocol::{IndicatorKind, IndicatorMeta, Level, SuppressionRule};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AggregateGroup;
use crate::store::Site;

/// One form as the dashboard knows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FormInfo {
    pub form_id: String,
    pub form_versions: Vec<String>,
    #[schema(value_type = Vec<Object>)]
    pub indicators: Vec<IndicatorMeta>,
    pub rounds: Vec<String>,
    pub sites: Vec<String>,
    /// Dimensions the cells are broken down by (e.g. `sex`, `age_group`, `disability`).
    pub dimensions: Vec<String>,
}

/// The forms with released data, and the imported site list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Catalog {
    pub forms: Vec<FormInfo>,
    pub sites: Vec<SiteInfo>,
    /// Every admin area code of the imported site list, sorted.
    pub admin_areas: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SiteInfo {
    pub code: String,
    pub name: String,
    pub admin: Vec<String>,
}

impl From<&Site> for SiteInfo {
    fn from(s: &Site) -> Self {
        SiteInfo {
            code: s.code.clone(),
            name: s.name.clone(),
            admin: s.admin.clone(),
        }
    }
}

/// The combined groups of one form.
pub struct FormGroups {
    pub form_id: String,
    pub groups: Vec<AggregateGroup>,
}

pub fn catalog(forms: &[FormGroups], sites: &[Site]) -> Catalog {
    let forms = forms
        .iter()
        .map(|f| {
            let mut indicators: BTreeMap<String, IndicatorMeta> = BTreeMap::new();
            let mut rounds = BTreeSet::new();
            let mut site_set = BTreeSet::new();
            let mut versions = BTreeSet::new();
            let mut dims = BTreeSet::new();
            for g in &f.groups {
                for i in &g.indicators {
                    indicators
                        .entry(i.name.clone())
                        .or_insert_with(|| i.clone());
                }
                if let Some(r) = &g.round {
                    rounds.insert(r.clone());
                }
                site_set.insert(g.site.clone());
                versions.extend(g.form_versions.iter().cloned());
                for c in &g.cells {
                    dims.extend(c.by.keys().cloned());
                }
            }
            // Keep the form's own indicator order from its newest group.
            let order: Vec<String> = f
                .groups
                .iter()
                .max_by_key(|g| g.periods.last().cloned())
                .map(|g| g.indicators.iter().map(|i| i.name.clone()).collect())
                .unwrap_or_default();
            let mut ordered: Vec<IndicatorMeta> =
                order.iter().filter_map(|n| indicators.remove(n)).collect();
            ordered.extend(indicators.into_values());
            FormInfo {
                form_id: f.form_id.clone(),
                form_versions: versions.into_iter().collect(),
                indicators: ordered,
                rounds: sort_rounds(rounds.into_iter().collect()),
                sites: site_set.into_iter().collect(),
                dimensions: dims.into_iter().collect(),
            }
        })
        .collect();
    let admin_areas: BTreeSet<String> = sites.iter().flat_map(|s| s.admin.clone()).collect();
    Catalog {
        forms,
        sites: sites.iter().map(SiteInfo::from).collect(),
        admin_areas: admin_areas.into_iter().collect(),
    }
}

/// Baseline first, endline last, numbered rounds by number and other names by name in
/// between.
pub fn sort_rounds(mut rounds: Vec<String>) -> Vec<String> {
    rounds.sort_by_key(|r| round_rank(Some(r)));
    rounds
}

// ---------------------------------------------------------------- overview

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OverviewQuery {
    /// Only this form's findings.
    pub form_id: Option<String>,
    /// Only sites in this admin area (any level of the imported site list).
    pub admin: Option<String>,
}

/// The risk of one site in one sector, from the latest released batch that rates it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RiskCell {
    pub sector: String,
    #[schema(value_type = Option<String>)]
    pub level: Option<Level>,
    pub form_id: String,
    pub round: Option<String>,
    /// The month the data belongs to (`YYYY-MM`).
    pub period: String,
    /// How many rated indicators are red, amber, green.
    pub red: u32,
    pub amber: u32,
    pub green: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OverviewRow {
    pub site: String,
    pub name: Option<String>,
    pub admin: Vec<String>,
    /// The worst level over the site's sectors; none when nothing rates it.
    #[schema(value_type = Option<String>)]
    pub level: Option<Level>,
    /// One entry per `sectors` of the answer, `null` where no batch rates it.
    pub cells: Vec<Option<RiskCell>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct LevelCounts {
    pub red: u32,
    pub amber: u32,
    pub green: u32,
    /// Sites with no rated finding yet.
    pub unrated: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Overview {
    pub sectors: Vec<String>,
    pub rows: Vec<OverviewRow>,
    pub counts: LevelCounts,
}

pub fn overview(forms: &[FormGroups], sites: &[Site], q: &OverviewQuery) -> Overview {
    let by_code: BTreeMap<&str, &Site> = sites.iter().map(|s| (s.code.as_str(), s)).collect();
    // site → sector → (period, cell)
    let mut table: BTreeMap<String, BTreeMap<String, RiskCell>> = BTreeMap::new();
    let mut sectors = BTreeSet::new();
    for f in forms {
        if q.form_id.as_ref().is_some_and(|id| *id != f.form_id) {
            continue;
        }
        for g in &f.groups {
            let period = g.periods.last().cloned().unwrap_or_default();
            let mut here: BTreeMap<String, RiskCell> = BTreeMap::new();
            for meta in &g.indicators {
                let Some(sector) = meta.sector.clone() else {
                    continue;
                };
                if meta.amber.is_none() && meta.red.is_none() && meta.kind != IndicatorKind::Score {
                    continue;
                }
                let Some(total) = g
                    .cells
                    .iter()
                    .find(|c| c.indicator == meta.name && c.by.is_empty())
                else {
                    continue;
                };
                let Some(level) = cell_level(meta, total) else {
                    continue;
                };
                let e = here.entry(sector.clone()).or_insert_with(|| RiskCell {
                    sector,
                    level: None,
                    form_id: f.form_id.clone(),
                    round: g.round.clone(),
                    period: period.clone(),
                    red: 0,
                    amber: 0,
                    green: 0,
                });
                e.level = e.level.max(Some(level));
                match level {
                    Level::Red => e.red += 1,
                    Level::Amber => e.amber += 1,
                    Level::Green => e.green += 1,
                }
            }
            let row = table.entry(g.site.clone()).or_default();
            for (sector, cell) in here {
                sectors.insert(sector.clone());
                // The latest period wins; within a period, the later round.
                let newer = row.get(&sector).is_none_or(|old| {
                    (cell.period.as_str(), round_rank(cell.round.as_deref()))
                        >= (old.period.as_str(), round_rank(old.round.as_deref()))
                });
                if newer {
                    row.insert(sector, cell);
                }
            }
        }
    }
    // Imported sites without a rated finding still appear, as unrated.
    for s in sites {
        table.entry(s.code.clone()).or_default();
    }
    let sectors: Vec<String> = sectors.into_iter().collect();
    let mut counts = LevelCounts::default();
    let rows: Vec<OverviewRow> = table
        .into_iter()
        .filter_map(|(site, mut cells)| {
            let known = by_code.get(site.as_str());
            if let Some(area) = &q.admin
                && !known.is_some_and(|s| s.admin.iter().any(|a| a == area))
            {
                return None;
            }
            let cells: Vec<Option<RiskCell>> = sectors.iter().map(|s| cells.remove(s)).collect();
            let level = cells.iter().flatten().filter_map(|c| c.level).max();
            match level {
                Some(Level::Red) => counts.red += 1,
                Some(Level::Amber) => counts.amber += 1,
                Some(Level::Green) => counts.green += 1,
                None => counts.unrated += 1,
            }
            Some(OverviewRow {
                name: known.map(|s| s.name.clone()),
                admin: known.map(|s| s.admin.clone()).unwrap_or_default(),
                site,
                level,
                cells,
            })
        })
        .collect();
    let mut rows = rows;
    // Red sites first, then amber, green and unrated; by site code within a level.
    rows.sort_by(|a: &OverviewRow, b: &OverviewRow| {
        b.level.cmp(&a.level).then_with(|| a.site.cmp(&b.site))
    });
    Overview {
        sectors,
        rows,
        counts,
    }
}

// ---------------------------------------------------------------- indicator

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IndicatorQuery {
    pub form_id: String,
    pub indicator: String,
    /// Sites, comma-separated; all when absent.
    pub sites: Option<String>,
    /// Only this round.
    pub round: Option<String>,
}

/// One released or suppressed cell of the indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IndicatorRow {
    pub site: String,
    pub site_name: Option<String>,
    pub round: Option<String>,
    pub period: String,
    /// Dimension → category; empty for the total.
    pub by: BTreeMap<String, String>,
    pub suppressed: bool,
    #[schema(value_type = Option<String>)]
    pub rule: Option<SuppressionRule>,
    /// The cell minimum: a suppressed cell had fewer than `k` units (or protects one
    /// that had).
    pub k: u32,
    pub n: Option<u64>,
    pub denominator: Option<u64>,
    pub value: Option<f64>,
    #[schema(value_type = Option<String>)]
    pub level: Option<Level>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IndicatorView {
    pub form_id: String,
    #[schema(value_type = Object)]
    pub indicator: IndicatorMeta,
    pub rows: Vec<IndicatorRow>,
}

pub fn split_sites(sites: Option<&str>) -> Option<BTreeSet<String>> {
    sites.map(|s| {
        s.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    })
}

/// `None` when the form has no such indicator.
pub fn indicator(form: &FormGroups, sites: &[Site], q: &IndicatorQuery) -> Option<IndicatorView> {
    let names: BTreeMap<&str, &str> = sites
        .iter()
        .map(|s| (s.code.as_str(), s.name.as_str()))
        .collect();
    let wanted = split_sites(q.sites.as_deref());
    let meta = form
        .groups
        .iter()
        .rev()
        .find_map(|g| g.indicators.iter().find(|i| i.name == q.indicator))?
        .clone();
    let mut rows = Vec::new();
    for g in &form.groups {
        if wanted.as_ref().is_some_and(|w| !w.contains(&g.site)) {
            continue;
        }
        if q.round.is_some() && g.round != q.round {
            continue;
        }
        let Some(m) = g.indicators.iter().find(|i| i.name == q.indicator) else {
            continue;
        };
        let k = m.min_cell.max(1);
        for c in g.cells.iter().filter(|c| c.indicator == q.indicator) {
            rows.push(IndicatorRow {
                site: g.site.clone(),
                site_name: names.get(g.site.as_str()).map(|s| (*s).to_owned()),
                round: g.round.clone(),
                period: g.periods.last().cloned().unwrap_or_default(),
                by: c.by.clone(),
                suppressed: c.suppressed,
                rule: c.rule,
                k,
                n: if c.suppressed { None } else { c.n },
                denominator: if c.suppressed { None } else { c.denominator },
                value: if c.suppressed { None } else { c.value },
                level: if c.suppressed { None } else { cell_level(m, c) },
            });
        }
    }
    rows.sort_by(|a, b| {
        (&a.site, round_rank(a.round.as_deref()), a.by.len(), &a.by).cmp(&(
            &b.site,
            round_rank(b.round.as_deref()),
            b.by.len(),
            &b.by,
        ))
    });
    Some(IndicatorView {
        form_id: form.form_id.clone(),
        indicator: meta,
        rows,
    })
}

// ---------------------------------------------------------------- change

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangeQuery {
    pub form_id: String,
    /// The first round (default `baseline`).
    pub baseline: Option<String>,
    /// The second round (default `endline`).
    pub endline: Option<String>,
    /// Indicators, comma-separated; default every proportion, mean and score.
    pub indicators: Option<String>,
    /// Sites, comma-separated; all when absent.
    pub sites: Option<String>,
}

/// Whether a site's change can be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeStatus {
    /// Both rounds released: the change is shown.
    Released,
    BaselineSuppressed,
    EndlineSuppressed,
    NoBaseline,
    NoEndline,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChangeRow {
    pub site: String,
    pub site_name: Option<String>,
    pub indicator: String,
    pub status: ChangeStatus,
    /// Released rounds only; `null` otherwise.
    pub baseline: Option<f64>,
    pub endline: Option<f64>,
    /// endline − baseline, only when both are released.
    pub change: Option<f64>,
    pub k: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChangeView {
    pub form_id: String,
    pub baseline: String,
    pub endline: String,
    #[schema(value_type = Vec<Object>)]
    pub indicators: Vec<IndicatorMeta>,
    pub rows: Vec<ChangeRow>,
}

enum Total {
    Missing,
    Suppressed,
    Value(f64),
}

fn total(g: Option<&AggregateGroup>, indicator: &str) -> Total {
    let Some(g) = g else { return Total::Missing };
    match g
        .cells
        .iter()
        .find(|c| c.indicator == indicator && c.by.is_empty())
    {
        None => Total::Missing,
        Some(c) if c.suppressed => Total::Suppressed,
        Some(c) => c.value.map_or(Total::Suppressed, Total::Value),
    }
}

pub fn change(form: &FormGroups, sites: &[Site], q: &ChangeQuery) -> ChangeView {
    let names: BTreeMap<&str, &str> = sites
        .iter()
        .map(|s| (s.code.as_str(), s.name.as_str()))
        .collect();
    let baseline = q.baseline.clone().unwrap_or_else(|| "baseline".into());
    let endline = q.endline.clone().unwrap_or_else(|| "endline".into());
    let wanted_sites = split_sites(q.sites.as_deref());
    let wanted_ind = split_sites(q.indicators.as_deref());
    let info = catalog(
        &[FormGroups {
            form_id: form.form_id.clone(),
            groups: form.groups.clone(),
        }],
        &[],
    );
    let indicators: Vec<IndicatorMeta> = info
        .forms
        .into_iter()
        .flat_map(|f| f.indicators)
        .filter(|i| match &wanted_ind {
            Some(w) => w.contains(&i.name),
            None => i.kind != IndicatorKind::Count && i.kind != IndicatorKind::Sum,
        })
        .collect();
    let mut by_site: BTreeMap<&str, (Option<&AggregateGroup>, Option<&AggregateGroup>)> =
        BTreeMap::new();
    for g in &form.groups {
        if wanted_sites.as_ref().is_some_and(|w| !w.contains(&g.site)) {
            continue;
        }
        let e = by_site.entry(g.site.as_str()).or_default();
        if g.round.as_deref() == Some(baseline.as_str()) {
            e.0 = Some(g);
        } else if g.round.as_deref() == Some(endline.as_str()) {
            e.1 = Some(g);
        }
    }
    let mut rows = Vec::new();
    for (site, (b, e)) in by_site {
        if b.is_none() && e.is_none() {
            continue;
        }
        for ind in &indicators {
            let (status, bv, ev) = match (total(b, &ind.name), total(e, &ind.name)) {
                (Total::Value(x), Total::Value(y)) => (ChangeStatus::Released, Some(x), Some(y)),
                (Total::Missing, Total::Missing) => continue,
                (Total::Missing, Total::Value(y)) => (ChangeStatus::NoBaseline, None, Some(y)),
                (Total::Missing, Total::Suppressed) => (ChangeStatus::NoBaseline, None, None),
                (Total::Suppressed, Total::Value(y)) => {
                    (ChangeStatus::BaselineSuppressed, None, Some(y))
                }
                (Total::Suppressed, _) => (ChangeStatus::BaselineSuppressed, None, None),
                (Total::Value(x), Total::Missing) => (ChangeStatus::NoEndline, Some(x), None),
                (Total::Value(x), Total::Suppressed) => {
                    (ChangeStatus::EndlineSuppressed, Some(x), None)
                }
            };
            let change = match (status, bv, ev) {
                (ChangeStatus::Released, Some(x), Some(y)) => Some(round6(y - x)),
                _ => None,
            };
            rows.push(ChangeRow {
                site: site.to_owned(),
                site_name: names.get(site).map(|s| (*s).to_owned()),
                indicator: ind.name.clone(),
                status,
                baseline: bv,
                endline: ev,
                change,
                k: ind.min_cell.max(1),
            });
        }
    }
    ChangeView {
        form_id: form.form_id.clone(),
        baseline,
        endline,
        indicators,
        rows,
    }
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_sort_as_people_count_them() {
        let r = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            sort_rounds(r(&["endline", "10", "2", "midline", "baseline", "1"])),
            r(&["baseline", "1", "2", "10", "midline", "endline"])
        );
    }
}

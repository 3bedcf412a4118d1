//! Combining the stored batches of one form per site × round for the aggregates API.
//!
//! One device's batch is returned as it was released (it passed disclosure control on
//! the device). Batches of several devices are combined by
//! [`combine_devices`], which re-applies disclosure control.

use std::collections::BTreeMap;

use lantern_protocol::{Batch, Cell, IndicatorKind, Refusals, SuppressionRule};

use crate::AggregateGroup;
use crate::store::StoredBatch;

/// Groups stored batches per site × round and combines each group.
pub fn combine(stored: &[StoredBatch]) -> Result<Vec<AggregateGroup>, String> {
    let mut groups: BTreeMap<(String, Option<String>), Vec<Batch>> = BTreeMap::new();
    for s in stored {
        let batch: Batch = serde_json::from_str(&s.body)
            .map_err(|e| format!("stored batch {} does not parse: {e}", s.batch_id))?;
        groups
            .entry((s.site.clone(), s.round.clone()))
            .or_default()
            .push(batch);
    }
    Ok(groups
        .into_iter()
        .map(|((site, round), batches)| group(site, round, batches))
        .collect())
}

fn group(site: String, round: Option<String>, batches: Vec<Batch>) -> AggregateGroup {
    let mut form_versions: Vec<String> = batches.iter().map(|b| b.form_version.clone()).collect();
    form_versions.sort();
    form_versions.dedup();
    let mut periods: Vec<String> = batches.iter().map(|b| b.period.clone()).collect();
    periods.sort();
    periods.dedup();
    let devices = u32::try_from(batches.len()).unwrap_or(u32::MAX);
    let min_cell_size = batches.iter().map(|b| b.min_cell_size).max().unwrap_or(1);
    let (indicators, cells, refusals) = if batches.len() == 1 {
        let b = batches
            .into_iter()
            .next()
            .map(|b| (b.indicators, b.cells, b.refusals));
        b.unwrap_or_else(|| (Vec::new(), Vec::new(), suppressed_refusals()))
    } else {
        combine_devices(&batches, min_cell_size)
    };
    AggregateGroup {
        site,
        round,
        devices,
        form_versions,
        periods,
        min_cell_size,
        indicators,
        cells,
        refusals,
    }
}

fn suppressed_refusals() -> Refusals {
    Refusals {
        suppressed: true,
        rule: Some(SuppressionRule::MinResponses),
        n: None,
    }
}

/// Combines several devices' batches of one site × round, conservatively: a count or
/// sum is added up only where every device released the cell, then small sums are
/// suppressed again (primary) and, in each indicator, a lone suppressed cell among
/// released siblings takes its smallest released sibling with it (complementary), so
/// that no hidden number can be recovered from the total. Proportions, means and
/// scores cannot be combined from released cells alone without their numerators, so
/// they stay suppressed (`derived`) until every device's cell is released and the
/// weights are known.
pub fn combine_devices(
    batches: &[Batch],
    k: u32,
) -> (Vec<lantern_protocol::IndicatorMeta>, Vec<Cell>, Refusals) {
    let k = u64::from(k);
    let indicators = batches
        .first()
        .map(|b| b.indicators.clone())
        .unwrap_or_default();
    let mut out: Vec<Cell> = Vec::new();
    for ind in &indicators {
        let min = u64::from(ind.min_cell).max(1).min(k.max(1));
        let additive = matches!(ind.kind, IndicatorKind::Count | IndicatorKind::Sum);
        let mut keys: Vec<&BTreeMap<String, String>> = batches
            .iter()
            .flat_map(|b| {
                b.cells
                    .iter()
                    .filter(|c| c.indicator == ind.name)
                    .map(|c| &c.by)
            })
            .collect();
        keys.sort();
        keys.dedup();
        let mut cells: Vec<Cell> = keys
            .into_iter()
            .map(|by| {
                let parts: Vec<Option<&Cell>> = batches
                    .iter()
                    .map(|b| {
                        b.cells
                            .iter()
                            .find(|c| c.indicator == ind.name && c.by == *by)
                    })
                    .collect();
                let all_released = parts.iter().all(|p| p.is_some_and(|c| !c.suppressed));
                let suppressed = |rule| Cell {
                    indicator: ind.name.clone(),
                    by: by.clone(),
                    suppressed: true,
                    rule: Some(rule),
                    n: None,
                    denominator: None,
                    value: None,
                    level: None,
                };
                if !additive {
                    return suppressed(SuppressionRule::Derived);
                }
                if !all_released {
                    return suppressed(SuppressionRule::Complementary);
                }
                let n: u64 = parts.iter().flatten().filter_map(|c| c.n).sum();
                if n < min {
                    return suppressed(SuppressionRule::Primary);
                }
                let value: f64 = parts.iter().flatten().filter_map(|c| c.value).sum();
                Cell {
                    indicator: ind.name.clone(),
                    by: by.clone(),
                    suppressed: false,
                    rule: None,
                    n: Some(n),
                    denominator: None,
                    value: Some(value),
                    level: None,
                }
            })
            .collect();
        complementary(&mut cells);
        out.extend(cells);
    }
    let refusal_parts: Vec<&Refusals> = batches.iter().map(|b| &b.refusals).collect();
    let refusals = if refusal_parts.iter().all(|r| !r.suppressed) {
        let n: u64 = refusal_parts.iter().filter_map(|r| r.n).sum();
        if n == 0 || n >= k {
            Refusals {
                suppressed: false,
                rule: None,
                n: Some(n),
            }
        } else {
            Refusals {
                suppressed: true,
                rule: Some(SuppressionRule::Primary),
                n: None,
            }
        }
    } else {
        Refusals {
            suppressed: true,
            rule: Some(SuppressionRule::Complementary),
            n: None,
        }
    };
    (indicators, out, refusals)
}

/// Within each group of sibling cells (same dimensions, differing in one value), a
/// single suppressed cell next to released ones would be recovered from the parent
/// total: suppress the smallest released sibling too.
fn complementary(cells: &mut [Cell]) {
    loop {
        let mut changed = false;
        let mut families: BTreeMap<(Vec<&String>, String), Vec<usize>> = BTreeMap::new();
        for (i, c) in cells.iter().enumerate() {
            for dim in c.by.keys() {
                let others: Vec<&String> =
                    c.by.iter()
                        .filter(|(d, _)| *d != dim)
                        .flat_map(|(d, v)| [d, v])
                        .collect();
                families.entry((others, dim.clone())).or_default().push(i);
            }
        }
        let mut to_hide = Vec::new();
        for members in families.values() {
            let hidden = members.iter().filter(|&&i| cells[i].suppressed).count();
            if hidden != 1 {
                continue;
            }
            if let Some(&smallest) = members
                .iter()
                .filter(|&&i| !cells[i].suppressed)
                .min_by_key(|&&i| cells[i].n.unwrap_or(0))
            {
                to_hide.push(smallest);
            }
        }
        for i in to_hide {
            if !cells[i].suppressed {
                let c = &mut cells[i];
                c.suppressed = true;
                c.rule = Some(SuppressionRule::Complementary);
                c.n = None;
                c.denominator = None;
                c.value = None;
                c.level = None;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

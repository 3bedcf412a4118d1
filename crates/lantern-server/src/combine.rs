//! Combining the stored batches of one form per site × round for the aggregates API.
//!
//! One device's batch is returned as it was released (it passed disclosure control on
//! the device). Batches of several devices are combined by
//! `lantern_protocol::suppression::combine`, the same disclosure-control code the
//! devices run, which re-applies primary and complementary suppression to the sums.

use std::collections::BTreeMap;

use lantern_protocol::{Batch, Refusals, SuppressionRule};

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
    groups
        .into_iter()
        .map(|((site, round), batches)| group(site, round, batches))
        .collect()
}

fn group(
    site: String,
    round: Option<String>,
    batches: Vec<Batch>,
) -> Result<AggregateGroup, String> {
    let mut form_versions: Vec<String> = batches.iter().map(|b| b.form_version.clone()).collect();
    form_versions.sort();
    form_versions.dedup();
    let mut periods: Vec<String> = batches.iter().map(|b| b.period.clone()).collect();
    periods.sort();
    periods.dedup();
    let devices = u32::try_from(batches.len()).unwrap_or(u32::MAX);
    let (min_cell_size, indicators, cells, refusals) = if batches.len() == 1 {
        let b = batches
            .into_iter()
            .next()
            .map(|b| (b.min_cell_size, b.indicators, b.cells, b.refusals));
        b.unwrap_or_else(|| (1, Vec::new(), Vec::new(), suppressed_refusals()))
    } else {
        let c = lantern_protocol::suppression::combine(&batches).map_err(|e| e.to_string())?;
        (c.min_cell_size, c.indicators, c.cells, c.refusals)
    };
    Ok(AggregateGroup {
        site,
        round,
        devices,
        form_versions,
        periods,
        min_cell_size,
        indicators,
        cells,
        refusals,
    })
}

fn suppressed_refusals() -> Refusals {
    Refusals {
        suppressed: true,
        rule: Some(SuppressionRule::MinResponses),
        n: None,
    }
}

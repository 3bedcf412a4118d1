//! Which instance nodes a reference sees, and the session's seeded randomness.
//!
//! `${name}` from a node resolves to the instances of the named node inside the
//! innermost repeat instance the two share, else to all of them (XLSForm's "nearest"
//! rule, pyxform's relative paths in repeats). The session uses the same rule to decide
//! which dependents an answer touches.

use std::cell::Cell;

use super::graph::Graph;
use super::instance::{InstId, Instance};
use crate::form::{FormDef, NodeId};

/// The instances of `target` seen from instance node `from` (of definition node
/// `from_def`).
pub(crate) fn nearest_instances(
    form: &FormDef,
    graph: &Graph,
    instance: &Instance,
    from: InstId,
    from_def: NodeId,
    target: NodeId,
) -> Vec<InstId> {
    let shared = graph.repeats[from_def.0]
        .iter()
        .zip(&graph.repeats[target.0])
        .take_while(|(a, b)| a == b)
        .last()
        .map(|(a, _)| *a);
    let anchor = shared
        .and_then(|r| instance.ancestor_of_def(from, r))
        .unwrap_or(InstId(0));
    instances_under(form, instance, anchor, target)
}

/// The instances of `target` below (or at) the instance node `anchor`.
pub(crate) fn instances_under(
    form: &FormDef,
    instance: &Instance,
    anchor: InstId,
    target: NodeId,
) -> Vec<InstId> {
    let anchor_def = instance.get(anchor).def;
    let mut chain = Vec::new();
    let mut at = target;
    while at != anchor_def {
        chain.push(at);
        match form.node(at).parent {
            Some(parent) => at = parent,
            None => return Vec::new(),
        }
    }
    let mut frontier = vec![anchor];
    for def in chain.iter().rev() {
        let mut next = Vec::new();
        for id in &frontier {
            next.extend(
                instance
                    .get(*id)
                    .children
                    .iter()
                    .filter(|c| instance.get(**c).def == *def),
            );
        }
        frontier = next;
    }
    frontier
}

/// splitmix64: the session's seed makes every `random()`, `uuid()` and instanceID
/// reproducible.
pub(crate) fn next_random(rng: &Cell<u64>) -> u64 {
    let mut z = rng.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
    rng.set(z);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A version 4 UUID from the session's randomness.
pub(crate) fn uuid(rng: &Cell<u64>) -> String {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&next_random(rng).to_be_bytes());
    bytes[8..].copy_from_slice(&next_random(rng).to_be_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let h: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

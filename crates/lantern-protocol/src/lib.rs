//! Lantern's wire protocol: the versioned types a device sends and the server stores,
//! and the pure disclosure-control code both sides run.
//!
//! No IO, no clock, no randomness: ids and dates are passed in. Changes are additive;
//! a new field is optional so that an older peer can still read a newer batch's core.

pub mod batch;
mod lp;
pub mod sites;
pub mod suppression;

pub use batch::{
    BATCH_SCHEMA, Batch, BatchError, Cell, HigherIs, IndicatorKind, IndicatorMeta, Level, Refusals,
    SuppressionRule,
};

/// A name as an HXL attribute token: ASCII letters and digits lower-cased, anything
/// else `_` (`25-49` → `25_49`). Shared by the device's and the server's HXL exports.
pub fn hxl_token(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

//! `lantern xpath-vectors FILE.json`: runs XPath conformance vectors through Lantern's
//! expression engine and prints one JSON line per vector, then the summary line. The
//! per-category pass rates go to stderr so stdout stays machine-readable.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::{FixedOffset, Utc};
use lantern_core::expr::vectors;

/// The vectors' dates assume America/Phoenix: UTC-7 all year.
const VECTORS_UTC_OFFSET_SECS: i32 = -7 * 3600;

pub fn run(file: PathBuf) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&file)
        .with_context(|| format!("cannot read {}", file.display()))?;
    let zone = FixedOffset::east_opt(VECTORS_UTC_OFFSET_SECS).context("bad UTC offset")?;
    // The binary is the edge: it reads the clock and hands "now" to the core.
    let now = Utc::now().with_timezone(&zone);
    let report = vectors::run(&text, now)
        .with_context(|| format!("cannot run the vectors in {}", file.display()))?;
    for outcome in &report.outcomes {
        println!("{}", outcome.to_json());
    }
    eprint!("{}", report.category_table());
    println!("{}", report.summary_line());
    Ok(ExitCode::SUCCESS)
}

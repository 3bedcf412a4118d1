//! `lantern aggregate` and `lantern export`: protected aggregates of a stored form.

use std::path::Path;
use std::process::ExitCode;

use anyhow::bail;
use chrono::Utc;
use lantern_core::aggregate::{
    Releasability, baseline_endline_pairs, describe, explain, round_change,
};
use lantern_core::capture::dto::ExportRequest;
use lantern_core::capture::settings::export_releasable;
use lantern_core::release::{self, Preview};

fn previews(
    vault_dir: &Path,
    form_id: &str,
    site: Option<&str>,
    round: Option<&str>,
) -> anyhow::Result<(
    lantern_core::vault::Vault,
    lantern_core::form::FormDef,
    Vec<Preview>,
)> {
    let mut vault = crate::vault_cmd::unlocked(vault_dir)?;
    let now = Utc::now();
    let form = release::stored_form(&mut vault, form_id, now)?;
    if form.indicators.is_empty() {
        bail!("form {form_id} has no indicators sheet: there is nothing to aggregate");
    }
    let (previews, missing) =
        release::preview(&mut vault, &form, site, round, now, &mut uuid::Uuid::new_v4)?;
    if missing > 0 {
        eprintln!(
            "note: {missing} finalized submission(s) of {form_id} have no stored contributions and are not counted"
        );
    }
    if previews.is_empty() {
        bail!("no finalized submission of {form_id} matches");
    }
    Ok((vault, form, previews))
}

/// `lantern aggregate --vault DIR --form ID [--site CODE] [--round R] --json|--explain`.
pub fn aggregate(
    vault_dir: &Path,
    form_id: &str,
    site: Option<&str>,
    round: Option<&str>,
    json: bool,
    explain_cells: bool,
) -> anyhow::Result<ExitCode> {
    if !json && !explain_cells {
        bail!("say --json (print the batch) or --explain (why each cell is hidden)");
    }
    let (mut vault, form, previews) = previews(vault_dir, form_id, site, round)?;
    let batches: Vec<_> = previews.iter().map(|p| p.batch.clone()).collect();
    release::audit(&mut vault, "aggregate", &form.form_id, &batches, Utc::now())?;
    if json {
        let text = if site.is_some() && batches.len() == 1 {
            serde_json::to_string_pretty(&batches[0])?
        } else {
            serde_json::to_string_pretty(&batches)?
        };
        println!("{text}");
        return Ok(ExitCode::SUCCESS);
    }
    for p in &previews {
        let b = &p.batch;
        println!("{}", describe(b, "en"));
        match &p.releasable {
            Releasability::Releasable => println!("  releasable now"),
            Releasability::NeedMoreChanges { changes, needed } => println!(
                "  not releasable yet: {changes} change(s) since the last release, {needed} more needed"
            ),
            Releasability::DifferencingRisk { cells } => println!(
                "  not releasable yet: comparing with the last release would expose {}",
                cells.join(", ")
            ),
        }
        for line in explain(b) {
            println!("  {line}");
        }
    }
    for (base, end) in baseline_endline_pairs(&batches) {
        println!("change baseline → endline at {}:", end.site);
        for c in round_change(base, end) {
            let by: Vec<String> = c.by.iter().map(|(d, v)| format!("{d}={v}")).collect();
            println!(
                "  {} [{}]: {:.1} → {:.1} ({:+.1})",
                c.indicator,
                if by.is_empty() {
                    "total".into()
                } else {
                    by.join(", ")
                },
                c.before,
                c.after,
                c.change
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `lantern export --vault DIR --form ID [--site CODE] [--round R] --format csv|xlsx|hxl
/// --agreement TEXT --out FILE`: the window's export (`capture::settings`), so the
/// same disclosure control holds: only releasable tables leave, each is recorded as
/// released, and the audit log names the data-sharing agreement.
pub fn export_cmd(
    vault_dir: &Path,
    request: &ExportRequest,
    out: &Path,
) -> anyhow::Result<ExitCode> {
    let mut vault = crate::vault_cmd::unlocked(vault_dir)?;
    let done = export_releasable(
        &mut vault,
        request,
        out,
        Utc::now(),
        &mut uuid::Uuid::new_v4,
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    if done.held > 0 {
        eprintln!(
            "note: {} table(s) held back by disclosure control and not exported",
            done.held
        );
    }
    eprintln!("wrote {} ({} batch(es))", done.file, done.batches);
    Ok(ExitCode::SUCCESS)
}

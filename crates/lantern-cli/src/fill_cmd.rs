//! `lantern form fill FILE --answers ANSWERS.json [--now RFC3339] [--seed N]` and
//! `lantern fill --vault DIR FORM --answers ANSWERS.json [--finalize]`: glue over
//! `lantern_core::capture` (the form library, the headless fill, storing a draft and
//! finalizing), which the app's window uses too. This module reads files and the clock,
//! and prints.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, FixedOffset};
use lantern_core::capture::library::LoadedForm;
use lantern_core::capture::{self, Filled};
use lantern_core::engine::AnswerResult;

/// The session time: `--now`, else the system clock (the edge reads it; the core never
/// does). The same instant stamps the vault.
fn session_time(now: Option<&str>) -> anyhow::Result<DateTime<FixedOffset>> {
    match now {
        Some(now) => DateTime::parse_from_rfc3339(now)
            .with_context(|| format!("--now {now} is not an RFC 3339 time")),
        None => Ok(chrono::Utc::now().fixed_offset()),
    }
}

/// Imports `file` with its media, printing its warnings.
fn load(file: &Path) -> anyhow::Result<LoadedForm> {
    let form = match LoadedForm::from_file(file) {
        Ok(form) => form,
        Err(e) => anyhow::bail!("{}: {e}", file.display()),
    };
    for warning in &form.warnings {
        eprintln!("{warning}");
    }
    Ok(form)
}

/// Imports `file` with its media and fills it with the answers in `answers_file`
/// (`${last-saved#…}` reads nothing: no vault).
pub fn fill(
    file: &Path,
    answers_file: &Path,
    now: Option<&str>,
    seed: u64,
) -> anyhow::Result<Filled> {
    fill_loaded(
        file,
        load(file)?,
        answers_file,
        session_time(now)?,
        seed,
        Vec::new(),
    )
}

/// Fills an imported form with the answers in `answers_file`.
fn fill_loaded(
    file: &Path,
    form: LoadedForm,
    answers_file: &Path,
    now: DateTime<FixedOffset>,
    seed: u64,
    last_saved: Vec<(String, String)>,
) -> anyhow::Result<Filled> {
    let answers_text = std::fs::read_to_string(answers_file)
        .with_context(|| format!("cannot read {}", answers_file.display()))?;
    let answers: serde_json::Value = serde_json::from_str(&answers_text)
        .with_context(|| format!("{} is not JSON", answers_file.display()))?;
    let serde_json::Value::Object(answers) = answers else {
        anyhow::bail!(
            "{} must hold a JSON object of answers",
            answers_file.display()
        );
    };
    capture::fill(Arc::new(form), &answers, seed, now, last_saved)
        .map_err(|e| anyhow::anyhow!("{}: error[{}]: {e}", file.display(), e.code()))
}

pub fn run(
    file: &Path,
    answers_file: &Path,
    now: Option<&str>,
    seed: u64,
) -> anyhow::Result<ExitCode> {
    let filled = fill(file, answers_file, now, seed)?;
    let finalizable = filled.finalizable();
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({
            "instance": filled.draft.session.result(),
            "outcomes": filled.outcomes,
            "blocking": filled.blocking,
            "finalizable": finalizable,
        }))?
    );
    if finalizable {
        return Ok(ExitCode::SUCCESS);
    }
    report_blockers(&filled)?;
    eprintln!(
        "the form cannot be finalized: {} question(s) block it, {} answer(s) not applied",
        filled.blocking.len(),
        filled
            .outcomes
            .iter()
            .filter(|r| !matches!(r.result, AnswerResult::Applied(_)))
            .count()
    );
    Ok(ExitCode::FAILURE)
}

fn report_blockers(filled: &Filled) -> anyhow::Result<()> {
    for record in &filled.outcomes {
        if let AnswerResult::Rejected { error, message } = &record.result {
            eprintln!(
                "{}: answer not applied: error[{error}]: {message}",
                record.path
            );
        }
    }
    for blocker in &filled.blocking {
        eprintln!(
            "{}: blocks finalizing: {}",
            blocker.path,
            serde_json::to_string(&blocker.outcome)?
        );
    }
    Ok(())
}

/// Fills the form as `lantern form fill` does and stores the result, encrypted, in the
/// vault as a draft; with `--finalize`, also freezes it when nothing blocks. A fill that
/// cannot be finalized is still kept as a draft, so nothing typed is lost.
pub fn run_into_vault(
    vault_dir: &Path,
    file: &Path,
    answers_file: &Path,
    finalize: bool,
    now: Option<&str>,
    seed: Option<u64>,
) -> anyhow::Result<ExitCode> {
    // Each stored fill needs its own instance id, which the session derives from the
    // seed: without one, draw it from the operating system's randomness.
    let seed = seed.unwrap_or_else(|| uuid::Uuid::new_v4().as_u64_pair().0);
    let form = load(file)?;
    // One session time for the fill and the vault's stamps.
    let started = session_time(now)?;
    let stamp = started.to_utc();
    let mut vault = crate::vault_cmd::unlocked(vault_dir)?;
    // `${last-saved#…}` reads the last response of this form finalized in the vault.
    let last_saved = capture::last_saved(&vault, &form, stamp)
        .map_err(|e| anyhow::anyhow!("error[{}]: {e}", e.code()))?;
    let mut filled = fill_loaded(file, form, answers_file, started, seed, last_saved)?;
    let finalized = capture::store(&mut filled, &mut vault, finalize, stamp)
        .map_err(|e| anyhow::anyhow!("error[{}]: {e}", e.code()))?;
    let id = filled.draft.id.clone();
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({
            "id": id,
            "form_id": filled.draft.form.form().form_id,
            "version": filled.draft.form.form().version,
            "status": if finalized { "finalized" } else { "draft" },
            "finalizable": filled.finalizable(),
            "blocking": filled.blocking,
        }))?
    );
    if finalize && !finalized {
        report_blockers(&filled)?;
        eprintln!("kept {id} as a draft in the vault: it cannot be finalized yet");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

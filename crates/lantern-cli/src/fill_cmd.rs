//! `lantern form fill FILE --answers ANSWERS.json [--now RFC3339] [--seed N]`: runs a
//! headless form session and prints `{instance, outcomes, blocking, finalizable}` as
//! JSON; exits non-zero, saying why on stderr, when the form cannot be finalized or an
//! answer could not be applied. The session lives in `lantern_core::engine`; this is glue.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use lantern_core::engine::{AnswerResult, CompiledForm, Config, Session};
use lantern_core::xlsform::{WorkbookFormat, import_bytes};

pub fn run(
    file: &Path,
    answers_file: &Path,
    now: Option<&str>,
    seed: u64,
) -> anyhow::Result<ExitCode> {
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let format = WorkbookFormat::from_form_file_name(name)
        .context("not an XLSForm file; use .xlsx, .xls, .md or .csv")?;
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("form");
    let import = import_bytes(&bytes, format, stem);
    for diagnostic in &import.diagnostics {
        eprintln!("{}:{diagnostic}", file.display());
    }
    let Some(form) = import.usable_form() else {
        anyhow::bail!(
            "{}: the form has errors; fix them to fill it",
            file.display()
        );
    };
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
    let config = match now {
        Some(now) => Config::at_rfc3339(now, seed)?,
        None => {
            // The edge reads the clock; the core never does.
            let millis = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .unwrap_or(0);
            Config::at_unix_millis(millis, seed)?
        }
    };
    let compiled = CompiledForm::new(form.clone())
        .map_err(|e| anyhow::anyhow!("{}: error[{}]: {e}", file.display(), e.code()))?;
    let mut session = Session::new(compiled, config)?;
    let outcomes = session.fill(&answers);
    let blocking = session.validate_all();
    let rejected: Vec<_> = outcomes
        .iter()
        .filter(|r| matches!(r.result, AnswerResult::Rejected { .. }))
        .collect();
    let finalizable = blocking.is_empty() && rejected.is_empty();
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({
            "instance": session.result(),
            "outcomes": outcomes,
            "blocking": blocking,
            "finalizable": finalizable,
        }))?
    );
    if finalizable {
        return Ok(ExitCode::SUCCESS);
    }
    for record in rejected {
        if let AnswerResult::Rejected { error, message } = &record.result {
            eprintln!(
                "{}: answer not applied: error[{error}]: {message}",
                record.path
            );
        }
    }
    for blocker in &blocking {
        eprintln!(
            "{}: blocks finalizing: {}",
            blocker.path,
            serde_json::to_string(&blocker.outcome)?
        );
    }
    eprintln!(
        "the form cannot be finalized: {} question(s) block it, {} answer(s) not applied",
        blocking.len(),
        outcomes.len()
            - outcomes
                .iter()
                .filter(|r| matches!(r.result, AnswerResult::Applied(_)))
                .count()
    );
    Ok(ExitCode::FAILURE)
}

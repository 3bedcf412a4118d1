//! `lantern form fill FILE --answers ANSWERS.json [--now RFC3339] [--seed N]`: runs a
//! headless form session and prints `{instance, outcomes, blocking, finalizable}` as
//! JSON; exits non-zero, saying why on stderr, when the form cannot be finalized or an
//! answer could not be applied. The session lives in `lantern_core::engine`; this is glue.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use lantern_core::engine::{AnswerResult, CompiledForm, Config, Session};
use lantern_core::vault::{FormRecord, SubmissionMeta};
use lantern_core::xlsform::{WorkbookFormat, import_bytes};

/// A form filled headlessly: the workbook it came from and the session's state.
pub struct Filled {
    pub form_id: String,
    pub version: String,
    /// The workbook's bytes, kept so a vault can store the exact definition.
    pub definition: Vec<u8>,
    pub retention_days: Option<u32>,
    pub session: Session,
    pub outcomes: Vec<lantern_core::engine::AnswerRecord>,
    pub blocking: Vec<lantern_core::engine::Blocker>,
}

impl Filled {
    pub fn finalizable(&self) -> bool {
        self.blocking.is_empty()
            && self
                .outcomes
                .iter()
                .all(|r| matches!(r.result, AnswerResult::Applied(_)))
    }
}

/// Imports `file`, fills it with the answers in `answers_file` and reports the outcome.
pub fn fill(
    file: &Path,
    answers_file: &Path,
    now: Option<&str>,
    seed: u64,
) -> anyhow::Result<Filled> {
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
    let mut form = form.clone();
    crate::media::attach(&mut form, file)?;
    let compiled = CompiledForm::new(form)
        .map_err(|e| anyhow::anyhow!("{}: error[{}]: {e}", file.display(), e.code()))?;
    let mut session = Session::new(compiled, config)?;
    let outcomes = session.fill(&answers);
    // As ODK Collect: answers a choice filter no longer offers are cleared (J7).
    session.prepare_finalize();
    let blocking = session.validate_all();
    let purpose = session.form().purpose.as_ref();
    Ok(Filled {
        form_id: session.form().form_id.clone(),
        version: session.form().version.clone(),
        retention_days: purpose.and_then(|p| p.retention_days),
        definition: bytes,
        session,
        outcomes,
        blocking,
    })
}

pub fn run(
    file: &Path,
    answers_file: &Path,
    now: Option<&str>,
    seed: u64,
) -> anyhow::Result<ExitCode> {
    let filled = fill(file, answers_file, now, seed)?;
    let finalizable = filled.finalizable();

    let Filled {
        session,
        outcomes,
        blocking,
        ..
    } = filled;
    let rejected: Vec<_> = outcomes
        .iter()
        .filter(|r| matches!(r.result, AnswerResult::Rejected { .. }))
        .collect();
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

/// `lantern fill --vault DIR FORM --answers ANSWERS.json [--finalize]`: fills the form as
/// `lantern form fill` does and stores the result, encrypted, in the vault as a draft;
/// with `--finalize`, also freezes it when nothing blocks. A fill that cannot be
/// finalized is still kept as a draft, so nothing typed is lost.
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
    let filled = fill(file, answers_file, now, seed)?;
    let finalizable = filled.finalizable();
    let instance = filled.session.result();
    let id = instance
        .pointer("/meta/instanceID")
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .unwrap_or_else(|| format!("uuid:{}", uuid::Uuid::new_v4()));

    let mut vault = crate::vault_cmd::unlocked(vault_dir)?;
    let stamp = chrono::Utc::now();
    vault
        .add_form(
            &FormRecord {
                form_id: filled.form_id.clone(),
                version: filled.version.clone(),
                definition: filled.definition.clone(),
                retention_days: filled.retention_days,
            },
            stamp,
        )
        .map_err(crate::vault_cmd::core_error)?;
    let meta = SubmissionMeta {
        id: id.clone(),
        form_id: filled.form_id.clone(),
        form_version: filled.version.clone(),
    };
    let content =
        serde_json::json!({ "instance": instance, "language": filled.session.language() });
    vault
        .save_draft(&meta, &content, stamp)
        .map_err(crate::vault_cmd::core_error)?;
    let status = if finalize && finalizable {
        // Finalize and seal the submission's indicator contributions beside it.
        lantern_core::release::finalize(&mut vault, &filled.session, &id, stamp)?;
        "finalized"
    } else {
        "draft"
    };
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({
            "id": id,
            "form_id": filled.form_id,
            "version": filled.version,
            "status": status,
            "finalizable": finalizable,
            "blocking": filled.blocking,
        }))?
    );
    if finalize && !finalizable {
        for blocker in &filled.blocking {
            eprintln!(
                "{}: blocks finalizing: {}",
                blocker.path,
                serde_json::to_string(&blocker.outcome)?
            );
        }
        eprintln!("kept {id} as a draft in the vault: it cannot be finalized yet");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

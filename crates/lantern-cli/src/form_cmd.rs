//! `lantern form …`: list the forms of a folder, validate workbooks (diagnostics with
//! file, sheet, row and column) and inspect one as a stable JSON view.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use lantern_core::catalog::{self, EntryStatus};
use lantern_core::xlsform::{Import, WorkbookFormat, import_bytes};

#[derive(Subcommand)]
pub enum FormCommand {
    /// List the XLSForms in a folder with their id, version, title and languages.
    List {
        /// The folder to look in.
        dir: PathBuf,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Check XLSForms and print every problem as `file:sheet:row:column: error[code]:
    /// message`; exit 0 only if every file imports without errors.
    Validate {
        /// The workbooks (.xlsx, .xls, pyxform .md or .csv).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print `[{file, ok, diagnostics: [{code, severity, sheet, row, column,
        /// message}]}]` instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// Show a form's fields, binds and choices.
    Inspect {
        /// The workbook.
        file: PathBuf,
        /// Print the stable JSON view other tools read.
        #[arg(long)]
        json: bool,
    },
    /// Fill a form headlessly from a JSON object of answers (`{"name or /path": value}`,
    /// repeats as arrays of objects); print the instance and every outcome as JSON and
    /// exit non-zero if the form cannot be finalized.
    Fill {
        /// The workbook.
        file: PathBuf,
        /// The answers file.
        #[arg(long)]
        answers: PathBuf,
        /// The session's time (RFC 3339), for now(), today() and start; default: the clock.
        #[arg(long)]
        now: Option<String>,
        /// Seed for random(), uuid() and the instanceID.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
}

pub fn run(command: FormCommand) -> anyhow::Result<ExitCode> {
    match command {
        FormCommand::List { dir, json } => list(dir, json),
        FormCommand::Validate { files, json } => validate(&files, json),
        FormCommand::Inspect { file, json } => inspect(&file, json),
        FormCommand::Fill {
            file,
            answers,
            now,
            seed,
        } => crate::fill_cmd::run(&file, &answers, now.as_deref(), seed),
    }
}

fn list(dir: PathBuf, json: bool) -> anyhow::Result<ExitCode> {
    let entries =
        catalog::scan(&dir).with_context(|| format!("cannot read the folder {}", dir.display()))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&entries)?);
        return Ok(ExitCode::SUCCESS);
    }
    if entries.is_empty() {
        println!("no XLSForms (.xlsx, .xls) in {}", dir.display());
    }
    for entry in &entries {
        match &entry.status {
            EntryStatus::Ok { summary, policy } => {
                println!(
                    "{}\t{}\tversion {}\t{}\t[{}]",
                    entry.file,
                    summary.form_id,
                    if summary.version.is_empty() {
                        "-"
                    } else {
                        &summary.version
                    },
                    summary.title,
                    summary.languages.join(", "),
                );
                // The do-no-harm check, under the form it is about.
                for diagnostic in policy {
                    println!("\t{diagnostic}");
                }
            }
            EntryStatus::Broken { code, message } => {
                println!("{}\tERROR {code}: {message}", entry.file)
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads and imports one file; a file that cannot be read is an error line, not an
/// abort, so that `validate` reports on every file it was given.
fn import_file(path: &Path) -> Result<Import, (&'static str, String)> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let format = WorkbookFormat::from_form_file_name(name).ok_or((
        "file.format",
        "not an XLSForm file; use .xlsx, .xls, .md or .csv".to_string(),
    ))?;
    let bytes =
        std::fs::read(path).map_err(|e| ("file.read", format!("cannot read the file ({e})")))?;
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("form");
    Ok(import_bytes(&bytes, format, stem))
}

fn validate(files: &[PathBuf], json: bool) -> anyhow::Result<ExitCode> {
    let (mut errors, mut warnings) = (0usize, 0usize);
    let mut reports = Vec::new();
    for path in files {
        let file = path.display().to_string();
        match import_file(path) {
            Err((code, message)) => {
                errors += 1;
                if json {
                    reports.push(serde_json::json!({
                        "file": file,
                        "ok": false,
                        "diagnostics": [{
                            "code": code, "severity": "error", "sheet": "",
                            "row": null, "column": null, "message": message,
                        }],
                    }));
                } else {
                    println!("{file}:::: error[{code}]: {message}");
                }
            }
            Ok(import) => {
                for diagnostic in &import.diagnostics {
                    if diagnostic.is_error() {
                        errors += 1;
                    } else {
                        warnings += 1;
                    }
                    if !json {
                        println!("{file}:{diagnostic}");
                    }
                }
                if json {
                    reports.push(serde_json::json!({
                        "file": file,
                        "ok": !import.has_errors(),
                        "diagnostics": import.diagnostics,
                    }));
                }
            }
        }
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    }
    eprintln!(
        "{} file(s) checked: {errors} error(s), {warnings} warning(s)",
        files.len()
    );
    Ok(if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn inspect(path: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let import = import_file(path).map_err(|(code, message)| {
        anyhow::anyhow!("{}: error[{code}]: {message}", path.display())
    })?;
    for diagnostic in &import.diagnostics {
        eprintln!("{}:{diagnostic}", path.display());
    }
    let Some(form) = import.usable_form() else {
        eprintln!(
            "{}: the form has errors; fix them to inspect it",
            path.display()
        );
        return Ok(ExitCode::FAILURE);
    };
    let view = form.inspect();
    if json {
        println!("{}", serde_json::to_string_pretty(&view)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} (version {}): {}",
        view.form_id, view.version, view.title
    );
    println!("languages: {}", view.languages.join(", "));
    for field in &view.fields {
        let mut line = format!("{}\t{}", field.path, field.type_name);
        if let Some(list) = &field.choice_list {
            line.push_str(&format!("\t{list} [{}]", field.choices.join(" ")));
        }
        for (key, value) in [
            ("relevant", &field.relevant),
            ("required", &field.required),
            ("constraint", &field.constraint),
            ("calculation", &field.calculation),
            ("readonly", &field.readonly),
        ] {
            if let Some(value) = value {
                line.push_str(&format!("\t{key}: {value}"));
            }
        }
        println!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}

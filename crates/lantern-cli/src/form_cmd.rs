//! `lantern form …`: list the forms of a folder (and, with the form engine, validate,
//! inspect and fill them).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use lantern_core::catalog::{self, EntryStatus};

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
}

pub fn run(command: FormCommand) -> anyhow::Result<ExitCode> {
    match command {
        FormCommand::List { dir, json } => list(dir, json),
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
            EntryStatus::Ok { summary } => println!(
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
            ),
            EntryStatus::Broken { code, message } => {
                println!("{}\tERROR {code}: {message}", entry.file)
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

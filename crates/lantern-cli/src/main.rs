//! `lantern`: the command-line face of `lantern-core`. Parses arguments, calls the
//! core, prints. No business rule lives here.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use lantern_core::capture::dto::ExportRequest;

mod aggregate_cmd;
mod fill_cmd;
mod form_cmd;
mod sync_cmd;
mod vault_cmd;
mod xpath_cmd;

#[derive(Parser)]
#[command(
    name = "lantern",
    version,
    about = "Lantern: safe, offline data collection for field teams"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Work with XLSForm workbooks.
    Form {
        #[command(subcommand)]
        command: form_cmd::FormCommand,
    },
    /// Evaluate XPath conformance vectors (vectors.json format) and report each result.
    XpathVectors {
        /// A vectors file, e.g. ../shared/conformance/dev/xpath/vectors.json.
        file: std::path::PathBuf,
    },
    /// Fill a form from JSON answers and store the result, encrypted, in a vault.
    Fill {
        /// The vault directory (made with `lantern vault init`).
        #[arg(long)]
        vault: std::path::PathBuf,
        /// The XLSForm to fill.
        form: std::path::PathBuf,
        /// A JSON object of answers (`{"name or /path": value}`; repeats as arrays).
        #[arg(long)]
        answers: std::path::PathBuf,
        /// Finalize the submission if nothing blocks it (else it stays a draft).
        #[arg(long)]
        finalize: bool,
        /// The session's time, RFC 3339 (default: now).
        #[arg(long)]
        now: Option<String>,
        /// Seed for random(), uuid() and the instance id (default: random).
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Print a stored form's protected aggregates (`--json`), or why cells are hidden (`--explain`).
    Aggregate {
        #[arg(long)]
        vault: std::path::PathBuf,
        #[arg(long)]
        form: String,
        #[arg(long)]
        site: Option<String>,
        #[arg(long)]
        round: Option<String>,
        #[arg(long)]
        json: bool,
        #[arg(long)]
        explain: bool,
    },
    /// Export what may be released now of a stored form's aggregates as csv, xlsx or
    /// hxl, under a named data-sharing agreement (kept in the audit log).
    Export {
        #[arg(long)]
        vault: std::path::PathBuf,
        #[arg(long)]
        form: String,
        #[arg(long)]
        site: Option<String>,
        #[arg(long)]
        round: Option<String>,
        #[arg(long)]
        format: String,
        /// The data-sharing agreement this export falls under.
        #[arg(long)]
        agreement: String,
        /// A new file (an existing one is never overwritten).
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Enroll with a server, approve and send aggregate batches.
    Sync {
        #[command(subcommand)]
        command: sync_cmd::SyncCommand,
    },
    /// Create, inspect, back up, restore, purge and wipe encrypted vaults.
    Vault {
        /// Read passphrases from this open file descriptor, one per line, in the order
        /// the command asks for them (instead of the LANTERN_*PASSPHRASE variables).
        #[arg(long, global = true, value_name = "FD")]
        passphrase_fd: Option<i32>,
        #[command(subcommand)]
        command: vault_cmd::VaultCommand,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Form { command } => form_cmd::run(command),
        Command::XpathVectors { file } => xpath_cmd::run(file),
        Command::Vault {
            passphrase_fd,
            command,
        } => vault_cmd::run(command, passphrase_fd),
        Command::Aggregate {
            vault,
            form,
            site,
            round,
            json,
            explain,
        } => aggregate_cmd::aggregate(
            &vault,
            &form,
            site.as_deref(),
            round.as_deref(),
            json,
            explain,
        ),
        Command::Export {
            vault,
            form,
            site,
            round,
            format,
            agreement,
            out,
        } => aggregate_cmd::export_cmd(
            &vault,
            &ExportRequest {
                form_id: form,
                site,
                round,
                format,
                agreement,
            },
            &out,
        ),
        Command::Sync { command } => sync_cmd::run(command),
        Command::Fill {
            vault,
            form,
            answers,
            finalize,
            now,
            seed,
        } => fill_cmd::run_into_vault(&vault, &form, &answers, finalize, now.as_deref(), seed),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("lantern: {error:#}");
            ExitCode::FAILURE
        }
    }
}

//! `lantern`: the command-line face of `lantern-core`. Parses arguments, calls the
//! core, prints. No business rule lives here.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod fill_cmd;
mod form_cmd;
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
    /// Create, inspect, back up, restore, purge and wipe encrypted vaults.
    Vault {
        #[command(subcommand)]
        command: vault_cmd::VaultCommand,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Form { command } => form_cmd::run(command),
        Command::XpathVectors { file } => xpath_cmd::run(file),
        Command::Vault { command } => vault_cmd::run(command),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("lantern: {error:#}");
            ExitCode::FAILURE
        }
    }
}

//! `lantern`: the command-line face of `lantern-core`. Parses arguments, calls the
//! core, prints. No business rule lives here.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod fill_cmd;
mod form_cmd;

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Form { command } => form_cmd::run(command),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("lantern: {error:#}");
            ExitCode::FAILURE
        }
    }
}

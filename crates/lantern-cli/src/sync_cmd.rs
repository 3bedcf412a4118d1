//! `lantern sync enroll|approve|run|status`: the device side of sync from the command
//! line. Thin: every rule lives in `lantern_core::sync`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::Utc;
use clap::Subcommand;
use lantern_core::sync::{self, Prepared, RunReport, SyncError};
use lantern_protocol::Batch;

use lantern_core::release;

use crate::vault_cmd::unlocked;

fn read_batch(file: &Path, form: &str, site: &str, round: Option<&str>) -> anyhow::Result<Batch> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let batch: Batch = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a lantern.aggregate/1 batch", file.display()))?;
    if batch.form_id != form || batch.site != site || batch.round.as_deref() != round {
        bail!(
            "{} holds form {} at site {} round {}, not the form, site and round asked for",
            file.display(),
            batch.form_id,
            batch.site,
            batch.round.as_deref().unwrap_or("-")
        );
    }
    Ok(batch)
}

#[derive(Subcommand)]
pub enum SyncCommand {
    /// Enroll this device's vault with a server, using the operator's one-time code.
    Enroll {
        #[arg(long)]
        vault: PathBuf,
        /// The server's address, e.g. https://lantern.example.org (plain http only to this machine).
        #[arg(long)]
        server: String,
        /// The one-time enrollment code from `lantern-server admin create-enrollment`.
        #[arg(long)]
        code: String,
        /// The server certificate's SHA-256 fingerprint as the operator reads it out
        /// (`lantern-server admin tls-fingerprint`); without it the certificate seen
        /// now is trusted and pinned (check the fingerprint printed afterwards).
        #[arg(long, value_name = "SHA256")]
        pin: Option<String>,
    },
    /// Show what would leave this device for a form, site and round, and queue it once approved.
    Approve {
        #[arg(long)]
        vault: PathBuf,
        #[arg(long)]
        form: String,
        #[arg(long)]
        site: String,
        #[arg(long)]
        round: Option<String>,
        /// A batch built beforehand (JSON, `lantern.aggregate/1`) instead of building it
        /// from the vault's responses now.
        #[arg(long)]
        batch: Option<PathBuf>,
        /// Approve without asking.
        #[arg(long)]
        yes: bool,
    },
    /// Send every queued batch once, if the server can be reached.
    Run {
        #[arg(long)]
        vault: PathBuf,
    },
    /// What is queued, sending, sent or failed, and when the next retry is.
    Status {
        #[arg(long)]
        vault: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: SyncCommand) -> anyhow::Result<ExitCode> {
    match command {
        SyncCommand::Enroll {
            vault,
            server,
            code,
            pin,
        } => enroll(&vault, &server, &code, pin.as_deref()),
        SyncCommand::Approve {
            vault,
            form,
            site,
            round,
            batch,
            yes,
        } => approve(
            &vault,
            &form,
            &site,
            round.as_deref(),
            batch.as_deref(),
            yes,
        ),
        SyncCommand::Run { vault } => run_once(&vault),
        SyncCommand::Status { vault, json } => status(&vault, json),
    }
}

fn sync_error(e: SyncError) -> anyhow::Error {
    anyhow::anyhow!("{e} [{}]", e.code())
}

fn enroll(dir: &Path, server: &str, code: &str, pin: Option<&str>) -> anyhow::Result<ExitCode> {
    let mut vault = unlocked(dir)?;
    let e = sync::enroll(&mut vault, server, code, pin, Utc::now()).map_err(sync_error)?;
    println!(
        "Enrolled with {} as device {}. This device may report on sites: {}; forms: {}.",
        e.server_url,
        e.device_id,
        e.sites.join(", "),
        if e.forms.is_empty() {
            "any".to_owned()
        } else {
            e.forms.join(", ")
        }
    );
    match (e.pin_display(), pin) {
        (Some(p), Some(_)) => println!(
            "The server's certificate matches the fingerprint given and is pinned: SHA-256 {p}"
        ),
        (Some(p), None) => println!(
            "The server's certificate is now pinned: SHA-256 {p}\n\
             Check with the server's operator that `lantern-server admin tls-fingerprint` shows the same; \
             from now on this device refuses any other certificate."
        ),
        (None, _) => println!("Plain HTTP to this machine: no certificate to pin."),
    }
    Ok(ExitCode::SUCCESS)
}

/// The plain-language preview of exactly what leaves the device.
fn preview(p: &Prepared) -> String {
    let b = &p.batch;
    let released = b.cells.iter().filter(|c| !c.suppressed).count();
    let suppressed = b.cells.len() - released;
    let mut out = format!(
        "What leaves this device:\n  form {} (version {}), site {}, round {}, period {}\n  \
         {} indicators, {} table cells: {} released, {} hidden because they are too small \
         (fewer than {} people) or would reveal a small one.\n  \
         No individual answer, name, free text, GPS position or date of birth is included.\n",
        b.form_id,
        b.form_version,
        b.site,
        b.round.as_deref().unwrap_or("-"),
        b.period,
        b.indicators.len(),
        b.cells.len(),
        released,
        suppressed,
        b.min_cell_size
    );
    for ind in &b.indicators {
        let label = ind
            .labels
            .values()
            .next()
            .map_or(ind.name.as_str(), String::as_str);
        let total = b
            .cells
            .iter()
            .find(|c| c.indicator == ind.name && c.by.is_empty());
        let shown = match total {
            Some(c) if !c.suppressed => format!(
                "{} (n = {})",
                c.value.map_or("-".to_owned(), |v| format!("{v}")),
                c.n.unwrap_or(0)
            ),
            Some(_) => "hidden".to_owned(),
            None => "no total".to_owned(),
        };
        out.push_str(&format!("  - {label}: {shown}\n"));
    }
    out.push_str(&format!(
        "  sequence {}, batch {}, SHA-256 {}",
        b.sequence, b.batch_id, p.hash
    ));
    out
}

fn approve(
    dir: &Path,
    form: &str,
    site: &str,
    round: Option<&str>,
    batch_file: Option<&Path>,
    yes: bool,
) -> anyhow::Result<ExitCode> {
    let mut vault = unlocked(dir)?;
    let now = Utc::now();
    let (batch, release) = match batch_file {
        Some(file) => (read_batch(file, form, site, round)?, None),
        None => {
            match release::approvable(&mut vault, form, site, round, now, &mut uuid::Uuid::new_v4)?
            {
                Ok(a) => (a.preview.batch.clone(), Some(a)),
                Err(held) => {
                    eprintln!("{held}");
                    return Ok(ExitCode::from(3));
                }
            }
        }
    };
    if let Err(held) = release::hold_if_all_hidden(&batch) {
        eprintln!("{held}");
        return Ok(ExitCode::from(3));
    }
    let prepared = sync::prepare(&mut vault, batch, now).map_err(sync_error)?;
    println!("{}", preview(&prepared));
    if !yes {
        if !std::io::stdin().is_terminal() {
            bail!("not approved: run on a terminal to be asked, or pass --yes");
        }
        print!("Send exactly this to the server? [y/N] ");
        std::io::stdout().flush()?;
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        if !matches!(line.trim(), "y" | "Y" | "yes") {
            println!("Not approved; nothing was queued.");
            return Ok(ExitCode::from(4));
        }
    }
    let submissions: Vec<String> = release
        .as_ref()
        .map(|r| r.preview.ids.iter().cloned().collect())
        .unwrap_or_default();
    let item = sync::approve(&mut vault, &prepared, &submissions, now).map_err(sync_error)?;
    if let Some(r) = release {
        let mut released = r.preview;
        released.batch = prepared.batch.clone();
        release::record_release(&mut vault, &r.form, &released, now)
            .context("the batch is queued, but recording the release failed")?;
    }
    println!(
        "Approved and queued batch {} (sequence {}); `lantern sync run` sends it.",
        item.batch_id, item.sequence
    );
    Ok(ExitCode::SUCCESS)
}

fn run_once(dir: &Path) -> anyhow::Result<ExitCode> {
    let mut vault = unlocked(dir)?;
    let report = sync::run(&mut vault, &Utc::now, false).map_err(sync_error)?;
    match report {
        RunReport::NothingQueued => {
            println!("Nothing is queued.");
            Ok(ExitCode::SUCCESS)
        }
        RunReport::AllAcknowledged { sent } => {
            println!("Sent {sent} batch(es); the server acknowledged every one.");
            Ok(ExitCode::SUCCESS)
        }
        RunReport::Unreachable { queued, reason } => {
            println!(
                "The server cannot be reached ({reason}). {queued} batch(es) stay queued and are sent at the next run."
            );
            Ok(ExitCode::SUCCESS)
        }
        RunReport::SomeFailed { sent, failed } => {
            println!("Sent {sent} batch(es); {failed} failed:");
            let st = sync::status(&vault, Utc::now()).map_err(sync_error)?;
            for item in st
                .items
                .iter()
                .filter(|i| i.state == sync::ItemState::Failed)
            {
                println!(
                    "  {} ({} at {}): {}{}",
                    item.batch_id,
                    item.form_id,
                    item.site,
                    item.last_error.as_deref().unwrap_or("failed"),
                    if item.retry {
                        format!(
                            " — retried after {}",
                            item.next_attempt_at.as_deref().unwrap_or("now")
                        )
                    } else {
                        " — not retried".to_owned()
                    }
                );
            }
            Ok(ExitCode::from(2))
        }
    }
}

fn status(dir: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let vault = unlocked(dir)?;
    let st = sync::status(&vault, Utc::now()).map_err(sync_error)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&st)?);
        return Ok(ExitCode::SUCCESS);
    }
    match &st.enrollment {
        Some(e) => {
            println!("Enrolled with {} as device {}.", e.server_url, e.device_id);
            match e.pin_display() {
                Some(p) => println!("Server certificate pinned: SHA-256 {p}"),
                None if e.server_url.starts_with("https://") => println!(
                    "No certificate pinned (enrolled before pinning): the public certificate authorities are trusted."
                ),
                None => println!("Plain HTTP to this machine: no certificate pinned."),
            }
        }
        None => println!("Not enrolled with a server."),
    }
    println!(
        "Queued {}, sending {}, sent {}, failed {}.",
        st.queued, st.sending, st.sent, st.failed
    );
    if let Some(t) = &st.next_retry_at {
        println!("Next retry after {t}.");
    }
    for item in &st.items {
        println!(
            "  {:?}\t{}\t{}\t{}\tseq {}\t{}{}",
            item.state,
            item.form_id,
            item.site,
            item.round.as_deref().unwrap_or("-"),
            item.sequence,
            item.batch_id,
            item.last_error
                .as_deref()
                .map_or(String::new(), |e| format!("\t{e}"))
        );
    }
    Ok(ExitCode::SUCCESS)
}

//! `lantern vault …`: create, inspect, check, back up, restore, purge and wipe an
//! encrypted vault directory. Passphrases never come from the command line (which
//! other users can read in `ps`); in order of preference they come from
//! `--passphrase-fd FD` (or `LANTERN_PASSPHRASE_FD`): one passphrase per line, in the
//! order the command asks for them; from `LANTERN_PASSPHRASE`, `LANTERN_NEW_PASSPHRASE`,
//! `LANTERN_BACKUP_PASSPHRASE` and `LANTERN_DURESS_PASSPHRASE`, which scripts and
//! deployments rely on but which the same user and root can read in
//! `/proc/PID/environ` and children inherit; or from a prompt on a terminal.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;

use anyhow::{Context, bail};
use chrono::Utc;
use clap::Subcommand;
use lantern_core::vault::backup::{self, BackupRecipient, BackupSecret};
use lantern_core::vault::{Vault, VaultConfig};
use zeroize::Zeroizing;

#[derive(Subcommand)]
pub enum VaultCommand {
    /// Create a new, empty vault in DIR (passphrase from LANTERN_PASSPHRASE or a prompt;
    /// an optional duress passphrase from LANTERN_DURESS_PASSPHRASE).
    Init { dir: PathBuf },
    /// Show the vault's identity and parameters, without unlocking it or writing
    /// anything (what it holds is shown only once unlocked, for every vault).
    Status {
        dir: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Unlock first (LANTERN_PASSPHRASE) and show the counts too; this records an
        /// unlock in the audit log.
        #[arg(long)]
        unlock: bool,
    },
    /// Check the audit log's hash chain (with --unlock, also against the sealed anchor).
    VerifyLog {
        dir: PathBuf,
        /// Unlock first, so truncation and whole-chain rewrites are caught too.
        #[arg(long)]
        unlock: bool,
    },
    /// Write an encrypted backup of the whole vault to FILE (backup passphrase from
    /// LANTERN_BACKUP_PASSPHRASE or a prompt, or --org-public-key).
    Backup {
        dir: PathBuf,
        file: PathBuf,
        /// Encrypt to the organisation's X25519 public key (64 hex digits) instead of a
        /// backup passphrase: only headquarters can open it.
        #[arg(long)]
        org_public_key: Option<String>,
    },
    /// Restore a backup FILE into a new vault in DIR (the new vault's passphrase from
    /// LANTERN_PASSPHRASE or a prompt).
    Restore {
        file: PathBuf,
        dir: PathBuf,
        /// The file holding the organisation's secret key (from `org-keygen`), for
        /// backups made with --org-public-key.
        #[arg(long)]
        org_secret_key_file: Option<PathBuf>,
    },
    /// Destroy the vault in DIR now: the key is erased and every vault file overwritten
    /// and deleted. No passphrase, no confirmation.
    Wipe { dir: PathBuf },
    /// Delete finalized submissions whose retention period has passed since their
    /// aggregates were acknowledged.
    Purge { dir: PathBuf },
    /// Change the passphrase (LANTERN_PASSPHRASE, then LANTERN_NEW_PASSPHRASE). The data
    /// is re-keyed: an old copy of the vault and the old passphrase open nothing new.
    ChangePassphrase { dir: PathBuf },
    /// Make an organisation key pair for backups: writes the secret key to FILE (keep it
    /// at headquarters) and prints the public key to give to devices.
    OrgKeygen { file: PathBuf },
}

/// Where `--passphrase-fd` passphrases are read from, once opened.
static FD_SOURCE: Mutex<Option<std::io::BufReader<std::fs::File>>> = Mutex::new(None);

/// Reads passphrases from file descriptor `fd` from now on (one per line).
pub(crate) fn use_passphrase_fd(fd: i32) -> anyhow::Result<()> {
    let file = std::fs::File::open(format!("/dev/fd/{fd}"))
        .with_context(|| format!("cannot read passphrases from file descriptor {fd}"))?;
    let mut source = FD_SOURCE
        .lock()
        .map_err(|_| anyhow::anyhow!("passphrase source poisoned"))?;
    *source = Some(std::io::BufReader::new(file));
    Ok(())
}

fn from_fd() -> anyhow::Result<Option<Zeroizing<String>>> {
    if FD_SOURCE.lock().map(|s| s.is_none()).unwrap_or(true)
        && let Ok(fd) = std::env::var("LANTERN_PASSPHRASE_FD")
    {
        use_passphrase_fd(
            fd.trim()
                .parse()
                .context("LANTERN_PASSPHRASE_FD is not a number")?,
        )?;
    }
    let mut guard = FD_SOURCE
        .lock()
        .map_err(|_| anyhow::anyhow!("passphrase source poisoned"))?;
    let Some(reader) = guard.as_mut() else {
        return Ok(None);
    };
    let mut line = Zeroizing::new(String::new());
    if reader.read_line(&mut line)? == 0 {
        bail!("the passphrase file descriptor ended before every passphrase was read");
    }
    let trimmed = line.trim_end_matches(['\n', '\r']).len();
    line.truncate(trimmed);
    Ok(Some(line))
}

pub fn run(command: VaultCommand, passphrase_fd: Option<i32>) -> anyhow::Result<ExitCode> {
    if let Some(fd) = passphrase_fd {
        use_passphrase_fd(fd)?;
    }
    match command {
        VaultCommand::Init { dir } => init(&dir),
        VaultCommand::Status { dir, json, unlock } => status(&dir, json, unlock),
        VaultCommand::VerifyLog { dir, unlock } => verify_log(&dir, unlock),
        VaultCommand::Backup {
            dir,
            file,
            org_public_key,
        } => backup(&dir, &file, org_public_key.as_deref()),
        VaultCommand::Restore {
            file,
            dir,
            org_secret_key_file,
        } => restore(&file, &dir, org_secret_key_file.as_deref()),
        VaultCommand::Wipe { dir } => {
            Vault::wipe_dir(&dir).map_err(core_error)?;
            println!("wiped {}", dir.display());
            Ok(ExitCode::SUCCESS)
        }
        VaultCommand::Purge { dir } => purge(&dir),
        VaultCommand::ChangePassphrase { dir } => change_passphrase(&dir),
        VaultCommand::OrgKeygen { file } => org_keygen(&file),
    }
}

pub(crate) fn core_error(e: lantern_core::vault::VaultError) -> anyhow::Error {
    anyhow::anyhow!("{} [{}]", e, e.code())
}

/// A passphrase from the file descriptor, the environment or, on a terminal, a prompt
/// without echo.
fn passphrase(var: &str, prompt: &str) -> anyhow::Result<Zeroizing<String>> {
    if let Some(value) = from_fd()? {
        return Ok(value);
    }
    if let Ok(value) = std::env::var(var) {
        return Ok(Zeroizing::new(value));
    }
    if !std::io::stdin().is_terminal() {
        bail!("set {var} or run on a terminal to be asked for the passphrase");
    }
    Ok(Zeroizing::new(rpassword::prompt_password(prompt)?))
}

/// A new passphrase: from the file descriptor or the environment, or typed twice on a
/// terminal.
fn new_passphrase(var: &str, prompt: &str) -> anyhow::Result<Zeroizing<String>> {
    if let Some(value) = from_fd()? {
        return Ok(value);
    }
    if let Ok(value) = std::env::var(var) {
        return Ok(Zeroizing::new(value));
    }
    let first = passphrase(var, prompt)?;
    let again = Zeroizing::new(rpassword::prompt_password("Repeat it: ")?);
    if *first != *again {
        bail!("the two passphrases differ");
    }
    Ok(first)
}

pub(crate) fn unlocked(dir: &Path) -> anyhow::Result<Vault> {
    let mut vault = Vault::open(dir, VaultConfig::default(), Utc::now()).map_err(core_error)?;
    let pass = passphrase("LANTERN_PASSPHRASE", "Vault passphrase: ")?;
    vault
        .unlock(pass.as_bytes(), Utc::now())
        .map_err(core_error)?;
    Ok(vault)
}

/// The duress passphrase, if one is given (`LANTERN_DURESS_PASSPHRASE`).
fn duress_passphrase() -> Option<Zeroizing<String>> {
    std::env::var("LANTERN_DURESS_PASSPHRASE")
        .ok()
        .map(Zeroizing::new)
}

fn init(dir: &Path) -> anyhow::Result<ExitCode> {
    let pass = new_passphrase("LANTERN_PASSPHRASE", "New vault passphrase: ")?;
    // Both are checked by the core before anything is created (no half-set duress).
    let vault = match duress_passphrase() {
        Some(duress) => Vault::create_with_duress(
            dir,
            pass.as_bytes(),
            duress.as_bytes(),
            VaultConfig::default(),
            Utc::now(),
        ),
        None => Vault::create(dir, pass.as_bytes(), VaultConfig::default(), Utc::now()),
    }
    .map_err(core_error)?;
    let status = vault.status().map_err(core_error)?;
    println!("created vault {} in {}", status.vault_id, dir.display());
    Ok(ExitCode::SUCCESS)
}

fn status(dir: &Path, json: bool, unlock: bool) -> anyhow::Result<ExitCode> {
    let s = if unlock {
        unlocked(dir)?.status().map_err(core_error)?
    } else {
        Vault::status_of(dir).map_err(core_error)?
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&s)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("vault          {}", s.vault_id);
    println!("directory      {}", dir.display());
    println!("format         {} (schema {})", s.format, s.schema_version);
    println!(
        "key derivation Argon2id, {} MiB, {} passes, {} lane(s)",
        s.kdf.m_cost_kib / 1024,
        s.kdf.t_cost,
        s.kdf.p_cost
    );
    match (s.forms, s.drafts, s.finalized, s.audit_entries) {
        (Some(forms), Some(drafts), Some(finalized), Some(audit)) => {
            println!("forms          {forms}");
            println!("drafts         {drafts}");
            println!("finalized      {finalized}");
            println!("audit entries  {audit}");
        }
        _ => println!("contents       shown only once unlocked"),
    }
    println!("failed unlocks {}", s.failed_unlocks);
    Ok(ExitCode::SUCCESS)
}

fn verify_log(dir: &Path, unlock: bool) -> anyhow::Result<ExitCode> {
    let vault = if unlock {
        unlocked(dir)?
    } else {
        Vault::open(dir, VaultConfig::default(), Utc::now()).map_err(core_error)?
    };
    match vault.verify_log() {
        Ok(n) if unlock => {
            println!("audit log ok: {n} entries, chain intact and matching the sealed anchor");
            Ok(ExitCode::SUCCESS)
        }
        Ok(n) => {
            println!(
                "audit log chain consistent: {n} entries (a truncated or rewritten log is only detected with --unlock)"
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("lantern: {} [{}]", e, e.code());
            Ok(ExitCode::from(2))
        }
    }
}

fn backup(dir: &Path, file: &Path, org_public_key: Option<&str>) -> anyhow::Result<ExitCode> {
    let mut vault = unlocked(dir)?;
    let backup_pass;
    let recipient = match org_public_key {
        Some(hex) => {
            BackupRecipient::OrgKey(backup::parse_org_public_key(hex).map_err(core_error)?)
        }
        None => {
            backup_pass = new_passphrase("LANTERN_BACKUP_PASSPHRASE", "Backup passphrase: ")?;
            BackupRecipient::Passphrase(backup_pass.as_bytes())
        }
    };
    let report = vault
        .backup(file, recipient, Utc::now())
        .map_err(core_error)?;
    println!(
        "backed up {} submissions and {} forms to {} ({} bytes, encrypted)",
        report.submissions,
        report.forms,
        file.display(),
        report.bytes
    );
    if !report.skipped.is_empty() {
        eprintln!(
            "lantern: {} damaged record(s) could not be decrypted and were left out: {}",
            report.skipped.len(),
            report.skipped.join(", ")
        );
        return Ok(ExitCode::from(3));
    }
    Ok(ExitCode::SUCCESS)
}

fn restore(
    file: &Path,
    dir: &Path,
    org_secret_key_file: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let org_key;
    let backup_pass;
    let secret = match org_secret_key_file {
        Some(path) => {
            org_key = backup::read_org_secret_key(path)
                .map_err(core_error)
                .with_context(|| format!("cannot use the key in {}", path.display()))?;
            BackupSecret::OrgKey(&org_key)
        }
        None => {
            backup_pass = passphrase("LANTERN_BACKUP_PASSPHRASE", "Backup passphrase: ")?;
            BackupSecret::Passphrase(backup_pass.as_bytes())
        }
    };
    let pass = new_passphrase("LANTERN_PASSPHRASE", "Passphrase for the restored vault: ")?;
    let vault = match duress_passphrase() {
        Some(duress) => Vault::restore_with_duress(
            file,
            secret,
            dir,
            pass.as_bytes(),
            duress.as_bytes(),
            VaultConfig::default(),
            Utc::now(),
        ),
        None => Vault::restore(
            file,
            secret,
            dir,
            pass.as_bytes(),
            VaultConfig::default(),
            Utc::now(),
        ),
    }
    .map_err(core_error)?;
    let s = vault.status().map_err(core_error)?;
    println!(
        "restored {} drafts and {} finalized submissions into {}",
        s.drafts.unwrap_or(0),
        s.finalized.unwrap_or(0),
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn purge(dir: &Path) -> anyhow::Result<ExitCode> {
    let mut vault = unlocked(dir)?;
    let report = vault.purge(Utc::now()).map_err(core_error)?;
    println!(
        "purged {} submissions; {} acknowledged submissions have no retention period",
        report.purged_ids.len(),
        report.kept_without_period
    );
    Ok(ExitCode::SUCCESS)
}

fn change_passphrase(dir: &Path) -> anyhow::Result<ExitCode> {
    let mut vault = Vault::open(dir, VaultConfig::default(), Utc::now()).map_err(core_error)?;
    let old = passphrase("LANTERN_PASSPHRASE", "Current passphrase: ")?;
    vault
        .unlock(old.as_bytes(), Utc::now())
        .map_err(core_error)?;
    let new = new_passphrase("LANTERN_NEW_PASSPHRASE", "New passphrase: ")?;
    vault
        .change_passphrase(old.as_bytes(), new.as_bytes(), Utc::now())
        .map_err(core_error)?;
    println!("passphrase changed");
    Ok(ExitCode::SUCCESS)
}

fn org_keygen(file: &Path) -> anyhow::Result<ExitCode> {
    let public = backup::org_keygen(file).map_err(core_error)?;
    println!("{public}");
    Ok(ExitCode::SUCCESS)
}

//! `lantern-server admin …`: operator commands that work on the same database as a
//! running server (SQLite in WAL mode with a busy timeout, or PostgreSQL).

use std::sync::Arc;

use anyhow::Context;
use clap::Subcommand;
use serde::Serialize;

use crate::check;
use crate::store::{BatchFilter, NewEnrollment, Store};

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Creates a one-time enrollment code for a device, printed as the last line.
    CreateEnrollment {
        /// A site (P-code) the device may report on; repeat for several.
        #[arg(long = "site", required = true, num_args = 1..)]
        sites: Vec<String>,
        /// A form the device may report on; repeat for several (default: any form).
        #[arg(long = "form", num_args = 1..)]
        forms: Vec<String>,
        /// Days until the code expires unused.
        #[arg(long, default_value_t = 7)]
        expires_days: u32,
    },
    /// Lists enrolled devices with their last upload.
    Devices {
        #[arg(long)]
        json: bool,
    },
    /// Revokes a device: its uploads are refused from now on.
    Revoke {
        /// The device id, as `admin devices` shows it.
        device: String,
    },
    /// Lists stored batches (the latest per device × form × site × round).
    Batches {
        #[arg(long)]
        json: bool,
    },
    /// Creates an admin token for `GET /api/v1/aggregates`, printed as the last line.
    CreateToken,
    /// Prints the SHA-256 fingerprint of the server's TLS certificate (last line), for
    /// the operator to read out to devices enrolling (`lantern sync enroll --pin`).
    TlsFingerprint {
        /// The PEM certificate the server is started with (`--tls-cert`).
        #[arg(long)]
        cert: std::path::PathBuf,
    },
    /// Creates a dashboard user. The password comes from LANTERN_USER_PASSWORD or a
    /// prompt (twice), never from an argument.
    CreateUser {
        /// The user name to sign in with.
        name: String,
        /// `admin` also manages devices and enrollment; `viewer` only reads.
        #[arg(long, value_parser = ["admin", "viewer"])]
        role: String,
    },
    /// Sets a new password for a dashboard user (LANTERN_USER_PASSWORD or a prompt) and
    /// ends their sessions.
    SetPassword { name: String },
    /// Lists dashboard users.
    Users,
    /// Replaces the site list with a CSV file: site_code, site_name, admin1[, admin2 …].
    /// Every bad row is listed with its line; a file with any bad row imports nothing.
    ImportSites { file: std::path::PathBuf },
}

/// `admin tls-fingerprint`: needs no database.
pub fn tls_fingerprint(cert: &std::path::Path) -> anyhow::Result<()> {
    let pem = std::fs::read(cert).with_context(|| format!("cannot read {}", cert.display()))?;
    let fp = check::certificate_fingerprint(&pem)
        .map_err(|e| anyhow::anyhow!("{}: {e}", cert.display()))?;
    println!("SHA-256 fingerprint of {}:", cert.display());
    println!("{fp}");
    Ok(())
}

/// The new password: LANTERN_USER_PASSWORD, else asked twice on the terminal.
fn new_password() -> anyhow::Result<zeroize::Zeroizing<String>> {
    let password = match std::env::var("LANTERN_USER_PASSWORD") {
        Ok(p) => zeroize::Zeroizing::new(p),
        Err(_) => {
            let first = zeroize::Zeroizing::new(
                rpassword::prompt_password("Password for the dashboard user: ").context(
                    "cannot read the password (set LANTERN_USER_PASSWORD when there is no terminal)",
                )?,
            );
            let again = zeroize::Zeroizing::new(rpassword::prompt_password("Repeat it: ")?);
            if first != again {
                anyhow::bail!("the two passwords differ; nothing was changed");
            }
            first
        }
    };
    crate::dashboard::auth::check_password(&password).map_err(anyhow::Error::msg)?;
    Ok(password)
}

#[derive(Serialize)]
struct BatchRow<'a> {
    device_id: &'a str,
    form_id: &'a str,
    form_version: &'a str,
    site: &'a str,
    round: Option<&'a str>,
    sequence: u64,
    batch_id: &'a str,
    batch_hash: &'a str,
    received_at: &'a str,
}

#[derive(Serialize)]
struct DeviceRow<'a> {
    device_id: &'a str,
    sites: &'a [String],
    forms: &'a [String],
    enrolled_at: &'a str,
    revoked_at: Option<&'a str>,
    last_upload_at: Option<&'a str>,
}

/// Runs one admin command, printing to stdout.
pub async fn run(store: Arc<dyn Store>, cmd: AdminCommand) -> anyhow::Result<()> {
    match cmd {
        AdminCommand::TlsFingerprint { cert } => tls_fingerprint(&cert)?,
        AdminCommand::CreateEnrollment {
            sites,
            forms,
            expires_days,
        } => {
            for s in &sites {
                check::check_name("site", s).map_err(anyhow::Error::msg)?;
            }
            for f in &forms {
                check::check_name("form", f).map_err(anyhow::Error::msg)?;
            }
            let code = check::new_code()?;
            let now = chrono::Utc::now();
            let expires = now + chrono::Duration::days(i64::from(expires_days.max(1)));
            store
                .create_enrollment(NewEnrollment {
                    code_hash: check::sha256_hex(check::normalise_code(&code).as_bytes()),
                    sites: sites.clone(),
                    forms: forms.clone(),
                    created_at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    expires_at: expires.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                })
                .await
                .context("cannot store the enrollment")?;
            println!(
                "Enrollment for sites {} (forms: {}), valid until {}. Give this code to one device; it works once:",
                sites.join(", "),
                if forms.is_empty() {
                    "any".into()
                } else {
                    forms.join(", ")
                },
                expires.format("%Y-%m-%d %H:%M UTC")
            );
            println!("{code}");
        }
        AdminCommand::Devices { json } => {
            let devices = store.devices().await?;
            let rows: Vec<DeviceRow<'_>> = devices
                .iter()
                .map(|d| DeviceRow {
                    device_id: &d.device_id,
                    sites: &d.sites,
                    forms: &d.forms,
                    enrolled_at: &d.enrolled_at,
                    revoked_at: d.revoked_at.as_deref(),
                    last_upload_at: d.last_upload_at.as_deref(),
                })
                .collect();
            if json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else if rows.is_empty() {
                println!("no devices enrolled");
            } else {
                println!("device_id\tsites\tenrolled_at\tlast_upload\tstatus");
                for r in rows {
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        r.device_id,
                        r.sites.join(","),
                        r.enrolled_at,
                        r.last_upload_at.unwrap_or("never"),
                        r.revoked_at
                            .map_or("active".to_owned(), |t| format!("revoked {t}"))
                    );
                }
            }
        }
        AdminCommand::Revoke { device } => {
            if store.revoke(device.clone(), check::now_text()).await? {
                println!("device {device} is revoked: its uploads are refused from now on");
            } else {
                anyhow::bail!("no device {device}; `admin devices` lists them");
            }
        }
        AdminCommand::Batches { json } => {
            let batches = store.batches(BatchFilter::default()).await?;
            let rows: Vec<BatchRow<'_>> = batches
                .iter()
                .map(|b| BatchRow {
                    device_id: &b.device_id,
                    form_id: &b.form_id,
                    form_version: &b.form_version,
                    site: &b.site,
                    round: b.round.as_deref(),
                    sequence: b.sequence,
                    batch_id: &b.batch_id,
                    batch_hash: &b.batch_hash,
                    received_at: &b.received_at,
                })
                .collect();
            if json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else if rows.is_empty() {
                println!("no batches stored");
            } else {
                println!("device\tform\tsite\tround\tsequence\tbatch_id");
                for r in rows {
                    println!(
                        "{}\t{}\t{}\t{}\t{}\t{}",
                        r.device_id,
                        r.form_id,
                        r.site,
                        r.round.unwrap_or("-"),
                        r.sequence,
                        r.batch_id
                    );
                }
            }
        }
        AdminCommand::CreateUser { name, role } => {
            crate::dashboard::auth::check_username(&name).map_err(anyhow::Error::msg)?;
            if store.user(name.clone()).await?.is_some() {
                anyhow::bail!(
                    "a dashboard user {name} exists already; `admin set-password {name}` changes the password"
                );
            }
            let password = new_password()?;
            let hash = check::hash_password(&password)?;
            let created = store
                .create_user(crate::store::User {
                    username: name.clone(),
                    password_hash: hash,
                    role: role.clone(),
                    created_at: check::now_text(),
                })
                .await?;
            if !created {
                anyhow::bail!("a dashboard user {name} exists already");
            }
            println!("dashboard user {name} created ({role})");
        }
        AdminCommand::SetPassword { name } => {
            if store.user(name.clone()).await?.is_none() {
                anyhow::bail!("no dashboard user {name}; `admin users` lists them");
            }
            let password = new_password()?;
            let hash = check::hash_password(&password)?;
            store.set_password(name.clone(), hash).await?;
            println!("password of {name} changed; their sessions have ended");
        }
        AdminCommand::Users => {
            let users = store.users().await?;
            if users.is_empty() {
                println!("no dashboard users; `admin create-user NAME --role admin` makes one");
            }
            for u in users {
                println!("{}\t{}\t{}", u.username, u.role, u.created_at);
            }
        }
        AdminCommand::ImportSites { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let sites = crate::dashboard::sites::parse(&text).map_err(|errors| {
                anyhow::anyhow!(
                    "{} has {} bad row(s); nothing was imported:\n  {}",
                    file.display(),
                    errors.len(),
                    errors.join("\n  ")
                )
            })?;
            let n = store.replace_sites(sites).await?;
            println!(
                "{n} sites imported from {} (the previous list was replaced)",
                file.display()
            );
        }
        AdminCommand::CreateToken => {
            let token = check::new_token()?;
            store
                .create_admin_token(check::sha256_hex(token.as_bytes()), check::now_text())
                .await?;
            println!("Admin token for GET /api/v1/aggregates (shown once, keep it secret):");
            println!("{token}");
        }
    }
    Ok(())
}

//! Crash test: a child process saves drafts and finalizes in a loop, printing each
//! acknowledged save; the parent SIGKILLs it at random moments, 50 times. After every
//! kill the vault directory holds no plaintext canary, `PRAGMA integrity_check` is ok,
//! the audit chain verifies, and every acknowledged save is present and readable.
//!
//! The binary has its own `main` (`harness = false`): started with
//! `LANTERN_CRASH_CHILD=DIR` it is the child, otherwise it is the test.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use lantern_core::vault::{KdfParams, ListFilter, Status, SubmissionMeta, Vault, VaultConfig};
use serde_json::json;

const CHILD_ENV: &str = "LANTERN_CRASH_CHILD";
const RUN_ENV: &str = "LANTERN_CRASH_RUN";
const CANARY_ENV: &str = "LANTERN_CRASH_CANARY";
const PASS: &[u8] = b"crash test passphrase";
const KILLS: usize = 50;

fn cfg() -> VaultConfig {
    VaultConfig {
        kdf: KdfParams::INSECURE_FAST_FOR_TESTS,
        idle_lock: TimeDelta::hours(1),
    }
}

fn main() {
    match std::env::var(CHILD_ENV) {
        Ok(dir) => child(Path::new(&dir)),
        Err(_) => parent(),
    }
}

/// Saves forever: three drafts per submission, then finalize. A line is printed only
/// after the call returned, so every printed line is an acknowledged save.
fn child(dir: &Path) {
    let run = std::env::var(RUN_ENV).unwrap();
    let canary = std::env::var(CANARY_ENV).unwrap();
    let mut vault = Vault::open(dir, cfg(), Utc::now()).unwrap();
    vault.unlock(PASS, Utc::now()).unwrap();
    let mut out = std::io::stdout().lock();
    writeln!(out, "READY").unwrap();
    out.flush().unwrap();
    for i in 0.. {
        let meta = SubmissionMeta {
            id: format!("r{run}-s{i}"),
            form_id: "gbv_safety_audit".into(),
            form_version: "1".into(),
        };
        for n in 1..=3 {
            let content = json!({"n": n, "observations": format!("{canary} answer {n}")});
            vault.save_draft(&meta, &content, Utc::now()).unwrap();
            writeln!(out, "D {} {n}", meta.id).unwrap();
            out.flush().unwrap();
        }
        vault.finalize(&meta.id, Utc::now()).unwrap();
        writeln!(out, "F {}", meta.id).unwrap();
        out.flush().unwrap();
        // Every round ends with a withdrawal: a re-key of the whole vault (new key into
        // the spare slot, everything re-sealed, old slot overwritten), so that kills
        // also land in the middle of re-keys (issue 13, H1/H2 kill-safety).
        {
            let gone = SubmissionMeta {
                id: format!("r{run}-w{i}"),
                form_id: "gbv_safety_audit".into(),
                form_version: "1".into(),
            };
            let content = json!({"n": 1, "observations": format!("{canary} withdrawn")});
            vault.save_draft(&gone, &content, Utc::now()).unwrap();
            vault.withdraw(&gone.id, Utc::now()).unwrap();
            writeln!(out, "W {}", gone.id).unwrap();
            out.flush().unwrap();
        }
    }
}

/// A small xorshift generator seeded from the clock: the kill moments differ per run.
struct Moments(u64);

impl Moments {
    fn next_ms(&mut self, max: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % max
    }
}

fn parent() {
    let started = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    // The children's own temp dir, so the scan reads what they wrote and nothing of
    // other processes sharing /tmp (a build tree there can hold gigabytes).
    let child_tmp = tmp.path().join("child-tmp");
    std::fs::create_dir(&child_tmp).unwrap();
    let canary = format!("CANARY-{}", uuid::Uuid::new_v4().simple());
    drop(Vault::create(&dir, PASS, cfg(), Utc::now()).unwrap());
    let exe = std::env::current_exe().unwrap();
    let seed = Utc::now().timestamp_nanos_opt().unwrap_or(1) as u64 | 1;
    let mut moments = Moments(seed);
    println!("vault_crash: {KILLS} kills, seed {seed}");

    // id -> (highest acknowledged draft number, acknowledged finalize)
    let mut acked: HashMap<String, (u64, bool)> = HashMap::new();
    // Acknowledged withdrawals: these must stay gone.
    let mut withdrawn: Vec<String> = Vec::new();
    let mut total_acks = 0usize;
    for run in 0..KILLS {
        let mut child = Command::new(&exe)
            .env(CHILD_ENV, &dir)
            .env(RUN_ENV, run.to_string())
            .env(CANARY_ENV, &canary)
            .env("TMPDIR", &child_tmp)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let ready = lines.next().unwrap().unwrap();
        assert_eq!(ready, "READY", "run {run}");
        let delay = Duration::from_millis(1 + moments.next_ms(120));
        let reader =
            std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<String>>());
        std::thread::sleep(delay);
        // Child::kill sends SIGKILL on Unix.
        child.kill().unwrap();
        let status = child.wait().unwrap();
        assert!(!status.success(), "run {run}: the child was not killed");
        for line in reader.join().unwrap() {
            let parts: Vec<&str> = line.split(' ').collect();
            match parts.as_slice() {
                ["D", id, n] => {
                    let entry = acked.entry(id.to_string()).or_default();
                    entry.0 = entry.0.max(n.parse().unwrap());
                }
                ["F", id] => acked.entry(id.to_string()).or_default().1 = true,
                ["W", id] => withdrawn.push(id.to_string()),
                // A line cut by the kill was never complete, so never acknowledged.
                _ => continue,
            }
            total_acks += 1;
        }
        check_after_crash(&dir, &canary, &acked, &withdrawn, run);
        if run % 10 == 9 {
            // The process temp dir too (SQLite is set never to write temp files).
            let found = scan(&child_tmp, canary.as_bytes());
            assert!(found.is_empty(), "run {run}: plaintext in {found:?}");
        }
    }
    assert!(
        total_acks > 100,
        "too few saves to mean anything: {total_acks}"
    );
    assert!(
        withdrawn.len() >= 3,
        "too few re-keys to mean anything: {}",
        withdrawn.len()
    );
    println!(
        "vault_crash: ok, {KILLS} kills, {total_acks} acknowledged saves of {} submissions, {} withdrawals (re-keys), {:.1} s",
        acked.len(),
        withdrawn.len(),
        started.elapsed().as_secs_f64()
    );
}

/// Files under `dir` containing `needle`; files that vanish or are unreadable mid-scan
/// (other processes share the temp dir) are skipped.
fn scan(dir: &Path, needle: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            found.extend(scan(&path, needle));
        } else if kind.is_file()
            && let Ok(bytes) = std::fs::read(&path)
            && bytes.windows(needle.len()).any(|w| w == needle)
        {
            found.push(path.display().to_string());
        }
    }
    found
}

fn check_after_crash(
    dir: &Path,
    canary: &str,
    acked: &HashMap<String, (u64, bool)>,
    withdrawn: &[String],
    run: usize,
) {
    // Before anything reopens the vault: the files exactly as the kill left them.
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            !bytes.windows(canary.len()).any(|w| w == canary.as_bytes()),
            "run {run}: plaintext in {}",
            path.display()
        );
    }
    let mut vault = Vault::open(dir, cfg(), Utc::now()).unwrap();
    assert!(
        vault.integrity_check().unwrap(),
        "run {run}: integrity_check"
    );
    vault.unlock(PASS, Utc::now()).unwrap();
    vault.verify_log().unwrap();
    let mut stored = HashMap::new();
    vault
        .for_each_submission(&ListFilter::default(), Utc::now(), |s| {
            stored.insert(
                s.summary.id.clone(),
                (s.content["n"].as_u64().unwrap(), s.summary.status),
            );
        })
        .unwrap();
    for (id, (n, finalized)) in acked {
        let (stored_n, status) = stored
            .get(id)
            .unwrap_or_else(|| panic!("run {run}: acknowledged {id} is missing"));
        // A save in flight at the kill may have committed without being acknowledged,
        // so the stored draft may be newer, never older.
        assert!(
            stored_n >= n,
            "run {run}: {id} has draft {stored_n}, acknowledged {n}"
        );
        if *finalized {
            assert_eq!(*status, Status::Finalized, "run {run}: {id}");
        }
    }
    for id in withdrawn {
        assert!(
            !stored.contains_key(id),
            "run {run}: withdrawn {id} is back"
        );
    }
}

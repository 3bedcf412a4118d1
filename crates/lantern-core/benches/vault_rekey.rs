//! Issue 13 benchmarks (criterion): a normal unlock against a duress unlock of the same
//! lived-in vault with the production Argon2id parameters (their ratio is the figure
//! that matters), a re-key of 10,000 submissions (what a passphrase change and every
//! withdraw do), and a retention purge of 10,000 submissions with secure delete and the
//! re-key that makes them unrecoverable.
//!
//! Run: `cargo bench -p lantern-core --bench vault_rekey`. Each timed iteration starts
//! from a fresh copy of a prepared vault (the copy is not timed), under cargo's target
//! tmp dir on a real disk.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use lantern_core::vault::{FormRecord, KdfParams, SubmissionMeta, Vault, VaultConfig};
use serde_json::json;

const PASS: &[u8] = b"benchmark passphrase";
const OTHER: &[u8] = b"benchmark passphrase two";
const DURESS: &[u8] = b"let me through";

fn fast() -> VaultConfig {
    VaultConfig {
        kdf: KdfParams::INSECURE_FAST_FOR_TESTS,
        idle_lock: TimeDelta::days(3650),
    }
}

fn production() -> VaultConfig {
    VaultConfig {
        idle_lock: TimeDelta::days(3650),
        ..VaultConfig::default()
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("vault-bench13-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// A realistic safety audit response: ~40 answers, some free text (~1.5 KB JSON).
fn response(i: usize) -> serde_json::Value {
    let mut answers = serde_json::Map::new();
    answers.insert("consent".into(), json!("yes"));
    answers.insert("site".into(), json!(format!("SS01{:04}", i % 500)));
    for q in 0..36 {
        answers.insert(
            format!("q{q}"),
            json!(if q % 3 == 0 { "yes" } else { "no" }),
        );
    }
    answers.insert(
        "observations".into(),
        json!("Lighting near the latrines in block C is broken; women report avoiding the area after dark. ".repeat(8)),
    );
    serde_json::Value::Object(answers)
}

fn meta(i: usize) -> SubmissionMeta {
    SubmissionMeta {
        id: format!("uuid:{i:08}"),
        form_id: "camp_safety_audit".into(),
        form_version: "2026030101".into(),
    }
}

/// `n` submissions, the first `finalized` of them finalized and acknowledged, under a
/// form whose retention period is one day.
fn prepare(dir: &Path, config: VaultConfig, n: usize, finalized: usize, now: DateTime<Utc>) {
    let mut v = Vault::create_with_duress(dir, PASS, DURESS, config, now).unwrap();
    v.add_form(
        &FormRecord {
            form_id: "camp_safety_audit".into(),
            version: "2026030101".into(),
            definition: vec![7u8; 40_000],
            retention_days: Some(1),
            media: Vec::new(),
        },
        now,
    )
    .unwrap();
    let batch: Vec<_> = (0..n).map(|i| (meta(i), response(i))).collect();
    for chunk in batch.chunks(1000) {
        v.save_drafts(chunk, now).unwrap();
    }
    for i in 0..finalized {
        v.finalize(&meta(i).id, now).unwrap();
    }
    let ids: Vec<String> = (0..finalized).map(|i| meta(i).id).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    v.mark_acknowledged(&refs, now).unwrap();
}

/// One unlock of a fresh copy of `template`; the copy and the open are not timed.
fn time_unlock(template: &Path, work: &Path, pass: &[u8], now: DateTime<Utc>) -> Duration {
    copy_dir(template, work);
    let mut v = Vault::open(work, production(), now).unwrap();
    let start = Instant::now();
    v.unlock(pass, now).unwrap();
    let took = start.elapsed();
    assert!(v.is_unlocked());
    took
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn unlock_normal_vs_duress(c: &mut Criterion) {
    let now = Utc::now();
    let template = scratch("unlock-template");
    // A lived-in vault: 200 responses, 150 of them finalized.
    prepare(&template, production(), 200, 150, now);
    let work = scratch("unlock-work");
    // The ratio, measured with the two kinds interleaved so that other load on the
    // machine falls on both alike (criterion below runs them one after the other).
    let (mut normal, mut duress) = (Vec::new(), Vec::new());
    for _ in 0..15 {
        normal.push(time_unlock(&template, &work, PASS, now));
        duress.push(time_unlock(&template, &work, DURESS, now));
    }
    let (n, d) = (median(normal), median(duress));
    println!(
        "unlock interleaved, 15 pairs: normal median {:.3} s, duress median {:.3} s, ratio duress/normal {:.3}",
        n.as_secs_f64(),
        d.as_secs_f64(),
        d.as_secs_f64() / n.as_secs_f64()
    );
    let mut group = c.benchmark_group("unlock_200_production_argon2id");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.measurement_time(Duration::from_secs(12));
    for (name, pass) in [("normal", PASS), ("duress", DURESS)] {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    total += time_unlock(&template, &work, pass, now);
                }
                total
            })
        });
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&template);
    let _ = std::fs::remove_dir_all(&work);
}

fn rekey_and_purge(c: &mut Criterion) {
    let now = Utc::now();
    let template = scratch("rekey-template");
    let work = scratch("rekey-work");
    // Prepared on first use, so that `cargo bench … -- unlock` skips it.
    let prepared = std::cell::OnceCell::new();
    let ready = || {
        prepared.get_or_init(|| prepare(&template, fast(), 10_000, 10_000, now));
    };
    let mut group = c.benchmark_group("rekey");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.measurement_time(Duration::from_secs(30));
    // A passphrase change re-seals all 10,000 responses (and the audit log) under a
    // new data key in one transaction.
    group.bench_function("change_passphrase_10000", |b| {
        ready();
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                copy_dir(&template, &work);
                let mut v = Vault::open(&work, fast(), now).unwrap();
                v.unlock(PASS, now).unwrap();
                let start = Instant::now();
                v.change_passphrase(PASS, OTHER, now).unwrap();
                total += start.elapsed();
            }
            total
        })
    });
    // A purge of all 10,000 (secure delete) and the re-key that crypto-erases them.
    group.bench_function("purge_10000", |b| {
        ready();
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                copy_dir(&template, &work);
                let mut v = Vault::open(&work, fast(), now).unwrap();
                v.unlock(PASS, now).unwrap();
                let later = now + TimeDelta::days(2);
                let start = Instant::now();
                let report = v.purge(later).unwrap();
                total += start.elapsed();
                assert_eq!(report.purged_ids.len(), 10_000);
            }
            total
        })
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&template);
    let _ = std::fs::remove_dir_all(&work);
}

criterion_group!(benches, unlock_normal_vs_duress, rekey_and_purge);
criterion_main!(benches);

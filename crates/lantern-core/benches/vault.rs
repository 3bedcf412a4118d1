//! Vault benchmarks (criterion): draft save with durability on (plus a p50/p99 pass,
//! which criterion does not report), finalize, open + unlock with the production
//! Argon2id parameters, list 10,000 submissions, decrypt all of 100,000, and close
//! (the checkpoint and in-place zeroing of the WAL that every CLI command pays at exit).
//!
//! Run: `cargo bench -p lantern-core --bench vault`. Vaults live under cargo's target
//! tmp dir (a real disk, not tmpfs), so every commit pays its fsync.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use lantern_core::vault::{KdfParams, ListFilter, SubmissionMeta, Vault, VaultConfig};
use serde_json::json;

const PASS: &[u8] = b"benchmark passphrase";

fn fast() -> VaultConfig {
    VaultConfig {
        kdf: KdfParams::INSECURE_FAST_FOR_TESTS,
        idle_lock: TimeDelta::days(1),
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("vault-bench-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A realistic GBV safety audit response: ~40 answers, some free text (~1.5 KB JSON).
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
    answers.insert("n".into(), json!(i));
    serde_json::Value::Object(answers)
}

fn meta(i: usize) -> SubmissionMeta {
    SubmissionMeta {
        id: format!("uuid:{i:08}"),
        form_id: "gbv_safety_audit".into(),
        form_version: "2026030101".into(),
    }
}

fn fill(vault: &mut Vault, n: usize) {
    let batch: Vec<_> = (0..n).map(|i| (meta(i), response(i))).collect();
    for chunk in batch.chunks(10_000) {
        vault.save_drafts(chunk, Utc::now()).unwrap();
    }
}

fn draft_save(c: &mut Criterion) {
    let dir = scratch("draft");
    let mut vault = Vault::create(&dir, PASS, fast(), Utc::now()).unwrap();
    fill(&mut vault, 100);
    // Latency distribution over 1,000 saves of existing drafts, each its own fsynced
    // transaction: what a field worker waits for after each batch of keystrokes.
    let mut samples: Vec<Duration> = (0..1000)
        .map(|i| {
            let content = response(i);
            let start = Instant::now();
            vault
                .save_draft(&meta(i % 100), &content, Utc::now())
                .unwrap();
            start.elapsed()
        })
        .collect();
    samples.sort();
    let pct = |p: usize| samples[(samples.len() * p / 100).min(samples.len() - 1)];
    eprintln!(
        "draft save latency over 1000 saves (synchronous=FULL): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        pct(50).as_secs_f64() * 1e3,
        pct(99).as_secs_f64() * 1e3,
        samples[samples.len() - 1].as_secs_f64() * 1e3,
    );
    let mut i = 0;
    c.bench_function("draft_save", |b| {
        b.iter(|| {
            i += 1;
            vault
                .save_draft(&meta(i % 100), &response(i), Utc::now())
                .unwrap();
        })
    });
}

fn finalize(c: &mut Criterion) {
    let dir = scratch("finalize");
    let mut vault = Vault::create(&dir, PASS, fast(), Utc::now()).unwrap();
    let mut next = 0;
    c.bench_function("finalize", |b| {
        // Only the finalize is timed; the draft it freezes is saved beforehand.
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                next += 1;
                vault
                    .save_draft(&meta(next), &response(next), Utc::now())
                    .unwrap();
                let start = Instant::now();
                vault.finalize(&meta(next).id, Utc::now()).unwrap();
                total += start.elapsed();
            }
            total
        })
    });
}

/// Closing a vault after one command's worth of writes (20 drafts saved): `Drop`
/// checkpoints the WAL, zeroes it in place with two `fdatasync`s and truncates it.
fn close(c: &mut Criterion) {
    let dir = scratch("close");
    drop(Vault::create(&dir, PASS, fast(), Utc::now()).unwrap());
    c.bench_function("close_after_20_writes", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for i in 0..iters as usize {
                let mut vault = Vault::open(&dir, fast(), Utc::now()).unwrap();
                vault.unlock(PASS, Utc::now()).unwrap();
                for j in 0..20 {
                    vault
                        .save_draft(&meta(j), &response(i + j), Utc::now())
                        .unwrap();
                }
                let start = Instant::now();
                drop(black_box(vault));
                total += start.elapsed();
            }
            total
        })
    });
}

fn open_unlock(c: &mut Criterion) {
    let dir = scratch("unlock");
    drop(Vault::create(&dir, PASS, VaultConfig::default(), Utc::now()).unwrap());
    let mut group = c.benchmark_group("open_unlock");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("production_argon2id", |b| {
        b.iter(|| {
            let mut v = Vault::open(&dir, VaultConfig::default(), Utc::now()).unwrap();
            v.unlock(PASS, Utc::now()).unwrap();
            black_box(v.is_unlocked())
        })
    });
    group.finish();
}

fn list_and_decrypt(c: &mut Criterion) {
    let dir = scratch("list");
    let mut vault = Vault::create(&dir, PASS, fast(), Utc::now()).unwrap();
    fill(&mut vault, 10_000);
    c.bench_function("list_10000", |b| {
        b.iter(|| black_box(vault.list(&ListFilter::default()).unwrap().len()))
    });
    drop(vault);
    let _ = std::fs::remove_dir_all(&dir);

    let dir = scratch("decrypt");
    let mut vault = Vault::create(&dir, PASS, fast(), Utc::now()).unwrap();
    fill(&mut vault, 100_000);
    let mut group = c.benchmark_group("decrypt_all");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    // Authenticated decryption of every record (what aggregation streams over).
    group.bench_function("100000", |b| {
        b.iter(|| {
            let mut bytes = 0usize;
            let n = vault
                .for_each_plaintext(&ListFilter::default(), Utc::now(), |_, plain| {
                    bytes += plain.len();
                })
                .unwrap();
            assert_eq!(n, 100_000);
            black_box(bytes)
        })
    });
    // The same plus parsing each into a serde_json::Value (~40 answers each).
    group.bench_function("100000_as_json_values", |b| {
        b.iter(|| {
            let mut answers = 0usize;
            let n = vault
                .for_each_submission(&ListFilter::default(), Utc::now(), |s| {
                    answers += s.content.as_object().map_or(0, |o| o.len());
                })
                .unwrap();
            assert_eq!(n, 100_000);
            black_box(answers)
        })
    });
    group.finish();
    drop(vault);
    // 100,000 sealed responses take ~150 MB; do not leave them in target/.
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(
    benches,
    draft_save,
    finalize,
    close,
    open_unlock,
    list_and_decrypt
);
criterion_main!(benches);

//! Aggregating 100,000 stored submissions of `womens_participation` (the built-in form
//! with the most indicators and dimensions): decrypt each sealed contribution, fold it,
//! build every site × round batch and apply primary and complementary suppression.
//! Reports wall time per run, the CPU time the run itself got (the machine is shared:
//! wall time under load includes waiting for a core), the load average, and the
//! process's peak memory before and after (streamed: the fold holds cells, not
//! submissions). Contributions are stored as `release::finalize` stores them
//! (`Contributions::encode`, sealed).
//!
//! Run: `cargo bench -p lantern-core --bench aggregate`

use std::path::Path;
use std::time::Instant;

use chrono::Utc;
use lantern_core::aggregate::{Contributions, Plan, Unit, UnitValue};
use lantern_core::release;
use lantern_core::vault::{FormRecord, KdfParams, SubmissionMeta, Vault, VaultConfig};
use lantern_core::xlsform::{WorkbookFormat, import_bytes};

const N: usize = 100_000;

fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// CPU time this thread has spent running, in seconds (Linux).
fn cpu_s() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .next()
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |ns| ns / 1e9)
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn main() {
    let forms = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../forms");
    let bytes = std::fs::read(forms.join("womens_participation.xlsx")).unwrap();
    let form = import_bytes(&bytes, WorkbookFormat::Xlsx, "womens_participation")
        .form
        .unwrap();
    let plan = Plan::new(&form).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = VaultConfig {
        kdf: KdfParams::INSECURE_FAST_FOR_TESTS,
        idle_lock: chrono::TimeDelta::hours(2),
    };
    let mut vault =
        Vault::create(dir.path(), b"aggregate bench passphrase", cfg, Utc::now()).unwrap();
    vault
        .add_form(
            &FormRecord {
                form_id: form.form_id.clone(),
                version: form.version.clone(),
                definition: bytes.clone(),
                retention_days: None,
                media: Vec::new(),
            },
            Utc::now(),
        )
        .unwrap();
    let setup = Instant::now();
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move |m: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % m
    };
    for chunk in 0..N / 1000 {
        let mut drafts = Vec::new();
        let mut items = Vec::new();
        for j in 0..1000 {
            let id = format!("uuid:{chunk}-{j}");
            let meta = SubmissionMeta {
                id: id.clone(),
                form_id: form.form_id.clone(),
                form_version: form.version.clone(),
            };
            drafts.push((
                meta,
                serde_json::json!({"instance": {"answer": "x".repeat(400)}}),
            ));
            let consent = next(10) != 0;
            let indicators = plan
                .indicators
                .iter()
                .map(|p| {
                    if !consent || next(3) == 0 {
                        return vec![];
                    }
                    let keys = p
                        .values
                        .iter()
                        .map(|v| (!v.is_empty()).then(|| v[next(v.len() as u64) as usize].clone()))
                        .collect();
                    let value = match p.meta.kind {
                        lantern_protocol::IndicatorKind::Count
                        | lantern_protocol::IndicatorKind::Proportion => {
                            UnitValue::Flag(next(2) == 0)
                        }
                        _ => UnitValue::Number(next(100) as f64),
                    };
                    vec![Unit { value, keys }]
                })
                .collect();
            let c = Contributions {
                form_id: form.form_id.clone(),
                form_version: form.version.clone(),
                site: format!("SO2401-000{}", 1 + next(8)),
                round: Some(if next(2) == 0 { "baseline" } else { "endline" }.into()),
                period: "2026-11".into(),
                consent,
                indicators,
            };
            items.push((id, c.encode().to_vec()));
        }
        vault.save_drafts(&drafts, Utc::now()).unwrap();
        vault
            .finalize_many_with_contributions(&items, Utc::now())
            .unwrap();
    }
    eprintln!(
        "setup: {N} finalized submissions in {:.1} s",
        setup.elapsed().as_secs_f64()
    );
    let before = peak_kib();
    let mut times = Vec::new();
    let mut cpu = Vec::new();
    let load_before = load();
    for _ in 0..5 {
        let start = Instant::now();
        let cpu_start = cpu_s();
        let (previews, missing) = release::preview(
            &mut vault,
            &form,
            None,
            None,
            Utc::now(),
            &mut uuid::Uuid::new_v4,
        )
        .unwrap();
        let t = start.elapsed().as_secs_f64();
        cpu.push(cpu_s() - cpu_start);
        assert_eq!(missing, 0);
        assert_eq!(previews.len(), 16);
        times.push(t);
    }
    times.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    println!(
        "aggregate {N} stored submissions (decrypt + fold + suppress, 16 site x round batches): median {:.3} s, min {:.3} s, max {:.3} s (CPU time median {:.3} s; load average {load_before} before, {} after)",
        times[2],
        times[0],
        times[4],
        cpu[2],
        load()
    );
    println!(
        "peak memory: {:.1} MiB before aggregating, {:.1} MiB after",
        before as f64 / 1024.0,
        peak_kib() as f64 / 1024.0
    );
}

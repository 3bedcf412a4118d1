//! The app's answer-to-next-page cost in the core, on the generated 2,000-question form
//! (`support`): `Capture::answer` (engine answer + the sealed autosave of the whole
//! draft into a real vault on disk + the page redrawn) followed by `Capture::go(Next)`
//! (the next relevant page's view, also saved). This is what one tap costs before IPC
//! and the WebView; the WebView's drawing is not in it.
//!
//! Run: `cargo bench -p lantern-core --bench capture`.
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, TimeDelta};
use criterion::Criterion;
use lantern_core::capture::Capture;
use lantern_core::capture::dto::{Nav, StartDraft};
use lantern_core::capture::library::Library;
use lantern_core::vault::{KdfParams, Vault, VaultConfig};

mod support;

fn now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-11-23T08:00:00+00:00").expect("time")
}

fn main() {
    let tmp = tempfile::tempdir().expect("tmp");
    let forms = tmp.path().join("forms");
    std::fs::create_dir_all(&forms).expect("forms dir");
    std::fs::write(
        forms.join("bench.xlsx"),
        support::workbook_bytes().expect("workbook"),
    )
    .expect("write");
    let config = VaultConfig {
        kdf: KdfParams::INSECURE_FAST_FOR_TESTS,
        idle_lock: TimeDelta::hours(10),
    };
    let mut vault = Vault::create(
        &tmp.path().join("vault"),
        b"bench passphrase 42",
        config,
        now().to_utc(),
    )
    .expect("vault");
    let mut capture = Capture::new(Library::new(&forms));
    let form_id = capture.library.catalog().expect("catalog")[0]
        .file
        .trim_end_matches(".xlsx")
        .to_string();
    let form_id = capture
        .library
        .get(&form_id, None)
        .map(|f| f.form().form_id.clone())
        .expect("form");
    let view = capture
        .start(
            &mut vault,
            &StartDraft {
                form_id,
                version: None,
                site: None,
                round: None,
                ui_language: None,
            },
            1,
            now(),
        )
        .expect("start");
    let id = view.draft_id;
    let t = now().to_utc();
    // Warm: every container's first question answered, so the skip logic is live.
    for c in 0..support::CONTAINERS {
        let _ = capture.answer(&mut vault, &id, &support::question(c, 0), "5", t);
    }

    // One tap at a time: answer a question of the current page, then Next.
    let mut samples = Vec::new();
    let mut c = 0;
    for i in 0..400 {
        let q = support::question(c % support::CONTAINERS, 1 + i % 3);
        let start = Instant::now();
        let _ = capture.answer(
            &mut vault,
            &id,
            &q,
            if i.is_multiple_of(2) { "yes" } else { "no" },
            t,
        );
        let _ = capture.go(&mut vault, &id, &Nav::Next, t).expect("next");
        samples.push(start.elapsed());
        c += 7;
    }
    samples.sort();
    let pct = |p: f64| samples[((samples.len() - 1) as f64 * p).round() as usize];
    println!(
        "capture answer + next page on the 2,000-question form: p50 {:?}, p99 {:?}, max {:?} ({} taps)",
        pct(0.5),
        pct(0.99),
        samples[samples.len() - 1],
        samples.len()
    );

    let mut criterion = Criterion::default()
        .configure_from_args()
        .measurement_time(Duration::from_secs(10));
    criterion.bench_function("capture/answer_then_next_page_2000q", |b| {
        let mut i = 0usize;
        b.iter(|| {
            i += 1;
            let q = support::question((i * 7) % support::CONTAINERS, 1 + i % 3);
            let _ = capture.answer(
                &mut vault,
                &id,
                &q,
                if i.is_multiple_of(2) { "yes" } else { "no" },
                t,
            );
            capture.go(&mut vault, &id, &Nav::Next, t).expect("next")
        })
    });
    criterion.final_summary();
}

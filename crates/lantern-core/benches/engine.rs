//! Form-engine benchmarks on a generated 2,000-question form (200 containers, 50 of
//! them repeats, dense skip logic; see `support`): import time (reading the .xlsx
//! included), time per `answer()` with p50/p99 from samples collected here, and the
//! cost of adding the 100th repeat instance against the 1st.
//!
//! Run: `cargo bench -p lantern-core --bench engine`. With `LANTERN_BENCH_FORM=path`
//! set, it only writes the generated workbook to `path` (for
//! `scripts/bench-import-vs-pyxform.sh`).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion};
use lantern_core::engine::{CompiledForm, Config, InstId, Session};
use lantern_core::xlsform::{Workbook, WorkbookFormat, import_bytes};

mod support;

/// The first repeat of the generated form.
const REPEAT: &str = "g3";

fn compile(bytes: &[u8]) -> Arc<CompiledForm> {
    let import = import_bytes(bytes, WorkbookFormat::Xlsx, "bench");
    let form = import
        .usable_form()
        .expect("the benchmark form imports")
        .clone();
    CompiledForm::new(form).expect("the benchmark form compiles")
}

fn session(compiled: &Arc<CompiledForm>) -> Session {
    Session::new(
        Arc::clone(compiled),
        Config::at_rfc3339("2026-11-23T08:00:00Z", 1).expect("time"),
    )
    .expect("session")
}

/// A deterministic stream of numbers (no RNG crate needed for a benchmark's choices).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

fn value_for(j: usize, rng: &mut Lcg) -> String {
    match j {
        0 => rng.next(12).to_string(),
        j if j % 3 == 1 => ["yes", "no"][rng.next(2)].to_string(),
        j if j % 3 == 2 => rng.next(40).to_string(),
        _ => format!("text {}", rng.next(100)),
    }
}

/// A session where every container's first question is answered, so most of the
/// skip logic is live, plus the instance ids of the answerable questions.
fn warm_session(compiled: &Arc<CompiledForm>) -> (Session, Vec<(InstId, usize)>) {
    let mut s = session(compiled);
    let mut questions = Vec::new();
    for c in 0..support::CONTAINERS {
        for j in 0..support::QUESTIONS_PER_CONTAINER - 1 {
            let id = s.find(&support::question(c, j)).expect("question");
            questions.push((id, j));
        }
        s.answer(&support::question(c, 0), "5").expect("answer");
    }
    (s, questions)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Times `answer()` one call at a time and prints p50/p99/max.
fn answer_percentiles(compiled: &Arc<CompiledForm>, samples: usize) {
    let (mut s, questions) = warm_session(compiled);
    let mut rng = Lcg(42);
    let mut times = Vec::with_capacity(samples);
    while times.len() < samples {
        let (id, j) = questions[rng.next(questions.len())];
        let value = value_for(j, &mut rng);
        let start = Instant::now();
        let result = s.answer_node(id, &value);
        let elapsed = start.elapsed();
        // Only answers the session accepted count (a non-relevant question refuses).
        if result.is_ok() {
            times.push(elapsed);
        }
    }
    times.sort();
    println!(
        "answer() over {samples} accepted answers: p50 {:?}  p99 {:?}  max {:?}",
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times[times.len() - 1]
    );
}

/// A session whose first repeat has `n` instances, each with its first question
/// answered.
fn session_with_instances(compiled: &Arc<CompiledForm>, n: usize) -> Session {
    let mut s = session(compiled);
    s.remove_repeat(&format!("{REPEAT}[1]")).expect("remove");
    for i in 1..=n {
        s.add_repeat(REPEAT).expect("add");
        s.answer(&format!("{REPEAT}[{i}]/{REPEAT}_q0"), "5")
            .expect("answer");
    }
    s
}

/// Times adding the 1st and the 100th instance (median of many trials) and prints
/// the ratio.
fn repeat_costs(compiled: &Arc<CompiledForm>, trials: usize) {
    let mut medians = Vec::new();
    for before in [0, 99] {
        let base = session_with_instances(compiled, before);
        let mut times: Vec<Duration> = (0..trials)
            .map(|_| {
                let mut s = base.clone();
                let start = Instant::now();
                s.add_repeat(REPEAT).expect("add");
                start.elapsed()
            })
            .collect();
        times.sort();
        medians.push(percentile(&times, 0.5));
    }
    println!(
        "add repeat instance (median of {trials}): 1st {:?}  100th {:?}  ratio {:.2}",
        medians[0],
        medians[1],
        medians[1].as_secs_f64() / medians[0].as_secs_f64()
    );
}

fn main() {
    let bytes = support::workbook_bytes().expect("workbook");
    if let Ok(path) = std::env::var("LANTERN_BENCH_FORM") {
        std::fs::write(&path, &bytes).expect("write the workbook");
        eprintln!("wrote {path}");
        return;
    }
    let quick = std::env::args().any(|a| a == "--test");
    let compiled = compile(&bytes);
    answer_percentiles(&compiled, if quick { 200 } else { 5_000 });
    repeat_costs(&compiled, if quick { 3 } else { 50 });

    let mut c = Criterion::default().configure_from_args();
    c.bench_function("import 2000-question xlsx", |b| {
        b.iter(|| import_bytes(black_box(&bytes), WorkbookFormat::Xlsx, "bench"))
    });
    // The workbook read alone (calamine), to see how import time splits.
    c.bench_function("read 2000-question xlsx (workbook only)", |b| {
        b.iter(|| Workbook::from_bytes(black_box(&bytes), WorkbookFormat::Xlsx))
    });
    let form = import_bytes(&bytes, WorkbookFormat::Xlsx, "bench")
        .form
        .expect("form");
    c.bench_function("compile dependency graph", |b| {
        b.iter(|| CompiledForm::new(black_box(form.clone())))
    });
    c.bench_function("new session", |b| b.iter(|| session(&compiled)));
    let (warm, _) = warm_session(&compiled);
    let mut flip = 0usize;
    c.bench_function("answer (first question, fan-out to its section)", |b| {
        b.iter_batched_ref(
            || warm.clone(),
            |s| {
                flip += 1;
                s.answer("g0_q0", if flip.is_multiple_of(2) { "3" } else { "7" })
            },
            BatchSize::LargeInput,
        )
    });
    for before in [0, 99] {
        let base = session_with_instances(&compiled, before);
        c.bench_function(&format!("add repeat instance #{}", before + 1), |b| {
            b.iter_batched_ref(
                || base.clone(),
                |s| s.add_repeat(REPEAT),
                BatchSize::LargeInput,
            )
        });
    }
    c.final_summary();
}

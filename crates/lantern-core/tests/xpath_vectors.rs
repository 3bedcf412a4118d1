//! Conformance: runs the shared XPath vectors (Enketo's and JavaRosa's test suites)
//! through Lantern's expression engine. Acceptance for issue 3: at least 95% of the
//! applicable vectors pass, no category is skipped wholesale, and every
//! `not_applicable` says why. The shared folder is looked up next to the repository
//! (`<repo>/../shared`), then at `/work/shared`; without it the test has nothing to
//! check and says so.

use std::path::PathBuf;

use chrono::{FixedOffset, TimeZone};
use lantern_core::expr::vectors::{self, Status};

fn vectors_file() -> Option<PathBuf> {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    [
        repo.join("../shared/conformance/dev/xpath/vectors.json"),
        PathBuf::from("/work/shared/conformance/dev/xpath/vectors.json"),
    ]
    .into_iter()
    .find(|p| p.is_file())
}

#[test]
fn xpath_vectors_pass_rate_is_at_least_95_percent() {
    let Some(path) = vectors_file() else {
        eprintln!("conformance vectors not found next to the repository: nothing to check");
        return;
    };
    let text = std::fs::read_to_string(&path).expect("read vectors.json");
    // A fixed "now" in the vectors' zone (America/Phoenix, UTC-7) keeps runs repeatable.
    let zone = FixedOffset::west_opt(7 * 3600).expect("offset");
    let now = zone
        .with_ymd_and_hms(2026, 11, 23, 8, 30, 0)
        .single()
        .expect("valid instant");
    let report = vectors::run(&text, now).expect("vectors run");
    println!("{}", report.category_table());
    for outcome in &report.outcomes {
        if outcome.status == Status::Fail {
            println!("FAIL {}", outcome.to_json());
        }
    }

    for outcome in &report.outcomes {
        if outcome.status == Status::NotApplicable {
            assert!(
                outcome.reason.as_deref().is_some_and(|r| !r.is_empty()),
                "{} is not_applicable without a reason",
                outcome.id
            );
        }
    }
    for (category, tally) in report.by_category() {
        assert!(
            tally.passed > 0,
            "category {category} is skipped wholesale: {tally:?}"
        );
    }
    let total = report.total();
    assert!(
        total.pass_rate() >= 95.0,
        "only {:.1}% of applicable vectors pass ({})",
        total.pass_rate(),
        report.summary_line()
    );
}

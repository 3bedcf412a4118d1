//! The built-in forms filled through Lantern's own form session: every scenario in
//! `forms/scenarios/<form>/*.json` (typical, worst case, edge cases with skips and
//! refusals, invalid entries) is answered and its expected relevance, outcomes,
//! calculated values and indicator inputs are checked. The format of a scenario is in
//! `forms/README.md`.

use std::path::{Path, PathBuf};

use lantern_core::engine::{CompiledForm, Config, Contribution, IndicatorInput, Outcome, Session};
use lantern_core::xlsform::{WorkbookFormat, attach_csv, import_bytes};
use serde_json::Value;

fn forms_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../forms")
}

fn outcome_name(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Ok => "Ok",
        Outcome::RequiredButEmpty => "RequiredButEmpty",
        Outcome::ConstraintViolated { .. } => "ConstraintViolated",
        Outcome::ExpressionFailed { .. } => "ExpressionFailed",
    }
}

fn contribution_matches(got: &Contribution, want: &Value) -> bool {
    match (got, want) {
        (Contribution::Excluded, Value::Null) => true,
        (Contribution::Flag(b), Value::Bool(w)) => b == w,
        (Contribution::Number(n), Value::Number(w)) => {
            (n - w.as_f64().unwrap_or(f64::NAN)).abs() < 1e-9
        }
        _ => false,
    }
}

fn input_matches(got: &IndicatorInput, want: &Value) -> bool {
    match (got, want) {
        (IndicatorInput::Submission(c), want) => contribution_matches(c, want),
        (IndicatorInput::PerInstance(units), Value::Array(wanted)) => {
            units.len() == wanted.len()
                && units
                    .iter()
                    .zip(wanted)
                    .all(|(c, w)| contribution_matches(c, w))
        }
        _ => false,
    }
}

fn value_matches(got: &str, want: &Value) -> bool {
    match want {
        Value::Number(n) => got
            .parse::<f64>()
            .is_ok_and(|g| (g - n.as_f64().unwrap_or(f64::NAN)).abs() < 1e-9),
        Value::String(s) => got == s,
        Value::Bool(b) => got == b.to_string(),
        Value::Null => got.is_empty(),
        _ => false,
    }
}

/// Runs one scenario and returns every mismatch, described.
fn run_scenario(compiled: &std::sync::Arc<CompiledForm>, scenario: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let now = scenario["now"].as_str().unwrap_or("2026-11-23T10:00:00Z");
    let config = Config::at_rfc3339(now, 1).expect("scenario time parses");
    let mut session = Session::new(compiled.clone(), config).expect("session starts");
    let answers = scenario["answers"]
        .as_object()
        .expect("answers is an object");
    for record in session.fill(answers) {
        if let lantern_core::engine::AnswerResult::Rejected { error, message } = &record.result {
            problems.push(format!(
                "answer {} rejected: {error}: {message}",
                record.path
            ));
        }
    }
    let expect = &scenario["expect"];
    for (path, want) in expect["relevant"].as_object().into_iter().flatten() {
        match session.is_relevant(path) {
            Ok(got) if Some(got) == want.as_bool() => {}
            Ok(got) => problems.push(format!("relevant {path}: got {got}, want {want}")),
            Err(e) => problems.push(format!("relevant {path}: {e}")),
        }
    }
    for (path, want) in expect["outcomes"].as_object().into_iter().flatten() {
        match session.outcome_of(path) {
            Ok(got) if Some(outcome_name(&got)) == want.as_str() => {}
            Ok(got) => problems.push(format!("outcome {path}: got {got:?}, want {want}")),
            Err(e) => problems.push(format!("outcome {path}: {e}")),
        }
    }
    for (path, want) in expect["values"].as_object().into_iter().flatten() {
        match session.value(path) {
            Ok(got) if value_matches(&got, want) => {}
            Ok(got) => problems.push(format!("value {path}: got {got:?}, want {want}")),
            Err(e) => problems.push(format!("value {path}: {e}")),
        }
    }
    if let Some(want) = expect["finalizable"].as_bool() {
        session.prepare_finalize();
        let blockers: Vec<String> = session
            .validate_all()
            .into_iter()
            .map(|b| format!("{} ({:?})", b.path, b.outcome))
            .collect();
        if blockers.is_empty() != want {
            problems.push(format!(
                "finalizable: got {}, want {want}; blockers: {blockers:?}",
                blockers.is_empty()
            ));
        }
    }
    let indicators = &session.form().indicators.clone();
    for (name, want) in expect["indicator_inputs"].as_object().into_iter().flatten() {
        let Some(indicator) = indicators.iter().find(|i| &i.name == name) else {
            problems.push(format!(
                "indicator {name}: not on the form's indicators sheet"
            ));
            continue;
        };
        match session.indicator_input(indicator) {
            Ok(got) if input_matches(&got, want) => {}
            Ok(got) => problems.push(format!(
                "indicator {name}: got {}, want {want}",
                serde_json::to_string(&got).unwrap_or_default()
            )),
            Err(e) => problems.push(format!("indicator {name}: {e}")),
        }
    }
    problems
}

#[test]
fn every_scenario_of_every_built_in_form_holds() {
    let scenarios_root = forms_dir().join("scenarios");
    let mut forms: Vec<PathBuf> = std::fs::read_dir(&scenarios_root)
        .expect("forms/scenarios exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    forms.sort();
    assert_eq!(forms.len(), 3, "one scenario folder per built-in form");

    let mut failures = Vec::new();
    let mut checked = 0;
    for dir in forms {
        let form_name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(forms_dir().join(format!("{form_name}.xlsx"))).unwrap();
        let import = import_bytes(&bytes, WorkbookFormat::Xlsx, &form_name);
        let mut form = import
            .form
            .unwrap_or_else(|| panic!("{form_name} imports: {:?}", import.diagnostics));
        // The site list, as the app and the CLI attach it: site answers are checked.
        let sites = std::fs::read(forms_dir().join("sites.csv")).unwrap();
        attach_csv(&mut form, "sites.csv", &sites).expect("sites.csv attaches");
        let compiled = CompiledForm::new(form).expect("built-in form compiles");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        assert!(
            files.len() >= 3,
            "{form_name}: at least three scenario fills"
        );
        for file in files {
            let scenario: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
            let problems = run_scenario(&compiled, &scenario);
            let name = format!(
                "{form_name}/{}",
                file.file_name().unwrap().to_string_lossy()
            );
            println!(
                "{:<55} {}",
                name,
                if problems.is_empty() { "ok" } else { "FAILED" }
            );
            checked += 1;
            for p in problems {
                failures.push(format!("{name}: {p}"));
            }
        }
    }
    assert!(checked >= 9, "only {checked} scenarios found");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_wrong_expectation_is_caught() {
    // The checker itself must be able to fail: flip one expected relevance.
    let form_name = "womens_participation";
    let bytes = std::fs::read(forms_dir().join(format!("{form_name}.xlsx"))).unwrap();
    let form = import_bytes(&bytes, WorkbookFormat::Xlsx, form_name)
        .form
        .unwrap();
    let compiled = CompiledForm::new(form).unwrap();
    let path = forms_dir().join("scenarios/womens_participation/edge_refused.json");
    let mut scenario: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    assert!(run_scenario(&compiled, &scenario).is_empty());
    let relevant = scenario["expect"]["relevant"].as_object_mut().unwrap();
    let (key, value) = relevant
        .iter()
        .next()
        .map(|(k, v)| (k.clone(), v.clone()))
        .unwrap();
    relevant.insert(key, Value::Bool(!value.as_bool().unwrap()));
    assert_eq!(run_scenario(&compiled, &scenario).len(), 1);
}

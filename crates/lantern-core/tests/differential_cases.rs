//! The minimal cases of `../shared/conformance/differential/` (see its README), each
//! reduced from a disagreement between Lantern and JavaRosa (ODK Collect's engine) on
//! real forms. For each case the form is imported, filled headlessly with the case's
//! answers, and every node's relevance and value, and every answer's outcome, must equal
//! what JavaRosa did (`NAME.jr.txt`), or the decision written in
//! `docs/spec-notes-engine.md` where Lantern deliberately differs (J4).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lantern_core::engine::{AnswerResult, CompiledForm, Config, Outcome, Session};
use lantern_core::xlsform::{WorkbookFormat, import_bytes};

fn cases_dir() -> PathBuf {
    let beside_repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance");
    [beside_repo, PathBuf::from("/work/shared/conformance")]
        .into_iter()
        .map(|p| p.join("differential"))
        .find(|p| p.join("README.md").is_file())
        .expect("the differential cases (../shared/conformance/differential beside the clone)")
}

fn import(name: &str) -> lantern_core::xlsform::Import {
    let dir = cases_dir();
    let (file, format) = if name == "clash" {
        ("clash.md".to_string(), WorkbookFormat::Markdown)
    } else {
        (format!("{name}.xlsx"), WorkbookFormat::Xlsx)
    };
    let bytes = std::fs::read(dir.join(&file)).unwrap();
    import_bytes(&bytes, format, name)
}

/// A filled case: the session and the outcome of each answer, by JavaRosa's path.
fn fill(name: &str, answers_file: &str) -> (Session, BTreeMap<String, String>) {
    let import = import(name);
    assert!(
        !import.has_errors(),
        "{name} must import: {:?}",
        import.diagnostics
    );
    let compiled = CompiledForm::new(import.form.unwrap()).unwrap();
    // JavaRosa's run was on 2026-11-30, in UTC.
    let config = Config::at_rfc3339("2026-11-30T09:00:00Z", 7).unwrap();
    let mut session = Session::new(compiled, config).unwrap();
    let text = std::fs::read_to_string(cases_dir().join(answers_file)).unwrap();
    let answers: serde_json::Value = serde_json::from_str(&text).unwrap();
    let records = session.fill(answers.as_object().unwrap());
    let mut outcomes = BTreeMap::new();
    for r in records {
        let outcome = match r.result {
            AnswerResult::Applied(Outcome::Ok) => "Ok".to_string(),
            AnswerResult::Applied(Outcome::RequiredButEmpty) => "RequiredButEmpty".into(),
            AnswerResult::Applied(Outcome::ConstraintViolated { .. }) => {
                "ConstraintViolated".into()
            }
            other => format!("{other:?}"),
        };
        outcomes.insert(jr_path(&r.path), outcome);
    }
    (session, outcomes)
}

/// `/form_id/p[1]/age` → `/p[1]/age`, as JavaRosa's driver prints paths.
fn jr_path(path: &str) -> String {
    let rest = path.trim_start_matches('/');
    match rest.split_once('/') {
        Some((_, tail)) => format!("/{tail}"),
        None => "/".into(),
    }
}

/// Lantern's nodes as `path → (relevant, value)`, without the generated instanceID.
fn nodes(session: &Session) -> BTreeMap<String, (bool, String)> {
    session
        .snapshot()
        .into_iter()
        .skip(1)
        .map(|n| (jr_path(&n.path), (n.relevant, n.value)))
        .filter(|(p, _)| p != "/meta/instanceID")
        .collect()
}

/// What JavaRosa did: `(kind, path) → (relevant, value)` for `node`/`postnode` lines,
/// and the outcome of each answer.
struct Reference {
    nodes: BTreeMap<String, (bool, String)>,
    after_finalize: BTreeMap<String, (bool, String)>,
    outcomes: BTreeMap<String, String>,
}

fn reference(name: &str) -> Reference {
    let text = std::fs::read_to_string(cases_dir().join(format!("{name}.jr.txt"))).unwrap();
    let mut r = Reference {
        nodes: BTreeMap::new(),
        after_finalize: BTreeMap::new(),
        outcomes: BTreeMap::new(),
    };
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        match f[0] {
            "node" | "postnode" if f[1] != "/meta/instanceID" => {
                let target = if f[0] == "node" {
                    &mut r.nodes
                } else {
                    &mut r.after_finalize
                };
                target.insert(f[1].to_string(), (f[2] == "true", f[4].to_string()));
            }
            "outcome" => {
                r.outcomes.insert(f[1].to_string(), f[2].to_string());
            }
            _ => {}
        }
    }
    r
}

/// Fills a case and checks it against JavaRosa's result.
fn agrees_with_javarosa(name: &str) {
    let (mut session, outcomes) = fill(name, &format!("{name}.json"));
    let jr = reference(name);
    let before = nodes(&session);
    for (path, want) in &jr.nodes {
        assert_eq!(before.get(path), Some(want), "{name}: node {path}");
    }
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        jr.nodes.keys().collect::<Vec<_>>(),
        "{name}: the same nodes (repeat instances)"
    );
    assert_eq!(outcomes, jr.outcomes, "{name}: outcomes at answer time");
    session.prepare_finalize();
    let after = nodes(&session);
    for (path, want) in &jr.after_finalize {
        assert_eq!(
            after.get(path),
            Some(want),
            "{name}: after finalize, {path}"
        );
    }
}

#[test]
fn l1_nan_is_stored_empty() {
    agrees_with_javarosa("L1_nan");
}

#[test]
fn l2_a_constraint_on_a_calculate_never_blocks_finalizing() {
    agrees_with_javarosa("L2_calc_constraint");
    let (session, _) = fill("L2_calc_constraint", "L2_calc_constraint.json");
    assert_eq!(session.value("double").unwrap(), "16");
    assert_eq!(session.validate_all(), []);
}

#[test]
fn l3_a_calculated_integer_is_cast_to_its_type() {
    agrees_with_javarosa("L3_int_calc");
}

#[test]
fn l4_a_choice_name_with_a_space_can_be_chosen() {
    agrees_with_javarosa("L4_choice_space");
}

#[test]
fn l5_a_label_appearance_row_needs_no_label() {
    let import = import("L5_label_appearance");
    assert!(!import.has_errors(), "{:?}", import.diagnostics);
}

#[test]
fn l6_a_duplicate_column_header_is_refused_with_its_row_and_fix() {
    let import = import("L6_dup_header");
    let d = import
        .diagnostics
        .iter()
        .find(|d| d.code() == "xlsform.duplicate_header")
        .expect("a duplicate header diagnostic");
    assert!(import.has_errors());
    assert_eq!(d.row, Some(1));
    assert_eq!(d.column.as_deref(), Some("label"));
    assert!(
        d.error.to_string().contains("delete the other"),
        "{}",
        d.error
    );
}

#[test]
fn l7_a_group_and_its_child_with_one_name_fill_correctly() {
    let (session, outcomes) = fill("clash", "clash.json");
    assert_eq!(session.value("/clash/info/info").unwrap(), "hello");
    assert_eq!(outcomes.get("/info/info").map(String::as_str), Some("Ok"));
    assert_eq!(
        session.result()["info"]["info"],
        serde_json::json!("hello"),
        "{}",
        session.result()
    );
}

#[test]
fn j1_a_blank_repeat_count_keeps_one_instance() {
    agrees_with_javarosa("J1_blank_count");
}

#[test]
fn j2_today_in_a_text_calculate_is_a_midnight_date_time() {
    let (session, _) = fill("J2_today_text", "J2_today_text.json");
    // JavaRosa ran in UTC, so its midnight is written `Z`; ours carries the offset.
    assert_eq!(session.value("d").unwrap(), "2026-11-30T00:00:00.000+00:00");
}

#[test]
fn j3_a_node_in_and_is_judged_by_its_typed_value() {
    agrees_with_javarosa("J3_node_in_and");
}

#[test]
fn j4_a_multi_node_comparison_stays_existential() {
    // JavaRosa throws ("This field is repeated") and the enumerator is stuck; Lantern
    // keeps XPath's existential comparison (spec-notes-engine.md, J4).
    let (session, outcomes) = fill("J4_multinode_compare", "J4_multinode_compare.json");
    assert_eq!(session.value("match").unwrap(), "1");
    assert!(outcomes.values().all(|o| o == "Ok"), "{outcomes:?}");
}

#[test]
fn j5_coalesce_passes_a_boolean_through() {
    agrees_with_javarosa("J5_coalesce_bool");
}

#[test]
fn j6_indexed_repeat_with_a_blank_index_reads_the_first_instance() {
    agrees_with_javarosa("J6_indexed_repeat_blank");
}

#[test]
fn j7_a_select_its_filter_no_longer_offers_is_cleared_at_finalize() {
    agrees_with_javarosa("J7_filtered_out_at_finalize");
    let (mut session, _) = fill(
        "J7_filtered_out_at_finalize",
        "J7_filtered_out_at_finalize.json",
    );
    assert_eq!(
        session.prepare_finalize(),
        ["/J7_filtered_out_at_finalize/item"]
    );
}

#[test]
fn d1_form_expressions_read_stored_values_of_non_relevant_nodes() {
    agrees_with_javarosa("D1_nonrelevant_sum");
    // The submission leaves the hidden group out.
    let (session, _) = fill("D1_nonrelevant_sum", "D1_nonrelevant_sum.json");
    assert!(
        session.result()["p"][1].get("kid").is_none(),
        "{}",
        session.result()
    );
}

/// `${last-saved#name}` reads the last saved submission's values, which the caller
/// passes in; with none (a first submission) it reads empty, as in Collect.
#[test]
fn last_saved_references_read_the_values_passed_in() {
    const FORM: &str = "
| survey |
| | type | name | label | default | calculation |
| | text | enumerator | Enumerator | ${last-saved#enumerator} | |
| | integer | n | N | | |
| | calculate | next_n | | | ${last-saved#n} + 1 |
| settings |
| | form_id |
| | ls |
";
    let form = lantern_core::xlsform::import_bytes(FORM.as_bytes(), WorkbookFormat::Markdown, "ls");
    assert!(!form.has_errors(), "{:?}", form.diagnostics);
    let compiled = CompiledForm::new(form.form.unwrap()).unwrap();
    let config = || Config::at_rfc3339("2026-11-30T09:00:00Z", 1).unwrap();
    let last = vec![
        ("enumerator".to_string(), "Amina".to_string()),
        ("n".to_string(), "4".to_string()),
    ];
    let mut session = Session::new_with_last_saved(compiled.clone(), config(), last).unwrap();
    assert_eq!(session.value("enumerator").unwrap(), "Amina");
    assert_eq!(session.value("next_n").unwrap(), "5");
    // This submission's own answer does not change what was saved before.
    session.answer("n", "9").unwrap();
    assert_eq!(session.value("next_n").unwrap(), "5");
    session.answer("enumerator", "Ben").unwrap();
    assert_eq!(session.value("enumerator").unwrap(), "Ben");

    let first = Session::new(compiled, config()).unwrap();
    assert_eq!(first.value("enumerator").unwrap(), "");
    assert_eq!(first.value("next_n").unwrap(), "");
}

/// Checked against JavaRosa 5.1 with DiffFill.java: a boolean result is stored 1/0;
/// a division by zero stores empty here (JavaRosa: `Infinity`, see spec-notes).
#[test]
fn booleans_are_stored_as_one_or_zero_and_division_by_zero_as_empty() {
    const FORM: &str = "
| survey |
| | type | name | label | calculation |
| | integer | a | A | |
| | calculate | big | | ${a} > 5 |
| | calculate | inf | | ${a} div 0 |
| | integer | half | Half | ${a} div 2 |
| settings |
| | form_id |
| | b |
";
    let form = lantern_core::xlsform::import_bytes(FORM.as_bytes(), WorkbookFormat::Markdown, "b");
    assert!(!form.has_errors(), "{:?}", form.diagnostics);
    let compiled = CompiledForm::new(form.form.unwrap()).unwrap();
    let mut session = Session::new(
        compiled,
        Config::at_rfc3339("2026-11-30T09:00:00Z", 1).unwrap(),
    )
    .unwrap();
    session.answer("a", "8").unwrap();
    assert_eq!(session.value("big").unwrap(), "1");
    assert_eq!(session.value("inf").unwrap(), "");
    assert_eq!(session.value("half").unwrap(), "4");
    session.answer("a", "-5").unwrap();
    assert_eq!(session.value("big").unwrap(), "0");
    assert_eq!(session.value("half").unwrap(), "-2");
}

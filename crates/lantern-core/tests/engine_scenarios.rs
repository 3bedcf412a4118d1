//! Form-session behaviour through a fluent `Scenario` client, on forms written as
//! pyxform markdown tables: relevance inheritance, calculation chains, constraints with
//! messages, required, repeats (add/remove/move, repeat_count, position, indexed-repeat,
//! sum), choice filters, translations and label outputs; plus a property test that the
//! incremental state after any sequence of answers equals a full recompute.

use chrono::DateTime;
use lantern_core::engine::{CompiledForm, Config, EngineError, Outcome, Session};
use lantern_core::xlsform::{WorkbookFormat, import_bytes};
use proptest::prelude::*;

/// A session driven by chained answers and assertions; each step panics with the
/// form path and what differed, so a failing test reads as a story.
struct Scenario {
    session: Session,
}

impl Scenario {
    fn from_markdown(md: &str) -> Scenario {
        let import = import_bytes(md.as_bytes(), WorkbookFormat::Markdown, "test");
        assert!(!import.has_errors(), "{:#?}", import.diagnostics);
        let form = import.form.expect("a form");
        let compiled = CompiledForm::new(form).expect("compiles");
        let session = Session::new(
            compiled,
            Config {
                now: DateTime::parse_from_rfc3339("2026-11-23T08:00:00+03:00").expect("time"),
                seed: 7,
                language: None,
            },
        )
        .expect("session");
        Scenario { session }
    }

    fn answer(mut self, path: &str, value: impl ToString) -> Scenario {
        let outcome = self.session.answer(path, &value.to_string());
        assert!(outcome.is_ok(), "answer {path}: {outcome:?}");
        self
    }

    fn answer_outcome(mut self, path: &str, value: impl ToString, expected: Outcome) -> Scenario {
        let outcome = self
            .session
            .answer(path, &value.to_string())
            .expect("answerable");
        assert_eq!(outcome, expected, "outcome of {path}");
        self
    }

    fn answer_error(mut self, path: &str, value: impl ToString, code: &str) -> Scenario {
        let error = self
            .session
            .answer(path, &value.to_string())
            .expect_err("an error");
        assert_eq!(error.code(), code, "{error}");
        self
    }

    fn assert_relevant(self, path: &str, expected: bool) -> Scenario {
        assert_eq!(
            self.session.is_relevant(path).expect("path"),
            expected,
            "relevance of {path}"
        );
        self
    }

    fn assert_value(self, path: &str, expected: &str) -> Scenario {
        assert_eq!(
            self.session.value(path).expect("path"),
            expected,
            "value of {path}"
        );
        self
    }

    fn assert_required(self, path: &str, expected: bool) -> Scenario {
        assert_eq!(self.session.is_required(path).expect("path"), expected);
        self
    }

    fn assert_outcome(self, path: &str, expected: Outcome) -> Scenario {
        assert_eq!(self.session.outcome_of(path).expect("path"), expected);
        self
    }

    fn assert_choices(self, path: &str, expected: &[&str]) -> Scenario {
        assert_eq!(
            self.session.choice_names(path).expect("path"),
            expected,
            "choices of {path}"
        );
        self
    }

    fn assert_label(self, path: &str, expected: &str) -> Scenario {
        assert_eq!(self.session.label(path).expect("path"), expected);
        self
    }

    fn assert_repeat_len(self, repeat: &str, expected: usize) -> Scenario {
        assert_eq!(self.session.repeat_len(repeat).expect("repeat"), expected);
        self
    }

    /// Compares the result without `meta` (its instanceID is random, seeded).
    fn assert_result(self, expected: serde_json::Value) -> Scenario {
        let mut result = self.session.result();
        if let Some(object) = result.as_object_mut() {
            assert!(object.remove("meta").is_some(), "every result has meta");
        }
        assert_eq!(result, expected);
        self
    }

    fn add_repeat(mut self, repeat: &str) -> Scenario {
        self.session.add_repeat(repeat).expect("add");
        self
    }

    fn remove_repeat(mut self, path: &str) -> Scenario {
        self.session.remove_repeat(path).expect("remove");
        self
    }

    fn insert_repeat(mut self, repeat: &str, index: usize) -> Scenario {
        self.session.insert_repeat(repeat, index).expect("insert");
        self
    }

    fn move_repeat(mut self, path: &str, to: usize) -> Scenario {
        self.session.move_repeat(path, to).expect("move");
        self
    }

    fn language(mut self, language: &str) -> Scenario {
        self.session.set_language(language).expect("language");
        self
    }

    fn assert_consistent(self) -> Scenario {
        let mut full = self.session.clone();
        full.recompute_all();
        assert_eq!(self.session.snapshot(), full.snapshot());
        self
    }
}

const RELEVANCE: &str = r#"
| survey |
| | type | name | label | relevant |
| | integer | age | Age | |
| | begin group | adult | Adult | ${age} >= 18 |
| | text | job | Job | |
| | begin group | inner | Inner | |
| | text | employer | Employer | ${job} != '' |
| | end group | | | |
| | end group | | | |
| | text | q2 | Q2 | ${age} < 18 |
"#;

#[test]
fn relevance_is_inherited_by_children() {
    Scenario::from_markdown(RELEVANCE)
        // An empty age compares as NaN: XPath says false.
        .assert_relevant("adult", false)
        .assert_relevant("employer", false)
        .answer("age", 17)
        .assert_relevant("adult", false)
        .assert_relevant("job", false)
        .assert_relevant("employer", false)
        .assert_relevant("q2", true)
        .answer("age", 30)
        .answer("job", "nurse")
        .assert_relevant("employer", true)
        .answer("employer", "NGO")
        .answer("age", 16)
        // Inherited: the group is off, so its grandchild is too, whatever its own rule.
        .assert_relevant("employer", false)
        .answer_error("job", "x", "engine.not_relevant")
        .assert_result(serde_json::json!({"age": 16, "q2": null}))
        .assert_consistent();
}

const CALCULATIONS: &str = r#"
| survey |
| | type | name | label | calculation | constraint | constraint_message | required | required_message |
| | integer | a | A | | . >= 0 and . <= 100 | Between 0 and ${max} | yes | |
| | integer | b | B | | . <= ${a} | Cannot exceed A (${a}) | | |
| | calculate | sum | | ${a} + ${b} | | | | |
| | calculate | double | | ${sum} * 2 | | | | |
| | calculate | label_text | | concat('total ', ${double}) | | | | |
| | calculate | max | | 100 | | | | |
| | note | show | Total is ${double} | | | | | |
"#;

#[test]
fn calculation_chains_recompute_in_order() {
    Scenario::from_markdown(CALCULATIONS)
        .answer("a", 3)
        .answer("b", 2)
        .assert_value("sum", "5")
        .assert_value("double", "10")
        .assert_value("label_text", "total 10")
        .assert_label("show", "Total is 10")
        .answer("a", 10)
        .assert_value("double", "24")
        .answer_error("sum", 1, "engine.read_only")
        .assert_consistent();
}

#[test]
fn constraints_report_their_message_with_outputs() {
    Scenario::from_markdown(CALCULATIONS)
        .answer_outcome(
            "a",
            101,
            Outcome::ConstraintViolated {
                message: "Between 0 and 100".into(),
            },
        )
        .answer_outcome("a", 5, Outcome::Ok)
        .answer_outcome(
            "b",
            6,
            Outcome::ConstraintViolated {
                message: "Cannot exceed A (5)".into(),
            },
        )
        // Changing A re-checks B's constraint, which reads A.
        .answer("a", 7)
        .assert_outcome("b", Outcome::Ok)
        .answer_error("a", "seven", "engine.invalid_value");
}

#[test]
fn required_blocks_until_answered() {
    let mut s = Scenario::from_markdown(CALCULATIONS)
        .assert_required("a", true)
        .assert_outcome("a", Outcome::RequiredButEmpty);
    let blockers = s.session.validate_all();
    assert_eq!(blockers.len(), 1);
    assert_eq!(blockers[0].path, "/test/a");
    s = s
        .answer("a", 1)
        .answer_outcome("a", "", Outcome::RequiredButEmpty);
    assert_eq!(
        s.session.validate_all()[0].outcome,
        Outcome::RequiredButEmpty
    );
}

const REPEATS: &str = r#"
| survey |
| | type | name | label | calculation | relevant |
| | begin repeat | member | Member | | |
| | integer | age | Age | | |
| | calculate | pos | | position(..) | |
| | calculate | prev_age | | if(position(..) > 1, indexed-repeat(${age}, ${member}, position(..) - 1), '') | |
| | text | note | Older than ${age}? | | ${age} > 10 |
| | end repeat | | | | |
| | calculate | total | | sum(${age}) | |
| | calculate | members | | count(${member}) | |
| | calculate | first_age | | indexed-repeat(${age}, ${member}, 1) | |
"#;

#[test]
fn repeats_add_remove_move() {
    Scenario::from_markdown(REPEATS)
        .assert_repeat_len("member", 1)
        .answer("member[1]/age", 30)
        .add_repeat("member")
        .answer("/test/member[2]/age", 12)
        .add_repeat("member")
        .answer("member[3]/age", 5)
        .assert_value("total", "47")
        .assert_value("members", "3")
        .assert_value("member[3]/pos", "3")
        .assert_value("member[3]/prev_age", "12")
        .assert_relevant("member[2]/note", true)
        .assert_relevant("member[3]/note", false)
        .move_repeat("member[3]", 1)
        .assert_value("member[1]/age", "5")
        .assert_value("member[1]/pos", "1")
        .assert_value("member[2]/prev_age", "5")
        .assert_value("first_age", "5")
        .insert_repeat("member", 1)
        .assert_repeat_len("member", 4)
        .assert_value("member[1]/age", "")
        .assert_value("member[2]/age", "5")
        .assert_value("member[2]/pos", "2")
        .assert_value("member[3]/prev_age", "5")
        .assert_consistent()
        .remove_repeat("member[1]")
        .remove_repeat("member[1]")
        .assert_value("total", "42")
        .assert_value("members", "2")
        .assert_value("member[1]/pos", "1")
        .assert_value("first_age", "30")
        .assert_consistent()
        .assert_result(serde_json::json!({
            "member": [
                {"age": 30, "pos": "1", "prev_age": null, "note": null},
                {"age": 12, "pos": "2", "prev_age": "30", "note": null},
            ],
            "total": "42", "members": "2", "first_age": "30"
        }));
}

const REPEAT_COUNT: &str = r#"
| survey |
| | type | name | label | repeat_count | calculation |
| | integer | n | How many | | |
| | begin repeat | child | Child | ${n} | |
| | text | name | Name | | |
| | end repeat | | | | |
| | calculate | names | | | join(' ', ${name}) |
"#;

#[test]
fn repeat_count_follows_its_answer() {
    // A blank count keeps the one instance the form starts with, as in JavaRosa (J1).
    let s = Scenario::from_markdown(REPEAT_COUNT)
        .assert_repeat_len("child", 1)
        .answer("n", 0)
        .assert_repeat_len("child", 0)
        .answer("n", 3)
        .assert_repeat_len("child", 3)
        .answer("child[2]/name", "b")
        .answer("child[3]/name", "c")
        .assert_value("names", " b c")
        .answer("n", 2)
        .assert_repeat_len("child", 2)
        .assert_value("names", " b")
        .assert_consistent();
    let mut session = s.session;
    let error = session.add_repeat("child").expect_err("fixed");
    assert_eq!(error.code(), "engine.fixed_repeat_count");
}

const CHOICES: &str = r#"
| survey |
| | type | name | label::English (en) | label::Français (fr) | choice_filter | hint::English (en) | hint::Français (fr) |
| | select_one region | region | Region | Région | | Where? | Où ? |
| | select_one camp | camp | Camp in ${region} | Camp en ${region} | region=${region} | | |
| | select_multiple hazard | hazards | Hazards | Dangers | | | |
| choices |
| | list_name | name | label::English (en) | label::Français (fr) | region |
| | region | north | North | Nord | |
| | region | south | South | Sud | |
| | camp | c1 | Camp 1 | Camp 1 | north |
| | camp | c2 | Camp 2 | Camp 2 | north |
| | camp | c3 | Camp 3 | Camp 3 | south |
| | hazard | fire | Fire | Feu | |
| | hazard | flood | Flood | Inondation | |
| settings |
| | default_language |
| | English (en) |
"#;

#[test]
fn choice_filters_show_the_choices_allowed_now() {
    Scenario::from_markdown(CHOICES)
        .assert_choices("camp", &[])
        .answer("region", "north")
        .assert_choices("camp", &["c1", "c2"])
        .answer("region", "south")
        .assert_choices("camp", &["c3"])
        .answer_error("region", "east", "engine.invalid_value")
        .answer("hazards", "fire flood")
        .answer_error("hazards", "fire smoke", "engine.invalid_value");
}

#[test]
fn translations_switch_labels_hints_and_outputs() {
    let s = Scenario::from_markdown(CHOICES)
        .answer("region", "north")
        .assert_label("camp", "Camp in north")
        .language("Français (fr)")
        .assert_label("camp", "Camp en north")
        .assert_label("region", "Région");
    let view = s.session.view();
    assert_eq!(view.language, "Français (fr)");
    let region = &view.pages[0].questions[0];
    assert_eq!(region.hint, "Où ?");
    assert_eq!(region.choices[1].label, "Sud");
    let mut session = s.session;
    assert!(matches!(
        session.set_language("Kiswahili (sw)"),
        Err(EngineError::UnknownLanguage { .. })
    ));
}

const FIELD_LIST: &str = r#"
| survey |
| | type | name | label | appearance | relevant |
| | begin group | household | Household | field-list | |
| | integer | adults | Adults | | |
| | integer | children | Children | | ${adults} > 0 |
| | end group | | | | |
| | text | comment | Comment | | |
"#;

#[test]
fn view_groups_field_lists_into_pages() {
    let s = Scenario::from_markdown(FIELD_LIST);
    let view = s.session.view();
    let pages: Vec<(&str, usize)> = view
        .pages
        .iter()
        .map(|p| (p.path.as_str(), p.questions.len()))
        .collect();
    assert_eq!(pages, [("/test/household", 2), ("/test/comment", 1)]);
    assert!(!view.pages[0].questions[1].relevant);
    let json = serde_json::to_value(&view).expect("serializable");
    assert_eq!(json["pages"][0]["questions"][0]["outcome"]["outcome"], "ok");
}

#[test]
fn cycles_are_rejected() {
    let md = r#"
| survey |
| | type | name | label | calculation |
| | calculate | a | | ${b} + 1 |
| | calculate | b | | ${a} + 1 |
"#;
    let import = import_bytes(md.as_bytes(), WorkbookFormat::Markdown, "test");
    let Some(form) = import.form else {
        panic!("no form")
    };
    // The importer may already report the cycle; the session must refuse it either way.
    let error = CompiledForm::new(form).expect_err("cycle");
    assert_eq!(error.code(), "engine.cycle");
}

#[test]
fn now_and_seed_are_inputs() {
    let md = r#"
| survey |
| | type | name | label | calculation |
| | today | today | | |
| | calculate | r | | random() |
| | calculate | when | | now() |
"#;
    let s = Scenario::from_markdown(md)
        .assert_value("today", "2026-11-23")
        .assert_value("when", "2026-11-23T08:00:00.000+03:00");
    let r: f64 = s.session.value("r").expect("r").parse().expect("number");
    assert!((0.0..1.0).contains(&r));
    let again = Scenario::from_markdown(md);
    assert_eq!(
        again.session.value("r").expect("r"),
        s.session.value("r").expect("r")
    );
}

#[test]
fn site_visit_check_fills_and_finalizes() {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../forms/site_visit_check.xlsx"
    ))
    .expect("the built-in form");
    let import = import_bytes(&bytes, WorkbookFormat::Xlsx, "site_visit_check");
    let form = import.usable_form().expect("imports").clone();
    let mut session = Session::new(
        CompiledForm::new(form).expect("compiles"),
        Config {
            now: DateTime::parse_from_rfc3339("2026-11-23T08:00:00Z").expect("time"),
            seed: 1,
            language: None,
        },
    )
    .expect("session");
    assert!(!session.validate_all().is_empty());
    for (path, value) in [
        ("site_code", "SO2401-0001"),
        ("walk_time", "night"),
        ("lighting", "some"),
        ("latrines_sampled", "0"),
    ] {
        assert_eq!(session.answer(path, value).expect("answer"), Outcome::Ok);
    }
    assert!(!session.is_relevant("latrines_lockable").expect("path"));
    assert_eq!(session.validate_all(), []);
    session.answer("latrines_sampled", "4").expect("answer");
    assert_eq!(
        session.answer("latrines_lockable", "5").expect("answer"),
        Outcome::ConstraintViolated {
            message: "Cannot be more than the latrines checked".into()
        }
    );
    assert_eq!(session.validate_all().len(), 1);
}

const PROPERTY_FORM: &str = r#"
| survey |
| | type | name | label | relevant | calculation | constraint | required |
| | integer | a | A | | | . < 50 | |
| | integer | b | B | ${a} > 10 | | | ${a} > 20 |
| | begin group | g | G | ${b} != '' | | | |
| | integer | c | C | | | . > ${a} | |
| | calculate | s | | | ${a} + coalesce(${b}, 0) + coalesce(${c}, 0) | | |
| | end group | | | | | | |
| | begin repeat | r | R | ${a} != 3 | | | |
| | integer | x | X | ${a} > position(..) | | | |
| | calculate | y | | | ${x} * 2 + ${a} | | |
| | calculate | prev | | | if(position(..) > 1, indexed-repeat(${x}, ${r}, position(..) - 1), 0) | | |
| | end repeat | | | | | | |
| | calculate | total | | | sum(${y}) | | |
| | calculate | n | | | count(${r}) | | |
| | calculate | first_x | | | indexed-repeat(${x}, ${r}, 1) | | |
| | integer | d | D | ${total} > 5 | | | |
"#;

#[derive(Debug, Clone)]
enum Step {
    Answer(&'static str, i32),
    Clear(&'static str),
    Add,
    Insert(usize),
    Remove(usize),
    Move(usize, usize),
}

fn step() -> impl Strategy<Value = Step> {
    let field = prop::sample::select(vec!["a", "b", "c", "d", "r[1]/x", "r[2]/x", "r[3]/x"]);
    prop_oneof![
        4 => (field.clone(), -5i32..60).prop_map(|(f, v)| Step::Answer(f, v)),
        1 => field.prop_map(Step::Clear),
        1 => Just(Step::Add),
        1 => (1usize..4).prop_map(Step::Insert),
        1 => (1usize..4).prop_map(Step::Remove),
        1 => (1usize..4, 1usize..4).prop_map(|(a, b)| Step::Move(a, b)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn incremental_state_equals_full_recompute(steps in prop::collection::vec(step(), 1..25)) {
        let mut s = Scenario::from_markdown(PROPERTY_FORM).session;
        for step in steps {
            // Refusals (not relevant, no such instance) are part of the sequence: they
            // must leave the state consistent too.
            let _ = match step {
                Step::Answer(f, v) => s.answer(f, &v.to_string()).map(|_| ()),
                Step::Clear(f) => s.answer(f, "").map(|_| ()),
                Step::Add => s.add_repeat("r").map(|_| ()),
                Step::Insert(i) => s.insert_repeat("r", i).map(|_| ()),
                Step::Remove(i) => s.remove_repeat(&format!("r[{i}]")),
                Step::Move(i, to) => s.move_repeat(&format!("r[{i}]"), to),
            };
            let mut full = s.clone();
            full.recompute_all();
            prop_assert_eq!(s.snapshot(), full.snapshot());
        }
    }
}

#[test]
fn a_triggered_calculation_runs_only_when_its_trigger_changes() {
    let md = r#"
| survey |
| | type | name | label | calculation | trigger |
| | integer | a | A | | |
| | integer | b | B | | |
| | calculate | stamp | | ${a} + ${b} | ${a} |
"#;
    Scenario::from_markdown(md)
        .answer("b", 10)
        .assert_value("stamp", "")
        .answer("a", 1)
        .assert_value("stamp", "11")
        // b is read but is not the trigger: no recompute.
        .answer("b", 20)
        .assert_value("stamp", "11")
        .answer("a", 2)
        .assert_value("stamp", "22");
}

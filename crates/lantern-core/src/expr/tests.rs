//! Unit tests of the expression parser and evaluator, written as data through `check`
//! helpers so a change in behaviour shows as a readable diff (`UPDATE_EXPECT=1`).

use expect_test::{Expect, expect};
use proptest::prelude::*;

use super::*;

fn check_parse(src: &str, expect: Expect) {
    let actual = match parse(src) {
        Ok(expr) => format!("{expr}"),
        Err(e) => format!("error {} at {}: {}", e.code(), e.offset, e.message),
    };
    expect.assert_eq(&actual);
}

#[test]
fn parses_precedence_and_prints_minimal_parens() {
    check_parse("1 + 2 * 3", expect![["1 + 2 * 3"]]);
    check_parse("(1 + 2) * 3", expect![["(1 + 2) * 3"]]);
    check_parse("1 - (2 - 3)", expect![["1 - (2 - 3)"]]);
    check_parse("1 - 2 - 3", expect![["1 - 2 - 3"]]);
    check_parse("a or b and c = d", expect![["a or b and c = d"]]);
    check_parse("-a|b", expect![["-a | b"]]);
    check_parse("--1", expect![["--1"]]);
    check_parse("2*-1", expect![["2 * -1"]]);
    check_parse("5 mod 2 div 1", expect![["5 mod 2 div 1"]]);
}

#[test]
fn parses_paths_and_field_refs() {
    check_parse("/data/a[2]/@id", expect![["/data/a[2]/@id"]]);
    check_parse("../b", expect![["../b"]]);
    check_parse(".", expect![["."]]);
    check_parse("//item", expect![["/descendant-or-self::node()/item"]]);
    check_parse("current()/../x", expect![["current()/../x"]]);
    check_parse("${age} >= 18", expect![["${age} >= 18"]]);
    check_parse(
        "instance('list')/root/item[name = current()/../q]/label",
        expect![[r#"instance("list")/root/item[name = current()/../q]/label"#]],
    );
    check_parse("(/a | /b)[2]", expect![["(/a | /b)[2]"]]);
    check_parse("ancestor-or-self::*", expect![["ancestor-or-self::*"]]);
    check_parse("x:*", expect![["x:*"]]);
    check_parse("div div div", expect![["div div div"]]);
    check_parse("* * *", expect![["* * *"]]);
    check_parse("/", expect![["(/)"]]);
    check_parse("text()", expect![["text()"]]);
}

#[test]
fn parses_prefixed_calls() {
    let expr = parse("jr:choice-name(${q}, '${q}') and selected(${a}, 'x')").unwrap();
    assert_eq!(expr.function_names(), vec!["jr:choice-name", "selected"]);
    assert_eq!(expr.field_refs(), vec!["q", "a"]);
    assert!(is_known_function("jr:choice-name"));
    assert!(!is_known_function("explode"));
}

#[test]
fn reports_errors_with_offsets_and_fixes() {
    check_parse(
        "1 +",
        expect![[
            "error expr.unexpected_end at 3: the expression ends too early: expected a value here: a number, 'text', ${name}, a path or a function call"
        ]],
    );
    check_parse(
        "concat('a'",
        expect![[
            "error expr.unexpected_end at 10: the expression ends too early: separate the arguments of concat() with ',' and close it with ')'"
        ]],
    );
    check_parse(
        "'abc",
        expect![[
            "error expr.unterminated_string at 0: this text is never closed: add a matching ' at its end"
        ]],
    );
    check_parse(
        "${age",
        expect![[
            "error expr.unterminated_field_ref at 0: this field reference is never closed: write it as ${name}"
        ]],
    );
    check_parse(
        "1 2",
        expect![[
            "error expr.unexpected_token at 2: unexpected number 2 after a complete expression: join the parts with an operator (and, or, +, =, …) or remove it"
        ]],
    );
    check_parse(
        "foo::bar",
        expect![[
            "error expr.unknown_axis at 0: 'foo' is not an XPath axis: use child, parent, self, ancestor, descendant, … or a plain path"
        ]],
    );
    check_parse(
        "",
        expect![[
            "error expr.unexpected_end at 0: the expression is empty: write an expression or leave the cell blank"
        ]],
    );
    check_parse(
        "a # b",
        expect![[
            "error expr.unexpected_character at 2: '#' cannot appear here: remove it, or put text in quotes ('…')"
        ]],
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let src = format!("{}1{}", "(".repeat(5000), ")".repeat(5000));
    assert_eq!(parse(&src).unwrap_err().code(), "expr.too_deep");
    let src = format!("{}1", "-".repeat(5000));
    assert_eq!(parse(&src).unwrap_err().code(), "expr.too_deep");
}

fn arb_name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_]{0,3}(-[a-z]{1,2})?".prop_filter("reserved words", |s| {
        !matches!(
            s.as_str(),
            "and" | "or" | "div" | "mod" | "node" | "text" | "comment"
        )
    })
}

fn arb_step() -> impl Strategy<Value = Step> {
    let axis = prop::sample::select(Axis::ALL.to_vec());
    let test = prop_oneof![
        arb_name().prop_map(|local| NodeTest::Name {
            prefix: None,
            local
        }),
        (arb_name(), arb_name()).prop_map(|(p, local)| NodeTest::Name {
            prefix: Some(p),
            local
        }),
        Just(NodeTest::Wildcard { prefix: None }),
        Just(NodeTest::Node),
        Just(NodeTest::Text),
    ];
    (axis, test).prop_map(|(axis, test)| Step {
        axis,
        test,
        predicates: Vec::new(),
    })
}

fn arb_expr() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        (0u32..100_000).prop_map(|n| Expr::Number(f64::from(n) / 8.0)),
        "[a-zA-Z0-9 '_-]{0,6}".prop_map(Expr::Literal),
        "[a-zA-Z0-9 \"_-]{0,6}".prop_map(Expr::Literal),
        arb_name().prop_map(Expr::FieldRef),
        (any::<bool>(), prop::collection::vec(arb_step(), 1..3))
            .prop_map(|(absolute, steps)| Expr::Path(LocationPath { absolute, steps })),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        let ops = prop::sample::select(vec![
            BinaryOp::Or,
            BinaryOp::And,
            BinaryOp::Eq,
            BinaryOp::Neq,
            BinaryOp::Lt,
            BinaryOp::Lte,
            BinaryOp::Gt,
            BinaryOp::Gte,
            BinaryOp::Add,
            BinaryOp::Sub,
            BinaryOp::Mul,
            BinaryOp::Div,
            BinaryOp::Mod,
            BinaryOp::Union,
        ]);
        prop_oneof![
            (ops, inner.clone(), inner.clone()).prop_map(|(op, l, r)| Expr::Binary {
                op,
                left: Box::new(l),
                right: Box::new(r)
            }),
            inner.clone().prop_map(|e| Expr::Negate(Box::new(e))),
            (
                prop::sample::select(vec!["concat", "jr:choice-name", "if", "count"]),
                prop::collection::vec(inner.clone(), 0..3)
            )
                .prop_map(|(name, args)| Expr::Call {
                    name: name.to_string(),
                    args
                }),
            (
                inner.clone(),
                prop::collection::vec(inner.clone(), 1..2),
                arb_step()
            )
                .prop_map(|(primary, predicates, step)| Expr::Filter {
                    primary: Box::new(Expr::Call {
                        name: "current".into(),
                        args: vec![primary]
                    }),
                    predicates,
                    steps: vec![step],
                }),
            (arb_step(), inner).prop_map(|(mut step, predicate)| {
                step.predicates.push(predicate);
                Expr::Path(LocationPath {
                    absolute: false,
                    steps: vec![step],
                })
            }),
        ]
    })
}

proptest! {
    #[test]
    fn print_then_parse_round_trips(expr in arb_expr()) {
        let text = expr.to_string();
        let reparsed = parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(reparsed, expr, "printed as {}", text);
    }
}

// ---------------------------------------------------------------------------------
// Evaluation.

use std::collections::HashMap;

use chrono::{FixedOffset, TimeZone};

use super::vectors;
use super::xml_env::XmlEnv;

const FORM: &str = r#"<data xmlns="http://www.w3.org/2002/xforms" xmlns:jr="http://openrosa.org/javarosa" id="audit">
  <consent>yes</consent>
  <age>17</age>
  <hazards>lighting latrines water</hazards>
  <visit>2024-03-01</visit>
  <household><name>Amina</name><size>4</size></household>
  <household><name>Ben</name><size>6</size></household>
  <household><name>Chen</name><size></size></household>
  <note/>
</data>"#;

fn env() -> XmlEnv {
    let zone = FixedOffset::east_opt(3 * 3600).unwrap();
    let now = zone
        .with_ymd_and_hms(2024, 3, 5, 14, 30, 0)
        .single()
        .unwrap();
    let prefixes = HashMap::from([("jr".to_string(), "http://openrosa.org/javarosa".to_string())]);
    XmlEnv::parse(FORM, prefixes, now, 42).unwrap()
}

/// Evaluates `src` with the context at `context` (a child-index path) and shows the
/// result as `type: string value` or the error code.
fn eval_at(src: &str, context: &str) -> String {
    let env = env();
    let ctx = env.node_at(context);
    match parse(src) {
        Err(e) => format!("parse error {}", e.code()),
        Ok(expr) => match evaluate(&expr, &env, ctx) {
            Ok(Value::NodeSet(nodes)) => format!(
                "node-set: {:?}",
                nodes.iter().map(|n| env.path_of(*n)).collect::<Vec<_>>()
            ),
            Ok(v) => format!("{}: {}", v.type_name(), v.to_string_value(&env)),
            Err(e) => format!("error {}: {e}", e.code()),
        },
    }
}

fn check(cases: &str, expect: Expect) {
    let mut out = String::new();
    for line in cases.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (context, src) = match line.split_once(" :: ") {
            Some((c, s)) => (c, s),
            None => ("/*[1]", line),
        };
        out.push_str(&format!("{src} => {}\n", eval_at(src, context)));
    }
    expect.assert_eq(&out);
}

#[test]
fn evaluates_the_functions_real_forms_use_most() {
    check(
        r#"
        selected(${hazards}, 'water')
        selected(${hazards}, 'wat')
        not(selected(/data/hazards, 'fire'))
        count-selected(${hazards})
        selected-at(${hazards}, 1)
        if(${age} >= 18, 'adult', 'minor')
        sum(/data/household/size)
        count(/data/household)
        count(/data/household[size > 4])
        indexed-repeat(/data/household/name, /data/household, 2)
        /*[1]/*[5]/*[1] :: position(..)
        /*[1]/*[6]/*[1] :: concat(../name, ' of ', count(../../household))
        regex(${age}, '^[0-9]+$')
        int(7.9) + round(2.5) + coalesce(/data/note, 3)
        join(', ', /data/household/name)
        string-length(${hazards})
        max(/data/household/size)
        min(4, 2, 9)
        "#,
        expect![[r#"
            selected(${hazards}, 'water') => boolean: true
            selected(${hazards}, 'wat') => boolean: false
            not(selected(/data/hazards, 'fire')) => boolean: true
            count-selected(${hazards}) => number: 3
            selected-at(${hazards}, 1) => string: latrines
            if(${age} >= 18, 'adult', 'minor') => string: minor
            sum(/data/household/size) => number: NaN
            count(/data/household) => number: 3
            count(/data/household[size > 4]) => number: 1
            indexed-repeat(/data/household/name, /data/household, 2) => node-set: ["/*[1]/*[6]/*[1]"]
            position(..) => number: 1
            concat(../name, ' of ', count(../../household)) => string: Ben of 3
            regex(${age}, '^[0-9]+$') => boolean: true
            int(7.9) + round(2.5) + coalesce(/data/note, 3) => number: 13
            join(', ', /data/household/name) => string: Amina, Ben, Chen
            string-length(${hazards}) => number: 23
            max(/data/household/size) => number: NaN
            min(4, 2, 9) => number: 2
        "#]],
    );
}

#[test]
fn evaluates_dates_against_the_injected_clock() {
    check(
        r#"
        today()
        now()
        ${visit} + 7
        date(${visit}) < today()
        format-date(${visit}, '%e %b %Y (%a)')
        format-date-time(now(), '%Y-%m-%d %H:%M')
        decimal-date-time('1970-01-02T00:00:00Z')
        decimal-time('18:00:00.000+03:00')
        date('2021-02-30')
        today() - date(${visit})
        "#,
        expect![[r#"
            today() => date: 2024-03-05
            now() => dateTime: 2024-03-05T14:30:00.000+03:00
            ${visit} + 7 => number: 19790
            date(${visit}) < today() => boolean: true
            format-date(${visit}, '%e %b %Y (%a)') => string: 1 Mar 2024 (Fri)
            format-date-time(now(), '%Y-%m-%d %H:%M') => string: 2024-03-05 14:30
            decimal-date-time('1970-01-02T00:00:00Z') => number: 1
            decimal-time('18:00:00.000+03:00') => number: 0.75
            date('2021-02-30') => error expr.invalid_date: date() cannot read '2021-02-30' as a date: write it as YYYY-MM-DD
            today() - date(${visit}) => number: 4
        "#]],
    );
}

#[test]
fn reports_evaluation_errors_with_codes() {
    check(
        r#"
        explode()
        count(1)
        ${nowhere}
        substr('abc')
        regex('a', '(')
        digest('a', 'CRC32')
        "#,
        expect![[r#"
            explode() => error expr.unknown_function: unknown function explode(): check the spelling or use a function of the ODK XForms spec
            count(1) => error expr.type_mismatch: count() needs a node-set (a path such as /data/item), not a number
            ${nowhere} => error expr.unresolved_field: ${nowhere} does not refer to a field of this form
            substr('abc') => error expr.arity: substr() takes 2 to 3 argument(s) but was given 1
            regex('a', '(') => error expr.invalid_regex: invalid regular expression '(': regex parse error:
                (
                ^
            error: unclosed group
            digest('a', 'CRC32') => error expr.unsupported: digest() does not know the algorithm 'CRC32': use MD5, SHA-1, SHA-256, SHA-384 or SHA-512
        "#]],
    );
}

#[test]
fn short_circuits_and_or_and_if() {
    check(
        r#"
        false() and explode()
        true() or explode()
        if(true(), 1, explode())
        "#,
        expect![[r#"
            false() and explode() => boolean: false
            true() or explode() => boolean: true
            if(true(), 1, explode()) => number: 1
        "#]],
    );
}

#[test]
fn field_refs_resolve_within_the_same_repeat_instance() {
    check(
        r#"
        /*[1]/*[6]/*[2] :: ${name}
        /*[1]/*[7]/*[1] :: ${size} = ''
        /*[1]/*[6]/*[2] :: current()/../name
        /*[1]/*[6]/*[2] :: /data/household[name = current()/../name]/size
        "#,
        expect![[r#"
            ${name} => node-set: ["/*[1]/*[6]/*[1]"]
            ${size} = '' => boolean: true
            current()/../name => node-set: ["/*[1]/*[6]/*[1]"]
            /data/household[name = current()/../name]/size => node-set: ["/*[1]/*[6]/*[2]"]
        "#]],
    );
}

#[test]
fn once_keeps_an_existing_value() {
    check(
        r#"
        /*[1]/*[2] :: once(99)
        /*[1]/*[9] :: once(concat('a', 'b'))
        "#,
        expect![[r#"
            once(99) => string: 17
            once(concat('a', 'b')) => string: ab
        "#]],
    );
}

#[test]
fn randomness_comes_only_from_the_env_seed() {
    let a = eval_at(
        "concat(random(), uuid(), join(' ', randomize(/data/household/name)))",
        "/*[1]",
    );
    let b = eval_at(
        "concat(random(), uuid(), join(' ', randomize(/data/household/name)))",
        "/*[1]",
    );
    assert_eq!(a, b, "same seed, same values");
    let seeded = eval_at("join(' ', randomize(/data/household/name, 7))", "/*[1]");
    assert_eq!(
        seeded,
        eval_at("join(' ', randomize(/data/household/name, 7))", "/*[1]")
    );
    let uuid = eval_at("uuid()", "/*[1]");
    let re = regex::Regex::new(
        "^string: [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
    )
    .unwrap();
    assert!(re.is_match(&uuid), "{uuid}");
}

#[test]
fn long_operator_chains_evaluate_without_exhausting_the_stack() {
    let terms = vec!["1"; 1000].join(" + ");
    let expr = parse(&terms).unwrap();
    let env = env();
    let v = evaluate(&expr, &env, None).unwrap();
    assert_eq!(v, Value::Number(1000.0));
    assert_eq!(parse(&expr.to_string()).unwrap(), expr);
    let too_long = vec!["1"; 1002].join(" + ");
    assert_eq!(parse(&too_long).unwrap_err().code(), "expr.too_deep");
}

proptest! {
    #[test]
    fn evaluation_never_panics(expr in arb_expr()) {
        let env = env();
        let ctx = env.node_at("/*[1]/*[5]/*[1]");
        // Any outcome is fine; a panic fails the property.
        let _ = evaluate(&expr, &env, ctx);
    }
}

#[test]
fn deepest_accepted_nesting_evaluates_within_a_small_stack() {
    // The parser accepts 64 nested levels (63 here plus the bottom expression). Each
    // shape must evaluate on a 1 MiB thread, about what a worker thread gets on a
    // low-end Android phone, even in this unoptimised test build.
    let n = 63;
    let shapes = [
        (
            format!(
                "{}/data/household[size > 1]/name{}",
                "concat(".repeat(n - 1),
                ")".repeat(n - 1)
            ),
            "AminaBen",
        ),
        (
            format!("{}'deep'{}", "if(true(), ".repeat(n), ", 0)".repeat(n)),
            "deep",
        ),
        (
            format!(
                "count(/data/age{}{})",
                // A predicate holding a call is two levels; one node per level keeps
                // the work linear.
                "[count(/data/age".repeat(n / 2),
                ") > 0]".repeat(n / 2)
            ),
            "1",
        ),
        (
            format!("{}1{}", "-(".repeat(n / 2), ")".repeat(n / 2)),
            "-1",
        ),
        (
            format!("{}${{age}}{}", "selected(".repeat(n), ", 'x')".repeat(n)),
            "false",
        ),
    ];
    for (src, want) in shapes {
        let handle = std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(move || {
                let expr = parse(&src).expect("parses");
                let env = env();
                evaluate(&expr, &env, None)
                    .expect("evaluates")
                    .to_string_value(&env)
            })
            .expect("spawn");
        assert_eq!(handle.join().expect("no stack overflow"), want);
    }
    let too_deep = format!("{}1{}", "concat(".repeat(64), ")".repeat(64));
    assert_eq!(parse(&too_deep).unwrap_err().code(), "expr.too_deep");
}

#[test]
fn exponential_predicates_stop_with_an_error_instead_of_freezing() {
    // Each level re-evaluates the next for all three households: 3^20 steps.
    let src = format!(
        "count(/data/household{}{})",
        "[count(/data/household".repeat(20),
        ") > 0]".repeat(20)
    );
    let expr = parse(&src).unwrap();
    let env = env();
    let err = evaluate(&expr, &env, None).unwrap_err();
    assert_eq!(err.code(), "expr.too_complex");
}

#[test]
fn vectors_runner_reports_pass_fail_and_reasoned_not_applicable() {
    let file = serde_json::json!({
        "meta": {"semantics": {"namespace_prefixes": {}}},
        "documents": {"d": "<data><a>4</a><a>6</a></data>"},
        "vectors": [
            {"id": "p", "source": "javarosa", "category": "c1", "expr": "sum(/data/a)",
             "result_type": "number", "expected": 10, "context_doc": "d", "context_path": "/",
             "uses_id_function": false},
            {"id": "f", "source": "javarosa", "category": "c1", "expr": "1 + 1",
             "result_type": "string", "expected": "3", "context_doc": null, "context_path": null,
             "uses_id_function": false},
            {"id": "n", "source": "openrosa-xpath-evaluator", "category": "c2", "expr": "id('x')",
             "result_type": "nodeset", "expected": [], "context_doc": "d", "context_path": "/",
             "uses_id_function": true},
            {"id": "e", "source": "javarosa", "category": "c2", "expr": "count(",
             "result_type": "error", "expected": "error", "context_doc": null, "context_path": null,
             "uses_id_function": false},
            {"id": "s", "source": "openrosa-xpath-evaluator", "category": "c2", "expr": "/data/a[2]",
             "result_type": "nodeset", "expected": ["/*[1]/*[2]"], "context_doc": "d",
             "context_path": "/*[1]", "uses_id_function": false}
        ]
    });
    let zone = FixedOffset::west_opt(7 * 3600).unwrap();
    let now = zone.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap();
    let report = vectors::run(&file.to_string(), now).unwrap();
    let lines: Vec<String> = report
        .outcomes
        .iter()
        .map(|o| o.to_json().to_string())
        .collect();
    expect![[r#"
        {"got":10.0,"id":"p","status":"pass"}
        {"got":"2","id":"f","status":"fail"}
        {"got":null,"id":"n","reason":"uses id(), which needs DTD-declared IDs; ODK instances have none and forms never call it","status":"not_applicable"}
        {"got":{"error":"expr.unexpected_end","message":"the expression ends too early: expected a value here: a number, 'text', ${name}, a path or a function call"},"id":"e","status":"pass"}
        {"got":["/*[1]/*[2]"],"id":"s","status":"pass"}
        3 passed, 1 failed, 1 not_applicable"#]]
    .assert_eq(&format!("{}\n{}", lines.join("\n"), report.summary_line()));
    let c2 = &report.by_category()["c2"];
    assert_eq!((c2.passed, c2.failed, c2.not_applicable), (2, 0, 1));
}

/// The function list import checks against and the dispatch are one table: every
/// listed function is evaluated by some group (any arity error is fine, "unknown" or
/// "unsupported" is not), and the functions JavaRosa cannot run are not listed.
#[test]
fn every_known_function_dispatches_and_lang_is_refused() {
    let env = env();
    let mut names = 0;
    for name in known_functions() {
        names += 1;
        let expr = Expr::Call {
            name: name.to_string(),
            args: Vec::new(),
        };
        if let Err(e) = evaluate(&expr, &env, env.node_at("")) {
            assert!(
                !matches!(
                    e,
                    EvalError::UnknownFunction { .. } | EvalError::Unsupported(_)
                ),
                "{name}: {e}"
            );
        }
    }
    assert!(names > 80, "{names}");
    for refused in ["lang", "id", "extract-signed", "explode"] {
        assert!(!is_known_function(refused), "{refused}");
    }
    assert!(is_known_function("enclosed-area"));
}

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

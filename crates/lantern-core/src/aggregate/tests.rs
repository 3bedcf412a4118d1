//! Unit tests of the aggregate module: indicator kinds, disaggregation, hierarchy, release rules.

use super::*;

fn meta(name: &str, kind: IndicatorKind, min_cell: u32) -> IndicatorMeta {
    IndicatorMeta {
        name: name.into(),
        labels: BTreeMap::from([("default".into(), name.into())]),
        kind,
        hxl: None,
        sector: None,
        higher_is: Some(HigherIs::Worse),
        amber: Some(1.0),
        red: Some(2.0),
        min_cell,
        actions: BTreeMap::new(),
    }
}

fn plan() -> Plan {
    let sex = vec![
        "female".to_string(),
        "male".to_string(),
        "other".to_string(),
    ];
    let age = vec![
        "18_24".to_string(),
        "25_49".to_string(),
        "50_plus".to_string(),
    ];
    Plan {
        form_id: "f".into(),
        form_version: "1".into(),
        min_cell_size: 5,
        min_responses: 5,
        indicators: vec![
            PlannedIndicator {
                meta: meta("unsafe", IndicatorKind::Proportion, 5),
                dims: vec!["sex".into(), "age_band".into()],
                values: vec![sex, age],
                levels: vec![vec![], vec![0], vec![1], vec![0, 1]],
            },
            PlannedIndicator {
                meta: meta("risk", IndicatorKind::Score, 1),
                dims: vec![],
                values: vec![],
                levels: vec![vec![]],
            },
        ],
    }
}

fn person(site: &str, sex: &str, age: &str, unsafe_: bool, consent: bool) -> Contributions {
    Contributions {
        form_id: "f".into(),
        form_version: "1".into(),
        site: site.into(),
        round: Some("baseline".into()),
        period: "2026-11".into(),
        consent,
        indicators: if consent {
            vec![
                vec![Unit {
                    value: UnitValue::Flag(unsafe_),
                    keys: vec![Some(sex.into()), Some(age.into())],
                }],
                vec![Unit {
                    value: UnitValue::Number(2.0),
                    keys: vec![],
                }],
            ]
        } else {
            vec![vec![], vec![]]
        },
    }
}

fn find<'a>(b: &'a Batch, ind: &str, by: &[(&str, &str)]) -> &'a Cell {
    let key: BTreeMap<String, String> = by
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    b.cells
        .iter()
        .find(|c| c.indicator == ind && c.by == key)
        .unwrap_or_else(|| panic!("no cell {ind} {by:?}"))
}

#[test]
fn folds_proportions_and_hierarchy_with_suppression() {
    let mut fold = Fold::new(plan());
    for i in 0..30 {
        fold.add(&person(
            "A",
            "female",
            if i % 2 == 0 { "18_24" } else { "25_49" },
            i % 3 == 0,
            true,
        ));
    }
    for i in 0..10 {
        fold.add(&person("A", "male", "25_49", i < 4, true));
    }
    fold.add(&person("A", "other", "50_plus", true, true));
    fold.add(&person("A", "female", "18_24", false, false));
    let b = fold
        .batch("A", Some("baseline"), Uuid::nil(), 1, "2026-11-30")
        .unwrap();
    b.validate().unwrap();
    let total = find(&b, "unsafe", &[]);
    // Hiding the total is the single cheapest complement here (every margin then
    // has an unbounded interval); the released sex cells carry exact values.
    assert_eq!(total.rule, Some(SuppressionRule::Complementary));
    let f = find(&b, "unsafe", &[("sex", "female")]);
    assert_eq!((f.n, f.value), (Some(30), Some(100.0 * 10.0 / 30.0)));
    let m = find(&b, "unsafe", &[("sex", "male")]);
    assert_eq!((m.n, m.value), (Some(10), Some(40.0)));
    let other = find(&b, "unsafe", &[("sex", "other")]);
    assert!(other.suppressed && other.rule == Some(SuppressionRule::Primary));
    assert!(other.n.is_none() && other.value.is_none());
    // A zero cell is emitted and released.
    let z = find(&b, "unsafe", &[("sex", "male"), ("age_band", "18_24")]);
    assert_eq!((z.suppressed, z.n), (false, Some(0)));
    // The place score is exempt and carries its level.
    let s = find(&b, "risk", &[]);
    assert_eq!(
        (s.value, s.level),
        (Some(2.0), Some(lantern_protocol::Level::Red))
    );
    // Refusals: 1 < k, suppressed.
    assert!(b.refusals.suppressed && b.refusals.n.is_none());
    // Every released cell of the people indicator has n = 0 or ≥ 5.
    for c in b
        .cells
        .iter()
        .filter(|c| c.indicator == "unsafe" && !c.suppressed)
    {
        let n = c.n.unwrap();
        assert!(n == 0 || n >= 5, "{c:?}");
    }
    assert!(!explain(&b).is_empty());
    assert!(describe(&b, "en").contains("site A"));
}

#[test]
fn min_responses_withholds_everything() {
    let mut fold = Fold::new(plan());
    for _ in 0..4 {
        fold.add(&person("B", "female", "18_24", true, true));
    }
    let b = fold
        .batch("B", Some("baseline"), Uuid::nil(), 1, "2026-11-30")
        .unwrap();
    assert!(
        b.cells
            .iter()
            .all(|c| c.suppressed && c.rule == Some(SuppressionRule::MinResponses))
    );
    b.validate().unwrap();
}

#[test]
fn successive_release_needs_k_changes_and_a_clean_audit() {
    let build = |extra_male_unsafe: usize| {
        let mut fold = Fold::new(plan());
        for i in 0..40 {
            fold.add(&person(
                "A",
                if i % 2 == 0 { "female" } else { "male" },
                "25_49",
                false,
                true,
            ));
        }
        for _ in 0..extra_male_unsafe {
            fold.add(&person("A", "male", "25_49", true, true));
        }
        fold.batch("A", Some("baseline"), Uuid::nil(), 1, "2026-11-30")
            .unwrap()
    };
    let first = build(0);
    for added in 1..5u64 {
        let next = build(added as usize);
        assert_eq!(
            successive_release(Some(&first), &next, added, false),
            Releasability::NeedMoreChanges {
                changes: added,
                needed: 5 - added
            }
        );
    }
    let next = build(5);
    assert_eq!(
        successive_release(Some(&first), &next, 5, false),
        Releasability::Releasable
    );
    assert_eq!(
        successive_release(None, &first, 0, false),
        Releasability::Releasable
    );
}

/// The differencing test: after a released batch, one, two … k−1 more responses or
/// withdrawals are not releasable; once enough changed, the pair audited together never
/// pins a changed cell down to fewer than k responses, and a pair that would is refused.
#[test]
fn differencing_between_successive_batches_is_stopped() {
    // 40 people: 20 female, 20 male, all 25_49; then changes.
    let base: Vec<Contributions> = (0..40)
        .map(|i| {
            person(
                "A",
                if i % 2 == 0 { "female" } else { "male" },
                "25_49",
                i % 4 == 0,
                true,
            )
        })
        .collect();
    let batch_of = |people: &[Contributions]| {
        let mut fold = Fold::new(plan());
        for p in people {
            fold.add(p);
        }
        fold.batch("A", Some("baseline"), Uuid::nil(), 1, "2026-11-30")
            .unwrap()
    };
    let first = batch_of(&base);
    // Additions and withdrawals, 1..k−1 of them: not releasable, and says how many more.
    for changes in 1..5usize {
        let mut added = base.clone();
        added.extend((0..changes).map(|_| person("A", "female", "18_24", true, true)));
        assert_eq!(
            successive_release(Some(&first), &batch_of(&added), changes as u64, false),
            Releasability::NeedMoreChanges {
                changes: changes as u64,
                needed: 5 - changes as u64
            }
        );
        let withdrawn = &base[changes..];
        assert_eq!(
            successive_release(Some(&first), &batch_of(withdrawn), changes as u64, true),
            Releasability::NeedMoreChanges {
                changes: changes as u64,
                needed: 5 - changes as u64
            }
        );
    }
    // Five changes that all land in one cell change it by five: releasable, and the
    // pair shows a change of 5 units there, never fewer than k.
    let mut five = base.clone();
    five.extend((0..5).map(|_| person("A", "female", "18_24", true, true)));
    let second = batch_of(&five);
    assert_eq!(
        successive_release(Some(&first), &second, 5, false),
        Releasability::Releasable
    );
    let old: HashMap<_, _> = first
        .cells
        .iter()
        .map(|c| ((c.indicator.clone(), c.by.clone()), c))
        .collect();
    for c in &second.cells {
        if let (Some(n), Some(o)) = (
            c.n,
            old.get(&(c.indicator.clone(), c.by.clone()))
                .and_then(|o| o.n),
        ) {
            let d = n.abs_diff(o);
            assert!(
                d == 0 || d >= 5 || c.indicator == "risk",
                "{c:?}: changed by {d}"
            );
        }
    }
    // Five changes split 4 + 1 across released cells: the single one would be exposed
    // by comparing the two batches, so the pair is refused.
    let mut split = base.clone();
    split.extend((0..4).map(|_| person("A", "female", "25_49", true, true)));
    split.push(person("A", "male", "25_49", true, true));
    match successive_release(Some(&first), &batch_of(&split), 5, false) {
        Releasability::DifferencingRisk { cells } => {
            assert!(cells.iter().any(|c| c.contains("sex=male")), "{cells:?}")
        }
        other => panic!("a change of one male response was not caught: {other:?}"),
    }
    // Withdrawals split the same way are caught too.
    let mut withdrawn: Vec<Contributions> = base.clone();
    let mut removed = 0;
    withdrawn.retain(|p| {
        let female = p.indicators[0][0].keys[0].as_deref() == Some("female");
        if female && removed < 4 {
            removed += 1;
            return false;
        }
        true
    });
    let male_at = withdrawn
        .iter()
        .position(|p| p.indicators[0][0].keys[0].as_deref() == Some("male"))
        .unwrap();
    withdrawn.remove(male_at);
    assert!(matches!(
        successive_release(Some(&first), &batch_of(&withdrawn), 5, true),
        Releasability::DifferencingRisk { .. }
    ));
}

#[test]
fn baseline_to_endline_change_uses_released_cells_only() {
    let mut fold = Fold::new(plan());
    for i in 0..20 {
        fold.add(&person("A", "female", "25_49", i < 5, true));
    }
    let mut end = person("A", "female", "25_49", true, true);
    end.round = Some("endline".into());
    for i in 0..20 {
        let mut p = end.clone();
        if let UnitValue::Flag(f) = &mut p.indicators[0][0].value {
            *f = i < 15;
        }
        fold.add(&p);
    }
    let b = fold
        .batch("A", Some("baseline"), Uuid::nil(), 1, "2026-11-30")
        .unwrap();
    let e = fold
        .batch("A", Some("endline"), Uuid::nil(), 1, "2026-11-30")
        .unwrap();
    let changes = round_change(&b, &e);
    let total = changes
        .iter()
        .find(|c| c.indicator == "unsafe" && c.by.is_empty())
        .unwrap();
    assert_eq!(
        (total.before, total.after, total.change),
        (25.0, 75.0, 50.0)
    );
    assert!(changes.iter().all(|c| {
        let cell = e
            .cells
            .iter()
            .find(|x| x.indicator == c.indicator && x.by == c.by)
            .unwrap();
        !cell.suppressed
    }));
}

mod stored_form {
    //! The stored form of contributions: the compact record round-trips, folds exactly
    //! as the value it encodes (and as the JSON stored before it), hides its size in a
    //! bucket, and refuses damaged bytes without folding any of them.
    use super::*;
    use proptest::prelude::*;

    fn batches(fold: &Fold) -> Vec<Batch> {
        fold.groups()
            .map(|((s, r), _)| {
                fold.batch(s, r.as_deref(), Uuid::nil(), 1, "2026-11-30")
                    .unwrap()
            })
            .collect()
    }

    fn arb_key() -> impl Strategy<Value = Option<String>> {
        prop_oneof![
            Just(None),
            Just(Some("female".to_string())),
            Just(Some("male".to_string())),
            Just(Some("18_24".to_string())),
            Just(Some("25_49".to_string())),
            Just(Some("50_plus".to_string())),
            // Escapes in JSON, multi-byte UTF-8 in both forms.
            Just(Some("a \"quoted\" \\ name".to_string())),
            Just(Some("نساء".to_string())),
        ]
    }

    fn arb_contributions() -> impl Strategy<Value = Contributions> {
        let unit = (
            prop_oneof![
                any::<bool>().prop_map(UnitValue::Flag),
                // Eighths: exact in JSON too (serde_json's default float parsing
                // may differ from the written value in the last bit).
                (-8000i32..8000).prop_map(|i| UnitValue::Number(f64::from(i) / 8.0)),
            ],
            proptest::collection::vec(arb_key(), 2),
        )
            .prop_map(|(value, keys)| Unit { value, keys });
        (
            prop_oneof![Just("A"), Just("B"), Just("Site \"C\"")],
            prop_oneof![
                Just(None),
                Just(Some("baseline".to_string())),
                Just(Some("endline".to_string()))
            ],
            any::<bool>(),
            proptest::collection::vec(proptest::collection::vec(unit, 0..4), 2),
        )
            .prop_map(|(site, round, consent, indicators)| Contributions {
                form_id: "f".into(),
                form_version: "1".into(),
                site: site.into(),
                round,
                period: "2026-11".into(),
                consent,
                indicators: if consent {
                    indicators
                } else {
                    vec![vec![], vec![]]
                },
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn compact_and_json_fold_exactly_like_the_value(
            people in proptest::collection::vec(arb_contributions(), 1..40)
        ) {
            let mut by_value = Fold::new(plan());
            let mut by_compact = Fold::new(plan());
            let mut by_json = Fold::new(plan());
            for c in &people {
                let bytes = c.encode();
                prop_assert_eq!(&Contributions::decode(&bytes).unwrap(), c);
                by_value.add(c);
                let added = by_compact.add_stored(&bytes).unwrap();
                prop_assert_eq!(
                    (added.site.as_ref(), added.round.as_deref(), added.consent, added.folded),
                    (c.site.as_str(), c.round.as_deref(), c.consent, true)
                );
                let json = serde_json::to_vec(c).unwrap();
                by_json.add_stored(&json).unwrap();
                prop_assert_eq!(&Contributions::decode(&json).unwrap(), c);
            }
            let expected = batches(&by_value);
            prop_assert_eq!(&batches(&by_compact), &expected);
            prop_assert_eq!(&batches(&by_json), &expected);
        }

        #[test]
        fn damaged_records_are_refused_and_fold_nothing(
            c in arb_contributions(),
            cut in 0usize..600,
            flip in 0usize..600,
        ) {
            let bytes = c.encode();
            let mut fold = Fold::new(plan());
            fold.add(&c);
            let before = batches(&fold);
            // Any truncation inside the record (not just its padding) is an error.
            let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
            let cut = cut % end.max(1);
            prop_assert!(fold.add_stored(&bytes[..cut]).is_err());
            // A changed byte is either refused or still a well-formed record; it never
            // panics, and a refused record folds nothing.
            let mut damaged = bytes.to_vec();
            let at = flip % damaged.len();
            damaged[at] ^= 0x5a;
            if fold.add_stored(&damaged).is_err() {
                prop_assert_eq!(batches(&fold), before);
            }
        }
    }

    #[test]
    fn records_are_padded_so_refusals_look_like_consent() {
        let consenting = person("A", "female", "18_24", true, true).encode();
        let refusal = person("A", "female", "18_24", true, false).encode();
        assert_eq!(consenting.len(), 512);
        assert_eq!(refusal.len(), 512);
        // A record bigger than the first bucket moves to the next power of two.
        let mut big = person("A", "female", "18_24", true, true);
        big.indicators[0] = (0..200)
            .map(|i| Unit {
                value: UnitValue::Number(f64::from(i)),
                keys: vec![Some("female".into()), Some(format!("v{i}"))],
            })
            .collect();
        let len = big.encode().len();
        assert!(len.is_power_of_two() && len > 512, "{len}");
        assert_eq!(Contributions::decode(&big.encode()).unwrap(), big);
    }

    #[test]
    fn strict_decoding() {
        let good = person("A", "female", "18_24", true, true).encode();
        // Non-zero bytes after the record.
        let mut trailing = good.to_vec();
        *trailing.last_mut().unwrap() = 1;
        assert!(Contributions::decode(&trailing).is_err());
        // A non-finite number.
        let mut nan = person("A", "female", "18_24", true, true);
        nan.indicators[1][0].value = UnitValue::Number(f64::NAN);
        let err = Contributions::decode(&nan.encode()).unwrap_err();
        assert!(err.0.contains("finite"), "{err}");
        // Not a record at all.
        assert!(Contributions::decode(b"\xffLC2").is_err());
        assert!(Contributions::decode(b"garbage").is_err());
        let mut fold = Fold::new(plan());
        assert!(fold.add_stored(&nan.encode()).is_err());
        assert_eq!(fold.groups().count(), 0);
        // Another form's record is skipped, not folded, and says so.
        let mut other = person("A", "female", "18_24", true, true);
        other.form_id = "g".into();
        let other = other.encode();
        let added = fold.add_stored(&other).unwrap();
        assert!(!added.folded);
        assert_eq!((fold.skipped, fold.groups().count()), (1, 0));
    }
}

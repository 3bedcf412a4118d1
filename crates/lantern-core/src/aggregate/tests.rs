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
                people: None,
            },
            PlannedIndicator {
                meta: meta("risk", IndicatorKind::Score, 1),
                dims: vec![],
                values: vec![],
                levels: vec![vec![]],
                people: None,
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
    // Hiding the total alone would be the cheapest complement here (every margin then
    // has an unbounded interval), but the site total is the number every reader
    // uses: interior cells are hidden instead (issue 12).
    assert_eq!(
        (total.suppressed, total.n, total.value),
        (false, Some(41), Some(100.0 * 15.0 / 41.0))
    );
    // The sex margin then needs one more hidden cell, female or male, and the
    // released one carries its exact value.
    let f = find(&b, "unsafe", &[("sex", "female")]);
    let m = find(&b, "unsafe", &[("sex", "male")]);
    assert!(f.suppressed != m.suppressed, "{f:?} {m:?}");
    if !f.suppressed {
        assert_eq!((f.n, f.value), (Some(30), Some(100.0 * 10.0 / 30.0)));
    } else {
        assert_eq!((m.n, m.value), (Some(10), Some(40.0)));
    }
    // Every hidden small cell keeps an interval at least k wide.
    let people: Vec<&Cell> = b.cells.iter().filter(|c| c.indicator == "unsafe").collect();
    let keys: Vec<&BTreeMap<String, String>> = people.iter().map(|c| &c.by).collect();
    let eqs = suppression::equations_from_keys(&keys);
    let known: Vec<Option<f64>> = people.iter().map(|c| c.n.map(|n| n as f64)).collect();
    for (i, c) in people.iter().enumerate() {
        if c.rule == Some(SuppressionRule::Primary) {
            assert!(
                suppression::interval(&eqs, &known, i).width() >= 5.0,
                "{c:?}"
            );
        }
    }
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

mod participants {
    //! Issue 14: focus-group perception indicators are counted per participant. A
    //! people total (a repeat-scoped `sum` with a people hashtag) gives each cell's `n`
    //! in people, the cell minimum applies to people, and the indicators over the same
    //! groups share its suppression pattern, their hidden cells marked `derived`.
    use super::*;

    const TYPES: [&str; 3] = ["women", "girls", "men"];

    /// hands_total (people), unsafe_hands, unsafe_pct (both counted by hands_total),
    /// groups (per group), all with a minimum of 10, by focus-group type.
    fn fg_plan() -> Plan {
        let planned = |name: &str, kind, people: Option<usize>| PlannedIndicator {
            meta: meta(name, kind, 10),
            dims: vec!["fg_type".into()],
            values: vec![TYPES.iter().map(|s| s.to_string()).collect()],
            levels: vec![vec![], vec![0]],
            people,
        };
        Plan {
            form_id: "f".into(),
            form_version: "1".into(),
            min_cell_size: 5,
            min_responses: 1,
            indicators: vec![
                planned("hands_total", IndicatorKind::Sum, Some(0)),
                planned("unsafe_hands", IndicatorKind::Sum, Some(0)),
                planned("unsafe_pct", IndicatorKind::Mean, Some(0)),
                planned("groups", IndicatorKind::Count, None),
            ],
        }
    }

    /// One audit with focus groups `(type, hands, unsafe hands)`.
    fn audit(groups: &[(&str, u32, u32)]) -> Contributions {
        let unit = |t: &str, v: UnitValue| Unit {
            value: v,
            keys: vec![Some(t.to_string())],
        };
        let num = |x: u32| UnitValue::Number(f64::from(x));
        Contributions {
            form_id: "f".into(),
            form_version: "1".into(),
            site: "A".into(),
            round: Some("baseline".into()),
            period: "2026-11".into(),
            consent: true,
            indicators: vec![
                groups.iter().map(|(t, h, _)| unit(t, num(*h))).collect(),
                groups.iter().map(|(t, _, u)| unit(t, num(*u))).collect(),
                groups
                    .iter()
                    .map(|(t, h, u)| {
                        unit(t, UnitValue::Number(100.0 * f64::from(*u) / f64::from(*h)))
                    })
                    .collect(),
                groups
                    .iter()
                    .map(|(t, _, _)| unit(t, UnitValue::Flag(true)))
                    .collect(),
            ],
        }
    }

    fn batch_of(audits: &[Contributions]) -> Batch {
        let mut fold = Fold::new(fg_plan());
        for a in audits {
            fold.add(a);
        }
        let b = fold
            .batch("A", Some("baseline"), Uuid::nil(), 1, "2026-11-30")
            .unwrap();
        b.validate().unwrap();
        b
    }

    #[test]
    fn cells_count_people_and_small_groups_of_people_are_hidden() {
        // Women: three groups, 29 people. Girls: one group of 6. Men: two groups, 17.
        let b = batch_of(&[
            audit(&[("women", 12, 5), ("women", 9, 3), ("girls", 6, 4)]),
            audit(&[("women", 8, 2), ("men", 10, 1), ("men", 7, 0)]),
        ]);
        let women = find(&b, "hands_total", &[("fg_type", "women")]);
        // Released although only 3 groups: 29 people ≥ 10.
        assert_eq!(
            (women.suppressed, women.n, women.value),
            (false, Some(29), Some(29.0))
        );
        let unsafe_women = find(&b, "unsafe_hands", &[("fg_type", "women")]);
        assert_eq!((unsafe_women.n, unsafe_women.value), (Some(29), Some(10.0)));
        let pct = find(&b, "unsafe_pct", &[("fg_type", "women")]);
        assert_eq!(pct.n, Some(29));
        // Girls: 6 people < 10, primary on the people total, derived on the others.
        let girls = find(&b, "hands_total", &[("fg_type", "girls")]);
        assert_eq!(girls.rule, Some(SuppressionRule::Primary));
        for ind in ["unsafe_hands", "unsafe_pct"] {
            let c = find(&b, ind, &[("fg_type", "girls")]);
            assert_eq!(c.rule, Some(SuppressionRule::Derived), "{ind}");
            assert!(c.n.is_none() && c.value.is_none());
        }
        // The three share one pattern, and it protects the girls' cell: with the
        // released people totals, additivity and non-negativity, the girls' count
        // keeps an interval at least 10 wide.
        let pattern = |ind: &str| -> Vec<(BTreeMap<String, String>, bool)> {
            let mut v: Vec<_> = b
                .cells
                .iter()
                .filter(|c| c.indicator == ind)
                .map(|c| (c.by.clone(), c.suppressed))
                .collect();
            v.sort();
            v
        };
        assert_eq!(pattern("hands_total"), pattern("unsafe_hands"));
        assert_eq!(pattern("hands_total"), pattern("unsafe_pct"));
        let people: Vec<&Cell> = b
            .cells
            .iter()
            .filter(|c| c.indicator == "hands_total")
            .collect();
        let keys: Vec<&BTreeMap<String, String>> = people.iter().map(|c| &c.by).collect();
        let eqs = suppression::equations_from_keys(&keys);
        let known: Vec<Option<f64>> = people.iter().map(|c| c.n.map(|n| n as f64)).collect();
        let at = people
            .iter()
            .position(|c| c.by.get("fg_type").map(String::as_str) == Some("girls"))
            .unwrap();
        assert!(suppression::interval(&eqs, &known, at).width() >= 10.0);
        // Counted per group, the same cells are all below the minimum of 10 groups.
        assert!(
            b.cells
                .iter()
                .filter(|c| c.indicator == "groups" && c.by.len() == 1)
                .all(|c| { c.suppressed || c.n == Some(0) })
        );
        // Every released people cell holds 0 or at least 10 people.
        for c in b
            .cells
            .iter()
            .filter(|c| c.indicator != "groups" && !c.suppressed)
        {
            let n = c.n.unwrap();
            assert!(n == 0 || n >= 10, "{c:?}");
        }
    }

    #[test]
    fn an_unsound_people_count_falls_back_to_groups() {
        // Fewer people than groups in a cell (hands not counted): the people count
        // cannot be trusted, so the indicator's cells keep counting groups (stricter).
        let b = batch_of(&[audit(&[
            ("women", 0, 0),
            ("women", 1, 0),
            ("men", 25, 1),
            ("men", 30, 2),
        ])]);
        let women = find(&b, "hands_total", &[("fg_type", "women")]);
        assert!(women.suppressed, "{women:?}");
        assert_eq!(women.rule, Some(SuppressionRule::Primary));
        let men = find(&b, "hands_total", &[("fg_type", "men")]);
        assert!(men.suppressed, "2 groups < 10: {men:?}");
        // Nothing is marked derived: each indicator stands on its own group counts.
        assert!(
            b.cells
                .iter()
                .all(|c| c.rule != Some(SuppressionRule::Derived))
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

        /// Whatever the groups: no released cell of a people-counted indicator holds 1
        /// to 9 people, the linked indicators share the people total's pattern, and
        /// their hidden cells (where the total's are hidden by a rule) are `derived`.
        #[test]
        fn no_released_cell_below_ten_people(
            groups in proptest::collection::vec((0usize..3, 1u32..15, 0u32..15), 1..10)
        ) {
            let groups: Vec<(&str, u32, u32)> = groups
                .iter()
                .map(|&(t, h, u)| (TYPES[t], h, u.min(h)))
                .collect();
            let b = batch_of(&[audit(&groups)]);
            for c in b.cells.iter().filter(|c| c.indicator != "groups") {
                if let Some(n) = c.n {
                    proptest::prop_assert!(n == 0 || n >= 10, "{:?}", c);
                }
                let total = find(&b, "hands_total", &c.by.iter().map(|(a, v)| (a.as_str(), v.as_str())).collect::<Vec<_>>());
                proptest::prop_assert_eq!(c.suppressed, total.suppressed);
                if c.indicator != "hands_total" && c.suppressed {
                    proptest::prop_assert_eq!(c.rule, Some(SuppressionRule::Derived));
                }
            }
        }
    }

    #[test]
    fn the_camp_safety_audit_counts_hand_counts_by_people() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../forms/camp_safety_audit.xlsx"
        );
        let bytes = std::fs::read(path).unwrap();
        let form = crate::xlsform::import_bytes(
            &bytes,
            crate::xlsform::WorkbookFormat::Xlsx,
            "camp_safety_audit",
        )
        .form
        .unwrap();
        let plan = Plan::new(&form).unwrap();
        let counted: BTreeMap<&str, &str> = plan
            .indicators
            .iter()
            .filter_map(|i| {
                Some((
                    i.meta.name.as_str(),
                    plan.indicators[i.people?].meta.name.as_str(),
                ))
            })
            .collect();
        let expected: BTreeMap<&str, &str> = [
            ("fg_night_hands_total", "fg_night_hands_total"),
            ("fg_unsafe_night_hands", "fg_night_hands_total"),
            ("fg_unsafe_night_pct", "fg_night_hands_total"),
            ("fg_wash_hands_total", "fg_wash_hands_total"),
            ("fg_unsafe_wash_hands", "fg_wash_hands_total"),
            ("fg_unsafe_wash_pct", "fg_wash_hands_total"),
        ]
        .into_iter()
        .collect();
        // Groups, places named and priorities stay per group; walks stay per walk.
        assert_eq!(counted, expected);
    }
}

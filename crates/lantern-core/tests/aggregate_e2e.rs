//! End to end on the three built-in forms: hundreds of synthetic fills (several sites,
//! both rounds, refusals, skips, free text, dates and GPS typed in) finalized into a
//! real vault with their contributions sealed; aggregated, exported, and checked
//! against an independent computation that goes through the engine's older
//! per-call path (`indicator_input`, `consent_given`, `value`) instead of the
//! compiled program and the fold. Every serialized batch and export is scanned for
//! every text, date and GPS answer; the audit log must record releases and exports.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use lantern_core::aggregate::Releasability;
use lantern_core::engine::{CompiledForm, Config, Contribution, IndicatorInput, Session};
use lantern_core::export::{Format, export};
use lantern_core::form::{DataType, FormDef};
use lantern_core::release;
use lantern_core::vault::{FormRecord, KdfParams, SubmissionMeta, Vault, VaultConfig};
use lantern_core::xlsform::{WorkbookFormat, attach_csv, import_bytes};
use lantern_protocol::{Batch, IndicatorKind};
use serde_json::{Map, Value, json};

fn forms_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../forms")
}

struct Rng(u64);
impl Rng {
    fn next(&mut self, m: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % m
    }
}

const SITES: [&str; 3] = ["SO2401-0001", "SO2401-0002", "SO2401-0003"];

/// The independent tally: (site, round) → indicator → by → (units, flags, sum).
type Tally = HashMap<
    (String, Option<String>),
    BTreeMap<String, BTreeMap<BTreeMap<String, String>, (u64, u64, f64)>>,
>;

fn field<'a>(form: &'a FormDef, name: &str) -> Option<&'a lantern_core::form::Node> {
    form.fields().find(|n| n.name == name)
}

fn choices(form: &FormDef, name: &str) -> Vec<String> {
    field(form, name)
        .and_then(|n| n.select.as_ref())
        .and_then(|s| form.choice_list(&s.list_name))
        .map(|l| l.choices.iter().map(|c| c.name.clone()).collect())
        .unwrap_or_default()
}

/// A dimension's value for a per-submission unit, read straight from the session.
fn dim_value(session: &Session, form: &FormDef, dim: &str) -> Option<String> {
    let p = form.purpose.as_ref().unwrap();
    let read = |name: &str| {
        let node = field(form, name)?;
        let v = session.value(&node.path).ok()?;
        let relevant = session.is_relevant(&node.path).unwrap_or(false);
        (relevant && !v.is_empty()).then_some(v)
    };
    match dim {
        "disability" if !p.wg_fields.is_empty() => {
            let answers: Vec<String> = p.wg_fields.iter().filter_map(|f| read(f)).collect();
            if answers.is_empty() {
                None
            } else if answers.iter().any(|a| a == "a_lot" || a == "cannot") {
                Some("yes".into())
            } else {
                Some("no".into())
            }
        }
        "sex" => read(p.sex_field.as_deref().unwrap_or("sex")),
        "age_band" => read(p.age_band_field.as_deref().unwrap_or("age_band")),
        other => read(other),
    }
}

fn mutate(
    form: &FormDef,
    template: &Map<String, Value>,
    rng: &mut Rng,
    tokens: &mut Vec<String>,
    i: usize,
) -> Map<String, Value> {
    let mut answers = template.clone();
    let purpose = form.purpose.as_ref().unwrap();
    let consent_field = purpose.consent_field.clone().unwrap_or_default();
    for (k, v) in answers.iter_mut() {
        if *k == consent_field || k == "record_type" {
            continue;
        }
        if k == "site" {
            *v = json!(SITES[rng.next(3) as usize]);
            continue;
        }
        let list = choices(form, k);
        let single = field(form, k)
            .and_then(|n| n.select.as_ref())
            .is_some_and(|s| s.kind == lantern_core::form::SelectKind::One);
        if single && !list.is_empty() && v.is_string() && rng.next(2) == 0 {
            *v = json!(list[rng.next(list.len() as u64) as usize]);
        }
    }
    if let Some(round) = purpose.round_field.as_deref()
        && answers.contains_key(round)
    {
        answers.insert(
            round.into(),
            json!(if rng.next(2) == 0 {
                "baseline"
            } else {
                "endline"
            }),
        );
    }
    // Free text, dates and GPS typed into every such question the form has.
    for node in form.fields() {
        let (Some(dt), true) = (node.data_type, node.bind.calculation.is_none()) else {
            continue;
        };
        let value = match dt {
            DataType::String if node.select.is_none() && node.type_name == "text" => {
                format!("zqtext{i}x{}kq", rng.next(1_000_000))
            }
            DataType::Date => format!(
                "19{:02}-0{}-1{}",
                10 + rng.next(80),
                1 + rng.next(9),
                rng.next(10)
            ),
            DataType::Geopoint => format!(
                "12.{:06} -4.{:06} 0 5",
                rng.next(1_000_000),
                rng.next(1_000_000)
            ),
            _ => continue,
        };
        let mut up = node.parent;
        let mut in_repeat = false;
        while let Some(id) = up {
            let n = form.node(id);
            in_repeat |= n.kind == lantern_core::form::NodeKind::Repeat;
            up = n.parent;
        }
        if in_repeat {
            continue; // repeats: the template decides those
        }
        tokens.push(value.split(' ').next().unwrap().to_string());
        answers.entry(node.name.clone()).or_insert(json!(value));
    }
    answers
}

fn scan(haystack: &str, tokens: &[String], what: &str) {
    for t in tokens {
        assert!(
            !haystack.contains(t.as_str()),
            "{what} contains the answer {t}"
        );
    }
}

fn xlsx_text(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = String::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        f.read_to_string(&mut out).unwrap();
    }
    out
}

/// The people total an indicator is measured on, by the rule of the sheet contract: the
/// one repeat-scoped `sum` tagged `#reached` (or another people hashtag, not `+hh`)
/// whose scope, filter and disaggregation are the indicator's own.
fn people_total(form: &lantern_core::form::FormDef, indicator: &str) -> Option<String> {
    let x = form.indicators.iter().find(|i| i.name == indicator)?;
    let tags = [
        "#affected",
        "#inneed",
        "#targeted",
        "#reached",
        "#population",
    ];
    let found: Vec<&str> = form
        .indicators
        .iter()
        .filter(|w| {
            let hxl = w.hxl.clone().unwrap_or_default().to_lowercase();
            let mut parts = hxl.split('+');
            matches!(w.kind, lantern_core::form::IndicatorKind::Sum)
                && w.scope.is_some()
                && tags.contains(&parts.next().unwrap_or(""))
                && !parts.any(|a| a == "hh" || a == "households")
                && w.scope == x.scope
                && w.filter.as_ref().map(|f| f.source.trim())
                    == x.filter.as_ref().map(|f| f.source.trim())
                && w.disaggregate == x.disaggregate
        })
        .map(|w| w.name.as_str())
        .collect();
    match found[..] {
        [w] => Some(w.to_string()),
        _ => None,
    }
}

#[test]
fn built_in_forms_aggregate_like_an_independent_count() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = VaultConfig {
        kdf: KdfParams::INSECURE_FAST_FOR_TESTS,
        idle_lock: chrono::TimeDelta::hours(1),
    };
    let now = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
    let mut vault = Vault::create(tmp.path(), b"field team passphrase", cfg, now).unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut tokens: Vec<String> = Vec::new();
    let mut checked_cells = 0;
    for form_name in [
        "camp_safety_audit",
        "shelter_site_risk_review",
        "womens_participation",
    ] {
        let bytes = std::fs::read(forms_dir().join(format!("{form_name}.xlsx"))).unwrap();
        let mut form = import_bytes(&bytes, WorkbookFormat::Xlsx, form_name)
            .form
            .unwrap();
        let sites = std::fs::read(forms_dir().join("sites.csv")).unwrap();
        attach_csv(&mut form, "sites.csv", &sites).unwrap();
        vault
            .add_form(
                &FormRecord {
                    form_id: form.form_id.clone(),
                    version: form.version.clone(),
                    definition: bytes.clone(),
                    retention_days: None,
                    media: Vec::new(),
                },
                now,
            )
            .unwrap();
        let compiled: Arc<CompiledForm> = CompiledForm::new(form.clone()).unwrap();
        let dir = forms_dir().join("scenarios").join(form_name);
        let mut templates: Vec<Map<String, Value>> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                !p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("invalid")
            })
            .map(|p| {
                let v: Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
                v["answers"].as_object().unwrap().clone()
            })
            .collect();
        templates.sort_by_key(|t| t.len());
        let plan = lantern_core::aggregate::Plan::new(&form).unwrap();
        let mut expected: Tally = HashMap::new();
        let mut refusals: HashMap<(String, Option<String>), u64> = HashMap::new();
        let mut consenting: HashMap<(String, Option<String>), u64> = HashMap::new();
        let n_fills = 220;
        for i in 0..n_fills {
            let template = &templates[rng.next(templates.len() as u64) as usize];
            let mut attempted = Vec::new();
            let answers = mutate(&form, template, &mut rng, &mut attempted, i);
            let config = Config::at_rfc3339("2026-11-20T10:00:00Z", i as u64 + 1).unwrap();
            let mut session = Session::new(compiled.clone(), config).unwrap();
            session.fill(&answers);
            let id = format!("uuid:{form_name}-{i}");
            let meta = SubmissionMeta {
                id: id.clone(),
                form_id: form.form_id.clone(),
                form_version: form.version.clone(),
            };
            let content = json!({"instance": session.result()});
            // Only answers the session kept count as source data to look for.
            let stored = content.to_string();
            tokens.extend(
                attempted
                    .into_iter()
                    .filter(|t| stored.contains(t.as_str())),
            );
            vault.save_draft(&meta, &content, now).unwrap();
            release::finalize(&mut vault, &session, &id, now).unwrap();

            // The independent computation.
            let p = form.purpose.as_ref().unwrap();
            let read_root = |name: &Option<String>| {
                let node = field(&form, name.as_deref()?)?;
                let v = session.value(&node.path).ok()?;
                (!v.is_empty()).then_some(v)
            };
            let site = read_root(&p.site_field).unwrap_or_else(|| "_missing".into());
            let round = read_root(&p.round_field);
            let group = (site, round);
            if !session.consent_given() {
                *refusals.entry(group).or_default() += 1;
                continue;
            }
            *consenting.entry(group.clone()).or_default() += 1;
            for (ind, planned) in form.indicators.iter().zip(&plan.indicators) {
                let units: Vec<Contribution> = match session.indicator_input(ind).unwrap() {
                    IndicatorInput::Submission(c) => vec![c],
                    IndicatorInput::PerInstance(v) => v,
                };
                let per_submission = ind.scope.as_deref().is_none_or(str::is_empty);
                let mut keys: Vec<BTreeMap<String, String>> = vec![BTreeMap::new()];
                if per_submission {
                    for d in &planned.dims {
                        let v = dim_value(&session, &form, d).unwrap_or_else(|| "_missing".into());
                        keys.push(BTreeMap::from([(d.clone(), v)]));
                    }
                }
                for c in units {
                    let (flag, num) = match c {
                        Contribution::Excluded => continue,
                        Contribution::Flag(f) => (u64::from(f), 0.0),
                        Contribution::Number(x) => (0, x),
                    };
                    for k in &keys {
                        let e = expected
                            .entry(group.clone())
                            .or_default()
                            .entry(ind.name.clone())
                            .or_default()
                            .entry(k.clone())
                            .or_default();
                        e.0 += 1;
                        e.1 += flag;
                        e.2 += num;
                    }
                }
            }
        }

        let (previews, missing) =
            release::preview(&mut vault, &form, None, None, now, &mut uuid::Uuid::new_v4).unwrap();
        assert_eq!(missing, 0);
        let batches: Vec<Batch> = previews.iter().map(|p| p.batch.clone()).collect();
        assert!(
            batches.len() >= 3,
            "{form_name}: several site × round batches"
        );
        for b in &batches {
            b.validate().unwrap();
            let group = (b.site.clone(), b.round.clone());
            let k = b.min_cell_size;
            let enough =
                consenting.get(&group).copied().unwrap_or(0) >= u64::from(plan.min_responses);
            // Refusals: the independent count, or suppressed when small.
            let refused = refusals.get(&group).copied().unwrap_or(0);
            match b.refusals.n {
                Some(n) => assert_eq!(n, refused),
                None => assert!(
                    (1..u64::from(k)).contains(&refused),
                    "refusals hidden without cause"
                ),
            }
            for c in &b.cells {
                let meta = b.indicators.iter().find(|m| m.name == c.indicator).unwrap();
                if !enough {
                    assert!(c.suppressed, "{form_name}: released below min_responses");
                    continue;
                }
                let Some(n) = c.n else { continue };
                assert!(
                    n == 0 || n >= u64::from(meta.min_cell),
                    "released small cell"
                );
                let Some(&(units, flags, sum)) = expected
                    .get(&group)
                    .and_then(|m| m.get(&c.indicator))
                    .and_then(|m| m.get(&c.by))
                else {
                    // Not in the independent tally: zero units there, or a
                    // combination / per-instance dimension the tally skips.
                    if c.by.is_empty() {
                        assert_eq!(n, 0, "{form_name} {}: total", c.indicator);
                    }
                    continue;
                };
                // Focus-group indicators measured on people: n counts the people of
                // the form's people total over the same groups (issue 14).
                let people = people_total(&form, &c.indicator).and_then(|w| {
                    let &(w_units, _, w_sum) = expected.get(&group)?.get(&w)?.get(&c.by)?;
                    (w_units == units && w_sum >= units as f64).then_some(w_sum as u64)
                });
                assert_eq!(
                    n,
                    people.unwrap_or(units),
                    "{form_name} {} {:?}",
                    c.indicator,
                    c.by
                );
                let want = match meta.kind {
                    IndicatorKind::Count => Some(flags as f64),
                    IndicatorKind::Proportion => {
                        (units > 0).then(|| 100.0 * flags as f64 / units as f64)
                    }
                    IndicatorKind::Mean | IndicatorKind::Score => {
                        (units > 0).then(|| sum / units as f64)
                    }
                    IndicatorKind::Sum => Some(sum),
                };
                match (c.value, want) {
                    (Some(a), Some(b)) => assert!(
                        (a - b).abs() < 1e-6,
                        "{form_name} {}: {a} vs {b}",
                        c.indicator
                    ),
                    (a, b) => assert_eq!(a, b),
                }
                checked_cells += 1;
            }
        }
        // Serialized batches and every export: no text, date or GPS answer.
        scan(
            &serde_json::to_string(&batches).unwrap(),
            &tokens,
            "a batch",
        );
        for f in [Format::Csv, Format::Hxl] {
            let bytes = export(&batches, f).unwrap();
            scan(&String::from_utf8(bytes).unwrap(), &tokens, "an export");
        }
        let x = export(&batches, Format::Xlsx).unwrap();
        scan(&xlsx_text(&x), &tokens, "the xlsx export");
        // A release and an export reach the audit log.
        if let Some(p) = previews
            .iter()
            .find(|p| p.releasable == Releasability::Releasable)
        {
            assert!(release::record_release(&mut vault, &form, p, now).unwrap());
        }
        release::audit(&mut vault, "export-csv", &form.form_id, &batches, now).unwrap();
    }
    // A withdrawal removes the sealed contributions with the submission, at once.
    let count = |v: &mut Vault| {
        v.for_each_contribution("womens_participation", now, |_, _| {})
            .unwrap()
    };
    let before = count(&mut vault);
    vault.withdraw("uuid:womens_participation-7", now).unwrap();
    assert_eq!(count(&mut vault), before - 1);
    assert!(checked_cells > 300, "only {checked_cells} cells checked");
    assert!(
        tokens.len() > 100,
        "the scan needs answers to look for: {}",
        tokens.len()
    );
    let log = vault.audit_events(now).unwrap();
    let details: Vec<String> = log.iter().map(|e| format!("{e:?}")).collect();
    assert!(details.iter().any(|d| d.contains("release form=")));
    assert!(details.iter().any(|d| d.contains("export-csv form=")));
    scan(&details.join("\n"), &tokens, "the audit log");
}

/// A vault holding contributions in both stored forms (the JSON written before the
/// compact record, and the compact record `release::finalize` writes now) aggregates
/// exactly as folding the same values directly; a damaged record is a clear error.
#[test]
fn old_and_new_stored_contributions_aggregate_alike() {
    use lantern_core::aggregate::{Contributions, Fold, Plan, Unit, UnitValue};
    let tmp = tempfile::tempdir().unwrap();
    let cfg = VaultConfig {
        kdf: KdfParams::INSECURE_FAST_FOR_TESTS,
        idle_lock: chrono::TimeDelta::hours(1),
    };
    let now = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
    let mut vault = Vault::create(tmp.path(), b"field team passphrase", cfg, now).unwrap();
    let bytes = std::fs::read(forms_dir().join("womens_participation.xlsx")).unwrap();
    let form = import_bytes(&bytes, WorkbookFormat::Xlsx, "womens_participation")
        .form
        .unwrap();
    vault
        .add_form(
            &FormRecord {
                form_id: form.form_id.clone(),
                version: form.version.clone(),
                definition: bytes.clone(),
                retention_days: None,
                media: Vec::new(),
            },
            now,
        )
        .unwrap();
    let plan = Plan::new(&form).unwrap();
    let mut rng = Rng(0x0dd5_eed5);
    let mut direct = Fold::new(plan.clone());
    let mut drafts = Vec::new();
    let mut items = Vec::new();
    for i in 0..300u64 {
        let consent = rng.next(8) != 0;
        let indicators = plan
            .indicators
            .iter()
            .map(|p| {
                if !consent || rng.next(3) == 0 {
                    return vec![];
                }
                let keys = p
                    .values
                    .iter()
                    .map(|v| {
                        (!v.is_empty() && rng.next(5) != 0)
                            .then(|| v[rng.next(v.len() as u64) as usize].clone())
                    })
                    .collect();
                let value = match p.meta.kind {
                    IndicatorKind::Count | IndicatorKind::Proportion => {
                        UnitValue::Flag(rng.next(2) == 0)
                    }
                    _ => UnitValue::Number(rng.next(40) as f64 / 4.0),
                };
                vec![Unit { value, keys }]
            })
            .collect();
        let c = Contributions {
            form_id: form.form_id.clone(),
            form_version: form.version.clone(),
            site: format!("SO2401-000{}", 1 + rng.next(3)),
            round: Some(
                if rng.next(2) == 0 {
                    "baseline"
                } else {
                    "endline"
                }
                .into(),
            ),
            period: "2026-11".into(),
            consent,
            indicators,
        };
        direct.add(&c);
        let id = format!("uuid:mixed-{i}");
        drafts.push((
            SubmissionMeta {
                id: id.clone(),
                form_id: form.form_id.clone(),
                form_version: form.version.clone(),
            },
            json!({"instance": {}}),
        ));
        // Every other submission as stored before the compact record existed.
        let stored = if i % 2 == 0 {
            serde_json::to_vec(&c).unwrap()
        } else {
            c.encode().to_vec()
        };
        items.push((id, stored));
    }
    vault.save_drafts(&drafts, now).unwrap();
    vault.finalize_many_with_contributions(&items, now).unwrap();
    let folded = release::fold(&mut vault, &form, now).unwrap();
    assert_eq!(folded.without_contributions, 0);
    let groups: Vec<_> = direct.groups().map(|(k, _)| k.clone()).collect();
    assert_eq!(
        folded
            .fold
            .groups()
            .map(|(k, _)| k.clone())
            .collect::<Vec<_>>(),
        groups
    );
    for (site, round) in &groups {
        let a = folded
            .fold
            .batch(site, round.as_deref(), uuid::Uuid::nil(), 1, "2026-11-30")
            .unwrap();
        let b = direct
            .batch(site, round.as_deref(), uuid::Uuid::nil(), 1, "2026-11-30")
            .unwrap();
        assert_eq!(a, b, "{site} {round:?}");
        let consenting = direct
            .groups()
            .find(|(k, _)| **k == (site.clone(), round.clone()))
            .unwrap()
            .1
            .consenting;
        assert_eq!(
            folded.ids[&(site.clone(), round.clone())].len() as u64,
            consenting
        );
    }
    // A record that is neither form: a clear error naming the submission, not a panic.
    vault
        .put_contributions("uuid:mixed-1", b"\xffLC2\x05", now)
        .unwrap();
    match release::fold(&mut vault, &form, now) {
        Err(release::ReleaseError::Corrupt(id)) => assert_eq!(id, "uuid:mixed-1"),
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("a damaged record was folded"),
    }
}

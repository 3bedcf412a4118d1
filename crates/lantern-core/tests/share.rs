//! `capture::share` on a real vault filled with the camp safety audit: the results the
//! device shows (hidden cells only as "fewer than k", the sector risk profile, the
//! action plan), the send preview and the approval of exactly the previewed bytes, and
//! the successive-release hold after a withdrawal.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use lantern_core::capture::dto::{BatchState, Release, RiskLevel, Shown};
use lantern_core::capture::library::{Library, LoadedForm};
use lantern_core::capture::settings::export_releasable;
use lantern_core::capture::{self, Capture, CaptureError, share};
use lantern_core::vault::{KdfParams, Vault, VaultConfig};

const FORM: &str = "camp_safety_audit";
const SITE: &str = "SO2401-0001";

fn forms_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../forms")
}

fn now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-11-23T09:45:00Z").unwrap()
}

fn utc() -> DateTime<Utc> {
    now().to_utc()
}

fn cfg() -> VaultConfig {
    VaultConfig {
        kdf: KdfParams::INSECURE_FAST_FOR_TESTS,
        idle_lock: TimeDelta::minutes(5),
    }
}

fn answers(scenario: &str) -> serde_json::Map<String, serde_json::Value> {
    let path = forms_dir().join(format!("scenarios/{FORM}/{scenario}.json"));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut a = v["answers"].as_object().unwrap().clone();
    a.insert("site".into(), SITE.into());
    a
}

fn form() -> Arc<LoadedForm> {
    Library::new(forms_dir()).get(FORM, None).unwrap()
}

/// Finalizes one audit; returns its submission id.
fn audit(vault: &mut Vault, scenario: &str, seed: u64) -> String {
    let mut filled = capture::fill(form(), &answers(scenario), seed, now(), Vec::new()).unwrap();
    assert!(capture::store(&mut filled, vault, true, utc()).unwrap());
    filled.draft.id.clone()
}

fn ids() -> impl FnMut() -> uuid::Uuid {
    let mut n = 0u128;
    move || {
        n += 1;
        uuid::Uuid::from_u128(n)
    }
}

fn setup() -> (tempfile::TempDir, Vault, Capture) {
    let tmp = tempfile::tempdir().unwrap();
    let vault = Vault::create(tmp.path(), b"correct horse battery", cfg(), utc()).unwrap();
    (tmp, vault, Capture::new(Library::new(forms_dir())))
}

#[test]
fn results_show_hidden_cells_only_as_fewer_than_k_and_rate_each_sector() {
    let (_tmp, mut vault, capture) = setup();
    for seed in 0..4 {
        audit(&mut vault, "worst_case", seed);
    }
    audit(&mut vault, "typical", 10);

    let groups = capture
        .share_groups(&mut vault, "en", utc(), &mut ids())
        .unwrap();
    assert_eq!(groups.len(), 1, "{groups:?}");
    let g = &groups[0];
    assert_eq!((g.form_id.as_str(), g.site.as_str()), (FORM, SITE));
    assert_eq!(g.responses, 5);
    assert!(g.rated);
    assert_ne!(
        g.site_label, g.site,
        "the site's choice label, not its code"
    );
    assert_eq!(g.release, Release::Releasable);

    let r = capture
        .results(
            &mut vault,
            FORM,
            SITE,
            g.round.as_deref(),
            "en",
            utc(),
            &mut ids(),
        )
        .unwrap();
    assert_eq!(r.min_cell_size, 5);

    // Against the batch a release would carry: every hidden cell of the batch is
    // hidden here with its reason, and nothing of it leaks into the JSON the UI gets.
    let mut hidden = 0;
    let mut released = 0;
    for ind in &r.indicators {
        assert!(!ind.cells.is_empty(), "{} has no cells", ind.name);
        for cell in &ind.cells {
            match &cell.shown {
                Shown::Hidden { fewer_than, .. } => {
                    hidden += 1;
                    assert_eq!(*fewer_than, ind.min_cell);
                    assert!(cell.baseline.is_none());
                    let json = serde_json::to_value(cell).unwrap();
                    let shown = json["shown"].as_object().unwrap();
                    let keys: Vec<&str> = shown.keys().map(String::as_str).collect();
                    assert_eq!(keys.len(), 3, "{keys:?}");
                    for k in ["n", "value", "denominator", "level"] {
                        assert!(!shown.contains_key(k), "hidden cell carries {k}");
                    }
                }
                Shown::Released { .. } => released += 1,
            }
        }
    }
    assert!(released > 0, "the totals of five audits are released");
    let batch_hidden = {
        let stored = lantern_core::release::stored_form(&mut vault, FORM, utc()).unwrap();
        let (previews, _) = lantern_core::release::preview(
            &mut vault,
            &stored,
            Some(SITE),
            None,
            utc(),
            &mut ids(),
        )
        .unwrap();
        previews[0]
            .batch
            .cells
            .iter()
            .filter(|c| c.suppressed)
            .count()
    };
    assert_eq!(hidden, batch_hidden);

    // The worst-case audits dominate: sectors are rated, worst first, and every red or
    // amber rated total is in the action plan, red first, with the form's action.
    assert!(!r.sectors.is_empty());
    assert!(
        r.sectors.windows(2).all(|w| w[0].level >= w[1].level),
        "{:?}",
        r.sectors
    );
    assert_eq!(r.sectors[0].level, Some(RiskLevel::Red), "{:?}", r.sectors);
    let flagged = r
        .indicators
        .iter()
        .filter(|i| matches!(i.level, Some(RiskLevel::Red | RiskLevel::Amber)))
        .count();
    assert_eq!(r.actions.len(), flagged);
    assert!(
        r.actions.windows(2).all(|w| w[0].level >= w[1].level),
        "red before amber"
    );
    assert!(
        r.actions
            .iter()
            .any(|a| a.action.contains("Separate latrines")),
        "{:?}",
        r.actions.iter().map(|a| &a.action).collect::<Vec<_>>()
    );
    for s in &r.sectors {
        let rated = r
            .indicators
            .iter()
            .filter(|i| i.sector.as_deref() == Some(s.sector.as_str()))
            .filter(|i| i.level.is_some())
            .count() as u32;
        assert_eq!(s.red + s.amber + s.green, rated, "{s:?}");
    }

    // In French, the form's French labels and actions.
    let fr = capture
        .results(
            &mut vault,
            FORM,
            SITE,
            g.round.as_deref(),
            "fr",
            utc(),
            &mut ids(),
        )
        .unwrap();
    assert_ne!(fr.indicators[0].label, r.indicators[0].label);
    assert_ne!(fr.actions[0].action, r.actions[0].action);
}

#[test]
fn approval_queues_exactly_the_previewed_bytes_and_nothing_else() {
    let (_tmp, mut vault, mut capture) = setup();
    for seed in 0..5 {
        audit(&mut vault, "typical", seed);
    }
    let round = Some("1");
    let p = capture
        .share_preview(&mut vault, FORM, SITE, round, "en", utc(), &mut ids())
        .unwrap();
    let payload = p.payload.expect("releasable");
    assert_eq!(payload.released + payload.hidden, payload.cells);
    let batch: lantern_protocol::Batch = serde_json::from_str(&payload.body).unwrap();
    assert_eq!(batch.batch_id.to_string(), payload.batch_id);
    assert_eq!(batch.site, SITE);
    assert!(!payload.totals.is_empty());

    // A hash never shown is refused.
    let e = capture
        .share_approve(&mut vault, &"0".repeat(64), utc())
        .unwrap_err();
    assert!(matches!(e, CaptureError::StalePreview), "{e}");

    // The data changed after the preview: the approval is refused, nothing queued.
    let extra = audit(&mut vault, "typical", 99);
    let e = capture
        .share_approve(&mut vault, &payload.hash, utc())
        .unwrap_err();
    assert!(matches!(e, CaptureError::StalePreview), "{e}");
    assert_eq!(e.code(), "share.stale_preview");
    assert!(
        share::sync_view(&mut vault, false, utc())
            .unwrap()
            .items
            .is_empty()
    );
    capture.withdraw(&mut vault, &extra, utc()).unwrap();

    // Preview again, approve: queued with the previewed hash, logged.
    let p = capture
        .share_preview(&mut vault, FORM, SITE, round, "en", utc(), &mut ids())
        .unwrap();
    let payload = p.payload.expect("releasable");
    let item = capture
        .share_approve(&mut vault, &payload.hash, utc())
        .unwrap();
    assert_eq!(item.batch_hash, payload.hash);
    assert_eq!(item.state, BatchState::Queued);
    let view = share::sync_view(&mut vault, false, utc()).unwrap();
    assert_eq!((view.queued, view.items.len()), (1, 1));
    assert!(view.enrollment.is_none());
    let log = vault.audit_events(utc()).unwrap();
    assert!(
        log.iter()
            .any(|e| e.detail.contains(&format!("hash={}", payload.hash))),
        "the approval is in the audit log with the batch hash"
    );
    // Approving the same preview twice is refused.
    assert!(
        capture
            .share_approve(&mut vault, &payload.hash, utc())
            .is_err()
    );
}

#[test]
fn a_withdrawal_is_held_until_enough_changes_accumulate() {
    let (_tmp, mut vault, mut capture) = setup();
    let mut kept = Vec::new();
    for seed in 0..6 {
        kept.push(audit(&mut vault, "typical", seed));
    }
    let round = Some("1");
    let p = capture
        .share_preview(&mut vault, FORM, SITE, round, "en", utc(), &mut ids())
        .unwrap();
    let hash = p.payload.unwrap().hash;
    capture.share_approve(&mut vault, &hash, utc()).unwrap();

    let later = utc() + TimeDelta::minutes(1);
    capture.withdraw(&mut vault, &kept[0], later).unwrap();
    let p = capture
        .share_preview(&mut vault, FORM, SITE, round, "en", later, &mut ids())
        .unwrap();
    assert!(p.payload.is_none(), "nothing may leave yet");
    assert_eq!(
        p.group.release,
        Release::NeedMoreChanges {
            changes: 1,
            needed: 4
        }
    );
    assert_eq!(p.group.responses, 5);

    for seed in 20..24 {
        audit(&mut vault, "typical", seed);
    }
    let p = capture
        .share_preview(&mut vault, FORM, SITE, round, "en", later, &mut ids())
        .unwrap();
    assert_ne!(
        std::mem::discriminant(&p.group.release),
        std::mem::discriminant(&Release::NeedMoreChanges {
            changes: 0,
            needed: 0
        }),
        "five changes reach k: {:?}",
        p.group.release
    );
}

/// The same responses give the same bytes, every time: an approval compares the batch
/// with the one previewed byte for byte, so a sum added in a hash map's order (which
/// changes from one map to the next) made approvals fail at random.
#[test]
fn the_same_responses_always_give_the_same_bytes() {
    let (_tmp, mut vault, mut capture) = setup();
    for seed in 0..4 {
        audit(&mut vault, "worst_case", seed);
    }
    audit(&mut vault, "typical", 10);
    let form = lantern_core::release::stored_form(&mut vault, FORM, utc()).unwrap();
    let mut bodies = std::collections::BTreeSet::new();
    for _ in 0..25 {
        let (previews, _) =
            lantern_core::release::preview(&mut vault, &form, Some(SITE), None, utc(), &mut || {
                uuid::Uuid::from_u128(7)
            })
            .unwrap();
        bodies.insert(serde_json::to_string(&previews[0].batch).unwrap());
    }
    assert_eq!(
        bodies.len(),
        1,
        "the batch differs between two computations"
    );
    // And the app's approval of such a preview goes through.
    let p = capture
        .share_preview(&mut vault, FORM, SITE, Some("1"), "en", utc(), &mut ids())
        .unwrap();
    let hash = p.payload.expect("releasable").hash;
    capture.share_approve(&mut vault, &hash, utc()).unwrap();
}

/// An export is a release: the first goes out and is recorded; the same table may be
/// written again (another format, another meeting) while nothing changes; after a
/// withdrawal it is held, like a batch to send.
#[test]
fn an_export_gives_the_released_table_again_until_a_change_holds_it() {
    let (tmp, mut vault, mut capture) = setup();
    let mut kept = Vec::new();
    for seed in 0..6 {
        kept.push(audit(&mut vault, "typical", seed));
    }
    let request = |format: &str| lantern_core::capture::dto::ExportRequest {
        form_id: FORM.into(),
        site: Some(SITE.into()),
        round: None,
        format: format.into(),
        agreement: "ISP with the GBV sub-cluster".into(),
    };
    let first = tmp.path().join("exports/first.csv");
    let done = export_releasable(&mut vault, &request("csv"), &first, utc(), &mut ids()).unwrap();
    assert_eq!((done.batches, done.held), (1, 0));
    let again = tmp.path().join("exports/again.csv");
    let done = export_releasable(&mut vault, &request("csv"), &again, utc(), &mut ids()).unwrap();
    assert_eq!((done.batches, done.held), (1, 0));
    assert_eq!(
        std::fs::read(&first).unwrap(),
        std::fs::read(&again).unwrap(),
        "the released table, as it was released"
    );
    export_releasable(
        &mut vault,
        &request("xlsx"),
        &tmp.path().join("exports/again.xlsx"),
        utc(),
        &mut ids(),
    )
    .unwrap();

    capture.withdraw(&mut vault, &kept[0], utc()).unwrap();
    let e = export_releasable(
        &mut vault,
        &request("csv"),
        &tmp.path().join("exports/after.csv"),
        utc(),
        &mut ids(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("held back"), "{e}");
    assert!(!tmp.path().join("exports/after.csv").exists());
}

/// The record of what was released is what stops differencing; one that cannot be
/// read must stop a release, never let the next batch out unchecked.
#[test]
fn an_unreadable_release_record_holds_every_release() {
    let (_tmp, mut vault, mut capture) = setup();
    for seed in 0..5 {
        audit(&mut vault, "typical", seed);
    }
    vault
        .set_setting(
            &format!("aggregate.releases.{FORM}"),
            &serde_json::json!("not a release record"),
            utc(),
        )
        .unwrap();
    let e = capture
        .share_preview(&mut vault, FORM, SITE, Some("1"), "en", utc(), &mut ids())
        .unwrap_err();
    assert!(e.to_string().contains("record of what was released"), "{e}");
}

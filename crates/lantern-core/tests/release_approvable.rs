//! `release::approvable` and `release::Held` on a real vault filled with a built-in
//! form: what may be approved for sending, and the sentence when nothing may (no form,
//! drafts only, too few responses for the form's `min_responses`, the
//! successive-release rule right after a release).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use lantern_core::capture::{
    self,
    library::{Library, LoadedForm},
};
use lantern_core::release::{self, ApproveError, Held, LoadError};
use lantern_core::vault::{KdfParams, Vault, VaultConfig};

const FORM: &str = "womens_participation";

fn forms_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../forms")
}

fn now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-11-23T09:45:00Z").unwrap()
}

fn cfg() -> VaultConfig {
    VaultConfig {
        kdf: KdfParams::INSECURE_FAST_FOR_TESTS,
        idle_lock: TimeDelta::minutes(5),
    }
}

fn answers() -> serde_json::Map<String, serde_json::Value> {
    let path = forms_dir().join(format!("scenarios/{FORM}/typical_adult.json"));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["answers"].as_object().unwrap().clone()
}

fn form() -> Arc<LoadedForm> {
    Library::new(forms_dir()).get(FORM, None).unwrap()
}

fn store(vault: &mut Vault, seed: u64, finalize: bool) {
    let mut filled = capture::fill(form(), &answers(), seed, now(), Vec::new()).unwrap();
    assert_eq!(
        capture::store(&mut filled, vault, finalize, now().to_utc()).unwrap(),
        finalize
    );
}

fn approvable(vault: &mut Vault, site: &str) -> Result<release::Approvable, Held> {
    let mut n = 0u128;
    release::approvable(
        vault,
        FORM,
        site,
        Some("baseline"),
        now().to_utc(),
        &mut || {
            n += 1;
            uuid::Uuid::from_u128(n)
        },
    )
    .unwrap()
}

#[test]
fn approvable_says_why_nothing_can_leave_yet() {
    let tmp = tempfile::tempdir().unwrap();
    let t: DateTime<Utc> = now().to_utc();
    let mut vault = Vault::create(tmp.path(), b"correct horse battery", cfg(), t).unwrap();
    let site = answers()["site"].as_str().unwrap().to_owned();

    // No such form in the vault: an error, not a hold.
    let mut id = || uuid::Uuid::from_u128(1);
    match release::approvable(&mut vault, FORM, &site, Some("baseline"), t, &mut id) {
        Err(ApproveError::Load(LoadError::UnknownForm(f))) => assert_eq!(f, FORM),
        other => panic!("expected UnknownForm, got {:?}", other.map(|r| r.is_ok())),
    }

    // A draft only.
    store(&mut vault, 1, false);
    let held = approvable(&mut vault, &site).err().expect("held");
    assert_eq!(
        held,
        Held::NothingFinalized {
            form: FORM.into(),
            site: site.clone(),
            round: Some("baseline".into()),
        }
    );
    assert!(
        held.to_string()
            .contains("no finalized, consenting response"),
        "{held}"
    );

    // Three finalized: approvable (a first release), but every cell is hidden by the
    // form's min_responses, so there is nothing worth sending.
    for seed in 2..=4 {
        store(&mut vault, seed, true);
    }
    let a = approvable(&mut vault, &site).expect("a first release");
    assert_eq!(a.preview.ids.len(), 3);
    let held = release::hold_if_all_hidden(&a.preview.batch).unwrap_err();
    assert!(
        matches!(
            held,
            Held::AllHidden {
                min_responses: true,
                ..
            }
        ),
        "{held:?}"
    );
    assert!(held.to_string().contains("min_responses"), "{held}");

    // Another site has nothing.
    assert!(matches!(
        approvable(&mut vault, "SO9999-0001"),
        Err(Held::NothingFinalized { .. })
    ));

    // Enough responses: cells are released and the batch covers every consenting one.
    for seed in 5..=20 {
        store(&mut vault, seed, true);
    }
    let a = approvable(&mut vault, &site).expect("releasable");
    assert_eq!(a.preview.ids.len(), 19);
    release::hold_if_all_hidden(&a.preview.batch).expect("some cells are released");
    assert!(release::record_release(&mut vault, &a.form, &a.preview, t).unwrap());

    // Right after the release, nothing changed: the successive-release rule holds the
    // next one back, and says how many changes it needs.
    let held = approvable(&mut vault, &site).err().expect("held");
    let Held::NeedMoreChanges { changes, needed } = held.clone() else {
        panic!("expected NeedMoreChanges, got {held:?}");
    };
    assert_eq!(changes, 0);
    assert!(needed > 0);
    assert!(held.to_string().starts_with("Not releasable yet"), "{held}");

    // As many new responses as the rule asks, all alike: comparing the two releases
    // would narrow some cells (the new people's own answers) below the minimum, so the
    // batch is still held, naming those cells.
    for seed in 21..(21 + needed) {
        store(&mut vault, seed, true);
    }
    let held = approvable(&mut vault, &site).err().expect("held");
    let Held::DifferencingRisk { cells } = held.clone() else {
        panic!("expected DifferencingRisk, got {held:?}");
    };
    assert!(cells.iter().any(|c| c == "safe_night {}"), "{cells:?}");
    let text = held.to_string();
    assert!(
        text.contains("safe_night {}") && text.contains("Collect more responses"),
        "{text}"
    );
}

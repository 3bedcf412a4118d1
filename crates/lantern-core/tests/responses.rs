//! `capture::responses` on a real vault: the finalized responses list, the receipt code
//! handed to a respondent and withdrawal by it, and one response read-only.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use lantern_core::capture::dto::{PageContent, ResponseState};
use lantern_core::capture::library::{Library, LoadedForm};
use lantern_core::capture::responses::{normalize_receipt, receipt_code};
use lantern_core::capture::{self, Capture, CaptureError};
use lantern_core::vault::{KdfParams, Vault, VaultConfig};

const FORM: &str = "camp_safety_audit";

fn forms_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../forms")
}

fn now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-11-23T09:45:00Z").unwrap()
}

fn utc() -> DateTime<Utc> {
    now().to_utc()
}

fn form() -> Arc<LoadedForm> {
    Library::new(forms_dir()).get(FORM, None).unwrap()
}

fn answers(scenario: &str) -> serde_json::Map<String, serde_json::Value> {
    let path = forms_dir().join(format!("scenarios/{FORM}/{scenario}.json"));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["answers"].as_object().unwrap().clone()
}

/// Finalizes one audit through a draft, as the app does; returns what finalizing said.
fn audit(
    vault: &mut Vault,
    capture: &mut Capture,
    scenario: &str,
    seed: u64,
) -> lantern_core::capture::dto::Finalized {
    let mut filled = capture::fill(form(), &answers(scenario), seed, now(), Vec::new()).unwrap();
    assert!(filled.finalizable(), "{:?}", filled.blocking);
    capture::ensure_form(vault, &filled.draft.form, utc()).unwrap();
    filled.draft.save(vault, utc()).unwrap();
    let _ = capture;
    filled.draft.finalize(vault, utc()).unwrap()
}

fn setup() -> (tempfile::TempDir, Vault, Capture) {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = VaultConfig {
        kdf: KdfParams::INSECURE_FAST_FOR_TESTS,
        idle_lock: TimeDelta::minutes(5),
    };
    let vault = Vault::create(tmp.path(), b"correct horse battery", cfg, utc()).unwrap();
    (tmp, vault, Capture::new(Library::new(forms_dir())))
}

#[test]
fn receipt_codes_read_back_the_way_people_copy_them() {
    let code = receipt_code(42, "uuid:0b1e");
    assert_eq!(code.len(), 9);
    assert_eq!(&code[4..5], "-");
    assert!(
        code.chars()
            .filter(|c| *c != '-')
            .all(|c| "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(c)),
        "{code}"
    );
    assert_eq!(receipt_code(42, "uuid:0b1e"), code, "deterministic");
    assert_ne!(receipt_code(43, "uuid:0b1e"), code);
    assert_ne!(receipt_code(42, "uuid:0b1f"), code);
    let plain: String = code.chars().filter(|c| *c != '-').collect();
    for typed in [
        code.clone(),
        plain.to_lowercase(),
        format!(" {} {} ", &plain[..4], &plain[4..]),
        code.replace('0', "o").replace('1', "l"),
    ] {
        assert_eq!(
            normalize_receipt(&typed).as_deref(),
            Some(code.as_str()),
            "{typed}"
        );
    }
    for bad in [
        "",
        "ABCD-EFG",
        "ABCD-EFGHJ",
        "ABCD-EFGU",
        "ABCD-ÉFGH",
        "ABCD_EFGH",
    ] {
        assert_eq!(normalize_receipt(bad), None, "{bad}");
    }
}

#[test]
fn a_respondent_withdraws_by_receipt_and_nothing_of_the_response_remains() {
    let (_tmp, mut vault, mut capture) = setup();
    let first = audit(&mut vault, &mut capture, "typical", 1);
    let second = audit(&mut vault, &mut capture, "worst_case", 2);
    let refused = audit(&mut vault, &mut capture, "edge_refused", 3);
    assert!(refused.refusal);
    assert_eq!(refused.receipt, None, "a refusal keeps nothing to withdraw");
    let code = first.receipt.clone().expect("a receipt");
    assert_ne!(Some(code.clone()), second.receipt);

    let rows = capture.submissions(&vault, utc()).unwrap();
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r.state == ResponseState::Kept));
    assert_eq!(rows.iter().filter(|r| r.refusal).count(), 1);
    assert!(rows.iter().all(|r| r.finalized_day == "2026-11-23"));
    assert!(
        rows.iter().all(|r| r.title == "Camp safety audit"),
        "{rows:?}"
    );

    // Found by the code as the respondent reads it out, lower case, no dash.
    let typed = code.replace('-', "").to_lowercase();
    let found = capture
        .find_receipt(&vault, &typed, utc())
        .unwrap()
        .expect("found");
    assert_eq!(found.submission_id, first.submission_id);
    assert!(
        capture
            .find_receipt(&vault, "ZZZZ-ZZZZ", utc())
            .unwrap()
            .is_none()
    );
    let bad = capture
        .find_receipt(&vault, "not a receipt", utc())
        .unwrap_err();
    assert!(matches!(bad, CaptureError::BadReceipt), "{bad}");
    assert_eq!(bad.code(), "capture.bad_receipt");

    // Read-only: the answers on the form's pages.
    let view = capture
        .submission_view(&vault, &first.submission_id, Some("en"), now())
        .unwrap();
    assert_eq!(view.receipt.as_deref(), Some(code.as_str()));
    assert!(view.pages.len() > 3, "{}", view.pages.len());
    let answered = view
        .pages
        .iter()
        .flat_map(|p| match &p.content {
            PageContent::Questions { questions, .. } => questions.clone(),
            _ => Vec::new(),
        })
        .filter(|q| !q.value.is_empty())
        .count();
    assert!(answered > 5, "{answered} answers shown");

    // Withdraw: gone from the list, not found by its code, logged by id only.
    capture
        .withdraw_response(&mut vault, &found.submission_id, utc())
        .unwrap();
    let rows = capture.submissions(&vault, utc()).unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.submission_id != first.submission_id));
    assert!(
        capture
            .find_receipt(&vault, &code, utc())
            .unwrap()
            .is_none()
    );
    let log = vault.audit_events(utc()).unwrap();
    let entry = log
        .iter()
        .find(|e| e.event == "withdraw")
        .expect("a withdraw entry");
    assert_eq!(entry.detail, format!("id={}", first.submission_id));
    // A draft is not withdrawn through this path.
    assert!(
        capture
            .withdraw_response(&mut vault, "uuid:nope", utc())
            .is_err()
    );
}

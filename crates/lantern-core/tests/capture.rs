//! The application layer end to end on the built-in forms and a real vault: start a
//! draft, answer page by page (repeats included), lose the process, resume from the
//! vault with every answer back (non-relevant ones too), finalize, count on home,
//! withdraw.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use lantern_core::capture::content::{Content, Stored};
use lantern_core::capture::dto::{self, Nav, PageContent, StartDraft};
use lantern_core::capture::library::{Library, LoadedForm};
use lantern_core::capture::{self, Capture};
use lantern_core::vault::{KdfParams, ListFilter, Status, Vault, VaultConfig};

fn forms_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../forms")
}

fn now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-11-23T08:00:00+03:00").unwrap()
}

fn cfg() -> VaultConfig {
    VaultConfig {
        kdf: KdfParams::INSECURE_FAST_FOR_TESTS,
        idle_lock: TimeDelta::minutes(5),
    }
}

fn utc() -> DateTime<Utc> {
    now().to_utc()
}

fn start(
    capture: &mut Capture,
    vault: &mut Vault,
    form: &str,
    site: Option<&str>,
    seed: u64,
) -> dto::DraftView {
    capture
        .start(
            vault,
            &StartDraft {
                form_id: form.into(),
                version: None,
                site: site.map(str::to_string),
                round: None,
                ui_language: Some("en".into()),
            },
            seed,
            now(),
        )
        .unwrap()
}

fn questions(view: &dto::DraftView) -> &[dto::Question] {
    match &view.page.content {
        PageContent::Questions { questions, .. } => questions,
        PageContent::RepeatPrompt { .. } => &[],
    }
}

#[test]
fn start_answer_lose_the_process_resume_finalize_withdraw() {
    let tmp = tempfile::tempdir().unwrap();
    let mut vault = Vault::create(tmp.path(), b"correct horse battery", cfg(), utc()).unwrap();
    let mut capture = Capture::new(Library::new(forms_dir()));

    let view = start(
        &mut capture,
        &mut vault,
        "camp_safety_audit",
        Some("SO2401-0001"),
        7,
    );
    let id = view.draft_id.clone();
    // The form's own order: the site first, pre-filled with the site chosen on home.
    assert_eq!(questions(&view)[0].name, "site", "{view:#?}");
    assert_eq!(questions(&view)[0].value, "SO2401-0001");
    assert!(view.at_start);
    // Saved at once, in the vault and typed.
    let stored = vault.open_submission(&id, utc()).unwrap();
    assert!(matches!(
        Stored::parse(&stored.content),
        Some(Stored::Current(Content::Draft(_)))
    ));

    let t = utc();
    // The second edition asks the round, walk time and site type before consent.
    for (name, value) in [
        ("round", "1"),
        ("walk_time", "day"),
        ("site_type", "planned"),
    ] {
        capture.answer(&mut vault, &id, name, value, t).unwrap();
    }
    let view = capture
        .answer(&mut vault, &id, "site_consent", "yes", t)
        .unwrap();
    assert_eq!(view.ending, None);
    // The site chosen on home pre-filled the site question once consent made it relevant.
    let next = capture.go(&mut vault, &id, &Nav::Next, t).unwrap();
    assert!(!next.at_start && next.progress.position == 2, "{next:#?}");
    let draft = capture.draft(&id).unwrap();
    assert_eq!(draft.session.value("site").unwrap(), "SO2401-0001");

    // A skip: the latrine questions depend on how many were sampled.
    capture
        .answer(&mut vault, &id, "latrines_sampled", "10", t)
        .unwrap();
    capture
        .answer(&mut vault, &id, "latrines_segregated", "6", t)
        .unwrap();
    // A value that becomes non-relevant must survive the round trip.
    capture
        .answer(&mut vault, &id, "latrines_sampled", "0", t)
        .unwrap();
    let relevant_after_zero = capture
        .draft(&id)
        .unwrap()
        .session
        .is_relevant("latrines_segregated")
        .unwrap();

    // Repeats: two focus groups through the "add another" page.
    let index = capture.draft(&id).unwrap().index();
    let prompt = index
        .iter()
        .find(|e| e.label.to_lowercase().contains("focus"))
        .map(|e| e.index);
    let prompt_view = capture
        .go(
            &mut vault,
            &id,
            &Nav::Page {
                index: prompt.unwrap_or(0),
            },
            t,
        )
        .unwrap();
    let repeat = match &prompt_view.page.content {
        PageContent::RepeatPrompt { repeat, count, .. } => {
            // As in ODK Collect, the first instance is there already.
            assert_eq!(*count, 1);
            repeat.clone()
        }
        other => panic!("expected the focus-group prompt, got {other:#?}"),
    };
    capture
        .answer(&mut vault, &id, &format!("{repeat}[1]/fg_type"), "women", t)
        .unwrap();
    capture
        .answer(
            &mut vault,
            &id,
            &format!("{repeat}[1]/fg_consent"),
            "yes",
            t,
        )
        .unwrap();
    let second = capture
        .step(
            &mut vault,
            &id,
            capture::content::Step::AddRepeat {
                repeat: repeat.clone(),
            },
            t,
        )
        .unwrap();
    // Adding shows the new instance's first page.
    assert!(
        second.page.path.starts_with(&format!("{repeat}[2]/")),
        "{}",
        second.page.path
    );
    capture
        .answer(&mut vault, &id, &format!("{repeat}[2]/fg_type"), "women", t)
        .unwrap();
    capture
        .answer(
            &mut vault,
            &id,
            &format!("{repeat}[2]/fg_consent"),
            "yes",
            t,
        )
        .unwrap();
    let before = capture.draft(&id).unwrap().session.snapshot();
    let page_before = capture.draft(&id).unwrap().page.clone();

    // The process dies: nothing in memory survives. A new vault handle and a new
    // capture read the draft back.
    drop(capture);
    drop(vault);
    let mut vault = Vault::open(tmp.path(), cfg(), utc()).unwrap();
    vault.unlock(b"correct horse battery", utc()).unwrap();
    let mut capture = Capture::new(Library::new(forms_dir()));
    let home = capture.home(&vault, "en", utc()).unwrap();
    assert_eq!(home.drafts.len(), 1);
    assert_eq!(home.drafts[0].site.as_deref(), Some("SO2401-0001"));
    let resumed = capture.resume(&vault, &id, Some("en"), now()).unwrap();
    assert_eq!(
        Some(resumed.page.path.clone()),
        page_before,
        "resume opens where it was left"
    );
    let after = capture.draft(&id).unwrap().session.snapshot();
    assert_eq!(
        before, after,
        "every node's value and state restored, repeats included"
    );
    // The non-relevant answer came back with the seed: undoing the skip shows it again.
    assert!(
        !relevant_after_zero,
        "0 latrines sampled skips the latrine questions"
    );
    capture
        .answer(&mut vault, &id, "latrines_sampled", "10", t)
        .unwrap();
    assert_eq!(
        capture
            .draft(&id)
            .unwrap()
            .session
            .value("latrines_segregated")
            .unwrap(),
        "6"
    );

    // Not finalizable yet: the check lists what blocks, each with its page.
    let check = capture.check(&id).unwrap();
    assert!(!check.finalizable && !check.blocking.is_empty());
    let err = capture.finalize(&mut vault, &id, t).unwrap_err();
    assert_eq!(err.code(), "capture.not_finalizable");

    // Withdraw (discard) removes it for good.
    capture.withdraw(&mut vault, &id, t).unwrap();
    assert!(vault.list(&ListFilter::default()).unwrap().is_empty());
    assert_eq!(
        capture.resume(&vault, &id, None, now()).unwrap_err().code(),
        "capture.unknown_draft"
    );
}

fn scenario(form: &str, name: &str) -> serde_json::Map<String, serde_json::Value> {
    let path = forms_dir().join(format!("scenarios/{form}/{name}.json"));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["answers"].as_object().unwrap().clone()
}

fn loaded(form: &str) -> Arc<LoadedForm> {
    Library::new(forms_dir()).get(form, None).unwrap()
}

/// The camp safety audit filled headlessly from its `typical` scenario.
fn typical_audit() -> capture::Filled {
    capture::fill(
        loaded("camp_safety_audit"),
        &scenario("camp_safety_audit", "typical"),
        1,
        now(),
        Vec::new(),
    )
    .unwrap()
}

#[test]
fn a_filled_scenario_finalizes_and_is_counted_on_home_per_site() {
    let tmp = tempfile::tempdir().unwrap();
    let mut vault = Vault::create(tmp.path(), b"correct horse battery", cfg(), utc()).unwrap();
    let mut filled = typical_audit();
    assert!(filled.finalizable(), "{:?}", filled.blocking);
    // The journal of a headless fill rebuilds the same session.
    let Content::Draft(content) = filled.draft.content() else {
        panic!()
    };
    let rebuilt =
        capture::Draft::restore(&filled.draft.id, loaded("camp_safety_audit"), content, None)
            .unwrap();
    assert_eq!(rebuilt.session.result(), filled.draft.session.result());
    assert!(capture::store(&mut filled, &mut vault, true, utc()).unwrap());

    let mut refused = capture::fill(
        loaded("camp_safety_audit"),
        &scenario("camp_safety_audit", "edge_refused"),
        2,
        now(),
        Vec::new(),
    )
    .unwrap();
    refused.draft.site = Some("SO2401-0001".into());
    assert!(capture::store(&mut refused, &mut vault, true, utc()).unwrap());
    let stored = vault.open_submission(&refused.draft.id, utc()).unwrap();
    assert_eq!(stored.summary.status, Status::Finalized);
    // Only the refusal record is kept, with its site.
    assert_eq!(stored.content["format"], "lantern.refusal/1");
    assert_eq!(stored.content["site"], "SO2401-0001");
    assert_eq!(
        stored.content.as_object().unwrap().len(),
        5,
        "format, form, version, site and round only: {}",
        stored.content
    );

    // Finalizing sealed each response's indicator contributions beside it (issue 12).
    assert_eq!(
        vault
            .submissions_without_contributions("camp_safety_audit")
            .unwrap(),
        Vec::<String>::new()
    );

    let capture = Capture::new(Library::new(forms_dir()));
    let home = capture.home(&vault, "fr", utc()).unwrap();
    // Counted per form, site and round.
    let (count, refusals) = home
        .finalized
        .iter()
        .filter(|c| c.form_id == "camp_safety_audit" && c.site.as_deref() == Some("SO2401-0001"))
        .fold((0, 0), |(n, r), c| (n + c.count, r + c.refusals));
    assert_eq!((count, refusals), (1, 1), "{:#?}", home.finalized);
    let card = home
        .forms
        .iter()
        .find_map(|f| match f {
            dto::FormCard::Ok { form_id, sites, .. } if form_id == "camp_safety_audit" => {
                Some(sites)
            }
            _ => None,
        })
        .unwrap();
    assert!(card.iter().any(|s| s.name == "SO2401-0001"), "{card:?}");
}

#[test]
fn refusal_at_the_consent_gate_ends_the_form_in_the_window_too() {
    let tmp = tempfile::tempdir().unwrap();
    let mut vault = Vault::create(tmp.path(), b"correct horse battery", cfg(), utc()).unwrap();
    let mut filled = capture::fill(
        loaded("womens_participation"),
        &scenario("womens_participation", "edge_refused"),
        3,
        now(),
        Vec::new(),
    )
    .unwrap();
    let blocking = filled.draft.session.validate_all();
    assert_eq!(filled.draft.ending(&blocking), Some(dto::Ending::Refused));
    assert!(capture::store(&mut filled, &mut vault, true, utc()).unwrap());
    let stored = vault.open_submission(&filled.draft.id, utc()).unwrap();
    assert_eq!(stored.content["format"], "lantern.refusal/1");
}

#[test]
fn the_form_opens_in_the_ui_language_and_switches_mid_form() {
    let tmp = tempfile::tempdir().unwrap();
    let mut vault = Vault::create(tmp.path(), b"correct horse battery", cfg(), utc()).unwrap();
    let mut capture = Capture::new(Library::new(forms_dir()));
    let view = capture
        .start(
            &mut vault,
            &StartDraft {
                form_id: "womens_participation".into(),
                version: None,
                site: None,
                round: None,
                ui_language: Some("ar".into()),
            },
            5,
            now(),
        )
        .unwrap();
    assert!(
        view.language.contains("ar"),
        "{} of {:?}",
        view.language,
        view.languages
    );
    let english = view
        .languages
        .iter()
        .find(|l| l.contains("en"))
        .unwrap()
        .clone();
    let view = capture
        .set_language(&mut vault, &view.draft_id, &english, utc())
        .unwrap();
    assert_eq!(view.language, english);
    assert!(
        questions(&view)[0].label.is_ascii(),
        "{:?}",
        questions(&view)[0].label
    );
}

#[test]
fn a_locked_vault_refuses_autosave_and_nothing_is_lost() {
    let tmp = tempfile::tempdir().unwrap();
    let mut vault = Vault::create(tmp.path(), b"correct horse battery", cfg(), utc()).unwrap();
    let mut capture = Capture::new(Library::new(forms_dir()));
    let id = start(&mut capture, &mut vault, "camp_safety_audit", None, 9).draft_id;
    capture
        .answer(&mut vault, &id, "site_consent", "yes", utc())
        .unwrap();
    vault.lock();
    let err = capture
        .answer(&mut vault, &id, "site", "SO2401-0001", utc())
        .unwrap_err();
    assert_eq!(err.code(), "vault.locked");
    capture.forget_all();
    vault.unlock(b"correct horse battery", utc()).unwrap();
    capture.resume(&vault, &id, None, now()).unwrap();
    assert_eq!(
        capture
            .draft(&id)
            .unwrap()
            .session
            .value("site_consent")
            .unwrap(),
        "yes"
    );
}

/// A backup carries each finalized response's sealed indicator contributions, so a vault
/// restored after a lost phone aggregates what the lost one did (issue 13, item 8).
#[test]
fn a_restored_backup_keeps_the_indicator_contributions() {
    use lantern_core::vault::backup::{BackupRecipient, BackupSecret};
    let tmp = tempfile::tempdir().unwrap();
    let mut vault = Vault::create(
        &tmp.path().join("v"),
        b"correct horse battery",
        cfg(),
        utc(),
    )
    .unwrap();
    let mut filled = typical_audit();
    assert!(capture::store(&mut filled, &mut vault, true, utc()).unwrap());
    let contributions = |v: &mut Vault| {
        let mut seen = Vec::new();
        v.for_each_contribution("camp_safety_audit", utc(), |id, plain| {
            seen.push((id.to_string(), plain.to_vec()))
        })
        .unwrap();
        seen
    };
    let before = contributions(&mut vault);
    assert_eq!(before.len(), 1);

    let file = tmp.path().join("backup");
    vault
        .backup(
            &file,
            BackupRecipient::Passphrase(b"backup passphrase ok"),
            utc(),
        )
        .unwrap();
    let mut restored = Vault::restore(
        &file,
        BackupSecret::Passphrase(b"backup passphrase ok"),
        &tmp.path().join("r"),
        b"second passphrase two",
        cfg(),
        utc(),
    )
    .unwrap();
    assert_eq!(contributions(&mut restored), before);
    assert!(
        restored
            .submissions_without_contributions("camp_safety_audit")
            .unwrap()
            .is_empty()
    );
}

/// A plain ODK form as a team brings it: no `purpose` sheet, a name and a GPS point.
fn plain_odk_form() -> Vec<u8> {
    let rows: &[&[&str]] = &[
        &["type", "name", "label"],
        &["text", "respondent", "What is your name?"],
        &["geopoint", "shelter", "Shelter location"],
        &["integer", "people", "People in the household"],
    ];
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet().set_name("survey").unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *cell).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

/// A do-no-harm finding reduced to what the test compares: code, severity, row.
type Finding = (String, dto::FindingSeverity, Option<u32>);

/// Issue 14: home lists each form's do-no-harm findings, located. A plain ODK form
/// stays usable with warnings; a form meant for shared aggregates that exposes people
/// is unusable, and its card says exactly which rows to fix.
#[test]
fn home_lists_each_forms_do_no_harm_findings() {
    let forms = tempfile::tempdir().unwrap();
    std::fs::write(forms.path().join("household_visit.xlsx"), plain_odk_form()).unwrap();
    std::fs::copy(
        forms_dir().join("verify/exposing_form.xlsx"),
        forms.path().join("exposing_form.xlsx"),
    )
    .unwrap();
    std::fs::copy(
        forms_dir().join("camp_safety_audit.xlsx"),
        forms.path().join("camp_safety_audit.xlsx"),
    )
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let vault = Vault::create(tmp.path(), b"correct horse battery", cfg(), utc()).unwrap();
    let home = Capture::new(Library::new(forms.path()))
        .home(&vault, "en", utc())
        .unwrap();
    let found = |file: &str| -> (&'static str, Vec<Finding>) {
        let (status, policy) = match home.forms.iter().find(|f| match f {
            dto::FormCard::Ok { file: f, .. } | dto::FormCard::Broken { file: f, .. } => f == file,
        }) {
            Some(dto::FormCard::Ok { policy, .. }) => ("ok", policy),
            Some(dto::FormCard::Broken { policy, .. }) => ("broken", policy),
            None => panic!("{file} is not on home: {:#?}", home.forms),
        };
        assert!(
            policy
                .iter()
                .all(|p| !p.message.is_empty() && p.sheet == "survey")
        );
        (
            status,
            policy
                .iter()
                .map(|p| (p.code.clone(), p.severity, p.row))
                .collect(),
        )
    };
    use dto::FindingSeverity::{Error, Warning};
    assert_eq!(found("camp_safety_audit.xlsx"), ("ok", Vec::new()));
    assert_eq!(
        found("household_visit.xlsx"),
        (
            "ok",
            vec![
                ("policy.name".to_string(), Warning, Some(2)),
                ("policy.identifying_type".to_string(), Warning, Some(3)),
            ]
        )
    );
    assert_eq!(
        found("exposing_form.xlsx"),
        (
            "broken",
            vec![
                ("policy.name".to_string(), Error, Some(4)),
                ("policy.identifying_type".to_string(), Error, Some(5)),
                ("policy.free_text_shared".to_string(), Error, Some(6)),
            ]
        )
    );
}

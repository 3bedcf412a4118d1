//! The vault's life as a field worker sees it: drafts saved on every change, finalized,
//! withdrawn; locked, auto-locked, unlocked with the right and the wrong passphrase;
//! passphrase change, schema migration, retention purge, audit log and backups.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use lantern_core::vault::backup::OrgSecretKey;
use lantern_core::vault::backup::{BackupRecipient, BackupSecret};
use lantern_core::vault::{
    FormRecord, KdfParams, ListFilter, Status, SubmissionMeta, Vault, VaultConfig, VaultError,
};
use serde_json::json;

fn cfg() -> VaultConfig {
    VaultConfig {
        kdf: KdfParams::INSECURE_FAST_FOR_TESTS,
        idle_lock: TimeDelta::minutes(5),
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()
}

fn meta(id: &str, form: &str) -> SubmissionMeta {
    SubmissionMeta {
        id: id.into(),
        form_id: form.into(),
        form_version: "2026030101".into(),
    }
}

fn new_vault(dir: &std::path::Path) -> Vault {
    Vault::create(dir, b"correct horse battery", cfg(), t0()).unwrap()
}

#[test]
fn draft_finalize_withdraw() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = new_vault(tmp.path());
    let m = meta("uuid:a", "gbv_safety_audit");
    v.save_draft(&m, &json!({"lighting": "poor"}), t0())
        .unwrap();
    v.save_draft(&m, &json!({"lighting": "poor", "latrines": 3}), t0())
        .unwrap();
    let sub = v.open_submission("uuid:a", t0()).unwrap();
    assert_eq!(sub.content, json!({"lighting": "poor", "latrines": 3}));
    assert_eq!(sub.summary.status, Status::Draft);
    assert_eq!(sub.summary.created_day, "2026-03-01");

    v.finalize("uuid:a", t0()).unwrap();
    let err = v
        .save_draft(&m, &json!({"lighting": "good"}), t0())
        .unwrap_err();
    assert_eq!(err.code(), "vault.frozen");
    assert_eq!(
        v.finalize("uuid:a", t0()).unwrap_err().code(),
        "vault.frozen"
    );
    let sub = v.open_submission("uuid:a", t0()).unwrap();
    assert_eq!(sub.summary.status, Status::Finalized);
    assert_eq!(sub.content["latrines"], 3);

    // A draft cannot silently move to another form.
    let other = meta("uuid:a2", "site_visit_check");
    v.save_draft(&other, &json!({}), t0()).unwrap();
    let moved = SubmissionMeta {
        form_id: "gbv_safety_audit".into(),
        ..other.clone()
    };
    assert_eq!(
        v.save_draft(&moved, &json!({}), t0()).unwrap_err().code(),
        "vault.invalid_input"
    );

    let s = v.status().unwrap();
    assert_eq!((s.drafts, s.finalized), (Some(1), Some(1)));
    v.withdraw("uuid:a", t0()).unwrap();
    assert_eq!(
        v.open_submission("uuid:a", t0()).unwrap_err().code(),
        "vault.no_such_submission"
    );
    assert_eq!(
        v.withdraw("uuid:a", t0()).unwrap_err().code(),
        "vault.no_such_submission"
    );
    let events: Vec<String> = v
        .audit_events(t0())
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(
        events,
        [
            "vault_created",
            "submission_created",
            "finalize",
            "submission_created",
            "withdraw"
        ]
    );
    assert_eq!(v.verify_log().unwrap(), 5);
}

#[test]
fn list_filters_and_works_while_locked() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = new_vault(tmp.path());
    for i in 0..5 {
        let form = if i % 2 == 0 { "a" } else { "b" };
        v.save_draft(&meta(&format!("s{i}"), form), &json!({"i": i}), t0())
            .unwrap();
    }
    v.finalize("s0", t0()).unwrap();
    v.lock();
    let all = v.list(&ListFilter::default()).unwrap();
    assert_eq!(all.len(), 5);
    let a_drafts = v
        .list(&ListFilter {
            form_id: Some("a".into()),
            status: Some(Status::Draft),
        })
        .unwrap();
    let ids: Vec<_> = a_drafts.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["s2", "s4"]);
    assert_eq!(
        v.open_submission("s0", t0()).unwrap_err().code(),
        "vault.locked"
    );
}

#[test]
fn wrong_passphrase_is_counted_and_logged_then_right_one_unlocks() {
    let tmp = tempfile::tempdir().unwrap();
    {
        let mut v = new_vault(tmp.path());
        v.save_draft(&meta("x", "f"), &json!({"q": "v"}), t0())
            .unwrap();
    }
    let mut v = Vault::open(tmp.path(), cfg(), t0()).unwrap();
    assert!(!v.is_unlocked());
    for n in 1..=2 {
        let err = v.unlock(b"wrong", t0()).unwrap_err();
        assert!(matches!(err, VaultError::WrongPassphrase));
        assert_eq!(err.to_string(), "wrong passphrase");
        assert_eq!(v.status().unwrap().failed_unlocks, n);
    }
    // Written while locked, so in clear: the day only, no detail (the count is in
    // the header).
    let failed: Vec<(String, String)> = v
        .audit_entries()
        .unwrap()
        .into_iter()
        .filter(|e| e.event == "unlock_failed")
        .map(|e| (e.at, e.detail))
        .collect();
    assert_eq!(
        failed,
        [
            ("2026-03-01".to_string(), String::new()),
            ("2026-03-01".to_string(), String::new())
        ]
    );
    v.unlock(b"correct horse battery", t0()).unwrap();
    assert_eq!(v.status().unwrap().failed_unlocks, 0);
    assert_eq!(
        v.open_submission("x", t0()).unwrap().content,
        json!({"q": "v"})
    );
    v.verify_log().unwrap();
}

#[test]
fn auto_lock_after_idle_time_and_lock_forgets_the_key() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = new_vault(tmp.path());
    let m = meta("x", "f");
    v.save_draft(&m, &json!({}), t0()).unwrap();
    // Activity within the idle time keeps it open.
    v.save_draft(&m, &json!({}), t0() + TimeDelta::minutes(4))
        .unwrap();
    assert!(!v.lock_if_idle(t0() + TimeDelta::minutes(8)));
    let late = t0() + TimeDelta::minutes(10);
    assert_eq!(
        v.save_draft(&m, &json!({}), late).unwrap_err().code(),
        "vault.locked"
    );
    assert!(!v.is_unlocked());
    v.unlock(b"correct horse battery", late).unwrap();
    assert!(v.lock_if_idle(late + TimeDelta::minutes(6)));
    v.unlock(b"correct horse battery", late).unwrap();
    v.lock();
    assert_eq!(
        v.open_submission("x", late).unwrap_err().code(),
        "vault.locked"
    );
}

/// Since issue 13 a passphrase change re-keys: every record is re-sealed under a new
/// data key (H1), so the ciphertext changes and still opens under the new passphrase.
#[test]
fn passphrase_change_rekeys_every_record() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = new_vault(tmp.path());
    v.save_draft(&meta("x", "f"), &json!({"a": 1}), t0())
        .unwrap();
    let sealed_before = raw_sealed(tmp.path(), "x");
    assert_eq!(
        v.change_passphrase(b"nope", b"a brand new passphrase", t0())
            .unwrap_err()
            .code(),
        "vault.wrong_passphrase"
    );
    v.change_passphrase(b"correct horse battery", b"a brand new passphrase", t0())
        .unwrap();
    assert_ne!(raw_sealed(tmp.path(), "x"), sealed_before);
    drop(v);
    let mut v = Vault::open(tmp.path(), cfg(), t0()).unwrap();
    assert!(v.unlock(b"correct horse battery", t0()).is_err());
    v.unlock(b"a brand new passphrase", t0()).unwrap();
    assert_eq!(
        v.open_submission("x", t0()).unwrap().content,
        json!({"a": 1})
    );
}

fn raw_sealed(dir: &std::path::Path, id: &str) -> Vec<u8> {
    let conn = rusqlite::Connection::open(dir.join("vault.db")).unwrap();
    conn.query_row("SELECT sealed FROM submissions WHERE id = ?1", [id], |r| {
        r.get(0)
    })
    .unwrap()
}

#[test]
fn production_parameters_create_and_unlock() {
    let tmp = tempfile::tempdir().unwrap();
    let config = VaultConfig::default();
    assert_eq!(config.kdf, KdfParams::PRODUCTION);
    {
        let mut v = Vault::create(tmp.path(), b"field passphrase", config, t0()).unwrap();
        v.save_draft(&meta("x", "f"), &json!({"a": 1}), t0())
            .unwrap();
    }
    let mut v = Vault::open(tmp.path(), config, t0()).unwrap();
    assert_eq!(v.status().unwrap().kdf, KdfParams::PRODUCTION);
    v.unlock(b"field passphrase", t0()).unwrap();
    assert_eq!(
        v.open_submission("x", t0()).unwrap().content,
        json!({"a": 1})
    );
}

#[test]
fn a_vault_made_by_the_first_schema_still_opens() {
    let tmp = tempfile::tempdir().unwrap();
    {
        let v =
            Vault::create_with_schema_version(tmp.path(), b"field team passphrase", cfg(), t0(), 1)
                .unwrap();
        assert_eq!(v.status().unwrap().schema_version, 1);
    }
    let mut v = Vault::open(tmp.path(), cfg(), t0()).unwrap();
    assert_eq!(v.status().unwrap().schema_version, 4);
    v.unlock(b"field team passphrase", t0()).unwrap();
    // The columns migrations 2 and 3 added work.
    v.save_draft(&meta("new", "f"), &json!({"from": "v3"}), t0())
        .unwrap();
    v.finalize("new", t0()).unwrap();
    assert_eq!(v.mark_acknowledged(&["new"], t0()).unwrap(), 1);
    v.verify_log().unwrap();
}

/// A vault written by the release before issue 13 (schema 2, key in the header, audit
/// in clear; `tests/test_data/vault_schema2`, made with that release's CLI and the
/// production KDF): it opens, its records read, and at its first unlock the key moves
/// to the key slots file under a new data key and the clear audit details are sealed.
#[test]
fn a_vault_from_the_release_before_issue_13_opens_and_is_upgraded() {
    let tmp = tempfile::tempdir().unwrap();
    let src =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/test_data/vault_schema2");
    std::fs::copy(src.join("vault.db"), tmp.path().join("vault.db")).unwrap();
    let pass = b"correct horse battery staple";
    let raw = |sql: &str| -> i64 {
        rusqlite::Connection::open(tmp.path().join("vault.db"))
            .unwrap()
            .query_row(sql, [], |r| r.get(0))
            .unwrap()
    };
    assert!(raw("SELECT count(*) FROM audit_log WHERE event = 'submission_created'") > 0);
    let mut v = Vault::open(tmp.path(), VaultConfig::default(), t0()).unwrap();
    assert!(!tmp.path().join("vault.db-keys").exists());
    v.unlock(pass, t0()).unwrap();
    assert!(tmp.path().join("vault.db-keys").exists());
    let subs = v.list(&ListFilter::default()).unwrap();
    assert_eq!(subs.len(), 2);
    for s in &subs {
        let sub = v.open_submission(&s.id, t0()).unwrap();
        assert!(sub.content.is_object());
    }
    let form = v
        .form("camp_safety_audit", &subs[0].form_version, t0())
        .unwrap();
    assert!(form.definition.starts_with(b"PK"));
    v.verify_log().unwrap();
    let events: Vec<String> = v
        .audit_events(t0())
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    assert!(events.contains(&"submission_created".to_string()));
    drop(v);
    assert_eq!(
        raw("SELECT count(*) FROM audit_log WHERE event NOT IN ('sealed', 'unlock_failed')"),
        0
    );
    assert_eq!(
        raw("SELECT count(*) FROM audit_log WHERE length(at) > 10"),
        0
    );
    assert_eq!(
        raw("SELECT count(*) FROM forms WHERE hash != '' OR retention_days IS NOT NULL"),
        0
    );
    let mut v = Vault::open(tmp.path(), VaultConfig::default(), t0()).unwrap();
    v.unlock(pass, t0()).unwrap();
    assert_eq!(v.list(&ListFilter::default()).unwrap().len(), 2);
}

#[test]
fn retention_purge_counts_from_acknowledgement() {
    let tmp = tempfile::tempdir().unwrap();
    // Weeks pass between the steps below; keep the vault from auto-locking meanwhile.
    let config = VaultConfig {
        idle_lock: TimeDelta::days(365),
        ..cfg()
    };
    let mut v = Vault::create(tmp.path(), b"field team passphrase", config, t0()).unwrap();
    v.add_form(
        &FormRecord {
            form_id: "audit".into(),
            version: "2026030101".into(),
            definition: b"xlsx bytes".to_vec(),
            retention_days: Some(30),
            media: Vec::new(),
        },
        t0(),
    )
    .unwrap();
    for id in ["a1", "a2", "a3"] {
        v.save_draft(&meta(id, "audit"), &json!({}), t0()).unwrap();
    }
    for id in ["b1", "c1"] {
        v.save_draft(&meta(id, id), &json!({}), t0()).unwrap();
    }
    for id in ["a1", "a2", "b1", "c1"] {
        v.finalize(id, t0()).unwrap();
    }
    // Form "b1" has no purpose sheet; a setting gives it 10 days. "c1" has nothing.
    v.set_setting("retention_days.b1", &json!(10), t0())
        .unwrap();
    let ack = t0() + TimeDelta::days(2);
    assert_eq!(
        v.mark_acknowledged(&["a1", "b1", "c1", "a3"], ack).unwrap(),
        3
    );

    let report = v.purge(ack + TimeDelta::days(9)).unwrap();
    assert!(report.purged_ids.is_empty());
    let report = v.purge(ack + TimeDelta::days(10)).unwrap();
    assert_eq!(report.purged_ids, ["b1"]);
    assert_eq!(report.kept_without_period, 1);
    let report = v.purge(ack + TimeDelta::days(30)).unwrap();
    assert_eq!(report.purged_ids, ["a1"]);
    assert_eq!(report.kept_without_period, 1);
    let left: Vec<String> = v
        .list(&ListFilter::default())
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(left, ["a2", "a3", "c1"]);
    let purges: Vec<String> = v
        .audit_events(ack + TimeDelta::days(30))
        .unwrap()
        .into_iter()
        .filter(|e| e.event == "retention_purge")
        .map(|e| e.detail)
        .collect();
    assert_eq!(purges, ["count=1 ids=b1", "count=1 ids=a1"]);
    v.verify_log().unwrap();
}

#[test]
fn forms_sites_settings_outbox_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = new_vault(tmp.path());
    let form = FormRecord {
        form_id: "f".into(),
        version: "1".into(),
        definition: vec![1, 2, 3],
        retention_days: None,
        media: Vec::new(),
    };
    v.add_form(&form, t0()).unwrap();
    v.put_site("s1", &json!({"pcode": "SS0101", "name": "Block C"}), t0())
        .unwrap();
    v.set_setting("auto_lock_minutes", &json!(3), t0()).unwrap();
    v.enqueue_outbox("batch-1", &json!({"n": 12}), t0())
        .unwrap();
    v.lock();
    v.unlock(b"correct horse battery", t0()).unwrap();
    assert_eq!(v.form("f", "1", t0()).unwrap(), form);
    assert_eq!(
        v.site("s1", t0()).unwrap(),
        Some(json!({"pcode": "SS0101", "name": "Block C"}))
    );
    assert_eq!(v.site("nope", t0()).unwrap(), None);
    assert_eq!(
        v.setting("auto_lock_minutes", t0()).unwrap(),
        Some(json!(3))
    );
    assert_eq!(
        v.outbox_item("batch-1", t0()).unwrap(),
        Some(json!({"n": 12}))
    );
}

fn fill_for_backup(v: &mut Vault) {
    v.add_form(
        &FormRecord {
            form_id: "f".into(),
            version: "1".into(),
            definition: b"definition".to_vec(),
            retention_days: Some(7),
            media: Vec::new(),
        },
        t0(),
    )
    .unwrap();
    v.save_draft(&meta("d", "f"), &json!({"note": "draft"}), t0())
        .unwrap();
    v.save_draft(&meta("z", "f"), &json!({"note": "final"}), t0())
        .unwrap();
    v.finalize("z", t0()).unwrap();
    v.mark_acknowledged(&["z"], t0()).unwrap();
    v.put_site("s", &json!({"name": "Zone 4"}), t0()).unwrap();
    v.set_setting("k", &json!("v"), t0()).unwrap();
}

fn assert_restored(r: &mut Vault, source: &Vault) {
    assert_eq!(
        r.list(&ListFilter::default()).unwrap(),
        source.list(&ListFilter::default()).unwrap()
    );
    assert_eq!(
        r.open_submission("d", t0()).unwrap().content,
        json!({"note": "draft"})
    );
    let z = r.open_submission("z", t0()).unwrap();
    assert_eq!(z.content, json!({"note": "final"}));
    assert_eq!(z.summary.status, Status::Finalized);
    assert_eq!(r.form("f", "1", t0()).unwrap().retention_days, Some(7));
    assert_eq!(r.site("s", t0()).unwrap(), Some(json!({"name": "Zone 4"})));
    assert_eq!(r.setting("k", t0()).unwrap(), Some(json!("v")));
    // The original history is kept (re-sealed, so the chain is rebuilt) and continues
    // with the restore.
    let entries = r.audit_events(t0()).unwrap();
    let source_events = source.audit_events(t0()).unwrap();
    assert_eq!(
        entries[..source_events.len() - 1]
            .iter()
            .map(|e| (&e.event, &e.detail))
            .collect::<Vec<_>>(),
        source_events[..source_events.len() - 1]
            .iter()
            .map(|e| (&e.event, &e.detail))
            .collect::<Vec<_>>()
    );
    assert!(entries.iter().any(|e| e.event == "restore"));
    assert_eq!(r.verify_log().unwrap(), entries.len());
    assert_eq!(r.status().unwrap().failed_unlocks, 0);
}

#[test]
fn backup_round_trip_with_a_backup_passphrase() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = new_vault(&tmp.path().join("v"));
    fill_for_backup(&mut v);
    let file = tmp.path().join("b.lantern");
    let report = v
        .backup(
            &file,
            BackupRecipient::Passphrase(b"backup passphrase ok"),
            t0(),
        )
        .unwrap();
    assert_eq!((report.submissions, report.forms), (2, 1));

    let wrong = Vault::restore(
        &file,
        BackupSecret::Passphrase(b"nope"),
        &tmp.path().join("w"),
        b"second passphrase two",
        cfg(),
        t0(),
    );
    assert_eq!(wrong.err().unwrap().code(), "vault.decryption");
    let mut r = Vault::restore(
        &file,
        BackupSecret::Passphrase(b"backup passphrase ok"),
        &tmp.path().join("r"),
        b"second passphrase two",
        cfg(),
        t0(),
    )
    .unwrap();
    assert_restored(&mut r, &v);
    // Restoring never overwrites an existing vault.
    let onto_existing = Vault::restore(
        &file,
        BackupSecret::Passphrase(b"backup passphrase ok"),
        &tmp.path().join("r"),
        b"third passphrase three",
        cfg(),
        t0(),
    );
    assert_eq!(onto_existing.err().unwrap().code(), "vault.already_exists");
    drop(r);
    let mut r = Vault::open(&tmp.path().join("r"), cfg(), t0()).unwrap();
    r.unlock(b"second passphrase two", t0()).unwrap();
    assert_restored(&mut r, &v);
}

#[test]
fn backup_round_trip_to_an_organisation_key() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = new_vault(&tmp.path().join("v"));
    fill_for_backup(&mut v);
    let org = OrgSecretKey::generate().unwrap();
    let file = tmp.path().join("b.lantern");
    v.backup(&file, BackupRecipient::OrgKey(org.public_key()), t0())
        .unwrap();
    let with_pass = Vault::restore(
        &file,
        BackupSecret::Passphrase(b"x"),
        &tmp.path().join("p"),
        b"second passphrase two",
        cfg(),
        t0(),
    );
    assert_eq!(with_pass.err().unwrap().code(), "vault.invalid_input");
    let other = OrgSecretKey::generate().unwrap();
    let wrong = Vault::restore(
        &file,
        BackupSecret::OrgKey(&other),
        &tmp.path().join("w"),
        b"second passphrase two",
        cfg(),
        t0(),
    );
    assert_eq!(wrong.err().unwrap().code(), "vault.decryption");
    let mut r = Vault::restore(
        &file,
        BackupSecret::OrgKey(&org),
        &tmp.path().join("r"),
        b"second passphrase two",
        cfg(),
        t0(),
    )
    .unwrap();
    assert_restored(&mut r, &v);
    // Not a backup at all.
    std::fs::write(tmp.path().join("junk"), b"hello").unwrap();
    let junk = Vault::restore(
        &tmp.path().join("junk"),
        BackupSecret::OrgKey(&org),
        &tmp.path().join("j"),
        b"second passphrase two",
        cfg(),
        t0(),
    );
    assert_eq!(junk.err().unwrap().code(), "vault.backup_format");
}

#[test]
fn create_refuses_an_existing_vault_and_open_refuses_a_missing_one() {
    let tmp = tempfile::tempdir().unwrap();
    drop(new_vault(tmp.path()));
    let again = Vault::create(tmp.path(), b"field team passphrase", cfg(), t0());
    assert_eq!(again.err().unwrap().code(), "vault.already_exists");
    let missing = Vault::open(&tmp.path().join("none"), cfg(), t0());
    assert_eq!(missing.err().unwrap().code(), "vault.not_a_vault");
}

/// Issue 11: a read handle reads on its own connection while the vault writes, refuses
/// every write, locks on its own idle timer, and refuses reads after a re-key.
#[test]
fn a_read_handle_reads_beside_the_writer_and_never_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = new_vault(&tmp.path().join("v"));
    let meta = |id: &str| meta(id, "f");
    v.save_draft(&meta("a"), &serde_json::json!({"q": "first"}), t0())
        .unwrap();
    let reader = v.reader(t0()).unwrap();
    assert!(reader.is_reader());

    // The writer keeps writing; the reader sees each commit, from another thread too.
    v.save_draft(&meta("b"), &serde_json::json!({"q": "second"}), t0())
        .unwrap();
    let reader = std::thread::spawn(move || {
        let b = reader.open_submission("b", t0()).unwrap();
        assert_eq!(b.content["q"], "second");
        reader
    })
    .join()
    .unwrap();
    assert_eq!(reader.list(&ListFilter::default()).unwrap().len(), 2);

    // It writes nothing, and cannot be unlocked into a writer.
    let mut reader = reader;
    for result in [
        reader
            .save_draft(&meta("c"), &serde_json::json!({}), t0())
            .map(|_| ()),
        reader.finalize("a", t0()),
        reader.unlock(b"correct horse battery", t0()),
    ] {
        assert_eq!(result.unwrap_err().code(), "vault.read_handle");
    }
    assert_eq!(v.list(&ListFilter::default()).unwrap().len(), 2);

    // A withdrawal re-keys the vault: the old read handle refuses to read; a new one
    // reads.
    v.withdraw("a", t0()).unwrap();
    assert_eq!(
        reader.open_submission("b", t0()).unwrap_err().code(),
        "vault.read_handle"
    );
    let fresh = v.reader(t0()).unwrap();
    assert_eq!(
        fresh.open_submission("b", t0()).unwrap().content["q"],
        "second"
    );

    // Its own idle timer locks it.
    let later = t0() + TimeDelta::hours(1);
    assert_eq!(
        fresh.open_submission("b", later).unwrap_err().code(),
        "vault.locked"
    );
    // And a locked vault gives no read handle.
    v.lock();
    assert_eq!(v.reader(t0()).unwrap_err().code(), "vault.locked");
}

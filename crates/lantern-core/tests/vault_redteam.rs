//! One regression test per finding of the vault red-team review of 2026-11-30
//! (`shared/reviews/vault-red-team-2026-11-30.md`, issue 13), named after the finding.
//!
//! The attacker here has the vault's files (and, where the finding says so, an older
//! copy of them, or the passphrase). Offline attacks use `argon2` and `ring` directly,
//! following the format in `docs/vault.md`, as the review's `offline_decrypt.py` did;
//! each offline attack is first shown to work on what it is entitled to open, so that
//! its failure on what it must not open means something.

use std::path::Path;

use chrono::TimeDelta;
use lantern_core::vault::backup::{BackupRecipient, BackupSecret};
use lantern_core::vault::{ChainBreak, KdfParams, ListFilter, Vault, VaultConfig, VaultError};
use serde_json::json;

mod redteam;
use redteam::*;

// ---------------------------------------------------------------------------------
// C1: the duress passphrase cannot be told apart.

#[test]
fn c1_status_and_clear_tables_after_a_duress_unlock_look_like_a_normal_unlock() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("base");
    let mut v = Vault::create_with_duress(&base, PASS, DURESS, cfg(), t0()).unwrap();
    let canary = canary();
    fill(&mut v, &canary);
    drop(v);
    let before = Vault::status_of(&base).unwrap();
    let (normal, duress) = (tmp.path().join("normal"), tmp.path().join("duress"));
    copy_vault(&base, &normal);
    copy_vault(&base, &duress);
    let later = t0() + TimeDelta::hours(3);
    Vault::open(&normal, cfg(), later)
        .unwrap()
        .unlock(PASS, later)
        .unwrap();
    let mut d = Vault::open(&duress, cfg(), later).unwrap();
    d.unlock(DURESS, later).unwrap();
    // The coerced person sees an ordinary vault, unlocked.
    assert!(d.is_unlocked());
    assert!(d.list(&ListFilter::default()).unwrap().is_empty());
    let events = d.audit_events(later).unwrap();
    assert!(
        events
            .iter()
            .all(|e| !e.event.contains("duress") && e.event != "wipe")
    );
    drop(d);
    // `vault status` is the same before, after a normal unlock and after a duress one.
    assert_eq!(Vault::status_of(&normal).unwrap(), before);
    assert_eq!(Vault::status_of(&duress).unwrap(), before);
    // The clear audit rows have the same shape: count, days, clear events.
    let shape = |dir: &Path| -> Vec<(i64, String, String)> {
        let conn = db(dir);
        let mut stmt = conn
            .prepare("SELECT seq, at, event FROM audit_log ORDER BY seq")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    };
    assert_eq!(shape(&normal), shape(&duress));
    // Nothing says a duress passphrase is set: the word occurs only in the schema
    // (column names every vault has), as often as in a vault that has none.
    let plain = tmp.path().join("plain");
    drop(Vault::create(&plain, PASS, cfg(), t0()).unwrap());
    let count = |dir: &Path| -> usize {
        std::fs::read(dir.join("vault.db"))
            .unwrap()
            .windows(6)
            .filter(|w| *w == b"duress")
            .count()
    };
    for dir in [&base, &normal, &duress] {
        assert_eq!(count(dir), count(&plain));
    }
    // The duress passphrase is now the vault's passphrase; the old one is refused.
    let mut d = Vault::open(&duress, cfg(), later).unwrap();
    assert!(matches!(
        d.unlock(PASS, later),
        Err(VaultError::WrongPassphrase)
    ));
    d.unlock(DURESS, later).unwrap();
}

#[test]
fn c1_duress_responses_are_gone_even_from_an_offline_copy_of_the_key_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let mut v = Vault::create_with_duress(&dir, PASS, DURESS, cfg(), t0()).unwrap();
    fill(&mut v, &canary());
    drop(v);
    let (_, rev, sealed) = row(&dir, "s2");
    let vid = vault_id(&dir);
    let keys = offline_data_keys(&dir.join("vault.db"), &dir.join("vault.db-keys"), PASS);
    assert!(offline_open_submission(&keys[0], &vid, "s2", "draft", rev, &sealed).is_some());
    let mut v = Vault::open(&dir, cfg(), t0()).unwrap();
    v.unlock(DURESS, t0()).unwrap();
    drop(v);
    // With the real passphrase or the duress one, the key file opens nothing old.
    for pass in [PASS, DURESS] {
        for key in offline_data_keys(&dir.join("vault.db"), &dir.join("vault.db-keys"), pass) {
            assert!(offline_open_submission(&key, &vid, "s2", "draft", rev, &sealed).is_none());
        }
    }
}

// ---------------------------------------------------------------------------------
// M3: the duress protection does not silently disappear.

#[test]
fn m3_duress_survives_a_passphrase_change_with_new_kdf_parameters() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = Vault::create_with_duress(tmp.path(), PASS, DURESS, cfg(), t0()).unwrap();
    fill(&mut v, &canary());
    drop(v);
    let stronger = VaultConfig {
        kdf: KdfParams {
            m_cost_kib: 512,
            t_cost: 2,
            p_cost: 1,
        },
        ..cfg()
    };
    let mut v = Vault::open(tmp.path(), stronger, t0()).unwrap();
    v.unlock(PASS, t0()).unwrap();
    v.change_passphrase(PASS, NEW_PASS, t0()).unwrap();
    assert_eq!(v.status().unwrap().kdf, stronger.kdf);
    drop(v);
    let mut v = Vault::open(tmp.path(), stronger, t0()).unwrap();
    v.unlock(DURESS, t0()).unwrap();
    assert!(v.list(&ListFilter::default()).unwrap().is_empty());
}

#[test]
fn m3_restore_can_set_a_duress_passphrase_and_init_validates_before_creating() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = Vault::create(&tmp.path().join("v"), PASS, cfg(), t0()).unwrap();
    fill(&mut v, &canary());
    let file = tmp.path().join("b.bak");
    v.backup(
        &file,
        BackupRecipient::Passphrase(b"backup passphrase here"),
        t0(),
    )
    .unwrap();
    let r = tmp.path().join("r");
    let restored = Vault::restore_with_duress(
        &file,
        BackupSecret::Passphrase(b"backup passphrase here"),
        &r,
        PASS,
        DURESS,
        cfg(),
        t0(),
    )
    .unwrap();
    assert_eq!(restored.list(&ListFilter::default()).unwrap().len(), 4);
    drop(restored);
    let mut again = Vault::open(&r, cfg(), t0()).unwrap();
    again.unlock(DURESS, t0()).unwrap();
    assert!(again.list(&ListFilter::default()).unwrap().is_empty());
    // A refused duress passphrase leaves nothing behind.
    for bad in [&b""[..], PASS] {
        let dir = tmp.path().join(format!("bad{}", bad.len()));
        let err = Vault::create_with_duress(&dir, PASS, bad, cfg(), t0()).unwrap_err();
        assert_eq!(err.code(), "vault.invalid_input");
        assert!(!dir.join("vault.db").exists());
    }
}

// ---------------------------------------------------------------------------------
// H1: a passphrase change revokes the old passphrase.

#[test]
fn h1_an_old_copy_and_the_old_passphrase_open_nothing_written_after_the_change() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let old_copy = tmp.path().join("old");
    let mut v = Vault::create(&dir, PASS, cfg(), t0()).unwrap();
    v.save_draft(&meta("before"), &json!({"n": 1}), t0())
        .unwrap();
    drop(v);
    copy_vault(&dir, &old_copy);
    let vid = vault_id(&dir);
    // The attack works on what the old copy holds.
    let (_, rev, sealed) = row(&old_copy, "before");
    let old_keys = offline_data_keys(
        &old_copy.join("vault.db"),
        &old_copy.join("vault.db-keys"),
        PASS,
    );
    assert_eq!(old_keys.len(), 1);
    assert!(offline_open_submission(&old_keys[0], &vid, "before", "draft", rev, &sealed).is_some());

    let mut v = Vault::open(&dir, cfg(), t0()).unwrap();
    v.unlock(PASS, t0()).unwrap();
    v.change_passphrase(PASS, NEW_PASS, t0()).unwrap();
    let canary = canary();
    v.save_draft(&meta("after"), &json!({"note": canary}), t0())
        .unwrap();
    drop(v);
    // Old key file + old passphrase against the current database: nothing opens,
    // neither the record written after the change nor the re-sealed older one.
    for id in ["after", "before"] {
        let (status, rev, sealed) = row(&dir, id);
        assert!(offline_open_submission(&old_keys[0], &vid, id, &status, rev, &sealed).is_none());
    }
    // The current key file and the new passphrase do open them (the attack is sound).
    let new_keys = offline_data_keys(&dir.join("vault.db"), &dir.join("vault.db-keys"), NEW_PASS);
    let (status, rev, sealed) = row(&dir, "after");
    let plain =
        offline_open_submission(&new_keys[0], &vid, "after", &status, rev, &sealed).unwrap();
    assert!(contains(&plain, canary.as_bytes()));
    // And the current key file does not open with the old passphrase.
    assert!(offline_data_keys(&dir.join("vault.db"), &dir.join("vault.db-keys"), PASS).is_empty());
}

// ---------------------------------------------------------------------------------
// H2: deleted means gone.

#[test]
fn h2_purged_and_withdrawn_records_no_passphrase_opens_and_no_file_holds() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let mut v = Vault::create(&dir, PASS, cfg(), t0()).unwrap();
    let canary = canary();
    fill(&mut v, &canary);
    v.mark_acknowledged(&["s0"], t0()).unwrap();
    let vid = vault_id(&dir);
    let (purged_status, purged_rev, purged) = row(&dir, "s0");
    let (withdrawn_status, withdrawn_rev, withdrawn) = row(&dir, "s3");
    // Before: the offline attack with the passphrase opens both.
    let keys = offline_data_keys(&dir.join("vault.db"), &dir.join("vault.db-keys"), PASS);
    assert!(
        offline_open_submission(&keys[0], &vid, "s0", &purged_status, purged_rev, &purged)
            .is_some()
    );
    assert!(
        offline_open_submission(
            &keys[0],
            &vid,
            "s3",
            &withdrawn_status,
            withdrawn_rev,
            &withdrawn
        )
        .is_some()
    );
    let report = v.purge(t0() + TimeDelta::days(31)).unwrap();
    assert_eq!(report.purged_ids, ["s0"]);
    v.withdraw("s3", t0() + TimeDelta::days(31)).unwrap();
    // Raw scans of the database, its WAL and the key file while the vault is open:
    // neither ciphertext is left (secure_delete, checkpointed WAL).
    for sealed in [&purged, &withdrawn] {
        assert_eq!(hits(&dir, &sealed[..32]), Vec::<String>::new());
    }
    drop(v);
    for sealed in [&purged, &withdrawn] {
        assert_eq!(hits(&dir, &sealed[..32]), Vec::<String>::new());
    }
    assert_eq!(hits(&dir, canary.as_bytes()), Vec::<String>::new());
    // Copies the file system kept in freed blocks: the current key file and the
    // passphrase no longer open them.
    let keys = offline_data_keys(&dir.join("vault.db"), &dir.join("vault.db-keys"), PASS);
    assert_eq!(keys.len(), 1);
    assert!(
        offline_open_submission(&keys[0], &vid, "s0", &purged_status, purged_rev, &purged)
            .is_none()
    );
    assert!(
        offline_open_submission(
            &keys[0],
            &vid,
            "s3",
            &withdrawn_status,
            withdrawn_rev,
            &withdrawn
        )
        .is_none()
    );
    // What is left still opens.
    let (status, rev, sealed) = row(&dir, "s1");
    assert!(offline_open_submission(&keys[0], &vid, "s1", &status, rev, &sealed).is_some());
}

#[test]
fn h2_a_rekey_killed_before_its_commit_leaves_the_old_key_working() {
    // The new key is written to the spare slot first: a vault whose database never
    // saw the new epoch still opens with the old slot (simulated by putting back the
    // database as it was, with the key file as a re-key leaves it mid-way).
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let mut v = Vault::create(&dir, PASS, cfg(), t0()).unwrap();
    v.save_draft(&meta("x"), &json!({"a": 1}), t0()).unwrap();
    drop(v);
    let db_before = std::fs::read(dir.join("vault.db")).unwrap();
    let keys_before = std::fs::read(dir.join("vault.db-keys")).unwrap();
    let mut v = Vault::open(&dir, cfg(), t0()).unwrap();
    v.unlock(PASS, t0()).unwrap();
    v.withdraw("x", t0()).unwrap();
    drop(v);
    let keys_after = std::fs::read(dir.join("vault.db-keys")).unwrap();
    // Mid-way: the old slot as before, the new slot as after.
    let old = keys_before
        .chunks(128)
        .position(|s| s[..8] == 1i64.to_be_bytes())
        .unwrap();
    let mut mid = keys_after.clone();
    mid[old * 128..(old + 1) * 128].copy_from_slice(&keys_before[old * 128..(old + 1) * 128]);
    std::fs::write(dir.join("vault.db-keys"), &mid).unwrap();
    std::fs::write(dir.join("vault.db"), &db_before).unwrap();
    let mut v = Vault::open(&dir, cfg(), t0()).unwrap();
    v.unlock(PASS, t0()).unwrap();
    assert_eq!(
        v.open_submission("x", t0()).unwrap().content,
        json!({"a": 1})
    );
    drop(v);
    // That unlock overwrote the spare slot: only the current key is left.
    assert_eq!(
        offline_data_keys(&dir.join("vault.db"), &dir.join("vault.db-keys"), PASS).len(),
        1
    );
}

// ---------------------------------------------------------------------------------
// H3: clear metadata as small as documented.

#[test]
fn h3_clear_audit_rows_carry_days_only_and_no_ids_forms_or_hashes() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = Vault::create_with_duress(tmp.path(), PASS, DURESS, cfg(), t0()).unwrap();
    fill(&mut v, &canary());
    v.record_event(lantern_core::vault::AuditEvent::Sync, "server=hq", t0())
        .unwrap();
    drop(v);
    let mut v = Vault::open(tmp.path(), cfg(), t0()).unwrap();
    assert!(v.unlock(b"wrong guess", t0()).is_err());
    drop(v);
    let conn = db(tmp.path());
    let mut stmt = conn
        .prepare("SELECT at, event, detail FROM audit_log")
        .unwrap();
    let rows: Vec<(String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert!(rows.len() >= 8);
    for (at, event, detail) in &rows {
        assert_eq!(at, "2026-03-01", "time in clear: {at}");
        assert!(event == "sealed" || event == "unlock_failed", "{event}");
        assert!(!detail.contains("s1") && !detail.contains("camp_safety") && !detail.contains('='));
    }
    let (hash, retention): (String, Option<i64>) = conn
        .query_row("SELECT hash, retention_days FROM forms", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((hash.as_str(), retention), ("", None));
    // No stored SHA-256 of the (public) workbook, in hex or raw.
    let digest = ring::digest::digest(&ring::digest::SHA256, b"PK workbook bytes");
    let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    assert!(hits(tmp.path(), hex.as_bytes()).is_empty());
    assert!(hits(tmp.path(), digest.as_ref()).is_empty());
    // The sealed details are there for the unlocked vault.
    let mut v = Vault::open(tmp.path(), cfg(), t0()).unwrap();
    v.unlock(PASS, t0()).unwrap();
    let events = v.audit_events(t0()).unwrap();
    assert!(
        events.iter().any(|e| e.event == "sync"
            && e.detail == "server=hq"
            && e.at == "2026-03-01T09:17:23Z")
    );
}

// ---------------------------------------------------------------------------------
// M1, M2: integrity of the whole.

fn reopen_err(dir: &Path) -> VaultError {
    let mut v = Vault::open(dir, cfg(), t0()).unwrap();
    let err = v.unlock(PASS, t0()).unwrap_err();
    assert!(!v.is_unlocked());
    err
}

#[test]
fn m1_a_rolled_back_row_is_refused_at_unlock() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = Vault::create(tmp.path(), PASS, cfg(), t0()).unwrap();
    v.save_draft(&meta("a"), &json!({"v": 1}), t0()).unwrap();
    let (_, old_rev, old_sealed) = row(tmp.path(), "a");
    v.save_draft(&meta("a"), &json!({"v": 2}), t0()).unwrap();
    v.finalize("a", t0()).unwrap();
    drop(v);
    db(tmp.path())
        .execute(
            "UPDATE submissions SET sealed = ?1, rev = ?2, status = 'draft', finalized_day = NULL WHERE id = 'a'",
            rusqlite::params![old_sealed, old_rev],
        )
        .unwrap();
    assert_eq!(reopen_err(tmp.path()).code(), "vault.integrity");
}

#[test]
fn m1_a_deleted_row_is_refused_at_unlock() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = Vault::create(tmp.path(), PASS, cfg(), t0()).unwrap();
    fill(&mut v, "x");
    drop(v);
    db(tmp.path())
        .execute("DELETE FROM submissions WHERE id = 's1'", [])
        .unwrap();
    assert_eq!(reopen_err(tmp.path()).code(), "vault.integrity");
}

#[test]
fn m1_a_truncated_log_with_a_replayed_older_state_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = Vault::create(tmp.path(), PASS, cfg(), t0()).unwrap();
    v.save_draft(&meta("a"), &json!({}), t0()).unwrap();
    drop(v);
    let old_state: Vec<u8> = db(tmp.path())
        .query_row("SELECT sealed FROM vault_state", [], |r| r.get(0))
        .unwrap();
    let seq: i64 = db(tmp.path())
        .query_row("SELECT max(seq) FROM audit_log", [], |r| r.get(0))
        .unwrap();
    let mut v = Vault::open(tmp.path(), cfg(), t0()).unwrap();
    v.unlock(PASS, t0()).unwrap();
    v.save_draft(&meta("b"), &json!({}), t0()).unwrap();
    v.finalize("a", t0()).unwrap();
    drop(v);
    let conn = unguarded(tmp.path());
    conn.execute("DELETE FROM audit_log WHERE seq > ?1", [seq])
        .unwrap();
    conn.execute("UPDATE vault_state SET sealed = ?1", [old_state])
        .unwrap();
    drop(conn);
    assert_eq!(reopen_err(tmp.path()).code(), "vault.integrity");
}

#[test]
fn m2_an_edited_acknowledgement_day_or_outbox_state_cannot_drive_a_purge() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = Vault::create(tmp.path(), PASS, cfg(), t0()).unwrap();
    fill(&mut v, "x");
    drop(v);
    for edit in [
        "UPDATE submissions SET acknowledged_day = '2000-01-01' WHERE status = 'finalized'",
        "UPDATE outbox SET state = 'acknowledged'",
        "UPDATE forms SET retention_days = 0",
    ] {
        let copy = tempfile::tempdir().unwrap();
        copy_vault(tmp.path(), copy.path());
        db(copy.path()).execute(edit, []).unwrap();
        let mut v = Vault::open(copy.path(), cfg(), t0()).unwrap();
        match v.unlock(PASS, t0()) {
            Err(e) => assert_eq!(e.code(), "vault.integrity", "{edit}"),
            // The form's clear retention column is not used any more (sealed): the
            // vault opens and the purge deletes nothing unacknowledged.
            Ok(()) => {
                assert!(edit.contains("forms"), "{edit} was accepted");
                let report = v.purge(t0() + TimeDelta::days(300)).unwrap();
                assert!(report.purged_ids.is_empty(), "{edit}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------
// M4: passphrase policy in the core.

#[test]
fn m4_weak_passphrases_are_refused_for_init_change_and_restore() {
    let tmp = tempfile::tempdir().unwrap();
    for weak in [&b"1"[..], b" ", b"1234", b"123456789012"] {
        let dir = tmp.path().join("w");
        let err = Vault::create(&dir, weak, cfg(), t0()).unwrap_err();
        assert_eq!(err.code(), "vault.weak_passphrase");
        assert!(err.to_string().contains("passphrase"));
        assert!(!dir.join("vault.db").exists());
    }
    let dir = tmp.path().join("v");
    let mut v = Vault::create(&dir, PASS, cfg(), t0()).unwrap();
    assert_eq!(
        v.change_passphrase(PASS, b"1", t0()).unwrap_err().code(),
        "vault.weak_passphrase"
    );
    let file = tmp.path().join("b.bak");
    v.backup(
        &file,
        BackupRecipient::Passphrase(b"backup passphrase here"),
        t0(),
    )
    .unwrap();
    let err = Vault::restore(
        &file,
        BackupSecret::Passphrase(b"backup passphrase here"),
        &tmp.path().join("r"),
        b"1",
        cfg(),
        t0(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "vault.weak_passphrase");
    assert!(!tmp.path().join("r").join("vault.db").exists());
}

// ---------------------------------------------------------------------------------
// M5: padding.

#[test]
fn m5_ciphertext_lengths_do_not_track_note_length_or_repeat_count() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = Vault::create(tmp.path(), PASS, cfg(), t0()).unwrap();
    v.save_draft(&meta("short"), &json!({"consent": "no"}), t0())
        .unwrap();
    v.save_draft(
        &meta("long"),
        &json!({"consent": "yes", "fg": [{"notes": "x".repeat(120)}, {"notes": "y".repeat(120)}]}),
        t0(),
    )
    .unwrap();
    drop(v);
    let (_, _, a) = row(tmp.path(), "short");
    let (_, _, b) = row(tmp.path(), "long");
    assert_eq!(a.len(), b.len());
    assert_eq!(a.len(), 512 + 28);
}

// ---------------------------------------------------------------------------------
// M6: backup that works when it matters.

#[test]
fn m6_one_damaged_record_is_skipped_and_reported_not_fatal() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let mut v = Vault::create(&dir, PASS, cfg(), t0()).unwrap();
    fill(&mut v, "x");
    drop(v);
    let (_, _, mut sealed) = row(&dir, "s1");
    sealed[40] ^= 1;
    db(&dir)
        .execute(
            "UPDATE submissions SET sealed = ?1 WHERE id = 's1'",
            [sealed],
        )
        .unwrap();
    let mut v = Vault::open(&dir, cfg(), t0()).unwrap();
    v.unlock(PASS, t0()).unwrap();
    let file = tmp.path().join("evac.bak");
    let report = v
        .backup(
            &file,
            BackupRecipient::Passphrase(b"backup passphrase here"),
            t0(),
        )
        .unwrap();
    assert_eq!(report.skipped, ["submissions:s1"]);
    assert_eq!(report.submissions, 3);
    let r = Vault::restore(
        &file,
        BackupSecret::Passphrase(b"backup passphrase here"),
        &tmp.path().join("r"),
        PASS,
        cfg(),
        t0(),
    )
    .unwrap();
    let ids: Vec<String> = r
        .list(&ListFilter::default())
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(ids, ["s0", "s2", "s3"]);
}

// ---------------------------------------------------------------------------------
// Lows.

#[test]
fn l1_an_edited_entry_is_reported_where_it_was_edited() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = Vault::create(tmp.path(), PASS, cfg(), t0()).unwrap();
    fill(&mut v, "x");
    drop(v);
    unguarded(tmp.path())
        .execute("UPDATE audit_log SET at = '2026-03-02' WHERE seq = 3", [])
        .unwrap();
    let locked = Vault::open(tmp.path(), cfg(), t0()).unwrap();
    assert!(matches!(
        locked.verify_log(),
        Err(VaultError::AuditBroken(ChainBreak::Edited { seq: 3 }))
    ));
    let mut v = Vault::open(tmp.path(), cfg(), t0()).unwrap();
    v.unlock(PASS, t0()).unwrap();
    assert!(matches!(
        v.verify_log(),
        Err(VaultError::AuditBroken(ChainBreak::Edited { seq: 3 }))
    ));
}

#[test]
fn l2_kdf_parameters_a_phone_cannot_afford_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    drop(Vault::create(tmp.path(), PASS, cfg(), t0()).unwrap());
    // 512 MiB: under the old 1 GiB cap, over the new one.
    db(tmp.path())
        .execute("UPDATE header SET kdf_m_cost_kib = 524288", [])
        .unwrap();
    let mut v = Vault::open(tmp.path(), cfg(), t0()).unwrap();
    assert_eq!(v.unlock(PASS, t0()).unwrap_err().code(), "vault.kdf_params");
    db(tmp.path())
        .execute(
            "UPDATE header SET kdf_m_cost_kib = 256, kdf_t_cost = 16",
            [],
        )
        .unwrap();
    let mut v = Vault::open(tmp.path(), cfg(), t0()).unwrap();
    assert_eq!(v.unlock(PASS, t0()).unwrap_err().code(), "vault.kdf_params");
}

#[cfg(unix)]
#[test]
fn l3_vault_files_and_backups_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let mut v = Vault::create(&dir, PASS, cfg(), t0()).unwrap();
    fill(&mut v, "x");
    let file = tmp.path().join("b.bak");
    v.backup(
        &file,
        BackupRecipient::Passphrase(b"backup passphrase here"),
        t0(),
    )
    .unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        assert_eq!(mode(&path), 0o600, "{}", path.display());
        seen += 1;
    }
    assert!(seen >= 3, "vault.db, its WAL and the key file");
    assert_eq!(mode(&file), 0o600);
}

#[test]
fn l4_l6_backups_say_less_and_a_low_order_org_key_gets_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = Vault::create(&tmp.path().join("v"), PASS, cfg(), t0()).unwrap();
    fill(&mut v, "x");
    let err = v
        .backup(
            &tmp.path().join("o.bak"),
            BackupRecipient::OrgKey([0u8; 32]),
            t0(),
        )
        .unwrap_err();
    assert_eq!(err.code(), "vault.invalid_input");
    assert!(err.to_string().contains("organisation public key"));
    // A backup to the organisation's key does not carry that key (it names the NGO).
    let org = lantern_core::vault::backup::OrgSecretKey::generate().unwrap();
    let org_file = tmp.path().join("org.bak");
    v.backup(&org_file, BackupRecipient::OrgKey(org.public_key()), t0())
        .unwrap();
    let bytes = std::fs::read(&org_file).unwrap();
    assert!(!contains(&bytes, &org.public_key()));
    let r = Vault::restore(
        &org_file,
        BackupSecret::OrgKey(&org),
        &tmp.path().join("from_org"),
        PASS,
        cfg(),
        t0(),
    )
    .unwrap();
    assert_eq!(r.list(&ListFilter::default()).unwrap().len(), 4);
    let file = tmp.path().join("b.bak");
    v.backup(
        &file,
        BackupRecipient::Passphrase(b"backup passphrase here"),
        t0(),
    )
    .unwrap();
    let r = Vault::restore(
        &file,
        BackupSecret::Passphrase(b"backup passphrase here"),
        &tmp.path().join("r"),
        PASS,
        cfg(),
        t0(),
    )
    .unwrap();
    let events = r.audit_events(t0()).unwrap();
    let restore = events.iter().find(|e| e.event == "restore").unwrap();
    assert!(!restore.detail.contains("from_vault"), "{}", restore.detail);
}

#[test]
fn l6_a_decrypted_submission_does_not_print_its_answers() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = Vault::create(tmp.path(), PASS, cfg(), t0()).unwrap();
    let canary = canary();
    v.save_draft(&meta("a"), &json!({"note": canary}), t0())
        .unwrap();
    let sub = v.open_submission("a", t0()).unwrap();
    assert!(!format!("{sub:?}").contains(&canary));
    assert!(!format!("{sub:#?}").contains(&canary));
}

#[test]
fn l8_status_never_writes() {
    let tmp = tempfile::tempdir().unwrap();
    // An empty vault.db stays empty.
    std::fs::write(tmp.path().join("vault.db"), b"").unwrap();
    assert_eq!(
        Vault::status_of(tmp.path()).unwrap_err().code(),
        "vault.not_a_vault"
    );
    assert_eq!(std::fs::read(tmp.path().join("vault.db")).unwrap(), b"");
    // A real vault's database is byte for byte the same after a status.
    let dir = tmp.path().join("v");
    let mut v = Vault::create(&dir, PASS, cfg(), t0()).unwrap();
    fill(&mut v, "x");
    drop(v);
    let before = std::fs::read(dir.join("vault.db")).unwrap();
    let status = Vault::status_of(&dir).unwrap();
    assert!(!status.unlocked);
    assert_eq!(status.drafts, None);
    assert_eq!(std::fs::read(dir.join("vault.db")).unwrap(), before);
}

/// A re-key re-seals every table: forms, sites, settings, outbox, audit history.
#[test]
fn h1_h2_a_rekey_keeps_every_table_readable() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = Vault::create(tmp.path(), PASS, cfg(), t0()).unwrap();
    fill(&mut v, "x");
    v.put_site("site-1", &json!({"pcode": "SS0101"}), t0())
        .unwrap();
    v.set_setting("retention_days.other", &json!(7), t0())
        .unwrap();
    v.change_passphrase(PASS, NEW_PASS, t0()).unwrap();
    v.withdraw("s3", t0()).unwrap();
    drop(v);
    let mut v = Vault::open(tmp.path(), cfg(), t0()).unwrap();
    v.unlock(NEW_PASS, t0()).unwrap();
    let form = v.form("camp_safety_audit", "1", t0()).unwrap();
    assert_eq!(
        (form.definition.as_slice(), form.retention_days),
        (&b"PK workbook bytes"[..], Some(30))
    );
    assert_eq!(
        v.site("site-1", t0()).unwrap(),
        Some(json!({"pcode": "SS0101"}))
    );
    assert_eq!(
        v.setting("retention_days.other", t0()).unwrap(),
        Some(json!(7))
    );
    assert_eq!(
        v.outbox_item("batch-1", t0()).unwrap(),
        Some(json!({"n": 2}))
    );
    assert_eq!(v.open_submission("s2", t0()).unwrap().content["count"], 437);
    let events: Vec<String> = v
        .audit_events(t0())
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    assert!(events.contains(&"passphrase_changed".to_string()));
    assert!(events.contains(&"withdraw".to_string()));
    v.verify_log().unwrap();
}

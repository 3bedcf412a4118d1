//! What the vault promises a field worker whose device is lost or seized: no plaintext
//! anywhere on disk, tampering detected with one opaque error, and wipes (panic or
//! duress) after which nothing of the old data can be recovered from the directory.
//!
//! The tests edit the database file directly with rusqlite, as an attacker with the
//! file would.

use std::path::Path;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use lantern_core::vault::{
    ChainBreak, FormRecord, KdfParams, ListFilter, SubmissionMeta, Vault, VaultConfig, VaultError,
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

fn meta(id: &str) -> SubmissionMeta {
    SubmissionMeta {
        id: id.into(),
        form_id: "gbv_safety_audit".into(),
        form_version: "1".into(),
    }
}

const PASS: &[u8] = b"correct horse battery";

fn canary() -> String {
    format!("CANARY-{}", uuid::Uuid::new_v4().simple())
}

/// Every occurrence of `needle` in every file under `dir` (files that vanish or cannot
/// be read mid-scan are skipped: the scan also covers the shared temp dir).
fn hits(dir: &Path, needle: &[u8]) -> Vec<String> {
    hits_since(dir, needle, std::time::SystemTime::UNIX_EPOCH)
}

/// Like [`hits`], but only files and folders modified at or after `since`: the temp
/// dir is shared with every other process, and a build tree there can hold gigabytes.
/// SQLite writes its temp files at the top of the temp dir, so nothing of this process
/// is skipped.
fn hits_since(dir: &Path, needle: &[u8], since: std::time::SystemTime) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let recent = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|modified| modified >= since);
        if !recent {
            continue;
        }
        if kind.is_dir() {
            found.extend(hits_since(&path, needle, since));
        } else if kind.is_file()
            && let Ok(bytes) = std::fs::read(&path)
            && bytes.windows(needle.len()).any(|w| w == needle)
        {
            found.push(path.display().to_string());
        }
    }
    found
}

/// Fills a vault with the canary in every place a person's words can go.
fn fill_with_canary(v: &mut Vault, canary: &str) {
    v.add_form(
        &FormRecord {
            form_id: "gbv_safety_audit".into(),
            version: "1".into(),
            definition: format!("label {canary}").into_bytes(),
            retention_days: Some(30),
            media: Vec::new(),
        },
        t0(),
    )
    .unwrap();
    for i in 0..20 {
        let m = meta(&format!("s{i}"));
        for k in 0..3 {
            v.save_draft(
                &m,
                &json!({
                    "consent": "yes",
                    "site": format!("Block {canary}"),
                    "observations": format!("text answer {canary} {k}"),
                    "note": format!("note {canary}"),
                }),
                t0(),
            )
            .unwrap();
        }
        if i % 2 == 0 {
            v.finalize(&m.id, t0()).unwrap();
        }
    }
    v.withdraw("s3", t0()).unwrap();
    v.put_site(
        "site-1",
        &json!({"pcode": "SS0101", "name": format!("Camp {canary}")}),
        t0(),
    )
    .unwrap();
    v.set_setting("referral", &json!(format!("call {canary}")), t0())
        .unwrap();
    v.enqueue_outbox("b1", &json!({"site": canary}), t0())
        .unwrap();
}

#[test]
fn no_plaintext_anywhere_on_disk() {
    // Filesystem timestamps can be coarse: start the window a little early.
    let started = std::time::SystemTime::now() - std::time::Duration::from_secs(2);
    let tmp = tempfile::tempdir().unwrap();
    let canary = canary();
    let mut v = Vault::create(tmp.path(), PASS, cfg(), t0()).unwrap();
    fill_with_canary(&mut v, &canary);
    // Reading decrypts into memory only.
    let n = v
        .for_each_submission(&ListFilter::default(), t0(), |_| {})
        .unwrap();
    assert_eq!(n, 19);
    v.lock();
    // While the connection is open the WAL and shared-memory files exist too.
    let files: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(files.iter().any(|f| f.ends_with("-wal")), "{files:?}");
    assert_eq!(hits(tmp.path(), canary.as_bytes()), Vec::<String>::new());
    assert_eq!(
        hits_since(&std::env::temp_dir(), canary.as_bytes(), started),
        Vec::<String>::new()
    );
    // The audit log in clear has ids and counts, never content.
    assert!(
        v.audit_entries()
            .unwrap()
            .iter()
            .all(|e| !e.detail.contains(&canary))
    );
    drop(v);
    assert_eq!(hits(tmp.path(), canary.as_bytes()), Vec::<String>::new());
}

fn db(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join("vault.db")).unwrap()
}

fn sealed_of(conn: &rusqlite::Connection, id: &str) -> Vec<u8> {
    conn.query_row("SELECT sealed FROM submissions WHERE id = ?1", [id], |r| {
        r.get(0)
    })
    .unwrap()
}

fn reopen(dir: &Path) -> Vault {
    let mut v = Vault::open(dir, cfg(), t0()).unwrap();
    v.unlock(PASS, t0()).unwrap();
    v
}

#[test]
fn flipped_bytes_in_any_ciphertext_are_detected() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = Vault::create(tmp.path(), PASS, cfg(), t0()).unwrap();
    fill_with_canary(&mut v, "x");
    drop(v);
    let conn = db(tmp.path());
    let original = sealed_of(&conn, "s1");
    // Every position: nonce, body and tag.
    for pos in [0, 11, 12, original.len() / 2, original.len() - 1] {
        let mut bad = original.clone();
        bad[pos] ^= 0x40;
        conn.execute(
            "UPDATE submissions SET sealed = ?1 WHERE id = 's1'",
            rusqlite::params![bad],
        )
        .unwrap();
        let v = reopen(tmp.path());
        let err = v.open_submission("s1", t0()).unwrap_err();
        assert!(matches!(err, VaultError::Decryption), "{err:?}");
        assert_eq!(err.code(), "vault.decryption");
        let all = v.for_each_submission(&ListFilter::default(), t0(), |_| {});
        assert!(matches!(all, Err(VaultError::Decryption)));
        // The other records are unaffected.
        v.open_submission("s2", t0()).unwrap();
    }
    // A truncated ciphertext too.
    conn.execute(
        "UPDATE submissions SET sealed = x'0102' WHERE id = 's1'",
        [],
    )
    .unwrap();
    let v = reopen(tmp.path());
    assert!(matches!(
        v.open_submission("s1", t0()),
        Err(VaultError::Decryption)
    ));
    // Sites, settings, outbox and form definitions are sealed the same way.
    for (table, key, id) in [
        ("sites", "id", "site-1"),
        ("settings", "key", "referral"),
        ("outbox", "id", "b1"),
        ("forms", "form_id", "gbv_safety_audit"),
    ] {
        let select = format!("SELECT sealed FROM {table} WHERE {key} = ?1");
        let mut sealed: Vec<u8> = conn.query_row(&select, [id], |r| r.get(0)).unwrap();
        sealed[20] ^= 1;
        let update = format!("UPDATE {table} SET sealed = ?1 WHERE {key} = ?2");
        conn.execute(&update, rusqlite::params![sealed, id])
            .unwrap();
    }
    let v = reopen(tmp.path());
    assert!(matches!(
        v.site("site-1", t0()),
        Err(VaultError::Decryption)
    ));
    assert!(matches!(
        v.setting("referral", t0()),
        Err(VaultError::Decryption)
    ));
    assert!(matches!(
        v.outbox_item("b1", t0()),
        Err(VaultError::Decryption)
    ));
    assert!(matches!(
        v.form("gbv_safety_audit", "1", t0()),
        Err(VaultError::Decryption)
    ));
}

#[test]
fn a_ciphertext_moved_to_another_row_is_detected() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = Vault::create(tmp.path(), PASS, cfg(), t0()).unwrap();
    fill_with_canary(&mut v, "x");
    drop(v);
    let conn = db(tmp.path());
    // Another submission's ciphertext (same form, same status).
    let other = sealed_of(&conn, "s2");
    conn.execute(
        "UPDATE submissions SET sealed = ?1 WHERE id = 's4'",
        rusqlite::params![other],
    )
    .unwrap();
    // A site's ciphertext moved into a setting.
    let site: Vec<u8> = conn
        .query_row("SELECT sealed FROM sites WHERE id = 'site-1'", [], |r| {
            r.get(0)
        })
        .unwrap();
    conn.execute(
        "UPDATE settings SET sealed = ?1 WHERE key = 'referral'",
        rusqlite::params![site],
    )
    .unwrap();
    let v = reopen(tmp.path());
    assert!(matches!(
        v.open_submission("s4", t0()),
        Err(VaultError::Decryption)
    ));
    v.open_submission("s2", t0()).unwrap();
    assert!(matches!(
        v.setting("referral", t0()),
        Err(VaultError::Decryption)
    ));
    drop(v);
    // Clear metadata relabelled without resealing (a draft marked finalized, a
    // submission moved to another form): the sealed row commitment no longer matches,
    // and unlock refuses the vault (issue 13, M1).
    for edit in [
        "UPDATE submissions SET status = 'finalized' WHERE id = 's1'",
        "UPDATE submissions SET form_id = 'other' WHERE id = 's5'",
    ] {
        let copy = tempfile::tempdir().unwrap();
        for f in ["vault.db", "vault.db-keys"] {
            std::fs::copy(tmp.path().join(f), copy.path().join(f)).unwrap();
        }
        db(copy.path()).execute(edit, []).unwrap();
        let mut v = Vault::open(copy.path(), cfg(), t0()).unwrap();
        assert_eq!(
            v.unlock(PASS, t0()).unwrap_err().code(),
            "vault.integrity",
            "{edit}"
        );
        assert!(!v.is_unlocked());
    }
}

#[test]
fn a_rolled_back_wrapped_key_is_detected() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v = Vault::create(tmp.path(), b"old leaked passphrase", cfg(), t0()).unwrap();
    v.save_draft(&meta("s"), &json!({"a": 1}), t0()).unwrap();
    let conn = db(tmp.path());
    let old_epoch: i64 = conn
        .query_row("SELECT key_epoch FROM header", [], |r| r.get(0))
        .unwrap();
    let old_slots = std::fs::read(tmp.path().join("vault.db-keys")).unwrap();
    v.change_passphrase(b"old leaked passphrase", PASS, t0())
        .unwrap();
    drop(v);
    // The attacker puts back the key slots wrapped under the passphrase they know.
    std::fs::write(tmp.path().join("vault.db-keys"), &old_slots).unwrap();
    conn.execute(
        "UPDATE header SET key_epoch = ?1",
        rusqlite::params![old_epoch],
    )
    .unwrap();
    let mut v = Vault::open(tmp.path(), cfg(), t0()).unwrap();
    let err = v.unlock(b"old leaked passphrase", t0()).unwrap_err();
    assert!(matches!(err, VaultError::Decryption), "{err:?}");
    assert!(!v.is_unlocked());
    // Rolling back the wrapped key but keeping the new epoch does not unwrap at all.
    conn.execute("UPDATE header SET key_epoch = key_epoch + 1", [])
        .unwrap();
    let mut v = Vault::open(tmp.path(), cfg(), t0()).unwrap();
    assert!(v.unlock(b"old leaked passphrase", t0()).is_err());
    assert!(!v.is_unlocked());
    // Weakening the stored Argon2id parameters breaks the binding too.
    let tmp2 = tempfile::tempdir().unwrap();
    drop(Vault::create(tmp2.path(), PASS, cfg(), t0()).unwrap());
    db(tmp2.path())
        .execute("UPDATE header SET kdf_t_cost = 2", [])
        .unwrap();
    let mut v = Vault::open(tmp2.path(), cfg(), t0()).unwrap();
    assert!(v.unlock(PASS, t0()).is_err());
}

#[test]
fn a_hostile_header_cannot_make_unlock_exhaust_memory() {
    let tmp = tempfile::tempdir().unwrap();
    drop(Vault::create(tmp.path(), PASS, cfg(), t0()).unwrap());
    // 4 TiB of Argon2id memory would take the device down; it is refused outright.
    db(tmp.path())
        .execute("UPDATE header SET kdf_m_cost_kib = 4294967295", [])
        .unwrap();
    let mut v = Vault::open(tmp.path(), cfg(), t0()).unwrap();
    assert_eq!(v.unlock(PASS, t0()).unwrap_err().code(), "vault.kdf_params");
    db(tmp.path())
        .execute(
            "UPDATE header SET kdf_m_cost_kib = 256, kdf_t_cost = 100000",
            [],
        )
        .unwrap();
    let mut v = Vault::open(tmp.path(), cfg(), t0()).unwrap();
    assert_eq!(v.unlock(PASS, t0()).unwrap_err().code(), "vault.kdf_params");
}

fn audit_vault(dir: &Path) {
    let mut v = Vault::create(dir, PASS, cfg(), t0()).unwrap();
    for i in 0..4 {
        v.save_draft(&meta(&format!("s{i}")), &json!({}), t0())
            .unwrap();
    }
    v.finalize("s0", t0()).unwrap();
    assert_eq!(v.verify_log().unwrap(), 6);
}

fn unguarded(dir: &Path) -> rusqlite::Connection {
    let conn = db(dir);
    conn.execute_batch("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;")
        .unwrap();
    conn
}

fn verify(dir: &Path, unlocked: bool) -> Result<usize, VaultError> {
    let mut v = Vault::open(dir, cfg(), t0()).unwrap();
    if unlocked {
        v.unlock(PASS, t0()).unwrap();
        // Unlocking appended an entry; check the chain as it was before that too.
    }
    v.verify_log()
}

#[test]
fn audit_log_is_append_only_in_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    audit_vault(tmp.path());
    let conn = db(tmp.path());
    assert!(
        conn.execute("DELETE FROM audit_log WHERE seq = 2", [])
            .is_err()
    );
    assert!(
        conn.execute("UPDATE audit_log SET detail = 'x' WHERE seq = 2", [])
            .is_err()
    );
}

#[test]
fn an_edited_audit_entry_is_detected() {
    let tmp = tempfile::tempdir().unwrap();
    audit_vault(tmp.path());
    unguarded(tmp.path())
        .execute("UPDATE audit_log SET detail = 'id=s9' WHERE seq = 3", [])
        .unwrap();
    let err = verify(tmp.path(), false).unwrap_err();
    assert!(
        matches!(err, VaultError::AuditBroken(ChainBreak::Edited { seq: 3 })),
        "{err:?}"
    );
    assert_eq!(err.code(), "vault.audit_broken");
}

#[test]
fn a_removed_audit_entry_is_detected() {
    let tmp = tempfile::tempdir().unwrap();
    audit_vault(tmp.path());
    unguarded(tmp.path())
        .execute("DELETE FROM audit_log WHERE seq = 2", [])
        .unwrap();
    let err = verify(tmp.path(), false).unwrap_err();
    assert!(
        matches!(
            err,
            VaultError::AuditBroken(ChainBreak::Disconnected { seq: 3 })
        ),
        "{err:?}"
    );
}

#[test]
fn reordered_audit_entries_are_detected() {
    let tmp = tempfile::tempdir().unwrap();
    audit_vault(tmp.path());
    unguarded(tmp.path())
        .execute_batch(
            "UPDATE audit_log SET seq = 100 WHERE seq = 2;
             UPDATE audit_log SET seq = 2 WHERE seq = 3;
             UPDATE audit_log SET seq = 3 WHERE seq = 100;",
        )
        .unwrap();
    let err = verify(tmp.path(), false).unwrap_err();
    assert!(
        matches!(
            err,
            VaultError::AuditBroken(ChainBreak::Disconnected { seq: 2 })
        ),
        "{err:?}"
    );
}

#[test]
fn a_truncated_audit_log_is_detected_once_unlocked() {
    let tmp = tempfile::tempdir().unwrap();
    audit_vault(tmp.path());
    unguarded(tmp.path())
        .execute("DELETE FROM audit_log WHERE seq >= 5", [])
        .unwrap();
    // The chain alone cannot tell a shorter log from an older one...
    assert_eq!(verify(tmp.path(), false).unwrap(), 4);
    // ...but the sealed anchor remembers entry 6.
    let err = verify(tmp.path(), true).unwrap_err();
    assert!(
        matches!(
            err,
            VaultError::AuditBroken(ChainBreak::AnchorMismatch { seq: 6 })
        ),
        "{err:?}"
    );
}

/// What an attacker would look for after a wipe: the canary, the old wrapped key and
/// the old ciphertexts.
struct Remnants {
    canary: String,
    /// The wrapped data key as it sits in the key slots file (epoch ‖ wrapped key).
    wrapped_key: Vec<u8>,
    sealed: Vec<Vec<u8>>,
}

fn remnants(dir: &Path, canary: &str) -> Remnants {
    let conn = db(dir);
    let epoch: i64 = conn
        .query_row("SELECT key_epoch FROM header", [], |r| r.get(0))
        .unwrap();
    let slots = std::fs::read(dir.join("vault.db-keys")).unwrap();
    let wrapped_key = slots
        .chunks(128)
        .find(|slot| slot[..8] == epoch.to_be_bytes())
        .unwrap()[..68]
        .to_vec();
    let mut stmt = conn.prepare("SELECT sealed FROM submissions").unwrap();
    let sealed = stmt
        .query_map([], |r| r.get::<_, Vec<u8>>(0))
        .unwrap()
        .map(|r| r.unwrap()[..24].to_vec())
        .collect();
    Remnants {
        canary: canary.to_string(),
        wrapped_key,
        sealed,
    }
}

fn assert_nothing_left(dir: &Path, r: &Remnants) {
    assert_no_key_left(dir, r);
    for s in &r.sealed {
        assert_eq!(hits(dir, s), Vec::<String>::new());
    }
}

/// No plaintext and no copy of the wrapped key: old ciphertexts may be left in free
/// space, but nothing opens them any more (crypto-erasure).
fn assert_no_key_left(dir: &Path, r: &Remnants) {
    assert_eq!(hits(dir, r.canary.as_bytes()), Vec::<String>::new());
    assert_eq!(hits(dir, &r.wrapped_key), Vec::<String>::new());
}

#[test]
fn panic_wipe_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let canary = canary();
    let mut v = Vault::create(tmp.path(), PASS, cfg(), t0()).unwrap();
    fill_with_canary(&mut v, &canary);
    let r = remnants(tmp.path(), &canary);
    assert_eq!(r.sealed.len(), 19);
    // An unrelated file in the directory is left alone.
    std::fs::write(tmp.path().join("README.txt"), "field kit").unwrap();
    v.wipe().unwrap();
    let left: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(left, ["README.txt"]);
    assert_nothing_left(tmp.path(), &r);
    let gone = Vault::open(tmp.path(), cfg(), t0());
    assert_eq!(gone.err().unwrap().code(), "vault.not_a_vault");
}

#[test]
fn panic_wipe_of_a_directory_without_a_passphrase() {
    let tmp = tempfile::tempdir().unwrap();
    let canary = canary();
    let mut v = Vault::create(tmp.path(), PASS, cfg(), t0()).unwrap();
    fill_with_canary(&mut v, &canary);
    let r = remnants(tmp.path(), &canary);
    drop(v);
    Vault::wipe_dir(tmp.path()).unwrap();
    assert_nothing_left(tmp.path(), &r);
    assert_eq!(
        Vault::wipe_dir(tmp.path()).unwrap_err().code(),
        "vault.not_a_vault"
    );
}

#[test]
fn duress_passphrase_wipes_and_opens_an_empty_vault() {
    let tmp = tempfile::tempdir().unwrap();
    let canary = canary();
    let mut v = Vault::create(tmp.path(), PASS, cfg(), t0()).unwrap();
    fill_with_canary(&mut v, &canary);
    assert_eq!(
        v.set_duress_passphrase(PASS, t0()).unwrap_err().code(),
        "vault.invalid_input"
    );
    v.set_duress_passphrase(b"open sesame please", t0())
        .unwrap();
    assert_eq!(
        v.change_passphrase(PASS, b"open sesame please", t0())
            .unwrap_err()
            .code(),
        "vault.invalid_input"
    );
    let r = remnants(tmp.path(), &canary);
    drop(v);

    let mut v = Vault::open(tmp.path(), cfg(), t0()).unwrap();
    // Looks exactly like a normal unlock.
    v.unlock(b"open sesame please", t0()).unwrap();
    assert!(v.is_unlocked());
    assert!(v.list(&ListFilter::default()).unwrap().is_empty());
    let s = v.status().unwrap();
    assert_eq!(
        (s.drafts, s.finalized, s.forms),
        (Some(0), Some(0), Some(0))
    );
    assert!(
        v.audit_events(t0())
            .unwrap()
            .iter()
            .all(|e| e.event != "wipe")
    );
    assert_no_key_left(tmp.path(), &r);
    // The empty vault works normally under the duress passphrase.
    v.save_draft(&meta("new"), &json!({}), t0()).unwrap();
    drop(v);
    assert_no_key_left(tmp.path(), &r);
    let mut v = Vault::open(tmp.path(), cfg(), t0()).unwrap();
    assert!(matches!(
        v.unlock(PASS, t0()),
        Err(VaultError::WrongPassphrase)
    ));
    v.unlock(b"open sesame please", t0()).unwrap();
    assert_eq!(v.list(&ListFilter::default()).unwrap().len(), 1);
}

/// The temp-dir scan must be able to fail: a fresh file holding the canary is found,
/// an old folder is not entered.
#[test]
fn the_temp_dir_scan_finds_a_fresh_file() {
    let started = std::time::SystemTime::now() - std::time::Duration::from_secs(2);
    let canary = canary();
    let file = tempfile::Builder::new()
        .prefix("lantern-scan-selftest")
        .tempfile()
        .unwrap();
    std::fs::write(file.path(), format!("x{canary}x")).unwrap();
    let found = hits_since(&std::env::temp_dir(), canary.as_bytes(), started);
    assert_eq!(found, vec![file.path().display().to_string()]);
    let future = std::time::SystemTime::now() + std::time::Duration::from_secs(3600);
    assert!(hits_since(&std::env::temp_dir(), canary.as_bytes(), future).is_empty());
}

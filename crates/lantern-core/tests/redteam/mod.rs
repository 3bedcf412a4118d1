//! What the red-team tests share: the vault they attack (`fill`) and the review's offline
//! attack (`offline_data_keys`, `offline_open_submission`), written from `docs/vault.md`
//! with `argon2` and `ring` only. Used by `vault_redteam.rs` and `vault_ext4.rs`.
#![allow(dead_code)] // each test binary uses its own part of these helpers

use std::path::Path;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use lantern_core::vault::{FormRecord, KdfParams, SubmissionMeta, Vault, VaultConfig};
use serde_json::json;

pub fn cfg() -> VaultConfig {
    VaultConfig {
        kdf: KdfParams::INSECURE_FAST_FOR_TESTS,
        idle_lock: TimeDelta::days(400),
    }
}

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 17, 23).unwrap()
}

pub fn meta(id: &str) -> SubmissionMeta {
    SubmissionMeta {
        id: id.into(),
        form_id: "camp_safety_audit".into(),
        form_version: "1".into(),
    }
}

pub const PASS: &[u8] = b"correct horse battery";
pub const NEW_PASS: &[u8] = b"a new passphrase after the leak";
pub const DURESS: &[u8] = b"open sesame";

pub fn canary() -> String {
    format!("ZQXCANARY-{}", uuid::Uuid::new_v4().simple())
}

pub fn db(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join("vault.db")).unwrap()
}

/// A connection without the audit log's append-only triggers, as an attacker has.
pub fn unguarded(dir: &Path) -> rusqlite::Connection {
    let conn = db(dir);
    conn.execute_batch("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;")
        .unwrap();
    conn
}

pub fn copy_vault(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Files in `dir` that contain `needle`.
pub fn hits(dir: &Path, needle: &[u8]) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path();
            let bytes = std::fs::read(&path).ok()?;
            contains(&bytes, needle).then(|| path.display().to_string())
        })
        .collect()
}

pub fn fill(v: &mut Vault, canary: &str) {
    v.add_form(
        &FormRecord {
            form_id: "camp_safety_audit".into(),
            version: "1".into(),
            definition: b"PK workbook bytes".to_vec(),
            retention_days: Some(30),
            media: Vec::new(),
        },
        t0(),
    )
    .unwrap();
    for i in 0..4 {
        v.save_draft(
            &meta(&format!("s{i}")),
            &json!({"site_notes": format!("{canary} {i}"), "count": 437}),
            t0(),
        )
        .unwrap();
    }
    v.finalize("s0", t0()).unwrap();
    v.finalize("s1", t0()).unwrap();
    v.enqueue_outbox("batch-1", &json!({"n": 2}), t0()).unwrap();
}

/// The review's offline attack: the data keys that `pass` unwraps from a key slots file
/// (as in `docs/vault.md`: slot = epoch ‖ AES-256-GCM(Argon2id(pass, salt, m, t, p),
/// data key, AAD "data-key" ‖ vault id ‖ epoch ‖ m ‖ t ‖ p)), with header values from
/// `header_db`.
pub fn offline_data_keys(header_db: &Path, keys_file: &Path, pass: &[u8]) -> Vec<[u8; 32]> {
    let conn = rusqlite::Connection::open(header_db).unwrap();
    let (vault_id, m, t, p, salt): (String, u32, u32, u32, Vec<u8>) = conn
        .query_row(
            "SELECT vault_id, kdf_m_cost_kib, kdf_t_cost, kdf_p_cost, salt FROM header",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    let params = argon2::Params::new(m, t, p, Some(32)).unwrap();
    let mut kek = [0u8; 32];
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password_into(pass, &salt, &mut kek)
        .unwrap();
    let slots = std::fs::read(keys_file).unwrap();
    let mut keys = Vec::new();
    for slot in slots.chunks(128) {
        let epoch = i64::from_be_bytes(slot[..8].try_into().unwrap());
        let mut ad = aad(&["data-key", &vault_id]);
        ad.extend_from_slice(&epoch.to_be_bytes());
        for x in [m, t, p] {
            ad.extend_from_slice(&x.to_be_bytes());
        }
        if let Some(key) = gcm_open(&kek, &slot[8..68], &ad) {
            keys.push(key.try_into().unwrap());
        }
    }
    keys
}

pub fn aad(fields: &[&str]) -> Vec<u8> {
    let mut out = b"lantern-vault-v1".to_vec();
    for f in fields {
        out.extend_from_slice(&(f.len() as u64).to_be_bytes());
        out.extend_from_slice(f.as_bytes());
    }
    out
}

pub fn gcm_open(key: &[u8; 32], sealed: &[u8], ad: &[u8]) -> Option<Vec<u8>> {
    use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).ok()?);
    let nonce = Nonce::try_assume_unique_for_key(&sealed[..12]).ok()?;
    let mut buf = sealed[12..].to_vec();
    let plain = key.open_in_place(nonce, Aad::from(ad), &mut buf).ok()?;
    Some(plain.to_vec())
}

/// Opens a submission's ciphertext (as stored at revision `rev` with `status`) offline.
pub fn offline_open_submission(
    key: &[u8; 32],
    vault_id: &str,
    id: &str,
    status: &str,
    rev: i64,
    sealed: &[u8],
) -> Option<Vec<u8>> {
    let ad = aad(&[
        "submission-v2",
        vault_id,
        id,
        "camp_safety_audit",
        "1",
        status,
        &rev.to_string(),
    ]);
    gcm_open(key, sealed, &ad)
}

pub fn row(dir: &Path, id: &str) -> (String, i64, Vec<u8>) {
    db(dir)
        .query_row(
            "SELECT status, rev, sealed FROM submissions WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
}

pub fn vault_id(dir: &Path) -> String {
    db(dir)
        .query_row("SELECT vault_id FROM header", [], |r| r.get(0))
        .unwrap()
}

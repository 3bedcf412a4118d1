//! The audit log: an append-only, hash-chained list of what happened to the vault
//! (unlock, failed unlock, create, finalize, withdraw, backup, restore, purge, …).
//!
//! Each entry's hash commits to the previous entry's hash, its sequence number, time,
//! event and detail, so editing, removing or reordering an entry breaks the chain.
//! Entries carry ids and counts only, never answer content. Whoever can write the file
//! could recompute the whole chain, so while unlocked the vault also keeps a sealed
//! anchor (the latest sequence number and hash) that [`verify`] checks when it can.
//!
//! Since issue 13 the clear row holds only the day and, as event, [`SEALED_EVENT`]; the
//! time, the real event and the detail are sealed into `detail` (hex). Only a failed
//! unlock, written while locked, stays in clear as `unlock_failed` with no detail. A
//! re-key re-seals the entries and so rebuilds the chain ([`rewrite`]), in the same
//! transaction that moves the sealed anchor.

use rusqlite::{Connection, params};

use super::crypto;

/// What happened, as recorded in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditEvent {
    Create,
    Unlock,
    UnlockFailed,
    PassphraseChanged,
    DuressSet,
    SubmissionCreated,
    Finalize,
    Withdraw,
    Acknowledge,
    Export,
    Backup,
    Restore,
    Sync,
    RetentionPurge,
    Wipe,
}

impl AuditEvent {
    /// The stable name written in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditEvent::Create => "vault_created",
            AuditEvent::Unlock => "unlock",
            AuditEvent::UnlockFailed => "unlock_failed",
            AuditEvent::PassphraseChanged => "passphrase_changed",
            AuditEvent::DuressSet => "duress_passphrase_set",
            AuditEvent::SubmissionCreated => "submission_created",
            AuditEvent::Finalize => "finalize",
            AuditEvent::Withdraw => "withdraw",
            AuditEvent::Acknowledge => "acknowledged",
            AuditEvent::Export => "export",
            AuditEvent::Backup => "backup",
            AuditEvent::Restore => "restore",
            AuditEvent::Sync => "sync",
            AuditEvent::RetentionPurge => "retention_purge",
            AuditEvent::Wipe => "wipe",
        }
    }
}

/// One entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    /// UTC, to the second.
    pub at: String,
    pub event: String,
    /// Ids and counts only.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Where the chain first breaks, if it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The entry's stored hash is not the hash of its contents: it was edited.
    Edited { seq: i64 },
    /// The entry does not follow the one before it: entries were removed or reordered.
    Disconnected { seq: i64 },
    /// The sealed anchor names an entry that is missing or different: the log was
    /// truncated or rewritten.
    AnchorMismatch { seq: i64 },
}

impl ChainBreak {
    /// The entry where the chain breaks.
    pub fn seq(&self) -> i64 {
        match self {
            ChainBreak::Edited { seq }
            | ChainBreak::Disconnected { seq }
            | ChainBreak::AnchorMismatch { seq } => *seq,
        }
    }
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainBreak::Edited { seq } => write!(f, "entry {seq} was edited"),
            ChainBreak::Disconnected { seq } => {
                write!(
                    f,
                    "entry {seq} does not follow the entry before it (removed or reordered entries)"
                )
            }
            ChainBreak::AnchorMismatch { seq } => write!(
                f,
                "the log no longer contains entry {seq} as it was when last unlocked (truncated or rewritten)"
            ),
        }
    }
}

pub(super) const GENESIS: [u8; 32] = [0u8; 32];

/// The clear `event` of an entry whose content is sealed in its `detail`.
pub const SEALED_EVENT: &str = "sealed";

fn entry_hash(prev: &[u8], seq: i64, at: &str, event: &str, detail: &str) -> [u8; 32] {
    let seq = seq.to_be_bytes();
    let lens = [at.len(), event.len(), detail.len()].map(|l| (l as u64).to_be_bytes());
    crypto::sha256(&[
        b"lantern-audit-v1\0",
        prev,
        &seq,
        &lens[0],
        at.as_bytes(),
        &lens[1],
        event.as_bytes(),
        &lens[2],
        detail.as_bytes(),
    ])
}

/// The last entry's sequence number and hash (genesis for an empty log).
pub(super) fn head(conn: &Connection) -> rusqlite::Result<(i64, [u8; 32])> {
    let row: Option<(i64, Vec<u8>)> = conn
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            other => Err(other),
        })?;
    Ok(match row {
        Some((seq, hash)) => {
            let mut h = [0u8; 32];
            if hash.len() == 32 {
                h.copy_from_slice(&hash);
            }
            (seq, h)
        }
        None => (0, GENESIS),
    })
}

/// Appends an entry after the current head; returns its sequence number and hash.
pub(super) fn append(
    conn: &Connection,
    at: &str,
    event: &str,
    detail: &str,
) -> rusqlite::Result<(i64, [u8; 32])> {
    let (last, prev) = head(conn)?;
    let seq = last + 1;
    let hash = entry_hash(&prev, seq, at, event, detail);
    conn.execute(
        "INSERT INTO audit_log (seq, at, event, detail, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![seq, at, event, detail, &prev[..], &hash[..]],
    )?;
    Ok((seq, hash))
}

/// Replaces the whole log with `rows` (seq, day, event, detail), recomputing the chain.
/// Only for a re-key (the sealed details change with the key), a restore and a duress
/// unlock, always inside the transaction that also moves the sealed anchor.
pub(super) fn rewrite(
    conn: &Connection,
    rows: &[(i64, String, String, String)],
) -> rusqlite::Result<(i64, [u8; 32])> {
    conn.execute_batch(
        "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log;
         CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
         BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
    )?;
    let mut prev = GENESIS;
    let mut last = 0;
    let mut stmt = conn.prepare(
        "INSERT INTO audit_log (seq, at, event, detail, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (seq, at, event, detail) in rows {
        let hash = entry_hash(&prev, *seq, at, event, detail);
        stmt.execute(params![seq, at, event, detail, &prev[..], &hash[..]])?;
        prev = hash;
        last = *seq;
    }
    Ok((last, prev))
}

/// Every entry in sequence order.
pub(super) fn entries(conn: &Connection) -> rusqlite::Result<Vec<AuditEntry>> {
    let mut stmt =
        conn.prepare("SELECT seq, at, event, detail, prev_hash, hash FROM audit_log ORDER BY seq")?;
    let rows = stmt.query_map([], |r| {
        Ok(AuditEntry {
            seq: r.get(0)?,
            at: r.get(1)?,
            event: r.get(2)?,
            detail: r.get(3)?,
            prev_hash: crypto::to_hex(&r.get::<_, Vec<u8>>(4)?),
            hash: crypto::to_hex(&r.get::<_, Vec<u8>>(5)?),
        })
    })?;
    rows.collect()
}

/// Walks the chain from the start; `anchor` is the sealed (seq, hash) when known.
pub fn verify(entries: &[AuditEntry], anchor: Option<(i64, [u8; 32])>) -> Result<(), ChainBreak> {
    let mut prev = crypto::to_hex(&GENESIS);
    for (expected_seq, entry) in (1..).zip(entries) {
        if entry.seq != expected_seq || entry.prev_hash != prev {
            return Err(ChainBreak::Disconnected { seq: entry.seq });
        }
        let prev_bytes = crypto::from_hex::<32>(&entry.prev_hash)
            .ok_or(ChainBreak::Edited { seq: entry.seq })?;
        let hash = entry_hash(
            &prev_bytes,
            entry.seq,
            &entry.at,
            &entry.event,
            &entry.detail,
        );
        if crypto::to_hex(&hash) != entry.hash {
            return Err(ChainBreak::Edited { seq: entry.seq });
        }
        prev = entry.hash.clone();
    }
    if let Some((seq, hash)) = anchor {
        let found = usize::try_from(seq - 1)
            .ok()
            .and_then(|i| entries.get(i))
            .is_some_and(|e| e.hash == crypto::to_hex(&hash));
        if !found {
            return Err(ChainBreak::AnchorMismatch { seq });
        }
    }
    Ok(())
}

//! The vault's SQLite schema, its migrations, and the connection settings every
//! connection must use (WAL, `synchronous=FULL`, `secure_delete=ON`, temp data in memory).
//!
//! Migrations are additive only: a vault written by any earlier Lantern must still open.
//! Columns in clear are limited to what must be queried while locked (ids, form id and
//! version, status, coarse day-level timestamps); everything else is a `sealed` blob.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};
use rusqlite_migration::{M, Migrations};

/// Migration 1: the first schema Lantern shipped.
const V1: &str = "
CREATE TABLE header (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    vault_id        TEXT NOT NULL,
    format          INTEGER NOT NULL,
    kdf_m_cost_kib  INTEGER NOT NULL,
    kdf_t_cost      INTEGER NOT NULL,
    kdf_p_cost      INTEGER NOT NULL,
    salt            BLOB NOT NULL,
    key_epoch       INTEGER NOT NULL,
    wrapped_key     BLOB NOT NULL,
    duress_verifier BLOB NOT NULL,
    failed_unlocks  INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Sealed state that must move together with the data key (the key epoch), kept
-- apart from the header so that rolling back the header alone is detected.
CREATE TABLE vault_state (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    sealed  BLOB NOT NULL
) STRICT;

CREATE TABLE forms (
    form_id      TEXT NOT NULL,
    version      TEXT NOT NULL,
    hash         TEXT NOT NULL,
    added_day    TEXT NOT NULL,
    sealed       BLOB NOT NULL,
    PRIMARY KEY (form_id, version)
) STRICT;

CREATE TABLE submissions (
    id            TEXT PRIMARY KEY,
    form_id       TEXT NOT NULL,
    form_version  TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('draft', 'finalized')),
    created_day   TEXT NOT NULL,
    updated_day   TEXT NOT NULL,
    finalized_day TEXT,
    sealed        BLOB NOT NULL
) STRICT;
CREATE INDEX submissions_by_form ON submissions (form_id, status);

CREATE TABLE sites (
    id      TEXT PRIMARY KEY,
    sealed  BLOB NOT NULL
) STRICT;

CREATE TABLE settings (
    key     TEXT PRIMARY KEY,
    sealed  BLOB NOT NULL
) STRICT;

CREATE TABLE outbox (
    id          TEXT PRIMARY KEY,
    created_day TEXT NOT NULL,
    state       TEXT NOT NULL,
    sealed      BLOB NOT NULL
) STRICT;

CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    event     TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash BLOB NOT NULL,
    hash      BLOB NOT NULL
) STRICT;
-- Append-only: the database itself refuses edits and deletions of audit entries;
-- the hash chain catches anyone who edits the file directly.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
";

/// Migration 2: retention. A form's retention period (from its `purpose` sheet) and the
/// day a submission's aggregates were acknowledged by a server, from which it counts.
const V2: &str = "
ALTER TABLE forms ADD COLUMN retention_days INTEGER;
ALTER TABLE submissions ADD COLUMN acknowledged_day TEXT;
";

/// Migration 3 (issue 13, vault second round):
/// - `header.keyfile`: 1 once the wrapped data key lives in `vault.db-keys` (crypto-
///   erasure); 0 in vaults from before, which move there at their next unlock;
/// - `header.duress_kdf`: the Argon2id parameters (12 bytes, `m ‖ t ‖ p`) the duress
///   verifier was made with, when they differ from the header's (a passphrase change to
///   new parameters must not silently disable duress);
/// - `submissions.rev`: a revision counter bound into each record's associated data and
///   into the sealed row commitment, so an older ciphertext cannot be put back.
const V3_ISSUE13: &str = "
ALTER TABLE header ADD COLUMN keyfile INTEGER NOT NULL DEFAULT 0;
ALTER TABLE header ADD COLUMN duress_kdf BLOB;
ALTER TABLE submissions ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
";

/// Migration 4 (issue 12, aggregates): each finalized submission's indicator
/// contributions, sealed beside it and deleted with it (withdrawal, retention purge).
const CONTRIBUTIONS: &str = "
CREATE TABLE contributions (
    submission_id TEXT PRIMARY KEY REFERENCES submissions (id) ON DELETE CASCADE,
    form_id       TEXT NOT NULL,
    sealed        BLOB NOT NULL
) STRICT;
CREATE INDEX contributions_by_form ON contributions (form_id);
";

/// All migrations, oldest first.
pub fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(V1),
        M::up(V2),
        M::up(V3_ISSUE13),
        M::up(CONTRIBUTIONS),
    ])
}

/// The number of migrations, i.e. the current schema version.
pub const LATEST: usize = 4;

/// Opens (creating if asked) the vault database with the settings every connection needs.
pub fn connect(path: &Path, create: bool) -> rusqlite::Result<Connection> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(path, flags)?;
    configure(&conn)?;
    Ok(conn)
}

/// Opens an existing vault database read-only, for `vault status`: no migration, no
/// journal-mode switch, nothing written to `vault.db` (issue 13, L8).
pub fn connect_read_only(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.execute_batch("PRAGMA temp_store = MEMORY; PRAGMA busy_timeout = 5000;")?;
    Ok(conn)
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    // journal_mode answers with a row, so it is read rather than executed.
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(rusqlite::Error::InvalidQuery);
    }
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA secure_delete = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 5000;",
    )?;
    Ok(())
}

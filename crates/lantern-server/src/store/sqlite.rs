//! The embedded backend: one SQLite file `lantern-server.db` in the data directory,
//! WAL with a busy timeout so that `admin` commands work while the server runs.
//!
//! rusqlite is synchronous, so every call runs on tokio's blocking pool. Writes go
//! through one writer connection (SQLite serialises writers anyway; one connection
//! avoids busy-waiting between our own threads); reads use a small pool.
//!
//! Batch uploads, the hot path, go to one ingest thread that commits them in groups:
//! it takes every upload waiting when it is free, applies each in its own savepoint
//! (so one failing upload does not take the others with it, and the outcome is the
//! same as applying them one after the other), commits once, and only then answers
//! each. A commit is one fsync (`synchronous = FULL`) whatever the group's size, so
//! throughput no longer pays one fsync per upload, and an acknowledgement still means
//! the batch is on disk.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::{
    BatchFilter, BoxFut, Device, EnrollOutcome, NewEnrollment, PutOutcome, Receipt, Session, Site,
    Store, StoreError, StoredBatch, User, join_list, split_list,
};

/// The file name inside `--data`.
pub const DB_FILE: &str = "lantern-server.db";

/// Schema, versioned by `PRAGMA user_version`; changes are additive, appended here.
const MIGRATIONS: &[&str] = &[
    "
CREATE TABLE enrollments (
    code_hash   TEXT PRIMARY KEY,
    sites       TEXT NOT NULL,
    forms       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    device_id   TEXT
) STRICT;
CREATE TABLE devices (
    device_id       TEXT PRIMARY KEY,
    public_key      BLOB NOT NULL UNIQUE,
    sites           TEXT NOT NULL,
    forms           TEXT NOT NULL,
    enrolled_at     TEXT NOT NULL,
    revoked_at      TEXT,
    last_upload_at  TEXT
) STRICT;
-- The latest batch per device x form x site x round ('' for no round).
CREATE TABLE batches (
    batch_id      TEXT PRIMARY KEY,
    device_id     TEXT NOT NULL REFERENCES devices (device_id),
    form_id       TEXT NOT NULL,
    form_version  TEXT NOT NULL,
    site          TEXT NOT NULL,
    round         TEXT NOT NULL,
    sequence      INTEGER NOT NULL,
    batch_hash    TEXT NOT NULL,
    received_at   TEXT NOT NULL,
    body          TEXT NOT NULL,
    UNIQUE (device_id, form_id, site, round)
) STRICT;
CREATE INDEX batches_by_form ON batches (form_id, site, round);
-- Every batch ever accepted, so that a repeat of a replaced batch still gets its
-- original acknowledgement instead of a replay refusal.
CREATE TABLE receipts (
    batch_id     TEXT PRIMARY KEY,
    device_id    TEXT NOT NULL,
    batch_hash   TEXT NOT NULL,
    sequence     INTEGER NOT NULL,
    received_at  TEXT NOT NULL
) STRICT;
CREATE TABLE admin_tokens (
    token_hash  TEXT PRIMARY KEY,
    created_at  TEXT NOT NULL
) STRICT;
",
    // Issue 17, the dashboard: its users, their sessions and the imported site list.
    DASHBOARD_MIGRATION,
];

const DASHBOARD_MIGRATION: &str = "
CREATE TABLE users (
    username       TEXT PRIMARY KEY,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
    created_at     TEXT NOT NULL
) STRICT;
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    username    TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    csrf_token  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
) STRICT;
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
CREATE TABLE sites (
    code   TEXT PRIMARY KEY,
    name   TEXT NOT NULL,
    admin  TEXT NOT NULL
) STRICT;
";

/// Idle read connections kept open.
const READ_POOL: usize = 4;

/// The most uploads committed together.
const INGEST_GROUP: usize = 256;

/// One upload waiting for the ingest thread, and where its outcome goes.
type IngestJob = (
    StoredBatch,
    tokio::sync::oneshot::Sender<Result<PutOutcome, StoreError>>,
);

pub struct SqliteStore {
    path: PathBuf,
    writer: Arc<Mutex<Connection>>,
    readers: Arc<Mutex<Vec<Connection>>>,
    /// To the ingest thread (it stops when the store is dropped).
    ingest: std::sync::mpsc::Sender<IngestJob>,
}

fn connect(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(rusqlite::Error::InvalidQuery);
    }
    // FULL: an acknowledgement starts the device's retention clock, so what the
    // server acknowledged must survive a power cut, not just a crash.
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;",
    )?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let version =
        usize::try_from(version).map_err(|_| StoreError::Corrupt("user_version".into()))?;
    if version > MIGRATIONS.len() {
        return Err(StoreError::Corrupt(format!(
            "database schema {version} is newer than this server ({}); upgrade the server",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        tx.execute_batch(sql)?;
        tx.pragma_update(
            None,
            "user_version",
            i64::try_from(i + 1).unwrap_or(i64::MAX),
        )?;
    }
    tx.commit()?;
    Ok(())
}

impl SqliteStore {
    /// Opens (creating) the database in `dir`.
    pub fn open(dir: &Path) -> anyhow::Result<SqliteStore> {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("cannot create data directory {}: {e}", dir.display()))?;
        let path = dir.join(DB_FILE);
        let mut writer =
            connect(&path).map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
        migrate(&mut writer)?;
        let writer = Arc::new(Mutex::new(writer));
        let (ingest, jobs) = std::sync::mpsc::channel();
        let w = Arc::clone(&writer);
        std::thread::Builder::new()
            .name("sqlite-ingest".into())
            .spawn(move || ingest_loop(&w, &jobs))
            .map_err(|e| anyhow::anyhow!("cannot start the ingest thread: {e}"))?;
        Ok(SqliteStore {
            path,
            writer,
            readers: Arc::new(Mutex::new(Vec::new())),
            ingest,
        })
    }

    fn read<T, F>(&self, f: F) -> BoxFut<'_, T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let path = self.path.clone();
        let pool = Arc::clone(&self.readers);
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                let conn = pool.lock().map_err(|_| poisoned())?.pop();
                let conn = match conn {
                    Some(c) => c,
                    None => connect(&path)?,
                };
                let out = f(&conn);
                let mut idle = pool.lock().map_err(|_| poisoned())?;
                if idle.len() < READ_POOL {
                    idle.push(conn);
                }
                out
            })
            .await
            .map_err(|e| StoreError::Database(format!("blocking task failed: {e}")))?
        })
    }

    fn write<T, F>(&self, f: F) -> BoxFut<'_, T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        let writer = Arc::clone(&self.writer);
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                let mut conn = writer.lock().map_err(|_| poisoned())?;
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let out = f(&tx)?;
                tx.commit()?;
                Ok(out)
            })
            .await
            .map_err(|e| StoreError::Database(format!("blocking task failed: {e}")))?
        })
    }
}

/// Applies one upload inside the current transaction: idempotent by batch id, refuses
/// an older sequence, replaces the previous batch of the same key.
fn put_one(conn: &Connection, b: StoredBatch) -> Result<PutOutcome, StoreError> {
    let seen: Option<(String, String, i64, String)> = conn
        .prepare_cached(
            "SELECT device_id, batch_hash, sequence, received_at
             FROM receipts WHERE batch_id = ?1",
        )?
        .query_row([&b.batch_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    if let Some((device_id, batch_hash, sequence, received_at)) = seen {
        if device_id == b.device_id && batch_hash == b.batch_hash {
            return Ok(PutOutcome::Repeat(Receipt {
                batch_id: b.batch_id,
                device_id,
                batch_hash,
                sequence: to_u64(sequence)?,
                received_at,
            }));
        }
        return Ok(PutOutcome::IdConflict);
    }
    let round = b.round.clone().unwrap_or_default();
    let stored: Option<i64> = conn
        .prepare_cached(
            "SELECT sequence FROM batches
             WHERE device_id = ?1 AND form_id = ?2 AND site = ?3 AND round = ?4",
        )?
        .query_row(params![b.device_id, b.form_id, b.site, round], |r| r.get(0))
        .optional()?;
    let sequence = to_i64(b.sequence)?;
    if let Some(stored) = stored
        && stored >= sequence
    {
        return Ok(PutOutcome::Stale {
            stored_sequence: to_u64(stored)?,
        });
    }
    conn.prepare_cached(
        "DELETE FROM batches
         WHERE device_id = ?1 AND form_id = ?2 AND site = ?3 AND round = ?4",
    )?
    .execute(params![b.device_id, b.form_id, b.site, round])?;
    conn.prepare_cached(
        "INSERT INTO batches (batch_id, device_id, form_id, form_version, site, round,
                              sequence, batch_hash, received_at, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        b.batch_id,
        b.device_id,
        b.form_id,
        b.form_version,
        b.site,
        round,
        sequence,
        b.batch_hash,
        b.received_at,
        b.body
    ])?;
    conn.prepare_cached(
        "INSERT INTO receipts (batch_id, device_id, batch_hash, sequence, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        b.batch_id,
        b.device_id,
        b.batch_hash,
        sequence,
        b.received_at
    ])?;
    conn.prepare_cached("UPDATE devices SET last_upload_at = ?1 WHERE device_id = ?2")?
        .execute(params![b.received_at, b.device_id])?;
    Ok(PutOutcome::Stored(Receipt {
        batch_id: b.batch_id,
        device_id: b.device_id,
        batch_hash: b.batch_hash,
        sequence: b.sequence,
        received_at: b.received_at,
    }))
}

/// The ingest thread: waits for uploads, commits them in groups, answers each after
/// the commit (an acknowledgement means the batch is on disk).
fn ingest_loop(writer: &Mutex<Connection>, jobs: &std::sync::mpsc::Receiver<IngestJob>) {
    while let Ok(first) = jobs.recv() {
        let mut group = vec![first];
        while group.len() < INGEST_GROUP {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let mut outcomes = Vec::with_capacity(group.len());
        let mut senders = Vec::with_capacity(group.len());
        // A panic (a bug) fails this group only: its transaction rolls back as it
        // unwinds, so the connection is usable again and the thread goes on.
        let committed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut conn = writer
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for (batch, done) in group.drain(..) {
                senders.push(done);
                let mut sp = tx.savepoint()?;
                let outcome = put_one(&sp, batch);
                if outcome.is_ok() {
                    sp.commit()?;
                } else {
                    sp.rollback()?;
                }
                outcomes.push(outcome);
            }
            tx.commit()?;
            Ok::<(), StoreError>(())
        }))
        .unwrap_or_else(|_| {
            Err(StoreError::Database(
                "storing the upload failed unexpectedly; nothing of it was kept".into(),
            ))
        });
        match committed {
            Ok(()) => {
                for (done, outcome) in senders.into_iter().zip(outcomes) {
                    // The client may have gone; the batch is stored all the same.
                    let _ = done.send(outcome);
                }
            }
            Err(e) => {
                // Nothing of the group was committed: none of it is acknowledged.
                let text = e.to_string();
                let busy = matches!(e, StoreError::Busy);
                for (_, done) in group {
                    senders.push(done);
                }
                for done in senders {
                    let _ = done.send(Err(if busy {
                        StoreError::Busy
                    } else {
                        StoreError::Database(text.clone())
                    }));
                }
            }
        }
    }
}

fn poisoned() -> StoreError {
    StoreError::Database("a database connection was poisoned by a panic".into())
}

fn to_i64(n: u64) -> Result<i64, StoreError> {
    i64::try_from(n).map_err(|_| StoreError::Database("sequence out of range".into()))
}

fn to_u64(n: i64) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::Corrupt("negative sequence".into()))
}

fn device_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(Device, String, String)> {
    Ok((
        Device {
            device_id: row.get(0)?,
            public_key: row.get(1)?,
            sites: Vec::new(),
            forms: Vec::new(),
            enrolled_at: row.get(4)?,
            revoked_at: row.get(5)?,
            last_upload_at: row.get(6)?,
        },
        row.get(2)?,
        row.get(3)?,
    ))
}

fn finish_device((mut d, sites, forms): (Device, String, String)) -> Result<Device, StoreError> {
    d.sites = split_list(&sites)?;
    d.forms = split_list(&forms)?;
    Ok(d)
}

fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        username: r.get(0)?,
        password_hash: r.get(1)?,
        role: r.get(2)?,
        created_at: r.get(3)?,
    })
}

const DEVICE_COLUMNS: &str =
    "device_id, public_key, sites, forms, enrolled_at, revoked_at, last_upload_at";

impl Store for SqliteStore {
    fn create_enrollment(&self, e: NewEnrollment) -> BoxFut<'_, ()> {
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO enrollments (code_hash, sites, forms, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    e.code_hash,
                    join_list(&e.sites),
                    join_list(&e.forms),
                    e.created_at,
                    e.expires_at
                ],
            )?;
            Ok(())
        })
    }

    fn enroll(
        &self,
        code_hash: String,
        public_key: Vec<u8>,
        device_id: String,
        now: String,
    ) -> BoxFut<'_, EnrollOutcome> {
        self.write(move |tx| {
            let found: Option<(String, String, String, Option<String>)> = tx
                .query_row(
                    "SELECT sites, forms, expires_at, used_at FROM enrollments WHERE code_hash = ?1",
                    [&code_hash],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            let Some((sites, forms, expires_at, used_at)) = found else {
                return Ok(EnrollOutcome::UnknownCode);
            };
            if used_at.is_some() {
                return Ok(EnrollOutcome::UsedCode);
            }
            if expires_at <= now {
                return Ok(EnrollOutcome::ExpiredCode);
            }
            let taken: bool = tx
                .query_row(
                    "SELECT 1 FROM devices WHERE public_key = ?1",
                    [&public_key],
                    |_| Ok(()),
                )
                .optional()?
                .is_some();
            if taken {
                return Ok(EnrollOutcome::KeyInUse);
            }
            tx.execute(
                "UPDATE enrollments SET used_at = ?1, device_id = ?2 WHERE code_hash = ?3",
                params![now, device_id, code_hash],
            )?;
            tx.execute(
                "INSERT INTO devices (device_id, public_key, sites, forms, enrolled_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![device_id, public_key, sites, forms, now],
            )?;
            Ok(EnrollOutcome::Enrolled(Device {
                device_id,
                public_key,
                sites: split_list(&sites)?,
                forms: split_list(&forms)?,
                enrolled_at: now,
                revoked_at: None,
                last_upload_at: None,
            }))
        })
    }

    fn device(&self, device_id: String) -> BoxFut<'_, Option<Device>> {
        self.read(move |conn| {
            let row = conn
                .prepare_cached(&format!(
                    "SELECT {DEVICE_COLUMNS} FROM devices WHERE device_id = ?1"
                ))?
                .query_row([&device_id], device_row)
                .optional()?;
            row.map(finish_device).transpose()
        })
    }

    fn devices(&self) -> BoxFut<'_, Vec<Device>> {
        self.read(|conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {DEVICE_COLUMNS} FROM devices ORDER BY enrolled_at, device_id"
            ))?;
            let rows = stmt
                .query_map([], device_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter().map(finish_device).collect()
        })
    }

    fn revoke(&self, device_id: String, now: String) -> BoxFut<'_, bool> {
        self.write(move |tx| {
            let exists = tx
                .query_row(
                    "SELECT 1 FROM devices WHERE device_id = ?1",
                    [&device_id],
                    |_| Ok(()),
                )
                .optional()?
                .is_some();
            tx.execute(
                "UPDATE devices SET revoked_at = ?1 WHERE device_id = ?2 AND revoked_at IS NULL",
                params![now, device_id],
            )?;
            Ok(exists)
        })
    }

    fn put_batch(&self, b: StoredBatch) -> BoxFut<'_, PutOutcome> {
        let (done, outcome) = tokio::sync::oneshot::channel();
        let sent = self.ingest.send((b, done));
        Box::pin(async move {
            sent.map_err(|_| StoreError::Database("the ingest thread has stopped".into()))?;
            outcome
                .await
                .map_err(|_| StoreError::Database("the ingest thread has stopped".into()))?
        })
    }

    fn batches(&self, filter: BatchFilter) -> BoxFut<'_, Vec<StoredBatch>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT batch_id, device_id, form_id, form_version, site, round, sequence,
                        batch_hash, received_at, body
                 FROM batches
                 WHERE (?1 IS NULL OR form_id = ?1) AND (?2 IS NULL OR site = ?2)
                   AND (?3 IS NULL OR round = ?3)
                 ORDER BY form_id, site, round, device_id",
            )?;
            let rows = stmt
                .query_map(params![filter.form_id, filter.site, filter.round], |r| {
                    let round: String = r.get(5)?;
                    let sequence: i64 = r.get(6)?;
                    Ok((
                        StoredBatch {
                            batch_id: r.get(0)?,
                            device_id: r.get(1)?,
                            form_id: r.get(2)?,
                            form_version: r.get(3)?,
                            site: r.get(4)?,
                            round: (!round.is_empty()).then_some(round),
                            sequence: 0,
                            batch_hash: r.get(7)?,
                            received_at: r.get(8)?,
                            body: r.get(9)?,
                        },
                        sequence,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|(mut b, seq)| {
                    b.sequence = to_u64(seq)?;
                    Ok(b)
                })
                .collect()
        })
    }

    fn create_admin_token(&self, token_hash: String, now: String) -> BoxFut<'_, ()> {
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO admin_tokens (token_hash, created_at) VALUES (?1, ?2)",
                params![token_hash, now],
            )?;
            Ok(())
        })
    }

    fn admin_token_valid(&self, token_hash: String) -> BoxFut<'_, bool> {
        self.read(move |conn| {
            Ok(conn
                .prepare_cached("SELECT 1 FROM admin_tokens WHERE token_hash = ?1")?
                .query_row([&token_hash], |_| Ok(()))
                .optional()?
                .is_some())
        })
    }

    fn ping(&self) -> BoxFut<'_, ()> {
        self.read(|conn| {
            conn.query_row("SELECT 1", [], |_| Ok(()))?;
            Ok(())
        })
    }

    fn create_user(&self, user: User) -> BoxFut<'_, bool> {
        self.write(move |tx| {
            let n = tx.execute(
                "INSERT INTO users (username, password_hash, role, created_at)
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT (username) DO NOTHING",
                params![
                    user.username,
                    user.password_hash,
                    user.role,
                    user.created_at
                ],
            )?;
            Ok(n == 1)
        })
    }

    fn set_password(&self, username: String, password_hash: String) -> BoxFut<'_, bool> {
        self.write(move |tx| {
            let n = tx.execute(
                "UPDATE users SET password_hash = ?1 WHERE username = ?2",
                params![password_hash, username],
            )?;
            tx.execute("DELETE FROM sessions WHERE username = ?1", [&username])?;
            Ok(n == 1)
        })
    }

    fn user(&self, username: String) -> BoxFut<'_, Option<User>> {
        self.read(move |conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT username, password_hash, role, created_at FROM users WHERE username = ?1",
                )?
                .query_row([&username], user_row)
                .optional()?)
        })
    }

    fn users(&self) -> BoxFut<'_, Vec<User>> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT username, password_hash, role, created_at FROM users ORDER BY username",
            )?;
            let rows = stmt
                .query_map([], user_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
    }

    fn create_session(&self, s: Session, now: String) -> BoxFut<'_, ()> {
        self.write(move |tx| {
            tx.execute("DELETE FROM sessions WHERE expires_at <= ?1", [&now])?;
            tx.execute(
                "INSERT INTO sessions (token_hash, username, csrf_token, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    s.token_hash,
                    s.username,
                    s.csrf_token,
                    s.created_at,
                    s.expires_at
                ],
            )?;
            Ok(())
        })
    }

    fn session(&self, token_hash: String) -> BoxFut<'_, Option<Session>> {
        self.read(move |conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT token_hash, username, csrf_token, created_at, expires_at
                     FROM sessions WHERE token_hash = ?1",
                )?
                .query_row([&token_hash], |r| {
                    Ok(Session {
                        token_hash: r.get(0)?,
                        username: r.get(1)?,
                        csrf_token: r.get(2)?,
                        created_at: r.get(3)?,
                        expires_at: r.get(4)?,
                    })
                })
                .optional()?)
        })
    }

    fn delete_session(&self, token_hash: String) -> BoxFut<'_, ()> {
        self.write(move |tx| {
            tx.execute("DELETE FROM sessions WHERE token_hash = ?1", [&token_hash])?;
            Ok(())
        })
    }

    fn replace_sites(&self, sites: Vec<Site>) -> BoxFut<'_, usize> {
        self.write(move |tx| {
            tx.execute("DELETE FROM sites", [])?;
            let mut stmt =
                tx.prepare_cached("INSERT INTO sites (code, name, admin) VALUES (?1, ?2, ?3)")?;
            for site in &sites {
                stmt.execute(params![site.code, site.name, join_list(&site.admin)])?;
            }
            Ok(sites.len())
        })
    }

    fn batches_version(&self, form_id: Option<String>) -> BoxFut<'_, String> {
        self.read(move |conn| {
            let (n, sum): (i64, i64) = conn
                .prepare_cached(
                    "SELECT count(*), coalesce(sum(sequence), 0) FROM batches
                     WHERE (?1 IS NULL OR form_id = ?1)",
                )?
                .query_row([&form_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(format!("{n}:{sum}"))
        })
    }

    fn sites(&self) -> BoxFut<'_, Vec<Site>> {
        self.read(|conn| {
            let mut stmt = conn.prepare("SELECT code, name, admin FROM sites ORDER BY code")?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|(code, name, admin)| {
                    Ok(Site {
                        code,
                        name,
                        admin: split_list(&admin)?,
                    })
                })
                .collect()
        })
    }
}

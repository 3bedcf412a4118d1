//! The PostgreSQL backend (`--database-url postgres://…`), for a whole operation
//! reporting into one server. Same tables and rules as SQLite; uploads of one device
//! are serialised by locking its row, so concurrent duplicates cannot race.

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

use super::{
    BatchFilter, BoxFut, Device, EnrollOutcome, NewEnrollment, PutOutcome, Receipt, Session, Site,
    Store, StoreError, StoredBatch, User, join_list, split_list,
};

/// Schema, versioned in `lantern_schema`; changes are additive, appended here.
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
);
CREATE TABLE devices (
    device_id       TEXT PRIMARY KEY,
    public_key      BYTEA NOT NULL UNIQUE,
    sites           TEXT NOT NULL,
    forms           TEXT NOT NULL,
    enrolled_at     TEXT NOT NULL,
    revoked_at      TEXT,
    last_upload_at  TEXT
);
CREATE TABLE batches (
    batch_id      TEXT PRIMARY KEY,
    device_id     TEXT NOT NULL REFERENCES devices (device_id),
    form_id       TEXT NOT NULL,
    form_version  TEXT NOT NULL,
    site          TEXT NOT NULL,
    round         TEXT NOT NULL,
    sequence      BIGINT NOT NULL,
    batch_hash    TEXT NOT NULL,
    received_at   TEXT NOT NULL,
    body          TEXT NOT NULL,
    UNIQUE (device_id, form_id, site, round)
);
CREATE INDEX batches_by_form ON batches (form_id, site, round);
CREATE TABLE receipts (
    batch_id     TEXT PRIMARY KEY,
    device_id    TEXT NOT NULL,
    batch_hash   TEXT NOT NULL,
    sequence     BIGINT NOT NULL,
    received_at  TEXT NOT NULL
);
CREATE TABLE admin_tokens (
    token_hash  TEXT PRIMARY KEY,
    created_at  TEXT NOT NULL
);
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
);
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    username    TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    csrf_token  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
CREATE TABLE sites (
    code   TEXT PRIMARY KEY,
    name   TEXT NOT NULL,
    admin  TEXT NOT NULL
);
";

pub struct PgStore {
    pool: Pool,
}

fn db(e: impl std::fmt::Display) -> StoreError {
    StoreError::Database(e.to_string())
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        db(e)
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        db(e)
    }
}

fn to_i64(n: u64) -> Result<i64, StoreError> {
    i64::try_from(n).map_err(|_| StoreError::Database("sequence out of range".into()))
}

fn to_u64(n: i64) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::Corrupt("negative sequence".into()))
}

impl PgStore {
    /// Connects and brings the schema up to date.
    pub async fn connect(url: &str) -> anyhow::Result<PgStore> {
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| anyhow::anyhow!("bad --database-url: {e}"))?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(16)
            .build()
            .map_err(|e| anyhow::anyhow!("cannot set up the connection pool: {e}"))?;
        let store = PgStore { pool };
        store
            .migrate()
            .await
            .map_err(|e| anyhow::anyhow!("cannot prepare the PostgreSQL database: {e}"))?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        // One migrator at a time (several servers may start together).
        tx.execute("SELECT pg_advisory_xact_lock(7261736)", &[])
            .await?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS lantern_schema (version INTEGER NOT NULL)")
            .await?;
        let row = tx
            .query_opt("SELECT version FROM lantern_schema", &[])
            .await?;
        let version = match row {
            Some(r) => usize::try_from(r.get::<_, i32>(0)).unwrap_or(0),
            None => {
                tx.execute("INSERT INTO lantern_schema (version) VALUES (0)", &[])
                    .await?;
                0
            }
        };
        if version > MIGRATIONS.len() {
            return Err(StoreError::Corrupt(format!(
                "database schema {version} is newer than this server; upgrade the server"
            )));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
            tx.batch_execute(sql).await?;
            let v = i32::try_from(i + 1).unwrap_or(i32::MAX);
            tx.execute("UPDATE lantern_schema SET version = $1", &[&v])
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

fn device_from(r: &tokio_postgres::Row) -> Result<Device, StoreError> {
    Ok(Device {
        device_id: r.get(0),
        public_key: r.get(1),
        sites: split_list(r.get(2))?,
        forms: split_list(r.get(3))?,
        enrolled_at: r.get(4),
        revoked_at: r.get(5),
        last_upload_at: r.get(6),
    })
}

fn user_from(r: &tokio_postgres::Row) -> User {
    User {
        username: r.get(0),
        password_hash: r.get(1),
        role: r.get(2),
        created_at: r.get(3),
    }
}

const DEVICE_COLUMNS: &str =
    "device_id, public_key, sites, forms, enrolled_at, revoked_at, last_upload_at";

impl Store for PgStore {
    fn create_enrollment(&self, e: NewEnrollment) -> BoxFut<'_, ()> {
        Box::pin(async move {
            let client = self.pool.get().await?;
            client
                .execute(
                    "INSERT INTO enrollments (code_hash, sites, forms, created_at, expires_at)
                     VALUES ($1, $2, $3, $4, $5)",
                    &[
                        &e.code_hash,
                        &join_list(&e.sites),
                        &join_list(&e.forms),
                        &e.created_at,
                        &e.expires_at,
                    ],
                )
                .await?;
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
        Box::pin(async move {
            let mut client = self.pool.get().await?;
            let tx = client.transaction().await?;
            let Some(row) = tx
                .query_opt(
                    "SELECT sites, forms, expires_at, used_at FROM enrollments
                     WHERE code_hash = $1 FOR UPDATE",
                    &[&code_hash],
                )
                .await?
            else {
                return Ok(EnrollOutcome::UnknownCode);
            };
            let (sites, forms, expires_at, used_at): (String, String, String, Option<String>) =
                (row.get(0), row.get(1), row.get(2), row.get(3));
            if used_at.is_some() {
                return Ok(EnrollOutcome::UsedCode);
            }
            if expires_at <= now {
                return Ok(EnrollOutcome::ExpiredCode);
            }
            if tx
                .query_opt(
                    "SELECT 1 FROM devices WHERE public_key = $1",
                    &[&public_key],
                )
                .await?
                .is_some()
            {
                return Ok(EnrollOutcome::KeyInUse);
            }
            tx.execute(
                "UPDATE enrollments SET used_at = $1, device_id = $2 WHERE code_hash = $3",
                &[&now, &device_id, &code_hash],
            )
            .await?;
            tx.execute(
                "INSERT INTO devices (device_id, public_key, sites, forms, enrolled_at)
                 VALUES ($1, $2, $3, $4, $5)",
                &[&device_id, &public_key, &sites, &forms, &now],
            )
            .await?;
            tx.commit().await?;
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
        Box::pin(async move {
            let client = self.pool.get().await?;
            let stmt = client
                .prepare_cached(&format!(
                    "SELECT {DEVICE_COLUMNS} FROM devices WHERE device_id = $1"
                ))
                .await?;
            client
                .query_opt(&stmt, &[&device_id])
                .await?
                .map(|r| device_from(&r))
                .transpose()
        })
    }

    fn devices(&self) -> BoxFut<'_, Vec<Device>> {
        Box::pin(async move {
            let client = self.pool.get().await?;
            client
                .query(
                    &format!(
                        "SELECT {DEVICE_COLUMNS} FROM devices ORDER BY enrolled_at, device_id"
                    ),
                    &[],
                )
                .await?
                .iter()
                .map(device_from)
                .collect()
        })
    }

    fn revoke(&self, device_id: String, now: String) -> BoxFut<'_, bool> {
        Box::pin(async move {
            let client = self.pool.get().await?;
            let exists = client
                .query_opt("SELECT 1 FROM devices WHERE device_id = $1", &[&device_id])
                .await?
                .is_some();
            client
                .execute(
                    "UPDATE devices SET revoked_at = $1 WHERE device_id = $2 AND revoked_at IS NULL",
                    &[&now, &device_id],
                )
                .await?;
            Ok(exists)
        })
    }

    fn put_batch(&self, b: StoredBatch) -> BoxFut<'_, PutOutcome> {
        Box::pin(async move {
            let mut client = self.pool.get().await?;
            let lock = client
                .prepare_cached("SELECT 1 FROM devices WHERE device_id = $1 FOR UPDATE")
                .await?;
            let seen_stmt = client
                .prepare_cached(
                    "SELECT device_id, batch_hash, sequence, received_at
                     FROM receipts WHERE batch_id = $1",
                )
                .await?;
            let current_stmt = client
                .prepare_cached(
                    "SELECT sequence FROM batches
                     WHERE device_id = $1 AND form_id = $2 AND site = $3 AND round = $4",
                )
                .await?;
            let tx = client.transaction().await?;
            tx.query_opt(&lock, &[&b.device_id]).await?;
            if let Some(r) = tx.query_opt(&seen_stmt, &[&b.batch_id]).await? {
                let (device_id, batch_hash, sequence, received_at): (String, String, i64, String) =
                    (r.get(0), r.get(1), r.get(2), r.get(3));
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
            let sequence = to_i64(b.sequence)?;
            if let Some(r) = tx
                .query_opt(&current_stmt, &[&b.device_id, &b.form_id, &b.site, &round])
                .await?
            {
                let stored: i64 = r.get(0);
                if stored >= sequence {
                    return Ok(PutOutcome::Stale {
                        stored_sequence: to_u64(stored)?,
                    });
                }
            }
            tx.execute(
                "DELETE FROM batches
                 WHERE device_id = $1 AND form_id = $2 AND site = $3 AND round = $4",
                &[&b.device_id, &b.form_id, &b.site, &round],
            )
            .await?;
            tx.execute(
                "INSERT INTO batches (batch_id, device_id, form_id, form_version, site, round,
                                      sequence, batch_hash, received_at, body)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                &[
                    &b.batch_id,
                    &b.device_id,
                    &b.form_id,
                    &b.form_version,
                    &b.site,
                    &round,
                    &sequence,
                    &b.batch_hash,
                    &b.received_at,
                    &b.body,
                ],
            )
            .await?;
            tx.execute(
                "INSERT INTO receipts (batch_id, device_id, batch_hash, sequence, received_at)
                 VALUES ($1, $2, $3, $4, $5)",
                &[
                    &b.batch_id,
                    &b.device_id,
                    &b.batch_hash,
                    &sequence,
                    &b.received_at,
                ],
            )
            .await?;
            tx.execute(
                "UPDATE devices SET last_upload_at = $1 WHERE device_id = $2",
                &[&b.received_at, &b.device_id],
            )
            .await?;
            tx.commit().await?;
            Ok(PutOutcome::Stored(Receipt {
                batch_id: b.batch_id,
                device_id: b.device_id,
                batch_hash: b.batch_hash,
                sequence: b.sequence,
                received_at: b.received_at,
            }))
        })
    }

    fn batches(&self, filter: BatchFilter) -> BoxFut<'_, Vec<StoredBatch>> {
        Box::pin(async move {
            let client = self.pool.get().await?;
            let rows = client
                .query(
                    "SELECT batch_id, device_id, form_id, form_version, site, round, sequence,
                            batch_hash, received_at, body
                     FROM batches
                     WHERE ($1::TEXT IS NULL OR form_id = $1) AND ($2::TEXT IS NULL OR site = $2)
                       AND ($3::TEXT IS NULL OR round = $3)
                     ORDER BY form_id, site, round, device_id",
                    &[&filter.form_id, &filter.site, &filter.round],
                )
                .await?;
            rows.iter()
                .map(|r| {
                    let round: String = r.get(5);
                    Ok(StoredBatch {
                        batch_id: r.get(0),
                        device_id: r.get(1),
                        form_id: r.get(2),
                        form_version: r.get(3),
                        site: r.get(4),
                        round: (!round.is_empty()).then_some(round),
                        sequence: to_u64(r.get(6))?,
                        batch_hash: r.get(7),
                        received_at: r.get(8),
                        body: r.get(9),
                    })
                })
                .collect()
        })
    }

    fn create_admin_token(&self, token_hash: String, now: String) -> BoxFut<'_, ()> {
        Box::pin(async move {
            let client = self.pool.get().await?;
            client
                .execute(
                    "INSERT INTO admin_tokens (token_hash, created_at) VALUES ($1, $2)",
                    &[&token_hash, &now],
                )
                .await?;
            Ok(())
        })
    }

    fn admin_token_valid(&self, token_hash: String) -> BoxFut<'_, bool> {
        Box::pin(async move {
            let client = self.pool.get().await?;
            Ok(client
                .query_opt(
                    "SELECT 1 FROM admin_tokens WHERE token_hash = $1",
                    &[&token_hash],
                )
                .await?
                .is_some())
        })
    }

    fn ping(&self) -> BoxFut<'_, ()> {
        Box::pin(async move {
            let client = self.pool.get().await?;
            client.query_one("SELECT 1", &[]).await?;
            Ok(())
        })
    }

    fn create_user(&self, user: User) -> BoxFut<'_, bool> {
        Box::pin(async move {
            let client = self.pool.get().await?;
            let n = client
                .execute(
                    "INSERT INTO users (username, password_hash, role, created_at)
                     VALUES ($1, $2, $3, $4) ON CONFLICT (username) DO NOTHING",
                    &[
                        &user.username,
                        &user.password_hash,
                        &user.role,
                        &user.created_at,
                    ],
                )
                .await?;
            Ok(n == 1)
        })
    }

    fn set_password(&self, username: String, password_hash: String) -> BoxFut<'_, bool> {
        Box::pin(async move {
            let mut client = self.pool.get().await?;
            let tx = client.transaction().await?;
            let n = tx
                .execute(
                    "UPDATE users SET password_hash = $1 WHERE username = $2",
                    &[&password_hash, &username],
                )
                .await?;
            tx.execute("DELETE FROM sessions WHERE username = $1", &[&username])
                .await?;
            tx.commit().await?;
            Ok(n == 1)
        })
    }

    fn user(&self, username: String) -> BoxFut<'_, Option<User>> {
        Box::pin(async move {
            let client = self.pool.get().await?;
            Ok(client
                .query_opt(
                    "SELECT username, password_hash, role, created_at FROM users WHERE username = $1",
                    &[&username],
                )
                .await?
                .map(|r| user_from(&r)))
        })
    }

    fn users(&self) -> BoxFut<'_, Vec<User>> {
        Box::pin(async move {
            let client = self.pool.get().await?;
            Ok(client
                .query(
                    "SELECT username, password_hash, role, created_at FROM users ORDER BY username",
                    &[],
                )
                .await?
                .iter()
                .map(user_from)
                .collect())
        })
    }

    fn create_session(&self, s: Session, now: String) -> BoxFut<'_, ()> {
        Box::pin(async move {
            let mut client = self.pool.get().await?;
            let tx = client.transaction().await?;
            tx.execute("DELETE FROM sessions WHERE expires_at <= $1", &[&now])
                .await?;
            tx.execute(
                "INSERT INTO sessions (token_hash, username, csrf_token, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5)",
                &[
                    &s.token_hash,
                    &s.username,
                    &s.csrf_token,
                    &s.created_at,
                    &s.expires_at,
                ],
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn session(&self, token_hash: String) -> BoxFut<'_, Option<Session>> {
        Box::pin(async move {
            let client = self.pool.get().await?;
            Ok(client
                .query_opt(
                    "SELECT token_hash, username, csrf_token, created_at, expires_at
                     FROM sessions WHERE token_hash = $1",
                    &[&token_hash],
                )
                .await?
                .map(|r| Session {
                    token_hash: r.get(0),
                    username: r.get(1),
                    csrf_token: r.get(2),
                    created_at: r.get(3),
                    expires_at: r.get(4),
                }))
        })
    }

    fn delete_session(&self, token_hash: String) -> BoxFut<'_, ()> {
        Box::pin(async move {
            let client = self.pool.get().await?;
            client
                .execute("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash])
                .await?;
            Ok(())
        })
    }

    fn replace_sites(&self, sites: Vec<Site>) -> BoxFut<'_, usize> {
        Box::pin(async move {
            let mut client = self.pool.get().await?;
            let tx = client.transaction().await?;
            tx.execute("DELETE FROM sites", &[]).await?;
            let stmt = tx
                .prepare("INSERT INTO sites (code, name, admin) VALUES ($1, $2, $3)")
                .await?;
            for site in &sites {
                tx.execute(&stmt, &[&site.code, &site.name, &join_list(&site.admin)])
                    .await?;
            }
            tx.commit().await?;
            Ok(sites.len())
        })
    }

    fn batches_version(&self, form_id: Option<String>) -> BoxFut<'_, String> {
        Box::pin(async move {
            let client = self.pool.get().await?;
            let r = client
                .query_one(
                    "SELECT count(*), coalesce(sum(sequence), 0)::BIGINT FROM batches
                     WHERE ($1::TEXT IS NULL OR form_id = $1)",
                    &[&form_id],
                )
                .await?;
            let (n, sum): (i64, i64) = (r.get(0), r.get(1));
            Ok(format!("{n}:{sum}"))
        })
    }

    fn sites(&self) -> BoxFut<'_, Vec<Site>> {
        Box::pin(async move {
            let client = self.pool.get().await?;
            client
                .query("SELECT code, name, admin FROM sites ORDER BY code", &[])
                .await?
                .iter()
                .map(|r| {
                    Ok(Site {
                        code: r.get(0),
                        name: r.get(1),
                        admin: split_list(r.get(2))?,
                    })
                })
                .collect()
        })
    }
}

/// Creates a fresh database on the server `base_url` names; its URL.
pub async fn fresh_test_database(base_url: &str) -> anyhow::Result<String> {
    let (client, conn) = tokio_postgres::connect(base_url, NoTls).await?;
    let task = tokio::spawn(conn);
    let name = format!("lantern_test_{}", uuid::Uuid::new_v4().simple());
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await?;
    drop(client);
    let _ = task.await;
    let (head, query) = match base_url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (base_url, None),
    };
    let prefix = match head.rsplit_once('/') {
        Some((p, _)) if p.contains("://") && p.len() > p.find("://").unwrap_or(0) + 3 => p,
        _ => head,
    };
    let mut url = format!("{prefix}/{name}");
    if let Some(q) = query {
        url.push('?');
        url.push_str(q);
    }
    Ok(url)
}

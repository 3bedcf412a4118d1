//! Storage: one trait, two backends (embedded SQLite by default, PostgreSQL for a
//! whole operation). The server holds enrollments, devices, admin tokens and aggregate
//! batches: never an individual response (the batch type cannot carry one).
//!
//! Secrets are stored as SHA-256 hashes only (enrollment codes, admin tokens); device
//! public keys are public. Timestamps are RFC 3339 UTC strings to the second, so they
//! compare as text.

use std::future::Future;
use std::pin::Pin;

pub mod postgres;
pub mod sqlite;

/// A boxed future, so that the trait can be used as `dyn Store`.
pub type BoxFut<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database is busy")]
    Busy,
    #[error("database error: {0}")]
    Database(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                StoreError::Busy
            }
            _ => StoreError::Database(e.to_string()),
        }
    }
}

/// An enrollment code as created by `admin create-enrollment`, before it is used.
#[derive(Debug, Clone)]
pub struct NewEnrollment {
    /// SHA-256 of the normalised code, hex.
    pub code_hash: String,
    pub sites: Vec<String>,
    /// Empty: every form.
    pub forms: Vec<String>,
    pub created_at: String,
    pub expires_at: String,
}

/// An enrolled device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub device_id: String,
    /// Ed25519 public key, 32 bytes.
    pub public_key: Vec<u8>,
    pub sites: Vec<String>,
    /// Empty: every form.
    pub forms: Vec<String>,
    pub enrolled_at: String,
    pub revoked_at: Option<String>,
    pub last_upload_at: Option<String>,
}

/// What using an enrollment code gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnrollOutcome {
    Enrolled(Device),
    UnknownCode,
    UsedCode,
    ExpiredCode,
    /// This public key is already enrolled (one key, one device).
    KeyInUse,
}

/// One stored batch with what the server learnt on receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBatch {
    pub batch_id: String,
    pub device_id: String,
    pub form_id: String,
    pub form_version: String,
    pub site: String,
    pub round: Option<String>,
    pub sequence: u64,
    /// SHA-256 of the exact uploaded bytes, hex.
    pub batch_hash: String,
    pub received_at: String,
    /// The uploaded JSON, exactly as signed.
    pub body: String,
}

/// What the server acknowledges for an upload; a repeat gets the same one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub batch_id: String,
    pub device_id: String,
    pub batch_hash: String,
    pub sequence: u64,
    pub received_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutOutcome {
    /// Stored, replacing any older batch of the same device × form × site × round.
    Stored(Receipt),
    /// This exact batch was received before: the original receipt.
    Repeat(Receipt),
    /// The `batch_id` is known with different content or from another device.
    IdConflict,
    /// A batch with this sequence or a newer one is already stored for the key.
    Stale { stored_sequence: u64 },
}

/// Which stored batches to list; `None` matches everything.
#[derive(Debug, Clone, Default)]
pub struct BatchFilter {
    pub form_id: Option<String>,
    pub site: Option<String>,
    pub round: Option<String>,
}

/// A dashboard user (issue 17). The password is kept as an Argon2id PHC string only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub username: String,
    pub password_hash: String,
    /// `admin` or `viewer`.
    pub role: String,
    pub created_at: String,
}

/// A signed-in dashboard session. The cookie carries a random token; only its SHA-256
/// is stored, so a copy of the database cannot be replayed as a cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token_hash: String,
    pub username: String,
    /// The token every state-changing request repeats in `X-Lantern-CSRF`.
    pub csrf_token: String,
    pub created_at: String,
    pub expires_at: String,
}

/// One row of the site list the admin imports (`admin import-sites`): the same row a
/// device imports.
pub use lantern_protocol::sites::SiteEntry as Site;

/// The storage every backend provides. Each write is one transaction.
pub trait Store: Send + Sync + 'static {
    fn create_enrollment(&self, e: NewEnrollment) -> BoxFut<'_, ()>;
    /// Uses a code once: atomically marks it used and enrolls the device.
    fn enroll(
        &self,
        code_hash: String,
        public_key: Vec<u8>,
        device_id: String,
        now: String,
    ) -> BoxFut<'_, EnrollOutcome>;
    fn device(&self, device_id: String) -> BoxFut<'_, Option<Device>>;
    fn devices(&self) -> BoxFut<'_, Vec<Device>>;
    /// `false` when there is no such device.
    fn revoke(&self, device_id: String, now: String) -> BoxFut<'_, bool>;
    /// Stores a verified batch: idempotent by `batch_id`, ordered by `sequence`,
    /// replacing the previous batch of the key atomically.
    fn put_batch(&self, batch: StoredBatch) -> BoxFut<'_, PutOutcome>;
    fn batches(&self, filter: BatchFilter) -> BoxFut<'_, Vec<StoredBatch>>;
    fn create_admin_token(&self, token_hash: String, now: String) -> BoxFut<'_, ()>;
    fn admin_token_valid(&self, token_hash: String) -> BoxFut<'_, bool>;
    /// A cheap query proving the database answers.
    fn ping(&self) -> BoxFut<'_, ()>;

    // Dashboard (issue 17): users, sessions and the imported site list.
    /// `false` when a user of that name exists already (nothing changed).
    fn create_user(&self, user: User) -> BoxFut<'_, bool>;
    /// Replaces the password of an existing user and ends their sessions; `false` when
    /// there is no such user.
    fn set_password(&self, username: String, password_hash: String) -> BoxFut<'_, bool>;
    fn user(&self, username: String) -> BoxFut<'_, Option<User>>;
    fn users(&self) -> BoxFut<'_, Vec<User>>;
    /// Stores a new session, deleting every session that expired before `now`.
    fn create_session(&self, session: Session, now: String) -> BoxFut<'_, ()>;
    fn session(&self, token_hash: String) -> BoxFut<'_, Option<Session>>;
    fn delete_session(&self, token_hash: String) -> BoxFut<'_, ()>;
    /// Replaces the whole site list in one transaction; the number of sites stored.
    fn replace_sites(&self, sites: Vec<Site>) -> BoxFut<'_, usize>;
    fn sites(&self) -> BoxFut<'_, Vec<Site>>;
    /// A text that changes whenever a batch of `form_id` (or of any form) is stored or
    /// replaced: the count and the sum of sequences (a replacement always has a higher
    /// sequence), so the dashboard can keep its combined view until it changes.
    fn batches_version(&self, form_id: Option<String>) -> BoxFut<'_, String>;
}

/// Opens the store named on the command line: PostgreSQL for a `postgres://` URL,
/// else SQLite in `data_dir`.
pub async fn open(
    data_dir: Option<&std::path::Path>,
    database_url: Option<&str>,
) -> anyhow::Result<std::sync::Arc<dyn Store>> {
    match (database_url, data_dir) {
        (Some(url), _) => Ok(std::sync::Arc::new(postgres::PgStore::connect(url).await?)),
        (None, Some(dir)) => {
            let dir = dir.to_owned();
            let store =
                tokio::task::spawn_blocking(move || sqlite::SqliteStore::open(&dir)).await??;
            Ok(std::sync::Arc::new(store))
        }
        (None, None) => anyhow::bail!("give --data DIR (SQLite) or --database-url postgres://…"),
    }
}

/// Creates a fresh, empty PostgreSQL database next to the one `base_url` names and
/// returns its URL (the PostgreSQL test tier runs each test on its own database).
pub async fn fresh_test_database(base_url: &str) -> anyhow::Result<String> {
    postgres::fresh_test_database(base_url).await
}

pub(crate) fn join_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

pub(crate) fn split_list(text: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("list column: {e}")))
}

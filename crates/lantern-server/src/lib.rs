//! Lantern's sync server. `app(state)` builds the whole HTTP surface as a `Router`, so
//! tests drive it with `oneshot` or bind it to 127.0.0.1.
//!
//! It holds only what `lantern-protocol` can express: aggregate batches, signed by
//! enrolled devices. It never links `lantern-core` and never sees a response.
//!
//! API (`/api/v1`, OpenAPI document at `/api/v1/openapi.json`, generated from the
//! handlers below with utoipa):
//! - `GET  /health`: 200 once the database answers.
//! - `POST /enroll`: one-time code + Ed25519 public key → device id.
//! - `POST /batches`: a batch, signed over its exact bytes (`X-Lantern-Device`,
//!   `X-Lantern-Signature`); idempotent by `batch_id`, ordered by `sequence`.
//! - `GET  /aggregates`: the combined aggregates, for a dashboard session or an admin
//!   token (scripts).
//! - `/session`, `/dashboard/…`: the coordinator's dashboard (issue 17, `dashboard`),
//!   with the built page at `/` and `/assets/…`.

pub mod admin;
pub mod check;
pub mod combine;
pub mod dashboard;
pub mod error;
pub mod store;
pub mod tls;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::error::{ApiError, ErrorBody};
use crate::store::{BatchFilter, EnrollOutcome, PutOutcome, Receipt, Store, StoredBatch};

/// The wire schema this server accepts.
pub const BATCH_SCHEMA: &str = lantern_protocol::BATCH_SCHEMA;

/// The server's version, reported by health.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The largest request body accepted by default (a batch of a big form is tens of KiB).
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// The header naming the uploading device.
pub const DEVICE_HEADER: &str = "x-lantern-device";
/// The header carrying the hex Ed25519 signature over the exact body bytes.
pub const SIGNATURE_HEADER: &str = "x-lantern-signature";

/// Shared state of the server.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub body_limit: usize,
    /// Mark session cookies `Secure` (the server speaks HTTPS).
    pub secure_cookies: bool,
    /// How long a dashboard session lasts.
    pub session_hours: u32,
    /// Failed dashboard sign-ins per name.
    pub throttle: Arc<dashboard::auth::Throttle>,
    /// The dashboard's combined aggregates, kept until a batch changes.
    pub views: Arc<dashboard::ViewCache>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>) -> Self {
        AppState {
            store,
            body_limit: DEFAULT_BODY_LIMIT,
            secure_cookies: false,
            session_hours: dashboard::auth::DEFAULT_SESSION_HOURS,
            throttle: Arc::default(),
            views: Arc::default(),
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Lantern sync server",
        description = "Receives signed aggregate batches from enrolled devices and serves the combined aggregates."
    ),
    paths(
        health,
        enroll,
        upload_batch,
        aggregates,
        dashboard::sign_in,
        dashboard::whoami,
        dashboard::sign_out,
        dashboard::catalog,
        dashboard::overview,
        dashboard::indicator,
        dashboard::change,
        dashboard::export,
        dashboard::devices,
        dashboard::create_enrollment,
        dashboard::revoke
    ),
    components(schemas(
        Health,
        EnrollRequest,
        EnrollResponse,
        Ack,
        ErrorBody,
        AggregatesResponse,
        AggregateGroup
    )),
    modifiers(&SecurityAddon)
)]
pub struct ApiDoc;

struct SecurityAddon;

impl utoipa::Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "dashboard_session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(dashboard::auth::COOKIE))),
        );
        components.add_security_scheme(
            "admin_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The server's routes.
pub fn app(state: AppState) -> Router {
    let limit = state.body_limit;
    Router::new()
        .route("/", get(dashboard::assets::index))
        .route("/assets/{*path}", get(dashboard::assets::asset))
        .route("/favicon.png", get(dashboard::assets::favicon))
        .merge(dashboard::routes())
        .route("/api/v1/health", get(health))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/enroll", post(enroll))
        .route("/api/v1/batches", post(upload_batch))
        .route("/api/v1/aggregates", get(aggregates))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such API route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not accept that method",
    )
}

async fn openapi() -> impl IntoResponse {
    Json(ApiDoc::openapi())
}

/// What `GET /api/v1/health` answers.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub status: String,
    pub version: String,
}

/// Ready when the database answers.
#[utoipa::path(get, path = "/api/v1/health", responses(
    (status = 200, description = "ready", body = Health),
    (status = 503, description = "the database does not answer", body = ErrorBody)
))]
async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    state.store.ping().await.map_err(|e| {
        tracing::error!(error = %e, "health check: database does not answer");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_ready",
            "the server's database does not answer",
        )
    })?;
    Ok(Json(Health {
        status: "ok".into(),
        version: VERSION.into(),
    }))
}

/// A device asks to enroll.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    /// The one-time code from `admin create-enrollment` (case, dashes and spaces ignored).
    pub code: String,
    /// The device's Ed25519 public key, 32 bytes as 64 hex digits.
    pub public_key: String,
}

/// The server's answer to a successful enrollment.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EnrollResponse {
    pub device_id: String,
    /// The sites this device may report on.
    pub sites: Vec<String>,
    /// The forms it may report on; empty: any form.
    pub forms: Vec<String>,
}

pub(crate) fn body_bytes(
    body: Result<Bytes, BytesRejection>,
    limit: usize,
) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("the request body is larger than {limit} bytes"),
            )
        } else {
            ApiError::bad_request("unreadable_body", "the request body could not be read")
        }
    })
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad_request("malformed_json", format!("the body is not valid JSON: {e}"))
    })?;
    serde_json::from_value(value).map_err(|e| {
        ApiError::unprocessable(
            "invalid_body",
            format!("the body does not have the expected fields: {e}"),
        )
    })
}

/// Enrolls a device with a one-time code.
#[utoipa::path(post, path = "/api/v1/enroll", request_body = EnrollRequest, responses(
    (status = 200, description = "enrolled", body = EnrollResponse),
    (status = 400, description = "malformed JSON", body = ErrorBody),
    (status = 403, description = "unknown or expired code", body = ErrorBody),
    (status = 409, description = "code already used, or key already enrolled", body = ErrorBody),
    (status = 413, description = "body too large", body = ErrorBody),
    (status = 422, description = "wrong fields or key", body = ErrorBody)
))]
async fn enroll(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<EnrollResponse>, ApiError> {
    let bytes = body_bytes(body, state.body_limit)?;
    let req: EnrollRequest = parse_json(&bytes)?;
    let public_key = hex::decode(req.public_key.trim())
        .ok()
        .filter(|k| k.len() == 32)
        .ok_or_else(|| {
            ApiError::unprocessable(
                "invalid_public_key",
                "public_key must be an Ed25519 public key: 32 bytes as 64 hex digits",
            )
        })?;
    let code = check::normalise_code(&req.code);
    if code.is_empty() || code.len() > 64 {
        return Err(ApiError::forbidden(
            "enrollment_code_invalid",
            "this enrollment code is not valid; ask the server's operator for a new one",
        ));
    }
    let device_id = uuid::Uuid::new_v4().to_string();
    let outcome = state
        .store
        .enroll(
            check::sha256_hex(code.as_bytes()),
            public_key,
            device_id,
            check::now_text(),
        )
        .await?;
    match outcome {
        EnrollOutcome::Enrolled(device) => {
            tracing::info!(device = %device.device_id, sites = ?device.sites, "device enrolled");
            Ok(Json(EnrollResponse {
                device_id: device.device_id,
                sites: device.sites,
                forms: device.forms,
            }))
        }
        EnrollOutcome::UnknownCode => Err(ApiError::forbidden(
            "enrollment_code_invalid",
            "this enrollment code is not valid; ask the server's operator for a new one",
        )),
        EnrollOutcome::ExpiredCode => Err(ApiError::forbidden(
            "enrollment_code_expired",
            "this enrollment code has expired; ask the server's operator for a new one",
        )),
        EnrollOutcome::UsedCode => Err(ApiError::conflict(
            "enrollment_code_used",
            "this enrollment code was already used; each code enrolls one device",
        )),
        EnrollOutcome::KeyInUse => Err(ApiError::conflict(
            "device_key_enrolled",
            "this device key is already enrolled",
        )),
    }
}

/// The acknowledgement of an upload; a repeated upload of the same batch gets the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Ack {
    pub batch_id: String,
    pub device_id: String,
    /// SHA-256 of the exact uploaded bytes, hex.
    pub batch_hash: String,
    pub sequence: u64,
    pub received_at: String,
}

impl From<Receipt> for Ack {
    fn from(r: Receipt) -> Self {
        Ack {
            batch_id: r.batch_id,
            device_id: r.device_id,
            batch_hash: r.batch_hash,
            sequence: r.sequence,
            received_at: r.received_at,
        }
    }
}

/// Why a body that is not a valid `lantern.aggregate/1` batch is refused: malformed
/// JSON, a missing or other schema, or an invalid batch (in that order).
fn refuse_body(bytes: &[u8]) -> Result<lantern_protocol::Batch, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad_request("malformed_json", format!("the body is not valid JSON: {e}"))
    })?;
    match value.get("schema").and_then(|s| s.as_str()) {
        Some(lantern_protocol::BATCH_SCHEMA) => {}
        Some(other) => {
            return Err(ApiError::unprocessable(
                "unsupported_schema",
                format!(
                    "batch schema {:?} is not supported; this server accepts {:?}",
                    other.chars().take(64).collect::<String>(),
                    lantern_protocol::BATCH_SCHEMA
                ),
            ));
        }
        None => {
            return Err(ApiError::unprocessable(
                "unsupported_schema",
                "the batch carries no schema tag",
            ));
        }
    }
    serde_json::from_value(value).map_err(|e| {
        ApiError::unprocessable("invalid_batch", format!("the batch is not valid: {e}"))
    })
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Uploads one aggregate batch (`lantern.aggregate/1`), signed by the device.
#[utoipa::path(post, path = "/api/v1/batches",
    request_body(content = Object, description = "a `lantern.aggregate/1` batch; the signature covers these exact bytes", content_type = "application/json"),
    params(
        ("x-lantern-device" = String, Header, description = "the device id from enrollment"),
        ("x-lantern-signature" = String, Header, description = "Ed25519 signature of the body, hex")
    ),
    responses(
        (status = 200, description = "stored, or the same batch again: the acknowledgement", body = Ack),
        (status = 400, description = "malformed JSON", body = ErrorBody),
        (status = 401, description = "unsigned, unknown device or wrong signature", body = ErrorBody),
        (status = 403, description = "device revoked, or site or form not in its enrollment", body = ErrorBody),
        (status = 409, description = "replayed or older sequence, or batch id reused", body = ErrorBody),
        (status = 413, description = "body too large", body = ErrorBody),
        (status = 422, description = "wrong schema version or invalid batch", body = ErrorBody)
    )
)]
async fn upload_batch(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Ack>, ApiError> {
    let bytes = body_bytes(body, state.body_limit)?;
    let (Some(device_id), Some(signature)) = (
        header(&headers, DEVICE_HEADER),
        header(&headers, SIGNATURE_HEADER),
    ) else {
        return Err(ApiError::unauthorized(
            "unsigned",
            "uploads must carry the device id and its signature",
        ));
    };
    let signature = hex::decode(signature.trim())
        .ok()
        .filter(|s| s.len() == 64)
        .ok_or_else(|| {
            ApiError::unauthorized("bad_signature", "the signature is not 64 bytes of hex")
        })?;
    if uuid::Uuid::parse_str(device_id).is_err() {
        return Err(ApiError::unauthorized(
            "unknown_device",
            "this device is not enrolled with the server",
        ));
    }
    let device = state
        .store
        .device(device_id.to_owned())
        .await?
        .ok_or_else(|| {
            ApiError::unauthorized(
                "unknown_device",
                "this device is not enrolled with the server",
            )
        })?;
    if !check::verify_signature(&device.public_key, &bytes, &signature) {
        return Err(ApiError::unauthorized(
            "bad_signature",
            "the signature does not match the device's enrolled key",
        ));
    }
    if device.revoked_at.is_some() {
        return Err(ApiError::forbidden(
            "device_revoked",
            "this device was revoked by the server's operator; enroll it again",
        ));
    }
    // The usual case in one pass; anything else is parsed again, slowly, only to say
    // exactly what is wrong with it.
    let batch = match serde_json::from_slice::<lantern_protocol::Batch>(&bytes) {
        Ok(b) if b.schema == lantern_protocol::BATCH_SCHEMA => b,
        _ => refuse_body(&bytes)?,
    };
    batch
        .validate()
        .map_err(|e| ApiError::unprocessable("invalid_batch", e.to_string()))?;
    check::check_batch(&batch).map_err(|e| ApiError::unprocessable("invalid_batch", e))?;
    if !device.sites.contains(&batch.site) {
        return Err(ApiError::forbidden(
            "site_not_enrolled",
            format!(
                "this device is not enrolled to report on site {:?}",
                batch.site
            ),
        ));
    }
    if !device.forms.is_empty() && !device.forms.contains(&batch.form_id) {
        return Err(ApiError::forbidden(
            "form_not_enrolled",
            format!(
                "this device is not enrolled to report form {:?}",
                batch.form_id
            ),
        ));
    }
    let body = String::from_utf8(bytes.to_vec())
        .map_err(|_| ApiError::bad_request("malformed_json", "the body is not UTF-8"))?;
    let stored = StoredBatch {
        batch_id: batch.batch_id.to_string(),
        device_id: device.device_id.clone(),
        form_id: batch.form_id.clone(),
        form_version: batch.form_version.clone(),
        site: batch.site.clone(),
        round: batch.round.clone(),
        sequence: batch.sequence,
        batch_hash: check::sha256_hex(&bytes),
        received_at: check::now_text(),
        body,
    };
    match state.store.put_batch(stored).await? {
        PutOutcome::Stored(receipt) => {
            tracing::info!(device = %receipt.device_id, batch = %receipt.batch_id,
                form = %batch.form_id, site = %batch.site, sequence = receipt.sequence, "batch stored");
            Ok(Json(receipt.into()))
        }
        PutOutcome::Repeat(receipt) => Ok(Json(receipt.into())),
        PutOutcome::IdConflict => Err(ApiError::conflict(
            "batch_id_conflict",
            "this batch id was already used for a different batch",
        )),
        PutOutcome::Stale { stored_sequence } => Err(ApiError::conflict(
            "stale_sequence",
            format!(
                "a newer batch (sequence {stored_sequence}) is already stored for this form, site and round"
            ),
        )),
    }
}

/// Which aggregates to return.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AggregatesQuery {
    /// The form's id.
    pub form_id: String,
    /// Only this site.
    pub site: Option<String>,
    /// Only this round.
    pub round: Option<String>,
}

/// The combined aggregates of one form.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AggregatesResponse {
    pub form_id: String,
    pub groups: Vec<AggregateGroup>,
}

/// One site × round, combined over every device that reported it, with disclosure
/// control re-applied.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AggregateGroup {
    pub site: String,
    pub round: Option<String>,
    /// How many devices' batches were combined.
    pub devices: u32,
    pub form_versions: Vec<String>,
    pub periods: Vec<String>,
    pub min_cell_size: u32,
    #[schema(value_type = Vec<Object>)]
    pub indicators: Vec<lantern_protocol::IndicatorMeta>,
    #[schema(value_type = Vec<Object>)]
    pub cells: Vec<lantern_protocol::Cell>,
    #[schema(value_type = Object)]
    pub refusals: lantern_protocol::Refusals,
}

async fn require_admin(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let token = header(headers, "authorization")
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 256);
    let Some(token) = token else {
        return Err(ApiError::unauthorized(
            "admin_token_required",
            "this route needs an admin token (Authorization: Bearer …) from `admin create-token`",
        ));
    };
    if state
        .store
        .admin_token_valid(check::sha256_hex(token.as_bytes()))
        .await?
    {
        Ok(())
    } else {
        Err(ApiError::unauthorized(
            "admin_token_invalid",
            "this admin token is not valid",
        ))
    }
}

/// Who may read the combined aggregates: a signed-in dashboard user (its session
/// cookie, any role), or a script holding an admin token from `admin create-token`.
/// A request carrying a session cookie is judged by the session alone, so an expired
/// or forged cookie is refused even if a token is also sent; without either, 401.
async fn require_reader(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    if dashboard::auth::has_session_cookie(headers) {
        dashboard::auth::require(state, &axum::http::Method::GET, headers, false).await?;
        Ok(())
    } else if header(headers, "authorization").is_some() {
        require_admin(state, headers).await
    } else {
        Err(ApiError::unauthorized(
            "sign_in_required",
            "sign in to the dashboard, or send an admin token (Authorization: Bearer …) from `admin create-token`",
        ))
    }
}

/// The aggregates of a form, combined per site × round.
#[utoipa::path(get, path = "/api/v1/aggregates", params(AggregatesQuery),
    security(("dashboard_session" = []), ("admin_token" = [])),
    responses(
        (status = 200, description = "the combined aggregates", body = AggregatesResponse),
        (status = 400, description = "bad query", body = ErrorBody),
        (status = 401, description = "no dashboard session and no valid admin token", body = ErrorBody)
    )
)]
async fn aggregates(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<AggregatesQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<AggregatesResponse>, ApiError> {
    require_reader(&state, &headers).await?;
    let Query(q) = query.map_err(|e| ApiError::bad_request("bad_query", e.body_text()))?;
    for (what, v) in [
        ("form_id", Some(&q.form_id)),
        ("site", q.site.as_ref()),
        ("round", q.round.as_ref()),
    ] {
        if let Some(v) = v {
            check::check_name(what, v).map_err(|e| ApiError::bad_request("bad_query", e))?;
        }
    }
    let stored = state
        .store
        .batches(BatchFilter {
            form_id: Some(q.form_id.clone()),
            site: q.site,
            round: q.round,
        })
        .await?;
    let groups = combine::combine(&stored).map_err(ApiError::internal)?;
    Ok(Json(AggregatesResponse {
        form_id: q.form_id,
        groups,
    }))
}

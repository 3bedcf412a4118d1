//! The coordinator's dashboard (issue 17): sign-in, the views' JSON API under
//! `/api/v1/session` and `/api/v1/dashboard/…`, exports, device administration, and
//! the built Svelte app (`ui/dashboard.html`) embedded in the binary (`assets`).
//!
//! Every dashboard route needs a session (401 without); a state-changing one also the
//! session's CSRF token and a same-site origin (403); device and enrollment routes the
//! admin role (403 for a viewer). The views hold only released aggregates.

pub mod assets;
pub mod auth;
pub mod export;
pub mod sites;
pub mod views;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ErrorBody};
use crate::store::{BatchFilter, NewEnrollment, Session};
use crate::{AppState, check, combine};
use auth::Role;
use views::{
    Catalog, ChangeQuery, ChangeView, FormGroups, IndicatorQuery, IndicatorView, Overview,
    OverviewQuery,
};

/// The dashboard's routes, merged into `app`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/session",
            post(sign_in).get(whoami).delete(sign_out),
        )
        .route("/api/v1/dashboard/catalog", get(catalog))
        .route("/api/v1/dashboard/overview", get(overview))
        .route("/api/v1/dashboard/indicator", get(indicator))
        .route("/api/v1/dashboard/change", get(change))
        .route("/api/v1/dashboard/export", get(export))
        .route("/api/v1/dashboard/devices", get(devices))
        .route("/api/v1/dashboard/enrollments", post(create_enrollment))
        .route("/api/v1/dashboard/devices/{device_id}/revoke", post(revoke))
}

/// Sign-in credentials.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    pub username: String,
    pub password: String,
}

/// The signed-in user, and the CSRF token the page repeats on every change.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SessionInfo {
    pub username: String,
    /// `admin` or `viewer`.
    pub role: String,
    pub csrf_token: String,
    pub expires_at: String,
}

fn info(username: String, role: Role, s: &Session) -> SessionInfo {
    SessionInfo {
        username,
        role: role.as_str().into(),
        csrf_token: s.csrf_token.clone(),
        expires_at: s.expires_at.clone(),
    }
}

fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// Signs in with a name and password; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/session", request_body = SignIn, responses(
    (status = 200, description = "signed in; the session cookie is set", body = SessionInfo),
    (status = 400, description = "malformed JSON", body = ErrorBody),
    (status = 401, description = "wrong name or password", body = ErrorBody),
    (status = 403, description = "a request from another site", body = ErrorBody),
    (status = 413, description = "body too large", body = ErrorBody),
    (status = 415, description = "not JSON", body = ErrorBody),
    (status = 422, description = "wrong fields", body = ErrorBody),
    (status = 429, description = "too many failed sign-ins: wait (Retry-After)", body = ErrorBody)
))]
async fn sign_in(
    State(state): State<AppState>,
    auth::ClientIp(ip): auth::ClientIp,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    auth::same_site(&headers)?;
    // A plain HTML form cannot send JSON, so a cross-site form post never gets here.
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("application/json"));
    if !json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "json_required",
            "sign in with a JSON body {\"username\", \"password\"}",
        ));
    }
    let bytes = crate::body_bytes(body, state.body_limit)?;
    let req: SignIn = crate::parse_json(&bytes)?;
    let name = req.username.trim().to_owned();
    let failed = || ApiError::unauthorized("sign_in_failed", "wrong user name or password");
    if name.is_empty() || name.chars().count() > 64 || req.password.chars().count() > 1024 {
        return Err(failed());
    }
    let now = Instant::now();
    let wait = state
        .throttle
        .wait(&name, now)
        .max(ip.and_then(|ip| state.throttle.wait_address(ip, now)));
    if let Some(wait) = wait {
        let secs = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
        let mut r = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!("too many failed sign-ins for this name; try again in {secs} s"),
        )
        .into_response();
        if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return Ok(r);
    }
    let user = state.store.user(name.clone()).await?;
    let (hash, password) = (
        user.as_ref().map_or_else(
            || check::decoy_hash().to_owned(),
            |u| u.password_hash.clone(),
        ),
        req.password,
    );
    let ok = tokio::task::spawn_blocking(move || check::verify_password(&password, &hash))
        .await
        .map_err(ApiError::internal)?;
    let (Some(user), true) = (user, ok) else {
        state.throttle.failed(&name, Instant::now());
        if let Some(ip) = ip {
            state.throttle.failed_address(ip, Instant::now());
        }
        tracing::info!(user = %name, "dashboard sign-in failed");
        return Err(failed());
    };
    let role = Role::parse(&user.role).ok_or_else(failed)?;
    state.throttle.succeeded(&name);
    let token = check::new_session_token().map_err(ApiError::internal)?;
    let now = chrono::Utc::now();
    let life = Duration::from_secs(u64::from(state.session_hours) * 3600);
    let session = Session {
        token_hash: check::sha256_hex(token.as_bytes()),
        username: user.username.clone(),
        csrf_token: check::new_session_token().map_err(ApiError::internal)?,
        created_at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        expires_at: (now + chrono::Duration::hours(i64::from(state.session_hours)))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    };
    state
        .store
        .create_session(session.clone(), check::now_text())
        .await?;
    tracing::info!(user = %user.username, role = role.as_str(), "dashboard sign-in");
    let mut r = Json(info(user.username, role, &session)).into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        auth::session_cookie(&token, life, state.secure_cookies),
    );
    Ok(no_store(r))
}

/// The current session (the page asks on load).
#[utoipa::path(get, path = "/api/v1/session", responses(
    (status = 200, description = "signed in", body = SessionInfo),
    (status = 401, description = "not signed in, or the session expired", body = ErrorBody)
))]
async fn whoami(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let s = auth::require(&state, &method, &headers, false).await?;
    Ok(no_store(
        Json(info(s.user.username, s.role, &s.session)).into_response(),
    ))
}

/// Signs out: the session ends on the server and the cookie is cleared.
#[utoipa::path(delete, path = "/api/v1/session", responses(
    (status = 204, description = "signed out"),
    (status = 401, description = "not signed in", body = ErrorBody),
    (status = 403, description = "missing CSRF token or another site", body = ErrorBody)
))]
async fn sign_out(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let s = auth::require(&state, &method, &headers, false).await?;
    state.store.delete_session(s.session.token_hash).await?;
    let mut r = StatusCode::NO_CONTENT.into_response();
    r.headers_mut()
        .insert(header::SET_COOKIE, auth::clear_cookie(state.secure_cookies));
    Ok(r)
}

/// The combined groups per form, by form filter (`None`: every form), each with the
/// store's `batches_version` it was computed at. Combining parses every stored batch,
/// so the dashboard does it once per change, not once per request.
#[derive(Default)]
pub struct ViewCache {
    entries: std::sync::Mutex<BTreeMap<Option<String>, Cached>>,
}

/// A `batches_version` and the groups combined at it.
type Cached = (String, Arc<Vec<FormGroups>>);

/// Forms kept in the cache at most (a signed-in user could ask for any form id).
const CACHED_FORMS: usize = 64;

/// Every form's combined groups (or one form's).
async fn load(state: &AppState, form_id: Option<String>) -> Result<Arc<Vec<FormGroups>>, ApiError> {
    let version = state.store.batches_version(form_id.clone()).await?;
    if let Ok(entries) = state.views.entries.lock()
        && let Some((v, groups)) = entries.get(&form_id)
        && *v == version
    {
        return Ok(Arc::clone(groups));
    }
    let stored = state
        .store
        .batches(BatchFilter {
            form_id: form_id.clone(),
            ..BatchFilter::default()
        })
        .await?;
    let combined = tokio::task::spawn_blocking(move || {
        let mut by_form: BTreeMap<String, Vec<crate::store::StoredBatch>> = BTreeMap::new();
        for b in stored {
            by_form.entry(b.form_id.clone()).or_default().push(b);
        }
        by_form
            .into_iter()
            .map(|(form_id, batches)| {
                Ok(FormGroups {
                    form_id,
                    groups: combine::combine(&batches)?,
                })
            })
            .collect::<Result<Vec<_>, String>>()
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    let combined = Arc::new(combined);
    // The version read before the batches: if a batch arrived in between, the next
    // request sees a newer version and recomputes.
    if let Ok(mut entries) = state.views.entries.lock() {
        if entries.len() >= CACHED_FORMS {
            entries.clear();
        }
        entries.insert(form_id, (version, Arc::clone(&combined)));
    }
    Ok(combined)
}

fn bad_query(e: QueryRejection) -> ApiError {
    ApiError::bad_request("bad_query", e.body_text())
}

fn names(fields: &[(&str, Option<&str>)]) -> Result<(), ApiError> {
    for (what, v) in fields {
        if let Some(v) = v {
            check::check_name(what, v).map_err(|e| ApiError::bad_request("bad_query", e))?;
        }
    }
    Ok(())
}

fn lists(fields: &[(&str, Option<&str>)]) -> Result<(), ApiError> {
    for (what, v) in fields {
        if let Some(v) = v {
            if v.len() > 64 * 1024 {
                return Err(ApiError::bad_request(
                    "bad_query",
                    format!("{what} is too long"),
                ));
            }
            for item in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                check::check_name(what, item).map_err(|e| ApiError::bad_request("bad_query", e))?;
            }
        }
    }
    Ok(())
}

/// The forms with released data, their indicators, rounds and sites, and the site list.
#[utoipa::path(get, path = "/api/v1/dashboard/catalog", responses(
    (status = 200, description = "what can be viewed", body = Catalog),
    (status = 401, description = "not signed in", body = ErrorBody)
))]
async fn catalog(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
) -> Result<Json<Catalog>, ApiError> {
    auth::require(&state, &method, &headers, false).await?;
    let forms = load(&state, None).await?;
    let sites = state.store.sites().await?;
    Ok(Json(views::catalog(&forms, &sites)))
}

async fn overview_of(state: &AppState, q: &OverviewQuery) -> Result<Overview, ApiError> {
    names(&[
        ("form_id", q.form_id.as_deref()),
        ("admin", q.admin.as_deref()),
    ])?;
    let forms = load(state, q.form_id.clone()).await?;
    let sites = state.store.sites().await?;
    Ok(views::overview(&forms, &sites, q))
}

/// Sites × sectors: the level of the latest rated findings, with their dates.
#[utoipa::path(get, path = "/api/v1/dashboard/overview", params(OverviewQuery), responses(
    (status = 200, description = "the risk table", body = Overview),
    (status = 400, description = "bad query", body = ErrorBody),
    (status = 401, description = "not signed in", body = ErrorBody)
))]
async fn overview(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
    q: Result<Query<OverviewQuery>, QueryRejection>,
) -> Result<Json<Overview>, ApiError> {
    auth::require(&state, &method, &headers, false).await?;
    let Query(q) = q.map_err(bad_query)?;
    Ok(Json(overview_of(&state, &q).await?))
}

async fn indicator_of(state: &AppState, q: &IndicatorQuery) -> Result<IndicatorView, ApiError> {
    names(&[
        ("form_id", Some(&q.form_id)),
        ("indicator", Some(&q.indicator)),
        ("round", q.round.as_deref()),
    ])?;
    lists(&[("sites", q.sites.as_deref())])?;
    let forms = load(state, Some(q.form_id.clone())).await?;
    let sites = state.store.sites().await?;
    forms
        .first()
        .and_then(|f| views::indicator(f, &sites, q))
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "no_such_indicator",
                "no released data for this form and indicator",
            )
        })
}

/// One indicator's released cells (suppressed cells carry no number, only their k).
#[utoipa::path(get, path = "/api/v1/dashboard/indicator", params(IndicatorQuery), responses(
    (status = 200, description = "the cells", body = IndicatorView),
    (status = 400, description = "bad query", body = ErrorBody),
    (status = 401, description = "not signed in", body = ErrorBody),
    (status = 404, description = "no such form or indicator", body = ErrorBody)
))]
async fn indicator(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
    q: Result<Query<IndicatorQuery>, QueryRejection>,
) -> Result<Json<IndicatorView>, ApiError> {
    auth::require(&state, &method, &headers, false).await?;
    let Query(q) = q.map_err(bad_query)?;
    Ok(Json(indicator_of(&state, &q).await?))
}

async fn change_of(state: &AppState, q: &ChangeQuery) -> Result<ChangeView, ApiError> {
    names(&[
        ("form_id", Some(&q.form_id)),
        ("baseline", q.baseline.as_deref()),
        ("endline", q.endline.as_deref()),
    ])?;
    lists(&[
        ("sites", q.sites.as_deref()),
        ("indicators", q.indicators.as_deref()),
    ])?;
    let forms = load(state, Some(q.form_id.clone())).await?;
    let sites = state.store.sites().await?;
    let empty = FormGroups {
        form_id: q.form_id.clone(),
        groups: Vec::new(),
    };
    Ok(views::change(forms.first().unwrap_or(&empty), &sites, q))
}

/// Baseline vs endline per site; the change only where both rounds are released.
#[utoipa::path(get, path = "/api/v1/dashboard/change", params(ChangeQuery), responses(
    (status = 200, description = "the change per site and indicator", body = ChangeView),
    (status = 400, description = "bad query", body = ErrorBody),
    (status = 401, description = "not signed in", body = ErrorBody)
))]
async fn change(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
    q: Result<Query<ChangeQuery>, QueryRejection>,
) -> Result<Json<ChangeView>, ApiError> {
    auth::require(&state, &method, &headers, false).await?;
    let Query(q) = q.map_err(bad_query)?;
    Ok(Json(change_of(&state, &q).await?))
}

/// Which view to export, in which format, with that view's own filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `overview`, `indicator` or `change`.
    pub view: String,
    /// `csv`, `xlsx` or `hxl` (CSV with an HXL hashtag row).
    pub format: String,
    pub form_id: Option<String>,
    pub admin: Option<String>,
    pub indicator: Option<String>,
    pub sites: Option<String>,
    pub round: Option<String>,
    pub baseline: Option<String>,
    pub endline: Option<String>,
    pub indicators: Option<String>,
}

fn required(v: Option<String>, what: &str) -> Result<String, ApiError> {
    v.ok_or_else(|| ApiError::bad_request("bad_query", format!("{what} is required for this view")))
}

/// Exactly what a view shows, as CSV, XLSX or HXL-tagged CSV.
#[utoipa::path(get, path = "/api/v1/dashboard/export", params(ExportQuery), responses(
    (status = 200, description = "the file", content(
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    )),
    (status = 400, description = "bad query", body = ErrorBody),
    (status = 401, description = "not signed in", body = ErrorBody),
    (status = 404, description = "no such form or indicator", body = ErrorBody)
))]
async fn export(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
    q: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    auth::require(&state, &method, &headers, false).await?;
    let Query(q) = q.map_err(bad_query)?;
    if !matches!(q.format.as_str(), "csv" | "xlsx" | "hxl") {
        return Err(ApiError::bad_request(
            "bad_query",
            "format is csv, xlsx or hxl",
        ));
    }
    let (table, sectors, stem) = match q.view.as_str() {
        "overview" => {
            let v = overview_of(
                &state,
                &OverviewQuery {
                    form_id: q.form_id,
                    admin: q.admin,
                },
            )
            .await?;
            (
                export::overview_table(&v),
                v.sectors,
                "lantern-overview".to_owned(),
            )
        }
        "indicator" => {
            let form_id = required(q.form_id, "form_id")?;
            let v = indicator_of(
                &state,
                &IndicatorQuery {
                    form_id: form_id.clone(),
                    indicator: required(q.indicator, "indicator")?,
                    sites: q.sites,
                    round: q.round,
                },
            )
            .await?;
            let stem = format!("lantern-{form_id}-{}", v.indicator.name);
            (export::indicator_table(&v), Vec::new(), stem)
        }
        "change" => {
            let form_id = required(q.form_id, "form_id")?;
            let v = change_of(
                &state,
                &ChangeQuery {
                    form_id: form_id.clone(),
                    baseline: q.baseline,
                    endline: q.endline,
                    indicators: q.indicators,
                    sites: q.sites,
                },
            )
            .await?;
            (
                export::change_table(&v),
                Vec::new(),
                format!("lantern-{form_id}-change"),
            )
        }
        _ => {
            return Err(ApiError::bad_request(
                "bad_query",
                "view is overview, indicator or change",
            ));
        }
    };
    let head = export::header(&table, &sectors);
    let (bytes, content_type, ext) = match q.format.as_str() {
        "xlsx" => (
            export::xlsx(&table, &head, "lantern").map_err(ApiError::internal)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        "hxl" => (
            export::csv(&table, &head, true).map_err(ApiError::internal)?,
            "text/csv; charset=utf-8",
            "hxl.csv",
        ),
        _ => (
            export::csv(&table, &head, false).map_err(ApiError::internal)?,
            "text/csv; charset=utf-8",
            "csv",
        ),
    };
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{stem}.{ext}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(no_store(r))
}

/// An enrolled device as the admin pages list it (no key material).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeviceInfo {
    pub device_id: String,
    /// The first 16 hex digits of SHA-256 of the public key, to tell devices apart.
    pub key_fingerprint: String,
    pub sites: Vec<String>,
    pub forms: Vec<String>,
    pub enrolled_at: String,
    pub revoked_at: Option<String>,
    pub last_upload_at: Option<String>,
}

impl From<crate::store::Device> for DeviceInfo {
    fn from(d: crate::store::Device) -> Self {
        DeviceInfo {
            key_fingerprint: check::sha256_hex(&d.public_key)[..16].to_owned(),
            device_id: d.device_id,
            sites: d.sites,
            forms: d.forms,
            enrolled_at: d.enrolled_at,
            revoked_at: d.revoked_at,
            last_upload_at: d.last_upload_at,
        }
    }
}

/// Enrolled devices with their last upload (admin).
#[utoipa::path(get, path = "/api/v1/dashboard/devices", responses(
    (status = 200, description = "the devices", body = Vec<DeviceInfo>),
    (status = 401, description = "not signed in", body = ErrorBody),
    (status = 403, description = "not an admin", body = ErrorBody)
))]
async fn devices(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
) -> Result<Json<Vec<DeviceInfo>>, ApiError> {
    auth::require(&state, &method, &headers, true).await?;
    let devices = state.store.devices().await?;
    Ok(Json(devices.into_iter().map(DeviceInfo::from).collect()))
}

/// A new one-time enrollment code.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrollmentRequest {
    pub sites: Vec<String>,
    /// Empty or absent: any form.
    #[serde(default)]
    pub forms: Vec<String>,
    /// Days until the code expires unused (1–90, default 7).
    pub expires_days: Option<u32>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EnrollmentCode {
    /// Shown once; give it to one device.
    pub code: String,
    pub sites: Vec<String>,
    pub forms: Vec<String>,
    pub expires_at: String,
}

/// Creates a one-time enrollment code (admin).
#[utoipa::path(post, path = "/api/v1/dashboard/enrollments", request_body = EnrollmentRequest, responses(
    (status = 200, description = "the code, shown once", body = EnrollmentCode),
    (status = 400, description = "malformed JSON", body = ErrorBody),
    (status = 401, description = "not signed in", body = ErrorBody),
    (status = 403, description = "not an admin, missing CSRF token or another site", body = ErrorBody),
    (status = 413, description = "body too large", body = ErrorBody),
    (status = 422, description = "wrong fields, sites or forms", body = ErrorBody)
))]
async fn create_enrollment(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let s = auth::require(&state, &method, &headers, true).await?;
    let bytes = crate::body_bytes(body, state.body_limit)?;
    let req: EnrollmentRequest = crate::parse_json(&bytes)?;
    let bad = |m: String| ApiError::unprocessable("invalid_enrollment", m);
    if req.sites.is_empty() || req.sites.len() > 1000 || req.forms.len() > 100 {
        return Err(bad("give 1 to 1000 sites and at most 100 forms".into()));
    }
    for site in &req.sites {
        check::check_name("site", site).map_err(bad)?;
    }
    for form in &req.forms {
        check::check_name("form", form).map_err(bad)?;
    }
    let days = req.expires_days.unwrap_or(7);
    if !(1..=90).contains(&days) {
        return Err(bad("expires_days is between 1 and 90".into()));
    }
    let code = check::new_code().map_err(ApiError::internal)?;
    let now = chrono::Utc::now();
    let expires = (now + chrono::Duration::days(i64::from(days)))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    state
        .store
        .create_enrollment(NewEnrollment {
            code_hash: check::sha256_hex(check::normalise_code(&code).as_bytes()),
            sites: req.sites.clone(),
            forms: req.forms.clone(),
            created_at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            expires_at: expires.clone(),
        })
        .await?;
    tracing::info!(by = %s.user.username, sites = ?req.sites, "enrollment code created from the dashboard");
    Ok(no_store(
        Json(EnrollmentCode {
            code,
            sites: req.sites,
            forms: req.forms,
            expires_at: expires,
        })
        .into_response(),
    ))
}

/// Revokes a device: its uploads are refused from now on (admin).
#[utoipa::path(post, path = "/api/v1/dashboard/devices/{device_id}/revoke",
    params(("device_id" = String, Path, description = "the device id")),
    responses(
        (status = 200, description = "revoked (or already revoked)", body = DeviceInfo),
        (status = 401, description = "not signed in", body = ErrorBody),
        (status = 403, description = "not an admin, missing CSRF token or another site", body = ErrorBody),
        (status = 404, description = "no such device", body = ErrorBody)
    )
)]
async fn revoke(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
    Path(device_id): Path<String>,
) -> Result<Json<DeviceInfo>, ApiError> {
    let s = auth::require(&state, &method, &headers, true).await?;
    let missing = || ApiError::new(StatusCode::NOT_FOUND, "no_such_device", "no such device");
    if uuid::Uuid::parse_str(&device_id).is_err() {
        return Err(missing());
    }
    if !state
        .store
        .revoke(device_id.clone(), check::now_text())
        .await?
    {
        return Err(missing());
    }
    tracing::info!(by = %s.user.username, device = %device_id, "device revoked from the dashboard");
    let device = state.store.device(device_id).await?.ok_or_else(missing)?;
    Ok(Json(DeviceInfo::from(device)))
}

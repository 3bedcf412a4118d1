//! Dashboard sign-in: Argon2id passwords (`check::hash_password`), random session
//! tokens in an HttpOnly, SameSite=Strict cookie (Secure when the server speaks HTTPS),
//! sessions that expire, a growing wait after repeated failures, and CSRF protection
//! on every state-changing request (a per-session token in `X-Lantern-CSRF`, plus a
//! refusal of any request whose `Origin` or `Sec-Fetch-Site` says it came from another
//! site).
//!
//! Only the SHA-256 of a session token is stored, so the cookie of one server instance
//! (or a copy of its database) means nothing to another.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue, Method, header};

use crate::AppState;
use crate::check;
use crate::error::ApiError;
use crate::store::{Session, User};

/// The session cookie's name.
pub const COOKIE: &str = "lantern_session";
/// The header a state-changing request repeats the session's CSRF token in.
pub const CSRF_HEADER: &str = "x-lantern-csrf";
/// How long a session lasts by default (a working day).
pub const DEFAULT_SESSION_HOURS: u32 = 8;
/// Failed sign-ins of one name tolerated before a wait is imposed.
pub const FREE_FAILURES: u32 = 3;
/// The longest wait after repeated failures.
pub const MAX_WAIT: Duration = Duration::from_secs(15 * 60);

/// The two roles: an admin also manages devices and enrollment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Admin,
    Viewer,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Viewer => "viewer",
        }
    }
}

/// A request made by a signed-in user.
#[derive(Debug, Clone)]
pub struct Signed {
    pub user: User,
    pub role: Role,
    pub session: Session,
}

/// Failed sign-ins from one client address tolerated before it must wait too (so that
/// trying one password on many names, password spraying, is slowed down as well).
pub const FREE_ADDRESS_FAILURES: u32 = 20;
/// The longest wait of one address: short, because behind a proxy every user shares it.
pub const MAX_ADDRESS_WAIT: Duration = Duration::from_secs(60);

/// Failed sign-ins per user name (key `name:…`) and per client address (`ip:…`), in
/// memory: after [`FREE_FAILURES`] failures of a name each further attempt must wait 2,
/// 4, 8 … seconds (up to [`MAX_WAIT`]), whatever the password; an address gets the same
/// after [`FREE_ADDRESS_FAILURES`], up to [`MAX_ADDRESS_WAIT`]. A success clears the
/// name's count.
#[derive(Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Throttle {
    /// The time left to wait before `name` may try again, if any.
    pub fn wait(&self, name: &str, now: Instant) -> Option<Duration> {
        self.wait_key(&format!("name:{name}"), FREE_FAILURES, MAX_WAIT, now)
    }

    /// The time left to wait before this client address may try again, if any.
    pub fn wait_address(&self, ip: std::net::IpAddr, now: Instant) -> Option<Duration> {
        self.wait_key(
            &format!("ip:{ip}"),
            FREE_ADDRESS_FAILURES,
            MAX_ADDRESS_WAIT,
            now,
        )
    }

    fn wait_key(&self, key: &str, free: u32, max: Duration, now: Instant) -> Option<Duration> {
        let map = self.failures.lock().ok()?;
        let (count, last) = map.get(key)?;
        // `wait_after` allows FREE_FAILURES; shift the count so that it allows `free`.
        let wait = wait_after(count.saturating_sub(free.saturating_sub(FREE_FAILURES)))?.min(max);
        let until = *last + wait;
        (until > now).then(|| until - now)
    }

    pub fn failed_address(&self, ip: std::net::IpAddr, now: Instant) {
        self.count(format!("ip:{ip}"), now);
    }

    pub fn failed(&self, name: &str, now: Instant) {
        self.count(format!("name:{name}"), now);
    }

    fn count(&self, key: String, now: Instant) {
        if let Ok(mut map) = self.failures.lock() {
            // Keep the table bounded: forget names whose wait is long over.
            if map.len() > 10_000 {
                map.retain(|_, (_, last)| now.duration_since(*last) < MAX_WAIT);
            }
            let entry = map.entry(key).or_insert((0, now));
            entry.0 = entry.0.saturating_add(1);
            entry.1 = now;
        }
    }

    pub fn succeeded(&self, name: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(&format!("name:{name}"));
        }
    }
}

fn wait_after(failures: u32) -> Option<Duration> {
    let over = failures.checked_sub(FREE_FAILURES)?;
    if over == 0 {
        return None;
    }
    let secs = 1u64 << over.min(20);
    Some(Duration::from_secs(secs).min(MAX_WAIT))
}

/// The client's address, when the server was started with connection info
/// (`into_make_service_with_connect_info`, as `main.rs` does).
pub struct ClientIp(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// Refuses a request that a browser marks as coming from another site. Browsers send
/// `Origin` on every cross-origin POST and `Sec-Fetch-Site` on every request; a
/// same-origin page sends an `Origin` whose host is this server's `Host`.
pub fn same_site(headers: &HeaderMap) -> Result<(), ApiError> {
    let cross = || {
        ApiError::forbidden(
            "cross_site",
            "this request came from another site and was refused",
        )
    };
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return Err(cross());
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().map_err(|_| cross())?;
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(cross)?;
        let origin_host = origin
            .split_once("://")
            .map(|(_, rest)| rest.trim_end_matches('/'))
            .ok_or_else(cross)?;
        if !origin_host.eq_ignore_ascii_case(host) {
            return Err(cross());
        }
    }
    Ok(())
}

fn cookie_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.trim())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Whether the request carries a well-formed session cookie (valid or not).
pub fn has_session_cookie(headers: &HeaderMap) -> bool {
    cookie_token(headers).is_some()
}

fn unauthorized() -> ApiError {
    ApiError::unauthorized("sign_in_required", "sign in to use the dashboard")
}

/// The signed-in user of this request, or 401. A state-changing method also needs the
/// CSRF token and a same-site origin (403); `admin` needs the admin role (403).
pub async fn require(
    state: &AppState,
    method: &Method,
    headers: &HeaderMap,
    admin: bool,
) -> Result<Signed, ApiError> {
    let token = cookie_token(headers).ok_or_else(unauthorized)?;
    let session = state
        .store
        .session(check::sha256_hex(token.as_bytes()))
        .await?
        .ok_or_else(unauthorized)?;
    if session.expires_at <= check::now_text() {
        state.store.delete_session(session.token_hash).await?;
        return Err(ApiError::unauthorized(
            "session_expired",
            "your session has expired; sign in again",
        ));
    }
    let user = state
        .store
        .user(session.username.clone())
        .await?
        .ok_or_else(unauthorized)?;
    let role = Role::parse(&user.role).ok_or_else(unauthorized)?;
    if !matches!(*method, Method::GET | Method::HEAD) {
        same_site(headers)?;
        let sent = headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !check::same_secret(sent, &session.csrf_token) {
            return Err(ApiError::forbidden(
                "csrf_token_invalid",
                "this request lacks the page's CSRF token; reload the dashboard",
            ));
        }
    }
    if admin && role != Role::Admin {
        return Err(ApiError::forbidden(
            "admin_only",
            "only a dashboard admin may do this",
        ));
    }
    Ok(Signed {
        user,
        role,
        session,
    })
}

/// The `Set-Cookie` value for a new session.
pub fn session_cookie(token: &str, max_age: Duration, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        max_age.as_secs()
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("lantern_session=; Path=/"))
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(secure: bool) -> HeaderValue {
    if secure {
        HeaderValue::from_static(
            "lantern_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure",
        )
    } else {
        HeaderValue::from_static("lantern_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
    }
}

/// Dashboard user names: 1–64 letters, digits, `.`, `_`, `-`, `@`.
pub fn check_username(name: &str) -> Result<(), String> {
    if name.is_empty() || name.chars().count() > 64 {
        return Err("a user name has 1 to 64 characters".into());
    }
    if !name
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        return Err("a user name may hold letters, digits, '.', '_', '-' and '@' only".into());
    }
    Ok(())
}

/// Dashboard passwords: at least 12 characters (a passphrase), at most 1024.
pub fn check_password(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < 12 {
        return Err(
            "the password needs at least 12 characters; a few words make a good one".into(),
        );
    }
    if n > 1024 {
        return Err("the password is longer than 1024 characters".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_after_free_failures() {
        assert_eq!(wait_after(0), None);
        assert_eq!(wait_after(FREE_FAILURES), None);
        assert_eq!(wait_after(FREE_FAILURES + 1), Some(Duration::from_secs(2)));
        assert_eq!(wait_after(FREE_FAILURES + 3), Some(Duration::from_secs(8)));
        assert_eq!(wait_after(100), Some(MAX_WAIT));
        let t = Throttle::default();
        let now = Instant::now();
        for _ in 0..=FREE_FAILURES {
            t.failed("amina", now);
        }
        assert!(t.wait("amina", now).is_some());
        assert!(t.wait("amina", now + Duration::from_secs(3)).is_none());
        assert!(t.wait("other", now).is_none());
        t.succeeded("amina");
        assert!(t.wait("amina", now).is_none());
        let ip: std::net::IpAddr = [10, 0, 0, 7].into();
        for _ in 0..FREE_ADDRESS_FAILURES {
            t.failed_address(ip, now);
        }
        assert!(t.wait_address(ip, now).is_none());
        t.failed_address(ip, now);
        assert_eq!(t.wait_address(ip, now), Some(Duration::from_secs(2)));
        for _ in 0..50 {
            t.failed_address(ip, now);
        }
        assert_eq!(t.wait_address(ip, now), Some(MAX_ADDRESS_WAIT));
    }

    #[test]
    fn cookies_are_http_only_strict_and_secure_under_https() {
        let token = "ab".repeat(32);
        let plain = session_cookie(&token, Duration::from_secs(3600), false);
        let plain = plain.to_str().unwrap();
        assert!(plain.contains("HttpOnly") && plain.contains("SameSite=Strict"));
        assert!(plain.contains("Max-Age=3600") && !plain.contains("Secure"));
        let tls = session_cookie(&token, Duration::from_secs(3600), true);
        assert!(tls.to_str().unwrap().ends_with("; Secure"));
        assert!(clear_cookie(true).to_str().unwrap().contains("Secure"));
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("a=b; {COOKIE}={token}")).unwrap(),
        );
        assert_eq!(cookie_token(&h), Some(token.as_str()));
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("lantern_session=short"),
        );
        assert_eq!(cookie_token(&h), None);
    }

    #[test]
    fn cross_site_requests_are_recognised() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8440"));
        assert!(same_site(&h).is_ok());
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8440"),
        );
        assert!(same_site(&h).is_ok());
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(same_site(&h).is_err());
        h.remove(header::ORIGIN);
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(same_site(&h).is_err());
        h.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(same_site(&h).is_ok());
    }
}

//! The built dashboard, embedded at compile time by `build.rs` (no file is read at run
//! time, so the server works from its binary alone on an offline LAN). Served with a
//! strict Content-Security-Policy: every script, style and image from this server only.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

include!(concat!(env!("OUT_DIR"), "/dashboard_assets.rs"));

/// What the dashboard's pages may load: only this server. Inline styles are allowed
/// for the chart library's computed positions; no inline or remote script.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Whether the dashboard was built into this binary.
pub fn built() -> bool {
    file("dashboard.html").is_some()
}

pub fn file(path: &str) -> Option<&'static [u8]> {
    FILES.iter().find(|(p, _)| *p == path).map(|(_, b)| *b)
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, e)| e) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

fn secure(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    r
}

const NOT_BUILT: &str = "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\">\
<title>Lantern server</title><h1>Lantern sync server</h1>\
<p>This server was built without its dashboard. Build it with \
<code>cd ui &amp;&amp; npm ci &amp;&amp; npm run build</code>, then rebuild the server \
(<code>cargo build -p lantern-server</code>). The API is described at \
<a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a>.</p></html>";

/// `GET /`: the dashboard's page, which shows the sign-in form until signed in.
pub async fn index() -> Response {
    let body = file("dashboard.html").unwrap_or(NOT_BUILT.as_bytes());
    let mut r = body.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    secure(r)
}

/// `GET /assets/…` and the icon: hashed file names, so they may be cached for good.
pub async fn asset(Path(path): Path<String>) -> Response {
    serve(&format!("assets/{path}"))
}

pub async fn favicon() -> Response {
    serve("favicon.png")
}

fn serve(path: &str) -> Response {
    match file(path) {
        Some(body) => {
            let mut r = body.into_response();
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(content_type(path)),
            );
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            );
            secure(r)
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

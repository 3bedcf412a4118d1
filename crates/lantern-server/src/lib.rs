//! Lantern's sync server. `app(state)` builds the whole HTTP surface as a `Router`, so
//! tests drive it with `oneshot` without opening a port.
//!
//! Today it answers health checks; aggregate intake and the dashboard come with the
//! sync work. It will only ever hold aggregates, never individual responses; it links
//! `lantern-protocol` (batch types, disclosure control), never `lantern-core`.

/// The wire schema this server accepts.
pub const BATCH_SCHEMA: &str = lantern_protocol::BATCH_SCHEMA;

use axum::{Json, Router, routing::get};
use serde::Serialize;

/// Shared state of the server.
#[derive(Clone, Debug, Default)]
pub struct AppState {}

/// What `GET /api/health` answers.
#[derive(Debug, Serialize)]
pub struct Health {
    pub status: &'static str,
    pub version: &'static str,
}

/// The server's routes.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/api/health", get(health))
        .with_state(state)
}

async fn health() -> Json<Health> {
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::{Body, to_bytes};
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    #[tokio::test]
    async fn health_reports_version() {
        let response = app(AppState::default())
            .oneshot(Request::get("/api/health").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body = to_bytes(response.into_body(), 1 << 16).await.unwrap();
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(value["status"], "ok");
        assert_eq!(value["version"], env!("CARGO_PKG_VERSION"));
    }

    #[tokio::test]
    async fn unknown_route_is_404() {
        let response = app(AppState::default())
            .oneshot(Request::get("/api/nothing").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
}

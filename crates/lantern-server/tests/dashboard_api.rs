//! The dashboard's API on a real server on 127.0.0.1 (SQLite, or PostgreSQL in the
//! PostgreSQL tier): users made by the real `admin create-user`, sign-in, sessions,
//! CSRF and cross-site refusals, roles, the site import, the views over signed
//! uploads, and exports equal to the views.

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use common::*;
use lantern_protocol::{
    Batch, Cell, HigherIs, IndicatorKind, IndicatorMeta, Level, SuppressionRule,
};
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::{Value, json};

const ADMIN_PW: &str = "harbour violet ninety lamps";
const VIEWER_PW: &str = "seven quiet river stones";

fn admin_cmd(server: &Server, args: &[&str], password: Option<&str>) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lantern-server"));
    cmd.arg("--data").arg(server.dir.path());
    if let Some(url) = &server.database_url {
        cmd.arg("--database-url").arg(url);
    }
    cmd.env_remove("LANTERN_USER_PASSWORD");
    if let Some(p) = password {
        cmd.env("LANTERN_USER_PASSWORD", p);
    }
    cmd.arg("admin").args(args).output().unwrap()
}

fn make_users(server: &Server) {
    let out = admin_cmd(
        server,
        &["create-user", "amina", "--role", "admin"],
        Some(ADMIN_PW),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = admin_cmd(
        server,
        &["create-user", "pierre", "--role", "viewer"],
        Some(VIEWER_PW),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A signed-in user: the cookie header value and the CSRF token.
struct Signed {
    cookie: String,
    csrf: String,
    set_cookie: String,
}

async fn sign_in(server: &Server, name: &str, password: &str) -> (u16, Value, Option<Signed>) {
    let r = client()
        .post(format!("{}/api/v1/session", server.url))
        .json(&json!({"username": name, "password": password}))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let set_cookie = r
        .headers()
        .get(SET_COOKIE)
        .map(|v| v.to_str().unwrap().to_owned());
    let body: Value = r.json().await.unwrap_or(Value::Null);
    let signed = set_cookie.map(|sc| Signed {
        cookie: sc.split(';').next().unwrap().to_owned(),
        csrf: body["csrf_token"].as_str().unwrap_or("").to_owned(),
        set_cookie: sc,
    });
    (status, body, signed)
}

async fn get(server: &Server, path: &str, who: Option<&Signed>) -> (u16, Value) {
    let mut req = client().get(format!("{}{path}", server.url));
    if let Some(s) = who {
        req = req.header(COOKIE, &s.cookie);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn get_text(server: &Server, path: &str, who: &Signed) -> (u16, String, String) {
    let r = client()
        .get(format!("{}{path}", server.url))
        .header(COOKIE, &who.cookie)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ct, r.text().await.unwrap())
}

const READ_ROUTES: &[&str] = &[
    "/api/v1/session",
    "/api/v1/dashboard/catalog",
    "/api/v1/dashboard/overview",
    "/api/v1/dashboard/indicator?form_id=f&indicator=i",
    "/api/v1/dashboard/change?form_id=f",
    "/api/v1/dashboard/export?view=overview&format=csv",
    "/api/v1/dashboard/devices",
];

#[tokio::test]
async fn every_dashboard_route_needs_a_session() {
    let server = start().await;
    for path in READ_ROUTES {
        let (status, body) = get(&server, path, None).await;
        assert_eq!(status, 401, "{path}: {body}");
        assert_eq!(body["code"], "sign_in_required", "{path}");
    }
    for (method, path) in [
        ("POST", "/api/v1/dashboard/enrollments"),
        (
            "POST",
            "/api/v1/dashboard/devices/00000000-0000-4000-8000-000000000000/revoke",
        ),
        ("DELETE", "/api/v1/session"),
    ] {
        let r = client()
            .request(method.parse().unwrap(), format!("{}{path}", server.url))
            .json(&json!({"sites": ["SO1"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{method} {path}");
    }
    // A made-up cookie is no session either.
    let fake = Signed {
        cookie: format!("lantern_session={}", "ab".repeat(32)),
        csrf: String::new(),
        set_cookie: String::new(),
    };
    let (status, _) = get(&server, "/api/v1/dashboard/catalog", Some(&fake)).await;
    assert_eq!(status, 401);
    // The OpenAPI document describes every dashboard route.
    let (_, doc) = get(&server, "/api/v1/openapi.json", None).await;
    for path in [
        "/api/v1/session",
        "/api/v1/dashboard/catalog",
        "/api/v1/dashboard/overview",
        "/api/v1/dashboard/indicator",
        "/api/v1/dashboard/change",
        "/api/v1/dashboard/export",
        "/api/v1/dashboard/devices",
        "/api/v1/dashboard/enrollments",
        "/api/v1/dashboard/devices/{device_id}/revoke",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
}

#[tokio::test]
async fn root_is_the_sign_in_page_with_a_strict_policy() {
    let server = start().await;
    let r = client()
        .get(format!("{}/", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = r.text().await.unwrap();
    assert!(html.contains("<html"), "{html}");
    if lantern_server::dashboard::assets::built() {
        // Every script and stylesheet the page names is served from the binary.
        for part in html.split("/assets/").skip(1) {
            let name: String = part
                .chars()
                .take_while(|c| *c != '"' && *c != '\'')
                .collect();
            let r = client()
                .get(format!("{}/assets/{name}", server.url))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "/assets/{name}");
        }
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "remote asset in {html}"
        );
    }
}

#[tokio::test]
async fn users_sign_in_with_secure_cookies_and_sign_out() {
    let server = start().await;
    make_users(&server);
    // The CLI refuses a short password and an existing name, and never takes one as an argument.
    let out = admin_cmd(
        &server,
        &["create-user", "short", "--role", "viewer"],
        Some("tiny"),
    );
    assert!(!out.status.success());
    let out = admin_cmd(
        &server,
        &["create-user", "amina", "--role", "viewer"],
        Some(ADMIN_PW),
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("exists already"));
    let out = admin_cmd(&server, &["users"], None);
    let listed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        listed.contains("amina\tadmin") && listed.contains("pierre\tviewer"),
        "{listed}"
    );
    assert!(!listed.contains("argon2"), "{listed}");

    let (status, body, cookie) = sign_in(&server, "amina", "wrong password here").await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["code"], "sign_in_failed");
    assert!(cookie.is_none());
    let (status, body, _) = sign_in(&server, "nobody", ADMIN_PW).await;
    assert_eq!(status, 401);
    assert_eq!(body["code"], "sign_in_failed");

    let (status, body, signed) = sign_in(&server, "amina", ADMIN_PW).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["role"], "admin");
    let signed = signed.unwrap();
    let sc = signed.set_cookie.clone();
    assert!(sc.contains("HttpOnly"), "{sc}");
    assert!(sc.contains("SameSite=Strict"), "{sc}");
    assert!(sc.contains("Path=/"), "{sc}");
    assert!(
        !sc.contains("Secure"),
        "plain HTTP must not mark it Secure: {sc}"
    );
    assert_eq!(signed.csrf.len(), 64);
    let (status, me) = get(&server, "/api/v1/session", Some(&signed)).await;
    assert_eq!(status, 200);
    assert_eq!(me["username"], "amina");
    assert_eq!(me["csrf_token"], signed.csrf.as_str());

    // Signing out needs the CSRF token; afterwards the cookie is worthless.
    let r = client()
        .delete(format!("{}/api/v1/session", server.url))
        .header(COOKIE, &signed.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = client()
        .delete(format!("{}/api/v1/session", server.url))
        .header(COOKIE, &signed.cookie)
        .header("x-lantern-csrf", &signed.csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(
        r.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let (status, _) = get(&server, "/api/v1/dashboard/catalog", Some(&signed)).await;
    assert_eq!(status, 401);

    // A new password ends every session of that user.
    let (_, _, again) = sign_in(&server, "pierre", VIEWER_PW).await;
    let again = again.unwrap();
    let out = admin_cmd(
        &server,
        &["set-password", "pierre"],
        Some("a brand new long passphrase"),
    );
    assert!(out.status.success());
    let (status, _) = get(&server, "/api/v1/dashboard/catalog", Some(&again)).await;
    assert_eq!(status, 401);
    let (status, _, _) = sign_in(&server, "pierre", "a brand new long passphrase").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn repeated_failures_impose_a_wait() {
    let server = start().await;
    make_users(&server);
    for _ in 0..lantern_server::dashboard::auth::FREE_FAILURES + 1 {
        let (status, _, _) = sign_in(&server, "pierre", "not the password at all").await;
        assert_eq!(status, 401);
    }
    // Now even the right password must wait.
    let r = client()
        .post(format!("{}/api/v1/session", server.url))
        .json(&json!({"username": "pierre", "password": VIEWER_PW}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(wait, 2, "the first wait is 2 s");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "too_many_attempts");
    // Another name is not held up.
    let (status, _, _) = sign_in(&server, "amina", ADMIN_PW).await;
    assert_eq!(status, 200);
    // After the wait the right password works and clears the count.
    tokio::time::sleep(std::time::Duration::from_millis(wait * 1000 + 200)).await;
    let (status, _, _) = sign_in(&server, "pierre", VIEWER_PW).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn one_address_trying_many_names_must_wait_too() {
    let server = start().await;
    make_users(&server);
    let free = lantern_server::dashboard::auth::FREE_ADDRESS_FAILURES;
    // Password spraying: one guess for each of many names, none over its own limit.
    for i in 0..=free {
        let (status, _, _) = sign_in(&server, &format!("guess{i}"), "Summer2026!Summer").await;
        assert_eq!(status, 401);
    }
    // Now this address waits, even for a right password of a name never tried.
    let (status, body, _) = sign_in(&server, "amina", ADMIN_PW).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["code"], "too_many_attempts");
}

#[tokio::test]
async fn sessions_expire() {
    let server = start().await;
    make_users(&server);
    let store =
        lantern_server::store::open(Some(server.dir.path()), server.database_url.as_deref())
            .await
            .unwrap();
    let token = "cd".repeat(32);
    store
        .create_session(
            lantern_server::store::Session {
                token_hash: lantern_server::check::sha256_hex(token.as_bytes()),
                username: "amina".into(),
                csrf_token: "ef".repeat(32),
                created_at: "2026-01-01T00:00:00Z".into(),
                expires_at: "2026-01-01T08:00:00Z".into(),
            },
            "2026-01-01T00:00:00Z".into(),
        )
        .await
        .unwrap();
    let old = Signed {
        cookie: format!("lantern_session={token}"),
        csrf: "ef".repeat(32),
        set_cookie: String::new(),
    };
    let (status, body) = get(&server, "/api/v1/dashboard/catalog", Some(&old)).await;
    assert_eq!(status, 401);
    assert_eq!(body["code"], "session_expired");
    // And it is gone for good.
    let (_, body) = get(&server, "/api/v1/dashboard/catalog", Some(&old)).await;
    assert_eq!(body["code"], "sign_in_required");
}

#[tokio::test]
async fn viewers_cannot_manage_devices_and_csrf_is_enforced() {
    let server = start().await;
    make_users(&server);
    let (_, _, viewer) = sign_in(&server, "pierre", VIEWER_PW).await;
    let viewer = viewer.unwrap();
    let (_, _, admin) = sign_in(&server, "amina", ADMIN_PW).await;
    let admin = admin.unwrap();

    let (status, _) = get(&server, "/api/v1/dashboard/catalog", Some(&viewer)).await;
    assert_eq!(status, 200);
    let (status, body) = get(&server, "/api/v1/dashboard/devices", Some(&viewer)).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["code"], "admin_only");
    let post = |who: &Signed, path: &str, csrf: Option<&str>, origin: Option<&str>| {
        let mut req = client()
            .post(format!("{}{path}", server.url))
            .header(COOKIE, &who.cookie)
            .json(&json!({"sites": ["SO2401-0001"]}));
        if let Some(c) = csrf {
            req = req.header("x-lantern-csrf", c);
        }
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        req.send()
    };
    let r = post(
        &viewer,
        "/api/v1/dashboard/enrollments",
        Some(&viewer.csrf),
        None,
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 403);
    let dev = enroll(&server, &["SO2401-0001"]).await;
    let revoke = format!("/api/v1/dashboard/devices/{}/revoke", dev.id);
    let r = post(&viewer, &revoke, Some(&viewer.csrf), None)
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // The admin, without the CSRF token, with the wrong one, or from another site: refused.
    let r = post(&admin, "/api/v1/dashboard/enrollments", None, None)
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(
        r.json::<Value>().await.unwrap()["code"],
        "csrf_token_invalid"
    );
    let r = post(
        &admin,
        "/api/v1/dashboard/enrollments",
        Some(&viewer.csrf),
        None,
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 403);
    let r = post(
        &admin,
        "/api/v1/dashboard/enrollments",
        Some(&admin.csrf),
        Some("http://evil.example"),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "cross_site");
    // A cross-site HTML form post (no custom header possible) is refused.
    let r = client()
        .post(format!("{}/api/v1/dashboard/enrollments", server.url))
        .header(COOKIE, &admin.cookie)
        .header("origin", "http://evil.example")
        .header("sec-fetch-site", "cross-site")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("sites=SO2401-0001")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = client()
        .post(format!("{}/api/v1/session", server.url))
        .header("origin", "http://evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("username=amina&password={ADMIN_PW}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.headers().get(SET_COOKIE).is_none());
    let r = client()
        .post(format!("{}/api/v1/session", server.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("username=amina&password={ADMIN_PW}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    assert!(r.headers().get(SET_COOKIE).is_none());
    // Nothing was created by any refused request.
    let out = admin_cmd(&server, &["devices", "--json"], None);
    let devices: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(devices.as_array().unwrap().len(), 1);

    // The admin with the token, same origin: a code that enrolls a device, then a revoke.
    let host = server.url.clone();
    let r = post(
        &admin,
        "/api/v1/dashboard/enrollments",
        Some(&admin.csrf),
        Some(&host),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let code: Value = r.json().await.unwrap();
    let key = new_key();
    let r = client()
        .post(format!("{}/api/v1/enroll", server.url))
        .json(&json!({"code": code["code"], "public_key": public_hex(&key)}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (status, list) = get(&server, "/api/v1/dashboard/devices", Some(&admin)).await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert!(list[0].get("public_key").is_none());
    let r = post(&admin, &revoke, Some(&admin.csrf), None)
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let revoked: Value = r.json().await.unwrap();
    assert!(revoked["revoked_at"].is_string());
    let (status, _) = upload(&server, &dev, &batch("SO2401-0001", None, 1, 9, 9)).await;
    assert_eq!(status, 403);
    let r = post(
        &admin,
        "/api/v1/dashboard/devices/00000000-0000-4000-8000-000000000000/revoke",
        Some(&admin.csrf),
        None,
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn a_cookie_from_another_instance_is_refused() {
    let a = start().await;
    let b = start().await;
    make_users(&a);
    make_users(&b);
    let (_, _, from_a) = sign_in(&a, "amina", ADMIN_PW).await;
    let from_a = from_a.unwrap();
    let (status, _) = get(&a, "/api/v1/dashboard/catalog", Some(&from_a)).await;
    assert_eq!(status, 200);
    let (status, body) = get(&b, "/api/v1/dashboard/catalog", Some(&from_a)).await;
    assert_eq!(status, 401, "{body}");
}

#[tokio::test]
async fn import_sites_lists_bad_rows_and_imports_nothing() {
    let server = start().await;
    make_users(&server);
    let bad = server.dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "site_code,site_name,admin1,admin2\nSO2401-0001,Hodan,SO24,SO2401\nbad code,X,SO24,SO2401\nSO2401-0002,,SO24,SO2401\n",
    )
    .unwrap();
    let out = admin_cmd(&server, &["import-sites", bad.to_str().unwrap()], None);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 3") && err.contains("line 4") && err.contains("nothing was imported"),
        "{err}"
    );
    let (_, _, s) = sign_in(&server, "pierre", VIEWER_PW).await;
    let s = s.unwrap();
    let (_, cat) = get(&server, "/api/v1/dashboard/catalog", Some(&s)).await;
    assert_eq!(cat["sites"].as_array().unwrap().len(), 0);
    let good = server.dir.path().join("good.csv");
    std::fs::write(
        &good,
        "site_code,site_name,admin1,admin2\nSO2401-0001,Hodan,SO24,SO2401\nSO2402-0001,Kahda,SO24,SO2402\n",
    )
    .unwrap();
    let out = admin_cmd(&server, &["import-sites", good.to_str().unwrap()], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, cat) = get(&server, "/api/v1/dashboard/catalog", Some(&s)).await;
    assert_eq!(cat["sites"].as_array().unwrap().len(), 2);
    assert_eq!(cat["admin_areas"], json!(["SO24", "SO2401", "SO2402"]));
}

fn meta(name: &str, kind: IndicatorKind, sector: &str) -> IndicatorMeta {
    IndicatorMeta {
        name: name.into(),
        labels: BTreeMap::from([("English (en)".into(), format!("Label of {name}"))]),
        kind,
        hxl: Some(format!("#indicator+{name}")),
        sector: Some(sector.into()),
        higher_is: (kind == IndicatorKind::Score).then_some(HigherIs::Worse),
        amber: (kind == IndicatorKind::Score).then_some(2.0),
        red: (kind == IndicatorKind::Score).then_some(3.0),
        min_cell: 5,
        actions: BTreeMap::new(),
    }
}

fn released(ind: &str, by: &[(&str, &str)], n: u64, value: f64, level: Option<Level>) -> Cell {
    Cell {
        indicator: ind.into(),
        by: by.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect(),
        suppressed: false,
        rule: None,
        n: Some(n),
        denominator: Some(n),
        value: Some(value),
        level,
    }
}

fn hidden(ind: &str, by: &[(&str, &str)]) -> Cell {
    Cell {
        indicator: ind.into(),
        by: by.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect(),
        suppressed: true,
        rule: Some(SuppressionRule::Primary),
        n: None,
        denominator: None,
        value: None,
        level: None,
    }
}

/// A batch with a risk score and a participation proportion, one cell suppressed.
fn rich_batch(site: &str, round: &str, sequence: u64, score: f64, pct: Option<f64>) -> Batch {
    let mut b = batch(site, Some(round), sequence, 1, 1);
    b.form_id = "womens_participation".into();
    b.indicators = vec![
        meta("risk", IndicatorKind::Score, "protection"),
        meta("attending", IndicatorKind::Proportion, "participation"),
    ];
    let level = if score >= 3.0 {
        Level::Red
    } else if score >= 2.0 {
        Level::Amber
    } else {
        Level::Green
    };
    b.cells = vec![
        released("risk", &[], 20, score, Some(level)),
        match pct {
            Some(p) => released("attending", &[], 20, p, None),
            None => hidden("attending", &[]),
        },
        released("attending", &[("age_group", "18_59")], 17, 40.0, None),
        hidden("attending", &[("age_group", "60_plus")]),
    ];
    b
}

#[tokio::test]
async fn views_and_exports_show_only_released_numbers() {
    let server = start().await;
    make_users(&server);
    let sites = server.dir.path().join("sites.csv");
    std::fs::write(
        &sites,
        "site_code,site_name,admin1,admin2\nSO2401-0001,Hodan,SO24,SO2401\nSO2402-0001,Kahda,SO24,SO2402\nSO2403-0001,Unreported,SO24,SO2403\n",
    )
    .unwrap();
    assert!(
        admin_cmd(&server, &["import-sites", sites.to_str().unwrap()], None)
            .status
            .success()
    );
    let dev = enroll(&server, &["SO2401-0001", "SO2402-0001"]).await;
    for b in [
        rich_batch("SO2401-0001", "baseline", 1, 3.4, Some(30.0)),
        rich_batch("SO2401-0001", "endline", 1, 1.2, Some(55.0)),
        rich_batch("SO2402-0001", "baseline", 1, 2.5, None),
        rich_batch("SO2402-0001", "endline", 1, 2.1, Some(40.0)),
    ] {
        let (status, body) = upload(&server, &dev, &b).await;
        assert_eq!(status, 200, "{body}");
    }
    let (_, _, s) = sign_in(&server, "pierre", VIEWER_PW).await;
    let s = s.unwrap();

    let (status, ov) = get(&server, "/api/v1/dashboard/overview", Some(&s)).await;
    assert_eq!(status, 200, "{ov}");
    assert_eq!(ov["sectors"], json!(["protection"]));
    // The endline (the later round) rates each site; the worst sites come first.
    let rows = ov["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["site"], "SO2402-0001");
    assert_eq!(rows[0]["level"], "amber");
    assert_eq!(rows[1]["site"], "SO2401-0001");
    assert_eq!(rows[1]["level"], "green");
    assert_eq!(rows[1]["cells"][0]["round"], "endline");
    assert_eq!(rows[1]["cells"][0]["period"], "2026-11");
    assert_eq!(rows[2]["site"], "SO2403-0001");
    assert_eq!(rows[2]["level"], Value::Null);
    assert_eq!(
        ov["counts"],
        json!({"red": 0, "amber": 1, "green": 1, "unrated": 1})
    );
    // The aggregates API answers a dashboard session (any role) as it answers an admin
    // token, and nobody else; a session cookie that is not a live session is refused
    // even with a valid token beside it.
    let agg = "/api/v1/aggregates?form_id=womens_participation";
    let (status, by_session) = get(&server, agg, Some(&s)).await;
    assert_eq!(status, 200, "{by_session}");
    assert_eq!(by_session["groups"].as_array().unwrap().len(), 4);
    let token = server.admin_token();
    let by_token: Value = client()
        .get(format!("{}{agg}", server.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(by_session, by_token);
    let (status, body) = get(&server, agg, None).await;
    assert_eq!(status, 401);
    assert_eq!(body["code"], "sign_in_required");
    let r = client()
        .get(format!("{}{agg}", server.url))
        .header(COOKIE, format!("lantern_session={}", "ab".repeat(32)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    let (_, ov) = get(&server, "/api/v1/dashboard/overview?admin=SO2402", Some(&s)).await;
    assert_eq!(ov["rows"].as_array().unwrap().len(), 1);
    let (status, _) = get(
        &server,
        "/api/v1/dashboard/overview?admin=x'%20OR%201",
        Some(&s),
    )
    .await;
    assert_eq!(status, 400);

    let path = "/api/v1/dashboard/indicator?form_id=womens_participation&indicator=attending&round=baseline";
    let (status, ind) = get(&server, path, Some(&s)).await;
    assert_eq!(status, 200, "{ind}");
    let rows = ind["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 6);
    for r in rows {
        if r["suppressed"] == true {
            assert!(r["value"].is_null() && r["n"].is_null(), "{r}");
            assert_eq!(r["k"], 5);
        } else {
            assert!(r["value"].is_number(), "{r}");
        }
    }
    // The CSV export is the same table, suppressed cells in words.
    let export = "/api/v1/dashboard/export?view=indicator&format=csv&form_id=womens_participation&indicator=attending&round=baseline";
    let (status, ct, csv) = get_text(&server, export, &s).await;
    assert_eq!(status, 200, "{csv}");
    assert!(ct.starts_with("text/csv"));
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "site,site_name,round,period,indicator,breakdown,value,n,level"
    );
    assert_eq!(lines.len(), rows.len() + 1);
    for (line, r) in lines[1..].iter().zip(rows) {
        let site = r["site"].as_str().unwrap();
        assert!(line.starts_with(site), "{line}");
        if r["suppressed"] == true {
            assert!(line.contains("suppressed (fewer than 5)"), "{line}");
        } else {
            let v = r["value"].as_f64().unwrap();
            assert!(line.contains(&format!(",{v:.0},")), "{line} vs {v}");
        }
    }
    let (status, _, hxl) = get_text(&server, &export.replace("format=csv", "format=hxl"), &s).await;
    assert_eq!(status, 200);
    assert!(
        hxl.lines()
            .nth(1)
            .unwrap()
            .starts_with("#loc+code,#loc+name"),
        "{hxl}"
    );
    let r = client()
        .get(format!(
            "{}{}",
            server.url,
            export.replace("format=csv", "format=xlsx")
        ))
        .header(COOKIE, &s.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".xlsx")
    );
    assert_eq!(&r.bytes().await.unwrap()[..2], b"PK");

    let (status, ch) = get(
        &server,
        "/api/v1/dashboard/change?form_id=womens_participation",
        Some(&s),
    )
    .await;
    assert_eq!(status, 200, "{ch}");
    let rows = ch["rows"].as_array().unwrap();
    let att: Vec<&Value> = rows
        .iter()
        .filter(|r| r["indicator"] == "attending")
        .collect();
    assert_eq!(att.len(), 2);
    assert_eq!(att[0]["status"], "released");
    assert_eq!(att[0]["change"], 25.0);
    assert_eq!(att[1]["status"], "baseline_suppressed");
    assert!(att[1]["change"].is_null() && att[1]["baseline"].is_null());
    let (_, _, csv) = get_text(
        &server,
        "/api/v1/dashboard/export?view=change&format=csv&form_id=womens_participation",
        &s,
    )
    .await;
    assert!(
        csv.contains("SO2401-0001,Hodan,attending,30,55,25,both rounds released"),
        "{csv}"
    );
    assert!(
        csv.contains(
            "SO2402-0001,Kahda,attending,suppressed (fewer than 5),40,,baseline suppressed"
        ),
        "{csv}"
    );
    let (status, _) = get(
        &server,
        "/api/v1/dashboard/export?view=nothing&format=csv",
        Some(&s),
    )
    .await;
    assert_eq!(status, 400);

    // A newer batch replaces the old one and the views follow at once (the combined
    // aggregates are cached only until a batch changes).
    let (status, _) = upload(
        &server,
        &dev,
        &rich_batch("SO2401-0001", "baseline", 2, 3.4, Some(45.0)),
    )
    .await;
    assert_eq!(status, 200);
    let (_, ch) = get(
        &server,
        "/api/v1/dashboard/change?form_id=womens_participation&indicators=attending",
        Some(&s),
    )
    .await;
    assert_eq!(ch["rows"][0]["baseline"], 45.0);
    assert_eq!(ch["rows"][0]["change"], 10.0);
}

//! A real `lantern-server` on 127.0.0.1 for the tests, on SQLite in a temp dir or, when
//! `LANTERN_TEST_DATABASE_URL` names a PostgreSQL server, on a fresh database there.
//! Admin commands run the real binary against the same database.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::Command;

use lantern_protocol::{
    BATCH_SCHEMA, Batch, Cell, IndicatorKind, IndicatorMeta, Refusals, SuppressionRule,
};
use ring::signature::{Ed25519KeyPair, KeyPair};

pub struct Server {
    pub url: String,
    pub addr: SocketAddr,
    pub dir: tempfile::TempDir,
    pub database_url: Option<String>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts a server with the default body limit.
pub async fn start() -> Server {
    start_with_limit(lantern_server::DEFAULT_BODY_LIMIT).await
}

pub async fn start_with_limit(limit: usize) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let database_url = test_database_url().await;
    let store = lantern_server::store::open(Some(dir.path()), database_url.as_deref())
        .await
        .unwrap();
    let mut state = lantern_server::AppState::new(store);
    state.body_limit = limit;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        // As main.rs serves it: with connection info (the sign-in throttle uses it).
        axum::serve(
            listener,
            lantern_server::app(state).into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    Server {
        url: format!("http://{addr}"),
        addr,
        dir,
        database_url,
        task,
    }
}

/// A fresh PostgreSQL database per test when the PostgreSQL tier runs.
async fn test_database_url() -> Option<String> {
    let base = std::env::var("LANTERN_TEST_DATABASE_URL").ok()?;
    Some(
        lantern_server::store::fresh_test_database(&base)
            .await
            .unwrap(),
    )
}

impl Server {
    /// Runs `lantern-server admin ARGS…` on this server's database; its stdout.
    pub fn admin(&self, args: &[&str]) -> std::process::Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_lantern-server"));
        cmd.arg("--data").arg(self.dir.path());
        if let Some(url) = &self.database_url {
            cmd.arg("--database-url").arg(url);
        }
        cmd.arg("admin").args(args).output().unwrap()
    }

    /// The last line of a successful admin command.
    pub fn admin_last_line(&self, args: &[&str]) -> String {
        let out = self.admin(args);
        assert!(
            out.status.success(),
            "admin {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .last()
            .unwrap()
            .to_owned()
    }

    pub fn enrollment_code(&self, sites: &[&str]) -> String {
        let mut args = vec!["create-enrollment"];
        for s in sites {
            args.push("--site");
            args.push(s);
        }
        self.admin_last_line(&args)
    }

    pub fn admin_token(&self) -> String {
        self.admin_last_line(&["create-token"])
    }

    /// `admin batches --json`.
    pub fn stored_batches(&self) -> Vec<serde_json::Value> {
        let out = self.admin(&["batches", "--json"]);
        assert!(out.status.success());
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

/// A device: an Ed25519 key and, once enrolled, its id.
pub struct Device {
    pub key: Ed25519KeyPair,
    pub id: String,
}

pub fn new_key() -> Ed25519KeyPair {
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
    Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap()
}

pub fn public_hex(key: &Ed25519KeyPair) -> String {
    hex::encode(key.public_key().as_ref())
}

pub async fn enroll(server: &Server, sites: &[&str]) -> Device {
    let code = server.enrollment_code(sites);
    let key = new_key();
    let resp = reqwest::Client::new()
        .post(format!("{}/api/v1/enroll", server.url))
        .json(&serde_json::json!({"code": code, "public_key": public_hex(&key)}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.unwrap();
    Device {
        key,
        id: body["device_id"].as_str().unwrap().to_owned(),
    }
}

/// A valid batch: one count indicator by sex, released total and cells.
pub fn batch(site: &str, round: Option<&str>, sequence: u64, women: u64, men: u64) -> Batch {
    let cell = |by: &[(&str, &str)], n: u64| Cell {
        indicator: "lit_latrines".into(),
        by: by
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        suppressed: false,
        rule: None,
        n: Some(n),
        denominator: None,
        value: Some(n as f64),
        level: None,
    };
    Batch {
        schema: BATCH_SCHEMA.into(),
        batch_id: uuid::Uuid::new_v4(),
        sequence,
        form_id: "safety_audit".into(),
        form_version: "2026110101".into(),
        site: site.into(),
        round: round.map(str::to_owned),
        period: "2026-11".into(),
        generated_at: "2026-11-30".into(),
        min_cell_size: 5,
        indicators: vec![IndicatorMeta {
            name: "lit_latrines".into(),
            labels: BTreeMap::from([("English (en)".into(), "Latrines with light".into())]),
            kind: IndicatorKind::Count,
            hxl: Some("#indicator+latrines+lit".into()),
            sector: Some("wash".into()),
            higher_is: None,
            amber: None,
            red: None,
            min_cell: 5,
            actions: BTreeMap::new(),
        }],
        cells: vec![
            cell(&[], women + men),
            cell(&[("sex", "female")], women),
            cell(&[("sex", "male")], men),
        ],
        refusals: Refusals {
            suppressed: true,
            rule: Some(SuppressionRule::Primary),
            n: None,
        },
    }
}

pub fn sign(key: &Ed25519KeyPair, body: &[u8]) -> String {
    hex::encode(key.sign(body).as_ref())
}

/// Uploads `body` signed by `device`; the status and the JSON answer.
pub async fn upload_bytes(
    server: &Server,
    device: &Device,
    body: &[u8],
) -> (u16, serde_json::Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}/api/v1/batches", server.url))
        .header("content-type", "application/json")
        .header("x-lantern-device", &device.id)
        .header("x-lantern-signature", sign(&device.key, body))
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let json = resp.json().await.unwrap_or(serde_json::Value::Null);
    (status, json)
}

pub async fn upload(server: &Server, device: &Device, batch: &Batch) -> (u16, serde_json::Value) {
    upload_bytes(server, device, &serde_json::to_vec(batch).unwrap()).await
}

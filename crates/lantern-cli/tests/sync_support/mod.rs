//! Shared by the sync tests: a real `lantern-server` on 127.0.0.1 (in a thread of its
//! own, on SQLite in a temp dir), a fault-injecting TCP proxy on loopback, vaults and
//! batches, and the `lantern` binary as the client.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lantern_protocol::{
    BATCH_SCHEMA, Batch, Cell, IndicatorKind, IndicatorMeta, Refusals, SuppressionRule,
};
use lantern_server::store::{BatchFilter, NewEnrollment, Store, StoredBatch};

pub const PASS: &str = "correct horse battery staple";

pub struct Server {
    pub addr: SocketAddr,
    pub url: String,
    pub store: Arc<dyn Store>,
    pub rt: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

pub fn start_server() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let store = rt
        .block_on(lantern_server::store::open(Some(dir.path()), None))
        .unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let app = lantern_server::app(lantern_server::AppState::new(Arc::clone(&store)));
    rt.spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Server {
        addr,
        url: format!("http://{addr}"),
        store,
        rt,
        _dir: dir,
    }
}

impl Server {
    /// What `admin create-enrollment` does: a one-time code for these sites.
    pub fn enrollment_code(&self, sites: &[&str]) -> String {
        let code = lantern_server::check::new_code().unwrap();
        let now = chrono::Utc::now();
        self.rt
            .block_on(self.store.create_enrollment(NewEnrollment {
                code_hash: lantern_server::check::sha256_hex(
                    lantern_server::check::normalise_code(&code).as_bytes(),
                ),
                sites: sites.iter().map(|s| (*s).to_owned()).collect(),
                forms: vec![],
                created_at: now.to_rfc3339(),
                expires_at: (now + chrono::Duration::days(1)).to_rfc3339(),
            }))
            .unwrap();
        code
    }

    pub fn admin_token(&self) -> String {
        let token = lantern_server::check::new_token().unwrap();
        self.rt
            .block_on(self.store.create_admin_token(
                lantern_server::check::sha256_hex(token.as_bytes()),
                "2026-11-30T00:00:00Z".into(),
            ))
            .unwrap();
        token
    }

    pub fn batches(&self) -> Vec<StoredBatch> {
        self.rt
            .block_on(self.store.batches(BatchFilter::default()))
            .unwrap()
    }

    pub fn aggregates(&self, token: &str, form: &str) -> serde_json::Value {
        let resp = reqwest::blocking::Client::new()
            .get(format!("{}/api/v1/aggregates?form_id={form}", self.url))
            .bearer_auth(token)
            .send()
            .unwrap();
        assert_eq!(resp.status(), 200);
        resp.json().unwrap()
    }
}

/// Runs the `lantern` binary with the test passphrase.
pub fn lantern(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lantern"))
        .args(args)
        .env("LANTERN_PASSPHRASE", PASS)
        .output()
        .unwrap()
}

pub fn lantern_ok(args: &[&str]) -> String {
    let out = lantern(args);
    assert!(
        out.status.success(),
        "lantern {args:?} failed ({:?}):\n{}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub fn new_vault(parent: &Path) -> PathBuf {
    let dir = parent.join("vault");
    lantern_ok(&["vault", "init", dir.to_str().unwrap()]);
    dir
}

/// A batch as the aggregates produce it: one count by sex, small cells suppressed.
pub fn batch(site: &str, round: Option<&str>, women: u64, men: u64) -> Batch {
    let cell = |by: &[(&str, &str)], n: u64| {
        let released = n >= 5;
        Cell {
            indicator: "felt_safe".into(),
            by: by
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            suppressed: !released,
            rule: (!released).then_some(SuppressionRule::Primary),
            n: released.then_some(n),
            denominator: None,
            value: released.then_some(n as f64),
            level: None,
        }
    };
    Batch {
        schema: BATCH_SCHEMA.into(),
        batch_id: uuid::Uuid::new_v4(),
        sequence: 0,
        form_id: "women_participation".into(),
        form_version: "2026110101".into(),
        site: site.into(),
        round: round.map(str::to_owned),
        period: "2026-11".into(),
        generated_at: "2026-11-30".into(),
        min_cell_size: 5,
        indicators: vec![IndicatorMeta {
            name: "felt_safe".into(),
            labels: BTreeMap::from([("English (en)".into(), "Felt safe in meetings".into())]),
            kind: IndicatorKind::Count,
            hxl: None,
            sector: Some("protection".into()),
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

/// Approves `batch` through the CLI (`--batch FILE --yes`).
pub fn approve(vault: &Path, b: &Batch) -> Output {
    let file = vault.parent().unwrap().join(format!("{}.json", b.batch_id));
    std::fs::write(&file, serde_json::to_vec(b).unwrap()).unwrap();
    let mut args = vec![
        "sync",
        "approve",
        "--vault",
        vault.to_str().unwrap(),
        "--form",
        &b.form_id,
        "--site",
        &b.site,
        "--batch",
        file.to_str().unwrap(),
        "--yes",
    ];
    if let Some(r) = &b.round {
        args.push("--round");
        args.push(r);
    }
    lantern(&args)
}

pub fn status(vault: &Path) -> serde_json::Value {
    serde_json::from_str(&lantern_ok(&[
        "sync",
        "status",
        "--vault",
        vault.to_str().unwrap(),
        "--json",
    ]))
    .unwrap()
}

/// How the proxy treats uploads (`POST /api/v1/batches`); other requests pass
/// through unless the server is `Down`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Pass,
    /// Every connection is closed at once: the server seems down.
    Down,
    /// Every request is held this long before it is forwarded.
    Slow(Duration),
    /// Uploads get a 500 without reaching the server.
    Error500,
    /// The connection is reset halfway through the upload's body.
    ResetMidRequest,
    /// The upload reaches the server and commits; its answer is lost.
    LoseResponse,
    /// The upload is delivered to the server twice; the client sees the second answer.
    Duplicate,
    /// The upload commits, then the proxy holds the client's connection open forever.
    HangAfterCommit,
}

pub struct Proxy {
    pub url: String,
    pub fault: Arc<Mutex<Fault>>,
    /// Uploads that reached the server through the proxy.
    pub delivered: Arc<Mutex<usize>>,
}

impl Proxy {
    pub fn set(&self, f: Fault) {
        *self.fault.lock().unwrap() = f;
    }
}

pub fn start_proxy(upstream: SocketAddr) -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let fault = Arc::new(Mutex::new(Fault::Pass));
    let delivered = Arc::new(Mutex::new(0));
    let (f, d) = (Arc::clone(&fault), Arc::clone(&delivered));
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let (f, d) = (Arc::clone(&f), Arc::clone(&d));
            std::thread::spawn(move || {
                let _ = handle(conn, upstream, &f, &d);
            });
        }
    });
    Proxy {
        url: format!("http://{addr}"),
        fault,
        delivered,
    }
}

/// Reads one HTTP request: head (with `connection: close` added) and body.
fn read_request(conn: &mut TcpStream) -> std::io::Result<(Vec<u8>, Vec<u8>, String)> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if conn.read(&mut byte)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).to_string();
    let first = head.lines().next().unwrap_or("").to_owned();
    let len = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    conn.read_exact(&mut body)?;
    let mut new_head: String = head
        .lines()
        .filter(|l| !l.is_empty() && !l.to_ascii_lowercase().starts_with("connection:"))
        .map(|l| format!("{l}\r\n"))
        .collect();
    new_head.push_str("connection: close\r\n\r\n");
    Ok((new_head.into_bytes(), body, first))
}

fn forward(upstream: SocketAddr, head: &[u8], body: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut up = TcpStream::connect(upstream)?;
    up.write_all(head)?;
    up.write_all(body)?;
    let mut resp = Vec::new();
    up.read_to_end(&mut resp)?;
    Ok(resp)
}

fn handle(
    mut conn: TcpStream,
    upstream: SocketAddr,
    fault: &Mutex<Fault>,
    delivered: &Mutex<usize>,
) -> std::io::Result<()> {
    let f = *fault.lock().unwrap();
    if f == Fault::Down {
        return Ok(()); // dropped: connection closed with nothing said
    }
    let (head, body, first) = read_request(&mut conn)?;
    let upload = first.starts_with("POST /api/v1/batches");
    if let Fault::Slow(d) = f {
        std::thread::sleep(d);
    }
    if !upload {
        let resp = forward(upstream, &head, &body)?;
        return conn.write_all(&resp);
    }
    match f {
        Fault::Pass | Fault::Slow(_) | Fault::Down => {
            let resp = forward(upstream, &head, &body)?;
            *delivered.lock().unwrap() += 1;
            conn.write_all(&resp)
        }
        Fault::Error500 => conn.write_all(
            b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        ),
        Fault::ResetMidRequest => {
            // Forward half the body to the server, then cut both connections.
            let mut up = TcpStream::connect(upstream)?;
            up.write_all(&head)?;
            up.write_all(&body[..body.len() / 2])?;
            drop(up);
            reset(conn);
            Ok(())
        }
        Fault::LoseResponse => {
            let _ = forward(upstream, &head, &body)?;
            *delivered.lock().unwrap() += 1;
            reset(conn);
            Ok(())
        }
        Fault::Duplicate => {
            let _ = forward(upstream, &head, &body)?;
            let resp = forward(upstream, &head, &body)?;
            *delivered.lock().unwrap() += 2;
            conn.write_all(&resp)
        }
        Fault::HangAfterCommit => {
            let _ = forward(upstream, &head, &body)?;
            *delivered.lock().unwrap() += 1;
            std::thread::sleep(Duration::from_secs(600));
            Ok(())
        }
    }
}

/// Cuts the client's connection abruptly, mid-exchange: it sees the connection
/// closed before any answer.
fn reset(conn: TcpStream) {
    let _ = conn.shutdown(std::net::Shutdown::Both);
}

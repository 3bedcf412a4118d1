//! Dashboard benchmark data and API timing (issue 17): enrolls one device per site with
//! the codes it is given, uploads one signed batch per site (10 indicators × 10 cells =
//! 100 cells, some suppressed), so 500 sites make 50,000 released-or-suppressed cells,
//! then signs in and times the dashboard's indicator API (every site, one indicator) and
//! overview API, sequentially, printing percentiles.
//!
//! Run by `scripts/bench-dashboard.sh` (release server, 500 sites):
//!   cargo run --release -p lantern-server --example dashboard_bench -- \
//!       --server http://127.0.0.1:PORT --codes codes.txt --user NAME   (password: LANTERN_USER_PASSWORD)

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use lantern_protocol::{
    BATCH_SCHEMA, Batch, Cell, HigherIs, IndicatorKind, IndicatorMeta, Level, Refusals,
    SuppressionRule,
};
use ring::signature::{Ed25519KeyPair, KeyPair};

const SECTORS: [&str; 4] = ["security", "wash", "shelter", "lighting"];

fn indicators() -> Vec<IndicatorMeta> {
    (0..10)
        .map(|i| {
            let score = i < 4;
            IndicatorMeta {
                name: format!("ind_{i}"),
                labels: BTreeMap::from([("English (en)".into(), format!("Indicator {i}"))]),
                kind: if score {
                    IndicatorKind::Score
                } else {
                    IndicatorKind::Proportion
                },
                hxl: Some(format!("#indicator+bench+i{i}")),
                sector: Some(SECTORS[i % 4].into()),
                higher_is: score.then_some(HigherIs::Worse),
                amber: score.then_some(2.0),
                red: score.then_some(3.0),
                min_cell: 5,
                actions: BTreeMap::new(),
            }
        })
        .collect()
}

fn cells(ind: &IndicatorMeta, seed: u64) -> Vec<Cell> {
    let by_list: [&[(&str, &str)]; 10] = [
        &[],
        &[("sex", "female")],
        &[("sex", "male")],
        &[("age_group", "0_17")],
        &[("age_group", "18_24")],
        &[("age_group", "25_49")],
        &[("age_group", "50_59")],
        &[("age_group", "60_plus")],
        &[("disability", "yes")],
        &[("disability", "no")],
    ];
    by_list
        .iter()
        .enumerate()
        .map(|(j, by)| {
            let by: BTreeMap<String, String> =
                by.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
            // The oldest age band is small: primary, with one complementary partner.
            if j == 7 || j == 6 {
                return Cell {
                    indicator: ind.name.clone(),
                    by,
                    suppressed: true,
                    rule: Some(if j == 7 {
                        SuppressionRule::Primary
                    } else {
                        SuppressionRule::Complementary
                    }),
                    n: None,
                    denominator: None,
                    value: None,
                    level: None,
                };
            }
            let n = 10 + (seed.wrapping_mul(7919).wrapping_add(j as u64 * 31)) % 90;
            let value = if ind.kind == IndicatorKind::Score {
                ((seed + j as u64) % 40) as f64 / 10.0
            } else {
                ((seed * 13 + j as u64 * 17) % 1000) as f64 / 10.0
            };
            let level = (ind.kind == IndicatorKind::Score).then_some(if value >= 3.0 {
                Level::Red
            } else if value >= 2.0 {
                Level::Amber
            } else {
                Level::Green
            });
            Cell {
                indicator: ind.name.clone(),
                by,
                suppressed: false,
                rule: None,
                n: Some(n),
                denominator: Some(n),
                value: Some(value),
                level,
            }
        })
        .collect()
}

fn batch(site: &str, seed: u64) -> Batch {
    let indicators = indicators();
    let cells = indicators.iter().flat_map(|i| cells(i, seed)).collect();
    Batch {
        schema: BATCH_SCHEMA.into(),
        batch_id: uuid::Uuid::new_v4(),
        sequence: 1,
        form_id: "bench_site_audit".into(),
        form_version: "2026120101".into(),
        site: site.into(),
        round: Some("1".into()),
        period: "2026-11".into(),
        generated_at: "2026-11-30".into(),
        min_cell_size: 5,
        indicators,
        cells,
        refusals: Refusals {
            suppressed: true,
            rule: Some(SuppressionRule::Primary),
            n: None,
        },
    }
}

fn percentiles(mut d: Vec<Duration>) -> String {
    d.sort();
    let at = |p: f64| d[((d.len() as f64 * p).ceil() as usize).clamp(1, d.len()) - 1];
    let ms = |x: Duration| x.as_secs_f64() * 1000.0;
    format!(
        "n={} p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        d.len(),
        ms(at(0.5)),
        ms(at(0.9)),
        ms(at(0.99)),
        ms(*d.last().unwrap_or(&Duration::ZERO))
    )
}

#[tokio::main]
async fn main() {
    let mut server = String::new();
    let mut codes = String::new();
    let mut user = String::new();
    let mut requests = 200usize;
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().unwrap_or_default();
        match k.as_str() {
            "--server" => server = v,
            "--codes" => codes = v,
            "--user" => user = v,
            "--requests" => requests = v.parse().expect("--requests N"),
            other => panic!("unknown argument {other}"),
        }
    }
    let password = std::env::var("LANTERN_USER_PASSWORD").expect("LANTERN_USER_PASSWORD");
    let client = reqwest::Client::new();
    let lines = std::fs::read_to_string(&codes).expect("codes file");
    let rng = ring::rand::SystemRandom::new();
    let started = Instant::now();
    let mut cells = 0usize;
    for (i, line) in lines.lines().enumerate() {
        let (site, code) = line.split_once(' ').expect("SITE CODE per line");
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).expect("key");
        let key = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).expect("key");
        let r = client
            .post(format!("{server}/api/v1/enroll"))
            .json(&serde_json::json!({"code": code, "public_key": hex::encode(key.public_key().as_ref())}))
            .send()
            .await
            .expect("enroll");
        assert_eq!(r.status(), 200, "enroll {site}");
        let device: serde_json::Value = r.json().await.expect("json");
        let b = batch(site, i as u64);
        cells += b.cells.len();
        let body = serde_json::to_vec(&b).expect("json");
        let r = client
            .post(format!("{server}/api/v1/batches"))
            .header("content-type", "application/json")
            .header(
                "x-lantern-device",
                device["device_id"].as_str().expect("id"),
            )
            .header("x-lantern-signature", hex::encode(key.sign(&body).as_ref()))
            .body(body)
            .send()
            .await
            .expect("upload");
        assert_eq!(r.status(), 200, "upload {site}");
    }
    println!(
        "seeded {} sites, {cells} cells in {:.1} s",
        lines.lines().count(),
        started.elapsed().as_secs_f64()
    );
    let r = client
        .post(format!("{server}/api/v1/session"))
        .json(&serde_json::json!({"username": user, "password": password}))
        .send()
        .await
        .expect("sign in");
    assert_eq!(r.status(), 200, "sign in");
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("cookie")
        .to_owned();
    for (name, path, n) in [
        (
            "indicator API (all sites, one indicator)",
            "/api/v1/dashboard/indicator?form_id=bench_site_audit&indicator=ind_5",
            requests,
        ),
        ("overview API", "/api/v1/dashboard/overview", requests / 4),
    ] {
        let mut times = Vec::with_capacity(n);
        let mut bytes = 0;
        for _ in 0..n {
            let t = Instant::now();
            let r = client
                .get(format!("{server}{path}"))
                .header("cookie", &cookie)
                .send()
                .await
                .expect("get");
            assert_eq!(r.status(), 200);
            bytes = r.bytes().await.expect("body").len();
            times.push(t.elapsed());
        }
        println!("{name}: {} ({} KiB)", percentiles(times), bytes / 1024);
    }
}

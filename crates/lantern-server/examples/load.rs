//! Load generator: N simulated devices, each enrolled with its own code and key,
//! uploading distinct pre-signed batches (a new batch id and sequence every time, so
//! every upload is stored and replaces the previous one) as fast as the server answers,
//! for a fixed time. Prints throughput and latency percentiles.
//!
//! Two modes. Without `--rate`, closed loop: each device sends its next batch as soon
//! as the previous one is answered, which measures the most the server takes (and,
//! with 100 devices always waiting, a latency that is 100 / throughput by Little's
//! law). With `--rate R`, open loop: the devices together offer R uploads per second
//! on a fixed schedule (device k sends every devices/R seconds, staggered), and each
//! latency is counted from the scheduled time, so a server falling behind shows up
//! in the percentiles instead of slowing the offered load down.
//!
//! Run by `scripts/bench-server.sh` (which starts a release server and creates the
//! enrollment codes):
//!   cargo run --release -p lantern-server --example load -- \
//!       --server http://127.0.0.1:PORT --codes codes.txt --seconds 60

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lantern_protocol::{
    BATCH_SCHEMA, Batch, Cell, IndicatorKind, IndicatorMeta, Refusals, SuppressionRule,
};
use ring::signature::{Ed25519KeyPair, KeyPair};

struct Args {
    server: String,
    codes: String,
    seconds: u64,
    batches_per_device: usize,
    /// Total uploads per second offered (open loop), or `None`: as fast as answered.
    rate: Option<f64>,
}

fn args() -> Args {
    let mut a = Args {
        server: String::new(),
        codes: String::new(),
        seconds: 60,
        batches_per_device: 0,
        rate: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().unwrap_or_default();
        match k.as_str() {
            "--server" => a.server = v,
            "--codes" => a.codes = v,
            "--seconds" => a.seconds = v.parse().expect("--seconds N"),
            "--rate" => a.rate = Some(v.parse().expect("--rate UPLOADS_PER_SECOND")),
            "--batches-per-device" => {
                a.batches_per_device = v.parse().expect("--batches-per-device N")
            }
            other => panic!("unknown argument {other}"),
        }
    }
    assert!(
        !a.server.is_empty() && !a.codes.is_empty(),
        "--server URL --codes FILE"
    );
    a
}

fn batch(site: &str, sequence: u64, seed: u64) -> Batch {
    let n = |x: u64| 5 + (seed.wrapping_mul(31).wrapping_add(x * 7)) % 40;
    let (w, m) = (n(1), n(2));
    let cell = |by: &[(&str, &str)], v: u64| Cell {
        indicator: "felt_safe".into(),
        by: by.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect(),
        suppressed: false,
        rule: None,
        n: Some(v),
        denominator: None,
        value: Some(v as f64),
        level: None,
    };
    Batch {
        schema: BATCH_SCHEMA.into(),
        batch_id: uuid::Uuid::new_v4(),
        sequence,
        form_id: "women_participation".into(),
        form_version: "2026110101".into(),
        site: site.into(),
        round: Some("baseline".into()),
        period: "2026-11".into(),
        generated_at: "2026-11-30".into(),
        min_cell_size: 5,
        indicators: vec![IndicatorMeta {
            name: "felt_safe".into(),
            labels: BTreeMap::from([("English (en)".into(), "Felt safe in meetings".into())]),
            kind: IndicatorKind::Count,
            hxl: Some("#indicator+safe".into()),
            sector: Some("protection".into()),
            higher_is: None,
            amber: None,
            red: None,
            min_cell: 5,
            actions: BTreeMap::new(),
        }],
        cells: vec![
            cell(&[], w + m),
            cell(&[("sex", "female")], w),
            cell(&[("sex", "male")], m),
        ],
        refusals: Refusals {
            suppressed: true,
            rule: Some(SuppressionRule::Primary),
            n: None,
        },
    }
}

struct Upload {
    body: Vec<u8>,
    signature: String,
}

#[tokio::main]
async fn main() {
    let a = args();
    let codes: Vec<String> = std::fs::read_to_string(&a.codes)
        .expect("read codes")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    // Enough distinct batches that no device runs out: the offered load for the whole
    // run, or up to 80 uploads/s per device in a closed loop.
    let mut a = a;
    if a.batches_per_device == 0 {
        a.batches_per_device = match a.rate {
            Some(rate) => (rate / codes.len().max(1) as f64 * a.seconds as f64).ceil() as usize + 1,
            None => 80 * a.seconds as usize,
        };
    }
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(codes.len())
        .build()
        .unwrap();
    let rng = ring::rand::SystemRandom::new();

    // Enroll every device and pre-sign its batches before the clock starts.
    let mut devices = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        let key =
            Ed25519KeyPair::from_pkcs8(Ed25519KeyPair::generate_pkcs8(&rng).unwrap().as_ref())
                .unwrap();
        let resp: serde_json::Value = http
            .post(format!("{}/api/v1/enroll", a.server))
            .json(&serde_json::json!({"code": code, "public_key": hex::encode(key.public_key().as_ref())}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = resp["device_id"].as_str().expect("enrolled").to_owned();
        let site = format!("SITE{:03}", i);
        let uploads: Vec<Upload> = (1..=a.batches_per_device as u64)
            .map(|seq| {
                let body = serde_json::to_vec(&batch(&site, seq, seq ^ i as u64)).unwrap();
                let signature = hex::encode(key.sign(&body).as_ref());
                Upload { body, signature }
            })
            .collect();
        devices.push((id, uploads));
    }
    let bytes: usize = devices
        .iter()
        .flat_map(|d| &d.1)
        .map(|u| u.body.len())
        .sum();
    eprintln!(
        "{} devices enrolled, {} distinct signed batches ready ({} bytes on average); running {} s",
        devices.len(),
        devices.len() * a.batches_per_device,
        bytes / (devices.len() * a.batches_per_device).max(1),
        a.seconds
    );

    let deadline = Instant::now() + Duration::from_secs(a.seconds);
    let server = Arc::new(a.server.clone());
    let start = Instant::now();
    let mut tasks = Vec::new();
    let n = devices.len() as f64;
    for (k, (id, uploads)) in devices.into_iter().enumerate() {
        let http = http.clone();
        let server = Arc::clone(&server);
        // Open loop: this device's schedule.
        let schedule = a.rate.map(|rate| {
            (
                Duration::from_secs_f64(k as f64 / rate),
                Duration::from_secs_f64(n / rate),
            )
        });
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(uploads.len());
            let (mut errors, mut exhausted) = (0usize, false);
            let mut it = uploads.into_iter();
            let mut sent = 0u32;
            while Instant::now() < deadline {
                let Some(u) = it.next() else {
                    exhausted = true;
                    break;
                };
                let t = match schedule {
                    Some((offset, every)) => {
                        let at = start + offset + every * sent;
                        if at >= deadline {
                            break;
                        }
                        tokio::time::sleep_until(at.into()).await;
                        at
                    }
                    None => Instant::now(),
                };
                sent += 1;
                let r = http
                    .post(format!("{server}/api/v1/batches"))
                    .header("content-type", "application/json")
                    .header("x-lantern-device", &id)
                    .header("x-lantern-signature", &u.signature)
                    .body(u.body)
                    .send()
                    .await;
                let ok = match r {
                    Ok(r) => {
                        let s = r.status();
                        let _ = r.bytes().await;
                        s.is_success()
                    }
                    Err(_) => false,
                };
                if ok {
                    lat.push(t.elapsed());
                } else {
                    errors += 1;
                }
            }
            (lat, errors, exhausted)
        }));
    }
    let mut all = Vec::new();
    let (mut errors, mut exhausted) = (0, 0);
    for t in tasks {
        let (lat, e, x) = t.await.unwrap();
        all.extend(lat);
        errors += e;
        exhausted += usize::from(x);
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.sort();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    if let Some(rate) = a.rate {
        println!("open loop: {rate} uploads/s offered; latency counted from each scheduled send");
    } else {
        println!("closed loop: each device sends again as soon as it is answered");
    }
    println!(
        "uploads {} in {:.1} s: {:.0} uploads/s; latency ms p50 {:.1} p90 {:.1} p99 {:.1} max {:.1}; errors {}; devices that ran out of batches {}",
        all.len(),
        elapsed,
        all.len() as f64 / elapsed,
        pct(0.50),
        pct(0.90),
        pct(0.99),
        all.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
        errors,
        exhausted
    );
}

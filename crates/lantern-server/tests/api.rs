//! The server's API on 127.0.0.1: enrollment, signed uploads with every check, the
//! admin commands on the same database, the aggregates query, and hostile input —
//! every refusal `{code, message}` with its status, nothing stored, still serving.

mod common;

use common::*;
use serde_json::{Value, json};

/// Writes a string into one field of a batch.
type Setter = Box<dyn Fn(&mut Value, &str)>;

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn assert_healthy(server: &Server) {
    let r = client()
        .get(format!("{}/api/v1/health", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

fn assert_refusal(status: u16, body: &Value, want_status: u16, want_code: &str) {
    assert_eq!(status, want_status, "body: {body}");
    assert_eq!(body["code"], want_code, "body: {body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "no message in {body}"
    );
}

#[tokio::test]
async fn health_and_openapi() {
    let server = start().await;
    let r = client()
        .get(format!("{}/api/v1/health", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    let doc: Value = client()
        .get(format!("{}/api/v1/openapi.json", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/health",
        "/api/v1/enroll",
        "/api/v1/batches",
        "/api/v1/aggregates",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
    let r = client()
        .get(format!("{}/api/v1/nothing", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "not_found");
    let r = client()
        .delete(format!("{}/api/v1/batches", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
}

#[tokio::test]
async fn upload_stores_replaces_and_is_idempotent() {
    let server = start().await;
    let device = enroll(&server, &["SO1101"]).await;
    let first = batch("SO1101", Some("baseline"), 1, 6, 7);
    let body = serde_json::to_vec(&first).unwrap();
    let (status, ack) = upload_bytes(&server, &device, &body).await;
    assert_eq!(status, 200, "{ack}");
    assert_eq!(ack["batch_id"], first.batch_id.to_string());
    assert_eq!(ack["device_id"], device.id);
    assert_eq!(ack["sequence"], 1);
    let hash = hex::encode(ring::digest::digest(&ring::digest::SHA256, &body));
    assert_eq!(ack["batch_hash"], hash);

    // The same bytes again: the same acknowledgement, nothing added.
    let (status, again) = upload_bytes(&server, &device, &body).await;
    assert_eq!(status, 200);
    assert_eq!(again, ack);
    assert_eq!(server.stored_batches().len(), 1);

    // A newer snapshot replaces it.
    let second = batch("SO1101", Some("baseline"), 2, 8, 9);
    let (status, ack2) = upload(&server, &device, &second).await;
    assert_eq!(status, 200, "{ack2}");
    let stored = server.stored_batches();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["batch_id"], second.batch_id.to_string());
    assert_eq!(stored[0]["sequence"], 2);
    assert_eq!(stored[0]["site"], "SO1101");
    assert_eq!(stored[0]["round"], "baseline");

    // The first batch repeated after it was replaced still gets its acknowledgement.
    let (status, late) = upload_bytes(&server, &device, &body).await;
    assert_eq!(status, 200);
    assert_eq!(late, ack);
    assert_eq!(server.stored_batches()[0]["sequence"], 2);

    // Another round is another key.
    let endline = batch("SO1101", Some("endline"), 1, 5, 5);
    assert_eq!(upload(&server, &device, &endline).await.0, 200);
    assert_eq!(server.stored_batches().len(), 2);

    // admin devices shows the last upload.
    let out = server.admin(&["devices", "--json"]);
    let devices: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(devices[0]["device_id"], device.id);
    assert!(devices[0]["last_upload_at"].is_string());
}

#[tokio::test]
async fn enrollment_codes_work_once() {
    let server = start().await;
    let code = server.enrollment_code(&["SO1101", "SO1102"]);
    let post = |code: String, key: String| {
        let url = format!("{}/api/v1/enroll", server.url);
        async move {
            let r = client()
                .post(url)
                .json(&json!({"code": code, "public_key": key}))
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    // Lower case with spaces is the same code.
    let typed = code.to_lowercase().replace('-', " ");
    let (status, body) = post(typed, public_hex(&new_key())).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["sites"], json!(["SO1101", "SO1102"]));
    let (status, body) = post(code.clone(), public_hex(&new_key())).await;
    assert_refusal(status, &body, 409, "enrollment_code_used");
    let (status, body) = post("ABCDE-FGHJK".into(), public_hex(&new_key())).await;
    assert_refusal(status, &body, 403, "enrollment_code_invalid");
    let code2 = server.enrollment_code(&["SO1101"]);
    let (status, body) = post(code2.clone(), "abcd".into()).await;
    assert_refusal(status, &body, 422, "invalid_public_key");
    // The refused attempt did not use the code up.
    let (status, _) = post(code2, public_hex(&new_key())).await;
    assert_eq!(status, 200);
    let out = server.admin(&["devices", "--json"]);
    let devices: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(devices.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn hostile_uploads_are_refused_and_nothing_is_stored() {
    let server = start_with_limit(64 * 1024).await;
    let device = enroll(&server, &["SO1101"]).await;
    let other = enroll(&server, &["SO1101"]).await;
    let url = format!("{}/api/v1/batches", server.url);
    let good = serde_json::to_vec(&batch("SO1101", None, 5, 6, 6)).unwrap();

    // Unsigned.
    let r = client().post(&url).body(good.clone()).send().await.unwrap();
    let s = r.status().as_u16();
    assert_refusal(s, &r.json().await.unwrap(), 401, "unsigned");
    // Signed by another device's key.
    let r = client()
        .post(&url)
        .header("x-lantern-device", &device.id)
        .header("x-lantern-signature", sign(&other.key, &good))
        .body(good.clone())
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    assert_refusal(s, &r.json().await.unwrap(), 401, "bad_signature");
    // Signature of other bytes (body changed after signing).
    let mut tampered = good.clone();
    let pos = tampered.iter().position(|&b| b == b'6').unwrap();
    tampered[pos] = b'9';
    let r = client()
        .post(&url)
        .header("x-lantern-device", &device.id)
        .header("x-lantern-signature", sign(&device.key, &good))
        .body(tampered)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    assert_refusal(s, &r.json().await.unwrap(), 401, "bad_signature");
    // Garbage signature and unknown device.
    let r = client()
        .post(&url)
        .header("x-lantern-device", &device.id)
        .header("x-lantern-signature", "zz")
        .body(good.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = client()
        .post(&url)
        .header("x-lantern-device", uuid::Uuid::new_v4().to_string())
        .header("x-lantern-signature", sign(&device.key, &good))
        .body(good.clone())
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    assert_refusal(s, &r.json().await.unwrap(), 401, "unknown_device");
    let r = client()
        .post(&url)
        .header("x-lantern-device", "' OR 1=1 --")
        .header("x-lantern-signature", sign(&device.key, &good))
        .body(good.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // Malformed JSON, signed.
    let (s, b) = upload_bytes(&server, &device, b"{\"schema\": ").await;
    assert_refusal(s, &b, 400, "malformed_json");
    let (s, b) = upload_bytes(&server, &device, &[0xff, 0xfe, 0x00]).await;
    assert_refusal(s, &b, 400, "malformed_json");
    // Wrong schema version.
    let mut v: Value = serde_json::from_slice(&good).unwrap();
    v["schema"] = json!("lantern.aggregate/2");
    let (s, b) = upload_bytes(&server, &device, &serde_json::to_vec(&v).unwrap()).await;
    assert_refusal(s, &b, 422, "unsupported_schema");
    // Unknown field (a response smuggled in).
    let mut v: Value = serde_json::from_slice(&good).unwrap();
    v["responses"] = json!([{"name": "Amina", "age": 23}]);
    let (s, b) = upload_bytes(&server, &device, &serde_json::to_vec(&v).unwrap()).await;
    assert_refusal(s, &b, 422, "invalid_batch");
    // Suppressed cell carrying a number.
    let mut v: Value = serde_json::from_slice(&good).unwrap();
    v["cells"][1]["suppressed"] = json!(true);
    v["cells"][1]["rule"] = json!("primary");
    let (s, b) = upload_bytes(&server, &device, &serde_json::to_vec(&v).unwrap()).await;
    assert_refusal(s, &b, 422, "invalid_batch");
    // Negative and huge sequence.
    for seq in [json!(-1), json!(u64::MAX), json!("7")] {
        let mut v: Value = serde_json::from_slice(&good).unwrap();
        v["sequence"] = seq;
        let (s, b) = upload_bytes(&server, &device, &serde_json::to_vec(&v).unwrap()).await;
        assert_refusal(s, &b, 422, "invalid_batch");
    }
    // SQL-ish and very long strings in every identifier and text field.
    let long = "x".repeat(100_000.min(60 * 1024 - good.len()));
    let sqlish = "x'); DROP TABLE batches; --";
    let string_fields: Vec<Setter> = vec![
        Box::new(|v, s| v["form_id"] = json!(s)),
        Box::new(|v, s| v["form_version"] = json!(s)),
        Box::new(|v, s| v["site"] = json!(s)),
        Box::new(|v, s| v["round"] = json!(s)),
        Box::new(|v, s| v["period"] = json!(s)),
        Box::new(|v, s| v["generated_at"] = json!(s)),
        Box::new(|v, s| v["indicators"][0]["name"] = json!(s)),
        Box::new(|v, s| v["cells"][0]["indicator"] = json!(s)),
        Box::new(|v, s| v["cells"][1]["by"] = json!({"sex": s})),
        Box::new(|v, s| v["cells"][1]["by"] = json!({s: "female"})),
        Box::new(|v, s| v["schema"] = json!(s)),
        Box::new(|v, s| v["batch_id"] = json!(s)),
        Box::new(|v, s| v["indicators"][0]["kind"] = json!(s)),
        Box::new(|v, s| v["refusals"]["rule"] = json!(s)),
    ];
    for (i, set) in string_fields.iter().enumerate() {
        for s in [sqlish, long.as_str(), "a\u{0}b", ""] {
            let mut v: Value = serde_json::from_slice(&good).unwrap();
            set(&mut v, s);
            let (status, b) =
                upload_bytes(&server, &device, &serde_json::to_vec(&v).unwrap()).await;
            assert!(
                status == 422,
                "field #{i} with {:?}: {status} {b}",
                &s[..s.len().min(30)]
            );
            assert!(b["code"].is_string());
        }
    }
    // Labels and the like are free text: only length and control characters are refused.
    for set in [
        |v: &mut Value, s: &str| v["indicators"][0]["labels"]["English (en)"] = json!(s),
        |v: &mut Value, s: &str| v["indicators"][0]["labels"] = json!({s: "x"}),
        |v: &mut Value, s: &str| v["indicators"][0]["hxl"] = json!(s),
        |v: &mut Value, s: &str| v["indicators"][0]["sector"] = json!(s),
        |v: &mut Value, s: &str| v["indicators"][0]["actions"] = json!({"en": s}),
    ] {
        for s in [long.as_str(), "bell\u{7}"] {
            let mut v: Value = serde_json::from_slice(&good).unwrap();
            set(&mut v, s);
            let (status, b) =
                upload_bytes(&server, &device, &serde_json::to_vec(&v).unwrap()).await;
            assert_refusal(status, &b, 422, "invalid_batch");
        }
    }
    // Oversized body.
    let mut v: Value = serde_json::from_slice(&good).unwrap();
    v["indicators"][0]["labels"]["English (en)"] = json!("y".repeat(70 * 1024));
    let (s, b) = upload_bytes(&server, &device, &serde_json::to_vec(&v).unwrap()).await;
    assert_refusal(s, &b, 413, "body_too_large");
    // A site outside the enrollment.
    let (s, b) = upload(&server, &device, &batch("SO9999", None, 1, 6, 6)).await;
    assert_refusal(s, &b, 403, "site_not_enrolled");

    assert!(server.stored_batches().is_empty(), "something was stored");
    assert_healthy(&server).await;

    // The good batch still goes through; a replay of an older sequence does not.
    let (s, b) = upload_bytes(&server, &device, &good).await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = upload(&server, &device, &batch("SO1101", None, 5, 1, 1)).await;
    assert_refusal(s, &b, 409, "stale_sequence");
    let (s, b) = upload(&server, &device, &batch("SO1101", None, 4, 1, 1)).await;
    assert_refusal(s, &b, 409, "stale_sequence");
    // The same batch id with other content.
    let mut reuse = batch("SO1101", None, 9, 7, 7);
    reuse.batch_id = serde_json::from_slice::<lantern_protocol::Batch>(&good)
        .unwrap()
        .batch_id;
    let (s, b) = upload(&server, &device, &reuse).await;
    assert_refusal(s, &b, 409, "batch_id_conflict");
    let stored = server.stored_batches();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["sequence"], 5);

    // Revoked: refused, and the stored batch is untouched.
    let out = server.admin(&["revoke", &device.id]);
    assert!(out.status.success());
    let (s, b) = upload(&server, &device, &batch("SO1101", None, 6, 6, 6)).await;
    assert_refusal(s, &b, 403, "device_revoked");
    assert_eq!(server.stored_batches()[0]["sequence"], 5);
    assert!(!server.admin(&["revoke", "no-such-device"]).status.success());
    assert_healthy(&server).await;
}

#[tokio::test]
async fn enrollment_bounds_forms() {
    let server = start().await;
    let code =
        server.admin_last_line(&["create-enrollment", "--site", "SO1101", "--form", "shelter"]);
    let key = new_key();
    let r = client()
        .post(format!("{}/api/v1/enroll", server.url))
        .json(&json!({"code": code, "public_key": public_hex(&key)}))
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    let device = Device {
        key,
        id: body["device_id"].as_str().unwrap().into(),
    };
    let (s, b) = upload(&server, &device, &batch("SO1101", None, 1, 6, 6)).await;
    assert_refusal(s, &b, 403, "form_not_enrolled");
    let mut ok = batch("SO1101", None, 1, 6, 6);
    ok.form_id = "shelter".into();
    assert_eq!(upload(&server, &device, &ok).await.0, 200);
}

#[tokio::test]
async fn hostile_enrollments() {
    let server = start_with_limit(4096).await;
    let url = format!("{}/api/v1/enroll", server.url);
    for (body, want) in [
        ("not json".to_owned(), 400),
        ("{}".to_owned(), 422),
        (json!({"code": 5, "public_key": "aa"}).to_string(), 422),
        (
            json!({"code": "x", "public_key": public_hex(&new_key()), "admin": true}).to_string(),
            422,
        ),
        (
            json!({"code": "' OR 1=1 --", "public_key": public_hex(&new_key())}).to_string(),
            403,
        ),
        (
            json!({"code": "A".repeat(3000), "public_key": public_hex(&new_key())}).to_string(),
            403,
        ),
        (
            json!({"code": "A".repeat(5000), "public_key": public_hex(&new_key())}).to_string(),
            413,
        ),
    ] {
        let r = client()
            .post(&url)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let b: Value = r.json().await.unwrap();
        assert_eq!(status, want, "{body:.80}: {b}");
        assert!(b["code"].is_string() && b["message"].is_string());
    }
    let out = server.admin(&["devices", "--json"]);
    assert_eq!(
        serde_json::from_slice::<Value>(&out.stdout).unwrap(),
        json!([])
    );
    assert_healthy(&server).await;
}

#[tokio::test]
async fn aggregates_need_an_admin_token_and_combine_devices() {
    let server = start().await;
    let a = enroll(&server, &["SO1101"]).await;
    let b = enroll(&server, &["SO1101"]).await;
    let url = format!("{}/api/v1/aggregates?form_id=safety_audit", server.url);
    let r = client().get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = client().get(&url).bearer_auth("nope").send().await.unwrap();
    assert_eq!(r.status(), 401);
    let token = server.admin_token();

    // One device: exactly its released cells.
    let one = batch("SO1101", Some("baseline"), 1, 6, 7);
    assert_eq!(upload(&server, &a, &one).await.0, 200);
    let body: Value = client()
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let groups = body["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0]["devices"], 1);
    assert_eq!(
        groups[0]["cells"],
        serde_json::to_value(&one.cells).unwrap()
    );

    // Two devices: counts add up where both released; small sums suppressed again.
    let two = batch("SO1101", Some("baseline"), 1, 5, 0);
    assert_eq!(upload(&server, &b, &two).await.0, 200);
    let body: Value = client()
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let g = &body["groups"][0];
    assert_eq!(g["devices"], 2);
    let cells = g["cells"].as_array().unwrap();
    let find = |by: Value| cells.iter().find(|c| c["by"] == by).unwrap().clone();
    assert_eq!(find(json!({}))["n"], 18);
    assert_eq!(find(json!({"sex": "female"}))["n"], 11);
    assert_eq!(find(json!({"sex": "male"}))["n"], 7);

    // Bad query: 400 with a code.
    let r = client()
        .get(format!(
            "{}/api/v1/aggregates?form_id=x%27%20OR",
            server.url
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = client()
        .get(format!("{}/api/v1/aggregates", server.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

/// Many uploads at once (the store commits them in groups): the outcome is the same as
/// one after another. Each round ends with its newest sequence, a repeat of the same
/// bytes gets the very same acknowledgement, two bodies sharing a batch id get one
/// acceptance and one refusal, and every acknowledged batch is in the database as
/// another connection sees it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_uploads_commit_as_if_one_after_another() {
    use std::sync::Arc;
    let server = Arc::new(common::start().await);
    let device = Arc::new(enroll(&server, &["SO1101"]).await);
    let rounds = ["r1", "r2", "r3"];
    let mut bodies = Vec::new();
    for round in rounds {
        // Interleaved sequences so that older ones often arrive after newer ones.
        for seq in (1..=30u64).map(|i| (i * 7) % 30 + 1) {
            let body = serde_json::to_vec(&batch("SO1101", Some(round), seq, 6, 5)).unwrap();
            bodies.push(body.clone());
            bodies.push(body); // the same bytes again: a repeat
        }
    }
    let mut shared = batch("SO1101", Some("conflict"), 100, 6, 5);
    let first = serde_json::to_vec(&shared).unwrap();
    shared.sequence = 101;
    let second = serde_json::to_vec(&shared).unwrap();
    bodies.push(first.clone());
    bodies.push(second.clone());

    let mut tasks = tokio::task::JoinSet::new();
    for (i, body) in bodies.into_iter().enumerate() {
        let (server, device) = (Arc::clone(&server), Arc::clone(&device));
        tasks.spawn(async move {
            let answer = upload_bytes(&server, &device, &body).await;
            (i, body, answer)
        });
    }
    let mut answers: std::collections::HashMap<Vec<u8>, Vec<(u16, serde_json::Value)>> =
        std::collections::HashMap::new();
    while let Some(done) = tasks.join_next().await {
        let (_, body, answer) = done.unwrap();
        answers.entry(body).or_default().push(answer);
    }
    for (body, got) in &answers {
        for (status, json) in got {
            assert!(
                *status == 200 || (*status == 409 && json["code"].is_string()),
                "{status} {json}"
            );
        }
        if body != &first && body != &second {
            assert_eq!(got.len(), 2);
            if got[0].0 == 200 && got[1].0 == 200 {
                assert_eq!(got[0].1, got[1].1, "a repeat gets the same acknowledgement");
            }
        }
    }
    let conflict: Vec<u16> = [&first, &second].iter().map(|b| answers[*b][0].0).collect();
    assert_eq!(
        conflict.iter().filter(|s| **s == 200).count(),
        1,
        "{conflict:?}"
    );
    assert_eq!(
        conflict.iter().filter(|s| **s == 409).count(),
        1,
        "{conflict:?}"
    );

    // What the admin command (its own process, its own connection) reads.
    let stored = server.stored_batches();
    assert_eq!(stored.len(), 4, "{stored:?}");
    for round in rounds {
        let b = stored
            .iter()
            .find(|b| b["round"] == round)
            .unwrap_or_else(|| panic!("round {round} stored: {stored:?}"));
        assert_eq!(b["sequence"], 30, "{b}");
    }
    // Every acknowledged batch id is the stored one of its round or was replaced by a
    // newer sequence: none was acknowledged and then lost.
    for (body, got) in &answers {
        if got.iter().any(|(s, _)| *s == 200) {
            let b: serde_json::Value = serde_json::from_slice(body).unwrap();
            let kept = stored.iter().find(|s| s["round"] == b["round"]).unwrap();
            assert!(
                kept["sequence"].as_u64() >= b["sequence"].as_u64(),
                "{kept} {b}"
            );
        }
    }
}

/// `admin tls-fingerprint` prints what `openssl x509 -noout -fingerprint -sha256`
/// printed for this certificate, needs no database, and refuses a file that holds no
/// certificate with a sentence.
#[test]
fn admin_tls_fingerprint_prints_the_certificate_fingerprint() {
    const CERT: &str = "-----BEGIN CERTIFICATE-----
MIIBhDCCASmgAwIBAgIUdhzGb/lIU34Eqa38fDCrKEJ5xVMwCgYIKoZIzj0EAwIw
FzEVMBMGA1UEAwwMbGFudGVybi10ZXN0MB4XDTI2MTIwMTAyNDYzNloXDTM2MTEy
ODAyNDYzNlowFzEVMBMGA1UEAwwMbGFudGVybi10ZXN0MFkwEwYHKoZIzj0CAQYI
KoZIzj0DAQcDQgAEJjvbkluszbYERvh0eRTREg9VCcMk0Jd2lDq+sTPTeJpomDTm
eqiZ96SpMJXh508vjs4ucDDQbucut3oX+dx1o6NTMFEwHQYDVR0OBBYEFMqJAjYK
ffGQRu+47zIX4aD9OsLxMB8GA1UdIwQYMBaAFMqJAjYKffGQRu+47zIX4aD9OsLx
MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSQAwRgIhAMt0yDad9l7HJvvR
T4lJPJPjAenYjnMcRINdM7NjSWowAiEA0MPU8Z50OHhxOW1CXglRnKODKT4jM06o
Xr65wda7Nfc=
-----END CERTIFICATE-----
";
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.pem");
    std::fs::write(&cert, CERT).unwrap();
    let data = dir.path().join("data");
    let run = |file: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_lantern-server"))
            .arg("--data")
            .arg(&data)
            .args(["admin", "tls-fingerprint", "--cert"])
            .arg(file)
            .output()
            .unwrap()
    };
    let out = run(&cert);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout.lines().last().unwrap(),
        "7A:43:FD:67:75:82:05:D3:8A:FB:34:8A:8F:8F:9D:A8:64:9A:EA:79:45:48:24:B4:64:94:C0:6C:31:93:6A:9F"
    );
    assert!(!data.exists(), "no database is opened for a fingerprint");

    let not_cert = dir.path().join("key.pem");
    std::fs::write(&not_cert, "not a certificate\n").unwrap();
    let out = run(&not_cert);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no certificate"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&dir.path().join("missing.pem"));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}

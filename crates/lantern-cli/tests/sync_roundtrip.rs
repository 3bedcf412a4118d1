//! Device ↔ server round trip on 127.0.0.1: a real server, the real `lantern` CLI as
//! the client, a real vault. Enroll with a one-time code, approve a batch (preview
//! and audit), send it, and read exactly the released cells back from the
//! aggregates API.

mod sync_support;

use sync_support::*;

#[test]
fn enroll_approve_run_and_read_back() {
    let server = start_server();
    let tmp = tempfile::tempdir().unwrap();
    let vault = new_vault(tmp.path());
    let v = vault.to_str().unwrap();

    // Nothing to send before enrollment; run says so and fails clearly.
    let out = lantern(&["sync", "run", "--vault", v]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not enrolled"));

    // Plain HTTP to another machine is refused.
    let code = server.enrollment_code(&["SO1101"]);
    let out = lantern(&[
        "sync",
        "enroll",
        "--vault",
        v,
        "--server",
        "http://192.0.2.1:8440",
        "--code",
        &code,
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("HTTPS"));

    let said = lantern_ok(&[
        "sync",
        "enroll",
        "--vault",
        v,
        "--server",
        &server.url,
        "--code",
        &code,
    ]);
    assert!(said.contains("SO1101"), "{said}");
    // The code works once, and the vault knows it is enrolled.
    let other = tmp.path().join("other");
    lantern_ok(&["vault", "init", other.to_str().unwrap()]);
    let out = lantern(&[
        "sync",
        "enroll",
        "--vault",
        other.to_str().unwrap(),
        "--server",
        &server.url,
        "--code",
        &code,
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("already used"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Nothing queued: run exits 0 and says so.
    let said = lantern_ok(&["sync", "run", "--vault", v]);
    assert!(said.contains("Nothing is queued"), "{said}");

    // A batch with nothing releasable is refused with a reason.
    let tiny = batch("SO1101", Some("baseline"), 2, 1);
    let out = approve(&vault, &tiny);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Nothing is releasable"));

    // Approve: the preview says what leaves, the log records the hash.
    let b = batch("SO1101", Some("baseline"), 9, 3);
    let out = approve(&vault, &b);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let preview = String::from_utf8(out.stdout).unwrap();
    assert!(preview.contains("What leaves this device"), "{preview}");
    assert!(preview.contains("2 released, 1 hidden"), "{preview}");
    let st = status(&vault);
    assert_eq!(st["queued"], 1);
    let hash = st["items"][0]["batch_hash"].as_str().unwrap().to_owned();
    assert!(preview.contains(&hash));
    // Not sent before `run`.
    assert!(server.batches().is_empty());

    let said = lantern_ok(&["sync", "run", "--vault", v]);
    assert!(said.contains("acknowledged"), "{said}");
    let st = status(&vault);
    assert_eq!(st["sent"], 1);
    assert_eq!(st["queued"], 0);

    let stored = server.batches();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].batch_hash, hash);
    assert_eq!(stored[0].sequence, 1);

    // The aggregates API returns exactly the released cells.
    let token = server.admin_token();
    let agg = server.aggregates(&token, "women_participation");
    let cells = agg["groups"][0]["cells"].as_array().unwrap();
    let released: Vec<_> = cells.iter().filter(|c| c["suppressed"] == false).collect();
    assert_eq!(released.len(), 2);
    let mut sent = b.clone();
    sent.sequence = 1;
    let expected = serde_json::to_value(&sent.cells).unwrap();
    assert_eq!(agg["groups"][0]["cells"], expected);
    for c in cells.iter().filter(|c| c["suppressed"] == true) {
        assert!(c.get("n").is_none() && c.get("value").is_none());
    }

    // A second approval replaces the first on the server (sequence 2).
    let b2 = batch("SO1101", Some("baseline"), 10, 6);
    assert!(approve(&vault, &b2).status.success());
    lantern_ok(&["sync", "run", "--vault", v]);
    let stored = server.batches();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].sequence, 2);
    assert_eq!(stored[0].batch_id, b2.batch_id.to_string());

    // Approval and acknowledgement are in the audit log with the hash.
    let mut opened = lantern_core::vault::Vault::open(
        &vault,
        lantern_core::vault::VaultConfig::default(),
        chrono::Utc::now(),
    )
    .unwrap();
    opened.unlock(PASS.as_bytes(), chrono::Utc::now()).unwrap();
    let log: Vec<String> = opened
        .audit_events(chrono::Utc::now())
        .unwrap()
        .into_iter()
        .map(|e| format!("{} {}", e.event, e.detail))
        .collect();
    assert!(
        log.iter()
            .any(|l| l.starts_with("sync approved") && l.contains(&format!("hash={hash}"))),
        "{log:?}"
    );
    assert!(
        log.iter()
            .any(|l| l.starts_with("sync acknowledged batch=")),
        "{log:?}"
    );
    lantern_ok(&["vault", "verify-log", v, "--unlock"]);
}

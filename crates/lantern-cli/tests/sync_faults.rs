//! Sync through a fault-injecting proxy on 127.0.0.1: server down, slow, 500s,
//! connection reset mid-request, response lost after the server committed, duplicate
//! delivery, and the client killed mid-sync and restarted. Afterwards the server
//! holds exactly the latest approved batch per key: nothing lost, nothing duplicated.

mod sync_support;

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::Utc;
use lantern_core::sync::{self, ItemState, RunReport};
use lantern_core::vault::{Vault, VaultConfig};
use sync_support::*;

fn open(dir: &Path) -> Vault {
    let mut v = Vault::open(dir, VaultConfig::default(), Utc::now()).unwrap();
    v.unlock(PASS.as_bytes(), Utc::now()).unwrap();
    v
}

fn approve_lib(vault: &mut Vault, b: lantern_protocol::Batch) -> sync::QueueItem {
    let p = sync::prepare(vault, b, Utc::now()).unwrap();
    sync::approve(vault, &p, &[], Utc::now()).unwrap()
}

fn run(vault: &mut Vault) -> RunReport {
    sync::run(vault, &Utc::now, false).unwrap()
}

fn item_state(vault: &mut Vault, id: &str) -> sync::QueueItem {
    sync::status(vault, Utc::now())
        .unwrap()
        .items
        .into_iter()
        .find(|i| i.batch_id == id)
        .unwrap()
}

#[test]
fn faults_lose_nothing_and_duplicate_nothing() {
    let server = start_server();
    let proxy = start_proxy(server.addr);
    let tmp = tempfile::tempdir().unwrap();
    let dir = new_vault(tmp.path());
    let code = server.enrollment_code(&["SO1101", "SO1102"]);
    let mut vault = open(&dir);
    sync::enroll(&mut vault, &proxy.url, &code, None, Utc::now()).unwrap();

    // Server down: nothing is attempted, the batch stays queued.
    proxy.set(Fault::Down);
    let b1 = approve_lib(&mut vault, batch("SO1101", Some("baseline"), 6, 6));
    match run(&mut vault) {
        RunReport::Unreachable { queued: 1, .. } => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(
        item_state(&mut vault, &b1.batch_id).state,
        ItemState::Queued
    );
    assert!(server.batches().is_empty());

    // Too slow for the probe: unreachable too.
    proxy.set(Fault::Slow(Duration::from_secs(7)));
    assert!(matches!(run(&mut vault), RunReport::Unreachable { .. }));
    assert_eq!(
        item_state(&mut vault, &b1.batch_id).state,
        ItemState::Queued
    );

    // Slow but within the timeouts: it goes through.
    proxy.set(Fault::Slow(Duration::from_millis(800)));
    assert_eq!(run(&mut vault), RunReport::AllAcknowledged { sent: 1 });
    assert_eq!(item_state(&mut vault, &b1.batch_id).state, ItemState::Sent);

    // 500s: failed with a reason and a retry time, nothing stored.
    proxy.set(Fault::Error500);
    let b2 = approve_lib(&mut vault, batch("SO1101", Some("baseline"), 7, 7));
    assert!(matches!(
        run(&mut vault),
        RunReport::SomeFailed { failed: 1, .. }
    ));
    let it = item_state(&mut vault, &b2.batch_id);
    assert_eq!(it.state, ItemState::Failed);
    assert!(it.retry);
    assert!(it.next_attempt_at.is_some());
    assert!(
        it.last_error.as_deref().unwrap().contains("HTTP 500"),
        "{it:?}"
    );
    let st = sync::status(&vault, Utc::now()).unwrap();
    assert_eq!(st.next_retry_at, it.next_attempt_at);
    // With backoff respected (the app's background loop), it is not due yet.
    let plan = sync::plan(&mut vault, Utc::now(), true).unwrap();
    assert!(plan.outgoing.is_empty());
    assert_eq!(server.batches()[0].batch_id, b1.batch_id);

    // Connection reset halfway through the body: nothing stored.
    proxy.set(Fault::ResetMidRequest);
    assert!(matches!(run(&mut vault), RunReport::SomeFailed { .. }));
    assert_eq!(item_state(&mut vault, &b2.batch_id).attempts, 2);
    assert_eq!(server.batches()[0].batch_id, b1.batch_id);

    // The server commits but the answer is lost: the client retries and gets the
    // original acknowledgement; the server keeps one copy.
    proxy.set(Fault::LoseResponse);
    assert!(matches!(run(&mut vault), RunReport::SomeFailed { .. }));
    assert_eq!(server.batches()[0].batch_id, b2.batch_id);
    proxy.set(Fault::Pass);
    assert_eq!(run(&mut vault), RunReport::AllAcknowledged { sent: 1 });
    assert_eq!(item_state(&mut vault, &b2.batch_id).state, ItemState::Sent);
    assert_eq!(server.batches().len(), 1);

    // Duplicate delivery: the second copy is recognised.
    proxy.set(Fault::Duplicate);
    let b3 = approve_lib(&mut vault, batch("SO1101", Some("baseline"), 8, 8));
    assert_eq!(run(&mut vault), RunReport::AllAcknowledged { sent: 1 });
    let stored = server.batches();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].batch_id, b3.batch_id);

    // A later approval replaces a queued, unsent one: only the latest leaves.
    proxy.set(Fault::Down);
    let b4 = approve_lib(&mut vault, batch("SO1102", None, 5, 5));
    let b5 = approve_lib(&mut vault, batch("SO1102", None, 6, 5));
    assert_eq!(
        item_state(&mut vault, &b4.batch_id).state,
        ItemState::Replaced
    );
    proxy.set(Fault::Pass);
    assert_eq!(run(&mut vault), RunReport::AllAcknowledged { sent: 1 });

    // The client is killed mid-sync after the server committed; restarted, it
    // finishes the job without a duplicate.
    let b6 = approve_lib(&mut vault, batch("SO1101", Some("baseline"), 9, 9));
    drop(vault);
    proxy.set(Fault::HangAfterCommit);
    let before = *proxy.delivered.lock().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_lantern"))
        .args(["sync", "run", "--vault", dir.to_str().unwrap()])
        .env("LANTERN_PASSPHRASE", PASS)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while *proxy.delivered.lock().unwrap() == before {
        assert!(
            Instant::now() < deadline,
            "the upload never reached the server"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        server
            .batches()
            .iter()
            .find(|b| b.site == "SO1101")
            .unwrap()
            .batch_id,
        b6.batch_id
    );
    let mut vault = open(&dir);
    assert_eq!(
        item_state(&mut vault, &b6.batch_id).state,
        ItemState::Sending
    );
    drop(vault);
    proxy.set(Fault::Pass);
    let said = lantern_ok(&["sync", "run", "--vault", dir.to_str().unwrap()]);
    assert!(said.contains("acknowledged"), "{said}");

    // Exactly the latest approved batch per key, nothing else.
    let vault = open(&dir);
    let st = sync::status(&vault, Utc::now()).unwrap();
    assert_eq!(st.queued + st.sending + st.failed, 0, "{st:?}");
    let mut stored = server.batches();
    stored.sort_by(|a, b| a.site.cmp(&b.site));
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0].batch_id, b6.batch_id);
    assert_eq!(stored[0].sequence, b6.sequence);
    assert_eq!(stored[1].batch_id, b5.batch_id);
    assert_eq!(stored[1].batch_hash, b5.batch_hash);
    assert!(stored.iter().all(|s| s.batch_id != b4.batch_id));
}

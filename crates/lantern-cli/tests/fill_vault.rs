//! `lantern fill --vault DIR FORM --answers ANSWERS.json [--finalize]`: the result of a
//! headless fill is stored encrypted in the vault, finalized only when nothing blocks,
//! and kept as a draft otherwise, so nothing typed is lost.

use std::path::Path;
use std::process::{Command, Output};

const FORM: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../forms/site_visit_check.xlsx"
);
const PASS: &str = "correct horse battery staple";
const CANARY: &str = "CANARY-7f3a9c-SITE";

fn lantern(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lantern"))
        .args(args)
        .env("LANTERN_PASSPHRASE", PASS)
        .env_remove("LANTERN_DURESS_PASSPHRASE")
        .output()
        .unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn status(vault: &Path) -> serde_json::Value {
    // Counts are shown only once unlocked (issue 13).
    let out = lantern(&["vault", "status", "--unlock", s(vault), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn write_answers(dir: &Path, name: &str, answers: serde_json::Value) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, answers.to_string()).unwrap();
    path
}

#[test]
fn fills_are_stored_encrypted_and_finalized_only_when_complete() {
    let tmp = tempfile::tempdir().unwrap();
    let vault = tmp.path().join("vault");
    let init = lantern(&["vault", "init", s(&vault)]);
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );

    let complete = write_answers(
        tmp.path(),
        "complete.json",
        serde_json::json!({"site_code": CANARY, "walk_time": "night", "lighting": "some",
                           "latrines_sampled": 6, "latrines_lockable": 2}),
    );
    let out = lantern(&[
        "fill",
        "--vault",
        s(&vault),
        FORM,
        "--answers",
        s(&complete),
        "--finalize",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stored: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stored["status"], "finalized");
    assert_eq!(stored["form_id"], "site_visit_check");

    // Lockable latrines beyond those checked violate a constraint: kept as a draft.
    let broken = write_answers(
        tmp.path(),
        "broken.json",
        serde_json::json!({"site_code": CANARY, "walk_time": "day", "lighting": "none",
                           "latrines_sampled": 2, "latrines_lockable": 5}),
    );
    let out = lantern(&[
        "fill",
        "--vault",
        s(&vault),
        FORM,
        "--answers",
        s(&broken),
        "--finalize",
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("kept") && stderr.contains("as a draft"),
        "{stderr}"
    );

    let st = status(&vault);
    assert_eq!(st["finalized"], 1, "{st}");
    assert_eq!(st["drafts"], 1, "{st}");
    assert_eq!(st["forms"], 1, "{st}");

    // The site code typed in the answers is nowhere in the vault's files in clear.
    for entry in std::fs::read_dir(&vault).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(
            !bytes.windows(CANARY.len()).any(|w| w == CANARY.as_bytes()),
            "canary found in the vault directory"
        );
    }
}

#[test]
fn a_wrong_passphrase_stores_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let vault = tmp.path().join("vault");
    assert!(lantern(&["vault", "init", s(&vault)]).status.success());
    let answers = write_answers(tmp.path(), "a.json", serde_json::json!({"site_code": "X"}));
    let out = Command::new(env!("CARGO_BIN_EXE_lantern"))
        .args(["fill", "--vault", s(&vault), FORM, "--answers", s(&answers)])
        .env("LANTERN_PASSPHRASE", "not the passphrase")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("vault.wrong_passphrase"));
    let st = status(&vault);
    assert_eq!(st["drafts"], 0, "{st}");
    assert_eq!(st["finalized"], 0, "{st}");
}

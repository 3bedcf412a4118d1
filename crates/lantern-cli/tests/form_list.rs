//! The `lantern form list` contract: the same forms the app window shows.

use std::process::Command;

fn lantern() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lantern"))
}

const FORMS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../forms");

#[test]
fn lists_the_committed_forms() {
    let out = lantern().args(["form", "list", FORMS]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let line = stdout
        .lines()
        .find(|l| l.starts_with("site_visit_check.xlsx"))
        .unwrap_or_else(|| panic!("site_visit_check.xlsx not listed:\n{stdout}"));
    assert!(line.contains("\tsite_visit_check\t"), "{line}");
    assert!(line.contains("Site visit check"), "{line}");
    assert!(line.contains("English (en), Français (fr)"), "{line}");
}

#[test]
fn json_output_lists_broken_workbooks_with_their_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("broken.xlsx"), b"PK\x03\x04 truncated").unwrap();
    let out = lantern()
        .args(["form", "list", "--json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value[0]["file"], "broken.xlsx");
    assert_eq!(value[0]["status"], "broken");
    assert_eq!(value[0]["code"], "workbook.unreadable");
}

#[test]
fn missing_folder_fails_with_a_clear_message() {
    let out = lantern()
        .args(["form", "list", "/nonexistent/forms"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot read the folder /nonexistent/forms"),
        "{stderr}"
    );
}

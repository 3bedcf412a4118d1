//! The `lantern form validate` contract: one line per diagnostic as
//! `file:sheet:row:column: severity[code]: message`, exit 0 only when every file
//! imports without errors.

use std::path::Path;
use std::process::Command;

fn lantern() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lantern"))
}

const FORMS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../forms");

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn committed_forms_validate_cleanly() {
    let out = lantern()
        .args([
            "form",
            "validate",
            &format!("{FORMS}/site_visit_check.xlsx"),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
}

#[test]
fn errors_are_located_and_fail_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(
        dir.path(),
        "good.md",
        "| survey |\n| | type | name | label |\n| | text | q1 | Q1 |\n",
    );
    let bad = write(
        dir.path(),
        "bad.md",
        "| survey |\n| | type | name | label | relevant |\n| | text | q1 | Q1 | ${q9} = 1 |\n| | select_one nope | q2 | Q2 | |\n",
    );
    let out = lantern()
        .args(["form", "validate", &good, &bad])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            format!(
                "{bad}:survey:2:relevant: error[xlsform.unknown_reference]: `${{q9}}` refers to no question, group or repeat of this form; fix the name or add the question"
            ),
            format!(
                "{bad}:survey:3:type: error[xlsform.unknown_choice_list]: the choice list `nope` is not on the `choices` sheet; add its choices there or fix the list name"
            ),
        ]
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("2 file(s) checked: 2 error(s), 0 warning(s)"),
        "{stderr}"
    );
}

#[test]
fn warnings_alone_pass() {
    let dir = tempfile::tempdir().unwrap();
    let form = write(
        dir.path(),
        "warn.md",
        "| survey |\n| | type | name | label |\n| | begin repeat | r | |\n| | text | q | Q |\n| | end repeat | | |\n",
    );
    let out = lantern()
        .args(["form", "validate", &form])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.starts_with(&format!(
            "{form}:survey:2:label: warning[xlsform.repeat_without_label]"
        )),
        "{stdout}"
    );
}

#[test]
fn unreadable_and_unknown_files_are_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let broken = write(dir.path(), "broken.xlsx", "PK\x03\x04 truncated");
    let other = write(dir.path(), "notes.txt", "hello");
    let missing = dir.path().join("missing.xlsx").display().to_string();
    let out = lantern()
        .args(["form", "validate", &broken, &other, &missing])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(
        lines[0].starts_with(&format!("{broken}:::: error[workbook.unreadable]")),
        "{stdout}"
    );
    assert!(
        lines[1].starts_with(&format!("{other}:::: error[file.format]")),
        "{stdout}"
    );
    assert!(
        lines[2].starts_with(&format!("{missing}:::: error[file.read]")),
        "{stdout}"
    );
}

#[test]
fn json_output_for_scripts() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        dir.path(),
        "bad.md",
        "| survey |\n| | type | name | label |\n| | textt | q1 | Q1 |\n",
    );
    let out = lantern()
        .args(["form", "validate", "--json", &bad])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value[0]["file"], bad.as_str());
    assert_eq!(value[0]["ok"], false);
    let diagnostic = &value[0]["diagnostics"][0];
    assert_eq!(diagnostic["code"], "xlsform.unknown_type");
    assert_eq!(diagnostic["severity"], "error");
    assert_eq!(diagnostic["sheet"], "survey");
    assert_eq!(diagnostic["row"], 2);
    assert_eq!(diagnostic["column"], "type");
}

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

/// A form meant for shared aggregates (it has a `purpose` sheet) that asks a name, a
/// GPS point and unmarked free text fails the do-no-harm check; the same questions in
/// a plain ODK form are warnings and pass.
#[test]
fn the_do_no_harm_check_fails_an_exposing_form() {
    let survey = "| survey |\n\
        | | type | name | label | relevant |\n\
        | | select_one sites | site | Site | |\n\
        | | select_one yn | consent | Do you agree? | |\n\
        | | text | respondent | What is your name? | ${consent} = 'yes' |\n\
        | | geopoint | shelter | Shelter location | ${consent} = 'yes' |\n\
        | | text | comments | Comments | ${consent} = 'yes' |\n\
        | choices |\n\
        | | list_name | name | label |\n\
        | | sites | s1 | Site 1 |\n\
        | | yn | yes | Yes |\n\
        | | yn | no | No |\n";
    let purpose = "| purpose |\n\
        | | purpose | data_owner | retention_days | sensitivity | min_responses | consent_field | consent_value | site_field | round_field |\n\
        | | Audit | Camp management | 90 | high | 5 | consent | yes | site | site |\n";
    let dir = tempfile::tempdir().unwrap();
    let exposing = write(dir.path(), "exposing.md", &format!("{survey}{purpose}"));
    let plain = write(dir.path(), "plain.md", survey);

    let out = lantern()
        .args(["form", "validate", &exposing])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let codes: Vec<&str> = stdout
        .lines()
        .map(|l| l.split_once(": ").unwrap().1.split(':').next().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "error[policy.name]",
            "error[policy.free_text_shared]",
            "error[policy.identifying_type]",
            "error[policy.free_text_shared]",
        ],
        "{stdout}"
    );
    assert!(
        stdout.starts_with(&format!(
            "{exposing}:survey:4:label: error[policy.name]: `respondent` asks for a name"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "{exposing}:survey:5:type: error[policy.identifying_type]"
        )),
        "{stdout}"
    );

    let out = lantern()
        .args(["form", "validate", &plain])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout
            .lines()
            .map(|l| l.split_once(": ").unwrap().1.split(':').next().unwrap())
            .collect::<Vec<_>>(),
        ["warning[policy.name]", "warning[policy.identifying_type]"],
        "{stdout}"
    );
}

/// `lantern form list` prints each form's do-no-harm findings under it.
#[test]
fn form_list_shows_the_do_no_harm_findings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        format!("{FORMS}/verify/exposing_form.xlsx"),
        dir.path().join("exposing_form.xlsx"),
    )
    .unwrap();
    let out = lantern()
        .args(["form", "list", &dir.path().display().to_string()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert!(
        lines[0].starts_with("exposing_form.xlsx\texposing_form"),
        "{stdout}"
    );
    assert!(
        lines[1].starts_with("\tsurvey:4:label: error[policy.name]"),
        "{stdout}"
    );
    assert!(
        lines[2].starts_with("\tsurvey:5:type: error[policy.identifying_type]"),
        "{stdout}"
    );
    assert!(
        lines[3].starts_with("\tsurvey:6:lantern::share: error[policy.free_text_shared]"),
        "{stdout}"
    );
    let json = lantern()
        .args(["form", "list", "--json", &dir.path().display().to_string()])
        .output()
        .unwrap();
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value[0]["policy"][0]["code"], "policy.name");
    assert_eq!(value[0]["policy"][0]["severity"], "error");
}

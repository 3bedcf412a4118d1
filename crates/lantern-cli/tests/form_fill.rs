//! The `lantern form fill FILE --answers ANSWERS.json [--now RFC3339] [--seed N]`
//! contract: prints `{instance, outcomes, blocking, finalizable}` as JSON; exit 0 only
//! when the form can be finalized, else non-zero with the reason on stderr.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::{Value, json};

const FORM: &str = "
| survey |
| | type | name | label | relevant | required | constraint | constraint_message | calculation | repeat_count |
| | integer | n | How many? | | yes | . >= 0 | Not negative | | |
| | begin repeat | people | People | | | | | | ${n} |
| | integer | age | Age | | yes | | | | |
| | text | school | School | ${age} < 18 | | | | | |
| | end repeat | | | | | | | | |
| | calculate | total | | | | | | sum(${age}) | |
| | begin repeat | visits | Visits | | | | | | |
| | text | place | Place | | | | | | |
| | end repeat | | | | | | | | |
| | date | day | Day | | | | | | |
| settings |
| | form_id |
| | demo |
";

fn fill(answers: Value) -> (Output, Value) {
    let dir = tempfile::tempdir().expect("temp dir");
    let form = dir.path().join("demo.md");
    std::fs::write(&form, FORM).expect("write form");
    let answers_file: PathBuf = dir.path().join("answers.json");
    std::fs::write(&answers_file, answers.to_string()).expect("write answers");
    let output = Command::new(env!("CARGO_BIN_EXE_lantern"))
        .args(["form", "fill"])
        .arg(&form)
        .arg("--answers")
        .arg(&answers_file)
        .args(["--now", "2026-11-23T08:00:00+03:00", "--seed", "5"])
        .output()
        .expect("runs");
    let json = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    (output, json)
}

#[test]
fn a_complete_fill_finalizes() {
    let (output, json) = fill(json!({
        "people": [{"age": 30}, {"age": 12, "school": "Hope"}],
        "n": 2,
        "visits": [{"place": "well"}, {"place": "clinic"}, {"place": "market"}],
        "day": "2026-11-20",
    }));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(json["finalizable"], true);
    assert_eq!(json["blocking"], json!([]));
    let mut instance = json["instance"].clone();
    let id = instance["meta"]["instanceID"]
        .as_str()
        .expect("id")
        .to_string();
    assert!(id.starts_with("uuid:"), "{id}");
    instance.as_object_mut().expect("object").remove("meta");
    assert_eq!(
        instance,
        json!({
            "n": 2,
            // The adult's school is not relevant, so it is left out.
            "people": [{"age": 30}, {"age": 12, "school": "Hope"}],
            "total": "42",
            "visits": [{"place": "well"}, {"place": "clinic"}, {"place": "market"}],
            "day": "2026-11-20",
        })
    );
    // The count is answered first (document order), whatever the JSON order.
    assert_eq!(
        json["outcomes"][0],
        json!({"path": "/demo/n", "outcome": "ok"})
    );
    assert_eq!(json["outcomes"].as_array().expect("array").len(), 8);
}

#[test]
fn an_unfinished_fill_exits_non_zero_and_says_why() {
    let (output, json) = fill(json!({
        "n": 1,
        "people": [{}],
        "visits": [{"place": "well"}],
        "nickname": "x",
    }));
    assert!(!output.status.success());
    assert_eq!(json["finalizable"], false);
    assert_eq!(
        json["blocking"],
        json!([{"path": "/demo/people[1]/age", "outcome": "required_but_empty"}])
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("/demo/people[1]/age: blocks finalizing"),
        "{stderr}"
    );
    assert!(
        stderr.contains("nickname: answer not applied: error[engine.unknown_field]"),
        "{stderr}"
    );
    assert!(stderr.contains("the form cannot be finalized"), "{stderr}");
}

#[test]
fn a_constraint_violation_blocks_with_its_message() {
    let (output, json) = fill(json!({"n": -1}));
    assert!(!output.status.success());
    assert_eq!(
        json["outcomes"][0],
        json!({"path": "/demo/n", "outcome": "constraint_violated", "message": "Not negative"})
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("Not negative"));
}

const SITE_FORM: &str = "
| survey |
| | type | name | label | calculation |
| | select_one_from_file sites.csv | site | Site | |
| | calculate | district | | pulldata('sites', 'district', 'name', ${site}) |
| settings |
| | form_id |
| | sites_demo |
";

/// Fills `SITE_FORM` with `site`, `sites.csv` placed at `media` (relative to the
/// form's folder) when given.
fn fill_site(site: &str, media: Option<&str>) -> (Output, Value) {
    let dir = tempfile::tempdir().expect("temp dir");
    let form = dir.path().join("sites_demo.md");
    std::fs::write(&form, SITE_FORM).expect("write form");
    if let Some(media) = media {
        let path = dir.path().join(media);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(
            path,
            "name,label,district\nSS01,Camp A,Juba\nSS02,Camp B,Wau\n",
        )
        .unwrap();
    }
    let answers_file = dir.path().join("answers.json");
    std::fs::write(&answers_file, json!({ "site": site }).to_string()).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_lantern"))
        .args(["form", "fill"])
        .arg(&form)
        .arg("--answers")
        .arg(&answers_file)
        .args(["--now", "2026-11-23T08:00:00+03:00"])
        .output()
        .expect("runs");
    let json = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    (output, json)
}

#[test]
fn a_csv_next_to_the_form_or_in_its_media_folder_is_read() {
    for media in ["sites.csv", "sites_demo-media/sites.csv"] {
        let (output, json) = fill_site("SS02", Some(media));
        assert!(
            output.status.success(),
            "{media}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(json["instance"]["district"], "Wau", "{media}");
        let (output, _) = fill_site("SS99", Some(media));
        assert!(!output.status.success(), "{media}: unknown site accepted");
        let stderr = String::from_utf8_lossy(&output.stderr);
        // The message names the list, never the typed answer (issue 13, item 10).
        assert!(
            stderr.contains("the answer is not a choice of the list sites.csv"),
            "{stderr}"
        );
        assert!(!stderr.contains("SS99"), "{stderr}");
    }
}

#[test]
fn a_missing_csv_is_a_warning_and_answers_are_taken_as_given() {
    let (output, json) = fill_site("SS99", None);
    assert!(output.status.success());
    assert_eq!(json["instance"]["site"], "SS99");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("warning: sites.csv not found"), "{stderr}");
}

#[test]
fn a_form_that_names_a_path_for_its_media_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let form = dir.path().join("paths.md");
    std::fs::write(
        &form,
        SITE_FORM.replace(
            "select_one_from_file sites.csv",
            "select_one_from_file ../sites.csv",
        ),
    )
    .expect("write form");
    let answers_file = dir.path().join("answers.json");
    std::fs::write(&answers_file, json!({ "site": "SS01" }).to_string()).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_lantern"))
        .args(["form", "fill"])
        .arg(&form)
        .arg("--answers")
        .arg(&answers_file)
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("the form names the file \"../sites.csv\"; use a plain file name"),
        "{stderr}"
    );
}

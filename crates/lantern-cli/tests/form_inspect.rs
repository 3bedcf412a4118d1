//! The `lantern form inspect FILE --json` contract: `{form_id, version, title,
//! default_language, languages, fields: [...]}` with one entry per group, repeat and
//! field in document order, including what pyxform adds to the instance.

use std::process::Command;

use serde_json::{Value, json};

fn lantern() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lantern"))
}

const FORM: &str = "
| survey |
| | type | name | label::English (en) | label::Français (fr) | relevant | required | constraint | calculation | repeat_count |
| | start | start | | | | | | | |
| | select_one yn or_other | likes | Likes? | Aime ? | | yes | | | |
| | integer | n | How many? | Combien ? | ${likes} = 'yes' | | . > 0 | | |
| | begin repeat | people | People | Personnes | | | | | ${n} |
| | text | who | Who? | Qui ? | | | | | |
| | end repeat | | | | | | | | |
| | calculate | twice | | | | | | ${n} * 2 | |
| choices |
| | list_name | name | label::English (en) | label::Français (fr) |
| | yn | yes | Yes | Oui |
| | yn | no | No | Non |
| settings |
| | form_id | version | form_title | default_language |
| | demo | 7 | Demo | English (en) |
";

fn field(path: &str, name: &str, type_name: &str) -> Value {
    json!({
        "path": path, "name": name, "type": type_name,
        "relevant": null, "required": null, "constraint": null, "calculation": null,
        "readonly": null, "choice_list": null, "choices": [], "repeat": false,
    })
}

#[test]
fn json_view_lists_every_node_with_binds_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.md");
    std::fs::write(&path, FORM).unwrap();
    let out = lantern()
        .args(["form", "inspect"])
        .arg(&path)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let view: Value = serde_json::from_slice(&out.stdout).unwrap();

    let mut likes = field("/demo/likes", "likes", "select_one");
    likes["required"] = json!("yes");
    likes["choice_list"] = json!("yn");
    likes["choices"] = json!(["yes", "no", "other"]);
    let mut likes_other = field("/demo/likes_other", "likes_other", "text");
    likes_other["relevant"] = json!("selected(${likes}, 'other')");
    let mut n = field("/demo/n", "n", "integer");
    n["relevant"] = json!("${likes} = 'yes'");
    n["constraint"] = json!(". > 0");
    let mut people = field("/demo/people", "people", "repeat");
    people["repeat"] = json!(true);
    let mut twice = field("/demo/twice", "twice", "calculate");
    twice["calculation"] = json!("${n} * 2");
    let mut instance_id = field("/demo/meta/instanceID", "instanceID", "text");
    instance_id["readonly"] = json!("true()");

    assert_eq!(
        view,
        json!({
            "form_id": "demo",
            "version": "7",
            "title": "Demo",
            "default_language": "English (en)",
            "languages": ["English (en)", "Français (fr)"],
            "fields": [
                field("/demo/start", "start", "start"),
                likes,
                likes_other,
                n,
                people,
                field("/demo/people/who", "who", "text"),
                twice,
                field("/demo/meta", "meta", "group"),
                instance_id,
            ],
        })
    );
}

#[test]
fn a_form_with_errors_is_not_inspected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.md");
    std::fs::write(
        &path,
        "| survey |\n| | type | name | label |\n| | textt | q | Q |\n",
    )
    .unwrap();
    let out = lantern()
        .args(["form", "inspect"])
        .arg(&path)
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("survey:2:type: error[xlsform.unknown_type]"),
        "{stderr}"
    );
}

//! Regression: filling a repeat that sits inside a plain group, from answers given by
//! name at the top level, must put its instances inside that group (it once created
//! them under the form's root, where no bind reached them), and `repeat[n]/field` must
//! find a field inside a group of the instance.

use lantern_core::engine::{CompiledForm, Config, Session};
use lantern_core::xlsform::{WorkbookFormat, import_bytes};
use serde_json::json;

const FORM: &str = "
| survey |              |          |             |                        |
|        | type         | name     | label       | relevant               |
|        | begin group  | site     | Site        |                        |
|        | begin repeat | visits   | Visits      |                        |
|        | select_one yn| ok       | Consent?    |                        |
|        | begin group  | details  | Details     | ${ok} = 'yes'          |
|        | integer      | people   | People      |                        |
|        | end group    |          |             |                        |
|        | end repeat   |          |             |                        |
|        | end group    |          |             |                        |
| choices |             |          |             |                        |
|        | list_name    | name     | label       |                        |
|        | yn           | yes      | Yes         |                        |
|        | yn           | no       | No          |                        |
| settings |            |          |             |                        |
|        | form_id      |          |             |                        |
|        | nested       |          |             |                        |
";

#[test]
fn repeat_inside_a_group_is_filled_in_place() {
    let form = import_bytes(FORM.as_bytes(), WorkbookFormat::Markdown, "nested")
        .form
        .expect("fixture imports");
    let compiled = CompiledForm::new(form).unwrap();
    let config = Config::at_rfc3339("2026-11-23T10:00:00Z", 1).unwrap();
    let mut session = Session::new(compiled, config).unwrap();
    let answers = json!({"visits": [{"ok": "yes", "people": 4}, {"ok": "no"}]});
    let records = session.fill(answers.as_object().unwrap());
    let paths: Vec<&str> = records.iter().map(|r| r.path.as_str()).collect();
    assert!(
        paths.contains(&"/nested/site/visits[1]/details/people"),
        "{paths:?}"
    );
    assert_eq!(session.repeat_len("visits").unwrap(), 2);
    assert_eq!(session.value("visits[1]/people").unwrap(), "4");
    assert!(session.is_relevant("visits[1]/details").unwrap());
    assert!(!session.is_relevant("visits[2]/people").unwrap());
    assert_eq!(
        session.result()["site"]["visits"][0]["details"]["people"],
        json!(4),
        "{}",
        session.result()
    );
}

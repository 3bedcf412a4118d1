//! Secondary instances in the form session: `instance('list')` over the `choices`
//! sheet, CSV files attached as form media (`select_one_from_file`, `pulldata()`,
//! `instance('file stem')`), and `current()` inside a `choice_filter`.

use chrono::DateTime;
use lantern_core::engine::{CompiledForm, Config, Session};
use lantern_core::form::FormDef;
use lantern_core::xlsform::{WorkbookFormat, attach_csv, import_bytes};

fn form(md: &str) -> FormDef {
    let import = import_bytes(md.as_bytes(), WorkbookFormat::Markdown, "test");
    assert!(!import.has_errors(), "{:#?}", import.diagnostics);
    import.form.expect("a form")
}

fn session(form: FormDef) -> Session {
    let compiled = CompiledForm::new(form).expect("compiles");
    Session::new(
        compiled,
        Config {
            now: DateTime::parse_from_rfc3339("2026-11-23T08:00:00+03:00").expect("time"),
            seed: 7,
            language: None,
        },
    )
    .expect("session")
}

fn value(session: &Session, path: &str) -> String {
    session.value(path).expect("path")
}

const CHOICE_LISTS: &str = r#"
| survey |
| | type | name | label::English (en) | label::Français (fr) | calculation | choice_filter |
| | select_one crop | crop | Crop | Culture | | |
| | calculate | crop_label | | | instance('crop')/root/item[name = ${crop}]/label | |
| | calculate | crop_season | | | instance('crop')/root/item[name = ${crop}]/season | |
| | calculate | crops | | | count(instance('crop')/root/item) | |
| | calculate | dry_crops | | | count(instance('crop')/root/item[season = 'dry']) | |
| | select_one season | season | Season | Saison | | |
| | select_one crop | second_crop | Second crop | Deuxième culture | | season = current()/../season and name != current()/../crop |
| choices |
| | list_name | name | label::English (en) | label::Français (fr) | season |
| | crop | maize | Maize | Maïs | wet |
| | crop | sorghum | Sorghum | Sorgho | dry |
| | crop | millet | Millet | Mil | dry |
| | season | wet | Wet | Humide | |
| | season | dry | Dry | Sèche | |
| settings |
| | default_language |
| | English (en) |
"#;

#[test]
fn instance_reads_a_choice_list() {
    let mut s = session(form(CHOICE_LISTS));
    assert_eq!(value(&s, "crops"), "3");
    assert_eq!(value(&s, "dry_crops"), "2");
    assert_eq!(value(&s, "crop_label"), "");
    s.answer("crop", "sorghum").unwrap();
    assert_eq!(value(&s, "crop_label"), "Sorghum");
    assert_eq!(value(&s, "crop_season"), "dry");
    // A label is read in the language shown when the calculation runs (a stored
    // value does not change with the display language, as in ODK Collect).
    s.set_language("Français (fr)").unwrap();
    assert_eq!(value(&s, "crop_label"), "Sorghum");
    s.answer("crop", "millet").unwrap();
    assert_eq!(value(&s, "crop_label"), "Mil");
}

#[test]
fn current_in_a_choice_filter_is_the_question() {
    let mut s = session(form(CHOICE_LISTS));
    assert_eq!(s.choice_names("second_crop").unwrap(), Vec::<String>::new());
    s.answer("season", "dry").unwrap();
    assert_eq!(
        s.choice_names("second_crop").unwrap(),
        ["sorghum", "millet"]
    );
    s.answer("crop", "millet").unwrap();
    assert_eq!(s.choice_names("second_crop").unwrap(), ["sorghum"]);
}

const FROM_FILE: &str = r#"
| survey |
| | type | name | label | calculation | choice_filter |
| | select_one_from_file sites.csv | site | Site | | |
| | calculate | district | | pulldata('sites', 'district', 'name', ${site}) | |
| | calculate | site_name | | instance('sites')/root/item[name = ${site}]/label | |
| | select_one_from_file sites.csv | next_site | Next site | | district = ${district} and name != ${site} |
"#;

const SITES: &str = "name,label,district\n\
                     SS0101,Camp A,Juba\n\
                     SS0102,Camp B,Wau\n\
                     SS0103,Camp C,Juba\n";

#[test]
fn an_attached_csv_is_the_list_of_select_one_from_file() {
    let mut form = form(FROM_FILE);
    assert_eq!(attach_csv(&mut form, "sites.csv", SITES.as_bytes()), Ok(3));
    let mut s = session(form);
    assert_eq!(
        s.choice_names("site").unwrap(),
        ["SS0101", "SS0102", "SS0103"]
    );
    let error = s.answer("site", "SS9999").unwrap_err();
    assert_eq!(error.code(), "engine.invalid_value", "{error}");
    s.answer("site", "SS0101").unwrap();
    assert_eq!(value(&s, "district"), "Juba");
    assert_eq!(value(&s, "site_name"), "Camp A");
    assert_eq!(s.choice_names("next_site").unwrap(), ["SS0103"]);
    let view = s.view();
    let site = &view.pages[0].questions[0];
    assert_eq!(site.choices[1].label, "Camp B");
}

#[test]
fn without_its_file_a_from_file_question_takes_answers_as_given() {
    let mut s = session(form(FROM_FILE));
    assert_eq!(s.choice_names("site").unwrap(), Vec::<String>::new());
    s.answer("site", "SS0101").unwrap();
    assert_eq!(value(&s, "district"), "");
    assert_eq!(value(&s, "site_name"), "");
}

//! Import tests on markdown-table forms: one per diagnostic, each with the exact
//! output expected (refresh with `UPDATE_EXPECT=1 cargo test -p lantern-core`), and
//! the model read from a full Lantern form.

use expect_test::{Expect, expect};

use super::{WorkbookFormat, import_bytes};

/// Imports a markdown form and renders its diagnostics, one per line.
fn check(md: &str, expect: Expect) {
    let import = import_bytes(md.as_bytes(), WorkbookFormat::Markdown, "test_form");
    let lines: Vec<String> = import.diagnostics.iter().map(|d| d.to_string()).collect();
    expect.assert_eq(&lines.join("\n"));
}

#[test]
fn clean_form_has_no_diagnostics() {
    check(
        "
        | survey |
        | | type | name | label |
        | | text | q1 | Q1 |
        ",
        expect![[""]],
    );
}

#[test]
fn missing_survey_sheet() {
    check(
        "| choices |\n| | list_name | name |\n",
        expect![
            "survey::: error[xlsform.no_survey]: the workbook has no `survey` sheet; an XLSForm needs one listing its questions"
        ],
    );
}

#[test]
fn missing_type_column() {
    check(
        "| survey |\n| | name | label |\n| | q1 | Q1 |\n",
        expect![
            "survey:1:: error[xlsform.missing_column]: the `survey` sheet has no `type` column; add it to the header row"
        ],
    );
}

#[test]
fn unknown_type_and_case_sensitivity() {
    check(
        "
        | survey |
        | | type | name | label |
        | | Integer | q1 | Q1 |
        | | textt | q2 | Q2 |
        ",
        expect![[r#"
            survey:2:type: error[xlsform.unknown_type]: unknown question type `Integer`; use an XLSForm type such as `text`, `integer`, `select_one <list>`, `begin group` (types are case-sensitive)
            survey:3:type: error[xlsform.unknown_type]: unknown question type `textt`; use an XLSForm type such as `text`, `integer`, `select_one <list>`, `begin group` (types are case-sensitive)"#]],
    );
}

#[test]
fn row_without_type_is_an_error_unless_blank() {
    check(
        "
        | survey |
        | | type | name | label |
        | | | q1 | Q1 |
        | | | | |
        ",
        expect![
            "survey:2:type: error[xlsform.missing_type]: this row has no type; give it one (e.g. `text`, `integer`, `select_one list`) or clear the row"
        ],
    );
}

#[test]
fn missing_and_invalid_names() {
    check(
        "
        | survey |
        | | type | name | label |
        | | text | | Q1 |
        | | text | 1st | Q2 |
        | | note | | A note needs no name |
        ",
        expect![[r#"
            survey:2:name: error[xlsform.missing_name]: this row has no name; give every question, group and repeat a unique name
            survey:3:name: error[xlsform.invalid_name]: the name `1st` is not a valid XML name; start with a letter or `_` and use only letters, digits, `_`, `-` and `.`"#]],
    );
}

#[test]
fn duplicate_names_in_a_scope() {
    check(
        "
        | survey |
        | | type | name | label |
        | | text | q1 | Q1 |
        | | text | q1 | Q1 again |
        | | text | Q1 | Differs in case |
        | | begin group | g | G |
        | | text | q1 | Another scope: fine |
        | | end group | | |
        ",
        expect![[r#"
            survey:3:name: error[xlsform.duplicate_name]: the name `q1` is already used on row 2 in the same group; names must be unique within a group or repeat
            survey:4:name: warning[xlsform.duplicate_name_case]: the name `Q1` differs only in letter case from row 2 in the same group; rename one to avoid confusion in exports"#]],
    );
}

#[test]
fn duplicate_repeat_names_across_the_form() {
    check(
        "
        | survey |
        | | type | name | label |
        | | begin group | a | A |
        | | begin repeat | r | R |
        | | text | q | Q |
        | | end repeat | | |
        | | end group | | |
        | | begin repeat | r | R |
        | | text | q | Q |
        | | end repeat | | |
        ",
        expect![
            "survey:7:name: error[xlsform.duplicate_repeat_name]: the repeat name `r` is already used on row 3; repeat names must be unique in the whole form"
        ],
    );
}

#[test]
fn missing_label() {
    check(
        "
        | survey |
        | | type | name | label | hint |
        | | text | q1 | | |
        | | text | q2 | | A hint is enough |
        | | calculate | c | | |
        ",
        expect![[r#"
            survey:2:label: error[xlsform.missing_label]: `q1` has no label or hint; add a label (or a hint or media) so the enumerator sees what to answer
            survey:4:calculation: error[xlsform.missing_calculation]: a `calculate` needs a calculation; fill the `calculation` column"#]],
    );
}

#[test]
fn unmatched_begin_and_end() {
    check(
        "
        | survey |
        | | type | name | label |
        | | end group | | |
        | | begin repeat | r | R |
        | | text | q | Q |
        | | end group | | |
        | | begin group | g | G |
        ",
        expect![[r#"
            survey:2:type: error[xlsform.unmatched_end]: `end group` has no matching `begin group`; remove it or add the `begin group` row
            survey:3:type: error[xlsform.unclosed_begin]: `begin repeat` `r` is never closed; add an `end repeat` row after its last question
            survey:5:type: error[xlsform.unmatched_end]: `end group` has no matching `begin group`; remove it or add the `begin group` row
            survey:6:type: error[xlsform.unclosed_begin]: `begin group` `g` is never closed; add an `end group` row after its last question"#]],
    );
}

#[test]
fn unknown_choice_list_and_bad_choices() {
    check(
        "
        | survey |
        | | type | name | label |
        | | select_one nope | q1 | Q1 |
        | | select_multiple spaced | q2 | Q2 |
        | | select_one_from_file places.txt | q3 | Q3 |
        | choices |
        | | list_name | name | label |
        | | spaced | a b | A B |
        | | spaced | a b | again |
        | | spaced | | no name |
        ",
        expect![[r#"
            choices:3:name: error[xlsform.duplicate_choice]: choice `a b` appears twice in list `spaced` (first on row 2); choice names must be unique in a list, or set `allow_choice_duplicates` to `yes` on the settings sheet
            choices:4:name: error[xlsform.missing_choice_name]: this choice has no name; give every choice a name (the value stored)
            survey:2:type: error[xlsform.unknown_choice_list]: the choice list `nope` is not on the `choices` sheet; add its choices there or fix the list name
            survey:3:type: error[xlsform.choice_name_space]: choice `a b` of list `spaced` has a space, which a select_multiple cannot store; use `_` instead
            survey:4:type: error[xlsform.bad_select_file]: `places.txt` must name a .csv, .xml or .geojson file"#]],
    );
}

#[test]
fn duplicate_choices_allowed_by_setting() {
    check(
        "
        | survey |
        | | type | name | label |
        | | select_one l | q1 | Q1 |
        | choices |
        | | list_name | name | label |
        | | l | a | A |
        | | l | a | A again |
        | settings |
        | | allow_choice_duplicates |
        | | yes |
        ",
        expect![[""]],
    );
}

#[test]
fn or_other_cannot_have_a_choice_filter() {
    check(
        "
        | survey |
        | | type | name | label | choice_filter |
        | | select_one l or_other | q1 | Q1 | a = 1 |
        | choices |
        | | list_name | name | label |
        | | l | a | A |
        ",
        expect![
            "survey:2:choice_filter: error[xlsform.or_other_choice_filter]: `or_other` cannot be combined with a choice_filter; remove one of them"
        ],
    );
}

#[test]
fn calculate_needs_a_calculation() {
    check(
        "
        | survey |
        | | type | name | calculation |
        | | calculate | c1 | |
        | | calculate | c2 | 1 + 1 |
        ",
        expect![
            "survey:2:calculation: error[xlsform.missing_calculation]: a `calculate` needs a calculation; fill the `calculation` column"
        ],
    );
}

#[test]
fn unknown_and_ambiguous_references() {
    check(
        "
        | survey |
        | | type | name | label | relevant |
        | | text | q1 | Hello ${nobody} | ${q3} = 'x' |
        | | begin group | g1 | G1 | |
        | | text | dup | Dup | |
        | | end group | | | |
        | | begin group | g2 | G2 | |
        | | text | dup | Dup | |
        | | end group | | | |
        | | text | q2 | Q2 | ${dup} != '' |
        ",
        expect![[r#"
            survey:2:relevant: error[xlsform.unknown_reference]: `${q3}` refers to no question, group or repeat of this form; fix the name or add the question
            survey:2:label: error[xlsform.unknown_reference]: `${nobody}` refers to no question, group or repeat of this form; fix the name or add the question
            survey:9:relevant: error[xlsform.ambiguous_reference]: `${dup}` is ambiguous: several questions have that name; rename them so it names one"#]],
    );
}

#[test]
fn expression_syntax_errors() {
    check(
        "
        | survey |
        | | type | name | label | relevant | constraint |
        | | integer | q1 | Q1 | if(${q1} > 1, 2 | . > 'a |
        ",
        expect![[r#"
            survey:2:relevant: error[xlsform.expression_syntax]: `relevant` has a syntax error at character 16: the expression ends too early: separate the arguments of if() with ',' and close it with ')'
            survey:2:constraint: error[xlsform.expression_syntax]: `constraint` has a syntax error at character 5: this text is never closed: add a matching ' at its end
            survey:2:relevant: error[xlsform.dependency_cycle]: these fields depend on each other in a cycle: q1 → q1; break the cycle so each value can be computed"#]],
    );
}

#[test]
fn unknown_functions() {
    check(
        "
        | survey |
        | | type | name | label | constraint | calculation |
        | | integer | q1 | Q1 | is_valid(.) | |
        | | calculate | c | | | jr:choice-name(${q1}, '${q1}') + frobnicate(1) |
        ",
        expect![[r#"
            survey:2:constraint: error[xlsform.unknown_function]: unknown function `is_valid()`; check its spelling against the ODK XForms functions
            survey:3:calculation: error[xlsform.unknown_function]: unknown function `frobnicate()`; check its spelling against the ODK XForms functions"#]],
    );
}

/// `lang()` was in the function list but not evaluated: it imported clean and failed
/// at run time. JavaRosa cannot run it either ("cannot handle function 'lang'").
#[test]
fn functions_javarosa_cannot_run_are_refused_at_import() {
    check(
        "
        | survey |
        | | type | name | label | calculation |
        | | calculate | c | | lang('en') |
        | | calculate | d | | enclosed-area('0 0 0 0; 0 1 0 0; 1 1 0 0; 0 0 0 0') |
        ",
        expect![[r#"
            survey:2:calculation: error[xlsform.unknown_function]: unknown function `lang()`; check its spelling against the ODK XForms functions"#]],
    );
}

#[test]
fn dependency_cycles() {
    check(
        "
        | survey |
        | | type | name | label | calculation | relevant |
        | | calculate | a | | ${b} + 1 | |
        | | calculate | b | | ${a} + 1 | |
        | | calculate | self | | ${self} + 1 | |
        | | text | q | Q | | ${q} != '' |
        | | integer | ok | OK | | ${a} > 1 |
        ",
        expect![[r#"
            survey:2:calculation: error[xlsform.dependency_cycle]: these fields depend on each other in a cycle: a → b → a; break the cycle so each value can be computed
            survey:4:calculation: error[xlsform.dependency_cycle]: these fields depend on each other in a cycle: self → self; break the cycle so each value can be computed
            survey:5:relevant: error[xlsform.dependency_cycle]: these fields depend on each other in a cycle: q → q; break the cycle so each value can be computed"#]],
    );
}

/// A group's `relevant` that reads a field inside the group is a cycle (the field
/// inherits the group's relevance): ODK Validate refuses it ("Cycle detected in form's
/// relevant and calculation logic"), and the session refused it at run time after a
/// clean import before the import check knew of inherited relevance.
#[test]
fn group_relevant_reading_its_own_fields_is_a_cycle() {
    check(
        "
        | survey |
        | | type | name | label | relevant | calculation |
        | | integer | a | A | | |
        | | begin group | g | G | ${c} > 0 | |
        | | calculate | c | | | ${a} + 1 |
        | | end group | | | | |
        | | begin group | h | H | ${a} > 0 | |
        | | text | d | D | | |
        | | end group | | | | |
        ",
        expect![[r#"
            survey:3:relevant: error[xlsform.dependency_cycle]: these fields depend on each other in a cycle: g → c → g; break the cycle so each value can be computed"#]],
    );
}

#[test]
fn loops_and_range_parameters() {
    check(
        "
        | survey |
        | | type | name | label | parameters |
        | | begin loop over nowhere | l | L | |
        | | integer | n | N | |
        | | end loop | | | |
        | | range | r | R | start=0 end=ten |
        | | audit | my_audit | | |
        ",
        expect![[r#"
            survey:2:type: error[xlsform.unknown_choice_list]: the choice list `nowhere` is not on the `choices` sheet; add its choices there or fix the list name
            survey:5:parameters: error[xlsform.bad_range_parameter]: range parameter `end` must be a number, not `ten`
            survey:6:name: error[xlsform.audit_name]: an `audit` must be named `audit` (or have no name)"#]],
    );
}

#[test]
fn lantern_sheets_are_checked() {
    check(
        "
        | survey |
        | | type | name | label |
        | | integer | age | Age |
        | purpose |
        | | sensitivity | retention_days | consent_field | wg_fields |
        | | secret | ninety | nobody | age seeing |
        | indicators |
        | | name | kind | scope | value | denominator | disaggregate | higher_is |
        | | i1 | tally | | true() | | | |
        | | i2 | count | nowhere | ${ghost} > 1 | true() | sex age | sideways |
        | | i2 | mean | | ${age} | | | |
        ",
        expect![[r#"
            purpose:2:sensitivity: error[lantern.invalid_value]: `sensitivity` must be one of low, moderate, high, severe, not `secret`
            purpose:2:retention_days: error[lantern.invalid_value]: `retention_days` must be a whole number of days, not `ninety`
            purpose:2:consent_field: error[lantern.unknown_field]: `consent_field` names `nobody`, which is not a question of this form
            purpose:2:wg_fields: error[lantern.unknown_field]: `wg_fields` names `seeing`, which is not a question of this form
            purpose:2:data_owner: warning[policy.purpose_optional]: the purpose sheet gives no `data_owner`; fill it in (see the purpose sheet contract in forms/README.md)
            purpose:2:retention_days: warning[policy.purpose_optional]: the purpose sheet gives no `retention_days`; fill it in (see the purpose sheet contract in forms/README.md)
            purpose:2:sensitivity: warning[policy.purpose_optional]: the purpose sheet gives no `sensitivity`; fill it in (see the purpose sheet contract in forms/README.md)
            purpose:2:round_field: warning[policy.purpose_optional]: the purpose sheet gives no `round_field`; fill it in (see the purpose sheet contract in forms/README.md)
            purpose:2:min_responses: warning[policy.purpose_optional]: the purpose sheet gives no `min_responses`; fill it in (see the purpose sheet contract in forms/README.md)
            purpose:2:site_field: error[policy.purpose_missing]: the purpose sheet gives no `site_field`; without it refusals cannot be counted and consent cannot be checked
            purpose:2:consent_value: error[policy.purpose_missing]: the purpose sheet gives no `consent_value`; without it refusals cannot be counted and consent cannot be checked
            indicators:2:kind: error[lantern.invalid_value]: `kind` must be one of count, proportion, mean, sum, score, not `tally`
            indicators:3:scope: error[lantern.unknown_scope]: indicator scope `nowhere` is not a repeat of this form; leave it empty (one unit per submission) or name a repeat
            indicators:3:denominator: error[lantern.denominator_not_proportion]: a `denominator` is only used by `proportion` indicators; remove it or change the kind
            indicators:3:higher_is: error[lantern.invalid_value]: `higher_is` must be better or worse, not `sideways`
            indicators:3:value: error[xlsform.unknown_reference]: `${ghost}` refers to no question, group or repeat of this form; fix the name or add the question
            indicators:4:name: error[lantern.duplicate_indicator]: indicator `i2` is defined twice; indicator names must be unique"#]],
    );
}

#[test]
fn malformed_and_last_saved_references() {
    check(
        "
        | survey |
        | | type | name | label | default |
        | | text | q1 | Hello ${q 1} | ${last-saved#q1} |
        | | text | q2 | Bye ${q1 | ${last-saved#nobody} |
        ",
        expect![[r#"
            survey:2:label: error[xlsform.malformed_reference]: malformed reference at character 7 (`${q 1}`); write `${name}` with the name of a question, group or repeat
            survey:3:default: error[xlsform.unknown_reference]: `${nobody}` refers to no question, group or repeat of this form; fix the name or add the question
            survey:3:label: error[xlsform.malformed_reference]: malformed reference at character 5 (`${q1`); write `${name}` with the name of a question, group or repeat"#]],
    );
}

#[test]
fn reserved_and_root_names() {
    check(
        "
        | survey |
        | | type | name | label |
        | | text | meta | Meta |
        | | begin repeat | data | Data |
        | | text | q | Q |
        | | end repeat | | |
        ",
        expect![[r#"
            survey:2:name: error[xlsform.reserved_name]: the name `meta` is reserved for the form's metadata; rename this question, group or repeat
            survey:3:name: error[xlsform.repeat_named_as_root]: the repeat `data` has the name of the form's root element; rename it"#]],
    );
}

#[test]
fn the_same_column_twice() {
    check(
        "
        | survey |
        | | type | name | label | caption |
        | | text | q1 | Q1 | Q1 |
        ",
        expect![
            "survey:1:caption: error[xlsform.duplicate_column]: columns `label` and `caption` are the same column under two names; rename or remove one"
        ],
    );
}

#[test]
fn choices_without_labels_and_references_in_choices() {
    check(
        "
        | survey |
        | | type | name | label |
        | | select_one l | q1 | Q1 |
        | choices |
        | | list_name | name | label |
        | | l | a | |
        | | l | b | B for ${nobody} |
        ",
        expect![[r#"
            choices:2:label: warning[xlsform.choice_without_label]: this choice has no label; add one so the enumerator sees what to pick
            choices:3:label: error[xlsform.unknown_reference]: `${nobody}` refers to no question, group or repeat of this form; fix the name or add the question"#]],
    );
}

#[test]
fn parameters_are_checked_like_pyxform() {
    check(
        "
        | survey |
        | | type | name | label | parameters |
        | | text | t | T | rows |
        | | integer | i | I | anything=goes |
        | | range | r | R | start=1 end=5 step=0 |
        | | select_one l | s | S | randomize=maybe |
        | | select_one l | s2 | S2 | seed=3 |
        | | geopoint | g | G | capture-accuracy=5 colour=red |
        | choices |
        | | list_name | name | label |
        | | l | a | A |
        ",
        expect![[r#"
            survey:2:parameters: error[xlsform.bad_parameters]: parameters must be `key=value` pairs separated by spaces or commas; `rows` is not
            survey:4:parameters: error[xlsform.bad_parameter_value]: parameter `step` must be a number other than 0, not `0`
            survey:5:parameters: error[xlsform.bad_parameter_value]: parameter `randomize` must be true or false, not `maybe`
            survey:6:parameters: error[xlsform.bad_parameter_value]: parameter `seed` must be used only with randomize=true, not `3`
            survey:7:parameters: error[xlsform.unknown_parameters]: `geopoint` does not take the parameter(s) colour; it accepts allow-mock-accuracy, capture-accuracy, reference-geometry, warning-accuracy
            survey:7:type: warning[policy.identifying_type]: `g` has type `geopoint`, which records location, images, sound or an identifier; remove it: Lantern's forms record places and conditions, never people"#]],
    );
}

#[test]
fn references_resolve_to_the_nearest_loop_copy() {
    let md = "
        | survey |
        | | type | name | label | relevant |
        | | integer | n | N | |
        | | begin loop over rooms | rooms | Rooms | |
        | | integer | beds | Beds in %(label)s | ${n} > 0 |
        | | text | notes | Notes | ${beds} > 0 |
        | | end loop | | | |
        | choices |
        | | list_name | name | label |
        | | rooms | kitchen | Kitchen |
        | | rooms | bedroom | Bedroom |
        ";
    let import = import_bytes(md.as_bytes(), WorkbookFormat::Markdown, "f");
    assert!(!import.has_errors(), "{:#?}", import.diagnostics);
    let form = import.form.unwrap();
    let notes = form.node_by_path("/f/rooms/bedroom/notes").unwrap().id;
    let beds = form.resolve("beds", notes).unwrap();
    assert_eq!(form.node(beds).path, "/f/rooms/bedroom/beds");
    let kitchen_beds = form.node_by_path("/f/rooms/kitchen/beds").unwrap();
    assert_eq!(kitchen_beds.label.get("default"), Some("Beds in Kitchen"));
    let n = form.resolve("n", notes).unwrap();
    assert_eq!(form.node(n).path, "/f/n");
    assert_eq!(form.resolve("nobody", notes), None);
}

#[test]
fn repeats_loops_and_external_lists() {
    check(
        "
        | survey |
        | | type | name | label | choice_filter |
        | | begin repeat | r | | |
        | | text | q | Q | |
        | | end repeat | | | |
        | | begin loop | l | L | |
        | | text | q2 | Q2 | |
        | | end loop | | | |
        | | select_one_external places | p | P | a=1 |
        | choices |
        | | list_name | name | label |
        | | | orphan | Orphan |
        ",
        expect![[r#"
            choices:2:list_name: warning[xlsform.missing_list_name]: this choice has no list name and is ignored; put the list it belongs to in `list_name`
            survey:2:label: warning[xlsform.repeat_without_label]: the repeat `r` has no label; add one so the enumerator sees what is being repeated
            survey:5:type: error[xlsform.loop_without_list]: `begin loop` needs a list: write `begin loop over <list_name>`
            survey:8:type: error[xlsform.unknown_external_list]: the list `places` is not on the `external_choices` sheet; add it there or use `select_one`"#]],
    );
}

/// Found by fuzzing: loops copy their rows once per choice, so unclosed nested loops
/// multiplied every problem in their rows (12,800 lines for 180 problems) and the
/// reference check compared every copy with every other (3.3 s for a 20 KB form).
/// A problem is now reported once, and expansion stops at a bound.
#[test]
fn nested_loops_report_each_problem_once_and_stop_at_a_bound() {
    let mut md = String::from("| survey |\n| | type | name | label | relevant |\n");
    for level in 0..6 {
        md.push_str(&format!("| | begin loop over ten | l{level} | L | |\n"));
    }
    md.push_str("| | integer | n | N | ${missing} > 0 |\n");
    for _ in 0..6 {
        md.push_str("| | end loop | | | |\n");
    }
    md.push_str("| choices |\n| | list_name | name | label |\n");
    for c in 0..10 {
        md.push_str(&format!("| | ten | c{c} | C{c} |\n"));
    }
    let import = import_bytes(md.as_bytes(), WorkbookFormat::Markdown, "loops");
    let lines: Vec<String> = import.diagnostics.iter().map(|d| d.to_string()).collect();
    expect![[r#"
        survey:7:type: error[xlsform.loop_too_large]: looping over lists makes the form more than 50000 fields long; a loop copies its questions once per choice, and loops inside loops multiply again: use shorter lists, fewer nested loops, or a repeat
        survey:8:relevant: error[xlsform.unknown_reference]: `${missing}` refers to no question, group or repeat of this form; fix the name or add the question"#]]
    .assert_eq(&lines.join("\n"));
    let fields = import.form.map_or(0, |f| f.nodes.len());
    assert!(fields < 60_000, "{fields} fields");
}

#[test]
fn files_triggers_and_table_lists() {
    check(
        "
        | survey |
        | | type | name | label | trigger | calculation | appearance |
        | | select_one_from_file places.csv | p1 | P1 | | | |
        | | select_one_from_file places.xml | p2 | P2 | | | |
        | | calculate | c | | p1 | now() | |
        | | begin group | t | T | | | table-list |
        | | select_one a | q1 | Q1 | | | |
        | | select_one b | q2 | Q2 | | | |
        | | end group | | | | | |
        | choices |
        | | list_name | name | label |
        | | a | x | X |
        | | b | y | Y |
        ",
        expect![[r#"
            survey:3:type: error[xlsform.instance_clash]: `places.xml` and `places.csv` would both be the secondary instance named by their stem; rename one of the files
            survey:4:trigger: error[xlsform.bad_trigger]: `trigger` must name questions as `${name}`, separated by commas, not `p1`
            survey:7:type: error[xlsform.table_list_mismatch]: a table-list group shows one list; `b` differs from `a` used by its first select"#]],
    );
}

#[test]
fn table_list_header_select_has_no_filter_and_parameter_values() {
    check(
        "
        | survey |
        | | type | name | label | appearance | choice_filter | parameters |
        | | begin group | g | G | table-list | | |
        | | select_one l | q | Q | | name != 'a' | |
        | | end group | | | | | |
        | | image | i | I | | | max-pixels=big |
        | | audio | a | A | | | quality=superb |
        | choices |
        | | list_name | name | label |
        | | l | a | A |
        ",
        expect![[r#"
            survey:3:choice_filter: error[xlsform.table_list_choice_filter]: the first select of a table-list group cannot have a choice_filter (its choices head the table); remove the filter
            survey:5:parameters: error[xlsform.bad_parameter_value]: parameter `max-pixels` must be a whole number, not `big`
            survey:5:type: warning[policy.identifying_type]: `i` has type `image`, which records location, images, sound or an identifier; remove it: Lantern's forms record places and conditions, never people
            survey:6:parameters: error[xlsform.bad_parameter_value]: parameter `quality` must be voice-only, low, normal or external, not `superb`
            survey:6:type: warning[policy.identifying_type]: `a` has type `audio`, which records location, images, sound or an identifier; remove it: Lantern's forms record places and conditions, never people"#]],
    );
}

#[test]
fn indicators_need_their_columns() {
    check(
        "
        | survey |
        | | type | name | label |
        | | integer | age | Age |
        | indicators |
        | | name | value |
        | | i1 | ${age} > 1 |
        ",
        expect![
            "indicators:1:kind: error[lantern.missing_column]: the `indicators` sheet needs `kind` in its header row"
        ],
    );
}

#[test]
fn unreadable_workbook_is_a_diagnostic() {
    let import = import_bytes(b"not a workbook", WorkbookFormat::Xlsx, "x");
    assert!(import.form.is_none());
    let lines: Vec<String> = import.diagnostics.iter().map(|d| d.to_string()).collect();
    expect!["::: error[workbook.unreadable]: the file is not a readable spreadsheet (Cannot detect file format); save it again as .xlsx"].assert_eq(&lines.join("\n"));
}

#[test]
fn full_lantern_form_model() {
    let md = include_str!("../../tests/test_data/lantern_audit.md");
    let import = import_bytes(md.as_bytes(), WorkbookFormat::Markdown, "file_stem");
    assert!(!import.has_errors(), "{:#?}", import.diagnostics);
    let form = import.form.unwrap();
    let mut out = format!(
        "{} v{} {:?} default={:?} languages={:?}\n",
        form.form_id, form.version, form.title, form.default_language, form.languages
    );
    for node in form.fields() {
        out.push_str(&format!(
            "{} {} {:?}",
            node.path,
            node.type_name,
            node.data_type.map(|t| t.xforms_name())
        ));
        if let Some(select) = &node.select {
            out.push_str(&format!(" list={}", select.list_name));
            if let Some(filter) = &select.choice_filter {
                out.push_str(&format!(" filter={}", filter.source));
            }
        }
        if let Some(count) = &node.repeat_count {
            out.push_str(&format!(" count={}", count.source));
        }
        if let Some(relevant) = &node.bind.relevant {
            out.push_str(&format!(" relevant={}", relevant.source));
        }
        if let Some(label) = node.label.get("Français (fr)") {
            out.push_str(&format!(" fr={label:?}"));
        }
        out.push('\n');
    }
    let blocks = form.choice_list("blocks").unwrap();
    out.push_str(&format!("blocks extra: {:?}\n", blocks.choices[0].extra));
    out.push_str(&format!("purpose: {:?}\n", form.purpose));
    for indicator in &form.indicators {
        out.push_str(&format!(
            "indicator {} {:?} scope={:?} value={} disaggregate={:?}\n",
            indicator.name,
            indicator.kind,
            indicator.scope,
            indicator.value.source,
            indicator.disaggregate
        ));
    }
    expect![[r#"
        lantern_audit v2026112301 "Lantern audit" default=Some("English (en)") languages=["English (en)", "Français (fr)"]
        /lantern_audit/start start Some("dateTime")
        /lantern_audit/today today Some("date")
        /lantern_audit/deviceid deviceid Some("string")
        /lantern_audit/consent acknowledge Some("string") fr="J'accepte"
        /lantern_audit/site select_one Some("string") list=sites relevant=${consent} = 'OK' fr="Site"
        /lantern_audit/block select_one Some("string") list=blocks filter=site=${site} relevant=${consent} = 'OK' fr="Bloc"
        /lantern_audit/latrines integer Some("int") relevant=${consent} = 'OK' fr="Latrines vues"
        /lantern_audit/lighting range Some("int") relevant=${consent} = 'OK' fr="Éclairage"
        /lantern_audit/hazards select_multiple Some("string") list=hazards relevant=${consent} = 'OK' fr="Dangers"
        /lantern_audit/hazards_other text Some("string") relevant=selected(${hazards}, 'other')
        /lantern_audit/has_hazard calculate Some("string")
        /lantern_audit/visits repeat None count=${latrines} relevant=${consent} = 'OK' fr="Visites"
        /lantern_audit/visits/note_text text Some("string") fr="Note"
        /lantern_audit/sex select_one Some("string") list=sex relevant=${consent} = 'OK' fr="Sexe"
        /lantern_audit/age_band select_one Some("string") list=age_band relevant=${consent} = 'OK' fr="Âge"
        /lantern_audit/meta group None
        /lantern_audit/meta/instanceID text Some("string")
        blocks extra: [("site", "s1")]
        purpose: Some(Purpose { purpose: Text([("English (en)", "Safety audit")]), data_owner: Some("Camp management"), retention_days: Some(90), sensitivity: Some(High), min_cell_size: 5, min_responses: Some(10), consent_field: Some("consent"), consent_value: Some("OK"), site_field: Some("site"), round_field: None, sex_field: Some("sex"), age_band_field: Some("age_band"), wg_fields: [], row: 2 })
        indicator hazard_share Proportion scope=None value=${has_hazard} disaggregate=["sex", "age_band"]
        indicator visit_count Count scope=Some("visits") value=true() disaggregate=[]
    "#]].assert_eq(&out);
}

mod properties {
    //! Import of arbitrary survey and choices rows never panics, and a form without
    //! errors is a well-formed tree: unique paths, parents that list their children.

    use proptest::prelude::*;

    use super::super::{WorkbookFormat, import_bytes};

    fn cell() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "",
            "text",
            "integer",
            "note",
            "calculate",
            "begin group",
            "end group",
            "begin repeat",
            "end repeat",
            "begin loop over l",
            "end loop",
            "select_one l",
            "select_multiple l or_other",
            "select_one missing",
            "range",
            "audit",
            "start",
            "q1",
            "q2",
            "g",
            "${q1}",
            "${q2} + 1",
            "${nope}",
            "if(",
            "'x",
            "start=1 end=x",
            "table-list",
            "field-list",
            "yes",
            "ü名",
            "a b",
            "${",
            "}",
            "\\|",
            "::",
            "label::fr",
        ])
        .prop_map(str::to_string)
    }

    fn table(header: &str, rows: Vec<Vec<String>>) -> String {
        let mut out = format!("| | {header} |\n");
        for row in rows {
            out.push_str(&format!("| | {} |\n", row.join(" | ")));
        }
        out
    }

    proptest! {
        #[test]
        fn import_never_panics_and_clean_forms_are_trees(
            survey in prop::collection::vec(prop::collection::vec(cell(), 7), 0..14),
            choices in prop::collection::vec(prop::collection::vec(cell(), 3), 0..6),
        ) {
            let md = format!(
                "| survey |\n{}| choices |\n{}",
                table("type | name | label | relevant | calculation | appearance | parameters", survey),
                table("list_name | name | label", choices),
            );
            let import = import_bytes(md.as_bytes(), WorkbookFormat::Markdown, "f");
            for d in &import.diagnostics {
                prop_assert!(!d.to_string().is_empty());
            }
            if !import.has_errors() {
                let form = import.form.as_ref().unwrap();
                let mut paths = std::collections::HashSet::new();
                for node in form.fields() {
                    prop_assert!(paths.insert(node.path.clone()), "duplicate path {}", node.path);
                    let parent = form.node(node.parent.unwrap());
                    prop_assert!(parent.children.contains(&node.id));
                    prop_assert!(node.path.starts_with(&parent.path));
                }
            }
        }
    }
}

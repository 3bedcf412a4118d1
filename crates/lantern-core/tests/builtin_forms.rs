//! Safety and completeness checks for the built-in XLSForms in `forms/`.
//!
//! Every workbook in `forms/` is read with the core's own importer and checked for what
//! must never be asked (names, phone numbers, exact dates of birth, GPS, photos,
//! free-text accounts of incidents, sexual orientation or gender identity), in all four
//! languages. Forms that carry Lantern's
//! `purpose` sheet (the built-in forms) are also checked for the rest of the contract:
//! free text marked `lantern::share = never`, every text in English, French, Spanish and
//! Arabic, consent as the first question with everything else gated on it, and valid
//! `purpose` and `indicators` sheets that name only fields that exist. The checks are
//! plain functions returning problems, so the tests at the end can show that each one
//! fails on a deliberately broken form.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use lantern_core::xlsform::{Sheet, Workbook, WorkbookFormat, import_workbook};

const LANGUAGES: [&str; 4] = [
    "English (en)",
    "Français (fr)",
    "Español (es)",
    "العربية (ar)",
];
const BUILT_IN: [&str; 3] = [
    "camp_safety_audit",
    "womens_participation",
    "shelter_site_risk_review",
];
const SECTORS: [&str; 8] = [
    "lighting",
    "wash",
    "shelter",
    "security",
    "site_hazards",
    "protection",
    "services",
    "participation",
];
/// Sectors every audit form scores (plus `security` or `site_hazards`).
const SCORE_SECTORS: [&str; 5] = ["lighting", "wash", "shelter", "services", "participation"];
const KINDS: [&str; 5] = ["count", "proportion", "mean", "sum", "score"];
const SENSITIVITIES: [&str; 4] = ["low", "moderate", "high", "severe"];
/// Minimum cell size for safety-perception items (domain.md rule 5).
const PERCEPTION_MIN_CELL: u32 = 10;

/// Rows that ask nothing: metadata, structure and computed values.
const NON_INPUT_TYPES: [&str; 12] = [
    "start",
    "end",
    "today",
    "deviceid",
    "note",
    "calculate",
    "hidden",
    "begin group",
    "end group",
    "begin repeat",
    "end repeat",
    "audit",
];

// ---------------------------------------------------------------------------------
// Reading sheets by column name
// ---------------------------------------------------------------------------------

/// A sheet seen through its header row, with columns looked up by name.
struct Table<'a> {
    header: Vec<String>,
    rows: &'a [Vec<String>],
}

impl<'a> Table<'a> {
    fn new(sheet: &'a Sheet) -> Table<'a> {
        let header = sheet.rows.first().cloned().unwrap_or_default();
        let rows = sheet.rows.get(1..).unwrap_or(&[]);
        Table { header, rows }
    }

    fn col(&self, name: &str) -> Option<usize> {
        self.header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    }

    fn has(&self, name: &str) -> bool {
        self.col(name).is_some()
    }

    fn cell<'r>(&self, row: &'r [String], name: &str) -> &'r str {
        self.col(name)
            .and_then(|i| row.get(i))
            .map(|s| s.trim())
            .unwrap_or("")
    }

    /// Rows with their spreadsheet row number (the header is row 1).
    fn numbered(&self) -> impl Iterator<Item = (usize, &'a Vec<String>)> {
        self.rows
            .iter()
            .enumerate()
            .map(|(i, r)| (i + 2, r))
            .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))
    }
}

/// One survey row, as the checks need it.
#[derive(Debug, Clone)]
struct Field {
    row: usize,
    kind: String,
    name: String,
    list: Option<String>,
    relevant: String,
    calculation: String,
    /// The innermost enclosing repeat, if any.
    repeat: Option<String>,
    /// The relevance of every enclosing group and repeat, outermost first.
    gates: Vec<String>,
}

impl Field {
    fn is_input(&self) -> bool {
        !NON_INPUT_TYPES.contains(&self.kind.as_str())
    }
}

/// The survey type as written, normalised: lower case, single spaces, and pyxform's
/// `begin_group` spelling folded into `begin group`.
fn normalise_type(raw: &str) -> (String, Option<String>) {
    let words: Vec<String> = raw.split_whitespace().map(|w| w.to_lowercase()).collect();
    let Some(first) = words.first() else {
        return (String::new(), None);
    };
    let first = match first.as_str() {
        "begin_group" => "begin group".to_string(),
        "end_group" => "end group".to_string(),
        "begin_repeat" => "begin repeat".to_string(),
        "end_repeat" => "end repeat".to_string(),
        other => other.to_string(),
    };
    if matches!(first.as_str(), "begin" | "end") {
        let joined = words.get(..2).map(|w| w.join(" ")).unwrap_or(first);
        return (joined, None);
    }
    (first, words.get(1).cloned())
}

fn survey_fields(survey: &Table) -> Vec<Field> {
    let mut fields = Vec::new();
    // Each open group or repeat: (is_repeat, name, relevant).
    let mut stack: Vec<(bool, String, String)> = Vec::new();
    for (row, cells) in survey.numbered() {
        let (kind, list) = normalise_type(survey.cell(cells, "type"));
        let name = survey.cell(cells, "name").to_string();
        let relevant = survey.cell(cells, "relevant").to_string();
        let repeat = stack
            .iter()
            .rev()
            .find(|(is_repeat, ..)| *is_repeat)
            .map(|(_, n, _)| n.clone());
        let gates = stack.iter().map(|(.., r)| r.clone()).collect();
        fields.push(Field {
            row,
            kind: kind.clone(),
            name: name.clone(),
            list,
            relevant: relevant.clone(),
            calculation: survey.cell(cells, "calculation").to_string(),
            repeat,
            gates,
        });
        match kind.as_str() {
            "begin group" => stack.push((false, name, relevant)),
            "begin repeat" => stack.push((true, name, relevant)),
            "end group" | "end repeat" => {
                stack.pop();
            }
            _ => {}
        }
    }
    fields
}

/// The names inside `${...}` references of an expression.
fn references(expr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = expr;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        out.push(after[..end].trim().to_string());
        rest = &after[end + 1..];
    }
    out
}

fn localized(base: &str, lang: &str) -> String {
    format!("{base}::{lang}")
}

// ---------------------------------------------------------------------------------
// The checks
// ---------------------------------------------------------------------------------

/// Every translatable cell is filled in all four languages, or in none.
fn check_languages(book: &Workbook) -> Vec<String> {
    let mut problems = Vec::new();
    let sheets: [(&str, &[&str]); 2] = [
        (
            "survey",
            &["label", "hint", "required_message", "constraint_message"],
        ),
        ("choices", &["label"]),
    ];
    for (sheet_name, bases) in sheets {
        let Some(sheet) = book.sheet(sheet_name) else {
            problems.push(format!("[form.{sheet_name}] no {sheet_name} sheet"));
            continue;
        };
        let table = Table::new(sheet);
        for lang in LANGUAGES {
            if !table.has(&localized("label", lang)) {
                problems.push(format!(
                    "[lang.column] sheet {sheet_name}: no `label::{lang}` column"
                ));
            }
        }
        for (row, cells) in table.numbered() {
            let (kind, _) = normalise_type(table.cell(cells, "type"));
            for base in bases {
                if !table.cell(cells, base).is_empty() {
                    problems.push(format!(
                        "[lang.bare] sheet {sheet_name} row {row}: `{base}` has no language; use `{base}::<language>` columns"
                    ));
                }
                let filled: Vec<bool> = LANGUAGES
                    .iter()
                    .map(|l| !table.cell(cells, &localized(base, l)).is_empty())
                    .collect();
                let needed = match (sheet_name, *base) {
                    ("choices", _) => true,
                    (_, "label") => !NON_INPUT_TYPES.contains(&kind.as_str()) || kind == "note",
                    (_, "required_message") => {
                        table.cell(cells, "required").eq_ignore_ascii_case("yes")
                            || table.cell(cells, "required").eq_ignore_ascii_case("true")
                    }
                    (_, "constraint_message") => !table.cell(cells, "constraint").is_empty(),
                    _ => filled.iter().any(|f| *f),
                };
                if !needed && !filled.iter().any(|f| *f) {
                    continue;
                }
                for (lang, ok) in LANGUAGES.iter().zip(&filled) {
                    if !ok {
                        problems.push(format!(
                            "[lang.missing] sheet {sheet_name} row {row}: `{base}::{lang}` is empty"
                        ));
                    }
                }
            }
        }
    }
    match book.sheet("settings").map(Table::new) {
        Some(settings) => {
            let values = settings.rows.first().cloned().unwrap_or_default();
            if settings.cell(&values, "default_language") != LANGUAGES[0] {
                problems.push(format!(
                    "[settings.default_language] default_language must be `{}`",
                    LANGUAGES[0]
                ));
            }
            for column in ["form_title", "form_id"] {
                if settings.cell(&values, column).is_empty() {
                    problems.push(format!("[settings.{column}] settings has no {column}"));
                }
            }
            let version = settings.cell(&values, "version");
            if version.len() != 10 || !version.chars().all(|c| c.is_ascii_digit()) {
                problems.push(format!(
                    "[settings.version] version `{version}` is not yyyymmddnn"
                ));
            }
        }
        None => problems.push("[form.settings] no settings sheet".to_string()),
    }
    problems
}

/// The purpose sheet's single row of values, by column name.
fn purpose_values(book: &Workbook) -> Option<BTreeMap<String, String>> {
    let table = Table::new(book.sheet("purpose")?);
    let values = table.rows.first()?;
    Some(
        table
            .header
            .iter()
            .map(|h| (h.trim().to_string(), table.cell(values, h).to_string()))
            .collect(),
    )
}

fn check_purpose(book: &Workbook, fields: &[Field]) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(purpose) = purpose_values(book) else {
        return vec!["[purpose.sheet] no purpose sheet with a row of values".to_string()];
    };
    let names: BTreeSet<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    let mut required: Vec<String> = [
        "purpose",
        "data_owner",
        "retention_days",
        "sensitivity",
        "min_cell_size",
        "min_responses",
        "consent_field",
        "consent_value",
        "site_field",
        "round_field",
        "sex_field",
        "age_band_field",
        "wg_fields",
    ]
    .map(String::from)
    .to_vec();
    for lang in LANGUAGES {
        required.push(localized("purpose", lang));
        required.push(localized("consent_script", lang));
    }
    for column in &required {
        if !purpose.contains_key(column) {
            problems.push(format!("[purpose.column] no `{column}` column"));
        }
    }
    let get = |k: &str| purpose.get(k).map(String::as_str).unwrap_or("");
    for column in required.iter().filter(|c| c.contains("::")) {
        if get(column).is_empty() {
            problems.push(format!("[purpose.missing] `{column}` is empty"));
        }
    }
    for column in ["data_owner", "consent_field", "consent_value", "site_field"] {
        if get(column).is_empty() {
            problems.push(format!("[purpose.missing] `{column}` is empty"));
        }
    }
    if !SENSITIVITIES.contains(&get("sensitivity")) {
        problems.push(format!(
            "[purpose.sensitivity] sensitivity `{}` is not one of {SENSITIVITIES:?}",
            get("sensitivity")
        ));
    }
    match get("retention_days").parse::<u32>() {
        Ok(days) if days > 0 => {}
        _ => problems.push(format!(
            "[purpose.retention_days] `{}` is not a positive whole number of days",
            get("retention_days")
        )),
    }
    match get("min_cell_size").parse::<u32>() {
        Ok(k) if k >= 5 => {}
        _ => problems.push(format!(
            "[purpose.min_cell_size] `{}` must be a whole number of at least 5",
            get("min_cell_size")
        )),
    }
    match get("min_responses").parse::<u32>() {
        Ok(n) if n >= 1 => {}
        _ => problems.push(format!(
            "[purpose.min_responses] `{}` must be a whole number of at least 1",
            get("min_responses")
        )),
    }
    for column in [
        "consent_field",
        "site_field",
        "round_field",
        "sex_field",
        "age_band_field",
        "wg_fields",
    ] {
        for name in get(column).split_whitespace() {
            if !names.contains(name) {
                problems.push(format!(
                    "[purpose.reference] `{column}` names `{name}`, which is not a survey field"
                ));
            }
        }
    }
    let wg = get("wg_fields").split_whitespace().count();
    if wg != 0 && wg != 6 {
        problems.push(format!(
            "[purpose.wg_fields] the Washington Group Short Set has six questions, not {wg}"
        ));
    }
    problems
}

/// A repeat that gathers people (a focus group) has its own consent question, asked
/// after nothing but screening choices (who the group is, guardians' consent), and
/// everything after it in the repeat is hidden unless that consent was given. (That the
/// form's own consent comes first and gates the rest is the core's do-no-harm check.)
fn check_consent(fields: &[Field]) -> Vec<String> {
    let mut problems = Vec::new();
    let repeats: BTreeSet<&String> = fields.iter().filter_map(|f| f.repeat.as_ref()).collect();
    for repeat in repeats {
        let inputs: Vec<&Field> = fields
            .iter()
            .filter(|f| f.is_input() && f.repeat.as_ref() == Some(repeat))
            .collect();
        let Some(at) = inputs.iter().position(|f| {
            f.kind == "select_one" && f.name.ends_with("consent") && !f.name.contains("guardian")
        }) else {
            let row = inputs.first().map_or(0, |f| f.row);
            problems.push(format!(
                "[consent.repeat] survey row {row}: repeat `{repeat}` must have its own consent question"
            ));
            continue;
        };
        let consent = inputs[at];
        for before in &inputs[..at] {
            if before.kind != "select_one" {
                problems.push(format!(
                    "[consent.repeat] survey row {}: `{}` is asked before the group's consent `{}`; only screening choices may precede it",
                    before.row, before.name, consent.name
                ));
            }
        }
        for other in &inputs[at + 1..] {
            let mut gates: Vec<&str> = other.gates.iter().map(String::as_str).collect();
            gates.push(&other.relevant);
            let refs: BTreeSet<String> = gates.iter().flat_map(|g| references(g)).collect();
            let gated = refs.contains(&consent.name)
                || fields
                    .iter()
                    .filter(|f| f.kind == "calculate" && refs.contains(&f.name))
                    .any(|f| references(&f.calculation).contains(&consent.name));
            if !gated {
                problems.push(format!(
                    "[consent.repeat_gate] survey row {} (`{}`): must be hidden unless `{}` was given",
                    other.row, other.name, consent.name
                ));
            }
        }
    }
    problems
}

/// The core's do-no-harm check (`lantern_core::xlsform::policy`), run by every import:
/// any finding, error or warning, is a problem for a form in `forms/`.
fn check_policy(book: &Workbook) -> Vec<String> {
    import_workbook(book, "form")
        .diagnostics
        .iter()
        .filter(|d| d.code().starts_with("policy."))
        .map(|d| format!("[{}] {d}", d.code()))
        .collect()
}

fn choice_names(book: &Workbook, list: &str) -> Vec<String> {
    let Some(sheet) = book.sheet("choices") else {
        return Vec::new();
    };
    let table = Table::new(sheet);
    table
        .numbered()
        .filter(|(_, c)| table.cell(c, "list_name") == list)
        .map(|(_, c)| table.cell(c, "name").to_string())
        .collect()
}

fn is_hxl(tag: &str) -> bool {
    let Some(rest) = tag.strip_prefix('#') else {
        return false;
    };
    let mut parts = rest.split('+');
    let head = parts.next().unwrap_or("");
    let word = |w: &str| {
        !w.is_empty()
            && w.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    word(head) && head.starts_with(|c: char| c.is_ascii_lowercase()) && parts.all(word)
}

/// Fields that carry a safety perception: answers on the 4-face safety scale and the
/// hand counts per face, followed through calculations that use them.
fn perception_fields(fields: &[Field]) -> BTreeSet<String> {
    let mut found: BTreeSet<String> = fields
        .iter()
        .filter(|f| {
            f.list.as_deref() == Some("face4_safe")
                || (f.kind == "integer"
                    && ["_very_safe", "_safe", "_unsafe", "_very_unsafe"]
                        .iter()
                        .any(|s| f.name.ends_with(s)))
        })
        .map(|f| f.name.clone())
        .collect();
    loop {
        let before = found.len();
        for f in fields.iter().filter(|f| f.kind == "calculate") {
            if references(&f.calculation).iter().any(|r| found.contains(r)) {
                found.insert(f.name.clone());
            }
        }
        if found.len() == before {
            return found;
        }
    }
}

fn check_indicators(book: &Workbook, fields: &[Field]) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(sheet) = book.sheet("indicators") else {
        return vec!["[indicators.sheet] no indicators sheet".to_string()];
    };
    let table = Table::new(sheet);
    let mut columns: Vec<String> = [
        "name",
        "label",
        "kind",
        "scope",
        "value",
        "denominator",
        "filter",
        "disaggregate",
        "min_cell",
        "hxl",
        "sector",
        "higher_is",
        "amber",
        "red",
        "action",
    ]
    .map(String::from)
    .to_vec();
    for lang in LANGUAGES {
        columns.push(localized("label", lang));
        columns.push(localized("action", lang));
    }
    for column in &columns {
        if !table.has(column) {
            problems.push(format!("[indicators.column] no `{column}` column"));
        }
    }
    let by_name: BTreeMap<&str, &Field> = fields.iter().map(|f| (f.name.as_str(), f)).collect();
    let repeats: BTreeSet<&str> = fields
        .iter()
        .filter(|f| f.kind == "begin repeat")
        .map(|f| f.name.as_str())
        .collect();
    let perception = perception_fields(fields);
    let min_cell_size: u32 = purpose_values(book)
        .and_then(|p| p.get("min_cell_size").and_then(|v| v.parse().ok()))
        .unwrap_or(5);
    let mut seen = BTreeSet::new();
    let mut score_sectors = BTreeSet::new();
    for (row, cells) in table.numbered() {
        let get = |c: &str| table.cell(cells, c);
        let name = get("name");
        let at = format!("indicators row {row} (`{name}`)");
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            problems.push(format!(
                "[indicators.name] {at}: the name must be a plain identifier"
            ));
        }
        if !seen.insert(name.to_string()) {
            problems.push(format!("[indicators.name] {at}: declared twice"));
        }
        for lang in LANGUAGES {
            if get(&localized("label", lang)).is_empty() {
                problems.push(format!("[lang.missing] {at}: `label::{lang}` is empty"));
            }
        }
        let kind = get("kind");
        if !KINDS.contains(&kind) {
            problems.push(format!(
                "[indicators.kind] {at}: kind `{kind}` is not one of {KINDS:?}"
            ));
        }
        let scope = get("scope");
        if !scope.is_empty() && !repeats.contains(scope) {
            problems.push(format!(
                "[indicators.scope] {at}: scope `{scope}` is not a repeat"
            ));
        }
        if get("value").is_empty() {
            problems.push(format!("[indicators.value] {at}: value is empty"));
        }
        match (kind == "proportion", get("denominator").is_empty()) {
            (true, true) => problems.push(format!(
                "[indicators.denominator] {at}: a proportion needs a denominator"
            )),
            (false, false) => problems.push(format!(
                "[indicators.denominator] {at}: only a proportion takes a denominator"
            )),
            _ => {}
        }
        let mut perceived = false;
        for column in ["value", "denominator", "filter"] {
            for reference in references(get(column)) {
                match by_name.get(reference.as_str()) {
                    None => problems.push(format!(
                        "[indicators.reference] {at}: {column} uses `${{{reference}}}`, which is not a survey field"
                    )),
                    Some(field) => {
                        if let Some(repeat) = &field.repeat
                            && repeat != scope
                        {
                            problems.push(format!(
                                "[indicators.scope] {at}: {column} uses `{reference}` from repeat `{repeat}` but the scope is `{scope}`"
                            ));
                        }
                        perceived |= perception.contains(&reference);
                    }
                }
            }
        }
        for token in get("disaggregate").split_whitespace() {
            if !by_name.contains_key(token) && !["sex", "age_band", "disability"].contains(&token) {
                problems.push(format!(
                    "[indicators.reference] {at}: disaggregate `{token}` is not a field nor sex/age_band/disability"
                ));
            }
        }
        let place_form = purpose_values(book)
            .and_then(|p| p.get("consent_field").cloned())
            .is_some_and(|c| c == "site_consent");
        let min_cell = get("min_cell");
        let min_cell_value = if min_cell.is_empty() {
            Some(min_cell_size)
        } else {
            min_cell.parse::<u32>().ok()
        };
        match min_cell_value {
            None => problems.push(format!(
                "[indicators.min_cell] {at}: min_cell `{min_cell}` is not a whole number"
            )),
            // An observation of a place (a walk or review recorded under the site's
            // consent, not scoped to a group of people) may publish cells of one.
            Some(1) if place_form && scope.is_empty() && !perceived => {}
            // A record of an institution (a committee's seats and meetings), not a person.
            Some(1) if get("filter").contains("${record_type} = 'committee'") && !perceived => {}
            Some(k) if k < min_cell_size => problems.push(format!(
                "[indicators.min_cell] {at}: min_cell {k} is below the form's min_cell_size {min_cell_size}"
            )),
            Some(k) if perceived && k < PERCEPTION_MIN_CELL => problems.push(format!(
                "[indicators.min_cell] {at}: a safety-perception item needs min_cell of at least {PERCEPTION_MIN_CELL}, not {k}"
            )),
            _ => {}
        }
        if !is_hxl(get("hxl")) {
            problems.push(format!(
                "[indicators.hxl] {at}: `{}` is not an HXL hashtag such as #indicator+pct",
                get("hxl")
            ));
        }
        let sector = get("sector");
        if !sector.is_empty() && !SECTORS.contains(&sector) {
            problems.push(format!(
                "[indicators.sector] {at}: sector `{sector}` is not one of {SECTORS:?}"
            ));
        }
        let higher_is = get("higher_is");
        if !["", "better", "worse"].contains(&higher_is) {
            problems.push(format!(
                "[indicators.higher_is] {at}: `{higher_is}` is not better or worse"
            ));
        }
        let amber = get("amber");
        let red = get("red");
        for (column, value) in [("amber", amber), ("red", red)] {
            if !value.is_empty() && value.parse::<f64>().is_err() {
                problems.push(format!(
                    "[indicators.threshold] {at}: {column} `{value}` is not a number"
                ));
            }
        }
        let action_filled = LANGUAGES
            .iter()
            .filter(|l| !get(&localized("action", l)).is_empty())
            .count();
        if action_filled != 0 && action_filled != LANGUAGES.len() {
            problems.push(format!(
                "[lang.missing] {at}: the action is not in all four languages"
            ));
        }
        if kind == "score" {
            score_sectors.insert(sector.to_string());
            match (amber.parse::<f64>(), red.parse::<f64>(), higher_is) {
                (Ok(a), Ok(r), "worse") if a < r => {}
                (Ok(a), Ok(r), "better") if a > r => {}
                _ => problems.push(format!(
                    "[indicators.threshold] {at}: a score needs amber and red thresholds in the order higher_is ({higher_is}) implies"
                )),
            }
            if sector.is_empty() {
                problems.push(format!("[indicators.sector] {at}: a score needs a sector"));
            }
            if action_filled == 0 {
                problems.push(format!(
                    "[indicators.action] {at}: a score needs the mitigation action shown when it is red"
                ));
            }
        }
    }
    if !score_sectors.is_empty() {
        for sector in SCORE_SECTORS {
            if !score_sectors.contains(sector) {
                problems.push(format!(
                    "[indicators.sector] no risk score for sector `{sector}`"
                ));
            }
        }
    }
    problems
}

/// Every check, for a built-in form (one that carries a `purpose` sheet).
fn check_builtin(book: &Workbook) -> Vec<String> {
    let mut problems = check_policy(book);
    let Some(sheet) = book.sheet("survey") else {
        return problems;
    };
    let survey = Table::new(sheet);
    let fields = survey_fields(&survey);
    problems.extend(check_languages(book));
    problems.extend(check_purpose(book, &fields));
    problems.extend(check_consent(&fields));
    problems.extend(check_indicators(book, &fields));
    problems
}

/// Reads one workbook and runs the checks that apply to it.
fn check_file(path: &Path) -> Vec<String> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let Some(format) = WorkbookFormat::from_file_name(name) else {
        return vec![format!("[form.read] {name}: not a workbook")];
    };
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => return vec![format!("[form.read] {name}: {e}")],
    };
    match Workbook::from_bytes(&bytes, format) {
        Ok(book) if book.sheet("purpose").is_some() => check_builtin(&book),
        Ok(book) => check_policy(&book),
        Err(e) => vec![format!("[form.read] {name}: {e}")],
    }
}

fn forms_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../forms")
}

fn workbooks(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("forms directory is readable")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "xlsx"))
        .collect();
    out.sort();
    out
}

fn load(name: &str) -> Workbook {
    let bytes = std::fs::read(forms_dir().join(format!("{name}.xlsx"))).expect("form exists");
    Workbook::from_bytes(&bytes, WorkbookFormat::Xlsx).expect("form reads")
}

// ---------------------------------------------------------------------------------
// The real forms pass
// ---------------------------------------------------------------------------------

#[test]
fn every_form_in_forms_dir_passes_its_checks() {
    let paths = workbooks(&forms_dir());
    assert!(paths.len() >= BUILT_IN.len(), "found only {paths:?}");
    let mut report = String::new();
    for path in &paths {
        for problem in check_file(path) {
            report.push_str(&format!("{}: {problem}\n", path.display()));
        }
    }
    assert!(report.is_empty(), "problems:\n{report}");
}

#[test]
fn the_three_built_in_forms_are_present_with_their_extra_sheets() {
    for name in BUILT_IN {
        let book = load(name);
        assert!(book.sheet("purpose").is_some(), "{name}: no purpose sheet");
        assert!(
            book.sheet("indicators").is_some(),
            "{name}: no indicators sheet"
        );
        let problems = check_builtin(&book);
        assert!(problems.is_empty(), "{name}: {problems:#?}");
    }
}

#[test]
fn audit_forms_declare_a_risk_score_per_sector() {
    for name in ["camp_safety_audit", "shelter_site_risk_review"] {
        let book = load(name);
        let table = Table::new(book.sheet("indicators").expect("indicators sheet"));
        let sectors: BTreeSet<&str> = table
            .numbered()
            .filter(|(_, c)| table.cell(c, "kind") == "score")
            .map(|(_, c)| table.cell(c, "sector"))
            .collect();
        for sector in SCORE_SECTORS {
            assert!(sectors.contains(sector), "{name}: no score for {sector}");
        }
        assert!(
            sectors.contains("security") || sectors.contains("site_hazards"),
            "{name}: no security or site hazards score"
        );
    }
}

#[test]
fn participation_form_uses_the_washington_group_short_set_verbatim() {
    let book = load("womens_participation");
    let survey = Table::new(book.sheet("survey").expect("survey"));
    let expected = [
        (
            "wg_seeing",
            "Do you have difficulty seeing, even if wearing glasses?",
        ),
        (
            "wg_hearing",
            "Do you have difficulty hearing, even if using a hearing aid?",
        ),
        (
            "wg_mobility",
            "Do you have difficulty walking or climbing steps?",
        ),
        (
            "wg_cognition",
            "Do you have difficulty remembering or concentrating?",
        ),
        (
            "wg_selfcare",
            "Do you have difficulty with self-care, such as washing all over or dressing?",
        ),
        (
            "wg_communication",
            "Using your usual language, do you have difficulty communicating, for example understanding or being understood?",
        ),
    ];
    let rows: Vec<(String, String, String)> = survey
        .numbered()
        .map(|(_, c)| {
            (
                survey.cell(c, "name").to_string(),
                survey.cell(c, "type").to_string(),
                survey.cell(c, "label::English (en)").to_string(),
            )
        })
        .collect();
    let wg_rows: Vec<&(String, String, String)> = rows
        .iter()
        .filter(|(n, k, _)| n.starts_with("wg_") && k != "note")
        .collect();
    assert_eq!(wg_rows.len(), 6, "six questions, in order");
    for ((name, label), (got_name, kind, got_label)) in expected.iter().zip(wg_rows) {
        assert_eq!((got_name.as_str(), got_label.as_str()), (*name, *label));
        assert_eq!(kind, "select_one wg");
    }
    assert_eq!(
        choice_names(&book, "wg"),
        // The four WG answer categories, then the interviewer's codes for "don't
        // know" and "refused", which the WG-SS also provides.
        [
            "no_difficulty",
            "some",
            "a_lot",
            "cannot",
            "dont_know",
            "refused"
        ]
    );
    let purpose = purpose_values(&book).expect("purpose");
    assert_eq!(
        purpose["wg_fields"],
        expected.map(|(n, _)| n).join(" "),
        "purpose.wg_fields lists the six questions in order"
    );
    // The standard cut-off: any domain "a lot of difficulty" or "cannot do at all".
    let disability = survey
        .numbered()
        .find(|(_, c)| survey.cell(c, "name") == "disability")
        .map(|(_, c)| survey.cell(c, "calculation").to_string())
        .expect("calculation");
    for (name, _) in expected {
        for level in ["a_lot", "cannot"] {
            let clause = format!("${{{name}}} = '{level}'");
            assert!(disability.contains(&clause), "missing {clause}");
        }
    }
    assert!(
        !disability.contains("'some'"),
        "\"some difficulty\" is below the cut-off"
    );
}

#[test]
fn participation_form_asks_guardian_consent_and_assent_for_minors() {
    let book = load("womens_participation");
    let fields = survey_fields(&Table::new(book.sheet("survey").expect("survey")));
    let by_name = |n: &str| fields.iter().find(|f| f.name == n).expect(n).clone();
    assert_eq!(by_name("guardian_consent").relevant, "${is_minor} = 'yes'");
    assert_eq!(by_name("assent").relevant, "${guardian_consent} = 'yes'");
    let granted = by_name("consent_granted").calculation;
    for needed in [
        "${consent} = 'yes'",
        "${guardian_consent} = 'yes'",
        "${assent} = 'yes'",
    ] {
        assert!(granted.contains(needed), "consent_granted lacks {needed}");
    }
}

// ---------------------------------------------------------------------------------
// The checks fail on broken forms
// ---------------------------------------------------------------------------------

/// Sets a cell by column name in a sheet, adding the column if it is missing.
fn set(book: &mut Workbook, sheet: &str, row: usize, column: &str, value: &str) {
    let sheet = book
        .sheets
        .iter_mut()
        .find(|s| s.name == sheet)
        .expect("sheet exists");
    let col = match sheet.rows[0].iter().position(|h| h == column) {
        Some(c) => c,
        None => {
            sheet.rows[0].push(column.to_string());
            sheet.rows[0].len() - 1
        }
    };
    while sheet.rows.len() <= row {
        sheet.rows.push(Vec::new());
    }
    let cells = &mut sheet.rows[row];
    if cells.len() <= col {
        cells.resize(col + 1, String::new());
    }
    cells[col] = value.to_string();
}

/// The row index (0 = header) of the survey row with this name.
fn row_of(book: &Workbook, sheet: &str, column: &str, value: &str) -> usize {
    let sheet = book.sheet(sheet).expect("sheet");
    let col = sheet.rows[0]
        .iter()
        .position(|h| h == column)
        .expect("column");
    sheet
        .rows
        .iter()
        .position(|r| r.get(col).map(String::as_str) == Some(value))
        .expect("row")
}

fn assert_flags(book: &Workbook, code: &str) {
    let problems = check_builtin(book);
    assert!(
        problems.iter().any(|p| p.starts_with(&format!("[{code}]"))),
        "expected a `{code}` problem, got {problems:#?}"
    );
}

#[test]
fn a_name_question_is_caught_in_every_language() {
    let labels = [
        ("English (en)", "What is your name?"),
        ("Français (fr)", "Quel est votre nom ?"),
        ("Español (es)", "¿Cuál es su nombre?"),
        ("العربية (ar)", "ما اسمكِ؟"),
    ];
    for (lang, label) in labels {
        let mut book = load("shelter_site_risk_review");
        let row = row_of(&book, "survey", "name", "population");
        set(&mut book, "survey", row, &localized("label", lang), label);
        assert_flags(&book, "policy.name");
    }
}

#[test]
fn forbidden_types_and_identifying_fields_are_caught() {
    let cases = [
        (
            "geopoint",
            "home_location",
            "Where is your shelter?",
            "policy.identifying_type",
        ),
        (
            "image",
            "respondent_photo",
            "Take a picture of the respondent",
            "policy.identifying_type",
        ),
        ("date", "dob", "Date of birth", "policy.birth"),
        ("integer", "phone", "Phone number", "policy.phone"),
        (
            "select_one yes_no",
            "ever_harmed",
            "Have you experienced violence in this site?",
            "policy.experience",
        ),
        (
            "text",
            "details",
            "Describe what happened",
            "policy.incident",
        ),
        (
            "select_one yes_no",
            "identity",
            "What is your gender identity?",
            "policy.sogiesc",
        ),
    ];
    for (kind, name, label, code) in cases {
        let mut book = load("camp_safety_audit");
        let row = row_of(&book, "survey", "name", "perimeter");
        set(&mut book, "survey", row, "type", kind);
        set(&mut book, "survey", row, "name", name);
        set(&mut book, "survey", row, "label::English (en)", label);
        assert_flags(&book, code);
    }
    let mut book = load("womens_participation");
    let row = row_of(&book, "survey", "name", "wish_to_join");
    set(
        &mut book,
        "survey",
        row,
        "label::العربية (ar)",
        "ما تاريخ ميلادك؟",
    );
    assert_flags(&book, "policy.birth");
    set(
        &mut book,
        "survey",
        row,
        "label::Español (es)",
        "¿Cuál es su orientación sexual?",
    );
    assert_flags(&book, "policy.sogiesc");
}

#[test]
fn unmarked_free_text_is_caught() {
    let mut book = load("womens_participation");
    let row = row_of(&book, "survey", "name", "interview_notes");
    set(&mut book, "survey", row, "lantern::share", "");
    assert_flags(&book, "policy.free_text_shared");
    set(&mut book, "survey", row, "lantern::share", "aggregate");
    assert_flags(&book, "policy.share_value");
}

#[test]
fn a_missing_translation_is_caught() {
    let mut book = load("camp_safety_audit");
    let row = row_of(&book, "survey", "name", "latrines_lockable");
    set(
        &mut book,
        "survey",
        row,
        "constraint_message::Español (es)",
        "",
    );
    assert_flags(&book, "lang.missing");

    let mut book = load("camp_safety_audit");
    set(&mut book, "choices", 1, "label::العربية (ar)", "");
    assert_flags(&book, "lang.missing");

    let mut book = load("shelter_site_risk_review");
    set(&mut book, "purpose", 1, "consent_script::Français (fr)", "");
    assert_flags(&book, "purpose.missing");
}

#[test]
fn consent_out_of_place_or_ungated_is_caught() {
    // A question before consent.
    let mut book = load("shelter_site_risk_review");
    let row = row_of(&book, "survey", "name", "site");
    set(&mut book, "survey", row, "type", "integer");
    set(&mut book, "survey", row, "name", "population_first");
    assert_flags(&book, "policy.before_consent");

    // A question that stays visible after a refusal.
    let mut book = load("camp_safety_audit");
    let row = row_of(&book, "survey", "name", "audit");
    set(&mut book, "survey", row, "relevant", "");
    assert_flags(&book, "policy.ungated");

    // A focus group that does not open with its own consent.
    let mut book = load("camp_safety_audit");
    let row = row_of(&book, "survey", "name", "fg_consent");
    set(&mut book, "survey", row, "name", "fg_agreed");
    assert_flags(&book, "consent.repeat");
}

#[test]
fn bad_purpose_values_are_caught() {
    let cases = [
        ("sensitivity", "secret", "purpose.sensitivity"),
        ("retention_days", "forever", "purpose.retention_days"),
        ("min_cell_size", "2", "purpose.min_cell_size"),
        ("site_field", "camp_name", "purpose.reference"),
        ("wg_fields", "wg_seeing wg_hearing", "purpose.wg_fields"),
    ];
    for (column, value, code) in cases {
        let mut book = load("womens_participation");
        set(&mut book, "purpose", 1, column, value);
        assert_flags(&book, code);
    }
}

#[test]
fn bad_indicators_are_caught() {
    let cases = [
        ("respondents", "kind", "median", "indicators.kind"),
        (
            "attending",
            "value",
            "${went_to_meeting} = 'yes'",
            "indicators.reference",
        ),
        ("attending", "denominator", "", "indicators.denominator"),
        ("safe_night", "min_cell", "5", "indicators.min_cell"),
        ("attending", "hxl", "indicator pct", "indicators.hxl"),
        ("respondents", "scope", "households", "indicators.scope"),
        (
            "women_seats_pct",
            "disaggregate",
            "ethnicity",
            "indicators.reference",
        ),
    ];
    for (indicator, column, value, code) in cases {
        let mut book = load("womens_participation");
        let row = row_of(&book, "indicators", "name", indicator);
        set(&mut book, "indicators", row, column, value);
        assert_flags(&book, code);
    }
    let mut book = load("camp_safety_audit");
    let row = row_of(&book, "indicators", "name", "risk_wash");
    set(&mut book, "indicators", row, "red", "20");
    assert_flags(&book, "indicators.threshold");
    set(&mut book, "indicators", row, "kind", "mean");
    assert_flags(&book, "indicators.sector");
    let row = row_of(&book, "indicators", "name", "fg_unsafe_night_pct");
    set(&mut book, "indicators", row, "scope", "");
    assert_flags(&book, "indicators.scope");
}

#[test]
fn a_bad_form_in_a_directory_fails_the_scan() {
    let dir = tempfile::tempdir().expect("temp dir");
    let form = "
| survey |
| | type | name | label::English (en) |
| | text | respondent_name | What is your name? |
| | geopoint | home | Home location |
| | date | born_on | Date of birth |
| settings |
| | form_id | default_language |
| | bad | English (en) |
";
    let path = dir.path().join("bad_form.md");
    std::fs::write(&path, form).expect("write");
    let problems = check_file(&path);
    for code in ["policy.name", "policy.identifying_type", "policy.birth"] {
        assert!(
            problems.iter().any(|p| p.starts_with(&format!("[{code}]"))),
            "expected {code} in {problems:#?}"
        );
    }
    // With a purpose sheet it is held to the built-in contract and fails far more.
    let with_purpose = format!("{form}| purpose |\n| | purpose |\n| | to test |\n");
    std::fs::write(&path, with_purpose).expect("write");
    let problems = check_file(&path);
    for code in [
        "policy.free_text_shared",
        "lang.missing",
        "policy.purpose_missing",
        "indicators.sheet",
    ] {
        assert!(
            problems.iter().any(|p| p.starts_with(&format!("[{code}]"))),
            "expected {code} in {problems:#?}"
        );
    }
}

// ---------------------------------------------------------------------------------
// Documentation and scenario fills stay in step with the forms
// ---------------------------------------------------------------------------------

/// Indicator name → (kind, scope), from a form's indicators sheet.
fn indicator_kinds(book: &Workbook) -> BTreeMap<String, (String, String)> {
    let table = Table::new(book.sheet("indicators").expect("indicators sheet"));
    table
        .numbered()
        .map(|(_, c)| {
            (
                table.cell(c, "name").to_string(),
                (
                    table.cell(c, "kind").to_string(),
                    table.cell(c, "scope").to_string(),
                ),
            )
        })
        .collect()
}

#[test]
fn every_indicator_is_documented_on_its_page() {
    for name in BUILT_IN {
        let page = std::fs::read_to_string(forms_dir().join(format!("{name}.md")))
            .expect("the form has a page");
        for indicator in indicator_kinds(&load(name)).keys() {
            assert!(
                page.contains(&format!("`{indicator}`")),
                "{name}.md does not define `{indicator}`"
            );
        }
    }
}

/// Problems with one scenario fill against its form.
fn check_scenario(book: &Workbook, file: &str, json: &serde_json::Value) -> Vec<String> {
    use serde_json::Value;
    let mut problems = Vec::new();
    let fields = survey_fields(&Table::new(book.sheet("survey").expect("survey")));
    let field_repeat: BTreeMap<&str, Option<&str>> = fields
        .iter()
        .filter(|f| !f.name.is_empty())
        .map(|f| (f.name.as_str(), f.repeat.as_deref()))
        .collect();
    let indicators = indicator_kinds(book);
    // A path is `field` or `repeat[n]/field`; the field must sit in that repeat.
    let check_path = |path: &str, problems: &mut Vec<String>| {
        let (repeat, name) = match path.split_once('/') {
            Some((head, name)) => {
                let repeat = head.split('[').next().unwrap_or(head);
                let index_ok = head
                    .strip_prefix(repeat)
                    .and_then(|s| s.strip_prefix('['))
                    .and_then(|s| s.strip_suffix(']'))
                    .and_then(|s| s.parse::<usize>().ok())
                    .is_some_and(|n| n >= 1);
                if !index_ok {
                    problems.push(format!("{file}: `{path}` needs a 1-based index"));
                }
                (Some(repeat), name)
            }
            None => (None, path),
        };
        match field_repeat.get(name) {
            None => problems.push(format!("{file}: `{path}` is not a survey field")),
            Some(inside) if *inside != repeat => problems.push(format!(
                "{file}: `{path}` does not match the field's repeat {inside:?}"
            )),
            Some(_) => {}
        }
    };
    let Some(answers) = json.get("answers").and_then(Value::as_object) else {
        return vec![format!("{file}: no answers object")];
    };
    for (name, value) in answers {
        match value {
            Value::Array(instances) => {
                for (i, instance) in instances.iter().enumerate() {
                    for inner in instance.as_object().into_iter().flat_map(|o| o.keys()) {
                        check_path(&format!("{name}[{}]/{inner}", i + 1), &mut problems);
                    }
                }
            }
            _ => check_path(name, &mut problems),
        }
    }
    let now = json.get("now").and_then(Value::as_str).unwrap_or("");
    if chrono::DateTime::parse_from_rfc3339(now).is_err() {
        problems.push(format!("{file}: now `{now}` is not RFC 3339"));
    }
    let expect = json.get("expect").cloned().unwrap_or_default();
    for section in ["relevant", "outcomes", "values", "indicator_inputs"] {
        if expect.get(section).and_then(Value::as_object).is_none() {
            problems.push(format!("{file}: expect.{section} is missing"));
        }
    }
    let section = |s: &str| {
        expect
            .get(s)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    for (path, value) in section("relevant") {
        check_path(&path, &mut problems);
        if !value.is_boolean() {
            problems.push(format!("{file}: relevant `{path}` must be true or false"));
        }
    }
    for (path, value) in section("outcomes") {
        check_path(&path, &mut problems);
        let outcome = value.as_str().unwrap_or("");
        if !["Ok", "RequiredButEmpty", "ConstraintViolated"].contains(&outcome) {
            problems.push(format!("{file}: outcome `{outcome}` for `{path}`"));
        }
    }
    for path in section("values").keys() {
        check_path(path, &mut problems);
    }
    let inputs = section("indicator_inputs");
    if !file.starts_with("invalid_") {
        for name in indicators.keys().filter(|n| !inputs.contains_key(*n)) {
            problems.push(format!("{file}: no input given for indicator `{name}`"));
        }
    }
    for (name, value) in inputs {
        let Some((kind, scope)) = indicators.get(&name) else {
            problems.push(format!("{file}: `{name}` is not an indicator"));
            continue;
        };
        let entries: Vec<&Value> = match (scope.is_empty(), &value) {
            (true, v) => vec![v],
            (false, Value::Array(items)) => items.iter().collect(),
            (false, _) => {
                problems.push(format!("{file}: `{name}` is per `{scope}`: give an array"));
                continue;
            }
        };
        for entry in entries {
            let ok = match kind.as_str() {
                "count" | "proportion" => entry.is_boolean() || entry.is_null(),
                _ => entry.is_number() || entry.is_null(),
            };
            if !ok {
                problems.push(format!("{file}: `{name}` ({kind}) cannot take {entry}"));
            }
        }
    }
    problems
}

#[test]
fn scenario_fills_name_real_fields_and_indicators() {
    for name in BUILT_IN {
        let book = load(name);
        let dir = forms_dir().join("scenarios").join(name);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("scenario folder")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        let stems: Vec<String> = files
            .iter()
            .filter_map(|p| p.file_stem()?.to_str().map(str::to_string))
            .collect();
        for prefix in ["typical", "worst_case", "edge_"] {
            assert!(
                stems.iter().any(|s| s.starts_with(prefix)),
                "{name}: no `{prefix}*` scenario in {stems:?}"
            );
        }
        for (path, stem) in files.iter().zip(&stems) {
            let text = std::fs::read_to_string(path).expect("read scenario");
            let json: serde_json::Value = serde_json::from_str(&text).expect("scenario is JSON");
            let problems = check_scenario(&book, stem, &json);
            assert!(problems.is_empty(), "{name}/{stem}: {problems:#?}");
        }
    }
}

#[test]
fn a_scenario_naming_a_missing_field_or_indicator_is_caught() {
    let book = load("shelter_site_risk_review");
    let json = serde_json::json!({
        "answers": {"site_consent": "yes", "household_head_name": "x",
                    "focus_group": [{"fg_size": 3}]},
        "now": "yesterday",
        "expect": {"relevant": {"opaque": "yes"}, "outcomes": {"opaque": "Fine"},
                   "values": {}, "indicator_inputs": {"shared_pct": true, "no_such": 1}}
    });
    let problems = check_scenario(&book, "typical", &json);
    for needle in [
        "`household_head_name` is not a survey field",
        "`focus_group[1]/fg_size` is not a survey field",
        "is not RFC 3339",
        "relevant `opaque` must be true or false",
        "outcome `Fine`",
        "`shared_pct` (mean) cannot take true",
        "`no_such` is not an indicator",
        "no input given for indicator `reviews`",
    ] {
        assert!(
            problems.iter().any(|p| p.contains(needle)),
            "expected `{needle}` in {problems:#?}"
        );
    }
}

/// Every text of every built-in form, on every sheet (labels, hints, messages, choices,
/// purpose, consent script, indicator labels and actions), exists in English, French,
/// Spanish and Arabic: wherever a `<column>::English (en)` cell is filled, the French,
/// Spanish and Arabic cells of that row are filled too, and no language has text where
/// English has none.
fn untranslated(book: &Workbook) -> Vec<String> {
    let mut problems = Vec::new();
    for sheet in &book.sheets {
        let table = Table::new(sheet);
        let bases: BTreeSet<String> = table
            .header
            .iter()
            .filter_map(|h| h.trim().split_once("::").map(|(b, _)| b.to_string()))
            .filter(|b| b != "lantern" && b != "media")
            .collect();
        for base in &bases {
            for lang in LANGUAGES {
                if !table.has(&localized(base, lang)) {
                    problems.push(format!("{}: no `{base}::{lang}` column", sheet.name));
                }
            }
            for (row, cells) in table.numbered() {
                let filled: Vec<bool> = LANGUAGES
                    .iter()
                    .map(|l| !table.cell(cells, &localized(base, l)).is_empty())
                    .collect();
                if filled.iter().any(|f| *f) && !filled.iter().all(|f| *f) {
                    let missing: Vec<&str> = LANGUAGES
                        .iter()
                        .zip(&filled)
                        .filter(|(_, f)| !**f)
                        .map(|(l, _)| *l)
                        .collect();
                    problems.push(format!(
                        "{} row {row}: `{base}` is missing in {}",
                        sheet.name,
                        missing.join(", ")
                    ));
                }
            }
        }
    }
    problems
}

#[test]
fn every_string_of_every_form_is_in_english_french_spanish_and_arabic() {
    let mut strings = 0;
    for name in BUILT_IN {
        let book = load(name);
        let problems = untranslated(&book);
        assert!(problems.is_empty(), "{name}: {problems:#?}");
        for sheet in &book.sheets {
            let table = Table::new(sheet);
            strings += table
                .numbered()
                .map(|(_, cells)| {
                    table
                        .header
                        .iter()
                        .filter(|h| h.ends_with(LANGUAGES[0]))
                        .filter(|h| !table.cell(cells, h).is_empty())
                        .count()
                })
                .sum::<usize>();
        }
    }
    assert!(strings > 500, "only {strings} English strings found");
    // The check fails when one language is missing anywhere.
    let mut book = load("womens_participation");
    let row = row_of(&book, "indicators", "name", "safe_night");
    set(&mut book, "indicators", row, "action::Español (es)", "");
    set(&mut book, "indicators", row, "label::العربية (ar)", "");
    let problems = untranslated(&book);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].contains("`label` is missing in العربية (ar)"),
        "{problems:#?}"
    );
}

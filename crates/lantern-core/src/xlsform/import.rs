//! The high stage of import: the rows of a workbook become a validated [`FormDef`]
//! plus the [`Diagnostic`]s found on the way. Import never fails outright: it returns
//! the model whenever one could be built (even with errors, so that tools can show as
//! much as possible) and every problem it saw.
//!
//! The rules follow pyxform 4.5.0 (see `docs/spec-notes-xlsform.md` for the list and
//! for where Lantern deliberately differs).

use std::collections::{BTreeMap, HashMap};

use super::diagnostic::{Diagnostic, ImportError};
use super::expressions;
use super::lantern_sheets;
use super::table::{
    CHOICES_ALIASES, CHOICES_KNOWN, Column, Row, SURVEY_ALIASES, SURVEY_KNOWN, Table, snake_case,
};
use super::workbook::{Workbook, WorkbookFormat};
use crate::form::{
    Bind, Choice, ChoiceList, Control, DEFAULT_LANGUAGE, DataType, Expression, ExtraAttributes,
    FormDef, Node, NodeId, NodeKind, Origin, Preload, SELECT_COMMANDS, SecondaryInstance, Select,
    SelectKind, Settings, Text, question_type,
};

/// The result of importing one workbook.
#[derive(Debug, Clone)]
pub struct Import {
    /// The form, when the workbook was readable and had a survey sheet. It may still
    /// carry errors: check [`Import::has_errors`] before running it.
    pub form: Option<FormDef>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Import {
    /// Whether any diagnostic is an error (the form must not be used).
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The form, only if it imported without errors.
    pub fn usable_form(&self) -> Option<&FormDef> {
        if self.has_errors() {
            None
        } else {
            self.form.as_ref()
        }
    }
}

/// Imports a workbook from its bytes; `file_stem` is the form id when the settings
/// give none (as pyxform does).
pub fn import_bytes(bytes: &[u8], format: WorkbookFormat, file_stem: &str) -> Import {
    match Workbook::from_bytes(bytes, format) {
        Ok(book) => import_workbook(&book, file_stem),
        Err(error) => Import {
            form: None,
            diagnostics: vec![Diagnostic {
                error: ImportError::Workbook {
                    code: error.code(),
                    message: error.to_string(),
                },
                sheet: String::new(),
                row: None,
                column: None,
            }],
        },
    }
}

/// Imports a workbook already read into sheets.
pub fn import_workbook(book: &Workbook, file_stem: &str) -> Import {
    let mut diagnostics = Diagnostics::default();
    let form = build(book, file_stem, &mut diagnostics);
    let mut diagnostics = diagnostics.0;
    if let Some(form) = &form {
        diagnostics.extend(super::policy::check(book, form));
    }
    diagnostics.sort_by(|a, b| {
        sheet_rank(&a.sheet)
            .cmp(&sheet_rank(&b.sheet))
            .then(a.row.cmp(&b.row))
    });
    Import { form, diagnostics }
}

fn sheet_rank(sheet: &str) -> usize {
    ["", "settings", "choices", "survey", "purpose", "indicators"]
        .iter()
        .position(|s| sheet.eq_ignore_ascii_case(s))
        .unwrap_or(6)
}

/// The most fields a form may have once its loops are expanded. Without loops a form
/// has at most one field per row; each `begin loop over <list>` copies its questions
/// once per choice, and nested loops multiply, so a few rows could otherwise ask for
/// millions of fields. A 2,000-question form has about 2,200.
const MAX_LOOP_EXPANSION: usize = 50_000;

/// Collects diagnostics, each once: a loop builds its questions once per choice, and
/// a problem in them is one problem of the row.
#[derive(Default)]
pub(crate) struct Diagnostics(pub Vec<Diagnostic>, std::collections::HashSet<Diagnostic>);

impl Diagnostics {
    pub fn push(
        &mut self,
        error: ImportError,
        sheet: &str,
        row: Option<usize>,
        column: Option<&str>,
    ) {
        let diagnostic = Diagnostic {
            error,
            sheet: sheet.to_string(),
            row,
            column: column.map(str::to_string),
        };
        if self.1.insert(diagnostic.clone()) {
            self.0.push(diagnostic);
        }
    }
}

fn build(book: &Workbook, file_stem: &str, diags: &mut Diagnostics) -> Option<FormDef> {
    let Some(survey_sheet) = book.sheet("survey") else {
        diags.push(ImportError::NoSurveySheet, "survey", None, None);
        return None;
    };
    let Some(survey) = Table::read(survey_sheet, SURVEY_ALIASES, SURVEY_KNOWN) else {
        diags.push(
            ImportError::MissingColumn("type"),
            &survey_sheet.name,
            Some(1),
            None,
        );
        return None;
    };
    if survey.column(&["type"]).is_none() {
        diags.push(
            ImportError::MissingColumn("type"),
            &survey.sheet,
            Some(survey.header_row),
            None,
        );
        return None;
    }

    report_duplicate_columns(&survey, diags);
    let settings_map = book
        .sheet("settings")
        .map(read_settings)
        .unwrap_or_default();
    let setting = |key: &str| {
        settings_map
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let form_id = setting("id_string").unwrap_or_else(|| file_stem.to_string());
    // `name` becomes the instance's root element, so it must be an XML name.
    if let Some(name) = setting("name")
        && !is_xml_name(&name)
    {
        let sheet = book.sheet("settings");
        let sheet_name = sheet.map(|s| s.name.as_str()).unwrap_or("settings");
        let row = sheet.and_then(settings_value_row);
        diags.push(
            ImportError::InvalidName(name),
            sheet_name,
            row,
            Some("name"),
        );
    }
    let settings = Settings {
        style: setting("style"),
        public_key: setting("public_key"),
        submission_url: setting("submission_url"),
        instance_name: setting("instance_name"),
        allow_choice_duplicates: setting("allow_choice_duplicates")
            .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "yes" | "true" | "true()")),
        other: settings_map
            .iter()
            .filter(|(k, _)| {
                !matches!(
                    k.as_str(),
                    "id_string"
                        | "title"
                        | "version"
                        | "default_language"
                        | "name"
                        | "style"
                        | "public_key"
                        | "submission_url"
                        | "instance_name"
                        | "allow_choice_duplicates"
                )
            })
            .cloned()
            .collect(),
    };
    let explicit_default = setting("default_language");
    let default_language = explicit_default
        .clone()
        .unwrap_or_else(|| DEFAULT_LANGUAGE.to_string());

    let choices_table = book
        .sheet("choices")
        .and_then(|s| Table::read(s, CHOICES_ALIASES, CHOICES_KNOWN));
    if let Some(table) = &choices_table {
        report_duplicate_columns(table, diags);
    }
    let choice_lists = read_choices(
        choices_table.as_ref(),
        &default_language,
        settings.allow_choice_duplicates,
        diags,
    );
    let external_lists: Vec<String> = book
        .sheet("external_choices")
        .and_then(|s| Table::read(s, CHOICES_ALIASES, CHOICES_KNOWN))
        .map(|t| {
            let mut names: Vec<String> = Vec::new();
            if let Some(col) = t.column(&["list_name"]) {
                for row in &t.rows {
                    let name = row.cell(col).to_string();
                    if !name.is_empty() && !names.contains(&name) {
                        names.push(name);
                    }
                }
            }
            names
        })
        .unwrap_or_default();

    let rows = read_survey_rows(&survey, &default_language);
    let mut languages = Languages::default();
    languages.scan(&survey, &rows_language_columns(&survey));
    if let Some(t) = &choices_table {
        languages.scan(t, &rows_language_columns(t));
    }

    let items = structure(&rows, &survey.sheet, diags);

    let mut builder = Builder {
        sheet: survey.sheet.clone(),
        externals: Vec::new(),
        instance_name: setting("name").unwrap_or_else(|| "data".to_string()),
        rows,
        nodes: Vec::new(),
        choice_lists,
        external_lists,
        default_language: default_language.clone(),
        diags,
        scopes: HashMap::new(),
        repeat_names: HashMap::new(),
    };
    builder.nodes.push(Node {
        id: NodeId(0),
        name: form_id.clone(),
        path: format!("/{form_id}"),
        parent: None,
        children: Vec::new(),
        kind: NodeKind::Root,
        type_name: "survey".into(),
        data_type: None,
        control: Control::None,
        preload: None,
        label: Text::default(),
        hint: Text::default(),
        guidance_hint: Text::default(),
        media: Vec::new(),
        bind: Bind::default(),
        appearance: None,
        parameters: Vec::new(),
        select: None,
        repeat_count: None,
        extra: ExtraAttributes::default(),
        trigger: Vec::new(),
        origin: Origin::Root,
    });
    let mut meta_rows = Vec::new();
    builder.build_items(NodeId(0), &items, &mut meta_rows, &mut TableList::Off);
    if setting("flat").is_some_and(|v| is_yes(&v)) {
        builder.flatten();
    }
    builder.add_meta(&meta_rows, book, settings.instance_name.as_deref());
    builder.check_external_instances();

    let Builder {
        nodes,
        choice_lists,
        diags,
        externals,
        ..
    } = builder;
    let secondary_instances = secondary_instances(&nodes, &externals);

    // pyxform writes a language for untranslated text only when the form also has
    // translations (or media, which always goes through itext).
    let languages = languages.finish(&default_language);
    let uses_plain_text = nodes.iter().any(|n| {
        [&n.label, &n.hint]
            .iter()
            .any(|t| t.get(&default_language).is_some())
    });
    let default_language =
        explicit_default.or_else(|| uses_plain_text.then(|| DEFAULT_LANGUAGE.to_string()));

    let mut form = FormDef {
        version: setting("version").unwrap_or_default(),
        title: setting("title").unwrap_or_else(|| form_id.clone()),
        instance_name: setting("name").unwrap_or_else(|| "data".to_string()),
        form_id,
        default_language,
        languages,
        settings,
        nodes,
        choice_lists,
        secondary_instances,
        purpose: None,
        indicators: Vec::new(),
    };
    lantern_sheets::read(book, &mut form, diags);
    expressions::check(&form, &survey.sheet, diags);
    Some(form)
}

/// The files the form reads: `select_*_from_file` lists and `xml-external` /
/// `csv-external` declarations, each once, named by the file's stem.
fn secondary_instances(nodes: &[Node], externals: &[(String, usize)]) -> Vec<SecondaryInstance> {
    let mut out: Vec<SecondaryInstance> = Vec::new();
    let files = nodes
        .iter()
        .filter_map(|n| Some((n.select.as_ref()?.from_file.clone()?, n.origin.row()?)))
        .chain(externals.iter().cloned());
    for (file, row) in files {
        let id = file
            .rsplit_once('.')
            .map(|(s, _)| s)
            .unwrap_or(&file)
            .to_string();
        if !out.iter().any(|i| i.id == id) {
            out.push(SecondaryInstance { id, file, row });
        }
    }
    out
}

/// Two headers that mean the same column (`label` and `caption`) make the form
/// ambiguous, as in pyxform.
fn report_duplicate_columns(table: &Table<'_>, diags: &mut Diagnostics) {
    for (i, column) in table.columns.iter().enumerate() {
        // The same header twice: pyxform refuses the sheet ("Duplicate column header").
        if let Some(first) = table.columns[..i]
            .iter()
            .find(|c| c.header == column.header)
        {
            diags.push(
                ImportError::DuplicateHeader {
                    header: column.header.clone(),
                    first: column_letter(first.index),
                    second: column_letter(column.index),
                },
                &table.sheet,
                Some(table.header_row),
                Some(&column.header),
            );
            continue;
        }
        if let Some(first) = table.columns[..i]
            .iter()
            .find(|c| c.tokens == column.tokens && c.header != column.header)
        {
            diags.push(
                ImportError::DuplicateColumn {
                    first: first.header.clone(),
                    second: column.header.clone(),
                },
                &table.sheet,
                Some(table.header_row),
                Some(&column.header),
            );
        }
    }
}

/// A spreadsheet column's letters: 0 → `A`, 26 → `AA`.
fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        letters.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// The `settings` sheet as (normalised header, value) pairs from its first data row.
/// The spreadsheet row of the settings' values: the second non-blank row.
fn settings_value_row(sheet: &super::workbook::Sheet) -> Option<usize> {
    sheet
        .rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))
        .nth(1)
        .map(|(i, _)| i + 1)
}

fn read_settings(sheet: &super::workbook::Sheet) -> Vec<(String, String)> {
    let mut rows = sheet
        .rows
        .iter()
        .filter(|r| r.iter().any(|c| !c.trim().is_empty()));
    let (Some(header), Some(values)) = (rows.next(), rows.next()) else {
        return Vec::new();
    };
    header
        .iter()
        .enumerate()
        .filter(|(_, h)| !h.trim().is_empty())
        .map(|(i, key)| {
            let key = snake_case(key);
            let key = match key.as_str() {
                "form_title" | "set_form_title" => "title".to_string(),
                "form_id" | "set_form_id" => "id_string".to_string(),
                _ => key,
            };
            (
                key,
                values
                    .get(i)
                    .map(|v| v.trim().to_string())
                    .unwrap_or_default(),
            )
        })
        .collect()
}

/// Translatable columns and the language each carries (`None`: untranslated).
fn rows_language_columns<'t>(table: &'t Table<'_>) -> Vec<(&'t Column, Option<&'t str>)> {
    table
        .columns
        .iter()
        .filter_map(|c| {
            let t: Vec<&str> = c.tokens.iter().map(String::as_str).collect();
            match t.as_slice() {
                ["label" | "hint" | "guidance_hint"] => Some((c, None)),
                ["label" | "hint" | "guidance_hint", lang] => Some((c, Some(*lang))),
                ["media", _] => Some((c, None)),
                ["media", _, lang] => Some((c, Some(*lang))),
                ["bind", "jr:constraintMsg" | "jr:requiredMsg"] => Some((c, None)),
                ["bind", "jr:constraintMsg" | "jr:requiredMsg", lang] => Some((c, Some(*lang))),
                _ => None,
            }
        })
        .collect()
}

/// Which languages the form's text uses, in order of first use.
#[derive(Default)]
struct Languages {
    translated: Vec<String>,
    plain_used: bool,
    media_used: bool,
}

impl Languages {
    /// pyxform puts a row's text in `<itext>` (and so names its language) when that
    /// row gives the same column both untranslated and translated, or when it is media.
    fn scan(&mut self, table: &Table<'_>, columns: &[(&Column, Option<&str>)]) {
        for row in &table.rows {
            let used: Vec<&(&Column, Option<&str>)> = columns
                .iter()
                .filter(|(c, _)| !row.cell(c).is_empty())
                .collect();
            for (column, language) in &used {
                let is_media = column.tokens[0] == "media";
                match language {
                    Some(l) => {
                        if is_media {
                            self.media_used = true;
                        }
                        if !self.translated.iter().any(|t| t == l) {
                            self.translated.push(l.to_string());
                        }
                    }
                    None => {
                        let base = base_of(column);
                        let translated_too =
                            used.iter().any(|(c, l)| l.is_some() && base_of(c) == base);
                        if is_media {
                            self.media_used = true;
                        }
                        if translated_too || is_media {
                            self.plain_used = true;
                        }
                    }
                }
            }
        }
    }

    fn finish(self, default_language: &str) -> Vec<String> {
        let mut languages = self.translated;
        let itext = !languages.is_empty() || self.media_used;
        if itext && self.plain_used && !languages.iter().any(|l| l == default_language) {
            languages.insert(0, default_language.to_string());
        }
        languages
    }
}

/// A translatable column without its language: `label`, `media image`…
fn base_of(column: &Column) -> String {
    match column.tokens[0].as_str() {
        "media" | "bind" => column.tokens[..2.min(column.tokens.len())].join(" "),
        other => other.to_string(),
    }
}

/// One row of the survey sheet, its columns gathered by meaning.
#[derive(Debug, Clone, Default)]
struct SurveyRow {
    row: usize,
    type_name: String,
    name: Option<String>,
    label: Text,
    hint: Text,
    guidance_hint: Text,
    media: Vec<(String, Text)>,
    relevant: Option<String>,
    required: Option<String>,
    constraint: Option<String>,
    calculation: Option<String>,
    readonly: Option<String>,
    constraint_message: Text,
    required_message: Text,
    appearance: Option<String>,
    repeat_count: Option<String>,
    choice_filter: Option<String>,
    parameters: Option<String>,
    default: Option<String>,
    disabled: Option<String>,
    trigger: Option<String>,
    extra: ExtraAttributes,
}

fn read_survey_rows(table: &Table<'_>, default_language: &str) -> Vec<SurveyRow> {
    let mut rows = Vec::new();
    for row in &table.rows {
        let mut r = SurveyRow {
            row: row.number,
            ..SurveyRow::default()
        };
        for column in &table.columns {
            let value = row.cell(column);
            if value.is_empty() {
                continue;
            }
            let value = clean_quotes(value);
            let tokens: Vec<&str> = column.tokens.iter().map(String::as_str).collect();
            let lang = |rest: &[&str]| {
                rest.first()
                    .copied()
                    .unwrap_or(default_language)
                    .to_string()
            };
            let some = |v: String| Some(v);
            match tokens.as_slice() {
                ["type"] => r.type_name = value.split_whitespace().collect::<Vec<_>>().join(" "),
                ["name"] => r.name = some(value),
                ["label", rest @ ..] => r.label.set(&lang(rest), value),
                ["hint", rest @ ..] => r.hint.set(&lang(rest), value),
                ["guidance_hint", rest @ ..] => r.guidance_hint.set(&lang(rest), value),
                ["media", kind, rest @ ..] => set_media(&mut r.media, kind, &lang(rest), value),
                ["bind", "relevant"] => r.relevant = some(value),
                ["bind", "required"] => r.required = some(value),
                ["bind", "constraint"] => r.constraint = some(value),
                ["bind", "calculate"] => r.calculation = some(value),
                ["bind", "readonly"] => r.readonly = some(value),
                ["bind", "jr:constraintMsg", rest @ ..] => {
                    r.constraint_message.set(&lang(rest), value)
                }
                ["bind", "jr:requiredMsg", rest @ ..] => r.required_message.set(&lang(rest), value),
                ["bind", attr] => r.extra.bind.push((attr.to_string(), value)),
                ["control", "appearance"] => r.appearance = some(value),
                ["control", "jr:count"] => r.repeat_count = some(value),
                ["control", attr] => r.extra.body.push((attr.to_string(), value)),
                ["instance", attr] => r.extra.instance.push((attr.to_string(), value)),
                ["choice_filter"] => r.choice_filter = some(value),
                ["parameters"] => r.parameters = some(value),
                ["default"] => r.default = some(value),
                ["disabled"] => r.disabled = some(value),
                ["trigger"] => r.trigger = some(value),
                _ => {}
            }
        }
        rows.push(r);
    }
    rows
}

/// pyxform replaces "smart" quotes, which spreadsheet programs insert, by plain ones.
fn clean_quotes(value: &str) -> String {
    value
        .replace(['\u{2018}', '\u{2019}'], "'")
        .replace(['\u{201c}', '\u{201d}'], "\"")
}

fn set_media(media: &mut Vec<(String, Text)>, kind: &str, language: &str, value: String) {
    match media.iter_mut().find(|(k, _)| k == kind) {
        Some((_, text)) => text.set(language, value),
        None => {
            let mut text = Text::default();
            text.set(language, value);
            media.push((kind.to_string(), text));
        }
    }
}

fn is_yes(value: &str) -> bool {
    matches!(
        value,
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "true()"
    )
}

/// The kinds of scope a `begin` row opens.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Scope {
    Group,
    Repeat,
    Loop(String),
}

impl Scope {
    fn word(&self) -> &'static str {
        match self {
            Scope::Group => "group",
            Scope::Repeat => "repeat",
            Scope::Loop(_) => "loop",
        }
    }
}

/// The survey as a tree of rows, after begin/end matching.
#[derive(Debug, Clone)]
enum Item {
    Question(usize),
    Scope {
        row: usize,
        scope: Scope,
        children: Vec<Item>,
    },
}

/// Parses `begin group`, `begin_repeat`, `begin loop over list`…
fn parse_begin(type_name: &str) -> Option<Result<Scope, ImportError>> {
    let rest = type_name
        .strip_prefix("begin ")
        .or_else(|| type_name.strip_prefix("begin_"))?;
    let mut words = rest.splitn(2, ' ');
    let kind = words.next()?;
    let tail = words.next().unwrap_or("").trim();
    let (kind, tail) = if kind == "looped" && tail.starts_with("group") {
        ("looped group", tail.trim_start_matches("group").trim())
    } else {
        (kind, tail)
    };
    match kind {
        "group" if tail.is_empty() => Some(Ok(Scope::Group)),
        "repeat" | "lgroup" | "looped group" if tail.is_empty() => Some(Ok(Scope::Repeat)),
        "loop" => {
            let list = tail.strip_prefix("over ").unwrap_or(tail).trim();
            if list.is_empty() {
                Some(Err(ImportError::LoopWithoutList))
            } else if list.contains(' ') {
                None
            } else {
                Some(Ok(Scope::Loop(list.to_string())))
            }
        }
        _ => None,
    }
}

fn parse_end(type_name: &str) -> Option<&'static str> {
    let rest = type_name
        .strip_prefix("end ")
        .or_else(|| type_name.strip_prefix("end_"))?;
    match rest {
        "group" => Some("group"),
        "repeat" | "lgroup" | "looped group" => Some("repeat"),
        "loop" => Some("loop"),
        _ => None,
    }
}

/// Matches begin/end rows into a tree; skips disabled and comment rows.
fn structure(rows: &[SurveyRow], sheet: &str, diags: &mut Diagnostics) -> Vec<Item> {
    let mut stack: Vec<(usize, Scope, Vec<Item>)> = Vec::new();
    let mut top: Vec<Item> = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        if row.disabled.as_deref().is_some_and(is_yes) {
            continue;
        }
        if row.type_name.is_empty() {
            // pyxform skips rows without type, name and label as comments.
            if row.name.is_some() || !row.label.is_empty() {
                diags.push(ImportError::MissingType, sheet, Some(row.row), Some("type"));
            }
            continue;
        }
        if let Some(kind) = parse_end(&row.type_name) {
            match stack.last() {
                Some((_, scope, _)) if scope.word() == kind => {
                    let (start, scope, children) =
                        stack.pop().unwrap_or((index, Scope::Group, Vec::new()));
                    let item = Item::Scope {
                        row: start,
                        scope,
                        children,
                    };
                    match stack.last_mut() {
                        Some((_, _, siblings)) => siblings.push(item),
                        None => top.push(item),
                    }
                }
                _ => diags.push(
                    ImportError::UnmatchedEnd {
                        found: row.type_name.clone(),
                        kind,
                    },
                    sheet,
                    Some(row.row),
                    Some("type"),
                ),
            }
            continue;
        }
        match parse_begin(&row.type_name) {
            Some(Ok(scope)) => {
                stack.push((index, scope, Vec::new()));
                continue;
            }
            Some(Err(error)) => {
                // Still a loop (over nothing), so that its `end loop` matches.
                diags.push(error, sheet, Some(row.row), Some("type"));
                stack.push((index, Scope::Loop(String::new()), Vec::new()));
                continue;
            }
            None => {}
        }
        let item = Item::Question(index);
        match stack.last_mut() {
            Some((_, _, siblings)) => siblings.push(item),
            None => top.push(item),
        }
    }
    // Close what was left open, reporting each, so the rest of the form still builds.
    while let Some((start, scope, children)) = stack.pop() {
        diags.push(
            ImportError::UnclosedBegin {
                kind: scope.word(),
                name: rows[start].name.clone().unwrap_or_default(),
            },
            sheet,
            Some(rows[start].row),
            Some("type"),
        );
        let item = Item::Scope {
            row: start,
            scope,
            children,
        };
        match stack.last_mut() {
            Some((_, _, siblings)) => siblings.push(item),
            None => top.push(item),
        }
    }
    top
}

/// pyxform's `table-list` state inside a group: which list the header select uses.
enum TableList {
    Off,
    Pending { row: usize },
    List(String),
}

struct Builder<'d> {
    sheet: String,
    /// Files declared by `xml-external`/`csv-external` rows, with their row.
    externals: Vec<(String, usize)>,
    /// pyxform's name for the instance's top element, which no repeat may take.
    instance_name: String,
    rows: Vec<SurveyRow>,
    nodes: Vec<Node>,
    choice_lists: Vec<ChoiceList>,
    external_lists: Vec<String>,
    default_language: String,
    diags: &'d mut Diagnostics,
    /// Names used in each container, with the row that first used them.
    scopes: HashMap<NodeId, Vec<(String, usize)>>,
    repeat_names: HashMap<String, usize>,
}

/// A name is an XML element name (pyxform's `is_xml_tag`).
pub fn is_xml_name(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_alphabetic() || first == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

fn empty_node(name: String, kind: NodeKind, type_name: &str, origin: Origin) -> Node {
    Node {
        id: NodeId(0),
        name,
        path: String::new(),
        parent: None,
        children: Vec::new(),
        kind,
        type_name: type_name.to_string(),
        data_type: None,
        control: Control::None,
        preload: None,
        label: Text::default(),
        hint: Text::default(),
        guidance_hint: Text::default(),
        media: Vec::new(),
        bind: Bind::default(),
        appearance: None,
        parameters: Vec::new(),
        select: None,
        repeat_count: None,
        extra: ExtraAttributes::default(),
        trigger: Vec::new(),
        origin,
    }
}

impl Builder<'_> {
    fn error(&mut self, error: ImportError, row: usize, column: &str) {
        self.diags.push(error, &self.sheet, Some(row), Some(column));
    }

    /// Adds a node under `parent`, checking that its name is new in that scope.
    fn add(&mut self, parent: NodeId, mut node: Node) -> NodeId {
        let id = NodeId(self.nodes.len());
        let row = node.origin.row().unwrap_or(0);
        if node.name == "meta" && matches!(node.origin, Origin::Row { .. }) {
            self.error(ImportError::ReservedName, row, "name");
        }
        // Generated nodes (`meta`) clash only with a row already reported as
        // reserved, so only rows are checked.
        let scope = self.scopes.entry(parent).or_default();
        let clash = if node.origin.row().is_none() {
            None
        } else if let Some((_, first_row)) = scope.iter().find(|(n, _)| *n == node.name) {
            Some(ImportError::DuplicateName {
                name: node.name.clone(),
                first_row: *first_row,
            })
        } else {
            scope
                .iter()
                .find(|(n, _)| n.to_lowercase() == node.name.to_lowercase())
                .map(|(_, first_row)| ImportError::DuplicateNameCase {
                    name: node.name.clone(),
                    first_row: *first_row,
                })
        };
        if let Some(error) = clash {
            self.error(error, row, "name");
        }
        self.scopes
            .entry(parent)
            .or_default()
            .push((node.name.clone(), row));
        node.id = id;
        node.parent = Some(parent);
        node.path = format!("{}/{}", self.nodes[parent.0].path, node.name);
        self.nodes[parent.0].children.push(id);
        self.nodes.push(node);
        id
    }

    fn build_items(
        &mut self,
        parent: NodeId,
        items: &[Item],
        meta_rows: &mut Vec<SurveyRow>,
        table_list: &mut TableList,
    ) {
        for item in items {
            match item {
                Item::Question(index) => {
                    let row = self.rows_get(*index);
                    self.build_question(parent, row, meta_rows, table_list);
                }
                Item::Scope {
                    row,
                    scope,
                    children,
                } => {
                    let row = self.rows_get(*row);
                    self.build_scope(parent, row, scope, children, meta_rows);
                }
            }
        }
    }

    fn rows_get(&self, index: usize) -> SurveyRow {
        self.rows[index].clone()
    }

    fn row_name(&mut self, row: &SurveyRow) -> Option<String> {
        match &row.name {
            Some(name) => {
                if !is_xml_name(name) {
                    self.error(ImportError::InvalidName(name.clone()), row.row, "name");
                }
                Some(name.clone())
            }
            None => {
                self.error(ImportError::MissingName, row.row, "name");
                None
            }
        }
    }

    fn build_scope(
        &mut self,
        parent: NodeId,
        row: SurveyRow,
        scope: &Scope,
        children: &[Item],
        meta_rows: &mut Vec<SurveyRow>,
    ) {
        let name = self
            .row_name(&row)
            .unwrap_or_else(|| format!("unnamed_row_{}", row.row));
        let kind = match scope {
            Scope::Repeat => NodeKind::Repeat,
            _ => NodeKind::Group,
        };
        // A loop is expanded here into a group per choice, so it is a group too.
        let type_name = match scope {
            Scope::Repeat => "repeat",
            Scope::Group | Scope::Loop(_) => "group",
        };
        let mut node = empty_node(name.clone(), kind, type_name, Origin::Row { row: row.row });
        fill_common(&mut node, &row);
        if kind == NodeKind::Repeat {
            if name == self.instance_name {
                self.error(
                    ImportError::RepeatNamedAsRoot(name.clone()),
                    row.row,
                    "name",
                );
            }
            if let Some(first_row) = self.repeat_names.get(&name) {
                let first_row = *first_row;
                self.error(
                    ImportError::DuplicateRepeatName {
                        name: name.clone(),
                        first_row,
                    },
                    row.row,
                    "name",
                );
            } else {
                self.repeat_names.insert(name.clone(), row.row);
            }
            if row.label.is_empty() && row.media.is_empty() {
                self.error(
                    ImportError::RepeatWithoutLabel { name: name.clone() },
                    row.row,
                    "label",
                );
            }
            if let Some(count) = &row.repeat_count {
                if is_single_reference(count) {
                    node.repeat_count = Some(Expression::new(count.clone()));
                } else {
                    // pyxform computes a literal or expression count in a sibling
                    // calculate and points the repeat at it.
                    let count_name = format!("{name}_count");
                    let mut calc = empty_node(
                        count_name.clone(),
                        NodeKind::Question,
                        "calculate",
                        Origin::RepeatCount { row: row.row },
                    );
                    calc.data_type = Some(DataType::String);
                    calc.bind.calculation = Some(Expression::new(count.clone()));
                    calc.bind.readonly = Some(Expression::new("true()"));
                    self.add(parent, calc);
                    node.repeat_count = Some(Expression::new(format!("${{{count_name}}}")));
                }
            }
        }
        let table_list_group = node
            .appearance
            .as_deref()
            .is_some_and(|a| a.split_whitespace().any(|w| w == "table-list"));
        let mut generated_label = None;
        if table_list_group && (!node.label.is_empty() || !node.hint.is_empty()) {
            let mut note = empty_node(
                format!("generated_table_list_label_{}", row.row),
                NodeKind::Question,
                "note",
                Origin::TableList { row: row.row },
            );
            note.data_type = Some(DataType::String);
            note.control = Control::Input;
            note.bind.readonly = Some(Expression::new("true()"));
            note.label = std::mem::take(&mut node.label);
            note.hint = std::mem::take(&mut node.hint);
            generated_label = Some(note);
        }
        let id = self.add(parent, node);
        if let Some(note) = generated_label {
            self.add(id, note);
        }
        let mut table_list = if table_list_group {
            TableList::Pending { row: row.row }
        } else {
            TableList::Off
        };
        match scope {
            Scope::Loop(list) => {
                let choices = match self.choice_lists.iter().find(|l| &l.name == list) {
                    Some(l) => l.choices.clone(),
                    None if list.is_empty() => Vec::new(),
                    None => {
                        self.error(
                            ImportError::UnknownChoiceList(list.clone()),
                            row.row,
                            "type",
                        );
                        Vec::new()
                    }
                };
                for choice in choices {
                    if self.nodes.len() > MAX_LOOP_EXPANSION {
                        // Said once, at the innermost loop that reached the bound.
                        let reported = self
                            .diags
                            .0
                            .iter()
                            .any(|d| matches!(d.error, ImportError::LoopTooLarge { .. }));
                        if !reported {
                            self.error(
                                ImportError::LoopTooLarge {
                                    limit: MAX_LOOP_EXPANSION,
                                },
                                row.row,
                                "type",
                            );
                        }
                        break;
                    }
                    let mut group = empty_node(
                        choice.name.clone(),
                        NodeKind::Group,
                        "group",
                        Origin::Row { row: row.row },
                    );
                    group.label = choice.label.clone();
                    let group_id = self.add(id, group);
                    let first_new = self.nodes.len();
                    self.build_items(group_id, children, meta_rows, &mut TableList::Off);
                    // `%(name)s` and `%(label)s` in the loop's questions stand for the
                    // choice this copy is for, as in pyxform.
                    for node in &mut self.nodes[first_new..] {
                        for text in [&mut node.label, &mut node.hint] {
                            for (language, value) in &mut text.0 {
                                if value.contains("%(") {
                                    let label =
                                        choice.label.get_or_first(language).unwrap_or(&choice.name);
                                    *value = value
                                        .replace("%(name)s", &choice.name)
                                        .replace("%(label)s", label);
                                }
                            }
                        }
                    }
                }
            }
            _ => self.build_items(id, children, meta_rows, &mut table_list),
        }
    }

    fn build_question(
        &mut self,
        parent: NodeId,
        row: SurveyRow,
        meta_rows: &mut Vec<SurveyRow>,
        table_list: &mut TableList,
    ) {
        let type_name = row.type_name.clone();
        if type_name == "audit" {
            if row.name.as_deref().is_some_and(|n| n != "audit") {
                self.error(ImportError::AuditName, row.row, "name");
            }
            meta_rows.push(row);
            return;
        }
        // Settings given as survey rows (`form_id`, `form_title`…) are not questions.
        if matches!(
            type_name.as_str(),
            "form_title" | "set_form_title" | "form_id" | "set_form_id" | "prefix"
        ) {
            return;
        }
        let name = if row.name.is_none() && type_name == "note" {
            Some(format!("generated_note_name_{}", row.row))
        } else {
            self.row_name(&row)
        };
        let Some(name) = name else { return };

        let mut node = empty_node(
            name.clone(),
            NodeKind::Question,
            "",
            Origin::Row { row: row.row },
        );
        fill_common(&mut node, &row);
        let mut or_other = false;

        if let Some((kind, list_name, from_file, other)) = parse_select(&type_name) {
            or_other = other;
            node.type_name = match kind {
                SelectKind::One if from_file => "select_one_from_file",
                SelectKind::Multiple if from_file => "select_multiple_from_file",
                SelectKind::One => "select_one",
                SelectKind::Multiple => "select_multiple",
                SelectKind::Rank => "rank",
            }
            .to_string();
            node.data_type = Some(kind.data_type());
            node.control = kind.control();
            let external = type_name.starts_with("select_one_external");
            if external {
                node.type_name = "select_one_external".into();
                node.control = Control::Input;
                if !self.external_lists.contains(&list_name) {
                    self.error(
                        ImportError::UnknownExternalList(list_name.clone()),
                        row.row,
                        "type",
                    );
                }
            }
            let is_file = [".csv", ".xml", ".geojson"]
                .iter()
                .any(|ext| list_name.to_ascii_lowercase().ends_with(ext));
            if from_file && !is_file {
                self.error(
                    ImportError::BadSelectFile(list_name.clone()),
                    row.row,
                    "type",
                );
            }
            // `select_one ${field}`: choices are a repeat's answers; the reference
            // is checked with the others.
            let repeat_field = list_name
                .strip_prefix("${")
                .and_then(|l| l.strip_suffix('}'))
                .map(str::to_string);
            if !external && !from_file && !is_file && repeat_field.is_none() {
                self.check_list(&list_name, kind, row.row);
            }
            if or_other {
                if row.choice_filter.is_some() {
                    self.error(
                        ImportError::OrOtherWithChoiceFilter,
                        row.row,
                        "choice_filter",
                    );
                }
                self.add_other_choice(&list_name);
            }
            // pyxform's table-list: the first select adds a header row of labels.
            match table_list {
                TableList::Off => {}
                TableList::Pending { row: group_row } => {
                    let group_row = *group_row;
                    if row.choice_filter.is_some() {
                        self.error(ImportError::TableListChoiceFilter, row.row, "choice_filter");
                    }
                    let mut header = empty_node(
                        format!("reserved_name_for_field_list_labels_{}", row.row),
                        NodeKind::Question,
                        node.type_name.as_str(),
                        Origin::TableList { row: group_row },
                    );
                    header.data_type = node.data_type;
                    header.control = node.control;
                    header.appearance = Some("label".into());
                    header.select = Some(Select {
                        kind,
                        list_name: list_name.clone(),
                        from_file: None,
                        from_repeat: None,
                        choice_filter: None,
                        or_other: false,
                    });
                    self.add(parent, header);
                    *table_list = TableList::List(list_name.clone());
                }
                TableList::List(_) => {}
            }
            node.select = Some(Select {
                kind,
                from_file: from_file.then(|| list_name.clone()),
                from_repeat: repeat_field,
                list_name,
                choice_filter: row.choice_filter.as_deref().map(Expression::new),
                or_other,
            });
        } else if type_name.starts_with("osm ") {
            // OpenMapKit: the list names OSM tags, which Lantern does not collect.
            node.type_name = "osm".into();
            node.data_type = Some(DataType::Binary);
            node.control = Control::Upload;
        } else if let Some(qt) = question_type(&type_name) {
            node.type_name = qt.name.to_string();
            node.data_type = qt.data_type;
            node.control = qt.control;
            node.preload = qt.preload;
            if qt.external_instance {
                // `xml-external`/`csv-external` declare a secondary instance, not a field.
                let extension = if qt.name == "csv-external" {
                    "csv"
                } else {
                    "xml"
                };
                self.externals
                    .push((format!("{name}.{extension}"), row.row));
                return;
            }
            if qt.readonly && node.bind.readonly.is_none() {
                node.bind.readonly = Some(Expression::new("true()"));
            }
            if let Some(constraint) = qt.implied_constraint
                && node.bind.constraint.is_none()
            {
                node.bind.constraint = Some(Expression::new(constraint));
            }
            if qt.name == "range" {
                node.data_type = Some(self.range_type(&node, row.row));
            }
        } else {
            self.error(ImportError::UnknownType(type_name.clone()), row.row, "type");
            node.type_name = type_name.clone();
            node.data_type = Some(DataType::String);
        }

        self.check_parameters(&node, &row);
        if let Some(trigger) = &row.trigger
            && !is_reference_list(trigger)
        {
            self.error(ImportError::BadTrigger(trigger.clone()), row.row, "trigger");
        }
        if node.type_name == "calculate"
            && node.bind.calculation.is_none()
            && node.bind.default.is_none()
        {
            self.error(ImportError::MissingCalculation, row.row, "calculation");
        }
        let needs_label = matches!(
            node.control,
            Control::Input
                | Control::Select1
                | Control::Select
                | Control::Rank
                | Control::Range
                | Control::Upload
                | Control::Trigger
        ) && node.type_name != "select_one_external"
            // A field-list table header (`appearance=label`) needs no label: pyxform
            // gives it a blank one.
            && node.appearance.as_deref() != Some("label");
        if needs_label && node.label.is_empty() && node.hint.is_empty() && node.media.is_empty() {
            self.error(
                ImportError::MissingLabel { name: name.clone() },
                row.row,
                "label",
            );
        }
        // In a table-list every select shares the header's list, and shows no labels.
        if let (TableList::List(list), Some(select)) = (&*table_list, &node.select) {
            if select.list_name != *list {
                self.error(
                    ImportError::TableListMismatch {
                        list: select.list_name.clone(),
                        header: list.clone(),
                    },
                    row.row,
                    "type",
                );
            }
            node.appearance = Some("list-nolabel".into());
        }

        self.add(parent, node);
        if or_other {
            let mut other = empty_node(
                format!("{name}_other"),
                NodeKind::Question,
                "text",
                Origin::OrOther { row: row.row },
            );
            other.data_type = Some(DataType::String);
            other.control = Control::Input;
            other
                .label
                .set(&self.default_language.clone(), "Specify other.".into());
            other.bind.relevant = Some(Expression::new(format!("selected(${{{name}}}, 'other')")));
            self.add(parent, other);
        }
    }

    /// Files become secondary instances named by their stem (`places.csv` →
    /// `places`); two different files with the same stem would be one instance.
    fn check_external_instances(&mut self) {
        let mut seen: Vec<(String, String, usize)> = Vec::new();
        let mut clashes = Vec::new();
        let files = self
            .nodes
            .iter()
            .filter_map(|n| Some((n.select.as_ref()?.from_file.clone()?, n.origin.row()?)))
            .chain(self.externals.iter().cloned())
            .collect::<Vec<_>>();
        for (file, row) in files {
            let stem = file
                .rsplit_once('.')
                .map(|(s, _)| s)
                .unwrap_or(&file)
                .to_string();
            match seen.iter().find(|(s, _, _)| *s == stem) {
                Some((_, other, _)) if *other != file => clashes.push((
                    ImportError::InstanceClash {
                        file: file.clone(),
                        other: other.clone(),
                    },
                    row,
                )),
                Some(_) => {}
                None => seen.push((stem, file, row)),
            }
        }
        for (error, row) in clashes {
            self.error(error, row, "type");
        }
    }

    /// pyxform's parameter rules: `key=value` syntax, and for the types it checks,
    /// only the keys that type accepts.
    fn check_parameters(&mut self, node: &Node, row: &SurveyRow) {
        let Some(raw) = row.parameters.as_deref() else {
            return;
        };
        if parse_parameters(raw).is_none() {
            self.error(
                ImportError::BadParameters(raw.to_string()),
                row.row,
                "parameters",
            );
            return;
        }
        if let Some(accepted) = accepted_parameters(&node.type_name) {
            let rejected: Vec<String> = node
                .parameters
                .iter()
                .map(|(k, _)| k.clone())
                .filter(|k| !accepted.contains(&k.as_str()))
                .collect();
            if !rejected.is_empty() {
                self.error(
                    ImportError::UnknownParameters {
                        type_name: node.type_name.clone(),
                        rejected: rejected.join(", "),
                        accepted: accepted.join(", "),
                    },
                    row.row,
                    "parameters",
                );
            }
        }
        let get = |key: &str| {
            node.parameters
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        };
        if let Some(randomize) = get("randomize") {
            if randomize != "true" && randomize != "false" {
                self.error(
                    ImportError::BadParameterValue {
                        name: "randomize".into(),
                        value: randomize.to_string(),
                        expected: "true or false",
                    },
                    row.row,
                    "parameters",
                );
            }
        } else if get("seed").is_some() && node.select.is_some() {
            self.error(
                ImportError::BadParameterValue {
                    name: "seed".into(),
                    value: get("seed").unwrap_or_default().to_string(),
                    expected: "used only with randomize=true",
                },
                row.row,
                "parameters",
            );
        }
        if node.type_name == "range" && get("step").and_then(|v| v.parse::<f64>().ok()) == Some(0.0)
        {
            self.error(
                ImportError::BadParameterValue {
                    name: "step".into(),
                    value: "0".into(),
                    expected: "a number other than 0",
                },
                row.row,
                "parameters",
            );
        }
        // The value rules pyxform applies to the other types' parameters.
        let rules: &[ParameterRule] = &[
            ("text", "rows", is_integer, "a whole number"),
            ("image", "max-pixels", is_integer, "a whole number"),
            ("geopoint", "capture-accuracy", is_number, "a number"),
            ("geopoint", "warning-accuracy", is_number, "a number"),
            (
                "geopoint",
                "allow-mock-accuracy",
                is_boolean,
                "true or false",
            ),
            (
                "geotrace",
                "allow-mock-accuracy",
                is_boolean,
                "true or false",
            ),
            (
                "geoshape",
                "allow-mock-accuracy",
                is_boolean,
                "true or false",
            ),
            (
                "audio",
                "quality",
                is_audio_quality,
                "voice-only, low, normal or external",
            ),
        ];
        for (type_name, key, valid, expected) in rules {
            if node.type_name != *type_name {
                continue;
            }
            if let Some(value) = get(key)
                && !valid(value)
            {
                self.error(
                    ImportError::BadParameterValue {
                        name: key.to_string(),
                        value: value.to_string(),
                        expected,
                    },
                    row.row,
                    "parameters",
                );
            }
        }
    }

    fn check_list(&mut self, list_name: &str, kind: SelectKind, row: usize) {
        let list = self
            .choice_lists
            .iter()
            .find(|l| l.name == list_name)
            .cloned();
        match list {
            None => self.error(
                ImportError::UnknownChoiceList(list_name.to_string()),
                row,
                "type",
            ),
            Some(list) => {
                if kind == SelectKind::Multiple {
                    let bad: Vec<String> = list
                        .choices
                        .iter()
                        .filter(|c| c.name.contains(' '))
                        .map(|c| c.name.clone())
                        .collect();
                    for name in bad {
                        self.error(
                            ImportError::ChoiceNameWithSpace {
                                list: list_name.to_string(),
                                name,
                            },
                            row,
                            "type",
                        );
                    }
                }
            }
        }
    }

    /// `or_other` adds an `other` choice (labelled "Other" in every language used).
    fn add_other_choice(&mut self, list_name: &str) {
        let Some(list) = self.choice_lists.iter_mut().find(|l| l.name == list_name) else {
            return;
        };
        if list.choices.iter().any(|c| c.name == "other") {
            return;
        }
        let mut label = Text::default();
        let mut languages: Vec<String> = Vec::new();
        for choice in &list.choices {
            for (language, _) in &choice.label.0 {
                if !languages.contains(language) {
                    languages.push(language.clone());
                }
            }
        }
        if languages.is_empty() {
            languages.push(self.default_language.clone());
        }
        for language in languages {
            label.set(&language, "Other".into());
        }
        list.choices.push(Choice {
            name: "other".into(),
            label,
            media: Vec::new(),
            extra: Vec::new(),
            row: None,
        });
    }

    /// A range is an integer unless a parameter is a decimal number.
    fn range_type(&mut self, node: &Node, row: usize) -> DataType {
        let mut data_type = DataType::Int;
        for (key, value) in &node.parameters {
            let name: &'static str = match key.as_str() {
                "start" => "start",
                "end" => "end",
                "step" => "step",
                _ => continue,
            };
            match value.parse::<f64>() {
                Ok(v) if v.is_finite() => {
                    if value.contains('.') || value.contains('e') || value.contains('E') {
                        data_type = DataType::Decimal;
                    }
                }
                _ => self.error(
                    ImportError::BadRangeParameter {
                        name,
                        value: value.clone(),
                    },
                    row,
                    "parameters",
                ),
            }
        }
        data_type
    }

    /// The `meta` group pyxform adds: `audit` (if any), the entity, then `instanceID`.
    /// pyxform's `flat` setting (for ODK Tables): groups and repeats disappear from
    /// the instance, their fields move up to the root, and a group's `relevant` is
    /// and-ed onto each field inside it.
    fn flatten(&mut self) {
        let old = std::mem::take(&mut self.nodes);
        let mut root = old[0].clone();
        root.children.clear();
        self.nodes.push(root);
        self.scopes.clear();
        let mut work: Vec<(NodeId, String)> = old[0]
            .children
            .iter()
            .rev()
            .map(|id| (*id, String::new()))
            .collect();
        while let Some((id, parent_relevant)) = work.pop() {
            let node = &old[id.0];
            let own = node
                .bind
                .relevant
                .as_ref()
                .map(|e| e.source.clone())
                .unwrap_or_default();
            let relevant = match (parent_relevant.is_empty(), own.is_empty()) {
                (true, _) => own,
                (false, true) => parent_relevant.clone(),
                (false, false) => format!("{parent_relevant} and ({own})"),
            };
            if node.children.is_empty() {
                let mut leaf = node.clone();
                leaf.children.clear();
                if !relevant.is_empty() {
                    leaf.bind.relevant = Some(Expression::new(relevant));
                }
                self.add(NodeId(0), leaf);
            } else {
                work.extend(node.children.iter().rev().map(|c| (*c, relevant.clone())));
            }
        }
    }

    fn add_meta(&mut self, meta_rows: &[SurveyRow], book: &Workbook, instance_name: Option<&str>) {
        let meta = empty_node("meta".into(), NodeKind::Group, "group", Origin::Meta);
        let meta_id = self.add(NodeId(0), meta);
        for row in meta_rows {
            let mut node = empty_node(
                "audit".into(),
                NodeKind::Question,
                "audit",
                Origin::Row { row: row.row },
            );
            fill_common(&mut node, row);
            node.data_type = Some(DataType::Binary);
            self.add(meta_id, node);
        }
        if let Some(label) = entity_label(book) {
            let entity = empty_node("entity".into(), NodeKind::Group, "group", Origin::Meta);
            let entity_id = self.add(meta_id, entity);
            let mut node = empty_node(
                "label".into(),
                NodeKind::Question,
                "calculate",
                Origin::Meta,
            );
            node.data_type = Some(DataType::String);
            node.bind.calculation = Some(Expression::new(label));
            node.bind.readonly = Some(Expression::new("true()"));
            self.add(entity_id, node);
        }
        let mut id = empty_node(
            "instanceID".into(),
            NodeKind::Question,
            "text",
            Origin::Meta,
        );
        id.data_type = Some(DataType::String);
        id.preload = Some(Preload {
            preload: "uid",
            params: "",
        });
        id.bind.readonly = Some(Expression::new("true()"));
        self.add(meta_id, id);
        if let Some(expression) = instance_name {
            // `settings.instance_name` names each submission; pyxform computes it here.
            let mut node = empty_node(
                "instanceName".into(),
                NodeKind::Question,
                "calculate",
                Origin::Meta,
            );
            node.data_type = Some(DataType::String);
            node.bind.calculation = Some(Expression::new(expression));
            self.add(meta_id, node);
        }
    }
}

/// The entity label of an `entities` sheet, which pyxform puts in `meta/entity`.
fn entity_label(book: &Workbook) -> Option<String> {
    let sheet = book.sheet("entities")?;
    let table = Table::read(sheet, &[], &["dataset", "label"])?;
    let column = table.column(&["label"])?;
    table
        .rows
        .iter()
        .map(|r| r.cell(column))
        .find(|v| !v.is_empty())
        .map(str::to_string)
}

/// `${a}` or `${a}, ${b}`: what the `trigger` column takes.
fn is_reference_list(value: &str) -> bool {
    value.split(',').all(|piece| {
        let piece = piece.trim();
        piece
            .strip_prefix("${")
            .and_then(|p| p.strip_suffix('}'))
            .is_some_and(crate::form::is_ncname)
    })
}

/// Whether a `repeat_count` is just one `${name}` (else pyxform adds a calculate).
fn is_single_reference(value: &str) -> bool {
    let v = value.trim();
    v.starts_with("${")
        && v.ends_with('}')
        && v[2..v.len() - 1].chars().all(|c| c != '}' && c != '{')
}

/// Parses `select_one list`, `select one from list or specify other`, `rank list`…
/// into (kind, list name, from file, or_other).
fn parse_select(type_name: &str) -> Option<(SelectKind, String, bool, bool)> {
    for (command, kind, from_file) in SELECT_COMMANDS {
        let Some(rest) = type_name.strip_prefix(command) else {
            continue;
        };
        let Some(rest) = rest.strip_prefix(' ') else {
            continue;
        };
        let mut words = rest.splitn(2, ' ');
        let Some(list) = words.next().filter(|l| !l.is_empty()) else {
            continue;
        };
        let other = match words.next() {
            None => false,
            Some("or specify other" | "or_other" | "or other") => true,
            Some(_) => continue,
        };
        return Some((*kind, list.to_string(), *from_file, other));
    }
    None
}

/// Copies the columns every node has.
fn fill_common(node: &mut Node, row: &SurveyRow) {
    node.label = row.label.clone();
    node.hint = row.hint.clone();
    node.guidance_hint = row.guidance_hint.clone();
    node.media = row.media.clone();
    node.appearance = row.appearance.clone();
    node.extra = row.extra.clone();
    node.trigger = row
        .trigger
        .as_deref()
        .map(crate::form::field_refs)
        .unwrap_or_default();
    node.parameters = row
        .parameters
        .as_deref()
        .and_then(parse_parameters)
        .unwrap_or_default();
    let expr = |v: &Option<String>| v.as_deref().map(Expression::new);
    node.bind = Bind {
        relevant: expr(&row.relevant),
        required: expr(&row.required),
        required_message: row.required_message.clone(),
        constraint: expr(&row.constraint),
        constraint_message: row.constraint_message.clone(),
        calculation: expr(&row.calculation),
        readonly: expr(&row.readonly),
        default: row.default.clone(),
    };
}

/// `start=0 end=10 step=0.5`, `start=0, end=10` or `a=b;c=d`: pyxform's parameter
/// syntax. Keys are lower-cased, and values too except `label` and `value` (which
/// name columns of a file). `None` when the text is not `key=value` pairs.
pub fn parse_parameters(raw: &str) -> Option<Vec<(String, String)>> {
    let mut tokens: Vec<&str> = Vec::new();
    for piece in raw.split(|c: char| c.is_whitespace() || c == ',' || c == ';') {
        let mut rest = piece;
        while let Some(at) = rest.find('=') {
            if at > 0 {
                tokens.push(&rest[..at]);
            }
            tokens.push("=");
            rest = &rest[at + 1..];
        }
        if !rest.is_empty() {
            tokens.push(rest);
        }
    }
    let mut pairs = Vec::new();
    for triple in tokens.chunks(3) {
        match triple {
            [key, "=", value] if *key != "=" && *value != "=" => {
                let key = key.to_lowercase();
                let value = if key == "label" || key == "value" {
                    value.to_string()
                } else {
                    value.to_lowercase()
                };
                pairs.push((key, value));
            }
            _ => return None,
        }
    }
    Some(pairs)
}

/// (type, parameter, the check its value must pass, what it must be).
type ParameterRule = (&'static str, &'static str, fn(&str) -> bool, &'static str);

fn is_integer(value: &str) -> bool {
    value.parse::<i64>().is_ok()
}

fn is_number(value: &str) -> bool {
    value.parse::<f64>().is_ok_and(f64::is_finite)
}

fn is_boolean(value: &str) -> bool {
    value == "true" || value == "false"
}

fn is_audio_quality(value: &str) -> bool {
    matches!(value, "voice-only" | "low" | "normal" | "external")
}

/// The parameter keys pyxform accepts for a type; `None` when it does not check.
fn accepted_parameters(type_name: &str) -> Option<&'static [&'static str]> {
    Some(match type_name {
        "range" => &[
            "start",
            "end",
            "step",
            "tick_interval",
            "placeholder",
            "tick_labelset",
        ],
        "select_one" | "select_multiple" | "rank" => &["randomize", "seed"],
        "select_one_from_file" | "select_multiple_from_file" => {
            &["randomize", "seed", "value", "label"]
        }
        "text" => &["rows"],
        "image" => &["app", "max-pixels"],
        "audio" | "background-audio" => &["quality"],
        "geopoint" => &[
            "allow-mock-accuracy",
            "capture-accuracy",
            "reference-geometry",
            "warning-accuracy",
        ],
        "geotrace" | "geoshape" => &["allow-mock-accuracy", "incremental", "reference-geometry"],
        "audit" => &[
            "identify-user",
            "location-max-age",
            "location-min-interval",
            "location-priority",
            "track-changes",
            "track-changes-reasons",
        ],
        _ => return None,
    })
}

fn read_choices(
    table: Option<&Table<'_>>,
    default_language: &str,
    allow_duplicates: bool,
    diags: &mut Diagnostics,
) -> Vec<ChoiceList> {
    let Some(table) = table else {
        return Vec::new();
    };
    let list_column = table.column(&["list_name"]);
    let name_column = table.column(&["name"]);
    if list_column.is_none() || name_column.is_none() {
        let missing = if list_column.is_none() {
            "list_name"
        } else {
            "name"
        };
        diags.push(
            ImportError::SheetMissingColumn {
                sheet: "choices",
                column: missing,
            },
            &table.sheet,
            Some(table.header_row),
            Some(missing),
        );
        return Vec::new();
    }
    let mut lists: Vec<ChoiceList> = Vec::new();
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    for row in &table.rows {
        let Some(choice) = read_choice(table, row, default_language) else {
            continue;
        };
        let (list_name, choice) = choice;
        if list_name.is_empty() {
            // pyxform ignores such rows; say so, since it is rarely intended.
            diags.push(
                ImportError::MissingListName,
                &table.sheet,
                Some(row.number),
                Some("list_name"),
            );
            continue;
        }
        if choice.name.is_empty() {
            diags.push(
                ImportError::MissingChoiceName,
                &table.sheet,
                Some(row.number),
                Some("name"),
            );
            continue;
        }
        if choice.label.is_empty() && choice.media.is_empty() {
            diags.push(
                ImportError::ChoiceWithoutLabel,
                &table.sheet,
                Some(row.number),
                Some("label"),
            );
        }
        let key = (list_name.clone(), choice.name.clone());
        if let Some(first_row) = seen.get(&key) {
            if !allow_duplicates {
                diags.push(
                    ImportError::DuplicateChoice {
                        list: list_name.clone(),
                        name: choice.name.clone(),
                        first_row: *first_row,
                    },
                    &table.sheet,
                    Some(row.number),
                    Some("name"),
                );
            }
        } else {
            seen.insert(key, row.number);
        }
        match lists.iter_mut().find(|l| l.name == list_name) {
            Some(list) => list.choices.push(choice),
            None => lists.push(ChoiceList {
                name: list_name,
                choices: vec![choice],
            }),
        }
    }
    lists
}

pub(super) fn read_choice(
    table: &Table<'_>,
    row: &Row<'_>,
    default_language: &str,
) -> Option<(String, Choice)> {
    let mut list_name = String::new();
    let mut choice = Choice {
        name: String::new(),
        label: Text::default(),
        media: Vec::new(),
        extra: Vec::new(),
        row: Some(row.number),
    };
    let mut any = false;
    for column in &table.columns {
        let value = row.cell(column);
        if value.is_empty() {
            continue;
        }
        any = true;
        let value = clean_quotes(value);
        let tokens: Vec<&str> = column.tokens.iter().map(String::as_str).collect();
        let lang = |rest: &[&str]| {
            rest.first()
                .copied()
                .unwrap_or(default_language)
                .to_string()
        };
        match tokens.as_slice() {
            ["list_name"] => list_name = value,
            ["name"] => choice.name = value,
            ["label", rest @ ..] => choice.label.set(&lang(rest), value),
            ["media", kind, rest @ ..] => set_media(&mut choice.media, kind, &lang(rest), value),
            _ => choice.extra.push((column.header.clone(), value)),
        }
    }
    any.then_some((list_name, choice))
}

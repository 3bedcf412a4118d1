//! The do-no-harm check every imported form gets (issue 14).
//!
//! Lantern's forms record risks and participation, never people. Whatever form a team
//! brings, import runs these rules and reports each breach as a located diagnostic:
//!
//! - no question asks for a name, phone number, exact date of birth, location (GPS or
//!   an address), a photo, the respondent's own experience of violence, or someone's
//!   sexual orientation or gender identity; no free-text field invites an account of an
//!   incident. Question types that capture location, images, sound or identifiers by
//!   themselves (`geopoint`, `image`, `audio`, `phonenumber`…) are refused outright.
//!   Names and labels in every language are read (not hints, which often say what
//!   not to record); the words that give each rule
//!   away are listed below for English, French, Spanish and Arabic.
//! - free text (`text`, and the `_other` field of `or_other`) is marked
//!   `lantern::share = never`, the only value that column takes;
//! - when the form declares a `purpose` sheet: its consent gate exists and comes first.
//!   Only the site, the round, the screening questions the sheet lists in
//!   `screening_fields`, the questions the consent field is computed from, notes and
//!   metadata may precede it, and every question after it is hidden unless consent was
//!   given (its own relevance or an enclosing group's refers to the consent field or to
//!   a question it is computed from). `consent_value` is a value the consent field can
//!   take. The `data_owner`, `retention_days`, `sensitivity`, `round_field` and
//!   `min_responses` values are filled in.
//!
//! Severity: for a form with a `purpose` sheet (a form meant to produce shared
//! aggregates) everything that exposes respondents is an error, so the form cannot be
//! used until it is fixed, and a missing optional value is a warning. A plain ODK form
//! gets warnings only, and only for what identifies people: it declares no aggregates,
//! so unmarked free text or the absence of a consent gate are not flagged there.
//!
//! No IO: the check reads the workbook and the imported form it is given.

use std::collections::BTreeSet;

use super::diagnostic::{Diagnostic, ImportError};
use super::table::{SURVEY_ALIASES, SURVEY_KNOWN, Table};
use super::workbook::Workbook;
use crate::form::{FormDef, Node, NodeId, NodeKind, Origin};

/// The survey column that says where an answer may go.
pub const SHARE_COLUMN: &str = "lantern::share";
/// The purpose column listing questions allowed before the consent gate.
pub const SCREENING_COLUMN: &str = "screening_fields";

/// Question types that capture location, images, sound or identifiers by themselves.
const FORBIDDEN_TYPES: &[&str] = &[
    "geopoint",
    "geotrace",
    "geoshape",
    "start-geopoint",
    "image",
    "video",
    "audio",
    "background-audio",
    "file",
    "barcode",
    "phonenumber",
    "email",
    "username",
    "subscriberid",
    "simserial",
    "osm",
];

/// Types that ask the respondent nothing: computed values and metadata.
const NON_INPUT_TYPES: &[&str] = &[
    "note",
    "calculate",
    "hidden",
    "start",
    "end",
    "today",
    "deviceid",
    "audit",
    "xml-external",
    "csv-external",
];

/// Words that, just before `name` in a field name, say it names a place or an
/// institution, not a person (`site_name`, `committee_name`).
const NOT_A_PERSON: &[&str] = &[
    "site",
    "camp",
    "block",
    "zone",
    "area",
    "village",
    "district",
    "committee",
    "group",
    "organisation",
    "organization",
    "org",
    "facility",
    "form",
    "file",
    "list",
    "place",
    "location",
    "settlement",
    "centre",
    "center",
    "school",
    "project",
];

/// The languages the phrase lists are written in, in order.
const LANGUAGE_CODES: [&str; 4] = ["en", "fr", "es", "ar"];

/// What a question must not ask, with the words that give it away.
struct Pattern {
    code: &'static str,
    what: &'static str,
    /// Tokens of a field's name (split on `_`, `-` and digits).
    name_tokens: &'static [&'static str],
    /// Whole-word phrases per language, in the order of [`LANGUAGE_CODES`].
    phrases: [&'static [&'static str]; 4],
    /// Whether the pattern applies only to free-text fields.
    text_only: bool,
}

const PATTERNS: &[Pattern] = &[
    Pattern {
        code: "policy.sogiesc",
        what: "someone's sexual orientation or gender identity",
        name_tokens: &[
            "orientation",
            "sogi",
            "sogiesc",
            "lgbt",
            "lgbti",
            "transgender",
        ],
        phrases: [
            &[
                "sexual orientation",
                "gender identity",
                "lgbt",
                "lgbti",
                "transgender",
                "gay",
                "lesbian",
            ],
            &[
                "orientation sexuelle",
                "identité de genre",
                "lgbt",
                "lgbti",
                "transgenre",
                "homosexuel",
                "homosexuelle",
            ],
            &[
                "orientación sexual",
                "identidad de género",
                "lgbt",
                "lgbti",
                "transgénero",
                "homosexual",
            ],
            &[
                "التوجه الجنسي",
                "الهوية الجندرية",
                "الهوية الجنسانية",
                "مثلي",
                "مثلية",
                "متحول جنسيا",
            ],
        ],
        text_only: false,
    },
    Pattern {
        code: "policy.name",
        what: "a name",
        name_tokens: &["name", "names", "firstname", "surname", "fullname"],
        // Phrases that ask for a person's name: "name" alone is also "the name of the
        // committee" or "name three places".
        phrases: [
            &[
                "your name",
                "her name",
                "his name",
                "their names",
                "surname",
                "first name",
                "full name",
                "last name",
                "family name",
                "respondent s name",
            ],
            &[
                "votre nom",
                "son nom",
                "leur nom",
                "prénom",
                "nom complet",
                "nom de famille",
                "comment vous appelez",
            ],
            &[
                "su nombre",
                "sus nombres",
                "nombre completo",
                "apellido",
                "apellidos",
                "cómo se llama",
            ],
            &["اسمك", "اسمه", "اسمها", "أسماؤهم", "الاسم الكامل", "الكنية"],
        ],
        text_only: false,
    },
    Pattern {
        code: "policy.phone",
        what: "a phone number",
        name_tokens: &["phone", "tel", "telephone", "mobile", "msisdn", "whatsapp"],
        phrases: [
            &["phone", "telephone", "mobile number", "whatsapp"],
            &["téléphone", "numéro de portable", "whatsapp"],
            &["teléfono", "celular", "número de móvil", "whatsapp"],
            &["هاتف", "هاتفك", "الهاتف", "جوال", "جوالك", "واتساب"],
        ],
        text_only: false,
    },
    Pattern {
        code: "policy.birth",
        what: "an exact date of birth",
        name_tokens: &["dob", "birth", "birthday", "birthdate", "born"],
        phrases: [
            &["birth", "born", "birthday"],
            &["naissance", "né", "née"],
            &["nacimiento", "nació", "cumpleaños"],
            &["ميلاد", "الميلاد", "ميلادك", "ولادتك", "مواليد"],
        ],
        text_only: false,
    },
    Pattern {
        code: "policy.location",
        what: "a location (GPS or an address)",
        name_tokens: &[
            "gps",
            "lat",
            "latitude",
            "lon",
            "lng",
            "longitude",
            "coordinates",
        ],
        // Words that also mean something harmless are matched only in the phrases that
        // ask for a home: "address" is also a verb, "dirección" also management, "عنوان"
        // also a title.
        phrases: [
            &[
                "gps",
                "coordinates",
                "latitude",
                "longitude",
                "home address",
                "your address",
            ],
            &[
                "gps",
                "coordonnées",
                "latitude",
                "longitude",
                "adresse",
                "votre adresse",
            ],
            &[
                "gps",
                "coordenadas",
                "latitud",
                "longitud",
                "su dirección",
                "dirección de su casa",
            ],
            &[
                "gps",
                "إحداثيات",
                "الإحداثيات",
                "عنوانك",
                "عنوان المنزل",
                "عنوان منزلك",
            ],
        ],
        text_only: false,
    },
    Pattern {
        code: "policy.photo",
        what: "a photo",
        name_tokens: &["photo", "photos", "picture", "selfie", "image"],
        phrases: [
            &["photo", "photograph", "selfie", "take a picture"],
            &["photo", "photographie", "selfie"],
            &["foto", "fotografía", "selfi"],
            &["صورة", "صورتك", "الصورة", "صور"],
        ],
        text_only: false,
    },
    Pattern {
        code: "policy.experience",
        what: "the respondent's own experience of violence",
        name_tokens: &[
            "incident",
            "incidents",
            "assault",
            "abuse",
            "rape",
            "perpetrator",
        ],
        phrases: [
            &[
                "have you experienced",
                "happened to you",
                "were you attacked",
                "were you harmed",
                "survivor",
                "perpetrator",
            ],
            &[
                "avez vous subi",
                "vous est arrivé",
                "avez vous été agressé",
                "avez vous été agressée",
                "survivante",
                "agresseur",
            ],
            &[
                "ha sufrido",
                "le pasó a usted",
                "fue agredida",
                "fue agredido",
                "sobreviviente",
                "agresor",
            ],
            &[
                "هل تعرضت",
                "هل تعرضتِ",
                "حدث لك",
                "حدث لكِ",
                "الناجية",
                "المعتدي",
            ],
        ],
        text_only: false,
    },
    Pattern {
        code: "policy.incident",
        what: "a free-text account of an incident",
        name_tokens: &["story", "account", "describe"],
        phrases: [
            &[
                "what happened",
                "incident",
                "violence",
                "assault",
                "abuse",
                "rape",
                "attack",
            ],
            &[
                "ce qui s est passé",
                "incident",
                "violence",
                "violences",
                "agression",
                "viol",
            ],
            &[
                "qué pasó",
                "qué ocurrió",
                "incidente",
                "violencia",
                "agresión",
                "violación",
            ],
            &[
                "ماذا حدث",
                "ما حدث",
                "حادثة",
                "الحادثة",
                "عنف",
                "العنف",
                "اعتداء",
                "اغتصاب",
            ],
        ],
        text_only: true,
    },
];

/// Runs the check on an imported form; `book` is the workbook it was imported from
/// (for the `lantern::share` column and the purpose sheet's `screening_fields`).
pub fn check(book: &Workbook, form: &FormDef) -> Vec<Diagnostic> {
    let mut out = Check {
        form,
        strict: form.purpose.is_some(),
        survey_sheet: book
            .sheet("survey")
            .map(|s| s.name.trim().to_string())
            .unwrap_or_else(|| "survey".to_string()),
        diagnostics: Vec::new(),
    };
    let share = share_markers(book);
    for node in form.fields() {
        if node.kind != NodeKind::Question {
            continue;
        }
        out.identifying(node);
        out.sharing(node, &share);
    }
    if form.purpose.is_some() {
        out.consent_gate(book);
    }
    out.diagnostics
}

struct Check<'f> {
    form: &'f FormDef,
    strict: bool,
    survey_sheet: String,
    diagnostics: Vec<Diagnostic>,
}

impl Check<'_> {
    fn push(
        &mut self,
        code: &'static str,
        error: bool,
        message: String,
        sheet: &str,
        row: Option<usize>,
        column: Option<&str>,
    ) {
        self.diagnostics.push(Diagnostic {
            error: ImportError::Policy {
                code,
                message,
                error,
            },
            sheet: sheet.to_string(),
            row,
            column: column.map(str::to_string),
        });
    }

    fn at_row(
        &mut self,
        node: &Node,
        code: &'static str,
        error: bool,
        message: String,
        column: &str,
    ) {
        let sheet = self.survey_sheet.clone();
        self.push(
            code,
            error,
            message,
            &sheet,
            node.origin.row(),
            Some(column),
        );
    }

    /// Names, phone numbers, birth dates, locations, photos, experiences, SOGIESC.
    fn identifying(&mut self, node: &Node) {
        // Only what the author wrote (and the `_other` text of `or_other`), not the
        // labels and headers pyxform generates for table-lists, nor `meta`.
        if !matches!(node.origin, Origin::Row { .. } | Origin::OrOther { .. }) {
            return;
        }
        let strict = self.strict;
        if FORBIDDEN_TYPES.contains(&node.type_name.as_str()) {
            self.at_row(
                node,
                "policy.identifying_type",
                strict,
                format!(
                    "`{}` has type `{}`, which records location, images, sound or an identifier; \
                     remove it: Lantern's forms record places and conditions, never people",
                    node.name, node.type_name
                ),
                "type",
            );
            return;
        }
        if !is_input(node) {
            return;
        }
        let tokens: Vec<String> = node
            .name
            .to_lowercase()
            .split(|c: char| c == '_' || c == '-' || c == '.' || c.is_ascii_digit())
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect();
        let is_text = node.type_name == "text";
        for pattern in PATTERNS {
            if pattern.text_only && !is_text {
                continue;
            }
            let found_token = tokens.iter().enumerate().find(|(i, t)| {
                pattern.name_tokens.contains(&t.as_str())
                    && !(pattern.code == "policy.name"
                        && i.checked_sub(1)
                            .and_then(|p| tokens.get(p))
                            .is_some_and(|before| NOT_A_PERSON.contains(&before.as_str())))
            });
            if let Some((_, token)) = found_token {
                self.at_row(
                    node,
                    pattern.code,
                    strict,
                    format!(
                        "the name `{}` (`{token}`) suggests this question asks for {}; do not collect it",
                        node.name, pattern.what
                    ),
                    "name",
                );
                continue;
            }
            // Labels only: hints are instructions to the enumerator, which often say
            // what not to record ("do not write names").
            let found = [("label", &node.label)]
                .into_iter()
                .flat_map(|(column, text)| {
                    text.0
                        .iter()
                        .map(move |(language, value)| (column, language, value))
                })
                .find_map(|(column, language, value)| {
                    let words = words(value);
                    phrases_for(pattern, language)
                        .find(|p| has_phrase(&words, p))
                        .map(|p| (column, language.clone(), p))
                });
            if let Some((column, language, phrase)) = found {
                let column = if language.is_empty() || language == crate::form::DEFAULT_LANGUAGE {
                    column.to_string()
                } else {
                    format!("{column}::{language}")
                };
                self.at_row(
                    node,
                    pattern.code,
                    strict,
                    format!(
                        "`{}` asks for {} (\"{phrase}\" in its {column}); do not collect it",
                        node.name, pattern.what
                    ),
                    &column,
                );
            }
        }
    }

    /// Free text stays on the device, and the marker must say so.
    fn sharing(&mut self, node: &Node, share: &Option<ShareMarkers>) {
        let Some(row) = node.origin.row() else { return };
        let marker = share
            .as_ref()
            .and_then(|s| s.rows.iter().find(|(r, _)| *r == row))
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        let column = share
            .as_ref()
            .map(|s| s.header.clone())
            .unwrap_or_else(|| SHARE_COLUMN.to_string());
        let strict = self.strict;
        if !marker.is_empty() && marker != "never" && matches!(node.origin, Origin::Row { .. }) {
            self.at_row(
                node,
                "policy.share_value",
                strict,
                format!(
                    "`{SHARE_COLUMN}` is `{marker}` for `{}`; its only value is `never` (the answer never leaves the device)",
                    node.name
                ),
                &column,
            );
        }
        if strict && node.type_name == "text" && marker != "never" {
            let what = if matches!(node.origin, Origin::OrOther { .. }) {
                format!(
                    "the \"other\" free text of `{}`",
                    node.name.trim_end_matches("_other")
                )
            } else {
                format!("the free text `{}`", node.name)
            };
            self.at_row(
                node,
                "policy.free_text_shared",
                true,
                format!(
                    "{what} may hold anything, including what identifies someone; set `{SHARE_COLUMN}` to `never` on this row so it never leaves the device"
                ),
                &column,
            );
        }
    }

    /// The purpose sheet's consent gate: present, first, and hiding everything else.
    fn consent_gate(&mut self, book: &Workbook) {
        let form = self.form;
        let Some(purpose) = &form.purpose else { return };
        let sheet = book
            .sheet("purpose")
            .map(|s| s.name.trim().to_string())
            .unwrap_or_else(|| "purpose".to_string());
        let prow = Some(purpose.row);
        for (column, value) in [
            ("data_owner", purpose.data_owner.is_some()),
            ("retention_days", purpose.retention_days.is_some()),
            ("sensitivity", purpose.sensitivity.is_some()),
            ("round_field", purpose.round_field.is_some()),
            ("min_responses", purpose.min_responses.is_some()),
        ] {
            if !value {
                self.push(
                    "policy.purpose_optional",
                    false,
                    format!(
                        "the purpose sheet gives no `{column}`; fill it in (see the purpose sheet contract in forms/README.md)"
                    ),
                    &sheet,
                    prow,
                    Some(column),
                );
            }
        }
        for column in ["site_field", "consent_value"] {
            let missing = match column {
                "site_field" => purpose.site_field.is_none(),
                _ => purpose.consent_value.is_none(),
            };
            if missing {
                self.push(
                    "policy.purpose_missing",
                    true,
                    format!(
                        "the purpose sheet gives no `{column}`; without it refusals cannot be counted and consent cannot be checked"
                    ),
                    &sheet,
                    prow,
                    Some(column),
                );
            }
        }
        let Some(consent_name) = purpose.consent_field.clone() else {
            self.push(
                "policy.purpose_missing",
                true,
                "the purpose sheet gives no `consent_field`; name the question (or calculation) that records consent, so nothing is used without it".to_string(),
                &sheet,
                prow,
                Some("consent_field"),
            );
            return;
        };
        // A missing field is reported by the purpose sheet reader (lantern.unknown_field).
        let Some(gate) = form
            .fields()
            .find(|n| n.name == consent_name && n.kind == NodeKind::Question)
        else {
            return;
        };
        // The consent value must be one the gate can take.
        if let Some(value) = &purpose.consent_value {
            let possible = if let Some(select) = &gate.select {
                form.choice_list(&select.list_name)
                    .is_none_or(|l| l.choices.iter().any(|c| &c.name == value))
            } else if let Some(calc) = &gate.bind.calculation {
                calc.source.contains(&format!("'{value}'"))
                    || calc.source.contains(&format!("\"{value}\""))
            } else {
                true
            };
            if !possible {
                self.push(
                    "policy.consent_value",
                    true,
                    format!(
                        "`consent_value` is `{value}`, which `{consent_name}` never takes; use one of its values"
                    ),
                    &sheet,
                    prow,
                    Some("consent_value"),
                );
            }
        }
        // What may come before the gate.
        let mut consent_inputs: BTreeSet<String> = BTreeSet::new();
        collect_consent_inputs(form, gate, &mut consent_inputs);
        let screening: Vec<String> = screening_fields(book);
        for name in &screening {
            if !form.fields().any(|n| &n.name == name) {
                self.push(
                    "policy.purpose_reference",
                    true,
                    format!(
                        "`{SCREENING_COLUMN}` names `{name}`, which is not a question of this form"
                    ),
                    &sheet,
                    prow,
                    Some(SCREENING_COLUMN),
                );
            }
        }
        let mut allowed: BTreeSet<String> = consent_inputs.clone();
        allowed.extend(screening);
        allowed.extend(purpose.site_field.clone());
        allowed.extend(purpose.round_field.clone());
        allowed.insert(consent_name.clone());
        let mut gates: BTreeSet<String> = consent_inputs;
        gates.insert(consent_name.clone());

        let mut before = true;
        for node in form.fields() {
            if node.id == gate.id {
                before = false;
                continue;
            }
            if node.kind != NodeKind::Question || !is_input(node) || allowed.contains(&node.name) {
                continue;
            }
            if before {
                self.at_row(
                    node,
                    "policy.before_consent",
                    true,
                    format!(
                        "`{}` is asked before the consent gate `{consent_name}`; only the site, the round, \
                         screening questions (listed in the purpose sheet's `{SCREENING_COLUMN}`) and notes may precede it",
                        node.name
                    ),
                    "type",
                );
                continue;
            }
            if !gated(form, node.id, &gates, &mut BTreeSet::new()) {
                self.at_row(
                    node,
                    "policy.ungated",
                    true,
                    format!(
                        "`{}` is shown even when consent is refused; make its relevance (or its group's) require `${{{consent_name}}}`",
                        node.name
                    ),
                    "relevant",
                );
            }
        }
    }
}

/// The questions a consent calculation is computed from, transitively.
fn collect_consent_inputs(form: &FormDef, node: &Node, out: &mut BTreeSet<String>) {
    let Some(calc) = &node.bind.calculation else {
        return;
    };
    for name in &calc.refs {
        if out.insert(name.clone())
            && let Some(n) = form.fields().find(|n| &n.name == name)
        {
            collect_consent_inputs(form, n, out);
        }
    }
}

/// Whether a node is hidden when consent is refused: its relevance, or an ancestor's,
/// refers to one of `gates`, or to a question that is itself hidden then (a
/// non-relevant question is empty, so `${walk_time} = 'night'` is false too).
fn gated(
    form: &FormDef,
    id: NodeId,
    gates: &BTreeSet<String>,
    seen: &mut BTreeSet<NodeId>,
) -> bool {
    if !seen.insert(id) {
        return false;
    }
    let mut current = Some(id);
    while let Some(node_id) = current {
        let node = form.node(node_id);
        if let Some(relevant) = &node.bind.relevant {
            for name in &relevant.refs {
                if gates.contains(name) {
                    return true;
                }
                let referenced: Vec<NodeId> = form.nodes_named(name).map(|n| n.id).collect();
                if referenced
                    .into_iter()
                    .any(|r| r != node_id && gated(form, r, gates, seen))
                {
                    return true;
                }
            }
        }
        current = node.parent;
    }
    false
}

fn is_input(node: &Node) -> bool {
    !NON_INPUT_TYPES.contains(&node.type_name.as_str()) && node.preload.is_none()
}

/// The `lantern::share` column of the survey sheet: its header and each row's value.
struct ShareMarkers {
    header: String,
    rows: Vec<(usize, String)>,
}

fn share_markers(book: &Workbook) -> Option<ShareMarkers> {
    let table = Table::read(book.sheet("survey")?, SURVEY_ALIASES, SURVEY_KNOWN)?;
    let column = table.columns.iter().find(|c| {
        c.header
            .split("::")
            .map(|t| t.trim().to_ascii_lowercase())
            .eq(["lantern", "share"])
    })?;
    Some(ShareMarkers {
        header: column.header.clone(),
        rows: table
            .rows
            .iter()
            .map(|r| (r.number, r.cell(column).to_ascii_lowercase()))
            .filter(|(_, v)| !v.is_empty())
            .collect(),
    })
}

/// The purpose sheet's `screening_fields`, space-separated names.
fn screening_fields(book: &Workbook) -> Vec<String> {
    let Some(table) = book.sheet("purpose").and_then(|s| Table::read(s, &[], &[])) else {
        return Vec::new();
    };
    let Some(column) = table
        .columns
        .iter()
        .find(|c| c.header.eq_ignore_ascii_case(SCREENING_COLUMN))
    else {
        return Vec::new();
    };
    table
        .rows
        .first()
        .map(|r| {
            r.cell(column)
                .split_whitespace()
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The phrase lists that apply to a text in `language`: that language's when it can be
/// told (`English (en)`, `fr`, `Español`…), every language's otherwise.
fn phrases_for<'p>(pattern: &'p Pattern, language: &str) -> impl Iterator<Item = &'p str> + 'p {
    let index = language_index(language);
    pattern
        .phrases
        .iter()
        .enumerate()
        .filter(move |(i, _)| index.is_none_or(|x| x == *i))
        .flat_map(|(_, p)| p.iter().copied())
}

fn language_index(language: &str) -> Option<usize> {
    let lower = language.to_lowercase();
    let code = lower
        .rsplit_once('(')
        .and_then(|(_, rest)| rest.strip_suffix(')'))
        .map(str::trim)
        .unwrap_or(lower.trim());
    let by_name = [
        ["en", "english"],
        ["fr", "français"],
        ["es", "español"],
        ["ar", "العربية"],
    ];
    LANGUAGE_CODES
        .iter()
        .position(|c| code == *c || code.starts_with(&format!("{c}-")))
        .or_else(|| by_name.iter().position(|names| names.contains(&code)))
        .or_else(|| {
            [
                ["french", "francais"],
                ["spanish", "espanol"],
                ["arabic", "arabe"],
            ]
            .iter()
            .position(|names| names.contains(&code))
            .map(|i| i + 1)
        })
}

/// Lower-cased words of a text; Arabic vowel marks are dropped first so that a word
/// with a shadda still reads as one word.
fn words(text: &str) -> Vec<String> {
    let cleaned: String = text
        .chars()
        .filter(|c| !matches!(*c as u32, 0x064B..=0x065F | 0x0670))
        .collect();
    cleaned
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn has_phrase(text_words: &[String], phrase: &str) -> bool {
    let phrase = words(phrase);
    !phrase.is_empty()
        && text_words
            .windows(phrase.len())
            .any(|w| w == phrase.as_slice())
}

#[cfg(test)]
mod tests {
    use crate::xlsform::{WorkbookFormat, import_bytes};

    fn policy_lines(md: &str) -> Vec<String> {
        import_bytes(md.as_bytes(), WorkbookFormat::Markdown, "t")
            .diagnostics
            .iter()
            .filter(|d| d.code().starts_with("policy."))
            .map(|d| d.to_string())
            .collect()
    }

    const PURPOSE: &str = "
        | purpose |
        | | purpose | data_owner | retention_days | sensitivity | min_responses | consent_field | consent_value | site_field | round_field |
        | | Audit | Camp management | 90 | high | 5 | consent | yes | site | round |
        ";

    #[test]
    fn a_form_with_a_purpose_sheet_gets_errors_for_what_exposes_people() {
        let md = format!(
            "
            | survey |
            | | type | name | label::English (en) | label::Français (fr) | relevant | lantern::share |
            | | select_one sites | site | Site | Site | | |
            | | select_one rounds | round | Round | Tour | | |
            | | select_one yn | consent | Do you agree? | Acceptez-vous ? | | |
            | | text | who | What is your name? | Comment vous appelez-vous ? | ${{consent}} = 'yes' | never |
            | | geopoint | where | Where is it? | Où ? | ${{consent}} = 'yes' | |
            | | text | notes | Comments | Commentaires | ${{consent}} = 'yes' | |
            | | integer | count | How many? | Combien ? | | |
            | choices |
            | | list_name | name | label |
            | | sites | s1 | S1 |
            | | rounds | r1 | R1 |
            | | yn | yes | Yes |
            | | yn | no | No |
            {PURPOSE}"
        );
        let lines = policy_lines(&md);
        assert_eq!(
            lines,
            [
                "survey:5:label::English (en): error[policy.name]: `who` asks for a name (\"your name\" in its label::English (en)); do not collect it",
                "survey:6:type: error[policy.identifying_type]: `where` has type `geopoint`, which records location, images, sound or an identifier; remove it: Lantern's forms record places and conditions, never people",
                "survey:7:lantern::share: error[policy.free_text_shared]: the free text `notes` may hold anything, including what identifies someone; set `lantern::share` to `never` on this row so it never leaves the device",
                "survey:8:relevant: error[policy.ungated]: `count` is shown even when consent is refused; make its relevance (or its group's) require `${consent}`",
            ],
            "{lines:#?}"
        );
        let import = import_bytes(md.as_bytes(), WorkbookFormat::Markdown, "t");
        assert!(import.has_errors() && import.usable_form().is_none());
    }

    #[test]
    fn a_plain_odk_form_gets_warnings_only_for_what_identifies_people() {
        let md = "
            | survey |
            | | type | name | label |
            | | text | respondent_name | Respondent |
            | | geopoint | spot | Spot |
            | | text | notes | Comments |
            | | image | pic | Picture of the place |
            ";
        let import = import_bytes(md.as_bytes(), WorkbookFormat::Markdown, "t");
        let lines: Vec<String> = import.diagnostics.iter().map(|d| d.to_string()).collect();
        assert_eq!(
            lines,
            [
                "survey:2:name: warning[policy.name]: the name `respondent_name` (`name`) suggests this question asks for a name; do not collect it",
                "survey:3:type: warning[policy.identifying_type]: `spot` has type `geopoint`, which records location, images, sound or an identifier; remove it: Lantern's forms record places and conditions, never people",
                "survey:5:type: warning[policy.identifying_type]: `pic` has type `image`, which records location, images, sound or an identifier; remove it: Lantern's forms record places and conditions, never people",
            ],
            "{lines:#?}"
        );
        assert!(!import.has_errors());
    }

    #[test]
    fn questions_before_the_consent_gate_must_be_site_round_or_screening() {
        let survey = "
            | survey |
            | | type | name | label | relevant | calculation |
            | | select_one sites | site | Site | | |
            | | select_one rounds | round | Round | | |
            | | select_one yn | adult | Aged 18 or over? | | |
            | | integer | household_size | People in your household | | |
            | | select_one yn | agree | Do you agree? | | |
            | | calculate | consent | | | if(${agree} = 'yes' and ${adult} = 'yes', 'yes', 'no') |
            | | note | thanks | Thank you | | |
            | | integer | count | How many? | ${consent} = 'yes' | |
            | choices |
            | | list_name | name | label |
            | | sites | s1 | S1 |
            | | rounds | r1 | R1 |
            | | yn | yes | Yes |
            | | yn | no | No |
            ";
        let lines = policy_lines(&format!("{survey}{PURPOSE}"));
        assert_eq!(
            lines,
            [
                "survey:5:type: error[policy.before_consent]: `household_size` is asked before the consent gate `consent`; only the site, the round, screening questions (listed in the purpose sheet's `screening_fields`) and notes may precede it"
            ],
        );
        // Listed as screening, it may come first.
        let screened = PURPOSE
            .replace("| round_field |", "| round_field | screening_fields |")
            .replace("| round |\n", "| round | household_size |\n");
        assert_eq!(
            policy_lines(&format!("{survey}{screened}")),
            Vec::<String>::new()
        );
        // A consent value the gate never takes, and a screening field that does not exist.
        let wrong = PURPOSE
            .replace("| yes | site |", "| agreed | site |")
            .replace("| round_field |", "| round_field | screening_fields |")
            .replace("| round |\n", "| round | household_size ghost |\n");
        let lines = policy_lines(&format!("{survey}{wrong}"));
        assert_eq!(
            lines,
            [
                "purpose:2:consent_value: error[policy.consent_value]: `consent_value` is `agreed`, which `consent` never takes; use one of its values",
                "purpose:2:screening_fields: error[policy.purpose_reference]: `screening_fields` names `ghost`, which is not a question of this form",
            ],
            "{lines:#?}"
        );
    }

    #[test]
    fn missing_purpose_values_are_errors_or_warnings() {
        let md = "
            | survey |
            | | type | name | label |
            | | select_one yn | consent | Do you agree? |
            | choices |
            | | list_name | name | label |
            | | yn | yes | Yes |
            | purpose |
            | | purpose | consent_value |
            | | Audit | yes |
            ";
        let lines = policy_lines(md);
        assert_eq!(
            lines,
            [
                "purpose:2:data_owner: warning[policy.purpose_optional]: the purpose sheet gives no `data_owner`; fill it in (see the purpose sheet contract in forms/README.md)",
                "purpose:2:retention_days: warning[policy.purpose_optional]: the purpose sheet gives no `retention_days`; fill it in (see the purpose sheet contract in forms/README.md)",
                "purpose:2:sensitivity: warning[policy.purpose_optional]: the purpose sheet gives no `sensitivity`; fill it in (see the purpose sheet contract in forms/README.md)",
                "purpose:2:round_field: warning[policy.purpose_optional]: the purpose sheet gives no `round_field`; fill it in (see the purpose sheet contract in forms/README.md)",
                "purpose:2:min_responses: warning[policy.purpose_optional]: the purpose sheet gives no `min_responses`; fill it in (see the purpose sheet contract in forms/README.md)",
                "purpose:2:site_field: error[policy.purpose_missing]: the purpose sheet gives no `site_field`; without it refusals cannot be counted and consent cannot be checked",
                "purpose:2:consent_field: error[policy.purpose_missing]: the purpose sheet gives no `consent_field`; name the question (or calculation) that records consent, so nothing is used without it",
            ],
            "{lines:#?}"
        );
    }

    #[test]
    fn words_with_a_harmless_meaning_are_not_flagged() {
        let md = "
            | survey |
            | | type | name | label::English (en) | label::Español (es) |
            | | select_one yn | addressed | Did the committee address complaints? | ¿La dirección del sitio respondió a las quejas? |
            | | select_one yn | home | What is your home address? | ¿Cuál es su dirección? |
            | | select_one yn | site_name | Name of the site | Nombre del sitio |
            | | select_one yn | committee | Name three committees you know | Nombre tres comités que conoce |
            | choices |
            | | list_name | name | label |
            | | yn | yes | Yes |
            ";
        let lines = policy_lines(md);
        assert_eq!(lines.len(), 1, "{lines:#?}");
        assert!(
            lines[0].starts_with("survey:3:label::English (en): warning[policy.location]"),
            "{lines:#?}"
        );
    }

    #[test]
    fn incident_accounts_and_other_text_in_each_language() {
        let md = format!(
            "
            | survey |
            | | type | name | label::English (en) | label::العربية (ar) | relevant | lantern::share |
            | | select_one sites | site | Site | الموقع | | |
            | | select_one rounds | round | Round | الجولة | | |
            | | select_one yn | consent | Do you agree? | هل توافقين؟ | | |
            | | text | details | Details | ماذا حدث؟ | ${{consent}} = 'yes' | never |
            | | select_one yn or_other | kind | Kind | النوع | ${{consent}} = 'yes' | never |
            | | integer | women | Women seen | النساء | ${{consent}} = 'yes' | maybe |
            | choices |
            | | list_name | name | label |
            | | sites | s1 | S1 |
            | | rounds | r1 | R1 |
            | | yn | yes | Yes |
            | | yn | no | No |
            {PURPOSE}"
        );
        let lines = policy_lines(&md);
        assert_eq!(
            lines,
            [
                "survey:5:label::العربية (ar): error[policy.incident]: `details` asks for a free-text account of an incident (\"ماذا حدث\" in its label::العربية (ar)); do not collect it",
                "survey:7:lantern::share: error[policy.share_value]: `lantern::share` is `maybe` for `women`; its only value is `never` (the answer never leaves the device)",
            ],
            "{lines:#?}"
        );
    }
}

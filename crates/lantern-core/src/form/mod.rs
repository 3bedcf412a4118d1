//! The static definition of a form: what the XLSForm says, in XForms terms, with no IO.
//!
//! Shape: a [`FormDef`] owns a flat arena of [`Node`]s in document order; `nodes[0]` is
//! the root (the instance's top element) and every node knows its `parent` and its
//! `children` by [`NodeId`], its `name` and its absolute XForm-style `path`
//! (`/form_id/group/name`). A node is a group, a repeat or a question
//! ([`NodeKind`]); questions carry their XForms [`DataType`], their [`Control`], and
//! any `jr:preload`. Every node has a [`Bind`] (`relevant`, `required`, `constraint`,
//! `calculation`, `readonly`, `default`, messages) whose expressions are kept as
//! written in the form ([`Expression::source`], with `${name}` references), parsed
//! ([`Expression::parsed`], an `expr::Expr`), and with the references they make;
//! [`FormDef::resolve`] finds the node a reference names. Translatable text (labels, hints, messages, media) is a
//! [`Text`]: one value per language, the untranslated column stored under
//! [`FormDef::default_language`]. Choice lists are [`ChoiceList`]s with their extra
//! columns kept for `choice_filter`. Lantern's own sheets are parsed into [`Purpose`]
//! and [`Indicator`]s.
//!
//! The fields pyxform adds to the instance are nodes too, marked by [`Origin`]:
//! `<name>_other` for `or_other` selects, `meta/instanceID`, the `_count` calculation
//! behind a literal `repeat_count`, and the label rows of `table-list` groups. So a walk
//! over the tree visits exactly the fields of the submission.

mod inspect;
mod lantern_sheets;
mod types;

use serde::Serialize;

use crate::expr::{Expr, ParseError};

pub use inspect::{InspectField, InspectView};
pub use lantern_sheets::{
    DEFAULT_MIN_CELL_SIZE, HigherIs, Indicator, IndicatorKind, Purpose, Sensitivity,
};
pub use types::{
    Control, DataType, Preload, QuestionType, SELECT_COMMANDS, SelectKind, question_type,
};

/// The language key pyxform uses for untranslated columns when `default_language` is
/// not set.
pub const DEFAULT_LANGUAGE: &str = "default";

/// The index of a node in [`FormDef::nodes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct NodeId(pub usize);

/// One form, ready for a form session.
#[derive(Debug, Clone, PartialEq)]
pub struct FormDef {
    /// `settings.form_id` (or `id_string`), else the file's stem, as pyxform does.
    pub form_id: String,
    pub version: String,
    pub title: String,
    /// The name pyxform gives the instance's top element (`settings.name`, else `data`).
    /// Lantern's paths start with the form id instead; this is kept for export.
    pub instance_name: String,
    /// The language untranslated columns belong to: `settings.default_language`, else
    /// `default` when the form has untranslated text, else `None`.
    pub default_language: Option<String>,
    /// The languages of the form's translations, as pyxform writes them in `<itext>`.
    pub languages: Vec<String>,
    pub settings: Settings,
    pub nodes: Vec<Node>,
    pub choice_lists: Vec<ChoiceList>,
    /// Files the form reads (`select_one_from_file`, `xml-external`, `csv-external`).
    pub secondary_instances: Vec<SecondaryInstance>,
    pub purpose: Option<Purpose>,
    pub indicators: Vec<Indicator>,
}

/// A file the form reads, as XForms' `<instance id="…" src="…">`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecondaryInstance {
    /// The file's stem, which expressions use: `instance('places')`.
    pub id: String,
    /// The file name as written (`places.csv`).
    pub file: String,
    /// The first survey row that uses it.
    pub row: usize,
}

/// The `settings` sheet, beyond the identity fields kept on [`FormDef`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    pub style: Option<String>,
    pub public_key: Option<String>,
    pub submission_url: Option<String>,
    pub instance_name: Option<String>,
    pub allow_choice_duplicates: bool,
    /// Every other setting, header lower-cased, in sheet order.
    pub other: Vec<(String, String)>,
}

/// What a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// The instance's top element.
    Root,
    Group,
    Repeat,
    Question,
}

/// Where a node comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "origin")]
pub enum Origin {
    /// A row of the `survey` sheet (1-based, as the spreadsheet numbers it).
    Row { row: usize },
    /// The `<name>_other` text field of an `or_other` select on this row.
    OrOther { row: usize },
    /// The `_count` calculation pyxform adds for a repeat whose `repeat_count` is not
    /// a reference.
    RepeatCount { row: usize },
    /// The label note or header select pyxform adds to a `table-list` group.
    TableList { row: usize },
    /// `meta` and `meta/instanceID`, which every submission has.
    Meta,
    /// The form's root.
    Root,
}

impl Origin {
    /// The survey row this node comes from, if any.
    pub fn row(self) -> Option<usize> {
        match self {
            Origin::Row { row }
            | Origin::OrOther { row }
            | Origin::RepeatCount { row }
            | Origin::TableList { row } => Some(row),
            Origin::Meta | Origin::Root => None,
        }
    }
}

/// One group, repeat or question.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub id: NodeId,
    pub name: String,
    /// `/form_id/group/name`.
    pub path: String,
    pub parent: Option<NodeId>,
    pub children: Vec<NodeId>,
    pub kind: NodeKind,
    /// The canonical XLSForm type: `group`, `repeat`, `integer`, `select_one`, `start`…
    pub type_name: String,
    /// The XForms data type; `None` for groups, repeats, `trigger`.
    pub data_type: Option<DataType>,
    pub control: Control,
    pub preload: Option<Preload>,
    pub label: Text,
    pub hint: Text,
    pub guidance_hint: Text,
    /// `media::image`, `media::audio`, `media::video`, `media::big-image`, keyed by the
    /// media kind (`image`…).
    pub media: Vec<(String, Text)>,
    pub bind: Bind,
    pub appearance: Option<String>,
    /// `parameters` as `key=value` pairs, in the order written.
    pub parameters: Vec<(String, String)>,
    pub select: Option<Select>,
    /// `repeat_count` of a repeat (after pyxform's rewrite: a reference to the
    /// generated `_count` field when the form gives a literal or an expression).
    pub repeat_count: Option<Expression>,
    /// `bind::…`, `instance::…` and `body::…` columns, kept as written.
    pub extra: ExtraAttributes,
    /// `trigger`: the questions whose change (re)computes this node's calculation
    /// (XForms `setvalue` on `xforms-value-changed`), by name. When set, the
    /// calculation runs only then, not whenever the fields it reads change.
    pub trigger: Vec<String>,
    pub origin: Origin,
}

impl Node {
    /// Whether this node is a group or a repeat (it can have children).
    pub fn is_container(&self) -> bool {
        matches!(
            self.kind,
            NodeKind::Root | NodeKind::Group | NodeKind::Repeat
        )
    }
}

/// The select part of a `select_one`, `select_multiple` or `rank` question.
#[derive(Debug, Clone, PartialEq)]
pub struct Select {
    pub kind: SelectKind,
    /// The list name (or, for `select_one_from_file`, the file name).
    pub list_name: String,
    /// The file for `select_one_from_file` / `select_multiple_from_file`.
    pub from_file: Option<String>,
    /// For `select_one ${field}`: the field of a repeat whose answers are the choices
    /// (one per repeat instance with a non-empty answer).
    pub from_repeat: Option<String>,
    pub choice_filter: Option<Expression>,
    /// `or_other`: an `other` choice was added and a `<name>_other` field follows.
    pub or_other: bool,
}

/// The `<bind>` of a node. Expressions are as written in the form; values pyxform
/// implies are filled in (a note's `readonly`, the `relevant` of an `_other` field).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bind {
    pub relevant: Option<Expression>,
    pub required: Option<Expression>,
    pub required_message: Text,
    pub constraint: Option<Expression>,
    pub constraint_message: Text,
    pub calculation: Option<Expression>,
    pub readonly: Option<Expression>,
    /// `default`: a literal, or an expression when it references fields (pyxform's
    /// dynamic default).
    pub default: Option<String>,
}

/// An XPath expression as written in the form, with its parse.
#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    /// The text of the cell, `${name}` references included.
    pub source: String,
    /// The names referenced as `${name}`, in order of first appearance (not those
    /// read from the last saved submission, `${last-saved#name}`).
    pub refs: Vec<String>,
    /// The parsed [`Expression::xpath`], or why it does not parse. A form whose
    /// import has no errors has only `Ok` here.
    pub parsed: Result<Expr, ParseError>,
}

impl Expression {
    pub fn new(source: impl Into<String>) -> Expression {
        let source = source.into();
        let refs = field_refs(&source);
        let parsed = parse_xpath(binding_xpath(&source));
        Expression {
            source,
            refs,
            parsed,
        }
    }

    /// The XPath to evaluate: the source, except that XLSForm's `yes`/`no`/`TRUE`/
    /// `false`… become `true()`/`false()` (pyxform's binding conversions).
    pub fn xpath(&self) -> &str {
        binding_xpath(&self.source)
    }
}

/// The secondary instance holding the last saved submission's values, as pyxform names
/// it: `${last-saved#name}` reads `instance('__last-saved')/root/item/name`, which a
/// session fills from the values its caller passes in
/// (`engine::Session::new_with_last_saved`), and which is empty otherwise.
pub const LAST_SAVED_INSTANCE: &str = "__last-saved";

/// Parses an expression; `${last-saved#name}` becomes a path into
/// [`LAST_SAVED_INSTANCE`].
fn parse_xpath(xpath: &str) -> Result<Expr, ParseError> {
    if xpath.contains("${last-saved#") {
        let mut rewritten = String::with_capacity(xpath.len() + 32);
        let mut from = 0;
        for (start, reference) in references(xpath) {
            if let Reference::Field {
                name,
                last_saved: true,
            } = reference
            {
                rewritten.push_str(&xpath[from..start]);
                rewritten.push_str(&format!(
                    "instance('{LAST_SAVED_INSTANCE}')/root/item/{name}"
                ));
                from = start + "${last-saved#}".len() + name.len();
            }
        }
        rewritten.push_str(&xpath[from..]);
        crate::expr::parse(&rewritten)
    } else {
        crate::expr::parse(xpath)
    }
}

/// pyxform's binding conversions: `yes`/`TRUE`… → `true()`, `no`/`FALSE`… →
/// `false()`; anything else is already XPath.
pub fn binding_xpath(source: &str) -> &str {
    match source {
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" => "true()",
        "no" | "No" | "NO" | "false" | "False" | "FALSE" => "false()",
        other => other,
    }
}

/// The `${name}` references in a cell that read the current submission, in order of
/// first appearance, each once. `${last-saved#name}` reads the previous submission,
/// so it is not a dependency and is left out.
pub fn field_refs(text: &str) -> Vec<String> {
    let mut refs: Vec<String> = Vec::new();
    for (_, reference) in references(text) {
        if let Reference::Field {
            name,
            last_saved: false,
        } = reference
            && !refs.iter().any(|r| r == name)
        {
            refs.push(name.to_string());
        }
    }
    refs
}

/// One `${…}` in a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference<'a> {
    /// `${name}` or `${last-saved#name}`.
    Field { name: &'a str, last_saved: bool },
    /// `${` not followed by a name and `}`.
    Malformed,
}

/// Every `${…}` in a cell with its byte offset.
pub fn references(text: &str) -> Vec<(usize, Reference<'_>)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = text[from..].find("${") {
        let start = from + found;
        let inner_start = start + 2;
        match text[inner_start..].find('}') {
            None => {
                out.push((start, Reference::Malformed));
                break;
            }
            Some(len) => {
                let inner = &text[inner_start..inner_start + len];
                let (name, last_saved) = match inner.strip_prefix("last-saved#") {
                    Some(name) => (name, true),
                    None => (inner, false),
                };
                let reference = if is_ncname(name) {
                    Reference::Field { name, last_saved }
                } else {
                    Reference::Malformed
                };
                out.push((start, reference));
                from = inner_start + len + 1;
            }
        }
    }
    out
}

/// An XML name without a colon (what a field name must be).
pub fn is_ncname(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_alphabetic() || first == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Text in one or more languages: `(language, value)` pairs in column order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text(pub Vec<(String, String)>);

impl Text {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value in `language`, if the form gives one.
    pub fn get(&self, language: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(l, _)| l == language)
            .map(|(_, v)| v.as_str())
    }

    /// The value in `language`, else the first one written.
    pub fn get_or_first(&self, language: &str) -> Option<&str> {
        self.get(language)
            .or_else(|| self.0.first().map(|(_, v)| v.as_str()))
    }

    pub fn set(&mut self, language: &str, value: String) {
        match self.0.iter_mut().find(|(l, _)| l == language) {
            Some(slot) => slot.1 = value,
            None => self.0.push((language.to_string(), value)),
        }
    }
}

/// `bind::x`, `instance::x` and `body::x` columns: extra XForms attributes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtraAttributes {
    pub bind: Vec<(String, String)>,
    pub instance: Vec<(String, String)>,
    pub body: Vec<(String, String)>,
}

/// One list of the `choices` sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct ChoiceList {
    pub name: String,
    pub choices: Vec<Choice>,
}

/// One choice, with its extra columns (used by `choice_filter`).
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub name: String,
    pub label: Text,
    pub media: Vec<(String, Text)>,
    /// Columns other than `list_name`, `name`, `label` and media, e.g. `state` for a
    /// filter `state=${state}`; header as written, lower-cased when it was a known one.
    pub extra: Vec<(String, String)>,
    /// The row on the `choices` sheet; `None` for the `other` choice `or_other` adds.
    pub row: Option<usize>,
}

impl FormDef {
    pub fn root(&self) -> &Node {
        &self.nodes[0]
    }

    /// The fields `${last-saved#name}` reads anywhere in the form (expressions,
    /// defaults, labels and hints), each once, in order of first appearance: what a new
    /// response needs from the last saved one, and nothing more.
    pub fn last_saved_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        let mut scan = |text: &str| {
            if !text.contains("${last-saved#") {
                return;
            }
            for (_, reference) in references(text) {
                if let Reference::Field {
                    name,
                    last_saved: true,
                } = reference
                    && !names.iter().any(|n| n == name)
                {
                    names.push(name.to_string());
                }
            }
        };
        for node in &self.nodes {
            let b = &node.bind;
            for e in [
                &b.relevant,
                &b.required,
                &b.constraint,
                &b.calculation,
                &b.readonly,
            ]
            .into_iter()
            .flatten()
            .chain(node.repeat_count.as_ref())
            .chain(node.select.as_ref().and_then(|s| s.choice_filter.as_ref()))
            {
                scan(&e.source);
            }
            if let Some(default) = &b.default {
                scan(default);
            }
            for text in [&node.label, &node.hint, &node.guidance_hint] {
                for (_, value) in &text.0 {
                    scan(value);
                }
            }
        }
        names
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.0]
    }

    /// Every node below the root, in document order.
    pub fn fields(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().skip(1)
    }

    /// The node at an absolute path (`/form_id/group/name`).
    pub fn node_by_path(&self, path: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.path == path)
    }

    /// The nodes named `name` (a `${name}` reference should match exactly one).
    pub fn nodes_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.fields().filter(move |n| n.name == name)
    }

    /// The node a `${name}` reference names: the one node with that name, or, when a
    /// `begin loop` copied the row, the copy nearest to `from`: in the subtree of the
    /// deepest ancestor of `from` that holds any (the longest shared path, as pyxform
    /// resolves it relative to the referring field), then the first in document order.
    /// For many lookups build a [`NameIndex`] once.
    pub fn resolve(&self, name: &str, from: NodeId) -> Option<NodeId> {
        NearestIndex::new(self, self.nodes_named(name).map(|n| n.id)).nearest(self, from)
    }

    pub fn choice_list(&self, name: &str) -> Option<&ChoiceList> {
        self.choice_lists.iter().find(|l| l.name == name)
    }

    /// The repeats a node is inside, innermost last (the node itself included when it
    /// is a repeat).
    pub fn enclosing_repeats(&self, id: NodeId) -> Vec<NodeId> {
        let mut repeats = Vec::new();
        let mut current = Some(id);
        while let Some(node_id) = current {
            let node = self.node(node_id);
            if node.kind == NodeKind::Repeat {
                repeats.push(node_id);
            }
            current = node.parent;
        }
        repeats.reverse();
        repeats
    }
}

/// [`FormDef::resolve`] for a whole form, built once: every field by name, and for
/// each name a `begin loop` copied, a [`NearestIndex`] of its copies. The import's
/// cycle check and the session's dependency graph both resolve every reference of
/// the form through it.
#[derive(Debug, Clone, Default)]
pub struct NameIndex(std::collections::HashMap<String, Named>);

#[derive(Debug, Clone)]
enum Named {
    One(NodeId),
    Copies(NearestIndex),
}

impl NameIndex {
    pub fn new(form: &FormDef) -> NameIndex {
        let mut by_name: std::collections::HashMap<&str, Vec<NodeId>> =
            std::collections::HashMap::new();
        for node in form.fields() {
            by_name.entry(node.name.as_str()).or_default().push(node.id);
        }
        let named = by_name.into_iter().map(|(name, ids)| {
            let named = match ids.as_slice() {
                [one] => Named::One(*one),
                _ => Named::Copies(NearestIndex::new(form, ids)),
            };
            (name.to_string(), named)
        });
        NameIndex(named.collect())
    }

    /// The node `${name}` names from `from`, as [`FormDef::resolve`] finds it.
    pub fn resolve(&self, form: &FormDef, name: &str, from: NodeId) -> Option<NodeId> {
        match self.0.get(name)? {
            Named::One(id) => Some(*id),
            Named::Copies(copies) => copies.nearest(form, from),
        }
    }
}

/// The copies of one name, for finding the one nearest to a referring field: built
/// in one pass over the candidates' ancestors, each lookup then walks up from `from`
/// only. With a thousand copies referring to each other, a scan per lookup would be a
/// million path comparisons.
#[derive(Debug, Clone, Default)]
struct NearestIndex {
    /// For every ancestor of a candidate (and the candidate itself), the first
    /// candidate in document order within its subtree.
    first_within: std::collections::HashMap<NodeId, NodeId>,
}

impl NearestIndex {
    fn new(form: &FormDef, candidates: impl IntoIterator<Item = NodeId>) -> NearestIndex {
        let mut candidates: Vec<NodeId> = candidates.into_iter().collect();
        candidates.sort_unstable();
        let mut first_within = std::collections::HashMap::new();
        for candidate in candidates {
            let mut at = Some(candidate);
            while let Some(node) = at {
                // Candidates come in order, so an ancestor already marked has an
                // earlier candidate, and so have all of its ancestors.
                if first_within.contains_key(&node) {
                    break;
                }
                first_within.insert(node, candidate);
                at = form.node(node).parent;
            }
        }
        NearestIndex { first_within }
    }

    /// The candidate nearest to `from`.
    fn nearest(&self, form: &FormDef, from: NodeId) -> Option<NodeId> {
        let mut at = Some(from);
        while let Some(node) = at {
            if let Some(candidate) = self.first_within.get(&node) {
                return Some(*candidate);
            }
            at = form.node(node).parent;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_refs_in_order_once() {
        assert_eq!(
            field_refs("${a} + ${b} * ${a} - ${last-saved#c} ${} ${unterminated"),
            vec!["a", "b"]
        );
        let refs = references("${a} ${ b } ${last-saved#c} ${x");
        assert_eq!(
            refs,
            vec![
                (
                    0,
                    Reference::Field {
                        name: "a",
                        last_saved: false
                    }
                ),
                (5, Reference::Malformed),
                (
                    12,
                    Reference::Field {
                        name: "c",
                        last_saved: true
                    }
                ),
                (28, Reference::Malformed),
            ]
        );
    }

    #[test]
    fn yes_and_no_are_xpath_booleans() {
        assert_eq!(Expression::new("yes").xpath(), "true()");
        assert_eq!(Expression::new("FALSE").xpath(), "false()");
        assert_eq!(Expression::new("${a} = 'yes'").xpath(), "${a} = 'yes'");
    }

    #[test]
    fn text_falls_back_to_first_language() {
        let mut text = Text::default();
        text.set("English (en)", "Hello".into());
        text.set("Français (fr)", "Bonjour".into());
        assert_eq!(text.get("Français (fr)"), Some("Bonjour"));
        assert_eq!(text.get_or_first("Kiswahili (sw)"), Some("Hello"));
    }
}

//! The stable JSON view of a form that `lantern form inspect --json` prints and other
//! tools rely on: identity, languages, and one entry per group, repeat and field in
//! document order, the fields pyxform adds to the instance included. Changing a key
//! here breaks those tools: add keys, never rename or remove them.

use serde::Serialize;

use super::{FormDef, NodeKind};

/// `{form_id, version, title, default_language, languages, fields}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InspectView {
    pub form_id: String,
    pub version: String,
    pub title: String,
    pub default_language: Option<String>,
    pub languages: Vec<String>,
    pub fields: Vec<InspectField>,
}

/// One group, repeat or field. Expressions are as written in the form (`${name}`
/// references kept); `repeat` is true only for a repeat itself, not for the fields
/// inside it (their `path` shows the repeat).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InspectField {
    pub path: String,
    pub name: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub relevant: Option<String>,
    pub required: Option<String>,
    pub constraint: Option<String>,
    pub calculation: Option<String>,
    pub readonly: Option<String>,
    pub choice_list: Option<String>,
    pub choices: Vec<String>,
    pub repeat: bool,
}

impl FormDef {
    /// The inspect view of this form.
    pub fn inspect(&self) -> InspectView {
        let source = |e: &Option<super::Expression>| e.as_ref().map(|e| e.source.clone());
        InspectView {
            form_id: self.form_id.clone(),
            version: self.version.clone(),
            title: self.title.clone(),
            default_language: self.default_language.clone(),
            languages: self.languages.clone(),
            fields: self
                .fields()
                .map(|node| {
                    let choice_list = node.select.as_ref().map(|s| s.list_name.clone());
                    let choices = choice_list
                        .as_deref()
                        .and_then(|l| self.choice_list(l))
                        .map(|l| l.choices.iter().map(|c| c.name.clone()).collect())
                        .unwrap_or_default();
                    InspectField {
                        path: node.path.clone(),
                        name: node.name.clone(),
                        type_name: node.type_name.clone(),
                        relevant: source(&node.bind.relevant),
                        required: source(&node.bind.required),
                        constraint: source(&node.bind.constraint),
                        calculation: source(&node.bind.calculation),
                        readonly: source(&node.bind.readonly),
                        choice_list,
                        choices,
                        repeat: node.kind == NodeKind::Repeat,
                    }
                })
                .collect(),
        }
    }
}

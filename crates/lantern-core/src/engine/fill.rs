//! Headless filling: a JSON object of answers applied to a session, as
//! `lantern form fill` and scripted tests use it. Keys are field names (or absolute
//! paths); a repeat's key takes an array with one object per instance; a group's key may
//! take an object. Answers are applied in the form's document order, not the object's,
//! so that a count is answered before the repeat it sizes and a filter before the select
//! it narrows, as a person filling the form would.

use serde::Serialize;
use serde_json::{Map, Value};

use super::instance::InstId;
use super::{EngineError, Outcome, Session};
use crate::form::{NodeId, NodeKind};

/// What happened to one answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnswerRecord {
    /// The instance path answered, or the key as given when it named nothing.
    pub path: String,
    #[serde(flatten)]
    pub result: AnswerResult,
}

/// The outcome of an applied answer, or why it could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum AnswerResult {
    Applied(Outcome),
    Rejected { error: String, message: String },
}

impl AnswerResult {
    fn rejected(error: &EngineError) -> AnswerResult {
        AnswerResult::Rejected {
            error: error.code().to_string(),
            message: error.to_string(),
        }
    }
}

/// The XForms text of a JSON answer: arrays (select_multiple) as space-separated names.
fn answer_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => items.iter().map(answer_text).collect::<Vec<_>>().join(" "),
        Value::Object(_) => String::new(),
    }
}

impl Session {
    /// Applies every answer of `answers` and reports each one.
    pub fn fill(&mut self, answers: &Map<String, Value>) -> Vec<AnswerRecord> {
        let mut records = Vec::new();
        let (paths, names): (Vec<_>, Vec<_>) =
            answers.iter().partition(|(k, _)| k.starts_with('/'));
        let names: Map<String, Value> = names
            .into_iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        self.fill_scope(InstId(0), &names, "", &mut records);
        for (path, value) in paths {
            let result = match self.find(path) {
                Ok(id) => self.apply(id, value, &mut records),
                Err(error) => Some(AnswerResult::rejected(&error)),
            };
            if let Some(result) = result {
                records.push(AnswerRecord {
                    path: path.clone(),
                    result,
                });
            }
        }
        records
    }

    /// Applies the answers of one object to the fields under `container` (not inside
    /// its repeats, whose answers come as arrays).
    fn fill_scope(
        &mut self,
        container: InstId,
        answers: &Map<String, Value>,
        prefix: &str,
        records: &mut Vec<AnswerRecord>,
    ) {
        let container_def = self.instance.get(container).def;
        let mut used = vec![false; answers.len()];
        let defs = self.scope_defs(container_def);
        for &def in &defs {
            let name = self.form().node(def).name.clone();
            let Some(index) = answers.keys().position(|k| *k == name) else {
                continue;
            };
            // A group and a field inside it may share a name (`info/info`): an
            // object answers the group, anything else the field, and each key is
            // applied once, to the first node in document order that fits it.
            let kind = self.form().node(def).kind;
            let fits = match &answers[&name] {
                Value::Object(_) => kind == NodeKind::Group,
                Value::Array(_) => kind == NodeKind::Repeat || kind == NodeKind::Question,
                _ => kind == NodeKind::Question,
            };
            let later_fit = !fits && defs_later_fit(self, &defs, def, &name, &answers[&name]);
            if used[index] || later_fit {
                continue;
            }
            used[index] = true;
            let value = &answers[&name];
            let found = self.instances_under(container, def);
            let id = if self.form().node(def).kind == NodeKind::Repeat {
                None
            } else {
                found.first().copied()
            };
            let result = match (self.form().node(def).kind, id) {
                (NodeKind::Repeat, _) => self.fill_repeat(container, def, value, records),
                (_, Some(id)) => self.apply(id, value, records),
                (_, None) => Some(AnswerResult::rejected(&EngineError::UnknownField {
                    path: format!("{prefix}{name}"),
                })),
            };
            if let Some(result) = result {
                let path = id.map_or_else(|| format!("{prefix}{name}"), |id| self.path_of(id));
                records.push(AnswerRecord { path, result });
            }
        }
        for ((key, _), used) in answers.iter().zip(used) {
            if !used {
                records.push(AnswerRecord {
                    path: format!("{prefix}{key}"),
                    result: AnswerResult::rejected(&EngineError::UnknownField {
                        path: format!("{prefix}{key}"),
                    }),
                });
            }
        }
    }

    /// The nodes under `container` in document order, stopping at repeats (included).
    /// (See [`defs_later_fit`] for how a name shared by a group and its field is
    /// resolved.)
    fn scope_defs(&self, container: NodeId) -> Vec<NodeId> {
        let mut out = Vec::new();
        for child in &self.form().node(container).children {
            out.push(*child);
            if self.form().node(*child).kind == NodeKind::Group {
                out.extend(self.scope_defs(*child));
            }
        }
        out
    }

    /// Applies one answer to a question, or an object to a group.
    fn apply(
        &mut self,
        id: InstId,
        value: &Value,
        records: &mut Vec<AnswerRecord>,
    ) -> Option<AnswerResult> {
        let def = self.instance.get(id).def;
        match (self.form().node(def).kind, value) {
            (NodeKind::Group, Value::Object(object)) => {
                let prefix = format!("{}/", self.path_of(id));
                self.fill_scope(id, object, &prefix, records);
                None
            }
            _ => Some(match self.answer_node(id, &answer_text(value)) {
                Ok(outcome) => AnswerResult::Applied(outcome),
                Err(error) => AnswerResult::rejected(&error),
            }),
        }
    }

    /// Sizes a repeat to the array (unless `repeat_count` sizes it) and fills each
    /// instance from its object.
    fn fill_repeat(
        &mut self,
        container: InstId,
        repeat: NodeId,
        value: &Value,
        records: &mut Vec<AnswerRecord>,
    ) -> Option<AnswerResult> {
        let path = format!(
            "{}/{}",
            self.path_of(container),
            self.form().node(repeat).name
        );
        let Value::Array(items) = value else {
            return Some(AnswerResult::rejected(&EngineError::InvalidValue {
                path,
                message: "a repeat takes an array with one object per instance".into(),
            }));
        };
        // The repeat may sit inside plain groups of `container`: its instances belong
        // to the instance of the repeat's own parent group, not to `container`.
        let parent_def = self.form().node(repeat).parent;
        let parent = match parent_def {
            Some(def) if def == self.instance.get(container).def => container,
            Some(def) => match self.instances_under(container, def).first() {
                Some(parent) => *parent,
                None => {
                    return Some(AnswerResult::rejected(&EngineError::UnknownField { path }));
                }
            },
            None => return Some(AnswerResult::rejected(&EngineError::UnknownField { path })),
        };
        let container = parent;
        let fixed = self.form().node(repeat).repeat_count.is_some();
        let mut instances = self.repeat_instances(container, repeat);
        if fixed && instances.len() != items.len() {
            return Some(AnswerResult::rejected(&EngineError::FixedRepeatCount {
                path,
            }));
        }
        while instances.len() < items.len() {
            self.create_subtree(repeat, Some(container), None);
            self.process();
            instances = self.repeat_instances(container, repeat);
        }
        while instances.len() > items.len() {
            if let Some(last) = instances.pop() {
                self.detach(last);
                self.push_structure(repeat);
                self.process();
            }
        }
        for (instance, item) in instances.into_iter().zip(items) {
            let prefix = format!("{}/", self.path_of(instance));
            match item {
                Value::Object(object) => self.fill_scope(instance, object, &prefix, records),
                _ => records.push(AnswerRecord {
                    path: self.path_of(instance),
                    result: AnswerResult::rejected(&EngineError::InvalidValue {
                        path: self.path_of(instance),
                        message: "each repeat instance takes an object of answers".into(),
                    }),
                }),
            }
        }
        None
    }
}

/// Whether a node after `def` in `defs` has the same name and fits the answer's shape
/// (an object for a group, an array for a repeat or select_multiple, else a field).
fn defs_later_fit(
    session: &Session,
    defs: &[NodeId],
    def: NodeId,
    name: &str,
    value: &Value,
) -> bool {
    let after = defs.iter().skip_while(|d| **d != def).skip(1);
    for d in after {
        let node = session.form().node(*d);
        if node.name != name {
            continue;
        }
        let fits = match value {
            Value::Object(_) => node.kind == NodeKind::Group,
            Value::Array(_) => node.kind == NodeKind::Repeat || node.kind == NodeKind::Question,
            _ => node.kind == NodeKind::Question,
        };
        if fits {
            return true;
        }
    }
    false
}

//! The view model the UI renders: pages of questions with their current state, all in
//! the session's current language, labels and hints with `${name}` outputs filled in,
//! and each select's choices as its `choice_filter` allows them now. The UI decides
//! nothing: it shows this and sends answers back.

use serde::Serialize;

use super::env;
use super::instance::InstId;
use super::{Outcome, Session};
use crate::form::{Control, NodeKind};

/// Everything a screen of the form needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct View {
    pub title: String,
    pub language: String,
    pub languages: Vec<String>,
    pub pages: Vec<Page>,
}

/// One screen: a `field-list` group (all its questions together) or one question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page {
    /// The group's path for a field-list page, else the question's.
    pub path: String,
    /// The group's label for a field-list page.
    pub label: Option<String>,
    /// Whether any question on the page is relevant (the UI skips the others).
    pub relevant: bool,
    pub questions: Vec<QuestionView>,
}

/// One question as shown now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionView {
    pub path: String,
    pub name: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub label: String,
    pub hint: String,
    pub appearance: Option<String>,
    pub value: String,
    pub relevant: bool,
    pub required: bool,
    pub read_only: bool,
    /// The choices a select offers now (after `choice_filter`); empty for other types.
    pub choices: Vec<ChoiceView>,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChoiceView {
    pub name: String,
    pub label: String,
}

impl Session {
    /// The pages of the form in document order.
    pub fn view(&self) -> View {
        let mut pages = Vec::new();
        self.collect_pages(InstId(0), &mut pages);
        View {
            title: self.form().title.clone(),
            language: self.language.clone(),
            languages: self.form().languages.clone(),
            pages,
        }
    }

    fn collect_pages(&self, container: InstId, pages: &mut Vec<Page>) {
        for child in &self.instance.get(container).children {
            let node = self.instance.get(*child);
            let def = self.form().node(node.def);
            match def.kind {
                NodeKind::Question => {
                    if let Some(question) = self.question_view(*child) {
                        pages.push(Page {
                            path: question.path.clone(),
                            label: None,
                            relevant: question.relevant,
                            questions: vec![question],
                        });
                    }
                }
                NodeKind::Group | NodeKind::Repeat | NodeKind::Root => {
                    let field_list = def
                        .appearance
                        .as_deref()
                        .is_some_and(|a| a.split_whitespace().any(|w| w == "field-list"));
                    if field_list {
                        let mut questions = Vec::new();
                        self.collect_questions(*child, &mut questions);
                        pages.push(Page {
                            path: self.path_of(*child),
                            label: Some(self.text(&def.label, *child)),
                            relevant: questions.iter().any(|q| q.relevant),
                            questions,
                        });
                    } else {
                        self.collect_pages(*child, pages);
                    }
                }
            }
        }
    }

    fn collect_questions(&self, container: InstId, out: &mut Vec<QuestionView>) {
        for child in &self.instance.get(container).children {
            if self.form().node(self.instance.get(*child).def).kind == NodeKind::Question {
                out.extend(self.question_view(*child));
            } else {
                self.collect_questions(*child, out);
            }
        }
    }

    fn text(&self, text: &crate::form::Text, at: InstId) -> String {
        text.get_or_first(&self.language)
            .map(|t| self.interpolate(t, at))
            .unwrap_or_default()
    }

    /// A question's view; `None` for fields the user never sees (calculations,
    /// metadata).
    fn question_view(&self, id: InstId) -> Option<QuestionView> {
        let node = self.instance.get(id);
        let def = self.form().node(node.def);
        if def.control == Control::None || def.control == Control::Action {
            return None;
        }
        Some(QuestionView {
            path: self.path_of(id),
            name: def.name.clone(),
            type_name: def.type_name.clone(),
            label: self.text(&def.label, id),
            hint: self.text(&def.hint, id),
            appearance: def.appearance.clone(),
            value: node.value.clone(),
            relevant: node.relevant,
            required: node.required,
            read_only: node.readonly,
            choices: self.choices(id),
            outcome: self.outcome(id),
        })
    }

    /// The choices a select shows now.
    pub(crate) fn choices(&self, id: InstId) -> Vec<ChoiceView> {
        let node = self.instance.get(id);
        let def = self.form().node(node.def);
        let Some(select) = &def.select else {
            return Vec::new();
        };
        if let Some(field) = &select.from_repeat {
            return self
                .compiled
                .graph
                .resolve(self.form(), field, def.id)
                .map(|target| self.nearest_instances(id, def.id, target))
                .unwrap_or_default()
                .into_iter()
                .map(|n| self.instance.get(n))
                .filter(|n| n.relevant && !n.value.is_empty())
                .map(|n| ChoiceView {
                    name: n.value.clone(),
                    label: n.value.clone(),
                })
                .collect();
        }
        let Some(list_index) = self
            .form()
            .choice_lists
            .iter()
            .position(|l| l.name == select.list_name)
        else {
            return Vec::new();
        };
        let list = &self.form().choice_lists[list_index];
        let filter = &self.compiled.graph.nodes[def.id.0].choice_filter;
        let environment = self.env(id, def.id);
        list.choices
            .iter()
            .enumerate()
            .filter(|(index, _)| match filter {
                None => true,
                // As pyxform's `instance('list')/root/item[filter]`: the item is the
                // context node, its columns are its children, and `current()` is the
                // question.
                Some(expr) => crate::expr::evaluate_with_current(
                    expr,
                    &environment,
                    Some(env::choice_node(list_index, *index, 0)),
                    Some(env::node(id)),
                )
                .map(|v| v.to_bool_in(&environment))
                .unwrap_or(false),
            })
            .map(|(_, choice)| choice)
            .map(|choice| ChoiceView {
                name: choice.name.clone(),
                label: choice
                    .label
                    .get_or_first(&self.language)
                    .map(|l| self.interpolate(l, id))
                    .unwrap_or_else(|| choice.name.clone()),
            })
            .collect()
    }

    /// The names of the choices a select shows now (for tests and the CLI).
    pub fn choice_names(&self, path: &str) -> Result<Vec<String>, super::EngineError> {
        Ok(self
            .choices(self.find(path)?)
            .into_iter()
            .map(|c| c.name)
            .collect())
    }

    /// A question's label in the current language, outputs filled in.
    pub fn label(&self, path: &str) -> Result<String, super::EngineError> {
        let id = self.find(path)?;
        Ok(self.text(&self.form().node(self.instance.get(id).def).label, id))
    }
}

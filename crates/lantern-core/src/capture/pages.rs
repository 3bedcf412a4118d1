//! The form's pages as the app shows them: the engine's view model (`engine::view`) in
//! document order, with an "add another …?" page after each repeat's instances (or in
//! their place when there are none), and each question's repeat position, media and
//! parameters.

use std::collections::HashMap;

use crate::engine::Session;
use crate::engine::view::{Page, QuestionView};
use crate::form::{Control, NodeId, NodeKind};

use super::dto;
use super::library::LoadedForm;

/// One page, before it is turned into its DTO.
#[derive(Debug, Clone)]
pub enum Built {
    Questions(Page),
    RepeatPrompt {
        /// `/form/members` (the instance path's parent).
        repeat: String,
        def: NodeId,
        count: u32,
        relevant: bool,
    },
}

impl Built {
    pub fn path(&self) -> &str {
        match self {
            Built::Questions(p) => &p.path,
            Built::RepeatPrompt { repeat, .. } => repeat,
        }
    }

    pub fn relevant(&self) -> bool {
        match self {
            Built::Questions(p) => p.relevant,
            Built::RepeatPrompt { relevant, .. } => *relevant,
        }
    }

    pub fn holds(&self, path: &str) -> bool {
        match self {
            Built::Questions(p) => p.path == path || p.questions.iter().any(|q| q.path == path),
            Built::RepeatPrompt { repeat, .. } => repeat == path,
        }
    }
}

/// Every page of the session now.
pub fn build(session: &Session, form: &LoadedForm) -> Vec<Built> {
    let view = session.view();
    let mut by_path: HashMap<String, Page> = view
        .pages
        .into_iter()
        .map(|p| (p.path.clone(), p))
        .collect();
    let mut out = Vec::with_capacity(by_path.len() + 4);
    let root = format!("/{}", form.form().form_id);
    walk(
        session,
        form,
        NodeId(0),
        &root,
        true,
        &mut by_path,
        &mut out,
    );
    out
}

fn walk(
    session: &Session,
    form: &LoadedForm,
    def: NodeId,
    at: &str,
    parent_relevant: bool,
    pages: &mut HashMap<String, Page>,
    out: &mut Vec<Built>,
) {
    let f = form.form();
    for child in &f.node(def).children {
        let node = f.node(*child);
        let path = format!("{at}/{}", node.name);
        match node.kind {
            NodeKind::Question => {
                if let Some(page) = pages.remove(&path) {
                    out.push(Built::Questions(page));
                }
            }
            NodeKind::Group | NodeKind::Root => {
                if let Some(page) = pages.remove(&path) {
                    out.push(Built::Questions(page));
                } else {
                    let relevant = parent_relevant && session.is_relevant(&path).unwrap_or(true);
                    walk(session, form, *child, &path, relevant, pages, out);
                }
            }
            NodeKind::Repeat => {
                let count = instances(session, &path);
                let mut any_relevant = false;
                for i in 1..=count {
                    let instance = format!("{path}[{i}]");
                    let relevant = session.is_relevant(&instance).unwrap_or(false);
                    any_relevant |= relevant;
                    if let Some(page) = pages.remove(&instance) {
                        out.push(Built::Questions(page));
                    } else {
                        walk(session, form, *child, &instance, relevant, pages, out);
                    }
                }
                if node.repeat_count.is_none() {
                    let relevant = if count > 0 {
                        any_relevant
                    } else {
                        parent_relevant
                    };
                    out.push(Built::RepeatPrompt {
                        repeat: path,
                        def: *child,
                        count: count as u32,
                        relevant,
                    });
                }
            }
        }
    }
}

/// A page's DTO.
pub fn page_dto(session: &Session, form: &LoadedForm, index: usize, page: &Built) -> dto::PageView {
    let language = session.language();
    let content = match page {
        Built::Questions(p) => dto::PageContent::Questions {
            label: p.label.clone(),
            questions: p
                .questions
                .iter()
                .map(|q| question_dto(session, form, q))
                .collect(),
        },
        Built::RepeatPrompt {
            repeat, def, count, ..
        } => dto::PageContent::RepeatPrompt {
            repeat: repeat.clone(),
            label: label_of(form, *def, language),
            count: *count,
        },
    };
    dto::PageView {
        index: index as u32,
        path: page.path().to_string(),
        content,
    }
}

fn label_of(form: &LoadedForm, def: NodeId, language: &str) -> String {
    let node = form.form().node(def);
    node.label
        .get_or_first(language)
        .map(str::to_string)
        .unwrap_or_else(|| node.name.clone())
}

pub fn outcome_dto(outcome: &crate::engine::Outcome) -> dto::Outcome {
    use crate::engine::Outcome as O;
    match outcome {
        O::Ok => dto::Outcome::Ok,
        O::RequiredButEmpty => dto::Outcome::RequiredButEmpty,
        O::ConstraintViolated { message } => dto::Outcome::ConstraintViolated {
            message: message.clone(),
        },
        O::ExpressionFailed { message } => dto::Outcome::ExpressionFailed {
            message: message.clone(),
        },
    }
}

fn question_dto(session: &Session, form: &LoadedForm, q: &QuestionView) -> dto::Question {
    let language = session.language();
    let def = form.def_at(&q.path).map(|d| form.form().node(d));
    let media = def
        .map(|d| {
            d.media
                .iter()
                .filter_map(|(kind, text)| {
                    text.get_or_first(language).map(|file| dto::MediaRef {
                        kind: kind.clone(),
                        file: file.to_string(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    dto::Question {
        path: q.path.clone(),
        name: q.name.clone(),
        type_name: q.type_name.clone(),
        label: q.label.clone(),
        hint: q.hint.clone(),
        appearance: q.appearance.clone(),
        parameters: def.map(|d| d.parameters.clone()).unwrap_or_default(),
        media,
        value: q.value.clone(),
        relevant: q.relevant,
        required: q.required,
        read_only: q.read_only,
        choices: q
            .choices
            .iter()
            .map(|c| dto::Choice {
                name: c.name.clone(),
                label: c.label.clone(),
            })
            .collect(),
        outcome: outcome_dto(&q.outcome),
        repeat: repeat_position(session, form, &q.path),
    }
}

/// The innermost repeat instance holding `path`, if any.
fn repeat_position(
    session: &Session,
    form: &LoadedForm,
    path: &str,
) -> Option<dto::RepeatPosition> {
    let end = path.rfind(']')?;
    let instance = &path[..=end];
    let open = instance.rfind('[')?;
    let index: u32 = instance[open + 1..end].parse().ok()?;
    let repeat = &instance[..open];
    let def = form.def_at(repeat)?;
    let count = instances(session, repeat) as u32;
    Some(dto::RepeatPosition {
        instance: instance.to_string(),
        index,
        count,
        label: label_of(form, def, session.language()),
        fixed: form.form().node(def).repeat_count.is_some(),
    })
}

/// Whether a question counts as answered (for progress and the home screen).
pub fn answered(q: &QuestionView) -> bool {
    q.relevant && !q.read_only && !q.value.is_empty() && q.type_name != "note"
}

/// Whether a definition node is something a person answers (not a calculation, a
/// metadata field or an action).
pub fn user_control(control: Control) -> bool {
    !matches!(control, Control::None | Control::Action)
}

/// How many instances the repeat at `repeat` (an absolute path, `/form/hh[2]/members`)
/// has now. (`Session::repeat_len` takes a name, which a nested repeat does not make
/// unique.)
pub fn instances(session: &Session, repeat: &str) -> usize {
    let mut count = 0;
    while session.find(&format!("{repeat}[{}]", count + 1)).is_ok() {
        count += 1;
    }
    count
}

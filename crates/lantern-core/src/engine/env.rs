//! The session's instance tree as an `expr::Env`, so expressions run on the shared
//! evaluator. Node ids: 0 is the document node, `n + 1` is instance node `n`, and
//! choice items (the context of a `choice_filter`) and their columns live above
//! `CHOICE_BIT`, and the document and `root` nodes of each list as a secondary
//! instance (`instance('list')/root/item`) above `INSTANCE_BIT`. A list is one of the
//! `choices` sheet or a CSV file attached to the form (`instance('sites')` reads
//! `sites.csv`). A non-relevant node keeps its value for the form's expressions, as in
//! ODK Collect; aggregates read it as the submission does, empty (D1 in
//! `docs/spec-notes-engine.md`).
//!
//! `${name}` is rewritten once, when the form is compiled, into a path from `current()`
//! (`current()/../x`), as pyxform does inside repeats: it then yields every instance
//! the reference can see (all of a repeat's instances from outside it, the same
//! instance's field from inside), which `sum()`, `count()` and `indexed-repeat()` need.
//! Only `choice_filter` keeps `${name}`, resolved through [`Env::field_ref`] from the
//! question, because its context node is the choice item.

use std::cell::Cell;
use std::cmp::Ordering;

use chrono::{DateTime, FixedOffset};

use super::graph::{Graph, static_path};
use super::instance::{InstId, Instance};
use super::scope;
use crate::expr::{self, Axis, Expr, LocationPath, NodeKind, NodeName, NodeTest, Step};
use crate::form::{Choice, ChoiceList, DataType, FormDef, NodeId};

const CHOICE_BIT: usize = 1 << 60;
const INSTANCE_BIT: usize = 1 << 59;

/// The document node.
pub(crate) const DOCUMENT: expr::NodeId = expr::NodeId(0);

pub(crate) fn node(id: InstId) -> expr::NodeId {
    expr::NodeId(id.0 as usize + 1)
}

pub(crate) fn inst(id: expr::NodeId) -> Option<InstId> {
    if id.0 == 0 || id.0 & (CHOICE_BIT | INSTANCE_BIT) != 0 {
        None
    } else {
        Some(InstId((id.0 - 1) as u32))
    }
}

/// A choice item of list `list`, choice `choice`; `column` 0 is the item, `c + 1` its
/// `c`-th column (name, label, then the extra columns).
pub(crate) fn choice_node(list: usize, choice: usize, column: usize) -> expr::NodeId {
    expr::NodeId(CHOICE_BIT | (list << 36) | (choice << 12) | column)
}

/// The document node of list `list` as a secondary instance.
fn instance_document(list: usize) -> expr::NodeId {
    expr::NodeId(INSTANCE_BIT | (list << 1))
}

/// The `root` element of list `list` as a secondary instance.
fn instance_root(list: usize) -> expr::NodeId {
    expr::NodeId(INSTANCE_BIT | (list << 1) | 1)
}

/// `(list, is_root)` for a secondary instance's document or `root` node.
fn split_instance(id: expr::NodeId) -> Option<(usize, bool)> {
    (id.0 & INSTANCE_BIT != 0 && id.0 & CHOICE_BIT == 0)
        .then_some(((id.0 & !INSTANCE_BIT) >> 1, id.0 & 1 == 1))
}

fn split_choice(id: expr::NodeId) -> Option<(usize, usize, usize)> {
    (id.0 & CHOICE_BIT != 0).then(|| {
        let raw = id.0 & !CHOICE_BIT;
        (raw >> 36, (raw >> 12) & ((1 << 24) - 1), raw & 0xfff)
    })
}

pub(crate) struct SessionEnv<'a> {
    pub form: &'a FormDef,
    pub graph: &'a Graph,
    pub instance: &'a Instance,
    pub language: &'a str,
    pub now: DateTime<FixedOffset>,
    pub rng: &'a Cell<u64>,
    /// The node whose expression is evaluated (for `${name}` in choice filters).
    pub origin: InstId,
    pub origin_def: NodeId,
    /// The last saved submission's values (`${last-saved#name}`), one item.
    pub last_saved: &'a ChoiceList,
    /// Read non-relevant nodes as the submission does (empty), as aggregates must
    /// (spec-notes-engine.md, D1). Form expressions read stored values, as ODK Collect.
    pub submitted_only: bool,
}

impl SessionEnv<'_> {
    /// List `list`: one of the form's, or, just past them, the last saved values.
    fn list(&self, list: usize) -> Option<&ChoiceList> {
        self.form
            .choice_lists
            .get(list)
            .or_else(|| (list == self.form.choice_lists.len()).then_some(self.last_saved))
    }

    fn choice(&self, list: usize, choice: usize) -> Option<&Choice> {
        self.list(list)?.choices.get(choice)
    }

    /// The list `instance(id)` names: a list of the `choices` sheet, or an attached
    /// file by its stem (`sites` for `sites.csv`).
    fn instance_list(&self, id: &str) -> Option<usize> {
        let lists = &self.form.choice_lists;
        if id == crate::form::LAST_SAVED_INSTANCE {
            return Some(lists.len());
        }
        lists.iter().position(|l| l.name == id).or_else(|| {
            let file = &self
                .form
                .secondary_instances
                .iter()
                .find(|i| i.id == id)?
                .file;
            lists.iter().position(|l| &l.name == file)
        })
    }

    /// The value of a list item's column by its header (`name`, `label` in the
    /// current language, or an extra column).
    fn item_column(&self, choice: &Choice, column: &str) -> Option<String> {
        match column {
            "name" => Some(choice.name.clone()),
            "label" => choice.label.get_or_first(self.language).map(str::to_string),
            _ => choice
                .extra
                .iter()
                .find(|(k, _)| k == column)
                .map(|(_, v)| v.clone()),
        }
    }

    fn column(&self, list: usize, choice: usize, column: usize) -> Option<(&str, String)> {
        let c = self.choice(list, choice)?;
        match column {
            1 => Some(("name", c.name.clone())),
            2 => Some((
                "label",
                c.label
                    .get_or_first(self.language)
                    .unwrap_or_default()
                    .to_string(),
            )),
            n => c.extra.get(n - 3).map(|(k, v)| (k.as_str(), v.clone())),
        }
    }

    fn ancestors(&self, id: InstId) -> Vec<InstId> {
        let mut chain = vec![id];
        let mut at = id;
        while let Some(p) = self.instance.get(at).parent {
            chain.push(p);
            at = p;
        }
        chain.reverse();
        chain
    }
}

impl expr::Env for SessionEnv<'_> {
    fn root(&self) -> Option<expr::NodeId> {
        Some(DOCUMENT)
    }

    fn kind(&self, id: expr::NodeId) -> NodeKind {
        if id == DOCUMENT || matches!(split_instance(id), Some((_, false))) {
            NodeKind::Root
        } else {
            NodeKind::Element
        }
    }

    fn name(&self, id: expr::NodeId) -> Option<NodeName<'_>> {
        let local: &str = if let Some(i) = inst(id) {
            &self.form.node(self.instance.get(i).def).name
        } else if let Some((list, choice, column)) = split_choice(id) {
            match column {
                0 => "item",
                1 => "name",
                2 => "label",
                n => self.choice(list, choice)?.extra.get(n - 3)?.0.as_str(),
            }
        } else if let Some((_, true)) = split_instance(id) {
            "root"
        } else {
            return None;
        };
        Some(NodeName {
            namespace: None,
            local,
            prefix: None,
        })
    }

    fn parent(&self, id: expr::NodeId) -> Option<expr::NodeId> {
        if let Some(i) = inst(id) {
            return Some(self.instance.get(i).parent.map_or(DOCUMENT, node));
        }
        if let Some((list, is_root)) = split_instance(id) {
            return is_root.then(|| instance_document(list));
        }
        match split_choice(id)? {
            (list, _, 0) => Some(instance_root(list)),
            (list, choice, _) => Some(choice_node(list, choice, 0)),
        }
    }

    fn children(&self, id: expr::NodeId) -> Vec<expr::NodeId> {
        if id == DOCUMENT {
            return vec![node(InstId(0))];
        }
        if let Some(i) = inst(id) {
            return self
                .instance
                .get(i)
                .children
                .iter()
                .map(|c| node(*c))
                .collect();
        }
        if let Some((list, is_root)) = split_instance(id) {
            if !is_root {
                return vec![instance_root(list)];
            }
            let items = self.list(list).map_or(0, |l| l.choices.len());
            return (0..items).map(|c| choice_node(list, c, 0)).collect();
        }
        match split_choice(id) {
            Some((list, choice, 0)) => {
                let extra = self.choice(list, choice).map_or(0, |c| c.extra.len());
                (1..3 + extra)
                    .map(|c| choice_node(list, choice, c))
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    fn attributes(&self, _id: expr::NodeId) -> Vec<expr::NodeId> {
        Vec::new()
    }

    fn string_value(&self, id: expr::NodeId) -> String {
        if let Some(i) = inst(id) {
            let n = self.instance.get(i);
            if !n.relevant && self.submitted_only {
                return String::new();
            }
            if n.children.is_empty() {
                return n.value.clone();
            }
            return n
                .children
                .iter()
                .map(|c| self.string_value(node(*c)))
                .collect();
        }
        if id == DOCUMENT {
            return self.string_value(node(InstId(0)));
        }
        if split_instance(id).is_some() {
            return self
                .children(id)
                .into_iter()
                .map(|c| self.string_value(c))
                .collect();
        }
        match split_choice(id) {
            Some((_, _, 0)) => self
                .children(id)
                .into_iter()
                .map(|c| self.string_value(c))
                .collect(),
            Some((list, choice, column)) => self
                .column(list, choice, column)
                .map(|(_, v)| v)
                .unwrap_or_default(),
            None => String::new(),
        }
    }

    fn document_order(&self, a: expr::NodeId, b: expr::NodeId) -> Ordering {
        let (Some(x), Some(y)) = (inst(a), inst(b)) else {
            return a.cmp(&b);
        };
        if x == y {
            return Ordering::Equal;
        }
        let (ca, cb) = (self.ancestors(x), self.ancestors(y));
        let shared = ca.iter().zip(&cb).take_while(|(p, q)| p == q).count();
        match (ca.get(shared), cb.get(shared)) {
            (None, _) => Ordering::Less,
            (_, None) => Ordering::Greater,
            (Some(p), Some(q)) => self.instance.get(*p).slot.cmp(&self.instance.get(*q).slot),
        }
    }

    fn typed_boolean(&self, id: expr::NodeId) -> Option<bool> {
        let i = inst(id)?;
        let n = self.instance.get(i);
        if !n.children.is_empty() {
            return None;
        }
        let value = self.string_value(id);
        let def = self.form.node(n.def);
        // A number is stored typed in JavaRosa: by a numeric bind, or by a calculation
        // whose result was a number (J3 in spec-notes-engine.md).
        let numeric = matches!(def.data_type, Some(DataType::Int | DataType::Decimal))
            || (def.bind.calculation.is_some() && !expr::parse_xpath_number(&value).is_nan());
        Some(if numeric {
            let x = expr::parse_xpath_number(&value);
            x != 0.0 && !x.is_nan()
        } else {
            !value.is_empty()
        })
    }

    fn field_ref(&self, name: &str, _context: Option<expr::NodeId>) -> Option<expr::NodeId> {
        let target = self.graph.resolve(self.form, name, self.origin_def)?;
        scope::nearest_instances(
            self.form,
            self.graph,
            self.instance,
            self.origin,
            self.origin_def,
            target,
        )
        .first()
        .map(|i| node(*i))
    }

    fn instance(&self, id: &str) -> Option<expr::NodeId> {
        self.instance_list(id).map(instance_document)
    }

    /// `pulldata('sites', 'district', 'name', ${site})`: the first item of the list
    /// whose `key_column` is `key`.
    fn pulldata(
        &self,
        instance: &str,
        column: &str,
        key_column: &str,
        key: &str,
    ) -> Option<String> {
        let list = self.list(self.instance_list(instance)?)?;
        list.choices
            .iter()
            .find(|c| self.item_column(c, key_column).as_deref() == Some(key))
            .and_then(|c| self.item_column(c, column))
    }

    fn choice_name(
        &self,
        value: &str,
        question_path: &str,
        _context: Option<expr::NodeId>,
    ) -> Option<String> {
        let text = question_path.trim();
        let target = match text.strip_prefix("${").and_then(|t| t.strip_suffix('}')) {
            Some(name) => self.graph.resolve(self.form, name, self.origin_def)?,
            None => match expr::parse(text).ok()? {
                Expr::Path(path) => static_path(self.form, &path, self.origin_def)?,
                _ => return None,
            },
        };
        let select = self.form.node(target).select.as_ref()?;
        let list = self.form.choice_list(&select.list_name)?;
        let choice = list.choices.iter().find(|c| c.name == value)?;
        Some(
            choice
                .label
                .get_or_first(self.language)
                .unwrap_or_default()
                .to_string(),
        )
    }

    fn now(&self) -> DateTime<FixedOffset> {
        self.now
    }

    fn random(&self) -> f64 {
        (scope::next_random(self.rng) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Rewrites every `${name}` of an expression owned by `origin` into a path from
/// `current()`: up to the nearest common ancestor, then down to the target.
pub(crate) fn rewrite_refs(form: &FormDef, graph: &Graph, expr: &Expr, origin: NodeId) -> Expr {
    let again = |e: &Expr| rewrite_refs(form, graph, e, origin);
    match expr {
        Expr::FieldRef(name) => match graph.resolve(form, name, origin) {
            Some(target) => path_from(form, origin, target),
            None => expr.clone(),
        },
        Expr::Number(_) | Expr::Literal(_) => expr.clone(),
        Expr::Path(path) => Expr::Path(LocationPath {
            absolute: path.absolute,
            steps: path.steps.iter().map(|s| rewrite_step(s, &again)).collect(),
        }),
        Expr::Filter {
            primary,
            predicates,
            steps,
        } => Expr::Filter {
            primary: Box::new(again(primary)),
            predicates: predicates.iter().map(&again).collect(),
            steps: steps.iter().map(|s| rewrite_step(s, &again)).collect(),
        },
        Expr::Negate(inner) => Expr::Negate(Box::new(again(inner))),
        Expr::Binary { op, left, right } => Expr::Binary {
            op: *op,
            left: Box::new(again(left)),
            right: Box::new(again(right)),
        },
        // pyxform writes indexed-repeat's field and repeat arguments as absolute
        // paths: they name the nodes across all instances, and the indexes pick one.
        Expr::Call { name, args } if name == "indexed-repeat" => Expr::Call {
            name: name.clone(),
            args: args
                .iter()
                .enumerate()
                .map(|(i, arg)| match arg {
                    Expr::FieldRef(field) if i == 0 || i % 2 == 1 => {
                        match graph.resolve(form, field, origin) {
                            Some(target) => absolute_path(form, target),
                            None => arg.clone(),
                        }
                    }
                    _ => again(arg),
                })
                .collect(),
        },
        Expr::Call { name, args } => Expr::Call {
            name: name.clone(),
            args: args.iter().map(&again).collect(),
        },
    }
}

/// `/root/a/b` for `target`.
fn absolute_path(form: &FormDef, target: NodeId) -> Expr {
    let mut names = Vec::new();
    let mut at = Some(target);
    while let Some(id) = at {
        names.push(form.node(id).name.clone());
        at = form.node(id).parent;
    }
    names.reverse();
    Expr::Path(LocationPath {
        absolute: true,
        steps: names
            .into_iter()
            .map(|local| Step {
                axis: Axis::Child,
                test: NodeTest::Name {
                    prefix: None,
                    local,
                },
                predicates: Vec::new(),
            })
            .collect(),
    })
}

fn rewrite_step(step: &Step, again: &dyn Fn(&Expr) -> Expr) -> Step {
    Step {
        axis: step.axis,
        test: step.test.clone(),
        predicates: step.predicates.iter().map(again).collect(),
    }
}

/// `current()/../../a/b` from `origin` to `target`.
fn path_from(form: &FormDef, origin: NodeId, target: NodeId) -> Expr {
    let chain = |mut id: NodeId| {
        let mut out = vec![id];
        while let Some(p) = form.node(id).parent {
            out.push(p);
            id = p;
        }
        out.reverse();
        out
    };
    let (from, to) = (chain(origin), chain(target));
    let shared = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut steps: Vec<Step> = (shared..from.len())
        .map(|_| Step {
            axis: Axis::Parent,
            test: NodeTest::Node,
            predicates: Vec::new(),
        })
        .collect();
    steps.extend(to[shared..].iter().map(|id| Step {
        axis: Axis::Child,
        test: NodeTest::Name {
            prefix: None,
            local: form.node(*id).name.clone(),
        },
        predicates: Vec::new(),
    }));
    Expr::Filter {
        primary: Box::new(Expr::Call {
            name: "current".into(),
            args: Vec::new(),
        }),
        predicates: Vec::new(),
        steps,
    }
}

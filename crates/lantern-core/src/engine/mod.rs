//! The form session: one filling of a form, with no IO. It holds the filled instance
//! tree (groups, questions, repeat instances), applies answers, and keeps every
//! computed property (relevance, `required`, `readonly`, `calculation`, `constraint`,
//! `repeat_count`) current by recomputing only what depends on what changed, in the
//! topological order of the form's dependency graph ([`CompiledForm`], built once per
//! form, cycles rejected). Time and randomness come in through [`Config`].
//!
//! The UI reads a [`view::View`] (pages of questions with their current state) and
//! never decides state itself; [`Session::result`] is the instance as JSON with the
//! values of non-relevant nodes left out. The rules and deviations are in
//! `docs/spec-notes-engine.md`.

mod env;
mod fill;
mod graph;
mod indicators;
mod instance;
mod scope;
pub mod view;

use std::cell::Cell;
use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

pub use crate::expr::EvalError;
pub use fill::{AnswerRecord, AnswerResult};
pub use indicators::{Contribution, IndicatorInput};
pub use instance::InstId;

use env::SessionEnv;
use graph::{Graph, is_repeat, within};
use instance::{InstNode, Instance};

use crate::expr::Value;
use crate::form::{ChoiceList, Control, DataType, FormDef, NodeId, NodeKind, SelectKind};

/// What can go wrong driving a session; each variant has a stable [`EngineError::code`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    #[error("{path}: the {column} expression cannot be parsed: {message}")]
    Expression {
        path: String,
        column: &'static str,
        message: String,
    },
    #[error("these fields depend on each other in a cycle: {}", paths.join(", "))]
    Cycle { paths: Vec<String> },
    #[error("no field at {path}")]
    UnknownField { path: String },
    #[error(
        "{path} names more than one node (a field inside a repeat); give the repeat index, e.g. /form/repeat[2]/field"
    )]
    Ambiguous { path: String },
    #[error("{path} is not a question")]
    NotAQuestion { path: String },
    #[error("{path} is read-only (calculated or marked readonly)")]
    ReadOnly { path: String },
    #[error("{path} is not relevant now, so it cannot be answered")]
    NotRelevant { path: String },
    #[error("{path}: {message}")]
    InvalidValue { path: String, message: String },
    #[error("{path} is not a repeat instance")]
    NotARepeat { path: String },
    #[error("{path}: the number of instances is set by repeat_count")]
    FixedRepeatCount { path: String },
    #[error("{text} is not an RFC 3339 time ({message})")]
    InvalidTime { text: String, message: String },
    #[error("the form has no language {language}")]
    UnknownLanguage { language: String },
}

impl EngineError {
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::Expression { .. } => "engine.expression",
            EngineError::Cycle { .. } => "engine.cycle",
            EngineError::UnknownField { .. } => "engine.unknown_field",
            EngineError::Ambiguous { .. } => "engine.ambiguous",
            EngineError::NotAQuestion { .. } => "engine.not_a_question",
            EngineError::ReadOnly { .. } => "engine.read_only",
            EngineError::NotRelevant { .. } => "engine.not_relevant",
            EngineError::InvalidValue { .. } => "engine.invalid_value",
            EngineError::NotARepeat { .. } => "engine.not_a_repeat",
            EngineError::FixedRepeatCount { .. } => "engine.fixed_repeat_count",
            EngineError::UnknownLanguage { .. } => "engine.unknown_language",
            EngineError::InvalidTime { .. } => "engine.invalid_time",
        }
    }
}

/// The state of one answer, as `answer()` returns it and `validate_all()` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    RequiredButEmpty,
    ConstraintViolated {
        message: String,
    },
    /// One of the node's expressions could not be evaluated (an unsupported function,
    /// a wrong number of arguments): the form cannot be trusted, so it blocks.
    ExpressionFailed {
        message: String,
    },
}

/// A question that blocks finalizing, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Blocker {
    pub path: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// What a session needs from outside: the time it runs at and its randomness.
#[derive(Debug, Clone)]
pub struct Config {
    /// `now()`, `today()`, and the `start`/`today` metadata.
    pub now: DateTime<FixedOffset>,
    /// Seeds `random()`, `uuid()` and `meta/instanceID`.
    pub seed: u64,
    /// The language to show; `None` for the form's default language.
    pub language: Option<String>,
}

impl Config {
    /// A configuration at an RFC 3339 instant (`2026-11-23T08:00:00+03:00`).
    pub fn at_rfc3339(now: &str, seed: u64) -> Result<Config, EngineError> {
        let now = DateTime::parse_from_rfc3339(now).map_err(|e| EngineError::InvalidTime {
            text: now.to_string(),
            message: e.to_string(),
        })?;
        Ok(Config {
            now,
            seed,
            language: None,
        })
    }

    /// A configuration at a Unix time in milliseconds, in UTC (for callers that read
    /// the system clock at the edge).
    pub fn at_unix_millis(millis: i64, seed: u64) -> Result<Config, EngineError> {
        let now = DateTime::from_timestamp_millis(millis)
            .ok_or_else(|| EngineError::InvalidTime {
                text: millis.to_string(),
                message: "out of range".into(),
            })?
            .fixed_offset();
        Ok(Config {
            now,
            seed,
            language: None,
        })
    }
}

/// A form ready to run: the definition and its dependency graph, shared by sessions.
#[derive(Debug)]
pub struct CompiledForm {
    pub form: FormDef,
    graph: Graph,
    /// The indicators' expressions, rewritten once per form (built on first use).
    program: std::sync::OnceLock<Result<indicators::Program, EngineError>>,
}

impl CompiledForm {
    /// Parses every expression and orders the form's nodes; fails on an expression that
    /// does not parse or on a dependency cycle.
    pub fn new(form: FormDef) -> Result<Arc<CompiledForm>, EngineError> {
        let graph = Graph::build(&form)?;
        Ok(Arc::new(CompiledForm {
            form,
            graph,
            program: std::sync::OnceLock::new(),
        }))
    }
}

/// One filling of a form. Its `Debug` names the form and language, never the answers
/// (issue 13, item 10).
#[derive(Clone)]
pub struct Session {
    compiled: Arc<CompiledForm>,
    instance: Instance,
    language: String,
    now: DateTime<FixedOffset>,
    rng: Cell<u64>,
    /// Work to do: `(rank, instance node)`. When the node is an instance of the rank's
    /// definition node its state is recomputed; otherwise the rank's node is a repeat
    /// and the instance node is its parent, whose number of repeat instances
    /// (`repeat_count`) is recomputed.
    dirty: BTreeSet<(u32, u32)>,
    /// Nodes created since the last recompute, whose dependents must learn of them.
    fresh: Vec<bool>,
    /// Whether the form's first instance is being built (see `recompute_count`).
    starting: bool,
    /// The last saved submission's values, for `${last-saved#name}`.
    last_saved: ChoiceList,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("form_id", &self.compiled.form.form_id)
            .field("language", &self.language)
            .finish_non_exhaustive()
    }
}

impl Session {
    pub fn new(compiled: Arc<CompiledForm>, config: Config) -> Result<Session, EngineError> {
        Session::new_with_last_saved(compiled, config, Vec::new())
    }

    /// A session whose `${last-saved#name}` references read `last_saved`: the values of
    /// the last submission of the same form saved on the device, by field name, as the
    /// caller (the vault's owner) reads them. A name not given reads empty, as in
    /// Collect when nothing was saved yet. Defaults that use them are set at the start.
    pub fn new_with_last_saved(
        compiled: Arc<CompiledForm>,
        config: Config,
        last_saved: Vec<(String, String)>,
    ) -> Result<Session, EngineError> {
        let form = &compiled.form;
        let language = match config.language {
            Some(language) => {
                if !form.languages.contains(&language) {
                    return Err(EngineError::UnknownLanguage { language });
                }
                language
            }
            None => form
                .default_language
                .clone()
                .or_else(|| form.languages.first().cloned())
                .unwrap_or_else(|| crate::form::DEFAULT_LANGUAGE.to_string()),
        };
        let mut session = Session {
            compiled,
            instance: Instance::default(),
            language,
            now: config.now,
            rng: Cell::new(config.seed),
            dirty: BTreeSet::new(),
            fresh: Vec::new(),
            starting: true,
            last_saved: ChoiceList {
                name: crate::form::LAST_SAVED_INSTANCE.to_string(),
                choices: vec![crate::form::Choice {
                    name: String::new(),
                    label: crate::form::Text::default(),
                    media: Vec::new(),
                    extra: last_saved,
                    row: None,
                }],
            },
        };
        session.create_subtree(NodeId(0), None, None);
        session.process();
        session.starting = false;
        Ok(session)
    }

    pub fn form(&self) -> &FormDef {
        &self.compiled.form
    }

    pub fn language(&self) -> &str {
        &self.language
    }

    /// Shows labels, hints and messages in another of the form's languages.
    pub fn set_language(&mut self, language: &str) -> Result<(), EngineError> {
        if !self.form().languages.iter().any(|l| l == language) {
            return Err(EngineError::UnknownLanguage {
                language: language.to_string(),
            });
        }
        self.language = language.to_string();
        Ok(())
    }

    /// The instance as the shared evaluator sees it, for the expressions of
    /// `origin_def` evaluated at instance node `origin`.
    fn env(&self, origin: InstId, origin_def: NodeId) -> SessionEnv<'_> {
        SessionEnv {
            form: &self.compiled.form,
            graph: &self.compiled.graph,
            instance: &self.instance,
            language: &self.language,
            now: self.now,
            rng: &self.rng,
            origin,
            origin_def,
            submitted_only: false,
            last_saved: &self.last_saved,
        }
    }

    /// Evaluates an expression reading non-relevant nodes as the submission does
    /// (empty): what an aggregate reads (D1 in `docs/spec-notes-engine.md`).
    fn eval_submitted(
        &self,
        expr: &crate::expr::Expr,
        at: InstId,
        def: NodeId,
    ) -> Result<(crate::expr::Value, SessionEnv<'_>), EvalError> {
        let mut env = self.env(at, def);
        env.submitted_only = true;
        let value = crate::expr::evaluate(expr, &env, Some(env::node(at)))?;
        Ok((value, env))
    }

    /// Evaluates an expression of `def` at instance node `at`.
    fn eval(
        &self,
        expr: &crate::expr::Expr,
        at: InstId,
        def: NodeId,
    ) -> Result<(crate::expr::Value, SessionEnv<'_>), EvalError> {
        let env = self.env(at, def);
        let value = crate::expr::evaluate(expr, &env, Some(env::node(at)))?;
        Ok((value, env))
    }

    fn eval_bool(
        &self,
        expr: &crate::expr::Expr,
        at: InstId,
        def: NodeId,
    ) -> Result<bool, EvalError> {
        self.eval(expr, at, def).map(|(v, env)| v.to_bool_in(&env))
    }

    fn eval_string(
        &self,
        expr: &crate::expr::Expr,
        at: InstId,
        def: NodeId,
    ) -> Result<String, EvalError> {
        self.eval(expr, at, def)
            .map(|(v, env)| v.to_string_value(&env))
    }

    /// Evaluates a calculation into the text stored for `def`, cast to its bind type
    /// as JavaRosa stores it (see [`stored_text`]).
    fn eval_stored(
        &self,
        expr: &crate::expr::Expr,
        at: InstId,
        def: NodeId,
    ) -> Result<String, EvalError> {
        let data_type = self.compiled.form.node(def).data_type;
        self.eval(expr, at, def)
            .map(|(v, env)| stored_text(&v, &env, data_type))
    }

    fn eval_number(
        &self,
        expr: &crate::expr::Expr,
        at: InstId,
        def: NodeId,
    ) -> Result<f64, EvalError> {
        self.eval(expr, at, def).map(|(v, env)| v.to_number(&env))
    }

    fn nearest_instances(&self, from: InstId, from_def: NodeId, target: NodeId) -> Vec<InstId> {
        let c = &self.compiled;
        scope::nearest_instances(&c.form, &c.graph, &self.instance, from, from_def, target)
    }

    fn instances_under(&self, anchor: InstId, target: NodeId) -> Vec<InstId> {
        scope::instances_under(&self.compiled.form, &self.instance, anchor, target)
    }

    /// Creates the instance nodes of `def` under `parent` (at `index` among the parent's
    /// children, else last), with literal defaults and preloads, and marks them for
    /// recompute. A repeat without `repeat_count` starts with one instance, as in the
    /// XForm pyxform writes; one with `repeat_count` gets its instances from the count.
    fn create_subtree(
        &mut self,
        def: NodeId,
        parent: Option<InstId>,
        index: Option<usize>,
    ) -> InstId {
        let compiled = Arc::clone(&self.compiled);
        let node = compiled.form.node(def);
        let mut inst = InstNode::new(def, parent);
        if let Some(default) = &node.bind.default
            && compiled.graph.nodes[def.0].dynamic_default.is_none()
        {
            inst.value = default.clone();
        }
        inst.initialized = compiled.graph.nodes[def.0].dynamic_default.is_none();
        if let Some(preload) = node.preload {
            inst.value = match (preload.preload, preload.params) {
                // A headless session has one time: `end` is the session time too.
                ("timestamp", _) => self.now.format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string(),
                ("date", "today") => self.now.format("%Y-%m-%d").to_string(),
                ("uid", _) => format!("uuid:{}", scope::uuid(&self.rng)),
                _ => String::new(),
            };
        }
        let id = self.instance.push(inst);
        self.fresh.push(true);
        if let Some(parent) = parent {
            let children = &mut self.instance.get_mut(parent).children;
            match index {
                Some(i) if i < children.len() => {
                    children.insert(i, id);
                    self.instance.renumber(parent);
                }
                _ => {
                    children.push(id);
                    let slot = children.len() as u32 - 1;
                    self.instance.get_mut(id).slot = slot;
                }
            }
        }
        self.dirty.insert((compiled.graph.rank[def.0], id.0));
        for child in &node.children {
            let child_node = compiled.form.node(*child);
            if child_node.kind == NodeKind::Repeat {
                if child_node.repeat_count.is_some() {
                    self.dirty.insert((compiled.graph.rank[child.0], id.0));
                } else {
                    self.create_subtree(*child, Some(id), None);
                }
            } else {
                self.create_subtree(*child, Some(id), None);
            }
        }
        id
    }

    /// Recomputes everything marked, lowest rank first, following changes to their
    /// dependents.
    fn process(&mut self) {
        while let Some((rank, id)) = self.dirty.pop_first() {
            let inst = InstId(id);
            if !self.instance.get(inst).alive {
                continue;
            }
            let def = self.compiled.graph.order[rank as usize];
            if self.instance.get(inst).def == def {
                let changed = self.recompute_node(inst);
                let fresh = std::mem::replace(&mut self.fresh[id as usize], false);
                if changed || fresh {
                    self.push_dependents(inst);
                }
            } else {
                self.recompute_count(def, inst);
            }
        }
    }

    /// Re-evaluates one node's binds; returns whether its value or relevance changed.
    fn recompute_node(&mut self, id: InstId) -> bool {
        let compiled = Arc::clone(&self.compiled);
        let node = self.instance.get(id);
        let def = node.def;
        let form_node = compiled.form.node(def);
        let binds = &compiled.graph.nodes[def.0];
        let mut error: Option<String> = None;
        let (relevant, required, readonly, value, initialized) = {
            let mut boolean = |expr: &Option<crate::expr::Expr>, otherwise: bool| match expr {
                None => otherwise,
                Some(e) => match self.eval_bool(e, id, def) {
                    Ok(v) => v,
                    Err(err) => {
                        error.get_or_insert(err.to_string());
                        otherwise
                    }
                },
            };
            let parent_relevant = node.parent.is_none_or(|p| self.instance.get(p).relevant);
            let relevant = parent_relevant && boolean(&binds.relevant, true);
            let required = boolean(&binds.required, false);
            let readonly = binds.calculation.is_some() || boolean(&binds.readonly, false);
            let mut value = node.value.clone();
            let mut initialized = node.initialized;
            if !initialized && let Some(default) = &binds.dynamic_default {
                value = match self.eval_string(default, id, def) {
                    Ok(v) => v,
                    Err(err) => {
                        error.get_or_insert(err.to_string());
                        String::new()
                    }
                };
                initialized = true;
            }
            let mut calculated = |expr: &crate::expr::Expr| match self.eval_stored(expr, id, def) {
                Ok(v) => Some(v),
                Err(err) => {
                    error.get_or_insert(err.to_string());
                    None
                }
            };
            // Computed whether relevant or not, as JavaRosa does: the form's other
            // expressions read it (D1); the submission leaves it out when not relevant.
            if let Some(calculation) = &binds.calculation
                && form_node.trigger.is_empty()
                && let Some(v) = calculated(calculation)
            {
                value = v;
            }
            (relevant, required, readonly, value, initialized)
        };
        let node = self.instance.get_mut(id);
        let changed = node.value != value || node.relevant != relevant;
        node.value = value;
        node.relevant = relevant;
        node.required = required;
        node.readonly = readonly;
        node.initialized = initialized;
        // The constraint reads the node's new value through `.`.
        let mut constraint_ok = true;
        if relevant
            && !self.instance.get(id).value.is_empty()
            && let Some(constraint) = &binds.constraint
        {
            match self.eval_bool(constraint, id, def) {
                Ok(v) => constraint_ok = v,
                Err(err) => {
                    error.get_or_insert(err.to_string());
                }
            }
        }
        let node = self.instance.get_mut(id);
        node.constraint_ok = constraint_ok;
        node.error = error;
        changed
    }

    /// Sets the number of instances of `repeat` under `parent` to its `repeat_count`
    /// (adding or removing at the end).
    fn recompute_count(&mut self, repeat: NodeId, parent: InstId) {
        let Some(count) = &self.compiled.graph.nodes[repeat.0].repeat_count else {
            return;
        };
        let parent_def = self.instance.get(parent).def;
        let existing: Vec<InstId> = self.repeat_instances(parent, repeat);
        let wanted = {
            match self.eval_number(count, parent, parent_def) {
                // A blank count changes nothing, as in JavaRosa (J1 in
                // spec-notes-engine.md): the form's first instance has one repeat
                // instance, as the XForm pyxform writes; one added later has none.
                Ok(n) if n.is_nan() => {
                    if self.starting {
                        1
                    } else {
                        existing.len()
                    }
                }
                // A count from a bad answer must not exhaust the device: cap it.
                Ok(n) => {
                    if n < 0.0 {
                        0
                    } else {
                        n.min(MAX_REPEAT_COUNT as f64) as usize
                    }
                }
                Err(_) => 0,
            }
        };
        if existing.len() < wanted {
            for _ in existing.len()..wanted {
                self.create_subtree(repeat, Some(parent), None);
            }
        } else {
            for id in existing[wanted..].iter().rev() {
                self.detach(*id);
            }
            if existing.len() > wanted {
                self.push_structure(repeat);
            }
        }
    }

    fn repeat_instances(&self, parent: InstId, repeat: NodeId) -> Vec<InstId> {
        self.instance
            .get(parent)
            .children
            .iter()
            .copied()
            .filter(|c| self.instance.get(*c).def == repeat)
            .collect()
    }

    /// Marks for recompute every dependent of instance node `x`, limited to the nodes
    /// that can see it: inside the same repeat instance when both are in one.
    fn push_dependents(&mut self, x: InstId) {
        let compiled = Arc::clone(&self.compiled);
        let graph = &compiled.graph;
        let source = self.instance.get(x).def;
        let mut marks = Vec::new();
        {
            for dependent in &graph.dependents[source.0] {
                let rank = graph.rank[dependent.0];
                let node = compiled.form.node(*dependent);
                if node.repeat_count.is_some()
                    && let Some(parent) = node.parent
                {
                    marks.extend(
                        self.nearest_instances(x, source, parent)
                            .into_iter()
                            .map(|p| (rank, p.0)),
                    );
                }
                let seen = if graph.unscoped[source.0].contains(dependent) {
                    self.instances_under(InstId(0), *dependent)
                } else {
                    self.nearest_instances(x, source, *dependent)
                };
                marks.extend(seen.into_iter().map(|d| (rank, d.0)));
            }
        }
        self.dirty.extend(marks);
    }

    /// After repeat instances were removed or reordered, positions and node-sets
    /// changed: recompute every instance of every node of the repeat and of everything
    /// depending on them.
    fn push_structure(&mut self, repeat: NodeId) {
        let compiled = Arc::clone(&self.compiled);
        let graph = &compiled.graph;
        let mut marks = Vec::new();
        {
            let mut defs: Vec<NodeId> = compiled
                .form
                .nodes
                .iter()
                .filter(|n| within(&compiled.form, n.id, repeat))
                .map(|n| n.id)
                .collect();
            let inner = defs.clone();
            for d in &inner {
                defs.extend(graph.dependents[d.0].iter().copied());
            }
            defs.sort();
            defs.dedup();
            for d in defs {
                let rank = graph.rank[d.0];
                marks.extend(
                    self.instances_under(InstId(0), d)
                        .into_iter()
                        .map(|i| (rank, i.0)),
                );
                if compiled.form.node(d).repeat_count.is_some()
                    && let Some(parent) = compiled.form.node(d).parent
                {
                    marks.extend(
                        self.instances_under(InstId(0), parent)
                            .into_iter()
                            .map(|i| (rank, i.0)),
                    );
                }
            }
        }
        self.dirty.extend(marks);
    }

    fn detach(&mut self, id: InstId) {
        for n in self.instance.subtree(id) {
            self.instance.get_mut(n).alive = false;
        }
        if let Some(parent) = self.instance.get(id).parent {
            self.instance.get_mut(parent).children.retain(|c| *c != id);
            self.instance.renumber(parent);
        }
    }

    /// Recomputes every node from scratch (what the incremental path must agree with).
    pub fn recompute_all(&mut self) {
        let graph = &self.compiled.graph;
        let mut marks = Vec::new();
        for id in self.instance.subtree(InstId(0)) {
            let def = self.instance.get(id).def;
            marks.push((graph.rank[def.0], id.0));
            for child in &self.compiled.form.node(def).children {
                if self.compiled.form.node(*child).repeat_count.is_some() {
                    marks.push((graph.rank[child.0], id.0));
                }
            }
        }
        self.dirty.extend(marks);
        self.process();
    }

    /// Finds an instance node by absolute path (`/form_id/group/repeat[2]/name`), or by
    /// name (`name`, `repeat[2]/name`) when the name is unique in the form.
    pub fn find(&self, path: &str) -> Result<InstId, EngineError> {
        let unknown = || EngineError::UnknownField {
            path: path.to_string(),
        };
        let form = self.form();
        let mut segments = path.trim_start_matches('/').split('/').map(split_index);
        let mut at = if path.starts_with('/') {
            let (root, _) = segments.next().ok_or_else(unknown)?;
            if root != form.form_id && root != form.instance_name {
                return Err(unknown());
            }
            InstId(0)
        } else {
            let (name, index) = segments.next().ok_or_else(unknown)?;
            let mut defs = form.nodes_named(name);
            let def = defs.next().ok_or_else(unknown)?.id;
            if defs.next().is_some() {
                return Err(EngineError::Ambiguous {
                    path: path.to_string(),
                });
            }
            let found = self.instances_under(InstId(0), def);
            pick(found, index, path)?
        };
        for (name, index) in segments {
            let mut matching: Vec<InstId> = self
                .instance
                .get(at)
                .children
                .iter()
                .copied()
                .filter(|c| form.node(self.instance.get(*c).def).name == name)
                .collect();
            if matching.is_empty() {
                // `visits[2]/age` may name a field inside a plain group of the instance.
                let at_def = self.instance.get(at).def;
                let mut nested = form
                    .nodes_named(name)
                    .filter(|n| in_plain_groups_of(form, n.id, at_def));
                if let (Some(def), None) = (nested.next(), nested.next()) {
                    matching = self.instances_under(at, def.id);
                }
            }
            at = pick(matching, index, path)?;
        }
        Ok(at)
    }

    /// The absolute path of an instance node, with `[n]` on repeat instances.
    pub fn path_of(&self, id: InstId) -> String {
        let mut parts = Vec::new();
        let mut at = Some(id);
        while let Some(node_id) = at {
            let node = self.instance.get(node_id);
            let def = self.form().node(node.def);
            if def.kind == NodeKind::Repeat {
                parts.push(format!("{}[{}]", def.name, self.instance.position(node_id)));
            } else if def.kind == NodeKind::Root {
                parts.push(self.form().form_id.clone());
            } else {
                parts.push(def.name.clone());
            }
            at = node.parent;
        }
        parts.reverse();
        format!("/{}", parts.join("/"))
    }

    /// Answers a question with its XForms text value (numbers as digits, a
    /// `select_multiple` as space-separated choice names, dates as `YYYY-MM-DD`).
    /// An empty value clears the answer.
    pub fn answer(&mut self, path: &str, value: &str) -> Result<Outcome, EngineError> {
        let id = self.find(path)?;
        self.answer_node(id, value)
    }

    /// Answers the question at instance node `id` (see [`Session::answer`]).
    pub fn answer_node(&mut self, id: InstId, value: &str) -> Result<Outcome, EngineError> {
        let node = self.instance.get(id);
        let def = self.form().node(node.def);
        let full_path = self.path_of(id);
        if def.kind != NodeKind::Question {
            return Err(EngineError::NotAQuestion { path: full_path });
        }
        if node.readonly {
            return Err(EngineError::ReadOnly { path: full_path });
        }
        if !node.relevant {
            return Err(EngineError::NotRelevant { path: full_path });
        }
        let value =
            self.check_value(def.id, value)
                .map_err(|message| EngineError::InvalidValue {
                    path: full_path,
                    message,
                })?;
        let node = self.instance.get_mut(id);
        if node.value != value {
            node.value = value;
            self.push_dependents(id);
            self.run_triggers(id);
        }
        let rank = self.compiled.graph.rank[self.instance.get(id).def.0];
        self.dirty.insert((rank, id.0));
        self.process();
        Ok(self.outcome(id))
    }

    /// Runs the calculations whose `trigger` names the question just answered.
    fn run_triggers(&mut self, source: InstId) {
        let compiled = Arc::clone(&self.compiled);
        let source_def = self.instance.get(source).def;
        let Some(targets) = compiled.graph.triggered_by.get(&source_def) else {
            return;
        };
        for target in targets {
            let Some(calculation) = &compiled.graph.nodes[target.0].calculation else {
                continue;
            };
            let instances = self.nearest_instances(source, source_def, *target);
            for id in instances {
                let value = self.eval_stored(calculation, id, *target);
                match value {
                    Ok(v) => self.instance.get_mut(id).value = v,
                    Err(e) => self.instance.get_mut(id).error = Some(e.to_string()),
                }
                self.push_dependents(id);
            }
        }
    }

    /// Checks and normalises an answer for the question's type.
    fn check_value(&self, def: NodeId, value: &str) -> Result<String, String> {
        let value = value.trim();
        if value.is_empty() {
            return Ok(String::new());
        }
        let node = self.form().node(def);
        // A `select_one_from_file` list is known once its file is attached
        // (`xlsform::attach_csv`); until then answers are taken as given.
        if let Some(select) = &node.select
            && select.from_repeat.is_none()
            && let Some(list) = self.form().choice_list(&select.list_name)
        {
            // A select_one choice name may contain a space ("foot paths"), as pyxform
            // and JavaRosa accept (select_multiple names may not: refused at import).
            if select.kind == SelectKind::One && list.choices.iter().any(|c| c.name == value) {
                return Ok(value.to_string());
            }
            let names: Vec<&str> = value.split_whitespace().collect();
            if select.kind == SelectKind::One && names.len() > 1 {
                return Err("choose one choice only".into());
            }
            for name in &names {
                if !list.choices.iter().any(|c| c.name == *name) {
                    // The message never repeats the answer (issue 13, item 10).
                    return Err(format!(
                        "the answer is not a choice of the list {}",
                        list.name
                    ));
                }
            }
            return Ok(names.join(" "));
        }
        match node.data_type {
            Some(DataType::Int) => value
                .parse::<i64>()
                .map(|n| n.to_string())
                .map_err(|_| "the answer is not a whole number".to_string()),
            Some(DataType::Decimal) => match value.parse::<f64>() {
                Ok(n) if n.is_finite() => Ok(value.to_string()),
                _ => Err("the answer is not a number".to_string()),
            },
            Some(DataType::Date) => chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .map(|_| value.to_string())
                .map_err(|_| "the answer is not a date (YYYY-MM-DD)".to_string()),
            _ => Ok(value.to_string()),
        }
    }

    /// The outcome of a node now.
    fn outcome(&self, id: InstId) -> Outcome {
        let node = self.instance.get(id);
        if !node.relevant {
            return Outcome::Ok;
        }
        if let Some(message) = &node.error {
            return Outcome::ExpressionFailed {
                message: message.clone(),
            };
        }
        if node.required && node.value.is_empty() {
            return Outcome::RequiredButEmpty;
        }
        if !node.constraint_ok {
            let def = self.form().node(node.def);
            let message = def
                .bind
                .constraint_message
                .get_or_first(&self.language)
                .map(str::to_string)
                .unwrap_or_else(|| "Value not allowed".to_string());
            return Outcome::ConstraintViolated {
                message: self.interpolate(&message, id),
            };
        }
        Outcome::Ok
    }

    /// Prepares the instance for finalizing as ODK Collect does: a select's answer that
    /// its choice filter no longer offers (the filter's question was changed after it)
    /// is cleared, keeping the offered names of a select_multiple (J7 in
    /// spec-notes-engine.md). Returns the paths cleared, so the caller can tell the
    /// enumerator; call it before [`Session::validate_all`].
    pub fn prepare_finalize(&mut self) -> Vec<String> {
        let mut cleared = Vec::new();
        for id in self.instance.subtree(InstId(0)) {
            let node = self.instance.get(id);
            let def = self.form().node(node.def);
            // A select_one_external is a text input here, as in Collect: never cleared.
            let filtered = matches!(def.control, Control::Select1 | Control::Select)
                && (def.select.as_ref().is_some_and(|s| s.from_repeat.is_some())
                    || self.compiled.graph.nodes[def.id.0].choice_filter.is_some());
            if !node.alive || !filtered || !node.relevant || node.readonly || node.value.is_empty()
            {
                continue;
            }
            let offered: Vec<String> = self.choices(id).into_iter().map(|c| c.name).collect();
            let value = node.value.clone();
            let kept = if offered.contains(&value) {
                value.clone()
            } else if def
                .select
                .as_ref()
                .is_some_and(|s| s.kind == SelectKind::Multiple)
            {
                value
                    .split_whitespace()
                    .filter(|n| offered.iter().any(|o| o == n))
                    .collect::<Vec<_>>()
                    .join(" ")
            } else {
                String::new()
            };
            if kept != value {
                cleared.push(self.path_of(id));
                self.instance.get_mut(id).value = kept;
                self.push_dependents(id);
                let rank = self.compiled.graph.rank[self.instance.get(id).def.0];
                self.dirty.insert((rank, id.0));
                self.process();
            }
        }
        cleared
    }

    /// Every relevant question that blocks finalizing, in document order. A field with
    /// no control (a `calculate`, `hidden`, metadata) is never asked, so, as in ODK
    /// Collect, its `required` and `constraint` do not block: the enumerator could
    /// neither see nor fix them (L2 in spec-notes-engine.md). An expression that
    /// cannot be evaluated still blocks.
    pub fn validate_all(&self) -> Vec<Blocker> {
        self.instance
            .subtree(InstId(0))
            .into_iter()
            .filter(|id| self.form().node(self.instance.get(*id).def).kind == NodeKind::Question)
            .filter_map(|id| match self.outcome(id) {
                Outcome::Ok => None,
                Outcome::RequiredButEmpty | Outcome::ConstraintViolated { .. }
                    if self.form().node(self.instance.get(id).def).control == Control::None =>
                {
                    None
                }
                outcome => Some(Blocker {
                    path: self.path_of(id),
                    outcome,
                }),
            })
            .collect()
    }

    /// Appends a repeat instance; `repeat` names the repeat (`visits`,
    /// `/form/visits`, `/form/outer[2]/inner`). Returns the new instance's path.
    pub fn add_repeat(&mut self, repeat: &str) -> Result<String, EngineError> {
        let (parent, def) = self.repeat_parent(repeat)?;
        let id = self.create_subtree(def, Some(parent), None);
        self.process();
        Ok(self.path_of(id))
    }

    /// Inserts a repeat instance before the `index`-th (1-based) instance.
    pub fn insert_repeat(&mut self, repeat: &str, index: usize) -> Result<String, EngineError> {
        let (parent, def) = self.repeat_parent(repeat)?;
        let siblings = self.repeat_instances(parent, def);
        let at = siblings
            .get(index.saturating_sub(1))
            .map(|s| self.child_index(parent, *s));
        let id = self.create_subtree(def, Some(parent), at);
        if at.is_some() {
            self.push_structure(def);
        }
        self.process();
        Ok(self.path_of(id))
    }

    /// Removes the repeat instance at `path` (`visits[2]`, `/form/visits[2]`).
    pub fn remove_repeat(&mut self, path: &str) -> Result<(), EngineError> {
        let id = self.repeat_instance(path)?;
        let def = self.instance.get(id).def;
        self.detach(id);
        self.push_structure(def);
        self.process();
        Ok(())
    }

    /// Moves the repeat instance at `path` to 1-based position `to` among its siblings.
    pub fn move_repeat(&mut self, path: &str, to: usize) -> Result<(), EngineError> {
        let id = self.repeat_instance(path)?;
        let def = self.instance.get(id).def;
        let parent = self
            .instance
            .get(id)
            .parent
            .ok_or(EngineError::NotARepeat {
                path: path.to_string(),
            })?;
        let mut siblings = self.repeat_instances(parent, def);
        siblings.retain(|s| *s != id);
        let to = to.clamp(1, siblings.len() + 1);
        // Put the instance where its new neighbour was, keeping other children's order.
        let children = &mut self.instance.get_mut(parent).children;
        children.retain(|c| *c != id);
        let at = match siblings.get(to - 1) {
            Some(next) => children
                .iter()
                .position(|c| c == next)
                .unwrap_or(children.len()),
            None => siblings
                .last()
                .and_then(|last| children.iter().position(|c| c == last))
                .map_or(children.len(), |p| p + 1),
        };
        children.insert(at, id);
        self.instance.renumber(parent);
        self.push_structure(def);
        self.process();
        Ok(())
    }

    fn child_index(&self, parent: InstId, child: InstId) -> usize {
        self.instance
            .get(parent)
            .children
            .iter()
            .position(|c| *c == child)
            .unwrap_or(0)
    }

    fn repeat_instance(&self, path: &str) -> Result<InstId, EngineError> {
        let id = self.find(path)?;
        let def = self.instance.get(id).def;
        if !is_repeat(self.form(), def) {
            return Err(EngineError::NotARepeat {
                path: path.to_string(),
            });
        }
        if self.form().node(def).repeat_count.is_some() {
            return Err(EngineError::FixedRepeatCount {
                path: path.to_string(),
            });
        }
        Ok(id)
    }

    /// The instance node that holds the instances of the repeat named by `repeat`, and
    /// the repeat's definition node.
    fn repeat_parent(&self, repeat: &str) -> Result<(InstId, NodeId), EngineError> {
        let trimmed = repeat.trim_end_matches('/');
        let (parent_path, name) = match trimmed.rsplit_once('/') {
            Some((p, n)) => (Some(p), n),
            None => (None, trimmed),
        };
        let not_repeat = || EngineError::NotARepeat {
            path: repeat.to_string(),
        };
        let def = match parent_path {
            None => {
                let mut defs = self.form().nodes_named(name);
                let def = defs.next().ok_or_else(not_repeat)?.id;
                if defs.next().is_some() {
                    return Err(EngineError::Ambiguous {
                        path: repeat.to_string(),
                    });
                }
                def
            }
            Some(p) => {
                let parent = if p.is_empty() {
                    InstId(0)
                } else {
                    self.find(p)?
                };
                let parent_def = self.instance.get(parent).def;
                *self
                    .form()
                    .node(parent_def)
                    .children
                    .iter()
                    .find(|c| self.form().node(**c).name == name)
                    .ok_or_else(not_repeat)?
            }
        };
        if !is_repeat(self.form(), def) {
            return Err(not_repeat());
        }
        if self.form().node(def).repeat_count.is_some() {
            return Err(EngineError::FixedRepeatCount {
                path: repeat.to_string(),
            });
        }
        let parent_def = self.form().node(def).parent.ok_or_else(not_repeat)?;
        let parent = match parent_path {
            Some(p) if !p.is_empty() => self.find(p)?,
            _ => {
                let parents = self.instances_under(InstId(0), parent_def);
                pick(parents, None, repeat)?
            }
        };
        Ok((parent, def))
    }

    /// Replaces `${name}` in a label, hint or message with the value of the nearest
    /// node of that name (XForms `<output>`).
    pub(crate) fn interpolate(&self, text: &str, at: InstId) -> String {
        if !text.contains("${") {
            return text.to_string();
        }
        let def = self.instance.get(at).def;
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            match after.find('}') {
                Some(end) => {
                    let name = &after[..end];
                    // The value the reference reads: the nearest node's, empty when it is
                    // not relevant.
                    let value = self
                        .compiled
                        .graph
                        .resolve(self.form(), name, def)
                        .and_then(|target| self.nearest_instances(at, def, target).first().copied())
                        .map(|n| self.instance.get(n))
                        .filter(|n| n.relevant)
                        .map(|n| n.value.clone())
                        .unwrap_or_default();
                    out.push_str(&value);
                    rest = &after[end + 1..];
                }
                None => {
                    out.push_str(&rest[start..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// The current value of a node as the form stores it (empty when not answered).
    pub fn value(&self, path: &str) -> Result<String, EngineError> {
        Ok(self.instance.get(self.find(path)?).value.clone())
    }

    /// Whether a node is relevant now (its own `relevant` and every ancestor's).
    pub fn is_relevant(&self, path: &str) -> Result<bool, EngineError> {
        Ok(self.instance.get(self.find(path)?).relevant)
    }

    pub fn is_required(&self, path: &str) -> Result<bool, EngineError> {
        Ok(self.instance.get(self.find(path)?).required)
    }

    pub fn is_read_only(&self, path: &str) -> Result<bool, EngineError> {
        Ok(self.instance.get(self.find(path)?).readonly)
    }

    /// The outcome of a question now (as `answer()` would report it).
    pub fn outcome_of(&self, path: &str) -> Result<Outcome, EngineError> {
        Ok(self.outcome(self.find(path)?))
    }

    /// The number of instances of a repeat (named as for [`Session::add_repeat`], or by
    /// name when it has a repeat_count).
    pub fn repeat_len(&self, repeat: &str) -> Result<usize, EngineError> {
        let mut defs = self.form().nodes_named(repeat);
        let def = defs.next().ok_or_else(|| EngineError::NotARepeat {
            path: repeat.to_string(),
        })?;
        Ok(self.instances_under(InstId(0), def.id).len())
    }

    /// Every live node's computed state in document order: what a full recompute must
    /// reproduce. For tests and diagnostics.
    pub fn snapshot(&self) -> Vec<NodeState> {
        self.instance
            .subtree(InstId(0))
            .into_iter()
            .map(|id| {
                let n = self.instance.get(id);
                NodeState {
                    path: self.path_of(id),
                    value: n.value.clone(),
                    relevant: n.relevant,
                    required: n.required,
                    readonly: n.readonly,
                    constraint_ok: n.constraint_ok,
                    error: n.error.clone(),
                }
            })
            .collect()
    }

    /// The filled instance as JSON: groups as objects, repeats as arrays of objects,
    /// numbers as numbers, unanswered questions as `null`; non-relevant nodes are left
    /// out entirely.
    pub fn result(&self) -> serde_json::Value {
        self.result_of(InstId(0))
    }

    fn result_of(&self, id: InstId) -> serde_json::Value {
        let node = self.instance.get(id);
        let def = self.form().node(node.def);
        if def.kind == NodeKind::Question {
            if node.value.is_empty() {
                return serde_json::Value::Null;
            }
            return match def.data_type {
                Some(DataType::Int) => node
                    .value
                    .parse::<i64>()
                    .map(serde_json::Value::from)
                    .unwrap_or_else(|_| node.value.clone().into()),
                Some(DataType::Decimal) => node
                    .value
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map(serde_json::Value::Number)
                    .unwrap_or_else(|| node.value.clone().into()),
                _ => node.value.clone().into(),
            };
        }
        let mut object = serde_json::Map::new();
        for child in &node.children {
            let c = self.instance.get(*child);
            if !c.relevant {
                continue;
            }
            let name = self.form().node(c.def).name.clone();
            let value = self.result_of(*child);
            if is_repeat(self.form(), c.def) {
                match object
                    .entry(name)
                    .or_insert_with(|| serde_json::Value::Array(Vec::new()))
                {
                    serde_json::Value::Array(items) => items.push(value),
                    other => *other = serde_json::Value::Array(vec![value]),
                }
            } else {
                object.insert(name, value);
            }
        }
        serde_json::Value::Object(object)
    }
}

/// The most repeat instances a `repeat_count` may create.
pub const MAX_REPEAT_COUNT: usize = 10_000;

/// One node's computed state, as [`Session::snapshot`] lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeState {
    pub path: String,
    pub value: String,
    pub relevant: bool,
    pub required: bool,
    pub readonly: bool,
    pub constraint_ok: bool,
    pub error: Option<String>,
}

/// `name[3]` → (`name`, Some(3)).
fn split_index(segment: &str) -> (&str, Option<usize>) {
    match segment.strip_suffix(']').and_then(|s| s.split_once('[')) {
        Some((name, index)) => (name, index.parse().ok().or(Some(0))),
        None => (segment, None),
    }
}

fn pick(found: Vec<InstId>, index: Option<usize>, path: &str) -> Result<InstId, EngineError> {
    match index {
        Some(i) => found
            .get(i.wrapping_sub(1))
            .copied()
            .ok_or_else(|| EngineError::UnknownField {
                path: path.to_string(),
            }),
        None => match found.as_slice() {
            [one] => Ok(*one),
            [] => Err(EngineError::UnknownField {
                path: path.to_string(),
            }),
            _ => Err(EngineError::Ambiguous {
                path: path.to_string(),
            }),
        },
    }
}

/// Whether `node` lies below `ancestor` with only plain groups (no repeat) between them.
fn in_plain_groups_of(form: &FormDef, node: NodeId, ancestor: NodeId) -> bool {
    let mut at = form.node(node).parent;
    while let Some(parent) = at {
        if parent == ancestor {
            return true;
        }
        if form.node(parent).kind != NodeKind::Group {
            return false;
        }
        at = form.node(parent).parent;
    }
    false
}

/// The text a calculated value is stored as, cast to the field's bind type as JavaRosa
/// does (spec-notes-engine.md, L1, L3, J2): a number that is not finite (`NaN` from a
/// blank operand) is stored empty; an `integer` keeps the integer part (2.5 → 2); a
/// `decimal` stores the number; a boolean is stored `1` or `0`; a date stored into a
/// text field becomes the date-time at midnight, in the device's offset.
fn stored_text(value: &Value, env: &env::SessionEnv<'_>, data_type: Option<DataType>) -> String {
    use crate::expr::Env as _;
    let number = |v: &Value| {
        if v.to_string_value(env).is_empty() {
            return None;
        }
        Some(v.to_number(env)).filter(|n| n.is_finite())
    };
    match data_type {
        Some(DataType::Int) => number(value)
            .map(|n| crate::expr::number_to_string(n.trunc()))
            .unwrap_or_default(),
        Some(DataType::Decimal) => number(value)
            .map(crate::expr::number_to_string)
            .unwrap_or_default(),
        Some(DataType::Date | DataType::DateTime | DataType::Time) => value.to_string_value(env),
        _ => match value {
            Value::Number(n) if !n.is_finite() => String::new(),
            // JavaRosa stores a boolean result as 1 or 0 (its BooleanData).
            Value::Boolean(b) => if *b { "1" } else { "0" }.to_string(),
            Value::Date(d) => {
                let midnight = d.and_time(chrono::NaiveTime::MIN);
                match midnight.and_local_timezone(env.now().timezone()) {
                    chrono::LocalResult::Single(t) => crate::expr::datetime_text(&t),
                    _ => value.to_string_value(env),
                }
            }
            other => other.to_string_value(env),
        },
    }
}

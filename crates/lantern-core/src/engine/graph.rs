//! The compiled form: every expression of every node parsed once, the `${name}` index,
//! and the dependency graph between nodes of the definition with a topological rank for
//! each, built once per form. The session recomputes instance nodes in rank order, so a
//! node is always evaluated after everything it reads; a cycle is rejected here, before
//! any session starts.

use std::collections::HashMap;

use super::EngineError;
use crate::expr::{Axis, Expr, LocationPath, NodeTest, Step};
use crate::form::{Expression, FormDef, NameIndex, NodeId, NodeKind, references};

/// The parsed expressions of one node of the definition.
#[derive(Debug, Clone, Default)]
pub(crate) struct CompiledNode {
    pub relevant: Option<Expr>,
    pub required: Option<Expr>,
    pub constraint: Option<Expr>,
    pub calculation: Option<Expr>,
    pub readonly: Option<Expr>,
    /// A `default` that references fields (pyxform's dynamic default), evaluated once
    /// when the node is created.
    pub dynamic_default: Option<Expr>,
    pub choice_filter: Option<Expr>,
    pub repeat_count: Option<Expr>,
}

/// The form as the session runs it.
#[derive(Debug)]
pub(crate) struct Graph {
    pub nodes: Vec<CompiledNode>,
    /// For each node, the nodes whose state must be recomputed when its value or
    /// relevance changes (including its children, which inherit relevance).
    pub dependents: Vec<Vec<NodeId>>,
    /// For each node, the dependents that read it across repeat instances (through an
    /// absolute path or `indexed-repeat`), so every instance of them is recomputed
    /// rather than only those in the same repeat instance.
    pub unscoped: Vec<Vec<NodeId>>,
    /// Topological rank of each node: a node's rank is greater than the rank of every
    /// node it reads.
    pub rank: Vec<u32>,
    /// The node of each rank.
    pub order: Vec<NodeId>,
    /// The repeats enclosing each node, outermost first (the node itself included when
    /// it is a repeat).
    pub repeats: Vec<Vec<NodeId>>,
    /// `${name}` resolution without scanning the form.
    names: NameIndex,
    /// Nodes whose calculation runs only when one of the named questions changes
    /// (the `trigger` column), by the triggering node.
    pub triggered_by: HashMap<NodeId, Vec<NodeId>>,
}

fn compile(node_path: &str, column: &'static str, e: &Expression) -> Result<Expr, EngineError> {
    // The parse the form holds (with `${last-saved#name}` already rewritten).
    e.parsed.clone().map_err(|error| EngineError::Expression {
        path: node_path.to_string(),
        column,
        message: error.to_string(),
    })
}

impl Graph {
    pub fn build(form: &FormDef) -> Result<Graph, EngineError> {
        let mut nodes = Vec::with_capacity(form.nodes.len());
        for node in &form.nodes {
            let bind = &node.bind;
            let path = node.path.as_str();
            let opt = |column, e: &Option<Expression>| {
                e.as_ref().map(|e| compile(path, column, e)).transpose()
            };
            let dynamic_default = match &bind.default {
                // Dynamic when it reads a field, of this submission or the last saved.
                Some(d)
                    if crate::form::references(d)
                        .iter()
                        .any(|(_, r)| matches!(r, crate::form::Reference::Field { .. })) =>
                {
                    Some(compile(path, "default", &Expression::new(d.clone()))?)
                }
                _ => None,
            };
            nodes.push(CompiledNode {
                relevant: opt("relevant", &bind.relevant)?,
                required: opt("required", &bind.required)?,
                constraint: opt("constraint", &bind.constraint)?,
                calculation: opt("calculation", &bind.calculation)?,
                readonly: opt("readonly", &bind.readonly)?,
                dynamic_default,
                choice_filter: opt(
                    "choice_filter",
                    &node.select.as_ref().and_then(|s| s.choice_filter.clone()),
                )?,
                repeat_count: opt("repeat_count", &node.repeat_count)?,
            });
        }
        let repeats = form
            .nodes
            .iter()
            .map(|n| form.enclosing_repeats(n.id))
            .collect();
        let mut graph = Graph {
            nodes,
            dependents: vec![Vec::new(); form.nodes.len()],
            unscoped: vec![Vec::new(); form.nodes.len()],
            rank: vec![0; form.nodes.len()],
            order: Vec::new(),
            repeats,
            names: NameIndex::new(form),
            triggered_by: HashMap::new(),
        };
        // Edges: every node a node reads → the node; parent → child for inherited
        // relevance.
        let mut reads: Vec<Vec<NodeId>> = vec![Vec::new(); form.nodes.len()];
        let mut unscoped: Vec<(NodeId, NodeId)> = Vec::new();
        for node in &form.nodes {
            let mut deps = Vec::new();
            if let Some(parent) = node.parent {
                deps.push(parent);
            }
            let compiled = &graph.nodes[node.id.0];
            for expr in [
                &compiled.relevant,
                &compiled.required,
                &compiled.constraint,
                &compiled.readonly,
                &compiled.dynamic_default,
                &compiled.choice_filter,
                &compiled.repeat_count,
            ]
            .into_iter()
            .flatten()
            {
                graph.expr_deps(form, expr, node.id, &mut deps);
            }
            // A triggered calculation does not follow what it reads.
            if let Some(calculation) = &compiled.calculation
                && node.trigger.is_empty()
            {
                graph.expr_deps(form, calculation, node.id, &mut deps);
            }
            // Label and hint interpolations: the text shown reads these fields.
            for text in [&node.label, &node.hint] {
                for (_, value) in &text.0 {
                    for (_, reference) in references(value) {
                        if let crate::form::Reference::Field {
                            name,
                            last_saved: false,
                        } = reference
                            && let Some(target) = graph.resolve(form, name, node.id)
                        {
                            deps.push(target);
                        }
                    }
                }
            }
            for name in &node.trigger {
                if let Some(target) = graph.resolve(form, name, node.id) {
                    graph.triggered_by.entry(target).or_default().push(node.id);
                }
            }
            for expr in [
                &compiled.relevant,
                &compiled.required,
                &compiled.constraint,
                &compiled.readonly,
                &compiled.dynamic_default,
                &compiled.calculation,
                &compiled.repeat_count,
            ]
            .into_iter()
            .flatten()
            {
                let mut across = Vec::new();
                graph.unscoped_deps(form, expr, node.id, &mut across);
                for source in across {
                    unscoped.push((source, node.id));
                }
            }
            deps.sort();
            deps.dedup();
            // `.` in a constraint reads the node itself; that is not a dependency.
            deps.retain(|d| *d != node.id);
            reads[node.id.0] = deps;
        }
        for (node, deps) in reads.iter().enumerate() {
            for dep in deps {
                graph.dependents[dep.0].push(NodeId(node));
            }
        }
        for (source, dependent) in unscoped {
            if !graph.unscoped[source.0].contains(&dependent) {
                graph.unscoped[source.0].push(dependent);
            }
        }
        graph.topological_order(form, &reads)?;
        // Evaluation runs on the shared evaluator, which reads `${name}` as a single
        // node: rewrite references into paths from `current()` so they yield every
        // instance they can see. Choice filters keep `${name}` (their context node is
        // the choice item; the session resolves `${name}` from the question).
        for node in &form.nodes {
            let rewrite = |e: &mut Option<Expr>, origin: NodeId| {
                if let Some(expr) = e {
                    *expr = super::env::rewrite_refs(form, &graph, expr, origin);
                }
            };
            let mut compiled = graph.nodes[node.id.0].clone();
            rewrite(&mut compiled.relevant, node.id);
            rewrite(&mut compiled.required, node.id);
            rewrite(&mut compiled.constraint, node.id);
            rewrite(&mut compiled.calculation, node.id);
            rewrite(&mut compiled.readonly, node.id);
            rewrite(&mut compiled.dynamic_default, node.id);
            // repeat_count is evaluated in the repeat's parent instance.
            rewrite(&mut compiled.repeat_count, node.parent.unwrap_or(node.id));
            graph.nodes[node.id.0] = compiled;
        }
        Ok(graph)
    }

    /// Kahn's algorithm; ties broken by document order so the order is stable.
    fn topological_order(
        &mut self,
        form: &FormDef,
        reads: &[Vec<NodeId>],
    ) -> Result<(), EngineError> {
        let n = form.nodes.len();
        let mut indegree: Vec<usize> = reads.iter().map(Vec::len).collect();
        let mut ready: std::collections::BTreeSet<NodeId> =
            (0..n).filter(|i| indegree[*i] == 0).map(NodeId).collect();
        while let Some(node) = ready.pop_first() {
            self.rank[node.0] = self.order.len() as u32;
            self.order.push(node);
            for dependent in &self.dependents[node.0] {
                indegree[dependent.0] -= 1;
                if indegree[dependent.0] == 0 {
                    ready.insert(*dependent);
                }
            }
        }
        if self.order.len() < n {
            let cycle: Vec<String> = (0..n)
                .filter(|i| indegree[*i] > 0)
                .map(|i| form.nodes[i].path.clone())
                .collect();
            return Err(EngineError::Cycle { paths: cycle });
        }
        Ok(())
    }

    /// The node `${name}` names from `from`: the only one, or the nearest copy.
    pub fn resolve(&self, form: &FormDef, name: &str, from: NodeId) -> Option<NodeId> {
        self.names.resolve(form, name, from)
    }

    /// The nodes an expression reads in every repeat instance: targets of absolute
    /// paths and the field and repeat arguments of `indexed-repeat`.
    fn unscoped_deps(&self, form: &FormDef, expr: &Expr, context: NodeId, out: &mut Vec<NodeId>) {
        expr.walk(&mut |e| match e {
            Expr::Path(path) if path.absolute => {
                out.extend(static_path(form, path, context));
            }
            Expr::Call { name, args } if name == "indexed-repeat" => {
                for (i, arg) in args.iter().enumerate() {
                    if let Expr::FieldRef(field) = arg
                        && (i == 0 || i % 2 == 1)
                    {
                        out.extend(self.resolve(form, field, context));
                    }
                }
            }
            _ => {}
        });
    }

    /// The nodes of the definition an expression reads, from the node `context`.
    fn expr_deps(&self, form: &FormDef, expr: &Expr, context: NodeId, out: &mut Vec<NodeId>) {
        expr.walk(&mut |e| match e {
            Expr::FieldRef(name) => {
                if let Some(target) = self.resolve(form, name, context) {
                    out.push(target);
                }
            }
            Expr::Path(path) => {
                if let Some(target) = static_path(form, path, context) {
                    out.push(target);
                }
            }
            Expr::Filter { primary, steps, .. } => {
                let start = match &**primary {
                    Expr::Call { name, args } if name == "current" && args.is_empty() => {
                        Some(context)
                    }
                    Expr::FieldRef(name) => self.resolve(form, name, context),
                    _ => None,
                };
                if let Some(target) = start.and_then(|s| static_steps(form, s, steps)) {
                    out.push(target);
                }
            }
            _ => {}
        });
    }
}

/// The node of the definition a location path reaches, ignoring predicates (which only
/// choose among repeat instances), if it reaches one.
pub(crate) fn static_path(form: &FormDef, path: &LocationPath, context: NodeId) -> Option<NodeId> {
    if path.absolute {
        let (first, rest) = path.steps.split_first()?;
        let NodeTest::Name { local, .. } = &first.test else {
            return None;
        };
        if first.axis != Axis::Child || (*local != form.form_id && *local != form.instance_name) {
            return None;
        }
        static_steps(form, NodeId(0), rest)
    } else {
        static_steps(form, context, &path.steps)
    }
}

fn static_steps(form: &FormDef, start: NodeId, steps: &[Step]) -> Option<NodeId> {
    let mut at = start;
    for step in steps {
        at = match (step.axis, &step.test) {
            (Axis::SelfAxis, NodeTest::Node) => at,
            (Axis::Parent, NodeTest::Node) => form.node(at).parent?,
            (Axis::Child, NodeTest::Name { local, .. }) => *form
                .node(at)
                .children
                .iter()
                .find(|c| form.node(**c).name == *local)?,
            _ => return None,
        };
    }
    Some(at)
}

/// Whether `node` is inside the repeat `repeat` (or is it).
pub(crate) fn within(form: &FormDef, node: NodeId, ancestor: NodeId) -> bool {
    let mut current = Some(node);
    while let Some(id) = current {
        if id == ancestor {
            return true;
        }
        current = form.node(id).parent;
    }
    false
}

/// Whether the node is a repeat (its instances are the repeat instances).
pub(crate) fn is_repeat(form: &FormDef, id: NodeId) -> bool {
    form.node(id).kind == NodeKind::Repeat
}

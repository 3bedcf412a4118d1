//! The evaluator: walks an `Expr` against an `Env`, with XPath 1.0 semantics for paths,
//! predicates, comparisons and arithmetic, and ODK's extensions (dates in comparisons
//! and arithmetic, node-sets compared number-by-number against booleans).

use std::cmp::Ordering;

use super::ast::{Axis, BinaryOp, Expr, LocationPath, NodeTest, Step};
use super::datetime::{self, DateLike};
use super::env::{Env, NodeId, NodeKind};
use super::functions;
use super::value::{Value, string_to_number};

/// Why an expression could not be evaluated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    #[error(
        "unknown function {name}(): check the spelling or use a function of the ODK XForms spec"
    )]
    UnknownFunction { name: String },
    #[error("{name}() takes {expected} argument(s) but was given {got}")]
    Arity {
        name: String,
        expected: String,
        got: usize,
    },
    #[error("{0}")]
    TypeMismatch(String),
    #[error("${{{0}}} does not refer to a field of this form")]
    UnresolvedField(String),
    #[error("{0}")]
    Unsupported(String),
    #[error("invalid regular expression '{pattern}': {reason}")]
    InvalidRegex { pattern: String, reason: String },
    #[error("the expression nests too deeply to evaluate")]
    TooDeep,
    #[error("{0}")]
    InvalidDate(String),
    #[error(
        "the expression does too much work to evaluate (nested predicates over many nodes): simplify it"
    )]
    TooComplex,
}

impl EvalError {
    pub fn code(&self) -> &'static str {
        match self {
            EvalError::UnknownFunction { .. } => "expr.unknown_function",
            EvalError::Arity { .. } => "expr.arity",
            EvalError::TypeMismatch(_) => "expr.type_mismatch",
            EvalError::UnresolvedField(_) => "expr.unresolved_field",
            EvalError::Unsupported(_) => "expr.unsupported",
            EvalError::InvalidRegex { .. } => "expr.invalid_regex",
            EvalError::TooDeep => "expr.too_deep",
            EvalError::InvalidDate(_) => Self::INVALID_DATE,
            EvalError::TooComplex => "expr.too_complex",
        }
    }

    pub const INVALID_DATE: &'static str = "expr.invalid_date";
}

pub type EvalResult<T> = Result<T, EvalError>;

/// The dynamic context of XPath 1.0 §1: node, position and size, plus the node
/// `current()` returns (the node the whole expression is evaluated for).
#[derive(Debug, Clone, Copy)]
pub struct Context {
    pub node: Option<NodeId>,
    pub position: usize,
    pub size: usize,
    pub current: Option<NodeId>,
    pub in_predicate: bool,
}

/// Evaluates `expr` with `context` as the context node (and `current()`).
pub fn evaluate(expr: &Expr, env: &dyn Env, context: Option<NodeId>) -> EvalResult<Value> {
    evaluate_with_current(expr, env, context, context)
}

/// Evaluates `expr` at `context` with `current()` returning `current`: a
/// `choice_filter` runs with each choice item as its context, while `current()` is
/// the question, as in the `instance('list')/root/item[filter]` pyxform writes.
pub fn evaluate_with_current(
    expr: &Expr,
    env: &dyn Env,
    context: Option<NodeId>,
    current: Option<NodeId>,
) -> EvalResult<Value> {
    let ctx = Context {
        node: context,
        position: 1,
        size: 1,
        current,
        in_predicate: false,
    };
    Evaluator {
        env,
        depth: 0,
        work: 0,
    }
    .eval(expr, &ctx)
}

pub struct Evaluator<'e> {
    pub env: &'e dyn Env,
    depth: usize,
    /// Evaluation steps and nodes visited so far, against `MAX_WORK`.
    work: u64,
}

const MAX_EVAL_DEPTH: usize = 256;

/// Work budget of one evaluation. Nested predicates multiply (`a[b[c[…]]]` over many
/// nodes is exponential); a form must get an error, not a frozen phone. Real forms
/// stay orders of magnitude below this.
const MAX_WORK: u64 = 5_000_000;

impl Evaluator<'_> {
    pub fn eval(&mut self, expr: &Expr, ctx: &Context) -> EvalResult<Value> {
        self.charge(1)?;
        self.depth += 1;
        if self.depth > MAX_EVAL_DEPTH {
            self.depth -= 1;
            return Err(EvalError::TooDeep);
        }
        let result = self.eval_inner(expr, ctx);
        self.depth -= 1;
        result
    }

    fn charge(&mut self, units: usize) -> EvalResult<()> {
        self.work += units as u64;
        if self.work > MAX_WORK {
            Err(EvalError::TooComplex)
        } else {
            Ok(())
        }
    }

    fn eval_inner(&mut self, expr: &Expr, ctx: &Context) -> EvalResult<Value> {
        match expr {
            Expr::Number(n) => Ok(Value::Number(*n)),
            Expr::Literal(s) => Ok(Value::String(s.clone())),
            Expr::FieldRef(name) => self.field_ref(name, ctx),
            Expr::Path(path) => self.eval_path(path, ctx),
            Expr::Filter {
                primary,
                predicates,
                steps,
            } => self.eval_filter(primary, predicates, steps, ctx),
            Expr::Negate(inner) => {
                let v = self.eval(inner, ctx)?;
                Ok(Value::Number(-v.to_number(self.env)))
            }
            Expr::Binary { op, left, right } => self.binary(*op, left, right, ctx),
            Expr::Call { name, args } => functions::call(self, name, args, ctx),
        }
    }

    #[inline(never)]
    fn field_ref(&mut self, name: &str, ctx: &Context) -> EvalResult<Value> {
        match self.env.field_ref(name, ctx.node) {
            Some(node) => Ok(Value::NodeSet(vec![node])),
            None => Err(EvalError::UnresolvedField(name.to_string())),
        }
    }

    // Paths and filters live in their own functions so the frame of `eval_inner`, which
    // every nesting level pays for, stays small.
    #[inline(never)]
    fn eval_path(&mut self, path: &LocationPath, ctx: &Context) -> EvalResult<Value> {
        let start = if path.absolute {
            ctx.node
                .and_then(|n| self.document_root(n))
                .or_else(|| self.env.root())
        } else {
            ctx.node
        };
        let Some(start) = start else {
            return Ok(Value::NodeSet(Vec::new()));
        };
        let nodes = self.apply_steps(vec![start], &path.steps, ctx)?;
        Ok(Value::NodeSet(nodes))
    }

    #[inline(never)]
    fn eval_filter(
        &mut self,
        primary: &Expr,
        predicates: &[Expr],
        steps: &[Step],
        ctx: &Context,
    ) -> EvalResult<Value> {
        let value = self.eval(primary, ctx)?;
        let Value::NodeSet(mut nodes) = value else {
            return Err(EvalError::TypeMismatch(format!(
                "a {} cannot be followed by a predicate or a path: only node-sets can",
                value.type_name()
            )));
        };
        for predicate in predicates {
            nodes = self.filter(nodes, predicate, ctx)?;
        }
        let nodes = self.apply_steps(nodes, steps, ctx)?;
        Ok(Value::NodeSet(nodes))
    }

    fn document_root(&self, mut node: NodeId) -> Option<NodeId> {
        // Walks up so that `/` inside a secondary instance stays in that instance.
        let mut guard = 0;
        while let Some(parent) = self.env.parent(node) {
            node = parent;
            guard += 1;
            if guard > 100_000 {
                return None;
            }
        }
        Some(node)
    }

    pub fn eval_nodeset(
        &mut self,
        expr: &Expr,
        ctx: &Context,
        what: &str,
    ) -> EvalResult<Vec<NodeId>> {
        match self.eval(expr, ctx)? {
            Value::NodeSet(nodes) => Ok(nodes),
            other => Err(EvalError::TypeMismatch(format!(
                "{what} needs a node-set (a path such as /data/item), not a {}",
                other.type_name()
            ))),
        }
    }

    /// Evaluates a chain such as `a + b + c` (parsed as `((a + b) + c)`) by walking its
    /// left spine iteratively: a sum of hundreds of fields must not exhaust the stack.
    fn binary(
        &mut self,
        op: BinaryOp,
        left: &Expr,
        right: &Expr,
        ctx: &Context,
    ) -> EvalResult<Value> {
        let mut spine = vec![(op, right)];
        let mut leftmost = left;
        while let Expr::Binary { op, left, right } = leftmost {
            spine.push((*op, &**right));
            leftmost = left;
        }
        let mut acc = self.eval(leftmost, ctx)?;
        for (op, right) in spine.into_iter().rev() {
            acc = self.apply(op, acc, right, ctx)?;
        }
        Ok(acc)
    }

    fn apply(
        &mut self,
        op: BinaryOp,
        acc: Value,
        right: &Expr,
        ctx: &Context,
    ) -> EvalResult<Value> {
        match op {
            BinaryOp::Or => {
                if acc.to_bool_in(self.env) {
                    return Ok(Value::Boolean(true));
                }
                Ok(Value::Boolean(self.eval(right, ctx)?.to_bool_in(self.env)))
            }
            BinaryOp::And => {
                if !acc.to_bool_in(self.env) {
                    return Ok(Value::Boolean(false));
                }
                Ok(Value::Boolean(self.eval(right, ctx)?.to_bool_in(self.env)))
            }
            BinaryOp::Union => {
                let Value::NodeSet(mut a) = acc else {
                    return Err(EvalError::TypeMismatch(format!(
                        "the union operator | needs node-sets on both sides, not a {}",
                        acc.type_name()
                    )));
                };
                let b = self.eval_nodeset(right, ctx, "the union operator |")?;
                a.extend(b);
                Ok(Value::NodeSet(self.sort_dedup(a)))
            }
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => {
                let a = acc.to_number(self.env);
                let b = self.eval(right, ctx)?.to_number(self.env);
                Ok(Value::Number(match op {
                    BinaryOp::Add => a + b,
                    BinaryOp::Sub => a - b,
                    BinaryOp::Mul => a * b,
                    BinaryOp::Div => a / b,
                    _ => a % b,
                }))
            }
            BinaryOp::Eq
            | BinaryOp::Neq
            | BinaryOp::Lt
            | BinaryOp::Lte
            | BinaryOp::Gt
            | BinaryOp::Gte => {
                let b = self.eval(right, ctx)?;
                Ok(Value::Boolean(self.compare(op, &acc, &b)))
            }
        }
    }

    /// XPath 1.0 §3.4 comparisons, with ODK's extensions for dates and for node-sets
    /// against booleans in relational comparisons.
    pub fn compare(&self, op: BinaryOp, a: &Value, b: &Value) -> bool {
        let env = self.env;
        let equality = matches!(op, BinaryOp::Eq | BinaryOp::Neq);
        match (a, b) {
            (Value::NodeSet(xs), Value::NodeSet(ys)) => {
                let ys: Vec<Value> = ys
                    .iter()
                    .map(|y| Value::String(env.string_value(*y)))
                    .collect();
                xs.iter().any(|x| {
                    let x = Value::String(env.string_value(*x));
                    ys.iter().any(|y| {
                        if equality {
                            self.compare_atomic(op, &x, y)
                        } else {
                            numeric_op(op, x.to_number(env), y.to_number(env))
                        }
                    })
                })
            }
            (Value::NodeSet(xs), other) | (other, Value::NodeSet(xs)) => {
                let node_left = matches!(a, Value::NodeSet(_));
                if equality && matches!(other, Value::Boolean(_)) {
                    let nb = Value::Boolean(!xs.is_empty());
                    return if node_left {
                        self.compare_atomic(op, &nb, other)
                    } else {
                        self.compare_atomic(op, other, &nb)
                    };
                }
                xs.iter().any(|x| {
                    let x = Value::String(env.string_value(*x));
                    let x = if matches!(other, Value::Number(_) | Value::Boolean(_)) && !equality {
                        Value::Number(x.to_number(env))
                    } else if let Value::Number(_) = other {
                        Value::Number(x.to_number(env))
                    } else {
                        x
                    };
                    if node_left {
                        self.compare_atomic(op, &x, other)
                    } else {
                        self.compare_atomic(op, other, &x)
                    }
                })
            }
            _ => self.compare_atomic(op, a, b),
        }
    }

    fn compare_atomic(&self, op: BinaryOp, a: &Value, b: &Value) -> bool {
        let env = self.env;
        let is_date = |v: &Value| matches!(v, Value::Date(_) | Value::DateTime(_));
        if matches!(op, BinaryOp::Eq | BinaryOp::Neq) {
            let equal = if matches!(a, Value::Boolean(_)) || matches!(b, Value::Boolean(_)) {
                a.to_bool_in(env) == b.to_bool_in(env)
            } else if matches!(a, Value::Number(_)) || matches!(b, Value::Number(_)) {
                a.to_number(env) == b.to_number(env)
            } else if let Some(ordering) = self.date_order(a, b) {
                ordering == Ordering::Equal
            } else if is_date(a) || is_date(b) {
                a.to_number(env) == b.to_number(env)
            } else {
                a.to_string_value(env) == b.to_string_value(env)
            };
            return equal == (op == BinaryOp::Eq);
        }
        if !matches!(a, Value::Boolean(_) | Value::Number(_))
            && !matches!(b, Value::Boolean(_) | Value::Number(_))
            && let Some(ordering) = self.date_order(a, b)
        {
            return match op {
                BinaryOp::Lt => ordering == Ordering::Less,
                BinaryOp::Lte => ordering != Ordering::Greater,
                BinaryOp::Gt => ordering == Ordering::Greater,
                _ => ordering != Ordering::Less,
            };
        }
        numeric_op(op, a.to_number(env), b.to_number(env))
    }

    /// Orders two values as instants when both are dates or date text and at least one
    /// carries a time or is a date value: a date is its local midnight.
    fn date_order(&self, a: &Value, b: &Value) -> Option<Ordering> {
        let zone = self.env.now().timezone();
        let da = a.as_date_like(self.env)?;
        let db = b.as_date_like(self.env)?;
        let instant = |d: DateLike| match d {
            DateLike::Date(date) => datetime::local_midnight(date, zone),
            DateLike::DateTime(dt) => Some(dt),
        };
        match (da, db) {
            (DateLike::Date(x), DateLike::Date(y)) => Some(x.cmp(&y)),
            _ => Some(instant(da)?.cmp(&instant(db)?)),
        }
    }

    /// Sorts nodes into document order and removes duplicates.
    pub fn sort_dedup(&self, mut nodes: Vec<NodeId>) -> Vec<NodeId> {
        nodes.sort_by(|a, b| self.env.document_order(*a, *b));
        nodes.dedup();
        nodes
    }

    fn apply_steps(
        &mut self,
        mut nodes: Vec<NodeId>,
        steps: &[Step],
        ctx: &Context,
    ) -> EvalResult<Vec<NodeId>> {
        for step in steps {
            let mut next = Vec::new();
            for node in &nodes {
                let mut selected: Vec<NodeId> = self
                    .axis(*node, step.axis)
                    .into_iter()
                    .filter(|n| self.matches(*n, step.axis, &step.test))
                    .collect();
                self.charge(selected.len())?;
                for predicate in &step.predicates {
                    selected = self.filter(selected, predicate, ctx)?;
                }
                next.extend(selected);
            }
            // One input node on a forward axis already gives document order.
            nodes = if nodes.len() <= 1 && !step.axis.is_reverse() {
                next
            } else {
                self.sort_dedup(next)
            };
        }
        Ok(nodes)
    }

    /// Keeps the nodes for which `predicate` holds; positions count in `nodes`' order
    /// (axis order for steps, so reverse axes count backwards).
    fn filter(
        &mut self,
        nodes: Vec<NodeId>,
        predicate: &Expr,
        ctx: &Context,
    ) -> EvalResult<Vec<NodeId>> {
        let size = nodes.len();
        let mut kept = Vec::new();
        for (i, node) in nodes.into_iter().enumerate() {
            let inner = Context {
                node: Some(node),
                position: i + 1,
                size,
                current: ctx.current,
                in_predicate: true,
            };
            let keep = match self.eval(predicate, &inner)? {
                Value::Number(n) => n == (i + 1) as f64,
                other => other.to_bool(),
            };
            if keep {
                kept.push(node);
            }
        }
        Ok(kept)
    }

    /// Nodes on `axis` from `node`, in axis order (reverse axes nearest first).
    fn axis(&self, node: NodeId, axis: Axis) -> Vec<NodeId> {
        let env = self.env;
        match axis {
            Axis::Child => env.children(node),
            Axis::Attribute => {
                if env.kind(node) == NodeKind::Element {
                    env.attributes(node)
                } else {
                    Vec::new()
                }
            }
            Axis::SelfAxis => vec![node],
            Axis::Parent => env.parent(node).into_iter().collect(),
            Axis::Ancestor | Axis::AncestorOrSelf => {
                let mut out = Vec::new();
                if axis == Axis::AncestorOrSelf {
                    out.push(node);
                }
                let mut cur = env.parent(node);
                while let Some(p) = cur {
                    out.push(p);
                    cur = env.parent(p);
                }
                out
            }
            Axis::Descendant | Axis::DescendantOrSelf => {
                let mut out = Vec::new();
                if axis == Axis::DescendantOrSelf {
                    out.push(node);
                }
                self.descendants(node, &mut out);
                out
            }
            Axis::FollowingSibling | Axis::PrecedingSibling => {
                if matches!(env.kind(node), NodeKind::Attribute) {
                    return Vec::new();
                }
                let Some(parent) = env.parent(node) else {
                    return Vec::new();
                };
                let siblings = env.children(parent);
                let Some(index) = siblings.iter().position(|s| *s == node) else {
                    return Vec::new();
                };
                if axis == Axis::FollowingSibling {
                    siblings[index + 1..].to_vec()
                } else {
                    siblings[..index].iter().rev().copied().collect()
                }
            }
            Axis::Following => {
                let mut out = Vec::new();
                let mut cur = node;
                // An attribute's following nodes start after its element's start tag:
                // its element's descendants come first.
                if env.kind(node) == NodeKind::Attribute
                    && let Some(owner) = env.parent(node)
                {
                    self.descendants(owner, &mut out);
                    cur = owner;
                }
                loop {
                    for sibling in self.axis(cur, Axis::FollowingSibling) {
                        out.push(sibling);
                        self.descendants(sibling, &mut out);
                    }
                    match env.parent(cur) {
                        Some(p) => cur = p,
                        None => break,
                    }
                }
                out
            }
            Axis::Preceding => {
                let ancestors = self.axis(node, Axis::Ancestor);
                let Some(root) = ancestors.last().copied().or(Some(node)) else {
                    return Vec::new();
                };
                let mut all = Vec::new();
                self.descendants(root, &mut all);
                let mut out: Vec<NodeId> = all
                    .into_iter()
                    .filter(|n| {
                        !ancestors.contains(n)
                            && *n != node
                            && env.document_order(*n, node) == Ordering::Less
                    })
                    .collect();
                out.reverse();
                out
            }
            Axis::Namespace => Vec::new(),
        }
    }

    fn descendants(&self, node: NodeId, out: &mut Vec<NodeId>) {
        // Iterative pre-order walk: deep documents must not overflow the stack.
        let mut stack: Vec<NodeId> = self.env.children(node).into_iter().rev().collect();
        while let Some(n) = stack.pop() {
            out.push(n);
            stack.extend(self.env.children(n).into_iter().rev());
        }
    }

    fn matches(&self, node: NodeId, axis: Axis, test: &NodeTest) -> bool {
        let env = self.env;
        let kind = env.kind(node);
        let principal = if axis == Axis::Attribute {
            NodeKind::Attribute
        } else {
            NodeKind::Element
        };
        match test {
            NodeTest::Node => true,
            NodeTest::Text => kind == NodeKind::Text,
            NodeTest::Comment => kind == NodeKind::Comment,
            NodeTest::ProcessingInstruction(target) => {
                kind == NodeKind::ProcessingInstruction
                    && target
                        .as_deref()
                        .is_none_or(|t| env.name(node).is_some_and(|n| n.local == t))
            }
            NodeTest::Wildcard { prefix } => {
                kind == principal
                    && prefix.as_deref().is_none_or(|p| {
                        let ns = env.name(node).and_then(|n| n.namespace);
                        self.prefix_matches(p, ns, env.name(node).and_then(|n| n.prefix))
                    })
            }
            NodeTest::Name { prefix, local } => {
                if kind != principal {
                    return false;
                }
                let Some(name) = env.name(node) else {
                    return false;
                };
                if name.local != local {
                    return false;
                }
                match prefix {
                    // ODK instances sit in the XForms default namespace, yet forms
                    // write `/data/q` without a prefix: JavaRosa matches unprefixed
                    // names by local name, and so do we.
                    None => true,
                    Some(p) => self.prefix_matches(p, name.namespace, name.prefix),
                }
            }
        }
    }

    fn prefix_matches(&self, prefix: &str, namespace: Option<&str>, written: Option<&str>) -> bool {
        match self.env.resolve_prefix(prefix) {
            Some(uri) => namespace == Some(uri),
            None => written == Some(prefix),
        }
    }
}

fn numeric_op(op: BinaryOp, a: f64, b: f64) -> bool {
    match op {
        BinaryOp::Eq => a == b,
        BinaryOp::Neq => a != b,
        BinaryOp::Lt => a < b,
        BinaryOp::Lte => a <= b,
        BinaryOp::Gt => a > b,
        _ => a >= b,
    }
}

/// `number()` of a node's text, shared with the functions module.
pub fn node_number(env: &dyn Env, node: NodeId) -> f64 {
    string_to_number(&env.string_value(node), env)
}

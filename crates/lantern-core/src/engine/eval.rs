//! Evaluation of parsed ODK expressions over the session's instance tree.
//!
//! This is the session's own evaluator over `expr::Expr`, written because the shared
//! evaluator (`expr`'s `trait Env`) was not yet available when the session was built.
//! It implements XPath 1.0 coercions and comparisons, location paths over the instance
//! (child, parent, self, descendant, ancestor axes with predicates), `${name}` resolved
//! to the nearest node (inside the same repeat instance when both are in it), and the
//! functions forms use most. When `expr`'s evaluator lands, this module becomes the
//! session's `Env` implementation and the function library moves there.

use std::cell::Cell;

use chrono::{DateTime, FixedOffset};

use super::graph::{Graph, static_path};
use super::instance::{InstId, Instance};
use crate::expr::{Axis, BinaryOp, Expr, LocationPath, NodeTest, Step};
use crate::form::{FormDef, NodeId};

/// An XPath value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Str(String),
    Num(f64),
    Bool(bool),
    Nodes(Vec<InstId>),
}

/// Why an expression could not be evaluated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    #[error("the function {0}() is not supported by the form session")]
    UnsupportedFunction(String),
    #[error("{name}() takes {expected} arguments, not {got}")]
    Arity {
        name: String,
        expected: &'static str,
        got: usize,
    },
    #[error("{0}")]
    Unsupported(String),
}

impl EvalError {
    pub fn code(&self) -> &'static str {
        match self {
            EvalError::UnsupportedFunction(_) => "eval.unsupported_function",
            EvalError::Arity { .. } => "eval.arity",
            EvalError::Unsupported(_) => "eval.unsupported",
        }
    }
}

/// What an expression is evaluated against.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx<'c> {
    /// The context node (`.`) and `current()`.
    pub node: InstId,
    /// The node of the definition whose expression this is (for `${name}`).
    pub def: NodeId,
    pub position: usize,
    pub size: usize,
    /// Inside a `choice_filter` predicate: the choice being tested (its columns are the
    /// item's children).
    pub choice: Option<&'c crate::form::Choice>,
}

/// Everything evaluation reads.
pub(crate) struct Evaluator<'a> {
    pub form: &'a FormDef,
    pub graph: &'a Graph,
    pub instance: &'a Instance,
    pub language: &'a str,
    pub now: DateTime<FixedOffset>,
    pub rng: &'a Cell<u64>,
}

pub(crate) fn number_to_string(n: f64) -> String {
    if n.is_nan() {
        "NaN".into()
    } else if n.is_infinite() {
        if n > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else if n == n.trunc() && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

pub(crate) fn string_to_number(s: &str) -> f64 {
    let t = s.trim();
    if t.is_empty() {
        return f64::NAN;
    }
    // XPath's Number: digits with an optional point, optional leading minus; no
    // exponents, no `inf`.
    let body = t.strip_prefix('-').unwrap_or(t);
    if body.is_empty() || !body.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return f64::NAN;
    }
    t.parse().unwrap_or(f64::NAN)
}

impl Evaluator<'_> {
    /// The text value of an instance node as expressions see it: a non-relevant node
    /// reads as empty (its value is not part of the submission).
    pub fn node_string(&self, id: InstId) -> String {
        let node = self.instance.get(id);
        if node.relevant {
            node.value.clone()
        } else {
            String::new()
        }
    }

    pub fn string(&self, v: &Value) -> String {
        match v {
            Value::Str(s) => s.clone(),
            Value::Num(n) => number_to_string(*n),
            Value::Bool(b) => if *b { "true" } else { "false" }.into(),
            Value::Nodes(nodes) => nodes
                .first()
                .map(|n| self.node_string(*n))
                .unwrap_or_default(),
        }
    }

    pub fn number(&self, v: &Value) -> f64 {
        match v {
            Value::Num(n) => *n,
            Value::Bool(b) => f64::from(u8::from(*b)),
            other => string_to_number(&self.string(other)),
        }
    }

    pub fn boolean(&self, v: &Value) -> bool {
        match v {
            Value::Bool(b) => *b,
            Value::Num(n) => *n != 0.0 && !n.is_nan(),
            Value::Str(s) => !s.is_empty(),
            Value::Nodes(nodes) => !nodes.is_empty(),
        }
    }

    pub fn eval(&self, expr: &Expr, ctx: Ctx<'_>) -> Result<Value, EvalError> {
        Ok(match expr {
            Expr::Number(n) => Value::Num(*n),
            Expr::Literal(s) => Value::Str(s.clone()),
            Expr::FieldRef(name) => Value::Nodes(self.field_ref(name, ctx)),
            Expr::Path(path) => self.path(path, ctx)?,
            Expr::Filter {
                primary,
                predicates,
                steps,
            } => {
                let base = self.eval(primary, ctx)?;
                let Value::Nodes(mut nodes) = base else {
                    if predicates.is_empty() && steps.is_empty() {
                        return Ok(base);
                    }
                    return Err(EvalError::Unsupported(
                        "a predicate or path step applies only to nodes".into(),
                    ));
                };
                for predicate in predicates {
                    nodes = self.filter(nodes, predicate, ctx)?;
                }
                for step in steps {
                    nodes = self.step(&nodes, step, ctx)?;
                }
                Value::Nodes(nodes)
            }
            Expr::Negate(inner) => Value::Num(-self.number(&self.eval(inner, ctx)?)),
            Expr::Binary { op, left, right } => self.binary(*op, left, right, ctx)?,
            Expr::Call { name, args } => self.call(name, args, ctx)?,
        })
    }

    /// `${name}`: the instances of the named node nearest to the context (inside the
    /// innermost repeat instance the two share, else the whole instance).
    pub fn field_ref(&self, name: &str, ctx: Ctx<'_>) -> Vec<InstId> {
        match self.graph.resolve(self.form, name, ctx.def) {
            Some(target) => self.nearest_instances(ctx.node, ctx.def, target),
            None => Vec::new(),
        }
    }

    /// The instances of `target` seen from instance node `from` (of definition node
    /// `from_def`).
    pub fn nearest_instances(&self, from: InstId, from_def: NodeId, target: NodeId) -> Vec<InstId> {
        let shared = self.graph.repeats[from_def.0]
            .iter()
            .zip(&self.graph.repeats[target.0])
            .take_while(|(a, b)| a == b)
            .last()
            .map(|(a, _)| *a);
        let anchor = shared
            .and_then(|r| self.instance.ancestor_of_def(from, r))
            .unwrap_or(InstId(0));
        self.instances_under(anchor, target)
    }

    /// The instances of `target` below (or at) the instance node `anchor`.
    pub fn instances_under(&self, anchor: InstId, target: NodeId) -> Vec<InstId> {
        let anchor_def = self.instance.get(anchor).def;
        let mut chain = Vec::new();
        let mut at = target;
        while at != anchor_def {
            chain.push(at);
            match self.form.node(at).parent {
                Some(parent) => at = parent,
                None => return Vec::new(),
            }
        }
        let mut frontier = vec![anchor];
        for def in chain.iter().rev() {
            let mut next = Vec::new();
            for id in &frontier {
                next.extend(
                    self.instance
                        .get(*id)
                        .children
                        .iter()
                        .filter(|c| self.instance.get(**c).def == *def),
                );
            }
            frontier = next;
        }
        frontier
    }

    fn path(&self, path: &LocationPath, ctx: Ctx<'_>) -> Result<Value, EvalError> {
        // In a choice filter, a relative name reads the choice's column.
        if let (Some(choice), false, [step]) = (ctx.choice, path.absolute, path.steps.as_slice())
            && step.axis == Axis::Child
            && step.predicates.is_empty()
            && let NodeTest::Name { local, .. } = &step.test
        {
            let value = match local.as_str() {
                "name" => choice.name.clone(),
                "label" => choice
                    .label
                    .get_or_first(self.language)
                    .unwrap_or_default()
                    .to_string(),
                column => choice
                    .extra
                    .iter()
                    .find(|(k, _)| k == column)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
            };
            return Ok(Value::Str(value));
        }
        let mut nodes = if path.absolute {
            let Some((first, rest)) = path.steps.split_first() else {
                return Ok(Value::Nodes(vec![InstId(0)]));
            };
            let root_ok = match &first.test {
                NodeTest::Name { local, .. } => {
                    *local == self.form.form_id || *local == self.form.instance_name
                }
                NodeTest::Wildcard { .. } | NodeTest::Node => true,
                _ => false,
            };
            if !root_ok || first.axis != Axis::Child {
                // Fast path failed: fall back to a static resolution (e.g. `//name`).
                return Ok(Value::Nodes(
                    static_path(self.form, path, ctx.def)
                        .map(|d| self.instances_under(InstId(0), d))
                        .unwrap_or_default(),
                ));
            }
            let mut nodes = vec![InstId(0)];
            for predicate in &first.predicates {
                nodes = self.filter(nodes, predicate, ctx)?;
            }
            for step in rest {
                nodes = self.step(&nodes, step, ctx)?;
            }
            return Ok(Value::Nodes(nodes));
        } else {
            vec![ctx.node]
        };
        for step in &path.steps {
            nodes = self.step(&nodes, step, ctx)?;
        }
        Ok(Value::Nodes(nodes))
    }

    fn matches(&self, id: InstId, test: &NodeTest) -> bool {
        match test {
            NodeTest::Name { local, .. } => {
                self.form.node(self.instance.get(id).def).name == *local
            }
            NodeTest::Wildcard { .. } | NodeTest::Node => true,
            _ => false,
        }
    }

    fn step(&self, from: &[InstId], step: &Step, ctx: Ctx<'_>) -> Result<Vec<InstId>, EvalError> {
        let mut out: Vec<InstId> = Vec::new();
        for id in from {
            let mut selected = Vec::new();
            let node = self.instance.get(*id);
            match step.axis {
                Axis::Child => selected.extend(node.children.iter().copied()),
                Axis::SelfAxis => selected.push(*id),
                Axis::Parent => selected.extend(node.parent),
                Axis::Descendant | Axis::DescendantOrSelf => {
                    let mut all = self.instance.subtree(*id);
                    if step.axis == Axis::Descendant {
                        all.remove(0);
                    }
                    selected.extend(all);
                }
                Axis::Ancestor | Axis::AncestorOrSelf => {
                    let mut at = if step.axis == Axis::Ancestor {
                        node.parent
                    } else {
                        Some(*id)
                    };
                    while let Some(a) = at {
                        selected.push(a);
                        at = self.instance.get(a).parent;
                    }
                }
                Axis::Attribute | Axis::Namespace => {}
                Axis::Following
                | Axis::FollowingSibling
                | Axis::Preceding
                | Axis::PrecedingSibling => {
                    return Err(EvalError::Unsupported(format!(
                        "the {} axis is not supported by the form session",
                        step.axis.name()
                    )));
                }
            }
            selected.retain(|n| self.matches(*n, &step.test));
            for predicate in &step.predicates {
                selected = self.filter(selected, predicate, ctx)?;
            }
            if from.len() == 1 {
                out = selected;
            } else {
                for n in selected {
                    if !out.contains(&n) {
                        out.push(n);
                    }
                }
            }
        }
        Ok(out)
    }

    fn filter(
        &self,
        nodes: Vec<InstId>,
        predicate: &Expr,
        ctx: Ctx<'_>,
    ) -> Result<Vec<InstId>, EvalError> {
        let size = nodes.len();
        let mut out = Vec::new();
        for (i, id) in nodes.into_iter().enumerate() {
            // `${name}` inside a predicate still resolves from the expression's node.
            let inner = Ctx {
                node: id,
                def: ctx.def,
                position: i + 1,
                size,
                choice: None,
            };
            let keep = match self.eval(predicate, inner)? {
                Value::Num(n) => n == (i + 1) as f64,
                other => self.boolean(&other),
            };
            if keep {
                out.push(id);
            }
        }
        Ok(out)
    }

    fn strings(&self, v: &Value) -> Vec<String> {
        match v {
            Value::Nodes(nodes) => nodes.iter().map(|n| self.node_string(*n)).collect(),
            other => vec![self.string(other)],
        }
    }

    fn binary(
        &self,
        op: BinaryOp,
        left: &Expr,
        right: &Expr,
        ctx: Ctx<'_>,
    ) -> Result<Value, EvalError> {
        match op {
            BinaryOp::Or => {
                let l = self.eval(left, ctx)?;
                if self.boolean(&l) {
                    return Ok(Value::Bool(true));
                }
                let r = self.eval(right, ctx)?;
                return Ok(Value::Bool(self.boolean(&r)));
            }
            BinaryOp::And => {
                let l = self.eval(left, ctx)?;
                if !self.boolean(&l) {
                    return Ok(Value::Bool(false));
                }
                let r = self.eval(right, ctx)?;
                return Ok(Value::Bool(self.boolean(&r)));
            }
            _ => {}
        }
        let l = self.eval(left, ctx)?;
        let r = self.eval(right, ctx)?;
        let arith = |f: fn(f64, f64) -> f64| Ok(Value::Num(f(self.number(&l), self.number(&r))));
        match op {
            BinaryOp::Add => arith(|a, b| a + b),
            BinaryOp::Sub => arith(|a, b| a - b),
            BinaryOp::Mul => arith(|a, b| a * b),
            BinaryOp::Div => arith(|a, b| a / b),
            BinaryOp::Mod => arith(|a, b| a % b),
            BinaryOp::Union => {
                let (Value::Nodes(mut a), Value::Nodes(b)) = (l, r) else {
                    return Err(EvalError::Unsupported("| joins node-sets only".into()));
                };
                for n in b {
                    if !a.contains(&n) {
                        a.push(n);
                    }
                }
                Ok(Value::Nodes(a))
            }
            _ => Ok(Value::Bool(self.compare(op, &l, &r))),
        }
    }

    /// XPath 1.0 §3.4 comparisons, with JavaRosa's reading of dates: two date strings
    /// compare as dates (their ISO text orders the same way).
    fn compare(&self, op: BinaryOp, l: &Value, r: &Value) -> bool {
        let is_nodes = |v: &Value| matches!(v, Value::Nodes(_));
        if !is_nodes(l) && !is_nodes(r)
            || matches!(l, Value::Bool(_))
            || matches!(r, Value::Bool(_))
        {
            return self.compare_atoms(op, l, r);
        }
        let ls = self.strings(l);
        let rs = self.strings(r);
        let as_value = |s: &String, other: &Value| match other {
            Value::Num(_) => Value::Num(string_to_number(s)),
            _ => Value::Str(s.clone()),
        };
        ls.iter().any(|a| {
            rs.iter()
                .any(|b| self.compare_atoms(op, &as_value(a, r), &as_value(b, l)))
        })
    }

    fn compare_atoms(&self, op: BinaryOp, l: &Value, r: &Value) -> bool {
        let both_bool = matches!(l, Value::Bool(_)) || matches!(r, Value::Bool(_));
        let any_num = matches!(l, Value::Num(_)) || matches!(r, Value::Num(_));
        match op {
            BinaryOp::Eq | BinaryOp::Neq => {
                let equal = if both_bool {
                    self.boolean(l) == self.boolean(r)
                } else if any_num {
                    self.number(l) == self.number(r)
                } else {
                    self.string(l) == self.string(r)
                };
                equal == (op == BinaryOp::Eq)
            }
            _ => {
                let (ls, rs) = (self.string(l), self.string(r));
                let ordering = if looks_like_date(&ls) && looks_like_date(&rs) {
                    Some(ls.cmp(&rs))
                } else {
                    self.number(l).partial_cmp(&self.number(r))
                };
                let Some(ordering) = ordering else {
                    return false;
                };
                match op {
                    BinaryOp::Lt => ordering.is_lt(),
                    BinaryOp::Lte => ordering.is_le(),
                    BinaryOp::Gt => ordering.is_gt(),
                    _ => ordering.is_ge(),
                }
            }
        }
    }

    fn next_random(&self) -> u64 {
        // splitmix64: the session's seed makes every random() and uuid() reproducible.
        let mut z = self.rng.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        self.rng.set(z);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn uuid(&self) -> String {
        let a = self.next_random();
        let b = self.next_random();
        let bytes: Vec<u8> = a.to_be_bytes().into_iter().chain(b.to_be_bytes()).collect();
        let mut hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
        // Version 4, RFC 4122 variant.
        hex[6] = format!("4{}", &hex[6][1..]);
        let v = (bytes[8] & 0x3f) | 0x80;
        hex[8] = format!("{v:02x}");
        let h = hex.concat();
        format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }

    fn call(&self, name: &str, args: &[Expr], ctx: Ctx<'_>) -> Result<Value, EvalError> {
        let arity = |expected: &'static str, ok: bool| {
            if ok {
                Ok(())
            } else {
                Err(EvalError::Arity {
                    name: name.to_string(),
                    expected,
                    got: args.len(),
                })
            }
        };
        let arg = |i: usize| self.eval(&args[i], ctx);
        let n = args.len();
        Ok(match name {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "not" => {
                arity("1", n == 1)?;
                Value::Bool(!self.boolean(&arg(0)?))
            }
            "boolean" => {
                arity("1", n == 1)?;
                Value::Bool(self.boolean(&arg(0)?))
            }
            "boolean-from-string" => {
                arity("1", n == 1)?;
                let s = self.string(&arg(0)?);
                Value::Bool(s == "true" || s == "1")
            }
            "number" => {
                arity("0 or 1", n <= 1)?;
                if n == 0 {
                    Value::Num(string_to_number(&self.node_string(ctx.node)))
                } else {
                    Value::Num(self.number(&arg(0)?))
                }
            }
            "int" => {
                arity("1", n == 1)?;
                Value::Num(self.number(&arg(0)?).trunc())
            }
            "string" => {
                arity("0 or 1", n <= 1)?;
                if n == 0 {
                    Value::Str(self.node_string(ctx.node))
                } else {
                    Value::Str(self.string(&arg(0)?))
                }
            }
            "if" => {
                arity("3", n == 3)?;
                if self.boolean(&arg(0)?) {
                    arg(1)?
                } else {
                    arg(2)?
                }
            }
            "coalesce" => {
                arity("2", n == 2)?;
                let a = self.string(&arg(0)?);
                if a.is_empty() {
                    Value::Str(self.string(&arg(1)?))
                } else {
                    Value::Str(a)
                }
            }
            "once" => {
                arity("1", n == 1)?;
                let current = self.instance.get(ctx.node).value.clone();
                if current.is_empty() {
                    Value::Str(self.string(&arg(0)?))
                } else {
                    Value::Str(current)
                }
            }
            "concat" => {
                let mut out = String::new();
                for i in 0..n {
                    for s in self.strings(&arg(i)?) {
                        out.push_str(&s);
                    }
                }
                Value::Str(out)
            }
            "join" => {
                arity("2 or more", n >= 2)?;
                let sep = self.string(&arg(0)?);
                let mut parts = Vec::new();
                for i in 1..n {
                    parts.extend(self.strings(&arg(i)?));
                }
                Value::Str(parts.join(&sep))
            }
            "string-length" => {
                arity("0 or 1", n <= 1)?;
                let s = if n == 0 {
                    self.node_string(ctx.node)
                } else {
                    self.string(&arg(0)?)
                };
                Value::Num(s.chars().count() as f64)
            }
            "normalize-space" => {
                arity("0 or 1", n <= 1)?;
                let s = if n == 0 {
                    self.node_string(ctx.node)
                } else {
                    self.string(&arg(0)?)
                };
                Value::Str(s.split_whitespace().collect::<Vec<_>>().join(" "))
            }
            "contains" | "starts-with" | "ends-with" => {
                arity("2", n == 2)?;
                let (a, b) = (self.string(&arg(0)?), self.string(&arg(1)?));
                Value::Bool(match name {
                    "contains" => a.contains(&b),
                    "starts-with" => a.starts_with(&b),
                    _ => a.ends_with(&b),
                })
            }
            "substr" => {
                arity("2 or 3", n == 2 || n == 3)?;
                let s: Vec<char> = self.string(&arg(0)?).chars().collect();
                let len = s.len() as f64;
                let clamp = |x: f64| x.clamp(0.0, len) as usize;
                let start = clamp(self.number(&arg(1)?));
                let end = if n == 3 {
                    clamp(self.number(&arg(2)?))
                } else {
                    s.len()
                };
                Value::Str(if start < end {
                    s[start..end].iter().collect()
                } else {
                    String::new()
                })
            }
            "substring" => {
                arity("2 or 3", n == 2 || n == 3)?;
                let s: Vec<char> = self.string(&arg(0)?).chars().collect();
                let start = self.number(&arg(1)?).round();
                let end = if n == 3 {
                    start + self.number(&arg(2)?).round()
                } else {
                    f64::INFINITY
                };
                Value::Str(
                    s.iter()
                        .enumerate()
                        .filter(|(i, _)| {
                            let p = (*i + 1) as f64;
                            p >= start && p < end
                        })
                        .map(|(_, c)| c)
                        .collect(),
                )
            }
            "count" => {
                arity("1", n == 1)?;
                match arg(0)? {
                    Value::Nodes(nodes) => Value::Num(nodes.len() as f64),
                    _ => return Err(EvalError::Unsupported("count() takes a node-set".into())),
                }
            }
            "count-non-empty" => {
                arity("1", n == 1)?;
                Value::Num(
                    self.strings(&arg(0)?)
                        .iter()
                        .filter(|s| !s.is_empty())
                        .count() as f64,
                )
            }
            "sum" => {
                arity("1", n == 1)?;
                Value::Num(
                    self.strings(&arg(0)?)
                        .iter()
                        .map(|s| string_to_number(s))
                        .sum(),
                )
            }
            "max" | "min" => {
                let mut values = Vec::new();
                for i in 0..n {
                    values.extend(self.strings(&arg(i)?).iter().map(|s| string_to_number(s)));
                }
                if values.is_empty() || values.iter().any(|v| v.is_nan()) {
                    Value::Num(f64::NAN)
                } else if name == "max" {
                    Value::Num(values.into_iter().fold(f64::NEG_INFINITY, f64::max))
                } else {
                    Value::Num(values.into_iter().fold(f64::INFINITY, f64::min))
                }
            }
            "round" => {
                arity("1 or 2", n == 1 || n == 2)?;
                let x = self.number(&arg(0)?);
                let digits = if n == 2 { self.number(&arg(1)?) } else { 0.0 };
                let scale = 10f64.powf(digits);
                Value::Num((x * scale + 0.5).floor() / scale)
            }
            "floor" | "ceiling" | "abs" | "sqrt" | "exp" | "log" | "log10" => {
                arity("1", n == 1)?;
                let x = self.number(&arg(0)?);
                Value::Num(match name {
                    "floor" => x.floor(),
                    "ceiling" => x.ceil(),
                    "abs" => x.abs(),
                    "sqrt" => x.sqrt(),
                    "exp" => x.exp(),
                    "log" => x.ln(),
                    _ => x.log10(),
                })
            }
            "pow" => {
                arity("2", n == 2)?;
                Value::Num(self.number(&arg(0)?).powf(self.number(&arg(1)?)))
            }
            "pi" => Value::Num(std::f64::consts::PI),
            "random" => Value::Num((self.next_random() >> 11) as f64 / (1u64 << 53) as f64),
            "uuid" => Value::Str(self.uuid()),
            "today" => Value::Str(self.now.format("%Y-%m-%d").to_string()),
            "now" => Value::Str(self.now.format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string()),
            "selected" | "is-selected" => {
                arity("2", n == 2)?;
                let list = self.string(&arg(0)?);
                let wanted = self.string(&arg(1)?);
                Value::Bool(list.split_whitespace().any(|c| c == wanted.trim()))
            }
            "count-selected" => {
                arity("1", n == 1)?;
                Value::Num(self.string(&arg(0)?).split_whitespace().count() as f64)
            }
            "selected-at" => {
                arity("2", n == 2)?;
                let list = self.string(&arg(0)?);
                let i = self.number(&arg(1)?);
                let item = if i >= 0.0 {
                    list.split_whitespace().nth(i as usize).unwrap_or_default()
                } else {
                    ""
                };
                Value::Str(item.to_string())
            }
            "position" => {
                arity("0 or 1", n <= 1)?;
                if n == 0 {
                    Value::Num(ctx.position as f64)
                } else {
                    match arg(0)? {
                        Value::Nodes(nodes) => match nodes.first() {
                            Some(node) => Value::Num(self.instance.position(*node) as f64),
                            None => Value::Num(f64::NAN),
                        },
                        _ => return Err(EvalError::Unsupported("position() takes a node".into())),
                    }
                }
            }
            "last" => Value::Num(ctx.size as f64),
            "current" => Value::Nodes(vec![ctx.node]),
            "indexed-repeat" => self.indexed_repeat(args, ctx)?,
            "jr:choice-name" => {
                arity("2", n == 2)?;
                let value = self.string(&arg(0)?);
                let Some(target) = self.choice_name_target(&args[1], ctx)? else {
                    return Ok(Value::Str(String::new()));
                };
                let label = self
                    .form
                    .node(target)
                    .select
                    .as_ref()
                    .and_then(|s| self.form.choice_list(&s.list_name))
                    .and_then(|l| l.choices.iter().find(|c| c.name == value))
                    .and_then(|c| c.label.get_or_first(self.language))
                    .unwrap_or_default();
                Value::Str(label.to_string())
            }
            "date" | "decimal-date-time" => {
                arity("1", n == 1)?;
                let v = arg(0)?;
                match v {
                    Value::Num(days) if name == "date" => {
                        let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
                        let date = epoch
                            .checked_add_signed(chrono::Duration::days(days.floor() as i64))
                            .map(|d| d.format("%Y-%m-%d").to_string())
                            .unwrap_or_default();
                        Value::Str(date)
                    }
                    other if name == "date" => Value::Str(self.string(&other)),
                    other => {
                        let s = self.string(&other);
                        match chrono::NaiveDate::parse_from_str(
                            s.get(..10).unwrap_or(""),
                            "%Y-%m-%d",
                        ) {
                            Ok(d) => {
                                let epoch =
                                    chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
                                Value::Num((d - epoch).num_days() as f64)
                            }
                            Err(_) => Value::Num(f64::NAN),
                        }
                    }
                }
            }
            other => return Err(EvalError::UnsupportedFunction(other.to_string())),
        })
    }

    /// The second argument of `jr:choice-name`: a string naming the field (`'${x}'` or
    /// `'/data/x'`), or the field itself.
    fn choice_name_target(&self, arg: &Expr, ctx: Ctx<'_>) -> Result<Option<NodeId>, EvalError> {
        let text = match arg {
            Expr::Literal(s) => s.clone(),
            Expr::FieldRef(name) => return Ok(self.graph.resolve(self.form, name, ctx.def)),
            other => self.string(&self.eval(other, ctx)?),
        };
        if let Some(name) = text
            .trim()
            .strip_prefix("${")
            .and_then(|t| t.strip_suffix('}'))
        {
            return Ok(self.graph.resolve(self.form, name, ctx.def));
        }
        Ok(match crate::expr::parse(text.trim()) {
            Ok(Expr::Path(path)) => static_path(self.form, &path, ctx.def),
            _ => None,
        })
    }

    /// `indexed-repeat(field, repeat1, index1, [repeat2, index2, …])`.
    fn indexed_repeat(&self, args: &[Expr], ctx: Ctx<'_>) -> Result<Value, EvalError> {
        if args.len() < 3 || args.len().is_multiple_of(2) {
            return Err(EvalError::Arity {
                name: "indexed-repeat".into(),
                expected: "3, 5 or 7",
                got: args.len(),
            });
        }
        let static_def = |e: &Expr| match e {
            Expr::FieldRef(name) => self.graph.resolve(self.form, name, ctx.def),
            Expr::Path(path) => static_path(self.form, path, ctx.def),
            _ => None,
        };
        let Some(target) = static_def(&args[0]) else {
            return Ok(Value::Nodes(Vec::new()));
        };
        let mut anchor = InstId(0);
        for pair in args[1..].chunks(2) {
            let Some(repeat) = static_def(&pair[0]) else {
                return Ok(Value::Nodes(Vec::new()));
            };
            let index = self.number(&self.eval(&pair[1], ctx)?);
            let instances = self.instances_under(anchor, repeat);
            if index.is_nan() || index < 1.0 || index as usize > instances.len() {
                return Ok(Value::Nodes(Vec::new()));
            }
            anchor = instances[index as usize - 1];
        }
        Ok(Value::Nodes(self.instances_under(anchor, target)))
    }
}

fn looks_like_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b[..4]
            .iter()
            .chain(&b[5..7])
            .chain(&b[8..10])
            .all(u8::is_ascii_digit)
}

//! The syntax tree of an ODK expression: XPath 1.0 as XForms uses it, plus XLSForm's
//! `${name}` field references. `Display` prints text that parses back to the same tree,
//! so diagnostics can quote an expression and tests can round-trip it.

use std::fmt;

/// One parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A numeric literal such as `3` or `.5` (never negative: `-1` is `Negate(1)`).
    Number(f64),
    /// A string literal, `'…'` or `"…"`.
    Literal(String),
    /// XLSForm's `${name}`: a reference to the field called `name`, resolved by the
    /// form session (through `Env::field_ref`) rather than by XPath rules.
    FieldRef(String),
    /// A location path: `/data/a`, `../b`, `.`, `@id`, `a[2]/b`.
    Path(LocationPath),
    /// A filter expression: a primary expression (call, `${…}`, literal or parenthesised
    /// expression) followed by predicates and/or further location steps, e.g.
    /// `current()/../x`, `(/data/a | /data/b)[2]`, `instance('l')/root/item[name = 1]`.
    Filter {
        primary: Box<Expr>,
        predicates: Vec<Expr>,
        steps: Vec<Step>,
    },
    /// Unary minus.
    Negate(Box<Expr>),
    /// A binary operator, including `|` (union).
    Binary {
        op: BinaryOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// A function call; `name` keeps its prefix as written (`jr:choice-name`).
    Call { name: String, args: Vec<Expr> },
}

/// A location path: absolute (`/…`) or relative to the context node.
#[derive(Debug, Clone, PartialEq)]
pub struct LocationPath {
    pub absolute: bool,
    pub steps: Vec<Step>,
}

/// One location step: `axis::test[predicate]…`.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub axis: Axis,
    pub test: NodeTest,
    pub predicates: Vec<Expr>,
}

/// The thirteen XPath 1.0 axes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    Ancestor,
    AncestorOrSelf,
    Attribute,
    Child,
    Descendant,
    DescendantOrSelf,
    Following,
    FollowingSibling,
    Namespace,
    Parent,
    Preceding,
    PrecedingSibling,
    SelfAxis,
}

impl Axis {
    pub const ALL: [Axis; 13] = [
        Axis::Ancestor,
        Axis::AncestorOrSelf,
        Axis::Attribute,
        Axis::Child,
        Axis::Descendant,
        Axis::DescendantOrSelf,
        Axis::Following,
        Axis::FollowingSibling,
        Axis::Namespace,
        Axis::Parent,
        Axis::Preceding,
        Axis::PrecedingSibling,
        Axis::SelfAxis,
    ];

    /// The axis name as written before `::`.
    pub fn name(self) -> &'static str {
        match self {
            Axis::Ancestor => "ancestor",
            Axis::AncestorOrSelf => "ancestor-or-self",
            Axis::Attribute => "attribute",
            Axis::Child => "child",
            Axis::Descendant => "descendant",
            Axis::DescendantOrSelf => "descendant-or-self",
            Axis::Following => "following",
            Axis::FollowingSibling => "following-sibling",
            Axis::Namespace => "namespace",
            Axis::Parent => "parent",
            Axis::Preceding => "preceding",
            Axis::PrecedingSibling => "preceding-sibling",
            Axis::SelfAxis => "self",
        }
    }

    pub fn from_name(name: &str) -> Option<Axis> {
        Axis::ALL.into_iter().find(|axis| axis.name() == name)
    }

    /// Reverse axes number their nodes from the context node outwards (XPath 1.0 §2.4).
    pub fn is_reverse(self) -> bool {
        matches!(
            self,
            Axis::Ancestor | Axis::AncestorOrSelf | Axis::Preceding | Axis::PrecedingSibling
        )
    }
}

/// What a step selects on its axis.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeTest {
    /// `name` or `prefix:name`.
    Name {
        prefix: Option<String>,
        local: String,
    },
    /// `*` or `prefix:*`.
    Wildcard { prefix: Option<String> },
    /// `node()`.
    Node,
    /// `text()`.
    Text,
    /// `comment()`.
    Comment,
    /// `processing-instruction()` with an optional target literal.
    ProcessingInstruction(Option<String>),
}

/// Binary operators, in XPath's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Neq,
    Lt,
    Lte,
    Gt,
    Gte,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Union,
}

impl BinaryOp {
    /// Binding strength: higher binds tighter (XPath 1.0 §3 grammar order).
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Or => 1,
            BinaryOp::And => 2,
            BinaryOp::Eq | BinaryOp::Neq => 3,
            BinaryOp::Lt | BinaryOp::Lte | BinaryOp::Gt | BinaryOp::Gte => 4,
            BinaryOp::Add | BinaryOp::Sub => 5,
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => 6,
            // Unary minus sits at 7, between multiplication and union.
            BinaryOp::Union => 8,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "=",
            BinaryOp::Neq => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Lte => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Gte => ">=",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "div",
            BinaryOp::Mod => "mod",
            BinaryOp::Union => "|",
        }
    }
}

const UNARY_PRECEDENCE: u8 = 7;

impl Expr {
    /// Every `${name}` this expression refers to, in order of appearance (with repeats),
    /// so the importer can check them and the engine can build its dependency graph.
    pub fn field_refs(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.walk(&mut |expr| {
            if let Expr::FieldRef(name) = expr {
                out.push(name.as_str());
            }
        });
        out
    }

    /// Every function name called, as written (`jr:choice-name`), in order of appearance.
    pub fn function_names(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.walk(&mut |expr| {
            if let Expr::Call { name, .. } = expr {
                out.push(name.as_str());
            }
        });
        out
    }

    /// Visits this expression and every sub-expression (predicates included), pre-order.
    pub fn walk<'a>(&'a self, visit: &mut dyn FnMut(&'a Expr)) {
        visit(self);
        match self {
            Expr::Number(_) | Expr::Literal(_) | Expr::FieldRef(_) => {}
            Expr::Path(path) => walk_steps(&path.steps, visit),
            Expr::Filter {
                primary,
                predicates,
                steps,
            } => {
                primary.walk(visit);
                for predicate in predicates {
                    predicate.walk(visit);
                }
                walk_steps(steps, visit);
            }
            Expr::Negate(inner) => inner.walk(visit),
            Expr::Binary { left, right, .. } => {
                left.walk(visit);
                right.walk(visit);
            }
            Expr::Call { args, .. } => {
                for arg in args {
                    arg.walk(visit);
                }
            }
        }
    }

    fn precedence(&self) -> u8 {
        match self {
            Expr::Binary { op, .. } => op.precedence(),
            Expr::Negate(_) => UNARY_PRECEDENCE,
            _ => u8::MAX,
        }
    }
}

fn walk_steps<'a>(steps: &'a [Step], visit: &mut dyn FnMut(&'a Expr)) {
    for step in steps {
        for predicate in &step.predicates {
            predicate.walk(visit);
        }
    }
}

/// Writes a string literal. XPath 1.0 literals have no escapes, so a string holding both
/// quote characters cannot be written as one literal; it is written as a `concat()` of
/// pieces, which evaluates to the same string (the tree differs, the value does not).
fn write_literal(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    if !s.contains('"') {
        write!(f, "\"{s}\"")
    } else if !s.contains('\'') {
        write!(f, "'{s}'")
    } else {
        f.write_str("concat(")?;
        for (i, piece) in s.split('"').enumerate() {
            if i > 0 {
                f.write_str(", '\"', ")?;
            }
            write!(f, "\"{piece}\"")?;
        }
        f.write_str(")")
    }
}

fn write_number(f: &mut fmt::Formatter<'_>, n: f64) -> fmt::Result {
    if n.is_nan() {
        f.write_str("(0 div 0)")
    } else if n.is_infinite() {
        f.write_str(if n > 0.0 { "(1 div 0)" } else { "(-1 div 0)" })
    } else if n < 0.0 {
        // Keeps the literal's sign visible to the parser as a unary minus.
        write!(f, "(-{})", -n)
    } else {
        // Rust prints the shortest text that reads back to the same f64, never in
        // exponent form, which is what XPath's Number syntax needs.
        write!(f, "{n}")
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.axis, &self.test, self.predicates.is_empty()) {
            (Axis::SelfAxis, NodeTest::Node, true) => f.write_str(".")?,
            (Axis::Parent, NodeTest::Node, true) => f.write_str("..")?,
            (Axis::Child, test, _) => write!(f, "{test}")?,
            (Axis::Attribute, test, _) => write!(f, "@{test}")?,
            (axis, test, _) => write!(f, "{}::{test}", axis.name())?,
        }
        for predicate in &self.predicates {
            write!(f, "[{predicate}]")?;
        }
        Ok(())
    }
}

impl fmt::Display for NodeTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeTest::Name {
                prefix: Some(p),
                local,
            } => write!(f, "{p}:{local}"),
            NodeTest::Name {
                prefix: None,
                local,
            } => f.write_str(local),
            NodeTest::Wildcard { prefix: Some(p) } => write!(f, "{p}:*"),
            NodeTest::Wildcard { prefix: None } => f.write_str("*"),
            NodeTest::Node => f.write_str("node()"),
            NodeTest::Text => f.write_str("text()"),
            NodeTest::Comment => f.write_str("comment()"),
            NodeTest::ProcessingInstruction(None) => f.write_str("processing-instruction()"),
            NodeTest::ProcessingInstruction(Some(target)) => {
                f.write_str("processing-instruction(")?;
                write_literal(f, target)?;
                f.write_str(")")
            }
        }
    }
}

fn write_steps(f: &mut fmt::Formatter<'_>, steps: &[Step], leading_slash: bool) -> fmt::Result {
    for (i, step) in steps.iter().enumerate() {
        if i > 0 || leading_slash {
            f.write_str("/")?;
        }
        write!(f, "{step}")?;
    }
    Ok(())
}

fn write_operand(f: &mut fmt::Formatter<'_>, expr: &Expr, parens: bool) -> fmt::Result {
    if parens {
        write!(f, "({expr})")
    } else {
        write!(f, "{expr}")
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Number(n) => write_number(f, *n),
            Expr::Literal(s) => write_literal(f, s),
            Expr::FieldRef(name) => write!(f, "${{{name}}}"),
            Expr::Path(path) => {
                if path.absolute && path.steps.is_empty() {
                    // A bare `/` followed by an operator such as `*` would read as `/*`.
                    f.write_str("(/)")
                } else {
                    write_steps(f, &path.steps, path.absolute)
                }
            }
            Expr::Filter {
                primary,
                predicates,
                steps,
            } => {
                let bare = matches!(
                    **primary,
                    Expr::Call { .. } | Expr::FieldRef(_) | Expr::Literal(_)
                ) || matches!(**primary, Expr::Number(n) if n.is_finite() && n >= 0.0);
                write_operand(f, primary, !bare)?;
                for predicate in predicates {
                    write!(f, "[{predicate}]")?;
                }
                write_steps(f, steps, true)
            }
            Expr::Negate(inner) => {
                f.write_str("-")?;
                write_operand(f, inner, inner.precedence() < UNARY_PRECEDENCE)
            }
            Expr::Binary { op, left, right } => {
                let p = op.precedence();
                write_operand(f, left, left.precedence() < p)?;
                write!(f, " {} ", op.symbol())?;
                write_operand(f, right, right.precedence() <= p)
            }
            Expr::Call { name, args } => {
                write!(f, "{name}(")?;
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{arg}")?;
                }
                f.write_str(")")
            }
        }
    }
}

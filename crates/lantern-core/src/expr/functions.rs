//! The function library: XPath 1.0's core functions and those of the ODK XForms spec.
//! Arguments are evaluated lazily so `if`, `coalesce` and `once` only evaluate what
//! they use. Where Enketo and JavaRosa differ, these follow JavaRosa (see
//! `docs/spec-notes.md`).

use chrono::{FixedOffset, NaiveDateTime};

use super::ast::Expr;
use super::datetime::{self, DateLike};
use super::env::NodeId;
use super::eval::{Context, EvalError, EvalResult, Evaluator, node_number};
use super::value::{Value, is_xml_space};

fn arity(name: &str, args: &[Expr], min: usize, max: Option<usize>) -> EvalResult<()> {
    let n = args.len();
    if n < min || max.is_some_and(|max| n > max) {
        let expected = match max {
            Some(max) if max == min => format!("{min}"),
            Some(max) => format!("{min} to {max}"),
            None => format!("at least {min}"),
        };
        return Err(EvalError::Arity {
            name: name.to_string(),
            expected,
            got: n,
        });
    }
    Ok(())
}

struct Args<'a, 'e, 'x> {
    ev: &'a mut Evaluator<'e>,
    args: &'x [Expr],
    ctx: &'a Context,
}

impl Args<'_, '_, '_> {
    fn value(&mut self, i: usize) -> EvalResult<Value> {
        self.ev.eval(&self.args[i], self.ctx)
    }
    fn string(&mut self, i: usize) -> EvalResult<String> {
        let v = self.value(i)?;
        Ok(v.to_string_value(self.ev.env))
    }
    fn number(&mut self, i: usize) -> EvalResult<f64> {
        let v = self.value(i)?;
        Ok(v.to_number(self.ev.env))
    }
    fn boolean(&mut self, i: usize) -> EvalResult<bool> {
        let env = self.ev.env;
        Ok(self.value(i)?.to_bool_in(env))
    }
    fn nodes(&mut self, i: usize, what: &str) -> EvalResult<Vec<NodeId>> {
        self.ev.eval_nodeset(&self.args[i], self.ctx, what)
    }
    /// Every argument flattened to strings: node-sets give each node's value (the ODK
    /// rule for `concat`, `join`, `max`, `min`).
    fn flat_strings(&mut self, from: usize) -> EvalResult<Vec<String>> {
        let mut out = Vec::new();
        for i in from..self.args.len() {
            match self.value(i)? {
                Value::NodeSet(nodes) => {
                    out.extend(nodes.iter().map(|n| self.ev.env.string_value(*n)));
                }
                other => out.push(other.to_string_value(self.ev.env)),
            }
        }
        Ok(out)
    }
    fn zone(&self) -> FixedOffset {
        self.ev.env.now().timezone()
    }
}

fn context_node(ctx: &Context, name: &str) -> EvalResult<NodeId> {
    ctx.node.ok_or_else(|| {
        EvalError::TypeMismatch(format!(
            "{name}() needs a context node, and there is none here"
        ))
    })
}

/// Calls function `name` (as written, e.g. `jr:choice-name`). The library is split
/// into groups, each its own function, so one call's stack frame stays small: deeply
/// nested calls must fit the stack of a cheap phone even in debug builds.
type Group = fn(&mut Args<'_, '_, '_>, &str, &Context) -> EvalResult<Option<Value>>;

/// Every function a form may call (the functions of the ODK XForms spec, the JavaRosa
/// extensions ODK Collect runs and the XPath 1.0 core library), each with the group
/// that evaluates it. This one table is what import checks names against
/// ([`super::is_known_function`]) and what [`call`] dispatches through, so a function
/// cannot import clean and then fail at run time. Not here, so refused at import as
/// JavaRosa refuses them: `lang()` and `id()` (no `xml:lang` or DTD IDs in ODK
/// instances), `extract-signed()` (needs signature keys Lantern does not hold).
const FUNCTIONS: &[(&str, Group)] = &[
    // XPath 1.0 core.
    ("last", node_sets),
    ("position", node_sets),
    ("count", node_sets),
    ("local-name", node_sets),
    ("namespace-uri", node_sets),
    ("name", node_sets),
    ("string", strings),
    ("concat", strings),
    ("starts-with", text_search),
    ("contains", text_search),
    ("substring-before", strings),
    ("substring-after", strings),
    ("substring", strings),
    ("string-length", text_search),
    ("normalize-space", text_search),
    ("translate", text_search),
    ("boolean", booleans),
    ("not", booleans),
    ("true", booleans),
    ("false", booleans),
    ("number", numbers),
    ("sum", numbers),
    ("floor", numbers),
    ("ceiling", numbers),
    ("round", numbers),
    // ODK XForms: strings.
    ("join", strings),
    ("substr", strings),
    ("ends-with", text_search),
    ("uuid", text_extras),
    ("digest", text_extras),
    ("pulldata", text_extras),
    ("base64-decode", text_extras),
    // Booleans.
    ("if", booleans),
    ("coalesce", booleans),
    ("once", booleans),
    ("boolean-from-string", booleans),
    ("regex", checks),
    ("checklist", checks),
    ("weighted-checklist", checks),
    // Numbers.
    ("random", numbers),
    ("int", numbers),
    ("max", numbers),
    ("min", numbers),
    ("pow", numbers),
    ("log", numbers),
    ("log10", numbers),
    ("abs", numbers),
    ("sin", numbers),
    ("cos", numbers),
    ("tan", numbers),
    ("asin", numbers),
    ("acos", numbers),
    ("atan", numbers),
    ("atan2", numbers),
    ("sqrt", numbers),
    ("exp", numbers),
    ("exp10", numbers),
    ("pi", numbers),
    // Node-sets.
    ("count-non-empty", node_sets),
    ("instance", node_sets),
    ("current", node_sets),
    ("randomize", node_sets),
    // Dates and times.
    ("today", dates),
    ("now", dates),
    ("format-date", dates),
    ("format-date-time", dates),
    ("date", dates),
    ("date-time", dates),
    ("decimal-date-time", dates),
    ("decimal-time", dates),
    // Selects.
    ("selected", selects),
    ("is-selected", selects),
    ("selected-at", selects),
    ("count-selected", selects),
    ("jr:choice-name", selects),
    ("jr:itext", selects),
    // Repeats.
    ("indexed-repeat", node_sets),
    // Geography.
    ("area", geography),
    ("distance", geography),
    ("enclosed-area", geography),
    ("geofence", geography),
];

/// The names of [`FUNCTIONS`], in order.
pub(crate) fn function_names() -> impl Iterator<Item = &'static str> {
    FUNCTIONS.iter().map(|(n, _)| *n)
}

pub fn call(ev: &mut Evaluator<'_>, name: &str, args: &[Expr], ctx: &Context) -> EvalResult<Value> {
    let mut a = Args { ev, args, ctx };
    let Some((_, group)) = FUNCTIONS.iter().find(|(n, _)| *n == name) else {
        return Err(match name {
            "id" | "lang" | "extract-signed" => {
                EvalError::Unsupported(format!("{name}() is not supported in ODK forms"))
            }
            _ => EvalError::UnknownFunction {
                name: name.to_string(),
            },
        });
    };
    group(&mut a, name, ctx)?.ok_or_else(|| EvalError::UnknownFunction {
        name: name.to_string(),
    })
}

#[inline(never)]
fn booleans(a: &mut Args<'_, '_, '_>, name: &str, ctx: &Context) -> EvalResult<Option<Value>> {
    let env = a.ev.env;
    let args = a.args;
    let v = match name {
        // Booleans.
        "true" | "false" => {
            arity(name, args, 0, Some(0))?;
            Value::Boolean(name == "true")
        }
        "boolean" => {
            arity(name, args, 1, Some(1))?;
            Value::Boolean(a.boolean(0)?)
        }
        "not" => {
            arity(name, args, 1, Some(1))?;
            Value::Boolean(!a.boolean(0)?)
        }
        "boolean-from-string" => {
            arity(name, args, 1, Some(1))?;
            let s = a.string(0)?;
            Value::Boolean(s == "true" || s == "1")
        }
        "if" => {
            arity(name, args, 3, Some(3))?;
            if a.boolean(0)? {
                a.value(1)?
            } else {
                a.value(2)?
            }
        }
        "coalesce" => {
            arity(name, args, 2, Some(2))?;
            // The first value passes through with its type, as in JavaRosa:
            // `coalesce(selected(…), 0)` stays a boolean (spec-notes-engine.md, J5).
            let first = a.value(0)?;
            if first.to_string_value(env).is_empty() {
                a.value(1)?
            } else {
                first
            }
        }
        "once" => {
            arity(name, args, 1, Some(1))?;
            // Keeps a value once set: the context node's own value wins.
            let existing = ctx.node.map(|n| env.string_value(n)).unwrap_or_default();
            if existing.is_empty() {
                a.value(0)?
            } else {
                Value::String(existing)
            }
        }
        _ => return Ok(None),
    };
    Ok(Some(v))
}

#[inline(never)]
fn checks(a: &mut Args<'_, '_, '_>, name: &str, _ctx: &Context) -> EvalResult<Option<Value>> {
    let env = a.ev.env;
    let args = a.args;
    let n = args.len();
    let v = match name {
        "regex" => {
            arity(name, args, 2, Some(2))?;
            let s = a.string(0)?;
            let pattern = a.string(1)?;
            let re = regex::Regex::new(&pattern).map_err(|e| EvalError::InvalidRegex {
                pattern: pattern.clone(),
                reason: e.to_string(),
            })?;
            Value::Boolean(re.is_match(&s))
        }
        "checklist" => {
            arity(name, args, 2, None)?;
            let min = a.number(0)?;
            let max = a.number(1)?;
            let mut count = 0.0;
            for i in 2..n {
                match a.value(i)? {
                    Value::NodeSet(nodes) => {
                        count += nodes
                            .iter()
                            .filter(|n| string_truth(&env.string_value(**n)))
                            .count() as f64;
                    }
                    other => count += f64::from(u8::from(other.to_bool())),
                }
            }
            Value::Boolean((min < 0.0 || count >= min) && (max < 0.0 || count <= max))
        }
        "weighted-checklist" => {
            arity(name, args, 2, None)?;
            if !n.is_multiple_of(2) {
                return Err(EvalError::Arity {
                    name: name.into(),
                    expected: "min, max, then value and weight pairs".into(),
                    got: n,
                });
            }
            let min = a.number(0)?;
            let max = a.number(1)?;
            let mut sum = 0.0;
            for i in (2..n).step_by(2) {
                let values = a.value(i)?;
                let weights = a.value(i + 1)?;
                match (values, weights) {
                    (Value::NodeSet(vs), Value::NodeSet(ws)) => {
                        for (v, w) in vs.iter().zip(ws.iter()) {
                            if string_truth(&env.string_value(*v)) {
                                sum += node_number(env, *w);
                            }
                        }
                    }
                    (Value::NodeSet(vs), w) => {
                        let w = w.to_number(env);
                        for v in vs {
                            if string_truth(&env.string_value(v)) {
                                sum += w;
                            }
                        }
                    }
                    (v, w) => {
                        if v.to_bool() {
                            sum += w.to_number(env);
                        }
                    }
                }
            }
            Value::Boolean((min < 0.0 || sum >= min) && (max < 0.0 || sum <= max))
        }

        _ => return Ok(None),
    };
    Ok(Some(v))
}

#[inline(never)]
fn numbers(a: &mut Args<'_, '_, '_>, name: &str, _ctx: &Context) -> EvalResult<Option<Value>> {
    let env = a.ev.env;
    let args = a.args;
    let n = args.len();
    let v = match name {
        // Numbers.
        "number" => {
            arity(name, args, 1, Some(1))?;
            Value::Number(a.number(0)?)
        }
        "int" => {
            arity(name, args, 1, Some(1))?;
            Value::Number(a.number(0)?.trunc())
        }
        "floor" => {
            arity(name, args, 1, Some(1))?;
            Value::Number(a.number(0)?.floor())
        }
        "ceiling" => {
            arity(name, args, 1, Some(1))?;
            Value::Number(a.number(0)?.ceil())
        }
        "round" => {
            arity(name, args, 1, Some(2))?;
            let x = match a.value(0)? {
                // JavaRosa reads a decimal comma in round()'s text argument.
                Value::String(s) => {
                    let fixed = s.replace(',', ".");
                    Value::String(fixed).to_number(env)
                }
                other => other.to_number(env),
            };
            if n == 2 {
                let digits = a.number(1)?;
                Value::Number(round_to(x, digits))
            } else {
                Value::Number(xpath_round(x))
            }
        }
        "abs" => math1(a, name, f64::abs)?,
        "sqrt" => math1(a, name, f64::sqrt)?,
        "exp" => math1(a, name, f64::exp)?,
        "exp10" => math1(a, name, |x| 10f64.powf(x))?,
        "log" => math1(a, name, f64::ln)?,
        "log10" => math1(a, name, f64::log10)?,
        "sin" => math1(a, name, f64::sin)?,
        "cos" => math1(a, name, f64::cos)?,
        "tan" => math1(a, name, f64::tan)?,
        "asin" => math1(a, name, f64::asin)?,
        "acos" => math1(a, name, f64::acos)?,
        "atan" => math1(a, name, f64::atan)?,
        "atan2" => {
            arity(name, args, 2, Some(2))?;
            let y = a.number(0)?;
            let x = a.number(1)?;
            Value::Number(y.atan2(x))
        }
        "pow" => {
            arity(name, args, 2, Some(2))?;
            let x = a.number(0)?;
            let y = a.number(1)?;
            Value::Number(x.powf(y))
        }
        "pi" => {
            arity(name, args, 0, Some(0))?;
            Value::Number(std::f64::consts::PI)
        }
        "random" => {
            arity(name, args, 0, Some(0))?;
            Value::Number(env.random())
        }
        "sum" => {
            arity(name, args, 1, Some(1))?;
            let nodes = a.nodes(0, "sum()")?;
            Value::Number(nodes.iter().map(|n| node_number(env, *n)).sum())
        }
        "max" | "min" => {
            arity(name, args, 1, None)?;
            let values = a.flat_strings(0)?;
            let numbers: Vec<f64> = values
                .iter()
                .map(|s| Value::String(s.clone()).to_number(env))
                .collect();
            let result = if numbers.is_empty() || numbers.iter().any(|x| x.is_nan()) {
                f64::NAN
            } else if name == "max" {
                numbers.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            } else {
                numbers.iter().copied().fold(f64::INFINITY, f64::min)
            };
            Value::Number(result)
        }

        _ => return Ok(None),
    };
    Ok(Some(v))
}

#[inline(never)]
fn node_sets(a: &mut Args<'_, '_, '_>, name: &str, ctx: &Context) -> EvalResult<Option<Value>> {
    let env = a.ev.env;
    let args = a.args;
    let n = args.len();
    let v = match name {
        // Node-sets.
        "count" => {
            arity(name, args, 1, Some(1))?;
            Value::Number(a.nodes(0, "count()")?.len() as f64)
        }
        "count-non-empty" => {
            arity(name, args, 1, Some(1))?;
            let nodes = a.nodes(0, "count-non-empty()")?;
            Value::Number(
                nodes
                    .iter()
                    .filter(|n| !env.string_value(**n).is_empty())
                    .count() as f64,
            )
        }
        "last" => {
            arity(name, args, 0, Some(0))?;
            Value::Number(ctx.size as f64)
        }
        "position" => {
            arity(name, args, 0, Some(1))?;
            if n == 1 {
                let nodes = a.nodes(0, "position()")?;
                let node = nodes.first().copied().ok_or_else(|| {
                    EvalError::TypeMismatch("position() was given an empty node-set".into())
                })?;
                Value::Number(sibling_position(a.ev, node) as f64)
            } else if ctx.in_predicate {
                Value::Number(ctx.position as f64)
            } else {
                match ctx.node {
                    Some(node) => Value::Number(sibling_position(a.ev, node) as f64),
                    None => Value::Number(ctx.position as f64),
                }
            }
        }
        "current" => {
            arity(name, args, 0, Some(0))?;
            Value::NodeSet(ctx.current.into_iter().collect())
        }
        "instance" => {
            arity(name, args, 1, Some(1))?;
            let id = a.string(0)?;
            Value::NodeSet(env.instance(&id).into_iter().collect())
        }
        "local-name" | "name" | "namespace-uri" => {
            arity(name, args, 0, Some(1))?;
            let node = if n == 1 {
                a.nodes(0, &format!("{name}()"))?.first().copied()
            } else {
                ctx.node
            };
            let qname = node.and_then(|n| env.name(n));
            Value::String(match (name, qname) {
                (_, None) => String::new(),
                ("local-name", Some(q)) => q.local.to_string(),
                ("namespace-uri", Some(q)) => q.namespace.unwrap_or_default().to_string(),
                (_, Some(q)) => match q.prefix {
                    Some(p) => format!("{p}:{}", q.local),
                    None => q.local.to_string(),
                },
            })
        }
        "randomize" => {
            arity(name, args, 1, Some(2))?;
            let mut nodes = a.nodes(0, "randomize()")?;
            let seed = if n == 2 {
                let s = a.number(1)?;
                if !s.is_finite() {
                    return Err(EvalError::TypeMismatch(
                        "randomize()'s seed must be a number".into(),
                    ));
                }
                Some(s)
            } else {
                None
            };
            shuffle(&mut nodes, seed, env);
            Value::NodeSet(nodes)
        }
        "indexed-repeat" => {
            arity(name, args, 3, None)?;
            if n.is_multiple_of(2) {
                return Err(EvalError::Arity {
                    name: name.into(),
                    expected: "a field, then repeat and index pairs".into(),
                    got: n,
                });
            }
            indexed_repeat(a)?
        }

        _ => return Ok(None),
    };
    Ok(Some(v))
}

#[inline(never)]
fn strings(a: &mut Args<'_, '_, '_>, name: &str, ctx: &Context) -> EvalResult<Option<Value>> {
    let env = a.ev.env;
    let args = a.args;
    let n = args.len();
    let v = match name {
        // Strings.
        "string" => {
            arity(name, args, 0, Some(1))?;
            if n == 0 {
                let node = context_node(ctx, name)?;
                Value::String(env.string_value(node))
            } else {
                Value::String(a.string(0)?)
            }
        }
        "concat" => Value::String(a.flat_strings(0)?.concat()),
        "join" => {
            arity(name, args, 1, None)?;
            let sep = a.string(0)?;
            Value::String(a.flat_strings(1)?.join(&sep))
        }
        "substr" => {
            arity(name, args, 2, Some(3))?;
            let s: Vec<char> = a.string(0)?.chars().collect();
            let len = s.len() as f64;
            let clamp = |x: f64| -> usize {
                let x = if x < 0.0 {
                    (len + x).max(0.0)
                } else {
                    x.min(len)
                };
                if x.is_nan() { 0 } else { x as usize }
            };
            let start = clamp(a.number(1)?.trunc());
            let end = if n == 3 {
                clamp(a.number(2)?.trunc())
            } else {
                s.len()
            };
            Value::String(if start < end {
                s[start..end].iter().collect()
            } else {
                String::new()
            })
        }
        "substring" => {
            arity(name, args, 2, Some(3))?;
            let s: Vec<char> = a.string(0)?.chars().collect();
            let start = xpath_round(a.number(1)?);
            let end = if n == 3 {
                start + xpath_round(a.number(2)?)
            } else {
                f64::INFINITY
            };
            let out: String = s
                .iter()
                .enumerate()
                .filter(|(i, _)| {
                    let p = (*i + 1) as f64;
                    p >= start && p < end
                })
                .map(|(_, c)| *c)
                .collect();
            Value::String(out)
        }
        "substring-before" | "substring-after" => {
            arity(name, args, 2, Some(2))?;
            let s = a.string(0)?;
            let t = a.string(1)?;
            Value::String(match s.find(&t) {
                Some(i) if name == "substring-before" => s[..i].to_string(),
                Some(i) => s[i + t.len()..].to_string(),
                None => String::new(),
            })
        }
        _ => return Ok(None),
    };
    Ok(Some(v))
}

#[inline(never)]
fn text_search(a: &mut Args<'_, '_, '_>, name: &str, _ctx: &Context) -> EvalResult<Option<Value>> {
    let args = a.args;
    let v = match name {
        "translate" => {
            arity(name, args, 3, Some(3))?;
            let s = a.string(0)?;
            let from: Vec<char> = a.string(1)?.chars().collect();
            let to: Vec<char> = a.string(2)?.chars().collect();
            Value::String(
                s.chars()
                    .filter_map(|c| match from.iter().position(|f| *f == c) {
                        Some(i) => to.get(i).copied(),
                        None => Some(c),
                    })
                    .collect(),
            )
        }
        "string-length" => {
            // JavaRosa requires the argument (the ODK spec's signature), unlike XPath 1.0.
            arity(name, args, 1, Some(1))?;
            Value::Number(a.string(0)?.chars().count() as f64)
        }
        "normalize-space" => {
            arity(name, args, 1, Some(1))?;
            let s = a.string(0)?;
            Value::String(
                s.split(is_xml_space)
                    .filter(|w| !w.is_empty())
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        }
        "contains" | "starts-with" | "ends-with" => {
            arity(name, args, 2, Some(2))?;
            let s = a.string(0)?;
            let t = a.string(1)?;
            Value::Boolean(match name {
                "contains" => s.contains(&t),
                "starts-with" => s.starts_with(&t),
                _ => s.ends_with(&t),
            })
        }
        _ => return Ok(None),
    };
    Ok(Some(v))
}

#[inline(never)]
fn text_extras(a: &mut Args<'_, '_, '_>, name: &str, _ctx: &Context) -> EvalResult<Option<Value>> {
    let env = a.ev.env;
    let args = a.args;
    let n = args.len();
    let v = match name {
        "uuid" => {
            arity(name, args, 0, Some(1))?;
            if n == 1 {
                let len = a.number(0)?;
                let len = if len.is_finite() && len > 0.0 {
                    len.min(10_000.0) as usize
                } else {
                    0
                };
                const ALPHABET: &[u8] =
                    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
                let s: String = (0..len)
                    .map(|_| {
                        ALPHABET[((env.random() * ALPHABET.len() as f64) as usize)
                            .min(ALPHABET.len() - 1)] as char
                    })
                    .collect();
                Value::String(s)
            } else {
                Value::String(uuid_v4(env))
            }
        }
        "digest" => {
            arity(name, args, 2, Some(3))?;
            let data = a.string(0)?;
            let algorithm = a.string(1)?;
            let encoding = if n == 3 {
                a.string(2)?
            } else {
                "base64".to_string()
            };
            Value::String(super::digest::digest(&data, &algorithm, &encoding)?)
        }
        "base64-decode" => {
            arity(name, args, 1, Some(1))?;
            let s = a.string(0)?;
            Value::String(super::digest::base64_decode(&s).unwrap_or_default())
        }
        "pulldata" => {
            arity(name, args, 4, Some(4))?;
            let instance = a.string(0)?;
            let column = a.string(1)?;
            let key_column = a.string(2)?;
            let key = a.string(3)?;
            Value::String(
                env.pulldata(&instance, &column, &key_column, &key)
                    .unwrap_or_default(),
            )
        }

        _ => return Ok(None),
    };
    Ok(Some(v))
}

#[inline(never)]
fn selects(a: &mut Args<'_, '_, '_>, name: &str, ctx: &Context) -> EvalResult<Option<Value>> {
    let env = a.ev.env;
    let args = a.args;
    let v = match name {
        // Selects.
        "selected" | "is-selected" => {
            arity(name, args, 2, Some(2))?;
            let list = a.string(0)?;
            let choice = a.string(1)?;
            // JavaRosa's rule, spaces included: `selected('', '')` is true.
            let choice = choice.trim_matches(is_xml_space);
            Value::Boolean(format!(" {list} ").contains(&format!(" {choice} ")))
        }
        "selected-at" => {
            arity(name, args, 2, Some(2))?;
            let list = a.string(0)?;
            let index = a.number(1)?;
            let items: Vec<&str> = list.split(is_xml_space).filter(|s| !s.is_empty()).collect();
            let item = if index >= 0.0 && index.fract() == 0.0 {
                items.get(index as usize).copied().unwrap_or_default()
            } else {
                ""
            };
            Value::String(item.to_string())
        }
        "count-selected" => {
            arity(name, args, 1, Some(1))?;
            let list = a.string(0)?;
            Value::Number(list.split(is_xml_space).filter(|s| !s.is_empty()).count() as f64)
        }
        "jr:choice-name" => {
            arity(name, args, 2, Some(2))?;
            let value = a.string(0)?;
            let path = a.string(1)?;
            Value::String(env.choice_name(&value, &path, ctx.node).unwrap_or_default())
        }
        "jr:itext" => {
            arity(name, args, 1, Some(1))?;
            let id = a.string(0)?;
            Value::String(env.itext(&id).unwrap_or_default())
        }

        _ => return Ok(None),
    };
    Ok(Some(v))
}

#[inline(never)]
fn dates(a: &mut Args<'_, '_, '_>, name: &str, _ctx: &Context) -> EvalResult<Option<Value>> {
    let env = a.ev.env;
    let args = a.args;
    let v = match name {
        // Dates and times.
        "today" => {
            arity(name, args, 0, Some(0))?;
            Value::Date(env.now().date_naive())
        }
        "now" => {
            arity(name, args, 0, Some(0))?;
            Value::DateTime(env.now())
        }
        "date" | "date-time" => {
            arity(name, args, 1, Some(1))?;
            let v = a.value(0)?;
            to_date(&v, name, a.zone(), env)?
        }
        "decimal-date-time" => {
            arity(name, args, 1, Some(1))?;
            let v = a.value(0)?;
            match to_date(&v, name, a.zone(), env)? {
                Value::Date(d) => match datetime::local_midnight(d, a.zone()) {
                    Some(dt) => Value::Number(datetime::fractional_days(&dt)),
                    None => Value::Number(f64::NAN),
                },
                Value::DateTime(dt) => Value::Number(datetime::fractional_days(&dt)),
                _ => Value::Number(f64::NAN),
            }
        }
        "decimal-time" => {
            arity(name, args, 1, Some(1))?;
            let s = a.string(0)?;
            let zone = a.zone();
            Value::Number(match datetime::parse_time_of_day(&s, zone) {
                Some(dt) => {
                    let local = dt.with_timezone(&zone).naive_local();
                    let midnight = local.date().and_hms_opt(0, 0, 0).unwrap_or(local);
                    (local - midnight).num_milliseconds() as f64 / datetime::MS_PER_DAY
                }
                None => f64::NAN,
            })
        }
        "format-date" | "format-date-time" => {
            arity(name, args, 2, Some(2))?;
            let v = a.value(0)?;
            let pattern = a.string(1)?;
            let zone = a.zone();
            let local: Option<NaiveDateTime> = match &v {
                Value::Date(d) => d.and_hms_opt(0, 0, 0),
                Value::DateTime(dt) => Some(dt.with_timezone(&zone).naive_local()),
                Value::Number(x) => {
                    datetime::instant_from_days(*x, zone).map(|dt| dt.naive_local())
                }
                other => match other.as_date_like(env) {
                    Some(DateLike::Date(d)) => d.and_hms_opt(0, 0, 0),
                    Some(DateLike::DateTime(dt)) => Some(dt.with_timezone(&zone).naive_local()),
                    None => None,
                },
            };
            Value::String(
                local
                    .map(|l| datetime::format_pattern(&l, &pattern))
                    .unwrap_or_default(),
            )
        }

        _ => return Ok(None),
    };
    Ok(Some(v))
}

#[inline(never)]
fn geography(a: &mut Args<'_, '_, '_>, name: &str, _ctx: &Context) -> EvalResult<Option<Value>> {
    let args = a.args;
    let v = match name {
        // Geography.
        "distance" | "area" | "enclosed-area" => {
            arity(name, args, 1, None)?;
            let points = geo_points(a)?;
            Value::Number(match points {
                None => f64::NAN,
                Some(points) if name == "distance" => super::geo::distance(&points),
                Some(points) => super::geo::area(&points),
            })
        }
        "geofence" => {
            arity(name, args, 2, Some(2))?;
            let point = a.string(0)?;
            let shape = a.string(1)?;
            let point = super::geo::parse_points(&point)
                .filter(|p| p.len() == 1)
                .ok_or_else(|| {
                    EvalError::TypeMismatch("geofence() needs a single geopoint first".into())
                })?;
            let shape = super::geo::parse_points(&shape)
                .filter(|p| p.len() >= 3)
                .ok_or_else(|| {
                    EvalError::TypeMismatch("geofence() needs a geoshape second".into())
                })?;
            Value::Boolean(super::geo::inside(point[0], &shape))
        }

        _ => return Ok(None),
    };
    Ok(Some(v))
}

/// How checklists read a node: true when it has any text (JavaRosa's `toBoolean` of a
/// string).
fn string_truth(s: &str) -> bool {
    !s.is_empty()
}

fn math1(a: &mut Args<'_, '_, '_>, name: &str, f: impl Fn(f64) -> f64) -> EvalResult<Value> {
    arity(name, a.args, 1, Some(1))?;
    Ok(Value::Number(f(a.number(0)?)))
}

/// XPath 1.0 `round()`: the closest integer, halves toward positive infinity (so
/// `round(-1.5)` is -1, as in JavaRosa), negative zero kept.
pub fn xpath_round(x: f64) -> f64 {
    if !x.is_finite() || x.fract() == 0.0 {
        return x;
    }
    let r = (x + 0.5).floor();
    if r == 0.0 && x < 0.0 { -0.0 } else { r }
}

/// `round(x, digits)`: rounds the decimal text of `x` half away from zero (JavaRosa's
/// BigDecimal HALF_UP over the double's shortest text, so 2.15 → 2.2).
fn round_to(x: f64, digits: f64) -> f64 {
    if !x.is_finite() || digits.is_nan() {
        return if digits.is_nan() { f64::NAN } else { x };
    }
    let digits = digits.trunc().clamp(-400.0, 400.0) as i32;
    let text = format!("{}", x.abs());
    let (int_part, frac_part) = text.split_once('.').unwrap_or((&text, ""));
    let mut all: Vec<u8> = int_part
        .bytes()
        .chain(frac_part.bytes())
        .map(|b| b - b'0')
        .collect();
    let point = int_part.len() as i32;
    let keep = point + digits;
    if keep < 0 {
        return 0.0_f64.copysign(x);
    }
    let keep = keep as usize;
    if keep >= all.len() {
        return x;
    }
    let round_up = all[keep] >= 5;
    all.truncate(keep);
    let mut value: f64 = 0.0;
    for d in &all {
        value = value * 10.0 + f64::from(*d);
    }
    if round_up {
        value += 1.0;
    }
    let scaled = if digits >= 0 {
        value / 10f64.powi(digits)
    } else {
        value * 10f64.powi(-digits)
    };
    // Re-read through text so 14.3 comes out as the double nearest 14.3.
    let scaled: f64 = format!("{scaled}").parse().unwrap_or(scaled);
    scaled.copysign(x)
}

/// 1-based index of `node` among its parent's element children of the same name
/// (the repeat instance number JavaRosa's `position(..)` gives).
fn sibling_position(ev: &Evaluator<'_>, node: NodeId) -> usize {
    let env = ev.env;
    let Some(parent) = env.parent(node) else {
        return 1;
    };
    let name = env.name(node).map(|n| n.local.to_string());
    let kind = env.kind(node);
    env.children(parent)
        .into_iter()
        .filter(|c| env.kind(*c) == kind && env.name(*c).map(|n| n.local.to_string()) == name)
        .position(|c| c == node)
        .map_or(1, |i| i + 1)
}

fn to_date(
    v: &Value,
    name: &str,
    zone: FixedOffset,
    env: &dyn super::env::Env,
) -> EvalResult<Value> {
    let mismatch = || {
        EvalError::InvalidDate(format!(
            "{name}() cannot read '{}' as a date: write it as YYYY-MM-DD",
            v.to_string_value(env)
        ))
    };
    match v {
        Value::Date(_) | Value::DateTime(_) => Ok(v.clone()),
        Value::Number(x) => {
            if x.is_nan() {
                return Ok(Value::String(String::new()));
            }
            datetime::instant_from_days(*x, zone)
                .map(Value::DateTime)
                .ok_or_else(mismatch)
        }
        Value::Boolean(_) => Err(mismatch()),
        Value::String(_) | Value::NodeSet(_) => {
            let s = v.to_string_value(env);
            if s.trim().is_empty() {
                // An empty answer is no date: blank, not an error (JavaRosa).
                return Ok(Value::String(String::new()));
            }
            match datetime::parse_date_like(&s, zone) {
                // A date-only text stays a date even in date-time(): it has no time.
                Some(DateLike::Date(d)) => Ok(Value::Date(d)),
                Some(DateLike::DateTime(dt)) => Ok(Value::DateTime(dt)),
                None => Err(mismatch()),
            }
        }
    }
}

fn geo_points(a: &mut Args<'_, '_, '_>) -> EvalResult<Option<Vec<super::geo::Point>>> {
    let strings = a.flat_strings(0)?;
    let mut points = Vec::new();
    for s in strings {
        match super::geo::parse_points(&s) {
            Some(p) => points.extend(p),
            None => return Ok(None),
        }
    }
    Ok(if points.is_empty() {
        None
    } else {
        Some(points)
    })
}

/// `indexed-repeat(field, repeat1, index1, [repeat2, index2, …])`: the `field` inside
/// instance `index1` of `repeat1` (and so on down nested repeats).
fn indexed_repeat(a: &mut Args<'_, '_, '_>) -> EvalResult<Value> {
    let env = a.ev.env;
    let mut scope: Option<NodeId> = None;
    for pair in (1..a.args.len()).step_by(2) {
        let repeats = a.nodes(pair, "indexed-repeat()")?;
        let index = a.number(pair + 1)?;
        let in_scope: Vec<NodeId> = repeats
            .into_iter()
            .filter(|r| scope.is_none_or(|s| is_ancestor(env, s, *r)))
            .collect();
        // A blank index picks the first instance, as in JavaRosa (J6).
        let index = if index.is_nan() { 1.0 } else { index };
        let chosen = if index >= 1.0 && index.fract() == 0.0 {
            in_scope.get(index as usize - 1).copied()
        } else {
            None
        };
        match chosen {
            Some(node) => scope = Some(node),
            None => return Ok(Value::NodeSet(Vec::new())),
        }
    }
    let fields = a.nodes(0, "indexed-repeat()")?;
    let found: Vec<NodeId> = fields
        .into_iter()
        .filter(|f| scope.is_none_or(|s| is_ancestor(env, s, *f)))
        .take(1)
        .collect();
    Ok(Value::NodeSet(found))
}

fn is_ancestor(env: &dyn super::env::Env, ancestor: NodeId, mut node: NodeId) -> bool {
    while let Some(p) = env.parent(node) {
        if p == ancestor {
            return true;
        }
        node = p;
    }
    false
}

/// Fisher–Yates shuffle. With a seed, the Park–Miller generator makes the order depend
/// only on the seed (so a saved form reopens with the same order); without one, the
/// caller's random source decides.
fn shuffle(nodes: &mut [NodeId], seed: Option<f64>, env: &dyn super::env::Env) {
    let mut state: u64 = match seed {
        Some(s) => {
            let s = (s.abs().trunc() as u64) % 2_147_483_647;
            if s == 0 { 1 } else { s }
        }
        None => 0,
    };
    let mut next = || -> f64 {
        if seed.is_some() {
            state = state * 16_807 % 2_147_483_647;
            (state - 1) as f64 / 2_147_483_646.0
        } else {
            env.random()
        }
    };
    for i in (1..nodes.len()).rev() {
        let j = ((next() * (i + 1) as f64) as usize).min(i);
        nodes.swap(i, j);
    }
}

fn uuid_v4(env: &dyn super::env::Env) -> String {
    let mut bytes = [0u8; 16];
    for b in &mut bytes {
        *b = ((env.random() * 256.0) as u32).min(255) as u8;
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

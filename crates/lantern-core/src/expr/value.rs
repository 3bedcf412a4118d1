//! Expression values and the XPath 1.0 type conversions (`string()`, `number()`,
//! `boolean()`) as ODK engines apply them, including ODK's dates: a date converts to
//! whole days since the epoch (JavaRosa), a date-time to fractional days.

use chrono::{DateTime, FixedOffset, NaiveDate};

use super::datetime::{self, DateLike};
use super::env::{Env, NodeId};

/// The result of evaluating an expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Boolean(bool),
    Number(f64),
    String(String),
    /// Nodes in document order, without duplicates.
    NodeSet(Vec<NodeId>),
    /// A calendar date (`date('2024-03-01')`, `today()`).
    Date(NaiveDate),
    /// An instant with the offset it is shown in (`now()`, `date-time(…)`).
    DateTime(DateTime<FixedOffset>),
}

/// Formats a number as XPath 1.0 `string()` does: no exponent, no trailing `.0`,
/// `NaN`, `Infinity`, `-Infinity`, and `0` for negative zero.
pub fn number_to_string(n: f64) -> String {
    if n.is_nan() {
        "NaN".into()
    } else if n.is_infinite() {
        if n > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else if n == 0.0 {
        "0".into()
    } else {
        // Rust's shortest round-trip representation never uses an exponent.
        format!("{n}")
    }
}

/// XPath whitespace: space, tab, carriage return, line feed (not form feed or \v).
pub fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Parses XPath's `Number` lexical form (optional minus, digits, optional fraction),
/// surrounded by optional whitespace; anything else is NaN.
pub fn parse_xpath_number(s: &str) -> f64 {
    let t = s.trim_matches(is_xml_space);
    let body = t.strip_prefix('-').unwrap_or(t);
    let mut seen_digit = false;
    let mut seen_dot = false;
    for c in body.chars() {
        match c {
            '0'..='9' => seen_digit = true,
            '.' if !seen_dot => seen_dot = true,
            _ => return f64::NAN,
        }
    }
    if !seen_digit {
        return f64::NAN;
    }
    t.parse().unwrap_or(f64::NAN)
}

impl Value {
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Boolean(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::NodeSet(_) => "node-set",
            Value::Date(_) => "date",
            Value::DateTime(_) => "dateTime",
        }
    }

    /// XPath `string()`.
    pub fn to_string_value(&self, env: &dyn Env) -> String {
        match self {
            Value::Boolean(b) => b.to_string(),
            Value::Number(n) => number_to_string(*n),
            Value::String(s) => s.clone(),
            Value::NodeSet(nodes) => nodes
                .first()
                .map(|n| env.string_value(*n))
                .unwrap_or_default(),
            Value::Date(d) => d.format("%Y-%m-%d").to_string(),
            Value::DateTime(dt) => {
                datetime::format_date_time(&dt.with_timezone(&env.now().timezone()))
            }
        }
    }

    /// XPath `number()`, extended so date strings and dates give days since the epoch.
    pub fn to_number(&self, env: &dyn Env) -> f64 {
        match self {
            Value::Boolean(b) => f64::from(u8::from(*b)),
            Value::Number(n) => *n,
            Value::String(s) => string_to_number(s, env),
            Value::NodeSet(_) => string_to_number(&self.to_string_value(env), env),
            Value::Date(d) => datetime::days_since_epoch(*d),
            Value::DateTime(dt) => datetime::fractional_days(dt),
        }
    }

    /// XPath `boolean()`.
    pub fn to_bool(&self) -> bool {
        match self {
            Value::Boolean(b) => *b,
            Value::Number(n) => *n != 0.0 && !n.is_nan(),
            Value::String(s) => !s.is_empty(),
            Value::NodeSet(nodes) => !nodes.is_empty(),
            Value::Date(_) | Value::DateTime(_) => true,
        }
    }

    /// `boolean()` as ODK Collect applies it: a single node is judged by its typed
    /// value when the environment knows it ([`Env::typed_boolean`]).
    pub fn to_bool_in(&self, env: &dyn Env) -> bool {
        match self {
            Value::NodeSet(nodes) if nodes.len() == 1 => {
                env.typed_boolean(nodes[0]).unwrap_or(true)
            }
            other => other.to_bool(),
        }
    }

    /// This value as a date, if it is one or is text in a date format.
    pub fn as_date_like(&self, env: &dyn Env) -> Option<DateLike> {
        match self {
            Value::Date(d) => Some(DateLike::Date(*d)),
            Value::DateTime(dt) => Some(DateLike::DateTime(*dt)),
            Value::String(_) | Value::NodeSet(_) => {
                datetime::parse_date_like(&self.to_string_value(env), env.now().timezone())
            }
            _ => None,
        }
    }
}

/// `number()` of a string: XPath's numeric syntax, or a date's day count (an ODK
/// extension that makes `${visit_date} + 7` and `"2021-11-30" - "2021-11-29"` work).
pub fn string_to_number(s: &str, env: &dyn Env) -> f64 {
    let n = parse_xpath_number(s);
    if !n.is_nan() {
        return n;
    }
    match datetime::parse_date_like(s, env.now().timezone()) {
        Some(DateLike::Date(d)) => datetime::days_since_epoch(d),
        Some(DateLike::DateTime(dt)) => datetime::fractional_days(&dt),
        None => f64::NAN,
    }
}

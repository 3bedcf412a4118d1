//! The ODK expression language: XPath 1.0 as the ODK XForms spec extends it, plus
//! XLSForm's `${name}` references. `parse` turns text into an [`Expr`]; the evaluator
//! runs an `Expr` over any tree that implements `Env`. This module knows nothing about
//! forms: the form session supplies the tree, the clock and the randomness.

mod ast;
mod datetime;
pub use datetime::format_date_time as datetime_text;
mod digest;
mod env;
mod eval;
mod functions;
mod geo;
mod parser;
mod value;
pub mod vectors;
pub mod xml_env;

pub use ast::{Axis, BinaryOp, Expr, LocationPath, NodeTest, Step};
pub use env::{Env, NodeId, NodeKind, NodeName};
pub use eval::{EvalError, evaluate, evaluate_with_current};
pub use parser::{ParseError, ParseErrorKind, parse};
pub use value::{Value, number_to_string, parse_xpath_number};

/// Functions of the ODK XForms spec (plus the JavaRosa extensions ODK Collect runs and
/// the XPath 1.0 core library), as a form may call them.
pub const KNOWN_FUNCTIONS: &[&str] = &[
    // XPath 1.0 core.
    "last",
    "position",
    "count",
    "local-name",
    "namespace-uri",
    "name",
    "string",
    "concat",
    "starts-with",
    "contains",
    "substring-before",
    "substring-after",
    "substring",
    "string-length",
    "normalize-space",
    "translate",
    "boolean",
    "not",
    "true",
    "false",
    "lang",
    "number",
    "sum",
    "floor",
    "ceiling",
    "round",
    // ODK XForms: strings.
    "join",
    "substr",
    "ends-with",
    "uuid",
    "digest",
    "pulldata",
    "base64-decode",
    "extract-signed",
    // Booleans.
    "if",
    "coalesce",
    "once",
    "boolean-from-string",
    "regex",
    "checklist",
    "weighted-checklist",
    // Numbers.
    "random",
    "int",
    "max",
    "min",
    "pow",
    "log",
    "log10",
    "abs",
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "atan2",
    "sqrt",
    "exp",
    "exp10",
    "pi",
    // Node-sets.
    "count-non-empty",
    "instance",
    "current",
    "randomize",
    // Dates and times.
    "today",
    "now",
    "format-date",
    "format-date-time",
    "date",
    "date-time",
    "decimal-date-time",
    "decimal-time",
    // Selects.
    "selected",
    "is-selected",
    "selected-at",
    "count-selected",
    "jr:choice-name",
    "jr:itext",
    // Repeats.
    "indexed-repeat",
    // Geography.
    "area",
    "distance",
    "enclosed-area",
    "geofence",
];

/// Whether `name` (as written, e.g. `jr:choice-name`) is a function ODK forms may call.
pub fn is_known_function(name: &str) -> bool {
    KNOWN_FUNCTIONS.contains(&name)
}

#[cfg(test)]
mod tests;

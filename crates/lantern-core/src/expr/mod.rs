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

/// Whether `name` (as written, e.g. `jr:choice-name`) is a function ODK forms may call:
/// one the evaluator dispatches (`functions::FUNCTIONS` is the single list).
pub fn is_known_function(name: &str) -> bool {
    functions::function_names().any(|n| n == name)
}

/// Every function a form may call, in the order of `functions::FUNCTIONS`.
pub fn known_functions() -> impl Iterator<Item = &'static str> {
    functions::function_names()
}

#[cfg(test)]
mod tests;

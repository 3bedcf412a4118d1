//! The checks on a form's expressions once its tree is built: every `${name}` names
//! exactly one field, every expression parses and calls only known functions, and no
//! calculation, relevance, requirement or read-only condition depends on itself
//! (directly or through others), so a form session can order its recomputation.
//!
//! `check_syntax` is the one place the expression language plugs in.

use std::collections::HashMap;

use super::diagnostic::ImportError;
use super::import::Diagnostics;
use crate::form::{
    Expression, FormDef, NameIndex, NodeId, NodeKind, Origin, Reference, references,
};

/// Runs every expression check on `form`, reporting on `sheet` (the survey sheet).
pub(crate) fn check(form: &FormDef, sheet: &str, diags: &mut Diagnostics) {
    // A name is ambiguous when several rows define it; the copies a `begin loop`
    // makes of one row are one question asked per choice, as in pyxform.
    let sources = name_sources(form);
    for node in form.fields() {
        let row = node.origin.row();
        for (column, cell) in cells(form, node.id) {
            let malformed_refs = reference_errors(cell.text(), &sources);
            let has_malformed = malformed_refs
                .iter()
                .any(|e| matches!(e, ImportError::MalformedReference { .. }));
            for error in malformed_refs {
                diags.push(error, sheet, row, Some(column));
            }
            // A malformed `${…}` is also a syntax error; say it once.
            if let Cell::Expression(expression) = cell
                && !has_malformed
            {
                for error in expression_errors(column, expression) {
                    diags.push(error, sheet, row, Some(column));
                }
            }
        }
    }
    // `trigger` must be one or more `${question}`s (comma-separated), as in pyxform.
    for node in form.fields() {
        for name in &node.trigger {
            let is_question = form.nodes_named(name).any(|n| n.kind == NodeKind::Question);
            if !is_question {
                diags.push(
                    ImportError::UnknownReference(name.clone()),
                    sheet,
                    node.origin.row(),
                    Some("trigger"),
                );
            }
        }
    }
    for list in &form.choice_lists {
        for choice in &list.choices {
            let texts = std::iter::once(&choice.label).chain(choice.media.iter().map(|(_, t)| t));
            for text in texts {
                for (_, value) in &text.0 {
                    for error in reference_errors(value, &sources) {
                        diags.push(error, "choices", choice.row, Some("label"));
                    }
                }
            }
        }
    }
    for (cycle, column) in cycles(form) {
        let names: Vec<&str> = cycle
            .iter()
            .map(|id| form.node(*id).name.as_str())
            .collect();
        let mut text = names.join(" → ");
        text.push_str(" → ");
        text.push_str(names[0]);
        let row = form.node(cycle[0]).origin.row();
        diags.push(ImportError::DependencyCycle(text), sheet, row, Some(column));
    }
}

/// The 1-based character position of a byte offset, as an author counts in a cell.
fn character(text: &str, byte_offset: usize) -> usize {
    text.get(..byte_offset)
        .map(|before| before.chars().count())
        .unwrap_or(byte_offset)
        + 1
}

/// The problems with the `${…}` references of one cell.
pub(crate) fn reference_errors(
    text: &str,
    sources: &HashMap<&str, Vec<String>>,
) -> Vec<ImportError> {
    let mut errors = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for (offset, reference) in references(text) {
        match reference {
            Reference::Malformed => errors.push(ImportError::MalformedReference {
                offset: character(text, offset),
                text: text[offset..].chars().take(24).collect(),
            }),
            Reference::Field { name, .. } => {
                if seen.contains(&name) {
                    continue;
                }
                seen.push(name);
                match sources.get(name).map(Vec::len) {
                    None | Some(0) => errors.push(ImportError::UnknownReference(name.to_string())),
                    Some(1) => {}
                    Some(_) => errors.push(ImportError::AmbiguousReference(name.to_string())),
                }
            }
        }
    }
    errors
}

/// The names of a form's fields, each with the distinct sources that define it.
pub(crate) fn name_sources(form: &FormDef) -> HashMap<&str, Vec<String>> {
    let mut sources: HashMap<&str, Vec<String>> = HashMap::new();
    for node in form.fields() {
        let source = match node.origin {
            Origin::Row { row } => format!("row {row}"),
            _ => format!("node {}", node.id.0),
        };
        let list = sources.entry(node.name.as_str()).or_default();
        if !list.contains(&source) {
            list.push(source);
        }
    }
    sources
}

/// A cell of a node that may hold `${name}` references.
enum Cell<'a> {
    /// A whole-cell XPath expression (`relevant`, `calculation`…).
    Expression(&'a Expression),
    /// Text with references in it (labels, hints, messages, `default`, attributes).
    Text(&'a str),
}

impl<'a> Cell<'a> {
    fn text(&self) -> &'a str {
        match self {
            Cell::Expression(e) => e.source.as_str(),
            Cell::Text(t) => t,
        }
    }
}

/// The cells of a node that may hold `${name}` references, with their column.
fn cells(form: &FormDef, id: NodeId) -> Vec<(&'static str, Cell<'_>)> {
    let node = form.node(id);
    let b = &node.bind;
    let choice_filter = node.select.as_ref().and_then(|s| s.choice_filter.as_ref());
    let expressions: [(&'static str, Option<&Expression>); 7] = [
        ("relevant", b.relevant.as_ref()),
        ("required", b.required.as_ref()),
        ("constraint", b.constraint.as_ref()),
        ("calculation", b.calculation.as_ref()),
        ("read_only", b.readonly.as_ref()),
        ("repeat_count", node.repeat_count.as_ref()),
        ("choice_filter", choice_filter),
    ];
    let mut out: Vec<(&'static str, Cell<'_>)> = expressions
        .into_iter()
        .filter_map(|(column, e)| e.map(|e| (column, Cell::Expression(e))))
        .collect();
    if let Some(select) = &node.select
        && select.from_repeat.is_some()
    {
        out.push(("type", Cell::Text(select.list_name.as_str())));
    }
    if let Some(default) = &b.default {
        out.push(("default", Cell::Text(default.as_str())));
    }
    for (column, text) in [
        ("label", &node.label),
        ("hint", &node.hint),
        ("guidance_hint", &node.guidance_hint),
        ("constraint_message", &b.constraint_message),
        ("required_message", &b.required_message),
    ] {
        for (_, value) in &text.0 {
            out.push((column, Cell::Text(value.as_str())));
        }
    }
    for (_, value) in node
        .extra
        .bind
        .iter()
        .chain(&node.extra.instance)
        .chain(&node.extra.body)
    {
        out.push(("bind", Cell::Text(value.as_str())));
    }
    out
}

/// The problems with one expression: a syntax error, or calls to functions ODK does
/// not have. This is where the expression language plugs into import.
pub(crate) fn expression_errors(column: &str, expression: &Expression) -> Vec<ImportError> {
    match &expression.parsed {
        Err(error) => vec![ImportError::ExpressionSyntax {
            column: column.to_string(),
            offset: character(expression.xpath(), error.offset),
            message: error.message.clone(),
        }],
        Ok(expr) => {
            let mut unknown: Vec<&str> = Vec::new();
            for name in expr.function_names() {
                if !crate::expr::is_known_function(name) && !unknown.contains(&name) {
                    unknown.push(name);
                }
            }
            unknown
                .into_iter()
                .map(|name| ImportError::UnknownFunction(name.to_string()))
                .collect()
        }
    }
}

/// The dependency cycles among computed properties, each as the nodes on it.
///
/// A node depends on the fields its `calculation`, `relevant`, `required` and
/// `read_only` reference (JavaRosa's triggerables), and on its group or repeat (whose
/// relevance it inherits); constraints are checked on answer and never recomputed, so
/// they take no part.
fn cycles(form: &FormDef) -> Vec<(Vec<NodeId>, &'static str)> {
    let n = form.nodes.len();
    // Each edge: (the node depended on, the column of the dependent that reads it).
    let mut edges: Vec<Vec<(usize, &'static str)>> = vec![Vec::new(); n];
    let names = NameIndex::new(form);
    for node in form.fields() {
        let b = &node.bind;
        // A triggered calculation runs when its trigger changes, not whenever its
        // inputs do, so it cannot loop.
        let calculation = if node.trigger.is_empty() {
            &b.calculation
        } else {
            &None
        };
        let properties = [
            ("calculation", calculation),
            ("relevant", &b.relevant),
            ("required", &b.required),
            ("read_only", &b.readonly),
        ];
        for (column, e) in properties {
            let Some(e) = e else { continue };
            for name in &e.refs {
                if let Some(target) = names.resolve(form, name, node.id) {
                    edges[node.id.0].push((target.0, column));
                }
            }
        }
        // Relevance is inherited: a node depends on its group's or repeat's
        // `relevant`, so a group whose `relevant` reads a field inside it is a cycle,
        // as JavaRosa (ODK Validate) and the session both find.
        if let Some(parent) = node.parent
            && matches!(form.node(parent).kind, NodeKind::Group | NodeKind::Repeat)
        {
            edges[node.id.0].push((parent.0, "relevant"));
        }
    }
    let targets: Vec<Vec<usize>> = edges
        .iter()
        .map(|e| e.iter().map(|(t, _)| *t).collect())
        .collect();
    strongly_connected(&targets)
        .into_iter()
        .filter(|c| c.len() > 1 || targets[c[0]].contains(&c[0]))
        .map(|mut c| {
            // Reported on the cycle's first row, in the column that closes it there.
            c.sort_unstable();
            let column = edges[c[0]]
                .iter()
                .find(|(t, _)| c.contains(t))
                .map(|(_, column)| *column)
                .unwrap_or("calculation");
            (c.into_iter().map(NodeId).collect(), column)
        })
        .collect()
}

/// Tarjan's algorithm, iterative so that deep forms cannot overflow the stack.
fn strongly_connected(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = edges.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut components = Vec::new();
    let mut next = 0;
    for start in 0..n {
        if index[start] != usize::MAX {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(start, 0)];
        while let Some((v, i)) = work.pop() {
            if i == 0 {
                index[v] = next;
                low[v] = next;
                next += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = edges[v].get(i) {
                work.push((v, i + 1));
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                components.push(component);
            }
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
        }
    }
    components
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tarjan_finds_cycles_and_self_loops() {
        let edges = vec![vec![1], vec![2], vec![0], vec![3], vec![]];
        let mut found: Vec<Vec<usize>> = strongly_connected(&edges)
            .into_iter()
            .map(|mut c| {
                c.sort_unstable();
                c
            })
            .collect();
        found.sort();
        assert_eq!(found, vec![vec![0, 1, 2], vec![3], vec![4]]);
    }

    fn errors(source: &str) -> Vec<String> {
        expression_errors("c", &Expression::new(source))
            .iter()
            .map(|e| format!("{}: {e}", e.code()))
            .collect()
    }

    #[test]
    fn syntax_errors_and_unknown_functions() {
        assert!(errors("if(${a} = 'x', 1, 2)").is_empty());
        assert!(errors("yes").is_empty());
        assert!(errors("${last-saved#a} + 1").is_empty());
        assert!(errors("jr:choice-name(${a}, '${a}')").is_empty());
        assert_eq!(errors("because it doesn't").len(), 1);
        assert_eq!(errors("concat(1, 2").len(), 1);
        assert_eq!(errors("1)").len(), 1);
        assert_eq!(
            errors("frobnicate(${a}) + frobnicate(1)"),
            vec![
                "xlsform.unknown_function: unknown function `frobnicate()`; check its spelling against the ODK XForms functions"
            ]
        );
    }
}

//! The checks on a form's expressions once its tree is built: every `${name}` names
//! exactly one field, every expression parses and calls only known functions, and no
//! calculation, relevance, requirement or read-only condition depends on itself
//! (directly or through others), so a form session can order its recomputation.
//!
//! `check_syntax` is the one place the expression language plugs in.

use std::collections::HashMap;

use super::diagnostic::ImportError;
use super::import::Diagnostics;
use crate::form::{Expression, FormDef, NodeId, NodeKind, Origin, Reference, references};

/// Runs every expression check on `form`, reporting on `sheet` (the survey sheet).
pub(crate) fn check(form: &FormDef, sheet: &str, diags: &mut Diagnostics) {
    let mut by_name: HashMap<&str, Vec<NodeId>> = HashMap::new();
    for node in form.fields() {
        by_name.entry(node.name.as_str()).or_default().push(node.id);
    }
    // A name is ambiguous when several rows define it; the copies a `begin loop`
    // makes of one row are one question asked per choice, as in pyxform.
    let sources = name_sources(form);
    for node in form.fields() {
        let row = node.origin.row();
        for (column, text, is_expression) in cells(form, node.id) {
            for error in reference_errors(text, &sources) {
                diags.push(error, sheet, row, Some(column));
            }
            if is_expression {
                for error in check_syntax(column, crate::form::binding_xpath(text)) {
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
    for cycle in cycles(form, &by_name) {
        let names: Vec<&str> = cycle
            .iter()
            .map(|id| form.node(*id).name.as_str())
            .collect();
        let mut text = names.join(" → ");
        text.push_str(" → ");
        text.push_str(names[0]);
        let row = cycle
            .iter()
            .filter_map(|id| form.node(*id).origin.row())
            .min();
        diags.push(
            ImportError::DependencyCycle(text),
            sheet,
            row,
            Some("calculation"),
        );
    }
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
                offset,
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

/// The cells of a node that may hold `${name}` references: (column, text, whether
/// the whole cell is an XPath expression rather than text with references).
fn cells(form: &FormDef, id: NodeId) -> Vec<(&'static str, &str, bool)> {
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
    let mut out: Vec<(&'static str, &str, bool)> = expressions
        .into_iter()
        .filter_map(|(column, e)| e.map(|e| (column, e.source.as_str(), true)))
        .collect();
    if let Some(select) = &node.select
        && select.from_repeat.is_some()
    {
        out.push(("type", select.list_name.as_str(), false));
    }
    if let Some(default) = &b.default {
        out.push(("default", default.as_str(), false));
    }
    for (column, text) in [
        ("label", &node.label),
        ("hint", &node.hint),
        ("guidance_hint", &node.guidance_hint),
        ("constraint_message", &b.constraint_message),
        ("required_message", &b.required_message),
    ] {
        for (_, value) in &text.0 {
            out.push((column, value.as_str(), false));
        }
    }
    for (_, value) in node
        .extra
        .bind
        .iter()
        .chain(&node.extra.instance)
        .chain(&node.extra.body)
    {
        out.push(("bind", value.as_str(), false));
    }
    out
}

/// Checks one expression's syntax and functions. Until the expression language
/// lands, this checks what can be checked without a parser: balanced quotes,
/// parentheses and brackets.
pub(crate) fn check_syntax(column: &str, source: &str) -> Vec<ImportError> {
    let mut depth: Vec<(char, usize)> = Vec::new();
    let mut quote: Option<(char, usize)> = None;
    for (offset, ch) in source.char_indices() {
        if let Some((q, _)) = quote {
            if ch == q {
                quote = None;
            }
            continue;
        }
        match ch {
            '\'' | '"' => quote = Some((ch, offset)),
            '(' | '[' => depth.push((ch, offset)),
            ')' | ']' => {
                let open = if ch == ')' { '(' } else { '[' };
                match depth.pop() {
                    Some((c, _)) if c == open => {}
                    _ => {
                        return vec![ImportError::ExpressionSyntax {
                            column: column.to_string(),
                            offset,
                            message: format!("`{ch}` closes nothing"),
                        }];
                    }
                }
            }
            _ => {}
        }
    }
    if let Some((q, offset)) = quote {
        return vec![ImportError::ExpressionSyntax {
            column: column.to_string(),
            offset,
            message: format!("the string opened by {q} is never closed"),
        }];
    }
    if let Some((c, offset)) = depth.pop() {
        return vec![ImportError::ExpressionSyntax {
            column: column.to_string(),
            offset,
            message: format!("`{c}` is never closed"),
        }];
    }
    Vec::new()
}

/// The dependency cycles among computed properties, each as the nodes on it.
///
/// A node depends on the fields its `calculation`, `relevant`, `required` and
/// `read_only` reference (JavaRosa's triggerables); constraints are checked on
/// answer and never recomputed, so they take no part.
fn cycles(form: &FormDef, by_name: &HashMap<&str, Vec<NodeId>>) -> Vec<Vec<NodeId>> {
    let n = form.nodes.len();
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); n];
    for node in form.fields() {
        if node.kind == NodeKind::Root {
            continue;
        }
        let b = &node.bind;
        // A triggered calculation runs when its trigger changes, not whenever its
        // inputs do, so it cannot loop.
        let calculation = if node.trigger.is_empty() {
            &b.calculation
        } else {
            &None
        };
        for e in [calculation, &b.relevant, &b.required, &b.readonly]
            .into_iter()
            .flatten()
        {
            for name in &e.refs {
                let candidates = by_name.get(name.as_str()).into_iter().flatten().copied();
                if let Some(target) = form.nearest(candidates, node.id) {
                    edges[node.id.0].push(target.0);
                }
            }
        }
    }
    strongly_connected(&edges)
        .into_iter()
        .filter(|c| c.len() > 1 || edges[c[0]].contains(&c[0]))
        .map(|mut c| {
            c.sort_unstable();
            c.into_iter().map(NodeId).collect()
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

    #[test]
    fn unbalanced_quotes_and_brackets_are_syntax_errors() {
        assert!(check_syntax("c", "if(${a} = 'x', 1, 2)").is_empty());
        assert_eq!(check_syntax("c", "because it doesn't").len(), 1);
        assert_eq!(check_syntax("c", "concat(1, 2").len(), 1);
        assert_eq!(check_syntax("c", "1)").len(), 1);
    }
}

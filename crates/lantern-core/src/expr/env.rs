//! The world an expression is evaluated in. `expr` knows nothing about forms: the form
//! session implements `Env` over its instance tree (and tests over an XML document), and
//! supplies the clock and the randomness, which `expr` never reads itself.

use std::cmp::Ordering;

use chrono::{DateTime, FixedOffset};

/// An opaque handle to a node of the caller's tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub usize);

/// The XPath data model's node kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// The document node above the root element (what `/` selects).
    Root,
    Element,
    Attribute,
    Text,
    Comment,
    ProcessingInstruction,
}

/// A node's expanded name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeName<'a> {
    /// Namespace URI, if any.
    pub namespace: Option<&'a str>,
    pub local: &'a str,
    /// The prefix the document wrote, if any (for `name()`).
    pub prefix: Option<&'a str>,
}

/// The tree, clock and randomness an expression runs against.
pub trait Env {
    /// The document node of the main instance (`/`), if there is an instance.
    fn root(&self) -> Option<NodeId>;
    fn kind(&self, node: NodeId) -> NodeKind;
    /// Element, attribute and processing-instruction names.
    fn name(&self, node: NodeId) -> Option<NodeName<'_>>;
    fn parent(&self, node: NodeId) -> Option<NodeId>;
    /// Child nodes (not attributes) in document order.
    fn children(&self, node: NodeId) -> Vec<NodeId>;
    fn attributes(&self, node: NodeId) -> Vec<NodeId>;
    /// XPath string-value of the node.
    fn string_value(&self, node: NodeId) -> String;
    /// Document order between two nodes of the same tree.
    fn document_order(&self, a: NodeId, b: NodeId) -> Ordering {
        a.cmp(&b)
    }
    /// The namespace URI an expression prefix (`jr`, `xhtml`) stands for.
    fn resolve_prefix(&self, _prefix: &str) -> Option<&str> {
        None
    }
    /// The node XLSForm's `${name}` refers to, seen from `context` (inside a repeat, the
    /// field of the same repeat instance).
    fn field_ref(&self, _name: &str, _context: Option<NodeId>) -> Option<NodeId> {
        None
    }
    /// The node above the root element of secondary instance `id` (`instance('id')`).
    fn instance(&self, _id: &str) -> Option<NodeId> {
        None
    }
    /// `jr:choice-name(value, 'path')`: the label of choice `value` of the select
    /// question at `question_path`, in the current language.
    fn choice_name(
        &self,
        _value: &str,
        _question_path: &str,
        _context: Option<NodeId>,
    ) -> Option<String> {
        None
    }
    /// `jr:itext(id)`: a translated text.
    fn itext(&self, _id: &str) -> Option<String> {
        None
    }
    /// `pulldata(instance, column, key_column, key)` from a CSV-backed instance.
    fn pulldata(
        &self,
        _instance: &str,
        _column: &str,
        _key_column: &str,
        _key: &str,
    ) -> Option<String> {
        None
    }
    /// The boolean of one node's typed value, as JavaRosa judges a single node in a
    /// boolean context (`if(${flag}, …)`, `${flag} and …`): a number is true unless 0
    /// or NaN, text unless empty. `None` (the default) keeps XPath 1.0's rule that a
    /// non-empty node-set is true.
    fn typed_boolean(&self, _node: NodeId) -> Option<bool> {
        None
    }
    /// The current instant, in the device's UTC offset (the "local" zone for dates).
    fn now(&self) -> DateTime<FixedOffset>;
    /// A uniformly distributed number in [0, 1) from the caller's seeded source.
    fn random(&self) -> f64;
}

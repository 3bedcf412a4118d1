//! An `Env` over an XML document, for running expressions against a plain instance
//! (the conformance vectors, CLI experiments, tests). The document is copied into an
//! arena in document order, attributes right after their element, so a node's index
//! is its document position.

use std::cell::Cell;
use std::collections::HashMap;

use chrono::{DateTime, FixedOffset};

use super::env::{Env, NodeId, NodeKind, NodeName};

#[derive(Debug, Clone)]
struct XmlNode {
    kind: NodeKind,
    namespace: Option<String>,
    local: String,
    prefix: Option<String>,
    parent: Option<usize>,
    children: Vec<usize>,
    attributes: Vec<usize>,
    /// Text of text, comment and attribute nodes; PI data.
    text: String,
}

/// Why an XML document could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum XmlEnvError {
    #[error("the document is not well-formed XML: {0}")]
    Malformed(String),
}

impl XmlEnvError {
    pub fn code(&self) -> &'static str {
        match self {
            XmlEnvError::Malformed(_) => "xml_env.malformed",
        }
    }
}

/// An XML document as an expression `Env`, with a fixed "now" and a seeded random
/// source.
pub struct XmlEnv {
    nodes: Vec<XmlNode>,
    prefixes: HashMap<String, String>,
    now: DateTime<FixedOffset>,
    rng: Cell<u64>,
}

impl XmlEnv {
    /// Loads `xml` (a DOCTYPE is allowed). `prefixes` maps expression prefixes to
    /// namespace URIs; `now` is what `now()`/`today()` return and sets the local zone.
    pub fn parse(
        xml: &str,
        prefixes: HashMap<String, String>,
        now: DateTime<FixedOffset>,
        seed: u64,
    ) -> Result<XmlEnv, XmlEnvError> {
        let options = roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        };
        let doc = roxmltree::Document::parse_with_options(xml, options)
            .map_err(|e| XmlEnvError::Malformed(e.to_string()))?;
        let mut env = XmlEnv::empty(prefixes, now, seed);
        env.nodes.clear();
        // Iterative copy so deeply nested documents cannot overflow the stack.
        let mut stack = vec![(doc.root(), None::<usize>)];
        while let Some((node, parent)) = stack.pop() {
            let kind = match node.node_type() {
                roxmltree::NodeType::Root => NodeKind::Root,
                roxmltree::NodeType::Element => NodeKind::Element,
                roxmltree::NodeType::Text => NodeKind::Text,
                roxmltree::NodeType::Comment => NodeKind::Comment,
                roxmltree::NodeType::PI => NodeKind::ProcessingInstruction,
            };
            let index = env.nodes.len();
            let (local, namespace, prefix, text) = match kind {
                NodeKind::Element => {
                    let tag = node.tag_name();
                    let prefix = tag
                        .namespace()
                        .and_then(|ns| node.lookup_prefix(ns))
                        .map(str::to_string);
                    (
                        tag.name().to_string(),
                        tag.namespace().map(str::to_string),
                        prefix,
                        String::new(),
                    )
                }
                NodeKind::ProcessingInstruction => {
                    let pi = node.pi();
                    (
                        pi.map(|p| p.target.to_string()).unwrap_or_default(),
                        None,
                        None,
                        pi.and_then(|p| p.value).unwrap_or_default().to_string(),
                    )
                }
                _ => (
                    String::new(),
                    None,
                    None,
                    node.text().unwrap_or_default().to_string(),
                ),
            };
            env.nodes.push(XmlNode {
                kind,
                namespace,
                local,
                prefix,
                parent,
                children: Vec::new(),
                attributes: Vec::new(),
                text,
            });
            if let Some(p) = parent {
                env.nodes[p].children.push(index);
            }
            if kind == NodeKind::Element {
                for attr in node.attributes() {
                    let a = env.nodes.len();
                    let prefix = attr
                        .namespace()
                        .and_then(|ns| node.lookup_prefix(ns))
                        .map(str::to_string);
                    env.nodes.push(XmlNode {
                        kind: NodeKind::Attribute,
                        namespace: attr.namespace().map(str::to_string),
                        local: attr.name().to_string(),
                        prefix,
                        parent: Some(index),
                        children: Vec::new(),
                        attributes: Vec::new(),
                        text: attr.value().to_string(),
                    });
                    env.nodes[index].attributes.push(a);
                }
            }
            for child in node.children().collect::<Vec<_>>().into_iter().rev() {
                stack.push((child, Some(index)));
            }
        }
        Ok(env)
    }

    /// An environment with no instance at all (expressions without paths).
    pub fn empty(
        prefixes: HashMap<String, String>,
        now: DateTime<FixedOffset>,
        seed: u64,
    ) -> XmlEnv {
        XmlEnv {
            nodes: Vec::new(),
            prefixes,
            now,
            rng: Cell::new(seed ^ 0x9E37_79B9_7F4A_7C15),
        }
    }

    /// Resolves a path of child-index steps (`/`, `/*[1]/*[2]/@id`, `/*[1]/text()[2]`,
    /// `comment()[n]`, `processing-instruction()[n]`) to a node.
    pub fn node_at(&self, path: &str) -> Option<NodeId> {
        if self.nodes.is_empty() {
            return None;
        }
        let mut cur = 0usize;
        for step in path.split('/').filter(|s| !s.is_empty()) {
            if let Some(name) = step.strip_prefix('@') {
                cur = *self.nodes[cur].attributes.iter().find(|a| {
                    let n = &self.nodes[**a];
                    n.local == name
                        || n.prefix
                            .as_ref()
                            .is_some_and(|p| format!("{p}:{}", n.local) == name)
                })?;
                continue;
            }
            let (test, index) = step.split_once('[')?;
            let index: usize = index.strip_suffix(']')?.parse().ok()?;
            let kind = match test {
                "*" => NodeKind::Element,
                "text()" => NodeKind::Text,
                "comment()" => NodeKind::Comment,
                "processing-instruction()" => NodeKind::ProcessingInstruction,
                _ => return None,
            };
            cur = *self.nodes[cur]
                .children
                .iter()
                .filter(|c| self.nodes[**c].kind == kind)
                .nth(index.checked_sub(1)?)?;
        }
        Some(NodeId(cur))
    }

    /// The child-index path of a node, in the syntax `node_at` reads.
    pub fn path_of(&self, node: NodeId) -> String {
        let mut parts = Vec::new();
        let mut cur = node.0;
        while let Some(parent) = self.nodes.get(cur).and_then(|n| n.parent) {
            let n = &self.nodes[cur];
            let part = match n.kind {
                NodeKind::Attribute => match &n.prefix {
                    Some(p) => format!("@{p}:{}", n.local),
                    None => format!("@{}", n.local),
                },
                kind => {
                    let test = match kind {
                        NodeKind::Element => "*",
                        NodeKind::Text => "text()",
                        NodeKind::Comment => "comment()",
                        _ => "processing-instruction()",
                    };
                    let index = self.nodes[parent]
                        .children
                        .iter()
                        .filter(|c| self.nodes[**c].kind == kind)
                        .position(|c| *c == cur)
                        .map_or(0, |i| i + 1);
                    format!("{test}[{index}]")
                }
            };
            parts.push(part);
            cur = parent;
        }
        parts.reverse();
        format!("/{}", parts.join("/"))
    }
}

impl Env for XmlEnv {
    fn root(&self) -> Option<NodeId> {
        (!self.nodes.is_empty()).then_some(NodeId(0))
    }

    fn kind(&self, node: NodeId) -> NodeKind {
        self.nodes.get(node.0).map_or(NodeKind::Root, |n| n.kind)
    }

    fn name(&self, node: NodeId) -> Option<NodeName<'_>> {
        let n = self.nodes.get(node.0)?;
        match n.kind {
            NodeKind::Element | NodeKind::Attribute | NodeKind::ProcessingInstruction => {
                Some(NodeName {
                    namespace: n.namespace.as_deref(),
                    local: &n.local,
                    prefix: n.prefix.as_deref(),
                })
            }
            _ => None,
        }
    }

    fn parent(&self, node: NodeId) -> Option<NodeId> {
        self.nodes.get(node.0)?.parent.map(NodeId)
    }

    fn children(&self, node: NodeId) -> Vec<NodeId> {
        self.nodes
            .get(node.0)
            .map(|n| n.children.iter().map(|c| NodeId(*c)).collect())
            .unwrap_or_default()
    }

    fn attributes(&self, node: NodeId) -> Vec<NodeId> {
        self.nodes
            .get(node.0)
            .map(|n| n.attributes.iter().map(|c| NodeId(*c)).collect())
            .unwrap_or_default()
    }

    fn string_value(&self, node: NodeId) -> String {
        let Some(n) = self.nodes.get(node.0) else {
            return String::new();
        };
        match n.kind {
            NodeKind::Root | NodeKind::Element => {
                let mut out = String::new();
                let mut stack: Vec<usize> = n.children.iter().rev().copied().collect();
                while let Some(c) = stack.pop() {
                    let child = &self.nodes[c];
                    match child.kind {
                        NodeKind::Text => out.push_str(&child.text),
                        NodeKind::Element => stack.extend(child.children.iter().rev()),
                        _ => {}
                    }
                }
                out
            }
            _ => n.text.clone(),
        }
    }

    fn resolve_prefix(&self, prefix: &str) -> Option<&str> {
        self.prefixes.get(prefix).map(String::as_str)
    }

    /// `${name}` is the element called `name` nearest to the context: searched below
    /// the context's ancestors from the closest outwards, so inside a repeat instance
    /// it finds that instance's field (the XLSForm rule), elsewhere the only one.
    fn field_ref(&self, name: &str, context: Option<NodeId>) -> Option<NodeId> {
        let mut scope = context
            .map(|c| c.0)
            .or((!self.nodes.is_empty()).then_some(0));
        while let Some(s) = scope {
            let mut queue = std::collections::VecDeque::from([s]);
            while let Some(n) = queue.pop_front() {
                let node = &self.nodes[n];
                if node.kind == NodeKind::Element && node.local == name {
                    return Some(NodeId(n));
                }
                queue.extend(node.children.iter().copied());
            }
            scope = self.nodes[s].parent;
        }
        None
    }

    fn instance(&self, id: &str) -> Option<NodeId> {
        // XForms documents keep secondary instances as <instance id="…">.
        self.nodes
            .iter()
            .enumerate()
            .find(|(_, n)| {
                n.kind == NodeKind::Element
                    && n.local == "instance"
                    && n.attributes
                        .iter()
                        .any(|a| self.nodes[*a].local == "id" && self.nodes[*a].text == id)
            })
            .map(|(i, _)| NodeId(i))
    }

    fn now(&self) -> DateTime<FixedOffset> {
        self.now
    }

    fn random(&self) -> f64 {
        // SplitMix64: small, seedable, and good enough for choice order and random().
        let mut z = self.rng.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        self.rng.set(z);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

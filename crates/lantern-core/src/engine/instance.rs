//! The filled instance: an arena of instance nodes, one per group, question and repeat
//! instance, each pointing at its node of the definition. Repeat instances are siblings
//! under their parent's instance node; removing one marks its subtree dead (arena slots
//! are never reused, so an `InstId` held by the UI never points at another node).

use crate::form::NodeId;

/// The index of a node in the instance arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InstId(pub u32);

/// The state of one instance node. Its `Debug` leaves the answer out (issue 13, item 10).
#[derive(Clone, PartialEq)]
pub(crate) struct InstNode {
    pub def: NodeId,
    pub parent: Option<InstId>,
    pub children: Vec<InstId>,
    /// The XForms text value (numbers as written, selects as space-separated names).
    pub value: String,
    /// Relevant by its own expression and by every ancestor's.
    pub relevant: bool,
    pub required: bool,
    pub readonly: bool,
    /// `false` when a non-empty value fails the node's constraint.
    pub constraint_ok: bool,
    /// The last evaluation error of one of the node's expressions.
    pub error: Option<String>,
    /// Whether the dynamic default has been applied.
    pub initialized: bool,
    pub alive: bool,
    /// The node's index among its parent's children, kept current so that document
    /// order is a walk up a few levels, not a scan of a long list of repeat instances.
    pub slot: u32,
}

impl InstNode {
    pub fn new(def: NodeId, parent: Option<InstId>) -> InstNode {
        InstNode {
            def,
            parent,
            children: Vec::new(),
            value: String::new(),
            relevant: true,
            required: false,
            readonly: false,
            constraint_ok: true,
            error: None,
            initialized: false,
            alive: true,
            slot: 0,
        }
    }
}

impl std::fmt::Debug for InstNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstNode")
            .field("def", &self.def)
            .field("parent", &self.parent)
            .field("value", &"<redacted>")
            .field("relevant", &self.relevant)
            .field("alive", &self.alive)
            .finish_non_exhaustive()
    }
}

/// The arena.
#[derive(Debug, Clone, Default)]
pub(crate) struct Instance {
    pub nodes: Vec<InstNode>,
}

impl Instance {
    pub fn get(&self, id: InstId) -> &InstNode {
        &self.nodes[id.0 as usize]
    }

    pub fn get_mut(&mut self, id: InstId) -> &mut InstNode {
        &mut self.nodes[id.0 as usize]
    }

    pub fn push(&mut self, node: InstNode) -> InstId {
        let id = InstId(self.nodes.len() as u32);
        self.nodes.push(node);
        id
    }

    /// Renumbers the children of `parent` after an insertion, removal or move.
    pub fn renumber(&mut self, parent: InstId) {
        let children = std::mem::take(&mut self.get_mut(parent).children);
        for (i, child) in children.iter().enumerate() {
            self.get_mut(*child).slot = i as u32;
        }
        self.get_mut(parent).children = children;
    }

    /// The ancestor-or-self of `id` that is an instance of `def`.
    pub fn ancestor_of_def(&self, id: InstId, def: NodeId) -> Option<InstId> {
        let mut current = Some(id);
        while let Some(at) = current {
            let node = self.get(at);
            if node.def == def {
                return Some(at);
            }
            current = node.parent;
        }
        None
    }

    /// Every live node of the subtree at `id`, pre-order.
    pub fn subtree(&self, id: InstId) -> Vec<InstId> {
        let mut out = Vec::new();
        let mut stack = vec![id];
        while let Some(at) = stack.pop() {
            out.push(at);
            stack.extend(self.get(at).children.iter().rev());
        }
        out
    }

    /// The 1-based position of a repeat instance among its siblings of the same repeat.
    pub fn position(&self, id: InstId) -> usize {
        let node = self.get(id);
        match node.parent {
            None => 1,
            Some(parent) => {
                self.get(parent)
                    .children
                    .iter()
                    .filter(|c| self.get(**c).def == node.def)
                    .position(|c| *c == id)
                    .unwrap_or(0)
                    + 1
            }
        }
    }
}

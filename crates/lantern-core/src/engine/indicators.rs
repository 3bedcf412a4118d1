//! What one filled form contributes to each indicator of its form's `indicators` sheet,
//! before any aggregation: the unit's value, or nothing when the unit does not count.
//!
//! A unit is the submission (empty `scope`) or one instance of the repeat named in
//! `scope`. A unit does not count when the respondent did not consent to aggregate use
//! (the `purpose` sheet's `consent_field` does not hold `consent_value`), when the
//! indicator's `filter` is false for it, or, for a proportion, when its `denominator` is
//! false. Aggregation and disclosure control build on these inputs; they never see
//! anything else of the submission.

use serde::Serialize;

use super::{EngineError, InstId, Session, env};
use crate::form::{Indicator, IndicatorKind, NodeId};

/// One unit's contribution to an indicator.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Contribution {
    /// The unit does not count for this indicator (serialised as `null`).
    Excluded,
    /// `count` and `proportion`: whether the unit has the property.
    Flag(bool),
    /// `mean`, `sum` and `score`: the unit's number.
    Number(f64),
}

/// A submission's contribution to one indicator.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum IndicatorInput {
    /// A per-submission indicator.
    Submission(Contribution),
    /// A per-repeat indicator: one contribution per relevant instance, in order.
    PerInstance(Vec<Contribution>),
}

impl Session {
    /// Whether the respondent consented to aggregate use, per the `purpose` sheet. A
    /// form without a `consent_field` has nobody to ask and always counts.
    pub fn consent_given(&self) -> bool {
        let form = &self.compiled.form;
        let Some(purpose) = &form.purpose else {
            return true;
        };
        let Some(field) = purpose.consent_field.as_deref().filter(|f| !f.is_empty()) else {
            return true;
        };
        let Some(def) = form.resolve(field, NodeId(0)) else {
            return false;
        };
        let wanted = purpose.consent_value.as_deref().unwrap_or("yes");
        self.instance_nodes_of(def).first().is_some_and(|id| {
            self.instance.get(*id).value == wanted && self.instance.get(*id).relevant
        })
    }

    /// This submission's contribution to `indicator`.
    pub fn indicator_input(&self, indicator: &Indicator) -> Result<IndicatorInput, EngineError> {
        let form = &self.compiled.form;
        let Some(scope) = indicator.scope.as_deref().filter(|s| !s.is_empty()) else {
            return Ok(IndicatorInput::Submission(self.unit(
                indicator,
                InstId(0),
                NodeId(0),
            )?));
        };
        let def = form
            .resolve(scope, NodeId(0))
            .ok_or_else(|| EngineError::UnknownField {
                path: format!("indicator {}: scope {scope}", indicator.name),
            })?;
        let units = self
            .instance_nodes_of(def)
            .into_iter()
            .filter(|id| self.instance.get(*id).relevant)
            .map(|id| self.unit(indicator, id, def))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(IndicatorInput::PerInstance(units))
    }

    fn unit(
        &self,
        indicator: &Indicator,
        at: InstId,
        def: NodeId,
    ) -> Result<Contribution, EngineError> {
        if !self.consent_given() {
            return Ok(Contribution::Excluded);
        }
        let form = &self.compiled.form;
        let graph = &self.compiled.graph;
        let eval = |column: &'static str, expression: &crate::form::Expression| {
            let parsed = expression
                .parsed
                .as_ref()
                .map_err(|e| EngineError::Expression {
                    path: format!("indicator {}", indicator.name),
                    column,
                    message: e.to_string(),
                })?;
            let rewritten = env::rewrite_refs(form, graph, parsed, def);
            self.eval_submitted(&rewritten, at, def)
                .map(|(value, env)| (value.to_bool(), value.to_number(&env)))
                .map_err(|e| EngineError::Expression {
                    path: format!("indicator {}", indicator.name),
                    column,
                    message: e.to_string(),
                })
        };
        if let Some(filter) = &indicator.filter
            && !eval("filter", filter)?.0
        {
            return Ok(Contribution::Excluded);
        }
        if indicator.kind == IndicatorKind::Proportion
            && let Some(denominator) = &indicator.denominator
            && !eval("denominator", denominator)?.0
        {
            return Ok(Contribution::Excluded);
        }
        let (flag, number) = eval("value", &indicator.value)?;
        Ok(match indicator.kind {
            IndicatorKind::Count | IndicatorKind::Proportion => Contribution::Flag(flag),
            _ if number.is_finite() => Contribution::Number(number),
            _ => Contribution::Excluded,
        })
    }

    /// Every instance node of the form node `def`, in document order.
    fn instance_nodes_of(&self, def: NodeId) -> Vec<InstId> {
        super::scope::instances_under(&self.compiled.form, &self.instance, InstId(0), def)
    }
}

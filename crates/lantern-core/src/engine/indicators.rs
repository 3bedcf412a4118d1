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

/// How one dimension of an indicator is read from a unit.
#[derive(Debug, Clone)]
enum DimProgram {
    /// A field's answer, the reference resolved from the unit's scope.
    Field(crate::expr::Expr),
    /// The Washington Group cut-off: any of these fields answered with one of its
    /// "a lot of difficulty" / "cannot do at all" choices (the third and fourth of the
    /// standard list, by position, or choices named so).
    Disability(Vec<(crate::expr::Expr, Vec<String>)>),
}

#[derive(Debug, Clone)]
struct IndicatorProgram {
    kind: IndicatorKind,
    /// The scope's form node (the root for per-submission indicators).
    def: NodeId,
    filter: Option<crate::expr::Expr>,
    denominator: Option<crate::expr::Expr>,
    value: crate::expr::Expr,
    dims: Vec<DimProgram>,
}

/// Every indicator's expressions with their references rewritten once per form, so
/// that computing a submission's contributions never rewrites anything.
#[derive(Debug, Clone)]
pub struct Program {
    indicators: Vec<IndicatorProgram>,
    site: Option<crate::expr::Expr>,
    round: Option<crate::expr::Expr>,
}

fn field_ref(
    form: &crate::form::FormDef,
    graph: &super::Graph,
    name: &str,
    def: NodeId,
) -> crate::expr::Expr {
    env::rewrite_refs(
        form,
        graph,
        &crate::expr::Expr::FieldRef(name.to_string()),
        def,
    )
}

impl super::CompiledForm {
    /// The indicators' compiled program (built once, then shared).
    pub fn indicator_program(&self) -> Result<&Program, EngineError> {
        self.program
            .get_or_init(|| Program::compile(self))
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl Program {
    fn compile(compiled: &super::CompiledForm) -> Result<Program, EngineError> {
        let form = &compiled.form;
        let graph = &compiled.graph;
        let root = NodeId(0);
        let plan = crate::aggregate::Plan::new(form).ok();
        let purpose = form.purpose.as_ref();
        let mut indicators = Vec::new();
        for (i, ind) in form.indicators.iter().enumerate() {
            let def = match ind.scope.as_deref().filter(|s| !s.is_empty()) {
                None => root,
                Some(scope) => {
                    form.resolve(scope, root)
                        .ok_or_else(|| EngineError::UnknownField {
                            path: format!("indicator {}: scope {scope}", ind.name),
                        })?
                }
            };
            let parse = |column: &'static str, e: &crate::form::Expression| {
                e.parsed
                    .as_ref()
                    .map(|p| env::rewrite_refs(form, graph, p, def))
                    .map_err(|err| EngineError::Expression {
                        path: format!("indicator {}", ind.name),
                        column,
                        message: err.to_string(),
                    })
            };
            let filter = ind
                .filter
                .as_ref()
                .map(|e| parse("filter", e))
                .transpose()?;
            let denominator = match ind.kind {
                IndicatorKind::Proportion => ind
                    .denominator
                    .as_ref()
                    .map(|e| parse("denominator", e))
                    .transpose()?,
                _ => None,
            };
            let value = parse("value", &ind.value)?;
            let mut dims = Vec::new();
            let dim_names = plan
                .as_ref()
                .and_then(|p| p.indicators.get(i))
                .map(|p| p.dims.clone())
                .unwrap_or_default();
            for d in dim_names {
                match crate::aggregate::dimension_field(form, &d) {
                    Some(field) => {
                        dims.push(DimProgram::Field(field_ref(form, graph, &field, def)))
                    }
                    None => {
                        let wg = purpose.map(|p| p.wg_fields.clone()).unwrap_or_default();
                        let mut items = Vec::new();
                        for f in wg {
                            let names: Vec<String> = form
                                .fields()
                                .find(|n| n.name == f)
                                .and_then(|n| n.select.as_ref())
                                .and_then(|s| form.choice_list(&s.list_name))
                                .map(|l| {
                                    l.choices
                                        .iter()
                                        .enumerate()
                                        .filter(|(i, c)| {
                                            (2..4).contains(i)
                                                || matches!(c.name.as_str(), "a_lot" | "cannot")
                                        })
                                        .map(|(_, c)| c.name.clone())
                                        .collect()
                                })
                                .unwrap_or_default();
                            items.push((field_ref(form, graph, &f, def), names));
                        }
                        dims.push(DimProgram::Disability(items));
                    }
                }
            }
            indicators.push(IndicatorProgram {
                kind: ind.kind,
                def,
                filter,
                denominator,
                value,
                dims,
            });
        }
        let root_field = |f: Option<&String>| {
            f.filter(|s| !s.is_empty())
                .map(|name| field_ref(form, graph, name, root))
        };
        Ok(Program {
            indicators,
            site: root_field(purpose.and_then(|p| p.site_field.as_ref())),
            round: root_field(purpose.and_then(|p| p.round_field.as_ref())),
        })
    }
}

impl Session {
    /// How aggregates evaluate: a non-relevant node reads as absent (D1 in
    /// `docs/spec-notes-engine.md`), as `indicator_input` does.
    fn eval_for_aggregate(
        &self,
        expr: &crate::expr::Expr,
        at: InstId,
        def: NodeId,
    ) -> Result<(crate::expr::Value, env::SessionEnv<'_>), crate::expr::EvalError> {
        self.eval_submitted(expr, at, def)
    }

    /// This submission's contributions to every indicator, with each unit's dimension
    /// keys: computed once, at finalize, and sealed beside the submission. `period` is
    /// the month (`YYYY-MM`) it is finalized in. Only indicator values and the choice
    /// names of declared dimensions leave the session.
    pub fn contributions(
        &self,
        period: &str,
    ) -> Result<crate::aggregate::Contributions, EngineError> {
        use crate::aggregate::{Contributions, Unit, UnitValue};
        let program = self.compiled.indicator_program()?;
        let form = &self.compiled.form;
        let consent = self.consent_given();
        let text = |e: &Option<crate::expr::Expr>| -> Option<String> {
            let e = e.as_ref()?;
            let (v, env) = self.eval_for_aggregate(e, InstId(0), NodeId(0)).ok()?;
            Some(v.to_string_value(&env)).filter(|s| !s.is_empty())
        };
        let site = text(&program.site).unwrap_or_else(|| crate::aggregate::MISSING.to_string());
        let round = text(&program.round);
        let mut indicators = Vec::with_capacity(program.indicators.len());
        for (ind, prog) in form.indicators.iter().zip(&program.indicators) {
            let mut units = Vec::new();
            if consent {
                let instances: Vec<InstId> = if prog.def == NodeId(0) {
                    vec![InstId(0)]
                } else {
                    self.instance_nodes_of(prog.def)
                        .into_iter()
                        .filter(|id| self.instance.get(*id).relevant)
                        .collect()
                };
                for at in instances {
                    let eval = |column: &'static str, e: &crate::expr::Expr| {
                        self.eval_for_aggregate(e, at, prog.def)
                            .map(|(v, env)| {
                                (v.to_bool(), v.to_number(&env), v.to_string_value(&env))
                            })
                            .map_err(|err| EngineError::Expression {
                                path: format!("indicator {}", ind.name),
                                column,
                                message: err.to_string(),
                            })
                    };
                    if let Some(f) = &prog.filter
                        && !eval("filter", f)?.0
                    {
                        continue;
                    }
                    if let Some(d) = &prog.denominator
                        && !eval("denominator", d)?.0
                    {
                        continue;
                    }
                    let (flag, number, _) = eval("value", &prog.value)?;
                    let value = match prog.kind {
                        IndicatorKind::Count | IndicatorKind::Proportion => UnitValue::Flag(flag),
                        _ if number.is_finite() => UnitValue::Number(number),
                        _ => continue,
                    };
                    let mut keys = Vec::with_capacity(prog.dims.len());
                    for d in &prog.dims {
                        keys.push(match d {
                            DimProgram::Field(e) => {
                                Some(eval("disaggregate", e)?.2).filter(|s| !s.is_empty())
                            }
                            DimProgram::Disability(items) => {
                                let mut answered = false;
                                let mut yes = false;
                                for (e, names) in items {
                                    let v = eval("disaggregate", e)?.2;
                                    answered |= !v.is_empty();
                                    yes |= names.contains(&v);
                                }
                                answered.then(|| if yes { "yes" } else { "no" }.to_string())
                            }
                        });
                    }
                    units.push(Unit { value, keys });
                }
            }
            indicators.push(units);
        }
        Ok(Contributions {
            form_id: form.form_id.clone(),
            form_version: form.version.clone(),
            site,
            round,
            period: period.to_string(),
            consent,
            indicators,
        })
    }
}

//! Runs XPath conformance vectors (the format of `conformance/dev/xpath/vectors.json`)
//! through the parser and evaluator, comparing results by the file's own
//! `meta.semantics`. Shared by `lantern xpath-vectors` and the conformance test.
//!
//! A vector is `not_applicable`, always with a reason, when it checks something ODK
//! forms cannot meet (`id()`, DOM-only node kinds, HTML that is not XML) or records the
//! Enketo side of a documented Enketo/JavaRosa divergence, where Lantern follows
//! JavaRosa (see `docs/spec-notes.md`).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, FixedOffset};
use serde_json::{Value as Json, json};

use super::eval::EvalError;
use super::value::Value;
use super::xml_env::XmlEnv;
use super::{evaluate, parse};

/// Why a vectors file could not be run.
#[derive(Debug, thiserror::Error)]
pub enum VectorsError {
    #[error("the vectors file is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the vectors file has no \"vectors\" array")]
    MissingVectors,
}

impl VectorsError {
    pub fn code(&self) -> &'static str {
        match self {
            VectorsError::Json(_) => "vectors.json",
            VectorsError::MissingVectors => "vectors.missing_vectors",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pass,
    Fail,
    NotApplicable,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::NotApplicable => "not_applicable",
        }
    }
}

/// The outcome of one vector.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub id: String,
    pub category: String,
    pub status: Status,
    /// What Lantern produced, converted as the vector's result type asks.
    pub got: Json,
    pub reason: Option<String>,
}

impl Outcome {
    /// The JSON line `lantern xpath-vectors` prints.
    pub fn to_json(&self) -> Json {
        let mut line = json!({"id": self.id, "status": self.status.as_str(), "got": self.got});
        if let Some(reason) = &self.reason {
            line["reason"] = json!(reason);
        }
        line
    }
}

/// Per-category counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub passed: usize,
    pub failed: usize,
    pub not_applicable: usize,
}

impl Tally {
    fn add(&mut self, status: Status) {
        match status {
            Status::Pass => self.passed += 1,
            Status::Fail => self.failed += 1,
            Status::NotApplicable => self.not_applicable += 1,
        }
    }

    /// Passed / applicable, as a percentage (100 when nothing applies).
    pub fn pass_rate(&self) -> f64 {
        let applicable = self.passed + self.failed;
        if applicable == 0 {
            100.0
        } else {
            100.0 * self.passed as f64 / applicable as f64
        }
    }
}

/// All outcomes of a file, in file order.
#[derive(Debug, Clone)]
pub struct Report {
    pub outcomes: Vec<Outcome>,
}

impl Report {
    pub fn total(&self) -> Tally {
        let mut t = Tally::default();
        for o in &self.outcomes {
            t.add(o.status);
        }
        t
    }

    pub fn by_category(&self) -> BTreeMap<String, Tally> {
        let mut map: BTreeMap<String, Tally> = BTreeMap::new();
        for o in &self.outcomes {
            map.entry(o.category.clone()).or_default().add(o.status);
        }
        map
    }

    /// A plain-text table of pass rates per category.
    pub fn category_table(&self) -> String {
        let mut out = format!(
            "{:<28} {:>6} {:>6} {:>6} {:>8}\n",
            "category", "pass", "fail", "n/a", "rate"
        );
        for (category, t) in self.by_category() {
            out.push_str(&format!(
                "{:<28} {:>6} {:>6} {:>6} {:>7.1}%\n",
                category,
                t.passed,
                t.failed,
                t.not_applicable,
                t.pass_rate()
            ));
        }
        let t = self.total();
        out.push_str(&format!(
            "{:<28} {:>6} {:>6} {:>6} {:>7.1}%\n",
            "all",
            t.passed,
            t.failed,
            t.not_applicable,
            t.pass_rate()
        ));
        out
    }

    /// The final summary line: `N passed, N failed, N not_applicable`.
    pub fn summary_line(&self) -> String {
        let t = self.total();
        format!(
            "{} passed, {} failed, {} not_applicable",
            t.passed, t.failed, t.not_applicable
        )
    }
}

/// Runs every vector of `json`. `now` is what `now()` and `today()` return; its offset
/// is the local time zone (the vectors assume UTC-7).
pub fn run(json: &str, now: DateTime<FixedOffset>) -> Result<Report, VectorsError> {
    let file: Json = serde_json::from_str(json)?;
    let vectors = file["vectors"]
        .as_array()
        .ok_or(VectorsError::MissingVectors)?;
    let prefixes: HashMap<String, String> = file["meta"]["semantics"]["namespace_prefixes"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let documents = &file["documents"];
    let mut envs: HashMap<String, Result<XmlEnv, String>> = HashMap::new();
    let mut outcomes = Vec::with_capacity(vectors.len());
    for (i, vector) in vectors.iter().enumerate() {
        let seed = i as u64;
        let doc_key = vector["context_doc"].as_str();
        let env = match doc_key {
            None => Ok(XmlEnv::empty(prefixes.clone(), now, seed)),
            Some(key) => {
                let cached = envs.entry(key.to_string()).or_insert_with(|| {
                    let xml = documents[key].as_str().unwrap_or_default();
                    XmlEnv::parse(xml, prefixes.clone(), now, 0).map_err(|e| e.to_string())
                });
                match cached {
                    Ok(_) => Err(None),
                    Err(e) => Err(Some(e.clone())),
                }
            }
        };
        let outcome = match env {
            Ok(env) => run_one(vector, &env),
            Err(None) => {
                let key = doc_key.unwrap_or_default();
                match envs.get(key) {
                    Some(Ok(env)) => run_one(vector, env),
                    _ => not_applicable(vector, "context document is missing".into()),
                }
            }
            Err(Some(message)) => not_applicable(
                vector,
                format!(
                    "context document is HTML that is not well-formed XML ({message}); ODK instances are XML"
                ),
            ),
        };
        outcomes.push(outcome);
    }
    Ok(Report { outcomes })
}

fn base(vector: &Json) -> (String, String) {
    (
        vector["id"].as_str().unwrap_or_default().to_string(),
        vector["category"].as_str().unwrap_or_default().to_string(),
    )
}

fn not_applicable(vector: &Json, reason: String) -> Outcome {
    let (id, category) = base(vector);
    Outcome {
        id,
        category,
        status: Status::NotApplicable,
        got: Json::Null,
        reason: Some(reason),
    }
}

/// Reasons a vector cannot apply to an ODK engine, judged from the vector alone.
fn static_reason(vector: &Json) -> Option<String> {
    let expr = vector["expr"].as_str().unwrap_or_default();
    let source = vector["source"].as_str().unwrap_or_default();
    if vector["uses_id_function"].as_bool() == Some(true) {
        return Some("uses id(), which needs DTD-declared IDs; ODK instances have none and forms never call it".into());
    }
    if vector["context_path"]
        .as_str()
        .is_some_and(|p| p.starts_with('?'))
    {
        return Some("the context node is detached from any document, which cannot happen in a form instance".into());
    }
    if let Some(items) = vector["expected"].as_array()
        && items
            .iter()
            .any(|p| p.as_str().is_some_and(|p| p.contains("?node(")))
    {
        return Some(
            "expects a DOCTYPE node in the node-set; XML instances have no DOCTYPE node".into(),
        );
    }
    if let Some(items) = vector["expected"].as_array() {
        let mut paths: Vec<&str> = items.iter().filter_map(Json::as_str).collect();
        paths.sort_unstable();
        if paths.windows(2).any(|w| w[0] == w[1]) {
            return Some("expects the same text node twice (the DOM keeps CDATA sections as separate nodes); in the XPath data model, as in ODK instances, adjacent text is one node".into());
        }
    }
    if expr.contains(" GMT") {
        return Some("reads JavaScript's Date.toString() text ('Sun Nov 22 2026 03:34:22 GMT-0700'), which exists only inside Enketo; ODK stores dates as ISO 8601".into());
    }
    if source == "javarosa"
        && vector["expected"]["error"].as_str() == Some("XPathUnsupportedException")
    {
        return Some("records a JavaRosa limitation (no union, '//' or text() in its evaluator); Enketo and Lantern implement these XPath 1.0 features".into());
    }
    if source == "openrosa-xpath-evaluator"
        && vector["result_type"].as_str() != Some("error")
        && matches!(
            expr.replace(' ', "").as_str(),
            "number()" | "string-length()" | "normalize-space()"
        )
    {
        return Some("Enketo/JavaRosa divergence: JavaRosa requires the argument of number(), string-length() and normalize-space(); Lantern follows JavaRosa".into());
    }
    None
}

fn run_one(vector: &Json, env: &XmlEnv) -> Outcome {
    let (id, category) = base(vector);
    if let Some(reason) = static_reason(vector) {
        return not_applicable(vector, reason);
    }
    let expr_text = vector["expr"].as_str().unwrap_or_default();
    let result_type = vector["result_type"].as_str().unwrap_or_default();
    let expected = &vector["expected"];
    let context = match vector["context_path"].as_str() {
        None => None,
        Some(path) => match env.node_at(path) {
            Some(node) => Some(node),
            None => {
                return Outcome {
                    id,
                    category,
                    status: Status::Fail,
                    got: json!({"error": "context path not found in the document"}),
                    reason: None,
                };
            }
        },
    };
    let result: Result<Value, (String, String)> = match parse(expr_text) {
        Err(e) => Err((e.code().to_string(), e.message)),
        Ok(expr) => {
            evaluate(&expr, env, context).map_err(|e| (e.code().to_string(), e.to_string()))
        }
    };
    let enketo = vector["source"].as_str() == Some("openrosa-xpath-evaluator");
    let value = match result {
        Err((code, message)) => {
            let status = if result_type == "error" {
                Status::Pass
            } else if enketo && code == EvalError::INVALID_DATE {
                return not_applicable(
                    vector,
                    "Enketo/JavaRosa divergence: Enketo reads an invalid date as an 'Invalid Date' value, JavaRosa raises XPathTypeMismatchException; Lantern follows JavaRosa".into(),
                );
            } else {
                Status::Fail
            };
            return Outcome {
                id,
                category,
                status,
                got: json!({"error": code, "message": message}),
                reason: None,
            };
        }
        Ok(value) => value,
    };
    let (pass, got) = match result_type {
        "error" => (false, describe(&value, env)),
        "boolean" => {
            let b = value.to_bool();
            (expected.as_bool() == Some(b), json!(b))
        }
        "string" => {
            let s = value.to_string_value(env);
            let want = match expected {
                Json::String(s) => s.clone(),
                Json::Number(n) => n.as_f64().map(super::number_to_string).unwrap_or_default(),
                other => other.to_string(),
            };
            if s != want && enketo && local_midnight_offset(&s, &want) {
                return divergence_days(vector);
            }
            (s == want, json!(s))
        }
        "string-length" => {
            let s = value.to_string_value(env);
            (
                expected.as_u64() == Some(s.chars().count() as u64),
                json!(s),
            )
        }
        "string-regex" => {
            let s = value.to_string_value(env);
            let pattern = expected["regex"].as_str().unwrap_or_default();
            let ok = regex::Regex::new(pattern).is_ok_and(|re| re.is_match(&s));
            (ok, json!(s))
        }
        "number" | "number-rounded" => {
            let mut n = value.to_number(env);
            if result_type == "number-rounded" {
                let factor = vector["round_factor"].as_f64().unwrap_or(1.0);
                n = js_round(n * factor) / factor;
            }
            let want = json_number(expected);
            let ok = numbers_equal(n, want);
            // Expectations are rounded to the vector's precision, hence the loose bound.
            let offset = (n - want).abs();
            if !ok
                && enketo
                && ((offset - 7.0 / 24.0).abs() < 5e-3 || (offset - 17.0 / 24.0).abs() < 5e-3)
            {
                return divergence_days(vector);
            }
            (ok, number_json(n))
        }
        "nodeset" | "nodeset-unordered" => match &value {
            Value::NodeSet(nodes) => {
                let mut got: Vec<String> = nodes.iter().map(|n| env.path_of(*n)).collect();
                let mut want: Vec<String> = expected
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|p| p.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                let shown = json!(got.clone());
                if result_type == "nodeset-unordered" {
                    got.sort();
                    want.sort();
                }
                (got == want, shown)
            }
            other => (false, describe(other, env)),
        },
        other => (
            false,
            json!({"error": format!("unknown result_type {other}")}),
        ),
    };
    Outcome {
        id,
        category,
        status: if pass { Status::Pass } else { Status::Fail },
        got,
        reason: None,
    }
}

fn divergence_days(vector: &Json) -> Outcome {
    not_applicable(
        vector,
        "Enketo/JavaRosa divergence: Enketo counts a date's days from local midnight (a 7/24-day fraction in UTC-7); JavaRosa gives whole days; Lantern follows JavaRosa".into(),
    )
}

/// Whether two numeric strings differ by exactly the UTC-7 local-midnight offset.
fn local_midnight_offset(got: &str, want: &str) -> bool {
    match (got.parse::<f64>(), want.parse::<f64>()) {
        (Ok(a), Ok(b)) => {
            let d = (a - b).abs();
            (d - 7.0 / 24.0).abs() < 1e-6 || (d - 17.0 / 24.0).abs() < 1e-6
        }
        _ => false,
    }
}

fn describe(value: &Value, env: &XmlEnv) -> Json {
    match value {
        Value::NodeSet(nodes) => json!(nodes.iter().map(|n| env.path_of(*n)).collect::<Vec<_>>()),
        Value::Boolean(b) => json!(b),
        Value::Number(n) => number_json(*n),
        other => json!(other.to_string_value(env)),
    }
}

fn number_json(n: f64) -> Json {
    if n.is_finite() {
        json!(n)
    } else {
        json!(super::number_to_string(n))
    }
}

fn json_number(expected: &Json) -> f64 {
    match expected {
        Json::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        Json::String(s) => match s.as_str() {
            "NaN" => f64::NAN,
            "Infinity" => f64::INFINITY,
            "-Infinity" => f64::NEG_INFINITY,
            other => other.trim().parse().unwrap_or(f64::NAN),
        },
        _ => f64::NAN,
    }
}

/// JavaScript's `Math.round`: halves toward positive infinity.
fn js_round(x: f64) -> f64 {
    (x + 0.5).floor()
}

fn numbers_equal(a: f64, b: f64) -> bool {
    if a.is_nan() || b.is_nan() {
        return a.is_nan() && b.is_nan();
    }
    if a.is_infinite() || b.is_infinite() {
        return a == b;
    }
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0)
}

//! What a draft or a finalized response holds inside the vault: typed and versioned, so
//! a later version of Lantern knows what it reads (`format`), and complete enough to turn
//! a stored draft back into the very session it was (the seed, the session time and the
//! ordered steps the person took, non-relevant answers included).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One thing the person did to the form. Replaying the steps, with the same seed and
/// session time, rebuilds the session exactly: calculations, `random()`, triggers and
/// answers that a later answer made non-relevant (they come back if it is undone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Step {
    Answer {
        path: String,
        value: String,
    },
    /// Appends an instance to the repeat `repeat` (an instance path's parent, e.g.
    /// `/form/members`).
    AddRepeat {
        repeat: String,
    },
    RemoveRepeat {
        instance: String,
    },
    MoveRepeat {
        instance: String,
        to: u32,
    },
}

/// A response being filled (`format: "lantern.draft/1"`), also kept as the content of
/// a finalized response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DraftV1 {
    pub form_id: String,
    pub form_version: String,
    /// Seeds `uuid()`, `random()` and the instance id.
    pub seed: u64,
    /// The session's time (RFC 3339 with the device's offset): `now()`, `today()`.
    pub started_at: String,
    pub language: String,
    pub site: Option<String>,
    pub round: Option<String>,
    /// The page the person was on.
    pub page: Option<String>,
    pub steps: Vec<Step>,
    /// Questions answered (for the home screen without replaying).
    pub answered: u32,
    /// The filled instance as `Session::result` gives it (relevant answers only): what
    /// readers of finalized responses (aggregates, export) use.
    pub instance: Value,
    /// The values `${last-saved#name}` read when the draft started (only the names the
    /// form uses), so a resumed draft computes the same defaults.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub last_saved: Vec<(String, String)>,
}

/// A refusal at the form's consent gate: only this is kept (`format:
/// "lantern.refusal/1"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusalV1 {
    pub form_id: String,
    pub form_version: String,
    pub site: Option<String>,
    pub round: Option<String>,
}

/// Every stored shape, by its `format` tag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "format")]
pub enum Content {
    #[serde(rename = "lantern.draft/1")]
    Draft(DraftV1),
    #[serde(rename = "lantern.refusal/1")]
    Refusal(RefusalV1),
}

/// What `lantern fill --vault` stored before drafts were typed: `{instance, language}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Legacy {
    pub instance: Value,
    pub language: Option<String>,
}

/// A stored content as read back.
// Read once per opened response and matched at once; boxing would only cost the callers'
// patterns.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Stored {
    Current(Content),
    Legacy(Legacy),
}

impl Stored {
    pub fn parse(value: &Value) -> Option<Stored> {
        if value.get("format").is_some() {
            return serde_json::from_value(value.clone())
                .ok()
                .map(Stored::Current);
        }
        serde_json::from_value(value.clone())
            .ok()
            .map(Stored::Legacy)
    }
}

impl Content {
    pub fn to_value(&self) -> Value {
        // Serializing plain structs of strings and numbers cannot fail.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// Appends `step`, folding it into the previous one when it only replaces the same
/// question's value (typing), so a long text does not grow the journal per keystroke.
pub fn push_step(steps: &mut Vec<Step>, step: Step) {
    if let (Some(Step::Answer { path: last, value }), Step::Answer { path, value: new }) =
        (steps.last_mut(), &step)
        && last == path
    {
        *value = new.clone();
        return;
    }
    steps.push(step);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_carries_its_format() {
        let c = Content::Refusal(RefusalV1 {
            form_id: "f".into(),
            form_version: "1".into(),
            site: Some("SO01".into()),
            round: None,
        });
        let v = c.to_value();
        assert_eq!(v["format"], "lantern.refusal/1");
        assert_eq!(Stored::parse(&v), Some(Stored::Current(c)));
    }

    #[test]
    fn old_cli_content_reads_as_legacy() {
        let v = serde_json::json!({"instance": {"a": 1}, "language": "en"});
        assert!(matches!(Stored::parse(&v), Some(Stored::Legacy(_))));
        assert_eq!(
            Stored::parse(&serde_json::json!({"format": "lantern.draft/99"})),
            None
        );
    }

    #[test]
    fn typing_folds_into_one_step_but_other_questions_do_not() {
        let mut steps = Vec::new();
        let answer = |p: &str, v: &str| Step::Answer {
            path: p.into(),
            value: v.into(),
        };
        push_step(&mut steps, answer("/f/a", "h"));
        push_step(&mut steps, answer("/f/a", "hi"));
        push_step(&mut steps, answer("/f/b", "1"));
        push_step(&mut steps, answer("/f/a", "ho"));
        assert_eq!(
            steps,
            vec![
                answer("/f/a", "hi"),
                answer("/f/b", "1"),
                answer("/f/a", "ho")
            ]
        );
    }
}

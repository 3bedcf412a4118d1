//! The XLSForm question types Lantern understands, and what each becomes in XForms
//! terms: its data type (the `type` of its `<bind>`), the control that presents it, and
//! any value the device fills in by itself (`jr:preload`).
//!
//! The table follows pyxform 4.5.0's `question_type_dictionary.py` and `aliases.py`,
//! so that a workbook means the same here as in ODK Collect or KoboToolbox.

use serde::Serialize;

/// The XForms data type of a field: what its `<bind type="…">` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum DataType {
    String,
    Int,
    Decimal,
    Date,
    Time,
    DateTime,
    Geopoint,
    Geotrace,
    Geoshape,
    Barcode,
    Binary,
    /// `odk:rank`: an ordered, space-separated list of choice names.
    Rank,
}

impl DataType {
    /// The name XForms gives this type in `<bind type="…">`.
    pub fn xforms_name(self) -> &'static str {
        match self {
            DataType::String => "string",
            DataType::Int => "int",
            DataType::Decimal => "decimal",
            DataType::Date => "date",
            DataType::Time => "time",
            DataType::DateTime => "dateTime",
            DataType::Geopoint => "geopoint",
            DataType::Geotrace => "geotrace",
            DataType::Geoshape => "geoshape",
            DataType::Barcode => "barcode",
            DataType::Binary => "binary",
            DataType::Rank => "odk:rank",
        }
    }
}

/// How a field is presented: the XForms body element, or none for fields the device
/// fills in by itself (calculations, hidden fields, metadata).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Control {
    Input,
    Select1,
    Select,
    Rank,
    Range,
    Upload,
    Trigger,
    /// Filled by an action (`start-geopoint`, `background-audio`), never shown.
    Action,
    None,
}

/// What the device puts in a field by itself (`jr:preload` + `jr:preloadParams`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Preload {
    pub preload: &'static str,
    pub params: &'static str,
}

/// What one canonical question type means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuestionType {
    /// The canonical XLSForm name (`integer`, not `int`; `image`, not `photo`).
    pub name: &'static str,
    /// `None` for `trigger`, `xml-external` and `csv-external`, which pyxform writes
    /// without a bind type.
    pub data_type: Option<DataType>,
    pub control: Control,
    pub preload: Option<Preload>,
    /// A constraint pyxform adds by itself (`phone number`, `percentage`…).
    pub implied_constraint: Option<&'static str>,
    /// Notes are read-only: pyxform writes `readonly="true()"` on their bind.
    pub readonly: bool,
    /// Whether the type is a secondary instance rather than a field of the form.
    pub external_instance: bool,
}

const fn t(name: &'static str, data_type: DataType, control: Control) -> QuestionType {
    QuestionType {
        name,
        data_type: Some(data_type),
        control,
        preload: None,
        implied_constraint: None,
        readonly: false,
        external_instance: false,
    }
}

const fn meta(
    name: &'static str,
    data_type: DataType,
    preload: &'static str,
    params: &'static str,
) -> QuestionType {
    QuestionType {
        name,
        data_type: Some(data_type),
        control: Control::None,
        preload: Some(Preload { preload, params }),
        implied_constraint: None,
        readonly: false,
        external_instance: false,
    }
}

const fn constrained(name: &'static str, constraint: &'static str) -> QuestionType {
    QuestionType {
        name,
        data_type: Some(DataType::Int),
        control: Control::Input,
        preload: None,
        implied_constraint: Some(constraint),
        readonly: false,
        external_instance: false,
    }
}

const fn external(name: &'static str) -> QuestionType {
    QuestionType {
        name,
        data_type: None,
        control: Control::None,
        preload: None,
        implied_constraint: None,
        readonly: false,
        external_instance: true,
    }
}

use Control as C;
use DataType as D;

const NOTE: QuestionType = QuestionType {
    readonly: true,
    ..t("note", D::String, C::Input)
};
const TRIGGER: QuestionType = QuestionType {
    data_type: None,
    ..t("trigger", D::String, C::Trigger)
};

/// Every plain (non-select, non-group) question type, keyed by every spelling pyxform
/// accepts. Select types, groups and repeats are parsed separately (they carry a list
/// name or open a scope).
const TYPES: &[(&str, QuestionType)] = &[
    ("text", t("text", D::String, C::Input)),
    ("string", t("text", D::String, C::Input)),
    ("add text prompt", t("text", D::String, C::Input)),
    ("q string", t("text", D::String, C::Input)),
    ("integer", t("integer", D::Int, C::Input)),
    ("int", t("integer", D::Int, C::Input)),
    ("add integer prompt", t("integer", D::Int, C::Input)),
    ("q int", t("integer", D::Int, C::Input)),
    ("decimal", t("decimal", D::Decimal, C::Input)),
    ("add decimal prompt", t("decimal", D::Decimal, C::Input)),
    ("q decimal", t("decimal", D::Decimal, C::Input)),
    ("date", t("date", D::Date, C::Input)),
    ("add date prompt", t("date", D::Date, C::Input)),
    ("q date", t("date", D::Date, C::Input)),
    ("time", t("time", D::Time, C::Input)),
    ("dateTime", t("dateTime", D::DateTime, C::Input)),
    ("datetime", t("dateTime", D::DateTime, C::Input)),
    ("date time", t("dateTime", D::DateTime, C::Input)),
    ("add date time prompt", t("dateTime", D::DateTime, C::Input)),
    ("add dateTime prompt", t("dateTime", D::DateTime, C::Input)),
    ("q date time", t("dateTime", D::DateTime, C::Input)),
    ("q dateTime", t("dateTime", D::DateTime, C::Input)),
    ("geopoint", t("geopoint", D::Geopoint, C::Input)),
    ("gps", t("geopoint", D::Geopoint, C::Input)),
    ("location", t("geopoint", D::Geopoint, C::Input)),
    ("add location prompt", t("geopoint", D::Geopoint, C::Input)),
    ("q geopoint", t("geopoint", D::Geopoint, C::Input)),
    ("q location", t("geopoint", D::Geopoint, C::Input)),
    ("geotrace", t("geotrace", D::Geotrace, C::Input)),
    ("q geotrace", t("geotrace", D::Geotrace, C::Input)),
    ("geoshape", t("geoshape", D::Geoshape, C::Input)),
    ("q geoshape", t("geoshape", D::Geoshape, C::Input)),
    ("barcode", t("barcode", D::Barcode, C::Input)),
    ("add barcode prompt", t("barcode", D::Barcode, C::Input)),
    ("q barcode", t("barcode", D::Barcode, C::Input)),
    ("image", t("image", D::Binary, C::Upload)),
    ("photo", t("image", D::Binary, C::Upload)),
    ("add image prompt", t("image", D::Binary, C::Upload)),
    ("add photo prompt", t("image", D::Binary, C::Upload)),
    ("q image", t("image", D::Binary, C::Upload)),
    ("q picture", t("image", D::Binary, C::Upload)),
    ("audio", t("audio", D::Binary, C::Upload)),
    ("add audio prompt", t("audio", D::Binary, C::Upload)),
    ("q audio", t("audio", D::Binary, C::Upload)),
    ("video", t("video", D::Binary, C::Upload)),
    ("add video prompt", t("video", D::Binary, C::Upload)),
    ("q video", t("video", D::Binary, C::Upload)),
    ("file", t("file", D::Binary, C::Upload)),
    ("add file prompt", t("file", D::Binary, C::Upload)),
    ("osm", t("osm", D::Binary, C::Upload)),
    ("note", NOTE),
    ("add note prompt", NOTE),
    ("q note", NOTE),
    ("acknowledge", t("acknowledge", D::String, C::Trigger)),
    (
        "add acknowledge prompt",
        t("acknowledge", D::String, C::Trigger),
    ),
    ("q acknowledge", t("acknowledge", D::String, C::Trigger)),
    ("trigger", TRIGGER),
    ("calculate", t("calculate", D::String, C::None)),
    ("add calculate prompt", t("calculate", D::String, C::None)),
    ("q calculate", t("calculate", D::String, C::None)),
    ("hidden", t("hidden", D::String, C::None)),
    ("range", t("range", D::Int, C::Range)),
    ("audit", t("audit", D::Binary, C::None)),
    (
        "start-geopoint",
        t("start-geopoint", D::Geopoint, C::Action),
    ),
    (
        "background-audio",
        t("background-audio", D::Binary, C::Action),
    ),
    (
        "background-geopoint",
        t("background-geopoint", D::Geopoint, C::Action),
    ),
    ("start", meta("start", D::DateTime, "timestamp", "start")),
    (
        "start time",
        meta("start", D::DateTime, "timestamp", "start"),
    ),
    (
        "get start time",
        meta("start", D::DateTime, "timestamp", "start"),
    ),
    ("end", meta("end", D::DateTime, "timestamp", "end")),
    ("end time", meta("end", D::DateTime, "timestamp", "end")),
    ("get end time", meta("end", D::DateTime, "timestamp", "end")),
    ("today", meta("today", D::Date, "date", "today")),
    ("get today", meta("today", D::Date, "date", "today")),
    (
        "deviceid",
        meta("deviceid", D::String, "property", "deviceid"),
    ),
    (
        "device id",
        meta("deviceid", D::String, "property", "deviceid"),
    ),
    (
        "get device id",
        meta("deviceid", D::String, "property", "deviceid"),
    ),
    ("imei", meta("deviceid", D::String, "property", "deviceid")),
    (
        "subscriberid",
        meta("subscriberid", D::String, "property", "subscriberid"),
    ),
    (
        "subscriber id",
        meta("subscriberid", D::String, "property", "subscriberid"),
    ),
    (
        "get subscriber id",
        meta("subscriberid", D::String, "property", "subscriberid"),
    ),
    (
        "simserial",
        meta("simserial", D::String, "property", "simserial"),
    ),
    (
        "sim id",
        meta("simserial", D::String, "property", "simserial"),
    ),
    (
        "get sim id",
        meta("simserial", D::String, "property", "simserial"),
    ),
    (
        "phonenumber",
        meta("phonenumber", D::String, "property", "phonenumber"),
    ),
    (
        "get phone number",
        meta("phonenumber", D::String, "property", "phonenumber"),
    ),
    (
        "username",
        meta("username", D::String, "property", "username"),
    ),
    ("email", meta("email", D::String, "property", "email")),
    (
        "uri:deviceid",
        meta("uri:deviceid", D::String, "property", "uri:deviceid"),
    ),
    (
        "uri:subscriberid",
        meta(
            "uri:subscriberid",
            D::String,
            "property",
            "uri:subscriberid",
        ),
    ),
    (
        "uri:simserial",
        meta("uri:simserial", D::String, "property", "uri:simserial"),
    ),
    (
        "uri:phonenumber",
        meta("uri:phonenumber", D::String, "property", "uri:phonenumber"),
    ),
    (
        "uri:username",
        meta("uri:username", D::String, "property", "uri:username"),
    ),
    (
        "uri:email",
        meta("uri:email", D::String, "property", "uri:email"),
    ),
    (
        "phone number",
        QuestionType {
            data_type: Some(D::String),
            implied_constraint: Some("regex(., '^\\d*$')"),
            ..constrained("phone number", "")
        },
    ),
    (
        "percentage",
        constrained("percentage", "0 <= . and . <= 100"),
    ),
    (
        "number of days in last month",
        constrained("number of days in last month", "0 <= . and . <= 31"),
    ),
    (
        "number of days in last six months",
        constrained("number of days in last six months", "0 <= . and . <= 183"),
    ),
    (
        "number of days in last year",
        constrained("number of days in last year", "0 <= . and . <= 365"),
    ),
    ("xml-external", external("xml-external")),
    ("csv-external", external("csv-external")),
];

/// Looks up a plain question type by any spelling pyxform accepts (case-sensitive, as
/// pyxform is: `Integer` is not a type).
pub fn question_type(name: &str) -> Option<QuestionType> {
    TYPES.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
}

/// Which kind of select a select command names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SelectKind {
    One,
    Multiple,
    Rank,
}

impl SelectKind {
    pub fn control(self) -> Control {
        match self {
            SelectKind::One => Control::Select1,
            SelectKind::Multiple => Control::Select,
            SelectKind::Rank => Control::Rank,
        }
    }

    pub fn data_type(self) -> DataType {
        match self {
            SelectKind::Rank => DataType::Rank,
            _ => DataType::String,
        }
    }
}

/// The select commands pyxform accepts before a list name, longest first so that
/// `select one from` wins over `select one`. The flag says whether the list is a file
/// (`select_one_from_file`).
pub const SELECT_COMMANDS: &[(&str, SelectKind, bool)] = &[
    (
        "add select multiple prompt using",
        SelectKind::Multiple,
        false,
    ),
    ("add select one prompt using", SelectKind::One, false),
    ("select all that apply from", SelectKind::Multiple, false),
    ("select_multiple_from_file", SelectKind::Multiple, true),
    ("select multiple from file", SelectKind::Multiple, true),
    ("select_one_from_file", SelectKind::One, true),
    ("select one from file", SelectKind::One, true),
    ("select all that apply", SelectKind::Multiple, false),
    ("select_one_external", SelectKind::One, false),
    ("select multiple from", SelectKind::Multiple, false),
    ("select multiple using", SelectKind::Multiple, false),
    ("select one using", SelectKind::One, false),
    ("select one from", SelectKind::One, false),
    ("select_multiple", SelectKind::Multiple, false),
    ("select_one", SelectKind::One, false),
    ("select one", SelectKind::One, false),
    ("select1", SelectKind::One, false),
    ("rank", SelectKind::Rank, false),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_resolve_to_canonical_types() {
        assert_eq!(question_type("int").unwrap().name, "integer");
        assert_eq!(question_type("photo").unwrap().name, "image");
        assert_eq!(
            question_type("imei").unwrap().preload.unwrap().params,
            "deviceid"
        );
        assert_eq!(question_type("Integer"), None);
        assert!(question_type("note").unwrap().readonly);
        assert_eq!(question_type("trigger").unwrap().data_type, None);
    }
}

//! What import found wrong with a form, and where: one [`Diagnostic`] per problem,
//! with the sheet, the spreadsheet's own row number and the column, so the author can
//! go straight to the cell. Every problem is an [`ImportError`] variant with a stable
//! `code()`; its message says how to fix the form, like pyxform's `[row : 12]` ones.

use std::fmt;

use serde::Serialize;

/// Whether a problem stops the form from being used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// Every problem import can report. The message is the fix-it text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
pub enum ImportError {
    #[error("{message}")]
    Workbook { code: &'static str, message: String },
    #[error("the workbook has no `survey` sheet; an XLSForm needs one listing its questions")]
    NoSurveySheet,
    #[error("the `survey` sheet has no `{0}` column; add it to the header row")]
    MissingColumn(&'static str),
    #[error(
        "this row has no type; give it one (e.g. `text`, `integer`, `select_one list`) or clear the row"
    )]
    MissingType,
    #[error(
        "unknown question type `{0}`; use an XLSForm type such as `text`, `integer`, `select_one <list>`, `begin group` (types are case-sensitive)"
    )]
    UnknownType(String),
    #[error("this row has no name; give every question, group and repeat a unique name")]
    MissingName,
    #[error(
        "the name `{0}` is not a valid XML name; start with a letter or `_` and use only letters, digits, `_`, `-` and `.`"
    )]
    InvalidName(String),
    #[error(
        "the name `{name}` is already used on row {first_row} in the same group; names must be unique within a group or repeat"
    )]
    DuplicateName { name: String, first_row: usize },
    #[error(
        "the name `{name}` differs only in letter case from row {first_row} in the same group; rename one to avoid confusion in exports"
    )]
    DuplicateNameCase { name: String, first_row: usize },
    #[error(
        "the repeat name `{name}` is already used on row {first_row}; repeat names must be unique in the whole form"
    )]
    DuplicateRepeatName { name: String, first_row: usize },
    #[error(
        "`{name}` has no label or hint; add a label (or a hint or media) so the enumerator sees what to answer"
    )]
    MissingLabel { name: String },
    #[error(
        "the repeat `{name}` has no label; add one so the enumerator sees what is being repeated"
    )]
    RepeatWithoutLabel { name: String },
    #[error("`{found}` has no matching `begin {kind}`; remove it or add the `begin {kind}` row")]
    UnmatchedEnd { found: String, kind: &'static str },
    #[error(
        "`begin {kind}` `{name}` is never closed; add an `end {kind}` row after its last question"
    )]
    UnclosedBegin { kind: &'static str, name: String },
    #[error("`begin loop` needs a list: write `begin loop over <list_name>`")]
    LoopWithoutList,
    #[error(
        "looping over lists makes the form more than {limit} fields long; a loop copies its \
         questions once per choice, and loops inside loops multiply again: use shorter lists, \
         fewer nested loops, or a repeat"
    )]
    LoopTooLarge { limit: usize },
    #[error(
        "the choice list `{0}` is not on the `choices` sheet; add its choices there or fix the list name"
    )]
    UnknownChoiceList(String),
    #[error(
        "the list `{0}` is not on the `external_choices` sheet; add it there or use `select_one`"
    )]
    UnknownExternalList(String),
    #[error("`{0}` must name a .csv, .xml or .geojson file")]
    BadSelectFile(String),
    #[error(
        "choice `{name}` appears twice in list `{list}` (first on row {first_row}); choice names must be unique in a list, or set `allow_choice_duplicates` to `yes` on the settings sheet"
    )]
    DuplicateChoice {
        list: String,
        name: String,
        first_row: usize,
    },
    #[error("this choice has no name; give every choice a name (the value stored)")]
    MissingChoiceName,
    #[error(
        "this choice has no list name and is ignored; put the list it belongs to in `list_name`"
    )]
    MissingListName,
    #[error(
        "choice `{name}` of list `{list}` has a space, which a select_multiple cannot store; use `_` instead"
    )]
    ChoiceNameWithSpace { list: String, name: String },
    #[error("`or_other` cannot be combined with a choice_filter; remove one of them")]
    OrOtherWithChoiceFilter,
    #[error("a `calculate` needs a calculation; fill the `calculation` column")]
    MissingCalculation,
    #[error(
        "`${{{0}}}` refers to no question, group or repeat of this form; fix the name or add the question"
    )]
    UnknownReference(String),
    #[error(
        "malformed reference at character {offset} (`{text}`); write `${{name}}` with the name of a question, group or repeat"
    )]
    MalformedReference { offset: usize, text: String },
    #[error(
        "the name `meta` is reserved for the form's metadata; rename this question, group or repeat"
    )]
    ReservedName,
    #[error("the repeat `{0}` has the name of the form's root element; rename it")]
    RepeatNamedAsRoot(String),
    #[error(
        "columns `{first}` and `{second}` are the same column under two names; rename or remove one"
    )]
    DuplicateColumn { first: String, second: String },
    #[error(
        "duplicate column header `{header}` (columns {first} and {second}); keep one column and delete the other, as pyxform refuses the sheet"
    )]
    DuplicateHeader {
        header: String,
        first: String,
        second: String,
    },
    #[error(
        "`{file}` and `{other}` would both be the secondary instance named by their stem; rename one of the files"
    )]
    InstanceClash { file: String, other: String },
    #[error("`trigger` must name questions as `${{name}}`, separated by commas, not `{0}`")]
    BadTrigger(String),
    #[error(
        "a table-list group shows one list; `{list}` differs from `{header}` used by its first select"
    )]
    TableListMismatch { list: String, header: String },
    #[error(
        "the first select of a table-list group cannot have a choice_filter (its choices head the table); remove the filter"
    )]
    TableListChoiceFilter,
    #[error("this choice has no label; add one so the enumerator sees what to pick")]
    ChoiceWithoutLabel,
    #[error(
        "`${{{0}}}` is ambiguous: several questions have that name; rename them so it names one"
    )]
    AmbiguousReference(String),
    #[error("`{column}` has a syntax error at character {offset}: {message}")]
    ExpressionSyntax {
        column: String,
        offset: usize,
        message: String,
    },
    #[error("unknown function `{0}()`; check its spelling against the ODK XForms functions")]
    UnknownFunction(String),
    #[error(
        "these fields depend on each other in a cycle: {0}; break the cycle so each value can be computed"
    )]
    DependencyCycle(String),
    #[error("parameters must be `key=value` pairs separated by spaces or commas; `{0}` is not")]
    BadParameters(String),
    #[error("`{type_name}` does not take the parameter(s) {rejected}; it accepts {accepted}")]
    UnknownParameters {
        type_name: String,
        rejected: String,
        accepted: String,
    },
    #[error("parameter `{name}` must be {expected}, not `{value}`")]
    BadParameterValue {
        name: String,
        value: String,
        expected: &'static str,
    },
    #[error("range parameter `{name}` must be a number, not `{value}`")]
    BadRangeParameter { name: &'static str, value: String },
    #[error("an `audit` must be named `audit` (or have no name)")]
    AuditName,
    #[error("`{column}` must be {expected}, not `{value}`")]
    InvalidValue {
        column: String,
        value: String,
        expected: &'static str,
    },
    #[error("`{column}` names `{name}`, which is not a question of this form")]
    UnknownField { column: String, name: String },
    #[error("the `{sheet}` sheet needs `{column}` in its header row")]
    SheetMissingColumn {
        sheet: &'static str,
        column: &'static str,
    },
    #[error("indicator `{0}` is defined twice; indicator names must be unique")]
    DuplicateIndicator(String),
    #[error(
        "indicator scope `{0}` is not a repeat of this form; leave it empty (one unit per submission) or name a repeat"
    )]
    UnknownScope(String),
    #[error(
        "a `denominator` is only used by `proportion` indicators; remove it or change the kind"
    )]
    DenominatorNotProportion,
    /// A breach of the do-no-harm check (`policy`): an error for a form that declares
    /// a `purpose` sheet when it exposes respondents, a warning otherwise.
    #[error("{message}")]
    Policy {
        code: &'static str,
        message: String,
        error: bool,
    },
}

impl ImportError {
    /// A stable code for scripts and the UI.
    pub fn code(&self) -> &'static str {
        use ImportError as E;
        match self {
            E::Workbook { code, .. } => code,
            E::NoSurveySheet => "xlsform.no_survey",
            E::MissingColumn(_) => "xlsform.missing_column",
            E::MissingType => "xlsform.missing_type",
            E::UnknownType(_) => "xlsform.unknown_type",
            E::MissingName => "xlsform.missing_name",
            E::InvalidName(_) => "xlsform.invalid_name",
            E::DuplicateName { .. } => "xlsform.duplicate_name",
            E::DuplicateNameCase { .. } => "xlsform.duplicate_name_case",
            E::DuplicateRepeatName { .. } => "xlsform.duplicate_repeat_name",
            E::MissingLabel { .. } => "xlsform.missing_label",
            E::RepeatWithoutLabel { .. } => "xlsform.repeat_without_label",
            E::UnmatchedEnd { .. } => "xlsform.unmatched_end",
            E::UnclosedBegin { .. } => "xlsform.unclosed_begin",
            E::LoopWithoutList => "xlsform.loop_without_list",
            E::LoopTooLarge { .. } => "xlsform.loop_too_large",
            E::UnknownChoiceList(_) => "xlsform.unknown_choice_list",
            E::UnknownExternalList(_) => "xlsform.unknown_external_list",
            E::BadSelectFile(_) => "xlsform.bad_select_file",
            E::DuplicateChoice { .. } => "xlsform.duplicate_choice",
            E::MissingChoiceName => "xlsform.missing_choice_name",
            E::MissingListName => "xlsform.missing_list_name",
            E::ChoiceNameWithSpace { .. } => "xlsform.choice_name_space",
            E::OrOtherWithChoiceFilter => "xlsform.or_other_choice_filter",
            E::MissingCalculation => "xlsform.missing_calculation",
            E::UnknownReference(_) => "xlsform.unknown_reference",
            E::AmbiguousReference(_) => "xlsform.ambiguous_reference",
            E::MalformedReference { .. } => "xlsform.malformed_reference",
            E::ReservedName => "xlsform.reserved_name",
            E::RepeatNamedAsRoot(_) => "xlsform.repeat_named_as_root",
            E::DuplicateColumn { .. } => "xlsform.duplicate_column",
            E::DuplicateHeader { .. } => "xlsform.duplicate_header",
            E::ChoiceWithoutLabel => "xlsform.choice_without_label",
            E::InstanceClash { .. } => "xlsform.instance_clash",
            E::BadTrigger(_) => "xlsform.bad_trigger",
            E::TableListMismatch { .. } => "xlsform.table_list_mismatch",
            E::TableListChoiceFilter => "xlsform.table_list_choice_filter",
            E::ExpressionSyntax { .. } => "xlsform.expression_syntax",
            E::UnknownFunction(_) => "xlsform.unknown_function",
            E::DependencyCycle(_) => "xlsform.dependency_cycle",
            E::BadParameters(_) => "xlsform.bad_parameters",
            E::BadRangeParameter { .. } => "xlsform.bad_range_parameter",
            E::UnknownParameters { .. } => "xlsform.unknown_parameters",
            E::BadParameterValue { .. } => "xlsform.bad_parameter_value",
            E::AuditName => "xlsform.audit_name",
            E::InvalidValue { .. } => "lantern.invalid_value",
            E::UnknownField { .. } => "lantern.unknown_field",
            E::SheetMissingColumn { .. } => "lantern.missing_column",
            E::DuplicateIndicator(_) => "lantern.duplicate_indicator",
            E::UnknownScope(_) => "lantern.unknown_scope",
            E::DenominatorNotProportion => "lantern.denominator_not_proportion",
            E::Policy { code, .. } => code,
        }
    }

    /// Warnings are reported but leave the form usable.
    pub fn severity(&self) -> Severity {
        match self {
            ImportError::DuplicateNameCase { .. }
            | ImportError::RepeatWithoutLabel { .. }
            | ImportError::MissingListName
            | ImportError::ChoiceWithoutLabel
            | ImportError::Policy { error: false, .. } => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

/// One problem, located in the workbook.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    pub error: ImportError,
    pub sheet: String,
    /// The spreadsheet's row number (1-based, header included), when known.
    pub row: Option<usize>,
    /// The column's header as written, when known.
    pub column: Option<String>,
}

impl Diagnostic {
    pub fn code(&self) -> &'static str {
        self.error.code()
    }

    pub fn severity(&self) -> Severity {
        self.error.severity()
    }

    pub fn is_error(&self) -> bool {
        self.severity() == Severity::Error
    }
}

/// `{code, severity, sheet, row, column, message}`: how a diagnostic crosses to the
/// UI and to scripts.
impl Serialize for Diagnostic {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("Diagnostic", 6)?;
        out.serialize_field("code", self.code())?;
        out.serialize_field("severity", &self.severity())?;
        out.serialize_field("sheet", &self.sheet)?;
        out.serialize_field("row", &self.row)?;
        out.serialize_field("column", &self.column)?;
        out.serialize_field("message", &self.error.to_string())?;
        out.end()
    }
}

/// `sheet:row:column: severity[code]: message`, the shape the CLI prints after the file.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let row = self.row.map(|r| r.to_string()).unwrap_or_default();
        write!(
            f,
            "{}:{}:{}: {}[{}]: {}",
            self.sheet,
            row,
            self.column.as_deref().unwrap_or(""),
            self.severity(),
            self.code(),
            self.error
        )
    }
}

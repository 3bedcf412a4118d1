//! Files a form reads besides its workbook, as ODK Collect and KoboToolbox take them
//! as form media: the CSV, XML and GeoJSON lists of `select_one_from_file` /
//! `select_multiple_from_file`, `pulldata()` and `instance('name')` (declared with
//! `csv-external` or `xml-external`).
//!
//! An XML file is read as ODK reads one for a select: a root element whose children
//! are the items, each item's child elements its columns (`name`, `label`, others).
//! Deeper structures are refused with a clear error (Lantern's secondary instances are
//! lists). A GeoJSON file is a `FeatureCollection` whose features become items as in
//! Collect: `name` from the feature's `id` (or its `id` property), `label` from its
//! `title` property, `geometry` in ODK's `lat lon 0 0; …` form, and every other
//! property as a column.
//!
//! A CSV file becomes a choice list named by the file (`sites.csv`), whose items are
//! its rows: the `name` column, `label` (and `label::Language (code)` translations)
//! and every other column as an extra column, exactly as a row of the `choices` sheet.
//! The form session then offers those items, checks answers against them, and lets
//! `instance('sites')/root/item[…]` and `pulldata('sites', …)` read them.
//!
//! The caller reads the bytes (the core does no IO): the CLI and the app look for each
//! file of [`FormDef::secondary_instances`] next to the workbook.

use super::import::read_choice;
use super::table::{CHOICES_ALIASES, CHOICES_KNOWN, Table};
use super::workbook::Sheet;
use crate::form::{Choice, ChoiceList, DEFAULT_LANGUAGE, FormDef, Text};

/// Why a form attachment cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttachmentError {
    #[error("the form does not use a file named {0}")]
    NotDeclared(String),
    #[error("the form names the file {0:?}; use a plain file name")]
    NotAFileName(String),
    #[error("{0} is not a form media file Lantern reads (CSV, XML or GeoJSON)")]
    NotCsv(String),
    #[error("{file}: {message}")]
    Malformed { file: String, message: String },
    #[error("{file}, line {line}: {message}")]
    Csv {
        file: String,
        line: usize,
        message: String,
    },
    #[error("{0} has no header row; its first line must name the columns (name, label, …)")]
    NoHeader(String),
    #[error("{0} has no `name` column; add one with the value each choice stores")]
    NoNameColumn(String),
}

/// Reads `bytes` as the CSV file `file_name` the form declares and makes its rows the
/// form's list of that name (replacing an earlier one). Returns the number of items.
pub fn attach_csv(
    form: &mut FormDef,
    file_name: &str,
    bytes: &[u8],
) -> Result<usize, AttachmentError> {
    if !form.secondary_instances.iter().any(|i| i.file == file_name) {
        return Err(AttachmentError::NotDeclared(file_name.to_string()));
    }
    check_media_name(file_name)?;
    let lower = file_name.to_ascii_lowercase();
    if lower.ends_with(".xml") {
        let choices = read_xml(file_name, bytes)?;
        return Ok(replace_list(form, file_name, choices));
    }
    if lower.ends_with(".geojson") {
        let choices = read_geojson(file_name, bytes)?;
        return Ok(replace_list(form, file_name, choices));
    }
    let sheet = read_csv(file_name, bytes)?;
    let Some(table) = Table::read(&sheet, CHOICES_ALIASES, CHOICES_KNOWN) else {
        return Err(AttachmentError::NoHeader(file_name.to_string()));
    };
    if table.column(&["name"]).is_none() {
        return Err(AttachmentError::NoNameColumn(file_name.to_string()));
    }
    let language = form
        .default_language
        .clone()
        .unwrap_or_else(|| DEFAULT_LANGUAGE.to_string());
    let choices: Vec<_> = table
        .rows
        .iter()
        .filter_map(|row| read_choice(&table, row, &language))
        .map(|(_, choice)| choice)
        .filter(|choice| !choice.name.is_empty())
        .collect();
    Ok(replace_list(form, file_name, choices))
}

/// Attaches any form media file the form declares: CSV, XML or GeoJSON (the name says
/// which). The same as [`attach_csv`], which reads all three.
pub fn attach_media(
    form: &mut FormDef,
    file_name: &str,
    bytes: &[u8],
) -> Result<usize, AttachmentError> {
    attach_csv(form, file_name, bytes)
}

/// Makes `choices` the form's list named `file_name`; returns how many there are.
fn replace_list(form: &mut FormDef, file_name: &str, choices: Vec<Choice>) -> usize {
    let count = choices.len();
    let list = ChoiceList {
        name: file_name.to_string(),
        choices,
    };
    match form.choice_lists.iter_mut().find(|l| l.name == file_name) {
        Some(existing) => *existing = list,
        None => form.choice_lists.push(list),
    }
    count
}

/// An item from its columns: `name`, `label`, and the rest as extra columns.
fn item(columns: Vec<(String, String)>) -> Choice {
    let mut choice = Choice {
        name: String::new(),
        label: Text::default(),
        media: Vec::new(),
        extra: Vec::new(),
        row: None,
    };
    for (key, value) in columns {
        match key.as_str() {
            "name" => choice.name = value,
            "label" => choice.label.set(DEFAULT_LANGUAGE, value),
            _ => choice.extra.push((key, value)),
        }
    }
    choice
}

/// The most items a media file may hold (a guard against a file that would exhaust
/// the device, as for CSV rows).
const MAX_ITEMS: usize = 200_000;

fn read_xml(file_name: &str, bytes: &[u8]) -> Result<Vec<Choice>, AttachmentError> {
    let malformed = |message: String| AttachmentError::Malformed {
        file: file_name.to_string(),
        message,
    };
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|e| malformed(format!("not UTF-8 text ({e})")))?;
    // No DTDs: entity expansion could exhaust the device.
    let doc = roxmltree::Document::parse(text).map_err(|e| malformed(e.to_string()))?;
    let root = doc.root_element();
    let mut choices = Vec::new();
    for element in root.children().filter(|n| n.is_element()) {
        let mut columns = Vec::new();
        for column in element.children().filter(|n| n.is_element()) {
            if column.children().any(|n| n.is_element()) {
                return Err(malformed(format!(
                    "<{}> inside <{}> has child elements; Lantern reads XML media as a list: \
                     <{}> children, each with <name>, <label> and other plain columns",
                    column.tag_name().name(),
                    element.tag_name().name(),
                    root.tag_name().name()
                )));
            }
            columns.push((
                column.tag_name().name().to_string(),
                column.text().unwrap_or_default().trim().to_string(),
            ));
        }
        choices.push(item(columns));
        if choices.len() > MAX_ITEMS {
            return Err(malformed(format!("more than {MAX_ITEMS} items")));
        }
    }
    Ok(choices)
}

/// A GeoJSON geometry in ODK's form: `lat lon 0 0`, points separated by `; `.
fn geometry(value: &serde_json::Value) -> Option<String> {
    let point = |p: &serde_json::Value| -> Option<String> {
        let p = p.as_array()?;
        let (lon, lat) = (p.first()?.as_f64()?, p.get(1)?.as_f64()?);
        let alt = p.get(2).and_then(serde_json::Value::as_f64).unwrap_or(0.0);
        Some(format!("{lat} {lon} {alt} 0"))
    };
    let coords = value.get("coordinates")?;
    let points: Vec<&serde_json::Value> = match value.get("type")?.as_str()? {
        "Point" => vec![coords],
        "LineString" => coords.as_array()?.iter().collect(),
        // The outer ring, as Collect reads a polygon into a geoshape.
        "Polygon" => coords.as_array()?.first()?.as_array()?.iter().collect(),
        _ => return None,
    };
    let parts: Option<Vec<String>> = points.into_iter().map(point).collect();
    Some(parts?.join("; "))
}

fn json_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn read_geojson(file_name: &str, bytes: &[u8]) -> Result<Vec<Choice>, AttachmentError> {
    let malformed = |message: String| AttachmentError::Malformed {
        file: file_name.to_string(),
        message,
    };
    let doc: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| malformed(format!("not JSON ({e})")))?;
    if doc.get("type").and_then(serde_json::Value::as_str) != Some("FeatureCollection") {
        return Err(malformed("not a GeoJSON FeatureCollection".into()));
    }
    let features = doc
        .get("features")
        .and_then(serde_json::Value::as_array)
        .ok_or_else(|| malformed("a FeatureCollection needs a `features` array".into()))?;
    if features.len() > MAX_ITEMS {
        return Err(malformed(format!("more than {MAX_ITEMS} features")));
    }
    let mut choices = Vec::new();
    for (index, feature) in features.iter().enumerate() {
        let number = index + 1;
        let geometry = feature.get("geometry").and_then(geometry).ok_or_else(|| {
            malformed(format!(
                "feature {number} has no Point, LineString or Polygon geometry"
            ))
        })?;
        let properties = feature
            .get("properties")
            .and_then(serde_json::Value::as_object);
        let id = feature
            .get("id")
            .map(json_text)
            .or_else(|| properties.and_then(|p| p.get("id")).map(json_text))
            .filter(|id| !id.is_empty())
            .ok_or_else(|| malformed(format!("feature {number} has no id")))?;
        let mut columns = vec![("name".to_string(), id), ("geometry".to_string(), geometry)];
        for (key, value) in properties.into_iter().flatten() {
            match key.as_str() {
                "id" => {}
                "title" => columns.push(("label".to_string(), json_text(value))),
                _ => columns.push((key.clone(), json_text(value))),
            }
        }
        choices.push(item(columns));
    }
    Ok(choices)
}

/// Checks a file name the form declares, before anything is read for it: it must be a
/// plain name (a workbook names a file, never a path, so nothing outside the form's
/// own folders is read), and of a kind Lantern reads ([`AttachmentError::NotCsv`]
/// otherwise, which a caller may take as a warning and go on without the file).
pub fn check_media_name(file_name: &str) -> Result<(), AttachmentError> {
    if file_name.contains(['/', '\\']) || file_name.starts_with('.') {
        return Err(AttachmentError::NotAFileName(file_name.to_string()));
    }
    let lower = file_name.to_ascii_lowercase();
    if ![".csv", ".xml", ".geojson"]
        .iter()
        .any(|e| lower.ends_with(e))
    {
        return Err(AttachmentError::NotCsv(file_name.to_string()));
    }
    Ok(())
}

fn read_csv(file_name: &str, bytes: &[u8]) -> Result<Sheet, AttachmentError> {
    // Spreadsheet programs often save CSV with a byte-order mark.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|e| AttachmentError::Csv {
            file: file_name.to_string(),
            line: index + 1,
            message: e.to_string(),
        })?;
        rows.push(record.iter().map(|c| c.trim().to_string()).collect());
    }
    Ok(Sheet {
        name: file_name.to_string(),
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xlsform::{WorkbookFormat, import_bytes};

    const FORM: &str = "\
| survey |
| | type | name | label | calculation |
| | select_one_from_file sites.csv | site | Site | |
| | calculate | district | | pulldata('sites', 'district', 'name', ${site}) |
";

    fn form() -> FormDef {
        let import = import_bytes(FORM.as_bytes(), WorkbookFormat::Markdown, "t");
        let messages: Vec<String> = import.diagnostics.iter().map(|d| d.to_string()).collect();
        assert!(!import.has_errors(), "{messages:?}");
        import.form.expect("a form")
    }

    #[test]
    fn rows_become_the_list_named_by_the_file() {
        let mut form = form();
        let csv = "\u{feff}name,label::English (en),label::Français (fr),district\n\
                   SS0101,Camp A,Camp A (fr),Juba\n,skipped,,\nSS0102,Camp B,,Wau\n";
        assert_eq!(attach_csv(&mut form, "sites.csv", csv.as_bytes()), Ok(2));
        let list = form.choice_list("sites.csv").unwrap();
        assert_eq!(list.choices[0].name, "SS0101");
        assert_eq!(
            list.choices[0].label.get("Français (fr)"),
            Some("Camp A (fr)")
        );
        assert_eq!(
            list.choices[1].extra,
            vec![("district".to_string(), "Wau".to_string())]
        );
        // Attaching again replaces the list.
        assert_eq!(attach_csv(&mut form, "sites.csv", b"name\nX\n"), Ok(1));
        assert_eq!(form.choice_list("sites.csv").unwrap().choices.len(), 1);
    }

    #[test]
    fn bad_attachments_are_clear_errors() {
        let mut form = form();
        assert_eq!(
            attach_csv(&mut form, "other.csv", b"name\n"),
            Err(AttachmentError::NotDeclared("other.csv".into()))
        );
        assert_eq!(
            attach_csv(&mut form, "sites.csv", b"label,district\nA,B\n"),
            Err(AttachmentError::NoNameColumn("sites.csv".into()))
        );
        assert_eq!(
            attach_csv(&mut form, "sites.csv", b""),
            Err(AttachmentError::NoHeader("sites.csv".into()))
        );
        let err = attach_csv(&mut form, "sites.csv", b"name,label\n\xFF,A\n").unwrap_err();
        assert!(
            matches!(err, AttachmentError::Csv { line: 2, .. }),
            "{err:?}"
        );
        assert!(form.choice_list("sites.csv").is_none());
    }

    const MEDIA_FORM: &str = "\
| survey |
| | type | name | label | calculation | choice_filter |
| | select_one_from_file camps.xml | camp | Camp | | zone='north' |
| | calculate | zone_of | | instance('camps')/root/item[name=${camp}]/zone | |
| | select_one_from_file plots.geojson | plot | Plot | | |
| | calculate | where | | instance('plots')/root/item[name=${plot}]/geometry | |
";

    fn session_with_media() -> crate::engine::Session {
        let import = import_bytes(MEDIA_FORM.as_bytes(), WorkbookFormat::Markdown, "m");
        let messages: Vec<String> = import.diagnostics.iter().map(|d| d.to_string()).collect();
        assert!(!import.has_errors(), "{messages:?}");
        let mut form = import.form.unwrap();
        let xml = "<?xml version='1.0'?><root>\
            <item><name>c1</name><label>Camp One</label><zone>north</zone></item>\
            <item><name>c2</name><label>Camp Two</label><zone>south</zone></item></root>";
        assert_eq!(attach_media(&mut form, "camps.xml", xml.as_bytes()), Ok(2));
        let geojson = r#"{"type": "FeatureCollection", "features": [
            {"type": "Feature", "id": "p1", "geometry": {"type": "Point", "coordinates": [32.5, 0.3]},
             "properties": {"title": "Plot 1", "crop": "maize"}},
            {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[1, 2], [3, 4], [5, 6], [1, 2]]]},
             "properties": {"id": 7, "title": "Plot 7"}}]}"#;
        assert_eq!(
            attach_media(&mut form, "plots.geojson", geojson.as_bytes()),
            Ok(2)
        );
        let compiled = crate::engine::CompiledForm::new(form).unwrap();
        let config = crate::engine::Config::at_rfc3339("2026-11-30T10:00:00Z", 1).unwrap();
        crate::engine::Session::new(compiled, config).unwrap()
    }

    #[test]
    fn xml_and_geojson_media_are_lists_a_form_reads() {
        let mut session = session_with_media();
        assert_eq!(session.choice_names("camp").unwrap(), ["c1"]);
        session.answer("camp", "c1").unwrap();
        assert_eq!(session.value("zone_of").unwrap(), "north");
        assert_eq!(session.choice_names("plot").unwrap(), ["p1", "7"]);
        session.answer("plot", "p1").unwrap();
        assert_eq!(session.value("where").unwrap(), "0.3 32.5 0 0");
        session.answer("plot", "7").unwrap();
        assert_eq!(
            session.value("where").unwrap(),
            "2 1 0 0; 4 3 0 0; 6 5 0 0; 2 1 0 0"
        );
        assert!(session.answer("plot", "p9").is_err());
    }

    #[test]
    fn bad_xml_and_geojson_media_are_clear_errors() {
        let import = import_bytes(MEDIA_FORM.as_bytes(), WorkbookFormat::Markdown, "m");
        let mut form = import.form.unwrap();
        let nested = b"<root><item><name>a</name><deep><x>1</x></deep></item></root>";
        let err = attach_media(&mut form, "camps.xml", nested).unwrap_err();
        assert!(err.to_string().contains("<deep> inside <item>"), "{err}");
        let dtd = b"<!DOCTYPE r [<!ENTITY a 'x'>]><root/>";
        assert!(matches!(
            attach_media(&mut form, "camps.xml", dtd),
            Err(AttachmentError::Malformed { .. })
        ));
        for (bad, says) in [
            (&b"[]"[..], "FeatureCollection"),
            (br#"{"type": "FeatureCollection"}"#, "features"),
            (
                br#"{"type": "FeatureCollection", "features": [{"geometry": {"type": "Point", "coordinates": [1, 2]}}]}"#,
                "feature 1 has no id",
            ),
            (
                br#"{"type": "FeatureCollection", "features": [{"id": 1, "geometry": null}]}"#,
                "no Point",
            ),
        ] {
            let err = attach_media(&mut form, "plots.geojson", bad).unwrap_err();
            assert!(err.to_string().contains(says), "{err}");
        }
    }

    #[test]
    fn a_declared_file_must_be_a_plain_csv_name() {
        assert_eq!(check_media_name("sites.csv"), Ok(()));
        assert_eq!(check_media_name("Sites.CSV"), Ok(()));
        for path in [
            "../sites.csv",
            "/etc/sites.csv",
            "media\\sites.csv",
            ".hidden.csv",
            "..",
        ] {
            assert_eq!(
                check_media_name(path),
                Err(AttachmentError::NotAFileName(path.into())),
                "{path}"
            );
        }
        assert_eq!(check_media_name("sites.xml"), Ok(()));
        assert_eq!(check_media_name("plots.geojson"), Ok(()));
        assert_eq!(
            check_media_name("photo.jpg"),
            Err(AttachmentError::NotCsv("photo.jpg".into()))
        );
    }
}

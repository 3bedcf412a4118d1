//! Conformance of Lantern's XLSForm import with pyxform 4.5.0, the reference converter,
//! on the real forms of `../shared/conformance/dev/xlsform/` (see its `MANIFEST.tsv`).
//!
//! For every form pyxform accepts, the imported model must agree with the XForm
//! pyxform wrote for it: the same instance paths, groups and repeats, the same bind
//! type for each field, the same binds present (`relevant`, `required`, `constraint`,
//! `calculate`, `readonly`), the same choice names for each select, and the same
//! translation languages. Every form pyxform rejects must be rejected with an error
//! diagnostic. A form pyxform accepts but ODK Validate (JavaRosa, what Collect runs)
//! rejects must still agree in shape, and be rejected, because Lantern runs the
//! form and must not accept an expression its session could not evaluate.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use lantern_core::form::{FormDef, NodeKind};
use lantern_core::xlsform::{WorkbookFormat, import_bytes};

fn conformance_dir() -> Option<PathBuf> {
    let beside_repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance");
    [beside_repo, PathBuf::from("/work/shared/conformance")]
        .into_iter()
        .find(|p| p.join("dev/xlsform/MANIFEST.tsv").is_file())
}

/// What one reading (pyxform's XForm, or Lantern's model) says about a form.
#[derive(Debug, Default, PartialEq)]
struct Shape {
    /// Path below the root → `group`, `repeat` or the bind type of a field (`-` when
    /// the field has no bind type).
    nodes: BTreeMap<String, String>,
    /// Path → the binds present, e.g. `relevant required`.
    binds: BTreeMap<String, String>,
    /// Select path → its choice names.
    choices: BTreeMap<String, Vec<String>>,
    languages: BTreeSet<String>,
}

const BINDS: [&str; 5] = [
    "relevant",
    "required",
    "constraint",
    "calculate",
    "readonly",
];

fn xform_shape(xml: &str) -> Result<Shape, String> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| e.to_string())?;
    let model = doc
        .descendants()
        .find(|n| n.has_tag_name("model"))
        .ok_or("no <model>")?;
    let main = model
        .children()
        .find(|n| n.has_tag_name("instance") && n.attribute("id").is_none())
        .ok_or("no main <instance>")?;
    let root = main
        .children()
        .find(|n| n.is_element())
        .ok_or("empty instance")?;
    let root_path = format!("/{}", root.tag_name().name());
    let mut shape = Shape::default();

    let mut repeats = BTreeSet::new();
    let mut selects: Vec<roxmltree::Node> = Vec::new();
    for node in doc.descendants() {
        if node.has_tag_name("repeat")
            && let Some(nodeset) = node.attribute("nodeset")
        {
            repeats.insert(relative(nodeset, &root_path));
        }
        if ["select1", "select", "rank"]
            .iter()
            .any(|t| node.has_tag_name(*t))
        {
            selects.push(node);
        }
    }
    let mut types = BTreeMap::new();
    for bind in model.children().filter(|n| n.has_tag_name("bind")) {
        let Some(nodeset) = bind.attribute("nodeset") else {
            continue;
        };
        if nodeset.contains('@') {
            continue;
        }
        let path = relative(nodeset, &root_path);
        types.insert(
            path.clone(),
            bind.attribute("type").unwrap_or("-").to_string(),
        );
        let present: Vec<&str> = BINDS
            .iter()
            .copied()
            .filter(|b| bind.attribute(*b).is_some())
            .collect();
        if !present.is_empty() {
            shape.binds.insert(path, present.join(" "));
        }
    }
    fn walk(
        node: roxmltree::Node,
        prefix: &str,
        repeats: &BTreeSet<String>,
        types: &BTreeMap<String, String>,
        out: &mut BTreeMap<String, String>,
    ) {
        for child in node.children().filter(|c| c.is_element()) {
            let path = if prefix.is_empty() {
                child.tag_name().name().to_string()
            } else {
                format!("{prefix}/{}", child.tag_name().name())
            };
            let has_children = child.children().any(|c| c.is_element());
            let kind = if repeats.contains(&path) {
                "repeat".to_string()
            } else if has_children {
                "group".to_string()
            } else {
                types.get(&path).cloned().unwrap_or_else(|| "-".to_string())
            };
            out.insert(path.clone(), kind);
            walk(child, &path, repeats, types, out);
        }
    }
    walk(root, "", &repeats, &types, &mut shape.nodes);

    for select in selects {
        let Some(reference) = select.attribute("ref") else {
            continue;
        };
        let path = relative(reference, &root_path);
        let mut names = Vec::new();
        if let Some(itemset) = select.children().find(|c| c.has_tag_name("itemset")) {
            let nodeset = itemset.attribute("nodeset").unwrap_or("");
            // `instance('list')/root/item…`, possibly inside `randomize(…)`.
            let Some(list) = nodeset
                .split_once("instance('")
                .and_then(|(_, r)| r.split('\'').next())
            else {
                continue;
            };
            let Some(instance) = model
                .children()
                .find(|n| n.has_tag_name("instance") && n.attribute("id") == Some(list))
            else {
                continue;
            };
            if instance.attribute("src").is_some() {
                continue; // select_one_from_file: the choices are in a file.
            }
            for item in instance.descendants().filter(|n| n.has_tag_name("item")) {
                if let Some(name) = item.children().find(|c| c.has_tag_name("name")) {
                    names.push(name.text().unwrap_or("").to_string());
                }
            }
        } else {
            for item in select.children().filter(|c| c.has_tag_name("item")) {
                if let Some(value) = item.children().find(|c| c.has_tag_name("value")) {
                    names.push(value.text().unwrap_or("").to_string());
                }
            }
        }
        shape.choices.insert(path, names);
    }
    for translation in doc.descendants().filter(|n| n.has_tag_name("translation")) {
        if let Some(lang) = translation.attribute("lang") {
            shape.languages.insert(lang.to_string());
        }
    }
    Ok(shape)
}

fn relative(path: &str, root_path: &str) -> String {
    path.strip_prefix(root_path)
        .unwrap_or(path)
        .trim_start_matches('/')
        .to_string()
}

fn model_shape(form: &FormDef) -> Shape {
    let root_path = &form.root().path;
    let mut shape = Shape::default();
    for node in form.fields() {
        let path = relative(&node.path, root_path);
        let kind = match node.kind {
            NodeKind::Repeat => "repeat".to_string(),
            NodeKind::Group if !node.children.is_empty() => "group".to_string(),
            _ => node
                .data_type
                .map(|t| t.xforms_name().to_string())
                .unwrap_or_else(|| "-".to_string()),
        };
        shape.nodes.insert(path.clone(), kind);
        let b = &node.bind;
        let present: Vec<&str> = [
            ("relevant", b.relevant.is_some()),
            ("required", b.required.is_some()),
            ("constraint", b.constraint.is_some()),
            // A triggered calculation is a `setvalue` action in XForms, not a bind.
            (
                "calculate",
                b.calculation.is_some() && node.trigger.is_empty(),
            ),
            ("readonly", b.readonly.is_some()),
        ]
        .into_iter()
        .filter(|(_, present)| *present)
        .map(|(b, _)| b)
        .collect();
        if !present.is_empty() {
            shape.binds.insert(path.clone(), present.join(" "));
        }
        if let Some(select) = &node.select
            && select.from_file.is_none()
            && select.from_repeat.is_none()
            && node.type_name != "select_one_external"
        {
            let names = form
                .choice_list(&select.list_name)
                .map(|l| l.choices.iter().map(|c| c.name.clone()).collect())
                .unwrap_or_default();
            shape.choices.insert(path, names);
        }
    }
    shape.languages = form.languages.iter().cloned().collect();
    shape
}

/// The differences between two readings, one line each.
fn differences(expected: &Shape, got: &Shape) -> Vec<String> {
    let mut out = Vec::new();
    fn compare<V: PartialEq + std::fmt::Debug>(
        what: &str,
        expected: &BTreeMap<String, V>,
        got: &BTreeMap<String, V>,
        out: &mut Vec<String>,
    ) {
        let keys: BTreeSet<&String> = expected.keys().chain(got.keys()).collect();
        for key in keys {
            let (e, g) = (expected.get(key), got.get(key));
            if e != g {
                out.push(format!("{what} {key}: pyxform {e:?}, lantern {g:?}"));
            }
        }
    }
    compare("node", &expected.nodes, &got.nodes, &mut out);
    compare("binds", &expected.binds, &got.binds, &mut out);
    compare("choices", &expected.choices, &got.choices, &mut out);
    if expected.languages != got.languages {
        out.push(format!(
            "languages: pyxform {:?}, lantern {:?}",
            expected.languages, got.languages
        ));
    }
    out
}

/// How the reference tools read a form.
struct Expected {
    pyxform_ok: bool,
    odk_validate_ok: bool,
}

/// Imports one form and compares it with the reference; returns the table row and
/// the problems found (none when Lantern agrees).
fn check_form(path: &Path, expected: &Expected, xform: Option<&str>) -> (String, Vec<String>) {
    let file = path.file_name().unwrap().to_string_lossy().to_string();
    let stem = file
        .rsplit_once('.')
        .map(|(s, _)| s)
        .unwrap_or(&file)
        .to_string();
    let format = WorkbookFormat::from_form_file_name(&file).unwrap();
    let bytes = std::fs::read(path).unwrap();
    let import = import_bytes(&bytes, format, &stem);
    let errors: Vec<String> = import
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.to_string())
        .collect();
    let verdict = match (expected.pyxform_ok, expected.odk_validate_ok) {
        (true, true) => "accept",
        (true, false) => "reject (ODK Validate)",
        (false, _) => "reject",
    };
    let mut problems = Vec::new();
    if let Some(xml) = xform {
        match (xform_shape(xml), &import.form) {
            (Ok(reference), Some(form)) => {
                problems.extend(differences(&reference, &model_shape(form)))
            }
            (Err(e), _) => problems.push(format!("unreadable XForm: {e}")),
            (_, None) => problems.push("no model".to_string()),
        }
    }
    if expected.pyxform_ok && expected.odk_validate_ok {
        problems.extend(errors.iter().map(|e| format!("unexpected {e}")));
    } else if errors.is_empty() {
        problems.push("accepted, but pyxform or ODK Validate rejects it".to_string());
    }
    let result = if problems.is_empty() {
        "agree"
    } else {
        "DIFFER"
    };
    let note = if verdict.starts_with("reject") && problems.is_empty() {
        errors.first().cloned().unwrap_or_default()
    } else {
        String::new()
    };
    (
        format!("{file:<52} {verdict:<22} {result:<7} {note}"),
        problems,
    )
}

/// Runs a set of forms, prints the per-form table and fails on any disagreement.
fn run_set(title: &str, forms: Vec<(PathBuf, Expected, Option<String>)>) {
    assert!(!forms.is_empty(), "{title}: no forms found");
    let mut failures = Vec::new();
    println!("\n{title}");
    println!(
        "{:<52} {:<22} {:<7} first error",
        "form", "expected", "result"
    );
    for (path, expected, xform) in &forms {
        let (row, problems) = check_form(path, expected, xform.as_deref());
        println!("{row}");
        if !problems.is_empty() {
            failures.push(format!("{}:\n  {}", path.display(), problems.join("\n  ")));
        }
    }
    println!(
        "{} of {} forms agree with pyxform / ODK Validate",
        forms.len() - failures.len(),
        forms.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The 30 real forms of the shared conformance material (see its MANIFEST.tsv).
#[test]
fn lantern_import_agrees_with_pyxform_on_real_forms() {
    let Some(dir) = conformance_dir() else {
        println!(
            "conformance material not found beside the repository nor in /work/shared; skipped"
        );
        return;
    };
    let base = dir.join("dev/xlsform");
    let manifest = std::fs::read_to_string(base.join("MANIFEST.tsv")).unwrap();
    let mut lines = manifest.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (file_col, pyxform_col, odk_col) =
        (col("filename"), col("pyxform_4.5.0"), col("odk_validate"));
    let mut forms = Vec::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let cells: Vec<&str> = line.split('\t').collect();
        let file = cells[file_col];
        let expected = Expected {
            pyxform_ok: cells[pyxform_col].starts_with("ok"),
            odk_validate_ok: cells[odk_col].starts_with("ok"),
        };
        let stem = file.rsplit_once('.').map(|(s, _)| s).unwrap_or(file);
        let xform = expected.pyxform_ok.then(|| {
            std::fs::read_to_string(base.join("xforms").join(format!("{stem}.xml"))).unwrap()
        });
        forms.push((base.join("forms").join(file), expected, xform));
    }
    run_set("shared conformance forms (pyxform 4.5.0)", forms);
}

/// The project's own markdown fixtures (`tests/test_data/pyxform/`), each with
/// pyxform 4.5.0's XForm (`NAME.xml`) or, under `rejected/`, its error
/// (`NAME.error`); `regenerate.sh` there rebuilds both.
#[test]
fn lantern_import_agrees_with_pyxform_on_fixtures() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/test_data/pyxform");
    let mut forms = Vec::new();
    for (dir, accepted) in [(base.clone(), true), (base.join("rejected"), false)] {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "md"))
            .collect();
        paths.sort();
        for path in paths {
            let reference = if accepted { "xml" } else { "error" };
            let reference = std::fs::read_to_string(path.with_extension(reference))
                .unwrap_or_else(|e| panic!("{}: run regenerate.sh ({e})", path.display()));
            let expected = Expected {
                pyxform_ok: accepted,
                odk_validate_ok: accepted,
            };
            forms.push((path, expected, accepted.then_some(reference)));
        }
    }
    run_set("project fixtures (pyxform 4.5.0)", forms);
}

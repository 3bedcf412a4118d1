//! Form media: the CSV files a form reads (`select_one_from_file`, `pulldata()`,
//! `instance('…')`), found where ODK tools keep them, next to the workbook or in a
//! `<form>-media/` folder beside it, and handed to the core as bytes.

use std::path::Path;

use anyhow::Context;
use lantern_core::form::FormDef;
use lantern_core::xlsform::{AttachmentError, attach_csv, check_media_name};

/// Attaches every CSV file `form` declares that can be found for `workbook`. A file
/// that is missing is a warning (its list stays empty and answers to it are taken as
/// given); a file that is present but unreadable is an error.
pub fn attach(form: &mut FormDef, workbook: &Path) -> anyhow::Result<()> {
    let dir = workbook.parent().unwrap_or(Path::new("."));
    let stem = workbook
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("form");
    let media_dir = dir.join(format!("{stem}-media"));
    for declared in form.secondary_instances.clone() {
        let file = declared.file.as_str();
        match check_media_name(file) {
            Ok(()) => {}
            Err(AttachmentError::NotCsv(_)) => {
                eprintln!(
                    "{}: warning: {file} is not read (Lantern reads CSV, XML and GeoJSON form media)",
                    workbook.display()
                );
                continue;
            }
            Err(refused) => anyhow::bail!("{}: {refused}", workbook.display()),
        }
        let Some(path) = [dir.join(file), media_dir.join(file)]
            .into_iter()
            .find(|p| p.is_file())
        else {
            eprintln!(
                "{}: warning: {file} not found next to the form or in {stem}-media/; \
                 its list is empty and answers to it are not checked",
                workbook.display()
            );
            continue;
        };
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        attach_csv(form, file, &bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    }
    Ok(())
}

//! The form library: the workbooks in a forms folder, imported with their CSV media and
//! compiled once per form id and version. The only place that decides where form media
//! live (next to the workbook, or in `<form>-media/` beside it, as ODK tools keep them).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::catalog::{self, CatalogEntry, EntryStatus};
use crate::engine::CompiledForm;
use crate::form::{FormDef, NodeId};
use crate::vault::FormMedia;
use crate::xlsform::{AttachmentError, WorkbookFormat, attach_csv, check_media_name, import_bytes};

use super::CaptureError;

/// A form ready to fill: its workbook bytes (stored in the vault with each response) and
/// its compiled definition.
#[derive(Debug)]
pub struct LoadedForm {
    /// The workbook's file name.
    pub file: String,
    /// Where the workbook was read from (`None`: from the vault's copy).
    pub source: Option<PathBuf>,
    pub definition: Vec<u8>,
    /// The data files attached to it (CSV, XML, GeoJSON), stored with the workbook in
    /// the vault.
    pub media: Vec<FormMedia>,
    pub compiled: Arc<CompiledForm>,
    /// Definition node by its path without repeat indices (`/form/group/name`).
    by_path: HashMap<String, NodeId>,
    /// Import diagnostics and media warnings, for an edge that prints them.
    pub warnings: Vec<String>,
    /// The fields `${last-saved#…}` reads (`FormDef::last_saved_names`), found once.
    pub last_saved_names: Vec<String>,
}

impl LoadedForm {
    pub fn form(&self) -> &FormDef {
        &self.compiled.form
    }

    /// The definition node of an instance path (`/form/members[2]/age`).
    pub fn def_at(&self, instance_path: &str) -> Option<NodeId> {
        self.by_path.get(&strip_indices(instance_path)).copied()
    }

    /// Imports workbook `bytes` named `file`, attaches the CSV media found in `media_dirs`
    /// and compiles it.
    pub fn from_bytes(
        file: &str,
        bytes: Vec<u8>,
        media_dirs: &[PathBuf],
        source: Option<PathBuf>,
    ) -> Result<LoadedForm, CaptureError> {
        LoadedForm::build(file, bytes, source, |form, warnings| {
            attach_media(form, file, media_dirs, warnings)
        })
    }

    /// Imports workbook `bytes` named `file` with the data files kept beside it in the
    /// vault (the forms folder is not read).
    pub fn from_stored(
        file: &str,
        bytes: Vec<u8>,
        media: Vec<FormMedia>,
    ) -> Result<LoadedForm, CaptureError> {
        LoadedForm::build(file, bytes, None, |form, _| {
            for m in &media {
                attach_csv(form, &m.name, &m.bytes)
                    .map_err(|e| CaptureError::Media(format!("{file}: {e}")))?;
            }
            Ok(media)
        })
    }

    fn build(
        file: &str,
        bytes: Vec<u8>,
        source: Option<PathBuf>,
        attach: impl FnOnce(&mut FormDef, &mut Vec<String>) -> Result<Vec<FormMedia>, CaptureError>,
    ) -> Result<LoadedForm, CaptureError> {
        let format = WorkbookFormat::from_form_file_name(file).ok_or_else(|| {
            CaptureError::FormUnusable(format!(
                "{file} is not an XLSForm file; use .xlsx, .xls, .md or .csv"
            ))
        })?;
        let stem = Path::new(file)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("form");
        let import = import_bytes(&bytes, format, stem);
        let mut warnings: Vec<String> = import
            .diagnostics
            .iter()
            .map(|d| format!("{file}:{d}"))
            .collect();
        let Some(form) = import.usable_form() else {
            return Err(CaptureError::FormUnusable(format!(
                "{file}: the form has errors; fix them to fill it\n{}",
                warnings.join("\n")
            )));
        };
        let mut form = form.clone();
        let media = attach(&mut form, &mut warnings)?;
        let compiled = CompiledForm::new(form)
            .map_err(|e| CaptureError::FormUnusable(format!("{file}: error[{}]: {e}", e.code())))?;
        let by_path = compiled
            .form
            .nodes
            .iter()
            .map(|n| (n.path.clone(), n.id))
            .collect();
        let last_saved_names = compiled.form.last_saved_names();
        Ok(LoadedForm {
            file: file.to_string(),
            source,
            definition: bytes,
            media,
            compiled,
            by_path,
            warnings,
            last_saved_names,
        })
    }

    /// Reads, imports and compiles the workbook at `path` with its media.
    pub fn from_file(path: &Path) -> Result<LoadedForm, CaptureError> {
        let file = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        let bytes = std::fs::read(path)
            .map_err(|e| CaptureError::Io(format!("cannot read {}: {e}", path.display())))?;
        LoadedForm::from_bytes(&file, bytes, &media_dirs(path), Some(path.to_path_buf()))
    }
}

/// Where a workbook's media are looked for, first match wins.
pub fn media_dirs(workbook: &Path) -> Vec<PathBuf> {
    let dir = workbook.parent().unwrap_or(Path::new(".")).to_path_buf();
    let stem = workbook
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("form");
    let media = dir.join(format!("{stem}-media"));
    vec![dir, media]
}

/// Attaches every data file (CSV, XML, GeoJSON) `form` declares that can be found in
/// `dirs`, and returns them for the vault. A missing file is a warning (its list stays
/// empty and answers to it are taken as given); a file that is present but unreadable, or
/// a declared name that is a path, is an error.
fn attach_media(
    form: &mut FormDef,
    workbook: &str,
    dirs: &[PathBuf],
    warnings: &mut Vec<String>,
) -> Result<Vec<FormMedia>, CaptureError> {
    let mut attached = Vec::new();
    for declared in form.secondary_instances.clone() {
        let file = declared.file.as_str();
        match check_media_name(file) {
            Ok(()) => {}
            Err(AttachmentError::NotCsv(_)) => {
                warnings.push(format!(
                    "{workbook}: warning: {file} is not read (Lantern reads CSV, XML and GeoJSON form media)"
                ));
                continue;
            }
            Err(refused) => return Err(CaptureError::Media(format!("{workbook}: {refused}"))),
        }
        let Some(path) = dirs.iter().map(|d| d.join(file)).find(|p| p.is_file()) else {
            warnings.push(format!(
                "{workbook}: warning: {file} not found next to the form or in its -media/ folder; \
                 its list is empty and answers to it are not checked"
            ));
            continue;
        };
        let bytes = std::fs::read(&path)
            .map_err(|e| CaptureError::Media(format!("cannot read {}: {e}", path.display())))?;
        attach_csv(form, file, &bytes)
            .map_err(|e| CaptureError::Media(format!("{}: {e}", path.display())))?;
        attached.push(FormMedia {
            name: file.to_string(),
            bytes,
        });
    }
    Ok(attached)
}

/// `/form/members[2]/age` → `/form/members/age`.
pub fn strip_indices(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The forms of one folder, compiled on first use and kept per form id and version.
#[derive(Debug)]
pub struct Library {
    dir: PathBuf,
    cache: Mutex<HashMap<(String, String), Arc<LoadedForm>>>,
}

impl Library {
    pub fn new(dir: impl Into<PathBuf>) -> Library {
        Library {
            dir: dir.into(),
            cache: Mutex::new(HashMap::new()),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The workbooks in the folder, broken ones with their error.
    pub fn catalog(&self) -> Result<Vec<CatalogEntry>, CaptureError> {
        catalog::scan(&self.dir).map_err(|e| {
            CaptureError::Io(format!(
                "the forms folder {} could not be read: {e}",
                self.dir.display()
            ))
        })
    }

    /// The form with this id (and version, else the folder's current one), compiled.
    pub fn get(
        &self,
        form_id: &str,
        version: Option<&str>,
    ) -> Result<Arc<LoadedForm>, CaptureError> {
        if let Some(version) = version
            && let Some(hit) = self.cached(form_id, version)
        {
            return Ok(hit);
        }
        let entry = self
            .catalog()?
            .into_iter()
            .find_map(|e| match e.status {
                EntryStatus::Ok { summary, .. }
                    if summary.form_id == form_id
                        && version.is_none_or(|v| v == summary.version) =>
                {
                    Some((e.file, summary.version))
                }
                _ => None,
            })
            .ok_or_else(|| CaptureError::UnknownForm(format_form(form_id, version)))?;
        if let Some(hit) = self.cached(form_id, &entry.1) {
            return Ok(hit);
        }
        self.load(&self.dir.join(&entry.0))
    }

    /// Loads (or finds in the cache) the workbook at `path`.
    pub fn load(&self, path: &Path) -> Result<Arc<LoadedForm>, CaptureError> {
        let loaded = Arc::new(LoadedForm::from_file(path)?);
        let key = (loaded.form().form_id.clone(), loaded.form().version.clone());
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        Ok(Arc::clone(cache.entry(key).or_insert(loaded)))
    }

    /// A form from the definition stored in the vault (the folder no longer has this
    /// version), with the data files stored beside it; a form stored before the vault
    /// kept media (none stored) still looks for them in the forms folder.
    pub fn from_definition(
        &self,
        form_id: &str,
        version: &str,
        definition: Vec<u8>,
        media: Vec<FormMedia>,
    ) -> Result<Arc<LoadedForm>, CaptureError> {
        if let Some(hit) = self.cached(form_id, version) {
            return Ok(hit);
        }
        // The vault stores the workbook's bytes; its format shows in them.
        let file = if definition.starts_with(b"PK") {
            format!("{form_id}.xlsx")
        } else if definition.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            format!("{form_id}.xls")
        } else {
            format!("{form_id}.md")
        };
        let workbook = self.dir.join(&file);
        let loaded = Arc::new(if media.is_empty() {
            LoadedForm::from_bytes(&file, definition, &media_dirs(&workbook), None)?
        } else {
            LoadedForm::from_stored(&file, definition, media)?
        });
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        Ok(Arc::clone(
            cache
                .entry((form_id.to_string(), version.to_string()))
                .or_insert(loaded),
        ))
    }

    fn cached(&self, form_id: &str, version: &str) -> Option<Arc<LoadedForm>> {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .get(&(form_id.to_string(), version.to_string()))
            .cloned()
    }

    /// A label's media file of a form in this folder, as a data URL. Only plain names
    /// the form itself declares in a `media::` column are served.
    pub fn media(
        &self,
        form: &LoadedForm,
        file: &str,
    ) -> Result<super::dto::MediaData, CaptureError> {
        let declared = form
            .form()
            .nodes
            .iter()
            .flat_map(|n| n.media.iter())
            .any(|(_, text)| text.0.iter().any(|(_, v)| v == file));
        let plain = !file.is_empty()
            && !file.contains(['/', '\\'])
            && file != "."
            && file != ".."
            && !file.starts_with('.');
        if !declared || !plain {
            return Err(CaptureError::Media(format!(
                "{file} is not a media file of {}",
                form.form().form_id
            )));
        }
        let workbook = form
            .source
            .clone()
            .unwrap_or_else(|| self.dir.join(&form.file));
        let path = media_dirs(&workbook)
            .into_iter()
            .map(|d| d.join(file))
            .find(|p| p.is_file())
            .ok_or_else(|| CaptureError::Media(format!("{file} was not found")))?;
        let bytes = std::fs::read(&path)
            .map_err(|e| CaptureError::Media(format!("cannot read {file}: {e}")))?;
        let mime = match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("png") => "image/png",
            Some("jpg" | "jpeg") => "image/jpeg",
            Some("gif") => "image/gif",
            Some("webp") => "image/webp",
            Some("svg") => "image/svg+xml",
            Some("mp3") => "audio/mpeg",
            Some("ogg" | "oga") => "audio/ogg",
            Some("wav") => "audio/wav",
            Some("m4a") => "audio/mp4",
            Some("mp4") => "video/mp4",
            _ => "application/octet-stream",
        };
        Ok(super::dto::MediaData {
            mime: mime.to_string(),
            data_url: format!("data:{mime};base64,{}", base64(&bytes)),
        })
    }
}

fn format_form(form_id: &str, version: Option<&str>) -> String {
    match version {
        Some(v) => format!("{form_id} version {v}"),
        None => form_id.to_string(),
    }
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_repeat_indices() {
        assert_eq!(strip_indices("/f/a[2]/b[10]/c"), "/f/a/b/c");
        assert_eq!(strip_indices("/f/c"), "/f/c");
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }
}

//! The site list, one CSV for the device and the server alike: one row per site with its
//! P-code, its name and its admin area codes, largest first. Every bad row is reported
//! with its line; a file with any bad row imports nothing (the caller keeps its old list).
//! Also the bounds on names and free text both sides apply.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// Longest identifier (form id, version, site, round, indicator, dimension, choice).
pub const MAX_NAME: usize = 128;
/// Longest label, action or other free text.
pub const MAX_TEXT: usize = 2_000;
/// The most sites one file may hold.
pub const MAX_SITES: usize = 100_000;

/// One site of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteEntry {
    /// The site's P-code, as devices report it.
    pub code: String,
    pub name: String,
    /// Admin area codes, largest first (admin1, admin2, …).
    pub admin: Vec<String>,
}

/// A bad line of the file (1-based; the header is line 1). The file as a whole (no
/// site, too many) is reported as line 0. `message` is English, for logs and the
/// server's command line; `kind` lets a window word it in its own language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProblem {
    pub line: usize,
    pub kind: Problem,
    pub message: String,
}

/// What is wrong with a line, without the English words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The header cannot be read, or lacks `site_code` or `site_name`.
    Header,
    /// The header has no admin area column.
    NoAdminColumn,
    /// The row cannot be read as CSV.
    Unreadable,
    /// The site code is empty, too long or has characters a P-code cannot hold.
    BadCode,
    NoName {
        site: String,
    },
    /// The name is too long or holds a control character.
    BadName {
        site: String,
    },
    /// An admin area code of the site is not a valid code.
    BadAdmin {
        site: String,
        column: String,
    },
    NoAdmin {
        site: String,
    },
    Duplicate {
        site: String,
    },
    TooMany,
    NoSite,
}

impl Problem {
    /// A stable code (`sites.no_name`, …).
    pub fn code(&self) -> &'static str {
        match self {
            Problem::Header => "sites.header",
            Problem::NoAdminColumn => "sites.no_admin_column",
            Problem::Unreadable => "sites.unreadable",
            Problem::BadCode => "sites.bad_code",
            Problem::NoName { .. } => "sites.no_name",
            Problem::BadName { .. } => "sites.bad_name",
            Problem::BadAdmin { .. } => "sites.bad_admin",
            Problem::NoAdmin { .. } => "sites.no_admin",
            Problem::Duplicate { .. } => "sites.duplicate",
            Problem::TooMany => "sites.too_many",
            Problem::NoSite => "sites.no_site",
        }
    }

    /// The site the problem is about, when the row names one.
    pub fn site(&self) -> Option<&str> {
        match self {
            Problem::NoName { site }
            | Problem::BadName { site }
            | Problem::BadAdmin { site, .. }
            | Problem::NoAdmin { site }
            | Problem::Duplicate { site } => Some(site),
            _ => None,
        }
    }

    /// The column at fault, when it is an admin area code's.
    pub fn column(&self) -> Option<&str> {
        match self {
            Problem::BadAdmin { column, .. } => Some(column),
            _ => None,
        }
    }
}

impl std::fmt::Display for LineProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

/// Identifiers are XLSForm names and P-codes: letters, digits, `_`, `.`, `-`, `:`.
/// Anything else (spaces, quotes, semicolons, control characters) is refused.
pub fn check_name(what: &str, value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err(format!("{what} is empty"));
    }
    if value.chars().count() > MAX_NAME {
        return Err(format!("{what} is longer than {MAX_NAME} characters"));
    }
    if let Some(c) = value
        .chars()
        .find(|c| !(c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | ':')))
    {
        return Err(format!(
            "{what} {:?} contains {c:?}; names may hold letters, digits, '_', '.', '-' and ':' only",
            shorten(value)
        ));
    }
    Ok(())
}

/// Free text (labels, actions, sector, HXL): bounded and without control characters.
pub fn check_text(what: &str, value: &str) -> Result<(), String> {
    if value.chars().count() > MAX_TEXT {
        return Err(format!("{what} is longer than {MAX_TEXT} characters"));
    }
    if value.chars().any(|c| c.is_control() && c != '\n') {
        return Err(format!("{what} contains a control character"));
    }
    Ok(())
}

/// The first 40 characters of a value quoted in an error message.
pub fn shorten(value: &str) -> String {
    let mut s: String = value.chars().take(40).collect();
    if value.chars().count() > 40 {
        s.push('…');
    }
    s
}

/// Parses the CSV. Header (case-insensitive): `site_code`, `site_name`, then one or
/// more `admin1`, `admin2`, … columns (`admin1_code` etc. also accepted). A byte-order
/// mark, quoted names with commas, surrounding spaces and blank lines are fine.
pub fn parse(text: &str) -> Result<Vec<SiteEntry>, Vec<LineProblem>> {
    let at = |line: usize, kind: Problem, message: String| LineProblem {
        line,
        kind,
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.to_ascii_lowercase()).collect(),
        Err(e) => {
            return Err(vec![at(
                1,
                Problem::Header,
                format!("the header cannot be read: {e}"),
            )]);
        }
    };
    let find = |names: &[&str]| header.iter().position(|h| names.contains(&h.as_str()));
    let code_col = find(&["site_code", "code", "pcode", "site_pcode"]);
    let name_col = find(&["site_name", "name"]);
    let mut admin_cols: Vec<(u32, usize)> = header
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let n = h
                .strip_prefix("admin")?
                .trim_end_matches("_code")
                .trim_end_matches("_pcode");
            if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some((n.parse().ok()?, i))
        })
        .collect();
    admin_cols.sort();
    let (Some(code_col), Some(name_col)) = (code_col, name_col) else {
        return Err(vec![at(
            1,
            Problem::Header,
            "the header needs site_code, site_name and admin1 (admin2, … optional) columns".into(),
        )]);
    };
    if admin_cols.is_empty() {
        return Err(vec![at(
            1,
            Problem::NoAdminColumn,
            "the header needs at least one admin area column (admin1, admin2, …)".into(),
        )]);
    }
    let mut errors = Vec::new();
    let mut sites = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(at(
                    line,
                    Problem::Unreadable,
                    format!("cannot be read: {e}"),
                ));
                continue;
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let get = |c: usize| record.get(c).unwrap_or("").to_owned();
        let code = get(code_col);
        let name = get(name_col);
        if let Err(e) = check_name("site_code", &code) {
            errors.push(at(line, Problem::BadCode, e));
            continue;
        }
        if name.is_empty() {
            errors.push(at(
                line,
                Problem::NoName { site: code.clone() },
                format!("site {code} has no name"),
            ));
            continue;
        }
        if let Err(e) = check_text("site_name", &name) {
            errors.push(at(line, Problem::BadName { site: code.clone() }, e));
            continue;
        }
        if name.chars().count() > 200 {
            errors.push(at(
                line,
                Problem::BadName { site: code.clone() },
                format!("the name of {code} is longer than 200 characters"),
            ));
            continue;
        }
        let mut admin = Vec::new();
        let mut bad = false;
        for &(_, c) in &admin_cols {
            let a = get(c);
            if a.is_empty() {
                continue;
            }
            if let Err(e) = check_name(&header[c], &a) {
                let kind = Problem::BadAdmin {
                    site: code.clone(),
                    column: header[c].clone(),
                };
                errors.push(at(line, kind, e));
                bad = true;
            }
            admin.push(a);
        }
        if bad {
            continue;
        }
        if admin.is_empty() {
            errors.push(at(
                line,
                Problem::NoAdmin { site: code.clone() },
                format!("site {code} has no admin area code"),
            ));
            continue;
        }
        if !seen.insert(code.clone()) {
            errors.push(at(
                line,
                Problem::Duplicate { site: code.clone() },
                format!("site {code} appears twice"),
            ));
            continue;
        }
        sites.push(SiteEntry { code, name, admin });
    }
    if sites.len() > MAX_SITES {
        errors.push(at(
            0,
            Problem::TooMany,
            format!("more than {MAX_SITES} sites"),
        ));
    }
    if sites.is_empty() && errors.is_empty() {
        errors.push(at(0, Problem::NoSite, "the file lists no site".into()));
    }
    if errors.is_empty() {
        Ok(sites)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_file_imports() {
        let sites = parse(
            "\u{feff}Site_Code, Site_Name ,admin2,admin1\r\nSO2401-0001,Camp Hodan,SO2401,SO24\r\n\r\nSO2401-0002,\"Camp, East\",SO2401,SO24\r\n",
        )
        .unwrap();
        assert_eq!(sites.len(), 2);
        assert_eq!(sites[1].name, "Camp, East");
        assert_eq!(sites[1].admin, vec!["SO24", "SO2401"], "admin1 first");
    }

    #[test]
    fn bad_rows_are_listed_by_line() {
        let errs = parse(
            "site_code,site_name,admin1\nSO1,ok,SO\nbad code,x,SO\nSO2,,SO\nSO1,again,SO\nSO3,y,\n,z,SO\n",
        )
        .unwrap_err();
        let lines: Vec<usize> = errs.iter().map(|e| e.line).collect();
        assert_eq!(lines, [3, 4, 5, 6, 7], "{errs:?}");
        assert!(errs[2].message.contains("twice"), "{errs:?}");
        let codes: Vec<&str> = errs.iter().map(|e| e.kind.code()).collect();
        assert_eq!(
            codes,
            [
                "sites.bad_code",
                "sites.no_name",
                "sites.duplicate",
                "sites.no_admin",
                "sites.bad_code"
            ]
        );
        assert_eq!(errs[2].kind.site(), Some("SO1"));
        assert_eq!(errs[0].to_string().split(':').next(), Some("line 3"));
        assert_eq!(parse("code,label\nA,b\n").unwrap_err()[0].line, 1);
        assert_eq!(parse("site_code,site_name\nA,b\n").unwrap_err()[0].line, 1);
        assert_eq!(
            parse("site_code,site_name,admin1\n").unwrap_err()[0].to_string(),
            "the file lists no site"
        );
    }
}

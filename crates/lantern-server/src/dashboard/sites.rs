//! The site list an admin imports (`lantern-server admin import-sites FILE.csv`): one
//! row per site with its P-code, its name and its admin area codes, largest first.
//! Every bad row is reported with its line; a file with any bad row imports nothing.

use std::collections::BTreeSet;

use crate::check;
use crate::store::Site;

/// The most sites one file may hold.
pub const MAX_SITES: usize = 100_000;

/// Parses the CSV. Header (case-insensitive): `site_code`, `site_name`, then one or
/// more `admin1`, `admin2`, … columns (`admin1_code` etc. also accepted).
pub fn parse(text: &str) -> Result<Vec<Site>, Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.to_ascii_lowercase()).collect(),
        Err(e) => return Err(vec![format!("line 1: the header cannot be read: {e}")]),
    };
    let find = |names: &[&str]| header.iter().position(|h| names.contains(&h.as_str()));
    let code_col = find(&["site_code", "code", "pcode", "site_pcode"]);
    let name_col = find(&["site_name", "name"]);
    let admin_cols: Vec<usize> = header
        .iter()
        .enumerate()
        .filter(|(_, h)| {
            h.strip_prefix("admin")
                .map(|rest| rest.trim_end_matches("_code").trim_end_matches("_pcode"))
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
        .map(|(i, _)| i)
        .collect();
    let (Some(code_col), Some(name_col)) = (code_col, name_col) else {
        return Err(vec![
            "line 1: the header needs site_code, site_name and admin1 (admin2, … optional) columns"
                .into(),
        ]);
    };
    if admin_cols.is_empty() {
        return Err(vec![
            "line 1: the header needs at least one admin area column (admin1, admin2, …)".into(),
        ]);
    }
    let mut errors = Vec::new();
    let mut sites = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(format!("line {line}: cannot be read: {e}"));
                continue;
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let get = |c: usize| record.get(c).unwrap_or("").to_owned();
        let code = get(code_col);
        let name = get(name_col);
        if let Err(e) = check::check_name("site_code", &code) {
            errors.push(format!("line {line}: {e}"));
            continue;
        }
        if name.is_empty() {
            errors.push(format!("line {line}: site {code} has no name"));
            continue;
        }
        if let Err(e) = check::check_text("site_name", &name) {
            errors.push(format!("line {line}: {e}"));
            continue;
        }
        if name.chars().count() > 200 {
            errors.push(format!(
                "line {line}: the name of {code} is longer than 200 characters"
            ));
            continue;
        }
        let mut admin = Vec::new();
        let mut bad = false;
        for &c in &admin_cols {
            let a = get(c);
            if a.is_empty() {
                continue;
            }
            if let Err(e) = check::check_name(&header[c], &a) {
                errors.push(format!("line {line}: {e}"));
                bad = true;
            }
            admin.push(a);
        }
        if bad {
            continue;
        }
        if admin.is_empty() {
            errors.push(format!("line {line}: site {code} has no admin area code"));
            continue;
        }
        if !seen.insert(code.clone()) {
            errors.push(format!("line {line}: site {code} appears twice"));
            continue;
        }
        sites.push(Site { code, name, admin });
    }
    if sites.len() > MAX_SITES {
        errors.push(format!("more than {MAX_SITES} sites"));
    }
    if sites.is_empty() && errors.is_empty() {
        errors.push("the file lists no site".into());
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
            "\u{feff}site_code,site_name,admin1,admin2\nSO2401-0001,Camp Hodan,SO24,SO2401\nSO2401-0002,\"Camp, East\",SO24,SO2401\n\n",
        )
        .unwrap();
        assert_eq!(sites.len(), 2);
        assert_eq!(sites[1].name, "Camp, East");
        assert_eq!(sites[1].admin, vec!["SO24", "SO2401"]);
    }

    #[test]
    fn bad_rows_are_listed_by_line() {
        let errs = parse(
            "site_code,site_name,admin1\nSO1,ok,SO\nbad code,x,SO\nSO2,,SO\nSO1,again,SO\nSO3,y,\n",
        )
        .unwrap_err();
        assert_eq!(errs.len(), 4, "{errs:?}");
        assert!(errs[0].starts_with("line 3:"), "{errs:?}");
        assert!(errs[1].starts_with("line 4:"), "{errs:?}");
        assert!(
            errs[2].starts_with("line 5:") && errs[2].contains("twice"),
            "{errs:?}"
        );
        assert!(errs[3].starts_with("line 6:"), "{errs:?}");
        assert!(parse("code,label\nA,b\n").is_err());
    }
}

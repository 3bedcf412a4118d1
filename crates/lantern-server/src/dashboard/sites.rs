//! The site list an admin imports (`lantern-server admin import-sites FILE.csv`): one
//! row per site with its P-code, its name and its admin area codes, largest first.
//! Every bad row is reported with its line; a file with any bad row imports nothing.

use crate::store::Site;

pub use lantern_protocol::sites::MAX_SITES;

/// Parses the CSV (`lantern_protocol::sites::parse`, the same rules as the device's
/// import): the sites, or every problem as `line N: …`.
pub fn parse(text: &str) -> Result<Vec<Site>, Vec<String>> {
    lantern_protocol::sites::parse(text)
        .map_err(|problems| problems.iter().map(ToString::to_string).collect())
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

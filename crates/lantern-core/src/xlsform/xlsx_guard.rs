//! A check of an `.xlsx` workbook before calamine opens it: how much it inflates to.
//!
//! An `.xlsx` is a zip archive, and deflate can expand about a thousand times, so a
//! workbook of a few megabytes can inflate to gigabytes of XML that calamine would hold
//! in memory (the shared strings) or parse for minutes: on a cheap phone, a form shared
//! around by messaging app could take the app down each time it is opened. The sizes an
//! archive declares can lie, so this inflates every entry once, keeping nothing, and
//! refuses the workbook when the total passes [`MAX_INFLATED_BYTES`].

use std::io::{Cursor, Read};

/// The most an `.xlsx` may inflate to: a 2,000-question form with four languages
/// inflates to a few megabytes, so this leaves a wide margin.
pub(crate) const MAX_INFLATED_BYTES: u64 = 256 * 1024 * 1024;

/// Checks `bytes` if they are a zip archive; anything else passes untouched (calamine
/// reports it). A damaged archive is left to calamine too, which says what is wrong.
pub(crate) fn check(bytes: &[u8]) -> Result<(), String> {
    check_with_limit(bytes, MAX_INFLATED_BYTES)
}

fn check_with_limit(bytes: &[u8], limit: u64) -> Result<(), String> {
    if !bytes.starts_with(b"PK") {
        return Ok(());
    }
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    let mut total = 0u64;
    let mut buffer = vec![0u8; 64 * 1024];
    for index in 0..archive.len() {
        let Ok(mut entry) = archive.by_index(index) else {
            return Ok(());
        };
        loop {
            match entry.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => total += n as u64,
                // A broken entry: calamine will say so if it needs the entry.
                Err(_) => break,
            }
            if total > limit {
                return Err(format!(
                    "the workbook inflates to more than {} MB; an XLSForm needs a few \
                     megabytes at most, so this file is damaged or not a form",
                    limit / (1024 * 1024)
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stray_cell_xlsx() -> Vec<u8> {
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/test_data/stray_cell.xlsx"
        ))
        .unwrap()
    }

    #[test]
    fn a_sound_workbook_passes() {
        assert_eq!(check(&stray_cell_xlsx()), Ok(()));
    }

    #[test]
    fn other_bytes_are_left_to_calamine() {
        assert_eq!(check(b"not a zip"), Ok(()));
        assert_eq!(check(b"PK\x03\x04 but cut short"), Ok(()));
    }

    /// The limit is counted on inflated bytes, not on what the archive declares: the
    /// same workbook passes under a limit above its inflated size and fails below it.
    #[test]
    fn inflated_size_is_what_counts() {
        let bytes = stray_cell_xlsx();
        let mut archive = zip::ZipArchive::new(Cursor::new(&bytes[..])).unwrap();
        let inflated: u64 = (0..archive.len())
            .map(|i| {
                std::io::copy(&mut archive.by_index(i).unwrap(), &mut std::io::sink()).unwrap()
            })
            .sum();
        assert!(inflated > bytes.len() as u64);
        assert_eq!(check_with_limit(&bytes, inflated), Ok(()));
        let refused = check_with_limit(&bytes, inflated - 1).unwrap_err();
        assert!(refused.contains("inflates to more than"), "{refused}");
    }
}

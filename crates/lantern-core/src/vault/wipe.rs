//! Overwrites and deletes a vault's files: the database, its `-wal`, `-shm` and
//! `-journal` companions, and anything else SQLite may have left beside them.
//!
//! Overwriting whole files covers SQLite's free pages and stale WAL frames, which
//! row-level deletes would leave behind. On flash storage the controller may keep old
//! copies of blocks that no overwrite reaches; that is why the wrapped data key is
//! destroyed first (crypto-erasure), and `docs/vault.md` says so plainly.

use std::fs::{self, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

use super::{DB_FILE, crypto};

/// Whether a file in the vault directory belongs to the vault.
fn is_vault_file(name: &str) -> bool {
    name.starts_with(DB_FILE)
}

/// Overwrites every vault file in `dir` with random bytes, syncs, truncates and deletes
/// it, then syncs the directory so the deletions are durable.
pub(super) fn overwrite_and_delete(dir: &Path) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !is_vault_file(name) || !entry.file_type()?.is_file() {
            continue;
        }
        overwrite_file(&entry.path())?;
        fs::remove_file(entry.path())?;
    }
    // Make the unlinks durable; some platforms cannot open a directory, which is fine.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn overwrite_file(path: &Path) -> std::io::Result<()> {
    let mut file = OpenOptions::new().write(true).open(path)?;
    let len = file.metadata()?.len();
    file.seek(SeekFrom::Start(0))?;
    let mut chunk = vec![0u8; 1 << 16];
    let mut left = len;
    while left > 0 {
        let n = usize::try_from(left.min(chunk.len() as u64)).unwrap_or(chunk.len());
        if crypto::fill_random(&mut chunk[..n]).is_err() {
            // Zeros still destroy the content; randomness only hides its former size.
            chunk[..n].fill(0);
        }
        file.write_all(&chunk[..n])?;
        left -= n as u64;
    }
    file.sync_all()?;
    file.set_len(0)?;
    file.sync_all()?;
    Ok(())
}

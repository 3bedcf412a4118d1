//! The key slots file, `vault.db-keys`: the only place the wrapped data key lives, so
//! that destroying it is a real crypto-erasure.
//!
//! SQLite copies every page it changes through the WAL, and a WAL that is truncated or
//! unlinked leaves its old frames in blocks the file system frees without erasing: a
//! wrapped key kept in the database would survive there and, with the passphrase, open
//! every ciphertext that ever was. This file is different: it has a fixed size (two
//! slots of [`SLOT_LEN`] bytes), is written in place with `pwrite` + `fsync`, and is
//! never truncated, renamed or unlinked while the vault lives, so on a file system that
//! overwrites in place (ext4, the default `data=ordered`) an overwritten slot is gone.
//! Flash translation layers may still keep old blocks; `docs/vault.md` says so.
//!
//! A slot is `key epoch (8 bytes, big-endian) ‖ wrapped data key ‖ random fill`. An
//! unused slot is random bytes. Two slots make a re-key kill-safe: the new key goes
//! into the spare slot before the database commits, the old slot is overwritten after.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::{DB_FILE, crypto};

/// Bytes per slot.
pub(super) const SLOT_LEN: usize = 128;
/// Slots in the file.
pub(super) const SLOTS: usize = 2;

/// The file's path in a vault directory.
pub(super) fn path(dir: &Path) -> PathBuf {
    dir.join(format!("{DB_FILE}-keys"))
}

/// The slots as stored: `None` if the file does not exist.
pub(super) fn read(dir: &Path) -> std::io::Result<Option<[[u8; SLOT_LEN]; SLOTS]>> {
    let mut file = match File::open(path(dir)) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut slots = [[0u8; SLOT_LEN]; SLOTS];
    for slot in &mut slots {
        file.read_exact(slot)?;
    }
    Ok(Some(slots))
}

/// A slot's content: epoch, wrapped key, random fill.
pub(super) fn slot(epoch: i64, wrapped: &[u8]) -> Result<[u8; SLOT_LEN], crypto::RandomError> {
    let mut out = [0u8; SLOT_LEN];
    crypto::fill_random(&mut out)?;
    out[..8].copy_from_slice(&epoch.to_be_bytes());
    let end = (8 + wrapped.len()).min(SLOT_LEN);
    out[8..end].copy_from_slice(&wrapped[..end - 8]);
    Ok(out)
}

/// A slot's epoch and wrapped key (the wrapped key's length is fixed).
pub(super) fn parse(slot: &[u8; SLOT_LEN], wrapped_len: usize) -> (i64, &[u8]) {
    let mut epoch = [0u8; 8];
    epoch.copy_from_slice(&slot[..8]);
    (i64::from_be_bytes(epoch), &slot[8..8 + wrapped_len])
}

/// Random bytes for a slot that must hold nothing.
pub(super) fn empty_slot() -> Result<[u8; SLOT_LEN], crypto::RandomError> {
    let mut out = [0u8; SLOT_LEN];
    crypto::fill_random(&mut out)?;
    Ok(out)
}

fn open_rw(dir: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path(dir))
}

/// Writes the given slots in place (others untouched) and syncs the file: this is the
/// moment a key is born or destroyed. A new file is made 0600 and its directory synced.
pub(super) fn write_slots(dir: &Path, slots: &[(usize, [u8; SLOT_LEN])]) -> std::io::Result<()> {
    let existed = path(dir).exists();
    let mut file = open_rw(dir)?;
    if !existed {
        // Both slots exist from the start, so later writes never extend the file.
        for _ in 0..SLOTS {
            let junk = empty_slot().map_err(|_| std::io::Error::other("random failed"))?;
            file.write_all(&junk)?;
        }
    }
    for (index, bytes) in slots {
        file.seek(SeekFrom::Start((index * SLOT_LEN) as u64))?;
        file.write_all(bytes)?;
    }
    file.sync_all()?;
    if !existed && let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

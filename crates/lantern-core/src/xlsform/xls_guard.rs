//! A check of a legacy `.xls` workbook before calamine opens it.
//!
//! calamine 0.38 trusts two things that a damaged or hostile `.xls` can lie about, and
//! both end in an allocation failure, which aborts the process (`catch_unwind` cannot
//! stop it):
//!
//! - **sector chains** of the compound file: a chain that loops back on itself makes
//!   calamine append the same sectors for ever (a 9.7 KB file found by fuzzing grew to
//!   24 GB before the kernel killed the process);
//! - **cell positions**: every sheet becomes a dense rows × columns grid when the file
//!   is opened, so one cell at row 65,536, column 65,536 asks for four billion cells,
//!   and a `DIMENSIONS` record can ask for more.
//!
//! This module walks the same structures the way calamine does, never holding more
//! than the file's own size, and refuses a file whose chains loop or point outside it,
//! or whose sheets would need more than [`MAX_GRID_CELLS`] cells. Anything calamine
//! rejects by itself (a bad signature, a missing `Workbook` stream) is left to
//! calamine, so its messages stay as they are.

const SIGNATURE: [u8; 8] = *b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
const FIRST_RESERVED: u32 = 0xFFFF_FFFA;
const DIFAT_SECTOR: u32 = 0xFFFF_FFFC;
const MINI_SECTOR_SIZE: usize = 64;
/// Streams shorter than this live in the mini stream.
const MINI_STREAM_CUTOFF: usize = 4096;
const DIRECTORY_ENTRY_SIZE: usize = 128;

/// The most grid cells (summed over all sheets, cells and formulas) an `.xls` may
/// make calamine allocate: 65,536 rows × 61 columns, about 150 MB at the most. An
/// XLSForm needs a small fraction of that; `.xlsx` files are read cell by cell and
/// have no such bound.
pub(crate) const MAX_GRID_CELLS: u64 = 4_000_000;

/// Why an `.xls` file is refused before calamine sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The compound file's structure is broken in a way calamine does not catch.
    Damaged(&'static str),
    /// The sheets' cells span more than [`MAX_GRID_CELLS`].
    TooLarge { cells: u64 },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Damaged(what) => write!(f, "the file is damaged: {what}"),
            Refusal::TooLarge { cells } => write!(
                f,
                "the sheets span {cells} cells from their first to their last used cell, \
                 more than the {MAX_GRID_CELLS} an .xls workbook may use; delete any stray \
                 values far below or to the right of the form"
            ),
        }
    }
}

/// Checks `bytes` if they are a compound file (`.xls`); other bytes pass untouched.
pub(crate) fn check(bytes: &[u8]) -> Result<(), Refusal> {
    let Some(file) = CompoundFile::parse(bytes)? else {
        return Ok(());
    };
    // BIFF8 names the stream `Workbook`, BIFF5 `Book`.
    let stream = match file.stream("Workbook")? {
        Some(stream) => Some(stream),
        None => file.stream("Book")?,
    };
    let Some(stream) = stream else {
        return Ok(());
    };
    let cells = grid_cells(&stream);
    if cells > MAX_GRID_CELLS {
        return Err(Refusal::TooLarge { cells });
    }
    Ok(())
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn u32s(bytes: &[u8]) -> impl Iterator<Item = u32> + '_ {
    bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
}

struct DirectoryEntry {
    name: String,
    start: u32,
    len: usize,
}

/// The parts of a compound file (MS-CFB) that calamine reads when it opens an `.xls`.
struct CompoundFile<'a> {
    bytes: &'a [u8],
    sector_size: usize,
    /// The highest sector id calamine accepts (`file length / sector size`).
    max_id: usize,
    fat: Vec<u32>,
    directories: Vec<DirectoryEntry>,
    mini_fat: Vec<u32>,
    mini_stream: Vec<u8>,
}

impl<'a> CompoundFile<'a> {
    /// `Ok(None)` when calamine will reject the file by itself.
    fn parse(bytes: &'a [u8]) -> Result<Option<Self>, Refusal> {
        if bytes.len() < 512 || bytes[..8] != SIGNATURE {
            return Ok(None);
        }
        let header = |at| u32_at(bytes, at).unwrap_or(0);
        let version = u16_at(bytes, 26).unwrap_or(0);
        let sector_size = match u16_at(bytes, 30) {
            Some(0x0009) => 512,
            Some(0x000C) if bytes.len() >= 4096 => 4096,
            _ => return Ok(None),
        };
        if u16_at(bytes, 32) != Some(0x0006) {
            return Ok(None);
        }
        let mut file = CompoundFile {
            bytes,
            sector_size,
            max_id: bytes.len() / sector_size,
            fat: Vec::new(),
            directories: Vec::new(),
            mini_fat: Vec::new(),
            mini_stream: Vec::new(),
        };

        // The allocation table's own sectors: 109 ids in the header, then a chain of
        // DIFAT sectors, each ending with the id of the next.
        let mut difat: Vec<u32> = u32s(&bytes[76..512]).collect();
        let mut id = header(68);
        let mut difat_sectors = 0usize;
        while id < FIRST_RESERVED {
            difat_sectors += 1;
            if difat_sectors > file.max_id + 1 {
                return Err(Refusal::Damaged("the allocation table's index loops"));
            }
            difat.extend(u32s(file.sector(id)?));
            id = difat.pop().unwrap_or(END_OF_CHAIN);
        }
        let fat_sectors: Vec<u32> = difat.into_iter().filter(|&id| id < DIFAT_SECTOR).collect();
        // Each listed sector adds a sector's worth of entries, and an id may be listed
        // again and again: more of them than the file has sectors is a lie that would
        // cost memory out of all proportion to the file.
        if fat_sectors.len() > file.max_id + 1 {
            return Err(Refusal::Damaged(
                "the allocation table claims more sectors than the file has",
            ));
        }
        let mut fat = Vec::with_capacity(fat_sectors.len() * sector_size / 4);
        for id in fat_sectors {
            fat.extend(u32s(file.sector(id)?));
        }
        file.fat = fat;

        let directory_bytes = file.chain(header(48), usize::MAX)?;
        file.directories = directory_bytes
            .chunks_exact(DIRECTORY_ENTRY_SIZE)
            .map(|entry| DirectoryEntry::parse(entry, sector_size))
            .collect();
        let Some(root) = file.directories.first() else {
            return Ok(None);
        };
        if version != 3 && root.start == END_OF_CHAIN {
            return Ok(None);
        }
        let mini_fat_sectors = header(64) as usize;
        if mini_fat_sectors > 0 {
            let (root_start, root_len) = (root.start, root.len);
            file.mini_stream = file.chain(root_start, root_len)?;
            let mini_fat = file.chain(header(60), mini_fat_sectors.saturating_mul(sector_size))?;
            file.mini_fat = u32s(&mini_fat).collect();
        }
        Ok(Some(file))
    }

    /// Sector `id`, which calamine finds one sector-size past the header's start.
    fn sector(&self, id: u32) -> Result<&'a [u8], Refusal> {
        let id = id as usize;
        let start = (id + 1) * self.sector_size;
        if id > self.max_id || start >= self.bytes.len() {
            return Err(Refusal::Damaged("a sector lies past the end of the file"));
        }
        let end = (start + self.sector_size).min(self.bytes.len());
        Ok(&self.bytes[start..end])
    }

    fn mini_sector(&self, id: u32) -> Result<&[u8], Refusal> {
        let start = id as usize * MINI_SECTOR_SIZE;
        if start >= self.mini_stream.len() {
            return Err(Refusal::Damaged("a mini sector lies past the mini stream"));
        }
        let end = (start + MINI_SECTOR_SIZE).min(self.mini_stream.len());
        Ok(&self.mini_stream[start..end])
    }

    /// Follows a chain through the allocation table, as calamine does, up to `len`
    /// bytes, refusing a chain that visits more sectors than the table has entries
    /// (it must loop) or that leaves the table.
    fn chain(&self, start: u32, len: usize) -> Result<Vec<u8>, Refusal> {
        follow(start, len, &self.fat, |id| self.sector(id))
    }

    fn mini_chain(&self, start: u32, len: usize) -> Result<Vec<u8>, Refusal> {
        follow(start, len, &self.mini_fat, |id| self.mini_sector(id))
    }

    /// A stream by name, as calamine's `get_stream` reads it.
    fn stream(&self, name: &str) -> Result<Option<Vec<u8>>, Refusal> {
        let Some(entry) = self
            .directories
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(name))
        else {
            return Ok(None);
        };
        let bytes = if entry.len < MINI_STREAM_CUTOFF {
            self.mini_chain(entry.start, entry.len)?
        } else {
            self.chain(entry.start, entry.len)?
        };
        Ok(Some(bytes))
    }
}

fn follow<'s>(
    start: u32,
    len: usize,
    table: &[u32],
    sector: impl Fn(u32) -> Result<&'s [u8], Refusal>,
) -> Result<Vec<u8>, Refusal> {
    let mut out = Vec::new();
    let mut id = start;
    let mut steps = 0usize;
    while id != END_OF_CHAIN {
        steps += 1;
        if steps > table.len() + 1 {
            return Err(Refusal::Damaged("a sector chain loops back on itself"));
        }
        let bytes = sector(id)?;
        let take = bytes.len().min(len - out.len());
        out.extend_from_slice(&bytes[..take]);
        if out.len() >= len {
            break;
        }
        id = *table.get(id as usize).ok_or(Refusal::Damaged(
            "a sector chain points outside the allocation table",
        ))?;
    }
    Ok(out)
}

impl DirectoryEntry {
    fn parse(entry: &[u8], sector_size: usize) -> DirectoryEntry {
        let units: Vec<u16> = entry[..64]
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        let mut name = String::from_utf16_lossy(&units);
        if let Some(nul) = name.find('\0') {
            name.truncate(nul);
        }
        let start = u32_at(entry, 116).unwrap_or(END_OF_CHAIN);
        let len = if sector_size == 512 {
            u32_at(entry, 120).unwrap_or(0) as usize
        } else {
            entry
                .get(120..128)
                .and_then(|b| b.try_into().ok())
                .map_or(0, |b| {
                    usize::try_from(u64::from_le_bytes(b)).unwrap_or(usize::MAX)
                })
        };
        DirectoryEntry { name, start, len }
    }
}

/// BIFF record types that calamine turns into cells.
mod record {
    pub const FORMULA: u16 = 0x0006;
    pub const EOF: u16 = 0x000A;
    pub const BOUND_SHEET: u16 = 0x0085;
    pub const MUL_RK: u16 = 0x00BD;
    pub const RSTRING: u16 = 0x00D6;
    pub const LABEL_SST: u16 = 0x00FD;
    pub const DIMENSIONS: u16 = 0x0200;
    pub const NUMBER: u16 = 0x0203;
    pub const LABEL: u16 = 0x0204;
    pub const BOOL_ERR: u16 = 0x0205;
    pub const STRING: u16 = 0x0207;
    pub const RK: u16 = 0x027E;
    pub const BOF: u16 = 0x0809;
}

/// The BIFF records of a stream from `at`: `(type, data)`. Stops at the first record
/// that runs past the end (calamine then fails the whole workbook).
fn records(stream: &[u8], at: usize) -> impl Iterator<Item = (u16, &[u8])> {
    let mut rest = stream.get(at..).unwrap_or(&[]);
    std::iter::from_fn(move || {
        let typ = u16_at(rest, 0)?;
        let len = u16_at(rest, 2)? as usize;
        let data = rest.get(4..4 + len)?;
        rest = &rest[4 + len..];
        Some((typ, data))
    })
}

/// The smallest rectangle holding some cells.
#[derive(Default)]
struct Bounds(Option<(u32, u32, u32, u32)>);

impl Bounds {
    fn add(&mut self, row: u32, col: u32) {
        let (r0, r1, c0, c1) = self.0.unwrap_or((row, row, col, col));
        self.0 = Some((r0.min(row), r1.max(row), c0.min(col), c1.max(col)));
    }

    fn cells(&self) -> u64 {
        self.0.map_or(0, |(r0, r1, c0, c1)| {
            u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1)
        })
    }
}

/// How many grid cells calamine will allocate for the sheets of a workbook stream.
fn grid_cells(stream: &[u8]) -> u64 {
    let mut sheet_positions = Vec::new();
    for (typ, data) in records(stream, 0) {
        match typ {
            record::BOUND_SHEET => {
                if let Some(pos) = u32_at(data, 0) {
                    sheet_positions.push(pos as usize);
                }
            }
            record::EOF => break,
            _ => {}
        }
    }
    let mut total = 0u64;
    for pos in sheet_positions {
        if pos > stream.len() {
            // calamine stops the whole workbook here.
            break;
        }
        total = total.saturating_add(sheet_grid_cells(stream, pos));
    }
    total
}

fn sheet_grid_cells(stream: &[u8], pos: usize) -> u64 {
    let mut cells = Bounds::default();
    let mut formulas = Bounds::default();
    let mut reserved = 0u64;
    let mut formula_pos = (0u32, 0u32);
    let mut seen_sheet_bof = false;
    let mut depth = 0usize;
    let position = |data: &[u8]| Some((u32::from(u16_at(data, 0)?), u32::from(u16_at(data, 2)?)));
    for (typ, data) in records(stream, pos) {
        if depth > 0 {
            match typ {
                record::BOF => depth += 1,
                record::EOF => depth -= 1,
                _ => {}
            }
            continue;
        }
        match typ {
            record::BOF if seen_sheet_bof => depth += 1,
            record::BOF => seen_sheet_bof = true,
            record::EOF => break,
            record::DIMENSIONS => reserved = reserved.saturating_add(dimensions_cells(data)),
            record::NUMBER
            | record::LABEL
            | record::RSTRING
            | record::BOOL_ERR
            | record::RK
            | record::LABEL_SST => {
                if let Some((row, col)) = position(data) {
                    cells.add(row, col);
                }
            }
            record::STRING => cells.add(formula_pos.0, formula_pos.1),
            record::MUL_RK => {
                if let (Some((row, first)), Some(last)) = (
                    position(data),
                    data.len().checked_sub(2).and_then(|at| u16_at(data, at)),
                ) {
                    cells.add(row, first);
                    cells.add(row, u32::from(last));
                }
            }
            record::FORMULA => {
                if let Some(at) = position(data) {
                    formula_pos = at;
                    cells.add(at.0, at.1);
                    formulas.add(at.0, at.1);
                }
            }
            _ => {}
        }
    }
    cells
        .cells()
        .saturating_add(formulas.cells())
        .saturating_add(reserved)
}

/// The cells calamine reserves for a `DIMENSIONS` record, computed as it does
/// (including its unchecked subtraction, which wraps in a release build).
fn dimensions_cells(data: &[u8]) -> u64 {
    // BIFF5 stores rows in 16 bits, BIFF8 in 32; columns are 16 bits in both.
    let (first_row, row_end, columns_at) = match data.len() {
        10 => (
            u16_at(data, 0).map(u32::from),
            u16_at(data, 2).map(u32::from),
            4,
        ),
        14 | 16 => (u32_at(data, 0), u32_at(data, 4), 8),
        _ => return 0,
    };
    let fields = (
        first_row,
        row_end,
        u16_at(data, columns_at).map(u32::from),
        u16_at(data, columns_at + 2).map(u32::from),
    );
    let (Some(first_row), Some(row_end), Some(mut first_col), Some(col_end)) = fields else {
        return 0;
    };
    if first_col > 0xFF || col_end < first_col {
        first_col = 0;
    }
    let (last_row, last_col) = if row_end >= 1 && col_end >= 1 {
        (row_end - 1, col_end - 1)
    } else {
        (first_row, first_col)
    };
    let rows = u64::from(last_row.wrapping_sub(first_row).wrapping_add(1));
    let cols = u64::from(last_col.wrapping_sub(first_col).wrapping_add(1));
    rows.saturating_mul(cols)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/tests/test_data/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    /// Overwrites the data of the first BIFF record of type `typ` and length `len`
    /// found in the file (records of a small workbook stream sit whole in a sector).
    fn patch_record(bytes: &mut [u8], typ: u16, len: u16, at: usize, value: &[u8]) {
        let mut header = typ.to_le_bytes().to_vec();
        header.extend(len.to_le_bytes());
        let start = bytes
            .windows(4)
            .position(|w| w == header.as_slice())
            .expect("record in fixture")
            + 4;
        bytes[start + at..start + at + value.len()].copy_from_slice(value);
    }

    #[test]
    fn a_sound_xls_passes_and_its_grid_is_counted() {
        let bytes = fixture("tutorial.xls");
        assert_eq!(check(&bytes), Ok(()));
        let file = CompoundFile::parse(&bytes).unwrap().unwrap();
        let stream = file.stream("Workbook").unwrap().unwrap();
        let cells = grid_cells(&stream);
        assert!(cells > 10 && cells < 10_000, "{cells}");
    }

    #[test]
    fn other_bytes_are_left_to_calamine() {
        assert_eq!(check(b"PK\x03\x04 not a compound file"), Ok(()));
        assert_eq!(check(&[0u8; 4]), Ok(()));
    }

    /// Found by fuzzing: the allocation table lists the same sectors again and again
    /// and the directory chain loops; calamine grew the chain to 24 GB.
    #[test]
    fn the_fuzzers_file_is_refused() {
        let bytes = fixture("looping_chain.xls");
        assert!(matches!(check(&bytes), Err(Refusal::Damaged(_))));
    }

    #[test]
    fn a_looping_sector_chain_is_refused() {
        let mut bytes = fixture("tutorial.xls");
        // Point the directory's first sector back at itself in the allocation table.
        let dir_start = u32_at(&bytes, 48).unwrap() as usize;
        let first_fat_sector = u32_at(&bytes, 76).unwrap() as usize;
        let entry = (first_fat_sector + 1) * 512 + dir_start * 4;
        bytes[entry..entry + 4].copy_from_slice(&(dir_start as u32).to_le_bytes());
        assert_eq!(
            check(&bytes),
            Err(Refusal::Damaged("a sector chain loops back on itself"))
        );
    }

    #[test]
    fn one_far_cell_is_refused_before_calamine_allocates_the_grid() {
        let mut bytes = fixture("tutorial.xls");
        // The first LABELSST cell moved to row 65,536, column 65,536.
        patch_record(&mut bytes, record::LABEL_SST, 10, 0, &[0xFF; 4]);
        let Err(Refusal::TooLarge { cells }) = check(&bytes) else {
            panic!("far cell accepted");
        };
        assert!(cells > 4_000_000_000, "{cells}");
    }

    #[test]
    fn a_lying_dimensions_record_is_refused() {
        let mut bytes = fixture("tutorial.xls");
        // rwMac = 2^32 - 1 in the first BIFF8 DIMENSIONS record.
        patch_record(&mut bytes, record::DIMENSIONS, 14, 4, &[0xFF; 4]);
        assert!(matches!(check(&bytes), Err(Refusal::TooLarge { .. })));
    }

    #[test]
    fn dimensions_are_counted_as_calamine_reserves_them() {
        let biff8 = |r0: u32, r1: u32, c0: u16, c1: u16| {
            let mut d = r0.to_le_bytes().to_vec();
            d.extend(r1.to_le_bytes());
            d.extend(c0.to_le_bytes());
            d.extend(c1.to_le_bytes());
            d.extend([0, 0]);
            d
        };
        // Rows 0..10 (rwMac is one past the last), columns 0..3.
        assert_eq!(dimensions_cells(&biff8(0, 10, 0, 3)), 30);
        // An empty sheet: one cell.
        assert_eq!(dimensions_cells(&biff8(0, 0, 0, 0)), 1);
        // First row after the last: calamine's subtraction wraps.
        assert!(dimensions_cells(&biff8(9, 5, 0, 1)) > 4_000_000_000);
        assert_eq!(dimensions_cells(&[0; 3]), 0);
    }
}

//! XLSForm workbooks: bytes in, plain rows out (`workbook`), then the parts of a form
//! that the rest of Lantern reads (`summary`).
//!
//! This module does no IO: callers hand it the bytes of a workbook they have read.

pub mod summary;
pub mod workbook;

pub use summary::{FormSummary, summarize};
pub use workbook::{Sheet, Workbook, WorkbookError, WorkbookFormat};

//! XLSForm workbooks: bytes in, plain rows out (`workbook`), the parts of a form that
//! a form list needs (`summary`), and the full import of rows into a validated
//! [`crate::form::FormDef`] with diagnostics (`import`).
//!
//! This module does no IO: callers hand it the bytes of a workbook they have read.

pub mod attachments;
pub mod diagnostic;
mod expressions;
pub mod import;
#[cfg(test)]
mod import_tests;
mod lantern_sheets;
pub mod policy;
pub mod summary;
mod table;
pub mod workbook;
mod xls_guard;
mod xlsx_guard;

pub use attachments::{AttachmentError, attach_csv, attach_media, check_media_name};
pub use diagnostic::{Diagnostic, ImportError, Severity};
pub use import::{Import, import_bytes, import_workbook};
pub use summary::{FormSummary, summarize};
pub use workbook::{Sheet, Workbook, WorkbookError, WorkbookFormat};

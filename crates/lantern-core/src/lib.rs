//! Lantern's domain logic, shared by the app shell, the CLI and the server.
//!
//! Nothing here depends on a UI, IPC or HTTP-server crate. Modules follow the seams
//! of the problem: `xlsform` turns workbook bytes into data, `catalog` finds the forms
//! a device carries, `vault`
//! keeps every response encrypted on the device. See `ARCHITECTURE.md` for the map and its invariants.

pub mod aggregate;
pub mod capture;
pub mod catalog;
pub mod engine;
pub mod export;
pub mod expr;
pub mod form;
pub mod release;
pub mod sync;
pub mod vault;
pub mod xlsform;

/// The version of Lantern, shown in the app and printed by the CLI.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

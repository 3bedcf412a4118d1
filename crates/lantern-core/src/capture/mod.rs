//! The application layer both edges call (issue 11): the Tauri commands and the CLI's
//! `fill` are one-line adapters over this module. It holds the product rules of
//! capturing a response: the form library (catalog, import, media, compiled forms per id
//! and version), drafts (start, answer with autosave, resume from the vault, finalize,
//! withdraw) over a typed, versioned draft content, and the wire types of the IPC
//! contract (`dto`).

pub mod dto;

//! Fuzz target: any bytes, read as an .xlsx, an .xls, a markdown form or a CSV form,
//! must import to a form or to diagnostics, never panic; a form that imports without
//! errors must also compile into a form session and start one.

#![no_main]

use lantern_core::engine::{CompiledForm, Config, Session};
use lantern_core::xlsform::{WorkbookFormat, import_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let format = match selector % 4 {
        0 => WorkbookFormat::Xlsx,
        1 => WorkbookFormat::Xls,
        2 => WorkbookFormat::Markdown,
        _ => WorkbookFormat::Csv,
    };
    let import = import_bytes(bytes, format, "fuzz");
    let Some(form) = import.usable_form() else {
        return;
    };
    if let Ok(compiled) = CompiledForm::new(form.clone())
        && let Ok(config) = Config::at_unix_millis(1_700_000_000_000, 1)
    {
        let _ = Session::new(compiled, config).map(|s| s.result());
    }
});

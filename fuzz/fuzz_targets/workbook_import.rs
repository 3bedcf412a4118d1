//! Fuzz target: any bytes, read as an .xlsx, an .xls, a markdown form or a CSV form,
//! must import to a form or to diagnostics, never panic; a form that imports without
//! errors must also compile into a form session and start one.
//!
//! calamine 0.38 panics on some damaged .xls files (e.g. a slice index in `cfb.rs`).
//! `xlsform::workbook` catches those panics and reports the file as unreadable, but
//! libFuzzer's panic hook aborts before `catch_unwind` runs. So panics raised inside
//! calamine are let through to our `catch_unwind`; any other panic still aborts and is
//! reported as a crash.

#![no_main]

use lantern_core::engine::{CompiledForm, Config, Session};
use lantern_core::xlsform::{WorkbookFormat, import_bytes};
use libfuzzer_sys::fuzz_target;

static HOOK: std::sync::Once = std::sync::Once::new();

fn let_calamine_panics_reach_catch_unwind() {
    HOOK.call_once(|| {
        let fuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_calamine = info
                .location()
                .is_some_and(|l| l.file().contains("/calamine-"));
            if !in_calamine {
                fuzzer_hook(info);
            }
        }));
    });
}

fuzz_target!(|data: &[u8]| {
    let_calamine_panics_reach_catch_unwind();
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

//! Writes the benchmarks' generated 2,000-question form (`benches/support`) as an .xlsx,
//! for the window benchmark (`scripts/bench-window.sh`), which fills it in the real app.
//!
//! Run: `cargo run -p lantern-core --example bench_form -- OUT.xlsx`.
#[path = "../benches/support/mod.rs"]
#[allow(dead_code)]
mod support;

fn main() -> std::process::ExitCode {
    let Some(out) = std::env::args_os().nth(1) else {
        eprintln!("usage: bench_form OUT.xlsx");
        return std::process::ExitCode::FAILURE;
    };
    let bytes = match support::workbook_bytes() {
        Ok(bytes) => bytes,
        Err(e) => {
            eprintln!("the form could not be written: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    if let Err(e) = std::fs::write(&out, bytes) {
        eprintln!("cannot write {}: {e}", std::path::Path::new(&out).display());
        return std::process::ExitCode::FAILURE;
    }
    std::process::ExitCode::SUCCESS
}

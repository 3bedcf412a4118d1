//! Embeds the dashboard (the second Vite entry of `ui/`, built into
//! `ui/dist-dashboard/`) in the server binary, so it works on an offline LAN.
//!
//! When the built files are missing (a clean checkout), this builds them with the ui's
//! own Vite (`npm run build:dashboard`, after `npm ci` if `ui/node_modules` is absent).
//! When that is impossible (no npm, no network), the server is still built, serving a
//! page that says the dashboard was not built and how to build it, and cargo prints a
//! warning. `LANTERN_SKIP_DASHBOARD_BUILD=1` skips the attempt.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let ui = manifest.join("../../ui");
    let dist = ui.join("dist-dashboard");
    println!("cargo:rerun-if-changed={}", dist.display());
    println!("cargo:rerun-if-env-changed=LANTERN_SKIP_DASHBOARD_BUILD");
    let index = dist.join("dashboard.html");
    if !index.exists()
        && std::env::var_os("LANTERN_SKIP_DASHBOARD_BUILD").is_none()
        && let Err(why) = build_dashboard(&ui)
    {
        println!(
            "cargo:warning=the dashboard was not built ({why}); this server will say so at /. \
                 Build it with `cd ui && npm ci && npm run build`, then rebuild the server."
        );
    }
    let mut files = Vec::new();
    if index.exists() {
        collect(&dist, &dist, &mut files);
    }
    files.sort();
    let mut out = String::from("/// The built dashboard, path relative to `ui/dist-dashboard`.\n");
    out.push_str("pub static FILES: &[(&str, &[u8])] = &[\n");
    for (rel, abs) in &files {
        let _ = writeln!(out, "    ({rel:?}, include_bytes!({abs:?})),");
    }
    out.push_str("];\n");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it"));
    std::fs::write(out_dir.join("dashboard_assets.rs"), out).expect("OUT_DIR is writable");
}

fn build_dashboard(ui: &Path) -> Result<(), String> {
    let npm = |args: &[&str]| -> Result<(), String> {
        let status = Command::new("npm")
            .args(args)
            .current_dir(ui)
            .status()
            .map_err(|e| format!("cannot run npm: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`npm {}` failed ({status})", args.join(" ")))
        }
    };
    if !ui.join("node_modules").exists() {
        npm(&["ci", "--no-audit", "--no-fund"])?;
    }
    npm(&["run", "build:dashboard", "--silent"])
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, out);
        } else if let Ok(rel) = path.strip_prefix(root) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            let abs = path
                .canonicalize()
                .unwrap_or(path.clone())
                .to_string_lossy()
                .into_owned();
            out.push((rel, abs));
        }
    }
}

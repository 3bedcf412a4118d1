//! The invariants of `ARCHITECTURE.md` as a test that fails when one is broken (issue 13,
//! item 10): key-handling and storage crates stay in the vault, the pure modules read
//! neither the clock nor the random generator, only sync code talks HTTP, the core
//! links no UI or server framework, and every source file says what it is for.
//!
//! The checks read the source as text. They look for uses (`crate::` paths and `use`
//! lines), not for words in comments, and they cover every crate of the workspace, so
//! a new module is checked without being listed here.

use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .to_path_buf()
}

/// Every `.rs` file under the `src` folders of the workspace's crates and the app shell.
fn sources() -> Vec<PathBuf> {
    let root = workspace();
    let mut dirs = vec![root.join("src-tauri/src")];
    for entry in std::fs::read_dir(root.join("crates")).unwrap() {
        dirs.push(entry.unwrap().path().join("src"));
    }
    let mut out = Vec::new();
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    assert!(out.len() > 20, "found only {} source files", out.len());
    out
}

fn rel(path: &Path) -> String {
    path.strip_prefix(workspace())
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/")
}

/// The code of a file without its comments (line comments and doc comments), so that
/// documentation may name a crate it does not use.
fn code(path: &Path) -> String {
    strip_comments(&std::fs::read_to_string(path).unwrap())
}

fn strip_comments(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(i) if !line[..i].contains('"') => &line[..i],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether `code` uses `krate` as a path root (`krate::…`, `use krate`), with a word
/// boundary in front (`String::` is not `ring::`, and `rustls::crypto::ring::` is a
/// module of rustls, not the crate).
fn uses(code: &str, krate: &str) -> bool {
    let needle = format!("{krate}::");
    let bounded = code.match_indices(&needle).any(|(i, _)| {
        code[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == ':'))
    });
    bounded
        || code.contains(&format!("use {krate};"))
        || code.contains(&format!("extern crate {krate}"))
}

/// Files (relative paths) outside `allowed` that use `krate`.
fn offenders(krate: &str, allowed: impl Fn(&str) -> bool) -> Vec<String> {
    sources()
        .iter()
        .filter(|p| !allowed(&rel(p)) && uses(&code(p), krate))
        .map(|p| rel(p))
        .collect()
}

#[test]
fn storage_and_key_crates_stay_in_the_vault() {
    assert_eq!(
        offenders(
            "rusqlite",
            |p| p.starts_with("crates/lantern-core/src/vault/")
            // The sync server keeps aggregates (never a response) in its own store.
            || p.starts_with("crates/lantern-server/src/store/")
        ),
        Vec::<String>::new(),
        "on the device, only lantern-core's vault touches rusqlite"
    );
    for krate in ["ring", "argon2", "x25519_dalek", "ed25519_dalek"] {
        assert_eq!(
            offenders(krate, |p| p == "crates/lantern-core/src/vault/crypto.rs"
                // The server holds no device secret: it verifies signatures, hashes
                // batches and draws enrollment codes, all in one file.
                || p == "crates/lantern-server/src/check.rs"),
            Vec::<String>::new(),
            "on the device, only vault/crypto.rs touches {krate} (key material)"
        );
    }
}

#[test]
fn pure_modules_read_neither_the_clock_nor_the_random_generator() {
    const READS: &[&str] = &[
        "Utc::now",
        "Local::now",
        "SystemTime::now",
        "Instant::now",
        "thread_rng",
        "rand::",
        "getrandom",
        "SystemRandom",
        "OsRng",
        "new_v4",
    ];
    let mut found = Vec::new();
    for path in sources() {
        let p = rel(&path);
        let pure = ["expr", "form", "xlsform", "engine", "aggregate"]
            .iter()
            .any(|m| {
                p.starts_with(&format!("crates/lantern-core/src/{m}/"))
                    || p == format!("crates/lantern-core/src/{m}.rs")
            });
        if !pure {
            continue;
        }
        let code = code(&path);
        for read in READS {
            if code.contains(read) {
                found.push(format!("{p}: {read}"));
            }
        }
    }
    assert_eq!(found, Vec::<String>::new());
}

#[test]
fn only_sync_code_talks_http() {
    assert_eq!(
        offenders("reqwest", |p| p.contains("sync")),
        Vec::<String>::new()
    );
    // The certificate pin check is sync's; the server has its own TLS module.
    assert_eq!(
        offenders("rustls", |p| p == "crates/lantern-core/src/sync/client.rs"
            || p.starts_with("crates/lantern-server/")),
        Vec::<String>::new()
    );
}

#[test]
fn the_core_links_no_ui_or_server_framework() {
    let manifest =
        std::fs::read_to_string(workspace().join("crates/lantern-core/Cargo.toml")).unwrap();
    let deps = manifest
        .split("[dependencies]")
        .nth(1)
        .unwrap()
        .split("\n[")
        .next()
        .unwrap();
    for framework in ["tauri", "wry", "axum", "hyper", "reqwest"] {
        assert!(
            !deps.lines().any(|l| {
                let l = l.trim_start();
                // Sync's HTTP client is optional: only the "client" feature links it.
                l.starts_with(framework)
                    && !(framework == "reqwest" && l.contains("optional = true"))
            }),
            "lantern-core depends on {framework}"
        );
    }
    let features = manifest.split("[features]").nth(1).unwrap_or("");
    assert!(
        !features
            .lines()
            .any(|l| l.trim_start().starts_with("default") && l.contains("client")),
        "the HTTP client is not a default feature of lantern-core"
    );
}

#[test]
fn every_source_file_says_what_it_is_for() {
    let missing: Vec<String> = sources()
        .iter()
        .filter(|p| {
            !std::fs::read_to_string(p)
                .unwrap()
                .trim_start()
                .starts_with("//!")
        })
        .map(|p| rel(p))
        .collect();
    assert_eq!(missing, Vec::<String>::new(), "files without a //! comment");
}

/// The checks can fail: each pattern is found where it is allowed to be.
#[test]
fn the_checks_see_what_they_look_for() {
    let vault = |f: &str| code(&workspace().join("crates/lantern-core/src/vault").join(f));
    assert!(uses(&vault("crypto.rs"), "ring"));
    assert!(uses(&vault("crypto.rs"), "argon2"));
    assert!(uses(&vault("mod.rs"), "rusqlite"));
    assert!(!offenders("rusqlite", |_| false).is_empty());
    assert!(!uses(
        "let p = rustls::crypto::ring::default_provider();",
        "ring"
    ));
    assert!(uses("let d = ring::digest::digest(a, b);", "ring"));
    // A crate named in a comment only is not a use.
    assert!(!uses(
        &strip_comments("// ring:: is only mentioned here\nlet x = 1;"),
        "ring"
    ));
    assert!(!uses("let s = String::new();", "ring"));
    assert!(uses("let d = ring::digest::SHA256;", "ring"));
}

/// Answers never leak through the code's own seams: a session's `Debug` and the error
/// for a value of the wrong type do not repeat what was typed (issue 13, item 10).
#[test]
fn sessions_and_errors_do_not_print_answers() {
    use lantern_core::engine::{CompiledForm, Config, Session};
    use lantern_core::xlsform::{WorkbookFormat, import_bytes};
    const FORM: &str = "
| survey |         |        |        |
|        | type    | name   | label  |
|        | text    | notes  | Notes  |
|        | integer | people | People |
| settings |       |        |        |
|        | form_id |        |        |
|        | seams   |        |        |
";
    let form = import_bytes(FORM.as_bytes(), WorkbookFormat::Markdown, "seams")
        .form
        .unwrap();
    let config = Config::at_rfc3339("2026-11-23T10:00:00Z", 1).unwrap();
    let mut session = Session::new(CompiledForm::new(form).unwrap(), config).unwrap();
    session.answer("notes", "ZQXSECRETNOTE").unwrap();
    let err = session.answer("people", "ZQXNOTANUMBER").unwrap_err();
    assert!(!err.to_string().contains("ZQXNOTANUMBER"), "{err}");
    assert!(!format!("{err:?}").contains("ZQXNOTANUMBER"), "{err:?}");
    assert!(err.to_string().contains("whole number"), "{err}");
    for shown in [format!("{session:?}"), format!("{session:#?}")] {
        assert!(!shown.contains("ZQXSECRETNOTE"), "{shown}");
    }
}

//! The `lantern vault …` contract: the exact commands, passphrases only from the
//! environment (or a terminal prompt), stable error codes in messages.

use std::path::Path;
use std::process::{Command, Output};

fn lantern(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lantern"));
    cmd.args(args)
        .env_remove("LANTERN_PASSPHRASE")
        .env_remove("LANTERN_NEW_PASSPHRASE")
        .env_remove("LANTERN_BACKUP_PASSPHRASE")
        .env_remove("LANTERN_DURESS_PASSPHRASE")
        .env_remove("LANTERN_PASSPHRASE_FD");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn err(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr.clone()).unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

const PW: (&str, &str) = ("LANTERN_PASSPHRASE", "field pass number one");

#[test]
fn init_status_verify_backup_restore_purge_wipe() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let file = tmp.path().join("backup.lantern");
    let restored = tmp.path().join("r");

    // Without a passphrase and without a terminal, it says what to set.
    let e = err(&lantern(&["vault", "init", s(&dir)], &[]));
    assert!(e.contains("LANTERN_PASSPHRASE"), "{e}");

    let out = ok(&lantern(&["vault", "init", s(&dir)], &[PW]));
    assert!(out.starts_with("created vault "), "{out}");
    let status = ok(&lantern(&["vault", "status", s(&dir)], &[]));
    assert!(status.contains("Argon2id, 128 MiB, 3 passes"), "{status}");
    // What it holds is not shown while locked, for every vault (issue 13, C1).
    assert!(
        status.contains("contents       shown only once unlocked"),
        "{status}"
    );
    assert!(!status.contains("drafts"), "{status}");
    let json = ok(&lantern(&["vault", "status", "--json", s(&dir)], &[]));
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["unlocked"], false);

    let e = err(&lantern(
        &["vault", "purge", s(&dir)],
        &[("LANTERN_PASSPHRASE", "wrong")],
    ));
    assert!(
        e.contains("wrong passphrase [vault.wrong_passphrase]"),
        "{e}"
    );
    let status = ok(&lantern(&["vault", "status", s(&dir)], &[]));
    assert!(status.contains("failed unlocks 1"), "{status}");

    let out = ok(&lantern(&["vault", "verify-log", s(&dir)], &[]));
    assert_eq!(
        out,
        "audit log chain consistent: 2 entries (a truncated or rewritten log is only detected with --unlock)\n"
    );
    let out = ok(&lantern(
        &["vault", "verify-log", "--unlock", s(&dir)],
        &[PW],
    ));
    assert_eq!(
        out,
        "audit log ok: 3 entries, chain intact and matching the sealed anchor\n"
    );

    let out = ok(&lantern(&["vault", "purge", s(&dir)], &[PW]));
    assert!(out.starts_with("purged 0 submissions"), "{out}");

    let e = err(&lantern(&["vault", "backup", s(&dir), s(&file)], &[PW]));
    assert!(e.contains("LANTERN_BACKUP_PASSPHRASE"), "{e}");
    ok(&lantern(
        &["vault", "backup", s(&dir), s(&file)],
        &[PW, ("LANTERN_BACKUP_PASSPHRASE", "backup pass phrase")],
    ));
    let e = err(&lantern(
        &["vault", "restore", s(&file), s(&restored)],
        &[
            ("LANTERN_PASSPHRASE", "second pass phrase"),
            ("LANTERN_BACKUP_PASSPHRASE", "nope"),
        ],
    ));
    assert!(e.contains("[vault.decryption]"), "{e}");
    ok(&lantern(
        &["vault", "restore", s(&file), s(&restored)],
        &[
            ("LANTERN_PASSPHRASE", "second pass phrase"),
            ("LANTERN_BACKUP_PASSPHRASE", "backup pass phrase"),
        ],
    ));
    ok(&lantern(
        &["vault", "verify-log", "--unlock", s(&restored)],
        &[("LANTERN_PASSPHRASE", "second pass phrase")],
    ));

    ok(&lantern(
        &["vault", "change-passphrase", s(&restored)],
        &[
            ("LANTERN_PASSPHRASE", "second pass phrase"),
            ("LANTERN_NEW_PASSPHRASE", "third pass phrase"),
        ],
    ));
    ok(&lantern(
        &["vault", "purge", s(&restored)],
        &[("LANTERN_PASSPHRASE", "third pass phrase")],
    ));

    let out = ok(&lantern(&["vault", "wipe", s(&dir)], &[]));
    assert!(out.starts_with("wiped "), "{out}");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    let e = err(&lantern(&["vault", "status", s(&dir)], &[]));
    assert!(e.contains("[vault.not_a_vault]"), "{e}");
}

#[test]
fn backup_to_an_organisation_key() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let key_file = tmp.path().join("org.key");
    let file = tmp.path().join("b.lantern");
    ok(&lantern(&["vault", "init", s(&dir)], &[PW]));
    let public = ok(&lantern(&["vault", "org-keygen", s(&key_file)], &[]));
    let public = public.trim();
    assert_eq!(public.len(), 64, "{public}");
    // The key file is never overwritten.
    err(&lantern(&["vault", "org-keygen", s(&key_file)], &[]));
    ok(&lantern(
        &[
            "vault",
            "backup",
            s(&dir),
            s(&file),
            "--org-public-key",
            public,
        ],
        &[PW],
    ));
    let e = err(&lantern(
        &["vault", "restore", s(&file), s(&tmp.path().join("x"))],
        &[PW, ("LANTERN_BACKUP_PASSPHRASE", "guess")],
    ));
    assert!(e.contains("organisation"), "{e}");
    ok(&lantern(
        &[
            "vault",
            "restore",
            s(&file),
            s(&tmp.path().join("r")),
            "--org-secret-key-file",
            s(&key_file),
        ],
        &[("LANTERN_PASSPHRASE", "headquarters pass phrase")],
    ));
}

/// Runs `lantern` with `input` on its standard input (file descriptor 0).
fn lantern_stdin(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_lantern"))
        .args(args)
        .env_remove("LANTERN_PASSPHRASE")
        .env_remove("LANTERN_NEW_PASSPHRASE")
        .env_remove("LANTERN_BACKUP_PASSPHRASE")
        .env_remove("LANTERN_DURESS_PASSPHRASE")
        .env_remove("LANTERN_PASSPHRASE_FD")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Issue 13, L5: passphrases from a file descriptor, one per line, in the order the
/// command asks for them, so they need not sit in the environment.
#[test]
fn passphrases_from_a_file_descriptor() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let out = ok(&lantern_stdin(
        &["vault", "--passphrase-fd", "0", "init", s(&dir)],
        "fd passphrase number one\n",
    ));
    assert!(out.starts_with("created vault "), "{out}");
    ok(&lantern_stdin(
        &[
            "vault",
            "verify-log",
            "--unlock",
            "--passphrase-fd",
            "0",
            s(&dir),
        ],
        "fd passphrase number one\n",
    ));
    // change-passphrase reads the current one, then the new one.
    ok(&lantern_stdin(
        &[
            "vault",
            "change-passphrase",
            "--passphrase-fd",
            "0",
            s(&dir),
        ],
        "fd passphrase number one\nfd passphrase number two\n",
    ));
    let e = err(&lantern_stdin(
        &[
            "vault",
            "verify-log",
            "--unlock",
            "--passphrase-fd",
            "0",
            s(&dir),
        ],
        "fd passphrase number one\n",
    ));
    assert!(e.contains("[vault.wrong_passphrase]"), "{e}");
    ok(&lantern_stdin(
        &[
            "vault",
            "verify-log",
            "--unlock",
            "--passphrase-fd",
            "0",
            s(&dir),
        ],
        "fd passphrase number two\n",
    ));
    // Too few lines is a clear error, not a hang or an empty passphrase.
    let e = err(&lantern_stdin(
        &[
            "vault",
            "change-passphrase",
            "--passphrase-fd",
            "0",
            s(&dir),
        ],
        "fd passphrase number two\n",
    ));
    assert!(e.contains("file descriptor ended"), "{e}");
    // The same through the environment variable naming the descriptor (for `fill`).
    let mut child = Command::new(env!("CARGO_BIN_EXE_lantern"));
    child
        .args(["vault", "verify-log", "--unlock", s(&dir)])
        .env_remove("LANTERN_PASSPHRASE")
        .env("LANTERN_PASSPHRASE_FD", "0")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = child.spawn().unwrap();
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"fd passphrase number two\n")
            .unwrap();
    }
    ok(&child.wait_with_output().unwrap());
}

/// Issue 13, M3 and M4 at the command line: a weak passphrase or a refused duress
/// passphrase creates nothing.
#[test]
fn init_refuses_weak_passphrases_and_bad_duress_before_creating_anything() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let e = err(&lantern(
        &["vault", "init", s(&dir)],
        &[("LANTERN_PASSPHRASE", "1")],
    ));
    assert!(e.contains("[vault.weak_passphrase]"), "{e}");
    assert!(!dir.join("vault.db").exists());
    let e = err(&lantern(
        &["vault", "init", s(&dir)],
        &[PW, ("LANTERN_DURESS_PASSPHRASE", PW.1)],
    ));
    assert!(e.contains("[vault.invalid_input]"), "{e}");
    assert!(!dir.join("vault.db").exists());
    ok(&lantern(
        &["vault", "init", s(&dir)],
        &[PW, ("LANTERN_DURESS_PASSPHRASE", "open sesame")],
    ));
    let before = ok(&lantern(&["vault", "status", s(&dir)], &[]));
    ok(&lantern(
        &["vault", "verify-log", "--unlock", s(&dir)],
        &[("LANTERN_PASSPHRASE", "open sesame")],
    ));
    // After the duress unlock, `vault status` prints exactly what it printed before.
    assert_eq!(ok(&lantern(&["vault", "status", s(&dir)], &[])), before);
}

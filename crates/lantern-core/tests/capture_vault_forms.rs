//! What the vault keeps of a form for later responses (issue 10, item 4): its data files
//! sealed with the workbook, so a draft opens with exactly the lists it was filled with
//! after the forms folder has lost them; and `${last-saved#name}`, read from the last
//! response of the same form finalized in the vault.

use std::path::Path;

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use lantern_core::capture::dto::{self, PageContent, StartDraft};
use lantern_core::capture::library::Library;
use lantern_core::capture::{self, Capture};
use lantern_core::vault::backup::{BackupRecipient, BackupSecret};
use lantern_core::vault::{KdfParams, Vault, VaultConfig};

/// The form's sheets: `survey` rows, then `settings`.
const SURVEY: &[&[&str]] = &[
    &["type", "name", "label", "default", "required"],
    &[
        "select_one_from_file places.csv",
        "place",
        "Place",
        "${last-saved#place}",
        "yes",
    ],
    &["text", "team", "Team", "${last-saved#team}", ""],
    &["integer", "people", "People met", "", ""],
];
const SETTINGS: &[&[&str]] = &[&["form_id", "version"], &["visit_log", "2026113001"]];

/// The workbook as a team would bring it from Kobo or ODK: an .xlsx.
fn workbook() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (name, rows) in [("survey", SURVEY), ("settings", SETTINGS)] {
        let sheet = book.add_worksheet().set_name(name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                sheet.write_string(r as u32, c as u16, *cell).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

const PLACES: &str = "name,label\nblock_a,Block A\nblock_b,Block B\n";

fn now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-11-23T08:00:00+03:00").unwrap()
}

fn utc() -> DateTime<Utc> {
    now().to_utc()
}

fn vault(dir: &Path) -> Vault {
    let cfg = VaultConfig {
        kdf: KdfParams::INSECURE_FAST_FOR_TESTS,
        idle_lock: TimeDelta::minutes(5),
    };
    Vault::create(dir, b"field team passphrase", cfg, utc()).unwrap()
}

fn forms_folder(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("visit_log.xlsx"), workbook()).unwrap();
    std::fs::write(dir.join("places.csv"), PLACES).unwrap();
}

fn start(capture: &mut Capture, vault: &mut Vault, seed: u64) -> dto::DraftView {
    capture
        .start(
            vault,
            &StartDraft {
                form_id: "visit_log".into(),
                version: None,
                site: None,
                round: None,
                ui_language: None,
            },
            seed,
            now(),
        )
        .unwrap()
}

/// Every question of the draft with its value and the choices it offers.
fn fields(capture: &mut Capture, id: &str) -> Vec<(String, String, Vec<String>)> {
    let draft = capture.draft(id).unwrap();
    let count = draft.view().page_count;
    (0..count)
        .flat_map(|index| {
            let view = draft.go(&dto::Nav::Page { index });
            match view.page.content {
                PageContent::Questions { questions, .. } => questions
                    .into_iter()
                    .map(|q| {
                        let choices = q.choices.iter().map(|c| c.name.clone()).collect();
                        (q.name, q.value, choices)
                    })
                    .collect::<Vec<_>>(),
                PageContent::RepeatPrompt { .. } => Vec::new(),
            }
        })
        .collect()
}

fn value(fields: &[(String, String, Vec<String>)], name: &str) -> String {
    fields.iter().find(|f| f.0 == name).unwrap().1.clone()
}

#[test]
fn last_saved_reads_the_last_finalized_response_of_the_form_and_survives_resume() {
    let tmp = tempfile::tempdir().unwrap();
    let forms = tmp.path().join("forms");
    forms_folder(&forms);
    let mut vault = vault(&tmp.path().join("vault"));
    let mut capture = Capture::new(Library::new(&forms));

    // The first response: nothing was saved before, so the defaults are empty.
    let first = start(&mut capture, &mut vault, 1).draft_id;
    let seen = fields(&mut capture, &first);
    assert_eq!(value(&seen, "place"), "");
    assert_eq!(value(&seen, "team"), "");
    for (path, v) in [("place", "block_b"), ("team", "Team 4"), ("people", "12")] {
        capture.answer(&mut vault, &first, path, v, utc()).unwrap();
    }
    capture.finalize(&mut vault, &first, utc()).unwrap();

    // The next response starts with the last saved place and team, not its count.
    let second = start(&mut capture, &mut vault, 2).draft_id;
    let seen = fields(&mut capture, &second);
    assert_eq!(value(&seen, "place"), "block_b");
    assert_eq!(value(&seen, "team"), "Team 4");
    assert_eq!(value(&seen, "people"), "");

    // A draft left and opened again (the app restarted) keeps the same defaults, even
    // after the response they came from is withdrawn.
    capture.close(&second);
    capture.withdraw(&mut vault, &first, utc()).unwrap();
    let mut fresh = Capture::new(Library::new(&forms));
    fresh.resume(&vault, &second, None, now()).unwrap();
    let seen = fields(&mut fresh, &second);
    assert_eq!(value(&seen, "place"), "block_b");
    assert_eq!(value(&seen, "team"), "Team 4");

    // With the last saved response withdrawn, a new response reads nothing.
    let third = start(&mut fresh, &mut vault, 3).draft_id;
    let seen = fields(&mut fresh, &third);
    assert_eq!(value(&seen, "place"), "");
    assert_eq!(value(&seen, "team"), "");
}

#[test]
fn a_draft_opens_with_the_lists_sealed_in_the_vault_when_the_folder_lost_them() {
    let tmp = tempfile::tempdir().unwrap();
    let forms = tmp.path().join("forms");
    forms_folder(&forms);
    let mut vault = vault(&tmp.path().join("vault"));
    let mut capture = Capture::new(Library::new(&forms));
    let id = start(&mut capture, &mut vault, 7).draft_id;
    capture
        .answer(&mut vault, &id, "place", "block_a", utc())
        .unwrap();
    capture.close(&id);

    // The stored form carries its data file, sealed: not readable on disk.
    let stored = vault.form("visit_log", "2026113001", utc()).unwrap();
    assert_eq!(stored.media.len(), 1);
    assert_eq!(stored.media[0].name, "places.csv");
    assert_eq!(stored.media[0].bytes, PLACES.as_bytes());
    let db = std::fs::read(tmp.path().join("vault/vault.db")).unwrap_or_default();
    assert!(!db.windows(7).any(|w| w == b"Block A"));

    // The folder loses the workbook and its list; the draft still opens, offers the
    // same choices and keeps its answer.
    std::fs::remove_file(forms.join("visit_log.xlsx")).unwrap();
    std::fs::remove_file(forms.join("places.csv")).unwrap();
    let mut fresh = Capture::new(Library::new(&forms));
    fresh.resume(&vault, &id, None, now()).unwrap();
    let seen = fields(&mut fresh, &id);
    let place = seen.iter().find(|f| f.0 == "place").unwrap();
    assert_eq!(place.1, "block_a");
    assert_eq!(place.2, vec!["block_a".to_string(), "block_b".to_string()]);

    // And a headless fill into the vault reads the same media through the library.
    let loaded = capture::library::LoadedForm::from_stored(
        "visit_log.xlsx",
        stored.definition.clone(),
        stored.media.clone(),
    )
    .unwrap();
    assert_eq!(loaded.media, stored.media);
}

#[test]
fn media_survive_a_rekey_and_a_backup_restore() {
    let tmp = tempfile::tempdir().unwrap();
    let forms = tmp.path().join("forms");
    forms_folder(&forms);
    let mut v = vault(&tmp.path().join("vault"));
    let mut capture = Capture::new(Library::new(&forms));
    let id = start(&mut capture, &mut v, 9).draft_id;
    capture.close(&id);
    v.change_passphrase(
        b"field team passphrase",
        b"another long field passphrase",
        utc(),
    )
    .unwrap();
    let form = v.form("visit_log", "2026113001", utc()).unwrap();
    assert_eq!(form.media[0].bytes, PLACES.as_bytes());

    let file = tmp.path().join("backup.lantern");
    v.backup(
        &file,
        BackupRecipient::Passphrase(b"backup passphrase of the team"),
        utc(),
    )
    .unwrap();
    let restored = Vault::restore(
        &file,
        BackupSecret::Passphrase(b"backup passphrase of the team"),
        &tmp.path().join("restored"),
        b"restored vault passphrase",
        VaultConfig {
            kdf: KdfParams::INSECURE_FAST_FOR_TESTS,
            idle_lock: TimeDelta::minutes(5),
        },
        utc(),
    )
    .unwrap();
    let form = restored.form("visit_log", "2026113001", utc()).unwrap();
    assert_eq!(
        form.media,
        v.form("visit_log", "2026113001", utc()).unwrap().media
    );
}

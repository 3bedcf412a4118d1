//! The shell's IPC surface without a display: Tauri's mock runtime runs the real command
//! handlers behind the real capabilities, and the replies are checked as the UI gets them.
//!
//! Building this test also makes `cargo test` produce `target/debug/lantern-app`, the
//! binary the E2E tier drives, with the same feature set (see scripts/tier-e2e.sh).

use std::sync::{Arc, Mutex};

use lantern_app::session::{AppState, Settings};
use lantern_app::state::FormsDir;
use lantern_core::vault::{KdfParams, VaultConfig};
use serde_json::json;
use tauri::Listener;

const PASS: &str = "river stone 42 lantern night";
use serde_json::Value;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};

fn app(builder: tauri::Builder<MockRuntime>) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let app = lantern_app::configure(builder)
        .build(lantern_app::context())
        .expect("the app builds on the mock runtime");
    // The mock runtime never starts an event loop, so `setup` does not run by itself.
    lantern_app::manage_state(app.handle());
    let window = match app.get_webview_window("main") {
        Some(window) => window,
        None => WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .expect("the main window opens"),
    };
    (app, window)
}

fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str) -> Result<Value, Value> {
    call(window, cmd, serde_json::json!({}))
}

/// Invokes `cmd` with JSON arguments, keys as the UI sends them (camelCase).
fn call(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            // On Linux the WebView's origin is tauri://localhost; the ACL checks it.
            url: "tauri://localhost".parse().expect("a valid url"),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().expect("a JSON reply"))
}

#[test]
fn app_info_reports_the_core_version() {
    let (_app, window) = app(mock_builder());
    let info = invoke(&window, "app_info").expect("app_info is allowed");
    assert_eq!(
        info,
        serde_json::json!({ "version": lantern_core::VERSION, "demo": false })
    );
}

#[test]
fn list_forms_lists_the_repository_forms_in_a_debug_build() {
    let (_app, window) = app(mock_builder());
    let forms = invoke(&window, "list_forms").expect("list_forms is allowed");
    let site = forms
        .as_array()
        .expect("a list")
        .iter()
        .find(|entry| entry["file"] == "site_visit_check.xlsx")
        .unwrap_or_else(|| panic!("site_visit_check.xlsx missing from {forms:#}"));
    assert_eq!(site["status"], "ok");
    assert_eq!(site["summary"]["form_id"], "site_visit_check");
    assert_eq!(site["summary"]["title"], "Site visit check");
    assert!(
        site["summary"]["languages"]
            .as_array()
            .is_some_and(|l| l.len() >= 2),
        "{site:#}"
    );
}

#[test]
fn an_unreadable_forms_folder_crosses_as_code_and_message() {
    // State managed before setup wins over the folder `setup` would pick.
    let builder = mock_builder().manage(FormsDir("/nonexistent/lantern/forms".into()));
    let (_app, window) = app(builder);
    let error = invoke(&window, "list_forms").expect_err("a missing folder is an error");
    assert_eq!(error["code"], "app.forms_folder_unreadable", "{error:#}");
    let message = error["message"].as_str().expect("a message");
    assert!(message.contains("/nonexistent/lantern/forms"), "{message}");
}

#[test]
fn commands_outside_the_capability_are_refused() {
    let (_app, window) = app(mock_builder());
    for cmd in [
        "plugin:fs|read_text_file",
        "plugin:shell|execute",
        "plugin:http|fetch",
        "delete_everything",
    ] {
        assert!(invoke(&window, cmd).is_err(), "{cmd} should be refused");
    }
}

/// An app whose vault lives in a temporary folder, with a cheap key derivation.
fn app_with_vault(dir: &std::path::Path) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let forms = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../forms");
    let settings = Settings {
        vault_dir: dir.join("vault"),
        config_dir: dir.join("config"),
        forms_dir: forms,
        backups_dir: dir.join("backups"),
        exports_dir: dir.join("exports"),
        demo: false,
        vault: VaultConfig {
            kdf: KdfParams::INSECURE_FAST_FOR_TESTS,
            idle_lock: chrono::TimeDelta::minutes(5),
        },
    };
    app(mock_builder().manage(Arc::new(AppState::new(settings))))
}

fn events(app: &App<MockRuntime>, name: &str) -> Arc<Mutex<Vec<Value>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    app.listen_any(name.to_string(), move |event| {
        sink.lock()
            .unwrap()
            .push(serde_json::from_str(event.payload()).unwrap());
    });
    seen
}

#[test]
fn create_fill_lock_unlock_resume_and_quick_exit_through_the_ipc() {
    let tmp = tempfile::tempdir().unwrap();
    let (app, window) = app_with_vault(tmp.path());
    let saved = events(&app, "draft://saved");
    let locked = events(&app, "vault://locked");

    let state = invoke(&window, "vault_state").unwrap();
    assert_eq!(state["exists"], false);
    let no_vault = call(&window, "home", json!({"uiLanguage": "en"})).unwrap_err();
    assert_eq!(no_vault["code"], "app.no_vault");
    let weak = call(&window, "vault_create", json!({"passphrase": "password1"})).unwrap_err();
    assert_eq!(weak["code"], "capture.weak_passphrase");
    let strength = call(
        &window,
        "passphrase_strength",
        json!({"passphrase": "password1"}),
    )
    .unwrap();
    assert_eq!(strength["acceptable"], false);
    let state = call(&window, "vault_create", json!({"passphrase": PASS})).unwrap();
    assert_eq!(
        (state["exists"].clone(), state["unlocked"].clone()),
        (json!(true), json!(true))
    );

    let home = call(&window, "home", json!({"uiLanguage": "en"})).unwrap();
    assert!(
        home["forms"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["form_id"] == "camp_safety_audit")
    );
    assert_eq!(home["sync"]["state"], "not_configured");

    let view = call(
        &window,
        "draft_start",
        json!({"request": {"form_id": "camp_safety_audit", "version": null, "site": "SO2401-0001",
            "round": null, "ui_language": "en"}}),
    )
    .unwrap();
    let id = view["draft_id"].as_str().unwrap().to_string();
    assert_eq!(view["page"]["content"]["kind"], "questions");
    assert_eq!(view["page"]["content"]["questions"][0]["name"], "site");
    // The second edition asks the round, walk time and site type before consent.
    for (path, value) in [
        ("round", "1"),
        ("walk_time", "day"),
        ("site_type", "planned"),
    ] {
        call(
            &window,
            "draft_answer",
            json!({"draftId": id, "path": path, "value": value}),
        )
        .unwrap();
    }
    let view = call(
        &window,
        "draft_answer",
        json!({"draftId": id, "path": "site_consent", "value": "yes"}),
    )
    .unwrap();
    assert_eq!(
        view["page"]["content"]["questions"][0]["outcome"],
        json!({"outcome": "ok"})
    );
    let next = call(
        &window,
        "draft_go",
        json!({"draftId": id, "nav": {"to": "next"}}),
    )
    .unwrap();
    assert_eq!(next["progress"]["position"], 2);
    let bad = call(
        &window,
        "draft_answer",
        json!({"draftId": id, "path": "latrines_sampled", "value": "many"}),
    )
    .unwrap_err();
    assert_eq!(bad["code"], "engine.invalid_value");
    assert!(!saved.lock().unwrap().is_empty(), "autosaves are announced");
    assert_eq!(saved.lock().unwrap()[0]["draft_id"], id.as_str());

    // Lock: the draft leaves memory and every draft command says the vault is locked.
    let state = invoke(&window, "vault_lock").unwrap();
    assert_eq!(state["unlocked"], false);
    assert_eq!(
        locked.lock().unwrap().last().unwrap(),
        &json!({"reason": "user"})
    );
    let err = call(
        &window,
        "draft_answer",
        json!({"draftId": id, "path": "site_type", "value": "planned"}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "app.locked");
    let wrong = call(
        &window,
        "vault_unlock",
        json!({"passphrase": "not the passphrase"}),
    )
    .unwrap_err();
    assert_eq!(wrong["code"], "vault.wrong_passphrase");
    call(&window, "vault_unlock", json!({"passphrase": PASS})).unwrap();
    let resumed = call(
        &window,
        "draft_resume",
        json!({"draftId": id, "uiLanguage": "en"}),
    )
    .unwrap();
    assert_eq!(
        resumed["page"]["path"], next["page"]["path"],
        "back where it was left"
    );
    let check = call(&window, "draft_check", json!({"draftId": id})).unwrap();
    assert_eq!(check["finalizable"], false);
    assert!(
        check["blocking"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["page_index"].is_number())
    );
    let index = call(&window, "draft_index", json!({"draftId": id})).unwrap();
    assert!(index.as_array().unwrap().len() > 10);

    // Referral cards are kept sealed in the vault.
    let cards = json!({"cards": [{"site": null, "services": [{"name": "Health post", "contact": "+252 600 000",
        "hours": "08-17", "notes": ""}]}]});
    call(&window, "referrals_set", json!({"cards": cards})).unwrap();
    assert_eq!(invoke(&window, "referrals_get").unwrap(), cards);

    // Quick exit: locked at once, the window told why.
    invoke(&window, "quick_exit").unwrap();
    assert_eq!(
        locked.lock().unwrap().last().unwrap(),
        &json!({"reason": "quick_exit"})
    );
    assert_eq!(invoke(&window, "vault_state").unwrap()["unlocked"], false);
    assert_eq!(
        invoke(&window, "referrals_get").unwrap_err()["code"],
        "app.locked"
    );

    // The UI language is kept outside the vault, readable while locked.
    call(&window, "set_ui_language", json!({"language": "ar"})).unwrap();
    assert_eq!(invoke(&window, "ui_language").unwrap(), "ar");
    assert_eq!(
        call(&window, "set_ui_language", json!({"language": "xx"})).unwrap_err()["code"],
        "app.unknown_language"
    );

    // Discard after unlocking deletes the draft. It re-keys the vault, so the read
    // handle made for the referral card goes stale: the card still opens (a new handle).
    call(&window, "vault_unlock", json!({"passphrase": PASS})).unwrap();
    assert_eq!(invoke(&window, "referrals_get").unwrap(), cards);
    call(&window, "draft_discard", json!({"draftId": id})).unwrap();
    let home = call(&window, "home", json!({"uiLanguage": "en"})).unwrap();
    assert_eq!(home["drafts"], json!([]));
    assert_eq!(invoke(&window, "referrals_get").unwrap(), cards);
}

#[test]
fn every_command_of_the_contract_is_allowed_and_registered() {
    let tmp = tempfile::tempdir().unwrap();
    let (_app, window) = app_with_vault(tmp.path());
    let api = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/api.ts"),
    )
    .unwrap();
    let start = api.find("export const COMMANDS = [").unwrap();
    let end = start + api[start..].find("] as const").unwrap();
    let names: Vec<&str> = api[start..end].split('\'').skip(1).step_by(2).collect();
    assert_eq!(names.len(), 51, "{names:?}");
    // What an unknown command gets, with its name swapped in: no command of the
    // contract may get that.
    let refused = invoke(&window, "no_such_command").unwrap_err().to_string();
    assert!(refused.contains("no_such_command"), "{refused}");
    for name in names {
        // Without a vault or arguments each fails in its own way, but never as a
        // command the ACL or the handler does not know.
        if let Err(e) = invoke(&window, name) {
            let text = e.to_string();
            assert_ne!(text, refused.replace("no_such_command", name), "{name}");
            assert!(!text.contains("not allowed"), "{name}: {text}");
        }
    }
}

#[test]
fn results_and_sync_commands_cross_the_ipc_with_their_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let (_app, window) = app_with_vault(tmp.path());
    let none = call(&window, "share_groups", json!({"uiLanguage": "en"})).unwrap_err();
    assert_eq!(none["code"], "app.no_vault");
    call(&window, "vault_create", json!({"passphrase": PASS})).unwrap();

    // Nothing finalized yet: no group, no results, nothing queued, not enrolled.
    let groups = call(&window, "share_groups", json!({"uiLanguage": "en"})).unwrap();
    assert_eq!(groups, json!([]));
    let missing = call(
        &window,
        "results",
        json!({"formId": "camp_safety_audit", "site": "SO2401-0001", "round": "1", "uiLanguage": "en"}),
    )
    .unwrap_err();
    assert_eq!(missing["code"], "capture.unknown_form");
    let view = invoke(&window, "sync_status").unwrap();
    assert_eq!(view["enrollment"], Value::Null);
    assert_eq!(view["items"], json!([]));
    assert_eq!(view["offline"], false);
    // "Try now" with nothing to send answers the status, not an error.
    assert_eq!(invoke(&window, "sync_now").unwrap(), view);
    // Approving a payload never previewed is refused in words the UI can act on.
    let stale = call(&window, "share_approve", json!({"hash": "00"})).unwrap_err();
    assert_eq!(stale["code"], "share.stale_preview");
    // A server address that is not one.
    let bad = call(
        &window,
        "sync_enroll",
        json!({"request": {"server_url": "ftp://example", "code": "ABCD", "pin": null}}),
    )
    .unwrap_err();
    assert_eq!(bad["code"], "sync.bad_url");

    // Responses: none yet; a code that cannot be a receipt; an unknown id.
    assert_eq!(invoke(&window, "submissions_list").unwrap(), json!([]));
    assert_eq!(
        call(&window, "receipt_find", json!({"code": "ABCD-EFGH"})).unwrap(),
        Value::Null
    );
    let bad = call(&window, "receipt_find", json!({"code": "nope"})).unwrap_err();
    assert_eq!(bad["code"], "capture.bad_receipt");
    let unknown = call(
        &window,
        "submission_withdraw",
        json!({"submissionId": "uuid:none"}),
    )
    .unwrap_err();
    assert_eq!(unknown["code"], "capture.unknown_draft");

    call(&window, "vault_lock", json!({})).unwrap();
    let locked = invoke(&window, "sync_status").unwrap_err();
    assert_eq!(locked["code"], "app.locked");
}

/// A vault with three finalized camp safety audits, made with the core before the app
/// opens it (the app then unlocks it as a field worker would).
fn vault_with_audits(dir: &std::path::Path) {
    use lantern_core::capture::{self, library::Library};
    let forms = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../forms");
    let form = Library::new(forms.clone())
        .get("camp_safety_audit", None)
        .unwrap();
    let scenario: Value = serde_json::from_str(
        &std::fs::read_to_string(forms.join("scenarios/camp_safety_audit/typical.json")).unwrap(),
    )
    .unwrap();
    let answers = scenario["answers"].as_object().unwrap().clone();
    let now = chrono::Utc::now();
    let mut vault = lantern_core::vault::Vault::create(
        &dir.join("vault"),
        PASS.as_bytes(),
        VaultConfig {
            kdf: KdfParams::INSECURE_FAST_FOR_TESTS,
            idle_lock: chrono::TimeDelta::minutes(5),
        },
        now,
    )
    .unwrap();
    for seed in 0..3 {
        let mut filled =
            capture::fill(form.clone(), &answers, seed, now.fixed_offset(), Vec::new()).unwrap();
        assert!(capture::store(&mut filled, &mut vault, true, now).unwrap());
    }
}

#[test]
fn settings_backup_restore_export_and_wipe_through_the_ipc() {
    let tmp = tempfile::tempdir().unwrap();
    vault_with_audits(tmp.path());
    let (app, window) = app_with_vault(tmp.path());
    let locked = events(&app, "vault://locked");
    call(&window, "vault_unlock", json!({"passphrase": PASS})).unwrap();
    let before = invoke(&window, "submissions_list").unwrap();
    assert_eq!(before.as_array().unwrap().len(), 3);

    // The site list: a bad file is refused whole, with its lines; a good one replaces.
    let bad = call(
        &window,
        "sites_import",
        json!({"text": "site_code,site_name,admin1\nSO1,Hodan,SO24\n,No code,SO24\nSO1,Twice,SO24\nSO3,,SO24\n"}),
    )
    .unwrap();
    assert_eq!(bad["imported"], 0);
    let lines: Vec<u64> = bad["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [3, 4, 5]);
    // Each with a code and the site for the window to word in its language.
    let words: Vec<(&str, Option<&str>)> = bad["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["code"].as_str().unwrap(), p["site"].as_str()))
        .collect();
    assert_eq!(
        words,
        [
            ("sites.bad_code", None),
            ("sites.duplicate", Some("SO1")),
            ("sites.no_name", Some("SO3"))
        ]
    );
    assert_eq!(invoke(&window, "settings_get").unwrap()["sites"], json!([]));
    let good = call(
        &window,
        "sites_import",
        json!({"text": "site_code,site_name,admin1,admin2\nSO2401-0001,Hodan IDP site,SO24,SO2401\nSO2401-0002,Kahda,SO24,SO2401\n"}),
    )
    .unwrap();
    assert_eq!(good["imported"], 2);
    let settings = invoke(&window, "settings_get").unwrap();
    assert_eq!(settings["sites"][0]["admin"], json!(["SO24", "SO2401"]));

    // Idle lock and retention, within their bounds.
    let s = call(&window, "settings_set_idle_lock", json!({"minutes": 2})).unwrap();
    assert_eq!(s["idle_lock_minutes"], 2);
    assert_eq!(
        invoke(&window, "vault_state").unwrap()["idle_lock_seconds"],
        120
    );
    let e = call(&window, "settings_set_idle_lock", json!({"minutes": 600})).unwrap_err();
    assert_eq!(e["code"], "settings.invalid");
    let s = call(
        &window,
        "settings_set_retention",
        json!({"formId": "camp_safety_audit", "days": 30}),
    )
    .unwrap();
    let row = s["retention"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["form_id"] == "camp_safety_audit")
        .unwrap()
        .clone();
    assert_eq!(
        (row["form_days"].clone(), row["days"].clone()),
        (json!(90), json!(30))
    );
    let e = call(
        &window,
        "settings_set_retention",
        json!({"formId": "camp_safety_audit", "days": 365}),
    )
    .unwrap_err();
    assert_eq!(e["code"], "settings.invalid");

    // An export names its data-sharing agreement, which the log keeps.
    let request = |agreement: &str| {
        json!({"request": {"form_id": "camp_safety_audit", "site": null, "round": null,
            "format": "csv", "agreement": agreement}})
    };
    let e = call(&window, "export_aggregates", request("  ")).unwrap_err();
    assert_eq!(e["code"], "settings.invalid");
    let done = call(
        &window,
        "export_aggregates",
        request("DSA 2026-07 with the CCCM cluster"),
    )
    .unwrap();
    assert!(std::path::Path::new(done["file"].as_str().unwrap()).is_file());

    // A backup to a passphrase; the log verifies and shows both.
    let e = call(
        &window,
        "backup_create",
        json!({"to": {"kind": "passphrase", "passphrase": "short"}}),
    )
    .unwrap_err();
    assert_eq!(e["code"], "vault.weak_passphrase");
    let backup = call(
        &window,
        "backup_create",
        json!({"to": {"kind": "passphrase", "passphrase": "evacuate the blue folder 7"}}),
    )
    .unwrap();
    assert_eq!(backup["submissions"], 3);
    let list = invoke(&window, "backup_list").unwrap();
    assert_eq!(list[0]["name"], backup["name"]);
    let log = invoke(&window, "audit_log").unwrap();
    assert_eq!(log["verified"], true);
    let details: Vec<String> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{} {}", e["event"], e["detail"]))
        .collect();
    assert!(details[0].starts_with("\"backup\""), "{details:?}");
    assert!(
        details
            .iter()
            .any(|d| d.contains("export-csv") && d.contains("DSA 2026-07 with the CCCM cluster")),
        "{details:?}"
    );

    // Panic wipe: the vault is gone and the window is told.
    let state = invoke(&window, "vault_wipe").unwrap();
    assert_eq!(state["exists"], false);
    assert_eq!(
        locked.lock().unwrap().last().unwrap(),
        &json!({"reason": "user"})
    );
    assert!(
        !tmp.path()
            .join("vault")
            .join(lantern_core::vault::DB_FILE)
            .exists()
    );

    // Restore into the fresh device: the same submissions, the site list and settings.
    let wrong = call(
        &window,
        "vault_restore",
        json!({"request": {"file": backup["name"], "secret": {"kind": "passphrase", "passphrase": "not the one at all 9"}, "passphrase": PASS}}),
    )
    .unwrap_err();
    assert_ne!(wrong["code"], "app.internal");
    assert_eq!(invoke(&window, "vault_state").unwrap()["exists"], false);
    let state = call(
        &window,
        "vault_restore",
        json!({"request": {"file": backup["name"], "secret": {"kind": "passphrase", "passphrase": "evacuate the blue folder 7"}, "passphrase": PASS}}),
    )
    .unwrap();
    assert_eq!(state["exists"], true);
    if state["unlocked"] == false {
        call(&window, "vault_unlock", json!({"passphrase": PASS})).unwrap();
    }
    assert_eq!(invoke(&window, "submissions_list").unwrap(), before);
    assert_eq!(
        invoke(&window, "settings_get").unwrap()["sites"],
        settings["sites"]
    );
    let again = call(
        &window,
        "vault_restore",
        json!({"request": {"file": backup["name"], "secret": {"kind": "passphrase", "passphrase": "evacuate the blue folder 7"}, "passphrase": PASS}}),
    )
    .unwrap_err();
    assert_eq!(again["code"], "vault.already_exists");
}

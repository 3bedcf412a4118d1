//! The shell's IPC surface without a display: Tauri's mock runtime runs the real command
//! handlers behind the real capabilities, and the replies are checked as the UI gets them.
//!
//! Building this test also makes `cargo test` produce `target/debug/lantern-app`, the
//! binary the E2E tier drives, with the same feature set (see scripts/tier-e2e.sh).

use lantern_app::state::FormsDir;
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
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            // On Linux the WebView's origin is tauri://localhost; the ACL checks it.
            url: "tauri://localhost".parse().expect("a valid url"),
            body: InvokeBody::default(),
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
        serde_json::json!({ "version": lantern_core::VERSION })
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

//! Build script of the app shell: lets tauri-build embed the config, the icons and the
//! built UI, and declares Lantern's own commands so that each one needs an explicit
//! permission in `capabilities/` (nothing is callable from the WebView by default).

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(&[
        "app_info",
        "list_forms",
        "vault_state",
        "passphrase_strength",
        "vault_create",
        "vault_unlock",
        "vault_lock",
        "vault_touch",
        "vault_set_duress",
        "quick_exit",
        "home",
        "draft_start",
        "draft_resume",
        "draft_go",
        "draft_answer",
        "draft_repeat_add",
        "draft_repeat_remove",
        "draft_repeat_move",
        "draft_set_language",
        "draft_index",
        "draft_check",
        "draft_finalize",
        "draft_close",
        "draft_discard",
        "form_media",
        "ui_language",
        "set_ui_language",
        "referrals_get",
        "referrals_set",
        "share_groups",
        "results",
        "share_preview",
        "share_approve",
        "sync_status",
        "sync_enroll",
        "sync_now",
        "submissions_list",
        "submission_open",
        "receipt_find",
        "submission_withdraw",
    ]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri-build failed; see the message above");
}

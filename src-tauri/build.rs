//! Build script of the app shell: lets tauri-build embed the config, the icons and the
//! built UI, and declares Lantern's own commands so that each one needs an explicit
//! permission in `capabilities/` (nothing is callable from the WebView by default).

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(&["app_info", "list_forms"]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri-build failed; see the message above");
}

//! The `lantern-app` binary: starts the desktop app. Everything lives in the library so
//! that the mobile entry point and the tests share it.

// Without this a release build on Windows would open a console next to the window.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    lantern_app::run();
}

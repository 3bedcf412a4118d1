//! The `lantern-app` binary: starts the desktop app. Everything lives in the library so
//! that the mobile entry point and the tests share it.

// Without this a release build on Windows would open a console next to the window.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    #[cfg(target_os = "linux")]
    compositing::choose();
    lantern_app::run();
}

/// On Linux the window draws with WebKitGTK's GPU compositor off by default
/// (`WEBKIT_DISABLE_COMPOSITING_MODE=1`): measured in the real window on the 2,000-question
/// form (README, "Benchmarks"), a tap is drawn in p99 31–35 ms instead of 54–55 ms and the
/// app with its WebKit processes uses about 270 MB instead of 392 MB (proportional set
/// size), which meets both goals; the screens use no WebGL and no 3D transforms, which is
/// what the compositor is for.
///
/// `LANTERN_GPU_COMPOSITING=1` keeps the compositor (WebKit's own choice). A
/// `WEBKIT_DISABLE_COMPOSITING_MODE` already in the environment, whatever its value, is
/// left as it is for WebKit to read (WebKitGTK 2.50 takes `0` as "compositor on", as
/// measured on Debian's 2.50.6; older releases may look only at whether it is set, so
/// `LANTERN_GPU_COMPOSITING=1` is the opt-out to document).
#[cfg(target_os = "linux")]
mod compositing {
    use std::ffi::OsStr;

    pub const WEBKIT_VAR: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";
    pub const OPT_OUT_VAR: &str = "LANTERN_GPU_COMPOSITING";

    /// Whether to set `WEBKIT_DISABLE_COMPOSITING_MODE=1`, given the values of that
    /// variable and of `LANTERN_GPU_COMPOSITING` in the environment.
    pub fn disable(webkit: Option<&OsStr>, opt_out: Option<&OsStr>) -> bool {
        webkit.is_none() && opt_out != Some(OsStr::new("1"))
    }

    pub fn choose() {
        let webkit = std::env::var_os(WEBKIT_VAR);
        let opt_out = std::env::var_os(OPT_OUT_VAR);
        if disable(webkit.as_deref(), opt_out.as_deref()) {
            set_before_any_thread(WEBKIT_VAR, "1");
        }
    }

    /// The one `unsafe` in the workspace (hence `deny`, not `forbid`, in Cargo.toml).
    #[allow(unsafe_code)]
    fn set_before_any_thread(key: &str, value: &str) {
        // SAFETY: `set_var` is unsound only while another thread may read or write the
        // environment. This runs first thing in `main()`, before `lantern_app::run()`
        // starts GTK, WebKit, Tauri's runtime or any thread of ours: the process has only
        // its main thread, and neither the Rust runtime nor the libraries linked in start
        // threads before `main()`. Called only from there.
        unsafe { std::env::set_var(key, value) };
    }

    #[cfg(test)]
    mod tests {
        use super::disable;
        use std::ffi::OsStr;

        #[test]
        fn compositor_off_unless_asked_for_or_already_decided() {
            let s = |v: &'static str| Some(OsStr::new(v));
            assert!(disable(None, None));
            assert!(disable(None, s("0")));
            assert!(disable(None, s("")));
            assert!(!disable(None, s("1")));
            // The user's own WEBKIT_DISABLE_COMPOSITING_MODE is never overwritten.
            assert!(!disable(s("0"), None));
            assert!(!disable(s("1"), None));
            assert!(!disable(s(""), s("1")));
        }
    }
}

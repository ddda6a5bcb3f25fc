//! Webview settings that cut the app's idle memory (issue #6: the library with
//! 100,000 items). Each one was measured with ccs-bench scenario 5, the same
//! machine and item count before and after; see BENCHMARKS.md.

use tauri::{Runtime, WebviewWindow};

/// Before the webview starts: WebKitGTK without accelerated compositing. The
/// page is a table and forms (no WebGL, video or 3D), and compositing kept a
/// GL context and layer buffers in the web process (about 150 MiB of PSS
/// with 100,000 items under Xvfb). Someone who sets the variable (to `0` for
/// compositing) keeps their choice. Call before any thread starts.
pub fn before_webview() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        // SAFETY: called first thing in `run`, before any other thread exists,
        // so nothing reads the environment concurrently.
        unsafe { std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1") };
    }
}

/// After the window is made: a single-page app needs no page cache (the
/// back/forward cache) and the smallest memory cache (WebKit's "document
/// viewer" model), and none of WebGL, Web Audio or media. Linux only
/// (WebKitGTK); elsewhere the system webview's defaults stay.
pub fn tune_webview<R: Runtime>(window: &WebviewWindow<R>) {
    #[cfg(target_os = "linux")]
    {
        let _ = window.with_webview(|w| {
            use webkit2gtk::{CacheModel, SettingsExt, WebContextExt, WebViewExt};
            let view = w.inner();
            if let Some(s) = WebViewExt::settings(&view) {
                s.set_enable_page_cache(false);
                s.set_enable_webgl(false);
                s.set_enable_webaudio(false);
                s.set_enable_media(false);
            }
            if let Some(c) = view.context() {
                c.set_cache_model(CacheModel::DocumentViewer);
            }
        });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}

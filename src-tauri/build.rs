// Every command of the app, from the one list in src/registry.rs; each gets an
// `allow-<name>` permission that capabilities/default.json grants to the main
// window (least privilege: a command not granted there cannot be called).
include!("src/registry.rs");

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .unwrap_or_else(|e| panic!("tauri build step failed: {e}"));
}

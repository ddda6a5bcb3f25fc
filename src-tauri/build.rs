/// Every command of the app; each gets an `allow-<name>` permission that
/// capabilities/default.json grants to the main window (least privilege: a
/// command not listed there cannot be called).
const COMMANDS: &[&str] = &[
    "settings",
    "test_connection",
    "save_connection",
    "list_library",
    "item_detail",
    "list_partners",
    "add_items",
    "cancel_job",
    "retrieve_item",
    "repair_item",
    "remove_item",
    "create_network",
    "export_invite",
    "pick",
    "list_jobs",
    "forget_job",
    "show_in_folder",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .unwrap_or_else(|e| panic!("tauri build step failed: {e}"));
}

/// Every command the UI may invoke; capabilities/default.json grants exactly these.
const COMMANDS: &[&str] = &[
    "session_get",
    "sign_in",
    "sign_out",
    "search",
    "customer_get",
    "contact_update",
    "edit_resolve",
    "follow_ups_list",
    "queue_counts",
    "follow_ups_act",
    "sync_status",
    "sync_now",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build configuration is valid");
}

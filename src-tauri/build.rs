/// Every command the UI may invoke; capabilities/default.json grants exactly these.
const COMMANDS: &[&str] = &[
    "session_get",
    "sign_in",
    "sign_out",
    "search",
    "customer_get",
    "customer_open",
    "edit_submit",
    "orgs_list",
    "confirmation_templates_list",
    "screen_pop_take",
    "contact_update",
    "edit_resolve",
    "follow_ups_list",
    "queue_counts",
    "follow_ups_act",
    "tickets_list",
    "jobs_board",
    "scorecards_list",
    "sync_status",
    "sync_now",
    "tel_links_get",
    "tel_links_set",
    "accept_invite",
    "admin_orgs",
    "admin_org_create",
    "admin_org_update",
    "admin_open_work",
    "admin_users",
    "admin_user_invite",
    "admin_user_update",
    "admin_user_reset_password",
    "admin_user_revoke_sessions",
    "admin_api_keys",
    "admin_api_key_create",
    "admin_api_key_revoke",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build configuration is valid");
}

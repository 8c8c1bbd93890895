//! The Baton desktop app: a Tauri shell around `baton-core`.

mod commands;
mod desktop;
mod error;
mod screen_pop;
mod state;

use std::path::PathBuf;
use std::sync::Arc;

use baton_core::credentials::KeyringStore;
use baton_core::{ConsoleConfig, SyncOptions};
use tauri::Manager;

pub use commands::session::SessionState;

/// Where the app keeps its cache and session file: `BATON_DATA_DIR` if set (tests,
/// several side-by-side consoles), else the platform's app data directory.
fn data_dir(app: &tauri::App) -> Result<PathBuf, Box<dyn std::error::Error>> {
    if let Some(dir) = std::env::var_os("BATON_DATA_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    Ok(app.path().app_data_dir()?)
}

/// Screen pop: links the app was started with, links opened while it runs, and
/// (Linux, Windows) registering Baton as the handler of `baton:` and `tel:`.
fn register_links(app: &tauri::App) {
    use tauri_plugin_deep_link::DeepLinkExt;
    let handle = app.handle().clone();
    app.deep_link().on_open_url(move |event| {
        let links: Vec<String> = event.urls().iter().map(|u| u.to_string()).collect();
        screen_pop::deliver(&handle, &links);
    });
    match app.deep_link().get_current() {
        Ok(Some(urls)) => {
            let links: Vec<String> = urls.iter().map(|u| u.to_string()).collect();
            screen_pop::deliver(app.handle(), &links);
        }
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "reading the link Baton was opened with"),
    }
    // Baton's own links always; phone (tel:) links only when the user asks for
    // them (the palette's "Open phone links in Baton"), as they may belong to a dialler.
    #[cfg(any(target_os = "linux", windows))]
    if std::env::var_os("BATON_NO_LINK_REGISTRATION").is_none() {
        if let Err(e) = app.deep_link().register("baton") {
            tracing::warn!(error = %e, "registering Baton for baton: links");
        }
    }
}

pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,baton=debug".into()),
        )
        .init();
    let mut builder = tauri::Builder::default();
    // One console per desktop: a second `baton <link>` (a softphone's screen pop)
    // hands its link to the running console and exits. Registered first, as the
    // plugin requires. Consoles given their own data directory or their own
    // credentials (side by side, tests, `make run` as another demo user) are
    // separate instances by design.
    let own_console = ["BATON_DATA_DIR", "BATON_USERNAME"]
        .iter()
        .any(|k| std::env::var_os(k).is_some_and(|v| !v.is_empty()));
    if !own_console {
        builder = builder.plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            desktop::bring_forward(app);
        }));
    }
    let result = builder
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_global_shortcut::Builder::new().build())
        .setup(|app| {
            let config = ConsoleConfig {
                data_dir: data_dir(app)?,
                secrets: Arc::new(KeyringStore),
                sync: SyncOptions::default(),
                // A retailer's own certificate authority (or several, ':'-separated).
                ca_certs: std::env::var_os("BATON_CA_CERT")
                    .map(|v| std::env::split_paths(&v).collect())
                    .unwrap_or_default(),
                plain_cache: false,
            };
            tracing::info!(data_dir = %config.data_dir.display(), "starting");
            app.manage(state::AppState::new(config));
            register_links(app);
            desktop::register_search_shortcut(app.handle());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::session::session_get,
            commands::session::sign_in,
            commands::session::sign_out,
            commands::session::accept_invite,
            commands::admin::admin_orgs,
            commands::admin::admin_org_create,
            commands::admin::admin_org_update,
            commands::admin::admin_open_work,
            commands::admin::admin_set_calendar,
            commands::admin::admin_clear_calendar,
            commands::admin::admin_users,
            commands::admin::admin_user_invite,
            commands::admin::admin_user_update,
            commands::admin::admin_user_reset_password,
            commands::admin::admin_user_revoke_sessions,
            commands::admin::admin_api_keys,
            commands::admin::admin_api_key_create,
            commands::admin::admin_api_key_revoke,
            commands::admin::admin_webhooks,
            commands::admin::admin_webhook_create,
            commands::admin::admin_webhook_disable,
            commands::admin::admin_webhook_deliveries,
            commands::admin::admin_webhook_replay,
            commands::admin::admin_import_start,
            commands::admin::admin_imports,
            commands::admin::admin_import_get,
            commands::customers::search,
            commands::customers::customer_get,
            commands::customers::customer_open,
            commands::customers::customer_history_load,
            commands::customers::edit_submit,
            commands::customers::orgs_list,
            commands::customers::confirmation_templates_list,
            commands::customers::screen_pop_take,
            commands::customers::contact_update,
            commands::customers::edit_resolve,
            commands::queues::follow_ups_list,
            commands::queues::queue_counts,
            commands::queues::follow_ups_act,
            commands::queues::tickets_list,
            commands::queues::jobs_board,
            commands::queues::scorecards_list,
            commands::queues::scorecards_trend,
            commands::queues::scorecards_items,
            commands::queues::duplicates_list,
            commands::queues::merges_list,
            commands::queues::presence_update,
            commands::desktop::export_save,
            commands::sync::sync_status,
            commands::sync::sync_now,
            commands::desktop::tel_links_get,
            commands::desktop::tel_links_set,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        tracing::error!(error = %e, "Baton stopped with an error");
        std::process::exit(1);
    }
}

//! The Baton desktop app: a Tauri shell around `baton-core`.

mod commands;
mod error;
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

pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,baton=debug".into()),
        )
        .init();
    let result = tauri::Builder::default()
        .setup(|app| {
            let config = ConsoleConfig {
                data_dir: data_dir(app)?,
                secrets: Arc::new(KeyringStore),
                sync: SyncOptions::default(),
            };
            tracing::info!(data_dir = %config.data_dir.display(), "starting");
            app.manage(state::AppState::new(config));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::session::session_get,
            commands::session::sign_in,
            commands::session::sign_out,
            commands::customers::search,
            commands::customers::customer_get,
            commands::customers::contact_update,
            commands::customers::edit_resolve,
            commands::queues::follow_ups_list,
            commands::queues::queue_counts,
            commands::queues::follow_ups_act,
            commands::sync::sync_status,
            commands::sync::sync_now,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        tracing::error!(error = %e, "Baton stopped with an error");
        std::process::exit(1);
    }
}

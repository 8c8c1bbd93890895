//! What the app holds between commands: where its files go, and the signed-in console.

use std::sync::Arc;

use baton_core::{Console, ConsoleConfig};
use tauri::async_runtime::JoinHandle;
use tauri::{AppHandle, Emitter};
use tokio::sync::Mutex;

use crate::screen_pop::ScreenPop;

/// Event carrying the `SyncStatus` whenever it changes.
pub const EVENT_SYNC_STATUS: &str = "sync-status";
/// Event carrying the ids of customers whose cached record changed.
pub const EVENT_CUSTOMERS_CHANGED: &str = "customers-changed";

pub struct AppState {
    pub config: ConsoleConfig,
    session: Mutex<Option<Session>>,
    /// A link waiting for the window to show it (see `screen_pop`).
    screen_pop: std::sync::Mutex<Option<ScreenPop>>,
}

struct Session {
    console: Arc<Console>,
    forwarders: Vec<JoinHandle<()>>,
}

impl AppState {
    pub fn new(config: ConsoleConfig) -> AppState {
        AppState {
            config,
            session: Mutex::new(None),
            screen_pop: std::sync::Mutex::new(None),
        }
    }

    pub fn set_screen_pop(&self, pop: ScreenPop) {
        if let Ok(mut slot) = self.screen_pop.lock() {
            *slot = Some(pop);
        }
    }

    pub fn take_screen_pop(&self) -> Option<ScreenPop> {
        self.screen_pop.lock().ok()?.take()
    }

    pub async fn console(&self) -> Option<Arc<Console>> {
        self.session.lock().await.as_ref().map(|s| s.console.clone())
    }

    /// Makes `console` the signed-in one and forwards its events to the window.
    pub async fn install(&self, app: &AppHandle, console: Console) -> Arc<Console> {
        let console = Arc::new(console);
        let mut status = console.subscribe_status();
        let status_app = app.clone();
        let status_task = tauri::async_runtime::spawn(async move {
            loop {
                let current = status.borrow_and_update().clone();
                if let Err(e) = status_app.emit(EVENT_SYNC_STATUS, current) {
                    tracing::warn!(error = %e, "emitting sync status");
                }
                if status.changed().await.is_err() {
                    return;
                }
            }
        });
        let mut changes = console.subscribe_changes();
        let changes_app = app.clone();
        let changes_task = tauri::async_runtime::spawn(async move {
            use tokio::sync::broadcast::error::RecvError;
            loop {
                match changes.recv().await {
                    Ok(ids) => {
                        if let Err(e) = changes_app.emit(EVENT_CUSTOMERS_CHANGED, ids) {
                            tracing::warn!(error = %e, "emitting customer changes");
                        }
                    }
                    // Missed some: tell the UI to refresh whatever it shows.
                    Err(RecvError::Lagged(_)) => {
                        let _ = changes_app.emit(EVENT_CUSTOMERS_CHANGED, Vec::<String>::new());
                    }
                    Err(RecvError::Closed) => return,
                }
            }
        });
        let mut slot = self.session.lock().await;
        if let Some(old) = slot.take() {
            old.forwarders.iter().for_each(JoinHandle::abort);
        }
        *slot = Some(Session {
            console: console.clone(),
            forwarders: vec![
                status_task,
                changes_task,
                tauri::async_runtime::spawn(crate::desktop::announce_due_callbacks(app.clone(), console.clone())),
            ],
        });
        console
    }

    /// Removes the signed-in console (for sign-out), stopping its event forwarding.
    pub async fn take(&self) -> Option<Arc<Console>> {
        let session = self.session.lock().await.take()?;
        session.forwarders.iter().for_each(JoinHandle::abort);
        Some(session.console)
    }
}

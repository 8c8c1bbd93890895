//! Desktop conventions the console follows: bringing the window forward, a
//! system-wide shortcut to search, and an OS notification when a callback the
//! user owns comes due.

use std::sync::Arc;
use std::time::Duration;

use baton_core::Console;
use tauri::{AppHandle, Emitter, Manager};

/// Event asking the window to focus the search box (the global shortcut).
pub const EVENT_FOCUS_SEARCH: &str = "focus-search";
/// Event carrying a `FollowUpRow` that just came due (shown in the window too).
pub const EVENT_CALLBACK_DUE: &str = "callback-due";
/// The system-wide shortcut that brings Baton forward with the search box focused.
pub const SEARCH_SHORTCUT: &str = "CommandOrControl+Alt+B";

pub fn bring_forward(app: &AppHandle) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        if let Err(e) = w.set_focus() {
            tracing::debug!(error = %e, "focusing the window");
        }
    }
}

/// Registers the search shortcut. Another app may own it already; Baton then
/// works without it (Ctrl+K inside the window still opens the palette).
pub fn register_search_shortcut(app: &AppHandle) {
    use tauri_plugin_global_shortcut::{GlobalShortcutExt, ShortcutState};
    let result = app
        .global_shortcut()
        .on_shortcut(SEARCH_SHORTCUT, |app, _shortcut, event| {
            if event.state == ShortcutState::Pressed {
                bring_forward(app);
                let _ = app.emit(EVENT_FOCUS_SEARCH, ());
            }
        });
    if let Err(e) = result {
        tracing::warn!(error = %e, shortcut = SEARCH_SHORTCUT, "the global search shortcut is not available");
    }
}

/// Announces each of the user's callbacks once as it comes due: an OS
/// notification and an event for the window. Wakes when the next one is due,
/// when the cache changes (a new or moved callback), and at least each minute.
pub async fn announce_due_callbacks(app: AppHandle, console: Arc<Console>) {
    use tauri_plugin_notification::NotificationExt;
    let mut changes = console.subscribe_changes();
    loop {
        match console.take_due_callbacks() {
            Ok(due) => {
                for row in due {
                    // A name and the request, never the number: a notification
                    // shows on a locked screen, to anyone passing.
                    let body = row.text.clone();
                    let shown = app
                        .notification()
                        .builder()
                        .title(format!("Callback due — {}", row.whom()))
                        .body(body)
                        .show();
                    if let Err(e) = shown {
                        tracing::warn!(error = %e, "showing a notification");
                    }
                    if let Err(e) = app.emit(EVENT_CALLBACK_DUE, row) {
                        tracing::warn!(error = %e, "emitting a due callback");
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "checking for due callbacks"),
        }
        let next = console.next_callback_due().ok().flatten();
        let wait = next
            .and_then(|at| (at - chrono::Utc::now()).to_std().ok())
            .map_or(Duration::from_secs(60), |d| d.min(Duration::from_secs(60)))
            + Duration::from_millis(200);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            r = changes.recv() => {
                if matches!(r, Err(tokio::sync::broadcast::error::RecvError::Closed)) {
                    return;
                }
            }
        }
    }
}

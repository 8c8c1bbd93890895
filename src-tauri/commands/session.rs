use baton_core::view::SessionInfo;
use baton_core::Console;
use serde::Serialize;
use tauri::{AppHandle, State};
use ts_rs::TS;

use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

/// What the window needs at start: the signed-in session, or who to prefill the form with.
#[derive(Debug, Serialize, TS)]
#[ts(export)]
pub struct SessionState {
    pub session: Option<SessionInfo>,
    pub last: Option<SessionInfo>,
}

/// Demo and kiosk setups may pass credentials in the environment (`make run` does).
/// When they are set they win over a remembered session, which may belong to a
/// server database that no longer exists.
fn env_credentials() -> Option<(String, String, String)> {
    let get = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    Some((get("BATON_SERVER_URL")?, get("BATON_USERNAME")?, get("BATON_PASSWORD")?))
}

#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn session_get(app: AppHandle, state: State<'_, AppState>) -> IpcResult<SessionState> {
    if let Some(c) = state.console().await {
        return Ok(SessionState {
            session: Some(c.session().clone()),
            last: None,
        });
    }
    let console = match env_credentials() {
        Some((url, user, password)) => Some(Console::sign_in(state.config.clone(), &url, &user, &password).await?),
        None => Console::resume(state.config.clone())?,
    };
    match console {
        Some(c) => {
            let c = state.install(&app, c).await;
            Ok(SessionState {
                session: Some(c.session().clone()),
                last: None,
            })
        }
        None => Ok(SessionState {
            session: None,
            last: Console::last_session(&state.config),
        }),
    }
}

#[tauri::command]
#[tracing::instrument(skip(app, state, password))]
pub async fn sign_in(
    app: AppHandle,
    state: State<'_, AppState>,
    server_url: String,
    username: String,
    password: String,
) -> IpcResult<SessionInfo> {
    let console = Console::sign_in(state.config.clone(), &server_url, &username, &password).await?;
    // A console whose session the server ended stays installed, locked, until
    // this sign-in: let it go (its cache and queued edits are the new one's).
    if let Some(old) = state.take().await {
        old.release();
    }
    let console = state.install(&app, console).await;
    Ok(console.session().clone())
}

/// Sets a password with the code an administrator gave (an invitation or a
/// reset) and signs in, like `sign_in`.
#[tauri::command]
#[tracing::instrument(skip(app, state, code, password))]
pub async fn accept_invite(
    app: AppHandle,
    state: State<'_, AppState>,
    server_url: String,
    code: String,
    password: String,
) -> IpcResult<SessionInfo> {
    let console = Console::accept_invite(state.config.clone(), &server_url, &code, &password).await?;
    if let Some(old) = state.take().await {
        old.release();
    }
    let console = state.install(&app, console).await;
    Ok(console.session().clone())
}

#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn sign_out(state: State<'_, AppState>, discard_unsynced: bool) -> IpcResult<()> {
    // Queued edits go out first; if some cannot, the user is asked (`unsynced`)
    // and stays signed in.
    if !discard_unsynced {
        let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
        console.drain().await?;
    }
    // Taken out of the app state first: commands still running finish on their
    // own copy, and nothing new starts on a console that is signing out.
    let console = state.take().await.ok_or_else(IpcError::not_signed_in)?;
    console.sign_out(true).await?;
    Ok(())
}

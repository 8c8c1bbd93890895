use baton_core::view::SyncStatus;
use tauri::State;

use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

#[tauri::command]
pub async fn sync_status(state: State<'_, AppState>) -> IpcResult<SyncStatus> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.status())
}

#[tauri::command]
pub async fn sync_now(state: State<'_, AppState>) -> IpcResult<()> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    console.sync_now();
    Ok(())
}

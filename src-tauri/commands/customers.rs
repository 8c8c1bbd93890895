use baton_core::view::{CustomerView, Resolution, SearchHit};
use tauri::State;

use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn search(state: State<'_, AppState>, query: String) -> IpcResult<Vec<SearchHit>> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.search(&query)?)
}

#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn customer_get(state: State<'_, AppState>, id: String) -> IpcResult<CustomerView> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.customer(&id)?)
}

#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn contact_update(
    state: State<'_, AppState>,
    customer_id: String,
    person_id: String,
    contact_point_id: String,
    value: String,
) -> IpcResult<CustomerView> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.set_contact_point(&customer_id, &person_id, &contact_point_id, &value)?)
}

/// Keep or restore after a rejected or conflicting edit.
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn edit_resolve(
    state: State<'_, AppState>,
    mutation_id: String,
    resolution: Resolution,
) -> IpcResult<CustomerView> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.resolve_edit(&mutation_id, resolution)?)
}

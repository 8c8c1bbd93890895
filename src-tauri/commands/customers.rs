use baton_core::view::{CustomerView, Resolution, SearchHit};
use baton_proto::{Intent, OrgProfile};
use tauri::State;

use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn search(state: State<'_, AppState>, query: String) -> IpcResult<Vec<SearchHit>> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.search_everywhere(&query).await?)
}

/// The record on screen, re-read after a change (its markers stay; what it shows counts as seen).
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn customer_get(state: State<'_, AppState>, id: String) -> IpcResult<CustomerView> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.refresh_customer(&id)?)
}

/// The user opens a record (a click, a search, a screen pop): its "changed since
/// you looked" markers now compare against the previous opening.
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn customer_open(state: State<'_, AppState>, id: String) -> IpcResult<CustomerView> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.open_customer_or_fetch(&id).await?)
}

/// The record with its whole history, fetched from the server (the console
/// keeps each record's recent history; older pages come on demand).
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn customer_history_load(state: State<'_, AppState>, id: String) -> IpcResult<CustomerView> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.load_full_history(&id).await?)
}

/// Any edit made from the record (a note, a callback, a promise, an escalation,
/// a job status, a confirmation): checked, saved locally, queued, pushed.
/// Returns the record with the edit's sync state.
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn edit_submit(state: State<'_, AppState>, intent: Intent) -> IpcResult<CustomerView> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    let customer_id = intent.customer_id().to_string();
    console.submit(intent)?;
    Ok(console.customer(&customer_id)?)
}

/// Organisations work can be handed to (callback owners, escalation partners).
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn orgs_list(state: State<'_, AppState>) -> IpcResult<Vec<OrgProfile>> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.orgs().await?)
}

/// The retailer's confirmation templates (all a partner may send a customer).
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn confirmation_templates_list(
    state: State<'_, AppState>,
) -> IpcResult<Vec<baton_proto::ConfirmationTemplate>> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.confirmation_templates().await?)
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

/// The link a softphone opened, if one is waiting (see `screen_pop`).
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn screen_pop_take(state: State<'_, AppState>) -> IpcResult<Option<crate::screen_pop::ScreenPop>> {
    Ok(state.take_screen_pop())
}

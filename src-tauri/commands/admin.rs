//! Administration (admins only): organisations, users, invitations, API keys. The server
//! decides; these only pass the typed request on.

use baton_proto::{
    AdminOrg, AdminUser, ApiKey, ApiKeyIssued, BusinessCalendar, Invitation, NewApiKey, NewPartner, NewUser, OpenWork,
    OrgUpdate, SessionsEnded, UserUpdate,
};
use baton_proto::{ImportFormat, ImportKind, ImportReport, NewWebhook, Webhook, WebhookCreated, WebhookDelivery};
use tauri::State;

use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn admin_orgs(state: State<'_, AppState>) -> IpcResult<Vec<AdminOrg>> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.admin_orgs().await?)
}

#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn admin_org_create(state: State<'_, AppState>, new: NewPartner) -> IpcResult<AdminOrg> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.admin_org_create(&new).await?)
}

#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn admin_org_update(state: State<'_, AppState>, id: String, change: OrgUpdate) -> IpcResult<AdminOrg> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.admin_org_update(&id, &change).await?)
}

#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn admin_open_work(state: State<'_, AppState>, id: String) -> IpcResult<OpenWork> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.admin_open_work(&id).await?)
}

#[tauri::command]
#[tracing::instrument(skip(state, calendar))]
pub async fn admin_set_calendar(
    state: State<'_, AppState>,
    id: String,
    calendar: BusinessCalendar,
) -> IpcResult<AdminOrg> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.admin_set_calendar(&id, &calendar).await?)
}

#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn admin_clear_calendar(state: State<'_, AppState>, id: String) -> IpcResult<AdminOrg> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.admin_clear_calendar(&id).await?)
}

#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn admin_users(state: State<'_, AppState>) -> IpcResult<Vec<AdminUser>> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.admin_users().await?)
}

#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn admin_user_invite(state: State<'_, AppState>, new: NewUser) -> IpcResult<Invitation> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.admin_user_invite(&new).await?)
}

#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn admin_user_update(state: State<'_, AppState>, id: String, change: UserUpdate) -> IpcResult<AdminUser> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.admin_user_update(&id, &change).await?)
}

/// A reset code for the user; shown once to the admin who asked.
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn admin_user_reset_password(state: State<'_, AppState>, id: String) -> IpcResult<Invitation> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.admin_user_reset_password(&id).await?)
}

#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn admin_user_revoke_sessions(state: State<'_, AppState>, id: String) -> IpcResult<SessionsEnded> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.admin_user_revoke_sessions(&id).await?)
}

#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn admin_api_keys(state: State<'_, AppState>) -> IpcResult<Vec<ApiKey>> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.admin_api_keys().await?)
}

/// A new key; its secret is shown once to the admin who made it.
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn admin_api_key_create(state: State<'_, AppState>, new: NewApiKey) -> IpcResult<ApiKeyIssued> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.admin_api_key_create(&new).await?)
}

#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn admin_api_key_revoke(state: State<'_, AppState>, id: String) -> IpcResult<ApiKey> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.admin_api_key_revoke(&id).await?)
}

#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn admin_webhooks(state: State<'_, AppState>) -> IpcResult<Vec<Webhook>> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.admin_webhooks().await?)
}

#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn admin_webhook_create(state: State<'_, AppState>, new: NewWebhook) -> IpcResult<WebhookCreated> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.admin_webhook_create(&new).await?)
}

#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn admin_webhook_disable(state: State<'_, AppState>, id: String) -> IpcResult<Webhook> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.admin_webhook_disable(&id).await?)
}

#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn admin_webhook_deliveries(state: State<'_, AppState>, id: String) -> IpcResult<Vec<WebhookDelivery>> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.admin_webhook_deliveries(&id).await?)
}

#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn admin_webhook_replay(state: State<'_, AppState>, id: String) -> IpcResult<WebhookDelivery> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.admin_webhook_replay(&id).await?)
}

/// Imports the file the administrator chose. Its contents are never logged.
#[tauri::command]
#[tracing::instrument(skip(state, file), fields(bytes = file.len()))]
pub async fn admin_import_start(
    state: State<'_, AppState>,
    kind: ImportKind,
    format: ImportFormat,
    file: String,
) -> IpcResult<ImportReport> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.admin_import_start(kind, format, file).await?)
}

#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn admin_imports(state: State<'_, AppState>) -> IpcResult<Vec<ImportReport>> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.admin_imports().await?)
}

#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn admin_import_get(state: State<'_, AppState>, id: String) -> IpcResult<ImportReport> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.admin_import(&id).await?)
}

//! Follow-up queues: supervisor review, and an agent's own callbacks and commitments.

use baton_core::view::{FollowUpFilter, FollowUpRef, FollowUpRow, QueueAction};
use baton_proto::QueueCounts;
use tauri::State;

use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn follow_ups_list(state: State<'_, AppState>, filter: FollowUpFilter) -> IpcResult<Vec<FollowUpRow>> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.follow_ups(&filter)?)
}

#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn queue_counts(state: State<'_, AppState>) -> IpcResult<Vec<QueueCounts>> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.queue_counts()?)
}

/// Reassign, reschedule or escalate the selected items; returns how many were queued.
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn follow_ups_act(
    state: State<'_, AppState>,
    items: Vec<FollowUpRef>,
    action: QueueAction,
) -> IpcResult<usize> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.act_on_follow_ups(&items, &action)?)
}

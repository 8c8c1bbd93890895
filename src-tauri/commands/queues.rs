//! Home views: follow-up queues (supervisor review, my own callbacks and
//! commitments), open tickets, and the partner dispatcher's jobs board.

use baton_core::view::{
    FollowUpFilter, FollowUpRef, FollowUpRow, JobBoardFilter, JobRow, QueueAction, TicketFilter, TicketRow,
};
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

/// Open tickets for a home view (mine, my organisation's, escalated to us).
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn tickets_list(state: State<'_, AppState>, filter: TicketFilter) -> IpcResult<Vec<TicketRow>> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.tickets(&filter)?)
}

/// The dispatcher's jobs board for a date range.
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn jobs_board(state: State<'_, AppState>, filter: JobBoardFilter) -> IpcResult<Vec<JobRow>> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.jobs_board(&filter)?)
}

/// Likely duplicates of a customer, for the merge review (retailer staff, online).
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn duplicates_list(
    state: State<'_, AppState>,
    customer_id: String,
) -> IpcResult<Vec<baton_proto::DuplicateCandidate>> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.duplicates(&customer_id).await?)
}

/// The merges into a customer, to undo one (retailer staff, online).
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn merges_list(state: State<'_, AppState>, customer_id: String) -> IpcResult<Vec<baton_proto::MergeRecord>> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.merges(&customer_id).await?)
}

/// Says the user is on a record (viewing, editing a contact, left) and answers
/// who else is there (online only).
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn presence_update(
    state: State<'_, AppState>,
    customer_id: String,
    activity: baton_proto::PresenceActivity,
    contact_point_id: Option<String>,
) -> IpcResult<Vec<baton_proto::Presence>> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.presence(&customer_id, activity, contact_point_id).await?)
}

/// Partner scorecards (story 5): the same figures for the retailer and the partner.
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn scorecards_list(
    state: State<'_, AppState>,
    period: baton_proto::ScorecardPeriod,
) -> IpcResult<Vec<baton_proto::Scorecard>> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.scorecards(&period).await?)
}

/// The items behind one figure of a partner's scorecard (its drill-down).
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn scorecards_items(
    state: State<'_, AppState>,
    org_id: String,
    figure: baton_proto::ScorecardFigure,
    period: baton_proto::ScorecardPeriod,
) -> IpcResult<baton_proto::ScorecardItems> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.scorecard_items(&org_id, figure, &period).await?)
}

/// One partner's scorecard week by week, for its trend chart.
#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn scorecards_trend(
    state: State<'_, AppState>,
    org_id: String,
    weeks: u32,
) -> IpcResult<Vec<baton_proto::Scorecard>> {
    let console = state.console().await.ok_or_else(IpcError::not_signed_in)?;
    Ok(console.scorecard_trend(&org_id, weeks).await?)
}

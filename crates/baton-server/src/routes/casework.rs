//! Tickets, callbacks and commitments across customers: the queues. Items come
//! from their customers' scoped documents (see `list::items`).

use axum::extract::State;
use baton_proto::{
    CallbackItem, CallbackStatus, CommitmentItem, CommitmentStatus, Customer, Page, QueueCounts, TicketItem,
    TicketStatus,
};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use super::list::{self, check_id, PageQuery};
use crate::auth::AuthUser;
use crate::docs::{self, Scope};
use crate::error::{ApiJson, ApiPath, ApiQuery, ServerError};
use crate::store::queues::Queue;
use crate::store::{self, Conn};
use crate::wire::{name, ts};
use crate::AppState;

/// Open follow-ups per organisation: the counts at the top of the supervisor
/// queue. The retailer sees every organisation; a partner its own.
#[utoipa::path(get, path = "/v1/queues", tag = "callbacks",
    responses((status = 200, description = "Counts per organisation", body = Vec<QueueCounts>)),
    security(("bearer" = [])))]
pub async fn queues(State(state): State<AppState>, caller: AuthUser) -> Result<ApiJson<Vec<QueueCounts>>, ServerError> {
    let org = org_of(&caller.scope());
    let now = ts(state.now());
    let found = state.db.read(move |tx| store::queues::counts(tx, &org, &now)).await?;
    Ok(ApiJson(found))
}

fn ticket(c: &Customer, id: &str) -> Option<TicketItem> {
    let ticket = c.tickets.iter().find(|t| t.id == id)?.clone();
    Some(TicketItem {
        customer_id: c.id.clone(),
        customer_name: c.display_name.clone(),
        ticket,
    })
}

fn callback(c: &Customer, id: &str) -> Option<CallbackItem> {
    let callback = c.callbacks.iter().find(|t| t.id == id)?.clone();
    Some(CallbackItem {
        customer_id: c.id.clone(),
        customer_name: c.display_name.clone(),
        callback,
    })
}

fn commitment(c: &Customer, id: &str) -> Option<CommitmentItem> {
    let commitment = c.commitments.iter().find(|t| t.id == id)?.clone();
    Some(CommitmentItem {
        customer_id: c.id.clone(),
        customer_name: c.display_name.clone(),
        commitment,
    })
}

/// One item: its customer's scoped document, then the item in it; 404 otherwise.
fn one<T>(
    conn: &dyn Conn,
    scope: &Scope,
    queue: Queue,
    id: &str,
    what: &str,
    pick: impl Fn(&Customer, &str) -> Option<T>,
) -> Result<T, ServerError> {
    let customer = store::queues::customer_of(conn, queue, id)?;
    let customer = customer.ok_or_else(|| ServerError::not_found(what))?;
    let doc = docs::visible_customer(conn, scope, &customer).map_err(|_| ServerError::not_found(what))?;
    pick(&doc, id).ok_or_else(|| ServerError::not_found(what))
}

/// The caller's organisation for SQL pre-filters ('' for retailer staff, who see all).
fn org_of(scope: &Scope) -> String {
    scope.org().unwrap_or_default().to_string()
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TicketsQuery {
    status: Option<TicketStatus>,
    /// Only tickets escalated to this partner organisation.
    #[param(pattern = "^[A-Za-z0-9_.:-]{1,100}$")]
    escalated_to: Option<String>,
    /// `next_cursor` of the previous page; omit for the first page.
    #[param(max_length = 200)]
    cursor: Option<String>,
    /// 1 to 200 (50 by default).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<usize>,
}

/// Tickets the caller may see: a partner sees those it owns or that were escalated to it.
#[utoipa::path(get, path = "/v1/tickets", tag = "tickets", params(TicketsQuery),
    responses((status = 200, description = "Tickets in id order", body = Page<TicketItem>),
              (status = 422, description = "Invalid filter", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn tickets(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiQuery(q): ApiQuery<TicketsQuery>,
) -> Result<ApiJson<Page<TicketItem>>, ServerError> {
    let (cursor, limit) = PageQuery {
        cursor: q.cursor,
        limit: q.limit,
    }
    .get()?;
    if let Some(org) = &q.escalated_to {
        check_id(org)?;
    }
    let scope = caller.scope();
    let status = q.status.map(|s| name(&s));
    let page = state
        .db
        .read(move |tx| {
            let rows = store::queues::tickets(
                tx,
                &cursor,
                limit + 1,
                &org_of(&scope),
                status.as_deref(),
                q.escalated_to.as_deref(),
            )?;
            list::items(tx, &scope, rows, limit, ticket)
        })
        .await?;
    Ok(ApiJson(page))
}

#[utoipa::path(get, path = "/v1/tickets/{id}", tag = "tickets",
    params(("id" = String, Path, description = "Ticket id")),
    responses((status = 200, description = "The ticket and its customer", body = TicketItem),
              (status = 404, description = "No such ticket, or not visible to the caller", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn get_ticket(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<TicketItem>, ServerError> {
    check_id(&id)?;
    let scope = caller.scope();
    let found = state
        .db
        .read(move |tx| one(tx, &scope, Queue::Tickets, &id, "ticket", ticket))
        .await?;
    Ok(ApiJson(found))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbacksQuery {
    status: Option<CallbackStatus>,
    /// Only callbacks owned by this organisation.
    #[param(pattern = "^[A-Za-z0-9_.:-]{1,100}$")]
    owner_org: Option<String>,
    /// Only items owned by this user (an agent's own queue).
    #[param(pattern = "^[A-Za-z0-9_.:-]{1,100}$")]
    owner_user: Option<String>,
    /// Only open items past their due time (a callback: past its window).
    overdue: Option<bool>,
    /// Only items due at or before this time (e.g. the end of today).
    due_before: Option<DateTime<Utc>>,
    /// Only items in a supervisor queue.
    escalated: Option<bool>,
    /// `next_cursor` of the previous page; omit for the first page.
    #[param(max_length = 200)]
    cursor: Option<String>,
    /// 1 to 200 (50 by default).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<usize>,
}

/// Callbacks the caller may see: a partner sees those it owns and those about its jobs.
#[utoipa::path(get, path = "/v1/callbacks", tag = "callbacks", params(CallbacksQuery),
    responses((status = 200, description = "Callbacks in id order", body = Page<CallbackItem>),
              (status = 422, description = "Invalid filter", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn callbacks(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiQuery(q): ApiQuery<CallbacksQuery>,
) -> Result<ApiJson<Page<CallbackItem>>, ServerError> {
    let filters = QueueFilters {
        status: q.status.map(|s| name(&s)),
        owner_org: q.owner_org,
        owner_user: q.owner_user,
        overdue: q.overdue.unwrap_or(false),
        due_before: q.due_before,
        escalated: q.escalated.unwrap_or(false),
        page: PageQuery {
            cursor: q.cursor,
            limit: q.limit,
        },
    };
    follow_up_page(&state, &caller, filters, store::queues::callbacks, callback).await
}

#[utoipa::path(get, path = "/v1/callbacks/{id}", tag = "callbacks",
    params(("id" = String, Path, description = "Callback id")),
    responses((status = 200, description = "The callback and its customer", body = CallbackItem),
              (status = 404, description = "No such callback, or not visible to the caller", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn get_callback(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<CallbackItem>, ServerError> {
    check_id(&id)?;
    let scope = caller.scope();
    let found = state
        .db
        .read(move |tx| one(tx, &scope, Queue::Callbacks, &id, "callback", callback))
        .await?;
    Ok(ApiJson(found))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CommitmentsQuery {
    status: Option<CommitmentStatus>,
    /// Only commitments owned by this organisation.
    #[param(pattern = "^[A-Za-z0-9_.:-]{1,100}$")]
    owner_org: Option<String>,
    /// Only items owned by this user (an agent's own queue).
    #[param(pattern = "^[A-Za-z0-9_.:-]{1,100}$")]
    owner_user: Option<String>,
    /// Only open items past their due time (a callback: past its window).
    overdue: Option<bool>,
    /// Only items due at or before this time (e.g. the end of today).
    due_before: Option<DateTime<Utc>>,
    /// Only items in a supervisor queue.
    escalated: Option<bool>,
    /// `next_cursor` of the previous page; omit for the first page.
    #[param(max_length = 200)]
    cursor: Option<String>,
    /// 1 to 200 (50 by default).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<usize>,
}

/// Commitments the caller may see: a partner sees its own and those about its jobs and tickets.
#[utoipa::path(get, path = "/v1/commitments", tag = "commitments", params(CommitmentsQuery),
    responses((status = 200, description = "Commitments in id order", body = Page<CommitmentItem>),
              (status = 422, description = "Invalid filter", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn commitments(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiQuery(q): ApiQuery<CommitmentsQuery>,
) -> Result<ApiJson<Page<CommitmentItem>>, ServerError> {
    let filters = QueueFilters {
        status: q.status.map(|s| name(&s)),
        owner_org: q.owner_org,
        owner_user: q.owner_user,
        overdue: q.overdue.unwrap_or(false),
        due_before: q.due_before,
        escalated: q.escalated.unwrap_or(false),
        page: PageQuery {
            cursor: q.cursor,
            limit: q.limit,
        },
    };
    follow_up_page(&state, &caller, filters, store::queues::commitments, commitment).await
}

#[utoipa::path(get, path = "/v1/commitments/{id}", tag = "commitments",
    params(("id" = String, Path, description = "Commitment id")),
    responses((status = 200, description = "The commitment and its customer", body = CommitmentItem),
              (status = 404, description = "No such commitment, or not visible to the caller", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn get_commitment(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<CommitmentItem>, ServerError> {
    check_id(&id)?;
    let scope = caller.scope();
    let found = state
        .db
        .read(move |tx| one(tx, &scope, Queue::Commitments, &id, "commitment", commitment))
        .await?;
    Ok(ApiJson(found))
}

/// The queue filters of the callback and commitment lists, validated below.
struct QueueFilters {
    status: Option<String>,
    owner_org: Option<String>,
    owner_user: Option<String>,
    overdue: bool,
    due_before: Option<DateTime<Utc>>,
    escalated: bool,
    page: PageQuery,
}

/// Reads the rows of a follow-up queue (`store::queues::callbacks` or `commitments`).
type FollowUpRows =
    fn(&dyn Conn, &str, usize, &store::queues::FollowUpFilter<'_>) -> Result<Vec<store::queues::ItemRow>, ServerError>;

/// One page of a follow-up list (callbacks or commitments) with the queue filters.
async fn follow_up_page<T: Send + 'static>(
    state: &AppState,
    caller: &AuthUser,
    f: QueueFilters,
    rows: FollowUpRows,
    pick: fn(&Customer, &str) -> Option<T>,
) -> Result<ApiJson<Page<T>>, ServerError> {
    let (cursor, limit) = f.page.get()?;
    for id in [&f.owner_org, &f.owner_user].into_iter().flatten() {
        check_id(id)?;
    }
    let now = ts(state.now());
    let scope = caller.scope();
    let page = state
        .db
        .read(move |tx| {
            let (org, due_before) = (org_of(&scope), f.due_before.map(ts));
            let filter = store::queues::FollowUpFilter {
                org: &org,
                status: f.status.as_deref(),
                owner_org: f.owner_org.as_deref(),
                owner_user: f.owner_user.as_deref(),
                overdue: f.overdue,
                due_before: due_before.as_deref(),
                escalated: f.escalated,
                now: &now,
            };
            let rows = rows(tx, &cursor, limit + 1, &filter)?;
            list::items(tx, &scope, rows, limit, pick)
        })
        .await?;
    Ok(ApiJson(page))
}

//! Tickets, callbacks and commitments across customers: the queues. Items come
//! from their customers' scoped documents (see `list::items`).

use axum::extract::State;
use baton_proto::{
    CallbackItem, CallbackStatus, CommitmentItem, CommitmentStatus, Customer, Page, QueueCounts, TicketItem,
    TicketStatus,
};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde::Deserialize;
use utoipa::IntoParams;

use super::list::{self, check_id, PageQuery};
use crate::auth::AuthUser;
use crate::docs::{self, Scope};
use crate::error::{ApiJson, ApiPath, ApiQuery, ServerError};
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
    let found = state
        .db
        .read(move |tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT o.id, o.name,
                   (SELECT COUNT(*) FROM callbacks c WHERE c.owner_org_id = o.id AND c.status IN ('waiting', 'queued')),
                   (SELECT COUNT(*) FROM callbacks c WHERE c.owner_org_id = o.id AND c.status = 'queued'
                        AND COALESCE(c.due_until, c.due_at) <= ?2),
                   (SELECT COUNT(*) FROM callbacks c WHERE c.owner_org_id = o.id AND c.status IN ('waiting', 'queued')
                        AND c.escalation_level > 0),
                   (SELECT COUNT(*) FROM commitments c WHERE c.owner_org_id = o.id AND c.status = 'open'),
                   (SELECT COUNT(*) FROM commitments c WHERE c.owner_org_id = o.id AND c.status = 'open' AND c.due_at <= ?2),
                   (SELECT COUNT(*) FROM commitments c WHERE c.owner_org_id = o.id AND c.status = 'open'
                        AND c.escalation_level > 0)
                 FROM orgs o WHERE ?1 = '' OR o.id = ?1 ORDER BY o.kind DESC, o.name",
            )?;
            let rows = stmt.query_map(rusqlite::params![org, now], |r| {
                Ok(QueueCounts {
                    org_id: r.get(0)?,
                    org_name: r.get(1)?,
                    callbacks_open: r.get(2)?,
                    callbacks_overdue: r.get(3)?,
                    callbacks_escalated: r.get(4)?,
                    commitments_open: r.get(5)?,
                    commitments_overdue: r.get(6)?,
                    commitments_escalated: r.get(7)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await?;
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
    conn: &Connection,
    scope: &Scope,
    table: &str,
    id: &str,
    what: &str,
    pick: impl Fn(&Customer, &str) -> Option<T>,
) -> Result<T, ServerError> {
    let customer: Option<String> = conn
        .query_row(&format!("SELECT customer_id FROM {table} WHERE id = ?1"), [id], |r| {
            r.get(0)
        })
        .optional()?;
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
    escalated_to: Option<String>,
    cursor: Option<String>,
    /// 1 to 200 (50 by default).
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
            list::items(
                tx,
                &scope,
                "SELECT id, customer_id FROM tickets
                 WHERE id > ?1 AND (?3 = '' OR owner_org_id = ?3 OR escalated_org_id = ?3)
                   AND (?4 IS NULL OR status = ?4) AND (?5 IS NULL OR escalated_org_id = ?5)
                 ORDER BY id LIMIT ?2",
                &cursor,
                limit,
                &[&org_of(&scope), &status, &q.escalated_to],
                ticket,
            )
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
        .read(move |tx| one(tx, &scope, "tickets", &id, "ticket", ticket))
        .await?;
    Ok(ApiJson(found))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbacksQuery {
    status: Option<CallbackStatus>,
    /// Only callbacks owned by this organisation.
    owner_org: Option<String>,
    /// Only items owned by this user (an agent's own queue).
    owner_user: Option<String>,
    /// Only open items past their due time (a callback: past its window).
    overdue: Option<bool>,
    /// Only items due at or before this time (e.g. the end of today).
    due_before: Option<DateTime<Utc>>,
    /// Only items in a supervisor queue.
    escalated: Option<bool>,
    cursor: Option<String>,
    /// 1 to 200 (50 by default).
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
    follow_up_page(&state, &caller, filters, CALLBACKS_SQL, callback).await
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
        .read(move |tx| one(tx, &scope, "callbacks", &id, "callback", callback))
        .await?;
    Ok(ApiJson(found))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CommitmentsQuery {
    status: Option<CommitmentStatus>,
    /// Only commitments owned by this organisation.
    owner_org: Option<String>,
    /// Only items owned by this user (an agent's own queue).
    owner_user: Option<String>,
    /// Only open items past their due time (a callback: past its window).
    overdue: Option<bool>,
    /// Only items due at or before this time (e.g. the end of today).
    due_before: Option<DateTime<Utc>>,
    /// Only items in a supervisor queue.
    escalated: Option<bool>,
    cursor: Option<String>,
    /// 1 to 200 (50 by default).
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
    follow_up_page(&state, &caller, filters, COMMITMENTS_SQL, commitment).await
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
        .read(move |tx| one(tx, &scope, "commitments", &id, "commitment", commitment))
        .await?;
    Ok(ApiJson(found))
}

/// Callback rows a scope may see (`?3`: the caller's organisation, '' for the
/// retailer), with the queue filters; see [`follow_up_page`] for the parameters.
const CALLBACKS_SQL: &str = "SELECT id, customer_id FROM callbacks
     WHERE id > ?1 AND (?3 = '' OR owner_org_id = ?3 OR job_id IN (SELECT id FROM jobs WHERE org_id = ?3))
       AND (?4 IS NULL OR status = ?4) AND (?5 IS NULL OR owner_org_id = ?5)
       AND (?6 IS NULL OR owner_user_id = ?6)
       AND (?7 = 0 OR (status = 'queued' AND COALESCE(due_until, due_at) <= ?10))
       AND (?8 IS NULL OR due_at <= ?8) AND (?9 = 0 OR escalation_level > 0)
     ORDER BY id LIMIT ?2";

const COMMITMENTS_SQL: &str = "SELECT id, customer_id FROM commitments
     WHERE id > ?1 AND (?3 = '' OR owner_org_id = ?3 OR job_id IN (SELECT id FROM jobs WHERE org_id = ?3)
            OR ticket_id IN (SELECT id FROM tickets WHERE owner_org_id = ?3 OR escalated_org_id = ?3))
       AND (?4 IS NULL OR status = ?4) AND (?5 IS NULL OR owner_org_id = ?5)
       AND (?6 IS NULL OR owner_user_id = ?6)
       AND (?7 = 0 OR (status = 'open' AND due_at <= ?10))
       AND (?8 IS NULL OR due_at <= ?8) AND (?9 = 0 OR escalation_level > 0)
     ORDER BY id LIMIT ?2";

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

/// One page of a follow-up list: `sql` binds cursor (?1), row limit (?2), the
/// caller's organisation (?3), status, owner org, owner user, overdue, due before,
/// escalated (?4–?9) and now (?10).
async fn follow_up_page<T: Send + 'static>(
    state: &AppState,
    caller: &AuthUser,
    f: QueueFilters,
    sql: &'static str,
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
            list::items(
                tx,
                &scope,
                sql,
                &cursor,
                limit,
                &[
                    &org_of(&scope),
                    &f.status,
                    &f.owner_org,
                    &f.owner_user,
                    &f.overdue,
                    &f.due_before.map(ts),
                    &f.escalated,
                    &now,
                ],
                pick,
            )
        })
        .await?;
    Ok(ApiJson(page))
}

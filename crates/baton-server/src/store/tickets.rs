//! Tickets: the case a customer's problem is worked in, with its SLA clock.

use std::collections::HashMap;

use baton_proto::{Escalation, Sla, Ticket};

use super::{grouped, Conn, Row};
use crate::error::ServerError;

/// Every column a [`Ticket`] is read from, over `tickets t` joined to its orgs and owner.
pub const SELECT: &str = "SELECT t.customer_id, t.id, t.number, t.subject, t.status, t.priority,
        t.owner_org_id, oo.name AS owner_org_name, t.owner_user_id, ou.display_name AS owner_name,
        t.escalated_org_id, eo.name AS escalated_org_name, t.escalated_at, t.escalated_by, t.escalation_reason,
        t.first_response_due, t.first_response_at, t.resolution_due, t.resolved_at,
        t.paused_since, t.pause_reason, t.paused_seconds, t.job_ids, t.created_at, t.created_by, t.updated_at
     FROM tickets t JOIN orgs oo ON oo.id = t.owner_org_id
     LEFT JOIN users ou ON ou.id = t.owner_user_id LEFT JOIN orgs eo ON eo.id = t.escalated_org_id";

pub fn from_row(r: Row<'_>) -> Result<Ticket, ServerError> {
    let escalation = match r.get::<Option<String>>("escalated_org_id")? {
        Some(org_id) => Some(Escalation {
            org_id,
            org_name: r.get::<Option<String>>("escalated_org_name")?.unwrap_or_default(),
            at: r.ts("escalated_at")?,
            by: r.get::<Option<String>>("escalated_by")?.unwrap_or_default(),
            reason: r.get::<Option<String>>("escalation_reason")?.unwrap_or_default(),
        }),
        None => None,
    };
    Ok(Ticket {
        id: r.get("id")?,
        number: r.get("number")?,
        subject: r.get("subject")?,
        status: r.parse("status")?,
        priority: r.parse("priority")?,
        owner_org_id: r.get("owner_org_id")?,
        owner_org_name: r.get("owner_org_name")?,
        owner_user_id: r.get("owner_user_id")?,
        owner_name: r.get("owner_name")?,
        escalation,
        sla: Sla {
            first_response_due: r.ts("first_response_due")?,
            first_response_at: r.opt_ts("first_response_at")?,
            resolution_due: r.ts("resolution_due")?,
            resolved_at: r.opt_ts("resolved_at")?,
            paused_since: r.opt_ts("paused_since")?,
            pause_reason: r.get("pause_reason")?,
            paused_seconds: r.get("paused_seconds")?,
        },
        job_ids: r.json("job_ids")?,
        created_at: r.ts("created_at")?,
        created_by: r.get("created_by")?,
        updated_at: r.ts("updated_at")?,
    })
}

/// The tickets of the customers in the id list `list`, by customer.
pub fn for_customers(db: &dyn Conn, list: &str) -> Result<HashMap<String, Vec<Ticket>>, ServerError> {
    let sql = format!(
        "{SELECT} WHERE t.customer_id IN {} ORDER BY t.customer_id, t.created_at, t.id",
        db.backend().ids_in(1)
    );
    grouped(db, &sql, list, "customer_id", from_row)
}

/// The next ticket number (`T-400001` onwards).
pub fn next_number(db: &dyn Conn) -> Result<String, ServerError> {
    let n: i64 = db.value("SELECT COUNT(*) + 400001 AS n FROM tickets", crate::args![], "n")?;
    Ok(format!("T-{n}"))
}

/// A ticket to open.
pub struct NewTicket<'a> {
    pub id: &'a str,
    pub number: &'a str,
    pub customer_id: &'a str,
    pub subject: &'a str,
    pub priority: baton_proto::Priority,
    pub owner_org_id: &'a str,
    pub owner_user_id: &'a str,
    pub first_response_due: &'a str,
    pub resolution_due: &'a str,
    pub job_ids: &'a [String],
    pub at: &'a str,
    pub by: &'a str,
}

pub fn insert(db: &dyn Conn, t: &NewTicket<'_>) -> Result<(), ServerError> {
    db.execute(
        "INSERT INTO tickets (id, number, customer_id, subject, status, priority, owner_org_id, owner_user_id,
                              first_response_due, resolution_due, job_ids, created_at, created_by, updated_at)
         VALUES (?1, ?2, ?3, ?4, 'open', ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?11)",
        crate::args![
            t.id,
            t.number,
            t.customer_id,
            t.subject,
            crate::wire::name(&t.priority),
            t.owner_org_id,
            t.owner_user_id,
            t.first_response_due,
            t.resolution_due,
            crate::wire::to_json(&t.job_ids)?,
            t.at,
            t.by
        ],
    )?;
    Ok(())
}

/// The first response is now (kept once set).
pub fn responded(db: &dyn Conn, id: &str, at: &str) -> Result<(), ServerError> {
    db.execute(
        "UPDATE tickets SET first_response_at = ?1 WHERE id = ?2 AND first_response_at IS NULL",
        crate::args![at, id],
    )?;
    Ok(())
}

/// Escalated to partner `org_id`, the SLA clock paused since `paused_since` (if at all).
#[allow(clippy::too_many_arguments)]
pub fn escalate(
    db: &dyn Conn,
    id: &str,
    org_id: &str,
    at: &str,
    by: &str,
    reason: &str,
    paused_since: Option<&str>,
    pause_reason: Option<&str>,
) -> Result<(), ServerError> {
    db.execute(
        "UPDATE tickets SET escalated_org_id = ?1, escalated_at = ?2, escalated_by = ?3, escalation_reason = ?4,
                paused_since = ?5, pause_reason = ?6, updated_at = ?2 WHERE id = ?7",
        crate::args![org_id, at, by, reason, paused_since, pause_reason, id],
    )?;
    Ok(())
}

/// A new status; the SLA clock resumes, its due times moved on by the
/// `paused_seconds` it was stopped.
pub struct StatusChange<'a> {
    pub status: baton_proto::TicketStatus,
    pub resolved_at: Option<&'a str>,
    pub paused_seconds: i64,
    pub first_response_due: &'a str,
    pub resolution_due: &'a str,
    pub at: &'a str,
}

pub fn set_status(db: &dyn Conn, id: &str, c: &StatusChange<'_>) -> Result<(), ServerError> {
    db.execute(
        "UPDATE tickets SET status = ?1, resolved_at = ?2, paused_since = NULL, pause_reason = NULL,
                paused_seconds = paused_seconds + ?3, first_response_due = ?4, resolution_due = ?5,
                updated_at = ?6 WHERE id = ?7",
        crate::args![
            crate::wire::name(&c.status),
            c.resolved_at,
            c.paused_seconds,
            c.first_response_due,
            c.resolution_due,
            c.at,
            id
        ],
    )?;
    Ok(())
}

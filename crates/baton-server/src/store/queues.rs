//! The follow-up queues across customers: tickets, callbacks and commitments
//! as rows (item id, customer id) a scope may see, and the counts per organisation.

use baton_proto::QueueCounts;

use super::Conn;
use crate::args;
use crate::error::ServerError;

/// An item of a queue: its id and its customer's.
pub struct ItemRow {
    pub id: String,
    pub customer_id: String,
}

fn item_rows(db: &dyn Conn, sql: &str, params: &[&dyn super::ToParam]) -> Result<Vec<ItemRow>, ServerError> {
    db.all(sql, params, |r| {
        Ok(ItemRow {
            id: r.get("id")?,
            customer_id: r.get("customer_id")?,
        })
    })
}

/// Open follow-ups per organisation (every one when `org` is empty), the retailer first.
pub fn counts(db: &dyn Conn, org: &str, now: &str) -> Result<Vec<QueueCounts>, ServerError> {
    db.all(
        "SELECT o.id, o.name,
           (SELECT COUNT(*) FROM callbacks c WHERE c.owner_org_id = o.id AND c.status IN ('waiting', 'queued'))
               AS callbacks_open,
           (SELECT COUNT(*) FROM callbacks c WHERE c.owner_org_id = o.id AND c.status = 'queued'
                AND COALESCE(c.due_until, c.due_at) <= ?2) AS callbacks_overdue,
           (SELECT COUNT(*) FROM callbacks c WHERE c.owner_org_id = o.id AND c.status IN ('waiting', 'queued')
                AND c.escalation_level > 0) AS callbacks_escalated,
           (SELECT COUNT(*) FROM commitments c WHERE c.owner_org_id = o.id AND c.status = 'open') AS commitments_open,
           (SELECT COUNT(*) FROM commitments c WHERE c.owner_org_id = o.id AND c.status = 'open' AND c.due_at <= ?2)
               AS commitments_overdue,
           (SELECT COUNT(*) FROM commitments c WHERE c.owner_org_id = o.id AND c.status = 'open'
                AND c.escalation_level > 0) AS commitments_escalated
         FROM orgs o WHERE ?1 = '' OR o.id = ?1 ORDER BY o.kind DESC, o.name",
        args![org, now],
        |r| {
            Ok(QueueCounts {
                org_id: r.get("id")?,
                org_name: r.get("name")?,
                callbacks_open: r.get("callbacks_open")?,
                callbacks_overdue: r.get("callbacks_overdue")?,
                callbacks_escalated: r.get("callbacks_escalated")?,
                commitments_open: r.get("commitments_open")?,
                commitments_overdue: r.get("commitments_overdue")?,
                commitments_escalated: r.get("commitments_escalated")?,
            })
        },
    )
}

/// Tickets after `cursor`, by id, at most `limit`: those of `org` (owned or
/// escalated to it; all when empty), optionally in `status` or escalated to `escalated_to`.
pub fn tickets(
    db: &dyn Conn,
    cursor: &str,
    limit: usize,
    org: &str,
    status: Option<&str>,
    escalated_to: Option<&str>,
) -> Result<Vec<ItemRow>, ServerError> {
    item_rows(
        db,
        "SELECT id, customer_id FROM tickets
         WHERE id > ?1 AND (?3 = '' OR owner_org_id = ?3 OR escalated_org_id = ?3)
           AND (?4 IS NULL OR status = ?4) AND (?5 IS NULL OR escalated_org_id = ?5)
         ORDER BY id LIMIT ?2",
        args![cursor, limit as i64, org, status, escalated_to],
    )
}

/// The filters of the callback and commitment queues.
pub struct FollowUpFilter<'a> {
    /// The caller's organisation ('' for the retailer, who sees all).
    pub org: &'a str,
    pub status: Option<&'a str>,
    pub owner_org: Option<&'a str>,
    pub owner_user: Option<&'a str>,
    /// Only those past due at `now`.
    pub overdue: bool,
    pub due_before: Option<&'a str>,
    pub escalated: bool,
    pub now: &'a str,
}

/// A follow-up queue's rows: `seen` says which rows the caller's organisation
/// (`?3`) may see, `overdue` when one is past due at `?10`; the filters are shared.
fn follow_ups(
    db: &dyn Conn,
    table: &str,
    seen: &str,
    overdue: &str,
    cursor: &str,
    limit: usize,
    f: &FollowUpFilter<'_>,
) -> Result<Vec<ItemRow>, ServerError> {
    item_rows(
        db,
        &format!(
            "SELECT id, customer_id FROM {table}
             WHERE id > ?1 AND (?3 = '' OR {seen})
               AND (?4 IS NULL OR status = ?4) AND (?5 IS NULL OR owner_org_id = ?5)
               AND (?6 IS NULL OR owner_user_id = ?6) AND (?7 = 0 OR ({overdue}))
               AND (?8 IS NULL OR due_at <= ?8) AND (?9 = 0 OR escalation_level > 0)
             ORDER BY id LIMIT ?2"
        ),
        args![
            cursor,
            limit as i64,
            f.org,
            f.status,
            f.owner_org,
            f.owner_user,
            f.overdue,
            f.due_before,
            f.escalated,
            f.now
        ],
    )
}

/// Callbacks a scope may see (owned by its organisation or about its jobs).
pub fn callbacks(
    db: &dyn Conn,
    cursor: &str,
    limit: usize,
    f: &FollowUpFilter<'_>,
) -> Result<Vec<ItemRow>, ServerError> {
    follow_ups(
        db,
        "callbacks",
        "owner_org_id = ?3 OR job_id IN (SELECT id FROM jobs WHERE org_id = ?3)",
        "status = 'queued' AND COALESCE(due_until, due_at) <= ?10",
        cursor,
        limit,
        f,
    )
}

/// Commitments a scope may see (owned by its organisation, about its jobs or its tickets).
pub fn commitments(
    db: &dyn Conn,
    cursor: &str,
    limit: usize,
    f: &FollowUpFilter<'_>,
) -> Result<Vec<ItemRow>, ServerError> {
    follow_ups(
        db,
        "commitments",
        "owner_org_id = ?3 OR job_id IN (SELECT id FROM jobs WHERE org_id = ?3)
         OR ticket_id IN (SELECT id FROM tickets WHERE owner_org_id = ?3 OR escalated_org_id = ?3)",
        "status = 'open' AND due_at <= ?10",
        cursor,
        limit,
        f,
    )
}

/// The queue tables, each with its items' customer.
#[derive(Debug, Clone, Copy)]
pub enum Queue {
    Tickets,
    Callbacks,
    Commitments,
}

/// The customer of item `id` in `queue`.
pub fn customer_of(db: &dyn Conn, queue: Queue, id: &str) -> Result<Option<String>, ServerError> {
    db.opt(
        &format!("SELECT customer_id FROM {} WHERE id = ?1", queue.table()),
        args![id],
        |r| r.get("customer_id"),
    )
}

/// An open callback or commitment past its due time and not yet escalated to the top.
pub struct OverdueRow {
    pub queue: Queue,
    pub id: String,
    pub customer_id: String,
    /// The callback's request or the commitment's text.
    pub text: String,
    pub owner_name: String,
    pub owner_org_id: String,
    pub owner_kind: baton_proto::OrgKind,
    /// When it fell due (a callback window's end).
    pub due: String,
    pub escalation_level: i64,
    pub job_id: Option<String>,
    pub ticket_id: Option<String>,
    /// The owner's own SLA: minutes it may stay overdue before the retailer gets it.
    pub sla_minutes: Option<i64>,
}

/// Open callbacks and commitments due at or before `now`, below the top escalation level.
pub fn overdue(db: &dyn Conn, now: &str) -> Result<Vec<OverdueRow>, ServerError> {
    let mut out = Vec::new();
    for (queue, table, text, due, open, ticket, sla) in [
        (
            Queue::Callbacks,
            "callbacks",
            "i.request",
            "COALESCE(i.due_until, i.due_at)",
            "queued",
            "NULL",
            "o.callback_sla_minutes",
        ),
        (
            Queue::Commitments,
            "commitments",
            "i.text",
            "i.due_at",
            "open",
            "i.ticket_id",
            "o.commitment_sla_minutes",
        ),
    ] {
        let sql = format!(
            "SELECT i.id, i.customer_id, {text} AS text, o.name AS owner_name, o.id AS owner_org_id,
                    o.kind AS owner_kind, {due} AS due,
                    i.escalation_level, i.job_id, {ticket} AS ticket_id, {sla} AS sla_minutes
             FROM {table} i JOIN orgs o ON o.id = i.owner_org_id
             WHERE i.status = ?1 AND i.escalation_level < 2 AND {due} <= ?2
             ORDER BY {due}, i.id"
        );
        out.extend(db.all(&sql, args![open, now], |r| {
            Ok(OverdueRow {
                queue,
                id: r.get("id")?,
                customer_id: r.get("customer_id")?,
                text: r.get("text")?,
                owner_name: r.get("owner_name")?,
                owner_org_id: r.get("owner_org_id")?,
                owner_kind: r.parse("owner_kind")?,
                due: r.get("due")?,
                escalation_level: r.get("escalation_level")?,
                job_id: r.get("job_id")?,
                ticket_id: r.get("ticket_id")?,
                sla_minutes: r.get("sla_minutes")?,
            })
        })?);
    }
    Ok(out)
}

/// Raises a callback's or commitment's escalation to `level`; false when it was
/// already there (the level only goes up, so a repeated sweep escalates once).
pub fn escalate(
    db: &dyn Conn,
    queue: Queue,
    id: &str,
    level: i64,
    at: &str,
    reason: &str,
) -> Result<bool, ServerError> {
    let table = match queue {
        Queue::Callbacks => "callbacks",
        Queue::Commitments => "commitments",
        Queue::Tickets => {
            return Err(ServerError::Internal(
                "tickets escalate to an organisation, not a level".into(),
            ))
        }
    };
    let changed = db.execute(
        &format!(
            "UPDATE {table} SET escalation_level = ?1, escalated_at = ?2, escalation_reason = ?3
             WHERE id = ?4 AND escalation_level < ?1"
        ),
        args![level, at, reason, id],
    )?;
    Ok(changed > 0)
}

impl Queue {
    fn table(self) -> &'static str {
        match self {
            Queue::Tickets => "tickets",
            Queue::Callbacks => "callbacks",
            Queue::Commitments => "commitments",
        }
    }

    /// The item's name in the audit log.
    pub fn entity(self) -> &'static str {
        match self {
            Queue::Tickets => "ticket",
            Queue::Callbacks => "callback",
            Queue::Commitments => "commitment",
        }
    }
}

/// Hands a queue item to another organisation (and optionally one of its users).
pub fn reassign(db: &dyn Conn, queue: Queue, id: &str, org_id: &str, user_id: Option<&str>) -> Result<(), ServerError> {
    db.execute(
        &format!(
            "UPDATE {} SET owner_org_id = ?1, owner_user_id = ?2 WHERE id = ?3",
            queue.table()
        ),
        args![org_id, user_id, id],
    )?;
    Ok(())
}

/// A new due time (a callback's window when `due_until` is given); the item
/// leaves the supervisors' queue until it is overdue again.
pub fn reschedule(
    db: &dyn Conn,
    queue: Queue,
    id: &str,
    due_at: &str,
    due_until: Option<&str>,
    at: &str,
) -> Result<(), ServerError> {
    match queue {
        Queue::Callbacks => db.execute(
            "UPDATE callbacks SET due_at = ?1, due_until = ?2,
                    status = CASE WHEN status = 'waiting' THEN 'queued' ELSE status END,
                    trigger = NULL, escalation_level = 0, escalated_at = NULL, escalation_reason = NULL, updated_at = ?3
             WHERE id = ?4",
            args![due_at, due_until, at, id],
        )?,
        Queue::Commitments => db.execute(
            "UPDATE commitments SET due_at = ?1, escalation_level = 0, escalated_at = NULL, escalation_reason = NULL
             WHERE id = ?2",
            args![due_at, id],
        )?,
        Queue::Tickets => return Err(ServerError::Internal("tickets are not rescheduled".into())),
    };
    Ok(())
}

//! Callbacks: a promise to ring a customer back, owned by an organisation.

use std::collections::HashMap;

use baton_proto::Callback;

use super::{grouped, queue_escalation, Conn, Row};
use crate::error::ServerError;

/// Every column a [`Callback`] is read from, over `callbacks c` joined to its owners.
pub const SELECT: &str = "SELECT c.customer_id, c.id, c.owner_org_id, o.name AS owner_org_name, c.owner_user_id,
        u.display_name AS owner_name, c.person_id, c.phone, c.request, c.due_at, c.trigger, c.job_id, c.status,
        c.attempts, c.created_at, c.created_by, c.updated_at, c.due_until,
        c.escalation_level, c.escalated_at, c.escalation_reason
     FROM callbacks c JOIN orgs o ON o.id = c.owner_org_id LEFT JOIN users u ON u.id = c.owner_user_id";

pub fn from_row(r: Row<'_>) -> Result<Callback, ServerError> {
    Ok(Callback {
        id: r.get("id")?,
        owner_org_id: r.get("owner_org_id")?,
        owner_org_name: r.get("owner_org_name")?,
        owner_user_id: r.get("owner_user_id")?,
        owner_name: r.get("owner_name")?,
        person_id: r.get("person_id")?,
        phone: r.get("phone")?,
        request: r.get("request")?,
        due_at: r.opt_ts("due_at")?,
        trigger: r.opt_json("trigger")?,
        job_id: r.get("job_id")?,
        status: r.parse("status")?,
        attempts: r.json("attempts")?,
        created_at: r.ts("created_at")?,
        created_by: r.get("created_by")?,
        updated_at: r.ts("updated_at")?,
        due_until: r.opt_ts("due_until")?,
        escalation: queue_escalation(r)?,
    })
}

/// The callbacks of the customers in the id list `list`, by customer.
pub fn for_customers(db: &dyn Conn, list: &str) -> Result<HashMap<String, Vec<Callback>>, ServerError> {
    let sql = format!(
        "{SELECT} WHERE c.customer_id IN {} ORDER BY c.customer_id, c.created_at, c.id",
        db.backend().ids_in(1)
    );
    grouped(db, &sql, list, "customer_id", from_row)
}

/// A callback to schedule.
pub struct NewCallback<'a> {
    pub id: &'a str,
    pub customer_id: &'a str,
    pub owner_org_id: &'a str,
    pub owner_user_id: Option<&'a str>,
    pub person_id: Option<&'a str>,
    pub phone: &'a str,
    pub request: &'a str,
    pub due_at: Option<&'a str>,
    pub due_until: Option<&'a str>,
    pub trigger: Option<&'a baton_proto::CallbackTrigger>,
    pub job_id: Option<&'a str>,
    pub status: baton_proto::CallbackStatus,
    pub at: &'a str,
    pub by: &'a str,
}

pub fn insert(db: &dyn Conn, c: &NewCallback<'_>) -> Result<(), ServerError> {
    db.execute(
        "INSERT INTO callbacks (id, customer_id, owner_org_id, owner_user_id, person_id, phone, request, due_at,
                                trigger, job_id, status, created_at, created_by, updated_at, due_until)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?12, ?14)",
        crate::args![
            c.id,
            c.customer_id,
            c.owner_org_id,
            c.owner_user_id,
            c.person_id,
            c.phone,
            c.request,
            c.due_at,
            c.trigger.map(crate::wire::to_json).transpose()?,
            c.job_id,
            crate::wire::name(&c.status),
            c.at,
            c.by,
            c.due_until
        ],
    )?;
    Ok(())
}

/// An attempt recorded: the attempts so far, the new status, a retry time (a
/// new due time, the window gone) and an escalation to the owner's supervisors.
pub struct Attempted<'a> {
    pub attempts: &'a [baton_proto::CallbackAttempt],
    pub status: baton_proto::CallbackStatus,
    pub retry_at: Option<&'a str>,
    pub escalate: Option<&'a str>,
    pub at: &'a str,
}

pub fn record_attempt(db: &dyn Conn, id: &str, a: &Attempted<'_>) -> Result<(), ServerError> {
    db.execute(
        "UPDATE callbacks SET attempts = ?1, status = ?2, updated_at = ?3,
                due_at = COALESCE(?5, due_at),
                due_until = CASE WHEN ?5 IS NULL THEN due_until ELSE NULL END,
                escalation_level = CASE WHEN ?6 IS NULL OR escalation_level > 1 THEN escalation_level ELSE 1 END,
                escalated_at = CASE WHEN ?6 IS NULL THEN escalated_at ELSE ?3 END,
                escalation_reason = COALESCE(?6, escalation_reason)
         WHERE id = ?4",
        crate::args![
            crate::wire::to_json(&a.attempts)?,
            crate::wire::name(&a.status),
            a.at,
            id,
            a.retry_at,
            a.escalate
        ],
    )?;
    Ok(())
}

/// Callbacks waiting for job `job_id` to reach `status`: (id, request).
pub fn waiting_for_job(db: &dyn Conn, job_id: &str, status: &str) -> Result<Vec<(String, String)>, ServerError> {
    let b = db.backend();
    db.all(
        &format!(
            "SELECT id, request FROM callbacks
             WHERE status = 'waiting' AND {} = 'job_status' AND {} = ?1 AND {} = ?2",
            b.json_text("trigger", "type"),
            b.json_text("trigger", "job_id"),
            b.json_text("trigger", "status")
        ),
        crate::args![job_id, status],
        |r| Ok((r.get("id")?, r.get("request")?)),
    )
}

/// Into the owner's queue, due at `due_at`.
pub fn queue(db: &dyn Conn, id: &str, due_at: &str, at: &str) -> Result<(), ServerError> {
    db.execute(
        "UPDATE callbacks SET status = 'queued', due_at = ?1, updated_at = ?2 WHERE id = ?3",
        crate::args![due_at, at, id],
    )?;
    Ok(())
}

/// The organisation that owns a callback.
pub fn owner_of(db: &dyn Conn, id: &str) -> Result<Option<String>, ServerError> {
    db.opt(
        "SELECT owner_org_id FROM callbacks WHERE id = ?1",
        crate::args![id],
        |r| r.get("owner_org_id"),
    )
}

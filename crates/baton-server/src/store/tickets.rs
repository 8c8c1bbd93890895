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

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

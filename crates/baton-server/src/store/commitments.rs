//! Commitments: a promise made to a customer, due by a time, owned by an organisation.

use std::collections::HashMap;

use baton_proto::Commitment;

use super::{grouped, queue_escalation, Conn, Row};
use crate::error::ServerError;

/// Every column a [`Commitment`] is read from, over `commitments c` joined to its owners.
pub const SELECT: &str = "SELECT c.customer_id, c.id, c.text, c.due_at, c.owner_org_id, o.name AS owner_org_name,
        c.owner_user_id, u.display_name AS owner_name, c.ticket_id, c.job_id, c.status, c.created_at,
        c.created_by, c.resolved_at, c.escalation_level, c.escalated_at, c.escalation_reason
     FROM commitments c JOIN orgs o ON o.id = c.owner_org_id LEFT JOIN users u ON u.id = c.owner_user_id";

pub fn from_row(r: Row<'_>) -> Result<Commitment, ServerError> {
    Ok(Commitment {
        id: r.get("id")?,
        text: r.get("text")?,
        due_at: r.ts("due_at")?,
        owner_org_id: r.get("owner_org_id")?,
        owner_org_name: r.get("owner_org_name")?,
        owner_user_id: r.get("owner_user_id")?,
        owner_name: r.get("owner_name")?,
        ticket_id: r.get("ticket_id")?,
        job_id: r.get("job_id")?,
        status: r.parse("status")?,
        created_at: r.ts("created_at")?,
        created_by: r.get("created_by")?,
        resolved_at: r.opt_ts("resolved_at")?,
        escalation: queue_escalation(r)?,
    })
}

/// The commitments of the customers in the id list `list`, by customer.
pub fn for_customers(db: &dyn Conn, list: &str) -> Result<HashMap<String, Vec<Commitment>>, ServerError> {
    let sql = format!(
        "{SELECT} WHERE c.customer_id IN {} ORDER BY c.customer_id, c.due_at, c.id",
        db.backend().ids_in(1)
    );
    grouped(db, &sql, list, "customer_id", from_row)
}

/// A promise made to the customer.
pub struct NewCommitment<'a> {
    pub id: &'a str,
    pub customer_id: &'a str,
    pub text: &'a str,
    pub due_at: &'a str,
    pub owner_org_id: &'a str,
    pub owner_user_id: Option<&'a str>,
    pub ticket_id: Option<&'a str>,
    pub job_id: Option<&'a str>,
    pub at: &'a str,
    pub by: &'a str,
}

pub fn insert(db: &dyn Conn, c: &NewCommitment<'_>) -> Result<(), ServerError> {
    db.execute(
        "INSERT INTO commitments (id, customer_id, text, due_at, owner_org_id, owner_user_id, ticket_id, job_id,
                                  status, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'open', ?9, ?10)",
        crate::args![
            c.id,
            c.customer_id,
            c.text,
            c.due_at,
            c.owner_org_id,
            c.owner_user_id,
            c.ticket_id,
            c.job_id,
            c.at,
            c.by
        ],
    )?;
    Ok(())
}

/// Kept or broken, at `at`.
pub fn resolve(db: &dyn Conn, id: &str, status: baton_proto::CommitmentStatus, at: &str) -> Result<(), ServerError> {
    db.execute(
        "UPDATE commitments SET status = ?1, resolved_at = ?2 WHERE id = ?3",
        crate::args![crate::wire::name(&status), at, id],
    )?;
    Ok(())
}

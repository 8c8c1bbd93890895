//! The audit log: every write, sign-in and export, with who, which organisation,
//! when, and the value before and after.

use baton_proto::AuditEntry;

use super::{Conn, Row};
use crate::args;
use crate::error::ServerError;

/// One entry to append.
pub struct NewEntry<'a> {
    pub at: &'a str,
    pub user_id: &'a str,
    pub org_id: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub before: Option<&'a str>,
    pub after: &'a str,
    /// The customer the entry is filed under, when it is about one.
    pub customer_id: Option<&'a str>,
}

pub fn append(db: &dyn Conn, e: &NewEntry<'_>) -> Result<(), ServerError> {
    db.execute(
        "INSERT INTO audit_log (at, user_id, org_id, action, entity, entity_id, before, after, customer_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        args![
            e.at,
            e.user_id,
            e.org_id,
            e.action,
            e.entity,
            e.entity_id,
            e.before,
            e.after,
            e.customer_id
        ],
    )?;
    Ok(())
}

fn from_row(r: Row<'_>) -> Result<AuditEntry, ServerError> {
    Ok(AuditEntry {
        id: r.get("id")?,
        at: r.ts("at")?,
        user_id: r.get("user_id")?,
        org_id: r.get("org_id")?,
        action: r.get("action")?,
        entity: r.get("entity")?,
        entity_id: r.get("entity_id")?,
        before: r.get("before")?,
        after: r.get("after")?,
    })
}

/// Up to `limit` entries of a customer with ids below `before`, newest first.
pub fn of_customer_page(
    db: &dyn Conn,
    customer_id: &str,
    before: i64,
    limit: usize,
) -> Result<Vec<AuditEntry>, ServerError> {
    db.all(
        "SELECT id, at, user_id, org_id, action, entity, entity_id, before, after FROM audit_log
         WHERE customer_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3",
        args![customer_id, before, limit as i64],
        from_row,
    )
}

/// Every entry of a customer, oldest first.
pub fn of_customer(db: &dyn Conn, customer_id: &str) -> Result<Vec<AuditEntry>, ServerError> {
    db.all(
        "SELECT id, at, user_id, org_id, action, entity, entity_id, before, after FROM audit_log
         WHERE customer_id = ?1 ORDER BY id",
        args![customer_id],
        from_row,
    )
}

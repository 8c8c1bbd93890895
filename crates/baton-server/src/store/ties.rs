//! The partner scope rule's ties: which partner organisations have work on which
//! customers (a job assigned, a ticket escalated or owned, a callback or
//! commitment owned). `docs` holds the rule; this is its one SQL form.

use super::Conn;
use crate::args;
use crate::error::ServerError;

/// Every (org, customer_id) tie, as a subquery.
const TIES: &str = "SELECT org_id AS org, customer_id FROM jobs
     UNION SELECT escalated_org_id, customer_id FROM tickets WHERE escalated_org_id IS NOT NULL
     UNION SELECT owner_org_id, customer_id FROM tickets
     UNION SELECT owner_org_id, customer_id FROM callbacks
     UNION SELECT owner_org_id, customer_id FROM commitments";

/// The customers the partner in SQL parameter `param` (`?N`) has work on, as a subquery.
pub fn customers_of(param: &str) -> String {
    format!("SELECT customer_id FROM ({TIES}) ties WHERE org = {param}")
}

/// The partner organisations with work on `customer_id`, by id.
pub fn partners_of_customer(db: &dyn Conn, customer_id: &str) -> Result<Vec<String>, ServerError> {
    db.all(
        &format!(
            "SELECT DISTINCT t.org FROM ({TIES}) t JOIN orgs o ON o.id = t.org
             WHERE t.customer_id = ?1 AND o.kind = 'partner' ORDER BY t.org"
        ),
        args![customer_id],
        |r| r.get("org"),
    )
}

/// A page of the ids of customers `org` has work on, after `after`, by id.
pub fn customer_ids_page(db: &dyn Conn, org: &str, after: &str, limit: usize) -> Result<Vec<String>, ServerError> {
    db.all(
        &format!(
            "SELECT DISTINCT customer_id FROM ({TIES}) ties WHERE org = ?1 AND customer_id > ?2
             ORDER BY customer_id LIMIT ?3"
        ),
        args![org, after, limit as i64],
        |r| r.get("customer_id"),
    )
}

/// How many customers `org` has work on.
pub fn count_customers(db: &dyn Conn, org: &str) -> Result<i64, ServerError> {
    db.value(
        &format!("SELECT COUNT(DISTINCT customer_id) AS n FROM ({TIES}) ties WHERE org = ?1"),
        args![org],
        "n",
    )
}

//! The ticket index: every open ticket of the cached customers, for home views
//! ("my tickets", "escalated to us"). Rebuilt for a customer whenever its
//! document is stored, like the follow-up index.

use baton_proto::{Customer, Ticket, TicketStatus};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

use super::Cache;
use crate::error::{CoreError, Result};
use crate::view::{TicketFilter, TicketRow};

/// The most rows one home view holds.
pub const MAX_ROWS: usize = 1000;

/// Adds the customer's open tickets, and its order and ticket numbers (after
/// `forget` where it had rows).
pub(super) fn index(conn: &Connection, c: &Customer) -> Result<()> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO tickets (id, customer_id, customer_name, owner_org_id, owner_user_id, escalated_to, resolution_due, doc)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for t in c
        .tickets
        .iter()
        .filter(|t| matches!(t.status, TicketStatus::Open | TicketStatus::Pending))
    {
        let doc = serde_json::to_string(t).map_err(|e| CoreError::Internal(format!("encoding a ticket: {e}")))?;
        insert.execute(params![
            t.id,
            c.id,
            c.display_name,
            t.owner_org_id,
            t.owner_user_id,
            t.escalation.as_ref().map(|e| &e.org_id),
            t.sla.resolution_due.timestamp(),
            doc
        ])?;
    }
    let mut number = conn.prepare_cached("INSERT INTO number_index (number, kind, customer_id) VALUES (?1, ?2, ?3)")?;
    for o in &c.orders {
        number.execute(params![o.number, "order", c.id])?;
    }
    for t in &c.tickets {
        number.execute(params![t.number, "ticket", c.id])?;
    }
    Ok(())
}

pub(super) fn forget(conn: &Connection, customer_id: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM tickets WHERE customer_id = ?1")?
        .execute([customer_id])?;
    conn.prepare_cached("DELETE FROM number_index WHERE customer_id = ?1")?
        .execute([customer_id])?;
    Ok(())
}

impl Cache {
    /// Open tickets matching `filter`, the most urgent (earliest resolution due) first.
    pub fn tickets(&self, filter: &TicketFilter, now: DateTime<Utc>) -> Result<Vec<TicketRow>> {
        let conn = self.lock()?;
        let mut stmt = conn.prepare_cached(
            "SELECT customer_id, customer_name, doc FROM tickets
             WHERE (?1 IS NULL OR owner_org_id = ?1) AND (?2 IS NULL OR owner_user_id = ?2)
               AND (?3 IS NULL OR escalated_to = ?3)
             ORDER BY resolution_due, id LIMIT ?4",
        )?;
        let mut rows = stmt.query(params![
            filter.owner_org_id,
            filter.owner_user_id,
            filter.escalated_to,
            MAX_ROWS as i64
        ])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let ticket: Ticket = serde_json::from_str(&r.get::<_, String>(2)?)
                .map_err(|e| CoreError::Internal(format!("a cached ticket is unreadable: {e}")))?;
            out.push(TicketRow {
                customer_id: r.get(0)?,
                customer_name: r.get(1)?,
                overdue: ticket.sla.paused_since.is_none() && ticket.sla.resolution_due <= now,
                ticket,
            });
        }
        Ok(out)
    }
}

//! Orders and subscriptions: what the customer bought, and the jobs that fulfil it.

use baton_proto::{OrderKind, OrderLine, OrderStatus};

use super::Conn;
use crate::args;
use crate::error::ServerError;

/// An order to record.
pub struct NewOrderRow<'a> {
    pub id: &'a str,
    pub customer_id: &'a str,
    pub number: &'a str,
    pub kind: OrderKind,
    pub status: OrderStatus,
    pub placed_at: &'a str,
    pub lines: &'a [OrderLine],
}

pub fn insert(db: &dyn Conn, o: &NewOrderRow<'_>) -> Result<(), ServerError> {
    let lines = crate::wire::to_json(&o.lines)?;
    db.execute(
        "INSERT INTO orders (id, customer_id, number, kind, status, placed_at, lines) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        args![
            o.id,
            o.customer_id,
            o.number,
            crate::wire::name(&o.kind),
            crate::wire::name(&o.status),
            o.placed_at,
            lines
        ],
    )?;
    Ok(())
}

/// Sets an order's status, and its products when given.
pub fn update(db: &dyn Conn, id: &str, status: OrderStatus, lines: Option<&[OrderLine]>) -> Result<(), ServerError> {
    let lines = lines.map(|l| crate::wire::to_json(&l)).transpose()?;
    db.execute(
        "UPDATE orders SET status = ?2, lines = COALESCE(?3, lines) WHERE id = ?1",
        args![id, crate::wire::name(&status), lines],
    )?;
    Ok(())
}

/// Whether an order number is in use.
pub fn number_taken(db: &dyn Conn, number: &str) -> Result<bool, ServerError> {
    Ok(db
        .opt("SELECT id FROM orders WHERE number = ?1", args![number], |r| {
            r.get::<String>("id")
        })?
        .is_some())
}

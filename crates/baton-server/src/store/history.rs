//! A customer's history on its way to the feed: the `history_pending` rows the
//! triggers on `timeline` and `confirmations` leave, and the digest of what each
//! partner scope was last sent of a customer's history (`feed_views`).

use super::Conn;
use crate::args;
use crate::error::ServerError;

/// Ids of the history items of one customer written since its last feed append.
#[derive(Debug, Default)]
pub struct Pending {
    pub timeline: Vec<String>,
    pub confirmations: Vec<String>,
}

impl Pending {
    pub fn is_empty(&self) -> bool {
        self.timeline.is_empty() && self.confirmations.is_empty()
    }
}

/// Takes the pending history of `customer_id`: returns it and deletes it.
pub fn take_pending(db: &dyn Conn, customer_id: &str) -> Result<Pending, ServerError> {
    let mut out = Pending::default();
    db.each(
        "DELETE FROM history_pending WHERE customer_id = ?1 RETURNING kind, id",
        args![customer_id],
        &mut |r| {
            let id: String = r.get("id")?;
            match r.str("kind")? {
                "timeline" => out.timeline.push(id),
                _ => out.confirmations.push(id),
            }
            Ok(())
        },
    )?;
    Ok(out)
}

/// Forgets pending history of records no console is sent as changes (a bulk
/// load, which consoles receive through their snapshot).
pub fn clear_pending(db: &dyn Conn) -> Result<usize, ServerError> {
    db.execute("DELETE FROM history_pending", args![])
}

/// The digest of what `scope` was last sent of the customer's history.
pub fn view_digest(db: &dyn Conn, scope: &str, customer_id: &str) -> Result<Option<String>, ServerError> {
    db.opt(
        "SELECT digest FROM feed_views WHERE scope = ?1 AND customer_id = ?2",
        args![scope, customer_id],
        |r| r.get("digest"),
    )
}

pub fn set_view_digest(db: &dyn Conn, scope: &str, customer_id: &str, digest: &str) -> Result<(), ServerError> {
    db.execute(
        "INSERT INTO feed_views (scope, customer_id, digest) VALUES (?1, ?2, ?3)
         ON CONFLICT (scope, customer_id) DO UPDATE SET digest = excluded.digest",
        args![scope, customer_id, digest],
    )?;
    Ok(())
}

/// The scope no longer sees the customer: the next time it does, it gets the
/// history anew.
pub fn forget_view(db: &dyn Conn, scope: &str, customer_id: &str) -> Result<(), ServerError> {
    db.execute(
        "DELETE FROM feed_views WHERE scope = ?1 AND customer_id = ?2",
        args![scope, customer_id],
    )?;
    Ok(())
}

/// Every view of `scope` (its field rule changed: what it may see of every
/// customer's history is decided anew).
pub fn forget_scope(db: &dyn Conn, scope: &str) -> Result<(), ServerError> {
    db.execute("DELETE FROM feed_views WHERE scope = ?1", args![scope])?;
    Ok(())
}

//! The mutation log: every intent a client pushed, with its answer, so a retry
//! is answered the same; and the contact-data conflicts last-write-wins resolved.

use baton_proto::Conflict;

use super::Conn;
use crate::args;
use crate::error::ServerError;

/// Who pushed mutation `id`, and the answer recorded (JSON).
pub fn recorded(db: &dyn Conn, id: &str) -> Result<Option<(String, String)>, ServerError> {
    db.opt("SELECT user_id, outcome FROM mutations WHERE id = ?1", args![id], |r| {
        Ok((r.get("user_id")?, r.get("outcome")?))
    })
}

/// One mutation as recorded.
pub struct NewMutation<'a> {
    pub id: &'a str,
    pub user_id: &'a str,
    pub client_id: &'a str,
    pub client_seq: i64,
    pub name: &'a str,
    pub intent: &'a str,
    pub outcome: &'a str,
    pub at: &'a str,
}

pub fn record(db: &dyn Conn, m: &NewMutation<'_>) -> Result<(), ServerError> {
    db.execute(
        "INSERT INTO mutations (id, user_id, client_id, client_seq, name, intent, outcome, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        args![
            m.id,
            m.user_id,
            m.client_id,
            m.client_seq,
            m.name,
            m.intent,
            m.outcome,
            m.at
        ],
    )?;
    Ok(())
}

pub fn record_conflict(
    db: &dyn Conn,
    mutation_id: &str,
    customer_id: &str,
    c: &Conflict,
    winning_value: Option<&str>,
    at: &str,
) -> Result<(), ServerError> {
    db.execute(
        "INSERT INTO conflicts (mutation_id, customer_id, field, base_value, replaced_value, winning_value, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        args![
            mutation_id,
            customer_id,
            c.field,
            c.base_value,
            c.replaced_value,
            winning_value,
            at
        ],
    )?;
    Ok(())
}

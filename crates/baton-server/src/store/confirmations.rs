//! Confirmations: what the customer is told of a change, and how its delivery went.

use std::collections::HashMap;

use baton_proto::text::render;
use baton_proto::{Confirmation, TextArg};

use super::{grouped, Conn, Row};
use crate::error::ServerError;

pub fn from_row(r: Row<'_>) -> Result<Confirmation, ServerError> {
    let summary_template: String = r.get("summary")?;
    let summary_args: Vec<TextArg> = r.json("summary_args")?;
    Ok(Confirmation {
        id: r.get("id")?,
        person_id: r.get("person_id")?,
        channel: r.opt_parse("channel")?,
        recipient: r.get("recipient")?,
        summary: render(&summary_template, &summary_args),
        summary_template,
        summary_args,
        changed_by: r.get("changed_by")?,
        org_id: r.get("org_id")?,
        at: r.ts("at")?,
        status: r.parse("status")?,
        attempts: r.get("attempts")?,
        last_error: r.get("last_error")?,
        next_attempt_at: r.opt_ts("next_attempt_at")?,
        sent_at: r.opt_ts("sent_at")?,
    })
}

/// The confirmations of the customers in the id list `list`, by customer, oldest first.
pub fn for_customers(db: &dyn Conn, list: &str) -> Result<HashMap<String, Vec<Confirmation>>, ServerError> {
    select(db, "customer_id", list)
}

/// The confirmations with the ids in the id list `list`, by customer.
pub fn by_ids(db: &dyn Conn, list: &str) -> Result<HashMap<String, Vec<Confirmation>>, ServerError> {
    select(db, "id", list)
}

fn select(db: &dyn Conn, column: &str, list: &str) -> Result<HashMap<String, Vec<Confirmation>>, ServerError> {
    let sql = format!(
        "SELECT customer_id, id, person_id, channel, recipient, summary, changed_by, org_id, at, status, attempts,
                last_error, next_attempt_at, sent_at, summary_args
         FROM confirmations WHERE {column} IN {} ORDER BY customer_id, at, rowid",
        db.backend().ids_in(1)
    );
    grouped(db, &sql, list, "customer_id", from_row)
}

/// A confirmation due to be sent.
pub struct DueRow {
    pub id: String,
    pub customer_id: String,
    pub customer_name: String,
    pub channel: baton_proto::Channel,
    pub recipient: String,
    pub person_id: Option<String>,
    pub summary: String,
    pub summary_args: Vec<TextArg>,
    pub changed_by: String,
    pub at: chrono::DateTime<chrono::Utc>,
    pub attempts: u32,
    /// Set on a survey's message: the survey and its link's token.
    pub survey: Option<(String, String)>,
}

/// Claims for `node` until `until` up to `limit` pending and failed
/// confirmations whose next attempt is due by `now` and that no other node holds
/// a live claim on, on the channels this server can send (email, SMS), oldest
/// first; returns them. Run it in a write transaction: writers take turns, so
/// two nodes never claim the same row.
#[allow(clippy::too_many_arguments)]
pub fn claim_due(
    db: &dyn Conn,
    node: &str,
    now: &str,
    until: &str,
    limit: usize,
    email: bool,
    sms: bool,
) -> Result<Vec<DueRow>, ServerError> {
    let rows = db.all(
        "SELECT f.id, f.customer_id, c.display_name, f.channel, f.recipient, f.summary, f.changed_by, f.at,
                f.attempts, f.summary_args, f.person_id, f.survey_id, f.link_token
         FROM confirmations f JOIN customers c ON c.id = f.customer_id
         WHERE f.status IN ('pending', 'failed') AND f.channel IS NOT NULL AND f.recipient IS NOT NULL
           AND (f.next_attempt_at IS NULL OR f.next_attempt_at <= ?1)
           AND (f.claimed_until IS NULL OR f.claimed_until <= ?1)
           AND ((f.channel = 'email' AND ?3) OR (f.channel = 'sms' AND ?4))
         ORDER BY f.at, f.id LIMIT ?2",
        crate::args![now, limit as i64, email, sms],
        |r| {
            Ok(DueRow {
                id: r.get("id")?,
                customer_id: r.get("customer_id")?,
                customer_name: r.get("display_name")?,
                channel: r.parse("channel")?,
                recipient: r.get("recipient")?,
                person_id: r.get("person_id")?,
                summary: r.get("summary")?,
                summary_args: r.json("summary_args")?,
                changed_by: r.get("changed_by")?,
                at: r.ts("at")?,
                attempts: r.get("attempts")?,
                survey: match (
                    r.get::<Option<String>>("survey_id")?,
                    r.get::<Option<String>>("link_token")?,
                ) {
                    (Some(id), Some(token)) => Some((id, token)),
                    _ => None,
                },
            })
        },
    )?;
    for r in &rows {
        db.execute(
            "UPDATE confirmations SET claimed_by = ?1, claimed_until = ?2 WHERE id = ?3",
            crate::args![node, until, r.id],
        )?;
    }
    Ok(rows)
}

pub fn mark_sent(db: &dyn Conn, id: &str, attempts: u32, at: &str) -> Result<(), ServerError> {
    db.execute(
        "UPDATE confirmations SET status = 'sent', attempts = ?1, sent_at = ?2, last_error = NULL,
                next_attempt_at = NULL, claimed_by = NULL, claimed_until = NULL, link_token = NULL WHERE id = ?3",
        crate::args![attempts, at, id],
    )?;
    Ok(())
}

pub fn mark_failed(
    db: &dyn Conn,
    id: &str,
    attempts: u32,
    error: &str,
    next_attempt_at: &str,
) -> Result<(), ServerError> {
    db.execute(
        "UPDATE confirmations SET status = 'failed', attempts = ?1, last_error = ?2, next_attempt_at = ?3,
                claimed_by = NULL, claimed_until = NULL WHERE id = ?4",
        crate::args![attempts, error, next_attempt_at, id],
    )?;
    Ok(())
}

/// A confirmation to send (or, with no channel, to keep as `no_channel`).
pub struct NewConfirmation<'a> {
    pub id: &'a str,
    pub customer_id: &'a str,
    pub person_id: Option<&'a str>,
    pub channel: Option<baton_proto::Channel>,
    pub recipient: Option<&'a str>,
    pub summary: &'a baton_proto::Text,
    pub changed_by: &'a str,
    pub org_id: &'a str,
    pub at: &'a str,
    pub status: baton_proto::DeliveryStatus,
    /// A survey's message: the survey and the token its link carries, kept
    /// only until the message is sent.
    pub survey: Option<(&'a str, &'a str)>,
}

pub fn insert(db: &dyn Conn, c: &NewConfirmation<'_>) -> Result<(), ServerError> {
    db.execute(
        "INSERT INTO confirmations (id, customer_id, person_id, channel, recipient, summary, changed_by, org_id, at,
                                    status, summary_args, survey_id, link_token)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        crate::args![
            c.id,
            c.customer_id,
            c.person_id,
            c.channel.map(|ch| crate::wire::name(&ch)),
            c.recipient,
            c.summary.template,
            c.changed_by,
            c.org_id,
            c.at,
            crate::wire::name(&c.status),
            crate::wire::to_json(&c.summary.args)?,
            c.survey.map(|s| s.0),
            c.survey.map(|s| s.1)
        ],
    )?;
    Ok(())
}

/// How many confirmations are in each delivery status.
pub fn count_by_status(db: &dyn Conn) -> Result<Vec<(String, i64)>, ServerError> {
    db.all(
        "SELECT status, COUNT(*) AS n FROM confirmations GROUP BY status ORDER BY status",
        crate::args![],
        |r| Ok((r.get("status")?, r.get("n")?)),
    )
}

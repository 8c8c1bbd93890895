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
    let sql = format!(
        "SELECT customer_id, id, person_id, channel, recipient, summary, changed_by, org_id, at, status, attempts,
                last_error, next_attempt_at, sent_at, summary_args
         FROM confirmations WHERE customer_id IN {} ORDER BY customer_id, at, rowid",
        db.backend().ids_in(1)
    );
    grouped(db, &sql, list, "customer_id", from_row)
}

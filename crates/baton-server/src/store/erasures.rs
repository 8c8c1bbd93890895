//! Erasures: a customer erased at their request. The record of who erased whom,
//! when and why stays; the customer's personal data is replaced in every table
//! that holds it, and the feed keeps no copy of the customer or its jobs.

use super::{Backend, Conn};
use crate::args;
use crate::error::ServerError;

pub struct Erasure<'a> {
    pub customer_id: &'a str,
    pub at: &'a str,
    pub by_user: &'a str,
    pub reason: &'a str,
    /// What the customer's name reads as afterwards.
    pub erased_name: &'a str,
    /// The customer's jobs, whose feed documents go too.
    pub job_ids: &'a [String],
}

/// Records the erasure and scrubs the customer's personal data everywhere.
pub fn erase(db: &dyn Conn, e: &Erasure<'_>) -> Result<(), ServerError> {
    // The record first: the timeline and audit triggers allow these rows to change only now.
    db.execute(
        "INSERT INTO erasures (customer_id, erased_at, by_user, reason) VALUES (?1, ?2, ?3, ?4)",
        args![e.customer_id, e.at, e.by_user, e.reason],
    )?;
    let people = "SELECT id FROM people WHERE customer_id = ?1";
    db.execute(
        "UPDATE customers SET display_name = ?3, erased_at = ?2 WHERE id = ?1",
        args![e.customer_id, e.at, e.erased_name],
    )?;
    for sql in [
        "UPDATE people SET name = '' WHERE customer_id = ?1 AND ?2 IS NOT NULL",
        "UPDATE addresses SET line1 = '', line2 = NULL, city = '', postcode = '' WHERE customer_id = ?1 AND ?2 IS NOT NULL",
        "UPDATE timeline SET text = 'Erased', args = '[]' WHERE customer_id = ?1 AND ?2 IS NOT NULL",
        "UPDATE audit_log SET before = NULL, after = NULL WHERE customer_id = ?1 AND ?2 IS NOT NULL",
        "UPDATE confirmations SET recipient = NULL, summary = 'Erased', summary_args = '[]', last_error = NULL,
                link_token = NULL
         WHERE customer_id = ?1 AND ?2 IS NOT NULL",
        "UPDATE conflicts SET base_value = '', replaced_value = '', winning_value = '' WHERE customer_id = ?1 AND ?2 IS NOT NULL",
        "UPDATE callbacks SET phone = '', request = '', attempts = '[]', escalation_reason = NULL
         WHERE customer_id = ?1 AND ?2 IS NOT NULL",
        "UPDATE commitments SET text = '', escalation_reason = NULL WHERE customer_id = ?1 AND ?2 IS NOT NULL",
        "UPDATE tickets SET subject = 'Erased', escalation_reason = NULL, pause_reason = NULL
         WHERE customer_id = ?1 AND ?2 IS NOT NULL",
        "UPDATE feedback SET comment = '' WHERE customer_id = ?1 AND ?2 IS NOT NULL",
        // An erased customer's survey link stops working.
        "UPDATE surveys SET expires_at = ?2 WHERE customer_id = ?1 AND answered_at IS NULL",
        "UPDATE jobs SET summary = '' WHERE customer_id = ?1 AND ?2 IS NOT NULL",
        // The feed keeps no copy: its documents of the customer and its jobs go.
        "DELETE FROM changes WHERE entity = 'customer' AND entity_id = ?1 AND ?2 IS NOT NULL",
    ] {
        db.execute(sql, args![e.customer_id, e.at])?;
    }
    // Recorded edits keep their id and outcome (a retry is still answered),
    // not what they carried.
    let redact = match db.backend() {
        Backend::Sqlite => {
            "UPDATE mutations SET intent = json_object('type', name, 'customer_id', ?1, 'erased', json('true')),
                    outcome = json_remove(CASE WHEN json_extract(outcome, '$.message') IS NULL THEN outcome
                                               ELSE json_set(outcome, '$.message', 'erased') END, '$.conflict')
             WHERE json_extract(intent, '$.customer_id') = ?1"
        }
        Backend::Postgres => {
            "UPDATE mutations SET intent = CAST(jsonb_build_object('type', name, 'customer_id', CAST(?1 AS TEXT), 'erased', true) AS TEXT),
                    outcome = CAST((CASE WHEN CAST(outcome AS jsonb) ->> 'message' IS NULL THEN CAST(outcome AS jsonb)
                                         ELSE jsonb_set(CAST(outcome AS jsonb), '{message}', '\"erased\"') END) - 'conflict' AS TEXT)
             WHERE CAST(intent AS jsonb) ->> 'customer_id' = ?1"
        }
    };
    db.execute(redact, args![e.customer_id])?;
    db.execute(
        &format!("UPDATE contact_points SET value = '', label = '' WHERE person_id IN ({people})"),
        args![e.customer_id],
    )?;
    for job_id in e.job_ids {
        db.execute(
            "DELETE FROM changes WHERE entity = 'job' AND entity_id = ?1",
            args![job_id],
        )?;
    }
    Ok(())
}

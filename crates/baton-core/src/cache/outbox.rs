//! The outbox: every edit the user makes, kept until the server has answered it.

use baton_proto::{Conflict, Customer, ErrorCode, Intent, Mutation, MutationOutcome, MutationResult};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use uuid::Uuid;

use super::records::refresh_customer;
use super::Cache;
use crate::error::{CoreError, Result};
use crate::intents;
use crate::view::{EditState, FieldEdit};

/// How many edits are waiting, refused, or in conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutboxCounts {
    pub pending: u32,
    pub rejected: u32,
    pub conflicts: u32,
}

/// A queued edit, as pushed to the server.
#[derive(Debug, Clone)]
pub struct OutboxEntry {
    pub mutation: Mutation,
    pub attempts: u32,
}

fn decode<T: serde::de::DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| CoreError::Internal(format!("an outbox entry is unreadable: {e}")))
}

/// The newest edit of each field of a customer, for the markers on the record screen.
pub(super) fn latest_edits(conn: &Connection, customer_id: &str) -> Result<Vec<FieldEdit>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, target, state, intent, created_at, error_code, error, conflict FROM outbox o
         WHERE customer_id = ?1 AND resolved = 0
           AND client_seq = (SELECT MAX(client_seq) FROM outbox i WHERE i.customer_id = o.customer_id AND i.target = o.target)
         ORDER BY client_seq",
    )?;
    let mut rows = stmt.query([customer_id])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let state: String = r.get(2)?;
        let conflict: Option<String> = r.get(7)?;
        let conflict: Option<Conflict> = conflict.as_deref().map(decode).transpose()?;
        let state = match (state.as_str(), &conflict) {
            ("pending", _) => EditState::SavedLocally,
            ("applied", None) => EditState::Synced,
            ("applied", Some(_)) => EditState::Conflict,
            _ => EditState::Rejected,
        };
        let intent: Intent = decode(&r.get::<_, String>(3)?)?;
        let code: Option<String> = r.get(5)?;
        let message: Option<String> = match (&conflict, r.get::<_, Option<String>>(6)?) {
            (Some(c), _) => Some(format!(
                "Your edit replaced {} which someone else had saved after you opened the record (you saw {}).",
                c.replaced_value, c.base_value
            )),
            (None, m) => m,
        };
        out.push(FieldEdit {
            mutation_id: r.get(0)?,
            target: r.get(1)?,
            state,
            value: intent.value().to_string(),
            created_at: r.get::<_, String>(4)?.parse().unwrap_or_else(|_| Utc::now()),
            error_code: code.and_then(|c| serde_json::from_value(serde_json::Value::String(c)).ok()),
            message,
            replaced_value: conflict.map(|c| c.replaced_value),
        });
    }
    Ok(out)
}

impl Cache {
    /// Validates `intent` against the cached customer, then writes the optimistic
    /// change and the outbox entry in one transaction. Returns the mutation id.
    pub fn enqueue(&self, intent: Intent, by: &str) -> Result<Uuid> {
        let mut conn = self.lock()?;
        let tx = conn.transaction()?;
        let customer_id = intent.customer_id().to_string();
        let now = Utc::now();
        if let Intent::CreateCustomer { .. } = &intent {
            // A new customer is on screen (and searchable) at once, as the
            // server will hold it; its account number comes with the server's copy.
            intents::apply(&mut Customer::default(), &intent, by, now)?;
            let exists: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM customers WHERE id = ?1)",
                [&customer_id],
                |r| r.get(0),
            )?;
            if exists {
                return Err(CoreError::invalid(ErrorCode::Conflict, "that customer already exists"));
            }
            super::records::store_provisional(&tx, &intents::provisional_customer(&intent, by, now))?;
        }
        let doc: Option<String> = tx
            .query_row(super::records::VIEW_BY_ID, [&customer_id], |r| r.get(0))
            .optional()?;
        let doc = doc.ok_or_else(|| CoreError::invalid(ErrorCode::NotFound, "that customer is not in your records"))?;
        let mut customer: Customer = decode(&doc)?;
        // Validate first: an edit that cannot apply is refused here, with nothing queued.
        intents::apply(&mut customer, &intent, by, now)?;
        let intent = normalised(intent, &customer);
        let id = Uuid::new_v4();
        tx.execute(
            "INSERT INTO outbox (id, customer_id, target, intent, created_at, state) VALUES (?1, ?2, ?3, ?4, ?5, 'pending')",
            params![
                id.to_string(),
                customer_id,
                intents::target(&intent),
                serde_json::to_string(&intent).map_err(|e| CoreError::Internal(e.to_string()))?,
                now.to_rfc3339()
            ],
        )?;
        refresh_customer(&tx, &customer_id)?;
        tx.commit()?;
        Ok(id)
    }

    /// The oldest pending edits, in the order the user made them.
    pub fn pending(&self, limit: usize) -> Result<Vec<OutboxEntry>> {
        let conn = self.lock()?;
        let mut stmt = conn.prepare_cached(
            "SELECT id, client_seq, created_at, intent, attempts FROM outbox WHERE state = 'pending' ORDER BY client_seq LIMIT ?1",
        )?;
        let mut rows = stmt.query([limit as i64])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            let created_at: String = r.get(2)?;
            out.push(OutboxEntry {
                mutation: Mutation {
                    id: Uuid::parse_str(&id).map_err(|e| CoreError::Internal(format!("outbox id {id}: {e}")))?,
                    client_seq: r.get(1)?,
                    created_at: created_at.parse::<DateTime<Utc>>().unwrap_or_else(|_| Utc::now()),
                    intent: decode(&r.get::<_, String>(3)?)?,
                },
                attempts: r.get(4)?,
            });
        }
        Ok(out)
    }

    /// Counts one more delivery attempt for these edits.
    pub fn note_attempt(&self, ids: &[Uuid]) -> Result<()> {
        let conn = self.lock()?;
        let mut stmt = conn.prepare_cached("UPDATE outbox SET attempts = attempts + 1 WHERE id = ?1")?;
        for id in ids {
            stmt.execute([id.to_string()])?;
        }
        Ok(())
    }

    /// Records the server's answers. A rejected edit stops being replayed, so the
    /// record shows the server's value again, and stays listed with its reason.
    /// Returns the customers whose view changed.
    pub fn record_results(&self, results: &[MutationResult]) -> Result<Vec<String>> {
        let mut conn = self.lock()?;
        let tx = conn.transaction()?;
        let mut changed = Vec::new();
        for r in results {
            let found: Option<(String, String)> = tx
                .query_row(
                    "SELECT customer_id, intent FROM outbox WHERE id = ?1 AND state = 'pending'",
                    [r.id.to_string()],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            let Some((customer, intent)) = found else { continue };
            let creates = matches!(decode::<Intent>(&intent)?, Intent::CreateCustomer { .. });
            match &r.outcome {
                MutationOutcome::Applied { seq, conflict } => {
                    let conflict = conflict
                        .as_ref()
                        .map(serde_json::to_string)
                        .transpose()
                        .map_err(|e| CoreError::Internal(e.to_string()))?;
                    tx.execute(
                        "UPDATE outbox SET state = 'applied', applied_seq = ?1, conflict = ?2 WHERE id = ?3",
                        params![seq, conflict, r.id.to_string()],
                    )?;
                }
                MutationOutcome::Rejected { code, message } => {
                    let code = serde_json::to_value(code)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string));
                    tx.execute(
                        "UPDATE outbox SET state = 'rejected', error_code = ?1, error = ?2 WHERE id = ?3",
                        params![code, message, r.id.to_string()],
                    )?;
                    if creates {
                        // The server never held it: the provisional record goes.
                        super::records::forget_customer(&tx, &customer)?;
                        changed.push(customer);
                        continue;
                    }
                }
            }
            refresh_customer(&tx, &customer)?;
            changed.push(customer);
        }
        tx.commit()?;
        changed.sort();
        changed.dedup();
        Ok(changed)
    }

    /// Edit counts for the status bar.
    pub fn outbox_counts(&self) -> Result<OutboxCounts> {
        let conn = self.lock()?;
        Ok(conn.query_row(
            "SELECT COALESCE(SUM(state = 'pending'), 0),
                    COALESCE(SUM(state = 'rejected' AND resolved = 0), 0),
                    COALESCE(SUM(state = 'applied' AND conflict IS NOT NULL AND resolved = 0), 0)
             FROM outbox",
            [],
            |r| {
                Ok(OutboxCounts {
                    pending: r.get(0)?,
                    rejected: r.get(1)?,
                    conflicts: r.get(2)?,
                })
            },
        )?)
    }

    /// A rejected or conflicting edit the user has not dealt with yet.
    pub fn unresolved(&self, mutation_id: &str) -> Result<Option<(Intent, Option<Conflict>)>> {
        let conn = self.lock()?;
        let row: Option<(String, Option<String>)> = conn
            .query_row(
                "SELECT intent, conflict FROM outbox
                 WHERE id = ?1 AND resolved = 0 AND (state = 'rejected' OR conflict IS NOT NULL)",
                [mutation_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(intent, conflict)| Ok((decode(&intent)?, conflict.as_deref().map(decode).transpose()?)))
            .transpose()
    }

    /// Clears the marker of a rejected or conflicting edit.
    pub fn mark_resolved(&self, mutation_id: &str) -> Result<()> {
        let conn = self.lock()?;
        conn.execute("UPDATE outbox SET resolved = 1 WHERE id = ?1", [mutation_id])?;
        Ok(())
    }
}

/// Stores the value as it was normalised, so the server receives the same value
/// the user saw applied.
fn normalised(intent: Intent, applied: &Customer) -> Intent {
    match intent {
        Intent::SetContactPoint {
            customer_id,
            person_id,
            contact_point_id,
            base_value,
            ..
        } => {
            let value = applied
                .contact_point(&person_id, &contact_point_id)
                .map(|c| c.value.clone())
                .unwrap_or_default();
            Intent::SetContactPoint {
                customer_id,
                person_id,
                contact_point_id,
                value,
                base_value,
            }
        }
        other => other,
    }
}

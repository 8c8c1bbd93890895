//! When this user opened each record: what "changed since you looked" compares against.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::Cache;
use crate::error::Result;

fn parse(s: Option<String>) -> Option<DateTime<Utc>> {
    s.and_then(|s| s.parse().ok())
}

impl Cache {
    /// Notes that the user opened the record now. Returns when they last saw it
    /// before, which the record's markers compare against until it is opened again.
    pub fn record_opened(&self, customer_id: &str, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
        let conn = self.lock()?;
        let previous: Option<String> = conn
            .query_row(
                "INSERT INTO record_views (customer_id, seen_at, compared_to) VALUES (?1, ?2, NULL)
                 ON CONFLICT(customer_id) DO UPDATE SET compared_to = seen_at, seen_at = excluded.seen_at
                 RETURNING compared_to",
                params![customer_id, now.to_rfc3339()],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        Ok(parse(previous))
    }

    /// Notes that the record is still on screen now (a refresh showed what changed).
    pub fn record_seen(&self, customer_id: &str, now: DateTime<Utc>) -> Result<()> {
        let conn = self.lock()?;
        conn.execute(
            "UPDATE record_views SET seen_at = ?2 WHERE customer_id = ?1",
            params![customer_id, now.to_rfc3339()],
        )?;
        Ok(())
    }

    /// The time the record on screen compares against (see `record_opened`).
    pub fn compared_to(&self, customer_id: &str) -> Result<Option<DateTime<Utc>>> {
        let conn = self.lock()?;
        let at: Option<String> = conn
            .query_row(
                "SELECT compared_to FROM record_views WHERE customer_id = ?1",
                [customer_id],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        Ok(parse(at))
    }
}

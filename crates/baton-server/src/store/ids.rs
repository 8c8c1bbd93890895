//! Ids a client chooses (offline-first): whether one is already taken.

use super::Conn;
use crate::args;
use crate::error::ServerError;

/// The tables whose rows have client-chosen ids.
const TABLES: &[&str] = &[
    "customers",
    "people",
    "contact_points",
    "addresses",
    "orders",
    "jobs",
    "tickets",
    "callbacks",
    "commitments",
    "timeline",
    "confirmations",
    "feedback",
    "merges",
    "surveys",
];

/// Whether `table` already has a row with `id`.
pub fn taken(db: &dyn Conn, table: &str, id: &str) -> Result<bool, ServerError> {
    if !TABLES.contains(&table) {
        return Err(ServerError::Internal(format!("'{table}' has no client-chosen ids")));
    }
    Ok(db
        .opt(
            &format!("SELECT 1 AS taken FROM {table} WHERE id = ?1"),
            args![id],
            |_| Ok(()),
        )?
        .is_some())
}

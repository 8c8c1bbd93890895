//! The `meta` table: the database's identity and the feed's floor.

use super::Conn;
use crate::args;
use crate::error::ServerError;

/// This database's epoch, made on first open.
pub fn epoch(db: &dyn Conn) -> Result<String, ServerError> {
    db.execute(
        "INSERT INTO meta (key, value) VALUES ('epoch', ?1) ON CONFLICT (key) DO NOTHING",
        args![uuid::Uuid::new_v4().to_string()],
    )?;
    db.value("SELECT value FROM meta WHERE key = 'epoch'", args![], "value")
}

pub fn get(db: &dyn Conn, key: &str) -> Result<Option<String>, ServerError> {
    db.opt("SELECT value FROM meta WHERE key = ?1", args![key], |r| r.get("value"))
}

pub fn set(db: &dyn Conn, key: &str, value: &str) -> Result<(), ServerError> {
    db.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        args![key, value],
    )?;
    Ok(())
}

/// The next value of counter `key` (`first` the first time), for numbers the
/// server gives (`J-…`, `O-…`). Runs in the caller's write transaction.
pub fn next_counter(db: &dyn Conn, key: &str, first: i64) -> Result<i64, ServerError> {
    let next = get(db, key)?.and_then(|v| v.parse::<i64>().ok()).unwrap_or(first);
    set(db, key, &(next + 1).to_string())?;
    Ok(next)
}

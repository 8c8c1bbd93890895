//! Sync bookkeeping kept in the cache: where the feed cursor is, which server
//! database it belongs to, and how far an interrupted snapshot got.

use rusqlite::{params, Connection, OptionalExtension};
use uuid::Uuid;

use super::Cache;
use crate::error::Result;

/// Where this cache stands against the server's feed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncCursor {
    pub epoch: Option<String>,
    /// Feed position once the snapshot is complete.
    pub cursor: Option<i64>,
    /// Token of the next snapshot page while a snapshot is under way.
    pub snapshot_token: Option<String>,
}

pub(crate) fn get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM sync_state WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

pub(crate) fn set(conn: &Connection, key: &str, value: Option<&str>) -> Result<()> {
    match value {
        Some(v) => conn.execute(
            "INSERT INTO sync_state (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, v],
        )?,
        None => conn.execute("DELETE FROM sync_state WHERE key = ?1", [key])?,
    };
    Ok(())
}

impl Cache {
    /// A small piece of reference data kept as JSON (the organisations list).
    pub fn stored<T: serde::de::DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        let conn = self.lock()?;
        Ok(get(&conn, key)?.and_then(|v| serde_json::from_str(&v).ok()))
    }

    pub fn store<T: serde::Serialize>(&self, key: &str, value: &T) -> Result<()> {
        let conn = self.lock()?;
        let json = serde_json::to_string(value).map_err(|e| crate::error::CoreError::Internal(e.to_string()))?;
        set(&conn, key, Some(&json))
    }

    pub fn sync_cursor(&self) -> Result<SyncCursor> {
        let conn = self.lock()?;
        Ok(SyncCursor {
            epoch: get(&conn, "epoch")?,
            cursor: get(&conn, "cursor")?.and_then(|v| v.parse().ok()),
            snapshot_token: get(&conn, "snapshot_token")?,
        })
    }

    /// This installation's id, for the server's idempotency records (made once).
    pub fn client_id(&self) -> Result<Uuid> {
        let conn = self.lock()?;
        if let Some(id) = get(&conn, "client_id")?.and_then(|v| Uuid::parse_str(&v).ok()) {
            return Ok(id);
        }
        let id = Uuid::new_v4();
        set(&conn, "client_id", Some(&id.to_string()))?;
        Ok(id)
    }

    pub fn last_sync_at(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        let conn = self.lock()?;
        Ok(get(&conn, "last_sync_at")?
            .and_then(|v| chrono::DateTime::parse_from_rfc3339(&v).ok())
            .map(|d| d.with_timezone(&chrono::Utc)))
    }

    pub fn mark_synced(&self, at: chrono::DateTime<chrono::Utc>) -> Result<()> {
        let conn = self.lock()?;
        set(&conn, "last_sync_at", Some(&at.to_rfc3339()))
    }
}

//! The `changes` table: the feed every console syncs from.

use super::Conn;
use crate::args;
use crate::error::ServerError;

/// One stored change.
pub struct ChangeRow {
    pub seq: i64,
    pub entity: String,
    pub entity_id: String,
    pub op: String,
    /// Of a customer's upsert: `None` for its state, else which part of its history.
    pub part: Option<Part>,
    pub doc: Option<String>,
    /// When the change was saved (RFC 3339).
    pub created_at: String,
}

/// Which part of a customer's history a change carries (protocol 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// One new or changed item.
    Item,
    /// The recent history as the scope may see it, replacing what it held.
    History,
}

impl Part {
    fn as_str(self) -> &'static str {
        match self {
            Part::Item => "item",
            Part::History => "history",
        }
    }

    fn parse(s: Option<&str>) -> Result<Option<Part>, ServerError> {
        match s {
            None => Ok(None),
            Some("item") => Ok(Some(Part::Item)),
            Some("history") => Ok(Some(Part::History)),
            Some(other) => Err(ServerError::Internal(format!("stored change part '{other}'"))),
        }
    }
}

/// Appends a change; returns its seq. `doc` is `None` for a removal.
pub fn append(
    db: &dyn Conn,
    scope: &str,
    entity: &str,
    entity_id: &str,
    part: Option<Part>,
    doc: Option<&str>,
    at: &str,
) -> Result<i64, ServerError> {
    let op = if doc.is_some() { "upsert" } else { "remove" };
    db.value(
        "INSERT INTO changes (scope, entity, entity_id, op, part, doc, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         RETURNING seq",
        args![scope, entity, entity_id, op, part.map(Part::as_str), doc, at],
        "seq",
    )
}

/// The newest seq in the table (0 when empty).
pub fn max_seq(db: &dyn Conn) -> Result<i64, ServerError> {
    db.value("SELECT COALESCE(MAX(seq), 0) AS seq FROM changes", args![], "seq")
}

/// The newest seq created before `before` that is not the newest of all.
pub fn compactable_upto(db: &dyn Conn, before: &str) -> Result<Option<i64>, ServerError> {
    db.value(
        "SELECT MAX(seq) AS seq FROM changes WHERE created_at < ?1 AND seq < (SELECT MAX(seq) FROM changes)",
        args![before],
        "seq",
    )
}

pub fn delete_upto(db: &dyn Conn, upto: i64) -> Result<usize, ServerError> {
    db.execute("DELETE FROM changes WHERE seq <= ?1", args![upto])
}

/// Up to `limit` changes of `scope` after `after`, oldest first.
pub fn page(db: &dyn Conn, scope: &str, after: i64, limit: usize) -> Result<Vec<ChangeRow>, ServerError> {
    db.all(
        "SELECT seq, entity, entity_id, op, part, doc, created_at FROM changes
         WHERE scope = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        args![scope, after, limit as i64],
        |r| {
            Ok(ChangeRow {
                seq: r.get("seq")?,
                entity: r.get("entity")?,
                entity_id: r.get("entity_id")?,
                op: r.get("op")?,
                part: Part::parse(r.get::<Option<String>>("part")?.as_deref())?,
                doc: r.get("doc")?,
                created_at: r.get("created_at")?,
            })
        },
    )
}

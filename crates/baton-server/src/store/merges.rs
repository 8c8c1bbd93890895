//! Merges of duplicate customers: which record survived, which was merged into
//! it, what moved, and whether it was undone.

use baton_proto::MergeRecord;

use super::Conn;
use crate::args;
use crate::error::ServerError;

/// Merges into `survivor_id`, including undone ones, newest first.
pub fn into(db: &dyn Conn, survivor_id: &str) -> Result<Vec<MergeRecord>, ServerError> {
    db.all(
        "SELECT m.id, m.survivor_id, m.merged_id, m.at, u.display_name, m.undone_at
         FROM merges m JOIN users u ON u.id = m.by_user WHERE m.survivor_id = ?1 ORDER BY m.at DESC, m.id",
        args![survivor_id],
        |r| {
            Ok(MergeRecord {
                id: r.get("id")?,
                survivor_id: r.get("survivor_id")?,
                merged_id: r.get("merged_id")?,
                at: r.ts("at")?,
                by: r.get("display_name")?,
                undone_at: r.opt_ts("undone_at")?,
            })
        },
    )
}

/// The tables whose rows belong to a customer and move with a merge.
pub const OWNED: [&str; 11] = [
    "people",
    "addresses",
    "orders",
    "jobs",
    "tickets",
    "callbacks",
    "commitments",
    "confirmations",
    "feedback",
    "surveys",
    "timeline",
];

fn owned(table: &str) -> Result<&str, ServerError> {
    OWNED
        .iter()
        .find(|t| **t == table)
        .copied()
        .ok_or_else(|| ServerError::Internal(format!("'{table}' does not belong to a customer")))
}

/// The ids of `customer_id`'s rows in `table`, in insertion order.
pub fn rows_of(db: &dyn Conn, table: &str, customer_id: &str) -> Result<Vec<String>, ServerError> {
    db.all(
        &format!("SELECT id FROM {} WHERE customer_id = ?1 ORDER BY rowid", owned(table)?),
        args![customer_id],
        |r| r.get("id"),
    )
}

/// Files rows `ids` of `table` under customer `to` instead of `from`.
pub fn move_rows(db: &dyn Conn, table: &str, from: &str, to: &str, ids: &[String]) -> Result<(), ServerError> {
    db.execute(
        &format!(
            "UPDATE {} SET customer_id = ?1 WHERE customer_id = ?2 AND id IN {}",
            owned(table)?,
            db.backend().ids_in(3)
        ),
        args![to, from, db.backend().id_list(ids)],
    )?;
    Ok(())
}

/// A merge to record: what moved (JSON `{table: [ids]}`), so an undo moves back exactly that.
pub struct NewMerge<'a> {
    pub id: &'a str,
    pub survivor_id: &'a str,
    pub merged_id: &'a str,
    pub moved: &'a str,
    pub at: &'a str,
    pub by_user: &'a str,
}

/// Records the merge, and the merged customer as merged into the survivor.
pub fn record(db: &dyn Conn, m: &NewMerge<'_>) -> Result<(), ServerError> {
    db.execute(
        "UPDATE customers SET merged_into = ?1, updated_at = ?2 WHERE id = ?3",
        args![m.survivor_id, m.at, m.merged_id],
    )?;
    db.execute(
        "INSERT INTO merges (id, survivor_id, merged_id, moved, at, by_user) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        args![m.id, m.survivor_id, m.merged_id, m.moved, m.at, m.by_user],
    )?;
    Ok(())
}

/// A recorded merge.
pub struct MergeRow {
    pub survivor_id: String,
    pub merged_id: String,
    pub moved: String,
    pub undone_at: Option<String>,
}

pub fn get(db: &dyn Conn, id: &str) -> Result<Option<MergeRow>, ServerError> {
    db.opt(
        "SELECT survivor_id, merged_id, moved, undone_at FROM merges WHERE id = ?1",
        args![id],
        |r| {
            Ok(MergeRow {
                survivor_id: r.get("survivor_id")?,
                merged_id: r.get("merged_id")?,
                moved: r.get("moved")?,
                undone_at: r.get("undone_at")?,
            })
        },
    )
}

/// Records the merge undone: the merged customer is one of its own again.
pub fn undo(db: &dyn Conn, id: &str, merged_id: &str, at: &str) -> Result<(), ServerError> {
    db.execute(
        "UPDATE customers SET merged_into = NULL, updated_at = ?1 WHERE id = ?2",
        args![at, merged_id],
    )?;
    db.execute("UPDATE merges SET undone_at = ?1 WHERE id = ?2", args![at, id])?;
    Ok(())
}

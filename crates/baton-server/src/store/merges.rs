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

//! The retailer's references of imported records (`external_ref`), and the id
//! each names here.

use baton_proto::ImportKind;

use super::Conn;
use crate::args;
use crate::error::ServerError;

/// The id of the record of `kind` with reference `external_ref`, if imported.
pub fn find(db: &dyn Conn, kind: ImportKind, external_ref: &str) -> Result<Option<String>, ServerError> {
    db.opt(
        "SELECT id FROM import_refs WHERE kind = ?1 AND external_ref = ?2",
        args![kind.as_str(), external_ref],
        |r| r.get("id"),
    )
}

/// Records that `external_ref` names the record `id` (made now, or found by
/// the hash an older version derived its id from).
pub fn insert(db: &dyn Conn, kind: ImportKind, external_ref: &str, id: &str) -> Result<(), ServerError> {
    db.execute(
        "INSERT INTO import_refs (kind, external_ref, id) VALUES (?1, ?2, ?3)",
        args![kind.as_str(), external_ref, id],
    )?;
    Ok(())
}

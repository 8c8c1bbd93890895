//! Organisations: the retailer and its partners, with the customer fields each
//! partner's jobs need.

use baton_proto::{Org, OrgProfile, PartnerField};

use super::Conn;
use crate::args;
use crate::error::ServerError;

/// Every organisation, the retailer first, then by name.
pub fn all(db: &dyn Conn) -> Result<Vec<OrgProfile>, ServerError> {
    db.all(
        "SELECT id, name, kind, visible_fields FROM orgs ORDER BY kind DESC, name",
        args![],
        |r| {
            Ok(OrgProfile {
                org: Org {
                    id: r.get("id")?,
                    name: r.get("name")?,
                    kind: r.parse("kind")?,
                },
                visible_fields: r.json("visible_fields")?,
            })
        },
    )
}

/// The customer fields `org`'s jobs need (none for an unknown org).
pub fn visible_fields(db: &dyn Conn, org: &str) -> Result<Vec<PartnerField>, ServerError> {
    Ok(db
        .opt("SELECT visible_fields FROM orgs WHERE id = ?1", args![org], |r| {
            r.json("visible_fields")
        })?
        .unwrap_or_default())
}

/// The retailer organisation (the first, should there be several).
pub fn retailer(db: &dyn Conn) -> Result<Org, ServerError> {
    db.opt(
        "SELECT id, name, kind FROM orgs WHERE kind = 'retailer' ORDER BY id LIMIT 1",
        args![],
        |r| {
            Ok(Org {
                id: r.get("id")?,
                name: r.get("name")?,
                kind: r.parse("kind")?,
            })
        },
    )?
    .ok_or_else(|| ServerError::Internal("the database has no retailer organisation".into()))
}

/// An organisation's name and kind.
pub fn get(db: &dyn Conn, id: &str) -> Result<Option<Org>, ServerError> {
    db.opt("SELECT id, name, kind FROM orgs WHERE id = ?1", args![id], |r| {
        Ok(Org {
            id: r.get("id")?,
            name: r.get("name")?,
            kind: r.parse("kind")?,
        })
    })
}

/// The name of an organisation that must exist (one a stored row refers to).
pub fn name(db: &dyn Conn, id: &str) -> Result<String, ServerError> {
    get(db, id)?
        .map(|o| o.name)
        .ok_or_else(|| ServerError::Internal(format!("organisation '{id}' is referred to but missing")))
}

//! API keys and the service users they act as.

use baton_proto::{ApiKey, Org, UserInfo};

use super::{Conn, Row};
use crate::args;
use crate::error::ServerError;

const SELECT: &str = "SELECT k.id, k.name, k.prefix, k.created_at, k.last_used_at, k.revoked_at, u.role,
        o.id AS org_id, o.name AS org_name, o.kind AS org_kind
     FROM api_keys k JOIN users u ON u.id = k.user_id JOIN orgs o ON o.id = u.org_id";

fn from_row(r: Row<'_>) -> Result<ApiKey, ServerError> {
    let role = r.str("role")?;
    Ok(ApiKey {
        id: r.get("id")?,
        org: Org {
            id: r.get("org_id")?,
            name: r.get("org_name")?,
            kind: r.parse("org_kind")?,
        },
        name: r.get("name")?,
        role: baton_proto::Role::parse(role).ok_or_else(|| ServerError::Internal(format!("stored role '{role}'")))?,
        prefix: r.get("prefix")?,
        created_at: r.ts("created_at")?,
        last_used_at: r.opt_ts("last_used_at")?,
        revoked_at: r.opt_ts("revoked_at")?,
    })
}

/// Keys of one organisation, or of all, newest first.
pub fn list(db: &dyn Conn, org: Option<&str>) -> Result<Vec<ApiKey>, ServerError> {
    db.all(
        &format!("{SELECT} WHERE (?1 IS NULL OR o.id = ?1) ORDER BY k.created_at DESC, k.id"),
        args![org],
        from_row,
    )
}

pub fn get(db: &dyn Conn, id: &str) -> Result<Option<ApiKey>, ServerError> {
    db.opt(&format!("{SELECT} WHERE k.id = ?1"), args![id], from_row)
}

pub struct NewKey<'a> {
    pub id: &'a str,
    pub user_id: &'a str,
    pub name: &'a str,
    pub key_hash: &'a str,
    pub prefix: &'a str,
    pub created_by: &'a str,
    pub at: &'a str,
}

pub fn insert(db: &dyn Conn, k: &NewKey<'_>) -> Result<(), ServerError> {
    db.execute(
        "INSERT INTO api_keys (id, user_id, name, key_hash, prefix, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        args![k.id, k.user_id, k.name, k.key_hash, k.prefix, k.created_by, k.at],
    )?;
    Ok(())
}

/// Revokes a key and disables its service user; false when already revoked.
pub fn revoke(db: &dyn Conn, id: &str, at: &str) -> Result<bool, ServerError> {
    let changed = db.execute(
        "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
        args![id, at],
    )?;
    db.execute(
        "UPDATE users SET disabled_at = COALESCE(disabled_at, ?2) WHERE id = (SELECT user_id FROM api_keys WHERE id = ?1)",
        args![id, at],
    )?;
    Ok(changed > 0)
}

/// The service user of a live key: not revoked, its user enabled, its
/// organisation active. Also whether `last_used_at` is older than `stale_before`.
pub fn user_for_key(
    db: &dyn Conn,
    key_hash: &str,
    stale_before: &str,
) -> Result<Option<(UserInfo, String, bool)>, ServerError> {
    db.opt(
        "SELECT k.id AS key_id, k.last_used_at, u.id, u.username, u.display_name, u.role,
                o.id AS org_id, o.name AS org_name, o.kind AS org_kind
         FROM api_keys k JOIN users u ON u.id = k.user_id JOIN orgs o ON o.id = u.org_id
         WHERE k.key_hash = ?1 AND k.revoked_at IS NULL AND u.disabled_at IS NULL AND o.deactivated_at IS NULL",
        args![key_hash],
        |r| {
            let role = r.str("role")?;
            let user = UserInfo {
                id: r.get("id")?,
                username: r.get("username")?,
                display_name: r.get("display_name")?,
                role: baton_proto::Role::parse(role)
                    .ok_or_else(|| ServerError::Internal(format!("stored role '{role}'")))?,
                org: Org {
                    id: r.get("org_id")?,
                    name: r.get("org_name")?,
                    kind: r.parse("org_kind")?,
                },
            };
            let stale = r
                .get::<Option<String>>("last_used_at")?
                .is_none_or(|seen| seen.as_str() < stale_before);
            Ok((user, r.get("key_id")?, stale))
        },
    )
}

pub fn touch(db: &dyn Conn, key_id: &str, at: &str) -> Result<(), ServerError> {
    db.execute("UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1", args![key_id, at])?;
    Ok(())
}

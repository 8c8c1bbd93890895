//! Who is on which record now (see `baton_proto::presence`): one row per user
//! and customer, renewed while the record is on their screen.

use baton_proto::{OrgKind, PresenceActivity};

use super::Conn;
use crate::args;
use crate::error::ServerError;

/// A user on a record, as stored; the route words it for each viewer.
pub struct Row {
    pub user_id: String,
    pub name: String,
    pub org_id: String,
    pub org_name: String,
    pub org_kind: OrgKind,
    pub activity: PresenceActivity,
    pub contact_point_id: Option<String>,
    pub since: chrono::DateTime<chrono::Utc>,
}

/// Says `user` is on `customer` until `expires_at`; `since` stays from the first say.
pub fn put(
    db: &dyn Conn,
    customer_id: &str,
    user_id: &str,
    activity: PresenceActivity,
    contact_point_id: Option<&str>,
    now: &str,
    expires_at: &str,
) -> Result<(), ServerError> {
    db.execute(
        "INSERT INTO presence (customer_id, user_id, activity, contact_point_id, since, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (customer_id, user_id) DO UPDATE SET activity = excluded.activity,
             contact_point_id = excluded.contact_point_id, expires_at = excluded.expires_at",
        args![
            customer_id,
            user_id,
            activity.as_str(),
            contact_point_id,
            now,
            expires_at
        ],
    )?;
    Ok(())
}

pub fn remove(db: &dyn Conn, customer_id: &str, user_id: &str) -> Result<(), ServerError> {
    db.execute(
        "DELETE FROM presence WHERE customer_id = ?1 AND user_id = ?2",
        args![customer_id, user_id],
    )?;
    Ok(())
}

/// Forgets everyone whose renewal lapsed.
pub fn clear_lapsed(db: &dyn Conn, now: &str) -> Result<(), ServerError> {
    db.execute("DELETE FROM presence WHERE expires_at <= ?1", args![now])?;
    Ok(())
}

/// Everyone on `customer` now but `except` (the asker), earliest first.
pub fn on(db: &dyn Conn, customer_id: &str, except: &str, now: &str) -> Result<Vec<Row>, ServerError> {
    db.all(
        "SELECT p.user_id, u.display_name AS name, u.org_id, o.name AS org_name, o.kind AS org_kind, p.activity,
                p.contact_point_id, p.since
         FROM presence p JOIN users u ON u.id = p.user_id JOIN orgs o ON o.id = u.org_id
         WHERE p.customer_id = ?1 AND p.user_id <> ?2 AND p.expires_at > ?3 AND u.disabled_at IS NULL
         ORDER BY p.since, p.user_id",
        args![customer_id, except, now],
        |r| {
            Ok(Row {
                user_id: r.get("user_id")?,
                name: r.get("name")?,
                org_id: r.get("org_id")?,
                org_name: r.get("org_name")?,
                org_kind: r.parse("org_kind")?,
                activity: r.parse("activity")?,
                contact_point_id: r.get("contact_point_id")?,
                since: r.ts("since")?,
            })
        },
    )
}

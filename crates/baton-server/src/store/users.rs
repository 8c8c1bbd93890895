//! Users, their sessions, and failed sign-ins.

use baton_proto::{AdminUser, Org, Role, UserInfo};

use super::{Conn, Row};
use crate::args;
use crate::error::ServerError;

/// A user as found for signing in: who, their password hash, whether disabled.
pub struct Account {
    pub user: UserInfo,
    pub password_hash: String,
    /// Whether it cannot sign in: disabled, its organisation deactivated, or no password set.
    pub disabled: bool,
    /// Whether the user itself is disabled.
    pub user_disabled: bool,
}

const SELECT: &str = "SELECT u.id, u.username, u.display_name, u.role, o.id AS org_id, o.name AS org_name,
        o.kind AS org_kind, u.password_hash, u.disabled_at, o.deactivated_at AS org_deactivated_at
     FROM users u JOIN orgs o ON o.id = u.org_id";

fn user_from_row(r: Row<'_>) -> Result<UserInfo, ServerError> {
    let role = r.str("role")?;
    Ok(UserInfo {
        id: r.get("id")?,
        username: r.get("username")?,
        display_name: r.get("display_name")?,
        role: Role::parse(role).ok_or_else(|| ServerError::Internal(format!("stored role '{role}'")))?,
        org: Org {
            id: r.get("org_id")?,
            name: r.get("org_name")?,
            kind: r.parse("org_kind")?,
        },
    })
}

fn account_from_row(r: Row<'_>) -> Result<Account, ServerError> {
    Ok(Account {
        user: user_from_row(r)?,
        password_hash: r.get("password_hash")?,
        // A deactivated organisation's users cannot sign in either; nor can
        // one whose invitation is pending (no password is set).
        disabled: r.get::<Option<String>>("disabled_at")?.is_some()
            || r.get::<Option<String>>("org_deactivated_at")?.is_some()
            || r.str("password_hash")?.is_empty(),
        user_disabled: r.get::<Option<String>>("disabled_at")?.is_some(),
    })
}

pub fn by_username(db: &dyn Conn, username: &str) -> Result<Option<Account>, ServerError> {
    db.opt(
        &format!("{SELECT} WHERE u.username = ?1"),
        args![username],
        account_from_row,
    )
}

pub fn by_id(db: &dyn Conn, id: &str) -> Result<Option<Account>, ServerError> {
    db.opt(&format!("{SELECT} WHERE u.id = ?1"), args![id], account_from_row)
}

/// Whether an organisation exists and is not deactivated.
pub fn org_active(db: &dyn Conn, org: &str) -> Result<bool, ServerError> {
    Ok(super::orgs::kind_and_active(db, org)?.is_some_and(|(_, active)| active))
}

/// Disables (keeping the first time) or enables a user; false when there is no such user.
pub fn set_disabled(db: &dyn Conn, username: &str, disabled: bool, at: &str) -> Result<bool, ServerError> {
    let at = disabled.then_some(at);
    let changed = db.execute(
        "UPDATE users SET disabled_at = CASE WHEN ?2 IS NULL THEN NULL ELSE COALESCE(disabled_at, ?2) END
         WHERE username = ?1",
        args![username, at],
    )?;
    Ok(changed > 0)
}

/// A session's user and when it was last seen.
pub struct LiveSession {
    pub user: UserInfo,
    pub last_seen_at: Option<String>,
}

/// The user of session `token_hash` if it expires after `now`, was seen after
/// `seen_after`, and its user is not disabled.
pub fn live_session(
    db: &dyn Conn,
    token_hash: &str,
    now: &str,
    seen_after: &str,
) -> Result<Option<LiveSession>, ServerError> {
    db.opt(
        "SELECT u.id, u.username, u.display_name, u.role, o.id AS org_id, o.name AS org_name, o.kind AS org_kind,
                s.last_seen_at
         FROM users u JOIN orgs o ON o.id = u.org_id JOIN sessions s ON s.user_id = u.id
         WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND s.last_seen_at > ?3 AND u.disabled_at IS NULL
               AND o.deactivated_at IS NULL",
        args![token_hash, now, seen_after],
        |r| {
            Ok(LiveSession {
                user: user_from_row(r)?,
                last_seen_at: r.get("last_seen_at")?,
            })
        },
    )
}

pub fn create_session(
    db: &dyn Conn,
    token_hash: &str,
    user_id: &str,
    at: &str,
    expires_at: &str,
) -> Result<(), ServerError> {
    db.execute(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at) VALUES (?1, ?2, ?3, ?4, ?3)",
        args![token_hash, user_id, at, expires_at],
    )?;
    Ok(())
}

pub fn touch_session(db: &dyn Conn, token_hash: &str, at: &str) -> Result<(), ServerError> {
    db.execute(
        "UPDATE sessions SET last_seen_at = ?1 WHERE token_hash = ?2",
        args![at, token_hash],
    )?;
    Ok(())
}

pub fn end_session(db: &dyn Conn, token_hash: &str) -> Result<(), ServerError> {
    db.execute("DELETE FROM sessions WHERE token_hash = ?1", args![token_hash])?;
    Ok(())
}

/// Ends every session of a user; returns how many.
pub fn end_sessions_of(db: &dyn Conn, user_id: &str) -> Result<usize, ServerError> {
    db.execute("DELETE FROM sessions WHERE user_id = ?1", args![user_id])
}

pub fn end_sessions_of_username(db: &dyn Conn, username: &str) -> Result<usize, ServerError> {
    db.execute(
        "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE username = ?1)",
        args![username],
    )
}

/// When throttle key `key` may next try (None when it is not throttled).
pub fn next_allowed_at(db: &dyn Conn, key: &str) -> Result<Option<String>, ServerError> {
    db.opt(
        "SELECT next_allowed_at FROM sign_in_failures WHERE key = ?1",
        args![key],
        |r| r.get("next_allowed_at"),
    )
}

pub fn failures(db: &dyn Conn, key: &str) -> Result<u32, ServerError> {
    Ok(db
        .opt(
            "SELECT failures FROM sign_in_failures WHERE key = ?1",
            args![key],
            |r| r.get("failures"),
        )?
        .unwrap_or(0))
}

pub fn record_failures(
    db: &dyn Conn,
    key: &str,
    failures: u32,
    at: &str,
    next_allowed_at: &str,
) -> Result<(), ServerError> {
    db.execute(
        "INSERT INTO sign_in_failures (key, failures, last_failure_at, next_allowed_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,
             last_failure_at = excluded.last_failure_at, next_allowed_at = excluded.next_allowed_at",
        args![key, failures, at, next_allowed_at],
    )?;
    Ok(())
}

pub fn clear_failures(db: &dyn Conn, key: &str) -> Result<(), ServerError> {
    db.execute("DELETE FROM sign_in_failures WHERE key = ?1", args![key])?;
    Ok(())
}

/// A user's organisation and display name.
pub fn org_and_name(db: &dyn Conn, user_id: &str) -> Result<Option<(String, String)>, ServerError> {
    db.opt(
        "SELECT org_id, display_name FROM users WHERE id = ?1",
        args![user_id],
        |r| Ok((r.get("org_id")?, r.get("display_name")?)),
    )
}

const ADMIN_SELECT: &str = "SELECT u.id, u.username, u.display_name, u.role, o.id AS org_id, o.name AS org_name,
        o.kind AS org_kind, u.disabled_at, u.last_sign_in_at, u.password_hash,
        (SELECT COUNT(*) FROM sessions s WHERE s.user_id = u.id AND s.expires_at > ?1) AS sessions
     FROM users u JOIN orgs o ON o.id = u.org_id";

/// People, not the service users API keys act as (those are run as keys).
const PEOPLE: &str = "NOT EXISTS (SELECT 1 FROM api_keys k WHERE k.user_id = u.id)";

fn admin_from_row(r: Row<'_>) -> Result<AdminUser, ServerError> {
    let user = user_from_row(r)?;
    Ok(AdminUser {
        id: user.id,
        username: user.username,
        display_name: user.display_name,
        role: user.role,
        org: user.org,
        disabled_at: r.opt_ts("disabled_at")?,
        last_sign_in_at: r.opt_ts("last_sign_in_at")?,
        sessions: r.get("sessions")?,
        invite_pending: r.str("password_hash")?.is_empty(),
    })
}

/// Users as administrators see them: all, or one organisation's, by name.
pub fn admin_list(db: &dyn Conn, org: Option<&str>, now: &str) -> Result<Vec<AdminUser>, ServerError> {
    db.all(
        &format!(
            "{ADMIN_SELECT} WHERE (?2 IS NULL OR u.org_id = ?2) AND {PEOPLE}
             ORDER BY o.kind DESC, o.name, u.display_name, u.id"
        ),
        args![now, org],
        admin_from_row,
    )
}

pub fn admin_get(db: &dyn Conn, id: &str, now: &str) -> Result<Option<AdminUser>, ServerError> {
    db.opt(
        &format!("{ADMIN_SELECT} WHERE u.id = ?2 AND {PEOPLE}"),
        args![now, id],
        admin_from_row,
    )
}

/// Whether a username is taken, whatever its case.
pub fn username_taken(db: &dyn Conn, username: &str) -> Result<bool, ServerError> {
    Ok(db
        .opt(
            "SELECT id FROM users WHERE LOWER(username) = LOWER(?1)",
            args![username],
            |r| r.get::<String>("id"),
        )?
        .is_some())
}

/// A new user; with an empty `password_hash` nobody can sign in as it until a
/// password is set from its invitation.
pub struct NewUserRow<'a> {
    pub id: &'a str,
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub org_id: &'a str,
    pub at: &'a str,
}

pub fn insert(db: &dyn Conn, u: &NewUserRow<'_>) -> Result<(), ServerError> {
    db.execute(
        "INSERT INTO users (id, username, display_name, password_hash, role, org_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        args![
            u.id,
            u.username,
            u.display_name,
            u.password_hash,
            u.role.as_str(),
            u.org_id,
            u.at
        ],
    )?;
    Ok(())
}

/// Writes a user's name, role and disabled time.
pub fn update(
    db: &dyn Conn,
    id: &str,
    display_name: &str,
    role: Role,
    disabled_at: Option<&str>,
) -> Result<(), ServerError> {
    db.execute(
        "UPDATE users SET display_name = ?2, role = ?3, disabled_at = ?4 WHERE id = ?1",
        args![id, display_name, role.as_str(), disabled_at],
    )?;
    Ok(())
}

/// Moves user `id` to organisation `org_id`.
pub fn set_org(db: &dyn Conn, id: &str, org_id: &str) -> Result<(), ServerError> {
    db.execute("UPDATE users SET org_id = ?2 WHERE id = ?1", args![id, org_id])?;
    Ok(())
}

/// Unassigns user `id` from every open callback, promise and ticket (they stay
/// with their organisation's queue); returns the customers whose records changed.
pub fn unassign_open_work(db: &dyn Conn, id: &str) -> Result<Vec<String>, ServerError> {
    let customers: Vec<String> = db.all(
        "SELECT customer_id FROM callbacks WHERE owner_user_id = ?1 AND status IN ('waiting', 'queued')
         UNION SELECT customer_id FROM commitments WHERE owner_user_id = ?1 AND status = 'open'
         UNION SELECT customer_id FROM tickets WHERE owner_user_id = ?1 AND status IN ('open', 'pending')
         ORDER BY 1",
        args![id],
        |r| r.get("customer_id"),
    )?;
    db.execute(
        "UPDATE callbacks SET owner_user_id = NULL WHERE owner_user_id = ?1 AND status IN ('waiting', 'queued')",
        args![id],
    )?;
    db.execute(
        "UPDATE commitments SET owner_user_id = NULL WHERE owner_user_id = ?1 AND status = 'open'",
        args![id],
    )?;
    db.execute(
        "UPDATE tickets SET owner_user_id = NULL WHERE owner_user_id = ?1 AND status IN ('open', 'pending')",
        args![id],
    )?;
    Ok(customers)
}

pub fn set_password(db: &dyn Conn, id: &str, password_hash: &str) -> Result<(), ServerError> {
    db.execute(
        "UPDATE users SET password_hash = ?2 WHERE id = ?1",
        args![id, password_hash],
    )?;
    Ok(())
}

pub fn record_sign_in(db: &dyn Conn, id: &str, at: &str) -> Result<(), ServerError> {
    db.execute("UPDATE users SET last_sign_in_at = ?2 WHERE id = ?1", args![id, at])?;
    Ok(())
}

/// Enabled admins of the retailer: the last one may not be disabled or demoted.
pub fn retailer_admins(db: &dyn Conn) -> Result<Vec<String>, ServerError> {
    db.all(
        "SELECT u.id FROM users u JOIN orgs o ON o.id = u.org_id
         WHERE o.kind = 'retailer' AND u.role = 'admin' AND u.disabled_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM api_keys k WHERE k.user_id = u.id) ORDER BY u.id",
        args![],
        |r| r.get("id"),
    )
}

/// Ends the sessions of every user of an organisation; returns how many.
pub fn end_sessions_of_org(db: &dyn Conn, org: &str) -> Result<usize, ServerError> {
    db.execute(
        "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE org_id = ?1)",
        args![org],
    )
}

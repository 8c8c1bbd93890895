//! Users, their sessions, and failed sign-ins.

use baton_proto::{Org, Role, UserInfo};

use super::{Conn, Row};
use crate::args;
use crate::error::ServerError;

/// A user as found for signing in: who, their password hash, whether disabled.
pub struct Account {
    pub user: UserInfo,
    pub password_hash: String,
    pub disabled: bool,
}

const SELECT: &str = "SELECT u.id, u.username, u.display_name, u.role, o.id AS org_id, o.name AS org_name,
        o.kind AS org_kind, u.password_hash, u.disabled_at
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
        disabled: r.get::<Option<String>>("disabled_at")?.is_some(),
    })
}

pub fn by_username(db: &dyn Conn, username: &str) -> Result<Option<Account>, ServerError> {
    db.opt(
        &format!("{SELECT} WHERE u.username = ?1"),
        args![username],
        account_from_row,
    )
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
         WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND s.last_seen_at > ?3 AND u.disabled_at IS NULL",
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

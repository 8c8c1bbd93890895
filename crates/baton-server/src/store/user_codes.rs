//! One-time codes that let a user set a password: an invitation, or a reset an
//! administrator asked for. Only a code's SHA-256 is stored.

use super::Conn;
use crate::args;
use crate::error::ServerError;

/// Why a code was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Invite,
    Reset,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Invite => "invite",
            Purpose::Reset => "reset",
        }
    }
}

/// Replaces any code the user has with a new one.
pub fn replace(
    db: &dyn Conn,
    code_hash: &str,
    user_id: &str,
    purpose: Purpose,
    created_by: &str,
    at: &str,
    expires_at: &str,
) -> Result<(), ServerError> {
    revoke_of(db, user_id)?;
    db.execute(
        "INSERT INTO user_codes (code_hash, user_id, purpose, created_by, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        args![code_hash, user_id, purpose.as_str(), created_by, at, expires_at],
    )?;
    Ok(())
}

/// Uses up a code: the user it was for, when it has not expired by `now`.
/// A used or expired code is gone either way.
pub fn take(db: &dyn Conn, code_hash: &str, now: &str) -> Result<Option<String>, ServerError> {
    let found = db.opt(
        "SELECT user_id, expires_at FROM user_codes WHERE code_hash = ?1",
        args![code_hash],
        |r| Ok((r.get::<String>("user_id")?, r.get::<String>("expires_at")?)),
    )?;
    db.execute("DELETE FROM user_codes WHERE code_hash = ?1", args![code_hash])?;
    Ok(found
        .filter(|(_, expires)| expires.as_str() > now)
        .map(|(user, _)| user))
}

/// Removes every code of a user.
pub fn revoke_of(db: &dyn Conn, user_id: &str) -> Result<(), ServerError> {
    db.execute("DELETE FROM user_codes WHERE user_id = ?1", args![user_id])?;
    Ok(())
}

//! Login, bearer tokens and the `AuthUser` extractor that every protected route takes.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use baton_proto::{Org, OrgKind, Role, UserInfo};
use chrono::{Duration, Utc};
use rand::RngCore;
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use crate::docs::Scope;
use crate::error::ServerError;
use crate::AppState;

/// How long a console stays signed in without logging in again.
pub const SESSION_DAYS: i64 = 30;

pub fn hash_password(password: &str) -> Result<String, ServerError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ServerError::Internal(format!("hashing password: {e}")))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    URL_SAFE_NO_PAD.encode(digest)
}

fn user_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(UserInfo, String)> {
    let role: String = r.get(3)?;
    let kind: String = r.get(6)?;
    let user = UserInfo {
        id: r.get(0)?,
        username: r.get(1)?,
        display_name: r.get(2)?,
        role: Role::parse(&role).unwrap_or(Role::Agent),
        org: Org {
            id: r.get(4)?,
            name: r.get(5)?,
            kind: if kind == "partner" {
                OrgKind::Partner
            } else {
                OrgKind::Retailer
            },
        },
    };
    Ok((user, r.get(7)?))
}

const USER_SELECT: &str = "SELECT u.id, u.username, u.display_name, u.role, o.id, o.name, o.kind, u.password_hash
     FROM users u JOIN orgs o ON o.id = u.org_id";

/// A user by username, for acting as them inside the server (demo data).
pub fn user_by_username(conn: &Connection, username: &str) -> Result<Option<UserInfo>, ServerError> {
    let sql = format!("{USER_SELECT} WHERE u.username = ?1");
    Ok(conn
        .query_row(&sql, [username], user_from_row)
        .optional()?
        .map(|(u, _)| u))
}

/// Checks a username and password; on success creates a session and returns its token.
pub async fn login(state: &AppState, username: String, password: String) -> Result<(String, UserInfo), ServerError> {
    if username.trim().is_empty() || password.is_empty() {
        return Err(ServerError::bad_request("username and password are required"));
    }
    if username.len() > 200 || password.len() > 1024 {
        return Err(ServerError::bad_request("username or password is too long"));
    }
    let found = state
        .db
        .read(move |tx| {
            let sql = format!("{USER_SELECT} WHERE u.username = ?1");
            Ok(tx.query_row(&sql, [username.trim()], user_from_row).optional()?)
        })
        .await?;
    // Verify on a blocking thread: argon2 is deliberately slow.
    let verified = tokio::task::spawn_blocking(move || match found {
        Some((user, hash)) if verify_password(&password, &hash) => Some(user),
        _ => None,
    })
    .await
    .map_err(|e| ServerError::Internal(format!("password check failed: {e}")))?;
    let Some(user) = verified else {
        return Err(ServerError::unauthenticated("wrong username or password"));
    };

    let mut raw = [0u8; 32];
    rand::rng().fill_bytes(&mut raw);
    let token = URL_SAFE_NO_PAD.encode(raw);
    let hash = token_hash(&token);
    let user_id = user.id.clone();
    state
        .db
        .write(move |tx| {
            let now = Utc::now();
            tx.execute(
                "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
                params![
                    hash,
                    user_id,
                    now.to_rfc3339(),
                    (now + Duration::days(SESSION_DAYS)).to_rfc3339()
                ],
            )?;
            Ok(())
        })
        .await?;
    Ok((token, user))
}

pub async fn logout(state: &AppState, token: &str) -> Result<(), ServerError> {
    let hash = token_hash(token);
    state
        .db
        .write(move |tx| {
            tx.execute("DELETE FROM sessions WHERE token_hash = ?1", [hash])?;
            Ok(())
        })
        .await
}

fn user_for_token(conn: &Connection, token: &str) -> Result<Option<UserInfo>, ServerError> {
    let sql =
        format!("{USER_SELECT} JOIN sessions s ON s.user_id = u.id WHERE s.token_hash = ?1 AND s.expires_at > ?2");
    Ok(conn
        .query_row(&sql, params![token_hash(token), Utc::now().to_rfc3339()], user_from_row)
        .optional()?
        .map(|(u, _)| u))
}

/// The signed-in caller of a request, from `Authorization: Bearer <token>`.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user: UserInfo,
    pub token: String,
}

impl AuthUser {
    pub fn scope(&self) -> Scope {
        match self.user.org.kind {
            OrgKind::Retailer => Scope::Internal,
            OrgKind::Partner => Scope::Org(self.user.org.id.clone()),
        }
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .ok_or_else(|| ServerError::unauthenticated("sign in first: the Authorization header is missing"))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() < 200)
            .ok_or_else(|| ServerError::unauthenticated("the Authorization header must be 'Bearer <token>'"))?
            .to_string();
        let lookup = token.clone();
        let user = state
            .db
            .read(move |tx| user_for_token(tx, &lookup))
            .await?
            .ok_or_else(|| ServerError::unauthenticated("the session has expired or was signed out; sign in again"))?;
        Ok(AuthUser { user, token })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_hashes_verify_only_the_right_password() {
        let hash = hash_password("correct horse").expect("hash");
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
    }
}

//! Login, bearer tokens and the `AuthUser` extractor that every protected route takes.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use baton_proto::{OrgKind, UserInfo};
use chrono::{Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::docs::Scope;
use crate::error::ServerError;
use crate::store::{self, Conn};
use crate::AppState;

/// How sign-in is guarded and how long a session lives.
#[derive(Debug, Clone)]
pub struct SessionPolicy {
    /// A session unused for this long ends (the console signs in again).
    pub idle: Duration,
    /// A session ends this long after sign-in, however busy.
    pub absolute: Duration,
    /// Failed sign-ins per username before each further attempt must wait.
    pub free_failures_per_user: u32,
    /// Failed sign-ins per source address before each further attempt must wait
    /// (higher: an office shares one address).
    pub free_failures_per_address: u32,
    /// Failures after which the username or address is locked for `lock_for`.
    pub lock_after_per_user: u32,
    pub lock_after_per_address: u32,
    pub lock_for: Duration,
    /// Take the client address from the last `X-Forwarded-For` hop (only behind
    /// a reverse proxy that sets it).
    pub trust_forwarded_for: bool,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            idle: Duration::hours(8),
            absolute: Duration::days(30),
            free_failures_per_user: 3,
            free_failures_per_address: 10,
            lock_after_per_user: 10,
            lock_after_per_address: 50,
            lock_for: Duration::minutes(15),
            trust_forwarded_for: false,
        }
    }
}

impl SessionPolicy {
    /// How long to wait after `failures` failed attempts: nothing for the free
    /// ones, then 1 s, 2 s, 4 s … and the lock from `lock_after` on.
    fn wait(&self, failures: u32, free: u32, lock_after: u32) -> Duration {
        if failures >= lock_after {
            self.lock_for
        } else if failures <= free {
            Duration::zero()
        } else {
            let secs = 1i64 << (failures - free - 1).min(20);
            Duration::seconds(secs).min(self.lock_for)
        }
    }
}

/// Password checks run on at most this many threads at once, whatever the load,
/// so a flood of sign-ins cannot take the cores reads and writes need.
pub fn hashing_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
}

/// Sign-ins waiting for a password check beyond this are answered `busy` at once.
pub const MAX_WAITING_CHECKS: usize = 64;

/// The bounded pool password checks run on.
#[derive(Clone)]
pub struct HashingPool {
    permits: std::sync::Arc<tokio::sync::Semaphore>,
    waiting: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    checks: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Default for HashingPool {
    fn default() -> Self {
        HashingPool {
            permits: std::sync::Arc::new(tokio::sync::Semaphore::new(hashing_threads())),
            waiting: std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0)),
            checks: std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0)),
        }
    }
}

impl HashingPool {
    /// Password checks run so far.
    pub fn checks(&self) -> u64 {
        self.checks.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Runs `check` on a blocking thread once a permit is free.
    async fn run<T: Send + 'static>(&self, check: impl FnOnce() -> T + Send + 'static) -> Result<T, ServerError> {
        use std::sync::atomic::Ordering;
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= MAX_WAITING_CHECKS {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(ServerError::Api(
                baton_proto::ErrorCode::Busy,
                "the server is checking too many sign-ins at once; try again in a moment".into(),
            ));
        }
        let permit = self.permits.clone().acquire_owned().await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let permit = permit.map_err(|e| ServerError::Internal(format!("password checks stopped: {e}")))?;
        self.checks.fetch_add(1, Ordering::SeqCst);
        tokio::task::spawn_blocking(move || {
            let out = check();
            drop(permit);
            out
        })
        .await
        .map_err(|e| ServerError::Internal(format!("password check failed: {e}")))
    }
}

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

pub(crate) fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    URL_SAFE_NO_PAD.encode(digest)
}

/// A user by username, for acting as them inside the server (demo data).
pub fn user_by_username(conn: &dyn Conn, username: &str) -> Result<Option<UserInfo>, ServerError> {
    Ok(store::users::by_username(conn, username)?.map(|a| a.user))
}

/// A hash of a password nobody has, so an unknown username costs the same
/// check as a known one and gets the same answer.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("no user has this password").unwrap_or_default())
}

fn throttle_keys(username: &str, addr: Option<std::net::IpAddr>) -> Vec<(String, bool)> {
    let mut keys = vec![(format!("user:{}", username.to_lowercase()), true)];
    if let Some(a) = addr {
        keys.push((format!("addr:{a}"), false));
    }
    keys
}

/// Records a sign-in attempt in the audit log: who tried, from where, and how it went.
fn audit_sign_in(
    conn: &dyn Conn,
    at: &str,
    username: &str,
    user: Option<&UserInfo>,
    addr: Option<std::net::IpAddr>,
    outcome: &str,
) -> Result<(), ServerError> {
    let addr = addr.map(|a| a.to_string()).unwrap_or_default();
    store::audit::append(
        conn,
        &store::audit::NewEntry {
            at,
            user_id: user.map(|u| u.id.as_str()).unwrap_or_default(),
            org_id: user.map(|u| u.org.id.as_str()).unwrap_or_default(),
            action: outcome,
            entity: "user",
            entity_id: username,
            before: None,
            after: &addr,
            customer_id: None,
        },
    )?;
    Ok(())
}

/// Checks a username and password from `addr`; on success creates a session and
/// returns its token. Failures are counted per username and per address; past
/// the free ones, each attempt must wait longer, then the lock holds.
pub async fn login(
    state: &AppState,
    username: String,
    password: String,
    addr: Option<std::net::IpAddr>,
) -> Result<(String, UserInfo), ServerError> {
    if baton_proto::validate::blank(&username) || password.is_empty() {
        return Err(ServerError::bad_request("username and password are required"));
    }
    if username.len() > 200 || password.len() > 1024 {
        return Err(ServerError::bad_request("username or password is too long"));
    }
    let username = username.trim().to_string();
    let now = state.now();
    let at = crate::wire::ts(now);
    let keys = throttle_keys(&username, addr);
    // Throttled attempts are refused before any password is checked.
    let (wait, found) = {
        let (keys, name, at) = (keys.clone(), username.clone(), at.clone());
        state
            .db
            .read(move |tx| {
                let mut latest: Option<String> = None;
                for (key, _) in &keys {
                    let next = store::users::next_allowed_at(tx, key)?;
                    latest = latest.max(next.filter(|n| *n > at));
                }
                Ok((latest, store::users::by_username(tx, &name)?))
            })
            .await?
    };
    if let Some(until) = wait {
        let secs = (crate::wire::parse_ts(&until)? - now).num_seconds().max(1) as u64;
        let (name, at) = (username.clone(), at.clone());
        state
            .db
            .write(move |tx| audit_sign_in(tx, &at, &name, None, addr, "sign_in_throttled"))
            .await?;
        return Err(ServerError::Throttled(secs));
    }
    let check_against = found
        .as_ref()
        .filter(|a| !a.disabled)
        .map_or_else(|| decoy_hash().to_string(), |a| a.password_hash.clone());
    let verified = state
        .hashing
        .run(move || verify_password(&password, &check_against))
        .await?;
    let user = found.filter(|a| verified && !a.disabled).map(|a| a.user);

    let policy = state.sessions.clone();
    let mut raw = [0u8; 32];
    rand::rng().fill_bytes(&mut raw);
    let token = URL_SAFE_NO_PAD.encode(raw);
    let hash = token_hash(&token);
    let signed_in = user.clone();
    state
        .db
        .write(move |tx| {
            match &signed_in {
                Some(user) => {
                    for (key, _) in &keys {
                        store::users::clear_failures(tx, key)?;
                    }
                    store::users::create_session(tx, &hash, &user.id, &at, &crate::wire::ts(now + policy.absolute))?;
                    store::users::record_sign_in(tx, &user.id, &at)?;
                    audit_sign_in(tx, &at, &username, Some(user), addr, "sign_in")?;
                }
                None => {
                    for (key, per_user) in &keys {
                        let failures = store::users::failures(tx, key)? + 1;
                        let wait = if *per_user {
                            policy.wait(failures, policy.free_failures_per_user, policy.lock_after_per_user)
                        } else {
                            policy.wait(
                                failures,
                                policy.free_failures_per_address,
                                policy.lock_after_per_address,
                            )
                        };
                        store::users::record_failures(tx, key, failures, &at, &crate::wire::ts(now + wait))?;
                    }
                    audit_sign_in(tx, &at, &username, None, addr, "sign_in_failed")?;
                }
            }
            Ok(())
        })
        .await?;
    match user {
        Some(user) => Ok((token, user)),
        None => Err(ServerError::unauthenticated("wrong username or password")),
    }
}

/// Sets a password with a one-time invitation or reset code and signs in.
/// A wrong, used or expired code counts as a failed sign-in from `addr`.
pub async fn accept_invite(
    state: &AppState,
    code: String,
    password: String,
    addr: Option<std::net::IpAddr>,
) -> Result<(String, UserInfo), ServerError> {
    let chars = password.chars().count();
    if chars < baton_proto::MIN_PASSWORD_CHARS || password.len() > 1024 {
        return Err(ServerError::bad_request(format!(
            "the password must be {} to 1024 characters",
            baton_proto::MIN_PASSWORD_CHARS
        )));
    }
    if baton_proto::validate::blank(&code) || code.chars().count() > 100 {
        return Err(ServerError::bad_request("the code is required"));
    }
    let now = state.now();
    let at = crate::wire::ts(now);
    let keys: Vec<(String, bool)> = addr.map(|a| (format!("addr:{a}"), false)).into_iter().collect();
    let wait = {
        let (keys, at) = (keys.clone(), at.clone());
        state
            .db
            .read(move |tx| {
                let mut latest: Option<String> = None;
                for (key, _) in &keys {
                    latest = latest.max(store::users::next_allowed_at(tx, key)?.filter(|n| *n > at));
                }
                Ok(latest)
            })
            .await?
    };
    if let Some(until) = wait {
        let secs = (crate::wire::parse_ts(&until)? - now).num_seconds().max(1) as u64;
        return Err(ServerError::Throttled(secs));
    }
    let hash_of_password = state.hashing.run(move || hash_password(&password)).await??;
    let policy = state.sessions.clone();
    let mut raw = [0u8; 32];
    rand::rng().fill_bytes(&mut raw);
    let token = URL_SAFE_NO_PAD.encode(raw);
    let session = token_hash(&token);
    let code = crate::admin::code_hash(&code);
    let user = state
        .db
        .write(move |tx| {
            let found = store::user_codes::take(tx, &code, &at)?;
            let account = match &found {
                Some(id) => store::users::by_id(tx, id)?,
                None => None,
            };
            // A code of a user since disabled (or of a deactivated organisation) sets nothing.
            let usable = match account {
                Some(a) if !a.user_disabled && store::users::org_active(tx, &a.user.org.id)? => Some(a),
                _ => None,
            };
            let Some(account) = usable else {
                for (key, _) in &keys {
                    let failures = store::users::failures(tx, key)? + 1;
                    let wait = policy.wait(
                        failures,
                        policy.free_failures_per_address,
                        policy.lock_after_per_address,
                    );
                    store::users::record_failures(tx, key, failures, &at, &crate::wire::ts(now + wait))?;
                }
                return Ok(None);
            };
            let user = account.user;
            store::users::set_password(tx, &user.id, &hash_of_password)?;
            store::users::create_session(tx, &session, &user.id, &at, &crate::wire::ts(now + policy.absolute))?;
            store::users::record_sign_in(tx, &user.id, &at)?;
            audit_sign_in(tx, &at, &user.username, Some(&user), addr, "password_set")?;
            Ok(Some(user))
        })
        .await?;
    user.map(|u| (token, u)).ok_or_else(|| {
        ServerError::unauthenticated("the code is wrong, used or expired: ask your administrator for a new one")
    })
}

pub async fn logout(state: &AppState, token: &str) -> Result<(), ServerError> {
    let hash = token_hash(token);
    state.db.write(move |tx| store::users::end_session(tx, &hash)).await?;
    state.revoked();
    Ok(())
}

/// Ends every session of `user_id` (sign out everywhere); returns how many.
pub async fn logout_everywhere(state: &AppState, user_id: &str) -> Result<usize, ServerError> {
    let user_id = user_id.to_string();
    let n = state
        .db
        .write(move |tx| store::users::end_sessions_of(tx, &user_id))
        .await?;
    state.revoked();
    Ok(n)
}

/// Disables or enables a user by username; a disabled user's sessions end and
/// it cannot sign in. Returns whether the user exists.
pub fn set_disabled(conn: &dyn Conn, username: &str, disabled: bool, at: &str) -> Result<bool, ServerError> {
    let found = store::users::set_disabled(conn, username, disabled, at)?;
    if disabled {
        store::users::end_sessions_of_username(conn, username)?;
    }
    Ok(found)
}

/// The user of a live session: not signed out, not idle past the policy, not
/// past its expiry, its user not disabled. Also says whether `last_seen_at`
/// is stale enough to be written again.
fn user_for_token(
    conn: &dyn Conn,
    token: &str,
    now: chrono::DateTime<Utc>,
    idle: Duration,
) -> Result<Option<(UserInfo, bool)>, ServerError> {
    let found = store::users::live_session(
        conn,
        &token_hash(token),
        &crate::wire::ts(now),
        &crate::wire::ts(now - idle),
    )?;
    Ok(found.map(|s| {
        let stale = s
            .last_seen_at
            .is_none_or(|seen| seen < crate::wire::ts(now - Duration::minutes(1)));
        (s.user, stale)
    }))
}

/// Whether `token` still names a live session (for streams that outlive a request).
pub async fn session_alive(state: &AppState, token: &str) -> Result<bool, ServerError> {
    let (token, now, idle) = (token.to_string(), state.now(), state.sessions.idle);
    state
        .db
        .read(move |tx| Ok(user_for_token(tx, &token, now, idle)?.is_some()))
        .await
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
        if token.starts_with(crate::admin::KEY_PREFIX) {
            return api_key_user(state, token).await;
        }
        let (lookup, now, idle) = (token.clone(), state.now(), state.sessions.idle);
        let (user, stale) = state
            .db
            .read(move |tx| user_for_token(tx, &lookup, now, idle))
            .await?
            .ok_or_else(|| ServerError::unauthenticated("the session has expired or was signed out; sign in again"))?;
        if stale {
            // The idle clock restarts at most once a minute, not with every request.
            let (hash, at) = (token_hash(&token), crate::wire::ts(now));
            state
                .db
                .write(move |tx| store::users::touch_session(tx, &hash, &at))
                .await?;
        }
        Ok(AuthUser { user, token })
    }
}

/// The service user an organisation's API key acts as; 401 for a revoked,
/// unknown or disabled key, or one of a deactivated organisation.
async fn api_key_user(state: &AppState, token: String) -> Result<AuthUser, ServerError> {
    let now = state.now();
    let (hash, stale_before) = (token_hash(&token), crate::wire::ts(now - Duration::minutes(1)));
    let found = state
        .db
        .read(move |tx| store::api_keys::user_for_key(tx, &hash, &stale_before))
        .await?;
    let (user, key_id, stale) =
        found.ok_or_else(|| ServerError::unauthenticated("the API key is unknown or was revoked"))?;
    if stale {
        let at = crate::wire::ts(now);
        state
            .db
            .write(move |tx| store::api_keys::touch(tx, &key_id, &at))
            .await?;
    }
    Ok(AuthUser { user, token })
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

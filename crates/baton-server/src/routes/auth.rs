use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Extension;
use baton_proto::{AcceptInvite, LoginRequest, LoginResponse, UserInfo};

use crate::auth::{self, AuthUser};
use crate::error::{ApiJson, ServerError};
use crate::AppState;

/// Signs in: returns a bearer token for `Authorization: Bearer <token>`.
#[utoipa::path(post, path = "/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, description = "Signed in", body = LoginResponse),
              (status = 401, description = "Wrong username or password (the same for an unknown user)", body = baton_proto::ApiError),
              (status = 422, description = "Missing or oversized fields", body = baton_proto::ApiError),
              (status = 429, description = "Too many failed sign-ins for this username or address: `details.retry_after_seconds`, and a Retry-After header", body = baton_proto::ApiError),
              (status = 503, description = "Too many sign-ins being checked at once", body = baton_proto::ApiError)))]
pub async fn login(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<ApiJson<LoginResponse>, ServerError> {
    let addr = client_addr(&state, peer.map(|p| p.0 .0), &headers);
    let (token, user) = auth::login(&state, req.username, req.password, addr).await?;
    tracing::info!(user = %user.username, org = %user.org.id, "signed in");
    Ok(ApiJson(LoginResponse { token, user }))
}

/// Sets a password with the one-time code of an invitation or a reset, and
/// signs in. The code works once; a wrong one counts as a failed sign-in.
#[utoipa::path(post, path = "/v1/auth/accept-invite", tag = "auth", request_body = AcceptInvite,
    responses((status = 200, description = "Password set; signed in", body = LoginResponse),
              (status = 401, description = "The code is wrong, used or expired", body = baton_proto::ApiError),
              (status = 422, description = "A password shorter than 12 characters, or no code", body = baton_proto::ApiError),
              (status = 429, description = "Too many failed attempts from this address", body = baton_proto::ApiError),
              (status = 503, description = "Too many passwords being hashed at once", body = baton_proto::ApiError)))]
pub async fn accept_invite(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<AcceptInvite>,
) -> Result<ApiJson<LoginResponse>, ServerError> {
    let addr = client_addr(&state, peer.map(|p| p.0 .0), &headers);
    let (token, user) = auth::accept_invite(&state, req.code, req.password, addr).await?;
    tracing::info!(user = %user.username, org = %user.org.id, "password set from a code");
    Ok(ApiJson(LoginResponse { token, user }))
}

/// Signs out: the token stops working at once.
#[utoipa::path(post, path = "/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "Signed out"),
              (status = 401, description = "Not signed in", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn logout(State(state): State<AppState>, caller: AuthUser) -> Result<StatusCode, ServerError> {
    auth::logout(&state, &caller.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user, their role and organisation.
#[utoipa::path(get, path = "/v1/me", tag = "auth",
    responses((status = 200, description = "The caller", body = UserInfo),
              (status = 401, description = "Not signed in", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn me(caller: AuthUser) -> ApiJson<UserInfo> {
    ApiJson(caller.user)
}

/// Signs out everywhere: every session of the caller ends, on every device.
#[utoipa::path(post, path = "/v1/auth/logout-all", tag = "auth",
    responses((status = 204, description = "Every session of the caller ended"),
              (status = 401, description = "Not signed in", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn logout_all(State(state): State<AppState>, caller: AuthUser) -> Result<StatusCode, ServerError> {
    let ended = auth::logout_everywhere(&state, &caller.user.id).await?;
    tracing::info!(user = %caller.user.username, ended, "signed out everywhere");
    Ok(StatusCode::NO_CONTENT)
}

/// The address a sign-in came from: the peer, or behind a trusted reverse proxy
/// the last address it appended to `X-Forwarded-For`.
pub(crate) fn client_addr(state: &AppState, peer: Option<SocketAddr>, headers: &HeaderMap) -> Option<IpAddr> {
    if state.sessions.trust_forwarded_for {
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse::<IpAddr>().ok())
            .next_back();
        if forwarded.is_some() {
            return forwarded;
        }
    }
    peer.map(|p| p.ip())
}

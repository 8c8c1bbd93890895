use axum::extract::State;
use axum::http::StatusCode;
use baton_proto::{LoginRequest, LoginResponse, UserInfo};

use crate::auth::{self, AuthUser};
use crate::error::{ApiJson, ServerError};
use crate::AppState;

/// Signs in: returns a bearer token for `Authorization: Bearer <token>`.
#[utoipa::path(post, path = "/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, description = "Signed in", body = LoginResponse),
              (status = 401, description = "Wrong username or password", body = baton_proto::ApiError),
              (status = 422, description = "Missing or oversized fields", body = baton_proto::ApiError)))]
pub async fn login(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<ApiJson<LoginResponse>, ServerError> {
    let (token, user) = auth::login(&state, req.username, req.password).await?;
    tracing::info!(user = %user.username, org = %user.org.id, "signed in");
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

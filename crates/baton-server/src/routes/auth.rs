use axum::extract::State;
use axum::http::StatusCode;
use baton_proto::{LoginRequest, LoginResponse, UserInfo};

use crate::auth::{self, AuthUser};
use crate::error::{ApiJson, ServerError};
use crate::AppState;

pub async fn login(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<ApiJson<LoginResponse>, ServerError> {
    let (token, user) = auth::login(&state, req.username, req.password).await?;
    tracing::info!(user = %user.username, org = %user.org.id, "signed in");
    Ok(ApiJson(LoginResponse { token, user }))
}

pub async fn logout(State(state): State<AppState>, caller: AuthUser) -> Result<StatusCode, ServerError> {
    auth::logout(&state, &caller.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn me(caller: AuthUser) -> ApiJson<UserInfo> {
    ApiJson(caller.user)
}

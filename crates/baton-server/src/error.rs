//! The server's error type and its mapping to `{code, message, details}` responses.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use baton_proto::{ApiError, ErrorCode};

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("{1}")]
    Api(ErrorCode, String),
    #[error("storage error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("storage error: {0}")]
    Postgres(#[from] postgres::Error),
    #[error("internal error: {0}")]
    Internal(String),
    /// Too many failed sign-ins: the next attempt is checked after this many seconds.
    #[error("too many failed sign-ins; try again in {0} s")]
    Throttled(u64),
}

impl ServerError {
    pub fn bad_request(msg: impl Into<String>) -> Self {
        ServerError::Api(ErrorCode::BadRequest, msg.into())
    }
    pub fn not_found(what: &str) -> Self {
        ServerError::Api(ErrorCode::NotFound, format!("{what} not found"))
    }
    pub fn unauthenticated(msg: impl Into<String>) -> Self {
        ServerError::Api(ErrorCode::Unauthenticated, msg.into())
    }
    pub fn forbidden(msg: impl Into<String>) -> Self {
        ServerError::Api(ErrorCode::Forbidden, msg.into())
    }

    /// The code a client sees; storage and internal faults are not described to it.
    pub fn code(&self) -> ErrorCode {
        match self {
            ServerError::Api(code, _) => *code,
            ServerError::Sqlite(_) | ServerError::Postgres(_) | ServerError::Internal(_) => ErrorCode::Internal,
            ServerError::Throttled(_) => ErrorCode::RateLimited,
        }
    }
}

pub fn status_for(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::BadRequest | ErrorCode::InvalidPhone | ErrorCode::InvalidEmail => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::Unauthenticated | ErrorCode::NotSignedIn => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::Conflict | ErrorCode::Unsynced => StatusCode::CONFLICT,
        ErrorCode::Gone => StatusCode::GONE,
        ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::UpgradeRequired => StatusCode::UPGRADE_REQUIRED,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Busy => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::Offline | ErrorCode::Keyring | ErrorCode::Storage | ErrorCode::Internal => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        let code = self.code();
        if let ServerError::Throttled(wait) = self {
            let body = ApiError {
                details: Some(serde_json::json!({ "retry_after_seconds": wait })),
                ..ApiError::new(code, self.to_string())
            };
            let mut res = (status_for(code), axum::Json(body)).into_response();
            res.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(wait));
            return res;
        }
        let message = match &self {
            ServerError::Api(_, m) => m.clone(),
            other => {
                tracing::error!(error = %other, "request failed");
                "internal server error".to_string()
            }
        };
        (status_for(code), axum::Json(ApiError::new(code, message))).into_response()
    }
}

impl From<JsonRejection> for ServerError {
    fn from(r: JsonRejection) -> Self {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return ServerError::Api(ErrorCode::PayloadTooLarge, "request body is too large".into());
        }
        ServerError::bad_request(format!("invalid JSON body: {}", r.body_text()))
    }
}

impl From<axum::extract::rejection::BytesRejection> for ServerError {
    fn from(r: axum::extract::rejection::BytesRejection) -> Self {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return ServerError::Api(ErrorCode::PayloadTooLarge, "request body is too large".into());
        }
        ServerError::bad_request(format!("the request body could not be read: {}", r.body_text()))
    }
}

/// A request body as bytes, with typed rejections (too large: 413).
pub struct ApiBytes(pub axum::body::Bytes);

impl<S: Send + Sync> axum::extract::FromRequest<S> for ApiBytes {
    type Rejection = ServerError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        <axum::body::Bytes as axum::extract::FromRequest<S>>::from_request(req, state)
            .await
            .map(ApiBytes)
            .map_err(ServerError::from)
    }
}

impl From<QueryRejection> for ServerError {
    fn from(r: QueryRejection) -> Self {
        ServerError::bad_request(format!("invalid query: {}", r.body_text()))
    }
}

impl From<PathRejection> for ServerError {
    fn from(r: PathRejection) -> Self {
        ServerError::bad_request(format!("invalid path: {}", r.body_text()))
    }
}

/// `axum::Json` whose rejections are typed `{code, message}` errors.
#[derive(axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ServerError))]
pub struct ApiJson<T>(pub T);

impl<T: serde::Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `axum::extract::Query` with typed rejections.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ServerError))]
pub struct ApiQuery<T>(pub T);

/// `axum::extract::Path` with typed rejections.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ServerError))]
pub struct ApiPath<T>(pub T);

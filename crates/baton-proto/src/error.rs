use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Machine-readable error codes, shared by HTTP responses and IPC errors so that
/// no caller ever has to match on message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    BadRequest,
    InvalidPhone,
    InvalidEmail,
    Unauthenticated,
    Forbidden,
    NotFound,
    /// The path exists, but not with this HTTP method.
    MethodNotAllowed,
    Conflict,
    Gone,
    PayloadTooLarge,
    UpgradeRequired,
    /// Too many attempts: wait `details.retry_after_seconds` before the next.
    RateLimited,
    /// The server is too busy to take this now; try again shortly.
    Busy,
    Offline,
    NotSignedIn,
    /// Signing out would lose edits not yet on the server: `details.pending` says how many.
    Unsynced,
    Keyring,
    Storage,
    Internal,
}

/// The error body of every failed HTTP request (and, with the same shape, every
/// failed IPC command).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "unknown")]
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            details: None,
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

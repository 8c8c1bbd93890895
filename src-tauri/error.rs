//! Errors crossing IPC: always `{code, message}`, so the UI never matches strings.

use baton_core::CoreError;
use baton_proto::{ApiError, ErrorCode};
use serde::Serialize;

#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct IpcError(pub ApiError);

impl From<CoreError> for IpcError {
    fn from(e: CoreError) -> Self {
        IpcError(e.to_api())
    }
}

impl IpcError {
    pub fn not_signed_in() -> Self {
        IpcError(ApiError::new(ErrorCode::NotSignedIn, "sign in first"))
    }
}

pub type IpcResult<T> = Result<T, IpcError>;

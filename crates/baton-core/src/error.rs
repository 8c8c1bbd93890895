use baton_proto::{ApiError, ErrorCode};

/// Everything that can go wrong in the client. `to_api()` turns it into the
/// `{code, message}` the UI receives.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The server (or local validation with the server's rules) refused the request.
    #[error("{}", .0.message)]
    Api(ApiError),
    /// No answer from the server, in words a user acts on; `why` says what the
    /// network said ("it refuses connections"), never a library's text.
    #[error("The server at {server} is not answering: {why}. Your edits are kept on this computer and will be sent when it answers.")]
    Offline { server: String, why: String },
    #[error("local cache: {0}")]
    Storage(#[from] rusqlite::Error),
    #[error("OS keyring: {0}")]
    Keyring(String),
    #[error("not signed in")]
    NotSignedIn,
    /// The server ended the session: the cache stays locked until the user signs in again.
    #[error("your session has ended: sign in again (edits not yet synced are kept)")]
    Locked,
    #[error("{0}")]
    Internal(String),
    #[error("timed out after {0}")]
    TimedOut(String),
}

pub type Result<T, E = CoreError> = std::result::Result<T, E>;

impl CoreError {
    pub fn invalid(code: ErrorCode, message: impl Into<String>) -> Self {
        CoreError::Api(ApiError::new(code, message))
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            CoreError::Api(e) => e.code,
            CoreError::Offline { .. } => ErrorCode::Offline,
            CoreError::Storage(_) => ErrorCode::Storage,
            CoreError::Keyring(_) => ErrorCode::Keyring,
            CoreError::NotSignedIn | CoreError::Locked => ErrorCode::NotSignedIn,
            CoreError::Internal(_) | CoreError::TimedOut(_) => ErrorCode::Internal,
        }
    }

    pub fn to_api(&self) -> ApiError {
        match self {
            CoreError::Api(e) => e.clone(),
            other => ApiError::new(other.code(), other.to_string()),
        }
    }
}

impl From<baton_proto::contact::ContactError> for CoreError {
    fn from(e: baton_proto::contact::ContactError) -> Self {
        CoreError::invalid(e.code, e.message)
    }
}

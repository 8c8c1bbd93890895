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

/// A JSON request body with typed `{code, message}` rejections.
///
/// A number is read by its value, as JSON Schema reads it: `3.0` is the
/// integer 3 wherever an integer is expected (`3.5` is still refused). serde
/// alone would refuse it, and a client generated from the OpenAPI document may
/// well send it.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::FromRequest<S> for ApiJson<T> {
    type Rejection = ServerError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .is_some_and(|m| m == "application/json" || (m.starts_with("application/") && m.ends_with("+json")));
        if !json {
            return Err(ServerError::bad_request(
                "invalid JSON body: send it with `Content-Type: application/json`",
            ));
        }
        let ApiBytes(bytes) = ApiBytes::from_request(req, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// `body` as a `T`, read as JSON Schema reads it: an integral number written
/// with a fraction (`3.0`) is the integer, and a union's `type` tag is a
/// string (serde alone would take `"type": 0` as the first variant).
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ServerError> {
    let refused = |e: &dyn std::fmt::Display| ServerError::bad_request(format!("invalid JSON body: {e}"));
    let mut value: serde_json::Value = serde_json::from_slice(body).map_err(|e| refused(&e))?;
    if let Some(path) = numeric_tag(&value, "") {
        return Err(ServerError::bad_request(format!(
            "invalid JSON body: {path}type must be a string naming the kind"
        )));
    }
    integral_numbers(&mut value);
    serde_path_to_error::deserialize(&value).map_err(|e| refused(&e))
}

/// The path of the first object whose `type` is not a string, if any.
fn numeric_tag(v: &serde_json::Value, at: &str) -> Option<String> {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            if map.get("type").is_some_and(|t| !t.is_string() && !t.is_null()) {
                return Some(at.to_string());
            }
            map.iter().find_map(|(k, x)| numeric_tag(x, &format!("{at}{k}.")))
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, x)| numeric_tag(x, &format!("{}[{i}].", at.trim_end_matches('.')))),
        _ => None,
    }
}

/// Rewrites every integral float in `v` (`3.0`) as the integer.
fn integral_numbers(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n
                .as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15)
            {
                *v = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers),
        Value::Object(map) => map.values_mut().for_each(integral_numbers),
        _ => {}
    }
}

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

#[cfg(test)]
mod json_tests {
    use super::parse_json;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Rating {
        csat: u8,
        note: Option<String>,
    }

    #[test]
    fn an_integer_written_with_a_fraction_is_the_integer_and_a_real_fraction_is_refused() {
        assert_eq!(
            parse_json::<Rating>(br#"{"csat": 4.0}"#).expect("4.0 is 4"),
            Rating { csat: 4, note: None }
        );
        assert!(parse_json::<Rating>(br#"{"csat": 4.5}"#).is_err());
        assert!(
            parse_json::<Rating>(br#"{"csat": 400.0}"#).is_err(),
            "still bounded by the type"
        );
        let err = parse_json::<Rating>(br#"{"csat": "4"}"#).expect_err("a string is not a number");
        assert!(err.to_string().contains("csat"), "{err}");
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Shape {
        Circle { r: u32 },
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Drawing {
        shapes: Vec<Shape>,
    }

    #[test]
    fn a_union_is_named_by_its_tag_never_by_a_number() {
        assert_eq!(
            parse_json::<Drawing>(br#"{"shapes": [{"type": "circle", "r": 2}]}"#).expect("named"),
            Drawing {
                shapes: vec![Shape::Circle { r: 2 }]
            }
        );
        let err = parse_json::<Drawing>(br#"{"shapes": [{"type": 0, "r": 2}]}"#).expect_err("a number");
        assert!(err.to_string().contains("shapes[0].type must be a string"), "{err}");
    }
}

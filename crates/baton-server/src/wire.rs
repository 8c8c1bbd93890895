//! Columns that hold wire values: enumerations as their snake_case names and
//! small nested lists as JSON, both through serde so the database and the API
//! can never spell a value differently.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::error::ServerError;

/// The wire name of an enumeration value (`JobStatus::AtDepot` → `at_depot`).
pub fn name<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Reads an enumeration stored by [`name`].
pub fn parse<T: DeserializeOwned>(what: &str, s: &str) -> Result<T, ServerError> {
    serde_json::from_value(Value::String(s.to_string()))
        .map_err(|_| ServerError::Internal(format!("stored {what} '{s}' is not known to this server")))
}

pub fn to_json<T: Serialize>(v: &T) -> Result<String, ServerError> {
    serde_json::to_string(v).map_err(|e| ServerError::Internal(format!("encoding a column: {e}")))
}

pub fn from_json<T: DeserializeOwned>(what: &str, s: &str) -> Result<T, ServerError> {
    serde_json::from_str(s).map_err(|e| ServerError::Internal(format!("stored {what} '{s}': {e}")))
}

pub fn parse_ts(s: &str) -> Result<chrono::DateTime<chrono::Utc>, ServerError> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&chrono::Utc))
        .map_err(|e| ServerError::Internal(format!("stored timestamp '{s}': {e}")))
}

pub fn parse_opt_ts(s: Option<String>) -> Result<Option<chrono::DateTime<chrono::Utc>>, ServerError> {
    s.as_deref().map(parse_ts).transpose()
}

/// How times are stored: RFC 3339 in UTC with microseconds and `Z`, fixed width,
/// so SQL can compare and order them as text (and serde writes the same form).
pub fn ts(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

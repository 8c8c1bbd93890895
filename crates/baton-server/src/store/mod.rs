//! The storage seam: everything above it speaks to a [`Conn`] — a connection or
//! transaction of whichever backend the server runs on — and only the modules
//! below it hold SQL, one module per aggregate. Rows are read by column name.
//!
//! SQL in this layer is written once, with `?N` placeholders; a backend that spells
//! them otherwise rewrites them where it prepares statements. Where the dialects
//! differ (an id list as a parameter, say) the module asks [`Conn::backend`].

pub mod api_keys;
pub mod audit;
pub mod bulk;
pub mod callbacks;
pub mod commitments;
pub mod confirmations;
pub mod contacts;
pub mod customers;
pub mod erasures;
pub mod feed;
pub mod feedback;
pub mod history;
pub mod ids;
pub mod import_refs;
pub mod imports;
pub mod jobs;
pub mod merges;
pub mod meta;
pub mod migrate;
pub mod mutations;
pub mod orders;
pub mod orgs;
pub mod postgres;
pub mod presence;
pub mod propagation;
pub mod queues;
pub mod rows;
pub mod scorecards;
pub mod sqlite;
pub mod surveys;
pub mod templates;
pub mod tickets;
pub mod ties;
pub mod timeline;
pub mod user_codes;
pub mod users;
pub mod webhooks;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;

use crate::error::ServerError;

/// Which database the server stores in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// One value crossing the seam: a parameter going in or a column coming out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
}

/// Something that can be bound as a statement parameter.
pub trait ToParam {
    fn param(&self) -> Value<'_>;
}

impl ToParam for str {
    fn param(&self) -> Value<'_> {
        Value::Text(self)
    }
}
impl ToParam for String {
    fn param(&self) -> Value<'_> {
        Value::Text(self)
    }
}
impl ToParam for i64 {
    fn param(&self) -> Value<'_> {
        Value::Int(*self)
    }
}
impl ToParam for i32 {
    fn param(&self) -> Value<'_> {
        Value::Int(i64::from(*self))
    }
}
impl ToParam for u8 {
    fn param(&self) -> Value<'_> {
        Value::Int(i64::from(*self))
    }
}
impl ToParam for u32 {
    fn param(&self) -> Value<'_> {
        Value::Int(i64::from(*self))
    }
}
impl ToParam for bool {
    fn param(&self) -> Value<'_> {
        Value::Int(i64::from(*self))
    }
}
impl ToParam for f64 {
    fn param(&self) -> Value<'_> {
        Value::Real(*self)
    }
}
impl<T: ToParam + ?Sized> ToParam for &T {
    fn param(&self) -> Value<'_> {
        (**self).param()
    }
}
impl<T: ToParam> ToParam for Option<T> {
    fn param(&self) -> Value<'_> {
        match self {
            Some(v) => v.param(),
            None => Value::Null,
        }
    }
}

/// Statement parameters: `args![a, b]` is `&[&a, &b]` as bindable values.
#[macro_export]
macro_rules! args {
    () => { &[] as &[&dyn $crate::store::ToParam] };
    ($($v:expr),+ $(,)?) => { &[$(&$v as &dyn $crate::store::ToParam),+] as &[&dyn $crate::store::ToParam] };
}
pub use args;

/// A column's value read out of a row.
pub trait FromValue: Sized {
    fn from_value(v: Value<'_>) -> Option<Self>;
}

impl FromValue for String {
    fn from_value(v: Value<'_>) -> Option<Self> {
        match v {
            Value::Text(s) => Some(s.to_string()),
            _ => None,
        }
    }
}
impl FromValue for i64 {
    fn from_value(v: Value<'_>) -> Option<Self> {
        match v {
            Value::Int(i) => Some(i),
            _ => None,
        }
    }
}
impl FromValue for u32 {
    fn from_value(v: Value<'_>) -> Option<Self> {
        match v {
            Value::Int(i) => u32::try_from(i).ok(),
            _ => None,
        }
    }
}
impl FromValue for i32 {
    fn from_value(v: Value<'_>) -> Option<Self> {
        match v {
            Value::Int(i) => i32::try_from(i).ok(),
            _ => None,
        }
    }
}
impl FromValue for bool {
    fn from_value(v: Value<'_>) -> Option<Self> {
        match v {
            Value::Int(i) => Some(i != 0),
            _ => None,
        }
    }
}
impl FromValue for f64 {
    fn from_value(v: Value<'_>) -> Option<Self> {
        match v {
            Value::Real(f) => Some(f),
            Value::Int(i) => Some(i as f64),
            _ => None,
        }
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: Value<'_>) -> Option<Self> {
        match v {
            Value::Null => Some(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// What a backend's row offers: a column's value by name.
pub trait RawRow {
    fn value(&self, column: &str) -> Result<Value<'_>, ServerError>;
}

/// One result row, read by column name.
#[derive(Clone, Copy)]
pub struct Row<'a>(&'a dyn RawRow);

impl<'a> Row<'a> {
    pub fn new(raw: &'a dyn RawRow) -> Row<'a> {
        Row(raw)
    }

    pub fn get<T: FromValue>(&self, column: &str) -> Result<T, ServerError> {
        let v = self.0.value(column)?;
        T::from_value(v)
            .ok_or_else(|| ServerError::Internal(format!("column '{column}' holds {v:?}, not the type read")))
    }

    /// A text column as borrowed, without copying.
    pub fn str(&self, column: &str) -> Result<&str, ServerError> {
        match self.0.value(column)? {
            Value::Text(s) => Ok(s),
            v => Err(ServerError::Internal(format!(
                "column '{column}' holds {v:?}, not text"
            ))),
        }
    }

    /// A timestamp column (see `wire::ts`).
    pub fn ts(&self, column: &str) -> Result<DateTime<Utc>, ServerError> {
        crate::wire::parse_ts(self.str(column)?)
    }

    pub fn opt_ts(&self, column: &str) -> Result<Option<DateTime<Utc>>, ServerError> {
        match self.0.value(column)? {
            Value::Null => Ok(None),
            _ => self.ts(column).map(Some),
        }
    }

    /// An enumeration column stored by its wire name (`wire::name`).
    pub fn parse<T: DeserializeOwned>(&self, column: &str) -> Result<T, ServerError> {
        crate::wire::parse(column, self.str(column)?)
    }

    pub fn opt_parse<T: DeserializeOwned>(&self, column: &str) -> Result<Option<T>, ServerError> {
        match self.0.value(column)? {
            Value::Null => Ok(None),
            _ => self.parse(column).map(Some),
        }
    }

    /// A JSON column (`wire::to_json`).
    pub fn json<T: DeserializeOwned>(&self, column: &str) -> Result<T, ServerError> {
        crate::wire::from_json(column, self.str(column)?)
    }

    pub fn opt_json<T: DeserializeOwned>(&self, column: &str) -> Result<Option<T>, ServerError> {
        match self.0.value(column)? {
            Value::Null => Ok(None),
            _ => self.json(column).map(Some),
        }
    }
}

/// A connection or transaction of the server's database.
pub trait Conn {
    fn backend(&self) -> Backend;
    /// Runs one statement; returns the rows it changed.
    fn execute(&self, sql: &str, params: &[&dyn ToParam]) -> Result<usize, ServerError>;
    /// Runs one query, calling `f` for each row in order.
    fn each(
        &self,
        sql: &str,
        params: &[&dyn ToParam],
        f: &mut dyn FnMut(Row<'_>) -> Result<(), ServerError>,
    ) -> Result<(), ServerError>;
    /// Runs statements without parameters or results (savepoints).
    fn batch(&self, sql: &str) -> Result<(), ServerError>;
}

impl dyn Conn + '_ {
    /// Every row, made by `f`.
    pub fn all<T>(
        &self,
        sql: &str,
        params: &[&dyn ToParam],
        mut f: impl FnMut(Row<'_>) -> Result<T, ServerError>,
    ) -> Result<Vec<T>, ServerError> {
        let mut out = Vec::new();
        self.each(sql, params, &mut |r| {
            out.push(f(r)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// The first row, if there is one.
    pub fn opt<T>(
        &self,
        sql: &str,
        params: &[&dyn ToParam],
        mut f: impl FnMut(Row<'_>) -> Result<T, ServerError>,
    ) -> Result<Option<T>, ServerError> {
        let mut out = None;
        self.each(sql, params, &mut |r| {
            if out.is_none() {
                out = Some(f(r)?);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// The first row; a query that finds none is a fault of the caller's SQL.
    pub fn one<T>(
        &self,
        sql: &str,
        params: &[&dyn ToParam],
        f: impl FnMut(Row<'_>) -> Result<T, ServerError>,
    ) -> Result<T, ServerError> {
        self.opt(sql, params, f)?
            .ok_or_else(|| ServerError::Internal("a query that always answers a row answered none".into()))
    }

    /// The first column of the first row.
    pub fn value<T: FromValue>(&self, sql: &str, params: &[&dyn ToParam], column: &str) -> Result<T, ServerError> {
        self.one(sql, params, |r| r.get(column))
    }

    /// Runs `f` under a savepoint: kept if it returns Ok, rolled back otherwise.
    pub fn savepoint<T>(&self, f: impl FnOnce() -> Result<T, ServerError>) -> Result<T, ServerError> {
        self.batch("SAVEPOINT baton")?;
        match f() {
            Ok(v) => {
                self.batch("RELEASE baton")?;
                Ok(v)
            }
            Err(e) => {
                self.batch("ROLLBACK TO baton; RELEASE baton")?;
                Err(e)
            }
        }
    }
}

/// Runs `sql` (whose `?1` is an id list, [`Backend::id_list`]) and groups the rows `f`
/// makes by the text column `key`, in query order.
pub fn grouped<T>(
    db: &dyn Conn,
    sql: &str,
    list: &str,
    key: &str,
    mut f: impl FnMut(Row<'_>) -> Result<T, ServerError>,
) -> Result<std::collections::HashMap<String, Vec<T>>, ServerError> {
    let mut out: std::collections::HashMap<String, Vec<T>> = std::collections::HashMap::new();
    db.each(sql, args![list], &mut |r| {
        let item = f(r)?;
        match out.get_mut(r.str(key)?) {
            Some(items) => items.push(item),
            None => {
                out.insert(r.get(key)?, vec![item]);
            }
        }
        Ok(())
    })?;
    Ok(out)
}

/// The escalation of a queue item (callback, commitment), from its
/// `escalation_level`, `escalated_at` and `escalation_reason` columns.
pub fn queue_escalation(r: Row<'_>) -> Result<Option<baton_proto::QueueEscalation>, ServerError> {
    let Some(level) = baton_proto::EscalationLevel::from_level(r.get("escalation_level")?) else {
        return Ok(None);
    };
    Ok(Some(baton_proto::QueueEscalation {
        level,
        at: r.ts("escalated_at")?,
        reason: r.get::<Option<String>>("escalation_reason")?.unwrap_or_default(),
    }))
}

impl Backend {
    /// A list of ids bound as one parameter ([`Backend::id_list`]), for `IN`
    /// clauses: `format!("id IN {}", backend.ids_in(1))`. Both forms let the
    /// planner look each id up by index, whatever the list's length.
    pub fn ids_in(self, param: usize) -> String {
        match self {
            Backend::Sqlite => format!("(SELECT value FROM json_each(?{param}))"),
            Backend::Postgres => format!("(SELECT unnest(CAST(CAST(?{param} AS TEXT) AS TEXT[])))"),
        }
    }

    /// `ids` as the one parameter [`Backend::ids_in`] reads: a JSON array for
    /// SQLite, an array literal for PostgreSQL.
    pub fn id_list(self, ids: &[String]) -> String {
        match self {
            Backend::Sqlite => serde_json::Value::from(ids.to_vec()).to_string(),
            Backend::Postgres => {
                let quoted: Vec<String> = ids
                    .iter()
                    .map(|id| format!("\"{}\"", id.replace('\\', "\\\\").replace('"', "\\\"")))
                    .collect();
                format!("{{{}}}", quoted.join(","))
            }
        }
    }

    /// The text of `key` in the JSON object held by text column `column`.
    pub fn json_text(self, column: &str, key: &str) -> String {
        match self {
            Backend::Sqlite => format!("json_extract({column}, '$.{key}')"),
            Backend::Postgres => format!("(CAST({column} AS jsonb) ->> '{key}')"),
        }
    }

    /// The text of `key` in the last element of the JSON array held by `column`.
    pub fn json_last_text(self, column: &str, key: &str) -> String {
        match self {
            Backend::Sqlite => format!("json_extract({column}, '$[#-1].{key}')"),
            Backend::Postgres => format!("(CAST({column} AS jsonb) -> -1 ->> '{key}')"),
        }
    }
}

//! The PostgreSQL backend of the seam. Statements are written once with `?N`
//! placeholders (see the module above); here they become `$N`, are prepared
//! once per connection, and each value is bound as the type PostgreSQL
//! inferred for its parameter, so one `Value::Int` serves an `integer`, a
//! `bigint` or a `boolean` column alike.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::error::Error as StdError;

use bytes::BytesMut;
use postgres::types::{IsNull, ToSql, Type};
use postgres::{Client, Statement};

use super::{Backend, Conn, RawRow, Row, ToParam, Value};
use crate::error::ServerError;

/// Every feed append and every write takes this transaction-scoped advisory
/// lock first, so writers across all nodes commit one at a time, in `seq` order.
pub const WRITE_LOCK: i64 = 0x6261_746f_6e00; // "baton\0"

/// A pooled connection and the statements prepared on it.
pub struct Pooled {
    client: Option<Client>,
    pub statements: HashMap<String, Statement>,
}

impl Pooled {
    /// The connection and its statements, apart, so a transaction can borrow both.
    pub fn parts(&mut self) -> Result<(&mut Client, &mut HashMap<String, Statement>), ServerError> {
        let client = self
            .client
            .as_mut()
            .ok_or_else(|| ServerError::Internal("a closed database connection was handed out".into()))?;
        Ok((client, &mut self.statements))
    }
}

impl Drop for Pooled {
    /// The client says goodbye to the server on drop, by blocking on its own
    /// runtime, which an async thread may not do: there it is dropped on a thread
    /// of its own.
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            if tokio::runtime::Handle::try_current().is_ok() {
                std::thread::spawn(move || drop(client));
            }
        }
    }
}

/// One transaction on a pooled connection, as a [`Conn`].
pub struct PgConn<'a> {
    tx: RefCell<postgres::Transaction<'a>>,
    statements: RefCell<&'a mut HashMap<String, Statement>>,
    write_locked: Cell<bool>,
}

impl<'a> PgConn<'a> {
    pub fn new(tx: postgres::Transaction<'a>, statements: &'a mut HashMap<String, Statement>) -> PgConn<'a> {
        PgConn {
            tx: RefCell::new(tx),
            statements: RefCell::new(statements),
            write_locked: Cell::new(false),
        }
    }

    pub fn commit(self) -> Result<(), ServerError> {
        Ok(self.tx.into_inner().commit()?)
    }

    /// Takes the write lock (once per transaction).
    pub fn lock_for_write(&self) -> Result<(), ServerError> {
        if !self.write_locked.get() {
            self.tx
                .borrow_mut()
                .execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])?;
            self.write_locked.set(true);
        }
        Ok(())
    }

    /// `sql` prepared on this connection (once). A parameter PostgreSQL cannot
    /// type from its context (one only tested `IS NULL`) is declared as the type
    /// of the value given for it; the failed attempt is rolled back to a
    /// savepoint, so the transaction goes on.
    fn statement(&self, sql: &str, params: &[&dyn ToParam]) -> Result<Statement, ServerError> {
        if let Some(s) = self.statements.borrow().get(sql) {
            return Ok(s.clone());
        }
        let pg_sql = placeholders(sql);
        let mut tx = self.tx.borrow_mut();
        tx.batch_execute("SAVEPOINT baton_prepare")?;
        let prepared = match tx.prepare(&pg_sql) {
            Ok(p) => {
                tx.batch_execute("RELEASE baton_prepare")?;
                p
            }
            Err(e)
                if e.code() == Some(&postgres::error::SqlState::INDETERMINATE_DATATYPE)
                    || e.code() == Some(&postgres::error::SqlState::AMBIGUOUS_PARAMETER) =>
            {
                tx.batch_execute("ROLLBACK TO baton_prepare; RELEASE baton_prepare")?;
                let types: Vec<Type> = params
                    .iter()
                    .map(|p| match p.param() {
                        Value::Int(_) => Type::INT8,
                        Value::Real(_) => Type::FLOAT8,
                        Value::Null | Value::Text(_) => Type::TEXT,
                    })
                    .collect();
                tx.prepare_typed(&pg_sql, &types)?
            }
            Err(e) => return Err(e.into()),
        };
        self.statements.borrow_mut().insert(sql.to_string(), prepared.clone());
        Ok(prepared)
    }
}

/// `?N` → `$N`, outside quoted strings and identifiers.
pub fn placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quote: Option<char> = None;
    for c in sql.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '?' => {
                out.push('$');
                continue;
            }
            None => {}
        }
        out.push(c);
    }
    out
}

/// A value bound as the type its parameter was inferred to have.
#[derive(Debug)]
enum Bound<'a> {
    Null,
    Bool(bool),
    I16(i16),
    I32(i32),
    I64(i64),
    F32(f32),
    F64(f64),
    Text(&'a str),
    Owned(String),
    Jsonb(&'a str),
}

impl ToSql for Bound<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        match self {
            Bound::Null => Ok(IsNull::Yes),
            Bound::Bool(v) => v.to_sql(ty, out),
            Bound::I16(v) => v.to_sql(ty, out),
            Bound::I32(v) => v.to_sql(ty, out),
            Bound::I64(v) => v.to_sql(ty, out),
            Bound::F32(v) => v.to_sql(ty, out),
            Bound::F64(v) => v.to_sql(ty, out),
            Bound::Text(v) => v.to_sql(ty, out),
            Bound::Owned(v) => v.to_sql(ty, out),
            Bound::Jsonb(v) => {
                out.extend_from_slice(&[1]);
                out.extend_from_slice(v.as_bytes());
                Ok(IsNull::No)
            }
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

fn bind<'a>(v: Value<'a>, ty: &Type, n: usize) -> Result<Bound<'a>, ServerError> {
    let wrong = || ServerError::Internal(format!("parameter {n} ({v:?}) cannot be bound as {ty}"));
    Ok(match (v, ty) {
        (Value::Null, _) => Bound::Null,
        (Value::Int(i), &Type::BOOL) => Bound::Bool(i != 0),
        (Value::Int(i), &Type::INT2) => Bound::I16(i16::try_from(i).map_err(|_| wrong())?),
        (Value::Int(i), &Type::INT4) => Bound::I32(i32::try_from(i).map_err(|_| wrong())?),
        (Value::Int(i), &Type::INT8) => Bound::I64(i),
        (Value::Int(i), &Type::FLOAT8) => Bound::F64(i as f64),
        (Value::Int(i), &Type::FLOAT4) => Bound::F32(i as f32),
        (Value::Int(i), &Type::TEXT | &Type::VARCHAR) => Bound::Owned(i.to_string()),
        (Value::Real(f), &Type::FLOAT8) => Bound::F64(f),
        (Value::Real(f), &Type::FLOAT4) => Bound::F32(f as f32),
        (Value::Text(s), &Type::TEXT | &Type::VARCHAR | &Type::BPCHAR | &Type::NAME) => Bound::Text(s),
        (Value::Text(s), &Type::JSONB) => Bound::Jsonb(s),
        _ => return Err(wrong()),
    })
}

struct PgRow<'a>(&'a postgres::Row);

impl RawRow for PgRow<'_> {
    fn value(&self, column: &str) -> Result<Value<'_>, ServerError> {
        let row = self.0;
        let i = row
            .columns()
            .iter()
            .position(|c| c.name() == column)
            .ok_or_else(|| ServerError::Internal(format!("no column '{column}' in the result")))?;
        let ty = row.columns()[i].type_();
        let bad = |e: postgres::Error| ServerError::Internal(format!("column '{column}': {e}"));
        Ok(match *ty {
            Type::INT8 => row
                .try_get::<_, Option<i64>>(i)
                .map_err(bad)?
                .map_or(Value::Null, Value::Int),
            Type::INT4 => row
                .try_get::<_, Option<i32>>(i)
                .map_err(bad)?
                .map_or(Value::Null, |v| Value::Int(i64::from(v))),
            Type::INT2 => row
                .try_get::<_, Option<i16>>(i)
                .map_err(bad)?
                .map_or(Value::Null, |v| Value::Int(i64::from(v))),
            Type::BOOL => row
                .try_get::<_, Option<bool>>(i)
                .map_err(bad)?
                .map_or(Value::Null, |v| Value::Int(i64::from(v))),
            Type::FLOAT8 => row
                .try_get::<_, Option<f64>>(i)
                .map_err(bad)?
                .map_or(Value::Null, Value::Real),
            Type::FLOAT4 => row
                .try_get::<_, Option<f32>>(i)
                .map_err(bad)?
                .map_or(Value::Null, |v| Value::Real(f64::from(v))),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => row
                .try_get::<_, Option<&str>>(i)
                .map_err(bad)?
                .map_or(Value::Null, Value::Text),
            _ => {
                return Err(ServerError::Internal(format!(
                    "column '{column}' is of type {ty}; cast it in the query"
                )))
            }
        })
    }
}

impl Conn for PgConn<'_> {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    fn execute(&self, sql: &str, params: &[&dyn ToParam]) -> Result<usize, ServerError> {
        let stmt = self.statement(sql, params)?;
        let bound = bind_all(&stmt, params)?;
        let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|b| b as &(dyn ToSql + Sync)).collect();
        let n = self.tx.borrow_mut().execute(&stmt, &refs)?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn each(
        &self,
        sql: &str,
        params: &[&dyn ToParam],
        f: &mut dyn FnMut(Row<'_>) -> Result<(), ServerError>,
    ) -> Result<(), ServerError> {
        let stmt = self.statement(sql, params)?;
        let bound = bind_all(&stmt, params)?;
        let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|b| b as &(dyn ToSql + Sync)).collect();
        // All rows first: `f` may run further statements on this transaction.
        let rows = self.tx.borrow_mut().query(&stmt, &refs)?;
        for r in &rows {
            f(Row::new(&PgRow(r)))?;
        }
        Ok(())
    }

    fn batch(&self, sql: &str) -> Result<(), ServerError> {
        Ok(self.tx.borrow_mut().batch_execute(sql)?)
    }
}

fn bind_all<'a>(stmt: &Statement, params: &'a [&'a dyn ToParam]) -> Result<Vec<Bound<'a>>, ServerError> {
    if stmt.params().len() != params.len() {
        return Err(ServerError::Internal(format!(
            "a statement takes {} parameters and was given {}",
            stmt.params().len(),
            params.len()
        )));
    }
    params
        .iter()
        .zip(stmt.params())
        .enumerate()
        .map(|(n, (p, ty))| bind(p.param(), ty, n + 1))
        .collect()
}

/// The pool's connection manager: a connection per `postgres::Config`, with its
/// own statement cache.
pub struct Manager {
    pub config: postgres::Config,
}

impl r2d2::ManageConnection for Manager {
    type Connection = Pooled;
    type Error = postgres::Error;

    fn connect(&self) -> Result<Pooled, postgres::Error> {
        Ok(Pooled {
            client: Some(self.config.connect(postgres::NoTls)?),
            statements: HashMap::new(),
        })
    }

    fn is_valid(&self, conn: &mut Pooled) -> Result<(), postgres::Error> {
        match conn.client.as_mut() {
            Some(c) => c.simple_query("").map(|_| ()),
            None => Ok(()),
        }
    }

    fn has_broken(&self, conn: &mut Pooled) -> bool {
        conn.client.as_ref().is_none_or(Client::is_closed)
    }
}

#[cfg(test)]
mod tests {
    use super::placeholders;
    use crate::store::Backend;

    #[test]
    fn id_lists_are_array_literals_with_quotes_escaped() {
        let ids = vec!["cus_1".to_string(), "a\"b".to_string(), "c\\d".to_string()];
        assert_eq!(Backend::Postgres.id_list(&ids), r#"{"cus_1","a\"b","c\\d"}"#);
    }

    #[test]
    fn placeholders_are_renumbered_outside_quotes_only() {
        assert_eq!(
            placeholders("SELECT '?1', \"a?\" FROM t WHERE a = ?1 AND b LIKE '%' || ?2"),
            "SELECT '?1', \"a?\" FROM t WHERE a = $1 AND b LIKE '%' || $2"
        );
    }
}

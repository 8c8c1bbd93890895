//! The SQLite backend of the seam: rusqlite connections and transactions are
//! [`Conn`]s, every statement prepared through the connection's cache.

use rusqlite::types::ValueRef;

use super::{Backend, Conn, RawRow, Row, ToParam, Value};
use crate::error::ServerError;

struct Bind<'a>(&'a dyn ToParam);

impl rusqlite::ToSql for Bind<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::ToSqlOutput::Borrowed;
        Ok(match self.0.param() {
            Value::Null => Borrowed(ValueRef::Null),
            Value::Int(i) => Borrowed(ValueRef::Integer(i)),
            Value::Real(f) => Borrowed(ValueRef::Real(f)),
            Value::Text(s) => Borrowed(ValueRef::Text(s.as_bytes())),
        })
    }
}

fn bind<'a>(params: &'a [&'a dyn ToParam]) -> Vec<Bind<'a>> {
    params.iter().map(|p| Bind(*p)).collect()
}

impl RawRow for rusqlite::Row<'_> {
    fn value(&self, column: &str) -> Result<Value<'_>, ServerError> {
        Ok(match self.get_ref(column)? {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(i) => Value::Int(i),
            ValueRef::Real(f) => Value::Real(f),
            ValueRef::Text(t) => Value::Text(
                std::str::from_utf8(t).map_err(|_| ServerError::Internal(format!("column '{column}' is not UTF-8")))?,
            ),
            ValueRef::Blob(_) => return Err(ServerError::Internal(format!("column '{column}' holds a blob"))),
        })
    }
}

impl Conn for rusqlite::Connection {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    fn execute(&self, sql: &str, params: &[&dyn ToParam]) -> Result<usize, ServerError> {
        let params = bind(params);
        Ok(self
            .prepare_cached(sql)?
            .execute(rusqlite::params_from_iter(params.iter()))?)
    }

    fn each(
        &self,
        sql: &str,
        params: &[&dyn ToParam],
        f: &mut dyn FnMut(Row<'_>) -> Result<(), ServerError>,
    ) -> Result<(), ServerError> {
        let params = bind(params);
        let mut stmt = self.prepare_cached(sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
        while let Some(r) = rows.next()? {
            f(Row::new(r))?;
        }
        Ok(())
    }

    fn batch(&self, sql: &str) -> Result<(), ServerError> {
        Ok(self.execute_batch(sql)?)
    }
}

/// Transactions and savepoints are connections too (they deref to one).
macro_rules! conn_via_deref {
    ($($t:ty),+) => {$(
        impl Conn for $t {
            fn backend(&self) -> Backend {
                Backend::Sqlite
            }
            fn execute(&self, sql: &str, params: &[&dyn ToParam]) -> Result<usize, ServerError> {
                Conn::execute(&**self, sql, params)
            }
            fn each(
                &self,
                sql: &str,
                params: &[&dyn ToParam],
                f: &mut dyn FnMut(Row<'_>) -> Result<(), ServerError>,
            ) -> Result<(), ServerError> {
                Conn::each(&**self, sql, params, f)
            }
            fn batch(&self, sql: &str) -> Result<(), ServerError> {
                Conn::batch(&**self, sql)
            }
        }
    )+};
}
conn_via_deref!(rusqlite::Transaction<'_>, rusqlite::Savepoint<'_>);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args;

    fn conn() -> rusqlite::Connection {
        let c = rusqlite::Connection::open_in_memory().expect("in-memory database");
        c.execute_batch("CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER, note TEXT, at TEXT)")
            .expect("schema");
        c
    }

    #[test]
    fn rows_are_read_by_name_and_types_are_checked() {
        let c = conn();
        let db: &dyn Conn = &c;
        let none: Option<String> = None;
        db.execute(
            "INSERT INTO t (id, n, note, at) VALUES (?1, ?2, ?3, ?4)",
            args!["a", 7_i64, none, "2026-12-02T00:00:00.000000Z"],
        )
        .expect("insert");
        let (id, n, note): (String, i64, Option<String>) = db
            .one("SELECT note, n, id FROM t", args![], |r| {
                Ok((r.get("id")?, r.get("n")?, r.get("note")?))
            })
            .expect("row");
        assert_eq!((id.as_str(), n, note), ("a", 7, None));
        assert!(
            db.value::<String>("SELECT n FROM t", args![], "n").is_err(),
            "an integer is not text"
        );
        assert!(
            db.value::<i64>("SELECT n FROM t", args![], "missing").is_err(),
            "an unknown column is an error"
        );
        let at = db.one("SELECT at FROM t", args![], |r| r.ts("at")).expect("timestamp");
        assert_eq!(crate::wire::ts(at), "2026-12-02T00:00:00.000000Z");
    }

    #[test]
    fn a_failed_savepoint_leaves_nothing_and_a_kept_one_stays() {
        let c = conn();
        let db: &dyn Conn = &c;
        let failed: Result<(), ServerError> = db.savepoint(|| {
            db.execute("INSERT INTO t (id) VALUES ('gone')", args![])?;
            Err(ServerError::bad_request("no"))
        });
        assert!(failed.is_err());
        db.savepoint(|| db.execute("INSERT INTO t (id) VALUES ('kept')", args![]))
            .expect("kept");
        let ids = db
            .all("SELECT id FROM t ORDER BY id", args![], |r| r.get::<String>("id"))
            .expect("ids");
        assert_eq!(ids, vec!["kept".to_string()]);
    }

    #[test]
    fn id_lists_bind_as_one_parameter() {
        let c = conn();
        let db: &dyn Conn = &c;
        for id in ["a", "b", "c"] {
            db.execute("INSERT INTO t (id) VALUES (?1)", args![id]).expect("insert");
        }
        let list = db.backend().id_list(&["a".into(), "c".into(), "zz".into()]);
        let sql = format!("SELECT id FROM t WHERE id IN {} ORDER BY id", db.backend().ids_in(1));
        let ids = db.all(&sql, args![list], |r| r.get::<String>("id")).expect("ids");
        assert_eq!(ids, vec!["a".to_string(), "c".to_string()]);
    }
}

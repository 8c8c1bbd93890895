//! PostgreSQL's migrations: the embedded `migrations-postgres/NN-name/up.sql`
//! files, applied in order inside the caller's transaction (PostgreSQL's DDL is
//! transactional: a failed migration leaves nothing behind), the version kept in
//! `schema_version`. A database newer than this binary is refused, not touched.
//! (SQLite's run through `rusqlite_migration`, its version in `user_version`.)

use include_dir::Dir;

use super::Conn;
use crate::args;
use crate::error::ServerError;

/// The embedded migrations, in order: (version, SQL).
fn embedded(dir: &'static Dir<'static>) -> Result<Vec<(i64, &'static str)>, ServerError> {
    let mut out = Vec::new();
    for sub in dir.dirs() {
        let name = sub.path().file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let version: i64 = name
            .split('-')
            .next()
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| ServerError::Internal(format!("migration '{name}' is not numbered")))?;
        let sql = sub
            .get_file(sub.path().join("up.sql"))
            .and_then(|f| f.contents_utf8())
            .ok_or_else(|| ServerError::Internal(format!("migration '{name}' has no up.sql")))?;
        out.push((version, sql));
    }
    out.sort_by_key(|m| m.0);
    for (i, (v, _)) in out.iter().enumerate() {
        if *v != i as i64 + 1 {
            return Err(ServerError::Internal(format!("migration {v} is out of sequence")));
        }
    }
    Ok(out)
}

/// The schema version this binary brings.
pub fn latest(dir: &'static Dir<'static>) -> Result<i64, ServerError> {
    Ok(embedded(dir)?.len() as i64)
}

/// Brings the schema up to date; returns the version it is at.
pub fn postgres(db: &dyn Conn, dir: &'static Dir<'static>) -> Result<i64, ServerError> {
    let migrations = embedded(dir)?;
    db.batch("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")?;
    let current: i64 = db.value(
        "SELECT COALESCE(MAX(version), 0) AS version FROM schema_version",
        args![],
        "version",
    )?;
    let known = migrations.len() as i64;
    if current > known {
        return Err(ServerError::Internal(format!(
            "the database is at schema version {current}, newer than this server's {known}: run a newer baton-server"
        )));
    }
    for (version, sql) in migrations.into_iter().filter(|m| m.0 > current) {
        db.batch(sql)?;
        db.execute("DELETE FROM schema_version", args![])?;
        db.execute("INSERT INTO schema_version (version) VALUES (?1)", args![version])?;
    }
    Ok(known)
}

//! Loading many rows at once: the organisations and users a database starts
//! with, and building secondary indexes once after a bulk insert instead of row by row.

use super::{Backend, Conn};
use crate::args;
use crate::error::ServerError;

pub fn insert_org(db: &dyn Conn, id: &str, name: &str, kind: &str, visible_fields: &str) -> Result<(), ServerError> {
    db.execute(
        "INSERT INTO orgs (id, name, kind, visible_fields) VALUES (?1, ?2, ?3, ?4)",
        args![id, name, kind, visible_fields],
    )?;
    Ok(())
}

pub fn insert_user(
    db: &dyn Conn,
    id: &str,
    username: &str,
    display_name: &str,
    password_hash: &str,
    role: &str,
    org_id: &str,
) -> Result<(), ServerError> {
    db.execute(
        "INSERT INTO users (id, username, display_name, password_hash, role, org_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        args![id, username, display_name, password_hash, role, org_id],
    )?;
    Ok(())
}

/// How many organisations there are (none in a database nobody set up).
pub fn org_count(db: &dyn Conn) -> Result<i64, ServerError> {
    db.value("SELECT COUNT(*) AS n FROM orgs", args![], "n")
}

/// Runs `load` with the secondary indexes of `tables` dropped and a large page
/// cache, then rebuilds each index once, by sorting, from its own definition.
/// Inserting a large set into indexes in random order (phone numbers, names)
/// costs far more than one build at the end. The tables' triggers are off
/// meanwhile too: they note history for the change feed, and consoles receive
/// a bulk load through their snapshot.
pub fn without_secondary_indexes<T>(
    db: &dyn Conn,
    tables: &[&str],
    load: impl FnOnce() -> Result<T, ServerError>,
) -> Result<T, ServerError> {
    match db.backend() {
        Backend::Sqlite => {
            let list = db
                .backend()
                .id_list(&tables.iter().map(|t| t.to_string()).collect::<Vec<_>>());
            let objects: Vec<(String, String, String)> = db.all(
                &format!(
                    "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger')
                     AND sql IS NOT NULL AND tbl_name IN {}",
                    db.backend().ids_in(1)
                ),
                args![list],
                |r| Ok((r.get("type")?, r.get("name")?, r.get("sql")?)),
            )?;
            db.batch("PRAGMA cache_size = -1048576")?;
            for (kind, name, _) in &objects {
                let kind = if kind == "trigger" { "TRIGGER" } else { "INDEX" };
                db.batch(&format!("DROP {kind} \"{name}\""))?;
            }
            let out = load()?;
            for (_, _, sql) in &objects {
                db.batch(sql)?;
            }
            db.batch("PRAGMA cache_size = -2000")?;
            Ok(out)
        }
        Backend::Postgres => {
            let list = db
                .backend()
                .id_list(&tables.iter().map(|t| t.to_string()).collect::<Vec<_>>());
            // Indexes behind a constraint (primary keys, unique columns) stay.
            let indexes: Vec<(String, String)> = db.all(
                &format!(
                    "SELECT CAST(indexname AS TEXT) AS name, indexdef AS sql FROM pg_indexes i
                     WHERE schemaname = current_schema() AND tablename IN {}
                       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                    db.backend().ids_in(1)
                ),
                args![list],
                |r| Ok((r.get("name")?, r.get("sql")?)),
            )?;
            db.batch("SET LOCAL maintenance_work_mem = '1GB'")?;
            for (name, _) in &indexes {
                db.batch(&format!("DROP INDEX \"{name}\""))?;
            }
            for table in tables {
                db.batch(&format!("ALTER TABLE \"{table}\" DISABLE TRIGGER USER"))?;
            }
            let out = load()?;
            for table in tables {
                db.batch(&format!("ALTER TABLE \"{table}\" ENABLE TRIGGER USER"))?;
            }
            for (_, sql) in &indexes {
                db.batch(sql)?;
            }
            Ok(out)
        }
    }
}

/// The value of a person's first phone number (the seed's callbacks ring it).
pub fn first_phone(db: &dyn Conn, person_id: &str) -> Result<String, ServerError> {
    db.value(
        "SELECT value FROM contact_points WHERE person_id = ?1 AND kind = 'phone' ORDER BY position LIMIT 1",
        args![person_id],
        "value",
    )
}

//! Each backend's schema comes from its embedded migrations, and a database
//! written by a newer server is refused rather than touched.

use baton_server::{Db, Location};
use baton_testkit::Postgres;

#[test]
fn postgres_is_migrated_once_and_a_newer_schema_is_refused() {
    let url = Postgres::shared().database();
    let db = Db::connect(&Location::parse(&url)).expect("a fresh database is migrated");
    let version = |db: &Db| -> i64 {
        db.read_blocking(|c| c.value("SELECT version FROM schema_version", baton_server::args![], "version"))
            .expect("schema version")
    };
    let latest = version(&db);
    assert!(latest >= 2, "every migration ran ({latest})");
    // A second node finds it current and changes nothing.
    let again = Db::connect(&Location::parse(&url)).expect("a current database opens");
    assert_eq!(version(&again), latest);
    again
        .write_blocking(|c| {
            c.execute(
                "UPDATE schema_version SET version = ?1",
                baton_server::args![latest + 1],
            )
        })
        .expect("pretend a newer server ran");
    let refused = Db::connect(&Location::parse(&url)).err().map(|e| e.to_string());
    assert!(
        refused.as_deref().is_some_and(|e| e.contains("newer than this server")),
        "{refused:?}"
    );
}

#[test]
fn sqlite_refuses_a_database_from_a_newer_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.sqlite");
    drop(Db::open(&path).expect("a fresh file is migrated"));
    let conn = rusqlite::Connection::open(&path).expect("open");
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert!(version >= 8, "every migration ran ({version})");
    conn.pragma_update(None, "user_version", version + 1)
        .expect("pretend a newer server ran");
    drop(conn);
    assert!(Db::open(&path).is_err(), "a newer schema is refused");
}

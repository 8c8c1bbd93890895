//! The database the server stores in: SQLite (one file, the default) or
//! PostgreSQL (for several server nodes). Both hand out [`Conn`]s inside one
//! transaction per call; nothing above this module knows which it is.
//!
//! SQLite has one writer connection (SQLite serialises writers anyway, and a
//! single writer is what makes `changes.seq` commit-ordered) and a pool of
//! readers. PostgreSQL has one pool; every write transaction first takes a
//! transaction-scoped advisory lock shared by all nodes, so writers commit one
//! at a time and `seq` order is commit order there too. Reads run in
//! repeatable-read snapshots beside the writers.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use include_dir::{include_dir, Dir};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::Connection;
use rusqlite_migration::Migrations;

use crate::error::ServerError;
use crate::store::postgres::{Manager, PgConn};
use crate::store::{Backend, Conn};

static MIGRATIONS_DIR: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/migrations");
static PG_MIGRATIONS_DIR: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/migrations-postgres");

fn migrations() -> Result<Migrations<'static>, ServerError> {
    Migrations::from_directory(&MIGRATIONS_DIR)
        .map_err(|e| ServerError::Internal(format!("embedded migrations are invalid: {e}")))
}

/// Runs `f` under a savepoint: kept if it returns Ok, rolled back otherwise.
fn in_savepoint<T>(conn: &dyn Conn, f: impl FnOnce(&dyn Conn) -> Result<T, ServerError>) -> Result<T, ServerError> {
    conn.batch("SAVEPOINT grouped_write")?;
    match f(conn) {
        Ok(v) => {
            conn.batch("RELEASE grouped_write")?;
            Ok(v)
        }
        Err(e) => {
            conn.batch("ROLLBACK TO grouped_write; RELEASE grouped_write")?;
            Err(e)
        }
    }
}

/// Takes the writer and runs every waiting write in one transaction. A write
/// whose caller arrives here after another caller ran it finds nothing to do:
/// its outcome was delivered before the writer was let go.
fn run_waiting(writer: &Mutex<Connection>, waiting: &Mutex<Vec<Job>>, commits: &AtomicU64) {
    let Ok(mut conn) = writer.lock() else {
        tracing::error!("the writer connection is poisoned");
        return;
    };
    let jobs = match waiting.lock() {
        Ok(mut w) => std::mem::take(&mut *w),
        Err(_) => return,
    };
    if jobs.is_empty() {
        return;
    }
    let tx = match conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => {
            // Dropped unrun: each caller hears its write was abandoned.
            tracing::error!(error = %e, writes = jobs.len(), "beginning a write transaction");
            return;
        }
    };
    let delivers: Vec<Deliver> = jobs.into_iter().map(|job| job(&tx)).collect();
    let committed = tx.commit().map_err(ServerError::from);
    commits.fetch_add(1, Ordering::SeqCst);
    for deliver in delivers {
        deliver(committed.as_ref().err());
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    // WAL lets readers run beside the writer; synchronous=FULL makes every
    // committed write survive power loss, which an API of record owes its clients.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(())
}

/// Brings a SQLite schema up to date. Foreign keys are off while migrations run
/// (a migration may rebuild a table others refer to, SQLite's way of changing a
/// constraint) and every reference is checked before they are on again.
fn migrate_sqlite(conn: &mut Connection, path: &Path) -> Result<(), ServerError> {
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    migrations()?
        .to_latest(conn)
        .map_err(|e| ServerError::Internal(format!("migrating {}: {e}", path.display())))?;
    let broken: i64 = conn.query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| r.get(0))?;
    if broken > 0 {
        return Err(ServerError::Internal(format!(
            "migrating {}: {broken} rows refer to rows that are missing",
            path.display()
        )));
    }
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

/// Every statement of the store stays prepared on each connection.
const STATEMENT_CACHE: usize = 256;

/// Where the data is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    /// A `postgres://` URL.
    Postgres(String),
}

impl Location {
    /// A `postgres://` or `postgresql://` URL, or else a SQLite file path.
    pub fn parse(s: &str) -> Location {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Location::Postgres(s.to_string())
        } else {
            Location::Sqlite(PathBuf::from(s.strip_prefix("sqlite://").unwrap_or(s)))
        }
    }

    /// For messages: the file, or the database's host and name without credentials.
    pub fn describe(&self) -> String {
        match self {
            Location::Sqlite(p) => p.display().to_string(),
            Location::Postgres(url) => match url.parse::<postgres::Config>() {
                Ok(c) => {
                    let host = c
                        .get_hosts()
                        .first()
                        .map(|h| match h {
                            postgres::config::Host::Tcp(h) => h.clone(),
                            postgres::config::Host::Unix(p) => p.display().to_string(),
                        })
                        .unwrap_or_default();
                    format!("PostgreSQL database {} on {host}", c.get_dbname().unwrap_or("postgres"))
                }
                Err(_) => "a PostgreSQL database".into(),
            },
        }
    }
}

/// What a grouped write does once the group's transaction has committed (or
/// failed to): hands its caller the outcome.
type Deliver = Box<dyn FnOnce(Option<&ServerError>) + Send>;
/// One write waiting for the writer: runs inside the group's transaction.
type Job = Box<dyn FnOnce(&dyn Conn) -> Deliver + Send>;

#[derive(Clone)]
enum Inner {
    Sqlite {
        writer: Arc<Mutex<Connection>>,
        /// Writes waiting for the writer connection: whoever holds it next runs
        /// them all in one transaction (group commit), one savepoint each.
        waiting: Arc<Mutex<Vec<Job>>>,
        readers: r2d2::Pool<SqliteConnectionManager>,
    },
    Postgres {
        pool: r2d2::Pool<Manager>,
        config: Box<postgres::Config>,
    },
}

fn pooled(pool: &r2d2::Pool<Manager>) -> Result<r2d2::PooledConnection<Manager>, ServerError> {
    pool.get()
        .map_err(|e| ServerError::Internal(format!("database pool: {e}")))
}

#[derive(Clone)]
pub struct Db {
    inner: Inner,
    epoch: String,
    /// Counts commits this node made or heard of: what was read before it
    /// moved may be out of date (`pages::SharedPages`).
    commits: Arc<AtomicU64>,
}

impl Db {
    /// Opens (creating if needed) the SQLite database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Db, ServerError> {
        let mut writer = Connection::open(path)?;
        configure(&writer)?;
        migrate_sqlite(&mut writer, path)?;
        let epoch = crate::store::meta::epoch(&writer)?;
        let manager = SqliteConnectionManager::file(path).with_init(|c| {
            c.pragma_update(None, "foreign_keys", "ON")?;
            c.busy_timeout(Duration::from_secs(5))?;
            c.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
            Ok(())
        });
        let readers = r2d2::Pool::builder()
            .max_size(8)
            .build(manager)
            .map_err(|e| ServerError::Internal(format!("opening read pool: {e}")))?;
        Ok(Db {
            inner: Inner::Sqlite {
                writer: Arc::new(Mutex::new(writer)),
                waiting: Arc::new(Mutex::new(Vec::new())),
                readers,
            },
            epoch,
            commits: Arc::default(),
        })
    }

    /// Connects to the PostgreSQL database at `url` and brings its schema up to
    /// date (once, whichever node gets there first: the migration runs under the
    /// write lock). Blocking: call it before serving.
    pub fn connect_postgres(url: &str) -> Result<Db, ServerError> {
        // The driver blocks on a runtime of its own, which an async thread may not.
        let url = url.to_string();
        std::thread::spawn(move || Db::connect_postgres_here(&url))
            .join()
            .map_err(|_| ServerError::Internal("connecting to PostgreSQL panicked".into()))?
    }

    fn connect_postgres_here(url: &str) -> Result<Db, ServerError> {
        let config: postgres::Config = url
            .parse()
            .map_err(|e| ServerError::Internal(format!("the database URL is not valid: {e}")))?;
        let pool = r2d2::Pool::builder()
            .max_size(16)
            .connection_timeout(Duration::from_secs(10))
            .build(Manager { config: config.clone() })
            .map_err(|e| ServerError::Internal(format!("connecting to PostgreSQL: {e}")))?;
        let db = Db {
            inner: Inner::Postgres {
                pool,
                config: Box::new(config),
            },
            epoch: String::new(),
            commits: Arc::default(),
        };
        let epoch = db.write_blocking(|c| {
            crate::store::migrate::postgres(c, &PG_MIGRATIONS_DIR)?;
            crate::store::meta::epoch(c)
        })?;
        Ok(Db { epoch, ..db })
    }

    /// Opens the database at `location`.
    pub fn connect(location: &Location) -> Result<Db, ServerError> {
        match location {
            Location::Sqlite(path) => Db::open(path),
            Location::Postgres(url) => Db::connect_postgres(url),
        }
    }

    pub fn backend(&self) -> Backend {
        match self.inner {
            Inner::Sqlite { .. } => Backend::Sqlite,
            Inner::Postgres { .. } => Backend::Postgres,
        }
    }

    /// Copies a SQLite database to the new file `to` while it is in use (SQLite's
    /// online backup, from a read snapshot, so writers carry on), then checks the
    /// copy's integrity. Returns the pages copied. PostgreSQL is backed up with
    /// its own tools (`pg_dump`, base backups), which this refuses to stand in for.
    pub fn backup_blocking(&self, to: &Path) -> Result<usize, ServerError> {
        let Inner::Sqlite { readers, .. } = &self.inner else {
            return Err(ServerError::bad_request(
                "back up a PostgreSQL database with pg_dump or a base backup (see docs/deploy.md)",
            ));
        };
        if to.exists() {
            return Err(ServerError::bad_request(format!(
                "{} already exists: back up to a new file",
                to.display()
            )));
        }
        let src = readers
            .get()
            .map_err(|e| ServerError::Internal(format!("database pool: {e}")))?;
        let mut dst = Connection::open(to)?;
        let pages = {
            let backup = rusqlite::backup::Backup::new(&src, &mut dst)?;
            backup.run_to_completion(1024, Duration::ZERO, None)?;
            backup.progress().pagecount as usize
        };
        let check: String = dst.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if check != "ok" {
            return Err(ServerError::Internal(format!(
                "the backup failed its integrity check: {check}"
            )));
        }
        // The copy is a database of its own: served after a restore, its feed
        // restarts from the backup's head, so consoles' cursors from the
        // original must not be taken for its own. A new epoch makes them
        // re-snapshot (410), keeping their unsent edits.
        dst.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'epoch'",
            [uuid::Uuid::new_v4().to_string()],
        )?;
        Ok(pages)
    }

    /// This database's identity; cursors and snapshot tokens are only valid within it.
    pub fn epoch(&self) -> &str {
        &self.epoch
    }

    /// Runs `f` in one write transaction on this thread; commits if it returns Ok.
    pub fn write_blocking<T>(&self, f: impl FnOnce(&dyn Conn) -> Result<T, ServerError>) -> Result<T, ServerError> {
        match &self.inner {
            Inner::Sqlite { writer, .. } => {
                let mut conn = writer
                    .lock()
                    .map_err(|_| ServerError::Internal("writer lock poisoned".into()))?;
                let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                let out = f(&tx)?;
                tx.commit()?;
                self.saw_commit();
                Ok(out)
            }
            Inner::Postgres { pool, .. } => {
                let mut pooled = pooled(pool)?;
                let (client, statements) = pooled.parts()?;
                let conn = PgConn::new(client.transaction()?, statements);
                conn.lock_for_write()?;
                let out = f(&conn)?;
                conn.commit()?;
                self.saw_commit();
                Ok(out)
            }
        }
    }

    /// Commits made here or heard of from other nodes so far.
    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::SeqCst)
    }

    /// A commit was made, or another node told of one.
    pub fn saw_commit(&self) {
        self.commits.fetch_add(1, Ordering::SeqCst);
    }

    /// Runs `f` inside one read transaction (a consistent snapshot) on this thread.
    pub fn read_blocking<T>(&self, f: impl FnOnce(&dyn Conn) -> Result<T, ServerError>) -> Result<T, ServerError> {
        match &self.inner {
            Inner::Sqlite { readers, .. } => {
                let mut conn = readers
                    .get()
                    .map_err(|e| ServerError::Internal(format!("read pool: {e}")))?;
                let tx = conn.transaction()?;
                let out = f(&tx)?;
                tx.finish()?;
                Ok(out)
            }
            Inner::Postgres { pool, .. } => {
                let mut pooled = pooled(pool)?;
                let (client, statements) = pooled.parts()?;
                let tx = client
                    .build_transaction()
                    .isolation_level(postgres::IsolationLevel::RepeatableRead)
                    .read_only(true)
                    .start()?;
                let conn = PgConn::new(tx, statements);
                let out = f(&conn)?;
                conn.commit()?;
                Ok(out)
            }
        }
    }

    /// Tells every node listening on `channel` (PostgreSQL only; a SQLite
    /// database has one server). Blocking.
    pub fn notify_blocking(&self, channel: &str, payload: &str) -> Result<(), ServerError> {
        if let Inner::Postgres { pool, .. } = &self.inner {
            let mut pooled = pooled(pool)?;
            let (client, _) = pooled.parts()?;
            client.execute("SELECT pg_notify($1, $2)", &[&channel, &payload])?;
        }
        Ok(())
    }

    /// Listens on `channel` on a connection of its own, calling `on` with each
    /// payload, until `stop` says so (checked every second). Returns on a lost
    /// connection, for the caller to listen again. Blocking; PostgreSQL only.
    pub fn listen_blocking(
        &self,
        channel: &str,
        mut on: impl FnMut(&str),
        stop: impl Fn() -> bool,
    ) -> Result<(), ServerError> {
        let Inner::Postgres { config, .. } = &self.inner else {
            return Ok(());
        };
        let mut client = config.connect(postgres::NoTls)?;
        client.batch_execute(&format!("LISTEN {channel}"))?;
        while !stop() {
            let mut notes = client.notifications();
            let mut heard = notes.timeout_iter(Duration::from_secs(1));
            while let Some(n) = postgres::fallible_iterator::FallibleIterator::next(&mut heard)? {
                on(n.payload());
            }
        }
        Ok(())
    }

    /// Runs `f` in a write transaction on a blocking thread; what it wrote is
    /// kept if it returns Ok, and it returns once that is committed.
    ///
    /// On SQLite, writes that arrive while another commits are run together in
    /// the next transaction, each under a savepoint of its own (group commit):
    /// one disk flush serves them all, and a write that fails is rolled back
    /// alone. They still run one after another, in arrival order.
    pub async fn write<T, F>(&self, f: F) -> Result<T, ServerError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Conn) -> Result<T, ServerError> + Send + 'static,
    {
        let Inner::Sqlite { writer, waiting, .. } = &self.inner else {
            let db = self.clone();
            return tokio::task::spawn_blocking(move || db.write_blocking(f))
                .await
                .map_err(|e| ServerError::Internal(format!("write task failed: {e}")))?;
        };
        let (send, outcome) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |conn: &dyn Conn| -> Deliver {
            let out = in_savepoint(conn, f);
            Box::new(move |commit: Option<&ServerError>| {
                let out = match (out, commit) {
                    (Ok(_), Some(e)) => Err(ServerError::Internal(format!("committing a write: {e}"))),
                    (out, _) => out,
                };
                let _ = send.send(out);
            })
        });
        waiting
            .lock()
            .map_err(|_| ServerError::Internal("write queue poisoned".into()))?
            .push(job);
        let (writer, waiting, commits) = (writer.clone(), waiting.clone(), self.commits.clone());
        tokio::task::spawn_blocking(move || run_waiting(&writer, &waiting, &commits))
            .await
            .map_err(|e| ServerError::Internal(format!("write task failed: {e}")))?;
        outcome
            .await
            .map_err(|_| ServerError::Internal("a write was abandoned".into()))?
    }

    /// Runs `f` inside one read transaction (a consistent snapshot) on a blocking thread.
    pub async fn read<T, F>(&self, f: F) -> Result<T, ServerError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Conn) -> Result<T, ServerError> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.read_blocking(f))
            .await
            .map_err(|e| ServerError::Internal(format!("read task failed: {e}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        assert!(migrations()
            .and_then(|m| m.validate().map_err(|e| ServerError::Internal(e.to_string())))
            .is_ok());
    }

    /// Version 9 rebuilds `users`, which sessions and follow-ups refer to: a
    /// database with users and sessions keeps them all, still joined.
    #[test]
    fn the_users_rebuild_keeps_every_user_and_session() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("v8.sqlite");
        let mut conn = Connection::open(&path).expect("open");
        configure(&conn).expect("configure");
        migrations()
            .expect("migrations")
            .to_version(&mut conn, 8)
            .expect("to 8");
        conn.execute_batch(
            "INSERT INTO orgs (id, name, kind) VALUES ('r', 'Retailer', 'retailer');
             INSERT INTO users (id, username, display_name, password_hash, role, org_id)
                 VALUES ('u1', 'sam', 'Sam', 'h', 'supervisor', 'r');
             INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at)
                 VALUES ('t', 'u1', '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z', '2026-01-01T00:00:00Z');",
        )
        .expect("v8 rows");
        assert!(conn
            .execute("UPDATE users SET role = 'admin' WHERE id = 'u1'", [])
            .is_err());
        drop(conn);
        let db = Db::open(&path).expect("migrate to the latest");
        let (user, role): (String, String) = db
            .read_blocking(|c| {
                c.one(
                    "SELECT u.username, u.role FROM sessions s JOIN users u ON u.id = s.user_id",
                    crate::args![],
                    |r| Ok((r.get("username")?, r.get("role")?)),
                )
            })
            .expect("joined");
        assert_eq!((user.as_str(), role.as_str()), ("sam", "supervisor"));
        db.write_blocking(|c| {
            c.execute("UPDATE users SET role = 'admin' WHERE id = 'u1'", crate::args![])?;
            Ok(())
        })
        .expect("admin is a role now");
        let fk: i64 = db
            .read_blocking(|c| {
                c.value(
                    "SELECT COUNT(*) AS n FROM pragma_foreign_key_check",
                    crate::args![],
                    "n",
                )
            })
            .expect("check");
        assert_eq!(fk, 0);
    }

    #[test]
    fn locations_are_told_apart_and_described_without_credentials() {
        assert_eq!(
            Location::parse("data/baton.sqlite"),
            Location::Sqlite("data/baton.sqlite".into())
        );
        let pg = Location::parse("postgres://baton:secret@db.internal:5432/baton");
        assert!(matches!(pg, Location::Postgres(_)));
        let said = pg.describe();
        assert!(said.contains("db.internal") && said.contains("baton"), "{said}");
        assert!(!said.contains("secret"), "{said}");
    }

    /// Version 19 keeps finding records an older version imported (their ids
    /// a hash of the reference) only where such records exist.
    #[test]
    fn references_imported_before_19_are_looked_up_by_their_hash_only_where_there_are_some() {
        let flag = |rows: &str| -> Option<String> {
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().join("v18.sqlite");
            let mut conn = Connection::open(&path).expect("open");
            configure(&conn).expect("configure");
            migrations()
                .expect("migrations")
                .to_version(&mut conn, 18)
                .expect("to 18");
            conn.execute_batch(rows).expect("v18 rows");
            drop(conn);
            let db = Db::open(&path).expect("migrate to the latest");
            db.read_blocking(|c| crate::store::meta::get(c, "import_hashed_ids"))
                .expect("meta")
        };
        let old = crate::import::rows::hashed_id(baton_proto::ImportKind::Customers, "CRM-1");
        assert_eq!(
            flag(&format!(
                "INSERT INTO customers (id, number, display_name, updated_at) VALUES ('{old}', 'C-1', 'A', '2026-01-01T00:00:00Z')"
            ))
            .as_deref(),
            Some("1")
        );
        assert_eq!(
            flag("INSERT INTO customers (id, number, display_name, updated_at) VALUES ('cus_1', 'C-1', 'A', '2026-01-01T00:00:00Z')"),
            None
        );
    }
}

//! SQLite storage: one writer connection (SQLite serialises writers anyway, and a
//! single writer is what makes `changes.seq` commit-ordered) and a pool of readers.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use include_dir::{include_dir, Dir};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::Connection;
use rusqlite_migration::Migrations;

use crate::error::ServerError;
use crate::store::Conn;

static MIGRATIONS_DIR: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/migrations");

fn migrations() -> Result<Migrations<'static>, ServerError> {
    Migrations::from_directory(&MIGRATIONS_DIR)
        .map_err(|e| ServerError::Internal(format!("embedded migrations are invalid: {e}")))
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

/// Every statement of the store stays prepared on each connection.
const STATEMENT_CACHE: usize = 256;

#[derive(Clone)]
pub struct Db {
    writer: Arc<Mutex<Connection>>,
    readers: r2d2::Pool<SqliteConnectionManager>,
    epoch: String,
}

impl Db {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Db, ServerError> {
        let mut writer = Connection::open(path)?;
        configure(&writer)?;
        migrations()?
            .to_latest(&mut writer)
            .map_err(|e| ServerError::Internal(format!("migrating {}: {e}", path.display())))?;
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
            writer: Arc::new(Mutex::new(writer)),
            readers,
            epoch,
        })
    }

    /// This database's identity; cursors and snapshot tokens are only valid within it.
    pub fn epoch(&self) -> &str {
        &self.epoch
    }

    /// Runs `f` in one write transaction on a blocking thread; commits if it returns Ok.
    pub async fn write<T, F>(&self, f: F) -> Result<T, ServerError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Conn) -> Result<T, ServerError> + Send + 'static,
    {
        let writer = self.writer.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = writer
                .lock()
                .map_err(|_| ServerError::Internal("writer lock poisoned".into()))?;
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
        .await
        .map_err(|e| ServerError::Internal(format!("write task failed: {e}")))?
    }

    /// Runs `f` inside one read transaction (a consistent snapshot) on a blocking thread.
    pub async fn read<T, F>(&self, f: F) -> Result<T, ServerError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Conn) -> Result<T, ServerError> + Send + 'static,
    {
        let pool = self.readers.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool
                .get()
                .map_err(|e| ServerError::Internal(format!("read pool: {e}")))?;
            let tx = conn.transaction()?;
            let out = f(&tx)?;
            tx.finish()?;
            Ok(out)
        })
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
}

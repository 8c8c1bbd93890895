//! The local cache: one SQLite file per (server, user), holding only what the
//! user may see, plus the outbox of their edits.

mod outbox;
mod records;
mod search;
mod state;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use include_dir::{include_dir, Dir};
use rusqlite::Connection;
use rusqlite_migration::Migrations;

pub use outbox::OutboxEntry;
pub use state::SyncCursor;

use crate::error::{CoreError, Result};

static MIGRATIONS_DIR: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/migrations");

#[derive(Clone)]
pub struct Cache {
    conn: Arc<Mutex<Connection>>,
}

impl Cache {
    /// Opens (creating and migrating) the cache file at `path`.
    pub fn open(path: &Path) -> Result<Cache> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| CoreError::Internal(format!("creating {}: {e}", dir.display())))?;
        }
        let mut conn = Connection::open(path)?;
        // WAL + synchronous=FULL: a committed edit survives a crash or power loss.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(Duration::from_secs(5))?;
        let migrations = Migrations::from_directory(&MIGRATIONS_DIR)
            .map_err(|e| CoreError::Internal(format!("embedded cache migrations: {e}")))?;
        migrations
            .to_latest(&mut conn)
            .map_err(|e| CoreError::Internal(format!("migrating the cache {}: {e}", path.display())))?;
        Ok(Cache {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    fn lock(&self) -> Result<MutexGuard<'_, Connection>> {
        self.conn
            .lock()
            .map_err(|_| CoreError::Internal("cache lock poisoned".into()))
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self.lock()?.query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }
}

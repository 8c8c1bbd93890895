//! The local cache: one SQLite file per (server, user), holding only what the
//! user may see, plus the outbox of their edits.

mod at_rest;
mod board;
mod follow_ups;
mod notify;
mod outbox;
mod records;
pub(crate) mod search;
mod state;
mod tickets;
mod views;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use include_dir::{include_dir, Dir};
use rusqlite::Connection;
use rusqlite_migration::Migrations;

pub use at_rest::{delete as delete_files, AtRest, CacheKey};
pub use outbox::{OutboxCounts, OutboxEntry};
pub use records::EncodedPage;
pub use state::SyncCursor;

use crate::error::{CoreError, Result};

static MIGRATIONS_DIR: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/migrations");

#[derive(Clone)]
pub struct Cache {
    conn: Arc<Mutex<Connection>>,
}

impl Cache {
    /// Opens (creating and migrating) the cache file at `path`, kept on disk as
    /// `at_rest` says; the file and its folder are the OS user's alone.
    pub fn open(path: &Path, at_rest: &AtRest) -> Result<Cache> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| CoreError::Internal(format!("creating {}: {e}", dir.display())))?;
            at_rest::owner_only(dir, true)?;
        }
        let mut conn = at_rest::open(path, at_rest)?;
        at_rest::owner_only(path, false)?;
        // WAL + synchronous=FULL: a committed edit survives a crash or power loss.
        // SQLite gives the WAL and shared-memory files the database file's mode.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(Duration::from_secs(5))?;
        // 16 MB of pages (SQLite's default is 2 MB): a first sync of a million
        // customers writes a third faster with it, and more slowed it down.
        conn.pragma_update(None, "cache_size", -16_384)?;
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

    /// `PRAGMA integrity_check`, plus FTS5's own check that the name index matches
    /// its rows (skipped while a snapshot rebuilds it): "ok" when the file is sound.
    pub fn integrity_check(&self) -> Result<String> {
        let conn = self.lock()?;
        let sqlite: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if sqlite != "ok" {
            return Ok(sqlite);
        }
        if state::get(&conn, "names_stale")?.is_none() {
            if let Err(e) = conn.execute(
                "INSERT INTO name_index (name_index, rank) VALUES ('integrity-check', 1)",
                [],
            ) {
                return Ok(format!("name index: {e}"));
            }
        }
        Ok(sqlite)
    }
}

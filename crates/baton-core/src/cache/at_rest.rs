//! The cache at rest: a SQLCipher file under a random 256-bit key that lives in
//! the OS keyring, never beside the file; the file and its folder readable by
//! the OS user alone. A lost laptop holds nothing readable, and deleting the key
//! makes every copy of the file unreadable.

use std::path::Path;

use rand::RngCore;
use rusqlite::Connection;

use crate::error::{CoreError, Result};

/// A cache's key: 32 random bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct CacheKey([u8; 32]);

impl std::fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CacheKey(…)")
    }
}

impl CacheKey {
    pub fn random() -> CacheKey {
        let mut k = [0u8; 32];
        rand::rng().fill_bytes(&mut k);
        CacheKey(k)
    }

    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    pub fn from_hex(hex: &str) -> Result<CacheKey> {
        let bad = || CoreError::Keyring("the cache key in the keyring is malformed".into());
        if hex.len() != 64 || !hex.is_ascii() {
            return Err(bad());
        }
        let mut k = [0u8; 32];
        for (i, byte) in k.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(CacheKey(k))
    }

    /// SQLCipher's raw-key form: no key derivation, the key is already random.
    fn pragma(&self) -> String {
        format!("\"x'{}'\"", self.to_hex())
    }
}

/// How a cache file is kept on disk.
#[derive(Debug, Clone)]
pub enum AtRest {
    /// Encrypted with SQLCipher under this key.
    Encrypted(CacheKey),
    /// A plain SQLite file: only for measuring what encryption costs.
    Plain,
}

/// Only the OS user may read `path` (a file 0600, a folder 0700).
pub fn owner_only(path: &Path, dir: bool) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if dir { 0o700 } else { 0o600 };
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .map_err(|e| CoreError::Internal(format!("restricting {}: {e}", path.display())))?;
    }
    #[cfg(not(unix))]
    let _ = (path, dir);
    Ok(())
}

/// Whether `conn` can read its file (a wrong key reads as "not a database").
fn readable(conn: &Connection) -> bool {
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))
        .is_ok()
}

/// Opens `path` as `at_rest` says. A plain cache left by an earlier Baton is
/// encrypted in place first, its queued edits with it.
pub fn open(path: &Path, at_rest: &AtRest) -> Result<Connection> {
    let AtRest::Encrypted(key) = at_rest else {
        return Ok(Connection::open(path)?);
    };
    let keyed = |p: &Path| -> Result<Connection> {
        let conn = Connection::open(p)?;
        // A wrong key is an answer we handle (a plain cache to encrypt), not a
        // message for the terminal.
        conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
        conn.execute_batch(&format!("PRAGMA key = {};", key.pragma()))?;
        Ok(conn)
    };
    let conn = keyed(path)?;
    if readable(&conn) {
        return Ok(conn);
    }
    drop(conn);
    let plain = Connection::open(path)?;
    if !readable(&plain) {
        return Err(CoreError::Internal(format!(
            "the cache {} cannot be read with this computer's key",
            path.display()
        )));
    }
    encrypt_in_place(plain, path, key)?;
    let conn = keyed(path)?;
    if readable(&conn) {
        Ok(conn)
    } else {
        Err(CoreError::Internal("the cache could not be encrypted".into()))
    }
}

/// Copies a plain cache into an encrypted file beside it, then puts that in its place.
fn encrypt_in_place(plain: Connection, path: &Path, key: &CacheKey) -> Result<()> {
    let tmp = path.with_extension("encrypting");
    remove(&tmp)?;
    plain.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    plain.execute(
        &format!("ATTACH DATABASE ?1 AS encrypted KEY {}", key.pragma()),
        [tmp.to_string_lossy()],
    )?;
    plain.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
    let version: i64 = plain.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    plain.execute_batch(&format!(
        "PRAGMA encrypted.user_version = {version}; DETACH DATABASE encrypted;"
    ))?;
    drop(plain);
    owner_only(&tmp, false)?;
    for suffix in ["-wal", "-shm"] {
        remove(&path.with_file_name(format!("{}{suffix}", file_name(path))))?;
    }
    std::fs::rename(&tmp, path).map_err(|e| CoreError::Internal(format!("replacing the plain cache: {e}")))?;
    tracing::info!("the local cache is now encrypted");
    Ok(())
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn remove(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(CoreError::Internal(format!("removing {}: {e}", path.display()))),
    }
}

/// Deletes a cache file and its journal files.
pub fn delete(path: &Path) -> Result<()> {
    remove(path)?;
    for suffix in ["-wal", "-shm"] {
        remove(&path.with_file_name(format!("{}{suffix}", file_name(path))))?;
    }
    Ok(())
}

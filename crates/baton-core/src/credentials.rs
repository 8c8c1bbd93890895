//! Where the session token lives: the operating system's keyring (Secret Service
//! on Linux desktops, Keychain on macOS, Credential Manager on Windows). Never in
//! SQLite or a file.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::error::{CoreError, Result};

/// Keyring service name under which Baton stores its tokens.
pub const SERVICE: &str = "baton";

pub trait SecretStore: Send + Sync {
    fn get(&self, account: &str) -> Result<Option<String>>;
    fn set(&self, account: &str, secret: &str) -> Result<()>;
    fn delete(&self, account: &str) -> Result<()>;
}

/// The OS keyring, through the `keyring` crate.
#[derive(Debug, Default)]
pub struct KeyringStore;

fn entry(account: &str) -> Result<keyring::Entry> {
    keyring::Entry::new(SERVICE, account).map_err(|e| CoreError::Keyring(e.to_string()))
}

impl SecretStore for KeyringStore {
    fn get(&self, account: &str) -> Result<Option<String>> {
        match entry(account)?.get_password() {
            Ok(s) => Ok(Some(s)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(CoreError::Keyring(e.to_string())),
        }
    }

    fn set(&self, account: &str, secret: &str) -> Result<()> {
        entry(account)?
            .set_password(secret)
            .map_err(|e| CoreError::Keyring(e.to_string()))
    }

    fn delete(&self, account: &str) -> Result<()> {
        match entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(CoreError::Keyring(e.to_string())),
        }
    }
}

/// An in-process store for tests and for headless tools that must not touch the
/// user's keyring.
#[derive(Debug, Default)]
pub struct MemoryStore(Mutex<HashMap<String, String>>);

impl SecretStore for MemoryStore {
    fn get(&self, account: &str) -> Result<Option<String>> {
        let map = self.0.lock().map_err(|_| CoreError::Keyring("store poisoned".into()))?;
        Ok(map.get(account).cloned())
    }

    fn set(&self, account: &str, secret: &str) -> Result<()> {
        let mut map = self.0.lock().map_err(|_| CoreError::Keyring("store poisoned".into()))?;
        map.insert(account.to_string(), secret.to_string());
        Ok(())
    }

    fn delete(&self, account: &str) -> Result<()> {
        let mut map = self.0.lock().map_err(|_| CoreError::Keyring("store poisoned".into()))?;
        map.remove(account);
        Ok(())
    }
}

/// The keyring account of one user on one server.
pub fn account(server_url: &str, username: &str) -> String {
    format!("{username}@{server_url}")
}

/// The keyring account holding the key of that user's cache file.
pub fn cache_key_account(server_url: &str, username: &str) -> String {
    format!("cache-key:{}", account(server_url, username))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyring_entries_round_trip_through_the_crate_mock() {
        // The keyring crate's mock store: exercises our error mapping without an OS keyring.
        keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
        let e = entry("tester@http://example").expect("entry");
        e.set_password("s3cret").expect("set");
        assert_eq!(e.get_password().ok().as_deref(), Some("s3cret"));
        e.delete_credential().expect("delete");
        assert!(matches!(e.get_password(), Err(keyring::Error::NoEntry)));
    }

    #[test]
    fn memory_store_forgets_deleted_secrets() {
        let s = MemoryStore::default();
        s.set("a", "1").expect("set");
        assert_eq!(s.get("a").ok().flatten().as_deref(), Some("1"));
        s.delete("a").expect("delete");
        assert_eq!(s.get("a").ok().flatten(), None);
    }
}

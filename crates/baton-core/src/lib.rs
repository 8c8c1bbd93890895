//! The Baton client, without any UI: a local SQLite cache of what the user may
//! see, the sync engine that keeps it in step with the server, the outbox that
//! never loses an edit, and credentials kept in the OS keyring.
//!
//! The desktop app's commands are thin wrappers over [`Console`].

pub mod admin;
pub mod cache;
pub mod client;
pub mod console;
pub mod credentials;
pub mod error;
pub mod intents;
pub mod markers;
pub mod sync;
pub mod view;

pub use cache::Cache;
pub use console::{Console, ConsoleConfig};
pub use error::{CoreError, Result};
pub use sync::SyncOptions;

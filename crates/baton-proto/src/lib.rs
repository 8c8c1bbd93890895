//! Wire types shared by `baton-server`, `baton-core` and the console UI.
//!
//! Everything here is plain data (serde + chrono). The TypeScript bindings in
//! `ui/src/lib/bindings/` are generated from these types (see `tests/bindings.rs`
//! at the workspace root); never edit those by hand.

pub mod admin;
pub mod api;
pub mod auth;
pub mod calendar;
pub mod casework;
pub mod contact;
pub mod domain;
pub mod error;
pub mod history;
pub mod import;
pub mod presence;
pub mod sync;
pub mod text;
pub mod validate;

pub use admin::*;
pub use api::*;
pub use auth::*;
pub use calendar::*;
pub use casework::*;
pub use domain::*;
pub use error::*;
pub use history::*;
pub use import::*;
pub use presence::*;
pub use sync::*;
pub use text::{Text, TextArg};

/// The sync/API protocol version this build speaks. 2: a customer's history
/// travels as its own feed records (see `ChangeOp`); 1: inside the document.
pub const PROTOCOL_VERSION: u32 = 2;
/// The oldest protocol version a server of this build still serves (n-1 rule).
pub const MIN_PROTOCOL_VERSION: u32 = 1;
/// Request header carrying the client's protocol version.
pub const PROTOCOL_HEADER: &str = "x-baton-protocol";

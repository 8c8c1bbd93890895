//! IPC commands, one module per domain. Each is thin: get the console, call
//! baton-core, map the error.

pub mod admin;
pub mod customers;
pub mod desktop;
pub mod queues;
pub mod session;
pub mod sync;

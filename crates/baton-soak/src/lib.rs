//! Crash and fault tests of the Baton client. `console-worker` is a console as a
//! process of its own, so tests can kill it with SIGKILL at any point of a sync
//! (see `tests/crash.rs`; `make soak` runs thousands of seeded runs), and
//! [`proxy::FaultyProxy`] puts a misbehaving network between consoles and server
//! (see `tests/faults.rs`). `node-worker` is a server node as a process of its
//! own, and [`balancer::Balancer`] spreads consoles over several of them, so
//! tests can kill a node mid-run (see `tests/nodes.rs`).

pub mod balancer;
pub mod edits;
pub mod proxy;

//! Test harness: a real server on a real port, and real consoles with real cache files.
#![allow(dead_code)] // each test file uses its own part of the harness

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use baton_core::credentials::MemoryStore;
use baton_core::{Console, ConsoleConfig, SyncOptions};
use baton_server::RunningServer;

pub const PASSWORD: &str = baton_server::demo::DEMO_PASSWORD;

pub struct Harness {
    pub dir: tempfile::TempDir,
    pub server: Option<RunningServer>,
    pub addr: SocketAddr,
    customers: usize,
}

impl Harness {
    pub async fn start(customers: usize) -> Harness {
        Harness::start_with(customers, |_| {}).await
    }

    /// A server whose state `configure` adjusts first (clock, delivery, sweeps).
    pub async fn start_with(customers: usize, configure: impl FnOnce(&mut baton_server::AppState)) -> Harness {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut state = baton_server::AppState::open(&dir.path().join("server.sqlite")).expect("open");
        configure(&mut state);
        let server = RunningServer::demo_on("127.0.0.1:0".parse().expect("addr"), state, customers)
            .await
            .expect("server starts");
        let addr = server.addr;
        Harness {
            dir,
            server: Some(server),
            addr,
            customers,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("server.sqlite")
    }

    /// Stops the server (as a crash or an outage would look to consoles).
    pub async fn stop_server(&mut self) {
        if let Some(s) = self.server.take() {
            s.stop().await.expect("server stops");
        }
    }

    /// Stops the server and waits until each console has noticed it is offline.
    pub async fn outage(&mut self, consoles: &[&Console]) {
        self.stop_server().await;
        for c in consoles {
            until(c, Duration::from_secs(10), "the console to notice it is offline", |c| {
                (c.status().connectivity == baton_core::view::Connectivity::Offline).then_some(())
            })
            .await;
        }
    }

    /// Signs in with a config the test keeps (to resume from it later).
    pub async fn console_with(&self, config: &ConsoleConfig, username: &str) -> Console {
        Console::sign_in(config.clone(), &self.url(), username, PASSWORD)
            .await
            .expect("sign in")
    }

    /// Starts the server again on the same address and database.
    pub async fn restart_server(&mut self) {
        let server = RunningServer::demo(self.addr, &self.db_path(), self.customers)
            .await
            .expect("server restarts");
        self.server = Some(server);
    }

    pub fn config(&self, name: &str) -> ConsoleConfig {
        config_in(self.dir.path(), name)
    }

    pub async fn console(&self, name: &str, username: &str) -> Console {
        Console::sign_in(self.config(name), &self.url(), username, PASSWORD)
            .await
            .expect("sign in")
    }
}

pub fn config_in(dir: &Path, name: &str) -> ConsoleConfig {
    ConsoleConfig {
        ca_certs: Vec::new(),
        plain_cache: false,
        data_dir: dir.join(name),
        secrets: Arc::new(MemoryStore::default()),
        sync: SyncOptions {
            min_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_millis(400),
            stream_timeout: Duration::from_secs(5),
            poll_interval: Duration::from_secs(60),
            page_size: 25,
            snapshot_page_size: 25,
        },
    }
}

/// Waits (on the console's own events) until `check` returns Some; panics with
/// `what` after `limit`.
pub async fn until<T>(
    console: &Console,
    limit: Duration,
    what: &str,
    mut check: impl FnMut(&Console) -> Option<T>,
) -> T {
    let mut found = None;
    console
        .wait_until(limit, |c| {
            found = check(c);
            found.is_some()
        })
        .await
        .unwrap_or_else(|e| panic!("waiting for {what}: {e}"));
    found.unwrap_or_else(|| panic!("waiting for {what}: no value"))
}

/// Waits until the console finished its first snapshot and is online.
pub async fn synced(console: &Console) {
    until(console, Duration::from_secs(20), "the initial sync", |c| {
        let s = c.status();
        (!s.initial_sync && s.connectivity == baton_core::view::Connectivity::Online).then_some(())
    })
    .await;
}

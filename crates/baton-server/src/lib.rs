//! The Baton retailer API server.
//!
//! `router()` builds the axum app over an [`AppState`]; `serve()` runs it on a
//! listener until a shutdown signal. The binary (`main.rs`) and the tests use the
//! same two functions, so tests exercise the real server over real HTTP.

pub mod admin;
pub mod auth;
pub mod clock;
pub mod db;
pub mod delivery;
pub mod demo;
pub mod docs;
pub mod duplicates;
pub mod error;
pub mod feed;
pub mod import;
pub mod metrics;
pub mod mutations;
pub mod nodes;
pub mod openapi;
pub mod pages;
pub mod propagation;
pub mod routes;
pub mod scheduler;
pub mod store;
pub mod webhooks;
pub mod wire;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use db::{Db, Location};
pub use error::ServerError;

/// A commit that added changes to the feed, for live pokes.
#[derive(Debug, Clone)]
pub struct Committed {
    pub seq: i64,
    pub scopes: Vec<String>,
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub commits: broadcast::Sender<Committed>,
    /// How often an idle SSE stream sends a heartbeat event.
    pub heartbeat: Duration,
    /// Cancelled to stop the server: ends live streams so shutdown can complete.
    pub shutdown: CancellationToken,
    /// The time every write and every sweep reads.
    pub clock: std::sync::Arc<dyn clock::Clock>,
    /// When overdue callbacks and commitments escalate.
    pub escalation: scheduler::EscalationPolicy,
    /// How often the escalation sweep runs while the server serves (the first
    /// at start, catching up on any downtime); `None` leaves sweeping to the caller.
    pub sweep_every: Option<Duration>,
    /// How confirmations are sent, and how often due ones are looked for (besides
    /// after every edit); `None` leaves sending to the caller.
    pub delivery: delivery::DeliveryConfig,
    pub deliver_every: Option<Duration>,
    /// Wakes the delivery worker after a commit.
    pub deliveries: std::sync::Arc<tokio::sync::Notify>,
    /// One delivery run at a time.
    pub delivering: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// For the SMS gateway.
    pub http: reqwest::Client,
    /// Sign-in throttling and session lifetimes.
    pub sessions: auth::SessionPolicy,
    /// Where password checks run: a bounded pool.
    pub hashing: auth::HashingPool,
    /// Told whenever sessions end, so live streams re-check theirs at once.
    pub revocations: broadcast::Sender<()>,
    /// This server process, among the nodes sharing a database.
    pub node: String,
    /// Figures served at `/metrics`.
    pub metrics: metrics::Metrics,
    /// When set, `/metrics` asks for this bearer token.
    pub metrics_token: Option<String>,
    /// Past this many records an import raises the feed floor instead of
    /// appending a change per record (`import::FEED_DOCUMENTS`).
    pub import_feed_limit: u64,
    /// Live consoles and first deliveries, for the time to propagate a change.
    pub propagation: std::sync::Arc<propagation::Propagation>,
    /// Feed pages shared by the consoles pulling the same one.
    pub pages: std::sync::Arc<pages::SharedPages>,
}

/// How long the time each change took to reach a partner is kept: a year.
pub const PROPAGATION_KEPT: chrono::Duration = chrono::Duration::days(366);

impl AppState {
    pub fn new(db: Db) -> AppState {
        let (commits, _) = broadcast::channel(1024);
        AppState {
            db,
            commits,
            heartbeat: Duration::from_secs(15),
            shutdown: CancellationToken::new(),
            clock: std::sync::Arc::new(clock::SystemClock),
            escalation: scheduler::EscalationPolicy::default(),
            sweep_every: None,
            delivery: delivery::DeliveryConfig::default(),
            deliver_every: None,
            deliveries: std::sync::Arc::new(tokio::sync::Notify::new()),
            delivering: std::sync::Arc::new(tokio::sync::Mutex::new(())),
            http: reqwest::Client::new(),
            sessions: auth::SessionPolicy::default(),
            hashing: auth::HashingPool::default(),
            revocations: broadcast::channel(16).0,
            node: uuid::Uuid::new_v4().to_string(),
            metrics: metrics::Metrics::default(),
            metrics_token: None,
            import_feed_limit: import::FEED_DOCUMENTS,
            propagation: std::sync::Arc::default(),
            pages: std::sync::Arc::default(),
        }
    }

    /// Sessions were ended (sign-out, a disabled user): live streams check theirs.
    pub fn revoked(&self) {
        let _ = self.revocations.send(());
    }

    /// The same state reading time from `clock`.
    pub fn with_clock(mut self, clock: impl clock::Clock) -> AppState {
        self.clock = std::sync::Arc::new(clock);
        self
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Opens the SQLite database at `path`, migrating it.
    pub fn open(path: &Path) -> Result<AppState, ServerError> {
        Ok(AppState::new(Db::open(path)?))
    }

    /// Opens the database at `location` (SQLite or PostgreSQL), migrating it.
    pub fn connect(location: &db::Location) -> Result<AppState, ServerError> {
        Ok(AppState::new(Db::connect(location)?))
    }

    /// Drops changes older than `retain` from the feed (see `feed::compact`),
    /// and the delivery times of changes older than the longest scorecard
    /// period (`PROPAGATION_KEPT`).
    pub async fn compact_feed(&self, retain: chrono::Duration) -> Result<usize, ServerError> {
        let now = chrono::Utc::now();
        let before = (now - retain).to_rfc3339();
        let kept = (now - PROPAGATION_KEPT).to_rfc3339();
        self.db
            .write(move |tx| {
                store::propagation::prune(tx, &kept)?;
                feed::compact(tx, &before)
            })
            .await
    }

    /// Tells live subscribers of `scopes` that the feed reached `seq`: this
    /// node's at once, the other nodes' (sharing a PostgreSQL database) through
    /// a notification.
    pub fn poke(&self, seq: i64, scopes: Vec<String>) {
        // Any commit may have recorded confirmations to send.
        self.deliveries.notify_one();
        if scopes.is_empty() {
            return;
        }
        if self.db.backend() == store::Backend::Postgres {
            let (db, payload) = (self.db.clone(), nodes::Poke::encode(&self.node, seq, &scopes));
            tokio::task::spawn_blocking(move || {
                if let Err(e) = db.notify_blocking(nodes::CHANNEL, &payload) {
                    tracing::warn!(error = %e, "other nodes were not told of a commit; their consoles catch up at the next heartbeat");
                }
            });
        }
        // No subscribers is not an error: consoles will pull when they reconnect.
        let _ = self.commits.send(Committed { seq, scopes });
    }
}

pub fn router(state: AppState) -> axum::Router {
    routes::router(state)
}

/// The background work a serving server does: escalation sweeps, deliveries,
/// and (on PostgreSQL) hearing of the other nodes' commits.
fn start_workers(state: &AppState) {
    if state.db.backend() == store::Backend::Postgres {
        nodes::listen(state.clone());
    }
    if let Some(every) = state.sweep_every {
        tokio::spawn(scheduler::run(state.clone(), every));
    }
    if let Some(every) = state.deliver_every {
        tokio::spawn(delivery::run(state.clone(), every));
    }
}

/// Serves the API on `listener` until `state.shutdown` is cancelled.
pub async fn serve(listener: TcpListener, state: AppState) -> std::io::Result<()> {
    let stop = state.shutdown.clone();
    start_workers(&state);
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move { stop.cancelled().await })
    .await
}

/// The server's certificate chain and key, from PEM files.
pub async fn tls_config(cert: &Path, key: &Path) -> std::io::Result<axum_server::tls_rustls::RustlsConfig> {
    axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key).await
}

/// Serves the API over TLS on `listener` until `state.shutdown` is cancelled.
pub async fn serve_tls(
    listener: TcpListener,
    state: AppState,
    tls: axum_server::tls_rustls::RustlsConfig,
) -> std::io::Result<()> {
    start_workers(&state);
    let handle = axum_server::Handle::new();
    let stop = state.shutdown.clone();
    let stopping = handle.clone();
    tokio::spawn(async move {
        stop.cancelled().await;
        stopping.graceful_shutdown(Some(Duration::from_secs(10)));
    });
    axum_server::from_tcp_rustls(listener.into_std()?, tls)?
        .handle(handle)
        .serve(router(state).into_make_service_with_connect_info::<SocketAddr>())
        .await
}

/// A server running on a background task (tests, embedding).
pub struct RunningServer {
    pub addr: SocketAddr,
    pub state: AppState,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// Binds `addr` (port 0 for any free port) and serves `state` in the background.
    pub async fn start(addr: SocketAddr, state: AppState) -> std::io::Result<RunningServer> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(serve(listener, state.clone()));
        Ok(RunningServer { addr, state, task })
    }

    /// Like [`RunningServer::start`], over TLS.
    pub async fn start_tls(
        addr: SocketAddr,
        state: AppState,
        tls: axum_server::tls_rustls::RustlsConfig,
    ) -> std::io::Result<RunningServer> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(serve_tls(listener, state.clone(), tls));
        Ok(RunningServer { addr, state, task })
    }

    /// Opens (or creates) the database at `db`, loads the demo data into it when it
    /// is empty, and serves it on `addr`.
    pub async fn demo(addr: SocketAddr, db: &Path, customers: usize) -> Result<RunningServer, ServerError> {
        RunningServer::demo_on(addr, AppState::open(db)?, customers).await
    }

    /// Like [`RunningServer::demo`] on the database at `location` (SQLite or PostgreSQL).
    pub async fn demo_at(
        addr: SocketAddr,
        location: &Location,
        customers: usize,
    ) -> Result<RunningServer, ServerError> {
        RunningServer::demo_on(addr, AppState::connect(location)?, customers).await
    }

    /// Like [`RunningServer::demo`] on a state of the caller's (e.g. with a manual clock).
    pub async fn demo_on(addr: SocketAddr, state: AppState, customers: usize) -> Result<RunningServer, ServerError> {
        demo::seed(&state, customers).await?;
        RunningServer::start(addr, state)
            .await
            .map_err(|e| ServerError::Internal(format!("binding {addr}: {e}")))
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting requests, ends live streams and waits for the server to finish.
    pub async fn stop(self) -> std::io::Result<()> {
        self.state.shutdown.cancel();
        self.task.await.map_err(std::io::Error::other)?
    }
}

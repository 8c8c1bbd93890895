//! The sync engine: one task pushes the outbox and pulls the feed, another keeps
//! the live poke stream open. Both retry on their own timers with jittered
//! backoff, so a queue drains on reconnect without anyone touching anything.

use std::sync::Arc;
use std::time::Duration;

use baton_proto::{ErrorCode, PushRequest};
use chrono::Utc;
use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use rand::Rng;
use tokio::sync::{broadcast, watch, Notify};
use tokio::task::{AbortHandle, JoinHandle};
use uuid::Uuid;

use crate::cache::{Cache, EncodedPage};
use crate::client::ApiClient;
use crate::error::{CoreError, Result};
use crate::view::{Connectivity, SnapshotProgress, SyncStatus};

/// Tuning knobs; the defaults suit a desktop console.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// First retry delay after a failure; doubles up to `max_backoff`.
    pub min_backoff: Duration,
    pub max_backoff: Duration,
    /// A live stream silent for this long is considered dead (server heartbeats every 15 s).
    pub stream_timeout: Duration,
    /// Pull even without a poke this often, as a safety net.
    pub poll_interval: Duration,
    /// Changes per feed page.
    pub page_size: usize,
    /// Records per snapshot page (the server takes up to 5,000): each page is
    /// one transaction, and fewer, larger ones fill a cache faster.
    pub snapshot_page_size: usize,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            min_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            stream_timeout: Duration::from_secs(45),
            poll_interval: Duration::from_secs(60),
            page_size: 1000,
            snapshot_page_size: 5000,
        }
    }
}

/// Exponential backoff with full jitter, so a fleet of consoles does not retry in step.
struct Backoff {
    attempt: u32,
    min: Duration,
    max: Duration,
}

impl Backoff {
    fn new(opts: &SyncOptions) -> Backoff {
        Backoff {
            attempt: 0,
            min: opts.min_backoff,
            max: opts.max_backoff,
        }
    }

    fn reset(&mut self) {
        self.attempt = 0;
    }

    fn next_delay(&mut self) -> Duration {
        let ceiling = self.min.saturating_mul(1u32 << self.attempt.min(16)).min(self.max);
        self.attempt = self.attempt.saturating_add(1);
        let jitter: f64 = rand::rng().random_range(0.5..=1.0);
        ceiling.mul_f64(jitter)
    }
}

struct Engine {
    api: ApiClient,
    cache: Cache,
    opts: SyncOptions,
    client_id: Uuid,
    wake: Arc<Notify>,
    status: watch::Sender<SyncStatus>,
    changed: broadcast::Sender<Vec<String>>,
}

/// A running sync engine. Dropping it stops the tasks; the cache keeps everything.
pub struct SyncHandle {
    engine: Arc<Engine>,
    wake: Arc<Notify>,
    status: watch::Receiver<SyncStatus>,
    changed: broadcast::Sender<Vec<String>>,
    tasks: Vec<AbortHandle>,
}

impl SyncHandle {
    pub fn start(api: ApiClient, cache: Cache, opts: SyncOptions) -> Result<SyncHandle> {
        let client_id = cache.client_id()?;
        let wake = Arc::new(Notify::new());
        let (status_tx, status) = watch::channel(SyncStatus::default());
        let (changed, _) = broadcast::channel(256);
        let engine = Arc::new(Engine {
            api,
            cache,
            opts,
            client_id,
            wake: wake.clone(),
            status: status_tx,
            changed: changed.clone(),
        });
        engine.refresh_counts();
        let tasks: Vec<JoinHandle<()>> = vec![
            tokio::spawn(engine.clone().run()),
            tokio::spawn(engine.clone().listen()),
        ];
        Ok(SyncHandle {
            engine,
            wake,
            status,
            changed,
            tasks: tasks.iter().map(JoinHandle::abort_handle).collect(),
        })
    }

    /// Sync now (after a local edit, or when the user asks). The status counts
    /// are refreshed at once, so a queued edit shows as pending even offline.
    pub fn nudge(&self) {
        self.engine.refresh_counts();
        self.wake.notify_one();
    }

    pub fn status(&self) -> SyncStatus {
        self.status.borrow().clone()
    }

    pub fn subscribe_status(&self) -> watch::Receiver<SyncStatus> {
        self.status.clone()
    }

    /// Ids of customers whose cached view changed, as they change.
    pub fn subscribe_changes(&self) -> broadcast::Receiver<Vec<String>> {
        self.changed.subscribe()
    }

    /// Stops the engine's tasks (idempotent). The cache keeps everything.
    pub fn stop(&self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl Drop for SyncHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

/// How far a snapshot is, with `received - from` records stored in `elapsed`.
fn progress(received: u64, total: u64, from: u64, elapsed: Duration) -> SnapshotProgress {
    let total = total.max(received);
    let done = received.saturating_sub(from) as f64;
    let secs = elapsed.as_secs_f64();
    // Too early to tell: less than a second, or nothing stored yet this session.
    let seconds_left = (secs >= 1.0 && done > 0.0).then(|| ((total - received) as f64 / (done / secs)).ceil() as u32);
    SnapshotProgress {
        received: received.min(u32::MAX as u64) as u32,
        total: total.min(u32::MAX as u64) as u32,
        seconds_left,
    }
}

impl Engine {
    fn emit(&self, ids: Vec<String>) {
        if !ids.is_empty() {
            let _ = self.changed.send(ids);
        }
    }

    fn refresh_counts(&self) {
        match self.cache.outbox_counts() {
            Ok(counts) => self.status.send_modify(|s| {
                s.pending = counts.pending;
                s.rejected = counts.rejected;
                s.conflicts = counts.conflicts;
            }),
            Err(e) => tracing::warn!(error = %e, "reading outbox counts"),
        }
    }

    fn set(&self, connectivity: Connectivity, error: Option<String>) {
        self.status.send_if_modified(|s| {
            let changed = s.connectivity != connectivity || s.last_error != error;
            s.connectivity = connectivity;
            s.last_error = error.clone();
            changed
        });
    }

    async fn run(self: Arc<Self>) {
        let mut backoff = Backoff::new(&self.opts);
        let mut gone_in_a_row = 0;
        loop {
            let delay = match self.sync_once().await {
                Ok(()) => {
                    backoff.reset();
                    gone_in_a_row = 0;
                    self.set(Connectivity::Online, None);
                    self.opts.poll_interval
                }
                Err(e) => {
                    let delay = backoff.next_delay();
                    match e.code() {
                        ErrorCode::Gone if gone_in_a_row == 0 => {
                            // The feed no longer knows our cursor: re-snapshot at once, once.
                            tracing::info!(error = %e, "cursor no longer valid; taking a new snapshot");
                            gone_in_a_row += 1;
                            if let Err(e) = self.cache.reset_cursor() {
                                tracing::error!(error = %e, "resetting the cursor");
                            }
                            continue;
                        }
                        ErrorCode::Unauthenticated => self.set(Connectivity::SignedOut, Some(e.to_string())),
                        ErrorCode::UpgradeRequired => self.set(Connectivity::UpdateRequired, Some(e.to_string())),
                        _ => {
                            tracing::debug!(error = %e, ?delay, "sync failed; will retry");
                            self.set(Connectivity::Offline, Some(e.to_string()));
                        }
                    }
                    delay
                }
            };
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(delay) => {}
            }
        }
    }

    async fn sync_once(&self) -> Result<()> {
        self.push_all().await?;
        self.pull().await?;
        // Edits made while we were pulling.
        self.push_all().await?;
        let now = Utc::now();
        self.cache.mark_synced(now)?;
        self.status.send_modify(|s| s.last_sync_at = Some(now));
        Ok(())
    }

    async fn push_all(&self) -> Result<()> {
        loop {
            let batch = self.cache.pending(50)?;
            if batch.is_empty() {
                return Ok(());
            }
            let ids: Vec<Uuid> = batch.iter().map(|e| e.mutation.id).collect();
            self.cache.note_attempt(&ids)?;
            let req = PushRequest {
                client_id: self.client_id,
                mutations: batch.into_iter().map(|e| e.mutation).collect(),
            };
            let res = self.api.push(&req).await?;
            let answered = res.results.len();
            let changed = self.cache.record_results(&res.results)?;
            // Counts first: whoever reacts to the change event sees a matching status.
            self.refresh_counts();
            self.emit(changed);
            if answered < ids.len() {
                // The server answered part of the batch; the rest goes on the next round.
                return Ok(());
            }
        }
    }

    async fn pull(&self) -> Result<()> {
        let cursor = self.cache.sync_cursor()?;
        if cursor.cursor.is_none() {
            // The next page is fetched while this one is stored, so the network and
            // the server overlap with SQLite. Each page still commits with its own
            // resume token: a crash resumes after the last stored page.
            let fetch = |token: Option<String>| {
                let api = self.api.clone();
                let epoch = cursor.epoch.clone();
                let limit = self.opts.snapshot_page_size;
                tokio::spawn(async move {
                    let page = api.snapshot(token.as_deref(), epoch.as_deref(), limit).await?;
                    tokio::task::spawn_blocking(move || EncodedPage::new(page))
                        .await
                        .map_err(|e| CoreError::Internal(format!("snapshot encoding task: {e}")))?
                })
            };
            let mut first = cursor.snapshot_token.is_none();
            let mut next = Some(fetch(cursor.snapshot_token.clone()));
            // Progress for the status bar: time left at this session's rate
            // (a resumed snapshot counts from where it resumed).
            let started = std::time::Instant::now();
            let mut from: Option<u64> = if first {
                Some(0)
            } else {
                self.cache.snapshot_progress()?.map(|(received, _)| received)
            };
            while let Some(pending) = next.take() {
                let page = pending
                    .await
                    .map_err(|e| CoreError::Internal(format!("snapshot fetch task: {e}")))??;
                if let Some(t) = &page.page().next_token {
                    next = Some(fetch(Some(t.clone())));
                }
                let cache = self.cache.clone();
                let stored = tokio::task::spawn_blocking(move || cache.apply_snapshot_page(&page, first))
                    .await
                    .map_err(|e| CoreError::Internal(format!("snapshot task: {e}")));
                let changed = match stored {
                    Ok(Ok(changed)) => changed,
                    Ok(Err(e)) | Err(e) => {
                        if let Some(n) = next {
                            n.abort();
                        }
                        return Err(e);
                    }
                };
                first = false;
                if let Some((received, total)) = self.cache.snapshot_progress()? {
                    let from = *from.get_or_insert(0);
                    self.status
                        .send_modify(|s| s.snapshot = Some(progress(received, total, from, started.elapsed())));
                }
                self.emit(changed);
            }
            self.status.send_modify(|s| {
                s.initial_sync = false;
                s.snapshot = None;
            });
        } else {
            self.status
                .send_if_modified(|s| std::mem::replace(&mut s.initial_sync, false));
        }
        loop {
            let cursor = self.cache.sync_cursor()?;
            let after = cursor.cursor.unwrap_or(0);
            let page = self
                .api
                .changes(after, cursor.epoch.as_deref(), self.opts.page_size)
                .await?;
            let has_more = page.has_more;
            let cache = self.cache.clone();
            let changed = tokio::task::spawn_blocking(move || cache.apply_changes(&page))
                .await
                .map_err(|e| CoreError::Internal(format!("pull task: {e}")))??;
            self.emit(changed);
            if !has_more {
                return Ok(());
            }
        }
    }

    /// Keeps the live stream open; every poke wakes the sync task.
    async fn listen(self: Arc<Self>) {
        let mut backoff = Backoff::new(&self.opts);
        // Whether the sync task has heard of the stream failing to open since it
        // was last open. A sync that raced a server going down may have
        // succeeded after the stream ended; the first failed reopen wakes it
        // again, so it finds out it is offline now rather than at its next poll.
        let mut told = true;
        loop {
            match self.api.events().await {
                Ok(res) => {
                    told = false;
                    backoff.reset();
                    let mut events = res.bytes_stream().eventsource();
                    loop {
                        match tokio::time::timeout(self.opts.stream_timeout, events.next()).await {
                            Ok(Some(Ok(ev))) if ev.event == "poke" => self.wake.notify_one(),
                            Ok(Some(Ok(_heartbeat))) => {}
                            Ok(Some(Err(e))) => {
                                tracing::debug!(error = %e, "live stream broke");
                                break;
                            }
                            Ok(None) => break,
                            Err(_) => {
                                tracing::debug!("live stream went silent");
                                break;
                            }
                        }
                    }
                    // Let the sync task find out (and report) whether we are offline.
                    self.wake.notify_one();
                }
                Err(e) => {
                    tracing::debug!(error = %e, "cannot open the live stream");
                    if !std::mem::replace(&mut told, true) {
                        self.wake.notify_one();
                    }
                }
            }
            tokio::time::sleep(backoff.next_delay()).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_progress_tells_time_left_at_this_sessions_rate() {
        // Too early to tell.
        assert_eq!(progress(500, 10_000, 0, Duration::from_millis(300)).seconds_left, None);
        // 2,000 stored in 2 s: 8,000 left at 1,000/s.
        let p = progress(2_000, 10_000, 0, Duration::from_secs(2));
        assert_eq!((p.received, p.total, p.seconds_left), (2_000, 10_000, Some(8)));
        // Resumed at 6,000: only what this session stored counts towards the rate.
        assert_eq!(
            progress(8_000, 10_000, 6_000, Duration::from_secs(4)).seconds_left,
            Some(4)
        );
        // The scope grew while loading: never more received than total.
        let p = progress(10_500, 10_000, 0, Duration::from_secs(5));
        assert_eq!((p.total, p.seconds_left), (10_500, Some(0)));
    }

    #[test]
    fn backoff_grows_with_jitter_and_stays_under_the_cap() {
        let opts = SyncOptions {
            min_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
            ..Default::default()
        };
        let mut b = Backoff::new(&opts);
        let delays: Vec<Duration> = (0..10).map(|_| b.next_delay()).collect();
        assert!(delays[0] >= Duration::from_millis(50) && delays[0] <= Duration::from_millis(100));
        assert!(delays.iter().all(|d| *d <= Duration::from_secs(2)));
        assert!(
            delays[9] >= Duration::from_secs(1),
            "late retries wait near the cap: {delays:?}"
        );
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(100));
    }
}

//! A TCP proxy that injects network faults between consoles and the server, for
//! tests: refused connections, delays, responses cut mid-way (the client never
//! learns its request was applied, and retries), and requests delivered twice
//! (the whole client byte stream replayed on a second upstream connection).
//! Decisions are drawn from a seeded RNG per connection.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Fault probabilities, and the longest delay per forwarded chunk. Consoles keep
/// connections alive across many requests, so cuts are drawn per response chunk;
/// refusals and duplicate delivery per connection.
#[derive(Debug, Clone, Copy)]
pub struct Faults {
    pub refuse: f64,
    /// Per chunk of a response: forward part of it, then cut the connection.
    pub cut_response: f64,
    pub duplicate: f64,
    pub max_delay: Duration,
}

/// How many faults the proxy injected.
#[derive(Debug, Default)]
pub struct FaultCounts {
    pub refused: AtomicU64,
    pub cut: AtomicU64,
    pub duplicated: AtomicU64,
}

pub struct FaultyProxy {
    pub addr: SocketAddr,
    pub counts: Arc<FaultCounts>,
    active: Arc<AtomicBool>,
    task: JoinHandle<()>,
}

impl FaultyProxy {
    pub async fn start(upstream: SocketAddr, seed: u64, faults: Faults) -> std::io::Result<FaultyProxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let active = Arc::new(AtomicBool::new(true));
        let counter = Arc::new(AtomicU64::new(0));
        let counts = Arc::new(FaultCounts::default());
        let tally = counts.clone();
        let on = active.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let rng = StdRng::seed_from_u64(seed.wrapping_mul(1_000_003).wrapping_add(n));
                let faults = on.load(Ordering::Relaxed).then_some(faults);
                tokio::spawn(relay(client, upstream, rng, faults, tally.clone()));
            }
        });
        Ok(FaultyProxy {
            addr,
            counts,
            active,
            task,
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops injecting faults into new connections.
    pub fn heal(&self) {
        self.active.store(false, Ordering::Relaxed);
    }
}

impl Drop for FaultyProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn relay(
    client: TcpStream,
    upstream: SocketAddr,
    mut rng: StdRng,
    faults: Option<Faults>,
    counts: Arc<FaultCounts>,
) {
    let plan = faults.map(|f| {
        (
            rng.random_bool(f.refuse),
            f.cut_response,
            rng.random_bool(f.duplicate),
            f.max_delay,
        )
    });
    if let Some((true, ..)) = plan {
        counts.refused.fetch_add(1, Ordering::Relaxed);
        return; // dropping the accepted socket: the client sees a reset
    }
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let (cut_chance, duplicate, max_delay) = match plan {
        Some((_, cut, dup, delay)) => (cut, dup, delay),
        None => (0.0, false, Duration::ZERO),
    };
    let delay_ms = max_delay.as_millis() as u64;
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let mut rng_up = StdRng::seed_from_u64(rng.random());
    // What the client sent, kept outside the task so that aborting it keeps the bytes.
    let sent = Arc::new(std::sync::Mutex::new(Vec::new()));
    let captured = sent.clone();

    let upstream_task = tokio::spawn(async move {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match client_read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if delay_ms > 0 {
                tokio::time::sleep(Duration::from_millis(rng_up.random_range(0..=delay_ms))).await;
            }
            if let Ok(mut sent) = captured.lock() {
                if sent.len() < 1 << 20 {
                    sent.extend_from_slice(&buf[..n]);
                }
            }
            if server_write.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = server_write.shutdown().await;
    });

    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match server_read.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if cut_chance > 0.0 && rng.random_bool(cut_chance) {
            // Cut: part of this chunk arrives, the rest of the response never does.
            let _ = client_write.write_all(&buf[..rng.random_range(0..n)]).await;
            counts.cut.fetch_add(1, Ordering::Relaxed);
            break;
        }
        if client_write.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = client_write.shutdown().await;
    drop(client_write);
    // The client closes its side once it sees ours closed; don't wait forever.
    let abort = upstream_task.abort_handle();
    if tokio::time::timeout(Duration::from_secs(2), upstream_task)
        .await
        .is_err()
    {
        abort.abort();
    }
    let sent = sent.lock().map(|s| s.clone()).unwrap_or_default();

    if duplicate && !sent.is_empty() {
        // Deliver the same requests again, as a retrying network middlebox might.
        if let Ok(mut again) = TcpStream::connect(upstream).await {
            if again.write_all(&sent).await.is_ok() {
                counts.duplicated.fetch_add(1, Ordering::Relaxed);
                let mut sink = Vec::new();
                let _ = tokio::time::timeout(Duration::from_secs(2), again.read_to_end(&mut sink)).await;
            }
        }
    }
}

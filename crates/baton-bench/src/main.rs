//! `make bench`: measures the sync path end to end on this machine, against a real
//! server on loopback and real consoles with real cache files, and prints the figures.
//!
//! - initial sync: rows per second into an empty cache (snapshot over HTTP, stored in
//!   SQLite), into the encrypted cache and into a plain one, with record opens from each
//! - record reads over HTTP during a flood of bad sign-ins, next to the quiet figure
//!   and the raw round trip
//! - server mutations per second, one per request and batched, from concurrent clients
//! - change propagation p50/p99: one console's edit to another console's cache, with
//!   hundreds of live SSE subscribers pulling every change they are poked about
//! - bulk import of a million customers and 800,000 jobs from CSV, next to the
//!   raw SQLite insert rate
//! - record open and screen pop from a cache of a million customers

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use baton_core::credentials::MemoryStore;
use baton_core::view::Connectivity;
use baton_core::{Console, ConsoleConfig, SyncOptions};
use baton_proto::{ChangesPage, LoginResponse};
use baton_server::demo::{story1, DEMO_PASSWORD};
use baton_server::RunningServer;
use clap::Parser;
use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use serde_json::json;

/// The allocator of the shipped console and server (src-tauri/main.rs,
/// baton-server): this process's memory figures are the console's, and the
/// in-process server allocates as the real one does.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod import;
mod postgres;

#[derive(Parser, Clone)]
#[command(about = "Benchmarks of the Baton sync path")]
struct Args {
    /// Customers in the demo data set.
    #[arg(long, default_value_t = 50_000)]
    customers: usize,
    /// Mutations pushed for the server throughput figure.
    #[arg(long, default_value_t = 4_000)]
    mutations: usize,
    /// Concurrent HTTP clients pushing mutations.
    #[arg(long, default_value_t = 8)]
    writers: usize,
    /// Live SSE subscribers during the propagation measurement.
    #[arg(long, default_value_t = 500)]
    subscribers: usize,
    /// Edits timed for the propagation figure.
    #[arg(long, default_value_t = 200)]
    edits: usize,
    /// Customers in the cache the record-paint figure is measured on (0: skip it).
    #[arg(long, default_value_t = 1_000_000)]
    paint_customers: usize,
    /// Records opened for the record-paint figure.
    #[arg(long, default_value_t = 2_000)]
    paint_samples: usize,
    /// Customers in the PostgreSQL data set (loaded row by row over the network).
    #[arg(long, default_value_t = 10_000)]
    pg_customers: usize,
    /// Run only the PostgreSQL figures.
    #[arg(long)]
    only_postgres: bool,
    /// Run only the new-job-to-a-new-partner figure.
    #[arg(long)]
    only_new_job: bool,
    /// Customers in the bulk-import figure (0: skip it).
    #[arg(long, default_value_t = 1_000_000)]
    import_customers: usize,
    /// Jobs in the bulk-import figure.
    #[arg(long, default_value_t = 800_000)]
    import_jobs: usize,
    /// Run only the bulk-import figure.
    #[arg(long)]
    only_import: bool,
    /// Run only the initial-sync figures (encrypted and plain cache, and the
    /// raw insert rate of the same rows into the same schema).
    #[arg(long)]
    only_sync: bool,
    /// Run only the million-customer record screen, with its memory figures
    /// (the server in a process of its own; this process is the console).
    #[arg(long)]
    only_paint: bool,
    /// Run only the server-mutation figures (SQLite).
    #[arg(long)]
    only_mutations: bool,
}

/// Record reads during a flood of bad sign-ins (50 a second): from one address
/// (throttled after ten), and from a new address and username each time (every
/// attempt's password checked, on the bounded pool). Printed next to the same
/// reads with no flood, and the raw loopback round trip.
async fn bench_login_flood(http: &reqwest::Client, url: &str) -> Result<()> {
    let token = login(http, url, "alice").await?;
    let record = format!("{url}/v1/customers/{}", story1::CUSTOMER_ID);
    let reads = |window: Duration| {
        let (http, record, token) = (http.clone(), record.clone(), token.clone());
        async move {
            let mut out = Vec::new();
            let until = Instant::now() + window;
            while Instant::now() < until {
                let t = Instant::now();
                let res = http.get(&record).bearer_auth(&token).send().await?;
                res.error_for_status()?.bytes().await?;
                out.push(t.elapsed());
            }
            out.sort();
            anyhow::Ok(out)
        }
    };
    let mut raw = Vec::new();
    for _ in 0..500 {
        let t = Instant::now();
        http.get(format!("{url}/v1/health")).send().await?.bytes().await?;
        raw.push(t.elapsed());
    }
    raw.sort();
    let quiet = reads(Duration::from_secs(4)).await?;
    let flood = |spread: bool| {
        let (http, url) = (http.clone(), url.to_string());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(20));
            let mut answered = (0usize, 0usize);
            let mut pending = Vec::new();
            for n in 0u32..250 {
                tick.tick().await;
                let (http, url) = (http.clone(), url.clone());
                pending.push(tokio::spawn(async move {
                    let addr = if spread {
                        format!("10.{}.{}.{}", n >> 16 & 255, n >> 8 & 255, n & 255)
                    } else {
                        "10.0.0.1".to_string()
                    };
                    let res = http
                        .post(format!("{url}/v1/auth/login"))
                        .header("x-forwarded-for", addr)
                        .json(&json!({"username": format!("nobody{n}"), "password": "guess"}))
                        .send()
                        .await;
                    res.map(|r| r.status().as_u16()).unwrap_or(0)
                }));
            }
            for p in pending {
                match p.await.unwrap_or(0) {
                    429 | 503 => answered.1 += 1,
                    _ => answered.0 += 1,
                }
            }
            answered
        })
    };
    for (label, spread) in [("one address", false), ("every address new", true)] {
        let attack = flood(spread);
        let during = reads(Duration::from_secs(4)).await?;
        let (checked, refused) = attack.await?;
        println!(
            "record GET, login flood:   p50 {:>6.2} ms, p99 {:>6.2} ms with 50 bad sign-ins/s from {label} ({checked} checked, {refused} refused); no flood p99 {:.2} ms; raw HTTP round trip p50 {:.2} ms",
            percentile(&during, 0.5).as_secs_f64() * 1e3,
            percentile(&during, 0.99).as_secs_f64() * 1e3,
            percentile(&quiet, 0.99).as_secs_f64() * 1e3,
            percentile(&raw, 0.5).as_secs_f64() * 1e3,
        );
    }
    Ok(())
}

/// What the record screen waits for, from a cache holding `customers` customers:
/// a screen pop's phone lookup, then opening the record (read, markers, the
/// IPC payload serialised as the app sends it). The webview's own render of
/// one record does not depend on the cache's size (see docs/benchmarks.md).
async fn bench_record_paint(dir: &std::path::Path, customers: usize, samples: usize) -> Result<()> {
    let started = Instant::now();
    let server = ServerProcess::demo(dir, customers)?;
    println!(
        "record paint: demo load    {:>10.2} s for {customers} customers (the server binary: loaded, then started again to serve)",
        started.elapsed().as_secs_f64()
    );
    let server_loaded = memory(server.pid())?;
    let console_before = memory(std::process::id())?;
    let started = Instant::now();
    let agent = Console::sign_in(config(dir, "paint-agent"), &server.url, "alice", DEMO_PASSWORD).await?;
    synced(&agent).await?;
    let (cached, jobs) = agent.cache().counts()?;
    println!(
        "record paint: cache filled {:>10.2} s ({cached} customers + {jobs} jobs, {:.0} rows/s)",
        started.elapsed().as_secs_f64(),
        (cached + jobs) as f64 / started.elapsed().as_secs_f64()
    );
    let server_served = memory(server.pid())?;
    let console_filled = memory(std::process::id())?;

    let mut open = Vec::with_capacity(samples);
    let mut pop = Vec::with_capacity(samples);
    let mut bytes = 0usize;
    for i in 0..samples {
        // Spread over the whole set, first to last, in a scattered order.
        let n = 8 + (i * 7_919) % (customers - 8);
        let id = format!("cus_{n:06}");
        let t = Instant::now();
        let view = agent.open_customer(&id)?;
        bytes += serde_json::to_string(&view)?.len();
        open.push(t.elapsed());
        let phone = view
            .customer
            .people
            .iter()
            .flat_map(|p| &p.contacts)
            .find(|c| c.kind == baton_proto::ContactKind::Phone)
            .map(|c| c.value.clone())
            .context("a generated customer without a phone")?;
        let t = Instant::now();
        let hits = agent.search(&phone)?;
        let first = hits.first().context("a customer's own number finds nothing")?;
        let view = agent.customer(&first.customer_id)?;
        serde_json::to_string(&view)?;
        pop.push(t.elapsed());
    }
    open.sort();
    pop.sort();
    println!(
        "record open from cache:    p50 {:>6.2} ms, p99 {:>6.2} ms, max {:>6.2} ms ({samples} records of {cached}, {} bytes each on average)",
        percentile(&open, 0.5).as_secs_f64() * 1e3,
        percentile(&open, 0.99).as_secs_f64() * 1e3,
        open.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        bytes / samples.max(1)
    );
    println!(
        "screen pop phone→record:   p50 {:>6.2} ms, p99 {:>6.2} ms, max {:>6.2} ms",
        percentile(&pop, 0.5).as_secs_f64() * 1e3,
        percentile(&pop, 0.99).as_secs_f64() * 1e3,
        pop.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    let console_done = memory(std::process::id())?;
    println!(
        "memory, server:            {:>10.0} MB resident serving {customers} customers when started, {:.0} MB after serving the snapshot, peak {:.0} MB",
        server_loaded.rss_mb, server_served.rss_mb, server_served.peak_mb
    );
    println!(
        "memory, console core:      {:>10.0} MB resident holding {cached} customers after the fill, {:.0} MB after {samples} record opens, peak {:.0} MB (before sign-in {:.0} MB)",
        console_filled.rss_mb, console_done.rss_mb, console_done.peak_mb, console_before.rss_mb
    );
    Ok(())
}

/// Resident and peak memory of a process, from /proc.
struct Memory {
    rss_mb: f64,
    peak_mb: f64,
}

fn memory(pid: u32) -> Result<Memory> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kb = |key: &str| -> Result<f64> {
        let line = status
            .lines()
            .find(|l| l.starts_with(key))
            .with_context(|| format!("no {key} in /proc/{pid}/status"))?;
        let n: f64 = line
            .split_whitespace()
            .nth(1)
            .context("a /proc field without a number")?
            .parse()?;
        Ok(n)
    };
    Ok(Memory {
        rss_mb: kb("VmRSS:")? / 1024.0,
        peak_mb: kb("VmHWM:")? / 1024.0,
    })
}

/// The real `baton-server demo`, in a process of its own (built beside this
/// benchmark), killed when dropped.
struct ServerProcess {
    child: std::process::Child,
    url: String,
}

impl ServerProcess {
    fn demo(dir: &std::path::Path, customers: usize) -> Result<ServerProcess> {
        use std::io::BufRead;
        let binary = std::env::current_exe()?.with_file_name("baton-server");
        let db = dir.join("paint-server.sqlite");
        let demo = |extra: &[&str]| {
            let mut cmd = std::process::Command::new(&binary);
            cmd.args(["demo", "--addr", "127.0.0.1:0", "--customers", &customers.to_string()])
                .args(extra)
                .arg("--db")
                .arg(&db)
                .stderr(std::process::Stdio::null());
            cmd
        };
        // Loaded by one process, served by another: what the serving process
        // holds is then what serving takes, not what loading left behind.
        let loaded = demo(&["--load-only"])
            .stdout(std::process::Stdio::null())
            .status()
            .with_context(|| format!("starting {} (cargo build --release -p baton-server)", binary.display()))?;
        if !loaded.success() {
            bail!("the demo load failed: {loaded}");
        }
        let mut child = demo(&[]).stdout(std::process::Stdio::piped()).spawn()?;
        let stdout = child.stdout.take().context("the server's output")?;
        let mut lines = std::io::BufReader::new(stdout).lines();
        // It says where it listens once the data is loaded.
        let url = loop {
            match lines.next() {
                Some(line) => {
                    if let Some(url) = line?.strip_prefix("Baton demo server on ") {
                        break url.trim().to_string();
                    }
                }
                None => bail!("the demo server exited before listening"),
            }
        };
        // Keep reading, so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Ok(ServerProcess { child, url })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn config(dir: &std::path::Path, name: &str) -> ConsoleConfig {
    ConsoleConfig {
        ca_certs: Vec::new(),
        plain_cache: name.ends_with("-plain"),
        data_dir: dir.join(name),
        secrets: Arc::new(MemoryStore::default()),
        sync: SyncOptions::default(),
    }
}

/// Initial sync of the retailer's whole scope into an empty cache, encrypted
/// and plain, next to the raw insert rate of the same rows into the same
/// schema; then record opens from each. Returns the encrypted console.
async fn bench_initial_sync(dir: &std::path::Path, url: &str, args: &Args) -> Result<Console> {
    let started = Instant::now();
    let agent = Console::sign_in(config(dir, "agent"), url, "alice", DEMO_PASSWORD).await?;
    synced(&agent).await?;
    let elapsed = started.elapsed();
    let (customers, jobs) = agent.cache().counts()?;
    let rows = customers + jobs;
    println!(
        "initial sync:              {:>10.0} rows/s ({rows} rows: {customers} customers + {jobs} jobs in {:.2} s)",
        rows as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64()
    );

    // 1b. What encryption at rest costs: the same sync into a plain cache, and
    // record opens from each.
    let started = Instant::now();
    let plain = Console::sign_in(config(dir, "agent-plain"), url, "alice", DEMO_PASSWORD).await?;
    synced(&plain).await?;
    let plain_elapsed = started.elapsed();
    println!(
        "initial sync, plain cache: {:>10.0} rows/s (encrypted: {:.0} rows/s, {:.0}% of plain)",
        rows as f64 / plain_elapsed.as_secs_f64(),
        rows as f64 / elapsed.as_secs_f64(),
        100.0 * plain_elapsed.as_secs_f64() / elapsed.as_secs_f64()
    );
    let opens = |console: &Console| -> Result<Vec<Duration>> {
        let mut out = Vec::new();
        for i in 0..2_000 {
            let id = format!("cus_{:06}", 8 + (i * 7_919) % (args.customers - 8));
            let t = Instant::now();
            let view = console.open_customer(&id)?;
            serde_json::to_string(&view)?;
            out.push(t.elapsed());
        }
        out.sort();
        Ok(out)
    };
    let (enc, pla) = (opens(&agent)?, opens(&plain)?);
    println!(
        "record open, encrypted:    p50 {:>6.2} ms, p99 {:>6.2} ms; plain: p50 {:>6.2} ms, p99 {:>6.2} ms ({} customers)",
        percentile(&enc, 0.5).as_secs_f64() * 1e3,
        percentile(&enc, 0.99).as_secs_f64() * 1e3,
        percentile(&pla, 0.5).as_secs_f64() * 1e3,
        percentile(&pla, 0.99).as_secs_f64() * 1e3,
        customers
    );
    plain.release();
    drop(plain);
    println!(
        "cache on disk:             {:>10.1} MB encrypted, {:.1} MB plain",
        cache_bytes(dir, "agent")? as f64 / 1e6,
        cache_bytes(dir, "agent-plain")? as f64 / 1e6
    );
    let raw = raw_cache_inserts(dir, "agent-plain", "raw-cache.sqlite", true)?;
    let raw_plain = raw_cache_inserts(dir, "agent-plain", "raw-cache-plain.sqlite", false)?;
    println!(
        "raw cache inserts:         {raw:>10.0} rows/s encrypted, {raw_plain:.0} plain (the same rows into the same tables, prepared, one transaction; initial sync {:.0}% of it)",
        100.0 * (rows as f64 / elapsed.as_secs_f64()) / raw
    );
    Ok(agent)
}

/// The cache file of console `name` (the only one it has).
fn cache_file(dir: &std::path::Path, name: &str) -> Result<std::path::PathBuf> {
    std::fs::read_dir(dir.join(name).join("caches"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "sqlite"))
        .context("no cache file")
}

/// Bytes of console `name`'s cache file and its write-ahead log.
fn cache_bytes(dir: &std::path::Path, name: &str) -> Result<u64> {
    let file = cache_file(dir, name)?;
    let wal = file.with_extension("sqlite-wal");
    Ok(std::fs::metadata(&file)?.len() + std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0))
}

/// The most rows a console's cache could take: the customers and jobs a synced
/// console holds, inserted into an empty file with the same tables and
/// indexes, in one transaction with prepared statements.
fn raw_cache_inserts(dir: &std::path::Path, from: &str, to: &str, encrypted: bool) -> Result<f64> {
    let src = rusqlite::Connection::open(cache_file(dir, from)?)?;
    let target = rusqlite::Connection::open(dir.join(to))?;
    if encrypted {
        target
            .execute_batch("PRAGMA key = \"x'2DD29CA851E7B56E4697B0E1F08507293D761A05CE4D1B628663F411A8086D99'\";")?;
    }
    target.pragma_update(None, "journal_mode", "WAL")?;
    target.pragma_update(None, "synchronous", "FULL")?;
    let mut rows = Vec::new();
    for table in ["customers", "jobs"] {
        let ddl: Vec<String> = src
            .prepare("SELECT sql FROM sqlite_master WHERE tbl_name = ?1 AND sql IS NOT NULL ORDER BY type DESC")?
            .query_map([table], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for sql in ddl {
            target.execute_batch(&sql)?;
        }
        let mut stmt = src.prepare(&format!("SELECT * FROM {table}"))?;
        let n = stmt.column_count();
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            let values: Vec<rusqlite::types::Value> = (0..n).map(|i| r.get(i)).collect::<rusqlite::Result<_>>()?;
            rows.push((table, values));
        }
    }
    let started = Instant::now();
    let tx = target.unchecked_transaction()?;
    for (table, values) in &rows {
        let marks = vec!["?"; values.len()].join(", ");
        tx.prepare_cached(&format!("INSERT INTO {table} VALUES ({marks})"))?
            .execute(rusqlite::params_from_iter(values))?;
    }
    tx.commit()?;
    Ok(rows.len() as f64 / started.elapsed().as_secs_f64())
}

async fn synced(console: &Console) -> Result<()> {
    Ok(console
        .wait_until(Duration::from_secs(600), |c| {
            let s = c.status();
            !s.initial_sync && s.connectivity == Connectivity::Online
        })
        .await?)
}

async fn login(http: &reqwest::Client, url: &str, user: &str) -> Result<String> {
    let res: LoginResponse = http
        .post(format!("{url}/v1/auth/login"))
        .json(&json!({"username": user, "password": DEMO_PASSWORD}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(res.token)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

/// A mutation changing the first person's mobile of generated customer `n`.
fn mutation(n: usize, round: usize) -> serde_json::Value {
    json!({
        "id": uuid::Uuid::new_v4(),
        "client_seq": round,
        "created_at": chrono::Utc::now(),
        "intent": {
            "type": "set_contact_point",
            "customer_id": format!("cus_{n:06}"),
            "person_id": format!("per_{n:06}_1"),
            "contact_point_id": format!("cp_{n:06}_1_1"),
            "value": format!("+447946{:06}", (n * 7 + round) % 1_000_000),
            "base_value": ""
        }
    })
}

/// Mutations per second from `args.writers` concurrent clients, spread over
/// the server nodes at `urls`, `batch` to a request.
async fn bench_mutations(urls: &[String], token: &str, args: &Args, batch: usize) -> Result<f64> {
    let http = reqwest::Client::new();
    let per_writer = args.mutations / args.writers;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..args.writers {
        let (http, url, token) = (http.clone(), urls[w % urls.len()].clone(), token.to_string());
        let customers = args.customers;
        tasks.push(tokio::spawn(async move {
            let client_id = uuid::Uuid::new_v4();
            let mut done = 0;
            while done < per_writer {
                let n = batch.min(per_writer - done);
                let muts: Vec<_> = (0..n)
                    .map(|i| mutation(3 + (w * per_writer + done + i) % (customers - 3), done + i))
                    .collect();
                let res = http
                    .post(format!("{url}/v1/sync/push"))
                    .bearer_auth(&token)
                    .json(&json!({"client_id": client_id, "mutations": muts}))
                    .send()
                    .await?
                    .error_for_status()?;
                let body: serde_json::Value = res.json().await?;
                let applied = body["results"]
                    .as_array()
                    .map(|r| r.iter().filter(|x| x["outcome"] == "applied").count());
                if applied != Some(n) {
                    bail!("not every mutation applied: {body}");
                }
                done += n;
            }
            anyhow::Ok(done)
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await??;
    }
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

/// Change propagation with `args.subscribers` live SSE subscribers spread over
/// the nodes at `urls`: an agent's edit through the first node, timed until an
/// installer's console on the last node holds it.
async fn bench_propagation(urls: &[String], args: &Args, label: &str) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let http = reqwest::Client::new();
    let first = &urls[0];
    let last = &urls[urls.len() - 1];
    let sub_token = login(&http, first, "alice").await?;
    let mut subs = Vec::new();
    for i in 0..args.subscribers {
        subs.push(tokio::spawn(subscriber(
            urls[i % urls.len()].clone(),
            sub_token.clone(),
        )));
    }
    // The record edited has a long history: its cost must not matter.
    let history = give_history(&http, first, &sub_token, HISTORY_ENTRIES).await?;
    let agent = Console::sign_in(config(dir.path(), "agent"), first, "alice", DEMO_PASSWORD).await?;
    synced(&agent).await?;
    let installer = Console::sign_in(config(dir.path(), "installer"), last, "dan", DEMO_PASSWORD).await?;
    synced(&installer).await?;
    let raw = raw_round_trip(&http, last).await?;
    let mut samples = Vec::with_capacity(args.edits);
    for i in 0..args.edits {
        let value = format!("+447946{:06}", 500_000 + i);
        let started = Instant::now();
        agent.set_contact_point(story1::CUSTOMER_ID, story1::MOTHER_ID, story1::MOTHER_MOBILE_ID, &value)?;
        installer
            .wait_until(Duration::from_secs(10), |c| {
                c.customer(story1::CUSTOMER_ID)
                    .ok()
                    .and_then(|v| {
                        v.customer
                            .contact_point(story1::MOTHER_ID, story1::MOTHER_MOBILE_ID)
                            .map(|p| p.value == value)
                    })
                    .unwrap_or(false)
            })
            .await?;
        samples.push(started.elapsed());
    }
    samples.sort();
    let alive = subs.iter().filter(|s| !s.is_finished()).count();
    println!(
        "propagation, {label}: p50 {:>6.1} ms, p99 {:>6.1} ms, max {:>6.1} ms ({} edits, {alive} live SSE subscribers, a record with {history} history entries; target p99 250 ms); raw HTTP round trip p50 {:.2} ms",
        percentile(&samples, 0.5).as_secs_f64() * 1e3,
        percentile(&samples, 0.99).as_secs_f64() * 1e3,
        samples.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        samples.len(),
        raw.as_secs_f64() * 1e3
    );
    for s in subs {
        s.abort();
    }
    agent.release();
    installer.release();
    Ok(())
}

async fn agent_token(url: &str) -> Result<String> {
    login(&reqwest::Client::new(), url, "alice").await
}

/// Fetches the retailer's whole snapshot in pages of 1,000 as protocols 1 and
/// 2: bytes, and time to fetch and parse; then what gzip (level 1, as a server
/// compressing on the fly would) makes of the same bytes, and its cost.
async fn bench_snapshot_encoding(url: &str, token: &str) -> Result<()> {
    use std::io::{Read, Write};
    let plain = reqwest::Client::builder().no_gzip().build()?;
    let gzip = reqwest::Client::new();
    for (protocol, http) in [("1", &plain), ("2", &plain), ("2, HTTP gzip", &gzip)] {
        let started = Instant::now();
        let mut pages = Vec::new();
        let mut token_param: Option<String> = None;
        loop {
            let mut query = vec![("limit", "1000".to_string())];
            if let Some(t) = &token_param {
                query.push(("token", t.clone()));
            }
            let body = http
                .get(format!("{url}/v1/sync/snapshot"))
                .bearer_auth(token)
                .header(baton_proto::PROTOCOL_HEADER, &protocol[..1])
                .query(&query)
                .send()
                .await?
                .error_for_status()?
                .bytes()
                .await?;
            let page: baton_proto::SnapshotPage = serde_json::from_slice(&body)?;
            pages.push(body);
            match page.next_token {
                Some(t) => token_param = Some(t),
                None => break,
            }
        }
        let fetched = started.elapsed();
        let raw: usize = pages.iter().map(|p| p.len()).sum();
        let started = Instant::now();
        let mut packed = Vec::with_capacity(pages.len());
        for p in &pages {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(p)?;
            packed.push(enc.finish()?);
        }
        let compress = started.elapsed();
        let started = Instant::now();
        for p in &packed {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(p.as_slice()).read_to_end(&mut out)?;
        }
        let decompress = started.elapsed();
        let gz: usize = packed.iter().map(Vec::len).sum();
        println!(
            "snapshot, protocol {protocol}: {:>7.1} MB JSON fetched and parsed in {:.2} s; gzip {:.1} MB ({:.0}% of JSON), {:.2} s to compress, {:.2} s to decompress",
            raw as f64 / 1e6,
            fetched.as_secs_f64(),
            gz as f64 / 1e6,
            100.0 * gz as f64 / raw as f64,
            compress.as_secs_f64(),
            decompress.as_secs_f64()
        );
    }
    Ok(())
}

/// How many history entries the propagation benchmark's record has before it is edited.
const HISTORY_ENTRIES: usize = 1_000;

/// Adds notes to story 1's record (about its installation job, so both the
/// retailer and the installer see them) until its timeline holds `entries`;
/// returns how many it holds.
async fn give_history(http: &reqwest::Client, url: &str, token: &str, entries: usize) -> Result<usize> {
    let record = format!("{url}/v1/customers/{}", story1::CUSTOMER_ID);
    let held = |c: serde_json::Value| c["timeline"].as_array().map_or(0, Vec::len);
    let now = held(
        http.get(&record)
            .bearer_auth(token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?,
    );
    let client_id = uuid::Uuid::new_v4();
    let mut added = 0;
    while now + added < entries {
        let n = 50.min(entries - now - added);
        let muts: Vec<_> = (0..n)
            .map(|i| {
                json!({"id": uuid::Uuid::new_v4(), "client_seq": added + i, "created_at": chrono::Utc::now(),
                       "intent": {"type": "add_note", "customer_id": story1::CUSTOMER_ID, "note_id": uuid::Uuid::new_v4(),
                                  "job_id": story1::JOB_ID, "text": format!("Earlier note {}", added + i)}})
            })
            .collect();
        http.post(format!("{url}/v1/sync/push"))
            .bearer_auth(token)
            .json(&json!({"client_id": client_id, "mutations": muts}))
            .send()
            .await?
            .error_for_status()?;
        added += n;
    }
    Ok(held(
        http.get(&record)
            .bearer_auth(token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?,
    ))
}

/// The median of 200 raw loopback round trips to the server (`/v1/health`).
async fn raw_round_trip(http: &reqwest::Client, url: &str) -> Result<Duration> {
    let mut raw = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        http.get(format!("{url}/v1/health")).send().await?.bytes().await?;
        raw.push(t.elapsed());
    }
    raw.sort();
    Ok(percentile(&raw, 0.5))
}

/// A job given to a partner that never had the customer, until that partner's
/// console holds it (customer and job, over the real feed), next to the raw
/// HTTP round trip of the same server. The target is 2 s.
async fn bench_new_partner_job(url: &str, jobs: usize) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let http = reqwest::Client::new();
    let ada = login(&http, url, "ada").await?;
    let alice = login(&http, url, "alice").await?;
    let post = |token: &str, path: &str, body: serde_json::Value| {
        http.post(format!("{url}/v1{path}"))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    post(
        &ada,
        "/admin/orgs",
        serde_json::json!({"id": "bench-fixit", "name": "Bench FixIt", "visible_fields": ["phone", "address"]}),
    )
    .await?
    .error_for_status()?;
    let invite: serde_json::Value = post(
        &ada,
        "/admin/users",
        serde_json::json!({"username": "bench-fixit", "display_name": "Bench", "role": "partner_dispatcher", "org_id": "bench-fixit"}),
    )
    .await?
    .error_for_status()?
    .json()
    .await?;
    let code = invite["code"].as_str().context("an invitation code")?;
    let partner = Console::accept_invite(config(dir.path(), "fixit"), url, code, "a bench dispatcher password").await?;
    synced(&partner).await?;
    let raw = raw_round_trip(&http, url).await?;
    let mut samples = Vec::with_capacity(jobs);
    for i in 0..jobs {
        // Generated customers the partner has never seen, one per job.
        let customer = format!("cus_{:06}", 100 + i);
        let people: serde_json::Value = http
            .get(format!("{url}/v1/customers/{customer}"))
            .bearer_auth(&alice)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let person = people["people"][0]["id"].as_str().context("a person")?.to_string();
        let job_id = format!("bench-job-{i}");
        let intent = serde_json::json!({"type": "create_job", "customer_id": customer, "job_id": job_id,
            "org_id": "bench-fixit", "kind": "service_visit", "summary": "Bench visit", "contact_person_id": person});
        let started = Instant::now();
        let res: serde_json::Value = post(
            &alice,
            "/mutations",
            serde_json::json!({"id": uuid::Uuid::new_v4(), "intent": intent}),
        )
        .await?
        .json()
        .await?;
        anyhow::ensure!(res["outcome"] == "applied", "the job was not applied: {res}");
        partner
            .wait_until(Duration::from_secs(10), |c| {
                c.customer(&customer)
                    .map(|v| v.jobs.iter().any(|j| j.id == job_id))
                    .unwrap_or(false)
            })
            .await?;
        samples.push(started.elapsed());
    }
    samples.sort();
    println!(
        "new job → new partner:     p50 {:>6.1} ms, p99 {:>6.1} ms, max {:>6.1} ms ({jobs} jobs, each to a customer the partner never had; target 2 s); raw HTTP round trip p50 {:.2} ms",
        percentile(&samples, 0.5).as_secs_f64() * 1e3,
        percentile(&samples, 0.99).as_secs_f64() * 1e3,
        samples.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        raw.as_secs_f64() * 1e3,
    );
    partner.release();
    Ok(())
}

/// Single-row INSERT transactions per second into a SQLite file with the
/// server's settings: the most single mutations the server could ever apply.
fn raw_sqlite_commits(dir: &std::path::Path, total: usize) -> Result<f64> {
    let c = rusqlite::Connection::open(dir.join("raw-commits.sqlite"))?;
    c.pragma_update(None, "journal_mode", "WAL")?;
    c.pragma_update(None, "synchronous", "FULL")?;
    c.execute_batch("CREATE TABLE raw_commits (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")?;
    let started = Instant::now();
    for i in 0..total {
        c.execute("INSERT INTO raw_commits (v) VALUES (?1)", [format!("+447946{i:06}")])?;
    }
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

/// A live subscriber as a synced console would be: it starts at the feed head (the
/// first poke carries it, as after a snapshot) and on every poke pulls what is new.
async fn subscriber(url: String, token: String) -> Result<()> {
    let http = reqwest::Client::new();
    let res = http
        .get(format!("{url}/v1/sync/events"))
        .bearer_auth(&token)
        .send()
        .await?
        .error_for_status()?;
    let mut events = res.bytes_stream().eventsource();
    let mut cursor: Option<i64> = None;
    while let Some(ev) = events.next().await {
        let ev = ev?;
        if ev.event != "poke" {
            continue;
        }
        let Some(after) = cursor else {
            cursor = Some(
                serde_json::from_str::<serde_json::Value>(&ev.data)?["seq"]
                    .as_i64()
                    .unwrap_or(0),
            );
            continue;
        };
        let mut after = after;
        loop {
            let page: ChangesPage = http
                .get(format!("{url}/v1/sync/changes"))
                .bearer_auth(&token)
                .query(&[("after", after.to_string())])
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            after = page.cursor;
            if !page.has_more {
                break;
            }
        }
        cursor = Some(after);
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    if args.customers < 10 || args.writers == 0 {
        bail!("use at least 10 customers and 1 writer");
    }
    if args.only_postgres {
        return postgres::bench(&args).await;
    }
    if args.only_import {
        return import::bench(args.import_customers, args.import_jobs).await;
    }
    if args.only_paint {
        let dir = tempfile::tempdir()?;
        return bench_record_paint(dir.path(), args.paint_customers.max(100), args.paint_samples).await;
    }
    if args.only_new_job {
        let dir = tempfile::tempdir()?;
        let state = baton_server::AppState::open(&dir.path().join("server.sqlite"))?;
        let server = RunningServer::demo_on("127.0.0.1:0".parse()?, state, args.customers).await?;
        bench_new_partner_job(&server.url(), 50).await?;
        return Ok(server.stop().await?);
    }
    let dir = tempfile::tempdir()?;
    println!(
        "Baton benchmarks — {} customers, loopback, release build",
        args.customers
    );

    let started = Instant::now();
    // Behind a (pretend) proxy, so the sign-in flood below can come from many addresses.
    let mut state = baton_server::AppState::open(&dir.path().join("server.sqlite"))?;
    state.sessions.trust_forwarded_for = true;
    let server = RunningServer::demo_on("127.0.0.1:0".parse()?, state, args.customers).await?;
    let url = server.url();
    println!(
        "demo data load:            {:>10.2} s for {} customers",
        started.elapsed().as_secs_f64(),
        args.customers
    );

    if args.only_mutations {
        let http = reqwest::Client::new();
        let token = login(&http, &url, "sam").await.context("logging in the writers")?;
        for batch in [1, 50] {
            let rate = bench_mutations(std::slice::from_ref(&url), &token, &args, batch).await?;
            println!(
                "server mutations, {batch}/req: {rate:>10.0} mutations/s ({} writers)",
                args.writers
            );
        }
        return Ok(server.stop().await?);
    }

    // 1. Initial sync of the retailer's whole scope into an empty cache.
    let agent = bench_initial_sync(dir.path(), &url, &args).await?;
    if args.only_sync {
        return Ok(server.stop().await?);
    }

    // 1c. Snapshot encodings: the whole scope as each protocol's JSON, and the
    // same bytes gzip-compressed (what HTTP compression would send).
    bench_snapshot_encoding(&url, &agent_token(&url).await?).await?;

    // 2. Server mutations per second.
    let http = reqwest::Client::new();
    bench_login_flood(&http, &url).await?;
    let token = login(&http, &url, "sam").await.context("logging in the writers")?;
    let raw = raw_sqlite_commits(dir.path(), args.mutations)?;
    println!("SQLite raw commits:        {raw:>10.0} single-row transactions/s (WAL, synchronous=FULL)");
    let urls = [url.clone()];
    let single = bench_mutations(&urls, &token, &args, 1).await?;
    println!(
        "server mutations, 1/req:   {single:>10.0} mutations/s ({} writers; {:.0}% of the raw commit rate)",
        args.writers,
        100.0 * single / raw
    );
    let batched = bench_mutations(&urls, &token, &args, 50).await?;
    println!(
        "server mutations, 50/req:  {batched:>10.0} mutations/s ({} writers)",
        args.writers
    );

    // 3. Propagation with live subscribers pulling every change.
    bench_propagation(std::slice::from_ref(&url), &args, "SQLite").await?;
    bench_new_partner_job(&url, 50).await?;
    server.stop().await?;
    drop(agent);

    // 4. The same on PostgreSQL, one node and three.
    postgres::bench(&args).await?;

    // 5. Bulk import from CSV.
    if args.import_customers > 0 {
        import::bench(args.import_customers, args.import_jobs).await?;
    }

    // 6. The record screen on a cache of a million customers.
    // In a process of its own, so that its memory is the console's alone.
    if args.paint_customers > 0 {
        let status = std::process::Command::new(std::env::current_exe()?)
            .args(["--only-paint", "--paint-customers", &args.paint_customers.to_string()])
            .args(["--paint-samples", &args.paint_samples.to_string()])
            .status()?;
        if !status.success() {
            bail!("the record-screen benchmark failed: {status}");
        }
    }
    Ok(())
}

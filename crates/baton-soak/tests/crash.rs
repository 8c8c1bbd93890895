//! Kill -9 a console at random points — during sign-in, the snapshot, pulls and
//! pushes — then restart it: every edit it had saved reaches the server exactly
//! once, the cache file is sound, and the cache converges to the server.
//!
//! Runs `BATON_CRASH_RUNS` seeded runs (50 by default; `make soak` runs thousands).

use baton_server::args;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use baton_server::demo::story1;
use baton_server::RunningServer;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const WORKER: &str = env!("CARGO_BIN_EXE_console-worker");

fn worker(server: &str, data_dir: &Path, edits: u32, run: u32) -> Command {
    let mut cmd = Command::new(WORKER);
    cmd.args([
        "--server",
        server,
        "--edits",
        &edits.to_string(),
        "--run",
        &run.to_string(),
    ])
    .arg("--data-dir")
    .arg(data_dir)
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    cmd
}

/// Lines the worker printed, as they come.
fn lines(child: &mut std::process::Child) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    if let Some(out) = child.stdout.take() {
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
    }
    rx
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_killed_at_random_points_loses_no_saved_edit_and_converges() {
    let runs: u32 = std::env::var("BATON_CRASH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let seed: u64 = std::env::var("BATON_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20261123);
    let dir = tempfile::tempdir().expect("tempdir");
    let db = baton_server::Location::parse(&baton_testkit::test_database(dir.path()));
    let server = RunningServer::demo_at("127.0.0.1:0".parse().expect("addr"), &db, 400)
        .await
        .expect("server");
    let url = server.url();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut killed_mid_run = 0;
    let (mut saved_total, mut runs_with_saved) = (0, 0);

    for run in 0..runs {
        // Half the runs reuse a cache (kills during pulls and pushes), half start
        // fresh (kills during sign-in and the first snapshot).
        let data_dir = dir
            .path()
            .join(format!("console-{}", if rng.random_bool(0.5) { run } else { 0 }));
        let edits = rng.random_range(1..12);
        // Where to kill: just after sign-in (inside the first snapshot or pull), or
        // after the k-th saved edit (inside pushes and pulls), plus a seeded jitter.
        let after_saved = if rng.random_bool(0.3) {
            None
        } else {
            Some(rng.random_range(1..=edits) as usize)
        };
        let jitter = Duration::from_millis(rng.random_range(0..40));

        let mut child = worker(&url, &data_dir, edits, run).spawn().expect("worker starts");
        let out = lines(&mut child);
        let mut saved: Vec<String> = Vec::new();
        let reached = tokio::task::block_in_place(|| {
            while let Ok(line) = out.recv_timeout(Duration::from_secs(60)) {
                if let Some(id) = line.strip_prefix("saved ") {
                    saved.push(id.to_string());
                }
                match after_saved {
                    None if line == "signed-in" => return true,
                    Some(k) if saved.len() >= k => return true,
                    _ if line == "drained" => return false,
                    _ => {}
                }
            }
            false
        });
        assert!(
            reached,
            "run {run}: the worker finished or stalled before its kill point"
        );
        tokio::time::sleep(jitter).await; // the fault lands at a seeded moment after that point
        if child.try_wait().expect("poll").is_none() {
            killed_mid_run += 1;
        }
        let _ = child.kill();
        let _ = child.wait();
        saved.extend(
            out.try_iter()
                .filter_map(|l| l.strip_prefix("saved ").map(str::to_string)),
        );

        saved_total += saved.len();
        runs_with_saved += usize::from(!saved.is_empty());

        // Restart: the console drains what it had queued, with no further edits.
        let restarted = tokio::task::spawn_blocking({
            let (url, data_dir) = (url.clone(), data_dir.clone());
            move || worker(&url, &data_dir, 0, run).output().expect("restarted worker")
        })
        .await
        .expect("join");
        let text = String::from_utf8_lossy(&restarted.stdout).to_string();
        assert!(
            restarted.status.success() && text.contains("drained"),
            "run {run} (seed {seed}): {text}"
        );
        assert!(
            text.contains("integrity ok"),
            "run {run} (seed {seed}): cache not sound: {text}"
        );

        // Every saved edit is on the server, applied, once (ids are the primary key).
        let ids = saved.clone();
        let (outcomes, server_value): (Vec<(String, Option<String>)>, String) = server
            .state
            .db
            .read(move |c| {
                let mut outcomes = Vec::new();
                for id in ids {
                    let o = c.opt("SELECT outcome FROM mutations WHERE id = ?1", args![id], |r| {
                        r.get("outcome")
                    })?;
                    outcomes.push((id, o));
                }
                let value = c.value(
                    "SELECT value FROM contact_points WHERE id = ?1",
                    args![story1::MOTHER_MOBILE_ID],
                    "value",
                )?;
                Ok((outcomes, value))
            })
            .await
            .expect("the server's records");
        for (id, outcome) in outcomes {
            let outcome =
                outcome.unwrap_or_else(|| panic!("run {run} (seed {seed}): saved edit {id} never reached the server"));
            assert!(outcome.contains("\"applied\""), "run {run}: {id} was {outcome}");
        }
        // The cache converged: it shows what the server holds.
        assert!(
            text.contains(&format!("mobile {server_value}")),
            "run {run} (seed {seed}): cache diverged from {server_value}: {text}"
        );
    }
    println!(
        "{runs} runs (seed {seed}): {killed_mid_run} killed mid-run, {runs_with_saved} after saving edits, \
         {saved_total} saved edits all delivered once"
    );
    assert!(killed_mid_run > runs / 2, "most runs must be killed before they finish");
    assert!(
        runs_with_saved as u32 > runs / 4,
        "kills must also land after edits were saved"
    );
    server.stop().await.expect("stop");
}

//! Three server nodes (processes of their own) on one PostgreSQL database,
//! behind a load balancer. Consoles edit the same customers while nodes are
//! killed with SIGKILL at seeded moments and started again; a killed node's
//! consoles reconnect to another. Once every node is back, every queue drains,
//! every edit was applied exactly once, and every console converges to the
//! server. `BATON_NODE_RUNS` seeded runs (2 by default).

use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use baton_core::view::Connectivity;
use baton_server::{AppState, Location};
use baton_soak::balancer::Balancer;
use baton_soak::edits::{contact_edits, converged, edit_round, editors, runs, until};
use baton_testkit::{free_port, Postgres};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// A node process serving `database` on `port`, once it listens.
fn start_node(database: &str, port: u16, demo: usize) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_node-worker"))
        .args(["--database-url", database, "--port", &port.to_string()])
        .args(["--demo", &demo.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start a node");
    let stdout = child.stdout.take().expect("the node's output");
    let first = std::io::BufReader::new(stdout).lines().next();
    assert!(
        matches!(first, Some(Ok(ref line)) if line == "listening"),
        "the node on port {port} did not start: {first:?}"
    );
    child
}

fn kill(child: &mut Child) {
    child.kill().expect("SIGKILL a node");
    child.wait().expect("reap it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_killed_mid_run_lose_no_edit_and_double_none() {
    let runs = runs("BATON_NODE_RUNS", 2);
    for seed in 0..runs {
        let dir = tempfile::tempdir().expect("tempdir");
        let database = Postgres::shared().database();
        let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
        let mut nodes: Vec<Option<Child>> = ports
            .iter()
            .enumerate()
            .map(|(i, port)| Some(start_node(&database, *port, if i == 0 { 40 } else { 0 })))
            .collect();
        let addrs = ports.iter().map(|p| ([127, 0, 0, 1], *p).into()).collect();
        let balancer = Balancer::start(addrs).await.expect("balancer");
        let consoles = editors(dir.path(), &balancer.url()).await;

        // Everyone edits while nodes die and come back.
        let mut rng = StdRng::seed_from_u64(seed);
        let (mut edits, mut kills) = (0i64, 0);
        for round in 0..30u32 {
            edits += edit_round(&consoles, &mut rng, 2, round);
            let live: Vec<usize> = (0..3).filter(|i| nodes[*i].is_some()).collect();
            // At least one kill a run, and never the last node standing.
            if live.len() > 1 && (rng.random_bool(0.2) || (round == 10 && kills == 0)) {
                let victim = live[rng.random_range(0..live.len())];
                if let Some(mut child) = nodes[victim].take() {
                    kill(&mut child);
                    kills += 1;
                }
            } else if live.len() < 3 && rng.random_bool(0.3) {
                let dead: Vec<usize> = (0..3).filter(|i| nodes[*i].is_none()).collect();
                let back = dead[rng.random_range(0..dead.len())];
                nodes[back] = Some(start_node(&database, ports[back], 0));
            }
            // The pace of people typing, not a synchronisation.
            tokio::time::sleep(Duration::from_millis(rng.random_range(0..40))).await;
        }

        // Every node back: every queue drains and every cache converges.
        for (i, node) in nodes.iter_mut().enumerate() {
            if node.is_none() {
                *node = Some(start_node(&database, ports[i], 0));
            }
        }
        for c in &consoles {
            c.sync_now();
            until(c, Duration::from_secs(60), "the queue to drain", |c| {
                let s = c.status();
                s.pending == 0 && s.connectivity == Connectivity::Online
            })
            .await;
        }
        let server = AppState::connect(&Location::parse(&database)).expect("the database");
        converged(&consoles, &server.db).await;

        // Exactly once: one record per edit, each applied once, audited once.
        let (recorded, applied, audited) = contact_edits(&server.db).await;
        assert_eq!((recorded, applied, audited), (edits, edits, edits), "seed {seed}");
        println!("seed {seed}: {edits} edits, {kills} nodes killed mid-run; every edit once, all converged");
        assert!(kills > 0);
        drop(consoles);
        drop(balancer);
        for child in nodes.iter_mut().flatten() {
            kill(child);
        }
    }
}

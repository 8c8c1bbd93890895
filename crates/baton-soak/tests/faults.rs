//! Several consoles edit the same customers through a network that refuses
//! connections, delays, cuts responses mid-way and delivers requests twice.
//! Once the network heals, every console converges to the server, every edit was
//! applied exactly once, and every edit that replaced an unseen value is shown as
//! a conflict. `BATON_FAULT_RUNS` seeded runs (3 by default).

use std::time::Duration;

use baton_core::view::Connectivity;
use baton_server::RunningServer;
use baton_soak::edits::{contact_edits, converged, edit_round, editors, runs, until};
use baton_soak::proxy::{Faults, FaultyProxy};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consoles_editing_through_a_faulty_network_converge_with_every_edit_once() {
    let runs = runs("BATON_FAULT_RUNS", 3);
    let faults = Faults {
        refuse: 0.1,
        cut_response: 0.15,
        duplicate: 0.2,
        max_delay: Duration::from_millis(25),
    };
    let mut injected = [0u64; 3];
    for seed in 0..runs {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = baton_server::Location::parse(&baton_testkit::test_database(dir.path()));
        let server = RunningServer::demo_at("127.0.0.1:0".parse().expect("addr"), &db, 40)
            .await
            .expect("server");
        let proxy = FaultyProxy::start(server.addr, seed, faults).await.expect("proxy");
        let consoles = editors(dir.path(), &proxy.url()).await;

        // Everyone edits the same contacts, interleaved, while the network misbehaves.
        let mut rng = StdRng::seed_from_u64(seed);
        let mut edits = 0;
        for i in 0..10u32 {
            edits += edit_round(&consoles, &mut rng, 1, i);
            tokio::time::sleep(Duration::from_millis(rng.random_range(0..30))).await;
            // interleave with syncing
        }

        // The network heals: every queue drains and every cache converges to the server.
        proxy.heal();
        for c in &consoles {
            c.sync_now();
            until(c, Duration::from_secs(30), "the queue to drain", |c| {
                let s = c.status();
                s.pending == 0 && s.connectivity == Connectivity::Online
            })
            .await;
        }
        converged(&consoles, &server.state.db).await;

        // Exactly once: one record per edit, all applied, each applied once.
        let (recorded, applied, audited) = contact_edits(&server.state.db).await;
        let conflicts: i64 = server
            .state
            .db
            .read(|c| c.value("SELECT COUNT(*) AS n FROM conflicts", baton_server::args![], "n"))
            .await
            .expect("conflicts");
        assert_eq!((recorded, applied, audited), (edits, edits, edits), "seed {seed}");
        // Every edit that replaced a value its user had not seen is shown to that user.
        let shown: u32 = consoles.iter().map(|c| c.status().conflicts).sum();
        assert_eq!(conflicts, i64::from(shown), "seed {seed}");
        let n = |a: &std::sync::atomic::AtomicU64| a.load(std::sync::atomic::Ordering::Relaxed);
        let (refused, cut, duplicated) = (
            n(&proxy.counts.refused),
            n(&proxy.counts.cut),
            n(&proxy.counts.duplicated),
        );
        for (total, n) in injected.iter_mut().zip([refused, cut, duplicated]) {
            *total += n;
        }
        println!(
            "seed {seed}: {edits} edits, {refused} connections refused, {cut} responses cut, \
             {duplicated} request streams delivered twice; {conflicts} conflicts shown; all converged"
        );
        drop(consoles);
        drop(proxy);
        server.stop().await.expect("stop");
    }
    assert!(
        injected.iter().all(|n| *n > 0),
        "every kind of fault was injected: {injected:?}"
    );
}

//! Several consoles edit the same customers through a network that refuses
//! connections, delays, cuts responses mid-way and delivers requests twice.
//! Once the network heals, every console converges to the server, every edit was
//! applied exactly once, and every edit that replaced an unseen value is shown as
//! a conflict. `BATON_FAULT_RUNS` seeded runs (3 by default).

use baton_server::args;
use std::sync::Arc;
use std::time::Duration;

use baton_core::credentials::MemoryStore;
use baton_core::view::Connectivity;
use baton_core::{Console, ConsoleConfig, SyncOptions};
use baton_server::demo::{story1, DEMO_PASSWORD};
use baton_server::RunningServer;
use baton_soak::proxy::{Faults, FaultyProxy};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// (customer, person, contact point, a partner dispatcher may edit it)
fn targets() -> Vec<(String, String, String, bool)> {
    let mut t = vec![
        (
            story1::CUSTOMER_ID.into(),
            story1::MOTHER_ID.into(),
            story1::MOTHER_MOBILE_ID.into(),
            true,
        ),
        (
            story1::CUSTOMER_ID.into(),
            story1::MOTHER_ID.into(),
            "cp_000001_2_2".into(),
            true,
        ),
        (
            story1::CUSTOMER_ID.into(),
            story1::SON_ID.into(),
            story1::SON_MOBILE_ID.into(),
            false,
        ),
    ];
    for n in 3..6 {
        t.push((
            format!("cus_{n:06}"),
            format!("per_{n:06}_1"),
            format!("cp_{n:06}_1_1"),
            false,
        ));
    }
    t
}

async fn sign_in(dir: &std::path::Path, url: &str, user: &str) -> Console {
    let config = ConsoleConfig {
        ca_certs: Vec::new(),
        plain_cache: false,
        data_dir: dir.join(user),
        secrets: Arc::new(MemoryStore::default()),
        sync: SyncOptions {
            min_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_millis(300),
            stream_timeout: Duration::from_secs(3),
            page_size: 30,
            snapshot_page_size: 30,
            ..SyncOptions::default()
        },
    };
    let mut last = None;
    for _ in 0..50 {
        match Console::sign_in(config.clone(), url, user, DEMO_PASSWORD).await {
            Ok(c) => return c,
            Err(e) => last = Some(e), // the network refused or cut the login: try again
        }
    }
    panic!("could not sign {user} in through the faulty network: {last:?}");
}

async fn until(console: &Console, limit: Duration, what: &str, check: impl FnMut(&Console) -> bool) {
    console
        .wait_until(limit, check)
        .await
        .unwrap_or_else(|e| panic!("waiting for {what}: {e}"));
}

fn value_of(c: &Console, customer: &str, person: &str, point: &str) -> Option<String> {
    c.customer(customer)
        .ok()?
        .customer
        .contact_point(person, point)
        .map(|p| p.value.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consoles_editing_through_a_faulty_network_converge_with_every_edit_once() {
    let runs: u64 = std::env::var("BATON_FAULT_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
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
        let users = ["alice", "sam", "dan"];
        let mut consoles = Vec::new();
        for user in users {
            consoles.push(sign_in(dir.path(), &proxy.url(), user).await);
        }
        for c in &consoles {
            until(c, Duration::from_secs(30), "the first sync", |c| {
                !c.status().initial_sync
            })
            .await;
        }

        // Everyone edits the same contacts, interleaved, while the network misbehaves.
        let targets = targets();
        let mut rng = StdRng::seed_from_u64(seed);
        let mut edits = 0;
        for i in 0..10u32 {
            for (ci, c) in consoles.iter().enumerate() {
                let partner = users[ci] == "dan";
                let allowed: Vec<_> = targets.iter().filter(|t| !partner || t.3).collect();
                let (customer, person, point, _) = allowed[rng.random_range(0..allowed.len())];
                let value = format!("+4479461{:05}", ci as u32 * 1000 + i);
                c.set_contact_point(customer, person, point, &value)
                    .expect("the edit is saved locally");
                edits += 1;
            }
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
        for (ci, c) in consoles.iter().enumerate() {
            for (customer, person, point, partner_sees) in &targets {
                if users[ci] == "dan" && !partner_sees {
                    continue;
                }
                let point_id = point.to_string();
                let on_server: String = server
                    .state
                    .db
                    .read(move |c| {
                        c.value(
                            "SELECT value FROM contact_points WHERE id = ?1",
                            args![point_id],
                            "value",
                        )
                    })
                    .await
                    .expect("server value");
                until(c, Duration::from_secs(15), "the cache to converge", |c| {
                    value_of(c, customer, person, point).as_deref() == Some(on_server.as_str())
                })
                .await;
            }
            assert_eq!(c.cache().integrity_check().expect("check"), "ok");
        }

        // Exactly once: one record per edit, all applied, each applied once.
        let (recorded, applied, audited, conflicts): (i64, i64, i64, i64) = server
            .state
            .db
            .read(|c| {
                // The demo's own story edits are recorded too; these are the contact edits.
                let (recorded, applied) = c.one(
                    "SELECT COUNT(*) AS n,
                            COALESCE(SUM(CASE WHEN outcome LIKE '%\"applied\"%' THEN 1 ELSE 0 END), 0) AS applied
                     FROM mutations WHERE name = 'set_contact_point'",
                    args![],
                    |r| Ok((r.get("n")?, r.get("applied")?)),
                )?;
                let audited = c.value(
                    "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'set_contact_point'",
                    args![],
                    "n",
                )?;
                let conflicts = c.value("SELECT COUNT(*) AS n FROM conflicts", args![], "n")?;
                Ok((recorded, applied, audited, conflicts))
            })
            .await
            .expect("the server's records");
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

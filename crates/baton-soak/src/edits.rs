//! What the soaks that edit through several consoles share: the contacts they
//! edit, consoles tuned for tests, and the checks that every edit reached the
//! server exactly once and every cache converged to it.

use std::sync::Arc;
use std::time::Duration;

use baton_core::credentials::MemoryStore;
use baton_core::{Console, ConsoleConfig, SyncOptions};
use baton_server::demo::{story1, DEMO_PASSWORD};
use baton_server::{args, Db};
use rand::rngs::StdRng;
use rand::Rng;

/// Who edits: two of the retailer's agents and the installer's dispatcher.
pub const USERS: [&str; 3] = ["alice", "sam", "dan"];
const PARTNER: &str = "dan";

/// Seeded runs: the number in environment variable `var`, else `default`.
pub fn runs(var: &str, default: u64) -> u64 {
    std::env::var(var).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A contact point the consoles edit.
pub struct Target {
    pub customer: String,
    pub person: String,
    pub point: String,
    /// The partner's dispatcher may see and edit it (its job's customer).
    pub partner: bool,
}

/// Story 1's contacts (two the partner may edit) and three other customers'.
pub fn targets() -> Vec<Target> {
    let t = |customer: &str, person: &str, point: &str, partner: bool| Target {
        customer: customer.into(),
        person: person.into(),
        point: point.into(),
        partner,
    };
    let mut all = vec![
        t(story1::CUSTOMER_ID, story1::MOTHER_ID, story1::MOTHER_MOBILE_ID, true),
        t(story1::CUSTOMER_ID, story1::MOTHER_ID, "cp_000001_2_2", true),
        t(story1::CUSTOMER_ID, story1::SON_ID, story1::SON_MOBILE_ID, false),
    ];
    for n in 3..6 {
        all.push(t(
            &format!("cus_{n:06}"),
            &format!("per_{n:06}_1"),
            &format!("cp_{n:06}_1_1"),
            false,
        ));
    }
    all
}

/// Signs `user` in at `url` with short backoffs and small pages, trying again
/// while the network refuses or cuts the sign-in.
pub async fn sign_in(dir: &std::path::Path, url: &str, user: &str) -> Console {
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
            Err(e) => last = Some(e),
        }
    }
    panic!("could not sign {user} in: {last:?}");
}

/// Every user of [`USERS`] signed in at `url`, in that order, each first sync complete.
pub async fn editors(dir: &std::path::Path, url: &str) -> Vec<Console> {
    let mut consoles = Vec::new();
    for user in USERS {
        consoles.push(sign_in(dir, url, user).await);
    }
    for c in &consoles {
        until(c, Duration::from_secs(30), "the first sync", |c| {
            !c.status().initial_sync
        })
        .await;
    }
    consoles
}

/// Each of the [`editors`] changes a contact it may edit, drawn from `rng`, to
/// a number of its own for `round` (`series` tells runs apart); then syncs.
/// Returns how many edits were saved.
pub fn edit_round(consoles: &[Console], rng: &mut StdRng, series: u32, round: u32) -> i64 {
    let targets = targets();
    for (ci, (user, c)) in USERS.iter().zip(consoles).enumerate() {
        let allowed: Vec<_> = targets.iter().filter(|t| *user != PARTNER || t.partner).collect();
        let t = allowed[rng.random_range(0..allowed.len())];
        let value = format!("+447946{series}{:05}", ci as u32 * 1000 + round);
        c.set_contact_point(&t.customer, &t.person, &t.point, &value)
            .expect("the edit is saved locally");
        c.sync_now();
    }
    consoles.len() as i64
}

pub async fn until(console: &Console, limit: Duration, what: &str, check: impl FnMut(&Console) -> bool) {
    console
        .wait_until(limit, check)
        .await
        .unwrap_or_else(|e| panic!("waiting for {what}: {e}"));
}

fn value_of(c: &Console, t: &Target) -> Option<String> {
    c.customer(&t.customer)
        .ok()?
        .customer
        .contact_point(&t.person, &t.point)
        .map(|p| p.value.clone())
}

/// Waits until each of the [`editors`] holds the database's value of every
/// target it sees (the partner only its own), and checks its cache's integrity.
pub async fn converged(consoles: &[Console], db: &Db) {
    let targets = targets();
    for (user, c) in USERS.iter().zip(consoles) {
        for t in targets.iter().filter(|t| *user != PARTNER || t.partner) {
            let point = t.point.clone();
            let on_server: String = db
                .read(move |c| c.value("SELECT value FROM contact_points WHERE id = ?1", args![point], "value"))
                .await
                .expect("server value");
            until(c, Duration::from_secs(30), "the cache to converge", |c| {
                value_of(c, t).as_deref() == Some(on_server.as_str())
            })
            .await;
        }
        assert_eq!(c.cache().integrity_check().expect("check"), "ok");
    }
}

/// Contact edits the server recorded, applied and audited.
pub async fn contact_edits(db: &Db) -> (i64, i64, i64) {
    db.read(|c| {
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
        Ok((recorded, applied, audited))
    })
    .await
    .expect("the server's records")
}

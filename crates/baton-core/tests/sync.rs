//! The client against a real server: story 1 end to end, partner fencing,
//! offline edits across a server outage and a console restart, bad input.

mod common;

use std::time::{Duration, Instant};

use baton_core::view::{Connectivity, EditState, MatchKind, Resolution};
use baton_core::Console;
use baton_proto::{ErrorCode, JobStatus};
use baton_server::demo::{carrier_only, story1};
use common::{synced, until, Harness};

fn mother_mobile(c: &Console) -> Option<String> {
    let view = c.customer(story1::CUSTOMER_ID).ok()?;
    view.customer
        .contact_point(story1::MOTHER_ID, story1::MOTHER_MOBILE_ID)
        .map(|p| p.value.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contact_change_reaches_the_installer_and_partners_stay_fenced() {
    let h = Harness::start(60).await;
    let agent = h.console("agent", "alice").await;
    let installer = h.console("installer", "dan").await;
    synced(&agent).await;
    synced(&installer).await;

    // The agent finds the mother by her number, typed the way people say it.
    let hits = agent.search("07946 000202").expect("search");
    assert!(
        hits.iter().any(|h| h.customer_id == story1::CUSTOMER_ID
            && h.person_name.as_deref() == Some(story1::MOTHER_NAME)
            && h.match_kind == MatchKind::Phone),
        "{hits:?}"
    );
    // ...and by name as she types it.
    assert!(agent
        .search("marg hugh")
        .expect("search")
        .iter()
        .any(|h| h.customer_id == story1::CUSTOMER_ID));

    // The installer sees the mother (its job's contact) but not the son's details.
    let seen = installer
        .customer(story1::CUSTOMER_ID)
        .expect("installer sees its job's customer");
    assert!(seen.customer.person(story1::MOTHER_ID).is_some());
    assert!(
        seen.customer.person(story1::SON_ID).is_none(),
        "the account holder's details are not the installer's to see"
    );
    assert!(seen.jobs.iter().all(|j| j.org_id == "brightline"), "{:?}", seen.jobs);

    // Another partner's customer is nowhere in the installer's cache, by any search.
    assert!(installer.customer(carrier_only::CUSTOMER_ID).is_err());
    assert!(installer.search(carrier_only::MOBILE).expect("search").is_empty());
    assert!(installer.search("Bethany").expect("search").is_empty());

    // The agent changes the mother's mobile; the installer's cache has it in < 2 s.
    let started = Instant::now();
    let view = agent
        .set_contact_point(
            story1::CUSTOMER_ID,
            story1::MOTHER_ID,
            story1::MOTHER_MOBILE_ID,
            "07946 000999",
        )
        .expect("edit is saved locally");
    assert!(view
        .edits
        .iter()
        .any(|e| e.target == format!("contact:{}", story1::MOTHER_MOBILE_ID)));
    until(
        &installer,
        Duration::from_secs(2),
        "the installer to see the new number",
        |c| (mother_mobile(c).as_deref() == Some("+447946000999")).then_some(()),
    )
    .await;
    eprintln!("propagation agent -> installer: {:?}", started.elapsed());

    // The change carries who made it, and the agent's edit is confirmed.
    let seen = installer.customer(story1::CUSTOMER_ID).expect("customer");
    let point = seen
        .customer
        .contact_point(story1::MOTHER_ID, story1::MOTHER_MOBILE_ID)
        .expect("point");
    assert_eq!(point.updated_by, "Alice Carter (Northwind Electricals)");
    until(
        &agent,
        Duration::from_secs(5),
        "the agent's edit to be confirmed",
        |c| {
            let v = c.customer(story1::CUSTOMER_ID).ok()?;
            let synced = v.edits.iter().any(|e| e.state == EditState::Synced);
            (synced && c.status().pending == 0).then_some(())
        },
    )
    .await;

    // Re-indexing on the edit kept the name index exact: one hit per person, no stale rows.
    let margarets: Vec<_> = agent
        .search("margaret hughes")
        .expect("search")
        .into_iter()
        .filter(|h| h.person_name.as_deref() == Some(story1::MOTHER_NAME))
        .collect();
    assert_eq!(margarets.len(), 1, "{margarets:?}");
    for c in [&agent, &installer] {
        assert_eq!(c.cache().integrity_check().expect("check"), "ok");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_with_a_typed_error_and_nothing_is_queued() {
    let h = Harness::start(10).await;
    let agent = h.console("agent", "alice").await;
    synced(&agent).await;
    let before = agent.customer(story1::CUSTOMER_ID).expect("customer");

    for (value, code) in [
        ("not a number", ErrorCode::InvalidPhone),
        ("123", ErrorCode::InvalidPhone),
        ("   ", ErrorCode::BadRequest),
    ] {
        let err = agent
            .set_contact_point(story1::CUSTOMER_ID, story1::MOTHER_ID, story1::MOTHER_MOBILE_ID, value)
            .expect_err(value);
        assert_eq!(err.code(), code, "{value}: {err}");
    }
    let err = agent
        .set_contact_point("cus_nope", story1::MOTHER_ID, story1::MOTHER_MOBILE_ID, "07946 000999")
        .expect_err("unknown customer");
    assert_eq!(err.code(), ErrorCode::NotFound);
    let err = agent
        .set_contact_point(story1::CUSTOMER_ID, story1::MOTHER_ID, "cp_nope", "07946 000999")
        .expect_err("unknown contact");
    assert_eq!(err.code(), ErrorCode::NotFound);

    assert_eq!(agent.cache().outbox_counts().expect("counts"), Default::default());
    assert_eq!(agent.customer(story1::CUSTOMER_ID).expect("customer"), before);

    // Wrong password and a bad server address are typed errors too.
    let err = Console::sign_in(h.config("x"), &h.url(), "alice", "wrong")
        .await
        .err()
        .expect("wrong password");
    assert_eq!(err.code(), ErrorCode::Unauthenticated);
    let err = Console::sign_in(h.config("x"), "localhost:1", "alice", "pw")
        .await
        .err()
        .expect("bad url");
    assert_eq!(err.code(), ErrorCode::BadRequest);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offline_edit_survives_an_outage_and_a_restart_then_syncs_by_itself() {
    let mut h = Harness::start(10).await;
    let cfg = h.config("agent");
    let agent = h.console_with(&cfg, "alice").await;
    synced(&agent).await;

    h.outage(&[&agent]).await;

    // Edit while offline: saved locally, shown at once, queued.
    let view = agent
        .set_contact_point(
            story1::CUSTOMER_ID,
            story1::MOTHER_ID,
            story1::MOTHER_MOBILE_ID,
            "+44 7946 000444",
        )
        .expect("offline edit is saved");
    assert_eq!(mother_mobile(&agent).as_deref(), Some("+447946000444"));
    assert!(view.edits.iter().any(|e| e.state == EditState::SavedLocally));
    until(&agent, Duration::from_secs(5), "the edit to count as pending", |c| {
        (c.status().pending == 1).then_some(())
    })
    .await;

    // The console process goes away and comes back (same files, same keyring).
    drop(agent);
    let agent = Console::resume(cfg)
        .expect("resume")
        .expect("the session resumes from disk and keyring");
    assert_eq!(
        agent.cache().outbox_counts().expect("counts").pending,
        1,
        "the queued edit survived the restart"
    );
    assert_eq!(mother_mobile(&agent).as_deref(), Some("+447946000444"));
    assert_eq!(agent.cache().integrity_check().expect("check"), "ok");

    // The server comes back: the queue drains with no user action.
    h.restart_server().await;
    until(&agent, Duration::from_secs(15), "the queue to drain", |c| {
        let s = c.status();
        (s.pending == 0 && s.connectivity == Connectivity::Online).then_some(())
    })
    .await;

    // Another console, fresh from the server, sees the edit: it reached the server once.
    let installer = h.console("installer", "dan").await;
    synced(&installer).await;
    assert_eq!(mother_mobile(&installer).as_deref(), Some("+447946000444"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_snapshot_arrives_in_pages_and_matches_the_server() {
    let h = Harness::start(120).await;
    let agent = h.console("agent", "alice").await;
    synced(&agent).await;
    let (customers, jobs) = agent.cache().counts().expect("counts");
    assert_eq!(customers, 120);
    let server_jobs: i64 = rusqlite_count(&h.db_path(), "SELECT COUNT(*) FROM jobs");
    assert_eq!(jobs as i64, server_jobs);

    let installer = h.console("installer", "dan").await;
    synced(&installer).await;
    let (_, jobs) = installer.cache().counts().expect("counts");
    assert_eq!(
        jobs as i64,
        rusqlite_count(&h.db_path(), "SELECT COUNT(*) FROM jobs WHERE org_id = 'brightline'")
    );
}

fn rusqlite_count(db: &std::path::Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).expect("open server db");
    conn.query_row(sql, [], |r| r.get(0)).expect("count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reassigned_job_leaves_the_old_partners_cache_and_reaches_the_new_one() {
    let h = Harness::start(80).await;
    // A customer whose only tie to any partner is one installer job (no ticket,
    // callback or commitment that would keep the installer seeing it).
    let (customer, job): (String, String) = rusqlite::Connection::open(h.db_path())
        .expect("open server db")
        .query_row(
            "SELECT customer_id, MAX(id) FROM jobs
             WHERE customer_id NOT IN (SELECT customer_id FROM tickets UNION SELECT customer_id FROM callbacks
                                       UNION SELECT customer_id FROM commitments)
             GROUP BY customer_id
             HAVING COUNT(*) = 1 AND MAX(org_id) = 'brightline' ORDER BY customer_id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("a customer with one installer job");
    let agent = h.console("agent", "alice").await;
    let installer = h.console("installer", "dan").await;
    let carrier = h.console("carrier", "priya").await;
    for c in [&agent, &installer, &carrier] {
        synced(c).await;
    }
    let name = installer
        .customer(&customer)
        .expect("the installer sees its customer")
        .customer
        .display_name;
    assert!(carrier.customer(&customer).is_err());

    // Partners cannot move jobs.
    let err = installer
        .reassign_job(&job, "swiftparcel")
        .expect_err("partners cannot reassign");
    assert_eq!(err.code(), ErrorCode::Forbidden);

    agent.reassign_job(&job, "swiftparcel").expect("queued");
    until(
        &installer,
        Duration::from_secs(5),
        "the installer to lose the job and the customer",
        |c| (c.customer(&customer).is_err() && c.cache().job(&job).ok().flatten().is_none()).then_some(()),
    )
    .await;
    until(
        &carrier,
        Duration::from_secs(5),
        "the carrier to receive the job with its customer",
        |c| {
            let view = c.customer(&customer).ok()?;
            view.jobs
                .iter()
                .any(|j| j.id == job && j.org_id == "swiftparcel")
                .then_some(())
        },
    )
    .await;
    assert!(installer
        .search(&name)
        .expect("search")
        .iter()
        .all(|h| h.customer_id != customer));
    for c in [&installer, &carrier] {
        assert_eq!(c.cache().integrity_check().expect("check"), "ok");
    }

    // A reassignment to an organisation that is not a partner is refused by the
    // server, recorded and shown, and does not block the queue.
    agent.reassign_job(&job, "northwind").expect("queued");
    let view = agent
        .set_contact_point(
            story1::CUSTOMER_ID,
            story1::MOTHER_ID,
            story1::MOTHER_MOBILE_ID,
            "07946 000321",
        )
        .expect("a later edit");
    assert!(view.edits.iter().any(|e| e.state == EditState::SavedLocally));
    until(
        &agent,
        Duration::from_secs(5),
        "the refusal to be recorded and the queue to drain",
        |c| {
            let s = c.status();
            (s.rejected == 1 && s.pending == 0).then_some(())
        },
    )
    .await;
    let edits = agent.customer(&customer).expect("customer").edits;
    let refused = edits
        .iter()
        .find(|e| e.target == format!("job:{job}"))
        .expect("the refused edit is listed");
    assert_eq!(refused.state, EditState::Rejected);
    assert!(
        refused.message.as_deref().unwrap_or_default().contains("not a partner"),
        "{refused:?}"
    );
    until(&installer, Duration::from_secs(5), "the later edit to arrive", |c| {
        (mother_mobile(c).as_deref() == Some("+447946000321")).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflicting_edit_keeps_the_replaced_value_for_the_user_to_resolve() {
    let mut h = Harness::start(10).await;
    let alice = h.console("alice", "alice").await;
    let sam = h.console("sam", "sam").await;
    synced(&alice).await;
    synced(&sam).await;

    // Both change the same number from the same starting value while the server is away.
    h.outage(&[&alice, &sam]).await;
    alice
        .set_contact_point(
            story1::CUSTOMER_ID,
            story1::MOTHER_ID,
            story1::MOTHER_MOBILE_ID,
            "07946 000111",
        )
        .expect("edit");
    sam.set_contact_point(
        story1::CUSTOMER_ID,
        story1::MOTHER_ID,
        story1::MOTHER_MOBILE_ID,
        "07946 000222",
    )
    .expect("edit");
    h.restart_server().await;

    // Whichever reaches the server second wins, and its user sees the value it replaced.
    let (winner, loser_value) = tokio::select! {
        _ = until(&alice, Duration::from_secs(15), "a conflict", |c| (c.status().conflicts == 1).then_some(())) => (&alice, "+447946000222"),
        _ = until(&sam, Duration::from_secs(15), "a conflict", |c| (c.status().conflicts == 1).then_some(())) => (&sam, "+447946000111"),
    };
    let view = winner.customer(story1::CUSTOMER_ID).expect("customer");
    let edit = view
        .edits
        .iter()
        .find(|e| e.state == EditState::Conflict)
        .expect("the conflict is on the record")
        .clone();
    assert_eq!(edit.replaced_value.as_deref(), Some(loser_value));

    // The user restores the value they overwrote: every console ends with it.
    let view = winner
        .resolve_edit(&edit.mutation_id, Resolution::RestoreReplaced)
        .expect("resolve");
    assert!(view.edits.iter().all(|e| e.state != EditState::Conflict));
    for c in [&alice, &sam] {
        until(c, Duration::from_secs(10), "the restored value everywhere", |c| {
            let s = c.status();
            (mother_mobile(c).as_deref() == Some(loser_value) && s.pending == 0 && s.conflicts == 0).then_some(())
        })
        .await;
    }
    let err = winner
        .resolve_edit(&edit.mutation_id, Resolution::Keep)
        .expect_err("already resolved");
    assert_eq!(err.code(), ErrorCode::NotFound);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_behind_the_retained_log_resnapshots_and_keeps_its_edits() {
    let mut h = Harness::start(30).await;
    let cfg = h.config("agent");
    let agent = h.console_with(&cfg, "alice").await;
    synced(&agent).await;

    // The console goes away with an edit queued.
    h.outage(&[&agent]).await;
    agent
        .set_contact_point(
            story1::CUSTOMER_ID,
            story1::MOTHER_ID,
            story1::MOTHER_MOBILE_ID,
            "07946 000555",
        )
        .expect("edit");
    drop(agent);
    h.restart_server().await;

    // Meanwhile a colleague edits, and the server trims its log past the console's cursor.
    let sam = h.console("sam", "sam").await;
    synced(&sam).await;
    sam.set_contact_point(
        story1::CUSTOMER_ID,
        story1::SON_ID,
        story1::SON_MOBILE_ID,
        "07946 000666",
    )
    .expect("edit");
    until(&sam, Duration::from_secs(5), "the colleague's edit to sync", |c| {
        (c.status().pending == 0).then_some(())
    })
    .await;
    let server = h.server.as_ref().expect("running");
    assert!(
        server
            .state
            .compact_feed(chrono::Duration::zero())
            .await
            .expect("compact")
            >= 1
    );

    // Back: told its cursor is too old, it takes a new snapshot and loses nothing.
    let agent = Console::resume(cfg).expect("resume").expect("session");
    until(
        &agent,
        Duration::from_secs(15),
        "a fresh snapshot with both edits",
        |c| {
            let s = c.status();
            let view = c.customer(story1::CUSTOMER_ID).ok()?;
            let son = view
                .customer
                .contact_point(story1::SON_ID, story1::SON_MOBILE_ID)?
                .value
                .clone();
            let ok = s.pending == 0
                && s.connectivity == Connectivity::Online
                && son == "+447946000666"
                && mother_mobile(c).as_deref() == Some("+447946000555");
            ok.then_some(())
        },
    )
    .await;
    assert_eq!(agent.cache().integrity_check().expect("check"), "ok");
    until(&sam, Duration::from_secs(5), "the colleague to get the edit", |c| {
        (mother_mobile(c).as_deref() == Some("+447946000555")).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_moves_its_job_along_and_the_retailer_sees_it() {
    let h = Harness::start(10).await;
    let agent = h.console("agent", "alice").await;
    let installer = h.console("installer", "dan").await;
    synced(&agent).await;
    synced(&installer).await;

    let err = installer
        .set_job_status(story1::JOB_ID, JobStatus::Created)
        .expect_err("not a lifecycle move");
    assert_eq!(err.code(), ErrorCode::BadRequest);
    let err = installer
        .set_job_status("job_000002_1", JobStatus::Delayed)
        .expect_err("another partner's job");
    assert_eq!(err.code(), ErrorCode::NotFound);

    installer
        .set_job_status(story1::JOB_ID, JobStatus::EnRoute)
        .expect("queued");
    until(
        &agent,
        Duration::from_secs(5),
        "the agent to see the installer en route",
        |c| {
            let job = c.cache().job(story1::JOB_ID).ok()??;
            (job.status == JobStatus::EnRoute).then_some(())
        },
    )
    .await;
    until(
        &installer,
        Duration::from_secs(5),
        "the installer's edit to be confirmed",
        |c| {
            let s = c.status();
            (s.pending == 0 && s.rejected == 0).then_some(())
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_sends_queued_edits_first_then_leaves_nothing_behind() {
    let mut h = Harness::start(10).await;
    let cfg = h.config("agent");
    let agent = std::sync::Arc::new(h.console_with(&cfg, "alice").await);
    synced(&agent).await;
    let cache_files = || -> Vec<std::path::PathBuf> {
        std::fs::read_dir(cfg.data_dir.join("caches"))
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default()
    };
    assert!(!cache_files().is_empty());
    h.outage(&[&agent]).await;
    agent
        .set_contact_point(
            story1::CUSTOMER_ID,
            story1::MOTHER_ID,
            story1::MOTHER_MOBILE_ID,
            "07946 000777",
        )
        .expect("offline edit");

    // With the server unreachable the edit cannot go: signing out says so and
    // removes nothing.
    let err = agent
        .sign_out(false)
        .await
        .expect_err("refused while an edit is queued");
    let api = err.to_api();
    assert_eq!(api.code, baton_proto::ErrorCode::Unsynced, "{api:?}");
    assert_eq!(api.details.as_ref().and_then(|d| d["pending"].as_u64()), Some(1));
    let account = baton_core::credentials::account(&h.url(), "alice");
    assert!(cfg.secrets.get(&account).expect("store").is_some(), "still signed in");
    assert_eq!(agent.status().pending, 1, "the edit is still queued");

    // Once the server is back, signing out sends it first, then removes the
    // token, the cache and its key.
    h.restart_server().await;
    agent.sign_out(false).await.expect("sign out");
    assert_eq!(
        cfg.secrets.get(&account).expect("store"),
        None,
        "the token left the keyring"
    );
    let key = baton_core::credentials::cache_key_account(&h.url(), "alice");
    assert_eq!(
        cfg.secrets.get(&key).expect("store"),
        None,
        "the cache key left the keyring"
    );
    assert!(cache_files().is_empty(), "no cache left: {:?}", cache_files());
    assert!(
        Console::resume(cfg.clone()).expect("resume").is_none(),
        "nothing to resume"
    );
    let installer = h.console("installer", "dan").await;
    synced(&installer).await;
    assert_eq!(mother_mobile(&installer).as_deref(), Some("+447946000777"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_can_discard_what_cannot_be_sent() {
    let mut h = Harness::start(10).await;
    let cfg = h.config("agent");
    let agent = h.console_with(&cfg, "alice").await;
    synced(&agent).await;
    h.outage(&[&agent]).await;
    agent
        .set_contact_point(
            story1::CUSTOMER_ID,
            story1::MOTHER_ID,
            story1::MOTHER_MOBILE_ID,
            "07946 000778",
        )
        .expect("offline edit");
    agent.sign_out(true).await.expect("sign out, discarding");
    assert!(Console::resume(cfg.clone()).expect("resume").is_none());
    assert!(std::fs::read_dir(cfg.data_dir.join("caches"))
        .map(|d| d.count() == 0)
        .unwrap_or(true));
}

/// A note on the record from the agent (`n` picks its id and text).
fn note(n: &str) -> baton_proto::Intent {
    baton_proto::Intent::AddNote {
        customer_id: story1::CUSTOMER_ID.into(),
        note_id: format!("note-{n}"),
        text: format!("Spoke to Margaret about the bracket ({n})"),
        job_id: Some(story1::JOB_ID.into()),
        ticket_id: None,
        visibility: baton_proto::NoteVisibility::Shared,
    }
}

fn timeline_ids(c: &Console) -> Vec<String> {
    c.customer(story1::CUSTOMER_ID)
        .map(|v| v.customer.timeline.iter().map(|e| e.id.clone()).collect())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_keeps_recent_history_and_fetches_older_on_demand() {
    let h = Harness::start(10).await;
    let agent = h.console("agent", "alice").await;
    synced(&agent).await;
    let count = baton_proto::HISTORY_TAIL + 5;
    for i in 0..count {
        agent.submit(note(&format!("{i:03}"))).expect("queued");
    }
    agent.drain().await.expect("pushed");
    // The agent's console gets every note back through the feed, one record each.
    let last = format!("note-{:03}", count - 1);
    until(&agent, Duration::from_secs(5), "the feed to bring every note", |c| {
        timeline_ids(c).contains(&last).then_some(())
    })
    .await;
    let held = timeline_ids(&agent);
    for i in 0..count {
        assert!(
            held.contains(&format!("note-{i:03}")),
            "note {i} reached the console that wrote it"
        );
    }
    let everything = h.console("second", "alice").await;
    synced(&everything).await;
    // A console that signs in afterwards keeps the newest entries of the record,
    // says older ones exist, and fetches them when the agent asks.
    let view = everything.customer(story1::CUSTOMER_ID).expect("record");
    assert!(view.older_history, "older history is on the server");
    let recent = timeline_ids(&everything);
    assert_eq!(recent.len(), baton_proto::HISTORY_TAIL);
    assert_eq!(
        recent.last().map(String::as_str),
        Some(format!("note-{:03}", count - 1).as_str())
    );
    let full = everything
        .load_full_history(story1::CUSTOMER_ID)
        .await
        .expect("fetched");
    assert!(!full.older_history);
    let all: Vec<String> = full.customer.timeline.iter().map(|e| e.id.clone()).collect();
    assert_eq!(
        all, held,
        "the whole timeline, in the same order as the console that saw it all"
    );

    // A note from the first console arrives after that, as one more entry.
    agent.submit(note("after")).expect("queued");
    agent.drain().await.expect("pushed");
    until(&everything, Duration::from_secs(5), "the new note to arrive", |c| {
        timeline_ids(c).contains(&"note-after".to_string()).then_some(())
    })
    .await;
    assert_eq!(timeline_ids(&everything).len(), all.len() + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_sign_in_shows_progress_and_the_agent_works_before_it_ends() {
    let customers = 3_000;
    let mut h = Harness::start(customers).await;
    // Small pages: the snapshot takes over a thousand requests.
    let mut config = h.config("agent");
    config.sync.snapshot_page_size = 5;
    let agent = h.console_with(&config, "alice").await;
    let first = until(&agent, Duration::from_secs(20), "the first pages", |c| {
        c.status().snapshot.filter(|p| p.received >= 25)
    })
    .await;
    assert!(
        first.total as usize > customers,
        "the snapshot counts customers and jobs: {first:?}"
    );
    // The server goes away part-way: the snapshot stops where it is.
    h.outage(&[&agent]).await;
    let status = agent.status();
    let stalled = status.snapshot.clone().expect("progress stays on screen");
    assert!(status.initial_sync);
    assert!(stalled.received < stalled.total, "{stalled:?}");
    assert_eq!(stalled.total, first.total);

    // What has arrived can be searched, by name too (the name index is only
    // rebuilt when the snapshot ends).
    let hits = agent.search_everywhere("marg hugh").await.expect("search");
    assert!(hits.iter().any(|h| h.customer_id == story1::CUSTOMER_ID), "{hits:?}");
    // A record not yet arrived is asked of the server (offline: it says so).
    let last = format!("cus_{customers:06}");
    assert!(agent.customer(&last).is_err(), "the last customer has not arrived yet");
    let offline = agent
        .open_customer_or_fetch(&last)
        .await
        .expect_err("the server is down");
    assert_ne!(offline.code(), ErrorCode::NotFound, "{offline}");

    // Back online: the agent opens that customer before the snapshot reaches it.
    h.restart_server().await;
    let hits = agent
        .search_everywhere(&format!("C-{}", 100_000 + customers))
        .await
        .expect("search");
    assert!(hits.iter().any(|h| h.customer_id == last), "{hits:?}");
    let view = agent.open_customer_or_fetch(&last).await.expect("fetched on demand");
    assert_eq!(view.customer.id, last);
    assert!(!view.customer.people.is_empty());
    synced(&agent).await;
    assert_eq!(agent.status().snapshot, None, "no progress once complete");
    let (held, _) = agent.cache().counts().expect("counts");
    assert_eq!(held as usize, customers, "every customer once");
    assert_eq!(agent.customer(&last).expect("kept").customer, view.customer);
}

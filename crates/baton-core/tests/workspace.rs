//! The console's home views, search by order and ticket number, "changed since
//! you looked", due-callback announcements and record actions, through real
//! consoles (real cache files) synced with a real server.

mod common;

use std::time::Duration;

use baton_core::view::{JobBoardFilter, MatchKind, TicketFilter};
use baton_proto::{ErrorCode, Intent, JobStatus};
use baton_server::demo::{story1, story3, story4};
use chrono::{SubsecRound, Utc};
use common::{synced, until, Harness};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_views_and_number_search_come_from_the_cache() {
    let h = Harness::start(40).await;
    let alice = h.console("agent", "alice").await;
    let dan = h.console("installer", "dan").await;
    synced(&alice).await;
    synced(&dan).await;

    // The agent's tickets: story 4's complaint, which Alice opened.
    let mine = alice
        .tickets(&TicketFilter {
            owner_user_id: Some("usr_alice".into()),
            ..TicketFilter::default()
        })
        .expect("tickets");
    assert!(mine.iter().any(|t| t.ticket.id == story4::TICKET_ID), "{mine:?}");
    // The installer sees the same ticket as escalated to it.
    let escalated = dan
        .tickets(&TicketFilter {
            escalated_to: Some("brightline".into()),
            ..TicketFilter::default()
        })
        .expect("tickets");
    assert!(escalated.iter().any(|t| t.ticket.id == story4::TICKET_ID));

    // The installer's board: only its own jobs, each with its next statuses.
    let board = dan
        .jobs_board(&JobBoardFilter {
            unscheduled: true,
            ..JobBoardFilter::default()
        })
        .expect("board");
    assert!(!board.is_empty());
    assert!(board.iter().all(|r| r.job.org_id == "brightline"));
    let story1_job = board
        .iter()
        .find(|r| r.job.id == story1::JOB_ID)
        .expect("story 1's job");
    assert_eq!(story1_job.next, story1_job.job.status.next());
    assert!(!story1_job.customer_name.is_empty());
    // The row names whom the installer calls: the mother on site, on her
    // number for appointments, not the son who holds the account.
    let contact = story1_job.contact.as_ref().expect("the job's contact");
    assert_eq!(contact.person_id, story1::MOTHER_ID);
    assert_eq!(contact.name, story1::MOTHER_NAME);
    assert_eq!(contact.phone.as_deref(), Some(story1::MOTHER_MOBILE));
    // The retailer's board names both: the mother to call, the son's account.
    let retail = alice
        .jobs_board(&JobBoardFilter {
            org_id: Some("brightline".into()),
            unscheduled: true,
            ..JobBoardFilter::default()
        })
        .expect("board");
    let row = retail
        .iter()
        .find(|r| r.job.id == story1::JOB_ID)
        .expect("story 1's job");
    assert_eq!(row.customer_name, "Arthur Hughes");
    assert_eq!(row.contact.as_ref().map(|c| c.name.as_str()), Some(story1::MOTHER_NAME));
    // A range keeps appointments inside it; a backwards range is refused.
    let now = Utc::now();
    let week = dan
        .jobs_board(&JobBoardFilter {
            from: Some(now - chrono::Duration::days(1)),
            to: Some(now + chrono::Duration::days(7)),
            ..JobBoardFilter::default()
        })
        .expect("board");
    assert!(week.iter().all(|r| r
        .job
        .appointment_start
        .is_some_and(|s| s >= now - chrono::Duration::days(1) && s < now + chrono::Duration::days(7))));
    let backwards = dan.jobs_board(&JobBoardFilter {
        from: Some(now),
        to: Some(now - chrono::Duration::hours(1)),
        ..JobBoardFilter::default()
    });
    assert_eq!(backwards.err().map(|e| e.to_api().code), Some(ErrorCode::BadRequest));

    // Order and ticket numbers find their customer, any case.
    let by_order = alice.search("o-300003").expect("search");
    assert_eq!(by_order[0].customer_id, story3::CUSTOMER_ID);
    assert_eq!(by_order[0].match_kind, MatchKind::OrderNumber);
    let ticket_number = &mine
        .iter()
        .find(|t| t.ticket.id == story4::TICKET_ID)
        .expect("ticket")
        .ticket
        .number;
    let by_ticket = alice.search(ticket_number).expect("search");
    assert_eq!(by_ticket[0].customer_id, story4::CUSTOMER_ID);
    assert_eq!(by_ticket[0].match_kind, MatchKind::TicketNumber);
    // The installer cannot find a customer it has no job for.
    assert!(dan.search("O-300003").expect("search").is_empty());

    // Queue rows name whom to call too: a callback booked against the job with
    // no person named goes to the job's contact, on the number it was booked with;
    // a promise about the job names the same person.
    let soon = now + chrono::Duration::hours(2);
    for intent in [
        Intent::ScheduleCallback {
            customer_id: story1::CUSTOMER_ID.into(),
            callback_id: "cb_who".into(),
            owner_org_id: "brightline".into(),
            owner_user_id: None,
            person_id: None,
            phone: story1::MOTHER_HOME.into(),
            request: "Ring before you come".into(),
            due_at: Some(soon),
            due_until: None,
            trigger: None,
            job_id: Some(story1::JOB_ID.into()),
        },
        Intent::RecordCommitment {
            customer_id: story1::CUSTOMER_ID.into(),
            commitment_id: "cm_who".into(),
            text: "Bring the longer bracket".into(),
            due_at: soon,
            owner_org_id: "brightline".into(),
            ticket_id: None,
            job_id: Some(story1::JOB_ID.into()),
        },
    ] {
        alice.submit(intent).expect("queued");
    }
    let rows = until(
        &dan,
        Duration::from_secs(10),
        "both follow-ups on the installer's queue",
        |d| {
            let rows = d.follow_ups(&baton_core::view::FollowUpFilter::default()).ok()?;
            let pick = |id: &str| rows.iter().find(|r| r.id == id).cloned();
            Some((pick("cb_who")?, pick("cm_who")?))
        },
    )
    .await;
    for row in [&rows.0, &rows.1] {
        let contact = row.contact.as_ref().expect("whom to call");
        assert_eq!(
            (contact.person_id.as_str(), contact.name.as_str()),
            (story1::MOTHER_ID, story1::MOTHER_NAME)
        );
        // The installer sees only the people its job names: the mother is the customer to it.
        assert_eq!(row.whom(), story1::MOTHER_NAME);
    }
    assert_eq!(
        rows.0.contact.as_ref().and_then(|c| c.phone.as_deref()),
        Some(story1::MOTHER_HOME)
    );
    assert_eq!(
        rows.1.contact.as_ref().and_then(|c| c.phone.as_deref()),
        Some(story1::MOTHER_MOBILE)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_marks_what_others_changed_since_the_user_last_opened_it() {
    let h = Harness::start(20).await;
    let dan = h.console("installer", "dan").await;
    let alice = h.console("agent", "alice").await;
    synced(&dan).await;
    synced(&alice).await;
    let c = story1::CUSTOMER_ID;

    // The first opening has nothing to compare with: no markers.
    let first = dan.open_customer(c).expect("open");
    assert!(first.last_viewed_at.is_none() && first.changes.is_empty());
    // Opened again: compares with the first opening; nothing changed since.
    let second = dan.open_customer(c).expect("open");
    assert!(second.last_viewed_at.is_some());
    assert!(second.changes.is_empty(), "{:?}", second.changes);

    // The retailer's agent changes the mother's mobile (story 1).
    alice
        .set_contact_point(c, story1::MOTHER_ID, story1::MOTHER_MOBILE_ID, "07946 000999")
        .expect("edit");
    let target = format!("contact:{}", story1::MOTHER_MOBILE_ID);
    let marker = until(
        &dan,
        Duration::from_secs(10),
        "the change to reach the installer",
        |d| d.customer(c).ok()?.changes.into_iter().find(|m| m.target == target),
    )
    .await;
    assert_eq!(marker.by, "Alice Carter (Northwind Electricals)");
    assert!(marker.what.contains(story1::MOTHER_NAME), "{}", marker.what);
    // Every timeline entry the installer sees from after its last look is
    // marked new, and the markers stay while the record is on screen.
    let view = dan.customer(c).expect("record");
    let since = view.last_viewed_at.expect("viewed before");
    for e in view.customer.timeline.iter().filter(|e| e.at > since) {
        let t = format!("timeline:{}", e.id);
        assert!(view.changes.iter().any(|m| m.target == t), "{e:?} is not marked");
    }
    assert!(dan
        .refresh_customer(c)
        .expect("record")
        .changes
        .iter()
        .any(|m| m.target == target));
    // Opened again later: the change was on screen; no marker.
    let reopened = dan.open_customer(c).expect("open");
    assert!(!reopened.changes.iter().any(|m| m.target == target));

    // Alice's own change is never "changed since you looked" for Alice.
    alice.open_customer(c).expect("open");
    let own = alice.open_customer(c).expect("open");
    assert!(!own.changes.iter().any(|m| m.target == target));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owned_callback_is_announced_once_when_it_comes_due() {
    let h = Harness::start(20).await;
    let alice = h.console("agent", "alice").await;
    synced(&alice).await;
    let due = Utc::now() + chrono::Duration::minutes(30);
    alice
        .submit(Intent::ScheduleCallback {
            customer_id: story1::CUSTOMER_ID.into(),
            callback_id: "cb_alice_own".into(),
            owner_org_id: "northwind".into(),
            owner_user_id: Some("usr_alice".into()),
            person_id: Some(story1::MOTHER_ID.into()),
            phone: story1::MOTHER_MOBILE.into(),
            request: "Confirm the new installation slot".into(),
            due_at: Some(due),
            due_until: None,
            trigger: None,
            job_id: Some(story1::JOB_ID.into()),
        })
        .expect("queued");
    until(&alice, Duration::from_secs(10), "the callback to sync", |a| {
        a.follow_ups(&baton_core::view::FollowUpFilter::default())
            .ok()?
            .into_iter()
            .find(|r| r.id == "cb_alice_own")
    })
    .await;
    assert_eq!(alice.next_callback_due().expect("next"), Some(due.trunc_subsecs(0)));
    let cache = alice.cache();
    assert!(
        cache
            .take_due_callbacks("usr_alice", Utc::now())
            .expect("due")
            .is_empty(),
        "not due yet"
    );
    let at_due = due + chrono::Duration::seconds(1);
    let fired = cache.take_due_callbacks("usr_alice", at_due).expect("due");
    assert_eq!(
        fired.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["cb_alice_own"]
    );
    assert!(
        cache.take_due_callbacks("usr_alice", at_due).expect("due").is_empty(),
        "announced once"
    );
    assert!(
        cache.take_due_callbacks("usr_sam", at_due).expect("due").is_empty(),
        "only its owner is told"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_actions_are_checked_before_they_are_queued_and_confirmed_by_the_server() {
    let h = Harness::start(20).await;
    let alice = h.console("agent", "alice").await;
    synced(&alice).await;
    let c = story1::CUSTOMER_ID;
    let refused = |intent: Intent| alice.submit(intent).err().map(|e| e.to_api().code);

    // Mistakes are refused at the boundary, with nothing queued.
    assert_eq!(
        refused(Intent::AddNote {
            customer_id: c.into(),
            note_id: "n1".into(),
            text: "  ".into(),
            job_id: None,
            ticket_id: None,
            visibility: baton_proto::NoteVisibility::Shared,
        }),
        Some(ErrorCode::BadRequest)
    );
    assert_eq!(
        refused(Intent::ScheduleCallback {
            customer_id: c.into(),
            callback_id: "cb1".into(),
            owner_org_id: "brightline".into(),
            owner_user_id: None,
            person_id: None,
            phone: "not a number".into(),
            request: "call".into(),
            due_at: Some(Utc::now()),
            due_until: None,
            trigger: None,
            job_id: None,
        }),
        Some(ErrorCode::InvalidPhone)
    );
    assert_eq!(
        refused(Intent::SendConfirmation {
            customer_id: c.into(),
            confirmation_id: "cf1".into(),
            person_id: Some("per_nobody".into()),
            text: "Your visit is on Tuesday".into(),
            template_id: None,
        }),
        Some(ErrorCode::NotFound)
    );
    assert_eq!(alice.status().pending, 0);

    // A confirmation the agent writes reaches the record with its delivery state.
    alice
        .submit(Intent::SendConfirmation {
            customer_id: c.into(),
            confirmation_id: "cf_visit".into(),
            person_id: Some(story1::MOTHER_ID.into()),
            text: "Your installation is booked for Tuesday between 10:00 and 12:00.".into(),
            template_id: None,
        })
        .expect("queued");
    let sent = until(&alice, Duration::from_secs(10), "the confirmation on the record", |a| {
        a.customer(c)
            .ok()?
            .customer
            .confirmations
            .into_iter()
            .find(|f| f.id == "cf_visit")
    })
    .await;
    assert_eq!(sent.person_id.as_deref(), Some(story1::MOTHER_ID));
    assert_eq!(sent.changed_by, "Alice Carter (Northwind Electricals)");
    let view = alice.customer(c).expect("record");
    let edit = view
        .edits
        .iter()
        .find(|e| e.target == "confirmation:cf_visit")
        .expect("the action's sync state");
    assert_eq!(edit.state, baton_core::view::EditState::Synced);

    // A job status from the record: the lifecycle is offered and enforced.
    let job = view.jobs.iter().find(|j| j.id == story1::JOB_ID).expect("job");
    let moves = &view.job_moves.iter().find(|m| m.job_id == job.id).expect("moves").next;
    assert!(moves.contains(&JobStatus::EnRoute));
    assert!(!moves.contains(&JobStatus::Created));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_caller_becomes_a_customer_at_once_and_gets_its_number_from_the_server() {
    let h = Harness::start(20).await;
    let alice = h.console("agent", "alice").await;
    let dan = h.console("installer", "dan").await;
    synced(&alice).await;
    synced(&dan).await;
    let create = |id: &str| Intent::CreateCustomer {
        customer_id: id.into(),
        person_id: format!("per_{id}"),
        contact_point_id: format!("cp_{id}"),
        name: " Nora Quinn ".into(),
        phone: "07946 000666".into(),
    };
    // A partner cannot create customers; nothing is queued.
    assert_eq!(
        dan.submit(create("cus_dan")).err().map(|e| e.to_api().code),
        Some(ErrorCode::Forbidden)
    );
    let bad_number = Intent::CreateCustomer {
        customer_id: "cus_bad".into(),
        person_id: "per_bad".into(),
        contact_point_id: "cp_bad".into(),
        name: "Nora".into(),
        phone: "not a number".into(),
    };
    assert_eq!(
        alice.submit(bad_number).err().map(|e| e.to_api().code),
        Some(ErrorCode::InvalidPhone)
    );
    assert_eq!(alice.status().pending, 0);

    alice.submit(create("cus_nora")).expect("queued");
    // On screen and found by the number at once, before the server answers.
    let hits = alice.search("07946 000666").expect("search");
    assert_eq!(hits.first().map(|h| h.customer_id.as_str()), Some("cus_nora"));
    // The server's copy brings the account number.
    let number = until(&alice, Duration::from_secs(10), "the account number", |a| {
        let v = a.customer("cus_nora").ok()?;
        v.customer.number.starts_with("C-").then_some(v.customer.number)
    })
    .await;
    let view = alice.customer("cus_nora").expect("record");
    assert_eq!(view.customer.display_name, "Nora Quinn");
    assert_eq!(view.customer.people[0].contacts[0].value, "+447946000666");
    assert!(alice
        .search(&number)
        .expect("search")
        .iter()
        .any(|h| h.customer_id == "cus_nora"));

    // Created twice (another desk got there first): refused, and the record stays.
    let again = alice.submit(create("cus_nora")).expect_err("already exists");
    assert_eq!(again.to_api().code, ErrorCode::Conflict);
    assert_eq!(alice.customer("cus_nora").expect("record").customer.number, number);
}

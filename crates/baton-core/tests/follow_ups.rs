//! Stories 2 and 3 end to end: real consoles (baton-core, real cache files) on a
//! real server that sends confirmations to a real SMTP server, with the server's
//! clock injected so due times pass without waiting.

mod common;

use std::time::{Duration, Instant};

use baton_core::Console;
use baton_proto::{CallbackStatus, CallbackTrigger, Customer, DeliveryStatus, EscalationLevel, Intent, JobStatus};
use baton_server::clock::ManualClock;
use baton_server::delivery::DeliveryConfig;
use baton_server::demo::{carrier_only, story2, story3};
use baton_testkit::{free_port, Smtp};
use common::{synced, until, Harness};

fn customer(c: &Console, id: &str) -> Option<Customer> {
    c.customer(id).ok().map(|v| v.customer)
}

/// Waits for an email containing `text` (the server sends when woken by the edit).
fn email_with(smtp: &Smtp, text: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(m) = smtp.messages().into_iter().find(|m| m.contains(text)) {
            return m;
        }
        assert!(Instant::now() < deadline, "no email containing {text:?} arrived");
        std::thread::sleep(Duration::from_millis(50));
    }
}

async fn start(clock: &ManualClock, smtp_port: u16) -> Harness {
    let clock = clock.clone();
    Harness::start_with(60, move |s| {
        s.clock = std::sync::Arc::new(clock);
        // The clock jumps by days here; a sign-in outlives it (sessions.rs tests lifetimes).
        s.sessions.idle = chrono::Duration::days(3650);
        s.sessions.absolute = chrono::Duration::days(3650);
        s.delivery = DeliveryConfig {
            smtp_url: Some(format!("smtp://127.0.0.1:{smtp_port}")),
            email_from: Some("Northwind Electricals <care@northwind.example>".into()),
            sms_url: None,
            sms_token: None,
            time_zone: None,
            smtp_credentials: None,
            public_url: None,
        };
        s.deliver_every = Some(Duration::from_secs(3600)); // woken by every edit
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn story2_the_carrier_console_gets_the_callback_the_moment_the_parcel_is_at_the_depot() {
    let smtp_port = free_port();
    let smtp = Smtp::start(smtp_port);
    let clock = ManualClock::new(chrono::Utc::now());
    let h = start(&clock, smtp_port).await;
    let agent = h.console("agent", "alice").await;
    let carrier = h.console("carrier", "priya").await;
    synced(&agent).await;
    synced(&carrier).await;

    // The retailer's chat agent logs the customer's request against the carrier's job.
    agent
        .submit(Intent::ScheduleCallback {
            customer_id: story2::CUSTOMER_ID.into(),
            callback_id: "cb_e2e".into(),
            owner_org_id: "swiftparcel".into(),
            owner_user_id: None,
            person_id: Some("per_000002_1".into()),
            phone: carrier_only::MOBILE.into(),
            request: "Leave the parcel with the neighbour at 29".into(),
            due_at: None,
            due_until: None,
            trigger: Some(CallbackTrigger::JobStatus {
                job_id: story2::JOB_ID.into(),
                status: JobStatus::AtDepot,
            }),
            job_id: Some(story2::JOB_ID.into()),
        })
        .expect("queued");
    let status_of = |c: &Console| {
        customer(c, story2::CUSTOMER_ID)?
            .callbacks
            .into_iter()
            .find(|cb| cb.id == "cb_e2e")
            .map(|cb| cb.status)
    };
    until(
        &carrier,
        Duration::from_secs(10),
        "the carrier to see the waiting callback",
        |c| (status_of(c) == Some(CallbackStatus::Waiting)).then_some(()),
    )
    .await;

    // The customer is told, by email, what was recorded and by whom.
    let mail = email_with(&smtp, "Leave the parcel with the neighbour at 29");
    assert!(mail.contains("To: bethany.cole@example.com"), "{mail}");
    assert!(mail.contains("Alice Carter (Northwind Electricals)"), "{mail}");

    // The parcel reaches the depot: the callback is in the carrier's queue at once.
    carrier
        .set_job_status(story2::JOB_ID, JobStatus::AtDepot)
        .expect("queued");
    until(
        &carrier,
        Duration::from_secs(10),
        "the callback to enter the carrier's queue",
        |c| (status_of(c) == Some(CallbackStatus::Queued)).then_some(()),
    )
    .await;
    // And the agent's console shows the confirmation as sent.
    until(
        &agent,
        Duration::from_secs(10),
        "the confirmation to show as sent",
        |c| {
            customer(c, story2::CUSTOMER_ID)?
                .confirmations
                .iter()
                .any(|f| f.summary.contains("neighbour at 29") && f.status == DeliveryStatus::Sent)
                .then_some(())
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn story3_an_unkept_promise_reaches_the_partners_supervisors_live() {
    let smtp_port = free_port();
    let smtp = Smtp::start(smtp_port);
    let clock = ManualClock::new(chrono::Utc::now());
    let h = start(&clock, smtp_port).await;
    let partner = h.console("partner", "lena").await;
    synced(&partner).await;

    // The partner promises an email within 24 hours; the customer is told.
    partner
        .submit(Intent::RecordCommitment {
            customer_id: story3::CUSTOMER_ID.into(),
            commitment_id: "com_e2e".into(),
            text: "Send the back issues as PDFs".into(),
            due_at: baton_server::clock::Clock::now(&clock) + chrono::Duration::hours(24),
            owner_org_id: "pageturn".into(),
            ticket_id: None,
            job_id: Some(story3::JOB_ID.into()),
        })
        .expect("queued");
    let mail = email_with(&smtp, "Send the back issues as PDFs");
    assert!(mail.contains(&format!("To: {}", story3::EMAIL)), "{mail}");

    // A day passes and the promise is not kept: the sweep escalates it, and the
    // partner's console hears of it through its feed.
    until(&partner, Duration::from_secs(10), "the commitment in the cache", |c| {
        customer(c, story3::CUSTOMER_ID)?
            .commitments
            .iter()
            .any(|x| x.id == "com_e2e")
            .then_some(())
    })
    .await;
    clock.advance(chrono::Duration::hours(25));
    let server = h.server.as_ref().expect("server");
    assert!(server.state.sweep(None).await.expect("sweep").escalated >= 1);
    let level = until(
        &partner,
        Duration::from_secs(10),
        "the escalation to reach the console",
        |c| {
            customer(c, story3::CUSTOMER_ID)?
                .commitments
                .into_iter()
                .find(|x| x.id == "com_e2e")?
                .escalation
                .map(|e| e.level)
        },
    )
    .await;
    assert_eq!(level, EscalationLevel::OwnerSupervisor);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_console_reviews_overdue_callbacks_and_reschedules_them_in_bulk() {
    use baton_core::view::{FollowUpFilter, FollowUpRef, QueueAction};
    use baton_proto::{ErrorCode, FollowUp, FollowUpKind};
    let smtp_port = free_port();
    let _smtp = Smtp::start(smtp_port);
    let clock = ManualClock::new(chrono::Utc::now());
    let h = start(&clock, smtp_port).await;
    let agent = h.console("agent", "alice").await;
    let supervisor = h.console("supervisor", "sam").await;
    synced(&agent).await;
    synced(&supervisor).await;

    let t0 = baton_server::clock::Clock::now(&clock);
    for i in 0..3 {
        agent
            .submit(Intent::ScheduleCallback {
                customer_id: baton_server::demo::story1::CUSTOMER_ID.into(),
                callback_id: format!("cb_sup{i}"),
                owner_org_id: "brightline".into(),
                owner_user_id: None,
                person_id: None,
                phone: baton_server::demo::story1::MOTHER_MOBILE.into(),
                request: format!("Question {i}"),
                due_at: Some(t0 - chrono::Duration::hours(1)),
                due_until: None,
                trigger: None,
                job_id: None,
            })
            .expect("queued");
    }
    let ours = |rows: &[baton_core::view::FollowUpRow]| rows.iter().filter(|r| r.id.starts_with("cb_sup")).count();
    until(&agent, Duration::from_secs(10), "the callbacks to sync", |c| {
        (c.status().pending == 0).then_some(())
    })
    .await;
    let server = h.server.as_ref().expect("server");
    assert!(server.state.sweep(None).await.expect("sweep").escalated >= 3);

    let overdue = FollowUpFilter {
        overdue_only: true,
        owner_org_id: Some("brightline".into()),
        ..Default::default()
    };
    let rows = until(
        &supervisor,
        Duration::from_secs(10),
        "the escalated callbacks in the queue",
        |c| {
            let rows = c.follow_ups(&overdue).ok()?;
            (ours(&rows) == 3
                && rows
                    .iter()
                    .filter(|r| r.id.starts_with("cb_sup"))
                    .all(|r| r.escalation.is_some()))
            .then_some(rows)
        },
    )
    .await;
    assert!(rows[0].overdue, "overdue first");
    let counts = supervisor.queue_counts().expect("counts");
    let brightline = counts.iter().find(|c| c.org_id == "brightline").expect("brightline");
    assert!(
        brightline.callbacks_overdue >= 3 && brightline.callbacks_escalated >= 3,
        "{brightline:?}"
    );

    let refs: Vec<FollowUpRef> = rows
        .iter()
        .filter(|r| r.id.starts_with("cb_sup"))
        .map(|r| FollowUpRef {
            customer_id: r.customer_id.clone(),
            item: FollowUp {
                kind: FollowUpKind::Callback,
                id: r.id.clone(),
            },
        })
        .collect();
    let later = QueueAction::Reschedule {
        due_at: chrono::Utc::now() + chrono::Duration::hours(2),
        due_until: None,
    };
    // Agents cannot; supervisors can, for all of them at once.
    let err = agent.act_on_follow_ups(&refs, &later).expect_err("agents cannot");
    assert_eq!(err.code(), ErrorCode::Forbidden);
    assert_eq!(supervisor.act_on_follow_ups(&refs, &later).expect("queued"), 3);
    until(
        &supervisor,
        Duration::from_secs(10),
        "the rescheduled callbacks to leave the overdue queue",
        |c| {
            let all = c.follow_ups(&FollowUpFilter::default()).ok()?;
            let left = c.follow_ups(&overdue).ok()?;
            (ours(&left) == 0
                && all
                    .iter()
                    .filter(|r| r.id.starts_with("cb_sup"))
                    .all(|r| r.escalation.is_none() && !r.overdue))
            .then_some(())
        },
    )
    .await;
}

/// Minutes from `from` to `to` in which a London weekday 08:00–18:00 shop is
/// open, closed on `holidays`: counted minute by minute, as a check on the
/// calendar arithmetic that does not use it.
fn open_minutes_by_counting(
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
    holidays: &[chrono::NaiveDate],
) -> i64 {
    use chrono::{Datelike, Timelike};
    let mut n = 0;
    let mut at = from;
    while at < to {
        let local = at.with_timezone(&chrono_tz::Europe::London);
        let minute = local.hour() * 60 + local.minute();
        if local.weekday().num_days_from_monday() < 5
            && (8 * 60..18 * 60).contains(&minute)
            && !holidays.contains(&local.date_naive())
        {
            n += 1;
        }
        at += chrono::Duration::minutes(1);
    }
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_console_shows_business_time_left_in_its_own_hours_offline_too() {
    use baton_core::view::FollowUpFilter;
    use baton_proto::{BusinessCalendar, ClockTime, Holiday, OpeningHours, Weekday};
    let clock = ManualClock::new(chrono::Utc::now());
    let mut h = start(&clock, free_port()).await;
    let now = chrono::Utc::now();
    let holidays = [
        (now + chrono::Duration::days(2)).date_naive(),
        (now + chrono::Duration::days(3)).date_naive(),
    ];
    let at = |s: &str| ClockTime::try_from(s.to_string()).expect("clock time");
    let calendar = BusinessCalendar {
        time_zone: "Europe/London".into(),
        hours: Weekday::ALL[..5]
            .iter()
            .map(|&day| OpeningHours {
                day,
                opens: at("08:00"),
                closes: at("18:00"),
            })
            .collect(),
        holidays: holidays
            .iter()
            .map(|&date| Holiday {
                date,
                name: "Closed".into(),
            })
            .collect(),
    };
    let admin = h.console("admin", "ada").await;
    let set = admin
        .admin_set_calendar("swiftparcel", &calendar)
        .await
        .expect("hours set");
    assert_eq!(set.calendar.map(|c| c.hours.len()), Some(5));

    let carrier = h.console("carrier", "priya").await;
    synced(&carrier).await;
    let orgs = carrier.orgs().await.expect("orgs");
    assert!(orgs.iter().any(|o| o.org.id == "swiftparcel" && o.calendar.is_some()));
    let due = now + chrono::Duration::days(6);
    carrier
        .submit(Intent::ScheduleCallback {
            customer_id: story2::CUSTOMER_ID.into(),
            callback_id: "cb_hours".into(),
            owner_org_id: "swiftparcel".into(),
            owner_user_id: None,
            person_id: None,
            phone: carrier_only::MOBILE.into(),
            request: "Call after the holidays".into(),
            due_at: Some(due),
            due_until: None,
            trigger: None,
            job_id: None,
        })
        .expect("queued");
    // Casework appears when the server's document does (its owner's name, its
    // status are the server's): wait for it in the queue, not just for the ack.
    until(
        &carrier,
        Duration::from_secs(10),
        "the callback in the carrier's queue",
        |c| {
            c.follow_ups(&FollowUpFilter::default())
                .ok()
                .filter(|rows| rows.iter().any(|r| r.id == "cb_hours"))
                .map(|_| ())
        },
    )
    .await;

    // Offline, the queue still measures it in the carrier's hours.
    h.outage(&[&carrier]).await;
    let rows = carrier.follow_ups(&FollowUpFilter::default()).expect("queue");
    let row = rows.iter().find(|r| r.id == "cb_hours").expect("the callback");
    let left = row.business.as_ref().expect("measured in business hours");
    let counted = open_minutes_by_counting(chrono::Utc::now(), due, &holidays);
    // The queue was read a moment before the count: at most a minute apart.
    assert!((left.minutes - counted).abs() <= 1, "{} vs {counted}", left.minutes);
    assert!(
        left.minutes < 6 * 24 * 60,
        "nights, a weekend and two holidays are not counted"
    );
    // A retailer-owned item (open around the clock) has no business measure.
    assert!(rows
        .iter()
        .filter(|r| r.owner_org_id == "northwind")
        .all(|r| r.business.is_none()));
}

//! The follow-up engine with an injected clock (no sleeps): callbacks that wait
//! for a condition, the retry policy, and the escalation of overdue callbacks and
//! commitments — once, across restarts.

use baton_proto::{CallbackItem, CommitmentItem, Customer, EscalationLevel, TimelineKind};
use baton_server::clock::ManualClock;
use baton_server::demo::{story1, story2, story3};
use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::json;

mod common;
use common::Api;

async fn get<T: DeserializeOwned>(api: &Api, token: &str, path: &str) -> T {
    let (status, body) = api.get(token, path).await;
    assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
    serde_json::from_value(body).unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

fn start() -> (ManualClock, DateTime<Utc>) {
    let clock = ManualClock::new(Utc::now());
    let t0 = baton_server::clock::Clock::now(&clock);
    (clock, t0)
}

fn escalations(c: &Customer) -> usize {
    c.timeline.iter().filter(|e| e.kind == TimelineKind::Escalated).count()
}

#[tokio::test]
async fn an_overdue_callback_goes_to_the_owners_supervisors_then_the_retailers_once_each() {
    let (clock, _) = start();
    let api = Api::start_at(clock.clone()).await;
    let priya = api.login("priya").await;
    let sam = api.login("sam").await;
    let cb = format!("/callbacks/{}", story2::CALLBACK_ID);

    // Waiting for its condition: never overdue, whatever the time (the stories'
    // commitments, due within two days, do escalate meanwhile).
    clock.advance(Duration::days(3));
    api.server.state.sweep(None).await.expect("sweep");
    let waiting: CallbackItem = get(&api, &priya, &cb).await;
    assert!(waiting.callback.escalation.is_none());

    api.apply(
        &priya,
        json!({"type": "set_job_status", "customer_id": story2::CUSTOMER_ID, "job_id": story2::JOB_ID,
               "status": "at_depot", "base_status": "en_route"}),
    )
    .await;
    let queued: CallbackItem = get(&api, &priya, &cb).await;
    let due = queued.callback.due_at.expect("due once the condition holds");
    assert_eq!(
        due - clock_now(&api),
        Duration::minutes(120),
        "the triggered-callback SLA"
    );

    let cursor = api.changes(&priya, 0).await.cursor;
    clock.advance(Duration::minutes(119));
    assert_eq!(
        api.server.state.sweep(None).await.expect("sweep").escalated,
        0,
        "not overdue yet"
    );
    clock.advance(Duration::minutes(2));
    assert_eq!(api.server.state.sweep(None).await.expect("sweep").escalated, 1);
    let item: CallbackItem = get(&api, &priya, &cb).await;
    let esc = item.callback.escalation.expect("escalated");
    assert_eq!(esc.level, EscalationLevel::OwnerSupervisor);
    assert!(esc.reason.starts_with("overdue since"), "{}", esc.reason);
    // The owning consoles hear of it through their feed.
    let feed = api.changes(&priya, cursor).await;
    assert!(!feed.changes.is_empty(), "the carrier's consoles are told");

    // Sweeping again changes nothing.
    assert_eq!(api.server.state.sweep(None).await.expect("sweep").escalated, 0);
    // A partner's item overdue beyond the threshold reaches the retailer's supervisors.
    clock.advance(Duration::hours(4));
    assert_eq!(api.server.state.sweep(None).await.expect("sweep").escalated, 1);
    let item: CallbackItem = get(&api, &sam, &cb).await;
    assert_eq!(
        item.callback.escalation.map(|e| e.level),
        Some(EscalationLevel::RetailerSupervisor)
    );
    assert_eq!(api.server.state.sweep(None).await.expect("sweep").escalated, 0);
    let c: Customer = get(&api, &sam, &format!("/customers/{}", story2::CUSTOMER_ID)).await;
    assert_eq!(escalations(&c), 2, "one timeline entry per escalation");
}

fn clock_now(api: &Api) -> DateTime<Utc> {
    api.server.state.now()
}

#[tokio::test]
async fn an_unkept_promise_escalates_automatically() {
    let (clock, _) = start();
    let api = Api::start_at(clock.clone()).await;
    let lena = api.login("lena").await;
    let path = format!("/commitments/{}", story3::COMMITMENT_ID);
    clock.advance(Duration::hours(23));
    api.server.state.sweep(None).await.expect("sweep");
    let item: CommitmentItem = get(&api, &lena, &path).await;
    assert!(item.commitment.escalation.is_none());
    clock.advance(Duration::hours(2));
    api.server.state.sweep(None).await.expect("sweep");
    let item: CommitmentItem = get(&api, &lena, &path).await;
    assert_eq!(
        item.commitment.escalation.map(|e| e.level),
        Some(EscalationLevel::OwnerSupervisor),
        "PageTurn's supervisors see the broken promise"
    );
    // Kept after all: it leaves the queue as kept, with its history.
    api.apply(
        &lena,
        json!({"type": "resolve_commitment", "customer_id": story3::CUSTOMER_ID,
               "commitment_id": story3::COMMITMENT_ID, "status": "kept"}),
    )
    .await;
    clock.advance(Duration::days(2));
    api.server.state.sweep(None).await.expect("sweep");
    let item: CommitmentItem = get(&api, &lena, &path).await;
    assert_eq!(
        item.commitment.escalation.map(|e| e.level),
        Some(EscalationLevel::OwnerSupervisor),
        "a resolved commitment does not escalate further"
    );
}

#[tokio::test]
async fn a_sweep_cut_short_by_a_restart_loses_nothing_and_doubles_nothing() {
    let (clock, t0) = start();
    let api = Api::start_at(clock.clone()).await;
    let alice = api.login("alice").await;
    for i in 0..10 {
        api.apply(
            &alice,
            json!({"type": "schedule_callback", "customer_id": story1::CUSTOMER_ID, "callback_id": format!("cb_r{i}"),
                   "owner_org_id": "northwind", "phone": story1::MOTHER_MOBILE, "request": format!("Call {i}"),
                   "due_at": t0 + Duration::minutes(10 + i)}),
        )
        .await;
    }
    clock.advance(Duration::hours(1));
    let err = api
        .server
        .state
        .sweep(Some(4))
        .await
        .expect_err("the sweep dies part-way");
    assert!(err.to_string().contains("interrupted"));
    let c: Customer = get(&api, &alice, &format!("/customers/{}", story1::CUSTOMER_ID)).await;
    assert_eq!(escalations(&c), 0, "a sweep that died left nothing behind");
    assert!(c.callbacks.iter().all(|cb| cb.escalation.is_none()));

    let api = api.restart(clock.clone()).await;
    let alice = api.login("alice").await;
    assert_eq!(api.server.state.sweep(None).await.expect("sweep").escalated, 10);
    assert_eq!(api.server.state.sweep(None).await.expect("sweep").escalated, 0);
    let c: Customer = get(&api, &alice, &format!("/customers/{}", story1::CUSTOMER_ID)).await;
    assert_eq!(escalations(&c), 10, "every overdue callback escalated exactly once");
    assert!(c.callbacks.iter().filter(|cb| cb.id.starts_with("cb_r")).all(|cb| cb
        .escalation
        .as_ref()
        .map(|e| e.level)
        == Some(EscalationLevel::OwnerSupervisor)));
}

#[tokio::test]
async fn unanswered_calls_are_retried_then_escalated_and_a_window_is_honoured() {
    let (clock, t0) = start();
    let api = Api::start_at(clock.clone()).await;
    let dan = api.login("dan").await;
    let alice = api.login("alice").await;
    api.apply(
        &alice,
        json!({"type": "schedule_callback", "customer_id": story1::CUSTOMER_ID, "callback_id": "cb_retry",
               "owner_org_id": "brightline", "person_id": story1::MOTHER_ID, "phone": story1::MOTHER_MOBILE,
               "request": "Confirm access to the flat", "due_at": t0 + Duration::hours(1),
               "due_until": t0 + Duration::hours(3), "job_id": story1::JOB_ID}),
    )
    .await;
    // Overdue only once the window has closed.
    clock.advance(Duration::hours(2));
    assert_eq!(api.server.state.sweep(None).await.expect("sweep").escalated, 0);

    let attempt = |outcome: &str| {
        json!({"type": "record_callback_attempt", "customer_id": story1::CUSTOMER_ID, "callback_id": "cb_retry",
               "outcome": outcome, "note": ""})
    };
    let path = "/callbacks/cb_retry";
    api.apply(&dan, attempt("no_answer")).await;
    let cb: CallbackItem = get(&api, &dan, path).await;
    assert_eq!(cb.callback.due_at, Some(clock_now(&api) + Duration::minutes(30)));
    assert!(cb.callback.due_until.is_none(), "the retry replaces the window");
    api.apply(&dan, attempt("left_message")).await;
    let cb: CallbackItem = get(&api, &dan, path).await;
    assert_eq!(cb.callback.due_at, Some(clock_now(&api) + Duration::minutes(120)));
    assert!(cb.callback.escalation.is_none());
    api.apply(&dan, attempt("no_answer")).await;
    let cb: CallbackItem = get(&api, &dan, path).await;
    let esc = cb
        .callback
        .escalation
        .expect("three unanswered calls go to the supervisors");
    assert_eq!(esc.level, EscalationLevel::OwnerSupervisor);
    assert_eq!(esc.reason, "3 calls unanswered");
    assert_eq!(cb.callback.attempts.len(), 3);

    // A wrong number cannot wait for a retry.
    api.apply(
        &alice,
        json!({"type": "schedule_callback", "customer_id": story1::CUSTOMER_ID, "callback_id": "cb_wrong",
               "owner_org_id": "brightline", "phone": story1::MOTHER_HOME, "request": "Confirm the time",
               "due_at": clock_now(&api) + Duration::hours(1), "job_id": story1::JOB_ID}),
    )
    .await;
    api.apply(
        &dan,
        json!({"type": "record_callback_attempt", "customer_id": story1::CUSTOMER_ID, "callback_id": "cb_wrong",
               "outcome": "wrong_number", "note": "A Mr Singh answered."}),
    )
    .await;
    let cb: CallbackItem = get(&api, &dan, "/callbacks/cb_wrong").await;
    assert!(cb
        .callback
        .escalation
        .expect("escalated")
        .reason
        .starts_with("wrong number"));
    // And a window the wrong way round is refused.
    let code = api
        .refused(
            &alice,
            json!({"type": "schedule_callback", "customer_id": story1::CUSTOMER_ID, "callback_id": "cb_bad",
                   "owner_org_id": "brightline", "phone": story1::MOTHER_HOME, "request": "x",
                   "due_at": t0 + Duration::hours(3), "due_until": t0 + Duration::hours(1)}),
        )
        .await;
    assert_eq!(code, "bad_request");
}

//! Supervisor queue review over HTTP: counts per organisation, the queue filters,
//! and reassign / reschedule / escalate in bulk, with an injected clock.

use baton_proto::{CallbackItem, EscalationLevel, Page, QueueCounts};
use baton_server::clock::ManualClock;
use baton_server::demo::story1;
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

mod common;
use common::Api;

async fn get<T: DeserializeOwned>(api: &Api, token: &str, path: &str) -> T {
    let (status, body) = api.get(token, path).await;
    assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
    serde_json::from_value(body).unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

fn item(id: &str) -> Value {
    json!({"kind": "callback", "id": id})
}

fn mutation(n: usize, intent: Value) -> Value {
    json!({"id": uuid::Uuid::new_v4(), "client_seq": n, "created_at": Utc::now(), "intent": intent})
}

#[tokio::test]
async fn a_supervisor_reviews_overdue_callbacks_and_acts_on_them_in_bulk() {
    let clock = ManualClock::new(Utc::now());
    let t0 = baton_server::clock::Clock::now(&clock);
    let api = Api::start_at(clock.clone()).await;
    let alice = api.login("alice").await;
    let sam = api.login("sam").await;
    let dan = api.login("dan").await;
    // Three installer callbacks for Margaret, one for Alice herself.
    for (i, (org, user)) in [
        ("brightline", None),
        ("brightline", None),
        ("brightline", None),
        ("northwind", Some("usr_alice")),
    ]
    .into_iter()
    .enumerate()
    {
        api.apply(
            &alice,
            json!({"type": "schedule_callback", "customer_id": story1::CUSTOMER_ID, "callback_id": format!("cb_q{i}"),
                   "owner_org_id": org, "owner_user_id": user, "person_id": story1::MOTHER_ID,
                   "phone": story1::MOTHER_MOBILE, "request": format!("Question {i}"),
                   "due_at": t0 + Duration::hours(1), "job_id": story1::JOB_ID}),
        )
        .await;
    }
    let before: Vec<QueueCounts> = get(&api, &sam, "/queues").await;
    let brightline = before.iter().find(|c| c.org_id == "brightline").expect("brightline");
    assert_eq!((brightline.callbacks_open, brightline.callbacks_overdue), (3, 0));

    clock.advance(Duration::hours(2));
    api.server.state.sweep(None).await.expect("sweep");
    let counts: Vec<QueueCounts> = get(&api, &sam, "/queues").await;
    let brightline = counts.iter().find(|c| c.org_id == "brightline").expect("brightline");
    assert_eq!((brightline.callbacks_overdue, brightline.callbacks_escalated), (3, 3));
    // A partner sees its own counts only, the same numbers.
    let own: Vec<QueueCounts> = get(&api, &dan, "/queues").await;
    assert_eq!(own, vec![brightline.clone()]);

    // Filters: overdue, escalated, an agent's own, due before a time.
    let overdue: Page<CallbackItem> = get(&api, &sam, "/callbacks?overdue=true&owner_org=brightline").await;
    assert_eq!(overdue.items.len(), 3);
    // (The demo gives Alice callbacks of her own; this test's are `cb_q…`.)
    let mine: Page<CallbackItem> = get(&api, &sam, "/callbacks?owner_user=usr_alice").await;
    assert_eq!(
        mine.items
            .iter()
            .map(|i| i.callback.id.as_str())
            .filter(|id| id.starts_with("cb_q"))
            .collect::<Vec<_>>(),
        ["cb_q3"]
    );
    let later = (t0 + Duration::minutes(30)).to_rfc3339().replace('+', "%2B");
    let early: Page<CallbackItem> = get(&api, &sam, &format!("/callbacks?due_before={later}&status=queued")).await;
    assert!(early.items.iter().all(|i| !i.callback.id.starts_with("cb_q")));

    // In bulk: reassign two to Alice, reschedule one, escalate the last — one push.
    let new_due = baton_server::clock::Clock::now(&clock) + Duration::hours(3);
    let batch = json!([
        mutation(
            1,
            json!({"type": "reassign_follow_up", "customer_id": story1::CUSTOMER_ID, "item": item("cb_q0"),
                           "owner_org_id": "northwind", "owner_user_id": "usr_alice"})
        ),
        mutation(
            2,
            json!({"type": "reassign_follow_up", "customer_id": story1::CUSTOMER_ID, "item": item("cb_q1"),
                           "owner_org_id": "northwind", "owner_user_id": "usr_alice"})
        ),
        mutation(
            3,
            json!({"type": "reschedule_follow_up", "customer_id": story1::CUSTOMER_ID, "item": item("cb_q2"),
                           "due_at": new_due})
        ),
        mutation(
            4,
            json!({"type": "escalate_follow_up", "customer_id": story1::CUSTOMER_ID, "item": item("cb_q3"),
                           "reason": "Margaret has called three times"})
        ),
    ]);
    let (status, body) = api.push(&sam, batch).await;
    assert_eq!(status, StatusCode::OK);
    let outcomes: Vec<&str> = body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["outcome"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(outcomes, ["applied"; 4], "{body}");

    let mine: Page<CallbackItem> = get(&api, &alice, "/callbacks?owner_user=usr_alice").await;
    assert_eq!(
        mine.items.iter().filter(|i| i.callback.id.starts_with("cb_q")).count(),
        3
    );
    let cb2: CallbackItem = get(&api, &sam, "/callbacks/cb_q2").await;
    assert_eq!(cb2.callback.due_at, Some(new_due));
    assert!(
        cb2.callback.escalation.is_none(),
        "rescheduled: out of the supervisor queue"
    );
    let cb3: CallbackItem = get(&api, &sam, "/callbacks/cb_q3").await;
    assert_eq!(
        cb3.callback.escalation.map(|e| e.level),
        Some(EscalationLevel::RetailerSupervisor)
    );
    // The customer is told the new time.
    let doc: Value = api.get(&sam, &format!("/customers/{}", story1::CUSTOMER_ID)).await.1;
    assert!(doc["confirmations"]
        .as_array()
        .expect("confirmations")
        .iter()
        .any(|c| c["summary"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Callback rescheduled")));
    // The installer still sees a callback it no longer owns: it is about its job.
    let seen: CallbackItem = get(&api, &dan, "/callbacks/cb_q0").await;
    assert_eq!(seen.callback.owner_org_id, "northwind");

    // Only supervisors change a queue; a closed or already escalated item says so.
    for (token, intent, code) in [
        (
            &alice,
            json!({"type": "reschedule_follow_up", "customer_id": story1::CUSTOMER_ID, "item": item("cb_q0"),
                        "due_at": new_due}),
            "forbidden",
        ),
        (
            &dan,
            json!({"type": "escalate_follow_up", "customer_id": story1::CUSTOMER_ID, "item": item("cb_q0"),
                      "reason": "x"}),
            "forbidden",
        ),
        (
            &sam,
            json!({"type": "escalate_follow_up", "customer_id": story1::CUSTOMER_ID, "item": item("cb_q3"),
                      "reason": "again"}),
            "conflict",
        ),
        (
            &sam,
            json!({"type": "reschedule_follow_up", "customer_id": story1::CUSTOMER_ID, "item": item("cb_q0"),
                      "due_at": new_due, "due_until": new_due - Duration::hours(1)}),
            "bad_request",
        ),
        (
            &sam,
            json!({"type": "reschedule_follow_up", "customer_id": story1::CUSTOMER_ID,
                      "item": {"kind": "commitment", "id": "com_nope"}, "due_at": new_due}),
            "not_found",
        ),
        (
            &sam,
            json!({"type": "reassign_follow_up", "customer_id": story1::CUSTOMER_ID, "item": item("cb_q0"),
                      "owner_org_id": "brightline", "owner_user_id": "usr_alice"}),
            "bad_request",
        ),
        (
            &sam,
            json!({"type": "escalate_follow_up", "customer_id": story1::CUSTOMER_ID, "item": item("cb_story5_kept"),
                      "reason": "x"}),
            "conflict",
        ),
    ] {
        assert_eq!(api.refused(token, intent.clone()).await, code, "{intent}");
    }
}

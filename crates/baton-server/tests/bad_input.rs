//! Bad input at the boundary: every endpoint answers malformed requests with a
//! typed `{code, message}` error and the right status, every intent refuses
//! invalid values with a reason, and nothing of a refused edit is stored.

use baton_server::demo::{story1, story2, story4};
use reqwest::StatusCode;
use serde_json::{json, Value};

mod common;
use common::{code, Api};

#[tokio::test]
async fn malformed_requests_get_typed_errors_on_every_endpoint() {
    let api = Api::start().await;
    let alice = api.login("alice").await;
    let long = "x".repeat(101);
    let cases: Vec<(String, &str)> = vec![
        ("/customers?phone=0800%20FLOWERS".into(), "invalid_phone"),
        ("/customers?phone=%2B%2B44".into(), "invalid_phone"),
        ("/customers?email=not-an-email".into(), "invalid_email"),
        ("/customers?q=a".into(), "bad_request"),
        (format!("/customers?q={long}"), "bad_request"),
        ("/customers?q=hughes&limit=0".into(), "bad_request"),
        ("/customers?q=hughes&limit=201".into(), "bad_request"),
        ("/customers?q=hughes&limit=many".into(), "bad_request"),
        ("/customers/a%20b".into(), "bad_request"),
        (format!("/customers/{long}"), "bad_request"),
        ("/customers/cus_000001/timeline?cursor=later".into(), "bad_request"),
        ("/customers/cus_000001/timeline?limit=-1".into(), "bad_request"),
        ("/customers/cus_000001/audit?cursor=abc".into(), "bad_request"),
        ("/customers/a%3Bb/duplicates".into(), "bad_request"),
        ("/customers/a%3Bb/merges".into(), "bad_request"),
        ("/jobs?status=flying".into(), "bad_request"),
        ("/jobs?limit=999".into(), "bad_request"),
        ("/jobs/a%20b".into(), "bad_request"),
        ("/tickets?status=lost".into(), "bad_request"),
        ("/tickets?escalated_to=a%20b".into(), "bad_request"),
        ("/tickets/a%20b".into(), "bad_request"),
        ("/callbacks?status=soon".into(), "bad_request"),
        ("/callbacks?owner_org=a%20b".into(), "bad_request"),
        ("/callbacks/a%20b".into(), "bad_request"),
        ("/commitments?status=maybe".into(), "bad_request"),
        ("/commitments/a%20b".into(), "bad_request"),
        ("/orgs/a%20b/scorecard".into(), "bad_request"),
        ("/sync/snapshot?limit=0".into(), "bad_request"),
        ("/sync/changes".into(), "bad_request"),
        ("/sync/changes?after=-1".into(), "bad_request"),
    ];
    for (path, expected) in cases {
        let (status, body) = api.get(&alice, &path).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, expected),
            "GET {path}: {body}"
        );
        assert!(
            !body["message"].as_str().unwrap_or_default().is_empty(),
            "GET {path} says why"
        );
    }

    let post = |path: &str, body: String| {
        api.http
            .post(api.url(path))
            .bearer_auth(&alice)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    for (path, body, status, expected) in [
        (
            "/auth/login",
            "{}".to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_request",
        ),
        (
            "/mutations",
            "not json".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_request",
        ),
        (
            "/mutations",
            json!({"id": "not-a-uuid", "intent": {"type": "add_note"}}).to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_request",
        ),
        (
            "/mutations",
            json!({"id": uuid::Uuid::new_v4(), "intent": {"type": "teleport"}}).to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_request",
        ),
        (
            "/mutations",
            json!({"id": uuid::Uuid::new_v4(), "intent": {"type": "open_ticket",
            "customer_id": "cus_000001", "ticket_id": "t", "subject": "s", "priority": "meh", "job_ids": []}})
            .to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_request",
        ),
        (
            "/mutations",
            format!("{{\"pad\": \"{}\"}}", "x".repeat(1_100_000)),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
        (
            "/sync/push",
            json!({"client_id": uuid::Uuid::new_v4(),
            "mutations": (0..101).map(|i| json!({"id": uuid::Uuid::new_v4(), "client_seq": i,
                "created_at": "2026-11-23T10:00:00Z", "intent": {"type": "add_note", "customer_id": "cus_000001",
                "note_id": format!("n{i}"), "text": "x"}})).collect::<Vec<_>>()})
            .to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_request",
        ),
    ] {
        let res = post(path, body).await.expect("post");
        let got = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert_eq!((got, code(&body)), (status, expected), "POST {path}: {body}");
    }
}

#[tokio::test]
async fn invalid_intents_are_refused_with_a_reason_and_store_nothing() {
    let api = Api::start().await;
    let alice = api.login("alice").await;
    let c = story1::CUSTOMER_ID;
    let before = api.get(&alice, &format!("/customers/{c}")).await.1;
    let before_cb = api.get(&alice, &format!("/customers/{}", story2::CUSTOMER_ID)).await.1;

    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"type": "set_contact_point", "customer_id": c, "person_id": story1::MOTHER_ID,
                "contact_point_id": story1::MOTHER_MOBILE_ID, "value": "not a phone", "base_value": ""}),
            "invalid_phone",
        ),
        (
            json!({"type": "add_contact_point", "customer_id": c, "person_id": story1::MOTHER_ID, "contact_point_id": "cp_x",
                "kind": "email", "label": "work", "value": "margaret@", "purposes": []}),
            "invalid_email",
        ),
        (
            json!({"type": "add_contact_point", "customer_id": c, "person_id": story1::MOTHER_ID, "contact_point_id": "cp_y",
                "kind": "phone", "label": "again", "value": story1::MOTHER_MOBILE, "purposes": []}),
            "conflict",
        ),
        (
            json!({"type": "add_contact_point", "customer_id": c, "person_id": story1::MOTHER_ID, "contact_point_id": "cp z",
                "kind": "phone", "label": "work", "value": "07946 000555", "purposes": []}),
            "bad_request",
        ),
        (
            json!({"type": "add_contact_point", "customer_id": c, "person_id": story1::MOTHER_ID, "contact_point_id": "cp_z",
                "kind": "phone", "label": " ", "value": "07946 000555", "purposes": []}),
            "bad_request",
        ),
        (
            json!({"type": "add_note", "customer_id": c, "note_id": "n_empty", "text": "   "}),
            "bad_request",
        ),
        (
            json!({"type": "add_note", "customer_id": c, "note_id": "n_long", "text": "x".repeat(4001)}),
            "bad_request",
        ),
        (
            json!({"type": "add_note", "customer_id": c, "note_id": "n_job", "text": "x",
                "job_id": "job_000002_1"}),
            "bad_request",
        ),
        (
            json!({"type": "add_note", "customer_id": c, "note_id": "n_ticket", "text": "x",
                "ticket_id": "tkt_nope"}),
            "not_found",
        ),
        (
            json!({"type": "open_ticket", "customer_id": c, "ticket_id": "t_1", "subject": "", "priority": "low",
                "job_ids": []}),
            "bad_request",
        ),
        (
            json!({"type": "escalate_ticket", "customer_id": story4::CUSTOMER_ID, "ticket_id": story4::TICKET_ID,
                "org_id": "northwind", "reason": "x"}),
            "bad_request",
        ),
        (
            json!({"type": "escalate_ticket", "customer_id": story4::CUSTOMER_ID, "ticket_id": story4::TICKET_ID,
                "org_id": "swiftparcel", "reason": " "}),
            "bad_request",
        ),
        (
            json!({"type": "set_ticket_status", "customer_id": story4::CUSTOMER_ID, "ticket_id": story4::TICKET_ID,
                "status": "open", "base_status": "closed"}),
            "ok_noop",
        ),
        (
            json!({"type": "schedule_callback", "customer_id": c, "callback_id": "cb_1", "owner_org_id": "brightline",
                "phone": "123", "request": "x", "due_at": "2030-01-01T10:00:00Z"}),
            "invalid_phone",
        ),
        (
            json!({"type": "schedule_callback", "customer_id": c, "callback_id": "cb_2", "owner_org_id": "brightline",
                "phone": story1::MOTHER_MOBILE, "request": "x"}),
            "bad_request",
        ),
        (
            json!({"type": "schedule_callback", "customer_id": c, "callback_id": "cb_3", "owner_org_id": "acme",
                "phone": story1::MOTHER_MOBILE, "request": "x", "due_at": "2030-01-01T10:00:00Z"}),
            "bad_request",
        ),
        (
            json!({"type": "schedule_callback", "customer_id": c, "callback_id": "cb_4", "owner_org_id": "brightline",
                "owner_user_id": "usr_priya", "phone": story1::MOTHER_MOBILE, "request": "x",
                "due_at": "2030-01-01T10:00:00Z"}),
            "bad_request",
        ),
        (
            json!({"type": "schedule_callback", "customer_id": c, "callback_id": "cb_5", "owner_org_id": "swiftparcel",
                "phone": story1::MOTHER_MOBILE, "request": "x",
                "trigger": {"type": "job_status", "job_id": "job_000002_1", "status": "at_depot"}}),
            "bad_request",
        ),
        (
            json!({"type": "record_commitment", "customer_id": c, "commitment_id": "co_1", "text": "",
                "due_at": "2030-01-01T10:00:00Z", "owner_org_id": "northwind"}),
            "bad_request",
        ),
        (
            json!({"type": "record_commitment", "customer_id": c, "commitment_id": "co_2", "text": "x",
                "due_at": "2030-01-01T10:00:00Z", "owner_org_id": "nobody"}),
            "bad_request",
        ),
        (
            json!({"type": "resolve_commitment", "customer_id": c, "commitment_id": "co_nope", "status": "kept"}),
            "not_found",
        ),
        (
            json!({"type": "resolve_commitment", "customer_id": c, "commitment_id": "co_nope", "status": "open"}),
            "bad_request",
        ),
        (
            json!({"type": "record_feedback", "customer_id": c, "feedback_id": "f_1", "job_id": story1::JOB_ID,
                "csat": 9, "comment": ""}),
            "bad_request",
        ),
        (
            json!({"type": "record_feedback", "customer_id": c, "feedback_id": "f_2", "job_id": story1::JOB_ID,
                "nps": 11, "comment": ""}),
            "bad_request",
        ),
        (
            json!({"type": "record_feedback", "customer_id": c, "feedback_id": "f_3", "job_id": story1::JOB_ID,
                "comment": "no score"}),
            "bad_request",
        ),
        (
            json!({"type": "send_confirmation", "customer_id": c, "confirmation_id": "cf_1", "text": "  "}),
            "bad_request",
        ),
        (
            json!({"type": "create_customer", "customer_id": "cus_new1", "person_id": "per_new1",
                "contact_point_id": "cp_new1", "name": "Nora Quinn", "phone": "12"}),
            "invalid_phone",
        ),
        (
            json!({"type": "create_customer", "customer_id": "cus_new2", "person_id": "per_new2",
                "contact_point_id": "cp_new2", "name": " ", "phone": "07946000666"}),
            "bad_request",
        ),
        (
            json!({"type": "create_customer", "customer_id": c, "person_id": "per_new3",
                "contact_point_id": "cp_new3", "name": "Nora Quinn", "phone": "07946000666"}),
            "conflict",
        ),
        (
            json!({"type": "send_confirmation", "customer_id": c, "confirmation_id": "cf_2", "person_id": "per_nope",
                "text": "Your visit is Tuesday"}),
            "not_found",
        ),
        (
            json!({"type": "set_job_status", "customer_id": c, "job_id": story1::JOB_ID, "status": "created",
                "base_status": "scheduled"}),
            "conflict",
        ),
        (
            json!({"type": "set_job_contact", "customer_id": c, "job_id": story1::JOB_ID, "person_id": "per_nope"}),
            "not_found",
        ),
        (
            json!({"type": "reassign_job", "customer_id": c, "job_id": story1::JOB_ID, "org_id": "northwind"}),
            "bad_request",
        ),
        (
            json!({"type": "merge_customers", "customer_id": c, "merged_id": c, "merge_id": "m_self"}),
            "bad_request",
        ),
        (
            json!({"type": "undo_merge", "customer_id": c, "merge_id": "m_nope"}),
            "not_found",
        ),
    ];
    for (intent, expected) in cases {
        if expected == "ok_noop" {
            // A ticket already open "moving" to open is no change, not an error.
            api.apply(&alice, intent).await;
            continue;
        }
        let (_, body) = api.mutate(&alice, intent.clone()).await;
        assert_eq!(body["outcome"], "rejected", "{intent}: {body}");
        assert_eq!(code(&body), expected, "{intent}: {body}");
        assert!(!body["message"].as_str().unwrap_or_default().is_empty());
    }
    let after = api.get(&alice, &format!("/customers/{c}")).await.1;
    assert_eq!(before, after, "a refused edit stores nothing");
    let after_cb = api.get(&alice, &format!("/customers/{}", story2::CUSTOMER_ID)).await.1;
    assert_eq!(before_cb, after_cb);

    // An id the client chose is never reused by a second, different mutation.
    let note = json!({"type": "add_note", "customer_id": c, "note_id": "n_once", "text": "first"});
    api.apply(&alice, note.clone()).await;
    assert_eq!(api.refused(&alice, note).await, "conflict");
    // The same mutation id is answered from the record: applied once, answered twice.
    let again = json!({"type": "add_note", "customer_id": c, "note_id": "n_retry", "text": "retry me"});
    let id = uuid::Uuid::new_v4().to_string();
    let first = api.mutate_as(&alice, &id, again.clone()).await.1;
    let second = api.mutate_as(&alice, &id, again).await.1;
    assert_eq!(first, second);
    assert_eq!(first["outcome"], "applied");
    let doc = api.get(&alice, &format!("/customers/{c}")).await.1;
    let copies = doc["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter(|e| e["id"] == "n_retry")
        .count();
    assert_eq!(copies, 1);
}

/// A method a documented path does not take gets 405 with a typed error, on
/// every path of the OpenAPI document, never an empty body.
#[tokio::test]
async fn a_method_a_path_does_not_take_is_a_typed_405() {
    let api = Api::start().await;
    let alice = api.login("alice").await;
    let doc: Value = serde_json::from_str(include_str!("../../../docs/openapi.json")).expect("doc");
    let mut checked = 0;
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        let path = path.trim_start_matches("/v1").replace("{id}", story1::CUSTOMER_ID);
        for method in ["DELETE", "PUT", "PATCH", "POST", "GET"] {
            if ops.get(method.to_lowercase()).is_some() {
                continue;
            }
            let (status, body) = api.send(method, &alice, &path, Value::Null).await;
            assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}: {body}");
            assert_eq!(code(&body), "method_not_allowed", "{method} {path}: {body}");
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked} refusals checked");
}

//! The authorisation matrix: every endpoint that takes an id, and every intent,
//! refuses another partner's ids with the same 404 as an unknown id and leaks no
//! data; lists hold only what the caller may see; retailer-only actions answer
//! 403 to partners on their own records.

use std::collections::BTreeSet;

use baton_proto::{Record, SnapshotPage};
use baton_server::demo::{carrier_only, story1, story3};
use reqwest::StatusCode;
use serde_json::{json, Value};

mod common;
use common::{code, Api};

const PARTNERS: [(&str, &str); 3] = [("dan", "brightline"), ("priya", "swiftparcel"), ("lena", "pageturn")];

/// Every endpoint with an id in its path, as the matrix exercises it. The test
/// fails if the OpenAPI document names one that is not here.
const ID_ENDPOINTS: [&str; 26] = [
    "/v1/customers/{id}",
    "/v1/customers/{id}/presence",
    "/v1/customers/{id}/timeline",
    "/v1/customers/{id}/duplicates",
    "/v1/customers/{id}/merges",
    "/v1/customers/{id}/audit",
    "/v1/customers/{id}/export",
    "/v1/jobs/{id}",
    "/v1/tickets/{id}",
    "/v1/callbacks/{id}",
    "/v1/commitments/{id}",
    "/v1/orgs/{id}/scorecard",
    "/v1/orgs/{id}/scorecard/trend",
    "/v1/orgs/{id}/scorecard/items",
    // Administration: see `only_administrators_reach_any_admin_operation`, and
    // tests/admin.rs for a partner admin held to its own organisation.
    "/v1/admin/orgs/{id}",
    "/v1/admin/orgs/{id}/open-work",
    "/v1/admin/orgs/{id}/calendar",
    "/v1/admin/users/{id}",
    "/v1/admin/users/{id}/reset-password",
    "/v1/admin/users/{id}/revoke-sessions",
    "/v1/admin/api-keys/{id}/revoke",
    "/v1/admin/webhooks/{id}/disable",
    "/v1/admin/webhooks/{id}/deliveries",
    "/v1/admin/webhook-deliveries/{id}/replay",
    // Imports: the retailer's administrators only (tests/imports.rs).
    "/v1/imports/{id}",
    // A survey's link: its token is the credential, held by the customer only;
    // an unknown one answers 404 to anyone (tests/surveys.rs).
    "/v1/surveys/{token}",
];

/// Ids of each kind of item, from a scope's snapshot.
#[derive(Default)]
struct Ids {
    customers: BTreeSet<String>,
    jobs: BTreeSet<String>,
    tickets: BTreeSet<String>,
    callbacks: BTreeSet<String>,
    commitments: BTreeSet<String>,
}

async fn visible(api: &Api, token: &str) -> Ids {
    let (status, body) = api.get(token, "/sync/snapshot?limit=5000").await;
    assert_eq!(status, StatusCode::OK);
    let snap: SnapshotPage = serde_json::from_value(body).expect("snapshot");
    assert!(snap.next_token.is_none());
    let mut ids = Ids::default();
    for r in snap.records {
        match r {
            Record::Customer(c) => {
                ids.customers.insert(c.id.clone());
                ids.tickets.extend(c.tickets.into_iter().map(|t| t.id));
                ids.callbacks.extend(c.callbacks.into_iter().map(|t| t.id));
                ids.commitments.extend(c.commitments.into_iter().map(|t| t.id));
            }
            Record::Job(j) => {
                ids.jobs.insert(j.id);
            }
        }
    }
    ids
}

/// A refusal that says nothing: 404 `not_found` (or 403 for an action the caller
/// may not take at all), with only `code` and `message`.
fn assert_refused(status: StatusCode, body: &Value, what: &str) {
    assert!(
        status == StatusCode::NOT_FOUND && code(body) == "not_found",
        "{what}: expected 404 not_found, got {status} {body}"
    );
    let keys: BTreeSet<&str> = body
        .as_object()
        .expect("error object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from(["code", "message"]),
        "{what}: the error carries no data"
    );
}

#[tokio::test]
async fn the_matrix_covers_every_endpoint_with_an_id() {
    let doc: Value = serde_json::from_str(include_str!("../../../docs/openapi.json")).expect("doc");
    let documented: BTreeSet<&str> = doc["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .map(String::as_str)
        .filter(|p| p.contains('{'))
        .collect();
    assert_eq!(documented, BTreeSet::from(ID_ENDPOINTS));
}

#[tokio::test]
async fn no_endpoint_gives_a_partner_another_partners_records() {
    let api = Api::start().await;
    let alice = api.login("alice").await;
    let all = visible(&api, &alice).await;
    assert!(!all.tickets.is_empty() && !all.callbacks.is_empty() && !all.commitments.is_empty());

    for (user, org) in PARTNERS {
        let token = api.login(user).await;
        let mine = visible(&api, &token).await;
        assert!(!mine.customers.is_empty(), "{org} has work");
        for (hidden, endpoints) in [
            (&all.customers - &mine.customers, &ID_ENDPOINTS[..7]),
            (&all.jobs - &mine.jobs, &ID_ENDPOINTS[7..8]),
            (&all.tickets - &mine.tickets, &ID_ENDPOINTS[8..9]),
            (&all.callbacks - &mine.callbacks, &ID_ENDPOINTS[9..10]),
            (&all.commitments - &mine.commitments, &ID_ENDPOINTS[10..11]),
        ] {
            for id in &hidden {
                for endpoint in endpoints {
                    let path = endpoint.trim_start_matches("/v1").replace("{id}", id);
                    let (status, body) = api.get(&token, &path).await;
                    assert_refused(status, &body, &format!("{org} GET {path}"));
                }
            }
        }
        // Another partner's scorecard, and its trend.
        for (_, other) in PARTNERS.iter().filter(|(_, o)| *o != org) {
            for path in [
                format!("/orgs/{other}/scorecard"),
                format!("/orgs/{other}/scorecard/trend"),
            ] {
                let (status, body) = api.get(&token, &path).await;
                assert_refused(status, &body, &format!("{org} GET {path}"));
            }
        }

        // Lists hold only what the snapshot holds.
        for (list, key, ids) in [
            ("/jobs?limit=200", "id", &mine.jobs),
            ("/tickets?limit=200", "ticket", &mine.tickets),
            ("/callbacks?limit=200", "callback", &mine.callbacks),
            ("/commitments?limit=200", "commitment", &mine.commitments),
        ] {
            let (status, body) = api.get(&token, list).await;
            assert_eq!(status, StatusCode::OK);
            let listed: BTreeSet<String> = body["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|i| {
                    let id = if key == "id" { &i["id"] } else { &i[key]["id"] };
                    id.as_str().expect("id").to_string()
                })
                .collect();
            assert_eq!(&listed, ids, "{org} {list}");
        }
        // Search never reaches past the scope, whatever it matches.
        let (_, found) = api.get(&token, "/customers?q=er&limit=200").await;
        for hit in found["items"].as_array().expect("items") {
            assert!(
                mine.customers.contains(hit["id"].as_str().expect("id")),
                "{org} search: {hit}"
            );
        }
    }
}

#[tokio::test]
async fn no_intent_lets_a_partner_touch_another_partners_customer() {
    let api = Api::start().await;
    let dan = api.login("dan").await;
    // Bethany Cole is the carrier's customer only; the installer has no tie to her.
    let c = carrier_only::CUSTOMER_ID;
    let intents = [
        json!({"type": "set_contact_point", "customer_id": c, "person_id": "per_000002_1",
               "contact_point_id": "cp_000002_1_1", "value": "07946 000111", "base_value": carrier_only::MOBILE}),
        json!({"type": "add_contact_point", "customer_id": c, "person_id": "per_000002_1", "contact_point_id": "cp_new",
               "kind": "phone", "label": "work", "value": "07946 000112", "purposes": []}),
        json!({"type": "set_contact_preferences", "customer_id": c, "person_id": "per_000002_1",
               "contact_point_id": "cp_000002_1_1", "purposes": [], "preferred": true,
               "consent": {"service": true, "marketing": true}}),
        json!({"type": "reassign_job", "customer_id": c, "job_id": "job_000002_1", "org_id": "brightline"}),
        json!({"type": "set_job_status", "customer_id": c, "job_id": "job_000002_1", "status": "delayed",
               "base_status": "en_route"}),
        json!({"type": "set_job_contact", "customer_id": c, "job_id": "job_000002_1", "person_id": "per_000002_1"}),
        json!({"type": "add_note", "customer_id": c, "note_id": "n1", "text": "hello"}),
        json!({"type": "log_interaction", "customer_id": c, "interaction_id": "i1", "channel": "phone",
               "summary": "hello"}),
        json!({"type": "open_ticket", "customer_id": c, "ticket_id": "t1", "subject": "x", "priority": "low",
               "job_ids": []}),
        json!({"type": "escalate_ticket", "customer_id": c, "ticket_id": "t1", "org_id": "brightline",
               "reason": "x"}),
        json!({"type": "set_ticket_status", "customer_id": c, "ticket_id": "t1", "status": "closed",
               "base_status": "open"}),
        json!({"type": "schedule_callback", "customer_id": c, "callback_id": "cb1", "owner_org_id": "brightline",
               "phone": carrier_only::MOBILE, "request": "x", "due_at": "2030-01-01T10:00:00Z"}),
        json!({"type": "record_callback_attempt", "customer_id": c, "callback_id": "cb_story2_address",
               "outcome": "reached", "note": ""}),
        json!({"type": "record_commitment", "customer_id": c, "commitment_id": "co1", "text": "x",
               "due_at": "2030-01-01T10:00:00Z", "owner_org_id": "brightline"}),
        json!({"type": "resolve_commitment", "customer_id": c, "commitment_id": "co1", "status": "kept"}),
        json!({"type": "reassign_follow_up", "customer_id": c, "item": {"kind": "callback", "id": "cb_story2_address"},
               "owner_org_id": "brightline"}),
        json!({"type": "reschedule_follow_up", "customer_id": c, "item": {"kind": "callback", "id": "cb_story2_address"},
               "due_at": "2030-01-01T10:00:00Z"}),
        json!({"type": "escalate_follow_up", "customer_id": c, "item": {"kind": "callback", "id": "cb_story2_address"},
               "reason": "x"}),
        json!({"type": "record_feedback", "customer_id": c, "feedback_id": "f1", "job_id": "job_000002_1",
               "csat": 1, "comment": ""}),
        json!({"type": "send_confirmation", "customer_id": c, "confirmation_id": "cf1", "text": "x"}),
        json!({"type": "create_customer", "customer_id": "cus_by_partner", "person_id": "per_by_partner",
               "contact_point_id": "cp_by_partner", "name": "Nobody", "phone": "07946000666"}),
        json!({"type": "merge_customers", "customer_id": c, "merged_id": story1::CUSTOMER_ID, "merge_id": "m1"}),
        json!({"type": "undo_merge", "customer_id": c, "merge_id": "m1"}),
    ];
    let mut names = BTreeSet::new();
    for intent in intents {
        names.insert(intent["type"].as_str().expect("type").to_string());
        let refused = api.refused(&dan, intent.clone()).await;
        assert!(refused == "not_found" || refused == "forbidden", "{intent}: {refused}");
    }
    assert_eq!(names.len(), 23, "every intent is in the matrix");
    let alice = api.login("alice").await;
    let after = api.get(&alice, &format!("/customers/{c}")).await.1;
    assert_eq!(after["people"][0]["contacts"][0]["value"], carrier_only::MOBILE);
    assert!(after["tickets"].as_array().expect("tickets").is_empty());
}

#[tokio::test]
async fn retailer_only_actions_are_forbidden_to_partners_on_their_own_records() {
    let api = Api::start().await;
    let lena = api.login("lena").await;
    let c = story3::CUSTOMER_ID;
    for path in ["duplicates", "merges", "audit"] {
        let (status, body) = api.get(&lena, &format!("/customers/{c}/{path}")).await;
        assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "forbidden"), "{path}");
    }
    for intent in [
        json!({"type": "reassign_job", "customer_id": c, "job_id": story3::JOB_ID, "org_id": "swiftparcel"}),
        json!({"type": "set_job_contact", "customer_id": c, "job_id": story3::JOB_ID, "person_id": story3::PERSON_ID}),
        json!({"type": "record_feedback", "customer_id": c, "feedback_id": "f2", "job_id": story3::JOB_ID,
               "csat": 5, "comment": ""}),
        json!({"type": "merge_customers", "customer_id": c, "merged_id": "cus_000008", "merge_id": "m2"}),
    ] {
        assert_eq!(api.refused(&lena, intent.clone()).await, "forbidden", "{intent}");
    }
}

/// Every operation under `/v1/admin` in the OpenAPI document (so a new one is
/// covered without editing this test) answers 403 with nothing else to anyone
/// but an administrator — agents, supervisors, partner dispatchers — and
/// changes nothing.
#[tokio::test]
async fn only_administrators_reach_any_admin_operation() {
    let api = Api::start().await;
    let doc: Value = serde_json::from_str(include_str!("../../../docs/openapi.json")).expect("doc");
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        if !path.starts_with("/v1/admin") {
            continue;
        }
        for method in item.as_object().expect("operations").keys() {
            operations.push((method.to_uppercase(), path.clone()));
        }
    }
    assert!(operations.len() >= 19, "{operations:?}");
    let audit_before: i64 = api
        .read(|db| {
            db.value(
                "SELECT COUNT(*) AS n FROM audit_log WHERE action NOT LIKE 'sign_in%'",
                baton_server::args![],
                "n",
            )
        })
        .await;
    let dan_id: String = api
        .read(|db| {
            db.value(
                "SELECT id AS v FROM users WHERE username = 'dan'",
                baton_server::args![],
                "v",
            )
        })
        .await;
    for user in ["alice", "sam", "dan", "priya", "lena"] {
        let token = api.login(user).await;
        for (method, path) in &operations {
            let id = if path.starts_with("/v1/admin/users/") {
                dan_id.as_str()
            } else {
                "brightline"
            };
            let path = path.trim_start_matches("/v1").replace("{id}", id);
            let body = match method.as_str() {
                "POST" if path == "/admin/orgs" => json!({"id": "sneaky", "name": "Sneaky"}),
                "POST" if path == "/admin/api-keys" => json!({"org_id": "brightline", "name": "Sneaky"}),
                "POST" if path == "/admin/webhooks" => {
                    json!({"org_id": "brightline", "url": "https://sneaky.example.com/", "events": ["job_status_changed"]})
                }
                "POST" if path == "/admin/users" => {
                    json!({"username": "sneaky", "display_name": "S", "role": "admin", "org_id": "brightline"})
                }
                "PATCH" if path.starts_with("/admin/users/") => json!({"display_name": "Renamed"}),
                "PATCH" => json!({"name": "Renamed"}),
                "PUT" if path.ends_with("/calendar") => json!({"time_zone": "Europe/London",
                    "hours": [{"day": "monday", "opens": "00:00", "closes": "00:01"}]}),
                _ => Value::Null,
            };
            let (status, res) = api.send(method, &token, &path, body).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{user} {method} {path}: {res}");
            assert_eq!(code(&res), "forbidden");
            let keys: BTreeSet<&str> = res.as_object().expect("error").keys().map(String::as_str).collect();
            assert_eq!(keys, BTreeSet::from(["code", "message"]), "{user} {method} {path}");
        }
    }
    let (orgs, users): (i64, i64) = api
        .read(|db| {
            Ok((
                db.value(
                    "SELECT COUNT(*) AS n FROM orgs WHERE id = 'sneaky'",
                    baton_server::args![],
                    "n",
                )?,
                db.value(
                    "SELECT COUNT(*) AS n FROM users WHERE username = 'sneaky'",
                    baton_server::args![],
                    "n",
                )?,
            ))
        })
        .await;
    assert_eq!((orgs, users), (0, 0));
    let audit_after: i64 = api
        .read(|db| {
            db.value(
                "SELECT COUNT(*) AS n FROM audit_log WHERE action NOT LIKE 'sign_in%'",
                baton_server::args![],
                "n",
            )
        })
        .await;
    assert_eq!(audit_after, audit_before, "no admin action was recorded");
}

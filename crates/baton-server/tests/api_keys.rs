//! A partner's own systems through API keys: a carrier's tracking system pushes
//! a job status and a note through the same intents and scope rule as its
//! dispatchers; the key is shown once, stored hashed, held to its organisation,
//! never an administrator, and stops at once when revoked.

use baton_proto::ApiKeyIssued;
use baton_server::args;
use baton_server::demo::{story1, story2, DEMO_PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};

mod common;
use common::{code, Api};

async fn key_for(api: &Api, admin: &str, org: &str, name: &str) -> ApiKeyIssued {
    let (status, body) = api
        .send("POST", admin, "/admin/api-keys", json!({"org_id": org, "name": name}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    serde_json::from_value(body).expect("issued")
}

#[tokio::test]
async fn a_carriers_tracking_system_pushes_statuses_through_its_key_within_its_scope() {
    let api = Api::start().await;
    let ada = api.login("ada").await;
    let issued = key_for(&api, &ada, "swiftparcel", "Swift tracking").await;
    assert!(issued.secret.starts_with("bk_") && issued.secret.len() > 40);
    assert!(issued.secret.starts_with(&issued.key.prefix));
    let stored: Vec<String> = api
        .read(|db| db.all("SELECT key_hash AS v FROM api_keys", args![], |r| r.get("v")))
        .await;
    assert!(
        stored.iter().all(|h| !h.contains(&issued.secret[3..])),
        "only a hash is stored"
    );
    let key = issued.secret.as_str();

    // The same intents as a dispatcher, with the same answers.
    api.apply(
        key,
        json!({"type": "set_job_status", "customer_id": story2::CUSTOMER_ID, "job_id": story2::JOB_ID,
               "status": "at_depot", "base_status": "en_route"}),
    )
    .await;
    api.apply(
        key,
        json!({"type": "add_note", "customer_id": story2::CUSTOMER_ID, "note_id": "note-from-tracking",
               "job_id": story2::JOB_ID, "text": "Scanned at the Leeds depot"}),
    )
    .await;
    let (_, c) = api.get(key, &format!("/customers/{}", story2::CUSTOMER_ID)).await;
    let note = c["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .find(|e| e["text"].as_str().is_some_and(|t| t.contains("Leeds depot")))
        .cloned()
        .expect("the note is on the record");
    assert!(
        note["author"]
            .as_str()
            .is_some_and(|a| a.contains("Swift tracking (API key)")),
        "{note}"
    );
    // What the carrier cannot see, its key cannot either; and it administers nothing.
    let (status, body) = api.get(key, &format!("/jobs/{}", story1::JOB_ID)).await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));
    let (status, body) = api.get(key, "/admin/users").await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "forbidden"));
    // A key signs nobody in, and its service user is not among the people.
    let svc: String = api
        .read(|db| db.value("SELECT user_id AS v FROM api_keys", args![], "v"))
        .await;
    let (status, _) = api
        .send(
            "POST",
            "",
            "/auth/login",
            json!({"username": svc, "password": DEMO_PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, users) = api.get(&ada, "/admin/users?org=swiftparcel").await;
    assert!(!users.to_string().contains(&svc), "{users}");

    // Listed with when it was last used; revoked, it stops at once.
    let (_, keys) = api.get(&ada, "/admin/api-keys").await;
    assert_eq!(keys[0]["name"], "Swift tracking");
    assert!(keys[0]["last_used_at"].is_string(), "{keys}");
    assert!(!keys.to_string().contains(key), "the list never shows the key");
    let (status, body) = api
        .send(
            "POST",
            &ada,
            &format!("/admin/api-keys/{}/revoke", issued.key.id),
            Value::Null,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["revoked_at"].is_string());
    let (status, body) = api.get(key, "/me").await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "unauthenticated"));
}

#[tokio::test]
async fn a_partner_admin_makes_keys_for_its_own_organisation_only() {
    let api = Api::start().await;
    let ada = api.login("ada").await;
    let hana = api.invited(&ada, "hana", "admin", "pageturn").await;
    key_for(&api, &hana, "pageturn", "PageTurn fulfilment").await;
    let others = key_for(&api, &ada, "brightline", "Brightline scheduler").await;
    let (status, body) = api
        .send(
            "POST",
            &hana,
            "/admin/api-keys",
            json!({"org_id": "brightline", "name": "Sneaky"}),
        )
        .await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));
    let (status, body) = api
        .send(
            "POST",
            &hana,
            &format!("/admin/api-keys/{}/revoke", others.key.id),
            Value::Null,
        )
        .await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));
    let (_, keys) = api.get(&hana, "/admin/api-keys").await;
    assert_eq!(keys.as_array().map(Vec::len), Some(1), "{keys}");
    assert!(!keys.to_string().contains("Brightline"), "{keys}");
    for (body, want) in [
        (json!({"org_id": "pageturn", "name": "  "}), "bad_request"),
        (
            json!({"org_id": "pageturn", "name": "X", "role": "admin"}),
            "bad_request",
        ),
    ] {
        let (status, res) = api.send("POST", &hana, "/admin/api-keys", body).await;
        assert_eq!((status, code(&res)), (StatusCode::UNPROCESSABLE_ENTITY, want), "{res}");
    }
    // A deactivated organisation's keys stop too.
    let (status, _) = api
        .send("PATCH", &ada, "/admin/orgs/brightline", json!({"active": false}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = api.get(&others.secret, "/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

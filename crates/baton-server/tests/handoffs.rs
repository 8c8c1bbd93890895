//! Who may hand work to whom, who may change what a customer agreed to, and who
//! a confirmation goes to — on the real server over HTTP.

use baton_proto::Customer;
use baton_server::demo::{story1, story4};
use reqwest::StatusCode;
use serde_json::{json, Value};

mod common;
use common::Api;

fn id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn callback_owned_by(org: &str) -> Value {
    json!({"type": "schedule_callback", "customer_id": story1::CUSTOMER_ID, "callback_id": id(),
           "owner_org_id": org, "owner_user_id": null, "person_id": story1::MOTHER_ID,
           "phone": story1::MOTHER_MOBILE, "request": "Confirm the visit", "due_at": "2030-01-01T10:00:00Z",
           "trigger": null, "job_id": story1::JOB_ID})
}

fn commitment_owned_by(org: &str) -> Value {
    json!({"type": "record_commitment", "customer_id": story1::CUSTOMER_ID, "commitment_id": id(),
           "text": "Bring the bracket", "due_at": "2030-01-01T10:00:00Z", "owner_org_id": org,
           "ticket_id": null, "job_id": story1::JOB_ID})
}

async fn record(api: &Api, token: &str, customer: &str) -> Customer {
    let (status, body) = api.get(token, &format!("/customers/{customer}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body).expect("customer")
}

#[tokio::test]
async fn a_partner_hands_work_only_to_itself_or_the_retailer() {
    let api = Api::start().await;
    let dan = api.login("dan").await;
    // Another partner would be handed the customer: refused, nothing stored.
    for intent in [callback_owned_by("swiftparcel"), commitment_owned_by("pageturn")] {
        assert_eq!(api.refused(&dan, intent.clone()).await, "forbidden", "{intent}");
    }
    let priya = api.login("priya").await;
    let (status, _) = api.get(&priya, &format!("/customers/{}", story1::CUSTOMER_ID)).await;
    assert_eq!(status, StatusCode::OK, "the carrier has its own job on story 1");
    let lena = api.login("lena").await;
    let (status, _) = api.get(&lena, &format!("/customers/{}", story1::CUSTOMER_ID)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "PageTurn was not handed Margaret");

    // Its own organisation and the retailer are fine.
    for org in ["brightline", "northwind"] {
        api.apply(&dan, callback_owned_by(org)).await;
        api.apply(&dan, commitment_owned_by(org)).await;
    }
    // Retailer staff give work to any organisation.
    let alice = api.login("alice").await;
    api.apply(&alice, commitment_owned_by("pageturn")).await;
    let (status, _) = api.get(&lena, &format!("/customers/{}", story1::CUSTOMER_ID)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn only_retailer_staff_escalate_tickets_and_set_consent_or_purposes() {
    let api = Api::start().await;
    let dan = api.login("dan").await;
    // Dan opens a ticket of his own and tries to pass it to the carrier.
    let ticket = id();
    api.apply(
        &dan,
        json!({"type": "open_ticket", "customer_id": story1::CUSTOMER_ID, "ticket_id": ticket,
               "subject": "Bracket missing", "priority": "normal", "job_ids": [story1::JOB_ID]}),
    )
    .await;
    let escalate = json!({"type": "escalate_ticket", "customer_id": story1::CUSTOMER_ID, "ticket_id": ticket,
                          "org_id": "swiftparcel", "reason": "Bring a bracket", "pause_reason": null});
    assert_eq!(api.refused(&dan, escalate).await, "forbidden");

    let preferences = json!({"type": "set_contact_preferences", "customer_id": story1::CUSTOMER_ID,
        "person_id": story1::MOTHER_ID, "contact_point_id": story1::MOTHER_MOBILE_ID,
        "purposes": ["marketing"], "preferred": true, "consent": {"service": true, "marketing": true}});
    assert_eq!(api.refused(&dan, preferences.clone()).await, "forbidden");
    let with_purpose = json!({"type": "add_contact_point", "customer_id": story1::CUSTOMER_ID,
        "person_id": story1::MOTHER_ID, "contact_point_id": id(), "kind": "phone", "label": "work",
        "value": "+447946000999", "purposes": ["confirmations"]});
    assert_eq!(api.refused(&dan, with_purpose).await, "forbidden");
    let before = record(&api, &dan, story1::CUSTOMER_ID).await;
    let mobile = before
        .contact_point(story1::MOTHER_ID, story1::MOTHER_MOBILE_ID)
        .expect("mobile");
    assert!(!mobile.consent.marketing && !mobile.purposes.contains(&baton_proto::ContactPurpose::Marketing));

    // A number without purposes is the partner's to add; the retailer sets what it is for.
    let point = id();
    api.apply(
        &dan,
        json!({"type": "add_contact_point", "customer_id": story1::CUSTOMER_ID, "person_id": story1::MOTHER_ID,
               "contact_point_id": point, "kind": "phone", "label": "work", "value": "+447946000999", "purposes": []}),
    )
    .await;
    let alice = api.login("alice").await;
    api.apply(&alice, preferences).await;
    // The retailer's own escalation of its ticket still works (story 4's path).
    let (status, body) = api.get(&alice, &format!("/tickets/{}", story4::TICKET_ID)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_contact_change_is_confirmed_to_the_person_the_old_value_and_the_confirmations_contact() {
    let api = Api::start().await;
    let alice = api.login("alice").await;
    let before = record(&api, &alice, story1::CUSTOMER_ID).await.confirmations.len();
    api.apply(
        &alice,
        json!({"type": "set_contact_point", "customer_id": story1::CUSTOMER_ID, "person_id": story1::MOTHER_ID,
               "contact_point_id": story1::MOTHER_MOBILE_ID, "value": "07946 000888",
               "base_value": story1::MOTHER_MOBILE}),
    )
    .await;
    let doc = record(&api, &alice, story1::CUSTOMER_ID).await;
    let new: Vec<(Option<&str>, Option<&str>)> = doc.confirmations[before..]
        .iter()
        .map(|c| (c.person_id.as_deref(), c.recipient.as_deref()))
        .collect();
    assert_eq!(
        new,
        vec![
            // Margaret on her channel as it is now: the new mobile.
            (Some(story1::MOTHER_ID), Some("+447946000888")),
            // "Was this you?" on the number that was replaced.
            (Some(story1::MOTHER_ID), Some(story1::MOTHER_MOBILE)),
            // The account's contact marked for confirmations.
            (Some(story1::SON_ID), Some("arthur.hughes@example.com")),
        ]
    );
    // The record says who got what, in one timeline entry.
    let queued: Vec<&str> = doc
        .timeline
        .iter()
        .filter(|e| e.kind == baton_proto::TimelineKind::Confirmation)
        .map(|e| e.text.as_str())
        .filter(|t| t.contains("000888"))
        .collect();
    assert_eq!(queued.len(), 1, "{queued:?}");
    for to in [
        "by SMS to +44 7946 000888",
        "by SMS to +44 7946 000202",
        "by email to arthur.hughes@example.com",
    ] {
        assert!(queued[0].contains(to), "{to}: {queued:?}");
    }
}

#[tokio::test]
async fn a_partners_promise_is_confirmed_to_its_jobs_contact_and_shows_no_hidden_address() {
    // The issue as found: dan records a promise on Margaret's record and was shown
    // "Waiting to be sent by email to arthur.hughes@example.com".
    let api = Api::start().await;
    let dan = api.login("dan").await;
    api.apply(&dan, commitment_owned_by("brightline")).await;
    let seen = record(&api, &dan, story1::CUSTOMER_ID).await;
    let body = serde_json::to_string(&seen).expect("json");
    assert!(!body.contains("arthur.hughes@example.com"), "{body}");
    assert!(
        !body.contains("Arthur"),
        "the account holder's name is not the installer's to see"
    );
    let promise = seen.confirmations.last().expect("a confirmation");
    assert_eq!(promise.person_id.as_deref(), Some(story1::MOTHER_ID));
    assert_eq!(promise.recipient.as_deref(), Some(story1::MOTHER_MOBILE));
    assert_eq!(seen.display_name, story1::MOTHER_NAME);

    let alice = api.login("alice").await;
    let full = record(&api, &alice, story1::CUSTOMER_ID).await;
    assert_eq!(full.display_name, "Arthur Hughes");
}

#[tokio::test]
async fn a_partner_sends_only_the_retailers_confirmation_templates() {
    let api = Api::start().await;
    let dan = api.login("dan").await;
    let own_words = json!({"type": "send_confirmation", "customer_id": story1::CUSTOMER_ID, "confirmation_id": id(),
        "person_id": story1::MOTHER_ID, "text": "Pay the balance at http://pay.example.net"});
    assert_eq!(api.refused(&dan, own_words).await, "forbidden");
    let (status, templates) = api.get(&dan, "/confirmation-templates").await;
    assert_eq!(status, StatusCode::OK);
    let booked = templates
        .as_array()
        .and_then(|t| t.iter().find(|t| t["name"] == "Visit booked"))
        .expect("the retailer's template")
        .clone();
    let sent = id();
    api.apply(
        &dan,
        json!({"type": "send_confirmation", "customer_id": story1::CUSTOMER_ID, "confirmation_id": sent,
               "person_id": story1::MOTHER_ID, "template_id": booked["id"]}),
    )
    .await;
    let seen = record(&api, &dan, story1::CUSTOMER_ID).await;
    let c = seen.confirmations.iter().find(|c| c.id == sent).expect("sent");
    assert_eq!(c.summary, booked["body"].as_str().expect("body"));
    // Both at once, or an unknown template, is refused.
    let both = json!({"type": "send_confirmation", "customer_id": story1::CUSTOMER_ID, "confirmation_id": id(),
        "person_id": null, "template_id": booked["id"], "text": "and more"});
    assert_eq!(api.refused(&dan, both).await, "bad_request");
    let unknown = json!({"type": "send_confirmation", "customer_id": story1::CUSTOMER_ID, "confirmation_id": id(),
        "person_id": null, "template_id": "tpl_nope"});
    assert_eq!(api.refused(&dan, unknown).await, "bad_request");
}

#[tokio::test]
async fn only_retailer_supervisors_word_templates() {
    let api = Api::start().await;
    let template = json!({"id": "tpl_parts_ordered", "name": "Parts ordered",
                          "body": "We have ordered the part; we will call you to book the visit."});
    for user in ["alice", "dan"] {
        let token = api.login(user).await;
        let res = api
            .http
            .post(api.url("/confirmation-templates"))
            .bearer_auth(&token)
            .json(&template)
            .send()
            .await
            .expect("post");
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{user}");
    }
    let sam = api.login("sam").await;
    for bad in [
        json!({"id": "tpl x", "name": "n", "body": "b"}),
        json!({"id": "tpl_y", "name": " ", "body": "b"}),
        json!({"id": "tpl_z", "name": "n", "body": ""}),
    ] {
        let res = api
            .http
            .post(api.url("/confirmation-templates"))
            .bearer_auth(&sam)
            .json(&bad)
            .send()
            .await
            .expect("post");
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    let res = api
        .http
        .post(api.url("/confirmation-templates"))
        .bearer_auth(&sam)
        .json(&template)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::OK);
    let (_, all) = api.get(&sam, "/confirmation-templates").await;
    assert!(all.to_string().contains("Parts ordered"));
}

/// Everything a user reads about a customer, as one text to search: the record,
/// its timeline pages, the snapshot and the change feed from the start, its
/// audit trail and (for a supervisor) its export.
async fn all_about(api: &Api, token: &str, customer: &str) -> String {
    let mut out = String::new();
    for path in [
        format!("/customers/{customer}"),
        format!("/customers/{customer}/timeline?limit=200"),
        format!("/customers/{customer}/audit"),
        format!("/customers/{customer}/export"),
        "/sync/snapshot?limit=1000".to_string(),
    ] {
        let (_, body) = api.get(token, &path).await;
        out.push_str(&body.to_string());
    }
    out.push_str(&serde_json::to_string(&api.changes(token, 0).await).expect("changes"));
    out
}

#[tokio::test]
async fn an_internal_note_stays_with_the_organisation_that_wrote_it() {
    let api = Api::start().await;
    let (dan, priya, alice, sam) = (
        api.login("dan").await,
        api.login("priya").await,
        api.login("alice").await,
        api.login("sam").await,
    );
    let note = |text: &str, visibility: &str| {
        json!({"type": "add_note", "customer_id": story1::CUSTOMER_ID, "note_id": id(), "text": text,
               "job_id": story1::JOB_ID, "ticket_id": null, "visibility": visibility})
    };
    api.apply(&dan, note("Brightline only: van 3 has the bracket", "internal"))
        .await;
    api.apply(&dan, note("Brightline to everyone: arriving at ten", "shared"))
        .await;
    api.apply(&alice, note("Northwind only: goodwill voucher approved", "internal"))
        .await;
    api.apply(&alice, note("Northwind to the installer: use the side door", "shared"))
        .await;
    // Without a visibility, a note is shared, as it always was.
    let mut unstated = note("Northwind, unstated: gate code 4411", "shared");
    unstated.as_object_mut().expect("intent").remove("visibility");
    api.apply(&alice, unstated).await;

    // The retailer, as an agent and as a supervisor (who also reads the audit
    // trail and the export), on every path: Brightline's internal notes —
    // story 4's from the demo and today's — are nowhere.
    for token in [&alice, &sam] {
        let seen = format!(
            "{}{}",
            all_about(&api, token, story1::CUSTOMER_ID).await,
            all_about(&api, token, story4::CUSTOMER_ID).await
        );
        for hidden in ["Brightline only", story4::INTERNAL_NOTE] {
            assert!(!seen.contains(hidden), "the retailer read {hidden:?}");
        }
        for shown in [
            "Brightline to everyone",
            "Northwind only",
            "use the side door",
            "gate code 4411",
        ] {
            assert!(seen.contains(shown), "the retailer misses {shown:?}");
        }
    }
    // Brightline reads its own notes, internal too, and the retailer's shared ones.
    let seen = all_about(&api, &dan, story1::CUSTOMER_ID).await;
    for shown in [
        "Brightline only",
        "Brightline to everyone",
        "use the side door",
        "gate code 4411",
    ] {
        assert!(seen.contains(shown), "Brightline misses {shown:?}");
    }
    assert!(
        !seen.contains("Northwind only"),
        "Brightline read the retailer's internal note"
    );
    let story4 = record(&api, &dan, story4::CUSTOMER_ID).await;
    let own = story4
        .timeline
        .iter()
        .find(|e| e.id == story4::INTERNAL_NOTE_ID)
        .expect("its internal note");
    assert_eq!(own.visibility, baton_proto::NoteVisibility::Internal);
    // The carrier has its own job on story 1: none of these notes is about it.
    let seen = all_about(&api, &priya, story1::CUSTOMER_ID).await;
    for hidden in [
        "Brightline only",
        "Brightline to everyone",
        "Northwind only",
        "use the side door",
    ] {
        assert!(!seen.contains(hidden), "the carrier read {hidden:?}");
    }
    // A visibility that is neither is refused, and nothing is stored.
    let (status, body) = api.mutate(&dan, note("Somewhere in between", "secret")).await;
    assert_ne!(status, StatusCode::OK, "{body}");
    assert!(!all_about(&api, &dan, story1::CUSTOMER_ID)
        .await
        .contains("Somewhere in between"));
}

async fn here(api: &Api, token: &str, customer: &str, activity: &str, contact: Option<&str>) -> StatusCode {
    api.send(
        "PUT",
        token,
        "/presence",
        json!({"customer_id": customer, "activity": activity, "contact_point_id": contact}),
    )
    .await
    .0
}

async fn who_else(api: &Api, token: &str, customer: &str) -> Vec<baton_proto::Presence> {
    let (status, body) = api.get(token, &format!("/customers/{customer}/presence")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body).expect("presence")
}

/// Two organisations do not call the customer at once: each sees who else is
/// on the record — but a partner only its own people and the retailer's, and
/// what someone edits only when it may see that contact.
#[tokio::test]
async fn everyone_on_a_record_sees_who_else_is_there_as_far_as_the_scope_allows() {
    let api = Api::start().await;
    let (dan, priya, alice) = (
        api.login("dan").await,
        api.login("priya").await,
        api.login("alice").await,
    );
    let c = story1::CUSTOMER_ID;
    assert_eq!(here(&api, &dan, c, "viewing", None).await, StatusCode::NO_CONTENT);
    assert_eq!(here(&api, &priya, c, "viewing", None).await, StatusCode::NO_CONTENT);
    // Alice edits the son's email, which neither partner may see.
    let son_email = "cp_000001_1_2";
    assert_eq!(
        here(&api, &alice, c, "editing", Some(son_email)).await,
        StatusCode::NO_CONTENT
    );

    let seen_by_alice = who_else(&api, &alice, c).await;
    let names: Vec<(&str, &str)> = seen_by_alice
        .iter()
        .map(|p| (p.name.as_str(), p.org_name.as_str()))
        .collect();
    assert!(names.contains(&("Dan Brooks", "Brightline Installations")), "{names:?}");
    assert!(names.iter().any(|(n, _)| *n == "Priya Shah"), "{names:?}");
    assert!(seen_by_alice.iter().all(|p| p.user_id != "usr_alice"), "not herself");

    let seen_by_dan = who_else(&api, &dan, c).await;
    assert_eq!(seen_by_dan.len(), 1, "Alice only, not the carrier: {seen_by_dan:?}");
    assert_eq!(seen_by_dan[0].activity, baton_proto::PresenceActivity::Editing);
    assert_eq!(
        seen_by_dan[0].editing, None,
        "Dan may not see the son's email, nor whose it is"
    );
    let text = serde_json::to_string(&seen_by_dan).expect("json");
    assert!(!text.contains("Arthur") && !text.contains("Priya"), "{text}");

    // Alice moves to Margaret's mobile, which Dan sees: named.
    here(&api, &alice, c, "editing", Some(story1::MOTHER_MOBILE_ID)).await;
    let seen_by_dan = who_else(&api, &dan, c).await;
    assert_eq!(seen_by_dan[0].editing.as_deref(), Some("Margaret Hughes's mobile"));
    // Gone when she leaves; a record out of scope is not found, and says nothing.
    here(&api, &alice, c, "left", None).await;
    assert!(who_else(&api, &dan, c).await.is_empty());
    let lena = api.login("lena").await;
    assert_eq!(here(&api, &lena, c, "viewing", None).await, StatusCode::NOT_FOUND);
    let (status, _) = api.get(&lena, &format!("/customers/{c}/presence")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        api.send(
            "PUT",
            &dan,
            "/presence",
            json!({"customer_id": c, "activity": "dancing"})
        )
        .await
        .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

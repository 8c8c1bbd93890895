//! The lifecycle of orders and jobs from the retailer's systems, over real HTTP:
//! an order recorded, a job given to a partner that never had the customer (it
//! receives exactly what its fields allow), an appointment moved and confirmed,
//! a job cancelled, and bad input refused with nothing stored.

use std::collections::BTreeSet;

use baton_proto::{ChangeOp, Job, JobStatus, Record};
use baton_server::args;
use baton_server::demo::{household, story1, story2};
use baton_server::store::Conn;
use baton_server::ServerError;
use reqwest::StatusCode;
use serde_json::{json, Value};

mod common;
use common::Api;

fn strings(db: &dyn Conn, sql: &str, p: &str) -> Result<BTreeSet<String>, ServerError> {
    Ok(db.all(sql, args![p], |r| r.get::<String>("v"))?.into_iter().collect())
}

/// A new partner with only `fields`, and its dispatcher signed in.
async fn new_partner(api: &Api, id: &str, fields: Value) -> String {
    let ada = api.login("ada").await;
    let (status, body) = api
        .send(
            "POST",
            &ada,
            "/admin/orgs",
            json!({"id": id, "name": format!("{id} Ltd"), "visible_fields": fields}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    api.invited(&ada, &format!("{id}-dispatch"), "partner_dispatcher", id)
        .await
}

async fn counts(api: &Api) -> (i64, i64, i64) {
    api.read(|db| {
        Ok((
            db.value::<i64>("SELECT COUNT(*) AS n FROM jobs", args![], "n")?,
            db.value::<i64>("SELECT COUNT(*) AS n FROM orders", args![], "n")?,
            db.value::<i64>("SELECT COUNT(*) AS n FROM changes", args![], "n")?,
        ))
    })
    .await
}

#[tokio::test]
async fn a_partner_that_never_had_the_customer_gets_exactly_what_its_job_needs() {
    let api = Api::start().await;
    let alice = api.login("alice").await;
    let fixit = new_partner(&api, "fixit", json!(["phone"])).await;
    let (status, snap) = api.get(&fixit, "/sync/snapshot").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        snap["records"].as_array().map(Vec::len),
        Some(0),
        "nothing before its first job"
    );
    let cursor = api.changes(&fixit, 0).await.cursor;

    let customer = household::CUSTOMER_ID;
    let people: Vec<(String, String)> = api
        .read(move |db| {
            db.all(
                "SELECT id, name FROM people WHERE customer_id = ?1 ORDER BY position",
                args![customer],
                |r| Ok((r.get("id")?, r.get("name")?)),
            )
        })
        .await;
    let (contact_id, contact_name) = people.last().cloned().expect("a person");
    let address: String = api
        .read(move |db| {
            db.value(
                "SELECT id AS v FROM addresses WHERE customer_id = ?1 LIMIT 1",
                args![customer],
                "v",
            )
        })
        .await;
    api.apply(
        &alice,
        json!({"type": "create_order", "customer_id": customer, "order_id": "ord-fixit-1", "kind": "order",
               "lines": [{"sku": "WM-8KG", "name": "Washing machine 8 kg", "quantity": 1}]}),
    )
    .await;
    api.apply(
        &alice,
        json!({"type": "create_job", "customer_id": customer, "job_id": "job-fixit-1", "org_id": "fixit",
               "kind": "installation", "summary": "Plumb in the washing machine", "contact_person_id": contact_id,
               "address_id": address, "order_id": "ord-fixit-1",
               "appointment_start": "2026-12-10T09:00:00Z", "appointment_end": "2026-12-10T11:00:00Z"}),
    )
    .await;

    // What the written rule gives FixIt (phones only, of the job's contact),
    // and what it hides, from the tables.
    let (allowed_phones, hidden) = api
        .read(move |db| {
            let contact = contact_id.clone();
            let allowed = strings(
                db,
                "SELECT value AS v FROM contact_points WHERE kind = 'phone' AND person_id = ?1",
                &contact,
            )?;
            let mut hidden = strings(
                db,
                "SELECT cp.value AS v FROM contact_points cp JOIN people p ON p.id = cp.person_id
                 WHERE p.customer_id = ?1 AND cp.kind = 'email'",
                customer,
            )?;
            hidden.extend(strings(
                db,
                "SELECT line1 AS v FROM addresses WHERE customer_id = ?1",
                customer,
            )?);
            hidden.extend(strings(
                db,
                "SELECT postcode AS v FROM addresses WHERE customer_id = ?1",
                customer,
            )?);
            hidden.extend(strings(
                db,
                "SELECT number AS v FROM orders WHERE customer_id = ?1",
                customer,
            )?);
            hidden.extend(strings(
                db,
                "SELECT name AS v FROM people WHERE customer_id = ?1",
                customer,
            )?);
            Ok((allowed, hidden))
        })
        .await;
    let hidden: BTreeSet<String> = hidden
        .into_iter()
        .filter(|h| h != &contact_name && !allowed_phones.contains(h))
        .collect();
    assert!(!allowed_phones.is_empty() && !hidden.is_empty());

    let page = api.changes(&fixit, cursor).await;
    let text = serde_json::to_string(&page).expect("json");
    let mut job: Option<Job> = None;
    let mut customers = 0;
    for c in &page.changes {
        if let ChangeOp::Upsert { record } = &c.op {
            match record.as_ref() {
                Record::Job(j) => job = Some(j.clone()),
                Record::Customer(c) => {
                    customers += 1;
                    assert_eq!(c.id, customer);
                    let names: Vec<&str> = c.people.iter().map(|p| p.name.as_str()).collect();
                    assert_eq!(names, [contact_name.as_str()], "only the job's contact");
                }
            }
        }
    }
    assert!(customers >= 1, "the customer reached FixIt: {text}");
    let job = job.expect("the job reached FixIt");
    assert_eq!((job.status, job.org_id.as_str()), (JobStatus::Scheduled, "fixit"));
    assert!(job.number.starts_with("J-"), "{}", job.number);
    assert_eq!(job.address_id, None, "no address field");
    assert_eq!(job.order_id, None, "no orders field");
    for phone in &allowed_phones {
        assert!(
            text.contains(phone.as_str()),
            "the contact's {phone} is what the job needs"
        );
    }
    for value in &hidden {
        assert!(!text.contains(value.as_str()), "FixIt's feed holds {value}");
    }
    let (_, snap) = api.get(&fixit, "/sync/snapshot").await;
    for value in &hidden {
        assert!(
            !snap.to_string().contains(value.as_str()),
            "FixIt's snapshot holds {value}"
        );
    }
    // The booking is confirmed to the contact.
    let confirmations: i64 = api
        .read(move |db| {
            db.value(
                "SELECT COUNT(*) AS n FROM confirmations WHERE customer_id = ?1 AND summary LIKE '%booked%'",
                args![customer],
                "n",
            )
        })
        .await;
    assert_eq!(confirmations, 1);
}

#[tokio::test]
async fn a_moved_appointment_is_confirmed_and_shows_as_changed_to_the_partner() {
    let api = Api::start().await;
    let alice = api.login("alice").await;
    let dan = api.login("dan").await;
    let priya = api.login("priya").await;
    let move_to = |start: &str, end: &str| {
        json!({"type": "reschedule_job", "customer_id": story1::CUSTOMER_ID, "job_id": story1::JOB_ID,
               "appointment_start": start, "appointment_end": end, "reason": "the customer asked for the afternoon"})
    };
    let before = api.changes(&dan, 0).await.cursor;
    api.apply(&alice, move_to("2026-12-11T13:00:00Z", "2026-12-11T15:00:00Z"))
        .await;
    let (_, job) = api.get(&dan, &format!("/jobs/{}", story1::JOB_ID)).await;
    assert_eq!(job["appointment_start"], "2026-12-11T13:00:00Z");
    let (_, c) = api.get(&dan, &format!("/customers/{}", story1::CUSTOMER_ID)).await;
    let entry = c["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .find(|e| e["kind"] == "job_rescheduled")
        .cloned()
        .expect("Brightline sees the move on its timeline");
    assert!(
        entry["text"].as_str().is_some_and(|t| t.contains("afternoon")),
        "{entry}"
    );
    assert!(
        !api.changes(&dan, before).await.changes.is_empty(),
        "its consoles are told"
    );
    let confirmation = api
        .read(|db| {
            db.value(
                "SELECT person_id AS v FROM confirmations WHERE customer_id = ?1 AND summary LIKE '%moved%'",
                args![story1::CUSTOMER_ID],
                "v",
            )
        })
        .await;
    let contact: String = api
        .read(|db| {
            db.value(
                "SELECT contact_person_id AS v FROM jobs WHERE id = ?1",
                args![story1::JOB_ID],
                "v",
            )
        })
        .await;
    let confirmed: String = confirmation;
    assert_eq!(confirmed, contact, "the job's contact is confirmed the new window");

    // The job's own partner may move it; another partner cannot even see it.
    api.apply(&dan, move_to("2026-12-12T09:00:00Z", "2026-12-12T10:00:00Z"))
        .await;
    let (_, res) = api
        .mutate(&priya, move_to("2026-12-13T09:00:00Z", "2026-12-13T10:00:00Z"))
        .await;
    assert_eq!(res["code"], "not_found", "{res}");

    // Cancelled, by the retailer only; then nothing moves it.
    let cancel = json!({"type": "cancel_job", "customer_id": story1::CUSTOMER_ID, "job_id": story1::JOB_ID,
                        "reason": "the customer returned the TV"});
    assert_eq!(api.refused(&dan, cancel.clone()).await, "forbidden");
    api.apply(&alice, cancel).await;
    let (_, job) = api.get(&dan, &format!("/jobs/{}", story1::JOB_ID)).await;
    assert_eq!(job["status"], "cancelled");
    assert_eq!(
        api.refused(&alice, move_to("2026-12-14T09:00:00Z", "2026-12-14T10:00:00Z"))
            .await,
        "conflict"
    );
}

#[tokio::test]
async fn an_order_changes_and_bad_orders_and_jobs_are_refused_with_nothing_stored() {
    let api = Api::start().await;
    let alice = api.login("alice").await;
    let dan = api.login("dan").await;
    let ada = api.login("ada").await;
    let customer = story2::CUSTOMER_ID;
    api.apply(
        &alice,
        json!({"type": "create_order", "customer_id": customer, "order_id": "ord-1", "number": "NW/2026/0042",
               "kind": "order", "lines": [{"sku": "TV-55", "name": "55\" TV", "quantity": 1}]}),
    )
    .await;
    api.apply(
        &alice,
        json!({"type": "update_order", "customer_id": customer, "order_id": "ord-1", "status": "returned"}),
    )
    .await;
    let (_, c) = api.get(&alice, &format!("/customers/{customer}")).await;
    let order = c["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .find(|o| o["id"] == "ord-1")
        .cloned();
    assert_eq!(
        order.map(|o| (o["number"].clone(), o["status"].clone())),
        Some((json!("NW/2026/0042"), json!("returned")))
    );

    let (status, _) = api
        .send("PATCH", &ada, "/admin/orgs/pageturn", json!({"active": false}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let person: String = api
        .read(move |db| {
            db.value(
                "SELECT id AS v FROM people WHERE customer_id = ?1 LIMIT 1",
                args![customer],
                "v",
            )
        })
        .await;
    let stranger = story1::MOTHER_ID;
    let before = counts(&api).await;
    let job = |extra: Value| {
        let mut j = json!({"type": "create_job", "customer_id": customer, "job_id": "job-new", "org_id": "brightline",
            "kind": "service_visit", "summary": "Check the aerial", "contact_person_id": person});
        for (k, v) in extra.as_object().expect("object") {
            j[k] = v.clone();
        }
        j
    };
    let order = |lines: Value, number: Value| {
        json!({"type": "create_order", "customer_id": customer, "order_id": "ord-2", "number": number,
               "kind": "order", "lines": lines})
    };
    let line = json!([{"sku": "A-1", "name": "Aerial", "quantity": 1}]);
    for (who, intent, want) in [
        (&dan, job(json!({})), "forbidden"),
        (
            &alice,
            job(json!({"appointment_start": "2026-12-10T11:00:00Z", "appointment_end": "2026-12-10T09:00:00Z"})),
            "bad_request",
        ),
        (
            &alice,
            job(json!({"appointment_start": "2026-12-10T11:00:00Z"})),
            "bad_request",
        ),
        (
            &alice,
            job(json!({"appointment_start": "2026-12-10T09:00:00Z", "appointment_end": "2027-01-10T09:00:00Z"})),
            "bad_request",
        ),
        (&alice, job(json!({"contact_person_id": stranger})), "bad_request"),
        (&alice, job(json!({"org_id": "northwind"})), "bad_request"),
        (&alice, job(json!({"org_id": "nowhere"})), "bad_request"),
        (&alice, job(json!({"org_id": "pageturn"})), "conflict"),
        (&alice, job(json!({"job_id": story2::JOB_ID})), "conflict"),
        (&alice, job(json!({"summary": "  "})), "bad_request"),
        (&alice, job(json!({"order_id": "ord-of-nobody"})), "bad_request"),
        (&alice, order(json!([]), Value::Null), "bad_request"),
        (
            &alice,
            order(json!([{"sku": "A-1", "name": "Aerial", "quantity": 0}]), Value::Null),
            "bad_request",
        ),
        (
            &alice,
            order(json!([{"sku": "A 1", "name": "Aerial", "quantity": 1}]), Value::Null),
            "bad_request",
        ),
        (&alice, order(line.clone(), json!("NW 42")), "bad_request"),
        (&alice, order(line.clone(), json!("NW/2026/0042")), "conflict"),
        (&dan, order(line.clone(), Value::Null), "forbidden"),
    ] {
        let code = api.refused(who, intent.clone()).await;
        assert_eq!(code, want, "{intent}");
    }
    assert_eq!(counts(&api).await, before, "nothing was stored");
}

//! The API over real HTTP: a real server on a free port with the demo data.

use baton_proto::{ChangeOp, ChangesPage, Customer, Job, Record, SnapshotPage, PROTOCOL_HEADER};
use baton_server::demo::{carrier_only, story1};
use reqwest::StatusCode;
use serde_json::{json, Value};

mod common;
use common::{code, read_until, Api};

fn set_mobile(id: &str, value: &str, base: &str) -> Value {
    json!({
        "id": id, "client_seq": 1, "created_at": "2026-11-23T10:00:00Z",
        "intent": {
            "type": "set_contact_point", "customer_id": story1::CUSTOMER_ID, "person_id": story1::MOTHER_ID,
            "contact_point_id": story1::MOTHER_MOBILE_ID, "value": value, "base_value": base
        }
    })
}

#[tokio::test]
async fn login_and_tokens_fail_with_typed_errors() {
    let api = Api::start().await;
    let res = api
        .http
        .post(api.url("/auth/login"))
        .json(&json!({"username": "alice", "password": "nope"}))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(code(&res.json().await.expect("json")), "unauthenticated");

    for body in [json!({"username": "", "password": "x"}), json!({"username": "alice"})] {
        let res = api
            .http
            .post(api.url("/auth/login"))
            .json(&body)
            .send()
            .await
            .expect("send");
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(code(&res.json().await.expect("json")), "bad_request");
    }
    let res = api
        .http
        .post(api.url("/auth/login"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("send");
    assert_eq!(code(&res.json().await.expect("json")), "bad_request");

    let (status, body) = api.get("not-a-token", "/me").await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "unauthenticated"));
    let res = api.http.get(api.url("/me")).send().await.expect("send");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    let token = api.login("dan").await;
    let (status, me) = api.get(&token, "/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (me["role"].as_str(), me["org"]["id"].as_str()),
        (Some("partner_dispatcher"), Some("brightline"))
    );
    let res = api
        .http
        .post(api.url("/auth/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("logout");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        api.get(&token, "/me").await.0,
        StatusCode::UNAUTHORIZED,
        "a signed-out token is dead"
    );
}

#[tokio::test]
async fn partners_never_read_another_partners_customer_or_job() {
    let api = Api::start().await;
    let internal = api.login("alice").await;
    let installer = api.login("dan").await;
    let carrier = api.login("priya").await;
    let digital = api.login("lena").await;

    // Every job, by owner.
    let snapshot: SnapshotPage =
        serde_json::from_value(api.get(&internal, "/sync/snapshot?limit=5000").await.1).expect("snap");
    let jobs: Vec<Job> = snapshot
        .records
        .iter()
        .filter_map(|r| if let Record::Job(j) = r { Some(j.clone()) } else { None })
        .collect();
    assert!(jobs.len() > 10);

    for (token, org) in [
        (&installer, "brightline"),
        (&carrier, "swiftparcel"),
        (&digital, "pageturn"),
    ] {
        for job in &jobs {
            let (status, body) = api.get(token, &format!("/jobs/{}", job.id)).await;
            let (cstatus, cbody) = api.get(token, &format!("/customers/{}", job.customer_id)).await;
            let partner_has_a_job_there = jobs.iter().any(|j| j.customer_id == job.customer_id && j.org_id == org);
            if job.org_id == org {
                assert_eq!(status, StatusCode::OK, "{org} reads its own job {}", job.id);
            } else {
                assert_eq!(
                    (status, code(&body)),
                    (StatusCode::NOT_FOUND, "not_found"),
                    "{org} must not read {}",
                    job.id
                );
                assert!(body.get("customer_id").is_none(), "no data leaks in the error");
            }
            if partner_has_a_job_there {
                assert_eq!(cstatus, StatusCode::OK);
            } else {
                assert_eq!(
                    (cstatus, code(&cbody)),
                    (StatusCode::NOT_FOUND, "not_found"),
                    "{org} must not read customer {}",
                    job.customer_id
                );
            }
        }
    }
    // Unknown ids look exactly like forbidden ones.
    let (status, body) = api.get(&installer, "/customers/cus_999999").await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));
    let other = format!("/customers/{}", carrier_only::CUSTOMER_ID);
    assert_eq!(api.get(&installer, &other).await.0, StatusCode::NOT_FOUND);
    assert_eq!(api.get(&internal, &other).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_partner_snapshot_holds_only_its_jobs_and_the_fields_they_need() {
    let api = Api::start().await;
    let installer = api.login("dan").await;
    let mut records = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let path = match &token {
            Some(t) => format!("/sync/snapshot?limit=3&token={t}"),
            None => "/sync/snapshot?limit=3".to_string(),
        };
        let (status, body) = api.get(&installer, &path).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let page: SnapshotPage = serde_json::from_value(body).expect("page");
        assert!(page.records.len() <= 3);
        records.extend(page.records);
        match page.next_token {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    let jobs: Vec<&Job> = records
        .iter()
        .filter_map(|r| if let Record::Job(j) = r { Some(j) } else { None })
        .collect();
    let customers: Vec<&Customer> = records
        .iter()
        .filter_map(|r| if let Record::Customer(c) = r { Some(c) } else { None })
        .collect();
    assert!(!jobs.is_empty() && jobs.iter().all(|j| j.org_id == "brightline"));
    for c in &customers {
        assert!(
            jobs.iter().any(|j| j.customer_id == c.id),
            "customer {} has no brightline job",
            c.id
        );
        for p in &c.people {
            let named = jobs
                .iter()
                .any(|j| j.customer_id == c.id && j.contact_person_id.as_deref() == Some(&p.id));
            assert!(named, "person {} is not a job contact", p.id);
        }
    }
    let hughes = customers
        .iter()
        .find(|c| c.id == story1::CUSTOMER_ID)
        .expect("story 1 customer");
    assert!(hughes.person(story1::MOTHER_ID).is_some());
    assert!(
        hughes.person(story1::SON_ID).is_none(),
        "the son's details are not the installer's"
    );

    // A token the server cannot continue ends the snapshot: the console starts again.
    let (status, body) = api.get(&installer, "/sync/snapshot?token=garbage").await;
    assert_eq!((status, code(&body)), (StatusCode::GONE, "gone"));
    let (status, _) = api.get(&installer, "/sync/snapshot?limit=0").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn pushes_are_idempotent_rejections_never_block_and_conflicts_are_kept() {
    let api = Api::start().await;
    let agent = api.login("alice").await;
    let installer = api.login("dan").await;
    let digital = api.login("lena").await;
    let head = api.changes(&agent, 0).await.cursor;

    // One bad edit and one good one in a batch: the bad one is refused, the good one applies.
    let batch = json!([
        set_mobile(
            "22222222-0000-4000-8000-000000000001",
            "not a phone",
            story1::MOTHER_MOBILE
        ),
        set_mobile(
            "22222222-0000-4000-8000-000000000002",
            "07946 000555",
            story1::MOTHER_MOBILE
        ),
    ]);
    let (status, body) = api.push(&agent, batch.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["results"][0]["outcome"], "rejected");
    assert_eq!(body["results"][0]["code"], "invalid_phone");
    assert_eq!(body["results"][1]["outcome"], "applied");
    assert!(body["results"][1]["conflict"].is_null());

    // The retry is answered from the record, and applies nothing twice.
    let (_, again) = api.push(&agent, batch).await;
    assert_eq!(again, body);
    let page = api.changes(&agent, head).await;
    assert_eq!(states(&page), 1, "one applied edit, one new state of the record");

    // Who sees the change: the retailer, and the partners whose jobs name her.
    let installer_change = api.changes(&installer, head).await;
    assert_eq!(states(&installer_change), 1);
    let ChangeOp::Upsert { record } = &installer_change.changes[0].op else {
        panic!("expected an upsert, got {:?}", installer_change.changes[0]);
    };
    let Record::Customer(c) = record.as_ref() else {
        panic!("expected a customer, got {record:?}")
    };
    let mobile = c.contact_point(story1::MOTHER_ID, story1::MOTHER_MOBILE_ID);
    assert_eq!(mobile.map(|m| m.value.as_str()), Some("+447946000555"));
    assert!(c.person(story1::SON_ID).is_none());
    assert!(
        api.changes(&digital, head).await.changes.is_empty(),
        "a partner with no job there hears nothing"
    );

    // An edit made against an old value wins but keeps the value it replaced.
    let stale = json!([set_mobile(
        "22222222-0000-4000-8000-000000000003",
        "07946 000666",
        story1::MOTHER_MOBILE
    )]);
    let (_, body) = api.push(&installer, stale).await;
    assert_eq!(body["results"][0]["outcome"], "applied");
    assert_eq!(body["results"][0]["conflict"]["replaced_value"], "+447946000555");

    // A partner cannot edit a customer it cannot see; a mutation id reused by another user is refused.
    let other = json!([{
        "id": "22222222-0000-4000-8000-000000000004", "client_seq": 2, "created_at": "2026-11-23T10:00:00Z",
        "intent": {"type": "set_contact_point", "customer_id": carrier_only::CUSTOMER_ID, "person_id": "per_000002_1",
                   "contact_point_id": "cp_000002_1_1", "value": "07946 000777", "base_value": carrier_only::MOBILE}
    }]);
    let (_, body) = api.push(&installer, other).await;
    assert_eq!(body["results"][0]["outcome"], "rejected");
    assert_eq!(body["results"][0]["code"], "not_found");
    let reused = json!([set_mobile("22222222-0000-4000-8000-000000000002", "07946 000888", "")]);
    let (_, body) = api.push(&digital, reused).await;
    assert_eq!(body["results"][0]["code"], "conflict");

    // Malformed pushes.
    let too_many: Vec<Value> = (0..101)
        .map(|i| set_mobile(&format!("33333333-0000-4000-8000-{i:012}"), "07946 000555", ""))
        .collect();
    let (status, body) = api.push(&agent, Value::Array(too_many)).await;
    assert_eq!((status, code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, "bad_request"));
    let (status, body) = api.push(&agent, json!([{"id": "not-a-uuid"}])).await;
    assert_eq!((status, code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, "bad_request"));
    let huge = "x".repeat(2 * 1024 * 1024);
    let res = api
        .http
        .post(api.url("/sync/push"))
        .bearer_auth(&agent)
        .header("content-type", "application/json")
        .body(format!("{{\"pad\": \"{huge}\"}}"))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(code(&res.json().await.expect("json")), "payload_too_large");
}

#[tokio::test]
async fn stale_cursors_and_old_clients_get_clear_answers() {
    let api = Api::start().await;
    let agent = api.login("alice").await;
    let (status, body) = api.get(&agent, "/sync/changes?after=0&epoch=some-other-database").await;
    assert_eq!((status, code(&body)), (StatusCode::GONE, "gone"));
    let (status, body) = api.get(&agent, "/sync/changes?after=999999").await;
    assert_eq!((status, code(&body)), (StatusCode::GONE, "gone"));
    let (status, body) = api.get(&agent, "/sync/changes?after=-1").await;
    assert_eq!((status, code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, "bad_request"));
    let (status, _) = api.get(&agent, "/sync/changes").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let res = api
        .http
        .get(api.url("/me"))
        .bearer_auth(&agent)
        .header(PROTOCOL_HEADER, "0")
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), StatusCode::UPGRADE_REQUIRED);
    assert_eq!(code(&res.json().await.expect("json")), "upgrade_required");
    let res = api
        .http
        .get(api.url("/me"))
        .bearer_auth(&agent)
        .header(PROTOCOL_HEADER, "1")
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers().get(PROTOCOL_HEADER).and_then(|v| v.to_str().ok()),
        Some(baton_proto::PROTOCOL_VERSION.to_string().as_str())
    );
    let res = api.http.get(api.url("/nowhere")).send().await.expect("send");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(code(&res.json().await.expect("json")), "not_found");
}

#[tokio::test]
async fn the_live_stream_pokes_subscribers_whose_scope_changed() {
    let api = Api::start().await;
    let agent = api.login("alice").await;
    let installer = api.login("dan").await;
    let res = api
        .http
        .get(api.url("/sync/events"))
        .bearer_auth(&installer)
        .send()
        .await
        .expect("events");
    assert_eq!(res.status(), StatusCode::OK);
    let mut stream = res.bytes_stream();
    // The first event carries the feed head, so a reconnecting console pulls what it missed.
    read_until(&mut stream, "event: poke").await;

    let edit = json!([set_mobile(
        "44444444-0000-4000-8000-000000000001",
        "07946 000123",
        story1::MOTHER_MOBILE
    )]);
    let (_, body) = api.push(&agent, edit).await;
    let seq = body["results"][0]["seq"].as_i64().expect("applied seq");
    read_until(&mut stream, &format!("id: {seq}")).await;

    let res = api.http.get(api.url("/sync/events")).send().await.expect("events");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

/// A mutation changing the mobile of generated customer `n` (ids as the demo makes them).
fn set_generated_mobile(n: usize, round: usize) -> Value {
    json!({
        "id": uuid::Uuid::new_v4(), "client_seq": round, "created_at": "2026-11-23T10:00:00Z",
        "intent": {
            "type": "set_contact_point", "customer_id": format!("cus_{n:06}"), "person_id": format!("per_{n:06}_1"),
            "contact_point_id": format!("cp_{n:06}_1_1"), "value": format!("+4479460{:05}", n * 100 + round), "base_value": ""
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_commits_never_let_a_cursor_skip_a_change() {
    let api = Api::start().await;
    let agent = api.login("alice").await;
    let writers = 6;
    let rounds = 30;
    // The demo's own story edits are in the feed already: count from here.
    let start: i64 = api
        .read(|c| {
            c.value(
                "SELECT COALESCE(MAX(seq), 0) AS n FROM changes",
                baton_server::args![],
                "n",
            )
        })
        .await;
    let mut tasks = Vec::new();
    for w in 0..writers {
        let (http, url, token) = (api.http.clone(), api.url("/sync/push"), agent.clone());
        tasks.push(tokio::spawn(async move {
            for round in 0..rounds {
                let body =
                    json!({"client_id": uuid::Uuid::new_v4(), "mutations": [set_generated_mobile(3 + w, round)]});
                let res = http
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .expect("push");
                assert_eq!(res.status(), StatusCode::OK);
            }
        }));
    }

    // A console pulling all the while, as fast as it can.
    let mut seen: Vec<i64> = Vec::new();
    let mut cursor = start;
    loop {
        let writers_done = tasks.iter().all(|t| t.is_finished());
        let page = api.changes(&agent, cursor).await;
        seen.extend(page.changes.iter().map(|c| c.seq));
        cursor = page.cursor;
        if writers_done && page.changes.is_empty() && !page.has_more {
            break;
        }
    }
    for t in tasks {
        t.await.expect("writer");
    }

    let all: Vec<i64> = api
        .read(move |c| {
            c.all(
                "SELECT seq FROM changes WHERE scope = 'internal' AND seq > ?1 ORDER BY seq",
                baton_server::args![start],
                |r| r.get("seq"),
            )
        })
        .await;
    let states: i64 = api
        .read(move |c| {
            c.value(
                "SELECT COUNT(*) AS n FROM changes WHERE scope = 'internal' AND seq > ?1 AND part IS NULL",
                baton_server::args![start],
                "n",
            )
        })
        .await;
    assert_eq!(states as usize, writers * rounds, "one new state per applied edit");
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "changes arrive in seq order");
    assert_eq!(seen, all, "the pulling console saw every committed change exactly once");
}

#[tokio::test]
async fn only_retailer_staff_can_reassign_a_job() {
    let api = Api::start().await;
    let installer = api.login("dan").await;
    let reassign = |id: &str, job: &str, customer: &str| {
        json!([{"id": id, "client_seq": 1, "created_at": "2026-11-23T10:00:00Z",
                "intent": {"type": "reassign_job", "customer_id": customer, "job_id": job, "org_id": "swiftparcel"}}])
    };
    // Its own job: refused as a matter of role.
    let (_, body) = api
        .push(
            &installer,
            reassign(
                "55555555-0000-4000-8000-000000000001",
                story1::JOB_ID,
                story1::CUSTOMER_ID,
            ),
        )
        .await;
    assert_eq!(
        (
            body["results"][0]["outcome"].as_str(),
            body["results"][0]["code"].as_str()
        ),
        (Some("rejected"), Some("forbidden"))
    );
    // Another partner's job: indistinguishable from a missing one.
    let (_, body) = api
        .push(
            &installer,
            reassign(
                "55555555-0000-4000-8000-000000000002",
                "job_000002_1",
                carrier_only::CUSTOMER_ID,
            ),
        )
        .await;
    assert_eq!(body["results"][0]["code"], "not_found");
    let (status, _) = api.get(&installer, &format!("/jobs/{}", story1::JOB_ID)).await;
    assert_eq!(status, StatusCode::OK, "the job did not move");
}

#[tokio::test]
async fn a_cursor_behind_the_retained_log_is_told_to_resnapshot() {
    let api = Api::start().await;
    let agent = api.login("alice").await;
    for round in 0..3 {
        let (_, body) = api.push(&agent, json!([set_generated_mobile(5, round)])).await;
        assert_eq!(body["results"][0]["outcome"], "applied");
    }
    let (rows, newest): (i64, i64) = api
        .read(|c| {
            c.one(
                "SELECT COUNT(*) AS n, MAX(seq) AS newest FROM changes",
                baton_server::args![],
                |r| Ok((r.get("n")?, r.get("newest")?)),
            )
        })
        .await;
    let removed = api
        .server
        .state
        .compact_feed(chrono::Duration::zero())
        .await
        .expect("compact");
    assert_eq!(removed as i64, rows - 1, "everything but the newest change");
    let (status, body) = api.get(&agent, "/sync/changes?after=0").await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::GONE, "gone"),
        "a cursor behind the floor re-snapshots"
    );
    let (status, _) = api.get(&agent, &format!("/sync/changes?after={}", newest - 1)).await;
    assert_eq!(status, StatusCode::OK, "a cursor at the floor is still served");
    let page = api.changes(&agent, newest).await;
    assert!(page.changes.is_empty() && page.cursor == newest);
}

#[tokio::test]
async fn job_statuses_follow_the_lifecycle_from_where_the_job_is_now() {
    let api = Api::start().await;
    let installer = api.login("dan").await;
    let carrier = api.login("priya").await;
    let status = |id: &str, to: &str, base: &str| {
        json!([{"id": id, "client_seq": 1, "created_at": "2026-11-23T10:00:00Z",
                "intent": {"type": "set_job_status", "customer_id": story1::CUSTOMER_ID, "job_id": story1::JOB_ID,
                           "status": to, "base_status": base}}])
    };
    let outcome = |body: &Value| {
        (
            body["results"][0]["outcome"].as_str().map(str::to_string),
            body["results"][0]["code"].as_str().map(str::to_string),
        )
    };

    let (_, body) = api
        .push(
            &installer,
            status("66666666-0000-4000-8000-000000000001", "en_route", "scheduled"),
        )
        .await;
    assert_eq!(outcome(&body), (Some("applied".into()), None));
    let (_, body) = api
        .push(
            &installer,
            status("66666666-0000-4000-8000-000000000002", "completed", "en_route"),
        )
        .await;
    assert_eq!(outcome(&body).0.as_deref(), Some("applied"));
    // Made against the old status: judged from where the job is now (completed: closed).
    let (_, body) = api
        .push(
            &installer,
            status("66666666-0000-4000-8000-000000000003", "at_depot", "en_route"),
        )
        .await;
    assert_eq!(outcome(&body), (Some("rejected".into()), Some("conflict".into())));
    assert!(
        body["results"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("now completed"),
        "{body}"
    );
    // Another partner's job does not exist for the carrier.
    let (_, body) = api
        .push(
            &carrier,
            status("66666666-0000-4000-8000-000000000004", "delayed", "completed"),
        )
        .await;
    assert_eq!(outcome(&body).1.as_deref(), Some("not_found"));
    let (_, job) = api.get(&installer, &format!("/jobs/{}", story1::JOB_ID)).await;
    assert_eq!(job["status"], "completed");
}

/// How many changes on the page are a record's new state (its history travels beside it).
fn states(page: &ChangesPage) -> usize {
    page.changes
        .iter()
        .filter(|c| matches!(c.op, ChangeOp::Upsert { .. } | ChangeOp::Remove { .. }))
        .count()
}

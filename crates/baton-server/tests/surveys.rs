//! One-question surveys: after a job completes or a case resolves, the retailer
//! sends the customer a link (by SMS through a local gateway, by email through a
//! real SMTP server); the customer answers it on a page served by the server,
//! with no account, once; the answer is feedback on the partner's scorecard. The
//! link's token is the only credential: it never appears in a record, a timeline,
//! an audit row or a feed page.

use baton_proto::{Customer, Scorecard, SurveyQuestion};
use baton_server::clock::ManualClock;
use baton_server::delivery::DeliveryConfig;
use baton_server::demo::{story1, story4, INSTALLER};
use baton_testkit::{free_port, start_gateway, Smtp};
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

mod common;
use common::{code, Api};

const PUBLIC_URL: &str = "https://care.northwind.example/";

fn config(smtp_port: u16, sms_url: &str, public_url: Option<&str>) -> DeliveryConfig {
    DeliveryConfig {
        smtp_url: Some(format!("smtp://127.0.0.1:{smtp_port}")),
        email_from: Some("Northwind Electricals <care@northwind.example>".into()),
        sms_url: Some(sms_url.to_string()),
        sms_token: None,
        time_zone: Some(chrono_tz::Europe::London),
        smtp_credentials: None,
        public_url: public_url.map(|u| u.parse().expect("url")),
    }
}

async fn scorecard(api: &Api, token: &str, org: &str) -> Scorecard {
    let (status, body) = api.get(token, &format!("/orgs/{org}/scorecard")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body).expect("scorecard")
}

async fn customer(api: &Api, token: &str, id: &str) -> Customer {
    let (status, body) = api.get(token, &format!("/customers/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body).expect("customer")
}

/// The token at the end of the survey link in `text` (`…/s/<token>`).
fn token_in(text: &str) -> String {
    let start = text
        .find("https://care.northwind.example/s/")
        .unwrap_or_else(|| panic!("no survey link in {text}"))
        + "https://care.northwind.example/s/".len();
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// Every body a console or an integration can read about `customer_id` as
/// `user`: the whole feed, the record, its timeline, audit and export.
async fn everything_readable(api: &Api, user: &str, customer_id: &str) -> String {
    let mut seen = String::new();
    let mut after = 0;
    loop {
        let (status, page) = api.get(user, &format!("/sync/changes?after={after}")).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        seen.push_str(&page.to_string());
        if !page["has_more"].as_bool().unwrap_or(false) {
            break;
        }
        after = page["cursor"].as_i64().expect("cursor");
    }
    for path in ["", "/timeline", "/audit", "/export"] {
        let (_, body) = api.get(user, &format!("/customers/{customer_id}{path}")).await;
        seen.push_str(&body.to_string());
    }
    seen
}

fn send_survey(survey_id: &str, customer_id: &str, kind: &str, id: &str) -> Value {
    json!({"type": "send_survey", "customer_id": customer_id, "survey_id": survey_id,
           "about": {"kind": kind, "id": id}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_answers_a_survey_by_link_once_with_no_account_and_the_partner_is_rated() {
    let smtp_port = free_port();
    let _smtp = Smtp::start(smtp_port);
    let (gateway, sms_url) = start_gateway().await;
    let clock = ManualClock::new(Utc::now());
    let api = Api::start_configured(clock.clone(), |s| {
        s.delivery = config(smtp_port, &sms_url, Some(PUBLIC_URL))
    })
    .await;
    let alice = api.login("alice").await;
    let dan = api.login("dan").await;
    let before = scorecard(&api, &alice, INSTALLER.0).await;

    // Not before the work is done.
    let survey = send_survey("srv_hughes_tv", story1::CUSTOMER_ID, "job", story1::JOB_ID);
    assert_eq!(api.refused(&alice, survey.clone()).await, "bad_request");
    api.apply(
        &dan,
        json!({"type": "set_job_status", "customer_id": story1::CUSTOMER_ID, "job_id": story1::JOB_ID,
               "status": "completed", "base_status": "scheduled"}),
    )
    .await;
    // A partner does not choose who rates it.
    assert_eq!(api.refused(&dan, survey.clone()).await, "forbidden");
    api.apply(&alice, survey.clone()).await;
    // One survey per job.
    assert_eq!(
        api.refused(
            &alice,
            send_survey("srv_again", story1::CUSTOMER_ID, "job", story1::JOB_ID)
        )
        .await,
        "conflict"
    );

    // It goes to the job's contact, Margaret, on her consented mobile.
    let report = api.server.state.deliver_due().await.expect("deliver");
    assert_eq!(report.failed, 0, "{report:?}");
    let sms = gateway.received.lock().expect("lock").clone();
    let (_, body) = sms
        .iter()
        .find(|(_, b)| b["body"].as_str().is_some_and(|t| t.contains("/s/")))
        .expect("the survey's SMS");
    assert_eq!(body["to"], story1::MOTHER_MOBILE);
    let text = body["body"].as_str().expect("body");
    assert!(text.starts_with("Northwind Electricals: How satisfied"), "{text}");
    let token = token_in(text);
    assert_eq!(token.len(), 43, "{text}");

    // The record says a survey went out, and how; never the link.
    let hughes = customer(&api, &alice, story1::CUSTOMER_ID).await;
    assert!(
        hughes
            .timeline
            .iter()
            .any(|e| e.text.starts_with("Survey sent by SMS to") && e.kind == baton_proto::TimelineKind::Survey),
        "{:?}",
        hughes.timeline.iter().map(|e| &e.text).collect::<Vec<_>>()
    );
    for user in [&alice, &dan] {
        let seen = everything_readable(&api, user, story1::CUSTOMER_ID).await;
        assert!(
            seen.contains("Survey queued by SMS to"),
            "the search covers the survey's own entries"
        );
        assert!(!seen.contains(&token), "the survey's token is readable through the API");
    }
    let (kept, hash_is_token) = {
        let token = token.clone();
        api.read(move |db| {
            let kept: i64 = db.value(
                "SELECT COUNT(*) AS n FROM confirmations WHERE link_token IS NOT NULL",
                baton_server::args![],
                "n",
            )?;
            let same: i64 = db.value(
                "SELECT COUNT(*) AS n FROM surveys WHERE token_hash = ?1",
                baton_server::args![token],
                "n",
            )?;
            Ok((kept, same))
        })
        .await
    };
    assert_eq!((kept, hash_is_token), (0, 0), "a sent link's token is not kept");

    // The page: no account, no script, no referrer, not framed.
    let http = reqwest::Client::new();
    let page_url = format!("{}/s/{token}", api.server.url());
    let res = http.get(&page_url).send().await.expect("page");
    assert_eq!(res.status(), StatusCode::OK);
    let headers = res.headers().clone();
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert!(headers["content-security-policy"]
        .to_str()
        .expect("csp")
        .starts_with("default-src 'none'"));
    let html = res.text().await.expect("html");
    let (_, job) = api.get(&alice, &format!("/jobs/{}", story1::JOB_ID)).await;
    let job_number = job["number"].as_str().expect("number").to_string();
    assert!(
        html.contains(&format!(
            "How satisfied are you with the work done by Brightline Installations (job {job_number})?"
        )),
        "{html}"
    );
    assert!(!html.contains("<script"), "{html}");
    let (status, q) = api.get("", &format!("/surveys/{token}")).await;
    assert_eq!(status, StatusCode::OK, "{q}");
    let q: SurveyQuestion = serde_json::from_value(q).expect("question");
    assert_eq!((q.org_name.as_str(), q.answered_at), ("Brightline Installations", None));

    // A rating outside 1-5 is refused on the same page, and records nothing.
    let res = http
        .post(&page_url)
        .form(&[("csat", "9"), ("comment", "kept")])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.expect("html");
    assert!(
        html.contains("Please choose a rating from 1 to 5.") && html.contains(">kept</textarea>"),
        "{html}"
    );
    let (status, body) = api
        .send("POST", "", &format!("/surveys/{token}"), json!({"csat": 0}))
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "bad_request"),
        "{body}"
    );
    assert_eq!(
        scorecard(&api, &alice, INSTALLER.0).await.feedback_count,
        before.feedback_count
    );

    // The answer, once.
    let res = http
        .post(&page_url)
        .form(&[("csat", "4"), ("comment", "Fitted neatly, but an hour late")])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.expect("html").contains("Your answer about job"));
    let res = http.post(&page_url).form(&[("csat", "1")]).send().await.expect("again");
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let (status, body) = api
        .send("POST", "", &format!("/surveys/{token}"), json!({"csat": 1}))
        .await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "conflict"), "{body}");

    // It is Brightline's rating, seen the same by the retailer and by Brightline.
    let after = scorecard(&api, &alice, INSTALLER.0).await;
    assert_eq!(after.feedback_count, before.feedback_count + 1);
    assert_eq!(
        scorecard(&api, &dan, INSTALLER.0).await.feedback_count,
        after.feedback_count
    );
    let (status, items) = api
        .get(
            &alice,
            &format!("/orgs/{}/scorecard/items?figure=feedback", INSTALLER.0),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{items}");
    assert!(items.to_string().contains("Fitted neatly, but an hour late"), "{items}");
    let on_record = customer(&api, &dan, story1::CUSTOMER_ID).await;
    assert!(on_record.timeline.iter().any(|e| e.text
        == format!("The customer answered the survey on {job_number} by Brightline Installations: CSAT 4/5. Fitted neatly, but an hour late")));

    // Links that are not a survey's.
    for bad in ["nope", &"A".repeat(43), &format!("{token}x")] {
        let res = http
            .get(format!("{}/s/{bad}", api.server.url()))
            .send()
            .await
            .expect("page");
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{bad}");
        let (status, body) = api.get("", &format!("/surveys/{bad}")).await;
        assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"), "{bad}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resolved_case_is_surveyed_by_email_and_a_link_closes_after_30_days() {
    let smtp_port = free_port();
    let smtp = Smtp::start(smtp_port);
    let (_gateway, sms_url) = start_gateway().await;
    let clock = ManualClock::new(Utc::now());
    let api = Api::start_configured(clock.clone(), |s| {
        s.delivery = config(smtp_port, &sms_url, Some(PUBLIC_URL))
    })
    .await;
    let sam = api.login("sam").await;
    let survey = send_survey("srv_bracket", story4::CUSTOMER_ID, "ticket", story4::TICKET_ID);
    assert_eq!(
        api.refused(&sam, survey.clone()).await,
        "bad_request",
        "the case is open"
    );
    let status = customer(&api, &sam, story4::CUSTOMER_ID)
        .await
        .tickets
        .iter()
        .find(|t| t.id == story4::TICKET_ID)
        .map(|t| t.status)
        .expect("ticket");
    api.apply(
        &sam,
        json!({"type": "set_ticket_status", "customer_id": story4::CUSTOMER_ID, "ticket_id": story4::TICKET_ID,
               "status": "resolved", "base_status": status}),
    )
    .await;
    api.apply(&sam, survey).await;
    api.server.state.deliver_due().await.expect("deliver");
    let mail = smtp
        .messages()
        .into_iter()
        .find(|m| m.contains("Subject: Northwind Electricals: one question about our service"))
        .expect("the survey email");
    let token = token_in(&mail.replace("=\r\n", "").replace("=\n", ""));
    let (status, q) = api.get("", &format!("/surveys/{token}")).await;
    assert_eq!(status, StatusCode::OK, "{q}");
    assert!(q["subject"].as_str().is_some_and(|s| s.starts_with("case ")), "{q}");

    // Thirty days on, the link is closed, and an answer records nothing.
    clock.advance(Duration::days(baton_proto::SURVEY_DAYS) + Duration::minutes(1));
    let (status, body) = api.get("", &format!("/surveys/{token}")).await;
    assert_eq!((status, code(&body)), (StatusCode::GONE, "gone"), "{body}");
    let (status, body) = api
        .send("POST", "", &format!("/surveys/{token}"), json!({"csat": 5}))
        .await;
    assert_eq!((status, code(&body)), (StatusCode::GONE, "gone"), "{body}");
    let page = reqwest::get(format!("{}/s/{token}", api.server.url()))
        .await
        .expect("page");
    assert_eq!(page.status(), StatusCode::GONE);
    let about_cases: i64 = api
        .read(|db| {
            db.value(
                "SELECT COUNT(*) AS n FROM feedback WHERE source = 'survey' AND ticket_id IS NOT NULL",
                baton_server::args![],
                "n",
            )
        })
        .await;
    assert_eq!(about_cases, 0, "no answer about the case is recorded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_public_address_a_survey_waits_visibly_instead_of_going_out_without_its_link() {
    let smtp_port = free_port();
    let _smtp = Smtp::start(smtp_port);
    let (gateway, sms_url) = start_gateway().await;
    let api = Api::start_configured(ManualClock::new(Utc::now()), |s| {
        s.delivery = config(smtp_port, &sms_url, None)
    })
    .await;
    let alice = api.login("alice").await;
    let dan = api.login("dan").await;
    api.apply(
        &dan,
        json!({"type": "set_job_status", "customer_id": story1::CUSTOMER_ID, "job_id": story1::JOB_ID,
               "status": "completed", "base_status": "scheduled"}),
    )
    .await;
    api.apply(
        &alice,
        send_survey("srv_wait", story1::CUSTOMER_ID, "job", story1::JOB_ID),
    )
    .await;
    let report = api.server.state.deliver_due().await.expect("deliver");
    assert_eq!(report.failed, 1, "{report:?}");
    assert!(gateway
        .received
        .lock()
        .expect("lock")
        .iter()
        .all(|(_, b)| !b["body"].as_str().unwrap_or_default().contains("How satisfied")));
    let hughes = customer(&api, &alice, story1::CUSTOMER_ID).await;
    let waiting = hughes
        .confirmations
        .iter()
        .find(|c| c.summary.starts_with("One-question survey"))
        .expect("the survey's message");
    assert!(
        waiting
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("--public-url")),
        "{waiting:?}"
    );
}

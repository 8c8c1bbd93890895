//! Outbound webhooks against a real local HTTP receiver: events of the
//! organisation's own work only, signed (HMAC-SHA256 over timestamp and body),
//! delivered at least once while the receiver is down for a while and across a
//! server restart, logged, replayed, and given up after the last retry.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use baton_proto::{WebhookCreated, WebhookDelivery, WebhookDeliveryStatus};
use baton_server::clock::ManualClock;
use baton_server::demo::{carrier_only, story2};
use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{json, Value};

mod common;
use common::Api;

#[derive(Clone, Debug)]
struct Received {
    headers: HeaderMap,
    body: String,
}

/// A receiver on `port` answering `answer` to every request, keeping what came.
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    answer: Arc<AtomicU16>,
    stop: tokio_util::sync::CancellationToken,
}

impl Receiver {
    async fn start(port: u16) -> Receiver {
        let got = Arc::new(Mutex::new(Vec::new()));
        let answer = Arc::new(AtomicU16::new(200));
        let stop = tokio_util::sync::CancellationToken::new();
        let (g, a) = (got.clone(), answer.clone());
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let (g, a) = (g.clone(), a.clone());
                async move {
                    g.lock().expect("lock").push(Received {
                        headers,
                        body: String::from_utf8_lossy(&body).into_owned(),
                    });
                    AxumStatus::from_u16(a.load(Ordering::SeqCst)).unwrap_or(AxumStatus::OK)
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind the receiver");
        let s = stop.clone();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move { s.cancelled().await })
                .await;
        });
        Receiver { got, answer, stop }
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().expect("lock").clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port()
}

async fn log(api: &Api, token: &str, hook: &str) -> Vec<WebhookDelivery> {
    let (status, body) = api.get(token, &format!("/admin/webhooks/{hook}/deliveries")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body).expect("deliveries")
}

#[tokio::test]
async fn a_partners_webhook_gets_its_events_signed_after_the_receiver_was_down_and_a_restart() {
    let clock = ManualClock::new(chrono::Utc::now());
    let api = Api::start_at(clock.clone()).await;
    let ada = api.login("ada").await;
    let port = free_port();
    let (status, body) = api
        .send(
            "POST",
            &ada,
            "/admin/webhooks",
            json!({"org_id": "swiftparcel", "url": format!("http://127.0.0.1:{port}/hook"),
                   "events": ["job_status_changed", "callback_queued", "job_status_changed"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let created: WebhookCreated = serde_json::from_value(body).expect("created");
    assert_eq!(created.webhook.events.len(), 2);
    let (_, other) = api
        .send(
            "POST",
            &ada,
            "/admin/webhooks",
            json!({"org_id": "brightline", "url": format!("http://127.0.0.1:{port}/hook"), "events": ["job_status_changed"]}),
        )
        .await;
    let other_id = other["webhook"]["id"].as_str().expect("id").to_string();

    // The carrier's job reaches the depot: its status, and the callback waiting for it.
    let priya = api.login("priya").await;
    api.apply(
        &priya,
        json!({"type": "set_job_status", "customer_id": story2::CUSTOMER_ID, "job_id": story2::JOB_ID,
               "status": "at_depot", "base_status": "en_route"}),
    )
    .await;
    // The receiver is down: both attempts fail, and wait a minute.
    let report = api.server.state.deliver_webhooks().await.expect("deliver");
    assert_eq!((report.delivered, report.failed), (0, 2));
    let pending = log(&api, &ada, &created.webhook.id).await;
    assert_eq!(pending.len(), 2);
    assert!(pending
        .iter()
        .all(|d| d.status == WebhookDeliveryStatus::Pending && d.attempts == 1 && d.last_error.is_some()));
    assert!(
        log(&api, &ada, &other_id).await.is_empty(),
        "Brightline hears nothing of Swift's job"
    );

    // A restart loses nothing; the receiver comes up; the retry is due after a minute.
    let api = api.restart(clock.clone()).await;
    let receiver = Receiver::start(port).await;
    assert_eq!(
        api.server.state.deliver_webhooks().await.expect("deliver").delivered,
        0,
        "not due yet"
    );
    clock.advance(Duration::seconds(61));
    assert_eq!(api.server.state.deliver_webhooks().await.expect("deliver").delivered, 2);
    let got = receiver.received();
    assert_eq!(got.len(), 2);
    let mut events: Vec<String> = Vec::new();
    for r in &got {
        let header = |h: &str| {
            r.headers
                .get(h)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let stamp: i64 = header("x-baton-timestamp").parse().expect("timestamp");
        let expected = baton_server::webhooks::signature(&created.secret, stamp, &r.body).expect("sign");
        assert_eq!(
            header("x-baton-signature"),
            expected,
            "signed with the webhook's secret"
        );
        let body: Value = serde_json::from_str(&r.body).expect("json");
        assert_eq!(body["org_id"], "swiftparcel");
        assert_eq!(body["customer_id"], story2::CUSTOMER_ID);
        assert_eq!(header("x-baton-event"), body["event"].as_str().unwrap_or_default());
        events.push(header("x-baton-event"));
        for secret in [carrier_only::NAME, carrier_only::MOBILE, "+44"] {
            assert!(
                !r.body.contains(secret),
                "a webhook carries no contact data: {}",
                r.body
            );
        }
    }
    events.sort();
    assert_eq!(events, ["callback_queued", "job_status_changed"]);
    let done = log(&api, &ada, &created.webhook.id).await;
    assert!(done
        .iter()
        .all(|d| d.status == WebhookDeliveryStatus::Delivered && d.attempts == 2));

    // Replayed on request, with the same delivery id.
    let first = done[0].id.clone();
    let (status, _) = api
        .send(
            "POST",
            &ada,
            &format!("/admin/webhook-deliveries/{first}/replay"),
            Value::Null,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(api.server.state.deliver_webhooks().await.expect("deliver").delivered, 1);
    let again = receiver.received();
    assert_eq!(again.len(), 3);
    assert_eq!(
        again[2].headers.get("x-baton-delivery").and_then(|v| v.to_str().ok()),
        Some(first.as_str())
    );

    // A receiver that keeps failing is given up on after the last retry.
    receiver.answer.store(500, Ordering::SeqCst);
    api.send(
        "POST",
        &ada,
        &format!("/admin/webhook-deliveries/{first}/replay"),
        Value::Null,
    )
    .await;
    for _ in 0..baton_server::webhooks::RETRY_MINUTES.len() + 1 {
        api.server.state.deliver_webhooks().await.expect("deliver");
        clock.advance(Duration::hours(25));
    }
    let failed = log(&api, &ada, &created.webhook.id).await;
    let given_up = failed.iter().find(|d| d.id == first).expect("the delivery");
    assert_eq!(given_up.status, WebhookDeliveryStatus::Failed);
    assert_eq!(given_up.last_status, Some(500));
    assert_eq!(
        api.server.state.deliver_webhooks().await.expect("deliver").failed,
        0,
        "no more attempts"
    );
}

#[tokio::test]
async fn webhooks_are_held_to_the_admins_organisation_and_refuse_bad_urls() {
    let api = Api::start().await;
    let ada = api.login("ada").await;
    for (body, want) in [
        (
            json!({"org_id": "brightline", "url": "http://partner.example.com/hook", "events": ["job_status_changed"]}),
            422,
        ),
        (
            json!({"org_id": "brightline", "url": "ftp://127.0.0.1/hook", "events": ["job_status_changed"]}),
            422,
        ),
        (
            json!({"org_id": "brightline", "url": "not a url", "events": ["job_status_changed"]}),
            422,
        ),
        (
            json!({"org_id": "brightline", "url": "https://partner.example.com/hook", "events": []}),
            422,
        ),
        (
            json!({"org_id": "brightline", "url": "https://partner.example.com/hook", "events": ["everything"]}),
            422,
        ),
        (
            json!({"org_id": "nowhere", "url": "https://partner.example.com/hook", "events": ["job_status_changed"]}),
            404,
        ),
    ] {
        let (status, res) = api.send("POST", &ada, "/admin/webhooks", body.clone()).await;
        assert_eq!(status.as_u16(), want, "{body}: {res}");
    }
    let count: i64 = api
        .read(|db| db.value("SELECT COUNT(*) AS n FROM webhooks", baton_server::args![], "n"))
        .await;
    assert_eq!(count, 0, "nothing was stored");
    let (status, made) = api
        .send(
            "POST",
            &ada,
            "/admin/webhooks",
            json!({"org_id": "swiftparcel", "url": "https://swift.example.com/baton", "events": ["ticket_escalated"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = made["webhook"]["id"].as_str().expect("id").to_string();
    let dan = api.login("dan").await;
    let (status, _) = api.get(&dan, &format!("/admin/webhooks/{id}/deliveries")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a dispatcher is no admin");
    let (_, list) = api.get(&ada, "/admin/webhooks").await;
    assert!(!list.to_string().contains("whsec_"), "the secret is shown once only");
    let (status, hook) = api
        .send("POST", &ada, &format!("/admin/webhooks/{id}/disable"), Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(hook["disabled_at"].is_string());
}

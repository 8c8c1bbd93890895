//! `GET /metrics`: the figures an operator scrapes, by route template and
//! outcome, with nothing of a customer in them.

use baton_server::demo::story1;
use reqwest::StatusCode;
use serde_json::json;

mod common;
use common::Api;

async fn scrape(api: &Api, token: Option<&str>) -> (StatusCode, String) {
    let mut req = api.http.get(format!("{}/metrics", api.server.url()));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.expect("scrape");
    (res.status(), res.text().await.expect("text"))
}

/// The value of the sample named exactly `series` (name and labels).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|rest| rest.trim().parse().ok()))
}

#[tokio::test]
async fn requests_mutations_and_the_feed_are_counted_by_route_never_by_customer() {
    let api = Api::start().await;
    let alice = api.login("alice").await;
    for _ in 0..3 {
        let (status, _) = api.get(&alice, &format!("/customers/{}", story1::CUSTOMER_ID)).await;
        assert_eq!(status, StatusCode::OK);
    }
    api.get(&alice, "/customers?phone=%2B447946000202").await;
    api.apply(
        &alice,
        json!({"type": "add_note", "customer_id": story1::CUSTOMER_ID, "note_id": "n-metrics", "text": "Counted"}),
    )
    .await;
    api.refused(
        &alice,
        json!({"type": "set_contact_point", "customer_id": story1::CUSTOMER_ID, "person_id": story1::MOTHER_ID,
               "contact_point_id": story1::MOTHER_MOBILE_ID, "value": "07946 ABC", "base_value": story1::MOTHER_MOBILE}),
    )
    .await;
    let (status, text) = scrape(&api, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        sample(
            &text,
            r#"baton_http_requests_total{method="GET",route="/v1/customers/{id}",status="200"}"#
        ),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"baton_mutations_total{outcome="applied"}"#),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"baton_mutations_total{outcome="rejected"}"#),
        Some(1.0),
        "{text}"
    );
    assert!(sample(&text, "baton_feed_head_seq").is_some_and(|s| s > 0.0), "{text}");
    assert!(
        text.contains(r#"baton_http_request_duration_seconds_bucket{le="#)
            || text.contains("baton_http_request_duration_seconds_bucket{"),
        "{text}"
    );
    for secret in [story1::CUSTOMER_ID, "447946000202", "7946 ABC", alice.as_str()] {
        assert!(!text.contains(secret), "the metrics hold {secret}");
    }
}

#[tokio::test]
async fn a_scrape_token_guards_the_metrics_when_set() {
    let clock = baton_server::clock::ManualClock::new(chrono::Utc::now());
    let api = Api::start_configured(clock, |s| s.metrics_token = Some("scrape-secret".into())).await;
    assert_eq!(scrape(&api, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(scrape(&api, Some("wrong")).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(scrape(&api, Some("scrape-secret")).await.0, StatusCode::OK);
}

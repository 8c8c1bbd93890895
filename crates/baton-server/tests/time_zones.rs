//! A customer's time zone: recorded by the retailer (or an import), refused when
//! it is not a real zone name, on the record for whoever calls them — the
//! partner included — and standing in from the retailer's calendar when unknown.

use baton_proto::Customer;
use baton_server::demo::{story1, story3};
use reqwest::StatusCode;
use serde_json::json;

mod common;
use common::Api;

async fn customer(api: &Api, token: &str, id: &str) -> Customer {
    let (status, body) = api.get(token, &format!("/customers/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body).expect("customer")
}

#[tokio::test]
async fn the_retailer_records_where_a_customer_lives_and_the_partner_calling_them_sees_it() {
    let api = Api::start().await;
    let alice = api.login("alice").await;
    let dan = api.login("dan").await;
    let lena = api.login("lena").await;
    // The demo's digital subscriber lives in New York; PageTurn, her partner, sees it.
    assert_eq!(
        customer(&api, &lena, story3::CUSTOMER_ID).await.time_zone.as_deref(),
        Some(story3::TIME_ZONE)
    );
    assert_eq!(customer(&api, &alice, story1::CUSTOMER_ID).await.time_zone, None);

    let set = |zone: serde_json::Value| json!({"type": "set_customer_time_zone", "customer_id": story1::CUSTOMER_ID, "time_zone": zone});
    // Only a name the time zone database knows, as written; never a partner's call.
    for bad in ["Europe/Londn", "UTC+01:00", "", "europe/london "] {
        assert_eq!(api.refused(&alice, set(json!(bad))).await, "bad_request", "{bad}");
    }
    assert_eq!(api.refused(&dan, set(json!("Europe/Dublin"))).await, "forbidden");
    assert_eq!(customer(&api, &alice, story1::CUSTOMER_ID).await.time_zone, None);

    let cursor = api.changes(&dan, 0).await.cursor;
    api.apply(&alice, set(json!("Europe/Dublin"))).await;
    let hughes = customer(&api, &dan, story1::CUSTOMER_ID).await;
    assert_eq!(hughes.time_zone.as_deref(), Some("Europe/Dublin"));
    assert!(customer(&api, &alice, story1::CUSTOMER_ID)
        .await
        .timeline
        .iter()
        .any(|e| e.text == "Time zone set to Europe/Dublin"));
    let feed = serde_json::to_string(&api.changes(&dan, cursor).await).expect("json");
    assert!(
        feed.contains("\"time_zone\":\"Europe/Dublin\""),
        "the installer's console hears of it"
    );

    // Forgotten, the retailer's calendar stands in.
    let (status, body) = api
        .send(
            "PUT",
            &api.login("ada").await,
            "/admin/orgs/northwind/calendar",
            json!({"time_zone": "Europe/London",
                   "hours": [{"day": "monday", "opens": "08:00", "closes": "18:00"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    api.apply(&alice, set(json!(null))).await;
    assert_eq!(
        customer(&api, &alice, story1::CUSTOMER_ID).await.time_zone.as_deref(),
        Some("Europe/London")
    );
    assert_eq!(
        customer(&api, &lena, story3::CUSTOMER_ID).await.time_zone.as_deref(),
        Some(story3::TIME_ZONE),
        "a customer's own zone wins"
    );
}

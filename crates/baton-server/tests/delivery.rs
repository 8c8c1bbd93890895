//! Customer confirmations leave the server for real: email to a real SMTP server
//! (aiosmtpd, run locally) and SMS to a local HTTP gateway. Delivery status is on
//! the record and the timeline; failed sends are retried, never dropped or doubled.

use baton_proto::{Channel, Confirmation, Customer, DeliveryStatus};
use baton_server::clock::ManualClock;
use baton_server::delivery::DeliveryConfig;
use baton_server::demo::{carrier_only, story1};
use baton_testkit::{free_port, start_gateway, Smtp};
use chrono::{Duration, Utc};
use serde_json::json;

mod common;
use common::Api;

fn config(smtp_port: u16, sms_url: &str) -> DeliveryConfig {
    DeliveryConfig {
        smtp_url: Some(format!("smtp://127.0.0.1:{smtp_port}")),
        email_from: Some("Northwind Electricals <care@northwind.example>".into()),
        sms_url: Some(sms_url.to_string()),
        sms_token: Some("gateway-token".into()),
        time_zone: Some(chrono_tz::Europe::London),
        smtp_credentials: None,
        public_url: None,
    }
}

async fn customer(api: &Api, token: &str, id: &str) -> Customer {
    serde_json::from_value(api.get(token, &format!("/customers/{id}")).await.1).expect("customer")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirmations_go_out_by_email_and_sms_and_show_on_the_record() {
    let smtp_port = free_port();
    let smtp = Smtp::start(smtp_port);
    let (gateway, sms_url) = start_gateway().await;
    let start = Utc::now();
    let clock = ManualClock::new(start);
    let api = Api::start_configured(clock.clone(), |s| s.delivery = config(smtp_port, &sms_url)).await;
    let alice = api.login("alice").await;

    // Story 1: Margaret's new mobile is confirmed to her by SMS on it.
    api.apply(
        &alice,
        json!({"type": "set_contact_point", "customer_id": story1::CUSTOMER_ID, "person_id": story1::MOTHER_ID,
               "contact_point_id": story1::MOTHER_MOBILE_ID, "value": "07946 000999",
               "base_value": story1::MOTHER_MOBILE}),
    )
    .await;
    let report = api.server.state.deliver_due().await.expect("deliver");
    assert_eq!(report.failed, 0, "{report:?}");

    let sms = gateway.received.lock().expect("lock").clone();
    let (auth, body) = sms
        .iter()
        .find(|(_, b)| b["to"] == "+447946000999")
        .expect("an SMS to the new mobile");
    assert_eq!(auth.as_deref(), Some("Bearer gateway-token"));
    let text = body["body"].as_str().expect("body");
    assert!(
        text.contains("+44 7946 000999") && text.contains("Alice Carter (Northwind Electricals)"),
        "{text}"
    );
    // When it was recorded, as the customer reads the clock: the retailer's time zone.
    let london = start
        .with_timezone(&chrono_tz::Europe::London)
        .format("%-d %b %Y, %H:%M")
        .to_string();
    assert!(
        text.contains(&london) && !text.contains("UTC"),
        "{text} (expected {london})"
    );

    // Story 2's callback was confirmed to Bethany by email, through real SMTP.
    let mail = smtp.messages();
    let to_bethany: Vec<&String> = mail
        .iter()
        .filter(|m| m.contains("To: bethany.cole@example.com"))
        .collect();
    assert_eq!(to_bethany.len(), 1, "one email, once");
    assert!(to_bethany[0].contains("Subject: Northwind Electricals: confirmation of what we recorded"));
    assert!(
        to_bethany[0].contains("Swift Parcels will call you back"),
        "{}",
        to_bethany[0]
    );

    // The record shows what went out, when and how.
    let hughes = customer(&api, &alice, story1::CUSTOMER_ID).await;
    let c: &Confirmation = hughes
        .confirmations
        .iter()
        .find(|c| c.summary.contains("+44 7946 000999") && c.recipient.as_deref() == Some("+447946000999"))
        .expect("the confirmation");
    assert_eq!(
        (c.status, c.channel, c.attempts),
        (DeliveryStatus::Sent, Some(Channel::Sms), 1)
    );
    assert!(c.sent_at.is_some() && c.last_error.is_none());
    assert!(hughes
        .timeline
        .iter()
        .any(|e| e.text.starts_with("Confirmation sent by SMS to +44 7946 000999")));
    // Nothing is sent twice.
    assert_eq!(api.server.state.deliver_due().await.expect("deliver").sent, 0);
    assert_eq!(smtp.messages().len(), mail.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_send_is_visible_and_retried_until_it_goes_out_once() {
    let smtp_port = free_port(); // nothing listens there yet
    let (gateway, sms_url) = start_gateway().await;
    *gateway.down.lock().expect("lock") = true;
    let clock = ManualClock::new(Utc::now());
    let api = Api::start_configured(clock.clone(), |s| s.delivery = config(smtp_port, &sms_url)).await;
    let alice = api.login("alice").await;
    api.apply(
        &alice,
        json!({"type": "set_contact_point", "customer_id": story1::CUSTOMER_ID, "person_id": story1::MOTHER_ID,
               "contact_point_id": story1::MOTHER_MOBILE_ID, "value": "07946 000999",
               "base_value": story1::MOTHER_MOBILE}),
    )
    .await;

    let first = api.server.state.deliver_due().await.expect("deliver");
    assert_eq!(first.sent, 0);
    assert!(first.failed >= 2, "{first:?}");
    let bethany = customer(&api, &alice, carrier_only::CUSTOMER_ID).await;
    let c = &bethany.confirmations[0];
    assert_eq!((c.status, c.attempts), (DeliveryStatus::Failed, 1));
    assert!(
        c.last_error.as_deref().unwrap_or_default().contains("email server"),
        "{c:?}"
    );
    assert_eq!(c.next_attempt_at, Some(api.server.state.now() + Duration::minutes(1)));
    assert!(bethany.timeline.iter().any(|e| e.text.contains("not sent yet")));
    // Not retried before its time.
    assert_eq!(
        api.server.state.deliver_due().await.expect("deliver"),
        Default::default()
    );

    // Still down a minute later: the next wait is longer.
    clock.advance(Duration::minutes(1));
    api.server.state.deliver_due().await.expect("deliver");
    let c = customer(&api, &alice, carrier_only::CUSTOMER_ID).await.confirmations[0].clone();
    assert_eq!((c.status, c.attempts), (DeliveryStatus::Failed, 2));
    assert_eq!(c.next_attempt_at, Some(api.server.state.now() + Duration::minutes(5)));

    // Both come back; the backlog goes out, each confirmation once.
    let smtp = Smtp::start(smtp_port);
    *gateway.down.lock().expect("lock") = false;
    clock.advance(Duration::minutes(5));
    let report = api.server.state.deliver_due().await.expect("deliver");
    assert_eq!(report.failed, 0, "{report:?}");
    let c = customer(&api, &alice, carrier_only::CUSTOMER_ID).await.confirmations[0].clone();
    assert_eq!((c.status, c.attempts), (DeliveryStatus::Sent, 3));
    let to_bethany = smtp
        .messages()
        .iter()
        .filter(|m| m.contains("To: bethany.cole@example.com"))
        .count();
    assert_eq!(to_bethany, 1);
    let sms = gateway.received.lock().expect("lock").clone();
    assert_eq!(sms.iter().filter(|(_, b)| b["to"] == "+447946000999").count(), 1);
}

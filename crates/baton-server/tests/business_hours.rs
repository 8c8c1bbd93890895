//! Business hours, with an injected clock across Christmas 2026: the carrier
//! (SwiftParcel) works weekdays 08:00–18:00 in London and the retailer weekdays
//! 09:00–17:00, both closed on Friday 25 and Monday 28 December. Due times,
//! SLA clocks and escalations count only those hours.

use baton_proto::{CallbackItem, Customer, EscalationLevel};
use baton_server::clock::ManualClock;
use baton_server::demo::{story2, CARRIER, RETAILER};
use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

mod common;
use common::{code, Api};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("time").with_timezone(&Utc)
}

fn weekdays(opens: &str, closes: &str) -> Value {
    let hours: Vec<Value> = ["monday", "tuesday", "wednesday", "thursday", "friday"]
        .iter()
        .map(|d| json!({"day": d, "opens": opens, "closes": closes}))
        .collect();
    json!({"time_zone": "Europe/London", "hours": hours, "holidays": [
        {"date": "2026-12-25", "name": "Christmas Day"},
        {"date": "2026-12-28", "name": "Boxing Day (substitute day)"},
    ]})
}

/// A demo server at `start` with both calendars set by the retailer's admin.
async fn christmas(start: &str) -> (Api, ManualClock) {
    let clock = ManualClock::new(t(start));
    let api = Api::start_at(clock.clone()).await;
    let ada = api.login("ada").await;
    for (org, cal) in [
        (CARRIER.0, weekdays("08:00", "18:00")),
        (RETAILER.0, weekdays("09:00", "17:00")),
    ] {
        let (status, body) = api.send("PUT", &ada, &format!("/admin/orgs/{org}/calendar"), cal).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["calendar"]["time_zone"], "Europe/London");
    }
    (api, clock)
}

async fn callback(api: &Api, token: &str, id: &str) -> baton_proto::Callback {
    let (status, body) = api.get(token, &format!("/callbacks/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value::<CallbackItem>(body).expect("callback").callback
}

async fn level(api: &Api, token: &str, id: &str) -> Option<EscalationLevel> {
    callback(api, token, id).await.escalation.map(|e| e.level)
}

async fn sweep(api: &Api) {
    api.server.state.sweep(None).await.expect("sweep");
}

#[tokio::test]
async fn a_callback_due_while_the_partner_is_closed_escalates_only_once_it_has_been_open() {
    // Thursday 24 December, 17:00 in London (GMT).
    let (api, clock) = christmas("2026-12-24T17:00:00Z").await;
    let priya = api.login("priya").await;
    let id = "cb_after_hours";
    api.apply(
        &priya,
        json!({"type": "schedule_callback", "customer_id": story2::CUSTOMER_ID, "callback_id": id,
               "owner_org_id": CARRIER.0, "phone": baton_server::demo::carrier_only::MOBILE,
               "request": "Call back about the missed delivery", "due_at": "2026-12-24T20:00:00Z"}),
    )
    .await;
    // Overdue on the wall clock all weekend and on the holiday, but SwiftParcel is
    // closed: nobody is escalated for it.
    for at in [
        "2026-12-24T20:01:00Z",
        "2026-12-26T12:00:00Z",
        "2026-12-28T10:00:00Z",
        "2026-12-29T08:00:00Z",
    ] {
        clock.advance(t(at) - api.server.state.now());
        sweep(&api).await;
        assert_eq!(level(&api, &priya, id).await, None, "not escalated at {at}");
    }
    // Tuesday 08:01: it has been overdue for a minute of opening hours.
    clock.advance(Duration::minutes(1));
    sweep(&api).await;
    let cb = callback(&api, &priya, id).await;
    let esc = cb.escalation.expect("escalated once open");
    assert_eq!(esc.level, EscalationLevel::OwnerSupervisor);
    assert!(esc.reason.contains("0 h 1 min late in opening hours"), "{}", esc.reason);
    // The partner's grace before the retailer gets it (4 h) counts opening hours too.
    clock.advance(t("2026-12-29T11:59:00Z") - api.server.state.now());
    sweep(&api).await;
    assert_eq!(level(&api, &priya, id).await, Some(EscalationLevel::OwnerSupervisor));
    clock.advance(Duration::minutes(2));
    sweep(&api).await;
    assert_eq!(level(&api, &priya, id).await, Some(EscalationLevel::RetailerSupervisor));
}

#[tokio::test]
async fn due_times_and_sla_clocks_skip_the_weekend_and_the_holidays() {
    // Thursday 24 December, 16:30 in London.
    let (api, clock) = christmas("2026-12-24T16:30:00Z").await;
    let priya = api.login("priya").await;
    let alice = api.login("alice").await;

    // The parcel reaches the depot: the story's callback is due within two hours
    // of SwiftParcel's time — 1 h 30 min on Thursday, 30 min on Tuesday.
    api.apply(
        &priya,
        json!({"type": "set_job_status", "customer_id": story2::CUSTOMER_ID, "job_id": story2::JOB_ID,
               "status": "at_depot", "base_status": "en_route"}),
    )
    .await;
    let cb = callback(&api, &priya, story2::CALLBACK_ID).await;
    assert_eq!(cb.due_at, Some(t("2026-12-29T08:30:00Z")));

    // Nobody answers at 17:50: the next try is 30 min of opening hours later.
    clock.advance(Duration::minutes(80));
    api.apply(
        &priya,
        json!({"type": "record_callback_attempt", "customer_id": story2::CUSTOMER_ID,
               "callback_id": story2::CALLBACK_ID, "outcome": "no_answer", "note": ""}),
    )
    .await;
    let cb = callback(&api, &priya, story2::CALLBACK_ID).await;
    assert_eq!(
        cb.due_at,
        Some(t("2026-12-29T08:20:00Z")),
        "10 min Thursday, 20 min Tuesday"
    );

    // An urgent ticket the retailer opens at 17:50 (closed since 17:00): the
    // first response is due one hour after it opens again, resolution in eight.
    api.apply(
        &alice,
        json!({"type": "open_ticket", "customer_id": story2::CUSTOMER_ID, "ticket_id": "t_xmas",
               "subject": "Parcel stuck over Christmas", "priority": "urgent", "job_ids": []}),
    )
    .await;
    let ticket = |c: &Customer| c.tickets.iter().find(|t| t.id == "t_xmas").cloned().expect("ticket");
    let (_, body) = api.get(&alice, &format!("/customers/{}", story2::CUSTOMER_ID)).await;
    let opened = ticket(&serde_json::from_value(body).expect("customer"));
    assert_eq!(opened.sla.first_response_due, t("2026-12-29T10:00:00Z"));
    assert_eq!(opened.sla.resolution_due, t("2026-12-29T17:00:00Z"));

    // Escalated to the carrier with the clock paused on Tuesday 16:00 and resumed
    // on Wednesday 10:00: the pause was two opening hours of the retailer's, not 18.
    clock.advance(t("2026-12-29T16:00:00Z") - api.server.state.now());
    api.apply(
        &alice,
        json!({"type": "escalate_ticket", "customer_id": story2::CUSTOMER_ID, "ticket_id": "t_xmas",
               "org_id": CARRIER.0, "reason": "Where is it?", "pause_reason": "waiting on the carrier"}),
    )
    .await;
    clock.advance(t("2026-12-30T10:00:00Z") - api.server.state.now());
    api.apply(
        &alice,
        json!({"type": "set_ticket_status", "customer_id": story2::CUSTOMER_ID, "ticket_id": "t_xmas",
               "status": "pending", "base_status": "open"}),
    )
    .await;
    let (_, body) = api.get(&alice, &format!("/customers/{}", story2::CUSTOMER_ID)).await;
    let resumed = ticket(&serde_json::from_value(body).expect("customer"));
    // One open hour was left at the pause (Tue 16:00 to 17:00): due Wed 10:00 + 1 h.
    assert_eq!(resumed.sla.resolution_due, t("2026-12-30T11:00:00Z"));
}

#[tokio::test]
async fn calendars_are_set_by_admins_checked_and_visible_to_whom_they_concern() {
    let (api, _) = christmas("2026-12-24T12:00:00Z").await;
    let ada = api.login("ada").await;
    let priya = api.login("priya").await;
    let path = format!("/admin/orgs/{}/calendar", CARRIER.0);

    // Refused in words, and nothing changes.
    let mut bad = weekdays("08:00", "18:00");
    bad["time_zone"] = json!("Europe/Londres");
    let (status, body) = api.send("PUT", &ada, &path, bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(code(&body), "bad_request");
    assert!(
        body["message"].as_str().unwrap_or_default().contains("not a time zone"),
        "{body}"
    );
    let mut bad = weekdays("08:00", "18:00");
    bad["hours"][0]["closes"] = json!("25:00");
    let (status, body) = api.send("PUT", &ada, &path, bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["message"].as_str().unwrap_or_default().contains("25:00"), "{body}");

    // The partner and the retailer both read SwiftParcel's hours from /v1/orgs;
    // another partner's stay with the retailer.
    let (_, orgs) = api.get(&priya, "/orgs").await;
    let orgs = orgs.as_array().cloned().unwrap_or_default();
    let own = orgs.iter().find(|o| o["id"] == CARRIER.0).expect("own org");
    assert_eq!(own["calendar"]["hours"][0]["opens"], "08:00");
    assert_eq!(own["calendar"]["holidays"][1]["date"], "2026-12-28");
    assert!(orgs.iter().all(|o| o["kind"] != "partner" || o["id"] == CARRIER.0));

    // A dispatcher is not an admin; clearing returns the partner to around the clock.
    let (status, _) = api.send("DELETE", &priya, &path, json!(null)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = api.send("DELETE", &ada, &path, json!(null)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["calendar"].is_null());
    // Each change is in the audit log.
    let changes: i64 = api
        .read(|c| {
            c.value(
                "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'org_calendar_changed' AND entity_id = ?1",
                baton_server::args![CARRIER.0],
                "n",
            )
        })
        .await;
    assert_eq!(changes, 2, "set, then cleared");
}

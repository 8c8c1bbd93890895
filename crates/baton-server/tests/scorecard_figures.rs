//! The scorecard figures story 5 names beside CSAT and NPS, each checked
//! against what the test itself did: re-asked details from the feedback it
//! recorded, the time to propagate a change from the changes it made and the
//! moments it saw them arrive.

use std::time::{Duration, Instant};

use baton_proto::{ChangesPage, Scorecard};
use baton_server::demo::story1;
use reqwest::StatusCode;
use serde_json::{json, Value};

mod common;
use common::{read_until, Api};

async fn scorecard(api: &Api, token: &str, org: &str) -> Scorecard {
    let (status, body) = api.get(token, &format!("/orgs/{org}/scorecard")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body).expect("scorecard")
}

fn feedback(id: &str, reasked: Option<bool>) -> Value {
    json!({"type": "record_feedback", "customer_id": story1::CUSTOMER_ID, "feedback_id": id,
           "job_id": story1::JOB_ID, "csat": 4, "comment": "", "reasked": reasked})
}

#[tokio::test]
async fn re_asked_details_count_what_customers_said_where_they_were_asked() {
    let api = Api::start().await;
    let sam = api.login("sam").await;
    let dan = api.login("dan").await;
    let before = scorecard(&api, &sam, "brightline").await;
    for (id, reasked) in [
        ("fb_r1", Some(true)),
        ("fb_r2", Some(false)),
        ("fb_r3", Some(false)),
        ("fb_r4", None),
    ] {
        api.apply(&sam, feedback(id, reasked)).await;
    }
    // An older console's intent without the question is still feedback, not an answer.
    api.apply(
        &sam,
        json!({"type": "record_feedback", "customer_id": story1::CUSTOMER_ID, "feedback_id": "fb_r5",
               "job_id": story1::JOB_ID, "nps": 9, "comment": ""}),
    )
    .await;
    let after = scorecard(&api, &sam, "brightline").await;
    assert_eq!(after.feedback_count, before.feedback_count + 5);
    assert_eq!(after.reasked_answers, before.reasked_answers + 3, "three were asked");
    assert_eq!(after.reasked, before.reasked + 1, "one had to repeat themselves");
    assert_eq!(
        scorecard(&api, &dan, "brightline").await,
        after,
        "the partner's figures are the retailer's"
    );
    // The answer is on the record's timeline, for whoever reads the case next.
    let (_, customer) = api.get(&sam, &format!("/customers/{}", story1::CUSTOMER_ID)).await;
    assert!(customer.to_string().contains("had to repeat details"), "{customer}");
    // Anything but true, false or nothing is refused, with a typed error.
    let (status, body) = api
        .mutate(
            &sam,
            json!({"type": "record_feedback", "customer_id": story1::CUSTOMER_ID, "feedback_id": "fb_bad",
                   "job_id": story1::JOB_ID, "csat": 3, "comment": "", "reasked": "yes"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

fn set_mobile(n: u32, value: &str) -> Value {
    json!([{
        "id": format!("44444444-0000-4000-8000-00000000000{n}"), "client_seq": n, "created_at": "2026-12-03T10:00:00Z",
        "intent": {
            "type": "set_contact_point", "customer_id": story1::CUSTOMER_ID, "person_id": story1::MOTHER_ID,
            "contact_point_id": story1::MOTHER_MOBILE_ID, "value": value, "base_value": ""
        }
    }])
}

/// The seq a push's only mutation was applied at.
async fn pushed(api: &Api, token: &str, mutations: Value) -> i64 {
    let (status, body) = api.push(token, mutations).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["results"][0]["seq"]
        .as_i64()
        .unwrap_or_else(|| panic!("not applied: {body}"))
}

fn seqs_in(page: &ChangesPage, after: i64, upto: i64) -> usize {
    page.changes.iter().filter(|c| c.seq > after && c.seq <= upto).count()
}

#[tokio::test]
async fn time_to_propagate_counts_changes_reaching_a_live_partner_console_once() {
    let api = Api::start().await;
    let alice = api.login("alice").await;
    let sam = api.login("sam").await;
    let dan = api.login("dan").await;
    let start = api.changes(&dan, 0).await.cursor;
    let none = scorecard(&api, &sam, "brightline").await;
    assert_eq!(
        (none.propagated, none.propagation_p50_ms),
        (0, None),
        "nothing has been delivered live yet"
    );

    // A change saved while none of Brightline's consoles was connected: a
    // switched-off laptop is not slow propagation.
    let offline = pushed(&api, &alice, set_mobile(1, "07946 000901")).await;

    let res = api
        .http
        .get(api.url("/sync/events"))
        .bearer_auth(&dan)
        .send()
        .await
        .expect("events");
    let mut stream = res.bytes_stream();
    read_until(&mut stream, "event: poke").await;

    // The retailer changes Margaret's mobile while Dan's console is live...
    let saving = Instant::now();
    let live = pushed(&api, &alice, set_mobile(2, "07946 000902")).await;
    read_until(&mut stream, &format!("id: {live}")).await;
    // ...and Dan adds a note of his own, which coming back to him is not propagation.
    let own = pushed(
        &api,
        &dan,
        json!([{"id": "44444444-0000-4000-8000-000000000009", "client_seq": 9, "created_at": "2026-12-03T10:00:00Z",
                "intent": {"type": "add_note", "customer_id": story1::CUSTOMER_ID, "note_id": "note_dan_prop",
                           "text": "Rang ahead", "job_id": story1::JOB_ID}}]),
    )
    .await;
    let page = api.changes(&dan, start).await;
    let held = saving.elapsed();
    let expected = seqs_in(&page, offline, live);
    assert!(expected >= 1, "the live change is on Dan's feed");
    assert!(seqs_in(&page, start, offline) >= 1 && seqs_in(&page, live, own) >= 1);

    // The scorecard is read as a supervisor would, until the delivery shows.
    let deadline = Instant::now() + Duration::from_secs(10);
    let card = loop {
        let card = scorecard(&api, &sam, "brightline").await;
        if card.propagated > 0 {
            break card;
        }
        assert!(Instant::now() < deadline, "the delivery was never recorded");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(
        card.propagated, expected as i64,
        "only the change saved while Dan was live, by someone else"
    );
    let p50 = card.propagation_p50_ms.expect("median");
    let p95 = card.propagation_p95_ms.expect("95th percentile");
    assert!(p50 <= p95, "{card:?}");
    assert!(
        u128::try_from(p95).expect("non-negative") <= held.as_millis(),
        "no longer than from before saving to Dan holding it: {p95} ms vs {} ms",
        held.as_millis()
    );
    assert_eq!(
        scorecard(&api, &dan, "brightline").await,
        card,
        "the partner's figures are the retailer's"
    );

    // A second Brightline console catching up later changes nothing: the first delivery stands.
    let again = api.login("dan").await;
    let res = api
        .http
        .get(api.url("/sync/events"))
        .bearer_auth(&again)
        .send()
        .await
        .expect("events");
    let mut second = res.bytes_stream();
    read_until(&mut second, "event: poke").await;
    let caught_up = api.changes(&again, start).await;
    assert!(
        seqs_in(&caught_up, offline, live) >= 1,
        "the second console gets the change too"
    );
    // The third change is the first that console sees live: only it is added.
    let third = pushed(&api, &alice, set_mobile(3, "07946 000903")).await;
    read_until(&mut second, &format!("id: {third}")).await;
    let page = api.changes(&again, caught_up.cursor).await;
    let added = seqs_in(&page, live, third) as i64;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = scorecard(&api, &sam, "brightline").await;
        assert!(now.propagated <= card.propagated + added, "{now:?}");
        if now.propagated == card.propagated + added {
            break;
        }
        assert!(Instant::now() < deadline, "the third delivery was never recorded");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn at(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[tokio::test]
async fn a_custom_period_counts_only_the_outcomes_inside_it() {
    let api = Api::start().await;
    let sam = api.login("sam").await;
    let now = chrono::DateTime::from_timestamp(chrono::Utc::now().timestamp(), 0).expect("now, to the second");
    let (from, to) = (now - chrono::Duration::hours(1), now + chrono::Duration::hours(1));
    let window = format!("/orgs/brightline/scorecard?since={}&until={}", at(from), at(to));
    let before: Scorecard = serde_json::from_value(api.get(&sam, &window).await.1).expect("scorecard");
    assert_eq!(
        (before.since, before.until),
        (Some(from), Some(to)),
        "the period is said"
    );
    api.apply(&sam, feedback("fb_p1", Some(false))).await;
    let inside: Scorecard = serde_json::from_value(api.get(&sam, &window).await.1).expect("scorecard");
    assert_eq!(inside.feedback_count, before.feedback_count + 1);
    let earlier = format!(
        "/orgs/brightline/scorecard?since={}&until={}",
        at(now - chrono::Duration::days(3)),
        at(now - chrono::Duration::days(2))
    );
    let (_, body) = api.get(&sam, &earlier).await;
    let earlier: Scorecard = serde_json::from_value(body).expect("scorecard");
    assert_eq!(earlier.feedback_count, 0, "nothing of today in a period two days ago");
    // Filters narrow: a period that ends before it starts holds no outcome,
    // and `days` with `since` starts at the later of the two.
    let (status, body) = api
        .get(
            &sam,
            &format!("/orgs/brightline/scorecard?since={}&until={}", at(to), at(from)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let empty: Scorecard = serde_json::from_value(body).expect("scorecard");
    assert_eq!(
        empty.feedback_count, 0,
        "nothing in a period that ends before it starts"
    );
    let (_, body) = api
        .get(&sam, &format!("/orgs/brightline/scorecard?days=7&since={}", at(from)))
        .await;
    let narrowed: Scorecard = serde_json::from_value(body).expect("scorecard");
    assert_eq!(narrowed.since, Some(from), "the later start counts");
    assert_eq!(narrowed.feedback_count, inside.feedback_count);
    for bad in ["since=yesterday", "days=0", "days=3661"] {
        let (status, body) = api.get(&sam, &format!("/orgs/brightline/scorecard?{bad}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert!(body["code"].is_string(), "a typed error: {body}");
    }
}

#[tokio::test]
async fn a_trend_is_the_scorecard_week_by_week_adding_up_to_the_whole() {
    let api = Api::start().await;
    let sam = api.login("sam").await;
    let dan = api.login("dan").await;
    let priya = api.login("priya").await;
    api.apply(&sam, feedback("fb_t1", Some(true))).await;
    let (status, body) = api.get(&sam, "/orgs/brightline/scorecard/trend?weeks=6").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let points: Vec<Scorecard> = serde_json::from_value(body).expect("trend");
    assert_eq!(points.len(), 6);
    for pair in points.windows(2) {
        assert_eq!(pair[0].until, pair[1].since, "weeks follow each other");
    }
    for p in &points {
        let (since, until) = (p.since.expect("since"), p.until.expect("until"));
        assert_eq!(until - since, chrono::Duration::weeks(1));
    }
    let last = points.last().expect("this week");
    assert!(
        last.feedback_count >= 1 && last.reasked >= 1,
        "this week's feedback is in this week: {last:?}"
    );
    // The weeks add up to the same span asked for at once.
    let (first, end) = (points[0].since.expect("start"), last.until.expect("end"));
    let whole = format!(
        "/orgs/brightline/scorecard?since={}&until={}",
        first
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
            .replace('+', "%2B"),
        end.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
            .replace('+', "%2B")
    );
    let (status, body) = api.get(&sam, &whole).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let whole: Scorecard = serde_json::from_value(body).expect("scorecard");
    let sum = |f: fn(&Scorecard) -> i64| points.iter().map(f).sum::<i64>();
    assert_eq!(sum(|p| p.feedback_count), whole.feedback_count);
    assert_eq!(sum(|p| p.reasked), whole.reasked);
    assert_eq!(sum(|p| p.jobs_completed), whole.jobs_completed);
    assert_eq!(
        sum(|p| p.commitments_kept + p.commitments_broken),
        whole.commitments_kept + whole.commitments_broken
    );
    assert_eq!(sum(|p| p.callbacks_completed), whole.callbacks_completed);

    // The partner sees its own trend, the same; not another partner's.
    let (_, theirs) = api.get(&dan, "/orgs/brightline/scorecard/trend?weeks=6").await;
    let theirs: Vec<Scorecard> = serde_json::from_value(theirs).expect("trend");
    let counts = |ps: &[Scorecard]| {
        ps.iter()
            .map(|p| (p.feedback_count, p.reasked, p.jobs_completed))
            .collect::<Vec<_>>()
    };
    assert_eq!(counts(&theirs), counts(&points));
    let (status, body) = api.get(&priya, "/orgs/brightline/scorecard/trend").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    for bad in ["weeks=1", "weeks=53", "weeks=-2", "weeks=many"] {
        let (status, body) = api.get(&sam, &format!("/orgs/brightline/scorecard/trend?{bad}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
    }
}

const FIGURES: [&str; 10] = [
    "jobs_open",
    "jobs_completed",
    "jobs_failed",
    "feedback",
    "reasked",
    "callbacks_due",
    "callbacks_completed",
    "commitments_kept",
    "commitments_broken",
    "tickets_escalated_open",
];

fn figure_of(card: &Scorecard, figure: &str) -> i64 {
    match figure {
        "jobs_open" => card.jobs_open,
        "jobs_completed" => card.jobs_completed,
        "jobs_failed" => card.jobs_failed,
        "feedback" => card.feedback_count,
        "reasked" => card.reasked,
        "callbacks_due" => card.callbacks_due,
        "callbacks_completed" => card.callbacks_completed,
        "commitments_kept" => card.commitments_kept,
        "commitments_broken" => card.commitments_broken,
        "tickets_escalated_open" => card.tickets_escalated_open,
        other => panic!("no figure {other}"),
    }
}

#[tokio::test]
async fn each_figure_opens_to_exactly_the_items_it_counts() {
    let api = Api::start().await;
    let sam = api.login("sam").await;
    let dan = api.login("dan").await;
    let priya = api.login("priya").await;
    let due = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    for (id, status) in [("com_drill_kept", "kept"), ("com_drill_broken", "broken")] {
        api.apply(
            &sam,
            json!({"type": "record_commitment", "customer_id": story1::CUSTOMER_ID, "commitment_id": id,
                   "text": format!("Promise {id}"), "due_at": due, "owner_org_id": "brightline",
                   "ticket_id": null, "job_id": story1::JOB_ID}),
        )
        .await;
        api.apply(
            &sam,
            json!({"type": "resolve_commitment", "customer_id": story1::CUSTOMER_ID, "commitment_id": id, "status": status}),
        )
        .await;
    }
    api.apply(&sam, feedback("fb_drill", Some(true))).await;

    for period in ["", "&days=7"] {
        let (_, card) = api
            .get(
                &sam,
                &format!("/orgs/brightline/scorecard?{}", period.trim_start_matches('&')),
            )
            .await;
        let card: Scorecard = serde_json::from_value(card).expect("scorecard");
        for figure in FIGURES {
            let path = format!("/orgs/brightline/scorecard/items?figure={figure}{period}");
            let (status, body) = api.get(&sam, &path).await;
            assert_eq!(status, StatusCode::OK, "{path}: {body}");
            let items: baton_proto::ScorecardItems = serde_json::from_value(body).expect("items");
            assert_eq!(items.total, figure_of(&card, figure), "{path}");
            assert_eq!(
                items.items.len() as i64,
                items.total.min(500),
                "{path}: every item behind the number"
            );
            let ids: std::collections::HashSet<_> = items.items.iter().map(|i| &i.id).collect();
            assert_eq!(ids.len(), items.items.len(), "{path}: each item once");
            assert!(
                items.items.windows(2).all(|w| w[0].at >= w[1].at),
                "{path}: newest first"
            );

            // The partner opens the same items, each on a record it may open.
            let (status, theirs) = api.get(&dan, &path).await;
            assert_eq!(status, StatusCode::OK, "{path}: {theirs}");
            let theirs: baton_proto::ScorecardItems = serde_json::from_value(theirs).expect("items");
            assert_eq!(theirs, items, "{path}: the same for the partner");
            for item in &items.items {
                let (status, _) = api.get(&dan, &format!("/customers/{}", item.customer_id)).await;
                assert_eq!(
                    status,
                    StatusCode::OK,
                    "{path}: {} is Brightline's work",
                    item.customer_id
                );
            }
        }
    }
    let items = |figure: &'static str| {
        let (api, sam) = (&api, &sam);
        async move {
            let (_, body) = api
                .get(sam, &format!("/orgs/brightline/scorecard/items?figure={figure}"))
                .await;
            serde_json::from_value::<baton_proto::ScorecardItems>(body).expect("items")
        }
    };
    let broken = items("commitments_broken").await;
    let mine = broken
        .items
        .iter()
        .find(|i| i.id == "com_drill_broken")
        .expect("the broken promise");
    assert_eq!(
        (mine.text.as_str(), mine.late),
        ("Promise com_drill_broken", Some(true))
    );
    let (_, customer) = api.get(&sam, &format!("/customers/{}", story1::CUSTOMER_ID)).await;
    assert_eq!(
        Some(mine.customer_number.as_str()),
        customer["number"].as_str(),
        "the account number"
    );
    let kept = items("commitments_kept").await;
    assert!(kept
        .items
        .iter()
        .any(|i| i.id == "com_drill_kept" && i.late == Some(false)));
    assert!(!kept.items.iter().any(|i| i.id == "com_drill_broken"));
    let reasked = items("reasked").await;
    assert!(reasked.items.iter().all(|i| i.late == Some(true)) && reasked.items.iter().any(|i| i.id == "fb_drill"));

    let (status, _) = api
        .get(&priya, "/orgs/brightline/scorecard/items?figure=feedback")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not another partner's");
    for bad in ["figure=everything", "", "figure=feedback&days=0"] {
        let (status, body) = api.get(&sam, &format!("/orgs/brightline/scorecard/items?{bad}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
    }
}

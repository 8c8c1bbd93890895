//! The sync protocols a server serves side by side. Protocol 2 carries a
//! customer's history as its own records, so what an edit ships does not grow
//! with the record's history; protocol 1 consoles still get whole documents.

mod common;

use std::collections::BTreeSet;

use baton_proto::{ChangeOp, ChangesPage, HistoryItem, Record, SnapshotPage, HISTORY_TAIL, PROTOCOL_HEADER};
use baton_server::demo::{carrier_only, story1};
use reqwest::StatusCode;
use serde_json::json;

use common::Api;

async fn get_as<T: serde::de::DeserializeOwned>(api: &Api, token: &str, path: &str, protocol: &str) -> (T, usize) {
    let res = api
        .http
        .get(api.url(path))
        .bearer_auth(token)
        .header(PROTOCOL_HEADER, protocol)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::OK, "{path} as protocol {protocol}");
    let body = res.text().await.expect("body");
    (serde_json::from_str(&body).expect(path), body.len())
}

fn items_of(page: &ChangesPage) -> Vec<String> {
    page.changes
        .iter()
        .filter_map(|c| match &c.op {
            ChangeOp::HistoryItem { item, .. } => Some(item.id().to_string()),
            _ => None,
        })
        .collect()
}

fn states_of(page: &ChangesPage) -> Vec<String> {
    page.changes
        .iter()
        .filter_map(|c| match &c.op {
            ChangeOp::Upsert { record } => Some(record.id().to_string()),
            _ => None,
        })
        .collect()
}

fn note(i: usize) -> String {
    format!("Earlier call {i:03} about the wall bracket")
}

#[tokio::test]
async fn an_edit_ships_what_it_added_however_long_the_history() {
    let api = Api::start().await;
    let alice = api.login("alice").await;
    let dan = api.login("dan").await;
    let c = story1::CUSTOMER_ID;
    // A long history about Brightline's job: more than a snapshot keeps per record.
    let earlier = HISTORY_TAIL + 10;
    for i in 0..earlier {
        api.apply(
            &alice,
            json!({"type": "add_note", "customer_id": c, "note_id": format!("note-{i:03}"),
                   "job_id": story1::JOB_ID, "text": note(i)}),
        )
        .await;
    }
    let (snap, _): (SnapshotPage, _) = get_as(&api, &alice, "/sync/snapshot?limit=1", "2").await;
    let head = snap.seq;
    api.apply(
        &alice,
        json!({"type": "add_note", "customer_id": c, "note_id": "note-last", "job_id": story1::JOB_ID,
               "text": "The bracket arrives on Tuesday"}),
    )
    .await;
    let path = format!("/sync/changes?after={head}");

    // Protocol 2: the record's new state and the one note, for the retailer and
    // for the partner the note is about; nothing of the history before it.
    for (who, token) in [("alice", &alice), ("dan", &dan)] {
        let (page, bytes): (ChangesPage, _) = get_as(&api, token, &path, "2").await;
        assert_eq!(states_of(&page), vec![c.to_string()], "{who}: one new state");
        assert_eq!(
            items_of(&page),
            vec!["note-last".to_string()],
            "{who}: one history item"
        );
        assert!(
            !page.changes.iter().any(|ch| matches!(ch.op, ChangeOp::History { .. })),
            "{who}: the history is not sent again"
        );
        let text = serde_json::to_string(&page).expect("json");
        for i in 0..earlier {
            assert!(!text.contains(&note(i)), "{who}: the page carries an earlier note");
        }
        assert!(bytes < 8_000, "{who}: the page is {bytes} bytes");
    }

    // Protocol 1: the whole document as the scope sees it now, every note in it.
    let (page, _): (ChangesPage, _) = get_as(&api, &alice, &path, "1").await;
    assert_eq!(page.changes.len(), 1, "one change, the whole document");
    let ChangeOp::Upsert { record } = &page.changes[0].op else {
        panic!("protocol 1 gets upserts only: {:?}", page.changes[0].op)
    };
    let Record::Customer(doc) = record.as_ref() else {
        panic!("a customer")
    };
    let ids: BTreeSet<&str> = doc.timeline.iter().map(|e| e.id.as_str()).collect();
    for i in 0..earlier {
        assert!(
            ids.contains(format!("note-{i:03}").as_str()),
            "note {i} in the whole document"
        );
    }
    assert!(ids.contains("note-last"));

    // Snapshots: protocol 1 pages whole documents; protocol 2 the state and,
    // beside it, the newest HISTORY_TAIL entries, saying older ones exist.
    let find = |snap: &SnapshotPage| {
        snap.records
            .iter()
            .find_map(|r| match r {
                Record::Customer(x) if x.id == c => Some(x.clone()),
                _ => None,
            })
            .expect("the customer is in the first page")
    };
    let (v1, _): (SnapshotPage, _) = get_as(&api, &alice, "/sync/snapshot?limit=5", "1").await;
    assert!(v1.histories.is_empty());
    assert_eq!(find(&v1).timeline.len(), doc.timeline.len());
    let (v2, _): (SnapshotPage, _) = get_as(&api, &alice, "/sync/snapshot?limit=5", "2").await;
    let state = find(&v2);
    assert!(
        state.timeline.is_empty() && state.confirmations.is_empty(),
        "state only"
    );
    let history = v2.histories.iter().find(|h| h.customer_id == c).expect("its history");
    assert!(history.older, "older entries are on the server");
    let timeline: Vec<&str> = history
        .items
        .iter()
        .filter_map(|i| match i {
            HistoryItem::Timeline(e) => Some(e.id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(timeline.len(), HISTORY_TAIL);
    assert_eq!(timeline.last(), Some(&"note-last"));
    let newest: Vec<&str> = doc
        .timeline
        .iter()
        .rev()
        .take(HISTORY_TAIL)
        .rev()
        .map(|e| e.id.as_str())
        .collect();
    assert_eq!(timeline, newest, "the newest entries, oldest first");
}

#[tokio::test]
async fn a_partner_given_work_on_a_customer_gets_its_history_anew() {
    let api = Api::start().await;
    let alice = api.login("alice").await;
    let dan = api.login("dan").await;
    let c = carrier_only::CUSTOMER_ID;
    // Brightline has no work on the carrier's customer yet.
    let (snap, _): (SnapshotPage, _) = get_as(&api, &dan, "/sync/snapshot?limit=5000", "2").await;
    assert!(!snap.records.iter().any(|r| r.id() == c));
    let head = snap.seq;
    api.apply(
        &alice,
        json!({"type": "create_job", "customer_id": c, "job_id": "job-fit", "org_id": "brightline",
               "kind": "installation", "summary": "Fit the wall bracket", "contact_person_id": "per_000002_1"}),
    )
    .await;
    let (page, _): (ChangesPage, _) = get_as(&api, &dan, &format!("/sync/changes?after={head}"), "2").await;
    let history = page
        .changes
        .iter()
        .find_map(|ch| match &ch.op {
            ChangeOp::History { history } if history.customer_id == c => Some(history.clone()),
            _ => None,
        })
        .expect("the customer's history as Brightline may see it");
    assert!(!history.older);
    // What it may see: entries about its own job (the job's creation), none of the carrier's.
    assert!(!history.items.is_empty());
    for item in &history.items {
        if let HistoryItem::Timeline(e) = item {
            assert_eq!(e.job_id.as_deref(), Some("job-fit"), "{e:?}");
        }
    }
    // The next edit about its job ships one item, not the history again.
    let head = page.cursor;
    api.apply(
        &alice,
        json!({"type": "add_note", "customer_id": c, "note_id": "note-fit", "job_id": "job-fit",
               "text": "Leave it with the neighbour at 12"}),
    )
    .await;
    let (page, _): (ChangesPage, _) = get_as(&api, &dan, &format!("/sync/changes?after={head}"), "2").await;
    assert_eq!(items_of(&page), vec!["note-fit".to_string()]);
}

//! Three server nodes on one PostgreSQL database (a real one the test starts):
//! a commit on one node reaches live streams on the others, writers on every
//! node never let a cursor skip a change, and a confirmation due is sent once
//! however many nodes deliver at the same moment.

use baton_server::delivery::DeliveryConfig;
use baton_server::demo::{story1, DEMO_PASSWORD};
use baton_server::{AppState, Location, RunningServer};
use baton_testkit::{free_port, start_gateway, Postgres, Smtp};
use reqwest::StatusCode;
use serde_json::{json, Value};

mod common;
use common::read_until;

struct Nodes {
    nodes: Vec<RunningServer>,
    http: reqwest::Client,
}

impl Nodes {
    /// Three nodes on a fresh database; the first loads the demo data.
    async fn start(configure: impl Fn(&mut AppState)) -> Nodes {
        let location = Location::parse(&Postgres::shared().database());
        let mut nodes = Vec::new();
        for i in 0..3 {
            let mut state = AppState::connect(&location).expect("connect");
            state.sweep_every = None;
            configure(&mut state);
            let addr = "127.0.0.1:0".parse().expect("addr");
            let node = if i == 0 {
                RunningServer::demo_on(addr, state, 40).await.expect("first node")
            } else {
                RunningServer::start(addr, state).await.expect("node")
            };
            nodes.push(node);
        }
        Nodes {
            nodes,
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, node: usize, path: &str) -> String {
        format!("{}/v1{path}", self.nodes[node].url())
    }

    async fn login(&self, node: usize, user: &str) -> String {
        let body: Value = self
            .http
            .post(self.url(node, "/auth/login"))
            .json(&json!({"username": user, "password": DEMO_PASSWORD}))
            .send()
            .await
            .expect("login")
            .json()
            .await
            .expect("json");
        body["token"].as_str().expect("token").to_string()
    }

    async fn push(&self, node: usize, token: &str, mutation: Value) -> Value {
        let res = self
            .http
            .post(self.url(node, "/sync/push"))
            .bearer_auth(token)
            .json(&json!({"client_id": uuid::Uuid::new_v4(), "mutations": [mutation]}))
            .send()
            .await
            .expect("push");
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.expect("json")
    }
}

fn set_mobile(n: usize, round: usize) -> Value {
    json!({
        "id": uuid::Uuid::new_v4(), "client_seq": round, "created_at": "2026-11-23T10:00:00Z",
        "intent": {
            "type": "set_contact_point", "customer_id": format!("cus_{n:06}"), "person_id": format!("per_{n:06}_1"),
            "contact_point_id": format!("cp_{n:06}_1_1"), "value": format!("+4479460{:05}", n * 100 + round),
            "base_value": ""
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_commit_on_one_node_pokes_live_streams_on_the_others() {
    let nodes = Nodes::start(|_| {}).await;
    let alice = nodes.login(0, "alice").await;
    let dan = nodes.login(1, "dan").await;
    // Dan's console streams from node 2; Alice edits through node 0.
    let res = nodes
        .http
        .get(nodes.url(2, "/sync/events"))
        .bearer_auth(&dan)
        .send()
        .await
        .expect("events");
    assert_eq!(res.status(), StatusCode::OK);
    let mut stream = res.bytes_stream();
    read_until(&mut stream, "event: poke").await;
    let body = nodes
        .push(
            0,
            &alice,
            json!({"id": uuid::Uuid::new_v4(), "client_seq": 1, "created_at": "2026-11-23T10:00:00Z",
                   "intent": {"type": "set_contact_point", "customer_id": story1::CUSTOMER_ID,
                              "person_id": story1::MOTHER_ID, "contact_point_id": story1::MOTHER_MOBILE_ID,
                              "value": "07946 000555", "base_value": story1::MOTHER_MOBILE}}),
        )
        .await;
    let seq = body["results"][0]["seq"].as_i64().expect("applied");
    read_until(&mut stream, &format!("id: {seq}")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writers_on_every_node_never_let_a_cursor_skip_a_change() {
    let nodes = Nodes::start(|_| {}).await;
    let token = nodes.login(0, "alice").await;
    let head = |body: &Value| body["cursor"].as_i64().expect("cursor");
    let changes = |cursor: i64| {
        let (http, url, token) = (
            nodes.http.clone(),
            nodes.url(2, &format!("/sync/changes?after={cursor}")),
            token.clone(),
        );
        async move {
            let body: Value = http
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("changes")
                .json()
                .await
                .expect("json");
            body
        }
    };
    let start = head(&changes(0).await);
    let (writers, rounds) = (6, 20);
    let mut tasks = Vec::new();
    for w in 0..writers {
        let (http, url, token) = (nodes.http.clone(), nodes.url(w % 3, "/sync/push"), token.clone());
        tasks.push(tokio::spawn(async move {
            for round in 0..rounds {
                let body = json!({"client_id": uuid::Uuid::new_v4(), "mutations": [set_mobile(3 + w, round)]});
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
    // A console on the third node pulls all the while, as fast as it can.
    let mut seen: Vec<i64> = Vec::new();
    let mut cursor = start;
    loop {
        let done = tasks.iter().all(|t| t.is_finished());
        let page = changes(cursor).await;
        let got: Vec<i64> = page["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .map(|c| c["seq"].as_i64().expect("seq"))
            .collect();
        seen.extend(&got);
        cursor = head(&page);
        if done && got.is_empty() && page["has_more"] == false {
            break;
        }
    }
    for t in tasks {
        t.await.expect("writer");
    }
    let all: Vec<i64> = nodes.nodes[1]
        .state
        .db
        .read(move |c| {
            c.all(
                "SELECT seq FROM changes WHERE scope = 'internal' AND seq > ?1 ORDER BY seq",
                baton_server::args![start],
                |r| r.get("seq"),
            )
        })
        .await
        .expect("feed");
    let states: i64 = nodes.nodes[1]
        .state
        .db
        .read(move |c| {
            c.value(
                "SELECT COUNT(*) AS n FROM changes WHERE scope = 'internal' AND seq > ?1 AND part IS NULL",
                baton_server::args![start],
                "n",
            )
        })
        .await
        .expect("feed");
    assert_eq!(states as usize, writers * rounds, "one new state per applied edit");
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "changes arrive in seq order");
    assert_eq!(seen, all, "the console saw every committed change exactly once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_due_confirmation_is_sent_once_however_many_nodes_deliver() {
    let smtp_port = free_port();
    let smtp = Smtp::start(smtp_port);
    let (gateway, sms_url) = start_gateway().await;
    let nodes = Nodes::start(|s| {
        s.delivery = DeliveryConfig {
            smtp_url: Some(format!("smtp://127.0.0.1:{smtp_port}")),
            email_from: Some("Northwind Electricals <care@northwind.example>".into()),
            sms_url: Some(sms_url.clone()),
            sms_token: None,
            time_zone: None,
            smtp_credentials: None,
            public_url: None,
        };
    })
    .await;
    let alice = nodes.login(0, "alice").await;
    for round in 0..5 {
        nodes.push(round % 3, &alice, set_mobile(3 + round, round)).await;
    }
    // Every node delivers at once, twice over.
    let mut runs = Vec::new();
    for _ in 0..2 {
        for node in &nodes.nodes {
            let state = node.state.clone();
            runs.push(tokio::spawn(async move { state.deliver_due().await }));
        }
    }
    let mut sent = 0;
    for r in runs {
        sent += r.await.expect("run").expect("deliver").sent;
    }
    let (queued, went_out): (i64, i64) = nodes.nodes[0]
        .state
        .db
        .read(|c| {
            c.one(
                "SELECT COUNT(*) AS n, COALESCE(SUM(CASE WHEN status = 'sent' THEN 1 ELSE 0 END), 0) AS sent
                 FROM confirmations WHERE channel IS NOT NULL",
                baton_server::args![],
                |r| Ok((r.get("n")?, r.get("sent")?)),
            )
        })
        .await
        .expect("confirmations");
    let received = smtp.messages().len() + gateway.received.lock().expect("lock").len();
    assert!(queued >= 5, "the edits queued confirmations ({queued})");
    assert_eq!(went_out, queued, "every confirmation went out");
    assert_eq!(sent as i64, queued, "each by exactly one node");
    assert_eq!(received as i64, queued, "and each reached the customer once");
}

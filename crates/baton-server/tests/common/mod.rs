//! The test harness shared by the API tests: a real server on a free port with
//! the demo data, driven over real HTTP.
#![allow(dead_code)] // each test file uses its own part of the harness

use baton_proto::ChangesPage;
use baton_server::demo::DEMO_PASSWORD;
use baton_server::RunningServer;
use reqwest::StatusCode;
use serde_json::{json, Value};

pub struct Api {
    pub dir: tempfile::TempDir,
    /// The server's database: a SQLite file in `dir`, or a PostgreSQL database
    /// when the suite runs with `BATON_TEST_DATABASE=postgres`.
    pub db: String,
    pub server: RunningServer,
    pub http: reqwest::Client,
}

impl Api {
    pub async fn start() -> Api {
        Api::start_sized(40).await
    }

    /// A demo server with `customers` customers (the stories' among them).
    pub async fn start_sized(customers: usize) -> Api {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = baton_testkit::test_database(dir.path());
        let state = baton_server::AppState::connect(&baton_server::Location::parse(&db)).expect("open");
        let server = RunningServer::demo_on("127.0.0.1:0".parse().expect("addr"), state, customers)
            .await
            .expect("server");
        Api {
            dir,
            db,
            server,
            http: reqwest::Client::new(),
        }
    }

    /// A demo server whose time is `clock`, with no background sweep: the test
    /// runs every sweep itself.
    pub async fn start_at(clock: baton_server::clock::ManualClock) -> Api {
        Api::start_configured(clock, |_| {}).await
    }

    /// Like [`Api::start_at`], with the state adjusted by `configure` first.
    pub async fn start_configured(
        clock: baton_server::clock::ManualClock,
        configure: impl FnOnce(&mut baton_server::AppState),
    ) -> Api {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = baton_testkit::test_database(dir.path());
        let mut state = Api::state(&db, clock);
        configure(&mut state);
        let server = RunningServer::demo_on("127.0.0.1:0".parse().expect("addr"), state, 40)
            .await
            .expect("server");
        Api {
            dir,
            db,
            server,
            http: reqwest::Client::new(),
        }
    }

    /// The state of a server on database `db`, reading time from `clock`.
    pub fn state(db: &str, clock: baton_server::clock::ManualClock) -> baton_server::AppState {
        let mut state = baton_server::AppState::connect(&baton_server::Location::parse(db))
            .expect("open")
            .with_clock(clock);
        state.sweep_every = None;
        // These servers' clocks jump by days; sessions' own lifetimes are tested in
        // sessions.rs, so here a sign-in outlives any jump.
        state.sessions.idle = chrono::Duration::days(3650);
        state.sessions.absolute = chrono::Duration::days(3650);
        state
    }

    /// Stops this server and starts another on the same database: a restart.
    pub async fn restart(self, clock: baton_server::clock::ManualClock) -> Api {
        let Api { dir, db, server, http } = self;
        server.stop().await.expect("stop");
        let server = RunningServer::start("127.0.0.1:0".parse().expect("addr"), Api::state(&db, clock))
            .await
            .expect("restart");
        Api { dir, db, server, http }
    }

    /// Runs the test's own SQL on the server's database (either backend), in one read.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn baton_server::store::Conn) -> Result<T, baton_server::ServerError> + Send + 'static,
    ) -> T {
        self.server.state.db.read(f).await.expect("the test's read")
    }

    /// Runs the test's own SQL in one write transaction.
    pub async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn baton_server::store::Conn) -> Result<T, baton_server::ServerError> + Send + 'static,
    ) -> T {
        self.server.state.db.write(f).await.expect("the test's write")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/v1{path}", self.server.url())
    }

    pub async fn login(&self, user: &str) -> String {
        let res = self
            .http
            .post(self.url("/auth/login"))
            .json(&json!({"username": user, "password": DEMO_PASSWORD}))
            .send()
            .await
            .expect("login");
        assert_eq!(res.status(), StatusCode::OK);
        res.json::<Value>().await.expect("json")["token"]
            .as_str()
            .expect("token")
            .to_string()
    }

    pub async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        let res = self
            .http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("get");
        (res.status(), res.json().await.unwrap_or(Value::Null))
    }

    /// Any request with a JSON body (or none for `Value::Null`), signed in as `token` when it is not empty.
    pub async fn send(&self, method: &str, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.http.request(method, self.url(path));
        if !token.is_empty() {
            req = req.bearer_auth(token);
        }
        if !body.is_null() {
            req = req.json(&body);
        }
        let res = req.send().await.expect("request");
        (res.status(), res.json().await.unwrap_or(Value::Null))
    }

    /// Signs in with a password, failing the test unless it works.
    pub async fn login_with(&self, user: &str, password: &str) -> String {
        let (status, body) = self
            .send(
                "POST",
                "",
                "/auth/login",
                json!({"username": user, "password": password}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{user} signs in: {body}");
        body["token"].as_str().expect("token").to_string()
    }

    /// Has admin `admin` invite `username` as `role` of `org`, sets its password
    /// with the code as the user would, and returns its session token.
    pub async fn invited(&self, admin: &str, username: &str, role: &str, org: &str) -> String {
        let (status, invite) = self
            .send(
                "POST",
                admin,
                "/admin/users",
                json!({"username": username, "display_name": format!("{username} Test"), "role": role, "org_id": org}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{invite}");
        let (status, body) = self
            .send(
                "POST",
                "",
                "/auth/accept-invite",
                json!({"code": invite["code"], "password": format!("{username}'s own long password")}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["token"].as_str().expect("token").to_string()
    }

    pub async fn push(&self, token: &str, mutations: Value) -> (StatusCode, Value) {
        let body = json!({"client_id": "11111111-1111-4111-8111-111111111111", "mutations": mutations});
        let res = self
            .http
            .post(self.url("/sync/push"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("push");
        (res.status(), res.json().await.unwrap_or(Value::Null))
    }

    pub async fn changes(&self, token: &str, after: i64) -> ChangesPage {
        let (status, body) = self.get(token, &format!("/sync/changes?after={after}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        serde_json::from_value(body).expect("changes page")
    }
}

pub fn code(body: &Value) -> &str {
    body["code"].as_str().unwrap_or("<no code>")
}

impl Api {
    /// Sends one intent through `POST /v1/mutations` with a fresh id; returns the HTTP
    /// status and the result body (`outcome` is `applied` or `rejected`).
    pub async fn mutate(&self, token: &str, intent: Value) -> (StatusCode, Value) {
        self.mutate_as(token, &uuid::Uuid::new_v4().to_string(), intent).await
    }

    pub async fn mutate_as(&self, token: &str, id: &str, intent: Value) -> (StatusCode, Value) {
        let res = self
            .http
            .post(self.url("/mutations"))
            .bearer_auth(token)
            .json(&json!({"id": id, "intent": intent}))
            .send()
            .await
            .expect("mutate");
        (res.status(), res.json().await.unwrap_or(Value::Null))
    }

    /// Applies `intent` and fails the test unless the server applied it.
    pub async fn apply(&self, token: &str, intent: Value) -> Value {
        let (status, body) = self.mutate(token, intent.clone()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["outcome"], "applied", "{intent} was not applied: {body}");
        body
    }

    /// Sends `intent` and returns the code of its rejection (fails if it applied).
    pub async fn refused(&self, token: &str, intent: Value) -> String {
        let (status, body) = self.mutate(token, intent.clone()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["outcome"], "rejected", "{intent} should have been refused: {body}");
        body["code"].as_str().unwrap_or_default().to_string()
    }
}

/// Reads a live event stream until `needle` shows (at most 10 s: a stream that
/// says nothing fails the test rather than hanging it).
pub async fn read_until(
    stream: &mut (impl futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Unpin),
    needle: &str,
) {
    use futures_util::StreamExt;
    let mut seen = String::new();
    let found = async {
        while !seen.contains(needle) {
            let chunk = stream.next().await.expect("stream open").expect("chunk");
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(10), found)
        .await
        .unwrap_or_else(|_| panic!("no `{needle}` on the stream"));
}

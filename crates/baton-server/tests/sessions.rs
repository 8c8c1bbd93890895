//! Sign-in and sessions as a security team expects them, on the real server with
//! an injected clock: throttling per username and per address with a growing
//! wait and a lock, the same answer for unknown users, every attempt audited,
//! idle and absolute expiry, sign-out everywhere, and a disabled user refused on
//! the next request with its live stream closed.

use std::time::Duration as StdDuration;

use baton_server::clock::ManualClock;
use baton_server::demo::DEMO_PASSWORD;
use chrono::{Duration, Utc};
use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::{json, Value};

mod common;
use common::{code, Api};

async fn sign_in(api: &Api, user: &str, password: &str) -> (StatusCode, Value, Option<String>) {
    let res = api
        .http
        .post(api.url("/auth/login"))
        .json(&json!({"username": user, "password": password}))
        .send()
        .await
        .expect("login");
    let status = res.status();
    let retry = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    (status, res.json().await.unwrap_or(Value::Null), retry)
}

/// The caller's live event stream.
async fn events(api: &Api, token: &str) -> impl futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Unpin {
    let res = api
        .http
        .get(api.url("/sync/events"))
        .bearer_auth(token)
        .send()
        .await
        .expect("events");
    Box::pin(res.bytes_stream())
}

/// Whether `stream` ends within 20 s (a bound on a failure, not a wait: it ends
/// when the server closes it).
async fn closed(
    stream: &mut (impl futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Unpin),
) -> Result<(), tokio::time::error::Elapsed> {
    tokio::time::timeout(StdDuration::from_secs(20), async {
        while let Some(chunk) = stream.next().await {
            if chunk.is_err() {
                break;
            }
        }
    })
    .await
}

/// A server whose sessions follow the production policy, on `clock`.
async fn server(clock: &ManualClock, configure: impl FnOnce(&mut baton_server::AppState)) -> Api {
    Api::start_configured(clock.clone(), |s| {
        s.sessions = baton_server::auth::SessionPolicy::default();
        configure(s);
    })
    .await
}

async fn audit_actions(api: &Api, username: &str) -> Vec<(String, String)> {
    let username = username.to_string();
    api.read(move |c| {
        c.all(
            "SELECT action, after FROM audit_log WHERE entity = 'user' AND entity_id = ?1 ORDER BY id",
            baton_server::args![username],
            |r| Ok((r.get("action")?, r.get::<Option<String>>("after")?.unwrap_or_default())),
        )
    })
    .await
}

#[tokio::test]
async fn failed_sign_ins_wait_longer_each_time_then_lock_the_username() {
    let clock = ManualClock::new(Utc::now());
    let api = server(&clock, |_| {}).await;
    // Three free failures, then each attempt waits: 1 s, 2 s, 4 s …
    for _ in 0..3 {
        let (status, body, _) = sign_in(&api, "alice", "wrong").await;
        assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "unauthenticated"));
    }
    let (status, _, _) = sign_in(&api, "alice", "wrong").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the 4th is checked, and sets a wait");
    let (status, body, retry) = sign_in(&api, "alice", DEMO_PASSWORD).await;
    assert_eq!((status, code(&body)), (StatusCode::TOO_MANY_REQUESTS, "rate_limited"));
    assert_eq!(retry.as_deref(), Some("1"), "Retry-After");
    assert_eq!(body["details"]["retry_after_seconds"], 1);
    clock.advance(Duration::seconds(1));
    sign_in(&api, "alice", "wrong").await;
    let (_, body, _) = sign_in(&api, "alice", "wrong").await;
    assert_eq!(body["details"]["retry_after_seconds"], 2, "the wait grows");

    // At ten failures the username is locked for 15 minutes, right password or not.
    for _ in 0..20 {
        clock.advance(Duration::seconds(300));
        let (status, _, _) = sign_in(&api, "alice", "wrong").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let failures = audit_actions(&api, "alice")
            .await
            .iter()
            .filter(|a| a.0 == "sign_in_failed")
            .count();
        if failures >= 10 {
            break;
        }
    }
    clock.advance(Duration::minutes(14));
    let (status, body, _) = sign_in(&api, "alice", DEMO_PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    clock.advance(Duration::minutes(2));
    let (status, body, _) = sign_in(&api, "alice", DEMO_PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // A success clears the count: the next failure is free again.
    let (status, _, _) = sign_in(&api, "alice", "wrong").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = sign_in(&api, "alice", DEMO_PASSWORD).await;
    assert_eq!(status, StatusCode::OK);

    // Every attempt is in the audit log: success, failure and refusal, with the address.
    let actions = audit_actions(&api, "alice").await;
    for outcome in ["sign_in", "sign_in_failed", "sign_in_throttled"] {
        assert!(actions.iter().any(|a| a.0 == outcome), "{outcome}: {actions:?}");
    }
    assert!(actions.iter().all(|a| a.1 == "127.0.0.1"), "{actions:?}");
}

#[tokio::test]
async fn many_usernames_from_one_address_are_throttled_by_address() {
    let clock = ManualClock::new(Utc::now());
    let api = server(&clock, |_| {}).await;
    for n in 0..11 {
        let (status, _, _) = sign_in(&api, &format!("guess{n}"), "password1").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {n}");
    }
    // Each username is new, but the address has had its ten free failures.
    let (status, body, _) = sign_in(&api, "sam", DEMO_PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
}

#[tokio::test]
async fn an_unknown_user_gets_the_same_answer_and_the_same_work_as_a_wrong_password() {
    let clock = ManualClock::new(Utc::now());
    let api = server(&clock, |_| {}).await;
    let before = api.server.state.hashing.checks();
    let (s1, unknown, _) = sign_in(&api, "nobody-here", "wrong").await;
    let after_unknown = api.server.state.hashing.checks();
    let (s2, known, _) = sign_in(&api, "sam", "wrong").await;
    let after_known = api.server.state.hashing.checks();
    assert_eq!((s1, &unknown), (s2, &known), "one answer for both");
    assert_eq!(after_unknown - before, 1, "an unknown user's password is checked too");
    assert_eq!(after_known - after_unknown, 1);
    // A disabled user is answered like a wrong password, after the same check.
    api.write(|c| baton_server::auth::set_disabled(c, "dan", true, "2026-01-01T00:00:00Z"))
        .await;
    let (s3, disabled, _) = sign_in(&api, "dan", DEMO_PASSWORD).await;
    assert_eq!((s3, &disabled), (s2, &known));
    assert_eq!(api.server.state.hashing.checks() - after_known, 1);
}

#[tokio::test]
async fn an_idle_session_ends_and_a_busy_one_ends_at_its_expiry() {
    let clock = ManualClock::new(Utc::now());
    let api = server(&clock, |_| {}).await;
    let idle = api.login("alice").await;
    let busy = api.login("sam").await;
    for _ in 0..(30 * 4) {
        clock.advance(Duration::hours(6));
        let (status, _) = api.get(&busy, "/me").await;
        if status != StatusCode::OK {
            break;
        }
    }
    // 8 hours without a request ended the first long ago.
    let (status, body) = api.get(&idle, "/me").await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "unauthenticated"));
    // Used every 6 hours, the second lasted its 30 days and no longer.
    let (status, _) = api.get(&busy, "/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (created, expires): (String, String) = api
        .read(|c| {
            c.one(
                "SELECT s.created_at, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE u.username = 'sam'",
                baton_server::args![],
                |r| Ok((r.get("created_at")?, r.get("expires_at")?)),
            )
        })
        .await;
    let days = (chrono::DateTime::parse_from_rfc3339(&expires).expect("ts")
        - chrono::DateTime::parse_from_rfc3339(&created).expect("ts"))
    .num_days();
    assert_eq!(days, 30);
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_and_closes_live_streams() {
    let clock = ManualClock::new(Utc::now());
    let api = server(&clock, |_| {}).await;
    let laptop = api.login("dan").await;
    let desktop = api.login("dan").await;
    let other = api.login("priya").await;
    let mut stream = events(&api, &desktop).await;
    assert!(stream.next().await.is_some(), "the stream opened with a poke");

    let res = api
        .http
        .post(api.url("/auth/logout-all"))
        .bearer_auth(&laptop)
        .send()
        .await
        .expect("logout-all");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    for token in [&laptop, &desktop] {
        let (status, _) = api.get(token, "/me").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, _) = api.get(&other, "/me").await;
    assert_eq!(status, StatusCode::OK, "another user's session is untouched");
    // The desktop's live stream ends (a bound, not a wait: it ends on the revocation).
    let ended = closed(&mut stream).await;
    assert!(ended.is_ok(), "the stream was closed");
}

#[tokio::test]
async fn a_user_disabled_from_the_command_line_is_refused_and_its_stream_closed() {
    let clock = ManualClock::new(Utc::now());
    let api = server(&clock, |s| s.heartbeat = StdDuration::from_millis(200)).await;
    let dan = api.login("dan").await;
    let mut stream = events(&api, &dan).await;
    assert!(stream.next().await.is_some());

    // Another process, the administrator's command, on the same database.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_baton-server"))
        .args(["user", "--db", &api.db, "disable", "dan"])
        .output()
        .expect("baton-server user disable");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (status, _) = api.get(&dan, "/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "refused on the next request");
    let (status, _, _) = sign_in(&api, "dan", DEMO_PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "and cannot sign in");
    let ended = closed(&mut stream).await;
    assert!(ended.is_ok(), "its stream closed at the next heartbeat");

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_baton-server"))
        .args(["user", "--db", &api.db, "enable", "dan"])
        .output()
        .expect("baton-server user enable");
    assert!(out.status.success());
    let (status, _, _) = sign_in(&api, "dan", DEMO_PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
}

//! Administration over real HTTP: partners created, users invited who set their
//! own passwords, a partner admin held to its own organisation, deactivation,
//! a partner's field rule changed under its consoles, and bad input refused.

use std::collections::BTreeSet;

use baton_proto::{AdminOrg, AdminUser, ChangeOp, Invitation, OpenWork, OpenWorkKind, Record, SnapshotPage};
use baton_server::demo::{story1, story2, DEMO_PASSWORD};
use baton_server::store::Conn;
use baton_server::{args, ServerError};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

mod common;
use common::{code, Api};

fn parse<T: DeserializeOwned>(body: Value) -> T {
    serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("{e}: {body}"))
}

async fn invite(api: &Api, admin: &str, username: &str, role: &str, org: &str) -> Invitation {
    let (status, body) = api
        .send(
            "POST",
            admin,
            "/admin/users",
            json!({"username": username, "display_name": format!("{username} Test"), "role": role, "org_id": org}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    parse(body)
}

async fn accept(api: &Api, code: &str, password: &str) -> (StatusCode, Value) {
    api.send(
        "POST",
        "",
        "/auth/accept-invite",
        json!({"code": code, "password": password}),
    )
    .await
}

fn strings(db: &dyn Conn, sql: &str) -> Result<BTreeSet<String>, ServerError> {
    Ok(db.all(sql, args![], |r| r.get::<String>("v"))?.into_iter().collect())
}

async fn counts(api: &Api) -> (i64, i64, i64) {
    api.read(|db| {
        Ok((
            db.value("SELECT COUNT(*) AS n FROM orgs", args![], "n")?,
            db.value("SELECT COUNT(*) AS n FROM users", args![], "n")?,
            db.value("SELECT COUNT(*) AS n FROM user_codes", args![], "n")?,
        ))
    })
    .await
}

#[tokio::test]
async fn a_retailer_admin_adds_a_partner_whose_invited_dispatcher_sets_a_password_and_signs_in() {
    let api = Api::start().await;
    let ada = api.login("ada").await;
    let (status, body) = api
        .send(
            "POST",
            &ada,
            "/admin/orgs",
            json!({"id": "fixit", "name": "FixIt Repairs", "visible_fields": ["phone", "address", "phone"],
                   "callback_sla_minutes": 90}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let org: AdminOrg = parse(body);
    assert_eq!(org.org.name, "FixIt Repairs");
    assert_eq!(org.visible_fields.len(), 2, "a field named twice is kept once");
    assert_eq!((org.callback_sla_minutes, org.commitment_sla_minutes), (Some(90), None));
    assert_eq!(org.active_users, 0);

    let invited = invite(&api, &ada, "fred", "partner_dispatcher", "fixit").await;
    assert!(invited.user.invite_pending);
    assert_eq!(invited.code.len(), 19, "four groups of four: {}", invited.code);
    // The code is stored only as a hash: the table does not hold it.
    let plain = invited.code.clone();
    let stored: BTreeSet<String> = api
        .read(|db| strings(db, "SELECT code_hash AS v FROM user_codes"))
        .await;
    assert!(stored
        .iter()
        .all(|h| !h.contains(&plain) && !h.contains(&plain.replace('-', ""))));

    // Nobody signs in as an invited user before it sets a password, not even with an empty one.
    for password in ["", "x", DEMO_PASSWORD] {
        let (status, _) = api
            .send(
                "POST",
                "",
                "/auth/login",
                json!({"username": "fred", "password": password}),
            )
            .await;
        assert!(
            status == StatusCode::UNAUTHORIZED || status == StatusCode::UNPROCESSABLE_ENTITY,
            "{status}"
        );
    }
    // Too short a password is refused and the code still works after.
    let (status, body) = accept(&api, &invited.code, "short").await;
    assert_eq!((status, code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, "bad_request"));
    // Typed as people do: lower case, spaces instead of dashes.
    let typed = invited.code.to_lowercase().replace('-', " ");
    let (status, body) = accept(&api, &typed, "fred's own long password").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["username"], "fred");
    let token = body["token"].as_str().expect("token").to_string();
    let (status, me) = api.get(&token, "/me").await;
    assert_eq!((status, me["org"]["id"].as_str()), (StatusCode::OK, Some("fixit")));
    // The code works once.
    let (status, body) = accept(&api, &invited.code, "another long password").await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "unauthenticated"));
    api.login_with("fred", "fred's own long password").await;

    let (status, body) = api.get(&ada, &format!("/admin/users/{}", invited.user.id)).await;
    assert_eq!(status, StatusCode::OK);
    let fred: AdminUser = parse(body);
    assert!(!fred.invite_pending && fred.last_sign_in_at.is_some());
    assert_eq!(fred.sessions, 2);

    // Every step is in the audit log, by whom.
    let ada_id: String = api
        .read(|db| db.value("SELECT id AS v FROM users WHERE username = 'ada'", args![], "v"))
        .await;
    let actions: Vec<(String, String)> = api
        .read(|db| {
            db.all(
                "SELECT action, user_id FROM audit_log WHERE entity IN ('org', 'user') AND action NOT LIKE 'sign_in%'
                 ORDER BY id",
                args![],
                |r| Ok((r.get("action")?, r.get("user_id")?)),
            )
        })
        .await;
    assert_eq!(
        actions,
        vec![
            ("org_created".to_string(), ada_id.clone()),
            ("user_invited".to_string(), ada_id.clone()),
            ("password_set".to_string(), fred.id.clone()),
        ]
    );
}

#[tokio::test]
async fn a_partner_admin_runs_its_own_users_and_sees_nothing_of_other_organisations() {
    let api = Api::start().await;
    let ada = api.login("ada").await;
    let invited = invite(&api, &ada, "bella", "admin", "brightline").await;
    let (status, body) = accept(&api, &invited.code, "bella's long password").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let bella = body["token"].as_str().expect("token").to_string();

    // What Brightline's admin may see, from the tables and the rule (its own
    // organisation and users), not from the code that filters.
    let (own_users, other_users, other_orgs): (BTreeSet<String>, BTreeSet<String>, BTreeSet<String>) = api
        .read(|db| {
            Ok((
                strings(db, "SELECT id AS v FROM users WHERE org_id = 'brightline'")?,
                strings(db, "SELECT id AS v FROM users WHERE org_id <> 'brightline'")?,
                strings(db, "SELECT id AS v FROM orgs WHERE id <> 'brightline'")?,
            ))
        })
        .await;
    assert!(own_users.len() >= 2 && !other_users.is_empty());

    let (status, body) = api.get(&bella, "/admin/orgs").await;
    assert_eq!(status, StatusCode::OK);
    let orgs: Vec<AdminOrg> = parse(body.clone());
    assert_eq!(
        orgs.iter().map(|o| o.org.id.as_str()).collect::<Vec<_>>(),
        ["brightline"]
    );
    let (status, body) = api.get(&bella, "/admin/users").await;
    assert_eq!(status, StatusCode::OK);
    let listed: BTreeSet<String> = parse::<Vec<AdminUser>>(body.clone())
        .into_iter()
        .map(|u| u.id)
        .collect();
    assert_eq!(listed, own_users);
    let text = body.to_string();
    for id in other_users.iter().chain(&other_orgs) {
        assert!(!text.contains(id.as_str()), "the list names {id}");
    }

    // Everything of another organisation answers as unknown.
    for id in &other_orgs {
        for path in [
            format!("/admin/orgs/{id}"),
            format!("/admin/orgs/{id}/open-work"),
            format!("/admin/users?org={id}"),
        ] {
            let (status, body) = api.get(&bella, &path).await;
            assert_eq!(
                (status, code(&body)),
                (StatusCode::NOT_FOUND, "not_found"),
                "GET {path}"
            );
        }
        let hours = json!({"time_zone": "Europe/London",
            "hours": [{"day": "sunday", "opens": "02:00", "closes": "03:00"}]});
        for (method, body) in [("PUT", hours), ("DELETE", Value::Null)] {
            let (status, res) = api
                .send(method, &bella, &format!("/admin/orgs/{id}/calendar"), body)
                .await;
            assert_eq!(
                (status, code(&res)),
                (StatusCode::NOT_FOUND, "not_found"),
                "{method} {id}'s business hours"
            );
        }
        let (status, body) = api
            .send(
                "POST",
                &bella,
                "/admin/users",
                json!({"username": format!("spy-{id}"), "display_name": "Spy", "role": "admin", "org_id": id}),
            )
            .await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::NOT_FOUND, "not_found"),
            "invite into {id}"
        );
    }
    for id in &other_users {
        for (method, path, body) in [
            ("GET", format!("/admin/users/{id}"), Value::Null),
            ("PATCH", format!("/admin/users/{id}"), json!({"disabled": true})),
            ("POST", format!("/admin/users/{id}/reset-password"), Value::Null),
            ("POST", format!("/admin/users/{id}/revoke-sessions"), Value::Null),
        ] {
            let (status, res) = api.send(method, &bella, &path, body).await;
            assert_eq!(
                (status, code(&res)),
                (StatusCode::NOT_FOUND, "not_found"),
                "{method} {path}"
            );
        }
    }
    // Its own business hours are its admin's to keep.
    let (status, res) = api
        .send(
            "PUT",
            &bella,
            "/admin/orgs/brightline/calendar",
            json!({"time_zone": "Europe/London", "hours": [{"day": "saturday", "opens": "09:00", "closes": "13:00"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{res}");
    assert_eq!(res["calendar"]["hours"][0]["day"], "saturday");
    // The retailer decides what a partner is and sees.
    for (method, path, body) in [
        (
            "POST",
            "/admin/orgs".to_string(),
            json!({"id": "rival", "name": "Rival"}),
        ),
        (
            "PATCH",
            "/admin/orgs/brightline".to_string(),
            json!({"visible_fields": ["phone", "email"]}),
        ),
        (
            "PATCH",
            "/admin/orgs/brightline".to_string(),
            json!({"callback_sla_minutes": 10000}),
        ),
    ] {
        let (status, res) = api.send(method, &bella, &path, body).await;
        assert_eq!(
            (status, code(&res)),
            (StatusCode::FORBIDDEN, "forbidden"),
            "{method} {path}"
        );
    }
    // A partner cannot make a retailer role.
    let (status, res) = api
        .send(
            "POST",
            &bella,
            "/admin/users",
            json!({"username": "not-an-agent", "display_name": "X", "role": "agent", "org_id": "brightline"}),
        )
        .await;
    assert_eq!((status, code(&res)), (StatusCode::UNPROCESSABLE_ENTITY, "bad_request"));

    // Its own people it runs: a reset ends Dan's sessions and his password.
    let dan = api.login("dan").await;
    let dan_id: String = api
        .read(|db| db.value("SELECT id AS v FROM users WHERE username = 'dan'", args![], "v"))
        .await;
    let (status, body) = api
        .send(
            "POST",
            &bella,
            &format!("/admin/users/{dan_id}/reset-password"),
            Value::Null,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let reset: Invitation = parse(body);
    assert_eq!(api.get(&dan, "/me").await.0, StatusCode::UNAUTHORIZED);
    let (status, _) = api
        .send(
            "POST",
            "",
            "/auth/login",
            json!({"username": "dan", "password": DEMO_PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old password stopped working");
    assert_eq!(
        accept(&api, &reset.code, "dan's brand new password").await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_deactivated_partner_cannot_sign_in_or_take_new_work_and_its_open_work_is_listed() {
    let api = Api::start().await;
    let ada = api.login("ada").await;
    let alice = api.login("alice").await;
    let dan = api.login("dan").await;

    let (status, body) = api
        .send("PATCH", &ada, "/admin/orgs/brightline", json!({"active": false}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let org: AdminOrg = parse(body);
    assert!(org.deactivated_at.is_some());
    assert_eq!(
        api.get(&dan, "/me").await.0,
        StatusCode::UNAUTHORIZED,
        "its sessions ended"
    );
    let (status, _) = api
        .send(
            "POST",
            "",
            "/auth/login",
            json!({"username": "dan", "password": DEMO_PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Its open work, compared with the tables.
    let (status, body) = api.get(&ada, "/admin/orgs/brightline/open-work").await;
    assert_eq!(status, StatusCode::OK);
    let work: OpenWork = parse(body);
    let listed = |kind: OpenWorkKind| -> BTreeSet<String> {
        work.items
            .iter()
            .filter(|i| i.kind == kind)
            .map(|i| i.id.clone())
            .collect()
    };
    let (jobs, callbacks): (BTreeSet<String>, BTreeSet<String>) = api
        .read(|db| {
            Ok((
                strings(
                    db,
                    "SELECT id AS v FROM jobs WHERE org_id = 'brightline'
                     AND status NOT IN ('completed', 'cancelled', 'failed')",
                )?,
                strings(
                    db,
                    "SELECT id AS v FROM callbacks WHERE owner_org_id = 'brightline' AND status = 'queued'",
                )?,
            ))
        })
        .await;
    assert!(jobs.contains(story1::JOB_ID));
    assert_eq!(listed(OpenWorkKind::Job), jobs);
    assert_eq!(listed(OpenWorkKind::Callback), callbacks);

    // Nothing new goes to it, and nothing is stored for trying.
    let before = api.changes(&alice, 0).await.cursor;
    let (status, body) = api
        .mutate(
            &alice,
            json!({"type": "reassign_job", "customer_id": story2::CUSTOMER_ID, "job_id": story2::JOB_ID,
                   "org_id": "brightline"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (body["outcome"].as_str(), body["code"].as_str()),
        (Some("rejected"), Some("conflict")),
        "{body}"
    );
    assert_eq!(api.changes(&alice, before).await.changes.len(), 0);
    // Nor may it get new users.
    let (status, body) = api
        .send(
            "POST",
            &ada,
            "/admin/users",
            json!({"username": "newbie", "display_name": "New", "role": "partner_dispatcher", "org_id": "brightline"}),
        )
        .await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "conflict"));

    // Its work is moved on with the ordinary intents; then it comes back.
    api.apply(
        &alice,
        json!({"type": "reassign_job", "customer_id": story1::CUSTOMER_ID, "job_id": story1::JOB_ID,
               "org_id": "swiftparcel"}),
    )
    .await;
    let (_, body) = api.get(&ada, "/admin/orgs/brightline/open-work").await;
    assert!(!parse::<OpenWork>(body).items.iter().any(|i| i.id == story1::JOB_ID));
    let (status, _) = api
        .send("PATCH", &ada, "/admin/orgs/brightline", json!({"active": true}))
        .await;
    assert_eq!(status, StatusCode::OK);
    api.login("dan").await;
}

#[tokio::test]
async fn a_field_taken_from_a_partner_leaves_its_consoles_caches() {
    let api = Api::start().await;
    let ada = api.login("ada").await;
    let dan = api.login("dan").await;
    let cursor = api.changes(&dan, 0).await.cursor;

    // Every phone number on a customer Brightline works on, from the tables;
    // less a number a Brightline callback is to be made to (its job needs it).
    let phones: BTreeSet<String> = api
        .read(|db| {
            let all = strings(
                db,
                "SELECT cp.value AS v FROM contact_points cp JOIN people p ON p.id = cp.person_id
                 WHERE cp.kind = 'phone' AND p.customer_id IN (SELECT customer_id FROM jobs WHERE org_id = 'brightline')",
            )?;
            let to_call = strings(
                db,
                "SELECT phone AS v FROM callbacks WHERE owner_org_id = 'brightline' AND phone IS NOT NULL",
            )?;
            Ok(&all - &to_call)
        })
        .await;
    assert!(phones.contains(story1::MOTHER_MOBILE) || phones.contains(story1::MOTHER_HOME));
    let (_, snap) = api.get(&dan, "/sync/snapshot?limit=5000").await;
    let before = snap.to_string();
    assert!(
        phones.iter().any(|p| before.contains(p.as_str())),
        "Brightline sees phones today"
    );

    let (status, body) = api
        .send(
            "PATCH",
            &ada,
            "/admin/orgs/brightline",
            json!({"visible_fields": ["address", "orders"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The feed re-sends every record Brightline holds, now without phones.
    let page = api.changes(&dan, cursor).await;
    let (_, snap) = api.get(&dan, "/sync/snapshot?limit=5000").await;
    let snap: SnapshotPage = parse(snap);
    let resent: BTreeSet<String> = page
        .changes
        .iter()
        .filter_map(|c| match &c.op {
            ChangeOp::Upsert { record } => Some(record.id().to_string()),
            ChangeOp::Remove { id, .. } => panic!("{id} was removed"),
            // Each customer's history comes anew with it, as the new rule shows it.
            ChangeOp::History { .. } => None,
            ChangeOp::HistoryItem { customer_id, .. } => panic!("one item of {customer_id}'s history alone"),
        })
        .collect();
    let held: BTreeSet<String> = snap.records.iter().map(|r: &Record| r.id().to_string()).collect();
    assert_eq!(resent, held, "every record the partner holds is replaced");
    let feed_text = serde_json::to_string(&page).expect("json");
    let snap_text = serde_json::to_string(&snap).expect("json");
    for phone in &phones {
        assert!(!feed_text.contains(phone.as_str()), "the feed still carries {phone}");
        assert!(
            !snap_text.contains(phone.as_str()),
            "the snapshot still carries {phone}"
        );
    }
}

#[tokio::test]
async fn the_last_retailer_admin_stays_and_a_disabled_user_is_signed_out() {
    let api = Api::start().await;
    let ada = api.login("ada").await;
    let ada_id: String = api
        .read(|db| db.value("SELECT id AS v FROM users WHERE username = 'ada'", args![], "v"))
        .await;
    for change in [json!({"disabled": true}), json!({"role": "supervisor"})] {
        let (status, body) = api.send("PATCH", &ada, &format!("/admin/users/{ada_id}"), change).await;
        assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "conflict"), "{body}");
    }
    let alice = api.login("alice").await;
    let alice_id: String = api
        .read(|db| db.value("SELECT id AS v FROM users WHERE username = 'alice'", args![], "v"))
        .await;
    let (status, body) = api
        .send(
            "PATCH",
            &ada,
            &format!("/admin/users/{alice_id}"),
            json!({"disabled": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(parse::<AdminUser>(body).disabled_at.is_some());
    assert_eq!(api.get(&alice, "/me").await.0, StatusCode::UNAUTHORIZED);
    // A second admin, and the first may step down.
    let (status, _) = api
        .send(
            "PATCH",
            &ada,
            &format!("/admin/users/{alice_id}"),
            json!({"disabled": false, "role": "admin"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = api
        .send(
            "PATCH",
            &ada,
            &format!("/admin/users/{ada_id}"),
            json!({"role": "supervisor"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        api.get(&ada, "/me").await.0,
        StatusCode::UNAUTHORIZED,
        "a changed role signs in again"
    );
    let (status, body) = api.get(&api.login("ada").await, "/admin/users").await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "forbidden"));
}

#[tokio::test]
async fn bad_admin_input_gets_a_typed_error_and_stores_nothing() {
    let api = Api::start().await;
    let ada = api.login("ada").await;
    let before = counts(&api).await;
    for (method, path, body, status, want) in [
        (
            "POST",
            "/admin/orgs",
            json!({"id": "bad id", "name": "X"}),
            422,
            "bad_request",
        ),
        (
            "POST",
            "/admin/orgs",
            json!({"id": "ok", "name": "   "}),
            422,
            "bad_request",
        ),
        (
            "POST",
            "/admin/orgs",
            json!({"id": "ok", "name": "\u{200b}\u{200b}"}),
            422,
            "bad_request",
        ),
        (
            "POST",
            "/admin/orgs",
            json!({"id": "ok", "name": "X", "callback_sla_minutes": 0}),
            422,
            "bad_request",
        ),
        (
            "POST",
            "/admin/orgs",
            json!({"id": "ok", "name": "X", "commitment_sla_minutes": 99999}),
            422,
            "bad_request",
        ),
        (
            "POST",
            "/admin/orgs",
            json!({"id": "ok", "name": "X", "visible_fields": ["ssn"]}),
            422,
            "bad_request",
        ),
        (
            "POST",
            "/admin/orgs",
            json!({"id": "ok", "name": "X", "colour": "red"}),
            422,
            "bad_request",
        ),
        (
            "POST",
            "/admin/orgs",
            json!({"id": "brightline", "name": "Again"}),
            409,
            "conflict",
        ),
        (
            "PATCH",
            "/admin/orgs/northwind",
            json!({"active": false}),
            422,
            "bad_request",
        ),
        ("PATCH", "/admin/orgs/nowhere", json!({"name": "X"}), 404, "not_found"),
        (
            "POST",
            "/admin/users",
            json!({"username": "a b", "display_name": "X", "role": "agent", "org_id": "northwind"}),
            422,
            "bad_request",
        ),
        (
            "POST",
            "/admin/users",
            json!({"username": "ALICE", "display_name": "X", "role": "agent", "org_id": "northwind"}),
            409,
            "conflict",
        ),
        (
            "POST",
            "/admin/users",
            json!({"username": "zed", "display_name": "X", "role": "partner_dispatcher", "org_id": "northwind"}),
            422,
            "bad_request",
        ),
        (
            "POST",
            "/admin/users",
            json!({"username": "zed", "display_name": "X", "role": "root", "org_id": "northwind"}),
            422,
            "bad_request",
        ),
        (
            "POST",
            "/admin/users",
            json!({"username": "zed", "display_name": "X", "role": "agent", "org_id": "nowhere"}),
            404,
            "not_found",
        ),
        (
            "PATCH",
            "/admin/users/no-such-user",
            json!({"disabled": true}),
            404,
            "not_found",
        ),
        (
            "POST",
            "/auth/accept-invite",
            json!({"code": "AAAA-BBBB-CCCC-DDDD", "password": "long enough password"}),
            401,
            "unauthenticated",
        ),
    ] {
        let (got, res) = api.send(method, &ada, path, body.clone()).await;
        assert_eq!(
            (got.as_u16(), code(&res)),
            (status, want),
            "{method} {path} {body}: {res}"
        );
        assert!(res["message"].as_str().is_some_and(|m| !m.is_empty()), "{res}");
    }
    assert_eq!(counts(&api).await, before, "nothing was stored");
}

#[tokio::test]
async fn a_partners_own_sla_decides_when_its_overdue_callback_reaches_the_retailer() {
    use baton_proto::{CallbackItem, EscalationLevel};
    use chrono::Duration;
    let clock = baton_server::clock::ManualClock::new(chrono::Utc::now());
    let api = Api::start_at(clock.clone()).await;
    let ada = api.login("ada").await;
    let priya = api.login("priya").await;
    let (status, body) = api
        .send(
            "PATCH",
            &ada,
            "/admin/orgs/swiftparcel",
            json!({"callback_sla_minutes": 30}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The callback waits for its job to reach the depot; then it is due in 2 h.
    api.apply(
        &priya,
        json!({"type": "set_job_status", "customer_id": story2::CUSTOMER_ID, "job_id": story2::JOB_ID,
               "status": "at_depot", "base_status": "en_route"}),
    )
    .await;
    let level = |body: Value| parse::<CallbackItem>(body).callback.escalation.map(|e| e.level);
    clock.advance(Duration::minutes(121));
    api.server.state.sweep(None).await.expect("sweep");
    let path = format!("/callbacks/{}", story2::CALLBACK_ID);
    assert_eq!(
        level(api.get(&priya, &path).await.1),
        Some(EscalationLevel::OwnerSupervisor)
    );
    // 30 minutes past due, not the default 4 hours, it is the retailer's.
    clock.advance(Duration::minutes(30));
    api.server.state.sweep(None).await.expect("sweep");
    assert_eq!(
        level(api.get(&priya, &path).await.1),
        Some(EscalationLevel::RetailerSupervisor)
    );
}

#[tokio::test]
async fn a_user_moved_to_another_partner_signs_in_again_to_its_work_alone() {
    let api = Api::start().await;
    let ada = api.login("ada").await;
    let sam = api.login("sam").await;
    let dan = api.login("dan").await;
    let dan_id: String = api
        .read(|db| db.value("SELECT id AS v FROM users WHERE username = 'dan'", args![], "v"))
        .await;
    // A callback assigned to Dan himself, in Brightline's queue.
    let (_, applied) = api
        .mutate(
            &sam,
            json!({"type": "schedule_callback", "customer_id": story1::CUSTOMER_ID, "callback_id": "cb_for_dan",
                   "owner_org_id": "brightline", "owner_user_id": dan_id, "person_id": story1::MOTHER_ID,
                   "phone": story1::MOTHER_MOBILE, "request": "Ring Margaret about the bracket",
                   "due_at": "2030-01-01T10:00:00Z", "due_until": null, "trigger": null, "job_id": null}),
        )
        .await;
    assert_eq!(applied["outcome"], "applied", "{applied}");

    // Brightline's admin cannot move its people out; the retailer's can.
    let invited = invite(&api, &ada, "bella", "admin", "brightline").await;
    let (_, body) = accept(&api, &invited.code, "bella's long password").await;
    let bella = body["token"].as_str().expect("token").to_string();
    let (status, body) = api
        .send(
            "PATCH",
            &bella,
            &format!("/admin/users/{dan_id}"),
            json!({"org_id": "swiftparcel"}),
        )
        .await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "forbidden"), "{body}");
    // A dispatcher is not a retailer role: moving Dan to the retailer needs one.
    let (status, body) = api
        .send(
            "PATCH",
            &ada,
            &format!("/admin/users/{dan_id}"),
            json!({"org_id": "northwind"}),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "bad_request"),
        "{body}"
    );
    let (status, body) = api
        .send(
            "PATCH",
            &ada,
            &format!("/admin/users/{dan_id}"),
            json!({"org_id": "nowhere"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    let (status, body) = api
        .send(
            "PATCH",
            &ada,
            &format!("/admin/users/{dan_id}"),
            json!({"org_id": "swiftparcel"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let moved: AdminUser = parse(body);
    assert_eq!((moved.org.id.as_str(), moved.sessions), ("swiftparcel", 0));
    let (status, _) = api.get(&dan, "/sync/changes?after=0").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "his Brightline session is over");

    // His callback stays with Brightline, in its queue, assigned to nobody.
    let (_, item) = api.get(&sam, "/callbacks/cb_for_dan").await;
    assert_eq!(item["callback"]["owner_org_id"], "brightline", "{item}");
    assert!(item["callback"]["owner_user_id"].is_null(), "{item}");
    // The move is on the audit trail.
    let audited: i64 = api
        .read(move |db| {
            db.value(
                "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'user_moved' AND entity_id = ?1",
                args![dan_id],
                "n",
            )
        })
        .await;
    assert_eq!(audited, 1);

    // Signed in again, he holds Swift Parcels' work and none of Brightline's:
    // the customers only Brightline has work on, from the tables.
    let brightline_only: BTreeSet<String> = api
        .read(|db| {
            strings(
                db,
                "SELECT customer_id AS v FROM jobs WHERE org_id = 'brightline'
                 EXCEPT SELECT customer_id FROM jobs WHERE org_id = 'swiftparcel'
                 EXCEPT SELECT customer_id FROM callbacks WHERE owner_org_id = 'swiftparcel'
                 EXCEPT SELECT customer_id FROM commitments WHERE owner_org_id = 'swiftparcel'
                 EXCEPT SELECT customer_id FROM tickets WHERE owner_org_id = 'swiftparcel' OR escalated_org_id = 'swiftparcel'",
            )
        })
        .await;
    assert!(!brightline_only.is_empty(), "Brightline has customers of its own");
    let dan = api.login("dan").await;
    let (_, snap) = api.get(&dan, "/sync/snapshot?limit=5000").await;
    let text = snap.to_string();
    let snap: SnapshotPage = parse(snap);
    assert!(!snap.records.is_empty(), "Swift Parcels' work");
    for id in &brightline_only {
        assert!(!text.contains(id.as_str()), "{id} is Brightline's alone");
    }
}

//! Customer data rights on the real server: a supervisor exports everything
//! held on a customer, and erases a customer — after which none of their
//! personal data is in any column of any table, an erasure record stays, every
//! console is told to drop them, and the append-only rule still holds for
//! everyone else.

use baton_proto::CustomerExport;
use baton_server::args;
use baton_server::demo::{story1, story2};
use baton_server::store::Backend;
use reqwest::StatusCode;
use serde_json::json;

mod common;
use common::{code, Api};

fn id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Every text value in every column of every table of the server database.
async fn every_text(api: &Api) -> Vec<(String, String)> {
    api.read(|c| {
        let (tables, columns) = match c.backend() {
            Backend::Sqlite => (
                "SELECT name FROM sqlite_master WHERE type = 'table'",
                "SELECT name FROM pragma_table_info(?1)",
            ),
            Backend::Postgres => (
                "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables
                 WHERE table_schema = current_schema()",
                "SELECT CAST(column_name AS TEXT) AS name FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = ?1 AND data_type = 'text'",
            ),
        };
        let mut out = Vec::new();
        for table in c.all(tables, args![], |r| r.get::<String>("name"))? {
            for column in c.all(columns, args![table], |r| r.get::<String>("name"))? {
                let sql = format!("SELECT CAST(\"{column}\" AS TEXT) AS v FROM \"{table}\"");
                for v in c
                    .all(&sql, args![], |r| r.get::<Option<String>>("v"))?
                    .into_iter()
                    .flatten()
                {
                    out.push((table.clone(), v));
                }
            }
        }
        Ok(out)
    })
    .await
}

/// Story 1's people and what the test adds about them, everywhere it can go.
async fn worked_on(api: &Api) {
    let alice = api.login("alice").await;
    let dan = api.login("dan").await;
    api.apply(
        &alice,
        json!({"type": "set_contact_point", "customer_id": story1::CUSTOMER_ID, "person_id": story1::MOTHER_ID,
               "contact_point_id": story1::MOTHER_MOBILE_ID, "value": "07946 000888", "base_value": story1::MOTHER_MOBILE}),
    )
    .await;
    api.apply(
        &dan,
        json!({"type": "add_note", "customer_id": story1::CUSTOMER_ID, "note_id": id(),
               "text": "Margaret prefers mornings", "job_id": story1::JOB_ID, "ticket_id": null}),
    )
    .await;
    api.apply(
        &dan,
        json!({"type": "schedule_callback", "customer_id": story1::CUSTOMER_ID, "callback_id": id(),
               "owner_org_id": "brightline", "owner_user_id": null, "person_id": story1::MOTHER_ID,
               "phone": "07946 000888", "request": "Ring about the bracket for the lounge", "due_at": "2030-01-01T10:00:00Z",
               "trigger": null, "job_id": story1::JOB_ID}),
    )
    .await;
    // A conflicting edit, so the conflicts table holds her numbers too.
    api.apply(
        &dan,
        json!({"type": "set_contact_point", "customer_id": story1::CUSTOMER_ID, "person_id": story1::MOTHER_ID,
               "contact_point_id": story1::MOTHER_MOBILE_ID, "value": "07946 000889", "base_value": story1::MOTHER_MOBILE}),
    )
    .await;
}

const PERSONAL: [&str; 10] = [
    story1::MOTHER_NAME,
    "Arthur Hughes",
    story1::MOTHER_MOBILE,
    story1::SON_MOBILE,
    story1::MOTHER_HOME,
    "+447946000888",
    "+447946000889",
    "arthur.hughes@example.com",
    "Rosebank Cottages",
    "Margaret prefers mornings",
];

#[tokio::test]
async fn a_supervisor_exports_everything_held_on_a_customer() {
    let api = Api::start().await;
    worked_on(&api).await;
    let sam = api.login("sam").await;
    let (status, body) = api
        .get(&sam, &format!("/customers/{}/export", story1::CUSTOMER_ID))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let export: CustomerExport = serde_json::from_value(body.clone()).expect("export");
    let text = body.to_string();
    for value in [
        "+447946000889",
        "arthur.hughes@example.com",
        "Rosebank Cottages",
        "Margaret prefers mornings",
    ] {
        assert!(text.contains(value), "the export holds {value}");
    }
    assert!(export.jobs.iter().any(|j| j.id == story1::JOB_ID));
    assert!(export.audit.iter().any(|a| a.action == "set_contact_point"));
    // Agents and partners do not export.
    for user in ["alice", "dan"] {
        let token = api.login(user).await;
        let (status, body) = api
            .get(&token, &format!("/customers/{}/export", story1::CUSTOMER_ID))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user}: {body}");
        assert_eq!(code(&body), "forbidden");
    }
    // The export is itself on the audit trail.
    let (_, audit) = api
        .get(&sam, &format!("/customers/{}/audit", story1::CUSTOMER_ID))
        .await;
    assert!(audit.to_string().contains("export_customer"));
}

#[tokio::test]
async fn an_erased_customer_leaves_no_personal_data_in_any_table() {
    let api = Api::start().await;
    worked_on(&api).await;
    let before = every_text(&api).await;
    for value in PERSONAL {
        assert!(before.iter().any(|(_, t)| t.contains(value)), "{value} is held before");
    }
    let dan = api.login("dan").await;
    let dan_cursor = api.changes(&dan, 0).await.cursor;

    // Only a retailer supervisor may erase.
    let erase = json!({"type": "erase_customer", "customer_id": story1::CUSTOMER_ID, "reason": "Customer's request (ref DSR-0042)"});
    let alice = api.login("alice").await;
    assert_eq!(api.refused(&alice, erase.clone()).await, "forbidden");
    assert_eq!(api.refused(&dan, erase.clone()).await, "forbidden");
    let sam = api.login("sam").await;
    api.apply(&sam, erase.clone()).await;

    let after = every_text(&api).await;
    let left: Vec<&(String, String)> = after
        .iter()
        .filter(|(_, t)| PERSONAL.iter().any(|v| t.contains(v)))
        .collect();
    assert!(left.is_empty(), "personal data left after erasure: {left:?}");
    // What is kept: the erasure record, the fact in the audit log, the job for scorecards.
    let (reason, audited): (String, i64) = api
        .read(|c| {
            let reason = c.value(
                "SELECT reason FROM erasures WHERE customer_id = ?1",
                args![story1::CUSTOMER_ID],
                "reason",
            )?;
            let audited = c.value(
                "SELECT COUNT(*) AS n FROM audit_log
                 WHERE action = 'erase_customer' AND entity_id = ?1 AND user_id = 'usr_sam'",
                args![story1::CUSTOMER_ID],
                "n",
            )?;
            Ok((reason, audited))
        })
        .await;
    assert_eq!(reason, "Customer's request (ref DSR-0042)");
    assert_eq!(audited, 1);
    let pending: i64 = api
        .read(|c| {
            c.value(
                "SELECT COUNT(*) AS n FROM history_pending WHERE customer_id = ?1",
                args![story1::CUSTOMER_ID],
                "n",
            )
        })
        .await;
    assert_eq!(pending, 0, "nothing of the erased record waits for the feed");

    // Gone from every read, and every console is told to drop it.
    for token in [&alice, &sam] {
        let (status, _) = api.get(token, &format!("/customers/{}", story1::CUSTOMER_ID)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, hits) = api.get(token, "/customers?q=Hughes").await;
        assert_eq!(hits["items"], json!([]), "{hits}");
    }
    let page = api.changes(&dan, dan_cursor).await;
    let removed: Vec<(String, String)> = page
        .changes
        .iter()
        .filter_map(|c| match &c.op {
            baton_proto::ChangeOp::Remove { entity, id } => Some((format!("{entity:?}"), id.clone())),
            _ => None,
        })
        .collect();
    assert!(removed.iter().any(|(_, id)| id == story1::CUSTOMER_ID), "{removed:?}");
    assert!(removed.iter().any(|(_, id)| id == story1::JOB_ID), "{removed:?}");
    // A second erasure finds nothing to erase.
    assert_eq!(api.refused(&sam, erase).await, "not_found");

    // Everyone else's history is still append-only.
    for sql in [
        format!(
            "UPDATE timeline SET text = 'x' WHERE customer_id = '{}'",
            story2::CUSTOMER_ID
        ),
        format!(
            "UPDATE audit_log SET after = 'x' WHERE customer_id = '{}'",
            story2::CUSTOMER_ID
        ),
        "UPDATE audit_log SET after = 'x' WHERE customer_id IS NULL".to_string(),
    ] {
        let statement = sql.clone();
        let changed = api.server.state.db.write(move |c| c.execute(&statement, args![])).await;
        assert!(
            changed.is_err() || changed.as_ref().ok() == Some(&0),
            "{sql} was allowed"
        );
    }
    let sql = format!(
        "UPDATE timeline SET text = 'x' WHERE customer_id = '{}'",
        story2::CUSTOMER_ID
    );
    let refused = api.server.state.db.write(move |c| c.execute(&sql, args![])).await;
    assert!(
        refused.is_err(),
        "the timeline of a customer not erased stays append-only"
    );
}

//! Bulk imports over real HTTP: the sample files of docs/import land, a partner
//! receives exactly its imported jobs' fields through the feed, running the
//! files again duplicates nothing, each bad row is refused with its line and
//! reason while the good rows land, a bad header stores nothing, and only the
//! retailer's administrators may import.

use std::collections::BTreeSet;
use std::time::Duration;

use baton_server::args;
use reqwest::StatusCode;
use serde_json::Value;

mod common;
use common::{code, Api};

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/import");
const KINDS: [&str; 6] = ["customers", "people", "contact_points", "addresses", "orders", "jobs"];

/// Sends `body` as an import of `kind` and waits for it to finish.
async fn import(api: &Api, token: &str, kind: &str, content_type: &str, body: String) -> Value {
    let res = api
        .http
        .post(api.url(&format!("/imports?kind={kind}")))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("location")
        .to_string();
    let started: Value = res.json().await.expect("json");
    assert_eq!(location, format!("/v1/imports/{}", started["id"].as_str().expect("id")));
    // The import runs in the background: read its status as a client would,
    // until it says it is over.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let (status, report) = api.get(token, location.trim_start_matches("/v1")).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        if report["status"] != "running" {
            return report;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the import never finished: {report}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn sample(api: &Api, token: &str, kind: &str) -> Value {
    let body = std::fs::read_to_string(format!("{SAMPLES}/{kind}.csv")).expect("sample file");
    let report = import(api, token, kind, "text/csv", body).await;
    assert_eq!(report["status"], "done", "{report}");
    assert_eq!(report["rows_rejected"], 0, "{report}");
    report
}

async fn counts(api: &Api) -> Vec<i64> {
    api.read(|db| {
        ["customers", "people", "contact_points", "addresses", "orders", "jobs"]
            .iter()
            .map(|t| db.value::<i64>(&format!("SELECT COUNT(*) AS n FROM {t}"), args![], "n"))
            .collect()
    })
    .await
}

/// A sample file's rows as maps of column to cell, read with a CSV reader of
/// the test's own (not the server's parser).
fn rows(kind: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut rdr = csv::Reader::from_path(format!("{SAMPLES}/{kind}.csv")).expect("sample");
    let headers = rdr.headers().expect("header").clone();
    rdr.records()
        .map(|r| {
            let r = r.expect("row");
            headers
                .iter()
                .map(str::to_string)
                .zip(r.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn the_sample_files_land_and_a_partner_gets_exactly_its_jobs_fields() {
    let api = Api::start().await;
    let ada = api.login("ada").await;
    let dan = api.login("dan").await;
    let cursor = api.changes(&dan, 0).await.cursor;
    let before = counts(&api).await;
    for kind in KINDS {
        sample(&api, &ada, kind).await;
    }
    let after = counts(&api).await;
    let added: Vec<i64> = after.iter().zip(&before).map(|(a, b)| a - b).collect();
    // customers, people, contact points, addresses, orders (a two-line order is one), jobs
    assert_eq!(
        added,
        vec![
            rows("customers").len() as i64,
            rows("people").len() as i64,
            rows("contact_points").len() as i64,
            rows("addresses").len() as i64,
            rows("orders")
                .iter()
                .map(|r| &r["external_ref"])
                .collect::<BTreeSet<_>>()
                .len() as i64,
            rows("jobs").len() as i64
        ]
    );

    // What Brightline may see, from the files and the written rule: the
    // customers of its jobs, with phone, address and orders but never email,
    // and nothing of the customers it has no job for.
    let jobs = rows("jobs");
    let its_customers: BTreeSet<&str> = jobs.iter().map(|j| j["customer_ref"].as_str()).collect();
    let people = rows("people");
    let contacts = rows("contact_points");
    let mut forbidden = Vec::new();
    for c in &contacts {
        if c["kind"] == "email" {
            forbidden.push(c["value"].to_lowercase());
        }
    }
    for p in &people {
        if !its_customers.contains(p["customer_ref"].as_str()) {
            forbidden.push(p["name"].clone());
        }
    }
    for c in rows("customers") {
        if !its_customers.contains(c["external_ref"].as_str()) {
            forbidden.push(c["name"].clone());
        }
    }
    assert!(forbidden.len() >= 6, "{forbidden:?}");

    let page = api.changes(&dan, cursor).await;
    let feed = serde_json::to_string(&page).expect("json");
    for f in &forbidden {
        assert!(!feed.contains(f.as_str()), "the partner's feed holds {f}");
    }
    let summaries: BTreeSet<&str> = jobs.iter().map(|j| j["summary"].as_str()).collect();
    for s in &summaries {
        assert!(
            feed.contains(&s.replace('"', "\\\"")),
            "the partner's feed lacks its job {s}"
        );
    }
    // Its jobs' people are there, with their phone numbers as E.164.
    assert!(
        feed.contains("Margaret Hughes") && feed.contains("+441865123456"),
        "{feed}"
    );
    let (status, snap) = api.get(&dan, "/sync/snapshot?limit=1000").await;
    assert_eq!(status, StatusCode::OK);
    let snap = snap.to_string();
    for f in &forbidden {
        assert!(!snap.contains(f.as_str()), "the partner's snapshot holds {f}");
    }

    // The retailer's own console hears of every imported customer.
    let alice = api.login("alice").await;
    let all = serde_json::to_string(&api.changes(&alice, cursor).await).expect("json");
    for c in rows("customers") {
        assert!(
            all.contains(&c["name"].replace('"', "\\\"")),
            "{} not in the retailer's feed",
            c["name"]
        );
    }

    // A time zone in the file is the customer's, on the record everyone reads.
    let zones: Vec<String> = rows("customers")
        .iter()
        .filter_map(|c| c.get("time_zone").filter(|z| !z.is_empty()).cloned())
        .collect();
    assert!(!zones.is_empty(), "the sample names a customer's time zone");
    for z in &zones {
        assert!(all.contains(&format!("\"time_zone\":\"{z}\"")), "{z} not on the record");
    }

    // The same files again: everything is found by its reference, nothing is added.
    for kind in KINDS {
        let again = sample(&api, &ada, kind).await;
        assert_eq!(again["rows_imported"], again["rows_read"], "{again}");
    }
    assert_eq!(counts(&api).await, after, "a second run duplicates nothing");
}

#[tokio::test]
async fn an_edit_in_the_file_updates_the_record_and_reaches_the_partner() {
    let api = Api::start().await;
    let ada = api.login("ada").await;
    let dan = api.login("dan").await;
    for kind in KINDS {
        sample(&api, &ada, kind).await;
    }
    let cursor = api.changes(&dan, 0).await.cursor;
    let moved = std::fs::read_to_string(format!("{SAMPLES}/jobs.csv"))
        .expect("jobs")
        .replace(
            "2027-01-12T09:00:00Z,2027-01-12T11:00:00Z",
            "2027-01-19T13:00:00Z,2027-01-19T15:00:00Z",
        );
    let report = import(&api, &ada, "jobs", "text/csv", moved).await;
    assert_eq!(report["rows_rejected"], 0, "{report}");
    let page = serde_json::to_string(&api.changes(&dan, cursor).await).expect("json");
    assert!(page.contains("2027-01-19T13:00:00Z"), "{page}");
}

#[tokio::test]
async fn each_bad_row_is_refused_with_its_line_and_reason_and_the_good_ones_land() {
    let api = Api::start().await;
    let ada = api.login("ada").await;
    sample(&api, &ada, "customers").await;
    sample(&api, &ada, "people").await;
    let file = "\
external_ref,person_ref,kind,value,label
X-1,P-1002-A,phone,07946 000999,mobile
X-2,P-1002-A,phone,0800 FLOWERS,
X-3,P-1002-A,phone,07946 000998 ext 12,
X-4,P-nobody,phone,07946 000997,
X-5,P-1002-A,fax,07946 000996,
X-6,P-1002-A,email,not-an-email,
X-7,P-1002-A,phone
X-8,P-1002-A,email,Rafael.Work@Example.com,work
";
    let before = counts(&api).await;
    let report = import(&api, &ada, "contact_points", "text/csv", file.to_string()).await;
    assert_eq!(report["status"], "done");
    assert_eq!(report["rows_read"], 8);
    assert_eq!(report["rows_imported"], 2);
    assert_eq!(report["rows_rejected"], 6);
    let refused: Vec<(u64, &str)> = report["rejections"]
        .as_array()
        .expect("rejections")
        .iter()
        .map(|r| (r["line"].as_u64().expect("line"), r["code"].as_str().expect("code")))
        .collect();
    assert_eq!(
        refused,
        vec![
            (3, "invalid_phone"),
            (4, "invalid_phone"),
            (5, "bad_request"),
            (6, "bad_request"),
            (7, "invalid_email"),
            (8, "bad_request"),
        ]
    );
    let message = |line: u64| {
        report["rejections"]
            .as_array()
            .and_then(|a| a.iter().find(|r| r["line"] == line))
            .and_then(|r| r["message"].as_str())
            .unwrap_or("")
            .to_string()
    };
    assert!(message(4).contains("extension"), "{}", message(4));
    assert!(message(5).contains("person_ref"), "{}", message(5));
    assert!(message(8).contains("fields"), "{}", message(8));
    let after = counts(&api).await;
    assert_eq!(after[2] - before[2], 2, "the two good rows land, no bad one does");
    let stored: Vec<String> = api
        .read(|db| {
            db.all(
                "SELECT value FROM contact_points WHERE id IN (SELECT id FROM import_refs WHERE kind = 'contact_points') ORDER BY value",
                args![],
                |r| r.get("value"),
            )
        })
        .await;
    assert_eq!(
        stored,
        vec!["+447946000999".to_string(), "rafael.work@example.com".into()]
    );

    // A time zone is a name the time zone database knows, as written.
    let file = "external_ref,name,number,time_zone\nTZ-1,Ann Lee,,Europe/Lisbon\nTZ-2,Bo Chen,,Mars/Olympus\nTZ-3,Cy Roe,,UTC+01:00\n";
    let report = import(&api, &ada, "customers", "text/csv", file.to_string()).await;
    let refused: Vec<u64> = report["rejections"]
        .as_array()
        .expect("rejections")
        .iter()
        .map(|r| r["line"].as_u64().expect("line"))
        .collect();
    assert_eq!(
        (report["rows_imported"].as_u64(), refused),
        (Some(1), vec![3, 4]),
        "{report}"
    );
    assert!(report.to_string().contains("is not a time zone name"), "{report}");
}

#[tokio::test]
async fn a_file_that_is_not_of_its_kind_is_refused_before_anything_is_stored() {
    let api = Api::start().await;
    let ada = api.login("ada").await;
    let before = counts(&api).await;
    for (body, content_type, kind) in [
        ("external_ref,nmae\nC-1,Ann\n", "text/csv", "customers"),
        ("external_ref,name\nC-1,Ann\n", "application/pdf", "customers"),
        ("external_ref,name\nC-1,Ann\n", "text/csv", "invoices"),
    ] {
        let res = api
            .http
            .post(api.url(&format!("/imports?kind={kind}")))
            .bearer_auth(&ada)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("post");
        assert_eq!(
            res.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body} as {content_type}"
        );
        let err: Value = res.json().await.expect("typed error");
        assert_eq!(code(&err), "bad_request", "{err}");
    }
    assert_eq!(counts(&api).await, before);
    let (status, list) = api.get(&ada, "/imports").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list, Value::Array(vec![]), "no import was started");
}

#[tokio::test]
async fn json_lines_import_the_same_records() {
    let api = Api::start().await;
    let ada = api.login("ada").await;
    for kind in ["customers", "people", "contact_points", "orders"] {
        let body = std::fs::read_to_string(format!("{SAMPLES}/jsonl/{kind}.jsonl")).expect("sample");
        let report = import(&api, &ada, kind, "application/x-ndjson", body).await;
        assert_eq!(report["rows_rejected"], 0, "{report}");
    }
    let found: Vec<(String, String)> = api
        .read(|db| {
            db.all(
                "SELECT c.number, p.value FROM customers c JOIN people pe ON pe.customer_id = c.id
                 JOIN contact_points p ON p.person_id = pe.id WHERE c.id IN (SELECT id FROM import_refs WHERE kind = 'customers') ORDER BY c.number",
                args![],
                |r| Ok((r.get("number")?, r.get("value")?)),
            )
        })
        .await;
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found.contains(&("NW-C-1007".to_string(), "kwame@example.com".to_string())),
        "{found:?}"
    );
    let bad = "{\"external_ref\": \"C-9\", \"name\": \"Zed\", \"colour\": \"blue\"}\n\n{\"external_ref\": \"C-10\"}\nnot json\n";
    let report = import(&api, &ada, "customers", "application/x-ndjson", bad.into()).await;
    let lines: Vec<u64> = report["rejections"]
        .as_array()
        .expect("rejections")
        .iter()
        .map(|r| r["line"].as_u64().expect("line"))
        .collect();
    assert_eq!(lines, vec![1, 3, 4], "{report}");
}

#[tokio::test]
async fn only_the_retailers_administrators_import() {
    let api = Api::start().await;
    let ada = api.login("ada").await;
    let brightline_admin = api.invited(&ada, "bl-admin", "admin", "brightline").await;
    for (token, expected) in [
        (api.login("alice").await, StatusCode::FORBIDDEN),
        (api.login("sam").await, StatusCode::FORBIDDEN),
        (api.login("dan").await, StatusCode::FORBIDDEN),
        (brightline_admin, StatusCode::FORBIDDEN),
        (String::new(), StatusCode::UNAUTHORIZED),
    ] {
        let mut req = api
            .http
            .post(api.url("/imports?kind=customers"))
            .header("content-type", "text/csv")
            .body("external_ref,name\nC-1,Ann\n");
        if !token.is_empty() {
            req = req.bearer_auth(&token);
        }
        let res = req.send().await.expect("post");
        assert_eq!(res.status(), expected);
        let (status, _) = api.get(&token, "/imports").await;
        assert_eq!(status, expected);
    }
    assert_eq!(
        api.read(|db| db.value::<i64>("SELECT COUNT(*) AS n FROM imports", args![], "n"))
            .await,
        0
    );
}

#[tokio::test]
async fn a_large_import_has_every_console_reload_its_snapshot_once() {
    let clock = baton_server::clock::ManualClock::new(chrono::Utc::now());
    let api = Api::start_configured(clock, |s| s.import_feed_limit = 3).await;
    let ada = api.login("ada").await;
    let alice = api.login("alice").await;
    let cursor = api.changes(&alice, 0).await.cursor;
    sample(&api, &ada, "customers").await;
    let (status, body) = api.get(&alice, &format!("/sync/changes?after={cursor}")).await;
    assert_eq!(status, StatusCode::GONE, "{body}");
    let (status, snap) = api.get(&alice, "/sync/snapshot?limit=1000").await;
    assert_eq!(status, StatusCode::OK);
    let snap = snap.to_string();
    for c in rows("customers") {
        assert!(snap.contains(&c["name"]), "{} is in the new snapshot", c["name"]);
    }
}

/// A database whose records an earlier version imported (their ids derived
/// from a hash of the reference, no reference kept): the same files update
/// those records, and only what is new gets an id in arrival order.
#[tokio::test]
async fn records_imported_by_an_earlier_version_are_updated_not_doubled() {
    use baton_proto::ImportKind;
    use baton_server::import::rows::hashed_id;
    let api = Api::start().await;
    let ada = api.login("ada").await;
    let (old_customer, old_person) = (
        hashed_id(ImportKind::Customers, "CRM-1001"),
        hashed_id(ImportKind::People, "P-1001-A"),
    );
    let (c, p) = (old_customer.clone(), old_person.clone());
    api.write(move |db| {
        db.execute(
            "INSERT INTO customers (id, number, display_name, updated_at) VALUES (?1, 'C-900001', 'Old name', '2026-01-01T00:00:00Z')",
            args![c],
        )?;
        db.execute(
            "INSERT INTO people (id, customer_id, name, roles, position) VALUES (?1, ?2, 'Old person', '[]', 1)",
            args![p, c],
        )?;
        // What schema 19 records on finding such ids.
        db.execute("INSERT INTO meta (key, value) VALUES ('import_hashed_ids', '1')", args![])?;
        Ok(())
    })
    .await;
    let before = counts(&api).await;
    sample(&api, &ada, "customers").await;
    sample(&api, &ada, "people").await;
    let after = counts(&api).await;
    let (customers, people) = (rows("customers").len() as i64, rows("people").len() as i64);
    assert_eq!(after[0] - before[0], customers - 1, "one customer was there already");
    assert_eq!(after[1] - before[1], people - 1, "one person was there already");
    let (c, p) = (old_customer.clone(), old_person.clone());
    let (name, person, refs): (String, String, i64) = api
        .read(move |db| {
            Ok((
                db.value(
                    "SELECT display_name FROM customers WHERE id = ?1",
                    args![c],
                    "display_name",
                )?,
                db.value("SELECT name FROM people WHERE id = ?1", args![p], "name")?,
                db.value(
                    "SELECT COUNT(*) AS n FROM import_refs WHERE id LIKE 'cus\\_r%' ESCAPE '\\'",
                    args![],
                    "n",
                )?,
            ))
        })
        .await;
    assert_eq!((name.as_str(), person.as_str()), ("Hughes household", "Peter Hughes"));
    assert_eq!(refs, customers - 1, "the new customers got ids in arrival order");
}

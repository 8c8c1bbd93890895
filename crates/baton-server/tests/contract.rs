//! The OpenAPI contract, as outside tools read it: schemathesis finds no
//! failure in the served document as an agent and as a partner, and clients
//! generated from it (Python with openapi-python-client, TypeScript with
//! openapi-typescript) make a write and read a sync page with named types.
//! The tools are installed by `scripts/deps.sh test` (`make test`).

use std::path::{Path, PathBuf};
use std::process::Command;

use baton_server::args;
use reqwest::StatusCode;
use serde_json::Value;

mod common;
use common::Api;

/// Every phone number the demo stores is one the server's own rule accepts as
/// it is, so searching for it finds its customer.
#[tokio::test]
async fn every_demo_phone_number_is_valid_and_found_by_search() {
    let api = Api::start_sized(3000).await;
    let phones: Vec<(String, String)> = api
        .read(|db| {
            db.all(
                "SELECT cp.value, p.customer_id FROM contact_points cp JOIN people p ON p.id = cp.person_id
                 WHERE cp.kind = 'phone' ORDER BY cp.id",
                args![],
                |r| Ok((r.get("value")?, r.get("customer_id")?)),
            )
        })
        .await;
    assert!(phones.len() >= 3000, "{} phone numbers", phones.len());
    let invalid: Vec<&String> = phones
        .iter()
        .map(|(v, _)| v)
        .filter(|v| baton_proto::contact::normalize_phone(v).as_deref() != Ok(v.as_str()))
        .collect();
    assert!(
        invalid.is_empty(),
        "{} demo numbers the rule refuses: {invalid:?}",
        invalid.len()
    );
    let alice = api.login("alice").await;
    for (value, customer) in phones.iter().step_by(phones.len() / 40) {
        let (status, page) = api
            .get(&alice, &format!("/customers?phone={}", urlencoding(value)))
            .await;
        assert_eq!(status, StatusCode::OK, "{value}: {page}");
        let found = page["items"]
            .as_array()
            .is_some_and(|items| items.iter().any(|c| c["id"] == *customer));
        assert!(found, "searching {value} does not find {customer}: {page}");
    }
}

/// A search's `%` and `_` are characters, not wildcards, and a name made of
/// invisible characters is no name: both found by fuzzing the document.
#[tokio::test]
async fn search_takes_wildcards_literally_and_an_invisible_name_is_refused() {
    let api = Api::start().await;
    let alice = api.login("alice").await;
    for q in ["%%", "__", "%_"] {
        let (status, page) = api
            .get(&alice, &format!("/customers?q={}", q.replace('%', "%25")))
            .await;
        assert_eq!(status, StatusCode::OK, "{q}: {page}");
        assert_eq!(
            page["items"],
            serde_json::json!([]),
            "{q} matched names without it: {page}"
        );
    }
    api.apply(
        &alice,
        serde_json::json!({"type": "create_customer", "customer_id": "cus-pct", "person_id": "per-pct",
            "contact_point_id": "cp-pct", "name": "Ann 100% Lee", "phone": "07946 000555"}),
    )
    .await;
    let (_, page) = api.get(&alice, "/customers?q=0%25").await;
    let found: Vec<&str> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(found, ["cus-pct"], "{page}");
    // Filters narrow: a phone and a name find who has both, and no filter at
    // all lists everyone the caller may see; a number no phone can have finds no one.
    let (_, both) = api.get(&alice, "/customers?phone=07946%20000555&q=lee").await;
    assert_eq!(both["items"][0]["id"], "cus-pct", "{both}");
    let (_, neither) = api.get(&alice, "/customers?phone=07946%20000555&q=hughes").await;
    assert_eq!(neither["items"], serde_json::json!([]), "{neither}");
    let (status, none) = api.get(&alice, "/customers?phone=12").await;
    assert_eq!(
        (status, &none["items"]),
        (StatusCode::OK, &serde_json::json!([])),
        "{none}"
    );
    let everyone: i64 = api
        .read(|db| {
            db.value(
                "SELECT COUNT(*) AS n FROM customers WHERE merged_into IS NULL AND erased_at IS NULL",
                args![],
                "n",
            )
        })
        .await;
    let mut listed = 0;
    let mut cursor = String::new();
    loop {
        let (status, page) = api.get(&alice, &format!("/customers?limit=7&cursor={cursor}")).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        listed += page["items"].as_array().expect("items").len() as i64;
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_string(),
            None => break,
        }
    }
    assert_eq!(listed, everyone, "no filter lists every customer once");
    let before: i64 = api
        .read(|db| db.value("SELECT COUNT(*) AS n FROM customers", args![], "n"))
        .await;
    let code = api
        .refused(
            &alice,
            serde_json::json!({"type": "create_customer", "customer_id": "cus-zw", "person_id": "per-zw",
                "contact_point_id": "cp-zw", "name": "\u{200B}\u{200D}\u{FEFF}", "phone": "07946 000556"}),
        )
        .await;
    assert_eq!(code, "bad_request");
    let after: i64 = api
        .read(|db| db.value("SELECT COUNT(*) AS n FROM customers", args![], "n"))
        .await;
    assert_eq!(after, before, "nothing stored for a refused name");
}

fn urlencoding(s: &str) -> String {
    s.replace('+', "%2B").replace(' ', "%20")
}

/// The repository's root, where the scripts and the npm packages are.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `cmd` to its end off the async runtime (the server under test keeps
/// answering meanwhile); its status and what it printed.
async fn run(mut cmd: Command) -> (bool, String) {
    let shown = format!("{cmd:?}");
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("join")
        .unwrap_or_else(|e| panic!("{shown}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// The served document, written to `dir` for the generators.
async fn served_document(api: &Api, dir: &Path) -> PathBuf {
    let doc = api.http.get(api.url("/openapi.json")).send().await.expect("get");
    assert_eq!(doc.status(), StatusCode::OK);
    let path = dir.join("openapi.json");
    std::fs::write(&path, doc.text().await.expect("body")).expect("write the document");
    path
}

/// schemathesis with every check (tests/contract/schemathesis.toml says which
/// statuses count as a refusal), a bounded number of examples and a fixed seed,
/// as a retailer agent and as a partner dispatcher. Signing out is left out: it
/// would end the session the rest of the run uses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_failure_as_an_agent_and_as_a_partner() {
    let api = Api::start().await;
    let venv = baton_testkit::venv();
    let config = root().join("tests/contract/schemathesis.toml");
    for user in ["alice", "dan"] {
        let token = api.login(user).await;
        let mut st = Command::new(venv.join("bin/st"));
        st.arg("--config-file")
            .arg(&config)
            .arg("run")
            .arg(format!("{}/v1/openapi.json", api.server.url()))
            .args([
                "--checks",
                "all",
                "--max-examples",
                "5",
                "--seed",
                "1",
                "--generation-deterministic",
            ])
            .args([
                "--exclude-path-regex",
                "logout",
                "--no-color",
                "--request-timeout",
                "20",
            ])
            .arg("-H")
            .arg(format!("Authorization: Bearer {token}"))
            .current_dir(api.dir.path());
        let (ok, out) = run(st).await;
        let tail: String = out
            .lines()
            .rev()
            .take(80)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n");
        assert!(ok, "schemathesis as {user} found failures:\n{tail}");
        assert!(out.contains(" passed"), "schemathesis as {user} ran nothing:\n{tail}");
    }
}

/// A Python client generated from the document by openapi-python-client has a
/// module for every operation, and signs in, writes and reads the feed with
/// its named types (tests/contract/python_client.py).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_python_client_writes_and_reads_a_sync_page() {
    let api = Api::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let doc = served_document(&api, dir.path()).await;
    let venv = baton_testkit::venv();
    let mut generate = Command::new(venv.join("bin/openapi-python-client"));
    generate
        .args(["generate", "--meta", "none", "--overwrite", "--path"])
        .arg(&doc)
        .arg("--output-path")
        .arg(dir.path().join("baton_client"));
    let (ok, out) = run(generate).await;
    assert!(ok, "openapi-python-client: {out}");
    assert!(
        !out.contains("Unable to parse"),
        "a schema the generator could not use: {out}"
    );
    let parsed: Value = serde_json::from_slice(&std::fs::read(&doc).expect("doc")).expect("json");
    let operations: Vec<String> = parsed["paths"]
        .as_object()
        .expect("paths")
        .values()
        .flat_map(|item| item.as_object().into_iter().flat_map(|ops| ops.values()))
        .filter_map(|op| op["operationId"].as_str().map(str::to_string))
        .collect();
    let mut generated = Vec::new();
    for tag in std::fs::read_dir(dir.path().join("baton_client/api"))
        .expect("api dir")
        .flatten()
    {
        for module in std::fs::read_dir(tag.path()).into_iter().flatten().flatten() {
            generated.push(module.file_name().to_string_lossy().trim_end_matches(".py").to_string());
        }
    }
    let missing: Vec<&String> = operations.iter().filter(|o| !generated.contains(o)).collect();
    assert!(missing.is_empty(), "operations without a client function: {missing:?}");
    let mut script = Command::new(venv.join("bin/python3"));
    script
        .arg(root().join("tests/contract/python_client.py"))
        .arg(api.server.url())
        .args(["alice", "baton-demo", "cus_000001"])
        .env("PYTHONPATH", dir.path());
    let (ok, out) = run(script).await;
    assert!(ok, "the Python client: {out}");
    assert!(out.contains("note applied"), "{out}");
}

/// TypeScript types generated from the document by openapi-typescript check
/// tests/contract/typescript_client.ts under `tsc --strict`, and the program
/// signs in, writes and reads the feed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_typescript_types_write_and_read_a_sync_page() {
    let api = Api::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let doc = served_document(&api, dir.path()).await;
    let bin = root().join("node_modules/.bin");
    let mut generate = Command::new(bin.join("openapi-typescript"));
    generate.arg(&doc).arg("-o").arg(dir.path().join("api.ts"));
    let (ok, out) = run(generate).await;
    assert!(ok, "openapi-typescript (npm ci installs it): {out}");
    std::fs::copy(
        root().join("tests/contract/typescript_client.ts"),
        dir.path().join("typescript_client.ts"),
    )
    .expect("copy the program");
    std::fs::write(dir.path().join("package.json"), r#"{"type": "module"}"#).expect("package.json");
    let mut tsc = Command::new(bin.join("tsc"));
    tsc.args([
        "--strict",
        "--noUnusedLocals",
        "--target",
        "es2022",
        "--module",
        "nodenext",
    ])
    .args([
        "--moduleResolution",
        "nodenext",
        "--lib",
        "es2022,dom",
        "--outDir",
        "out",
    ])
    .args(["api.ts", "typescript_client.ts"])
    .current_dir(dir.path());
    let (ok, out) = run(tsc).await;
    assert!(ok, "the program does not type-check against the generated types: {out}");
    let mut node = Command::new("node");
    node.arg(dir.path().join("out/typescript_client.js"))
        .arg(api.server.url())
        .args(["alice", "baton-demo", "cus_000001"]);
    let (ok, out) = run(node).await;
    assert!(ok, "the TypeScript client: {out}");
    assert!(out.contains("note applied"), "{out}");
}

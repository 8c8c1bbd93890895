//! The published contract: the served OpenAPI document is the committed one, and
//! it describes every route the server answers.

use reqwest::StatusCode;
use serde_json::Value;

mod common;
use common::Api;

const COMMITTED: &str = include_str!("../../../docs/openapi.json");

#[tokio::test]
async fn the_served_document_is_the_committed_one() {
    let api = Api::start().await;
    let res = api.http.get(api.url("/openapi.json")).send().await.expect("get");
    assert_eq!(res.status(), StatusCode::OK);
    let served = res.text().await.expect("body");
    assert!(
        served == COMMITTED,
        "docs/openapi.json is out of date with the code: run \
         `cargo run -p baton-server -- openapi > docs/openapi.json` and commit it"
    );
    let doc: Value = serde_json::from_str(&served).expect("json");
    assert_eq!(doc["openapi"], "3.1.0");
}

/// Every documented operation exists (none answers the router's fallback), and
/// every one but login and health refuses a request without a token, with a typed error.
#[tokio::test]
async fn every_documented_operation_is_served_and_guarded() {
    let api = Api::start().await;
    let doc: Value = serde_json::from_str(COMMITTED).expect("json");
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.len() >= 25, "{} paths", paths.len());
    for (path, ops) in paths {
        let url = format!("{}{}", api.server.url(), path.replace("{id}", "cus_000001"));
        for (method, op) in ops.as_object().expect("operations") {
            let req = match method.as_str() {
                "get" => api.http.get(&url),
                "post" => api.http.post(&url).json(&serde_json::json!({})),
                "patch" => api.http.patch(&url).json(&serde_json::json!({})),
                "put" => api.http.put(&url).json(&serde_json::json!({})),
                "delete" => api.http.delete(&url),
                other => panic!("undocumented method {other}"),
            };
            let res = req.send().await.expect("send");
            let status = res.status();
            let body: Value = res.json().await.unwrap_or(Value::Null);
            assert_ne!(
                body["message"], "route not found",
                "{method} {path} is documented but not served"
            );
            if op.get("security").is_some() {
                assert_eq!(
                    status,
                    StatusCode::UNAUTHORIZED,
                    "{method} {path} without a token: {body}"
                );
                assert_eq!(body["code"], "unauthenticated");
            }
        }
    }
}

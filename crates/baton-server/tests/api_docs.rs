//! The examples in docs/api.md are run, in order and in one shell, against a
//! real demo server: the integrators' guide cannot drift from the API.

use std::process::Command;

mod common;
use common::Api;

const GUIDE: &str = include_str!("../../../docs/api.md");

/// The ```sh blocks of the guide, in order.
fn examples() -> Vec<&'static str> {
    GUIDE
        .split("```sh\n")
        .skip(1)
        .filter_map(|rest| rest.split("\n```").next())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_curl_example_in_the_api_guide_works() {
    let api = Api::start().await;
    let blocks = examples();
    assert!(blocks.len() >= 16, "{} examples", blocks.len());
    let script = blocks.join("\n");
    for tool in ["curl", "jq", "bash"] {
        let found = Command::new("sh").arg("-c").arg(format!("command -v {tool}")).status();
        assert!(
            found.is_ok_and(|s| s.success()),
            "{tool} is needed to run the guide's examples (make deps-test installs it)"
        );
    }
    let url = api.server.url();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("bash")
            .arg("-euo")
            .arg("pipefail")
            .arg("-c")
            .arg(script)
            .env("BATON", url)
            .output()
    })
    .await
    .expect("join")
    .expect("run bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the guide's examples failed:\n{stdout}\n{stderr}");
    // What a reader is told they will see.
    for expected in [
        "\"Northwind Electricals\"",
        "\"Ada Okafor\"",
        "\"Margaret Hughes\"",
        "\"not_found\"",
        "\"+447946000999\"",
        "\"Alice Carter (Northwind Electricals)\"",
        "\"invalid_phone\"",
        "Leave the parcel with the neighbour at 29.",
        "Email the digital-edition login details",
        "\"waiting on partner\"",
        "\"same_email\"",
        "404",
        "\"Grace Whitfield\"",
        "\"add_note\"",
        r#"{"summary":"One-question survey: how satisfied with J-"#,
        r#"{"number":"J-90000001","status":"scheduled","org_name":"Brightline Installations","appointment_start":"2026-12-10T09:00:00Z"}"#,
        r#"{"status":"cancelled","appointment_start":"2026-12-10T13:00:00Z"}"#,
    ] {
        assert!(
            stdout.contains(expected),
            "the guide's output lacks {expected}:\n{stdout}"
        );
    }
}

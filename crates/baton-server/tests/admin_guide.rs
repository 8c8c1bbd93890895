//! docs/admin.md is run as written: its ```sh blocks, in order and in one shell,
//! from an empty directory with the real `baton-server` binary — init, serve,
//! a partner, an invitation, the dispatcher setting a password, user and
//! partner changes. The administrator's guide cannot drift from the product.

use std::process::Command;

const GUIDE: &str = include_str!("../../../docs/admin.md");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_administrators_guide_runs_from_an_empty_directory() {
    let blocks: Vec<&str> = GUIDE
        .split("```sh\n")
        .skip(1)
        .filter_map(|rest| rest.split("\n```").next())
        .collect();
    assert!(blocks.len() >= 10, "{} blocks", blocks.len());
    let script = blocks.join("\n");
    let dir = tempfile::tempdir().expect("tempdir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_baton-server"));
    let path = format!(
        "{}:{}",
        bin.parent().expect("bin dir").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let cwd = dir.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("bash")
            .args(["-euo", "pipefail", "-c", &script])
            .current_dir(cwd)
            .env("PATH", path)
            .env("BATON_ADDR", format!("127.0.0.1:{port}"))
            .env("SAMPLES", concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/import"))
            .env_remove("BATON")
            .env_remove("BATON_DB")
            .env_remove("BATON_ADMIN_PASSWORD")
            .output()
    })
    .await
    .expect("join")
    .expect("run bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the guide failed:\n{stdout}\n{stderr}");
    for expected in [
        "Northwind Electricals is set up",
        "organisation id: northwind-electricals",
        r#"{"username":"olivia","role":"admin","org":"Northwind Electricals"}"#,
        r#""visible_fields":["phone","address","orders"],"callback_sla_minutes":120"#,
        r#"{"user":"dan","pending":true"#,
        r#"{"user":"dan","org":"Brightline Installations"}"#,
        "jobs.csv: 3 rows read, 3 imported, 0 refused",
        r#"{"status":"done","rows_imported":2,"rows_rejected":0}"#,
        r#"["Fit the fridge freezer","Plumb in two dishwashers","Wall-mount the 65\" OLED TV"]"#,
        r#"{"number":"J-90000004","summary":"Wall-mount the TV","status":"scheduled"}"#,
        r#"{"name":"Margaret Hughes","phone":"+447946000202"}"#,
        r#"{"username":"dan","role":"partner_dispatcher","sessions":2,"signed_in":true}"#,
        r#"{"display_name":"Daniel Brooks"}"#,
        r#"{"ended":2}"#,
        "401",
        r#"{"visible_fields":["address","orders"]}"#,
        r#"{"deactivated":true}"#,
        r#"{"open":4}"#,
        r#"{"deactivated":false}"#,
        r#"{"display_name":"Brightline scheduler (API key)","role":"partner_dispatcher","org":"brightline"}"#,
        r#"{"revoked":true}"#,
    ] {
        assert!(
            stdout.contains(expected),
            "the guide's output lacks {expected}:\n{stdout}"
        );
    }
    assert!(
        !stdout.contains("correct horse") && !stderr.contains("correct horse"),
        "the password is never echoed"
    );
}

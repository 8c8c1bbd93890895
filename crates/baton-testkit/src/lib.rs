//! Real peers for Baton's tests, shared by the server's and the client's suites:
//! a real SMTP server (aiosmtpd, from the tests' private virtualenv) that stores
//! what it receives, and a local HTTP SMS gateway that records requests.
#![allow(clippy::unwrap_used)] // test support: a poisoned lock is a failed test

use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration as StdDuration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxStatus};
use axum::routing::post;
use axum::Json;
use serde_json::Value;

/// The tests' Python tools, set up once per test binary.
pub fn venv() -> &'static Path {
    static VENV: OnceLock<PathBuf> = OnceLock::new();
    VENV.get_or_init(|| {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/test-venv.sh");
        let out = Command::new(script).output().expect("run scripts/test-venv.sh");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
    })
}

pub fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A real SMTP server storing what it receives in a Maildir.
pub struct Smtp {
    child: Child,
    maildir: tempfile::TempDir,
}

impl Smtp {
    pub fn start(port: u16) -> Smtp {
        let maildir = tempfile::tempdir().expect("maildir");
        let child = Command::new(venv().join("bin/python"))
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(maildir.path().join("mail"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        // Ready when it accepts connections.
        let deadline = Instant::now() + StdDuration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd did not start on port {port}");
            std::thread::sleep(StdDuration::from_millis(50));
        }
        Smtp { child, maildir }
    }

    /// Every message received, as raw text.
    pub fn messages(&self) -> Vec<String> {
        let new = self.maildir.path().join("mail/new");
        let Ok(entries) = std::fs::read_dir(new) else {
            return Vec::new();
        };
        entries
            .filter_map(|e| e.ok())
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .collect()
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An SMS the gateway received: its Authorization header and JSON body.
pub type Sms = (Option<String>, Value);

/// A local SMS gateway: records requests; answers 503 while `down`.
#[derive(Clone, Default)]
pub struct Gateway {
    pub received: Arc<Mutex<Vec<Sms>>>,
    pub down: Arc<Mutex<bool>>,
}

async fn receive(State(g): State<Gateway>, headers: HeaderMap, Json(body): Json<Value>) -> AxStatus {
    if *g.down.lock().expect("lock") {
        return AxStatus::SERVICE_UNAVAILABLE;
    }
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    g.received.lock().expect("lock").push((auth, body));
    AxStatus::ACCEPTED
}

/// Starts a gateway on a free port; returns it and its URL.
pub async fn start_gateway() -> (Gateway, String) {
    let g = Gateway::default();
    let app = axum::Router::new().route("/sms", post(receive)).with_state(g.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/sms", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (g, url)
}

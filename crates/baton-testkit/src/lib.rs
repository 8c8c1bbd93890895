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

/// A PostgreSQL server of the tests' own: `initdb` into a temporary directory
/// (as the unprivileged `postgres` user when the tests run as root), on a free
/// port, started once per test binary and stopped, its directory removed, when
/// the test binary exits. Each [`Postgres::database`] is a fresh, empty one.
pub struct Postgres {
    port: u16,
    bin: PathBuf,
}

/// Where Debian's `postgresql` package puts the server's programs.
fn postgres_bin() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    found.retain(|p| p.join("initdb").exists());
    found.sort();
    found.pop().expect(
        "PostgreSQL's server programs are not installed (Debian package 'postgresql'; make deps-test installs it)",
    )
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// `program` run as the unprivileged user PostgreSQL insists on.
fn as_postgres_user(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

impl Postgres {
    /// The tests' server, started on first use. Durability is off: the tests
    /// kill server processes, never this one.
    pub fn shared() -> &'static Postgres {
        static PG: OnceLock<Postgres> = OnceLock::new();
        PG.get_or_init(|| Postgres::start(false))
    }

    /// A server with PostgreSQL's durable defaults (every commit flushed), for
    /// benchmarks whose figures must hold in production.
    pub fn durable() -> &'static Postgres {
        static PG: OnceLock<Postgres> = OnceLock::new();
        PG.get_or_init(|| Postgres::start(true))
    }

    // The watchdog outlives this process by design: it stops the server after us.
    #[allow(clippy::zombie_processes)]
    fn start(durable: bool) -> Postgres {
        let bin = postgres_bin();
        let dir = tempfile::Builder::new()
            .prefix("baton-pg-")
            .tempdir()
            .expect("temporary directory")
            .keep();
        if is_root() {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir)
                .status()
                .expect("chown");
            assert!(ok.success(), "chown of the PostgreSQL directory failed");
        }
        let data = dir.join("data");
        let out = as_postgres_user(&bin.join("initdb"))
            .args([
                "--auth=trust",
                "--username=baton",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "-D",
            ])
            .arg(&data)
            .output()
            .expect("run initdb");
        assert!(out.status.success(), "initdb: {}", String::from_utf8_lossy(&out.stderr));
        let port = free_port();
        let durability = if durable {
            ""
        } else {
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        };
        let options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -k {} {durability} -c max_connections=400 -c shared_buffers=256MB",
            dir.display()
        );
        let out = as_postgres_user(&bin.join("pg_ctl"))
            .args(["start", "-w", "-t", "60", "-D"])
            .arg(&data)
            .arg("-l")
            .arg(dir.join("server.log"))
            .args(["-o", &options])
            .output()
            .expect("run pg_ctl start");
        assert!(
            out.status.success(),
            "pg_ctl start: {}{}",
            String::from_utf8_lossy(&out.stdout),
            std::fs::read_to_string(dir.join("server.log")).unwrap_or_default()
        );
        // Stopped, and its directory removed, once this test binary has exited.
        let stop = format!(
            "tail --pid={} -f /dev/null; {} {} stop -m immediate -D {} >/dev/null 2>&1; rm -rf {}",
            std::process::id(),
            if is_root() { "runuser -u postgres --" } else { "" },
            bin.join("pg_ctl").display(),
            data.display(),
            dir.display()
        );
        Command::new("sh")
            .args(["-c", &stop])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the PostgreSQL watchdog");
        Postgres { port, bin }
    }

    /// A new, empty database; its URL.
    pub fn database(&self) -> String {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let name = format!("t{}_{n}", std::process::id());
        let out = Command::new(self.bin.join("createdb"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "baton", &name])
            .output()
            .expect("run createdb");
        assert!(
            out.status.success(),
            "createdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        format!("postgres://baton@127.0.0.1:{}/{name}", self.port)
    }
}

/// Which database the server's suites run on: `BATON_TEST_DATABASE=postgres`
/// gives each test a fresh PostgreSQL database, anything else a SQLite file in `dir`.
pub fn test_database(dir: &Path) -> String {
    match std::env::var("BATON_TEST_DATABASE").as_deref() {
        Ok("postgres") => Postgres::shared().database(),
        _ => dir.join("s.sqlite").display().to_string(),
    }
}

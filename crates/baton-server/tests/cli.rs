//! The command line: secrets are refused where other users of the machine could read them.

use std::process::Command;

fn serve(args: &[&str]) -> (bool, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("s.sqlite");
    let out = Command::new(env!("CARGO_BIN_EXE_baton-server"))
        .args(["serve", "--db", db.to_str().expect("path"), "--addr", "127.0.0.1:0"])
        .args(args)
        .env_remove("BATON_SMTP_PASSWORD")
        .env_remove("BATON_SMS_TOKEN")
        .output()
        .expect("run baton-server");
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_password_in_the_smtp_url_is_refused_before_the_server_starts() {
    let (ok, err) = serve(&["--smtp-url", "smtps://care:hunter2@mail.example.com"]);
    assert!(!ok);
    assert!(err.contains("must not hold a password"), "{err}");
    assert!(
        !err.contains("hunter2"),
        "the refusal does not repeat the secret: {err}"
    );
}

#[test]
fn a_database_password_on_the_command_line_is_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_baton-server"))
        .args([
            "serve",
            "--db",
            "postgres://baton:hunter2@127.0.0.1:1/baton",
            "--addr",
            "127.0.0.1:0",
        ])
        .env_remove("BATON_DB")
        .output()
        .expect("run baton-server");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("must come from BATON_DB"), "{err}");
    assert!(
        !err.contains("hunter2"),
        "the refusal does not repeat the secret: {err}"
    );
}

#[test]
fn an_smtp_user_without_a_password_is_refused() {
    let (ok, err) = serve(&["--smtp-url", "smtp://mail.example.com:587", "--smtp-user", "care"]);
    assert!(!ok);
    assert!(err.contains("BATON_SMTP_PASSWORD"), "{err}");
}

#[test]
fn there_is_no_command_line_flag_for_the_sms_token() {
    let (ok, err) = serve(&["--sms-token", "secret"]);
    assert!(!ok);
    assert!(err.contains("unexpected argument"), "{err}");
}

/// A server process on a demo database with everything Baton logs turned on,
/// its output collected as it is written.
struct Logged {
    child: std::process::Child,
    url: String,
    output: std::sync::Arc<std::sync::Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Logged {
    fn start(dir: &std::path::Path) -> Logged {
        let db = baton_testkit::test_database(dir);
        let db = db.as_str();
        let seeded = Command::new(env!("CARGO_BIN_EXE_baton-server"))
            .args(["demo", "--customers", "20", "--load-only", "--db", db])
            .output()
            .expect("seed");
        assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
        Logged::serve(db)
    }

    /// `serve` on database `db`, logging everything.
    fn serve(db: &str) -> Logged {
        use std::io::BufRead;
        let mut child = Command::new(env!("CARGO_BIN_EXE_baton-server"))
            .args(["serve", "--db", db, "--addr", "127.0.0.1:0"])
            .env(
                "RUST_LOG",
                "trace,hyper=info,hyper_util=info,h2=info,reqwest=info,rustls=info,tokio=info",
            )
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start baton-server");
        let output = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        let collect = output.clone();
        let reader = std::thread::spawn(move || {
            let errors = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
            for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.split("addr=").nth(1).and_then(|r| r.split_whitespace().next()) {
                    let _ = addr_tx.send(addr.to_string());
                }
                collect.lock().expect("lock").push_str(&(line + "\n"));
            }
            let rest = errors.join().unwrap_or_default();
            collect.lock().expect("lock").push_str(&rest);
        });
        let addr = addr_rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("the server says where it serves");
        Logged {
            child,
            url: format!("http://{addr}/v1"),
            output,
            reader: Some(reader),
        }
    }

    /// Stops the server and returns everything it wrote.
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        let out = self.output.lock().expect("lock").clone();
        out
    }
}

impl Drop for Logged {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn the_logs_hold_no_phone_number_email_or_token() {
    use baton_server::demo::{story1, DEMO_PASSWORD};
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Logged::start(dir.path());
    let http = reqwest::Client::new();
    let res = http
        .post(format!("{}/auth/login", server.url))
        .json(&serde_json::json!({"username": "alice", "password": DEMO_PASSWORD}))
        .send()
        .await;
    let body: serde_json::Value = res.expect("login").json().await.expect("json");
    let token = body["token"].as_str().expect("token").to_string();
    let get = |path: String| {
        let http = http.clone();
        let token = token.clone();
        async move {
            http.get(path)
                .bearer_auth(token)
                .send()
                .await
                .expect("get")
                .text()
                .await
        }
    };
    get(format!("{}/customers?phone=%2B447946000202", server.url))
        .await
        .expect("search");
    get(format!("{}/customers?email=arthur.hughes@example.com", server.url))
        .await
        .expect("search");
    for value in ["07946 000777", "+44 7946 ABC"] {
        let intent = serde_json::json!({"type": "set_contact_point", "customer_id": story1::CUSTOMER_ID,
            "person_id": story1::MOTHER_ID, "contact_point_id": story1::MOTHER_MOBILE_ID, "value": value,
            "base_value": story1::MOTHER_MOBILE});
        http.post(format!("{}/mutations", server.url))
            .bearer_auth(&token)
            .json(&serde_json::json!({"id": uuid::Uuid::new_v4(), "intent": intent}))
            .send()
            .await
            .expect("mutate");
    }
    http.post(format!("{}/auth/login", server.url))
        .json(&serde_json::json!({"username": "alice", "password": "not-her-password"}))
        .send()
        .await
        .expect("bad login");
    let log = server.stop();
    assert!(log.contains("signed in"), "the log was written: {log}");
    for secret in [
        "447946000202",
        "7946 000202",
        "7946000777",
        "7946 000777",
        "7946 ABC",
        "arthur.hughes@example.com",
        "@example.com",
        token.as_str(),
        DEMO_PASSWORD,
        "not-her-password",
    ] {
        assert!(!log.contains(secret), "the log holds {secret:?}");
    }
}

fn init(db: &str, args: &[&str], stdin: &str) -> (bool, String, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_baton-server"))
        .args(["init", "--db", db])
        .args(args)
        .env_remove("BATON_ADMIN_PASSWORD")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run init");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write the password");
    let out = child.wait_with_output().expect("init ends");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn serve_on_a_database_nobody_can_sign_in_to_says_to_run_init() {
    let (ok, err) = serve(&[]);
    assert!(!ok);
    assert!(
        err.contains("not set up yet") && err.contains("baton-server init --db"),
        "{err}"
    );
}

#[tokio::test]
async fn init_sets_up_the_retailer_and_its_administrator_who_signs_in_to_the_served_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = baton_testkit::test_database(dir.path());
    let password = "a long admin password";
    let (ok, out, err) = init(
        &db,
        &[
            "--org",
            "Northwind Electricals",
            "--admin",
            "olivia",
            "--admin-name",
            "Olivia Grant",
            "--password-stdin",
        ],
        &format!("{password}\n"),
    );
    assert!(ok, "{err}");
    assert!(out.contains("Northwind Electricals is set up"), "{out}");
    assert!(out.contains("organisation id: northwind-electricals"), "{out}");
    assert!(out.contains("baton-server serve --db"), "{out}");
    assert!(
        !out.contains(password) && !err.contains(password),
        "the password is never echoed"
    );

    // Once only.
    let (again, _, err) = init(&db, &["--org", "Other", "--password-stdin"], &format!("{password}\n"));
    assert!(!again && err.contains("already set up"), "{err}");

    let server = Logged::serve(&db);
    let http = reqwest::Client::new();
    let res = http
        .post(format!("{}/auth/login", server.url))
        .json(&serde_json::json!({"username": "olivia", "password": password}))
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), reqwest::StatusCode::OK);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["user"]["role"], "admin");
    assert_eq!(body["user"]["org"]["kind"], "retailer");
    let token = body["token"].as_str().expect("token");
    let orgs: serde_json::Value = http
        .get(format!("{}/admin/orgs", server.url))
        .bearer_auth(token)
        .send()
        .await
        .expect("orgs")
        .json()
        .await
        .expect("json");
    assert_eq!(orgs[0]["name"], "Northwind Electricals");
    let log = server.stop();
    assert!(!log.contains(password), "the log holds no password");
}

#[test]
fn init_refuses_a_short_password_a_password_flag_and_a_bad_organisation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("i.sqlite");
    let db = db.to_str().expect("path");
    let (ok, _, err) = init(db, &["--org", "Northwind", "--password-stdin"], "short\n");
    assert!(!ok && err.contains("12 to 1024 characters"), "{err}");
    let (ok, _, err) = init(db, &["--org", "Northwind", "--password", "hunter2hunter2"], "");
    assert!(!ok && err.contains("unexpected argument"), "{err}");
    let (ok, _, err) = init(db, &["--org", "   ", "--password-stdin"], "a long admin password\n");
    assert!(!ok && err.contains("must not be empty"), "{err}");
    let (ok, _, err) = init(
        db,
        &["--org", "Northwind", "--admin", "a b", "--password-stdin"],
        "a long admin password\n",
    );
    assert!(!ok && err.contains("username"), "{err}");
    // Not a terminal and no password given: it says how to give one.
    let (ok, _, err) = init(db, &["--org", "Northwind"], "");
    assert!(!ok && err.contains("--password-stdin"), "{err}");
    // Nothing was set up by any of these.
    let (ok, _, err) = init(
        db,
        &["--org", "Northwind", "--password-stdin"],
        "a long admin password\n",
    );
    assert!(ok, "{err}");
}

/// `backup` copies a database while its server runs; serving the copy is the
/// restore, and it holds every edit made before the backup.
#[tokio::test]
async fn a_backup_taken_while_serving_restores_by_serving_it() {
    use baton_server::demo::{story1, DEMO_PASSWORD};
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("live.sqlite");
    let db = db.to_str().expect("path");
    let seeded = Command::new(env!("CARGO_BIN_EXE_baton-server"))
        .args(["demo", "--customers", "20", "--load-only", "--db", db])
        .output()
        .expect("seed");
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    let http = reqwest::Client::new();
    let sign_in = |url: String| {
        let http = http.clone();
        async move {
            let body: serde_json::Value = http
                .post(format!("{url}/auth/login"))
                .json(&serde_json::json!({"username": "alice", "password": DEMO_PASSWORD}))
                .send()
                .await
                .expect("login")
                .json()
                .await
                .expect("json");
            body["token"].as_str().expect("token").to_string()
        }
    };
    let epoch = |url: String, token: String| {
        let http = http.clone();
        async move {
            let page: serde_json::Value = http
                .get(format!("{url}/sync/changes?after=0&limit=1"))
                .bearer_auth(token)
                .send()
                .await
                .expect("changes")
                .json()
                .await
                .expect("json");
            page["epoch"].as_str().expect("epoch").to_string()
        }
    };
    let live = Logged::serve(db);
    let token = sign_in(live.url.clone()).await;
    let live_epoch = epoch(live.url.clone(), token.clone()).await;
    let intent = serde_json::json!({"type": "add_note", "customer_id": story1::CUSTOMER_ID, "note_id": "note-before-backup",
        "text": "Written before the backup"});
    let res: serde_json::Value = http
        .post(format!("{}/mutations", live.url))
        .bearer_auth(&token)
        .json(&serde_json::json!({"id": uuid::Uuid::new_v4(), "intent": intent}))
        .send()
        .await
        .expect("mutate")
        .json()
        .await
        .expect("json");
    assert_eq!(res["outcome"], "applied", "{res}");

    let copy = dir.path().join("copy.sqlite");
    let backup = |to: &std::path::Path| {
        Command::new(env!("CARGO_BIN_EXE_baton-server"))
            .args(["backup", "--db", db, "--to", to.to_str().expect("path")])
            .output()
            .expect("backup")
    };
    let out = backup(&copy);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("backed up"));
    let again = backup(&copy);
    assert!(!again.status.success(), "an existing file is never overwritten");
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    live.stop();

    let restored = Logged::serve(copy.to_str().expect("path"));
    let token = sign_in(restored.url.clone()).await;
    let customer: serde_json::Value = http
        .get(format!("{}/customers/{}", restored.url, story1::CUSTOMER_ID))
        .bearer_auth(&token)
        .send()
        .await
        .expect("customer")
        .json()
        .await
        .expect("json");
    assert!(
        customer["timeline"].to_string().contains("Written before the backup"),
        "the restored database holds the note"
    );
    assert_ne!(
        epoch(restored.url.clone(), token.clone()).await,
        live_epoch,
        "consoles re-snapshot from a restored copy rather than trust their cursors"
    );
    restored.stop();
}

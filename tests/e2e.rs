//! End to end: the real release app in a real window (Xvfb), driven over WebDriver
//! (tauri-driver + WebKitWebDriver), against the real server over real HTTP, with a
//! partner's console (baton-core as a library) watching for the change.
//!
//! Run it with `make e2e` (or `make test`), which builds the UI, starts Xvfb and a
//! D-Bus session with an unlocked Secret Service keyring, and installs tauri-driver.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use baton_core::credentials::MemoryStore;
use baton_core::view::Connectivity;
use baton_core::{Console, ConsoleConfig, SyncOptions};
use baton_server::demo::{carrier_only, story1, DEMO_PASSWORD};
use baton_server::RunningServer;
use fantoccini::{Client, ClientBuilder, Locator};
// WebDriver runs on loopback over plain HTTP: no TLS stack needed.
use hyper_util::client::legacy::connect::HttpConnector;

const WAIT: Duration = Duration::from_secs(30);

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn tauri_driver() -> PathBuf {
    if let Some(p) = std::env::var_os("TAURI_DRIVER") {
        return PathBuf::from(p);
    }
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    match home.map(|h| h.join("bin/tauri-driver")) {
        Some(p) if p.exists() => p,
        _ => PathBuf::from("tauri-driver"),
    }
}

/// tauri-driver, killed when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start(data_dir: &Path) -> Result<Driver> {
        let port = free_port()?;
        let native = free_port()?;
        let child = Command::new(tauri_driver())
            .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
            .env("BATON_DATA_DIR", data_dir)
            .env_remove("BATON_SERVER_URL")
            .env_remove("BATON_USERNAME")
            .env_remove("BATON_PASSWORD")
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting tauri-driver (install it with `cargo install tauri-driver --locked`)")?;
        Ok(Driver { child, port })
    }

    /// Connects once the driver accepts connections (it takes a moment to bind).
    async fn connect(&self, app: &Path) -> Result<Client> {
        let mut caps = serde_json::Map::new();
        caps.insert("tauri:options".into(), serde_json::json!({ "application": app }));
        caps.insert("browserName".into(), serde_json::json!("wry"));
        let url = format!("http://127.0.0.1:{}", self.port);
        let deadline = Instant::now() + WAIT;
        loop {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => return Ok(c),
                // tauri-driver gives no readiness signal: retry the connection
                // until it binds (a readiness poll, not a synchronisation sleep).
                Err(_) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(200)).await,
                Err(e) => bail!("could not open a WebDriver session on {url}: {e}"),
            }
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn partner_config(dir: &Path) -> ConsoleConfig {
    ConsoleConfig {
        data_dir: dir.join("installer"),
        secrets: Arc::new(MemoryStore::default()),
        sync: SyncOptions::default(),
    }
}

fn mother_mobile(c: &Console) -> Option<String> {
    let view = c.customer(story1::CUSTOMER_ID).ok()?;
    view.customer
        .contact_point(story1::MOTHER_ID, story1::MOTHER_MOBILE_ID)
        .map(|p| p.value.clone())
}

/// Waits on the partner console's own change events until `check` holds; returns how long it took.
async fn until(console: &Console, limit: Duration, check: impl FnMut(&Console) -> bool) -> Result<Duration> {
    let started = Instant::now();
    console.wait_until(limit, check).await?;
    Ok(started.elapsed())
}

async fn css(client: &Client, selector: &str) -> Result<fantoccini::elements::Element> {
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(selector))
        .await
        .with_context(|| format!("waiting for `{selector}`"))
}

async fn save_screenshot(client: &Client, name: &str) -> Result<()> {
    let png = client.screenshot().await?;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join(name), png)?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_changes_the_mothers_mobile_and_the_installer_sees_it() -> Result<()> {
    if std::env::var_os("DISPLAY").is_none() {
        bail!("no DISPLAY: run the end-to-end tests through `make e2e`, which starts Xvfb");
    }
    let tmp = tempfile::tempdir()?;
    let server = RunningServer::demo("127.0.0.1:0".parse()?, &tmp.path().join("server.sqlite"), 300).await?;
    let url = server.url();

    // The installer's dispatcher, signed in through baton-core, with a synced cache.
    let installer = Console::sign_in(partner_config(tmp.path()), &url, "dan", DEMO_PASSWORD).await?;
    until(&installer, WAIT, |c| {
        let s = c.status();
        !s.initial_sync && s.connectivity == Connectivity::Online
    })
    .await?;
    assert_eq!(mother_mobile(&installer).as_deref(), Some(story1::MOTHER_MOBILE));

    // The real app, fresh data dir, signed in through its own form as an in-house agent.
    let driver = Driver::start(&tmp.path().join("app"))?;
    let client = driver.connect(Path::new(env!("CARGO_BIN_EXE_baton"))).await?;
    let outcome = drive(&client, &url, &installer).await;
    if outcome.is_err() {
        let _ = save_screenshot(&client, "e2e-failure.png").await;
    }
    client.close().await?;
    drop(driver);
    let propagation = outcome?;
    println!("e2e propagation, key press in the agent's app to the installer's cache (upper bound): {propagation:?}");

    // The installer can see nothing of a customer whose only job is the carrier's.
    assert!(installer.customer(carrier_only::CUSTOMER_ID).is_err());
    assert!(installer.search(carrier_only::MOBILE)?.is_empty());
    assert!(installer.search(carrier_only::NAME)?.is_empty());
    server.stop().await?;
    Ok(())
}

async fn drive(client: &Client, url: &str, installer: &Console) -> Result<Duration> {
    // The form focuses Username just after it mounts; typing before that focus
    // lands would send part of the keystrokes to the wrong field.
    css(client, "#username:focus").await?;
    let server_field = css(client, "#server-url").await?;
    server_field.clear().await?;
    server_field.send_keys(url).await?;
    let username = css(client, "#username").await?;
    username.send_keys("alice").await?;
    css(client, "#password").await?.send_keys(DEMO_PASSWORD).await?;
    let typed = (server_field.prop("value").await?, username.prop("value").await?);
    if typed != (Some(url.to_string()), Some("alice".to_string())) {
        bail!("the sign-in form holds {typed:?}");
    }
    css(client, "#sign-in").await?.click().await?;

    // Screen pop by phone number, typed the way a caller reads it out.
    let search = css(client, "#search").await?;
    css(client, "#sync-summary[data-connectivity='online']").await?;
    search.send_keys("07946 000202").await?;
    css(
        client,
        &format!("button.result[data-customer-id='{}']", story1::CUSTOMER_ID),
    )
    .await?
    .click()
    .await?;
    let row = format!("[data-contact-id='{}']", story1::MOTHER_MOBILE_ID);
    css(client, &format!("{row} .contact-edit-button"))
        .await?
        .click()
        .await?;

    // A malformed number is refused in place; the typed text stays for correction.
    let input = css(client, &format!("{row} .contact-input")).await?;
    input.clear().await?;
    input.send_keys("0794 6x").await?;
    css(client, &format!("{row} .contact-save")).await?.click().await?;
    let error = css(client, &format!("{row} .contact-error")).await?.text().await?;
    if !error.contains("not") {
        bail!("expected a validation message, got {error:?}");
    }
    save_screenshot(client, "contact-validation.png").await?;

    input.clear().await?;
    input.send_keys("07946 000999").await?;
    // Timed from before the key press: the figure includes the WebDriver round
    // trip, so it is an upper bound on what the user experiences.
    let started = Instant::now();
    input.send_keys("\u{E007}").await?; // Enter
    until(installer, Duration::from_secs(2), |c| {
        mother_mobile(c).as_deref() == Some("+447946000999")
    })
    .await
    .context("the installer did not see the new number within 2 seconds")?;
    let propagation = started.elapsed();

    // The agent sees the edit confirmed, and the record shows the new number.
    css(client, &format!("{row} .state-synced")).await?;
    let shown = css(client, &format!("{row} .contact-value")).await?.text().await?;
    if shown != "+44 7946 000999" {
        bail!("the record shows {shown:?}");
    }
    css(client, "#sync-summary[data-pending='0']").await?;
    // The change is on the timeline, and the customer's confirmation is on the
    // record with its delivery state (no SMS gateway here: it waits, visibly).
    let entry = css(client, "#timeline .timeline-entry[data-kind='contact_changed']")
        .await?
        .text()
        .await?;
    if !entry.contains("+44 7946 000999") {
        bail!("the timeline says {entry:?}");
    }
    let confirmation = css(client, "#confirmations .confirmation[data-status='pending']")
        .await?
        .text()
        .await?;
    if !confirmation.contains("Waiting to be sent by SMS to +447946000999") {
        bail!("the confirmation says {confirmation:?}");
    }
    save_screenshot(client, "console-record.png").await?;

    // An agent's Follow-ups view starts on the agent's own items.
    css(client, "#nav-queue").await?.click().await?;
    let agent = css(client, "#filter-agent").await?.prop("value").await?;
    if agent.as_deref() != Some("usr_alice") {
        bail!("the agent's queue starts filtered on {agent:?}");
    }
    Ok(propagation)
}

/// Three installer callbacks for Margaret, due two hours ago and already swept
/// into Brightline's supervisor queue.
async fn overdue_callbacks(server: &RunningServer) -> Result<()> {
    use baton_proto::{Intent, Mutation};
    let due = chrono::Utc::now() - chrono::Duration::hours(2);
    server
        .state
        .db
        .write(move |tx| {
            let user = baton_server::auth::user_by_username(tx, "alice")?
                .ok_or_else(|| baton_server::ServerError::Internal("no alice".into()))?;
            let caller = baton_server::auth::AuthUser {
                user,
                token: String::new(),
            };
            let batch: Vec<Mutation> = (0..3)
                .map(|i| Mutation {
                    id: uuid::Uuid::new_v4(),
                    client_seq: i,
                    created_at: chrono::Utc::now(),
                    intent: Intent::ScheduleCallback {
                        customer_id: story1::CUSTOMER_ID.into(),
                        callback_id: format!("cb_e2e{i}"),
                        owner_org_id: "brightline".into(),
                        owner_user_id: None,
                        person_id: Some(story1::MOTHER_ID.into()),
                        phone: story1::MOTHER_MOBILE.into(),
                        request: format!("Margaret's question {}", i + 1),
                        due_at: Some(due),
                        due_until: None,
                        trigger: None,
                        job_id: Some(story1::JOB_ID.into()),
                    },
                })
                .collect();
            baton_server::mutations::apply_batch(tx, &caller, uuid::Uuid::nil(), &batch, chrono::Utc::now())
        })
        .await?;
    let swept = server.state.sweep(None).await?;
    if swept.escalated < 3 {
        bail!("expected the three callbacks to escalate, got {swept:?}");
    }
    Ok(())
}

/// The owners of the test's callbacks, as the server holds them.
async fn owners(server: &RunningServer) -> Result<Vec<String>> {
    let doc = server
        .state
        .db
        .read(|tx| baton_server::docs::load_customers(tx, &[story1::CUSTOMER_ID.to_string()]))
        .await?;
    Ok(doc
        .into_iter()
        .flat_map(|c| c.callbacks)
        .filter(|cb| cb.id.starts_with("cb_e2e"))
        .map(|cb| cb.owner_org_id)
        .collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_takes_overdue_callbacks_back_from_a_partner_in_bulk() -> Result<()> {
    if std::env::var_os("DISPLAY").is_none() {
        bail!("no DISPLAY: run the end-to-end tests through `make e2e`, which starts Xvfb");
    }
    let tmp = tempfile::tempdir()?;
    let server = RunningServer::demo("127.0.0.1:0".parse()?, &tmp.path().join("server.sqlite"), 300).await?;
    overdue_callbacks(&server).await?;
    let driver = Driver::start(&tmp.path().join("app"))?;
    let client = driver.connect(Path::new(env!("CARGO_BIN_EXE_baton"))).await?;
    let outcome = supervise(&client, &server).await;
    if outcome.is_err() {
        let _ = save_screenshot(&client, "e2e-failure.png").await;
    }
    client.close().await?;
    drop(driver);
    outcome?;
    server.stop().await?;
    Ok(())
}

async fn supervise(client: &Client, server: &RunningServer) -> Result<()> {
    let url = server.url();
    css(client, "#username:focus").await?;
    let server_field = css(client, "#server-url").await?;
    server_field.clear().await?;
    server_field.send_keys(&url).await?;
    css(client, "#username").await?.send_keys("sam").await?;
    css(client, "#password").await?.send_keys(DEMO_PASSWORD).await?;
    css(client, "#sign-in").await?.click().await?;

    // A supervisor lands on the follow-up queue; Brightline's count shows the overdue callbacks.
    css(client, "#queue").await?;
    css(client, "#sync-summary[data-connectivity='online']").await?;
    let ours = "tr[data-key^='callback:cb_e2e']";
    css(client, ours).await?;
    css(client, ".org-count[data-org='brightline'] .late")
        .await?
        .click()
        .await?;
    css(client, ".org-count[data-org='brightline'][aria-pressed='true']").await?;
    css(client, "#filter-overdue").await?.click().await?;
    let rows = client.find_all(Locator::Css(ours)).await?;
    if rows.len() != 3 {
        bail!("expected the 3 overdue callbacks, the queue shows {}", rows.len());
    }
    save_screenshot(client, "supervisor-queue.png").await?;

    // All of them, back to the retailer, in one action.
    css(client, "#select-all").await?.click().await?;
    let selected = css(client, "#selected-count").await?.text().await?;
    if !selected.starts_with("3 selected") {
        bail!("the selection says {selected:?}");
    }
    css(client, "#bulk-action").await?.select_by_value("reassign").await?;
    css(client, "#bulk-org").await?.select_by_value("northwind").await?;
    css(client, "#bulk-apply").await?.click().await?;
    let notice = css(client, "#queue-notice").await?.text().await?;
    if !notice.starts_with("3 items updated") {
        bail!("the queue says {notice:?}");
    }
    css(client, "#sync-summary[data-pending='0']").await?;
    // They leave Brightline's overdue queue, and the server holds the new owner.
    let deadline = Instant::now() + WAIT;
    while !client.find_all(Locator::Css(ours)).await?.is_empty() {
        if Instant::now() > deadline {
            bail!("the reassigned callbacks are still in Brightline's queue");
        }
        // The view refreshes on the feed's change event; poll the DOM for it.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let owners = owners(server).await?;
    if owners != ["northwind"; 3] {
        bail!("the server holds owners {owners:?}");
    }
    Ok(())
}

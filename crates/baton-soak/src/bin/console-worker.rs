//! A headless console: signs in, optionally makes edits, then waits until every
//! queued edit has reached the server. What it has saved it prints, one line per
//! edit, only after the edit is committed to the local cache:
//!
//!   signed-in                the session is open; the first sync is starting
//!   saved <mutation id>      an edit is durable locally
//!   drained                  nothing is waiting any more
//!   mobile <value>           the cache's value of the story-1 mobile
//!   integrity <result>       PRAGMA integrity_check (+ FTS check) of the cache

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Result};
use baton_core::credentials::SecretStore;
use baton_core::view::Connectivity;
use baton_core::{Console, ConsoleConfig, SyncOptions};
use baton_proto::ErrorCode;
use baton_server::demo::{story1, DEMO_PASSWORD};
use clap::Parser;

/// Secrets in a file beside the cache, so a console killed and started again
/// finds its cache key (the desktop keeps them in the OS keyring; a file next to
/// the cache would defeat its encryption, which is fine for a crash test only).
struct FileStore(PathBuf);

impl FileStore {
    fn read(&self) -> baton_core::Result<std::collections::BTreeMap<String, String>> {
        match std::fs::read_to_string(&self.0) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| baton_core::CoreError::Keyring(e.to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Default::default()),
            Err(e) => Err(baton_core::CoreError::Keyring(e.to_string())),
        }
    }

    fn write(&self, map: &std::collections::BTreeMap<String, String>) -> baton_core::Result<()> {
        let text = serde_json::to_string(map).map_err(|e| baton_core::CoreError::Keyring(e.to_string()))?;
        let tmp = self.0.with_extension("tmp");
        std::fs::write(&tmp, text).map_err(|e| baton_core::CoreError::Keyring(e.to_string()))?;
        std::fs::rename(&tmp, &self.0).map_err(|e| baton_core::CoreError::Keyring(e.to_string()))
    }
}

impl SecretStore for FileStore {
    fn get(&self, account: &str) -> baton_core::Result<Option<String>> {
        Ok(self.read()?.get(account).cloned())
    }

    fn set(&self, account: &str, secret: &str) -> baton_core::Result<()> {
        let mut map = self.read()?;
        map.insert(account.to_string(), secret.to_string());
        self.write(&map)
    }

    fn delete(&self, account: &str) -> baton_core::Result<()> {
        let mut map = self.read()?;
        map.remove(account);
        self.write(&map)
    }
}

#[derive(Parser)]
struct Args {
    #[arg(long)]
    server: String,
    #[arg(long)]
    data_dir: PathBuf,
    #[arg(long, default_value = "alice")]
    user: String,
    /// Edits to make before draining (0: only drain what an earlier run left).
    #[arg(long, default_value_t = 0)]
    edits: u32,
    /// Distinguishes this run's values from other runs'.
    #[arg(long, default_value_t = 0)]
    run: u32,
}

fn say(line: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.data_dir)?;
    let config = ConsoleConfig {
        ca_certs: Vec::new(),
        plain_cache: false,
        data_dir: args.data_dir.clone(),
        secrets: Arc::new(FileStore(args.data_dir.join("secrets.json"))),
        sync: SyncOptions {
            min_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_millis(300),
            page_size: 40,
            snapshot_page_size: 40,
            ..SyncOptions::default()
        },
    };
    let console = Console::sign_in(config, &args.server, &args.user, DEMO_PASSWORD).await?;
    say("signed-in")?;
    for i in 0..args.edits {
        let value = format!("+447946{:06}", (args.run * 100 + i) % 1_000_000);
        // The cache may still be in its first snapshot: an edit needs the customer
        // there. Subscribe before trying, so no change slips between try and wait.
        let view = loop {
            let mut changes = console.subscribe_changes();
            let mut status = console.subscribe_status();
            match console.set_contact_point(story1::CUSTOMER_ID, story1::MOTHER_ID, story1::MOTHER_MOBILE_ID, &value) {
                Ok(view) => break view,
                Err(e) if e.code() == ErrorCode::NotFound => {
                    tokio::select! {
                        _ = changes.recv() => {}
                        _ = status.changed() => {}
                        _ = tokio::time::sleep(Duration::from_secs(30)) => bail!("the customer never arrived"),
                    }
                }
                Err(e) => return Err(e.into()),
            }
        };
        let target = format!("contact:{}", story1::MOTHER_MOBILE_ID);
        match view.edits.iter().find(|e| e.target == target) {
            Some(edit) => say(&format!("saved {}", edit.mutation_id))?,
            None => bail!("the edit is not listed on the record"),
        }
    }
    // Drain: wait, on the console's own events, for an empty queue while online.
    console
        .wait_until(Duration::from_secs(60), |c| {
            let s = c.status();
            s.pending == 0 && !s.initial_sync && s.connectivity == Connectivity::Online
        })
        .await?;
    say("drained")?;
    let view = console.customer(story1::CUSTOMER_ID)?;
    let mobile = view
        .customer
        .contact_point(story1::MOTHER_ID, story1::MOTHER_MOBILE_ID)
        .map(|c| c.value.clone());
    say(&format!("mobile {}", mobile.unwrap_or_default()))?;
    say(&format!("integrity {}", console.cache().integrity_check()?))?;
    Ok(())
}

//! The console's cache at rest: encrypted under a key that lives only in the
//! secret store, readable by its OS user alone, one file and one key per Baton
//! user; a plain cache from an earlier Baton is encrypted with its queued edits
//! kept; and a session the server ends locks the cache until the user signs in.

use std::path::{Path, PathBuf};
use std::time::Duration;

use baton_core::view::Connectivity;
use baton_core::{Console, ConsoleConfig};
use baton_proto::ErrorCode;
use baton_server::demo::story1;

mod common;
use common::{synced, until, Harness};

fn files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir.join("caches"))
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default()
}

fn main_file(cfg: &ConsoleConfig) -> PathBuf {
    files(&cfg.data_dir)
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "sqlite"))
        .expect("a cache file")
}

/// Every byte the cache has on disk, database and journal files.
fn raw_bytes(cfg: &ConsoleConfig) -> Vec<u8> {
    files(&cfg.data_dir)
        .iter()
        .flat_map(|p| std::fs::read(p).unwrap_or_default())
        .collect()
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cache_on_disk_holds_nothing_readable() {
    let h = Harness::start(20).await;
    let cfg = h.config("agent");
    let agent = h.console_with(&cfg, "alice").await;
    synced(&agent).await;
    agent
        .set_contact_point(
            story1::CUSTOMER_ID,
            story1::MOTHER_ID,
            story1::MOTHER_MOBILE_ID,
            "07946 000555",
        )
        .expect("edit");
    let file = main_file(&cfg);
    let bytes = raw_bytes(&cfg);
    assert!(bytes.len() > 10_000, "the cache holds the records");
    for value in [
        story1::MOTHER_NAME,
        story1::MOTHER_MOBILE,
        "+447946000555",
        "arthur.hughes@example.com",
        "SQLite format 3",
    ] {
        assert!(!contains(&bytes, value), "{value:?} is readable in the cache files");
    }
    // Plain SQLite cannot read it; the key is in the secret store, not beside the file.
    let plain = rusqlite::Connection::open(&file).expect("open");
    assert!(plain
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))
        .is_err());
    let key = baton_core::credentials::cache_key_account(&h.url(), "alice");
    assert!(cfg.secrets.get(&key).expect("store").is_some());

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(
            mode(&cfg.data_dir.join("caches")),
            0o700,
            "the folder is the user's alone"
        );
        for f in files(&cfg.data_dir) {
            assert_eq!(mode(&f), 0o600, "{} is the user's alone", f.display());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_baton_user_on_this_computer_cannot_open_the_cache() {
    let h = Harness::start(20).await;
    let alice_cfg = h.config("shared");
    let alice = h.console_with(&alice_cfg, "alice").await;
    synced(&alice).await;
    let alice_file = main_file(&alice_cfg);
    drop(alice);
    // Dan signs in on the same computer, same Baton folder.
    let dan_cfg = ConsoleConfig {
        secrets: std::sync::Arc::new(baton_core::credentials::MemoryStore::default()),
        ..alice_cfg.clone()
    };
    let dan = h.console_with(&dan_cfg, "dan").await;
    synced(&dan).await;
    let mut caches: Vec<PathBuf> = files(&dan_cfg.data_dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "sqlite"))
        .collect();
    caches.sort();
    assert_eq!(caches.len(), 2, "one file each: {caches:?}");
    let dan_key = dan_cfg
        .secrets
        .get(&baton_core::credentials::cache_key_account(&h.url(), "dan"))
        .expect("store")
        .expect("dan's key");
    let alices_with_dans_key = baton_core::Cache::open(
        &alice_file,
        &baton_core::cache::AtRest::Encrypted(baton_core::cache::CacheKey::from_hex(&dan_key).expect("key")),
    );
    assert!(alices_with_dans_key.is_err(), "dan's key does not open alice's cache");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_cache_from_an_earlier_baton_is_encrypted_with_its_queued_edits() {
    let mut h = Harness::start(20).await;
    let plain_cfg = ConsoleConfig {
        plain_cache: true,
        ..h.config("upgrade")
    };
    let old = h.console_with(&plain_cfg, "alice").await;
    synced(&old).await;
    h.outage(&[&old]).await;
    old.set_contact_point(
        story1::CUSTOMER_ID,
        story1::MOTHER_ID,
        story1::MOTHER_MOBILE_ID,
        "07946 000556",
    )
    .expect("offline edit");
    old.release();
    drop(old);
    assert!(contains(&raw_bytes(&plain_cfg), "SQLite format 3"), "it was plain");

    h.restart_server().await;
    let cfg = ConsoleConfig {
        plain_cache: false,
        ..plain_cfg
    };
    let new = Console::resume(cfg.clone()).expect("resume").expect("a session");
    assert!(!contains(&raw_bytes(&cfg), "SQLite format 3"), "now encrypted");
    assert!(!contains(&raw_bytes(&cfg), "+447946000556"));
    until(&new, Duration::from_secs(15), "the queued edit to sync", |c| {
        let s = c.status();
        (s.pending == 0 && s.connectivity == Connectivity::Online).then_some(())
    })
    .await;
    let installer = h.console("installer", "dan").await;
    until(&installer, Duration::from_secs(15), "the edit at the installer", |c| {
        let v = c.customer(story1::CUSTOMER_ID).ok()?;
        let value = v
            .customer
            .contact_point(story1::MOTHER_ID, story1::MOTHER_MOBILE_ID)?
            .value
            .clone();
        (value == "+447946000556").then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_the_server_ends_locks_the_cache_until_the_user_signs_in() {
    let h = Harness::start(20).await;
    let cfg = h.config("locked");
    let dan = h.console_with(&cfg, "dan").await;
    synced(&dan).await;
    assert!(dan.customer(story1::CUSTOMER_ID).is_ok());

    // The administrator disables dan: his next request is refused.
    let server_db = rusqlite::Connection::open(h.db_path()).expect("server db");
    baton_server::auth::set_disabled(&server_db, "dan", true, "2026-01-01T00:00:00Z").expect("disable");
    dan.sync_now();
    until(
        &dan,
        Duration::from_secs(15),
        "the console to see its session ended",
        |c| (c.status().connectivity == Connectivity::SignedOut).then_some(()),
    )
    .await;
    for err in [
        dan.customer(story1::CUSTOMER_ID).err(),
        dan.search("Hughes").err(),
        dan.follow_ups(&Default::default()).err(),
    ] {
        let err = err.expect("locked");
        assert_eq!(err.code(), ErrorCode::NotSignedIn, "{err}");
    }
    // Re-enabled and signed in again: the same cache, unlocked.
    baton_server::auth::set_disabled(&server_db, "dan", false, "").expect("enable");
    dan.release();
    let again = h.console_with(&cfg, "dan").await;
    synced(&again).await;
    assert!(again.customer(story1::CUSTOMER_ID).is_ok());
}

/// An administrator moves Dan from the installer to the carrier: his console
/// is signed out, and signed in again holds none of the records only the
/// installer has work on (from the server's tables), synced or not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moved_users_console_drops_the_old_organisations_records() {
    use baton_proto::UserUpdate;
    use baton_server::store::Conn;
    let h = Harness::start(20).await;
    let server = h.server.as_ref().expect("server");
    let brightline_only: Vec<String> = server
        .state
        .db
        .read(|db: &dyn Conn| {
            db.all(
                "SELECT customer_id AS v FROM jobs WHERE org_id = 'brightline'
                 EXCEPT SELECT customer_id FROM jobs WHERE org_id = 'swiftparcel'
                 EXCEPT SELECT customer_id FROM callbacks WHERE owner_org_id = 'swiftparcel'
                 EXCEPT SELECT customer_id FROM commitments WHERE owner_org_id = 'swiftparcel'
                 EXCEPT SELECT customer_id FROM tickets WHERE owner_org_id = 'swiftparcel' OR escalated_org_id = 'swiftparcel'",
                baton_server::args![],
                |r| r.get("v"),
            )
        })
        .await
        .expect("Brightline's own customers");
    let cfg = h.config("dan-desk");
    let dan = Console::sign_in(cfg.clone(), &h.url(), "dan", common::PASSWORD)
        .await
        .expect("sign in");
    synced(&dan).await;
    let held = |c: &Console| brightline_only.iter().filter(|id| c.customer(id).is_ok()).count();
    assert!(held(&dan) > 0, "Brightline's customers are in his cache");

    let ada = h.console("ada-desk", "ada").await;
    let users = ada.admin_users().await.expect("users");
    let id = users.iter().find(|u| u.username == "dan").expect("dan").id.clone();
    let moved = ada
        .admin_user_update(
            &id,
            &UserUpdate {
                org_id: Some("swiftparcel".into()),
                ..UserUpdate::default()
            },
        )
        .await
        .expect("moved");
    assert_eq!(moved.org.id, "swiftparcel");
    until(&dan, Duration::from_secs(10), "the old session to end", |c| {
        (c.status().connectivity == Connectivity::SignedOut).then_some(())
    })
    .await;
    dan.release();
    drop(dan);

    let again = Console::sign_in(cfg, &h.url(), "dan", common::PASSWORD)
        .await
        .expect("sign in again");
    assert_eq!(again.session().user.org.id, "swiftparcel");
    assert_eq!(held(&again), 0, "the installer's records left his cache as it opened");
    synced(&again).await;
    assert_eq!(held(&again), 0, "and the carrier's snapshot brings none back");
    assert!(
        again.customer(baton_server::demo::carrier_only::CUSTOMER_ID).is_ok(),
        "he holds the carrier's work"
    );
}

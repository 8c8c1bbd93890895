//! TLS end to end: a real server serving HTTPS with a certificate from a
//! retailer's own CA, and a real console that trusts that CA, signs in, syncs
//! and finds a customer; a console without the CA is told why it cannot connect;
//! plain http:// is refused for anything but this computer.

use std::time::Duration;

use baton_core::{Console, ConsoleConfig};
use baton_server::demo::story1;
use baton_server::RunningServer;

mod common;
use common::{config_in, synced, until, PASSWORD};

/// A CA and a server certificate for 127.0.0.1 and localhost, written as PEM files.
fn certificates(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let ca_key = rcgen::KeyPair::generate().expect("ca key");
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "Northwind Electricals internal CA");
    let ca = rcgen::CertifiedIssuer::self_signed(ca, ca_key).expect("ca");
    let key = rcgen::KeyPair::generate().expect("server key");
    let server = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .expect("server params")
        .signed_by(&key, &ca)
        .expect("server certificate");
    let (ca_pem, cert_pem, key_pem) = (dir.join("ca.pem"), dir.join("server.pem"), dir.join("server.key"));
    std::fs::write(&ca_pem, ca.pem()).expect("write");
    std::fs::write(&cert_pem, server.pem()).expect("write");
    std::fs::write(&key_pem, key.serialize_pem()).expect("write");
    (ca_pem, cert_pem, key_pem)
}

fn trusting(dir: &std::path::Path, name: &str, ca: &std::path::Path) -> ConsoleConfig {
    ConsoleConfig {
        ca_certs: vec![ca.to_path_buf()],
        ..config_in(dir, name)
    }
}

#[tokio::test]
async fn a_console_that_trusts_the_retailers_ca_works_over_tls() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (ca, cert, key) = certificates(dir.path());
    let state = baton_server::AppState::open(&dir.path().join("server.sqlite")).expect("open");
    baton_server::demo::seed(&state, 30).await.expect("seed");
    let tls = baton_server::tls_config(&cert, &key).await.expect("tls config");
    let server = RunningServer::start_tls("127.0.0.1:0".parse().expect("addr"), state, tls)
        .await
        .expect("serve tls");
    let url = format!("https://127.0.0.1:{}", server.addr.port());

    let console = Console::sign_in(trusting(dir.path(), "alice", &ca), &url, "alice", PASSWORD)
        .await
        .expect("sign in over TLS");
    synced(&console).await;
    until(&console, Duration::from_secs(10), "Margaret's record", |c| {
        c.customer(story1::CUSTOMER_ID).ok()
    })
    .await;

    // Without the CA the console says what is wrong, not "error sending request".
    let err = Console::sign_in(config_in(dir.path(), "untrusting"), &url, "alice", PASSWORD)
        .await
        .err()
        .expect("an untrusted certificate is refused");
    assert!(
        err.to_string().contains("does not trust the server's certificate"),
        "{err}"
    );

    // The plain-HTTP port of the same server is not what a console may use remotely.
    let err = Console::sign_in(
        config_in(dir.path(), "plain"),
        "http://10.1.2.3:8787",
        "alice",
        PASSWORD,
    )
    .await
    .err()
    .expect("plain http to another machine is refused");
    assert!(err.to_string().contains("only with https://"), "{err}");
    server.stop().await.expect("stop");
}

#[test]
fn plain_http_is_only_for_a_server_on_this_computer() {
    use baton_core::client::normalize_server_url;
    for ok in [
        "http://127.0.0.1:8787",
        "http://localhost:8787/",
        "http://[::1]:8787",
        "https://baton.example.com",
    ] {
        assert!(normalize_server_url(ok).is_ok(), "{ok}");
    }
    for refused in [
        "http://baton.example.com",
        "http://192.168.1.20:8787",
        "http://localhost.example.com",
    ] {
        assert!(normalize_server_url(refused).is_err(), "{refused}");
    }
}

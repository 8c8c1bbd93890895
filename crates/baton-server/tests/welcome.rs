//! Invitations by email: the administrator gives an address, the invited user
//! gets a link (through a real SMTP server) to a page where they choose their
//! password with no account yet; the link works once, a bad address stores
//! nothing, and without an email server the code still works and says why.

use baton_proto::Invitation;
use baton_server::clock::ManualClock;
use baton_server::delivery::DeliveryConfig;
use baton_testkit::{free_port, Smtp};
use chrono::Utc;
use reqwest::StatusCode;
use serde_json::json;

mod common;
use common::{code, Api};

const PUBLIC_URL: &str = "https://care.northwind.example";

fn config(smtp_port: Option<u16>) -> DeliveryConfig {
    DeliveryConfig {
        smtp_url: smtp_port.map(|p| format!("smtp://127.0.0.1:{p}")),
        email_from: Some("Northwind Electricals <care@northwind.example>".into()),
        time_zone: Some(chrono_tz::Europe::London),
        public_url: Some(PUBLIC_URL.parse().expect("url")),
        ..DeliveryConfig::default()
    }
}

fn new_user(username: &str, email: &str) -> serde_json::Value {
    json!({"username": username, "display_name": "Fred Okoro", "role": "partner_dispatcher",
           "org_id": "brightline", "email": email})
}

async fn users(api: &Api) -> i64 {
    api.read(|db| db.value("SELECT COUNT(*) AS n FROM users", baton_server::args![], "n"))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emailed_invitation_links_to_a_page_that_sets_the_password_once() {
    let smtp_port = free_port();
    let smtp = Smtp::start(smtp_port);
    let api = Api::start_configured(ManualClock::new(Utc::now()), |s| s.delivery = config(Some(smtp_port))).await;
    let ada = api.login("ada").await;

    // A bad address is refused, and nobody is created.
    let before = users(&api).await;
    let (status, body) = api.send("POST", &ada, "/admin/users", new_user("fred", "fred@")).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_email"),
        "{body}"
    );
    assert_eq!(users(&api).await, before);

    let (status, body) = api
        .send(
            "POST",
            &ada,
            "/admin/users",
            new_user("fred", "Fred.Okoro@Brightline.example"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let invitation: Invitation = serde_json::from_value(body).expect("invitation");
    assert_eq!(invitation.emailed_to.as_deref(), Some("fred.okoro@brightline.example"));
    assert_eq!(invitation.email_error, None);

    let mail = smtp
        .messages()
        .into_iter()
        .find(|m| m.contains("To: fred.okoro@brightline.example"))
        .expect("the invitation's email");
    let mail = mail.replace("=\r\n", "").replace("=\n", "");
    assert!(
        mail.contains("Subject: Northwind Electricals: your Baton account"),
        "{mail}"
    );
    assert!(
        mail.contains("Your username is fred") && mail.contains(&invitation.code),
        "{mail}"
    );
    let link = format!("{PUBLIC_URL}/welcome/{}", invitation.code);
    assert!(mail.contains(&link), "{mail}");

    // The page the link opens, on this server: the password form. It looks up
    // nothing, so a made-up code gets the very same page: no oracle for guessing.
    let page = format!("{}/welcome/{}", api.server.url(), invitation.code);
    let http = reqwest::Client::new();
    let res = http.get(&page).send().await.expect("page");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["referrer-policy"], "no-referrer");
    let html = res.text().await.expect("html");
    assert!(
        html.contains("Choose your Baton password") && !html.contains("<script"),
        "{html}"
    );
    let made_up = format!("{}/welcome/ABCD-EFGH-JKMN-PQRS", api.server.url());
    let res = http.get(&made_up).send().await.expect("page");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text().await.expect("html"), html);
    let res = http
        .post(&made_up)
        .form(&[
            ("password", "a long enough password"),
            ("repeat", "a long enough password"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "a made-up code sets nothing");

    // Two different passwords, or a short one: the same form says why, nothing is set.
    for (password, repeat, says) in [
        ("a long enough password", "another long password", "not the same"),
        ("short", "short", "12"),
    ] {
        let res = http
            .post(&page)
            .form(&[("password", password), ("repeat", repeat)])
            .send()
            .await
            .expect("post");
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{password}");
        assert!(res.text().await.expect("html").contains(says), "{password}");
    }
    let (status, _) = api
        .send(
            "POST",
            "",
            "/auth/login",
            json!({"username": "fred", "password": "short"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let res = http
        .post(&page)
        .form(&[
            ("password", "Fred's own long password"),
            ("repeat", "Fred's own long password"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.expect("html");
    assert!(
        html.contains("Your password is set") && html.contains("<strong>fred</strong>"),
        "{html}"
    );
    // He signs in with it; the page itself left no session open.
    let fred = api.login_with("fred", "Fred's own long password").await;
    let (status, me) = api.get(&fred, "/me").await;
    assert_eq!(
        (status, me["org"]["name"].as_str()),
        (StatusCode::OK, Some("Brightline Installations"))
    );
    let sessions: i64 = api
        .read(|db| {
            db.value(
                "SELECT COUNT(*) AS n FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = 'fred'",
                baton_server::args![],
                "n",
            )
        })
        .await;
    assert_eq!(sessions, 1, "only the sign-in's own session");

    // Once only.
    let res = http
        .post(&page)
        .form(&[
            ("password", "a second long password"),
            ("repeat", "a second long password"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.text().await.expect("html").contains("cannot be used"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_email_server_the_invitation_says_so_and_its_code_still_works() {
    let api = Api::start_configured(ManualClock::new(Utc::now()), |s| s.delivery = config(None)).await;
    let ada = api.login("ada").await;
    let (status, body) = api
        .send(
            "POST",
            &ada,
            "/admin/users",
            new_user("gina", "gina@brightline.example"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let invitation: Invitation = serde_json::from_value(body).expect("invitation");
    assert_eq!(invitation.emailed_to, None);
    let error = invitation.email_error.expect("why it was not emailed");
    assert!(error.contains("--smtp-url") && !error.contains("gina@"), "{error}");
    let (status, _) = api
        .send(
            "POST",
            "",
            "/auth/accept-invite",
            json!({"code": invitation.code, "password": "Gina's own long password"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

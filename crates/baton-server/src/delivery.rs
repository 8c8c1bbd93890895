//! Sending customer confirmations: email over SMTP, SMS through an HTTP gateway.
//!
//! Confirmations are written as `pending` rows in the same transaction as the
//! change they confirm, so none is ever lost. This worker sends the due ones
//! outside any transaction, then records each outcome: `sent`, or `failed` with
//! the error and the time of the next attempt (backing off from 1 minute to
//! 6 hours). A failed send stays visible on the record and is retried until it
//! goes out. Delivery is at-least-once: a crash between the send and its record
//! can send a confirmation twice, never zero times.

use crate::store::{self, Conn};
use baton_proto::{Channel, ContactKind, Text, TextArg, TimelineKind};
use chrono::{DateTime, Duration, Utc};
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::error::ServerError;
use crate::mutations::Ctx;
use crate::wire::ts;
use crate::AppState;

/// Minutes to wait after the 1st, 2nd, … failed attempt (the last repeats).
pub const RETRY_MINUTES: [i64; 5] = [1, 5, 30, 120, 360];

/// How a server sends confirmations. A channel that is not configured is not
/// attempted: its confirmations stay `pending` on the record, and go out once
/// it is configured.
#[derive(Debug, Clone, Default)]
pub struct DeliveryConfig {
    /// `smtp://host:port` (plain), `smtp://host:port?tls=required` (STARTTLS) or
    /// `smtps://host` (TLS).
    pub smtp_url: Option<String>,
    /// SMTP user name and password, kept out of the URL.
    pub smtp_credentials: Option<(String, String)>,
    /// The sender of confirmation emails, e.g. `Northwind Electricals <care@example.com>`.
    pub email_from: Option<String>,
    /// An HTTP endpoint that takes `POST {"to": "+44…", "body": "…"}`.
    pub sms_url: Option<String>,
    /// Sent as `Authorization: Bearer <token>` to the SMS gateway.
    pub sms_token: Option<String>,
    /// The retailer's time zone, in which customers read the times in their
    /// messages; UTC, said as such, when none is given.
    pub time_zone: Option<chrono_tz::Tz>,
    /// The address customers reach this server at (`https://care.example.com`),
    /// the start of survey links. Without it, surveys wait (failed, retried)
    /// until it is set.
    pub public_url: Option<url::Url>,
}

/// The page a survey's link opens: `{public_url}/s/{token}`.
pub fn survey_link(public_url: &url::Url, token: &str) -> String {
    format!("{}/s/{token}", public_url.as_str().trim_end_matches('/'))
}

/// A moment as a customer reads it: "Thursday 3 December 2026 at 10:00" (`long`)
/// or "Thu 3 Dec, 10:00" — in the retailer's time zone, with the zone named
/// only when there is none (UTC).
fn customer_time(at: DateTime<Utc>, tz: Option<chrono_tz::Tz>, long: bool) -> String {
    let fmt = if long {
        "%A %-d %B %Y at %H:%M"
    } else {
        "%a %-d %b %Y, %H:%M"
    };
    match tz {
        Some(tz) => at.with_timezone(&tz).format(fmt).to_string(),
        None => format!("{} UTC", at.format(fmt)),
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    pub failed: usize,
}

/// A confirmation due to be sent.
struct Due {
    id: String,
    customer_id: String,
    customer_name: String,
    channel: Channel,
    recipient: String,
    person_id: Option<String>,
    /// What was recorded, in full: the customer reads their own data.
    summary: String,
    said: Text,
    changed_by: String,
    at: DateTime<Utc>,
    attempts: u32,
    retailer: String,
    /// A survey's message: the survey and its link's token.
    survey: Option<(String, String)>,
}

/// Confirmations due now on the channels this server can send.
/// How long a node's claim on the confirmations it is sending holds: longer than
/// a batch takes to send, short enough that another node soon sends what a
/// dead node left.
const CLAIM_MINUTES: i64 = 15;

fn claim_due(
    conn: &dyn Conn,
    node: &str,
    now: DateTime<Utc>,
    limit: usize,
    cfg: &DeliveryConfig,
) -> Result<Vec<Due>, ServerError> {
    let retailer = store::orgs::retailer(conn).map_or_else(|_| "Customer care".to_string(), |o| o.name);
    let rows = store::confirmations::claim_due(
        conn,
        node,
        &ts(now),
        &ts(now + Duration::minutes(CLAIM_MINUTES)),
        limit,
        cfg.smtp_url.is_some(),
        cfg.sms_url.is_some(),
    )?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let said = Text {
                template: r.summary,
                args: r.summary_args,
            };
            Due {
                id: r.id,
                customer_id: r.customer_id,
                customer_name: r.customer_name,
                channel: r.channel,
                recipient: r.recipient,
                summary: said.render_with(&|at| customer_time(at, cfg.time_zone, false)),
                said,
                person_id: r.person_id,
                changed_by: r.changed_by,
                at: r.at,
                attempts: r.attempts,
                retailer: retailer.clone(),
                survey: r.survey,
            }
        })
        .collect())
}

/// The survey's link, when `d` is a survey's message.
fn link_of(cfg: &DeliveryConfig, d: &Due) -> Result<Option<String>, String> {
    match (&d.survey, &cfg.public_url) {
        (None, _) => Ok(None),
        (Some((_, token)), Some(url)) => Ok(Some(survey_link(url, token))),
        (Some(_), None) => Err("this server has no public address for survey links (serve --public-url)".into()),
    }
}

fn text_of(d: &Due, tz: Option<chrono_tz::Tz>, link: Option<&str>) -> String {
    if let Some(link) = link {
        return format!(
            "Hello {},\n\n{}\n\nOne click tells us, with no account or password:\n\n  {link}\n\nThe link works for {} days.\n\n{}\n",
            d.customer_name,
            d.summary.replacen("One-question survey: how", "How", 1),
            baton_proto::SURVEY_DAYS,
            d.retailer
        );
    }
    format!(
        "Hello {},\n\nThis confirms what we recorded for you:\n\n  {}\n\nRecorded by {} on {}.\n\nIf this is not right, reply or call us and quote it.\n\n{}\n",
        d.customer_name,
        d.summary,
        d.changed_by,
        customer_time(d.at, tz, true),
        d.retailer
    )
}

async fn send_email(cfg: &DeliveryConfig, d: &Due) -> Result<(), String> {
    let url = cfg.smtp_url.as_deref().ok_or("no email server is configured")?;
    let link = link_of(cfg, d)?;
    let subject = if link.is_some() {
        format!("{}: one question about our service", d.retailer)
    } else {
        format!("{}: confirmation of what we recorded", d.retailer)
    };
    send_plain(
        cfg,
        url,
        &d.recipient,
        subject,
        text_of(d, cfg.time_zone, link.as_deref()),
    )
    .await
}

/// The page a welcome link opens: `{public_url}/welcome/{code}`.
pub fn welcome_link(public_url: &url::Url, code: &str) -> String {
    format!("{}/welcome/{code}", public_url.as_str().trim_end_matches('/'))
}

/// Emails an invitation (or a password reset) to the person it is for: a link
/// to set their password when the server has a public address, and the code
/// for the console's sign-in screen either way. Sent at once, not queued: the
/// administrator sees whether it went, and has the code to give otherwise.
pub async fn send_invitation(
    cfg: &DeliveryConfig,
    to: &str,
    invitation: &baton_proto::Invitation,
    retailer: &str,
) -> Result<(), String> {
    let u = &invitation.user;
    let until = customer_time(invitation.expires_at, cfg.time_zone, true);
    let how = match &cfg.public_url {
        Some(url) => format!(
            "Choose your password here:\n\n  {}\n\nor open Baton, choose \"I have a code\" and enter {}.",
            welcome_link(url, &invitation.code),
            invitation.code
        ),
        None => format!(
            "Open Baton, choose \"I have a code\" and enter {}, then choose your password.",
            invitation.code
        ),
    };
    let body = format!(
        "Hello {},\n\n{retailer} has given you a Baton account as {} of {}. Your username is {}.\n\n{how}\n\nThis works once, until {until}. If you did not expect it, ignore this email.\n\n{retailer}\n",
        u.display_name,
        u.role.as_str().replace('_', " "),
        u.org.name,
        u.username
    );
    let url = cfg
        .smtp_url
        .as_deref()
        .ok_or("no email server is configured (serve --smtp-url)")?;
    send_plain(cfg, url, to, format!("{retailer}: your Baton account"), body).await
}

/// Sends one plain-text email from the configured sender through `url`.
async fn send_plain(cfg: &DeliveryConfig, url: &str, to: &str, subject: String, body: String) -> Result<(), String> {
    let message = Message::builder()
        .from(sender(cfg)?)
        .to(mailbox(to)?)
        .subject(subject)
        .header(lettre::message::header::ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| format!("building the email: {e}"))?;
    smtp(cfg, url)?
        .send(message)
        .await
        .map(|_| ())
        .map_err(|e| format!("the email server refused or could not be reached: {e}"))
}

/// Who emails come from: the configured sender.
fn sender(cfg: &DeliveryConfig) -> Result<Mailbox, String> {
    cfg.email_from
        .as_deref()
        .unwrap_or("Customer care <care@localhost>")
        .parse()
        .map_err(|e| format!("the sender address is invalid: {e}"))
}

/// An address to email.
fn mailbox(to: &str) -> Result<Mailbox, String> {
    to.parse().map_err(|e| format!("the address cannot receive email: {e}"))
}

/// The SMTP transport for `url`, with the configured credentials.
fn smtp(cfg: &DeliveryConfig, url: &str) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let mut transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map_err(|e| format!("the email server address is invalid: {e}"))?
        .timeout(Some(std::time::Duration::from_secs(20)));
    if let Some((user, password)) = &cfg.smtp_credentials {
        transport = transport.credentials(lettre::transport::smtp::authentication::Credentials::new(
            user.clone(),
            password.clone(),
        ));
    }
    Ok(transport.build())
}

async fn send_sms(http: &reqwest::Client, cfg: &DeliveryConfig, d: &Due) -> Result<(), String> {
    let url = cfg.sms_url.as_deref().ok_or("no SMS gateway is configured")?;
    let body = match link_of(cfg, d)? {
        Some(link) => format!(
            "{}: {} One tap to answer: {link}",
            d.retailer,
            d.summary.replacen("One-question survey: how", "How", 1)
        ),
        None => format!(
            "{}: we recorded \"{}\" ({}, {}).",
            d.retailer,
            d.summary,
            d.changed_by,
            customer_time(d.at, cfg.time_zone, false)
        ),
    };
    let mut req = http
        .post(url)
        .json(&serde_json::json!({"to": d.recipient, "body": body}))
        .timeout(std::time::Duration::from_secs(20));
    if let Some(token) = &cfg.sms_token {
        req = req.bearer_auth(token);
    }
    let res = req
        .send()
        .await
        .map_err(|e| format!("the SMS gateway could not be reached: {e}"))?;
    if res.status().is_success() {
        return Ok(());
    }
    let status = res.status();
    let text: String = res.text().await.unwrap_or_default().chars().take(200).collect();
    Err(format!("the SMS gateway answered {status}: {text}"))
}

/// Records outcomes: the row, a timeline entry for a send and for a first failure,
/// and the customer's document for every console that sees it.
fn record(
    conn: &dyn Conn,
    now: DateTime<Utc>,
    outcomes: &[(Due, Result<(), String>)],
) -> Result<std::collections::BTreeSet<String>, ServerError> {
    let at = ts(now);
    let caller = crate::mutations::system_caller(conn)?;
    let mut customers = std::collections::BTreeSet::new();
    for (d, outcome) in outcomes {
        let (channel, kind) = match d.channel {
            Channel::Email => ("email", ContactKind::Email),
            Channel::Sms => ("SMS", ContactKind::Phone),
        };
        let attempts = d.attempts + 1;
        // A provider's error may quote the address; the record keeps it out.
        let outcome = outcome.as_ref().map_err(|e| e.replace(&d.recipient, "the recipient"));
        let text = match outcome {
            Ok(()) => {
                store::confirmations::mark_sent(conn, &d.id, attempts, &at)?;
                let what = if d.survey.is_some() { "Survey" } else { "Confirmation" };
                Some(
                    Text::new(
                        &format!("{what} sent by {channel} to {{0}}"),
                        vec![TextArg::contact(kind, d.person_id.as_deref(), &d.recipient)],
                    )
                    .then(": ", &d.said),
                )
            }
            Err(error) => {
                let wait = RETRY_MINUTES[(d.attempts as usize).min(RETRY_MINUTES.len() - 1)];
                let next = now + Duration::minutes(wait);
                store::confirmations::mark_failed(conn, &d.id, attempts, &error, &ts(next))?;
                if d.attempts == 0 {
                    let retailer = store::orgs::retailer(conn)?;
                    crate::webhooks::emit(
                        conn,
                        &retailer.id,
                        baton_proto::WebhookEvent::ConfirmationFailed,
                        &at,
                        &d.customer_id,
                        crate::webhooks::Item::Confirmation(&d.id),
                        serde_json::json!({}),
                    )?;
                }
                tracing::warn!(confirmation = %d.id, attempts, %error, "confirmation not sent; will retry");
                (d.attempts == 0).then(|| {
                    Text::new(
                        &format!(
                            "{} by {channel} to {{0}} not sent yet ({{1}}); retrying, next by {{2}}",
                            if d.survey.is_some() { "Survey" } else { "Confirmation" }
                        ),
                        vec![
                            TextArg::contact(kind, d.person_id.as_deref(), &d.recipient),
                            TextArg::quote(&error),
                            TextArg::time(next),
                        ],
                    )
                })
            }
        };
        if let Some(text) = text {
            let mut ctx = Ctx::new(conn, &caller, &d.customer_id, now);
            ctx.by = "Baton (confirmations)".into();
            let kind = if d.survey.is_some() {
                TimelineKind::Survey
            } else {
                TimelineKind::Confirmation
            };
            ctx.timeline(&d.customer_id, kind, &text, None, None)?;
        }
        customers.insert(d.customer_id.clone());
    }
    let mut touched = std::collections::BTreeSet::new();
    for customer in customers {
        let mut ctx = Ctx::new(conn, &caller, &customer, now);
        ctx.publish_customer(&customer, &[])?;
        touched.extend(ctx.touched);
    }
    Ok(touched)
}

impl AppState {
    /// Sends every confirmation that is due now (in batches of 50, each claimed
    /// first so no other node sends it) and records each outcome. Runs one at a
    /// time per server.
    pub async fn deliver_due(&self) -> Result<DeliveryReport, ServerError> {
        let _one_at_a_time = self.delivering.lock().await;
        let mut report = DeliveryReport::default();
        loop {
            let now = self.now();
            let cfg = self.delivery.clone();
            let node = self.node.clone();
            let batch = self.db.write(move |tx| claim_due(tx, &node, now, 50, &cfg)).await?;
            if batch.is_empty() {
                return Ok(report);
            }
            let mut outcomes = Vec::with_capacity(batch.len());
            for d in batch {
                let sent = match d.channel {
                    Channel::Email => send_email(&self.delivery, &d).await,
                    Channel::Sms => send_sms(&self.http, &self.delivery, &d).await,
                };
                match &sent {
                    Ok(()) => report.sent += 1,
                    Err(_) => report.failed += 1,
                }
                self.metrics
                    .deliveries(usize::from(sent.is_ok()), usize::from(sent.is_err()));
                outcomes.push((d, sent));
            }
            let done = self.now();
            let (touched, head) = self
                .db
                .write(move |tx| {
                    let touched = record(tx, done, &outcomes)?;
                    Ok((touched, crate::feed::head(tx)?))
                })
                .await?;
            self.poke(head, touched.into_iter().collect());
        }
    }
}

/// Sends due confirmations when woken (after every edit) and every `every`, until
/// the server stops.
pub async fn run(state: AppState, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = state.shutdown.cancelled() => return,
            _ = tick.tick() => {}
            _ = state.deliveries.notified() => {}
        }
        if let Err(e) = state.deliver_due().await {
            tracing::error!(error = %e, "sending confirmations failed; will retry");
        }
        if let Err(e) = state.deliver_webhooks().await {
            tracing::error!(error = %e, "sending webhooks failed; will retry");
        }
    }
}

//! Outbound webhooks. An event is queued for each subscribed webhook of the
//! organisation it concerns, in the transaction of the change (an outbox: a
//! crash loses none, a rollback sends none). The worker sends each at least
//! once, signed, with back-off, and keeps the log admins read and replay.
//!
//! A payload names only ids and statuses of the organisation's own work, which
//! it may read (with an API key) through the scoped API: nothing else about a
//! customer leaves in a webhook.

use baton_proto::WebhookEvent;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::docs::{self, Scope};
use crate::error::ServerError;
use crate::store::{self, Conn};
use crate::wire::ts;
use crate::AppState;

/// Minutes before each retry; after the last, a delivery is given up (`failed`).
pub const RETRY_MINUTES: [i64; 8] = [1, 5, 15, 60, 180, 360, 720, 1440];

/// What an event is about: an item of a customer's.
#[derive(Debug, Clone, Copy)]
pub enum Item<'a> {
    Job(&'a str),
    Callback(&'a str),
    Commitment(&'a str),
    Ticket(&'a str),
    Confirmation(&'a str),
}

impl Item<'_> {
    fn field(&self) -> (&'static str, &str) {
        match *self {
            Item::Job(id) => ("job_id", id),
            Item::Callback(id) => ("callback_id", id),
            Item::Commitment(id) => ("commitment_id", id),
            Item::Ticket(id) => ("ticket_id", id),
            Item::Confirmation(id) => ("confirmation_id", id),
        }
    }

    /// Whether `scope` sees this item of `customer_id` now: the one scope rule,
    /// through the documents it would read.
    fn visible(&self, conn: &dyn Conn, scope: &Scope, customer_id: &str) -> Result<bool, ServerError> {
        if let Item::Job(id) = *self {
            return match docs::visible_job(conn, scope, id) {
                Ok(_) => Ok(true),
                Err(ServerError::Api(baton_proto::ErrorCode::NotFound, _)) => Ok(false),
                Err(e) => Err(e),
            };
        }
        let c = match docs::visible_customer(conn, scope, customer_id) {
            Ok(c) => c,
            Err(ServerError::Api(baton_proto::ErrorCode::NotFound, _)) => return Ok(false),
            Err(e) => return Err(e),
        };
        Ok(match *self {
            Item::Callback(id) => c.callbacks.iter().any(|x| x.id == id),
            Item::Commitment(id) => c.commitments.iter().any(|x| x.id == id),
            Item::Ticket(id) => c.tickets.iter().any(|x| x.id == id),
            Item::Confirmation(id) => c.confirmations.iter().any(|x| x.id == id),
            Item::Job(_) => false,
        })
    }
}

/// Queues `event` about `item` of `customer_id` for `org`'s webhooks subscribed
/// to it, with `fields` (statuses, numbers). A partner is told only of what its
/// scope shows it at that moment, so a webhook never carries more than the API.
pub fn emit(
    conn: &dyn Conn,
    org: &str,
    event: WebhookEvent,
    at: &str,
    customer_id: &str,
    item: Item<'_>,
    fields: Value,
) -> Result<(), ServerError> {
    if !store::webhooks::has_subscribers(conn, org)? {
        return Ok(());
    }
    let scope = match store::orgs::get(conn, org)? {
        Some(o) if o.kind == baton_proto::OrgKind::Partner => Scope::Org(org.to_string()),
        Some(_) => Scope::Internal,
        None => return Ok(()),
    };
    if !item.visible(conn, &scope, customer_id)? {
        return Ok(());
    }
    let (key, id) = item.field();
    let mut body = json!({"event": event, "at": at, "org_id": org, "customer_id": customer_id, key: id});
    if let (Some(b), Value::Object(f)) = (body.as_object_mut(), fields) {
        b.extend(f);
    }
    let payload = crate::wire::to_json(&body)?;
    store::webhooks::enqueue(conn, org, event, &payload, at)?;
    Ok(())
}

/// Queues `event` for `org` and for the retailer (which follows all its partners' work).
pub fn emit_with_retailer(
    conn: &dyn Conn,
    org: &str,
    event: WebhookEvent,
    at: &str,
    customer_id: &str,
    item: Item<'_>,
    fields: Value,
) -> Result<(), ServerError> {
    let retailer = store::orgs::retailer(conn)?;
    emit(conn, org, event, at, customer_id, item, fields.clone())?;
    if retailer.id != org {
        emit(conn, &retailer.id, event, at, customer_id, item, fields)?;
    }
    Ok(())
}

/// `sha256=` and the hex HMAC-SHA256 of `timestamp.body` with `secret`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> Result<String, ServerError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .map_err(|e| ServerError::Internal(format!("webhook key: {e}")))?;
    mac.update(format!("{timestamp}.{body}").as_bytes());
    Ok(format!("sha256={}", hex::encode(mac.finalize().into_bytes())))
}

/// What one run of the worker did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WebhookReport {
    pub delivered: usize,
    pub failed: usize,
}

/// One attempt: `Ok(status)` for a 2xx answer, else the status (if any) and why.
async fn attempt(
    http: &reqwest::Client,
    d: &store::webhooks::Due,
    now: DateTime<Utc>,
) -> Result<i64, (Option<i64>, String)> {
    let stamp = now.timestamp();
    let sig = signature(&d.secret, stamp, &d.payload).map_err(|e| (None, e.to_string()))?;
    let res = http
        .post(&d.url)
        .timeout(std::time::Duration::from_secs(10))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("x-baton-event", &d.event)
        .header("x-baton-delivery", &d.id)
        .header("x-baton-timestamp", stamp.to_string())
        .header("x-baton-signature", sig)
        .body(d.payload.clone())
        .send()
        .await
        .map_err(|e| (None, e.without_url().to_string()))?;
    let status = i64::from(res.status().as_u16());
    if res.status().is_success() {
        Ok(status)
    } else {
        Err((Some(status), format!("the receiver answered {}", res.status())))
    }
}

impl AppState {
    /// Sends every webhook delivery due now, in claimed batches of 50.
    pub async fn deliver_webhooks(&self) -> Result<WebhookReport, ServerError> {
        let mut report = WebhookReport::default();
        loop {
            let now = self.now();
            let (node, at, until) = (self.node.clone(), ts(now), ts(now + Duration::minutes(5)));
            let batch = self
                .db
                .write(move |tx| store::webhooks::claim_due(tx, &node, &at, &until, 50))
                .await?;
            if batch.is_empty() {
                return Ok(report);
            }
            let mut outcomes = Vec::with_capacity(batch.len());
            let (mut delivered, mut failed) = (0, 0);
            for d in batch {
                let outcome = attempt(&self.http, &d, now).await;
                match &outcome {
                    Ok(_) => delivered += 1,
                    Err(_) => failed += 1,
                }
                outcomes.push((d, outcome));
            }
            report.delivered += delivered;
            report.failed += failed;
            let done = self.now();
            self.db
                .write(move |tx| {
                    for (d, outcome) in &outcomes {
                        let attempts = d.attempts + 1;
                        match outcome {
                            Ok(status) => store::webhooks::mark_delivered(tx, &d.id, attempts, *status, &ts(done))?,
                            Err((status, error)) => {
                                let next = RETRY_MINUTES
                                    .get(d.attempts as usize)
                                    .map(|m| ts(done + Duration::minutes(*m)));
                                tracing::warn!(delivery = %d.id, attempts, %error, "webhook not delivered");
                                store::webhooks::mark_attempt_failed(
                                    tx,
                                    &d.id,
                                    attempts,
                                    *status,
                                    error,
                                    next.as_deref(),
                                )?;
                            }
                        }
                    }
                    Ok(())
                })
                .await?;
            self.metrics.webhooks(delivered, failed);
            if report.delivered + report.failed >= 10_000 {
                return Ok(report);
            }
        }
    }
}

//! Webhook subscriptions and their deliveries (an outbox the worker drains).

use baton_proto::{Webhook, WebhookDelivery, WebhookEvent};

use super::{Conn, Row};
use crate::args;
use crate::error::ServerError;

fn hook_from_row(r: Row<'_>) -> Result<Webhook, ServerError> {
    Ok(Webhook {
        id: r.get("id")?,
        org_id: r.get("org_id")?,
        url: r.get("url")?,
        events: r.json("events")?,
        created_at: r.ts("created_at")?,
        disabled_at: r.opt_ts("disabled_at")?,
    })
}

const HOOKS: &str = "SELECT id, org_id, url, events, created_at, disabled_at FROM webhooks";

pub fn list(db: &dyn Conn, org: Option<&str>) -> Result<Vec<Webhook>, ServerError> {
    db.all(
        &format!("{HOOKS} WHERE (?1 IS NULL OR org_id = ?1) ORDER BY created_at, id"),
        args![org],
        hook_from_row,
    )
}

pub fn get(db: &dyn Conn, id: &str) -> Result<Option<Webhook>, ServerError> {
    db.opt(&format!("{HOOKS} WHERE id = ?1"), args![id], hook_from_row)
}

pub struct NewHook<'a> {
    pub id: &'a str,
    pub org_id: &'a str,
    pub url: &'a str,
    pub events: &'a [WebhookEvent],
    pub secret: &'a str,
    pub created_by: &'a str,
    pub at: &'a str,
}

pub fn insert(db: &dyn Conn, h: &NewHook<'_>) -> Result<(), ServerError> {
    db.execute(
        "INSERT INTO webhooks (id, org_id, url, events, secret, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        args![h.id, h.org_id, h.url, crate::wire::to_json(&h.events)?, h.secret, h.created_by, h.at],
    )?;
    Ok(())
}

pub fn disable(db: &dyn Conn, id: &str, at: &str) -> Result<(), ServerError> {
    db.execute(
        "UPDATE webhooks SET disabled_at = COALESCE(disabled_at, ?2) WHERE id = ?1",
        args![id, at],
    )?;
    Ok(())
}

/// Whether `org` has any live webhook (most do not: the emitter stops early).
pub fn has_subscribers(db: &dyn Conn, org: &str) -> Result<bool, ServerError> {
    Ok(db
        .opt(
            "SELECT id FROM webhooks WHERE org_id = ?1 AND disabled_at IS NULL LIMIT 1",
            args![org],
            |r| r.get::<String>("id"),
        )?
        .is_some())
}

/// Queues `payload` for every live webhook of `org` subscribed to `event`.
pub fn enqueue(db: &dyn Conn, org: &str, event: WebhookEvent, payload: &str, at: &str) -> Result<usize, ServerError> {
    let hooks = db.all(
        "SELECT id, events FROM webhooks WHERE org_id = ?1 AND disabled_at IS NULL",
        args![org],
        |r| Ok((r.get::<String>("id")?, r.json::<Vec<WebhookEvent>>("events")?)),
    )?;
    let mut n = 0;
    for (id, _) in hooks.into_iter().filter(|(_, e)| e.contains(&event)) {
        db.execute(
            "INSERT INTO webhook_deliveries (id, webhook_id, event, payload, status, next_attempt_at, created_at)
             VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?5)",
            args![
                format!("whd-{}", uuid::Uuid::new_v4()),
                id,
                crate::wire::name(&event),
                payload,
                at
            ],
        )?;
        n += 1;
    }
    Ok(n)
}

/// A delivery to attempt now.
pub struct Due {
    pub id: String,
    pub url: String,
    pub secret: String,
    pub event: String,
    pub payload: String,
    pub attempts: i64,
}

/// Claims up to `limit` pending deliveries due at `now` (of live webhooks) for
/// node `node` until `until`, so no other node sends them meanwhile.
pub fn claim_due(db: &dyn Conn, node: &str, now: &str, until: &str, limit: usize) -> Result<Vec<Due>, ServerError> {
    let due = db.all(
        "SELECT d.id, h.url, h.secret, d.event, d.payload, d.attempts
         FROM webhook_deliveries d JOIN webhooks h ON h.id = d.webhook_id
         WHERE d.status = 'pending' AND d.next_attempt_at <= ?1 AND h.disabled_at IS NULL
           AND (d.claimed_until IS NULL OR d.claimed_until <= ?1)
         ORDER BY d.next_attempt_at, d.id LIMIT ?2",
        args![now, limit as i64],
        |r| {
            Ok(Due {
                id: r.get("id")?,
                url: r.get("url")?,
                secret: r.get("secret")?,
                event: r.get("event")?,
                payload: r.get("payload")?,
                attempts: r.get("attempts")?,
            })
        },
    )?;
    for d in &due {
        db.execute(
            "UPDATE webhook_deliveries SET claimed_by = ?2, claimed_until = ?3 WHERE id = ?1",
            args![d.id.as_str(), node, until],
        )?;
    }
    Ok(due)
}

pub fn mark_delivered(db: &dyn Conn, id: &str, attempts: i64, status: i64, at: &str) -> Result<(), ServerError> {
    db.execute(
        "UPDATE webhook_deliveries SET status = 'delivered', attempts = ?2, last_status = ?3, last_error = NULL,
                delivered_at = ?4, claimed_by = NULL, claimed_until = NULL WHERE id = ?1",
        args![id, attempts, status, at],
    )?;
    Ok(())
}

/// A failed attempt: retried at `next`, or given up (`failed`) when `next` is None.
pub fn mark_attempt_failed(
    db: &dyn Conn,
    id: &str,
    attempts: i64,
    status: Option<i64>,
    error: &str,
    next: Option<&str>,
) -> Result<(), ServerError> {
    db.execute(
        "UPDATE webhook_deliveries SET status = CASE WHEN ?5 IS NULL THEN 'failed' ELSE 'pending' END,
                attempts = ?2, last_status = CAST(?3 AS BIGINT), last_error = ?4,
                next_attempt_at = COALESCE(?5, next_attempt_at),
                claimed_by = NULL, claimed_until = NULL WHERE id = ?1",
        args![id, attempts, status, error, next],
    )?;
    Ok(())
}

fn delivery_from_row(r: Row<'_>) -> Result<WebhookDelivery, ServerError> {
    Ok(WebhookDelivery {
        id: r.get("id")?,
        webhook_id: r.get("webhook_id")?,
        event: r.parse("event")?,
        payload: r.get("payload")?,
        status: r.parse("status")?,
        attempts: r.get("attempts")?,
        next_attempt_at: r.ts("next_attempt_at")?,
        last_status: r.get("last_status")?,
        last_error: r.get("last_error")?,
        created_at: r.ts("created_at")?,
        delivered_at: r.opt_ts("delivered_at")?,
    })
}

const DELIVERIES: &str = "SELECT id, webhook_id, event, payload, status, attempts, next_attempt_at, last_status,
        last_error, created_at, delivered_at FROM webhook_deliveries";

/// A webhook's newest deliveries first.
pub fn deliveries(db: &dyn Conn, webhook_id: &str, limit: usize) -> Result<Vec<WebhookDelivery>, ServerError> {
    db.all(
        &format!("{DELIVERIES} WHERE webhook_id = ?1 ORDER BY created_at DESC, id DESC LIMIT ?2"),
        args![webhook_id, limit as i64],
        delivery_from_row,
    )
}

pub fn delivery(db: &dyn Conn, id: &str) -> Result<Option<WebhookDelivery>, ServerError> {
    db.opt(&format!("{DELIVERIES} WHERE id = ?1"), args![id], delivery_from_row)
}

/// Sends a delivery again now (whatever happened to it before).
pub fn replay(db: &dyn Conn, id: &str, at: &str) -> Result<(), ServerError> {
    db.execute(
        "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?2, claimed_by = NULL, claimed_until = NULL
         WHERE id = ?1",
        args![id, at],
    )?;
    Ok(())
}

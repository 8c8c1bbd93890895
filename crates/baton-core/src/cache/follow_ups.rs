//! The follow-up index: every open callback and commitment of the cached
//! customers, for queue views. Rebuilt for a customer whenever its document is
//! stored, so it always says what the documents say.

use baton_proto::{Callback, CallbackStatus, Commitment, CommitmentStatus, Customer, FollowUpKind, QueueCounts};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

use super::Cache;
use crate::error::{CoreError, Result};
use crate::view::{FollowUpFilter, FollowUpRow};

/// The most rows one queue view holds; the filters narrow it.
pub const MAX_ROWS: usize = 1000;

fn level(e: &Option<baton_proto::QueueEscalation>) -> i64 {
    e.as_ref().map_or(0, |e| e.level.level())
}

fn encode<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| CoreError::Internal(format!("encoding a follow-up: {e}")))
}

/// Adds the customer's open follow-ups (after `forget` where it had rows).
pub(super) fn index(conn: &Connection, c: &Customer) -> Result<()> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO follow_ups (kind, id, customer_id, customer_name, owner_org_id, owner_org_name, owner_user_id,
                                 due_at, overdue_at, escalation_level, doc, customer_time_zone)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    for cb in c
        .callbacks
        .iter()
        .filter(|cb| matches!(cb.status, CallbackStatus::Waiting | CallbackStatus::Queued))
    {
        insert.execute(params![
            "callback",
            cb.id,
            c.id,
            c.display_name,
            cb.owner_org_id,
            cb.owner_org_name,
            cb.owner_user_id,
            cb.due_at.map(|d| d.timestamp()),
            cb.due_until.or(cb.due_at).map(|d| d.timestamp()),
            level(&cb.escalation),
            encode(cb)?,
            c.time_zone
        ])?;
    }
    for cm in c.commitments.iter().filter(|cm| cm.status == CommitmentStatus::Open) {
        insert.execute(params![
            "commitment",
            cm.id,
            c.id,
            c.display_name,
            cm.owner_org_id,
            cm.owner_org_name,
            cm.owner_user_id,
            cm.due_at.timestamp(),
            cm.due_at.timestamp(),
            level(&cm.escalation),
            encode(cm)?,
            c.time_zone
        ])?;
    }
    Ok(())
}

pub(super) fn forget(conn: &Connection, customer_id: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM follow_ups WHERE customer_id = ?1")?
        .execute([customer_id])?;
    Ok(())
}

fn row(kind: &str, customer_id: String, customer_name: String, doc: &str, now: DateTime<Utc>) -> Result<FollowUpRow> {
    let bad = |e: serde_json::Error| CoreError::Internal(format!("a cached follow-up is unreadable: {e}"));
    Ok(if kind == "callback" {
        let cb: Callback = serde_json::from_str(doc).map_err(bad)?;
        let end = cb.due_until.or(cb.due_at);
        FollowUpRow {
            kind: FollowUpKind::Callback,
            customer_id,
            customer_name,
            contact: None,
            waiting: cb.status == CallbackStatus::Waiting,
            overdue: cb.status == CallbackStatus::Queued && end.is_some_and(|e| e <= now),
            id: cb.id,
            owner_org_id: cb.owner_org_id,
            owner_org_name: cb.owner_org_name,
            owner_user_id: cb.owner_user_id,
            owner_name: cb.owner_name,
            text: cb.request,
            phone: cb.phone,
            due_at: cb.due_at,
            due_until: cb.due_until,
            escalation: cb.escalation,
            business: None,
            customer_time_zone: None,
        }
    } else {
        let cm: Commitment = serde_json::from_str(doc).map_err(bad)?;
        FollowUpRow {
            kind: FollowUpKind::Commitment,
            customer_id,
            customer_name,
            contact: None,
            waiting: false,
            overdue: cm.due_at <= now,
            id: cm.id,
            owner_org_id: cm.owner_org_id,
            owner_org_name: cm.owner_org_name,
            owner_user_id: cm.owner_user_id,
            owner_name: cm.owner_name,
            text: cm.text,
            phone: None,
            due_at: Some(cm.due_at),
            due_until: None,
            escalation: cm.escalation,
            business: None,
            customer_time_zone: None,
        }
    })
}

impl Cache {
    /// Open follow-ups matching `filter`: overdue first (escalated ones first
    /// among them), then by due time; waiting callbacks last.
    pub fn follow_ups(&self, filter: &FollowUpFilter, now: DateTime<Utc>) -> Result<Vec<FollowUpRow>> {
        let conn = self.lock()?;
        let mut stmt = conn.prepare_cached(
            // Whom to call: the callback's person, else the contact of the job it is about.
            "SELECT f.kind, f.customer_id, f.customer_name, f.doc, f.customer_time_zone, p.person_id,
                    p.name AS contact_name, p.phone
             FROM follow_ups f
             LEFT JOIN jobs j ON j.id = json_extract(f.doc, '$.job_id')
             LEFT JOIN people p ON p.customer_id = f.customer_id
                               AND p.person_id = COALESCE(json_extract(f.doc, '$.person_id'), j.contact_person_id)
             WHERE (?1 IS NULL OR f.owner_org_id = ?1) AND (?2 IS NULL OR f.owner_user_id = ?2)
               AND (?3 = 0 OR f.overdue_at <= ?6) AND (?4 = 0 OR f.escalation_level > 0)
               AND (?5 IS NULL OR f.due_at <= ?5)
             ORDER BY IFNULL(f.overdue_at <= ?6, 0) DESC, f.escalation_level DESC, f.overdue_at IS NULL, f.overdue_at, f.id
             LIMIT ?7",
        )?;
        let mut rows = stmt.query(params![
            filter.owner_org_id,
            filter.owner_user_id,
            filter.overdue_only,
            filter.escalated_only,
            filter.due_before.map(|d| d.timestamp()),
            now.timestamp(),
            MAX_ROWS as i64
        ])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let kind: String = r.get("kind")?;
            let mut item = row(
                &kind,
                r.get("customer_id")?,
                r.get("customer_name")?,
                &r.get::<_, String>("doc")?,
                now,
            )?;
            item.customer_time_zone = r.get("customer_time_zone")?;
            item.contact = super::board::contact_person(r)?.map(|mut person| {
                // A callback is made to the number it was booked with.
                if let Some(phone) = &item.phone {
                    person.phone = Some(phone.clone());
                }
                person
            });
            out.push(item);
        }
        Ok(out)
    }

    /// Open, overdue and escalated follow-ups per owning organisation.
    pub fn queue_counts(&self, now: DateTime<Utc>) -> Result<Vec<QueueCounts>> {
        let conn = self.lock()?;
        let mut stmt = conn.prepare_cached(
            // IFNULL: a waiting callback has no due time, so it is not overdue.
            "SELECT owner_org_id, MAX(owner_org_name),
                    SUM(kind = 'callback'), SUM(kind = 'callback' AND IFNULL(overdue_at <= ?1, 0)),
                    SUM(kind = 'callback' AND escalation_level > 0),
                    SUM(kind = 'commitment'), SUM(kind = 'commitment' AND IFNULL(overdue_at <= ?1, 0)),
                    SUM(kind = 'commitment' AND escalation_level > 0)
             FROM follow_ups GROUP BY owner_org_id ORDER BY MAX(owner_org_name)",
        )?;
        let rows = stmt.query_map([now.timestamp()], |r| {
            Ok(QueueCounts {
                org_id: r.get(0)?,
                org_name: r.get(1)?,
                callbacks_open: r.get(2)?,
                callbacks_overdue: r.get(3)?,
                callbacks_escalated: r.get(4)?,
                commitments_open: r.get(5)?,
                commitments_overdue: r.get(6)?,
                commitments_escalated: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}

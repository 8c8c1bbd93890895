//! Storing server documents and keeping the user's view (`doc`) and the search
//! indexes in step with them.

use baton_proto::{
    Change, ChangeOp, ChangesPage, ContactKind, Customer, EntityKind, Intent, Job, Record, SnapshotPage,
};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::{state, Cache};
use crate::error::{CoreError, Result};
use crate::intents;
use crate::view::CustomerView;

fn encode<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| CoreError::Internal(format!("encoding a document: {e}")))
}

fn decode<T: serde::de::DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| CoreError::Internal(format!("a cached document is unreadable: {e}")))
}

/// The cursor as stored in this transaction (0 before the first snapshot completes).
fn cursor(conn: &Connection) -> Result<i64> {
    Ok(state::get(conn, "cursor")?.and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// Rebuilds `doc` for `customer_id`: the server's document with every edit the
/// feed has not yet confirmed replayed on top, in the order the user made them.
pub(super) fn refresh_customer(conn: &Connection, customer_id: &str) -> Result<()> {
    let server: Option<String> = conn
        .query_row("SELECT server_doc FROM customers WHERE id = ?1", [customer_id], |r| {
            r.get(0)
        })
        .optional()?;
    let Some(server) = server else { return Ok(()) };
    let mut doc: Customer = decode(&server)?;
    let mut stmt = conn.prepare_cached(
        "SELECT intent, created_at FROM outbox
         WHERE customer_id = ?1 AND (state = 'pending' OR (state = 'applied' AND applied_seq > ?2))
         ORDER BY client_seq",
    )?;
    let mut rows = stmt.query(params![customer_id, cursor(conn)?])?;
    while let Some(r) = rows.next()? {
        let intent: Intent = decode(&r.get::<_, String>(0)?)?;
        let at: DateTime<Utc> = r.get::<_, String>(1)?.parse().unwrap_or_else(|_| Utc::now());
        // An edit that no longer applies (the person was removed) is left for the
        // server to reject; the view simply shows the server's state.
        if let Err(e) = intents::apply(&mut doc, &intent, "you (not yet synced)", at) {
            tracing::debug!(customer_id, error = %e, "queued edit does not apply to the current document");
        }
    }
    conn.prepare_cached("UPDATE customers SET doc = ?1, display_name = ?2 WHERE id = ?3")?
        .execute(params![encode(&doc)?, doc.display_name, customer_id])?;
    index_customer(conn, &doc)
}

fn index_customer(conn: &Connection, c: &Customer) -> Result<()> {
    conn.prepare_cached("DELETE FROM contact_index WHERE customer_id = ?1")?
        .execute([&c.id])?;
    conn.prepare_cached("DELETE FROM name_index WHERE customer_id = ?1")?
        .execute([&c.id])?;
    let mut names = conn.prepare_cached("INSERT INTO name_index (customer_id, person_id, name) VALUES (?1, ?2, ?3)")?;
    if !c.people.iter().any(|p| p.name == c.display_name) {
        names.execute(params![c.id, "", c.display_name])?;
    }
    let mut contacts = conn.prepare_cached(
        "INSERT INTO contact_index (customer_id, person_id, person_name, kind, label, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for p in &c.people {
        names.execute(params![c.id, p.id, p.name])?;
        for cp in &p.contacts {
            let kind = match cp.kind {
                ContactKind::Phone => "phone",
                ContactKind::Email => "email",
            };
            contacts.execute(params![c.id, p.id, p.name, kind, cp.label, cp.value])?;
        }
    }
    Ok(())
}

fn upsert(conn: &Connection, record: &Record) -> Result<Option<String>> {
    match record {
        Record::Customer(c) => {
            let doc = encode(c)?;
            conn.prepare_cached(
                "INSERT INTO customers (id, number, display_name, server_doc, doc) VALUES (?1, ?2, ?3, ?4, ?4)
                 ON CONFLICT(id) DO UPDATE SET number = excluded.number, server_doc = excluded.server_doc",
            )?
            .execute(params![c.id, c.number, c.display_name, doc])?;
            refresh_customer(conn, &c.id)?;
            Ok(Some(c.id.clone()))
        }
        Record::Job(j) => {
            conn.prepare_cached(
                "INSERT INTO jobs (id, customer_id, number, doc) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(id) DO UPDATE SET customer_id = excluded.customer_id, number = excluded.number, doc = excluded.doc",
            )?
            .execute(params![j.id, j.customer_id, j.number, encode(j)?])?;
            Ok(Some(j.customer_id.clone()))
        }
    }
}

fn remove(conn: &Connection, entity: EntityKind, id: &str) -> Result<Option<String>> {
    match entity {
        EntityKind::Customer => {
            conn.execute("DELETE FROM customers WHERE id = ?1", [id])?;
            conn.execute("DELETE FROM contact_index WHERE customer_id = ?1", [id])?;
            conn.execute("DELETE FROM name_index WHERE customer_id = ?1", [id])?;
            conn.execute("DELETE FROM jobs WHERE customer_id = ?1", [id])?;
            Ok(Some(id.to_string()))
        }
        EntityKind::Job => {
            let customer: Option<String> = conn
                .query_row("DELETE FROM jobs WHERE id = ?1 RETURNING customer_id", [id], |r| {
                    r.get(0)
                })
                .optional()?;
            Ok(customer)
        }
    }
}

fn clear(tx: &Transaction<'_>) -> Result<()> {
    tx.execute_batch("DELETE FROM customers; DELETE FROM jobs; DELETE FROM contact_index; DELETE FROM name_index;")?;
    Ok(())
}

impl Cache {
    /// Stores one snapshot page and where to resume, in one transaction: a crash
    /// between pages resumes from the next page, never from scratch.
    /// `first` clears what an earlier snapshot left (the outbox is kept).
    pub fn apply_snapshot_page(&self, page: &SnapshotPage, first: bool) -> Result<Vec<String>> {
        let mut conn = self.lock()?;
        let tx = conn.transaction()?;
        if first {
            clear(&tx)?;
            state::set(&tx, "cursor", None)?;
            state::set(&tx, "epoch", Some(&page.epoch))?;
        }
        let mut changed = Vec::with_capacity(page.records.len());
        for r in &page.records {
            changed.extend(upsert(&tx, r)?);
        }
        match &page.next_token {
            Some(t) => state::set(&tx, "snapshot_token", Some(t))?,
            None => {
                state::set(&tx, "snapshot_token", None)?;
                state::set(&tx, "cursor", Some(&page.seq.to_string()))?;
            }
        }
        tx.commit()?;
        changed.dedup();
        Ok(changed)
    }

    /// Applies a page of the change feed and moves the cursor, in one transaction.
    /// Returns the ids of customers whose view changed.
    pub fn apply_changes(&self, page: &ChangesPage) -> Result<Vec<String>> {
        let mut conn = self.lock()?;
        let tx = conn.transaction()?;
        // Edits the feed has now delivered stop being replayed.
        let confirmed: Vec<String> = {
            let mut stmt = tx.prepare_cached(
                "SELECT DISTINCT customer_id FROM outbox WHERE state = 'applied' AND applied_seq > ?1 AND applied_seq <= ?2",
            )?;
            let rows = stmt.query_map(params![cursor(&tx)?, page.cursor], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        state::set(&tx, "cursor", Some(&page.cursor.to_string()))?;
        let mut changed = Vec::new();
        for Change { op, .. } in &page.changes {
            let touched = match op {
                ChangeOp::Upsert { record } => upsert(&tx, record)?,
                ChangeOp::Remove { entity, id } => remove(&tx, *entity, id)?,
            };
            changed.extend(touched);
        }
        for id in confirmed {
            refresh_customer(&tx, &id)?;
            changed.push(id);
        }
        tx.commit()?;
        changed.sort();
        changed.dedup();
        Ok(changed)
    }

    /// Forgets the feed position (the server said 410): the next sync takes a new
    /// snapshot, which replaces the cached records. Queued edits are kept.
    pub fn reset_cursor(&self) -> Result<()> {
        let conn = self.lock()?;
        state::set(&conn, "cursor", None)?;
        state::set(&conn, "snapshot_token", None)?;
        state::set(&conn, "epoch", None)
    }

    /// The record screen's data for one customer, or `None` when it is not in the cache.
    pub fn customer_view(&self, id: &str) -> Result<Option<CustomerView>> {
        let conn = self.lock()?;
        let doc: Option<String> = conn
            .query_row("SELECT doc FROM customers WHERE id = ?1", [id], |r| r.get(0))
            .optional()?;
        let Some(doc) = doc else { return Ok(None) };
        let customer: Customer = decode(&doc)?;
        let mut jobs: Vec<Job> = Vec::new();
        let mut stmt = conn.prepare_cached("SELECT doc FROM jobs WHERE customer_id = ?1 ORDER BY number")?;
        let mut rows = stmt.query([id])?;
        while let Some(r) = rows.next()? {
            jobs.push(decode(&r.get::<_, String>(0)?)?);
        }
        let edits = super::outbox::latest_edits(&conn, id)?;
        Ok(Some(CustomerView { customer, jobs, edits }))
    }

    /// How many customers and jobs the cache holds.
    pub fn counts(&self) -> Result<(u64, u64)> {
        let conn = self.lock()?;
        let customers: i64 = conn.query_row("SELECT COUNT(*) FROM customers", [], |r| r.get(0))?;
        let jobs: i64 = conn.query_row("SELECT COUNT(*) FROM jobs", [], |r| r.get(0))?;
        Ok((customers as u64, jobs as u64))
    }
}

//! Storing server documents and keeping the user's view (`doc`) and the search
//! indexes in step with them.

use baton_proto::{
    Change, ChangeOp, ChangesPage, ContactKind, Customer, CustomerHistory, EntityKind, HistoryItem, Intent, Job,
    Record, SnapshotPage,
};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::{state, Cache};
use crate::error::{CoreError, Result};
use crate::intents;
use crate::view::CustomerView;

/// The user's view of one customer: its queued edits on top of the server's
/// document where there are any, else the server's document.
pub(super) const VIEW_BY_ID: &str = "SELECT IFNULL(doc, server_doc) FROM customers WHERE id = ?1";

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

/// Whether any edit still waits for the feed to confirm it. When none does (the
/// common case, and always during a first snapshot), storing a document skips
/// the per-customer replay query.
fn has_unconfirmed_edits(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM outbox WHERE state = 'pending' OR (state = 'applied' AND applied_seq > ?1))",
        [cursor(conn)?],
        |r| r.get(0),
    )?)
}

/// The user's view of a customer: the server's document with every edit the feed
/// has not yet confirmed replayed on top, in the order the user made them.
/// `None` when no edit applies, i.e. the view is the server's document.
fn replay_edits(conn: &Connection, server: &Customer) -> Result<Option<Customer>> {
    let mut stmt = conn.prepare_cached(
        "SELECT intent, created_at FROM outbox
         WHERE customer_id = ?1 AND (state = 'pending' OR (state = 'applied' AND applied_seq > ?2))
         ORDER BY client_seq",
    )?;
    let mut rows = stmt.query(params![server.id, cursor(conn)?])?;
    let mut view: Option<Customer> = None;
    while let Some(r) = rows.next()? {
        let intent: Intent = decode(&r.get::<_, String>(0)?)?;
        let at: DateTime<Utc> = r.get::<_, String>(1)?.parse().unwrap_or_else(|_| Utc::now());
        let doc = view.get_or_insert_with(|| server.clone());
        // An edit that no longer applies (the person was removed) is left for the
        // server to reject; the view simply shows the server's state.
        if let Err(e) = intents::apply(doc, &intent, "you (not yet synced)", at) {
            tracing::debug!(customer_id = %server.id, error = %e, "queued edit does not apply to the current document");
        }
    }
    Ok(view)
}

/// What storing documents in one transaction has to do, decided once per transaction.
#[derive(Clone, Copy)]
struct Writes {
    /// Some edits await confirmation: replay them onto each stored document.
    replay: bool,
    /// Keep the FTS name index in step (false while a snapshot rebuilds it).
    names_live: bool,
    /// A first snapshot is being stored: a customer the cache does not hold
    /// yet has no index rows to replace (one probe instead of six deletes).
    fresh: bool,
}

impl Writes {
    fn current(conn: &Connection) -> Result<Writes> {
        Ok(Writes {
            replay: has_unconfirmed_edits(conn)?,
            names_live: !names_stale(conn)?,
            fresh: false,
        })
    }
}

/// Stores the server's document and the user's view of it, and indexes the view.
/// `server_json`: the document encoded, where that was done already.
fn store_customer(conn: &Connection, server: &Customer, server_json: Option<String>, w: Writes) -> Result<()> {
    let new = w.fresh && !holds(conn, &server.id)?;
    let server_json = match server_json {
        Some(json) => json,
        None => encode(server)?,
    };
    let view = if w.replay { replay_edits(conn, server)? } else { None };
    // The view is stored only where it differs from the server's document.
    let (doc, doc_json) = match &view {
        Some(v) => (v, Some(encode(v)?)),
        None => (server, None),
    };
    conn.prepare_cached(
        "INSERT INTO customers (id, number, display_name, server_doc, doc) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(id) DO UPDATE SET number = excluded.number, display_name = excluded.display_name,
                                       server_doc = excluded.server_doc, doc = excluded.doc",
    )?
    .execute(params![
        server.id,
        server.number,
        doc.display_name,
        server_json,
        doc_json
    ])?;
    index_customer(conn, doc, w.names_live, new)
}

/// Rebuilds the view of a cached customer after its edits changed state.
pub(super) fn refresh_customer(conn: &Connection, customer_id: &str) -> Result<()> {
    let server: Option<String> = conn
        .query_row("SELECT server_doc FROM customers WHERE id = ?1", [customer_id], |r| {
            r.get(0)
        })
        .optional()?;
    match server {
        Some(server) => {
            let w = Writes {
                replay: true,
                names_live: !names_stale(conn)?,
                fresh: false,
            };
            store_customer(conn, &decode(&server)?, Some(server), w)
        }
        None => Ok(()),
    }
}

/// Stores a customer the user just created, before the server has it: as both
/// the server's document and the view, until the feed delivers the real one.
pub(super) fn store_provisional(conn: &Connection, c: &Customer) -> Result<()> {
    let w = Writes {
        replay: false,
        names_live: !names_stale(conn)?,
        fresh: false,
    };
    store_customer(conn, c, None, w)
}

/// Removes a customer and everything indexed about it.
pub(super) fn forget_customer(conn: &Connection, id: &str) -> Result<()> {
    let w = Writes {
        replay: false,
        names_live: !names_stale(conn)?,
        fresh: false,
    };
    remove(conn, EntityKind::Customer, id, w).map(|_| ())
}

/// Whether the name index is being rebuilt (a snapshot is under way): then
/// writes skip it and the snapshot's last page rebuilds it in one pass.
fn names_stale(conn: &Connection) -> Result<bool> {
    Ok(state::get(conn, "names_stale")?.is_some())
}

/// Indexes a customer's view; `new`: nothing of it is indexed yet.
fn index_customer(conn: &Connection, c: &Customer, names_live: bool, new: bool) -> Result<()> {
    if !new {
        unindex_customer(conn, &c.id, names_live)?;
    }
    let mut names = conn.prepare_cached("INSERT INTO name_rows (customer_id, person_id, name) VALUES (?1, ?2, ?3)")?;
    let mut fts = conn.prepare_cached("INSERT INTO name_index (rowid, name) VALUES (?1, ?2)")?;
    let mut add_name = |person_id: &str, name: &str| -> Result<()> {
        names.execute(params![c.id, person_id, name])?;
        if names_live {
            fts.execute(params![conn.last_insert_rowid(), name])?;
        }
        Ok(())
    };
    if !c.people.iter().any(|p| p.name == c.display_name) {
        add_name("", &c.display_name)?;
    }
    let mut contacts = conn.prepare_cached(
        "INSERT INTO contact_index (customer_id, person_id, person_name, kind, label, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let mut people =
        conn.prepare_cached("INSERT INTO people (customer_id, person_id, name, phone) VALUES (?1, ?2, ?3, ?4)")?;
    for p in &c.people {
        add_name(&p.id, &p.name)?;
        people.execute(params![c.id, p.id, p.name, p.appointment_phone().map(|cp| &cp.value)])?;
        for cp in &p.contacts {
            let kind = match cp.kind {
                ContactKind::Phone => "phone",
                ContactKind::Email => "email",
            };
            contacts.execute(params![c.id, p.id, p.name, kind, cp.label, cp.value])?;
        }
    }
    super::follow_ups::index(conn, c)?;
    super::tickets::index(conn, c)
}

/// Removes what is indexed about a customer (its contacts, names, people,
/// follow-ups, tickets and numbers).
fn unindex_customer(conn: &Connection, id: &str, names_live: bool) -> Result<()> {
    conn.prepare_cached("DELETE FROM contact_index WHERE customer_id = ?1")?
        .execute([id])?;
    if names_live {
        // External-content FTS5: remove exactly what was indexed before the rows go.
        conn.prepare_cached(
            "INSERT INTO name_index (name_index, rowid, name)
             SELECT 'delete', id, name FROM name_rows WHERE customer_id = ?1",
        )?
        .execute([id])?;
    }
    conn.prepare_cached("DELETE FROM name_rows WHERE customer_id = ?1")?
        .execute([id])?;
    conn.prepare_cached("DELETE FROM people WHERE customer_id = ?1")?
        .execute([id])?;
    super::follow_ups::forget(conn, id)?;
    super::tickets::forget(conn, id)
}

/// Stores one history item of a customer (new, or a newer version of one held).
fn store_history_item(conn: &Connection, customer_id: &str, item: &HistoryItem) -> Result<()> {
    let kind = match item {
        HistoryItem::Timeline(_) => "timeline",
        HistoryItem::Confirmation(_) => "confirmation",
    };
    conn.prepare_cached(
        "INSERT INTO history (customer_id, id, kind, at, doc) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(customer_id, id) DO UPDATE SET kind = excluded.kind, at = excluded.at, doc = excluded.doc",
    )?
    .execute(params![
        customer_id,
        item.id(),
        kind,
        item.at().timestamp_millis(),
        encode(item)?
    ])?;
    Ok(())
}

/// Replaces the history held for a customer.
fn replace_history(conn: &Connection, h: &CustomerHistory) -> Result<()> {
    conn.prepare_cached("DELETE FROM history WHERE customer_id = ?1")?
        .execute([&h.customer_id])?;
    for item in &h.items {
        store_history_item(conn, &h.customer_id, item)?;
    }
    conn.prepare_cached("UPDATE customers SET history_older = ?2 WHERE id = ?1")?
        .execute(params![h.customer_id, h.older])?;
    Ok(())
}

/// A customer's state as stored: a document that carries its history (a whole
/// document of protocol 1, or one fetched from the record endpoint) gives it
/// to the history table instead.
fn store_state(conn: &Connection, c: &Customer, doc: Option<String>, w: Writes) -> Result<()> {
    if c.timeline.is_empty() && c.confirmations.is_empty() {
        return store_customer(conn, c, doc, w);
    }
    let mut state = c.clone();
    let items = std::mem::take(&mut state.timeline)
        .into_iter()
        .map(HistoryItem::Timeline)
        .chain(
            std::mem::take(&mut state.confirmations)
                .into_iter()
                .map(HistoryItem::Confirmation),
        )
        .collect();
    store_customer(conn, &state, None, w)?;
    replace_history(
        conn,
        &CustomerHistory {
            customer_id: c.id.clone(),
            items,
            older: false,
        },
    )
}

/// The history held for a customer, oldest first, and whether the server holds older.
fn held_history(conn: &Connection, customer_id: &str) -> Result<(Vec<HistoryItem>, bool)> {
    let mut stmt = conn.prepare_cached("SELECT doc FROM history WHERE customer_id = ?1 ORDER BY at, seq")?;
    let mut rows = stmt.query([customer_id])?;
    let mut items = Vec::new();
    while let Some(r) = rows.next()? {
        items.push(decode(&r.get::<_, String>(0)?)?);
    }
    let older: bool = conn
        .query_row(
            "SELECT history_older FROM customers WHERE id = ?1",
            [customer_id],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(false);
    Ok((items, older))
}

/// Stores a record; `doc`: its document encoded, where that was done already.
fn upsert(conn: &Connection, record: &Record, doc: Option<String>, w: Writes) -> Result<Option<String>> {
    match record {
        Record::Customer(c) => {
            store_state(conn, c, doc, w)?;
            Ok(Some(c.id.clone()))
        }
        Record::Job(j) => {
            let doc = match doc {
                Some(doc) => doc,
                None => encode(j)?,
            };
            conn.prepare_cached(
                "INSERT INTO jobs (id, customer_id, number, doc, org_id, status, appointment_at, contact_person_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT(id) DO UPDATE SET customer_id = excluded.customer_id, number = excluded.number,
                     doc = excluded.doc, org_id = excluded.org_id, status = excluded.status,
                     appointment_at = excluded.appointment_at, contact_person_id = excluded.contact_person_id",
            )?
            .execute(params![
                j.id,
                j.customer_id,
                j.number,
                doc,
                j.org_id,
                j.status.as_str(),
                j.appointment_start.map(|d| d.timestamp()),
                j.contact_person_id
            ])?;
            Ok(Some(j.customer_id.clone()))
        }
    }
}

fn remove(conn: &Connection, entity: EntityKind, id: &str, w: Writes) -> Result<Option<String>> {
    match entity {
        EntityKind::Customer => {
            conn.execute("DELETE FROM customers WHERE id = ?1", [id])?;
            conn.execute("DELETE FROM history WHERE customer_id = ?1", [id])?;
            unindex_customer(conn, id, w.names_live)?;
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
    tx.execute_batch(
        "DELETE FROM customers; DELETE FROM history; DELETE FROM jobs; DELETE FROM contact_index; DELETE FROM people; DELETE FROM name_rows; DELETE FROM follow_ups;
         DELETE FROM tickets; DELETE FROM number_index;
         INSERT INTO name_index (name_index) VALUES ('delete-all');",
    )?;
    Ok(())
}

/// Whether the cache holds customer `id`.
fn holds(conn: &Connection, id: &str) -> Result<bool> {
    Ok(
        conn.query_row("SELECT EXISTS (SELECT 1 FROM customers WHERE id = ?1)", [id], |r| {
            r.get(0)
        })?,
    )
}

fn snapshot_count(conn: &Connection, key: &str) -> Result<u64> {
    Ok(state::get(conn, key)?.and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// Indexes on keys that arrive in no particular order (a phone number, an
/// appointment time, an owner): a first snapshot builds them once at its end,
/// by sorting, where row by row each entry would rewrite a page of its own.
/// Until then, searches by contact value scan what has arrived.
const DEFERRED_INDEXES: &[&str] = &[
    "contact_index_value",
    "jobs_board",
    "follow_ups_owner",
    "tickets_owner",
    "tickets_escalated",
];

/// Drops the deferred indexes, keeping their definitions (as the migrations
/// made them) in the sync state with the snapshot, so a snapshot resumed after
/// a crash still rebuilds them.
fn defer_indexes(tx: &Transaction<'_>) -> Result<()> {
    let mut ddl: Vec<String> = match state::get(tx, "deferred_indexes")? {
        Some(held) => decode(&held)?,
        None => Vec::new(),
    };
    for name in DEFERRED_INDEXES {
        let sql: Option<String> = tx
            .query_row(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(sql) = sql {
            tx.execute_batch(&format!("DROP INDEX \"{name}\""))?;
            ddl.push(sql);
        }
    }
    state::set(tx, "deferred_indexes", Some(&encode(&ddl)?))
}

/// Builds the indexes a snapshot deferred.
fn restore_indexes(tx: &Transaction<'_>) -> Result<()> {
    if let Some(held) = state::get(tx, "deferred_indexes")? {
        for sql in decode::<Vec<String>>(&held)? {
            tx.execute_batch(&sql)?;
        }
        state::set(tx, "deferred_indexes", None)?;
    }
    Ok(())
}

/// A snapshot page with each record's document encoded as the cache stores
/// it: done where the page is fetched, off the thread that writes the cache.
pub struct EncodedPage {
    page: SnapshotPage,
    docs: Vec<Option<String>>,
}

impl EncodedPage {
    pub fn new(page: SnapshotPage) -> Result<EncodedPage> {
        let docs = page
            .records
            .iter()
            .map(|r| match r {
                // A document carrying history is split before it is stored.
                Record::Customer(c) if !c.timeline.is_empty() || !c.confirmations.is_empty() => Ok(None),
                Record::Customer(c) => encode(c).map(Some),
                Record::Job(j) => encode(j).map(Some),
            })
            .collect::<Result<_>>()?;
        Ok(EncodedPage { page, docs })
    }

    pub fn page(&self) -> &SnapshotPage {
        &self.page
    }
}

fn store_snapshot_page(conn: &mut Connection, encoded: &EncodedPage, first: bool) -> Result<Vec<String>> {
    let page = &encoded.page;
    let tx = conn.transaction()?;
    if first {
        clear(&tx)?;
        state::set(&tx, "cursor", None)?;
        state::set(&tx, "epoch", Some(&page.epoch))?;
        state::set(&tx, "snapshot_total", page.total.map(|t| t.to_string()).as_deref())?;
        state::set(&tx, "snapshot_received", Some("0"))?;
        // Names are indexed in one pass when the last page is in (far faster
        // than row by row); the flag survives a crash with the snapshot token.
        state::set(&tx, "names_stale", Some("1"))?;
        defer_indexes(&tx)?;
    }
    let w = Writes {
        fresh: true,
        ..Writes::current(&tx)?
    };
    let mut changed = Vec::with_capacity(page.records.len());
    for (r, doc) in page.records.iter().zip(&encoded.docs) {
        changed.extend(upsert(&tx, r, doc.clone(), w)?);
    }
    for h in &page.histories {
        replace_history(&tx, h)?;
    }
    let received = snapshot_count(&tx, "snapshot_received")? + page.records.len() as u64;
    state::set(&tx, "snapshot_received", Some(&received.to_string()))?;
    match &page.next_token {
        Some(t) => state::set(&tx, "snapshot_token", Some(t))?,
        None => {
            state::set(&tx, "snapshot_token", None)?;
            state::set(&tx, "snapshot_total", None)?;
            state::set(&tx, "snapshot_received", None)?;
            state::set(&tx, "cursor", Some(&page.seq.to_string()))?;
            tx.execute("INSERT INTO name_index (name_index) VALUES ('rebuild')", [])?;
            state::set(&tx, "names_stale", None)?;
            restore_indexes(&tx)?;
        }
    }
    tx.commit()?;
    changed.dedup();
    Ok(changed)
}

impl Cache {
    /// While a snapshot is under way: records stored so far, and how many it
    /// holds (as the server counted when it began; 0 when it did not say).
    pub fn snapshot_progress(&self) -> Result<Option<(u64, u64)>> {
        let conn = self.lock()?;
        if state::get(&conn, "snapshot_received")?.is_none() {
            return Ok(None);
        }
        Ok(Some((
            snapshot_count(&conn, "snapshot_received")?,
            snapshot_count(&conn, "snapshot_total")?,
        )))
    }

    /// Stores one snapshot page and where to resume, in one transaction: a crash
    /// between pages resumes from the next page, never from scratch.
    /// `first` clears what an earlier snapshot left (the outbox is kept).
    pub fn apply_snapshot_page(&self, page: &EncodedPage, first: bool) -> Result<Vec<String>> {
        let mut conn = self.lock()?;
        // A snapshot page need not be on the disk before the next one is
        // stored: power lost after its commit loses the page and its resume
        // token together, and the page is fetched again. Everything else
        // (queued edits first) commits with a flush, as before; that flush also
        // covers the pages committed before it.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        let stored = store_snapshot_page(&mut conn, page, first);
        conn.pragma_update(None, "synchronous", "FULL")?;
        stored
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
        let w = Writes::current(&tx)?;
        let mut changed = Vec::new();
        for Change { op, .. } in &page.changes {
            let touched = match op {
                ChangeOp::Upsert { record } => upsert(&tx, record, None, w)?,
                ChangeOp::Remove { entity, id } => remove(&tx, *entity, id, w)?,
                ChangeOp::HistoryItem { customer_id, item } => {
                    store_history_item(&tx, customer_id, item)?;
                    Some(customer_id.clone())
                }
                ChangeOp::History { history } => {
                    replace_history(&tx, history)?;
                    Some(history.customer_id.clone())
                }
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
    /// Makes this cache the one of a user in organisation `org_id`. When it held
    /// what the user saw in another organisation (an administrator moved them),
    /// those records go at once and the next sync takes a new snapshot; queued
    /// edits stay, for the server to accept or refuse. Returns whether it was reset.
    pub fn for_org(&self, org_id: &str) -> Result<bool> {
        let mut conn = self.lock()?;
        let tx = conn.transaction()?;
        let held = state::get(&tx, "org_id")?;
        let reset = held.as_deref().is_some_and(|held| held != org_id);
        if reset {
            clear(&tx)?;
            for key in ["cursor", "snapshot_token", "epoch"] {
                state::set(&tx, key, None)?;
            }
        }
        if held.as_deref() != Some(org_id) {
            state::set(&tx, "org_id", Some(org_id))?;
        }
        tx.commit()?;
        Ok(reset)
    }

    pub fn reset_cursor(&self) -> Result<()> {
        let conn = self.lock()?;
        state::set(&conn, "cursor", None)?;
        state::set(&conn, "snapshot_token", None)?;
        state::set(&conn, "epoch", None)
    }

    /// The record screen's data for one customer, or `None` when it is not in the cache.
    pub fn customer_view(&self, id: &str) -> Result<Option<CustomerView>> {
        let conn = self.lock()?;
        let doc: Option<String> = conn.query_row(VIEW_BY_ID, [id], |r| r.get(0)).optional()?;
        let Some(doc) = doc else { return Ok(None) };
        let mut customer: Customer = decode(&doc)?;
        // The view holds what queued edits add to the history; the server's
        // history comes before it.
        let (history, older_history) = held_history(&conn, id)?;
        let mut timeline = Vec::new();
        let mut confirmations = Vec::new();
        for item in history {
            match item {
                HistoryItem::Timeline(e) => timeline.push(e),
                HistoryItem::Confirmation(c) => confirmations.push(c),
            }
        }
        timeline.append(&mut customer.timeline);
        confirmations.append(&mut customer.confirmations);
        customer.timeline = timeline;
        customer.confirmations = confirmations;
        let mut jobs: Vec<Job> = Vec::new();
        let mut stmt = conn.prepare_cached("SELECT doc FROM jobs WHERE customer_id = ?1 ORDER BY number")?;
        let mut rows = stmt.query([id])?;
        while let Some(r) = rows.next()? {
            jobs.push(decode(&r.get::<_, String>(0)?)?);
        }
        let edits = super::outbox::latest_edits(&conn, id)?;
        let job_moves = jobs
            .iter()
            .map(|j| crate::view::JobMoves {
                job_id: j.id.clone(),
                next: j.status.next(),
            })
            .collect();
        Ok(Some(CustomerView {
            customer,
            jobs,
            edits,
            last_viewed_at: None,
            changes: Vec::new(),
            job_moves,
            older_history,
        }))
    }

    /// Keeps a record fetched from the server before the snapshot brought it
    /// (the agent opened it during the first sign-in): the customer, its
    /// history and its jobs, as the snapshot and feed would. Later pages and
    /// changes replace it as they replace any record. Returns whether it was
    /// stored (a record the cache already holds is left as the feed keeps it).
    pub fn store_fetched(&self, customer: &Customer, jobs: &[Job]) -> Result<bool> {
        let mut conn = self.lock()?;
        let tx = conn.transaction()?;
        let held = holds(&tx, &customer.id)?;
        if held {
            return Ok(false);
        }
        let w = Writes::current(&tx)?;
        upsert(&tx, &Record::Customer(customer.clone()), None, w)?;
        for j in jobs {
            upsert(&tx, &Record::Job(j.clone()), None, w)?;
        }
        tx.commit()?;
        Ok(true)
    }

    /// Keeps the whole history of a customer the cache holds, as the record
    /// endpoint returned it, in the server's order: an item the cache already
    /// holds keeps the version it holds (it came through the feed, which is
    /// never older), and items that arrived since the fetch stay after the
    /// rest. The record then has no older history on the server. A customer
    /// the cache does not hold is left alone: its state comes with the feed.
    pub fn store_full_history(&self, full: &Customer) -> Result<()> {
        let mut conn = self.lock()?;
        let tx = conn.transaction()?;
        let held = holds(&tx, &full.id)?;
        if held {
            let (mut kept, _) = held_history(&tx, &full.id)?;
            let fetched: Vec<HistoryItem> = full
                .timeline
                .iter()
                .cloned()
                .map(HistoryItem::Timeline)
                .chain(full.confirmations.iter().cloned().map(HistoryItem::Confirmation))
                .collect();
            let mut items = Vec::with_capacity(fetched.len() + kept.len());
            for item in fetched {
                match kept.iter().position(|k| k.id() == item.id()) {
                    Some(i) => items.push(kept.remove(i)),
                    None => items.push(item),
                }
            }
            items.append(&mut kept);
            replace_history(
                &tx,
                &CustomerHistory {
                    customer_id: full.id.clone(),
                    items,
                    older: false,
                },
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// A cached job, if this user can see it.
    pub fn job(&self, id: &str) -> Result<Option<Job>> {
        let conn = self.lock()?;
        let doc: Option<String> = conn
            .query_row("SELECT doc FROM jobs WHERE id = ?1", [id], |r| r.get(0))
            .optional()?;
        doc.as_deref().map(decode).transpose()
    }

    /// How many customers and jobs the cache holds.
    pub fn counts(&self) -> Result<(u64, u64)> {
        let conn = self.lock()?;
        let customers: i64 = conn.query_row("SELECT COUNT(*) FROM customers", [], |r| r.get(0))?;
        let jobs: i64 = conn.query_row("SELECT COUNT(*) FROM jobs", [], |r| r.get(0))?;
        Ok((customers as u64, jobs as u64))
    }
}

#[cfg(test)]
mod tests {
    use baton_proto::{Customer, Record, SnapshotPage};
    use rusqlite::Connection;
    use rusqlite_migration::Migrations;

    use super::{EncodedPage, DEFERRED_INDEXES, VIEW_BY_ID};
    use crate::cache::{AtRest, Cache};

    fn customer(n: usize) -> Customer {
        serde_json::from_value(serde_json::json!({
            "id": format!("cus_{n:06}"), "number": format!("C-{}", 100_000 + n), "display_name": format!("Arthur {n}"),
            "people": [{"id": format!("per_{n}"), "name": format!("Arthur {n}"), "roles": ["account_holder"],
                "contacts": [{"id": format!("cp_{n}"), "kind": "phone", "label": "mobile",
                    "value": format!("+4479460{n:05}"), "preferred": true,
                    "updated_at": "2026-12-01T09:00:00Z", "updated_by": "onboarding"}]}],
            "addresses": [], "orders": [], "tickets": [], "callbacks": [], "commitments": [],
            "confirmations": [], "timeline": [], "updated_at": "2026-12-01T09:00:00Z"
        }))
        .expect("a customer")
    }

    fn page(from: usize, to: usize, last: bool) -> EncodedPage {
        EncodedPage::new(SnapshotPage {
            epoch: "e1".into(),
            seq: 7,
            records: (from..to).map(|n| Record::Customer(customer(n))).collect(),
            total: Some(4),
            histories: Vec::new(),
            next_token: (!last).then(|| "t2".into()),
        })
        .expect("encoded")
    }

    fn indexes(path: &std::path::Path) -> Vec<String> {
        let conn = Connection::open(path).expect("open");
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
            .expect("query");
        let names = stmt.query_map([], |r| r.get(0)).expect("rows");
        names.collect::<rusqlite::Result<_>>().expect("names")
    }

    /// A first snapshot drops the indexes it builds at its end; a crash between
    /// its pages must not leave the cache without them, and what has arrived
    /// is found by number meanwhile.
    #[test]
    fn a_first_snapshot_builds_the_indexes_it_deferred_even_after_a_restart() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("cache.sqlite");
        let cache = Cache::open(&path, &AtRest::Plain).expect("cache");
        let all = indexes(&path);
        assert!(DEFERRED_INDEXES.iter().all(|i| all.iter().any(|a| a == i)), "{all:?}");

        cache.apply_snapshot_page(&page(1, 3, false), true).expect("page 1");
        let during = indexes(&path);
        assert!(
            DEFERRED_INDEXES.iter().all(|i| !during.contains(&i.to_string())),
            "{during:?}"
        );
        let hits = cache.search("+447946000002").expect("search");
        assert_eq!(hits.first().map(|h| h.customer_id.as_str()), Some("cus_000002"));

        // The console is killed and started again: the snapshot resumes.
        drop(cache);
        let cache = Cache::open(&path, &AtRest::Plain).expect("reopened");
        cache.apply_snapshot_page(&page(3, 5, true), false).expect("last page");
        assert_eq!(indexes(&path), all, "every index is back");
        let hits = cache.search("+447946000004").expect("search");
        assert_eq!(hits.first().map(|h| h.customer_id.as_str()), Some("cus_000004"));
        assert_eq!(cache.counts().expect("counts"), (4, 0));

        // A second snapshot (the server said 410) drops and builds them again.
        cache.apply_snapshot_page(&page(1, 5, true), true).expect("again");
        assert_eq!(indexes(&path), all);
    }

    /// A cache from before keeps the user's view only where queued edits made
    /// it differ from the server's document; both read back as they were.
    #[test]
    fn the_upgrade_keeps_a_view_only_where_edits_made_it_differ() {
        let migrations = Migrations::from_directory(&super::super::MIGRATIONS_DIR).expect("migrations");
        let mut conn = Connection::open_in_memory().expect("sqlite");
        migrations.to_version(&mut conn, 6).expect("version 6");
        conn.execute_batch(
            r#"INSERT INTO customers (id, number, display_name, server_doc, doc, history_older)
               VALUES ('cus_1', 'C-1', 'Arthur', '{"v":"server"}', '{"v":"server"}', 1),
                      ('cus_2', 'C-2', 'Margaret', '{"v":"server"}', '{"v":"edited"}', 0);"#,
        )
        .expect("customers");
        migrations.to_latest(&mut conn).expect("latest");
        let stored = |id: &str| -> (Option<String>, String, bool) {
            let doc = conn
                .query_row("SELECT doc, history_older FROM customers WHERE id = ?1", [id], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .expect("row");
            let view = conn.query_row(VIEW_BY_ID, [id], |r| r.get(0)).expect("view");
            (doc.0, view, doc.1)
        };
        assert_eq!(stored("cus_1"), (None, r#"{"v":"server"}"#.into(), true));
        assert_eq!(
            stored("cus_2"),
            (Some(r#"{"v":"edited"}"#.into()), r#"{"v":"edited"}"#.into(), false)
        );
        let index: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'customers_number'",
                [],
                |r| r.get(0),
            )
            .expect("index");
        assert_eq!(index, 1);
    }
}

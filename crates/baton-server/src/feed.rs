//! The change feed: every write appends one row per (scope, document) inside the
//! same transaction, so `seq` order is commit order. Reads are filtered by scope.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use baton_proto::{
    Change, ChangeOp, ChangesPage, Customer, CustomerHistory, EntityKind, HistoryItem, Record, SnapshotPage,
    HISTORY_TAIL,
};
use chrono::Utc;

use crate::docs::{self, Scope};
use crate::error::ServerError;
use crate::store::{self, Conn};

/// Which protocol a console reads the feed and snapshots with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// Whole documents, history inside.
    V1,
    /// Current state, and history as its own records.
    V2,
}

impl Protocol {
    /// The protocol of a client that sent `version` (already checked to be one
    /// this server serves).
    pub fn of(version: u32) -> Protocol {
        if version <= 1 {
            Protocol::V1
        } else {
            Protocol::V2
        }
    }

    pub fn version(self) -> u32 {
        match self {
            Protocol::V1 => 1,
            Protocol::V2 => 2,
        }
    }
}

/// Appends the current state of `customer_id` for every scope that can see it.
/// Returns the scopes written, for pokes.
pub fn append_customer(tx: &dyn Conn, customer_id: &str) -> Result<Vec<String>, ServerError> {
    refresh_customer(tx, customer_id, &[])
}

/// Appends the current state of `customer_id` for every scope that sees it now,
/// with the history written since its last append (as each scope may see it),
/// and tells each scope of `before` that no longer sees it (or every one, when
/// the customer was merged away) to drop it. A partner whose view of the
/// history changed as a whole (given a job, shown another number) gets the
/// customer's recent history anew. Returns the scopes written.
///
/// What this writes does not depend on how long the customer's history is:
/// only a partner's changed view reads it whole.
pub fn refresh_customer(tx: &dyn Conn, customer_id: &str, before: &[Scope]) -> Result<Vec<String>, ServerError> {
    let state = store::customers::load_state(tx, &[customer_id.to_string()])?
        .into_iter()
        .next();
    let pending = store::history::take_pending(tx, customer_id)?;
    let mut touched = Vec::new();
    let mut seeing = Vec::new();
    if let Some(state) = &state {
        let items = pending_items(tx, customer_id, &pending)?;
        let internal_notes = items
            .iter()
            .any(|i| matches!(i, HistoryItem::Timeline(e) if e.visibility == baton_proto::NoteVisibility::Internal));
        let mut full: Option<Customer> = None;
        for scope in docs::scopes_of_customer(tx, customer_id)? {
            let Some(scoped) = docs::scoped(tx, &scope, state, internal_notes)? else {
                continue;
            };
            let key = scope.key();
            append(tx, &key, &Record::Customer(scoped.state))?;
            match scoped.rule.digest() {
                Some(digest) if store::history::view_digest(tx, &key, customer_id)?.as_deref() != Some(&digest) => {
                    let full = match &mut full {
                        Some(f) => f,
                        None => full.insert(
                            docs::load_customers(tx, &[customer_id.to_string()])?
                                .into_iter()
                                .next()
                                .ok_or_else(|| ServerError::not_found("customer"))?,
                        ),
                    };
                    append_history(tx, &key, &recent_history(&scoped.rule, full))?;
                    store::history::set_view_digest(tx, &key, customer_id, &digest)?;
                }
                _ => {
                    for item in items.iter().filter_map(|i| scoped_item(&scoped.rule, i)) {
                        append_item(tx, &key, customer_id, &item)?;
                    }
                }
            }
            touched.push(key);
            seeing.push(scope);
        }
    }
    for gone in before.iter().filter(|s| !seeing.contains(s)) {
        append_remove(tx, &gone.key(), EntityKind::Customer, customer_id)?;
        touched.push(gone.key());
    }
    Ok(touched)
}

/// The pending history items of one customer, oldest first.
fn pending_items(
    tx: &dyn Conn,
    customer_id: &str,
    pending: &store::history::Pending,
) -> Result<Vec<HistoryItem>, ServerError> {
    let mut items = Vec::new();
    if !pending.timeline.is_empty() {
        let list = tx.backend().id_list(&pending.timeline);
        let mut by = store::timeline::by_ids(tx, &list)?;
        items.extend(
            by.remove(customer_id)
                .unwrap_or_default()
                .into_iter()
                .map(HistoryItem::Timeline),
        );
    }
    if !pending.confirmations.is_empty() {
        let list = tx.backend().id_list(&pending.confirmations);
        let mut by = store::confirmations::by_ids(tx, &list)?;
        items.extend(
            by.remove(customer_id)
                .unwrap_or_default()
                .into_iter()
                .map(HistoryItem::Confirmation),
        );
    }
    items.sort_by_key(HistoryItem::at);
    Ok(items)
}

fn scoped_item(rule: &docs::HistoryRule, item: &HistoryItem) -> Option<HistoryItem> {
    match item {
        HistoryItem::Timeline(e) => rule.timeline(e).map(HistoryItem::Timeline),
        HistoryItem::Confirmation(c) => rule.confirmation(c).map(HistoryItem::Confirmation),
    }
}

/// The newest [`HISTORY_TAIL`] timeline entries and confirmations of `full`
/// that `rule` lets its scope see, oldest first.
pub fn recent_history(rule: &docs::HistoryRule, full: &Customer) -> CustomerHistory {
    let timeline: Vec<_> = full.timeline.iter().filter_map(|e| rule.timeline(e)).collect();
    let confirmations: Vec<_> = full.confirmations.iter().filter_map(|c| rule.confirmation(c)).collect();
    let older = timeline.len() > HISTORY_TAIL || confirmations.len() > HISTORY_TAIL;
    let skip_t = timeline.len().saturating_sub(HISTORY_TAIL);
    let skip_c = confirmations.len().saturating_sub(HISTORY_TAIL);
    let mut items: Vec<HistoryItem> = timeline
        .into_iter()
        .skip(skip_t)
        .map(HistoryItem::Timeline)
        .chain(confirmations.into_iter().skip(skip_c).map(HistoryItem::Confirmation))
        .collect();
    items.sort_by_key(HistoryItem::at);
    CustomerHistory {
        customer_id: full.id.clone(),
        items,
        older,
    }
}

/// Appends a job for the retailer and its partner. When it moved from
/// `previous_org`, that partner is told to drop the job, and the customer too
/// unless another of its jobs remains; the customer is refreshed for every scope
/// that still sees it (the new partner gets it for the first time).
pub fn append_job(tx: &dyn Conn, job_id: &str, previous_org: Option<&str>) -> Result<Vec<String>, ServerError> {
    let job = docs::load_job(tx, job_id)?.ok_or_else(|| ServerError::not_found("job"))?;
    let mut touched = Vec::new();
    for scope in [Scope::Internal, Scope::Org(job.org_id.clone())] {
        let doc = docs::jobs_for_scope(tx, &scope, vec![job.clone()])?.remove(0);
        append(tx, &scope.key(), &Record::Job(doc))?;
        touched.push(scope.key());
    }
    if let Some(old) = previous_org.filter(|old| *old != job.org_id) {
        let old = Scope::Org(old.to_string());
        append_remove(tx, &old.key(), EntityKind::Job, job_id)?;
        if !docs::scopes_of_customer(tx, &job.customer_id)?.contains(&old) {
            append_remove(tx, &old.key(), EntityKind::Customer, &job.customer_id)?;
        }
        touched.push(old.key());
    }
    touched.extend(append_customer(tx, &job.customer_id)?);
    touched.sort();
    touched.dedup();
    Ok(touched)
}

/// Appends every customer and job `scope` sees, as it sees them now, each
/// customer with its recent history: after its field rule changed, its
/// consoles replace what they hold (a field taken away leaves their caches,
/// history included). Returns how many documents were written.
pub fn refresh_scope(tx: &dyn Conn, scope: &Scope) -> Result<usize, ServerError> {
    const BATCH: usize = 500;
    let key = scope.key();
    store::history::forget_scope(tx, &key)?;
    let mut written = 0;
    let mut after = String::new();
    loop {
        let ids = docs::customer_ids_page(tx, scope, &after, BATCH)?;
        for c in &docs::load_customers(tx, &ids)? {
            let internal_notes = c
                .timeline
                .iter()
                .any(|e| e.visibility == baton_proto::NoteVisibility::Internal);
            if let Some(scoped) = docs::scoped(tx, scope, c, internal_notes)? {
                let history = recent_history(&scoped.rule, c);
                if let Some(digest) = scoped.rule.digest() {
                    store::history::set_view_digest(tx, &key, &c.id, &digest)?;
                }
                append(tx, &key, &Record::Customer(scoped.state))?;
                append_history(tx, &key, &history)?;
                written += 1;
            }
        }
        match ids.last() {
            Some(last) if ids.len() == BATCH => after = last.clone(),
            _ => break,
        }
    }
    after.clear();
    loop {
        let jobs = docs::jobs_page(tx, scope.org().unwrap_or(""), None, &after, BATCH)?;
        let full = jobs.len() == BATCH;
        let jobs = docs::jobs_for_scope(tx, scope, jobs)?;
        if let Some(last) = jobs.last() {
            after = last.id.clone();
        }
        for job in jobs {
            append(tx, &key, &Record::Job(job))?;
            written += 1;
        }
        if !full {
            break;
        }
    }
    Ok(written)
}

/// Tells `scope` to drop a document it may no longer see.
pub fn append_removal(tx: &dyn Conn, scope: &str, entity: EntityKind, id: &str) -> Result<i64, ServerError> {
    append_remove(tx, scope, entity, id)
}

/// Appends a job's document for the retailer only (a job whose customer was erased).
pub fn append_job_for_retailer(tx: &dyn Conn, job_id: &str) -> Result<Vec<String>, ServerError> {
    let job = docs::load_job(tx, job_id)?.ok_or_else(|| ServerError::not_found("job"))?;
    append(tx, &Scope::Internal.key(), &Record::Job(job))?;
    Ok(vec![Scope::Internal.key()])
}

fn append_remove(tx: &dyn Conn, scope: &str, entity: EntityKind, id: &str) -> Result<i64, ServerError> {
    if entity == EntityKind::Customer {
        // Seen again later, the customer comes with its history anew.
        store::history::forget_view(tx, scope, id)?;
    }
    store::feed::append(tx, scope, entity.as_str(), id, None, None, &Utc::now().to_rfc3339())
}

fn encode<T: serde::Serialize>(v: &T) -> Result<String, ServerError> {
    serde_json::to_string(v).map_err(|e| ServerError::Internal(format!("encoding a feed record: {e}")))
}

fn append(tx: &dyn Conn, scope: &str, record: &Record) -> Result<i64, ServerError> {
    let doc = match record {
        Record::Customer(c) => encode(c)?,
        Record::Job(j) => encode(j)?,
    };
    store::feed::append(
        tx,
        scope,
        record.kind().as_str(),
        record.id(),
        None,
        Some(&doc),
        &Utc::now().to_rfc3339(),
    )
}

fn append_item(tx: &dyn Conn, scope: &str, customer_id: &str, item: &HistoryItem) -> Result<i64, ServerError> {
    store::feed::append(
        tx,
        scope,
        EntityKind::Customer.as_str(),
        customer_id,
        Some(store::feed::Part::Item),
        Some(&encode(item)?),
        &Utc::now().to_rfc3339(),
    )
}

fn append_history(tx: &dyn Conn, scope: &str, history: &CustomerHistory) -> Result<i64, ServerError> {
    store::feed::append(
        tx,
        scope,
        EntityKind::Customer.as_str(),
        &history.customer_id,
        Some(store::feed::Part::History),
        Some(&encode(history)?),
        &Utc::now().to_rfc3339(),
    )
}

/// The oldest cursor the feed can still serve: changes at or before it may have
/// been compacted away (0 when nothing was).
pub fn floor(conn: &dyn Conn) -> Result<i64, ServerError> {
    Ok(store::meta::get(conn, "log_floor")?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

/// Drops changes created before `before` (RFC 3339), keeping at least the newest
/// change, and raises the floor. Consoles behind the floor re-snapshot (410).
/// Returns the number of changes removed.
pub fn compact(conn: &dyn Conn, before: &str) -> Result<usize, ServerError> {
    let Some(upto) = store::feed::compactable_upto(conn, before)? else {
        return Ok(0);
    };
    let removed = store::feed::delete_upto(conn, upto)?;
    store::meta::set(conn, "log_floor", &upto.to_string())?;
    Ok(removed)
}

/// The newest seq of the whole feed (0 when empty).
pub fn head(conn: &dyn Conn) -> Result<i64, ServerError> {
    Ok(store::feed::max_seq(conn)?.max(floor(conn)?))
}

/// A page of changes as served, with when each was saved (for the time to propagate).
pub struct Served {
    pub page: ChangesPage,
    /// `(seq, saved at)` of each change on the page.
    pub saved: Vec<(i64, String)>,
}

/// Changes of `scope` after `after`, oldest first, as `protocol` carries them.
pub fn changes(
    conn: &dyn Conn,
    scope: &Scope,
    after: i64,
    limit: usize,
    protocol: Protocol,
) -> Result<Served, ServerError> {
    let mut out = Vec::new();
    let mut saved = Vec::new();
    for row in store::feed::page(conn, &scope.key(), after, limit + 1)? {
        let entity = EntityKind::parse(&row.entity)
            .ok_or_else(|| ServerError::Internal(format!("stored entity '{}'", row.entity)))?;
        let op = match (row.op.as_str(), row.doc) {
            ("upsert", Some(doc)) => match row.part {
                None => ChangeOp::Upsert {
                    record: Box::new(decode(entity, &doc)?),
                },
                Some(store::feed::Part::Item) => ChangeOp::HistoryItem {
                    customer_id: row.entity_id,
                    item: Box::new(decode_json(&doc)?),
                },
                Some(store::feed::Part::History) => ChangeOp::History {
                    history: Box::new(decode_json(&doc)?),
                },
            },
            ("remove", _) => ChangeOp::Remove {
                entity,
                id: row.entity_id,
            },
            (op, _) => {
                return Err(ServerError::Internal(format!(
                    "stored change op '{op}' for {}",
                    row.entity_id
                )))
            }
        };
        saved.push((row.seq, row.created_at));
        out.push(Change { seq: row.seq, op });
    }
    let has_more = out.len() > limit;
    out.truncate(limit);
    saved.truncate(limit);
    // A page that reaches the end of the scope's changes moves the cursor to the
    // feed head: everything at or before the head is visible in this read
    // transaction, and rows of other scopes are not this caller's. A caught-up
    // console therefore never falls behind a compaction it has nothing to learn from.
    let cursor = match (has_more, out.last()) {
        (true, Some(c)) => c.seq,
        _ => head(conn)?.max(after),
    };
    if protocol == Protocol::V1 {
        out = whole_documents(conn, scope, out)?;
    }
    Ok(Served {
        page: ChangesPage {
            epoch: String::new(),
            changes: out,
            cursor,
            has_more,
        },
        saved,
    })
}

/// A page of changes as protocol 1 carries them: every change to a customer
/// (its state or its history) becomes its whole document as the scope sees it
/// now, once per page, at the place of its last change. A document read now
/// may be newer than the change; a console applying whole documents in order
/// converges either way, as it does over snapshot pages. A customer the scope
/// no longer sees is left out: its removal follows in the feed.
fn whole_documents(conn: &dyn Conn, scope: &Scope, changes: Vec<Change>) -> Result<Vec<Change>, ServerError> {
    let customer_of = |c: &Change| match &c.op {
        ChangeOp::Upsert { record } if record.kind() == EntityKind::Customer => Some(record.id().to_string()),
        ChangeOp::HistoryItem { customer_id, .. } => Some(customer_id.clone()),
        ChangeOp::History { history } => Some(history.customer_id.clone()),
        _ => None,
    };
    let mut last = std::collections::HashMap::new();
    for (i, c) in changes.iter().enumerate() {
        if let Some(id) = customer_of(c) {
            last.insert(id, i);
        }
    }
    let ids: Vec<String> = last.keys().cloned().collect();
    let mut docs_now = std::collections::HashMap::new();
    for c in docs::load_customers(conn, &ids)? {
        if let Some(doc) = docs::customer_for_scope(conn, scope, &c)? {
            docs_now.insert(c.id.clone(), doc);
        }
    }
    let mut out = Vec::with_capacity(changes.len());
    for (i, c) in changes.into_iter().enumerate() {
        match customer_of(&c) {
            None => out.push(c),
            Some(id) if last.get(&id) == Some(&i) => {
                if let Some(doc) = docs_now.remove(&id) {
                    out.push(Change {
                        seq: c.seq,
                        op: ChangeOp::Upsert {
                            record: Box::new(Record::Customer(doc)),
                        },
                    });
                }
            }
            Some(_) => {}
        }
    }
    Ok(out)
}

fn decode(entity: EntityKind, doc: &str) -> Result<Record, ServerError> {
    let bad = |e: serde_json::Error| ServerError::Internal(format!("stored {} document: {e}", entity.as_str()));
    Ok(match entity {
        EntityKind::Customer => Record::Customer(serde_json::from_str(doc).map_err(bad)?),
        EntityKind::Job => Record::Job(serde_json::from_str(doc).map_err(bad)?),
    })
}

fn decode_json<T: serde::de::DeserializeOwned>(doc: &str) -> Result<T, ServerError> {
    serde_json::from_str(doc).map_err(|e| ServerError::Internal(format!("stored history record: {e}")))
}

/// Where a snapshot is: pinned seq, which phase, and the last id sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotToken {
    pub seq: i64,
    pub phase: Phase,
    pub after: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Customers,
    Jobs,
}

impl SnapshotToken {
    pub fn encode(&self) -> String {
        let phase = match self.phase {
            Phase::Customers => "c",
            Phase::Jobs => "j",
        };
        URL_SAFE_NO_PAD.encode(format!("{}|{}|{}", self.seq, phase, self.after))
    }

    pub fn decode(token: &str) -> Result<SnapshotToken, ServerError> {
        // A token this server cannot continue is, to the client, a snapshot
        // that is over: it starts again, as for one of another database.
        let bad = || {
            ServerError::Api(
                baton_proto::ErrorCode::Gone,
                "this snapshot token cannot be continued; start a new snapshot without a token".into(),
            )
        };
        let raw = URL_SAFE_NO_PAD.decode(token).map_err(|_| bad())?;
        let raw = String::from_utf8(raw).map_err(|_| bad())?;
        let mut parts = raw.splitn(3, '|');
        let seq = parts.next().and_then(|s| s.parse::<i64>().ok()).ok_or_else(bad)?;
        let phase = match parts.next() {
            Some("c") => Phase::Customers,
            Some("j") => Phase::Jobs,
            _ => return Err(bad()),
        };
        let after = parts.next().ok_or_else(bad)?.to_string();
        Ok(SnapshotToken { seq, phase, after })
    }
}

/// One page of the scope's snapshot. Pages after the first read the current state,
/// which may be newer than the pinned seq; replaying the changes after the pinned
/// seq (state upserts and history items, in order) converges either way.
/// Protocol 2 pages carry each customer's state and, beside it, its recent
/// history; protocol 1 pages the whole documents.
pub fn snapshot_page(
    conn: &dyn Conn,
    scope: &Scope,
    token: Option<&str>,
    limit: usize,
    protocol: Protocol,
) -> Result<SnapshotPage, ServerError> {
    let (mut token, total) = match token {
        Some(t) => (SnapshotToken::decode(t)?, None),
        None => (
            SnapshotToken {
                seq: head(conn)?,
                phase: Phase::Customers,
                after: String::new(),
            },
            Some(docs::scope_size(conn, scope)?),
        ),
    };
    let mut records = Vec::with_capacity(limit);
    let mut histories = Vec::new();
    loop {
        let room = limit - records.len();
        match token.phase {
            Phase::Customers => {
                let ids = docs::customer_ids_page(conn, scope, &token.after, room)?;
                let full = ids.len() == room;
                let customers = docs::load_customers(conn, &ids)?;
                for c in &customers {
                    let internal_notes = c
                        .timeline
                        .iter()
                        .any(|e| e.visibility == baton_proto::NoteVisibility::Internal);
                    let Some(scoped) = docs::scoped(conn, scope, c, internal_notes)? else {
                        continue;
                    };
                    match protocol {
                        Protocol::V1 => records.push(Record::Customer(scoped.with_history(c))),
                        Protocol::V2 => {
                            histories.push(recent_history(&scoped.rule, c));
                            records.push(Record::Customer(scoped.state));
                        }
                    }
                }
                if let Some(last) = ids.last() {
                    token.after = last.clone();
                }
                if full {
                    break;
                }
                token.phase = Phase::Jobs;
                token.after.clear();
            }
            Phase::Jobs => {
                let jobs = docs::jobs_page(conn, scope.org().unwrap_or(""), None, &token.after, room)?;
                let jobs = docs::jobs_for_scope(conn, scope, jobs)?;
                let full = jobs.len() == room;
                if let Some(last) = jobs.last() {
                    token.after = last.id.clone();
                }
                records.extend(jobs.into_iter().map(Record::Job));
                if full {
                    break;
                }
                return Ok(SnapshotPage {
                    epoch: String::new(),
                    seq: token.seq,
                    total,
                    records,
                    histories,
                    next_token: None,
                });
            }
        }
    }
    Ok(SnapshotPage {
        epoch: String::new(),
        seq: token.seq,
        total,
        records,
        histories,
        next_token: Some(token.encode()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_tokens_round_trip_and_reject_garbage() {
        let t = SnapshotToken {
            seq: 42,
            phase: Phase::Jobs,
            after: "job-0001|x".into(),
        };
        assert_eq!(SnapshotToken::decode(&t.encode()).ok(), Some(t));
        for bad in [
            "",
            "!!!",
            &URL_SAFE_NO_PAD.encode("x|c|"),
            &URL_SAFE_NO_PAD.encode("1|q|a"),
        ] {
            assert!(SnapshotToken::decode(bad).is_err(), "{bad}");
        }
    }
}

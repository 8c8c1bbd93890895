//! The change feed: every write appends one row per (scope, document) inside the
//! same transaction, so `seq` order is commit order. Reads are filtered by scope.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use baton_proto::{Change, ChangeOp, ChangesPage, EntityKind, Record, SnapshotPage};
use chrono::Utc;

use crate::docs::{self, Scope};
use crate::error::ServerError;
use crate::store::{self, Conn};

/// Appends the current state of `customer_id` for every scope that can see it.
/// Returns the scopes written, for pokes.
pub fn append_customer(tx: &dyn Conn, customer_id: &str) -> Result<Vec<String>, ServerError> {
    refresh_customer(tx, customer_id, &[])
}

/// Appends the current state of `customer_id` for every scope that sees it now,
/// and tells each scope of `before` that no longer sees it (or every one, when
/// the customer was merged away) to drop it. Returns the scopes written.
pub fn refresh_customer(tx: &dyn Conn, customer_id: &str, before: &[Scope]) -> Result<Vec<String>, ServerError> {
    let customer = docs::load_customers(tx, &[customer_id.to_string()])?.into_iter().next();
    let mut touched = Vec::new();
    let mut seeing = Vec::new();
    if let Some(customer) = &customer {
        for scope in docs::scopes_of_customer(tx, customer_id)? {
            if let Some(doc) = docs::customer_for_scope(tx, &scope, customer)? {
                append(tx, &scope.key(), &Record::Customer(doc))?;
                touched.push(scope.key());
                seeing.push(scope);
            }
        }
    }
    for gone in before.iter().filter(|s| !seeing.contains(s)) {
        append_remove(tx, &gone.key(), EntityKind::Customer, customer_id)?;
        touched.push(gone.key());
    }
    Ok(touched)
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

/// Appends every customer and job `scope` sees, as it sees them now: after its
/// field rule changed, its consoles replace what they hold (a field taken away
/// leaves their caches). Returns how many documents were written.
pub fn refresh_scope(tx: &dyn Conn, scope: &Scope) -> Result<usize, ServerError> {
    const BATCH: usize = 500;
    let key = scope.key();
    let mut written = 0;
    let mut after = String::new();
    loop {
        let ids = docs::customer_ids_page(tx, scope, &after, BATCH)?;
        for c in &docs::load_customers(tx, &ids)? {
            if let Some(doc) = docs::customer_for_scope(tx, scope, c)? {
                append(tx, &key, &Record::Customer(doc))?;
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
    store::feed::append(tx, scope, entity.as_str(), id, None, &Utc::now().to_rfc3339())
}

fn append(tx: &dyn Conn, scope: &str, record: &Record) -> Result<i64, ServerError> {
    let doc = match record {
        Record::Customer(c) => serde_json::to_string(c),
        Record::Job(j) => serde_json::to_string(j),
    }
    .map_err(|e| ServerError::Internal(format!("encoding document: {e}")))?;
    store::feed::append(
        tx,
        scope,
        record.kind().as_str(),
        record.id(),
        Some(&doc),
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

/// Changes of `scope` after `after`, oldest first.
pub fn changes(conn: &dyn Conn, scope: &Scope, after: i64, limit: usize) -> Result<Served, ServerError> {
    let mut out = Vec::new();
    let mut saved = Vec::new();
    for row in store::feed::page(conn, &scope.key(), after, limit + 1)? {
        let entity = EntityKind::parse(&row.entity)
            .ok_or_else(|| ServerError::Internal(format!("stored entity '{}'", row.entity)))?;
        let op = match (row.op.as_str(), row.doc) {
            ("upsert", Some(doc)) => ChangeOp::Upsert {
                record: Box::new(decode(entity, &doc)?),
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

fn decode(entity: EntityKind, doc: &str) -> Result<Record, ServerError> {
    let bad = |e: serde_json::Error| ServerError::Internal(format!("stored {} document: {e}", entity.as_str()));
    Ok(match entity {
        EntityKind::Customer => Record::Customer(serde_json::from_str(doc).map_err(bad)?),
        EntityKind::Job => Record::Job(serde_json::from_str(doc).map_err(bad)?),
    })
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
/// seq (full-document upserts, in order) converges either way.
pub fn snapshot_page(
    conn: &dyn Conn,
    scope: &Scope,
    token: Option<&str>,
    limit: usize,
) -> Result<SnapshotPage, ServerError> {
    let mut token = match token {
        Some(t) => SnapshotToken::decode(t)?,
        None => SnapshotToken {
            seq: head(conn)?,
            phase: Phase::Customers,
            after: String::new(),
        },
    };
    let mut records = Vec::with_capacity(limit);
    loop {
        let room = limit - records.len();
        match token.phase {
            Phase::Customers => {
                let ids = docs::customer_ids_page(conn, scope, &token.after, room)?;
                let full = ids.len() == room;
                let customers = docs::load_customers(conn, &ids)?;
                for c in &customers {
                    if let Some(doc) = docs::customer_for_scope(conn, scope, c)? {
                        records.push(Record::Customer(doc));
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
                    records,
                    next_token: None,
                });
            }
        }
    }
    Ok(SnapshotPage {
        epoch: String::new(),
        seq: token.seq,
        records,
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

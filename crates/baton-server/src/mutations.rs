//! Applies intent mutations pushed by consoles. Each mutation runs in the push's
//! write transaction under a savepoint: applied, or rejected and recorded, and
//! always answered from the `mutations` table when it is retried.

use std::collections::BTreeSet;

use baton_proto::contact::{normalize_email, normalize_phone};
use baton_proto::{Conflict, ContactKind, ErrorCode, Intent, JobStatus, Mutation, MutationOutcome, MutationResult};
use chrono::Utc;
use rusqlite::{params, OptionalExtension, Transaction};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::docs::{self, Scope};
use crate::error::ServerError;
use crate::feed;

/// The largest batch a client may push at once.
pub const MAX_BATCH: usize = 100;

/// What a push did: the answers, and which scopes have new changes to poke.
pub struct PushOutcome {
    pub results: Vec<MutationResult>,
    pub touched: BTreeSet<String>,
}

pub fn apply_batch(
    tx: &mut Transaction<'_>,
    caller: &AuthUser,
    client_id: Uuid,
    batch: &[Mutation],
) -> Result<PushOutcome, ServerError> {
    let mut results = Vec::with_capacity(batch.len());
    let mut touched = BTreeSet::new();
    for m in batch {
        if let Some(done) = recorded(tx, caller, m.id)? {
            results.push(MutationResult {
                id: m.id,
                outcome: done,
            });
            continue;
        }
        let sp = tx.savepoint()?;
        let applied = apply_one(&sp, caller, &m.intent);
        let mut conflict_row = None;
        let outcome = match applied {
            Ok(Applied { scopes, conflict }) => {
                sp.commit()?;
                touched.extend(scopes);
                conflict_row.clone_from(&conflict);
                MutationOutcome::Applied {
                    seq: feed::head(tx)?,
                    conflict,
                }
            }
            Err(ServerError::Api(code, message)) => {
                drop(sp); // rolls the savepoint back: nothing of the rejected edit stays
                tracing::info!(mutation = %m.id, ?code, %message, "mutation rejected");
                MutationOutcome::Rejected { code, message }
            }
            Err(other) => return Err(other),
        };
        record(tx, caller, client_id, m, &outcome)?;
        if let Some(c) = conflict_row {
            tx.execute(
                "INSERT INTO conflicts (mutation_id, customer_id, field, base_value, replaced_value, winning_value, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    m.id.to_string(),
                    m.intent.customer_id(),
                    c.field,
                    c.base_value,
                    c.replaced_value,
                    m.intent.value(),
                    Utc::now().to_rfc3339()
                ],
            )?;
        }
        results.push(MutationResult { id: m.id, outcome });
    }
    Ok(PushOutcome { results, touched })
}

fn recorded(tx: &Transaction<'_>, caller: &AuthUser, id: Uuid) -> Result<Option<MutationOutcome>, ServerError> {
    let row: Option<(String, String)> = tx
        .query_row(
            "SELECT user_id, outcome FROM mutations WHERE id = ?1",
            [id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match row {
        None => Ok(None),
        Some((user_id, _)) if user_id != caller.user.id => Ok(Some(MutationOutcome::Rejected {
            code: ErrorCode::Conflict,
            message: "this mutation id was already used by another user".into(),
        })),
        Some((_, outcome)) => serde_json::from_str(&outcome)
            .map(Some)
            .map_err(|e| ServerError::Internal(format!("stored mutation outcome: {e}"))),
    }
}

fn record(
    tx: &Transaction<'_>,
    caller: &AuthUser,
    client_id: Uuid,
    m: &Mutation,
    outcome: &MutationOutcome,
) -> Result<(), ServerError> {
    let intent = serde_json::to_string(&m.intent).map_err(|e| ServerError::Internal(e.to_string()))?;
    let outcome = serde_json::to_string(outcome).map_err(|e| ServerError::Internal(e.to_string()))?;
    tx.execute(
        "INSERT INTO mutations (id, user_id, client_id, client_seq, name, intent, outcome, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            m.id.to_string(),
            caller.user.id,
            client_id.to_string(),
            m.client_seq,
            m.intent.name(),
            intent,
            outcome,
            Utc::now().to_rfc3339()
        ],
    )?;
    Ok(())
}

/// Records who changed what, in which organisation, when, from what to what.
#[allow(clippy::too_many_arguments)]
fn audit(
    conn: &rusqlite::Connection,
    caller: &AuthUser,
    at: &str,
    action: &str,
    entity: &str,
    entity_id: &str,
    before: &str,
    after: &str,
) -> Result<(), ServerError> {
    conn.prepare_cached(
        "INSERT INTO audit_log (at, user_id, org_id, action, entity, entity_id, before, after)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        at,
        caller.user.id,
        caller.user.org.id,
        action,
        entity,
        entity_id,
        before,
        after
    ])?;
    Ok(())
}

struct Applied {
    scopes: Vec<String>,
    conflict: Option<Conflict>,
}

fn apply_one(conn: &rusqlite::Savepoint<'_>, caller: &AuthUser, intent: &Intent) -> Result<Applied, ServerError> {
    match intent {
        Intent::SetContactPoint {
            customer_id,
            person_id,
            contact_point_id,
            value,
            base_value,
        } => set_contact_point(
            conn,
            caller,
            customer_id,
            person_id,
            contact_point_id,
            value,
            base_value,
        ),
        Intent::ReassignJob {
            customer_id,
            job_id,
            org_id,
        } => reassign_job(conn, caller, customer_id, job_id, org_id),
        Intent::SetJobStatus {
            customer_id,
            job_id,
            status,
            base_status,
        } => set_job_status(conn, caller, customer_id, job_id, *status, *base_status),
    }
}

fn set_job_status(
    conn: &rusqlite::Savepoint<'_>,
    caller: &AuthUser,
    customer_id: &str,
    job_id: &str,
    status: JobStatus,
    base_status: JobStatus,
) -> Result<Applied, ServerError> {
    let job = docs::load_job(conn, job_id)?.ok_or_else(|| ServerError::not_found("job"))?;
    if let Scope::Org(own) = caller.scope() {
        if own != job.org_id {
            return Err(ServerError::not_found("job"));
        }
    }
    if job.customer_id != customer_id {
        return Err(ServerError::bad_request("that job belongs to another customer"));
    }
    if job.status == status {
        return Ok(Applied {
            scopes: Vec::new(),
            conflict: None,
        });
    }
    // Statuses follow the lifecycle from where the job is now, not from where the
    // user last saw it: a stale edit that no longer makes sense is refused.
    if !job.status.can_move_to(status) {
        let message = if job.status == base_status {
            format!(
                "a job that is {} cannot become {}",
                job.status.as_str(),
                status.as_str()
            )
        } else {
            format!(
                "the job is now {} (you saw {}), and cannot become {}",
                job.status.as_str(),
                base_status.as_str(),
                status.as_str()
            )
        };
        return Err(ServerError::Api(ErrorCode::Conflict, message));
    }
    let now = Utc::now().to_rfc3339();
    conn.execute(
        "UPDATE jobs SET status = ?1, updated_at = ?2 WHERE id = ?3",
        params![status.as_str(), now, job_id],
    )?;
    audit(
        conn,
        caller,
        &now,
        "set_job_status",
        "job",
        job_id,
        job.status.as_str(),
        status.as_str(),
    )?;
    let scopes = feed::append_job(conn, job_id, None)?;
    Ok(Applied { scopes, conflict: None })
}

fn reassign_job(
    conn: &rusqlite::Savepoint<'_>,
    caller: &AuthUser,
    customer_id: &str,
    job_id: &str,
    org_id: &str,
) -> Result<Applied, ServerError> {
    let job = docs::load_job(conn, job_id)?.ok_or_else(|| ServerError::not_found("job"))?;
    match caller.scope() {
        Scope::Internal => {}
        // A partner learns nothing about jobs that are not its own.
        Scope::Org(own) if own == job.org_id => {
            return Err(ServerError::forbidden("only the retailer's staff can reassign a job"))
        }
        Scope::Org(_) => return Err(ServerError::not_found("job")),
    }
    if job.customer_id != customer_id {
        return Err(ServerError::bad_request("that job belongs to another customer"));
    }
    let kind: Option<String> = conn
        .query_row("SELECT kind FROM orgs WHERE id = ?1", [org_id], |r| r.get(0))
        .optional()?;
    if kind.as_deref() != Some("partner") {
        return Err(ServerError::bad_request(format!(
            "'{org_id}' is not a partner organisation"
        )));
    }
    if job.org_id == org_id {
        return Ok(Applied {
            scopes: Vec::new(),
            conflict: None,
        });
    }
    let now = Utc::now().to_rfc3339();
    conn.execute(
        "UPDATE jobs SET org_id = ?1, updated_at = ?2 WHERE id = ?3",
        params![org_id, now, job_id],
    )?;
    audit(conn, caller, &now, "reassign_job", "job", job_id, &job.org_id, org_id)?;
    let scopes = feed::append_job(conn, job_id, Some(&job.org_id))?;
    Ok(Applied { scopes, conflict: None })
}

fn set_contact_point(
    conn: &rusqlite::Savepoint<'_>,
    caller: &AuthUser,
    customer_id: &str,
    person_id: &str,
    contact_point_id: &str,
    value: &str,
    base_value: &str,
) -> Result<Applied, ServerError> {
    // Authorise against what the caller can see: a partner may edit the contacts of
    // the people its jobs name, and gets the same 404 as for a missing id otherwise.
    let customer = docs::load_customers(conn, &[customer_id.to_string()])?
        .into_iter()
        .next()
        .ok_or_else(|| ServerError::not_found("customer"))?;
    let visible = docs::customer_for_scope(conn, &caller.scope(), &customer)?
        .ok_or_else(|| ServerError::not_found("customer"))?;
    if visible.person(person_id).is_none() {
        return Err(ServerError::not_found("person"));
    }
    let point = visible
        .contact_point(person_id, contact_point_id)
        .ok_or_else(|| ServerError::not_found("contact point"))?;

    let normalized = match point.kind {
        ContactKind::Phone => normalize_phone(value),
        ContactKind::Email => normalize_email(value),
    }
    .map_err(|e| ServerError::Api(e.code, e.message))?;

    if normalized == point.value {
        return Ok(Applied {
            scopes: Vec::new(),
            conflict: None,
        });
    }
    let base = match point.kind {
        ContactKind::Phone => normalize_phone(base_value).unwrap_or_else(|_| base_value.to_string()),
        ContactKind::Email => base_value.trim().to_lowercase(),
    };
    let conflict = (base != point.value).then(|| Conflict {
        field: format!("person:{person_id}/contact:{contact_point_id}"),
        base_value: base_value.to_string(),
        replaced_value: point.value.clone(),
    });

    let now = Utc::now().to_rfc3339();
    let by = format!("{} ({})", caller.user.display_name, caller.user.org.name);
    conn.execute(
        "UPDATE contact_points SET value = ?1, updated_at = ?2, updated_by = ?3 WHERE id = ?4",
        params![normalized, now, by, contact_point_id],
    )?;
    conn.execute(
        "UPDATE customers SET updated_at = ?1 WHERE id = ?2",
        params![now, customer_id],
    )?;
    audit(
        conn,
        caller,
        &now,
        "set_contact_point",
        "contact_point",
        contact_point_id,
        &point.value,
        &normalized,
    )?;
    let scopes = feed::append_customer(conn, customer_id)?;
    Ok(Applied { scopes, conflict })
}

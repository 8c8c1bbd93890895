//! Applies intent mutations pushed by consoles and integrations. Each mutation runs
//! in the push's write transaction under a savepoint: applied, or rejected and
//! recorded, and always answered from the `mutations` table when it is retried.
//!
//! Every intent authorises against the caller's scoped view of the customer
//! (`docs::visible_customer`): what a user cannot see, they cannot change, and
//! both answer the same 404.

mod casework;
mod contacts;
mod context;
mod customers;
mod erase;
mod followups;
mod jobs;
mod merge;

use std::collections::BTreeSet;

use baton_proto::{ErrorCode, Intent, Mutation, MutationOutcome, MutationResult};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Transaction};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::ServerError;
use crate::feed;

pub use context::{system_caller, ConfirmTo, Ctx};

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
    now: DateTime<Utc>,
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
        let mut ctx = Ctx::new(&sp, caller, m.intent.customer_id(), now);
        let applied = apply_one(&mut ctx, &m.intent);
        let (scopes, conflict) = (std::mem::take(&mut ctx.touched), ctx.conflict.take());
        drop(ctx);
        let outcome = match applied {
            Ok(()) => {
                sp.commit()?;
                touched.extend(scopes);
                MutationOutcome::Applied {
                    seq: feed::head(tx)?,
                    conflict: conflict.clone(),
                }
            }
            Err(ServerError::Api(code, message)) => {
                drop(sp); // rolls the savepoint back: nothing of the rejected edit stays
                          // The code only: a message may quote what was typed (a phone number).
                tracing::info!(mutation = %m.id, ?code, "mutation rejected");
                MutationOutcome::Rejected { code, message }
            }
            Err(other) => return Err(other),
        };
        record(tx, caller, client_id, m, &outcome)?;
        if let (Some(c), MutationOutcome::Applied { .. }) = (conflict, &outcome) {
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

fn apply_one(ctx: &mut Ctx<'_>, intent: &Intent) -> Result<(), ServerError> {
    match intent {
        Intent::SetContactPoint {
            customer_id,
            person_id,
            contact_point_id,
            value,
            base_value,
        } => contacts::set_contact_point(ctx, customer_id, person_id, contact_point_id, value, base_value),
        Intent::AddContactPoint {
            customer_id,
            person_id,
            contact_point_id,
            kind,
            label,
            value,
            purposes,
        } => contacts::add_contact_point(
            ctx,
            customer_id,
            person_id,
            contact_point_id,
            *kind,
            label,
            value,
            purposes,
        ),
        Intent::SetContactPreferences {
            customer_id,
            person_id,
            contact_point_id,
            purposes,
            preferred,
            consent,
        } => contacts::set_preferences(
            ctx,
            customer_id,
            person_id,
            contact_point_id,
            purposes,
            *preferred,
            *consent,
        ),
        Intent::ReassignJob {
            customer_id,
            job_id,
            org_id,
        } => jobs::reassign(ctx, customer_id, job_id, org_id),
        Intent::SetJobStatus {
            customer_id,
            job_id,
            status,
            base_status,
        } => jobs::set_status(ctx, customer_id, job_id, *status, *base_status),
        Intent::SetJobContact {
            customer_id,
            job_id,
            person_id,
        } => jobs::set_contact(ctx, customer_id, job_id, person_id),
        Intent::AddNote {
            customer_id,
            note_id,
            text,
            job_id,
            ticket_id,
        } => casework::add_note(
            ctx,
            customer_id,
            note_id,
            text,
            job_id.as_deref(),
            ticket_id.as_deref(),
            None,
        ),
        Intent::LogInteraction {
            customer_id,
            interaction_id,
            channel,
            summary,
            job_id,
            ticket_id,
        } => casework::add_note(
            ctx,
            customer_id,
            interaction_id,
            summary,
            job_id.as_deref(),
            ticket_id.as_deref(),
            Some(*channel),
        ),
        Intent::OpenTicket {
            customer_id,
            ticket_id,
            subject,
            priority,
            job_ids,
        } => casework::open_ticket(ctx, customer_id, ticket_id, subject, *priority, job_ids),
        Intent::EscalateTicket {
            customer_id,
            ticket_id,
            org_id,
            reason,
            pause_reason,
        } => casework::escalate_ticket(ctx, customer_id, ticket_id, org_id, reason, pause_reason.as_deref()),
        Intent::SetTicketStatus {
            customer_id,
            ticket_id,
            status,
            base_status,
        } => casework::set_ticket_status(ctx, customer_id, ticket_id, *status, *base_status),
        Intent::ScheduleCallback { customer_id, .. } => casework::schedule_callback(ctx, customer_id, intent),
        Intent::RecordCallbackAttempt {
            customer_id,
            callback_id,
            outcome,
            note,
        } => casework::record_attempt(ctx, customer_id, callback_id, *outcome, note),
        Intent::RecordCommitment { customer_id, .. } => casework::record_commitment(ctx, customer_id, intent),
        Intent::ResolveCommitment {
            customer_id,
            commitment_id,
            status,
        } => casework::resolve_commitment(ctx, customer_id, commitment_id, *status),
        Intent::RecordFeedback { customer_id, .. } => casework::record_feedback(ctx, customer_id, intent),
        Intent::CreateCustomer {
            customer_id,
            person_id,
            contact_point_id,
            name,
            phone,
        } => customers::create_customer(ctx, customer_id, person_id, contact_point_id, name, phone),
        Intent::SendConfirmation {
            customer_id,
            confirmation_id,
            person_id,
            text,
            template_id,
        } => casework::send_confirmation(
            ctx,
            customer_id,
            confirmation_id,
            person_id.as_deref(),
            text,
            template_id.as_deref(),
        ),
        Intent::ReassignFollowUp {
            customer_id,
            item,
            owner_org_id,
            owner_user_id,
        } => followups::reassign(ctx, customer_id, item, owner_org_id, owner_user_id.as_deref()),
        Intent::RescheduleFollowUp {
            customer_id,
            item,
            due_at,
            due_until,
        } => followups::reschedule(ctx, customer_id, item, *due_at, *due_until),
        Intent::EscalateFollowUp {
            customer_id,
            item,
            reason,
        } => followups::escalate(ctx, customer_id, item, reason),
        Intent::MergeCustomers {
            customer_id,
            merged_id,
            merge_id,
        } => merge::merge(ctx, customer_id, merged_id, merge_id),
        Intent::UndoMerge { customer_id, merge_id } => merge::undo(ctx, customer_id, merge_id),
        Intent::EraseCustomer { customer_id, reason } => erase::erase(ctx, customer_id, reason),
    }
}

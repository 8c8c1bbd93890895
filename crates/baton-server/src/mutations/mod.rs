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
mod orders;
pub mod surveys;

use std::collections::BTreeSet;

use baton_proto::{ErrorCode, Intent, Mutation, MutationOutcome, MutationResult};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::ServerError;
use crate::feed;
use crate::store::{self, Conn};

pub use context::{system_caller, ConfirmTo, Ctx};

/// The largest batch a client may push at once.
pub const MAX_BATCH: usize = 100;

/// What a push did: the answers, and which scopes have new changes to poke.
pub struct PushOutcome {
    pub results: Vec<MutationResult>,
    pub touched: BTreeSet<String>,
}

/// Applies `batch` from `caller`'s console (or system) in one transaction, then
/// tells the live consoles of every scope it touched. The one way requests write
/// intents (`/v1/sync/push`, `/v1/mutations`).
pub async fn apply(
    state: &crate::AppState,
    caller: &AuthUser,
    client_id: Uuid,
    batch: Vec<Mutation>,
) -> Result<Vec<MutationResult>, ServerError> {
    let writer = caller.clone();
    let now = state.now();
    let (out, before, head) = state
        .db
        .write(move |tx| {
            let before = feed::head(tx)?;
            let out = apply_batch(tx, &writer, client_id, &batch, now)?;
            Ok((out, before, feed::head(tx)?))
        })
        .await?;
    if let Some(org) = caller.scope().org() {
        // A partner's own edits coming back to it are not propagation.
        state.propagation.own_push(org, before, head);
    }
    state.metrics.mutations(&out.results);
    state.poke(head, out.touched.into_iter().collect());
    Ok(out.results)
}

pub fn apply_batch(
    tx: &dyn Conn,
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
        tx.batch("SAVEPOINT mutation")?;
        let mut ctx = Ctx::new(tx, caller, m.intent.customer_id(), now);
        let applied = apply_one(&mut ctx, &m.intent);
        let (scopes, conflict) = (std::mem::take(&mut ctx.touched), ctx.conflict.take());
        drop(ctx);
        let outcome = match applied {
            Ok(()) => {
                tx.batch("RELEASE mutation")?;
                touched.extend(scopes);
                MutationOutcome::Applied {
                    seq: feed::head(tx)?,
                    conflict: conflict.clone(),
                }
            }
            Err(ServerError::Api(code, message)) => {
                // Nothing of the rejected edit stays.
                tx.batch("ROLLBACK TO mutation; RELEASE mutation")?;
                // The code only: a message may quote what was typed (a phone number).
                tracing::info!(mutation = %m.id, ?code, "mutation rejected");
                MutationOutcome::Rejected { code, message }
            }
            Err(other) => return Err(other),
        };
        record(tx, caller, client_id, m, &outcome)?;
        if let (Some(c), MutationOutcome::Applied { .. }) = (conflict, &outcome) {
            store::mutations::record_conflict(
                tx,
                &m.id.to_string(),
                m.intent.customer_id(),
                &c,
                Some(&m.intent.value()),
                &Utc::now().to_rfc3339(),
            )?;
        }
        results.push(MutationResult { id: m.id, outcome });
    }
    Ok(PushOutcome { results, touched })
}

fn recorded(tx: &dyn Conn, caller: &AuthUser, id: Uuid) -> Result<Option<MutationOutcome>, ServerError> {
    match store::mutations::recorded(tx, &id.to_string())? {
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
    tx: &dyn Conn,
    caller: &AuthUser,
    client_id: Uuid,
    m: &Mutation,
    outcome: &MutationOutcome,
) -> Result<(), ServerError> {
    let intent = serde_json::to_string(&m.intent).map_err(|e| ServerError::Internal(e.to_string()))?;
    let outcome = serde_json::to_string(outcome).map_err(|e| ServerError::Internal(e.to_string()))?;
    store::mutations::record(
        tx,
        &store::mutations::NewMutation {
            id: &m.id.to_string(),
            user_id: &caller.user.id,
            client_id: &client_id.to_string(),
            client_seq: m.client_seq,
            name: m.intent.name(),
            intent: &intent,
            outcome: &outcome,
            at: &Utc::now().to_rfc3339(),
        },
    )
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
        Intent::CreateOrder {
            customer_id,
            order_id,
            number,
            kind,
            lines,
        } => orders::create(ctx, customer_id, order_id, number.as_deref(), *kind, lines),
        Intent::UpdateOrder {
            customer_id,
            order_id,
            status,
            lines,
        } => orders::update(ctx, customer_id, order_id, *status, lines.as_deref()),
        Intent::CreateJob {
            customer_id,
            job_id,
            org_id,
            kind,
            summary,
            contact_person_id,
            address_id,
            order_id,
            appointment_start,
            appointment_end,
        } => {
            let appointment = match (appointment_start, appointment_end) {
                (Some(s), Some(e)) => Some((*s, *e)),
                (None, None) => None,
                _ => {
                    return Err(ServerError::bad_request(
                        "give the appointment's start and end, or neither",
                    ))
                }
            };
            jobs::create(
                ctx,
                customer_id,
                &jobs::NewJob {
                    job_id,
                    org_id,
                    kind: *kind,
                    summary,
                    contact_person_id,
                    address_id: address_id.as_deref(),
                    order_id: order_id.as_deref(),
                    appointment,
                },
            )
        }
        Intent::RescheduleJob {
            customer_id,
            job_id,
            appointment_start,
            appointment_end,
            reason,
        } => jobs::reschedule(
            ctx,
            customer_id,
            job_id,
            *appointment_start,
            *appointment_end,
            reason.as_deref(),
        ),
        Intent::CancelJob {
            customer_id,
            job_id,
            reason,
        } => jobs::cancel(ctx, customer_id, job_id, reason),
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
            visibility,
        } => casework::add_note(
            ctx,
            customer_id,
            &casework::NewNote {
                note_id,
                text,
                job_id: job_id.as_deref(),
                ticket_id: ticket_id.as_deref(),
                channel: None,
                visibility: *visibility,
            },
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
            &casework::NewNote {
                note_id: interaction_id,
                text: summary,
                job_id: job_id.as_deref(),
                ticket_id: ticket_id.as_deref(),
                channel: Some(*channel),
                visibility: baton_proto::NoteVisibility::Shared,
            },
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
        Intent::SendSurvey {
            customer_id,
            survey_id,
            about,
        } => surveys::send_survey(ctx, customer_id, survey_id, about),
        Intent::SetCustomerTimeZone { customer_id, time_zone } => {
            customers::set_time_zone(ctx, customer_id, time_zone.as_deref())
        }
        Intent::MergeCustomers {
            customer_id,
            merged_id,
            merge_id,
        } => merge::merge(ctx, customer_id, merged_id, merge_id),
        Intent::UndoMerge { customer_id, merge_id } => merge::undo(ctx, customer_id, merge_id),
        Intent::EraseCustomer { customer_id, reason } => erase::erase(ctx, customer_id, reason),
    }
}

//! Applying an intent to a local copy of a customer: used for the optimistic edit
//! and to replay unconfirmed edits on top of each server document.

use baton_proto::contact::{normalize_email, normalize_phone};
use baton_proto::{ContactKind, Customer, ErrorCode, Intent};
use chrono::{DateTime, Utc};

use crate::error::{CoreError, Result};

/// Validates `intent` against `customer` and applies it. Values are normalised
/// exactly as the server will (E.164 phones, lower-case emails).
pub fn apply(customer: &mut Customer, intent: &Intent, by: &str, at: DateTime<Utc>) -> Result<()> {
    match intent {
        Intent::SetContactPoint {
            person_id,
            contact_point_id,
            value,
            ..
        } => {
            let person = customer
                .people
                .iter_mut()
                .find(|p| &p.id == person_id)
                .ok_or_else(|| CoreError::invalid(ErrorCode::NotFound, "that person is not on this customer"))?;
            let point = person
                .contacts
                .iter_mut()
                .find(|c| &c.id == contact_point_id)
                .ok_or_else(|| CoreError::invalid(ErrorCode::NotFound, "that contact is not on this person"))?;
            point.value = match point.kind {
                ContactKind::Phone => normalize_phone(value)?,
                ContactKind::Email => normalize_email(value)?,
            };
            point.updated_at = at;
            point.updated_by = by.to_string();
            customer.updated_at = at;
            Ok(())
        }
        // Job edits change the job, not the customer's document; the cached job
        // changes when the feed delivers it (a reassigned job leaves a partner's cache).
        Intent::ReassignJob { .. } | Intent::SetJobStatus { .. } | Intent::SetJobContact { .. } => Ok(()),
        // Casework, contact additions and merges are queued as they are and appear
        // in the record when the server's document arrives: their numbers, owners'
        // names and side effects (timeline, confirmations) are the server's to assign.
        _ => Ok(()),
    }
}

/// What an intent changes, so the UI can mark that field.
pub fn target(intent: &Intent) -> String {
    match intent {
        Intent::SetContactPoint { contact_point_id, .. } => format!("contact:{contact_point_id}"),
        Intent::ReassignJob { job_id, .. } => format!("job:{job_id}"),
        Intent::SetJobStatus { job_id, .. } => format!("job-status:{job_id}"),
        Intent::SetJobContact { job_id, .. } => format!("job-contact:{job_id}"),
        Intent::AddContactPoint { contact_point_id, .. } | Intent::SetContactPreferences { contact_point_id, .. } => {
            format!("contact:{contact_point_id}")
        }
        Intent::AddNote { note_id, .. } => format!("note:{note_id}"),
        Intent::LogInteraction { interaction_id, .. } => format!("note:{interaction_id}"),
        Intent::OpenTicket { ticket_id, .. }
        | Intent::EscalateTicket { ticket_id, .. }
        | Intent::SetTicketStatus { ticket_id, .. } => format!("ticket:{ticket_id}"),
        Intent::ScheduleCallback { callback_id, .. } | Intent::RecordCallbackAttempt { callback_id, .. } => {
            format!("callback:{callback_id}")
        }
        Intent::RecordCommitment { commitment_id, .. } | Intent::ResolveCommitment { commitment_id, .. } => {
            format!("commitment:{commitment_id}")
        }
        Intent::RecordFeedback { feedback_id, .. } => format!("feedback:{feedback_id}"),
        Intent::ReassignFollowUp { item, .. }
        | Intent::RescheduleFollowUp { item, .. }
        | Intent::EscalateFollowUp { item, .. } => match item.kind {
            baton_proto::FollowUpKind::Callback => format!("callback:{}", item.id),
            baton_proto::FollowUpKind::Commitment => format!("commitment:{}", item.id),
        },
        Intent::MergeCustomers { merge_id, .. } | Intent::UndoMerge { merge_id, .. } => format!("merge:{merge_id}"),
    }
}

//! Applying an intent to a local copy of a customer: used for the optimistic edit
//! and to replay unconfirmed edits on top of each server document.

use baton_proto::contact::{normalize_email, normalize_phone};
use baton_proto::validate::{self, MAX_ID, MAX_SHORT, MAX_TEXT};
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
        // A new job, a new window or a cancellation: checked here, shown when the
        // server's job (numbered, with its partner's name) arrives.
        Intent::CreateJob { .. } | Intent::RescheduleJob { .. } | Intent::CancelJob { .. } => check(customer, intent),
        // Casework, contact additions and merges are queued as they are and appear
        // in the record when the server's document arrives: their numbers, owners'
        // names and side effects (timeline, confirmations) are the server's to assign.
        // What can be judged here is, so a mistake is refused before it is queued.
        other => check(customer, other),
    }
}

/// The record of a customer the user is creating, as the server will store it
/// (the account number is the server's to give: shown as "new" until then).
pub fn provisional_customer(intent: &Intent, by: &str, at: DateTime<Utc>) -> Customer {
    let Intent::CreateCustomer {
        customer_id,
        person_id,
        contact_point_id,
        name,
        phone,
    } = intent
    else {
        return Customer::default();
    };
    let name = name.trim().to_string();
    Customer {
        id: customer_id.clone(),
        number: "new".into(),
        display_name: name.clone(),
        people: vec![baton_proto::Person {
            id: person_id.clone(),
            name,
            roles: vec![baton_proto::PersonRole::AccountHolder],
            contacts: vec![baton_proto::ContactPoint {
                id: contact_point_id.clone(),
                kind: ContactKind::Phone,
                label: "phone".into(),
                value: normalize_phone(phone).unwrap_or_else(|_| phone.clone()),
                preferred: true,
                updated_at: at,
                updated_by: by.to_string(),
                purposes: vec![baton_proto::ContactPurpose::Appointments],
                consent: baton_proto::Consent::default(),
            }],
        }],
        updated_at: at,
        ..Customer::default()
    }
}

fn text(field: &str, value: &str, max: usize) -> Result<()> {
    validate::text(field, value, max)?;
    Ok(())
}

fn person(customer: &Customer, id: Option<&str>) -> Result<()> {
    match id {
        Some(id) if customer.person(id).is_none() => Err(CoreError::invalid(
            ErrorCode::NotFound,
            "that person is not on this customer",
        )),
        _ => Ok(()),
    }
}

fn ticket<'a>(customer: &'a Customer, id: &str) -> Result<&'a baton_proto::Ticket> {
    customer
        .tickets
        .iter()
        .find(|t| t.id == id)
        .ok_or_else(|| CoreError::invalid(ErrorCode::NotFound, "that ticket is not on this customer"))
}

/// The checks the console can make on a casework intent with what it holds; the
/// server makes them again, with the rest (permissions, jobs it cannot see here).
fn check(customer: &Customer, intent: &Intent) -> Result<()> {
    match intent {
        Intent::AddNote { text: t, ticket_id, .. } => {
            text("the note", t, MAX_TEXT)?;
            ticket_id.as_deref().map(|id| ticket(customer, id)).transpose()?;
            Ok(())
        }
        Intent::LogInteraction { summary, .. } => text("the summary", summary, MAX_TEXT),
        Intent::OpenTicket { subject, .. } => text("the subject", subject, MAX_SHORT),
        Intent::EscalateTicket {
            ticket_id,
            org_id,
            reason,
            ..
        } => {
            text("the partner", org_id, MAX_ID)?;
            text("the reason", reason, MAX_TEXT)?;
            let t = ticket(customer, ticket_id)?;
            if !matches!(
                t.status,
                baton_proto::TicketStatus::Open | baton_proto::TicketStatus::Pending
            ) {
                return Err(CoreError::invalid(
                    ErrorCode::BadRequest,
                    "only an open ticket can be escalated",
                ));
            }
            Ok(())
        }
        Intent::ScheduleCallback {
            owner_org_id,
            person_id,
            phone,
            request,
            due_at,
            due_until,
            trigger,
            ..
        } => {
            text("the organisation", owner_org_id, MAX_ID)?;
            text("the request", request, MAX_TEXT)?;
            person(customer, person_id.as_deref())?;
            normalize_phone(phone)?;
            match (due_at, trigger) {
                (None, None) => Err(CoreError::invalid(
                    ErrorCode::BadRequest,
                    "say when to call back: a time, or a job status to wait for",
                )),
                _ if due_until.zip(*due_at).is_some_and(|(u, a)| u <= a) => Err(CoreError::invalid(
                    ErrorCode::BadRequest,
                    "the window must end after it starts",
                )),
                _ => Ok(()),
            }
        }
        Intent::RecordCommitment {
            text: t, owner_org_id, ..
        } => {
            text("the promise", t, MAX_TEXT)?;
            text("the organisation", owner_org_id, MAX_ID)
        }
        Intent::CreateOrder { number, lines, .. } => {
            if let Some(n) = number {
                validate::reference("the order number", n)?;
            }
            validate::order_lines(lines)?;
            Ok(())
        }
        Intent::UpdateOrder { order_id, lines, .. } => {
            if !customer.orders.iter().any(|o| &o.id == order_id) {
                return Err(CoreError::invalid(
                    ErrorCode::NotFound,
                    "that order is not on this customer",
                ));
            }
            if let Some(l) = lines {
                validate::order_lines(l)?;
            }
            Ok(())
        }
        Intent::CreateJob {
            org_id,
            summary,
            contact_person_id,
            address_id,
            order_id,
            appointment_start,
            appointment_end,
            ..
        } => {
            text("the partner", org_id, MAX_ID)?;
            text("what the job is", summary, MAX_SHORT)?;
            if customer.person(contact_person_id).is_none() {
                return Err(CoreError::invalid(
                    ErrorCode::NotFound,
                    "choose who the partner contacts",
                ));
            }
            if address_id
                .as_ref()
                .is_some_and(|a| !customer.addresses.iter().any(|x| &x.id == a))
            {
                return Err(CoreError::invalid(
                    ErrorCode::NotFound,
                    "that address is not on this customer",
                ));
            }
            if order_id
                .as_ref()
                .is_some_and(|o| !customer.orders.iter().any(|x| &x.id == o))
            {
                return Err(CoreError::invalid(
                    ErrorCode::NotFound,
                    "that order is not on this customer",
                ));
            }
            match (appointment_start, appointment_end) {
                (Some(s), Some(e)) => Ok(validate::appointment(*s, *e)?),
                (None, None) => Ok(()),
                _ => Err(CoreError::invalid(
                    ErrorCode::BadRequest,
                    "give the appointment's start and end, or neither",
                )),
            }
        }
        Intent::RescheduleJob {
            appointment_start,
            appointment_end,
            reason,
            ..
        } => {
            if let Some(r) = reason {
                text("the reason", r, MAX_TEXT)?;
            }
            Ok(validate::appointment(*appointment_start, *appointment_end)?)
        }
        Intent::CancelJob { reason, .. } => text("the reason", reason, MAX_TEXT),
        Intent::CreateCustomer { name, phone, .. } => {
            text("the name", name, MAX_SHORT)?;
            normalize_phone(phone)?;
            Ok(())
        }
        Intent::SendConfirmation {
            person_id,
            text: t,
            template_id,
            ..
        } => {
            match template_id {
                Some(id) => text("the template", id, MAX_ID)?,
                None => text("the confirmation", t, MAX_TEXT)?,
            }
            person(customer, person_id.as_deref())
        }
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
        Intent::CreateJob { job_id, .. } | Intent::CancelJob { job_id, .. } => format!("job:{job_id}"),
        Intent::RescheduleJob { job_id, .. } => format!("job-appointment:{job_id}"),
        Intent::CreateOrder { order_id, .. } | Intent::UpdateOrder { order_id, .. } => format!("order:{order_id}"),
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
        Intent::SendConfirmation { confirmation_id, .. } => format!("confirmation:{confirmation_id}"),
        Intent::SendSurvey { about, .. } => format!("survey:{}", about.id),
        Intent::SetCustomerTimeZone { customer_id, .. } => format!("time-zone:{customer_id}"),
        Intent::CreateCustomer { customer_id, .. } => format!("customer:{customer_id}"),
        Intent::ReassignFollowUp { item, .. }
        | Intent::RescheduleFollowUp { item, .. }
        | Intent::EscalateFollowUp { item, .. } => match item.kind {
            baton_proto::FollowUpKind::Callback => format!("callback:{}", item.id),
            baton_proto::FollowUpKind::Commitment => format!("commitment:{}", item.id),
        },
        Intent::MergeCustomers { merge_id, .. } | Intent::UndoMerge { merge_id, .. } => format!("merge:{merge_id}"),
        Intent::EraseCustomer { customer_id, .. } => format!("customer:{customer_id}"),
    }
}

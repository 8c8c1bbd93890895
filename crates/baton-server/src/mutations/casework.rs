//! Notes, tickets, callbacks, commitments and feedback: the work done for a
//! customer across organisations.

use baton_proto::contact::normalize_phone;
use baton_proto::validate::{self, MAX_SHORT, MAX_TEXT};
use baton_proto::{
    AttemptOutcome, CallbackAttempt, CallbackStatus, CallbackTrigger, CommitmentStatus, Customer, ErrorCode, Intent,
    InteractionChannel, NoteVisibility, Priority, Text, TextArg, Ticket, TicketStatus, TimelineKind,
    CALLBACK_RETRY_MINUTES, MAX_UNANSWERED_CALLS, TRIGGERED_CALLBACK_SLA_MINUTES,
};
use chrono::Duration;

use super::{ConfirmTo, Ctx};
use crate::docs::{self, Scope};
use crate::error::ServerError;
use crate::store;
use crate::wire::{name, ts};

fn check_job(customer: &Customer, ctx: &Ctx<'_>, job_id: Option<&str>) -> Result<(), ServerError> {
    if let Some(job_id) = job_id {
        let job = docs::visible_job(ctx.conn, &ctx.scope, job_id)?;
        if job.customer_id != customer.id {
            return Err(ServerError::bad_request("that job belongs to another customer"));
        }
    }
    Ok(())
}

fn ticket<'c>(customer: &'c Customer, ticket_id: &str) -> Result<&'c Ticket, ServerError> {
    customer
        .tickets
        .iter()
        .find(|t| t.id == ticket_id)
        .ok_or_else(|| ServerError::not_found("ticket"))
}

/// Records the first response on a ticket when the owning side acts on it.
fn responded(ctx: &Ctx<'_>, t: &Ticket) -> Result<(), ServerError> {
    if t.sla.first_response_at.is_none() {
        store::tickets::responded(ctx.conn, &t.id, &ctx.at)?;
    }
    Ok(())
}

/// A note, or a logged conversation (with its `channel`), for the timeline.
pub struct NewNote<'a> {
    pub note_id: &'a str,
    pub text: &'a str,
    pub job_id: Option<&'a str>,
    pub ticket_id: Option<&'a str>,
    pub channel: Option<InteractionChannel>,
    pub visibility: NoteVisibility,
}

/// A note, or a logged interaction (`channel`), on the customer's timeline.
pub fn add_note(ctx: &mut Ctx<'_>, customer_id: &str, note: &NewNote<'_>) -> Result<(), ServerError> {
    let NewNote {
        note_id,
        text,
        job_id,
        ticket_id,
        channel,
        visibility,
    } = *note;
    validate::id(if channel.is_some() { "interaction_id" } else { "note_id" }, note_id)?;
    let text = validate::text(if channel.is_some() { "summary" } else { "note" }, text, MAX_TEXT)?;
    let customer = ctx.customer(customer_id)?;
    check_job(&customer, ctx, job_id)?;
    if let Some(ticket_id) = ticket_id {
        responded(ctx, ticket(&customer, ticket_id)?)?;
    }
    ctx.require_new("timeline", note_id)?;
    let (kind, action, said) = match channel {
        None => (
            TimelineKind::Note,
            "add_note",
            Text::new("{0}", vec![TextArg::quote(&text)]),
        ),
        Some(ch) => (
            TimelineKind::Interaction,
            "log_interaction",
            Text::new(
                &format!("{} with the customer: {{0}}", channel_name(ch)),
                vec![TextArg::quote(&text)],
            ),
        ),
    };
    ctx.timeline_with_id(note_id, customer_id, kind, &said, (job_id, ticket_id), visibility)?;
    // An internal note's words stay with its organisation: not in the audit
    // log, which the retailer reads; the entry's id says where it is.
    let audited = match visibility {
        NoteVisibility::Shared => text.as_str(),
        NoteVisibility::Internal => "internal note",
    };
    ctx.audit(action, "timeline", note_id, None, audited)?;
    ctx.publish_customer(customer_id, &[])
}

fn channel_name(ch: InteractionChannel) -> &'static str {
    match ch {
        InteractionChannel::Phone => "Call",
        InteractionChannel::Chat => "Chat",
        InteractionChannel::Email => "Email",
        InteractionChannel::Sms => "Text messages",
        InteractionChannel::Visit => "Visit",
    }
}

pub fn open_ticket(
    ctx: &mut Ctx<'_>,
    customer_id: &str,
    ticket_id: &str,
    subject: &str,
    priority: Priority,
    job_ids: &[String],
) -> Result<(), ServerError> {
    validate::id("ticket_id", ticket_id)?;
    let subject = validate::text("subject", subject, MAX_SHORT)?;
    let customer = ctx.customer(customer_id)?;
    for job_id in job_ids {
        check_job(&customer, ctx, Some(job_id))?;
    }
    ctx.require_new("tickets", ticket_id)?;
    let (first, resolution) = priority.sla_hours();
    let number = store::tickets::next_number(ctx.conn)?;
    // The SLA runs in the owning organisation's business hours.
    let clock = ctx.business_clock(ctx.org())?;
    let (first_due, resolution_due) = (
        ts(clock.add(ctx.now, Duration::hours(first))),
        ts(clock.add(ctx.now, Duration::hours(resolution))),
    );
    store::tickets::insert(
        ctx.conn,
        &store::tickets::NewTicket {
            id: ticket_id,
            number: &number,
            customer_id,
            subject: &subject,
            priority,
            owner_org_id: ctx.org(),
            owner_user_id: &ctx.caller.user.id,
            first_response_due: &first_due,
            resolution_due: &resolution_due,
            job_ids,
            at: &ctx.at,
            by: &ctx.by,
        },
    )?;
    ctx.audit("open_ticket", "ticket", ticket_id, None, &subject)?;
    ctx.timeline(
        customer_id,
        TimelineKind::TicketOpened,
        &Text::new(
            &format!("{{0}} opened ({}): {{1}}", name(&priority)),
            vec![TextArg::ticket(ticket_id, &number), TextArg::quote(&subject)],
        ),
        None,
        Some(ticket_id),
    )?;
    ctx.publish_customer(customer_id, &[])
}

pub fn escalate_ticket(
    ctx: &mut Ctx<'_>,
    customer_id: &str,
    ticket_id: &str,
    org_id: &str,
    reason: &str,
    pause_reason: Option<&str>,
) -> Result<(), ServerError> {
    let reason = validate::text("reason", reason, MAX_TEXT)?;
    let pause_reason = pause_reason
        .map(|p| validate::text("pause_reason", p, MAX_SHORT))
        .transpose()?;
    let customer = ctx.customer(customer_id)?;
    let t = ticket(&customer, ticket_id)?;
    ctx.require_internal("escalate a ticket to a partner")?;
    if t.owner_org_id != ctx.org() {
        return Err(ServerError::forbidden(
            "only the organisation that owns a ticket can escalate it",
        ));
    }
    if !t.status.is_live() {
        return Err(ServerError::Api(
            ErrorCode::Conflict,
            format!("{} is {} and cannot be escalated", t.number, name(&t.status)),
        ));
    }
    if ctx.org_kind(org_id)? != baton_proto::OrgKind::Partner {
        return Err(ServerError::bad_request(format!(
            "'{org_id}' is not a partner organisation"
        )));
    }
    let before = docs::scopes_of_customer(ctx.conn, customer_id)?;
    let (paused_since, pause) = match (&t.sla.paused_since, &pause_reason) {
        (Some(since), _) => (Some(ts(*since)), t.sla.pause_reason.clone()),
        (None, Some(reason)) => (Some(ctx.at.clone()), Some(reason.clone())),
        (None, None) => (None, None),
    };
    store::tickets::escalate(
        ctx.conn,
        ticket_id,
        org_id,
        &ctx.at,
        &ctx.by,
        &reason,
        paused_since.as_deref(),
        pause.as_deref(),
    )?;
    responded(ctx, t)?;
    crate::webhooks::emit(
        ctx.conn,
        org_id,
        baton_proto::WebhookEvent::TicketEscalated,
        &ctx.at,
        customer_id,
        crate::webhooks::Item::Ticket(ticket_id),
        serde_json::json!({"ticket_number": t.number}),
    )?;
    let org_name = crate::store::orgs::name(ctx.conn, org_id)?;
    ctx.audit(
        "escalate_ticket",
        "ticket",
        ticket_id,
        t.escalation.as_ref().map(|e| e.org_id.as_str()),
        org_id,
    )?;
    let mut said = Text::new(
        "{0} escalated to {1}: {2}.",
        vec![
            TextArg::ticket(&t.id, &t.number),
            TextArg::quote(&org_name),
            TextArg::quote(&reason),
        ],
    );
    if let Some(p) = pause {
        said = said.then(" ", &Text::new("SLA clock paused: {0}.", vec![TextArg::quote(&p)]));
    }
    ctx.timeline(customer_id, TimelineKind::TicketEscalated, &said, None, Some(ticket_id))?;
    ctx.publish_customer(customer_id, &before)
}

pub fn set_ticket_status(
    ctx: &mut Ctx<'_>,
    customer_id: &str,
    ticket_id: &str,
    status: TicketStatus,
    base_status: TicketStatus,
) -> Result<(), ServerError> {
    let customer = ctx.customer(customer_id)?;
    let t = ticket(&customer, ticket_id)?;
    if t.owner_org_id != ctx.org() {
        return Err(ServerError::forbidden(
            "only the organisation that owns a ticket can change its status; add a note instead",
        ));
    }
    if t.status == status {
        return Ok(());
    }
    if !t.status.can_move_to(status) {
        let seen = if t.status == base_status {
            String::new()
        } else {
            format!(" (you saw {})", name(&base_status))
        };
        return Err(ServerError::Api(
            ErrorCode::Conflict,
            format!(
                "{} is {}{seen} and cannot become {}",
                t.number,
                name(&t.status),
                name(&status)
            ),
        ));
    }
    // Any move by the owner resumes a paused SLA clock; the paused time moves the
    // due times on, so time spent waiting on a partner is not counted against it
    // (the business hours of it: a paused night moves nothing).
    let paused = t
        .sla
        .paused_since
        .map(|since| (ctx.now - since).num_seconds().max(0))
        .unwrap_or(0);
    let clock = ctx.business_clock(&t.owner_org_id)?;
    let paused_open = t
        .sla
        .paused_since
        .map_or_else(Duration::zero, |since| clock.open_between(since, ctx.now));
    let resolved_at = match status {
        TicketStatus::Resolved | TicketStatus::Closed => {
            Some(t.sla.resolved_at.map(ts).unwrap_or_else(|| ctx.at.clone()))
        }
        _ => None,
    };
    let (first_due, resolution_due) = (
        ts(clock.add(t.sla.first_response_due, paused_open)),
        ts(clock.add(t.sla.resolution_due, paused_open)),
    );
    store::tickets::set_status(
        ctx.conn,
        ticket_id,
        &store::tickets::StatusChange {
            status,
            resolved_at: resolved_at.as_deref(),
            paused_seconds: paused,
            first_response_due: &first_due,
            resolution_due: &resolution_due,
            at: &ctx.at,
        },
    )?;
    responded(ctx, t)?;
    ctx.audit(
        "set_ticket_status",
        "ticket",
        ticket_id,
        Some(&name(&t.status)),
        &name(&status),
    )?;
    ctx.timeline(
        customer_id,
        TimelineKind::TicketStatus,
        &Text::new(
            &format!("{{0}}: {} → {}", name(&t.status), name(&status)),
            vec![TextArg::ticket(&t.id, &t.number)],
        ),
        None,
        Some(ticket_id),
    )?;
    ctx.publish_customer(customer_id, &[])
}

pub fn schedule_callback(ctx: &mut Ctx<'_>, customer_id: &str, intent: &Intent) -> Result<(), ServerError> {
    let Intent::ScheduleCallback {
        callback_id,
        owner_org_id,
        owner_user_id,
        person_id,
        phone,
        request,
        due_at,
        due_until,
        trigger,
        job_id,
        ..
    } = intent
    else {
        return Err(ServerError::Internal(
            "schedule_callback called with another intent".into(),
        ));
    };
    match (due_at, due_until) {
        (None, Some(_)) => return Err(ServerError::bad_request("a callback window needs a start (due_at)")),
        (Some(from), Some(until)) if until <= from => {
            return Err(ServerError::bad_request("a callback window must end after it starts"))
        }
        _ => {}
    }
    validate::id("callback_id", callback_id)?;
    let request = validate::text("request", request, MAX_TEXT)?;
    let phone = normalize_phone(phone)?;
    let customer = ctx.customer(customer_id)?;
    check_job(&customer, ctx, job_id.as_deref())?;
    if let Some(p) = person_id {
        customer.person(p).ok_or_else(|| ServerError::not_found("person"))?;
    }
    ctx.handoff_to(owner_org_id)?;
    if let Some(user) = owner_user_id {
        let in_org = crate::store::users::org_and_name(ctx.conn, user)?.map(|(org, _)| org);
        if in_org.as_deref() != Some(owner_org_id.as_str()) {
            return Err(ServerError::bad_request(format!(
                "'{user}' is not a user of {owner_org_id}"
            )));
        }
    }
    // A trigger names a job the caller can see on this customer; if it is already
    // true the callback is due at once.
    let status = match (trigger, due_at) {
        (None, None) => return Err(ServerError::bad_request("a callback needs a due time or a trigger")),
        (Some(CallbackTrigger::JobStatus { job_id, status }), _) => {
            check_job(&customer, ctx, Some(job_id))?;
            let now = docs::load_job(ctx.conn, job_id)?.map(|j| j.status);
            if now == Some(*status) {
                CallbackStatus::Queued
            } else {
                CallbackStatus::Waiting
            }
        }
        (None, Some(_)) => CallbackStatus::Queued,
    };
    // Due at once when its condition already holds: within the triggered-callback
    // SLA, in the owning organisation's business hours.
    let due = match (status, due_at) {
        (CallbackStatus::Queued, None) => Some(ts(ctx
            .business_clock(owner_org_id)?
            .add(ctx.now, Duration::minutes(TRIGGERED_CALLBACK_SLA_MINUTES)))),
        (_, due) => due.map(ts),
    };
    ctx.require_new("callbacks", callback_id)?;
    let before = docs::scopes_of_customer(ctx.conn, customer_id)?;
    let due_until_at = due_until.map(ts);
    store::callbacks::insert(
        ctx.conn,
        &store::callbacks::NewCallback {
            id: callback_id,
            customer_id,
            owner_org_id,
            owner_user_id: owner_user_id.as_deref(),
            person_id: person_id.as_deref(),
            phone: &phone,
            request: &request,
            due_at: due.as_deref(),
            due_until: due_until_at.as_deref(),
            trigger: trigger.as_ref(),
            job_id: job_id.as_deref(),
            status,
            at: &ctx.at,
            by: &ctx.by,
        },
    )?;
    ctx.audit("schedule_callback", "callback", callback_id, None, &request)?;
    if status == CallbackStatus::Queued {
        crate::webhooks::emit(
            ctx.conn,
            owner_org_id,
            baton_proto::WebhookEvent::CallbackQueued,
            &ctx.at,
            customer_id,
            crate::webhooks::Item::Callback(callback_id),
            serde_json::json!({"due_at": due}),
        )?;
    }
    let owner = crate::store::orgs::name(ctx.conn, owner_org_id)?;
    let when = match (status, trigger, due_at) {
        (CallbackStatus::Waiting, Some(CallbackTrigger::JobStatus { status, .. }), _) => {
            Text::plain(&format!("as soon as the job is {}", status.as_str()))
        }
        (_, _, Some(d)) => match due_until {
            Some(u) => Text::new("between {0} and {1}", vec![TextArg::time(*d), TextArg::time(*u)]),
            None => Text::new("by {0}", vec![TextArg::time(*d)]),
        },
        _ => Text::plain("now"),
    };
    let summary = Text::new(
        "{0} will call you back on {1}",
        vec![
            TextArg::quote(&owner),
            TextArg::contact(baton_proto::ContactKind::Phone, person_id.as_deref(), &phone),
        ],
    )
    .then(" (", &when)
    .then("): ", &Text::new("{0}", vec![TextArg::quote(&request)]));
    ctx.timeline(
        customer_id,
        TimelineKind::CallbackScheduled,
        &summary,
        job_id.as_deref(),
        None,
    )?;
    ctx.confirm(customer_id, ConfirmTo::Person(person_id.as_deref()), &summary)?;
    ctx.publish_customer(customer_id, &before)
}

pub fn record_attempt(
    ctx: &mut Ctx<'_>,
    customer_id: &str,
    callback_id: &str,
    outcome: AttemptOutcome,
    note: &str,
) -> Result<(), ServerError> {
    let note = if note.trim().is_empty() {
        String::new()
    } else {
        validate::text("note", note, MAX_TEXT)?
    };
    let customer = ctx.customer(customer_id)?;
    let cb = customer
        .callbacks
        .iter()
        .find(|c| c.id == callback_id)
        .ok_or_else(|| ServerError::not_found("callback"))?;
    if ctx.scope != Scope::Internal && cb.owner_org_id != ctx.org() {
        return Err(ServerError::forbidden(
            "only the organisation that owns a callback can record calls for it",
        ));
    }
    if matches!(cb.status, CallbackStatus::Completed | CallbackStatus::Cancelled) {
        return Err(ServerError::Api(
            ErrorCode::Conflict,
            format!("this callback is already {}", name(&cb.status)),
        ));
    }
    let mut attempts = cb.attempts.clone();
    attempts.push(CallbackAttempt {
        at: ctx.now,
        by: ctx.by.clone(),
        outcome,
        note: note.clone(),
    });
    // The retry policy: an unanswered call is tried again later, a third one (or a
    // wrong number) goes to the owning organisation's supervisors.
    let unanswered = attempts
        .iter()
        .filter(|a| matches!(a.outcome, AttemptOutcome::NoAnswer | AttemptOutcome::LeftMessage))
        .count();
    let (status, retry_at, escalate) = match outcome {
        AttemptOutcome::Reached => (CallbackStatus::Completed, None, None),
        AttemptOutcome::WrongNumber => (
            cb.status,
            None,
            Some("wrong number: the customer must be reached another way".to_string()),
        ),
        _ if unanswered >= MAX_UNANSWERED_CALLS => (cb.status, None, Some(format!("{unanswered} calls unanswered"))),
        _ => {
            let wait = CALLBACK_RETRY_MINUTES[(unanswered - 1).min(CALLBACK_RETRY_MINUTES.len() - 1)];
            // The next try is in the owner's business hours: a call that went
            // unanswered at closing time is retried when it opens again.
            let clock = ctx.business_clock(&cb.owner_org_id)?;
            (cb.status, Some(clock.add(ctx.now, Duration::minutes(wait))), None)
        }
    };
    let retry = retry_at.map(ts);
    store::callbacks::record_attempt(
        ctx.conn,
        callback_id,
        &store::callbacks::Attempted {
            attempts: &attempts,
            status,
            retry_at: retry.as_deref(),
            escalate: escalate.as_deref(),
            at: &ctx.at,
        },
    )?;
    ctx.audit(
        "record_callback_attempt",
        "callback",
        callback_id,
        Some(&name(&cb.status)),
        &name(&outcome),
    )?;
    let mut text = Text::new(
        &format!("Called {{0}}: {}", name(&outcome).replace('_', " ")),
        vec![TextArg::contact(
            baton_proto::ContactKind::Phone,
            cb.person_id.as_deref(),
            cb.phone.as_deref().unwrap_or_default(),
        )],
    );
    if !note.is_empty() {
        text = text.then(" — ", &Text::new("{0}", vec![TextArg::quote(&note)]));
    }
    if let Some(at) = retry_at {
        text = text.then(". ", &Text::new("Next try by {0}", vec![TextArg::time(at)]));
    }
    if let Some(reason) = &escalate {
        text = text.then(
            ". ",
            &Text::new(
                "Moved to the supervisors at {0}: {1}",
                vec![TextArg::quote(&cb.owner_org_name), TextArg::quote(reason)],
            ),
        );
    }
    ctx.timeline(
        customer_id,
        TimelineKind::CallbackAttempt,
        &text,
        cb.job_id.as_deref(),
        None,
    )?;
    ctx.publish_customer(customer_id, &[])
}

pub fn record_commitment(ctx: &mut Ctx<'_>, customer_id: &str, intent: &Intent) -> Result<(), ServerError> {
    let Intent::RecordCommitment {
        commitment_id,
        text,
        due_at,
        owner_org_id,
        ticket_id,
        job_id,
        ..
    } = intent
    else {
        return Err(ServerError::Internal(
            "record_commitment called with another intent".into(),
        ));
    };
    validate::id("commitment_id", commitment_id)?;
    let text = validate::text("text", text, MAX_TEXT)?;
    let customer = ctx.customer(customer_id)?;
    check_job(&customer, ctx, job_id.as_deref())?;
    if let Some(t) = ticket_id {
        ticket(&customer, t)?;
    }
    ctx.handoff_to(owner_org_id)?;
    ctx.require_new("commitments", commitment_id)?;
    let before = docs::scopes_of_customer(ctx.conn, customer_id)?;
    let due = ts(*due_at);
    store::commitments::insert(
        ctx.conn,
        &store::commitments::NewCommitment {
            id: commitment_id,
            customer_id,
            text: &text,
            due_at: &due,
            owner_org_id,
            owner_user_id: (owner_org_id == ctx.org()).then_some(ctx.caller.user.id.as_str()),
            ticket_id: ticket_id.as_deref(),
            job_id: job_id.as_deref(),
            at: &ctx.at,
            by: &ctx.by,
        },
    )?;
    ctx.audit("record_commitment", "commitment", commitment_id, None, &text)?;
    let summary = Text::new(
        "{0} promised: {1} (due {2})",
        vec![TextArg::quote(&ctx.by), TextArg::quote(&text), TextArg::time(*due_at)],
    );
    ctx.timeline(
        customer_id,
        TimelineKind::CommitmentRecorded,
        &summary,
        job_id.as_deref(),
        ticket_id.as_deref(),
    )?;
    // Confirmed to the person the promise concerns: the job's contact when it is
    // about a job, else the account holder.
    let person = match job_id {
        Some(j) => docs::load_job(ctx.conn, j)?.and_then(|j| j.contact_person_id),
        None => None,
    };
    ctx.confirm(customer_id, ConfirmTo::Person(person.as_deref()), &summary)?;
    ctx.publish_customer(customer_id, &before)
}

pub fn resolve_commitment(
    ctx: &mut Ctx<'_>,
    customer_id: &str,
    commitment_id: &str,
    status: CommitmentStatus,
) -> Result<(), ServerError> {
    if status == CommitmentStatus::Open {
        return Err(ServerError::bad_request(
            "a commitment is resolved as kept, broken or cancelled",
        ));
    }
    let customer = ctx.customer(customer_id)?;
    let c = customer
        .commitments
        .iter()
        .find(|c| c.id == commitment_id)
        .ok_or_else(|| ServerError::not_found("commitment"))?;
    if ctx.scope != Scope::Internal && c.owner_org_id != ctx.org() {
        return Err(ServerError::forbidden(
            "only the organisation that made a commitment can resolve it",
        ));
    }
    if c.status != CommitmentStatus::Open {
        return Err(ServerError::Api(
            ErrorCode::Conflict,
            format!("this commitment is already {}", name(&c.status)),
        ));
    }
    store::commitments::resolve(ctx.conn, commitment_id, status, &ctx.at)?;
    if status == CommitmentStatus::Broken {
        crate::webhooks::emit(
            ctx.conn,
            &c.owner_org_id,
            baton_proto::WebhookEvent::CommitmentBroken,
            &ctx.at,
            customer_id,
            crate::webhooks::Item::Commitment(commitment_id),
            serde_json::json!({}),
        )?;
    }
    ctx.audit(
        "resolve_commitment",
        "commitment",
        commitment_id,
        Some("open"),
        &name(&status),
    )?;
    ctx.timeline(
        customer_id,
        TimelineKind::CommitmentResolved,
        &Text::new(
            &format!("Commitment {}: {{0}}", name(&status)),
            vec![TextArg::quote(&c.text)],
        ),
        c.job_id.as_deref(),
        c.ticket_id.as_deref(),
    )?;
    ctx.publish_customer(customer_id, &[])
}

/// A confirmation sent on purpose ("your visit is Tuesday 10–12"): on the
/// person's confirmation channel, delivered and retried like every automatic
/// one. Retailer staff write it or pick one of the retailer's templates; a
/// partner sends templates only. The person must be on the caller's view of
/// the customer.
pub fn send_confirmation(
    ctx: &mut Ctx<'_>,
    customer_id: &str,
    confirmation_id: &str,
    person_id: Option<&str>,
    text: &str,
    template_id: Option<&str>,
) -> Result<(), ServerError> {
    validate::id("confirmation_id", confirmation_id)?;
    let text = match template_id {
        Some(t) => {
            if !text.trim().is_empty() {
                return Err(ServerError::bad_request(
                    "send either a template or your own words, not both",
                ));
            }
            validate::id("template_id", t)?;
            crate::store::templates::body(ctx.conn, t)?
                .ok_or_else(|| ServerError::bad_request("there is no such confirmation template"))?
        }
        None => {
            if ctx.scope != Scope::Internal {
                return Err(ServerError::forbidden(
                    "a partner sends the retailer's confirmation templates, not its own words",
                ));
            }
            validate::text("text", text, MAX_TEXT)?
        }
    };
    let customer = ctx.customer(customer_id)?;
    if let Some(p) = person_id {
        if customer.person(p).is_none() {
            return Err(ServerError::not_found("person"));
        }
    }
    ctx.require_new("confirmations", confirmation_id)?;
    ctx.confirm_with_id(
        confirmation_id,
        customer_id,
        ConfirmTo::Person(person_id),
        &Text::new("{0}", vec![TextArg::quote(&text)]),
    )?;
    ctx.audit("send_confirmation", "confirmation", confirmation_id, None, &text)?;
    ctx.publish_customer(customer_id, &[])
}

pub fn record_feedback(ctx: &mut Ctx<'_>, customer_id: &str, intent: &Intent) -> Result<(), ServerError> {
    let Intent::RecordFeedback {
        feedback_id,
        job_id,
        csat,
        nps,
        comment,
        reasked,
        ..
    } = intent
    else {
        return Err(ServerError::Internal(
            "record_feedback called with another intent".into(),
        ));
    };
    ctx.require_internal("record customer feedback")?;
    validate::id("feedback_id", feedback_id)?;
    if csat.is_none() && nps.is_none() {
        return Err(ServerError::bad_request(
            "feedback needs a csat (1-5) or nps (0-10) score",
        ));
    }
    if csat.is_some_and(|c| !(1..=5).contains(&c)) {
        return Err(ServerError::bad_request("csat must be between 1 and 5"));
    }
    if nps.is_some_and(|n| n > 10) {
        return Err(ServerError::bad_request("nps must be between 0 and 10"));
    }
    if comment.chars().count() > MAX_TEXT {
        return Err(ServerError::bad_request(format!(
            "comment must be at most {MAX_TEXT} characters"
        )));
    }
    let customer = ctx.customer(customer_id)?;
    check_job(&customer, ctx, Some(job_id))?;
    let job = docs::visible_job(ctx.conn, &ctx.scope, job_id)?;
    ctx.require_new("feedback", feedback_id)?;
    store::feedback::insert(
        ctx.conn,
        &store::feedback::NewFeedback {
            id: feedback_id,
            customer_id,
            org_id: &job.org_id,
            job_id: Some(job_id),
            ticket_id: None,
            csat: *csat,
            nps: *nps,
            comment: comment.trim(),
            reasked: *reasked,
            at: &ctx.at,
            source: store::feedback::Source::Agent,
        },
    )?;
    ctx.audit("record_feedback", "feedback", feedback_id, None, comment.trim())?;
    let scores = [
        csat.map(|c| format!("CSAT {c}/5")),
        nps.map(|n| format!("NPS {n}/10")),
        reasked.map(|r| {
            if r {
                "had to repeat details".to_string()
            } else {
                "repeated nothing".to_string()
            }
        }),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    ctx.timeline(
        customer_id,
        TimelineKind::Feedback,
        &Text::new(
            &format!("Feedback on {{0}} by {{1}}: {scores}. {{2}}"),
            vec![
                TextArg::job(&job.id, &job.number),
                TextArg::quote(&job.org_name),
                TextArg::quote(comment.trim()),
            ],
        ),
        Some(job_id),
        None,
    )?;
    ctx.publish_customer(customer_id, &[])
}

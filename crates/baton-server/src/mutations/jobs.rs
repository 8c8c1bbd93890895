//! Partner jobs: their lifecycle, who does them, and who to contact for them.

use baton_proto::{ErrorCode, Job, JobStatus, Text, TextArg, TimelineKind, TRIGGERED_CALLBACK_SLA_MINUTES};

use super::{ConfirmTo, Ctx};
use crate::docs;
use crate::error::ServerError;
use crate::store;
use crate::wire::ts;

/// The job, if the caller sees it and it belongs to `customer_id`.
fn job(ctx: &Ctx<'_>, customer_id: &str, job_id: &str) -> Result<Job, ServerError> {
    let job = docs::visible_job(ctx.conn, &ctx.scope, job_id)?;
    if job.customer_id != customer_id {
        return Err(ServerError::bad_request("that job belongs to another customer"));
    }
    Ok(job)
}

pub fn set_status(
    ctx: &mut Ctx<'_>,
    customer_id: &str,
    job_id: &str,
    status: JobStatus,
    base_status: JobStatus,
) -> Result<(), ServerError> {
    let job = job(ctx, customer_id, job_id)?;
    if job.status == status {
        return Ok(());
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
    store::jobs::set_status(ctx.conn, job_id, status, &ctx.at)?;
    ctx.audit(
        "set_job_status",
        "job",
        job_id,
        Some(job.status.as_str()),
        status.as_str(),
    )?;
    ctx.timeline(
        customer_id,
        TimelineKind::JobStatus,
        &Text::new(
            &format!("{{0}} {{1}}: {} → {}", job.status.as_str(), status.as_str()),
            vec![TextArg::job(&job.id, &job.number), TextArg::quote(&job.org_name)],
        ),
        Some(job_id),
        None,
    )?;
    queue_triggered_callbacks(ctx, customer_id, job_id, status)?;
    job_status_event(ctx, &job, status)?;
    ctx.publish_job(job_id, None)
}

/// Tells the job's partner's webhooks and the retailer's of a new status.
fn job_status_event(ctx: &Ctx<'_>, job: &Job, status: JobStatus) -> Result<(), ServerError> {
    crate::webhooks::emit_with_retailer(
        ctx.conn,
        &job.org_id,
        baton_proto::WebhookEvent::JobStatusChanged,
        &ctx.at,
        &job.customer_id,
        crate::webhooks::Item::Job(&job.id),
        serde_json::json!({"job_number": job.number, "status": status.as_str(),
                           "previous_status": job.status.as_str()}),
    )
}

/// Callbacks waiting for this job to reach `status` enter their owner's queue in
/// the same transaction that made the condition true: no poller, no gap.
fn queue_triggered_callbacks(
    ctx: &Ctx<'_>,
    customer_id: &str,
    job_id: &str,
    status: JobStatus,
) -> Result<(), ServerError> {
    let due = store::callbacks::waiting_for_job(ctx.conn, job_id, status.as_str())?;
    for (id, request) in due {
        let owner = store::callbacks::owner_of(ctx.conn, &id)?;
        if let Some(owner) = &owner {
            crate::webhooks::emit(
                ctx.conn,
                owner,
                baton_proto::WebhookEvent::CallbackQueued,
                &ctx.at,
                customer_id,
                crate::webhooks::Item::Callback(&id),
                serde_json::json!({"job_id": job_id}),
            )?;
        }
        // Within the triggered-callback SLA, in the owner's business hours.
        let clock = match &owner {
            Some(owner) => ctx.business_clock(owner)?,
            None => baton_proto::BusinessClock::always_open(),
        };
        let due = clock.add(ctx.now, chrono::Duration::minutes(TRIGGERED_CALLBACK_SLA_MINUTES));
        store::callbacks::queue(ctx.conn, &id, &ts(due), &ctx.at)?;
        ctx.audit("queue_callback", "callback", &id, Some("waiting"), "queued")?;
        ctx.timeline(
            customer_id,
            TimelineKind::CallbackScheduled,
            &Text::new(
                &format!("Callback now due (job reached {}): {{0}}", status.as_str()),
                vec![TextArg::quote(&request)],
            ),
            Some(job_id),
            None,
        )?;
    }
    Ok(())
}

pub fn reassign(ctx: &mut Ctx<'_>, customer_id: &str, job_id: &str, org_id: &str) -> Result<(), ServerError> {
    let job = job(ctx, customer_id, job_id)?;
    ctx.require_internal("reassign a job")?;
    if ctx.org_kind(org_id)? != baton_proto::OrgKind::Partner {
        return Err(ServerError::bad_request(format!(
            "'{org_id}' is not a partner organisation"
        )));
    }
    if job.org_id == org_id {
        return Ok(());
    }
    store::jobs::reassign(ctx.conn, job_id, org_id, &ctx.at)?;
    ctx.audit("reassign_job", "job", job_id, Some(&job.org_id), org_id)?;
    let new_name = crate::store::orgs::name(ctx.conn, org_id)?;
    ctx.timeline(
        customer_id,
        TimelineKind::JobAssigned,
        &Text::new(
            "{0} moved from {1} to {2}",
            vec![
                TextArg::job(&job.id, &job.number),
                TextArg::quote(&job.org_name),
                TextArg::quote(&new_name),
            ],
        ),
        Some(job_id),
        None,
    )?;
    ctx.publish_job(job_id, Some(&job.org_id))
}

pub fn set_contact(ctx: &mut Ctx<'_>, customer_id: &str, job_id: &str, person_id: &str) -> Result<(), ServerError> {
    let job = job(ctx, customer_id, job_id)?;
    ctx.require_internal("choose a job's contact")?;
    let customer = ctx.customer(customer_id)?;
    let person = customer
        .person(person_id)
        .ok_or_else(|| ServerError::not_found("person"))?;
    if job.contact_person_id.as_deref() == Some(person_id) {
        return Ok(());
    }
    store::jobs::set_contact(ctx.conn, job_id, person_id, &ctx.at)?;
    ctx.audit(
        "set_job_contact",
        "job",
        job_id,
        job.contact_person_id.as_deref(),
        person_id,
    )?;
    let summary = Text::new(
        "{0} will contact {1} for {2}",
        vec![
            TextArg::quote(&job.org_name),
            TextArg::person(person_id, &person.name),
            TextArg::job(&job.id, &job.number),
        ],
    );
    ctx.timeline(customer_id, TimelineKind::JobContact, &summary, Some(job_id), None)?;
    ctx.confirm(customer_id, ConfirmTo::Person(Some(person_id)), &summary)?;
    ctx.publish_job(job_id, None)
}

/// Final statuses: nothing more happens to such a job.
fn finished(status: JobStatus) -> bool {
    matches!(status, JobStatus::Completed | JobStatus::Cancelled | JobStatus::Failed)
}

/// The next job number the server gives (`J-90000001` onwards, above the
/// numbers the retailer's systems and the demo use), skipping any taken.
fn next_number(ctx: &Ctx<'_>) -> Result<String, ServerError> {
    loop {
        let n = store::meta::next_counter(ctx.conn, "next_job_number", 90_000_001)?;
        let number = format!("J-{n}");
        if !store::jobs::number_taken(ctx.conn, &number)? {
            return Ok(number);
        }
    }
}

/// The new job's fields, as the intent gives them.
pub struct NewJob<'a> {
    pub job_id: &'a str,
    pub org_id: &'a str,
    pub kind: baton_proto::JobKind,
    pub summary: &'a str,
    pub contact_person_id: &'a str,
    pub address_id: Option<&'a str>,
    pub order_id: Option<&'a str>,
    pub appointment: Option<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)>,
}

/// Gives a partner a job for the customer. The partner that never had the
/// customer receives it through the feed, scoped to its fields.
pub fn create(ctx: &mut Ctx<'_>, customer_id: &str, new: &NewJob<'_>) -> Result<(), ServerError> {
    ctx.require_internal("give a partner a job")?;
    baton_proto::validate::id("job_id", new.job_id)?;
    let summary = baton_proto::validate::text("summary", new.summary, baton_proto::validate::MAX_SHORT)?;
    let customer = ctx.customer(customer_id)?;
    if ctx.org_kind(new.org_id)? != baton_proto::OrgKind::Partner {
        return Err(ServerError::bad_request(format!(
            "'{}' is not a partner organisation",
            new.org_id
        )));
    }
    let person = customer
        .person(new.contact_person_id)
        .ok_or_else(|| ServerError::bad_request("the contact person is not on this customer"))?;
    if let Some(a) = new.address_id {
        if !customer.addresses.iter().any(|x| x.id == a) {
            return Err(ServerError::bad_request("that address is not on this customer"));
        }
    }
    if let Some(o) = new.order_id {
        if !customer.orders.iter().any(|x| x.id == o) {
            return Err(ServerError::bad_request("that order is not on this customer"));
        }
    }
    if let Some((start, end)) = new.appointment {
        baton_proto::validate::appointment(start, end)?;
    }
    ctx.require_new("jobs", new.job_id)?;
    let number = next_number(ctx)?;
    let status = if new.appointment.is_some() {
        JobStatus::Scheduled
    } else {
        JobStatus::Created
    };
    let (start, end) = (new.appointment.map(|a| ts(a.0)), new.appointment.map(|a| ts(a.1)));
    store::jobs::insert(
        ctx.conn,
        &store::jobs::NewJobRow {
            id: new.job_id,
            number: &number,
            customer_id,
            org_id: new.org_id,
            kind: new.kind,
            status,
            summary: &summary,
            contact_person_id: Some(new.contact_person_id),
            address_id: new.address_id,
            order_id: new.order_id,
            appointment_start: start.as_deref(),
            appointment_end: end.as_deref(),
            at: &ctx.at,
        },
    )?;
    ctx.audit(
        "create_job",
        "job",
        new.job_id,
        None,
        &format!("{}: {summary}", new.org_id),
    )?;
    let org_name = store::orgs::name(ctx.conn, new.org_id)?;
    let mut args = vec![
        TextArg::job(new.job_id, &number),
        TextArg::quote(&org_name),
        TextArg::quote(&summary),
        TextArg::person(new.contact_person_id, &person.name),
    ];
    let template = match new.appointment {
        Some((start, end)) => {
            args.push(TextArg::time(start));
            args.push(TextArg::time(end));
            "{0} for {1}: {2}, with {3}, booked {4} – {5}"
        }
        None => "{0} for {1}: {2}, with {3}; not booked yet",
    };
    let text = Text::new(template, args);
    ctx.timeline(customer_id, TimelineKind::JobCreated, &text, Some(new.job_id), None)?;
    if new.appointment.is_some() {
        ctx.confirm(customer_id, ConfirmTo::Person(Some(new.contact_person_id)), &text)?;
    }
    ctx.publish_job(new.job_id, None)
}

/// Moves a job's appointment: the retailer, or the job's own partner. The
/// contact person is confirmed the new window.
pub fn reschedule(
    ctx: &mut Ctx<'_>,
    customer_id: &str,
    job_id: &str,
    start: chrono::DateTime<chrono::Utc>,
    end: chrono::DateTime<chrono::Utc>,
    reason: Option<&str>,
) -> Result<(), ServerError> {
    let job = job(ctx, customer_id, job_id)?;
    baton_proto::validate::appointment(start, end)?;
    let reason = reason
        .map(|r| baton_proto::validate::text("reason", r, baton_proto::validate::MAX_TEXT))
        .transpose()?;
    if finished(job.status) {
        return Err(ServerError::Api(
            ErrorCode::Conflict,
            format!("{} is {} and cannot be rescheduled", job.number, job.status.as_str()),
        ));
    }
    if job.appointment_start == Some(start) && job.appointment_end == Some(end) {
        return Ok(());
    }
    let status = if job.status == JobStatus::Created {
        JobStatus::Scheduled
    } else {
        job.status
    };
    store::jobs::reschedule(ctx.conn, job_id, &ts(start), &ts(end), status, &ctx.at)?;
    let before = job
        .appointment_start
        .zip(job.appointment_end)
        .map(|(s, e)| format!("{} – {}", ts(s), ts(e)));
    ctx.audit(
        "reschedule_job",
        "job",
        job_id,
        before.as_deref(),
        &format!("{} – {}", ts(start), ts(end)),
    )?;
    let mut args = vec![
        TextArg::job(&job.id, &job.number),
        TextArg::quote(&job.org_name),
        TextArg::time(start),
        TextArg::time(end),
    ];
    let template = match &reason {
        Some(r) => {
            args.push(TextArg::quote(r));
            "{0} with {1} moved to {2} – {3}: {4}"
        }
        None => "{0} with {1} moved to {2} – {3}",
    };
    let text = Text::new(template, args);
    ctx.timeline(customer_id, TimelineKind::JobRescheduled, &text, Some(job_id), None)?;
    let to = job.contact_person_id.as_deref();
    ctx.confirm(customer_id, ConfirmTo::Person(to), &text)?;
    ctx.publish_job(job_id, None)
}

/// Cancels a job that has not finished (retailer staff); the contact is told.
pub fn cancel(ctx: &mut Ctx<'_>, customer_id: &str, job_id: &str, reason: &str) -> Result<(), ServerError> {
    let job = job(ctx, customer_id, job_id)?;
    ctx.require_internal("cancel a job")?;
    let reason = baton_proto::validate::text("reason", reason, baton_proto::validate::MAX_TEXT)?;
    if job.status == JobStatus::Cancelled {
        return Ok(());
    }
    if finished(job.status) {
        return Err(ServerError::Api(
            ErrorCode::Conflict,
            format!("{} is {} and cannot be cancelled", job.number, job.status.as_str()),
        ));
    }
    store::jobs::set_status(ctx.conn, job_id, JobStatus::Cancelled, &ctx.at)?;
    ctx.audit("cancel_job", "job", job_id, Some(job.status.as_str()), &reason)?;
    job_status_event(ctx, &job, JobStatus::Cancelled)?;
    let text = Text::new(
        "{0} with {1} cancelled: {2}",
        vec![
            TextArg::job(&job.id, &job.number),
            TextArg::quote(&job.org_name),
            TextArg::quote(&reason),
        ],
    );
    ctx.timeline(customer_id, TimelineKind::JobStatus, &text, Some(job_id), None)?;
    ctx.confirm(customer_id, ConfirmTo::Person(job.contact_person_id.as_deref()), &text)?;
    ctx.publish_job(job_id, None)
}

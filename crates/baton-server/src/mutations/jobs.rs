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
    ctx.publish_job(job_id, None)
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
        let due = ctx.now + chrono::Duration::minutes(TRIGGERED_CALLBACK_SLA_MINUTES);
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

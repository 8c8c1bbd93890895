//! Supervisor queue actions on callbacks and commitments: reassign, reschedule,
//! escalate. Each is one intent per item, so a bulk action is a push of many —
//! each applied, audited and answered on its own.

use baton_proto::validate::{self, MAX_TEXT};
use baton_proto::{
    CallbackStatus, CommitmentStatus, ErrorCode, EscalationLevel, FollowUp, FollowUpKind, Text, TextArg, TimelineKind,
};
use chrono::{DateTime, Utc};

use super::{ConfirmTo, Ctx};
use crate::docs::Scope;
use crate::error::ServerError;
use crate::store;
use crate::store::queues::Queue;
use crate::wire::ts;

/// What the actions need to know of an open follow-up the caller can see.
struct Open {
    queue: Queue,
    owner_org_id: String,
    owner_org_name: String,
    text: String,
    job_id: Option<String>,
    ticket_id: Option<String>,
    person_id: Option<String>,
}

/// The item, if the caller is a supervisor who may act on it and it is still open.
fn open_item(ctx: &Ctx<'_>, customer_id: &str, item: &FollowUp) -> Result<Open, ServerError> {
    let customer = ctx.customer(customer_id)?;
    let open = match item.kind {
        FollowUpKind::Callback => {
            let c = customer
                .callbacks
                .iter()
                .find(|c| c.id == item.id)
                .ok_or_else(|| ServerError::not_found("callback"))?;
            if !matches!(c.status, CallbackStatus::Waiting | CallbackStatus::Queued) {
                return Err(ServerError::Api(
                    ErrorCode::Conflict,
                    "this callback is already closed".into(),
                ));
            }
            Open {
                queue: Queue::Callbacks,
                owner_org_id: c.owner_org_id.clone(),
                owner_org_name: c.owner_org_name.clone(),
                text: c.request.clone(),
                job_id: c.job_id.clone(),
                ticket_id: None,
                person_id: c.person_id.clone(),
            }
        }
        FollowUpKind::Commitment => {
            let c = customer
                .commitments
                .iter()
                .find(|c| c.id == item.id)
                .ok_or_else(|| ServerError::not_found("commitment"))?;
            if c.status != CommitmentStatus::Open {
                return Err(ServerError::Api(
                    ErrorCode::Conflict,
                    "this commitment is already resolved".into(),
                ));
            }
            Open {
                queue: Queue::Commitments,
                owner_org_id: c.owner_org_id.clone(),
                owner_org_name: c.owner_org_name.clone(),
                text: c.text.clone(),
                job_id: c.job_id.clone(),
                ticket_id: c.ticket_id.clone(),
                person_id: None,
            }
        }
    };
    if !ctx.caller.user.role.supervises() {
        return Err(ServerError::forbidden("only supervisors can change a queue"));
    }
    if ctx.scope != Scope::Internal && open.owner_org_id != ctx.org() {
        return Err(ServerError::forbidden(
            "a partner's supervisors act on their own organisation's queue",
        ));
    }
    Ok(open)
}

fn what(kind: FollowUpKind) -> &'static str {
    match kind {
        FollowUpKind::Callback => "Callback",
        FollowUpKind::Commitment => "Commitment",
    }
}

pub fn reassign(
    ctx: &mut Ctx<'_>,
    customer_id: &str,
    item: &FollowUp,
    owner_org_id: &str,
    owner_user_id: Option<&str>,
) -> Result<(), ServerError> {
    let open = open_item(ctx, customer_id, item)?;
    ctx.handoff_to(owner_org_id)?;
    let user_name = match owner_user_id {
        Some(user) => {
            let found = crate::store::users::org_and_name(ctx.conn, user)?;
            match found {
                Some((org, name)) if org == owner_org_id => Some(name),
                _ => {
                    return Err(ServerError::bad_request(format!(
                        "'{user}' is not a user of {owner_org_id}"
                    )))
                }
            }
        }
        None => None,
    };
    let org_name = crate::store::orgs::name(ctx.conn, owner_org_id)?;
    let before = crate::docs::scopes_of_customer(ctx.conn, customer_id)?;
    store::queues::reassign(ctx.conn, open.queue, &item.id, owner_org_id, owner_user_id)?;
    let to = match &user_name {
        Some(name) => format!("{name} ({org_name})"),
        None => org_name,
    };
    ctx.audit(
        "reassign_follow_up",
        open.queue.entity(),
        &item.id,
        Some(&open.owner_org_id),
        &to,
    )?;
    ctx.timeline(
        customer_id,
        TimelineKind::Escalated,
        &Text::new(
            &format!("{} reassigned from {{0}} to {{1}}: {{2}}", what(item.kind)),
            vec![
                TextArg::quote(&open.owner_org_name),
                TextArg::quote(&to),
                TextArg::quote(&open.text),
            ],
        ),
        open.job_id.as_deref(),
        open.ticket_id.as_deref(),
    )?;
    ctx.publish_customer(customer_id, &before)
}

pub fn reschedule(
    ctx: &mut Ctx<'_>,
    customer_id: &str,
    item: &FollowUp,
    due_at: DateTime<Utc>,
    due_until: Option<DateTime<Utc>>,
) -> Result<(), ServerError> {
    let open = open_item(ctx, customer_id, item)?;
    if due_until.is_some_and(|u| u <= due_at) {
        return Err(ServerError::bad_request("a callback window must end after it starts"));
    }
    if due_until.is_some() && item.kind == FollowUpKind::Commitment {
        return Err(ServerError::bad_request("a commitment has a due time, not a window"));
    }
    // A new promise: out of the supervisor queue until it is overdue again.
    let due_until_at = due_until.map(ts);
    store::queues::reschedule(
        ctx.conn,
        open.queue,
        &item.id,
        &ts(due_at),
        due_until_at.as_deref(),
        &ctx.at,
    )?;
    let when = match due_until {
        Some(u) => Text::new("between {0} and {1}", vec![TextArg::time(due_at), TextArg::time(u)]),
        None => Text::new("by {0}", vec![TextArg::time(due_at)]),
    };
    ctx.audit(
        "reschedule_follow_up",
        open.queue.entity(),
        &item.id,
        None,
        &when.render(),
    )?;
    let summary = Text::plain(&format!("{} rescheduled, now ", what(item.kind)))
        .then("", &when)
        .then(": ", &Text::new("{0}", vec![TextArg::quote(&open.text)]));
    ctx.timeline(
        customer_id,
        TimelineKind::Escalated,
        &summary,
        open.job_id.as_deref(),
        open.ticket_id.as_deref(),
    )?;
    // The customer is told the new time: nobody has to call to find out.
    ctx.confirm(customer_id, ConfirmTo::Person(open.person_id.as_deref()), &summary)?;
    ctx.publish_customer(customer_id, &[])
}

pub fn escalate(ctx: &mut Ctx<'_>, customer_id: &str, item: &FollowUp, reason: &str) -> Result<(), ServerError> {
    let reason = validate::text("reason", reason, MAX_TEXT)?;
    let open = open_item(ctx, customer_id, item)?;
    let level = EscalationLevel::RetailerSupervisor;
    let changed = store::queues::escalate(ctx.conn, open.queue, &item.id, level.level(), &ctx.at, &reason)?;
    if !changed {
        return Err(ServerError::Api(
            ErrorCode::Conflict,
            "this item is already with the retailer's supervisors".into(),
        ));
    }
    ctx.audit("escalate_follow_up", open.queue.entity(), &item.id, None, &reason)?;
    ctx.timeline(
        customer_id,
        TimelineKind::Escalated,
        &Text::new(
            &format!("{} sent to the retailer's supervisors by {{0}}: {{1}}", what(item.kind)),
            vec![TextArg::quote(&ctx.by), TextArg::quote(&reason)],
        ),
        open.job_id.as_deref(),
        open.ticket_id.as_deref(),
    )?;
    ctx.publish_customer(customer_id, &[])
}

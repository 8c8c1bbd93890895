//! Erasing a customer at their request. Their personal data — names, contact
//! values, addresses, and every text written about them — is replaced in every
//! table that holds it (the timeline, the audit log, recorded mutations,
//! confirmations, conflicts, the change feed); an erasure record says who erased
//! whom, when and why; every console drops the customer. What the retailer must
//! keep (orders, jobs, counts for scorecards) stays, with nothing personal in it.

use baton_proto::{EntityKind, Text, TextArg, TimelineKind};

use super::Ctx;
use crate::docs;
use crate::error::ServerError;
use crate::store;

/// What a customer's erased name reads as.
pub const ERASED_NAME: &str = "Erased customer";

pub fn erase(ctx: &mut Ctx<'_>, customer_id: &str, reason: &str) -> Result<(), ServerError> {
    ctx.require_internal("erase a customer")?;
    if !ctx.caller.user.role.supervises() {
        return Err(ServerError::forbidden(
            "only the retailer's supervisors can erase a customer",
        ));
    }
    let reason = baton_proto::validate::text("reason", reason, baton_proto::validate::MAX_SHORT)?;
    let customer = ctx.customer(customer_id)?;
    let before = docs::scopes_of_customer(ctx.conn, customer_id)?;
    let jobs = docs::jobs_of_customer(ctx.conn, customer_id)?;
    let c = ctx.conn;
    let job_ids: Vec<String> = jobs.iter().map(|j| j.id.clone()).collect();
    store::erasures::erase(
        c,
        &store::erasures::Erasure {
            customer_id,
            at: &ctx.at,
            by_user: &ctx.caller.user.id,
            reason: &reason,
            erased_name: ERASED_NAME,
            job_ids: &job_ids,
        },
    )?;
    // Every console that held the customer drops it; partners drop its jobs too.
    for scope in &before {
        crate::feed::append_removal(c, &scope.key(), EntityKind::Customer, customer_id)?;
        ctx.touched.insert(scope.key());
    }
    for job in &jobs {
        crate::feed::append_removal(c, &docs::Scope::Org(job.org_id.clone()).key(), EntityKind::Job, &job.id)?;
        let scopes = crate::feed::append_job_for_retailer(c, &job.id)?;
        ctx.touched.extend(scopes);
    }
    ctx.audit("erase_customer", "customer", customer_id, None, "erased")?;
    ctx.timeline(
        customer_id,
        TimelineKind::Merged,
        &Text::new(
            "{0} erased at the customer's request",
            vec![TextArg::quote(&customer.number)],
        ),
        None,
        None,
    )?;
    // The record has left every console: what its erasure rewrote of its
    // history goes to none of them.
    store::history::take_pending(c, customer_id)?;
    Ok(())
}

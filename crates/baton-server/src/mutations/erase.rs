//! Erasing a customer at their request. Their personal data — names, contact
//! values, addresses, and every text written about them — is replaced in every
//! table that holds it (the timeline, the audit log, recorded mutations,
//! confirmations, conflicts, the change feed); an erasure record says who erased
//! whom, when and why; every console drops the customer. What the retailer must
//! keep (orders, jobs, counts for scorecards) stays, with nothing personal in it.

use baton_proto::{EntityKind, Role, Text, TextArg, TimelineKind};

use super::Ctx;
use crate::args;
use crate::docs;
use crate::error::ServerError;
use crate::store::Backend;

/// What a customer's erased name reads as.
pub const ERASED_NAME: &str = "Erased customer";

pub fn erase(ctx: &mut Ctx<'_>, customer_id: &str, reason: &str) -> Result<(), ServerError> {
    ctx.require_internal("erase a customer")?;
    if ctx.caller.user.role != Role::Supervisor {
        return Err(ServerError::forbidden(
            "only the retailer's supervisors can erase a customer",
        ));
    }
    let reason = baton_proto::validate::text("reason", reason, baton_proto::validate::MAX_SHORT)?;
    let customer = ctx.customer(customer_id)?;
    let before = docs::scopes_of_customer(ctx.conn, customer_id)?;
    let jobs = docs::jobs_of_customer(ctx.conn, customer_id)?;
    let c = ctx.conn;
    // The record first: the timeline and audit triggers allow these rows to change only now.
    c.execute(
        "INSERT INTO erasures (customer_id, erased_at, by_user, reason) VALUES (?1, ?2, ?3, ?4)",
        args![customer_id, ctx.at, ctx.caller.user.id, reason],
    )?;
    let people = "SELECT id FROM people WHERE customer_id = ?1";
    c.execute(
        "UPDATE customers SET display_name = ?3, erased_at = ?2 WHERE id = ?1",
        args![customer_id, ctx.at, ERASED_NAME],
    )?;
    for sql in [
        "UPDATE people SET name = '' WHERE customer_id = ?1 AND ?2 IS NOT NULL",
        "UPDATE addresses SET line1 = '', line2 = NULL, city = '', postcode = '' WHERE customer_id = ?1 AND ?2 IS NOT NULL",
        "UPDATE timeline SET text = 'Erased', args = '[]' WHERE customer_id = ?1 AND ?2 IS NOT NULL",
        "UPDATE audit_log SET before = NULL, after = NULL WHERE customer_id = ?1 AND ?2 IS NOT NULL",
        "UPDATE confirmations SET recipient = NULL, summary = 'Erased', summary_args = '[]', last_error = NULL
         WHERE customer_id = ?1 AND ?2 IS NOT NULL",
        "UPDATE conflicts SET base_value = '', replaced_value = '', winning_value = '' WHERE customer_id = ?1 AND ?2 IS NOT NULL",
        "UPDATE callbacks SET phone = '', request = '', attempts = '[]', escalation_reason = NULL
         WHERE customer_id = ?1 AND ?2 IS NOT NULL",
        "UPDATE commitments SET text = '', escalation_reason = NULL WHERE customer_id = ?1 AND ?2 IS NOT NULL",
        "UPDATE tickets SET subject = 'Erased', escalation_reason = NULL, pause_reason = NULL
         WHERE customer_id = ?1 AND ?2 IS NOT NULL",
        "UPDATE feedback SET comment = '' WHERE customer_id = ?1 AND ?2 IS NOT NULL",
        "UPDATE jobs SET summary = '' WHERE customer_id = ?1 AND ?2 IS NOT NULL",
        // The feed keeps no copy: its documents of the customer and its jobs go.
        "DELETE FROM changes WHERE entity = 'customer' AND entity_id = ?1 AND ?2 IS NOT NULL",
    ] {
        c.execute(sql, args![customer_id, ctx.at])?;
    }
    // Recorded edits keep their id and outcome (a retry is still answered),
    // not what they carried.
    let redact = match c.backend() {
        Backend::Sqlite => {
            "UPDATE mutations SET intent = json_object('type', name, 'customer_id', ?1, 'erased', json('true')),
                    outcome = json_remove(CASE WHEN json_extract(outcome, '$.message') IS NULL THEN outcome
                                               ELSE json_set(outcome, '$.message', 'erased') END, '$.conflict')
             WHERE json_extract(intent, '$.customer_id') = ?1"
        }
        Backend::Postgres => {
            "UPDATE mutations SET intent = CAST(jsonb_build_object('type', name, 'customer_id', CAST(?1 AS TEXT), 'erased', true) AS TEXT),
                    outcome = CAST((CASE WHEN CAST(outcome AS jsonb) ->> 'message' IS NULL THEN CAST(outcome AS jsonb)
                                         ELSE jsonb_set(CAST(outcome AS jsonb), '{message}', '\"erased\"') END) - 'conflict' AS TEXT)
             WHERE CAST(intent AS jsonb) ->> 'customer_id' = ?1"
        }
    };
    c.execute(redact, args![customer_id])?;
    c.execute(
        &format!("UPDATE contact_points SET value = '', label = '' WHERE person_id IN ({people})"),
        args![customer_id],
    )?;
    for job in &jobs {
        c.execute(
            "DELETE FROM changes WHERE entity = 'job' AND entity_id = ?1",
            args![job.id],
        )?;
    }
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
    Ok(())
}

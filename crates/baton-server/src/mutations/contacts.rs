//! Contact data: changing, adding and qualifying a person's phones and emails.
//! Every captured change is confirmed to the customer and put on the timeline.

use baton_proto::contact::{normalize_email, normalize_phone};
use baton_proto::validate::{self, MAX_SHORT};
use baton_proto::{Conflict, Consent, ContactKind, ContactPurpose, Customer, Person, Text, TextArg, TimelineKind};

use super::{ConfirmTo, Ctx};
use crate::error::ServerError;
use crate::store;
use crate::wire::{name, to_json};

fn normalize(kind: ContactKind, value: &str) -> Result<String, ServerError> {
    Ok(match kind {
        ContactKind::Phone => normalize_phone(value)?,
        ContactKind::Email => normalize_email(value)?,
    })
}

fn person<'c>(customer: &'c Customer, person_id: &str) -> Result<&'c Person, ServerError> {
    customer
        .person(person_id)
        .ok_or_else(|| ServerError::not_found("person"))
}

pub fn set_contact_point(
    ctx: &mut Ctx<'_>,
    customer_id: &str,
    person_id: &str,
    contact_point_id: &str,
    value: &str,
    base_value: &str,
) -> Result<(), ServerError> {
    // A partner may edit the contacts of the people its jobs name (as far as its
    // organisation sees them), and gets the same 404 as for a missing id otherwise.
    let customer = ctx.customer(customer_id)?;
    let p = person(&customer, person_id)?;
    let point = customer
        .contact_point(person_id, contact_point_id)
        .ok_or_else(|| ServerError::not_found("contact point"))?;
    let normalized = normalize(point.kind, value)?;
    if normalized == point.value {
        return Ok(());
    }
    let base = normalize(point.kind, base_value).unwrap_or_else(|_| base_value.trim().to_lowercase());
    ctx.conflict = (base != point.value).then(|| Conflict {
        field: format!("person:{person_id}/contact:{contact_point_id}"),
        base_value: base_value.to_string(),
        replaced_value: point.value.clone(),
    });
    store::contacts::set_value(ctx.conn, contact_point_id, &normalized, &ctx.at, &ctx.by)?;
    ctx.audit(
        "set_contact_point",
        "contact_point",
        contact_point_id,
        Some(&point.value),
        &normalized,
    )?;
    let summary = Text::new(
        "{0}'s {1} changed from {2} to {3}",
        vec![
            TextArg::person(person_id, &p.name),
            TextArg::quote(&point.label),
            TextArg::contact(point.kind, Some(person_id), &point.value),
            TextArg::contact(point.kind, Some(person_id), &normalized),
        ],
    );
    ctx.timeline(customer_id, TimelineKind::ContactChanged, &summary, None, None)?;
    // Confirmed on the record as it is now (so a changed confirmation address is
    // used), and on the value that was replaced: "was this you?".
    ctx.confirm(
        customer_id,
        ConfirmTo::ContactChange {
            person_id,
            old: Some(point),
        },
        &summary,
    )?;
    ctx.publish_customer(customer_id, &[])
}

#[allow(clippy::too_many_arguments)]
pub fn add_contact_point(
    ctx: &mut Ctx<'_>,
    customer_id: &str,
    person_id: &str,
    contact_point_id: &str,
    kind: ContactKind,
    label: &str,
    value: &str,
    purposes: &[ContactPurpose],
) -> Result<(), ServerError> {
    validate::id("contact_point_id", contact_point_id)?;
    let label = validate::text("label", label, MAX_SHORT)?;
    let customer = ctx.customer(customer_id)?;
    if !purposes.is_empty() {
        ctx.require_internal("say what a contact is for")?;
    }
    let p = person(&customer, person_id)?;
    let normalized = normalize(kind, value)?;
    if p.contacts.iter().any(|c| c.value == normalized) {
        return Err(ServerError::Api(
            baton_proto::ErrorCode::Conflict,
            "this person already has that contact value".to_string(),
        ));
    }
    ctx.require_new("contact_points", contact_point_id)?;
    store::contacts::insert(
        ctx.conn,
        &store::contacts::NewContactPoint {
            id: contact_point_id,
            person_id,
            kind,
            label: &label,
            value: &normalized,
            preferred: !p.contacts.iter().any(|c| c.kind == kind),
            purposes,
            at: &ctx.at,
            by: &ctx.by,
        },
    )?;
    ctx.audit(
        "add_contact_point",
        "contact_point",
        contact_point_id,
        None,
        &normalized,
    )?;
    let summary = Text::new(
        "{0} added as {1}'s {2}",
        vec![
            TextArg::contact(kind, Some(person_id), &normalized),
            TextArg::person(person_id, &p.name),
            TextArg::quote(&label),
        ],
    );
    ctx.timeline(customer_id, TimelineKind::ContactChanged, &summary, None, None)?;
    ctx.confirm(customer_id, ConfirmTo::ContactChange { person_id, old: None }, &summary)?;
    ctx.publish_customer(customer_id, &[])
}

pub fn set_preferences(
    ctx: &mut Ctx<'_>,
    customer_id: &str,
    person_id: &str,
    contact_point_id: &str,
    purposes: &[ContactPurpose],
    preferred: bool,
    consent: Consent,
) -> Result<(), ServerError> {
    let customer = ctx.customer(customer_id)?;
    // Consent and what a contact is for are the retailer's record of the
    // customer's wishes: partners read them, never set them.
    ctx.require_internal("change consent or what a contact is for")?;
    let p = person(&customer, person_id)?;
    let point = customer
        .contact_point(person_id, contact_point_id)
        .ok_or_else(|| ServerError::not_found("contact point"))?;
    let mut purposes = purposes.to_vec();
    purposes.sort_by_key(name);
    purposes.dedup();
    // One preferred contact point of each kind per person.
    store::contacts::set_preferences(
        ctx.conn,
        contact_point_id,
        person_id,
        point.kind,
        &purposes,
        preferred,
        consent,
        &ctx.at,
        &ctx.by,
    )?;
    let after = format!(
        "purposes {}; {}; service messages {}; marketing {}",
        if purposes.is_empty() {
            "none".to_string()
        } else {
            purposes.iter().map(name).collect::<Vec<_>>().join(", ")
        },
        if preferred { "preferred" } else { "not preferred" },
        if consent.service { "allowed" } else { "refused" },
        if consent.marketing { "allowed" } else { "refused" },
    );
    ctx.audit(
        "set_contact_preferences",
        "contact_point",
        contact_point_id,
        Some(&to_json(&(&point.purposes, point.preferred, point.consent))?),
        &after,
    )?;
    let summary = Text::new(
        "{0}'s {1} ({2}): {3}",
        vec![
            TextArg::person(person_id, &p.name),
            TextArg::quote(&point.label),
            TextArg::contact(point.kind, Some(person_id), &point.value),
            TextArg::quote(&after),
        ],
    );
    ctx.timeline(customer_id, TimelineKind::ContactChanged, &summary, None, None)?;
    ctx.confirm(
        customer_id,
        ConfirmTo::ContactChange {
            person_id,
            old: Some(point),
        },
        &summary,
    )?;
    ctx.publish_customer(customer_id, &[])
}

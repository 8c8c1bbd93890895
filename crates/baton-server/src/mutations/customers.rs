//! Creating a customer from a call nobody's record explains: the caller's name
//! and the number they called from, nothing typed twice.

use baton_proto::contact::normalize_phone;
use baton_proto::validate::{self, MAX_SHORT};
use baton_proto::{ContactKind, Text, TextArg, TimelineKind};

use super::Ctx;
use crate::error::ServerError;
use crate::store;

/// The next free account number. Generated and demo numbers follow insertion
/// order, so the row count is a near guess; the loop steps past any taken one
/// through the unique index (no scan of a million numbers).
fn next_number(ctx: &Ctx<'_>) -> Result<String, ServerError> {
    let last = crate::store::customers::inserted(ctx.conn)?;
    let mut n = 100_000 + last + 1;
    loop {
        let number = format!("C-{n}");
        if !crate::store::customers::number_taken(ctx.conn, &number)? {
            return Ok(number);
        }
        n += 1;
    }
}

pub fn create_customer(
    ctx: &mut Ctx<'_>,
    customer_id: &str,
    person_id: &str,
    contact_point_id: &str,
    name: &str,
    phone: &str,
) -> Result<(), ServerError> {
    ctx.require_internal("create a customer")?;
    validate::id("customer_id", customer_id)?;
    validate::id("person_id", person_id)?;
    validate::id("contact_point_id", contact_point_id)?;
    let name = validate::text("name", name, MAX_SHORT)?;
    let phone = normalize_phone(phone)?;
    ctx.require_new("customers", customer_id)?;
    ctx.require_new("people", person_id)?;
    ctx.require_new("contact_points", contact_point_id)?;
    let number = next_number(ctx)?;
    store::customers::insert(
        ctx.conn,
        &store::customers::NewCustomer {
            id: customer_id,
            number: &number,
            name: &name,
            person_id,
            contact_point_id,
            phone: &phone,
            at: &ctx.at,
            by: &ctx.by,
        },
    )?;
    ctx.audit(
        "create_customer",
        "customer",
        customer_id,
        None,
        &format!("{name}, {phone}"),
    )?;
    ctx.timeline(
        customer_id,
        TimelineKind::Interaction,
        &Text::new(
            &format!("Customer {number} created from a call from {{0}}"),
            vec![TextArg::contact(ContactKind::Phone, Some(person_id), &phone)],
        ),
        None,
        None,
    )?;
    ctx.publish_customer(customer_id, &[])
}

/// Records where the customer lives (retailer staff), on the timeline.
pub fn set_time_zone(ctx: &mut Ctx<'_>, customer_id: &str, time_zone: Option<&str>) -> Result<(), ServerError> {
    ctx.require_internal("record a customer's time zone")?;
    let zone = time_zone.map(|z| validate::time_zone("time_zone", z)).transpose()?;
    ctx.customer(customer_id)?;
    let before = store::customers::own_time_zone(ctx.conn, customer_id)?;
    if before == zone {
        return Ok(());
    }
    store::customers::set_time_zone(ctx.conn, customer_id, zone.as_deref())?;
    let text = match &zone {
        Some(z) => Text::new("Time zone set to {0}", vec![TextArg::quote(z)]),
        None => Text::plain("Own time zone forgotten: the retailer's stands in"),
    };
    ctx.timeline(customer_id, TimelineKind::ContactChanged, &text, None, None)?;
    ctx.audit(
        "set_customer_time_zone",
        "customer",
        customer_id,
        before.as_deref(),
        zone.as_deref().unwrap_or(""),
    )?;
    ctx.publish_customer(customer_id, &[])
}

//! The customer aggregate: customers, their people and contact points, addresses
//! and orders, read whole as the internal [`Customer`] document.

use std::collections::HashMap;

use baton_proto::{Address, Consent, ContactPoint, Customer, Order, Person};

use super::{grouped, ids_json, Conn};
use crate::args;
use crate::error::ServerError;

fn take<T>(m: &mut HashMap<String, Vec<T>>, id: &str) -> Vec<T> {
    m.remove(id).unwrap_or_default()
}

/// Full (internal) customer documents for `ids`, in the order given; unknown,
/// merged-away and erased ids are skipped. One query per table.
pub fn load(db: &dyn Conn, ids: &[String]) -> Result<Vec<Customer>, ServerError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = ids_json(ids);
    let within = db.backend().ids_in(1);
    let mut people = people(db, &list, &within)?;
    let mut addresses = grouped(
        db,
        &format!(
            "SELECT customer_id, id, purpose, line1, line2, city, postcode FROM addresses
             WHERE customer_id IN {within} ORDER BY customer_id, id"
        ),
        &list,
        "customer_id",
        |r| {
            Ok(Address {
                id: r.get("id")?,
                purpose: r.parse("purpose")?,
                line1: r.get("line1")?,
                line2: r.get("line2")?,
                city: r.get("city")?,
                postcode: r.get("postcode")?,
            })
        },
    )?;
    let mut orders = grouped(
        db,
        &format!(
            "SELECT customer_id, id, number, kind, status, placed_at, lines FROM orders
             WHERE customer_id IN {within} ORDER BY customer_id, placed_at, id"
        ),
        &list,
        "customer_id",
        |r| {
            Ok(Order {
                id: r.get("id")?,
                number: r.get("number")?,
                kind: r.parse("kind")?,
                status: r.parse("status")?,
                placed_at: r.ts("placed_at")?,
                lines: r.json("lines")?,
            })
        },
    )?;
    let mut tickets = super::tickets::for_customers(db, &list)?;
    let mut callbacks = super::callbacks::for_customers(db, &list)?;
    let mut commitments = super::commitments::for_customers(db, &list)?;
    let mut confirmations = super::confirmations::for_customers(db, &list)?;
    let mut timeline = super::timeline::for_customers(db, &list)?;

    let mut by_id: HashMap<String, Customer> = HashMap::new();
    db.each(
        &format!(
            "SELECT id, number, display_name, updated_at FROM customers
             WHERE id IN {within} AND merged_into IS NULL AND erased_at IS NULL"
        ),
        args![list],
        &mut |r| {
            let id: String = r.get("id")?;
            let customer = Customer {
                people: take(&mut people, &id),
                addresses: take(&mut addresses, &id),
                orders: take(&mut orders, &id),
                tickets: take(&mut tickets, &id),
                callbacks: take(&mut callbacks, &id),
                commitments: take(&mut commitments, &id),
                confirmations: take(&mut confirmations, &id),
                timeline: take(&mut timeline, &id),
                number: r.get("number")?,
                display_name: r.get("display_name")?,
                updated_at: r.ts("updated_at")?,
                id: id.clone(),
            };
            by_id.insert(id, customer);
            Ok(())
        },
    )?;
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// The people of the customers in `list`, each with their contact points.
fn people(db: &dyn Conn, list: &str, within: &str) -> Result<HashMap<String, Vec<Person>>, ServerError> {
    let mut contacts = grouped(
        db,
        &format!(
            "SELECT cp.person_id, cp.id, cp.kind, cp.label, cp.value, cp.preferred, cp.updated_at, cp.updated_by,
                    cp.purposes, cp.consent_service, cp.consent_marketing
             FROM contact_points cp JOIN people p ON p.id = cp.person_id
             WHERE p.customer_id IN {within} ORDER BY cp.person_id, cp.position"
        ),
        list,
        "person_id",
        |r| {
            Ok(ContactPoint {
                id: r.get("id")?,
                kind: r.parse("kind")?,
                label: r.get("label")?,
                value: r.get("value")?,
                preferred: r.get("preferred")?,
                updated_at: r.ts("updated_at")?,
                updated_by: r.get("updated_by")?,
                purposes: r.json("purposes")?,
                consent: Consent {
                    service: r.get("consent_service")?,
                    marketing: r.get("consent_marketing")?,
                },
            })
        },
    )?;
    let mut people = grouped(
        db,
        &format!(
            "SELECT customer_id, id, name, roles FROM people WHERE customer_id IN {within}
             ORDER BY customer_id, position"
        ),
        list,
        "customer_id",
        |r| {
            Ok(Person {
                id: r.get("id")?,
                name: r.get("name")?,
                roles: r.json("roles")?,
                contacts: Vec::new(),
            })
        },
    )?;
    for person in people.values_mut().flatten() {
        person.contacts = contacts.remove(&person.id).unwrap_or_default();
    }
    Ok(people)
}

/// A page of live customer ids after `after`, by id (the retailer's view).
pub fn ids_page(db: &dyn Conn, after: &str, limit: usize) -> Result<Vec<String>, ServerError> {
    db.all(
        "SELECT id FROM customers WHERE id > ?1 AND merged_into IS NULL AND erased_at IS NULL ORDER BY id LIMIT ?2",
        args![after, limit as i64],
        |r| r.get("id"),
    )
}

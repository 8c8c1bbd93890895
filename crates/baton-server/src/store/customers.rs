//! The customer aggregate: customers, their people and contact points, addresses
//! and orders, read whole as the internal [`Customer`] document.

use std::collections::HashMap;

use baton_proto::{Address, Consent, ContactPoint, Customer, Order, Person};

use super::{grouped, Conn};
use crate::args;
use crate::error::ServerError;

fn take<T>(m: &mut HashMap<String, Vec<T>>, id: &str) -> Vec<T> {
    m.remove(id).unwrap_or_default()
}

/// Full (internal) customer documents for `ids`, in the order given; unknown,
/// merged-away and erased ids are skipped. One query per table.
pub fn load(db: &dyn Conn, ids: &[String]) -> Result<Vec<Customer>, ServerError> {
    load_with(db, ids, true)
}

/// The customers with these ids as [`load`] reads them, without their history
/// (`timeline` and `confirmations` empty): what the feed carries as their state.
pub fn load_state(db: &dyn Conn, ids: &[String]) -> Result<Vec<Customer>, ServerError> {
    load_with(db, ids, false)
}

fn load_with(db: &dyn Conn, ids: &[String], history: bool) -> Result<Vec<Customer>, ServerError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = db.backend().id_list(ids);
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
    let (mut confirmations, mut timeline) = if history {
        (
            super::confirmations::for_customers(db, &list)?,
            super::timeline::for_customers(db, &list)?,
        )
    } else {
        (HashMap::new(), HashMap::new())
    };

    // Where the customer's own time zone is not recorded, the retailer's stands in.
    let retailer_zone = match super::orgs::retailer(db) {
        Ok(r) => super::orgs::calendar(db, &r.id)?.map(|c| c.time_zone),
        Err(_) => None,
    };
    let mut by_id: HashMap<String, Customer> = HashMap::new();
    db.each(
        &format!(
            "SELECT id, number, display_name, updated_at, time_zone FROM customers
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
                time_zone: r.get::<Option<String>>("time_zone")?.or_else(|| retailer_zone.clone()),
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

/// How many live customers there are (not merged away, not erased).
pub fn count_live(db: &dyn Conn) -> Result<i64, ServerError> {
    db.value(
        "SELECT COUNT(*) AS n FROM customers WHERE merged_into IS NULL AND erased_at IS NULL",
        args![],
        "n",
    )
}

/// What a search matches on.
pub enum Lookup<'a> {
    /// A contact point's value (E.164 phone or lower-cased email), exactly.
    Contact(&'a str),
    /// Part of a person's name (matched case-insensitively).
    Name(&'a str),
    /// A customer, order or job number.
    Number(&'a str),
    /// Every customer (not merged away, not erased).
    Everyone,
}

/// Ids of customers matching `lookup` after `cursor`, by id, at most `limit`;
/// only customers partner `org` has work on unless `org` is empty.
pub fn search(
    db: &dyn Conn,
    lookup: &Lookup<'_>,
    org: &str,
    cursor: &str,
    limit: usize,
) -> Result<Vec<String>, ServerError> {
    let (matching, arg) = match lookup {
        Lookup::Contact(v) => (
            "SELECT DISTINCT p.customer_id AS id FROM contact_points cp JOIN people p ON p.id = cp.person_id
             WHERE cp.value = ?1 AND p.customer_id > ?2",
            v.to_string(),
        ),
        Lookup::Name(n) => (
            match db.backend() {
                super::Backend::Sqlite => {
                    "SELECT DISTINCT customer_id AS id FROM people WHERE name LIKE '%' || ?1 || '%' ESCAPE '\\'
                     AND customer_id > ?2"
                }
                super::Backend::Postgres => {
                    "SELECT DISTINCT customer_id AS id FROM people WHERE name ILIKE '%' || ?1 || '%' ESCAPE '\\'
                     AND customer_id > ?2"
                }
            },
            n.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"),
        ),
        Lookup::Number(n) => (
            "SELECT id FROM (SELECT id FROM customers WHERE number = ?1 AND merged_into IS NULL AND erased_at IS NULL
                             UNION SELECT customer_id FROM orders WHERE number = ?1
                             UNION SELECT customer_id FROM jobs WHERE number = ?1) numbered
             WHERE id > ?2",
            n.to_string(),
        ),
        Lookup::Everyone => (
            "SELECT id FROM customers WHERE merged_into IS NULL AND erased_at IS NULL AND id > ?2 AND ?1 = ''",
            String::new(),
        ),
    };
    let sql = format!(
        "SELECT id FROM ({matching}) found WHERE (?4 = '' OR id IN ({})) ORDER BY id LIMIT ?3",
        super::ties::customers_of("?4")
    );
    db.all(&sql, args![arg, cursor, limit as i64, org], |r| r.get("id"))
}

/// A contact value a person of `customer_id` shares with a person of another customer.
pub struct SharedContact {
    pub kind: String,
    pub own_name: String,
    pub other_customer_id: String,
    pub other_name: String,
}

pub fn shared_contacts(db: &dyn Conn, customer_id: &str) -> Result<Vec<SharedContact>, ServerError> {
    db.all(
        "SELECT c1.kind, p1.name AS own_name, p2.customer_id AS other_customer_id, p2.name AS other_name
         FROM people p1 JOIN contact_points c1 ON c1.person_id = p1.id
         JOIN contact_points c2 ON c2.value = c1.value AND c2.id <> c1.id
         JOIN people p2 ON p2.id = c2.person_id
         WHERE p1.customer_id = ?1 AND p2.customer_id <> ?1",
        args![customer_id],
        |r| {
            Ok(SharedContact {
                kind: r.get("kind")?,
                own_name: r.get("own_name")?,
                other_customer_id: r.get("other_customer_id")?,
                other_name: r.get("other_name")?,
            })
        },
    )
}

/// Other customers with a person of the same name (any case) at one of `customer_id`'s postcodes.
pub fn same_name_and_postcode(db: &dyn Conn, customer_id: &str) -> Result<Vec<String>, ServerError> {
    db.all(
        "SELECT DISTINCT p2.customer_id
         FROM people p1 JOIN addresses a1 ON a1.customer_id = p1.customer_id
         JOIN people p2 ON lower(p2.name) = lower(p1.name) AND p2.customer_id <> p1.customer_id
         JOIN addresses a2 ON a2.customer_id = p2.customer_id AND a2.postcode = a1.postcode
         WHERE p1.customer_id = ?1",
        args![customer_id],
        |r| r.get("customer_id"),
    )
}

/// A live customer's number and display name.
pub fn label(db: &dyn Conn, id: &str) -> Result<Option<(String, String)>, ServerError> {
    db.opt(
        "SELECT number, display_name FROM customers WHERE id = ?1 AND merged_into IS NULL AND erased_at IS NULL",
        args![id],
        |r| Ok((r.get("number")?, r.get("display_name")?)),
    )
}

/// How many customers were ever inserted, near enough to number the next one.
pub fn inserted(db: &dyn Conn) -> Result<i64, ServerError> {
    db.value("SELECT COALESCE(MAX(rowid), 0) AS n FROM customers", args![], "n")
}

pub fn number_taken(db: &dyn Conn, number: &str) -> Result<bool, ServerError> {
    Ok(db
        .opt(
            "SELECT 1 AS taken FROM customers WHERE number = ?1",
            args![number],
            |_| Ok(()),
        )?
        .is_some())
}

/// A customer created from a call: its account holder and the number they rang from.
pub struct NewCustomer<'a> {
    pub id: &'a str,
    pub number: &'a str,
    pub name: &'a str,
    pub person_id: &'a str,
    pub contact_point_id: &'a str,
    /// E.164.
    pub phone: &'a str,
    pub at: &'a str,
    pub by: &'a str,
}

pub fn insert(db: &dyn Conn, c: &NewCustomer<'_>) -> Result<(), ServerError> {
    db.execute(
        "INSERT INTO customers (id, number, display_name, updated_at) VALUES (?1, ?2, ?3, ?4)",
        args![c.id, c.number, c.name, c.at],
    )?;
    db.execute(
        "INSERT INTO people (id, customer_id, name, roles, position) VALUES (?1, ?2, ?3, '[\"account_holder\"]', 0)",
        args![c.person_id, c.id, c.name],
    )?;
    db.execute(
        "INSERT INTO contact_points (id, person_id, kind, label, value, preferred, updated_at, updated_by, position, purposes)
         VALUES (?1, ?2, 'phone', 'phone', ?3, 1, ?4, ?5, 0, '[\"appointments\"]')",
        args![c.contact_point_id, c.person_id, c.phone, c.at, c.by],
    )?;
    Ok(())
}

/// Marks the customer changed at `at`.
pub fn touch(db: &dyn Conn, id: &str, at: &str) -> Result<(), ServerError> {
    db.execute("UPDATE customers SET updated_at = ?1 WHERE id = ?2", args![at, id])?;
    Ok(())
}

/// Records the customer's own time zone (an IANA name), or forgets it (`None`).
pub fn set_time_zone(db: &dyn Conn, id: &str, time_zone: Option<&str>) -> Result<(), ServerError> {
    db.execute(
        "UPDATE customers SET time_zone = ?1 WHERE id = ?2",
        args![time_zone, id],
    )?;
    Ok(())
}

/// The customer's own time zone, when recorded.
pub fn own_time_zone(db: &dyn Conn, id: &str) -> Result<Option<String>, ServerError> {
    Ok(db
        .opt("SELECT time_zone FROM customers WHERE id = ?1", args![id], |r| {
            r.get::<Option<String>>("time_zone")
        })?
        .flatten())
}

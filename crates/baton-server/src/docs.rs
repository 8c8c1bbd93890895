//! Builds the documents the API and the change feed carry, from the normalised
//! tables, and filters them to what a scope may see.
//!
//! Partner scope rule: a partner sees a customer only through its jobs, and of that
//! customer only the people named as a job's contact and the addresses its jobs
//! use. Account-holder details it does not need stay with the retailer.

use std::collections::{HashMap, HashSet};

use baton_proto::{
    Address, AddressPurpose, ContactKind, ContactPoint, Customer, Job, JobKind, JobStatus, Person, PersonRole,
};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::ServerError;

/// Who is looking: retailer staff see everything, a partner only its jobs' needs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    Internal,
    Org(String),
}

impl Scope {
    pub fn key(&self) -> String {
        match self {
            Scope::Internal => "internal".to_string(),
            Scope::Org(id) => format!("org:{id}"),
        }
    }
}

fn bad_column(what: &str, value: &str) -> ServerError {
    ServerError::Internal(format!("stored {what} '{value}' is not known to this server"))
}

fn parse_ts(s: &str) -> Result<DateTime<Utc>, ServerError> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| ServerError::Internal(format!("stored timestamp '{s}': {e}")))
}

fn ids_json(ids: &[String]) -> String {
    serde_json::Value::from(ids.to_vec()).to_string()
}

/// Loads full (internal) customer documents for `ids`, in the order given; unknown ids are skipped.
pub fn load_customers(conn: &Connection, ids: &[String]) -> Result<Vec<Customer>, ServerError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = ids_json(ids);

    let mut contacts: HashMap<String, Vec<ContactPoint>> = HashMap::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT cp.person_id, cp.id, cp.kind, cp.label, cp.value, cp.preferred, cp.updated_at, cp.updated_by
             FROM contact_points cp JOIN people p ON p.id = cp.person_id
             WHERE p.customer_id IN (SELECT value FROM json_each(?1))
             ORDER BY cp.person_id, cp.position",
        )?;
        let mut rows = stmt.query([&list])?;
        while let Some(r) = rows.next()? {
            let kind: String = r.get(2)?;
            let kind = match kind.as_str() {
                "phone" => ContactKind::Phone,
                "email" => ContactKind::Email,
                other => return Err(bad_column("contact kind", other)),
            };
            let updated_at: String = r.get(6)?;
            contacts.entry(r.get(0)?).or_default().push(ContactPoint {
                id: r.get(1)?,
                kind,
                label: r.get(3)?,
                value: r.get(4)?,
                preferred: r.get(5)?,
                updated_at: parse_ts(&updated_at)?,
                updated_by: r.get(7)?,
            });
        }
    }

    let mut people: HashMap<String, Vec<Person>> = HashMap::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT customer_id, id, name, roles FROM people
             WHERE customer_id IN (SELECT value FROM json_each(?1))
             ORDER BY customer_id, position",
        )?;
        let mut rows = stmt.query([&list])?;
        while let Some(r) = rows.next()? {
            let id: String = r.get(1)?;
            let roles: String = r.get(3)?;
            let roles: Vec<PersonRole> = serde_json::from_str(&roles)
                .map_err(|e| ServerError::Internal(format!("stored roles '{roles}': {e}")))?;
            let person = Person {
                contacts: contacts.remove(&id).unwrap_or_default(),
                id,
                name: r.get(2)?,
                roles,
            };
            people.entry(r.get(0)?).or_default().push(person);
        }
    }

    let mut addresses: HashMap<String, Vec<Address>> = HashMap::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT customer_id, id, purpose, line1, line2, city, postcode FROM addresses
             WHERE customer_id IN (SELECT value FROM json_each(?1))
             ORDER BY customer_id, id",
        )?;
        let mut rows = stmt.query([&list])?;
        while let Some(r) = rows.next()? {
            let purpose: String = r.get(2)?;
            let purpose = match purpose.as_str() {
                "billing" => AddressPurpose::Billing,
                "delivery" => AddressPurpose::Delivery,
                "installation" => AddressPurpose::Installation,
                other => return Err(bad_column("address purpose", other)),
            };
            addresses.entry(r.get(0)?).or_default().push(Address {
                id: r.get(1)?,
                purpose,
                line1: r.get(3)?,
                line2: r.get(4)?,
                city: r.get(5)?,
                postcode: r.get(6)?,
            });
        }
    }

    let mut out = Vec::with_capacity(ids.len());
    let mut stmt = conn.prepare_cached(
        "SELECT id, number, display_name, updated_at FROM customers
         WHERE id IN (SELECT value FROM json_each(?1))",
    )?;
    let mut by_id: HashMap<String, Customer> = HashMap::new();
    let mut rows = stmt.query([&list])?;
    while let Some(r) = rows.next()? {
        let id: String = r.get(0)?;
        let updated_at: String = r.get(3)?;
        by_id.insert(
            id.clone(),
            Customer {
                people: people.remove(&id).unwrap_or_default(),
                addresses: addresses.remove(&id).unwrap_or_default(),
                id,
                number: r.get(1)?,
                display_name: r.get(2)?,
                updated_at: parse_ts(&updated_at)?,
            },
        );
    }
    for id in ids {
        if let Some(c) = by_id.remove(id) {
            out.push(c);
        }
    }
    Ok(out)
}

fn job_from_row(r: &rusqlite::Row<'_>) -> Result<Job, ServerError> {
    let kind: String = r.get(5)?;
    let status: String = r.get(6)?;
    let start: Option<String> = r.get(10)?;
    let end: Option<String> = r.get(11)?;
    let updated_at: String = r.get(12)?;
    Ok(Job {
        id: r.get(0)?,
        number: r.get(1)?,
        customer_id: r.get(2)?,
        org_id: r.get(3)?,
        org_name: r.get(4)?,
        kind: JobKind::parse(&kind).ok_or_else(|| bad_column("job kind", &kind))?,
        status: JobStatus::parse(&status).ok_or_else(|| bad_column("job status", &status))?,
        summary: r.get(7)?,
        contact_person_id: r.get(8)?,
        address_id: r.get(9)?,
        appointment_start: start.as_deref().map(parse_ts).transpose()?,
        appointment_end: end.as_deref().map(parse_ts).transpose()?,
        updated_at: parse_ts(&updated_at)?,
    })
}

const JOB_COLUMNS: &str = "j.id, j.number, j.customer_id, j.org_id, o.name, j.kind, j.status, j.summary,
     j.contact_person_id, j.address_id, j.appointment_start, j.appointment_end, j.updated_at";

pub fn load_job(conn: &Connection, id: &str) -> Result<Option<Job>, ServerError> {
    let sql = format!("SELECT {JOB_COLUMNS} FROM jobs j JOIN orgs o ON o.id = j.org_id WHERE j.id = ?1");
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query([id])?;
    match rows.next()? {
        Some(r) => Ok(Some(job_from_row(r)?)),
        None => Ok(None),
    }
}

/// All jobs of a customer (any org).
pub fn jobs_of_customer(conn: &Connection, customer_id: &str) -> Result<Vec<Job>, ServerError> {
    let sql = format!(
        "SELECT {JOB_COLUMNS} FROM jobs j JOIN orgs o ON o.id = j.org_id WHERE j.customer_id = ?1 ORDER BY j.id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query([customer_id])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(job_from_row(r)?);
    }
    Ok(out)
}

/// A page of jobs visible to `scope`, keyset-paged by id.
pub fn jobs_page(conn: &Connection, scope: &Scope, after: &str, limit: usize) -> Result<Vec<Job>, ServerError> {
    let (sql, org) = match scope {
        Scope::Internal => (
            format!("SELECT {JOB_COLUMNS} FROM jobs j JOIN orgs o ON o.id = j.org_id WHERE j.id > ?1 AND ?2 = '' ORDER BY j.id LIMIT ?3"),
            String::new(),
        ),
        Scope::Org(org) => (
            format!("SELECT {JOB_COLUMNS} FROM jobs j JOIN orgs o ON o.id = j.org_id WHERE j.id > ?1 AND j.org_id = ?2 ORDER BY j.id LIMIT ?3"),
            org.clone(),
        ),
    };
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(params![after, org, limit as i64])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(job_from_row(r)?);
    }
    Ok(out)
}

/// Ids of a page of customers visible to `scope`, keyset-paged by id.
pub fn customer_ids_page(
    conn: &Connection,
    scope: &Scope,
    after: &str,
    limit: usize,
) -> Result<Vec<String>, ServerError> {
    let mut out = Vec::new();
    match scope {
        Scope::Internal => {
            let mut stmt = conn.prepare_cached("SELECT id FROM customers WHERE id > ?1 ORDER BY id LIMIT ?2")?;
            let mut rows = stmt.query(params![after, limit as i64])?;
            while let Some(r) = rows.next()? {
                out.push(r.get(0)?);
            }
        }
        Scope::Org(org) => {
            let mut stmt = conn.prepare_cached(
                "SELECT DISTINCT customer_id FROM jobs WHERE org_id = ?1 AND customer_id > ?2 ORDER BY customer_id LIMIT ?3",
            )?;
            let mut rows = stmt.query(params![org, after, limit as i64])?;
            while let Some(r) = rows.next()? {
                out.push(r.get(0)?);
            }
        }
    }
    Ok(out)
}

/// The customer as `scope` may see it, or `None` when it is outside the scope.
pub fn customer_for_scope(
    conn: &Connection,
    scope: &Scope,
    customer: &Customer,
) -> Result<Option<Customer>, ServerError> {
    match scope {
        Scope::Internal => Ok(Some(customer.clone())),
        Scope::Org(org) => {
            let jobs: Vec<Job> = jobs_of_customer(conn, &customer.id)?
                .into_iter()
                .filter(|j| &j.org_id == org)
                .collect();
            if jobs.is_empty() {
                return Ok(None);
            }
            Ok(Some(filter_for_partner(customer, &jobs)))
        }
    }
}

/// Keeps only the people and addresses that the partner's `jobs` name.
pub fn filter_for_partner(customer: &Customer, jobs: &[Job]) -> Customer {
    let people: HashSet<&str> = jobs.iter().filter_map(|j| j.contact_person_id.as_deref()).collect();
    let addresses: HashSet<&str> = jobs.iter().filter_map(|j| j.address_id.as_deref()).collect();
    Customer {
        id: customer.id.clone(),
        number: customer.number.clone(),
        display_name: customer.display_name.clone(),
        people: customer
            .people
            .iter()
            .filter(|p| people.contains(p.id.as_str()))
            .cloned()
            .collect(),
        addresses: customer
            .addresses
            .iter()
            .filter(|a| addresses.contains(a.id.as_str()))
            .cloned()
            .collect(),
        updated_at: customer.updated_at,
    }
}

/// Every scope that can see a customer: `internal`, plus each partner with a job on it.
pub fn scopes_of_customer(conn: &Connection, customer_id: &str) -> Result<Vec<Scope>, ServerError> {
    let mut stmt = conn.prepare_cached("SELECT DISTINCT org_id FROM jobs WHERE customer_id = ?1 ORDER BY org_id")?;
    let mut rows = stmt.query([customer_id])?;
    let mut out = vec![Scope::Internal];
    while let Some(r) = rows.next()? {
        out.push(Scope::Org(r.get(0)?));
    }
    Ok(out)
}

pub fn customer_exists(conn: &Connection, id: &str) -> Result<bool, ServerError> {
    Ok(conn
        .query_row("SELECT 1 FROM customers WHERE id = ?1", [id], |_| Ok(()))
        .optional()?
        .is_some())
}

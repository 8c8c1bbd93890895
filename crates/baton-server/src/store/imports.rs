//! Bulk imports: the rows they upsert (by the id their external reference
//! names, `store::import_refs`) and the status of imports sent to the API.

use baton_proto::{ImportFormat, ImportKind, ImportReport, ImportStatus, RowRejection};
use chrono::{DateTime, Utc};

use super::{Conn, Row};
use crate::args;
use crate::error::ServerError;
use crate::import::rows::{AddressIn, ContactPointIn, CustomerIn, JobIn, OrderIn, PersonIn};
use crate::wire::{name, to_json, ts};

/// A customer as an import needs to know it.
pub struct CustomerState {
    pub merged_into: Option<String>,
    pub erased: bool,
}

pub fn customer(db: &dyn Conn, id: &str) -> Result<Option<CustomerState>, ServerError> {
    db.opt(
        "SELECT merged_into, erased_at FROM customers WHERE id = ?1",
        args![id],
        |r| {
            Ok(CustomerState {
                merged_into: r.get("merged_into")?,
                erased: r.get::<Option<String>>("erased_at")?.is_some(),
            })
        },
    )
}

/// The customer holding account number `number`.
pub fn customer_numbered(db: &dyn Conn, number: &str) -> Result<Option<String>, ServerError> {
    db.opt("SELECT id FROM customers WHERE number = ?1", args![number], |r| {
        r.get("id")
    })
}

pub fn insert_customer(db: &dyn Conn, id: &str, c: &CustomerIn, number: &str, at: &str) -> Result<(), ServerError> {
    db.execute(
        "INSERT INTO customers (id, number, display_name, updated_at, time_zone) VALUES (?1, ?2, ?3, ?4, ?5)",
        args![id, number, c.name, at, c.time_zone],
    )?;
    Ok(())
}

pub fn update_customer(db: &dyn Conn, id: &str, c: &CustomerIn, at: &str) -> Result<(), ServerError> {
    db.execute(
        "UPDATE customers SET display_name = ?2, number = COALESCE(?3, number), updated_at = ?4,
                time_zone = COALESCE(?5, time_zone) WHERE id = ?1",
        args![id, c.name, c.number, at, c.time_zone],
    )?;
    Ok(())
}

/// Marks the customers changed at `at` (a person, address or order of each was).
pub fn touch_customers(db: &dyn Conn, ids: &[String], at: &str) -> Result<(), ServerError> {
    if ids.is_empty() {
        return Ok(());
    }
    db.execute(
        &format!(
            "UPDATE customers SET updated_at = ?2 WHERE id IN {}",
            db.backend().ids_in(1)
        ),
        args![db.backend().id_list(ids), at],
    )?;
    Ok(())
}

/// A record's customer now and the customer a row names, in one look: the
/// named customer's state (when it exists) and the record's current owner.
pub fn customer_and_owner(
    db: &dyn Conn,
    customer_id: &str,
    table: Owned,
    id: &str,
) -> Result<(Option<CustomerState>, Option<String>), ServerError> {
    let owner = match table {
        Owned::Person => "SELECT customer_id FROM people WHERE id = ?2",
        Owned::Address => "SELECT customer_id FROM addresses WHERE id = ?2",
        Owned::Order => "SELECT customer_id FROM orders WHERE id = ?2",
        Owned::Job => "SELECT customer_id FROM jobs WHERE id = ?2",
    };
    let row = db.opt(
        &format!(
            "SELECT c.merged_into, c.erased_at, 1 AS found, ({owner}) AS owner FROM customers c WHERE c.id = ?1
             UNION ALL SELECT NULL, NULL, 0, ({owner}) WHERE NOT EXISTS (SELECT 1 FROM customers WHERE id = ?1)"
        ),
        args![customer_id, id],
        |r| {
            let state = if r.get::<i64>("found")? == 1 {
                Some(CustomerState {
                    merged_into: r.get("merged_into")?,
                    erased: r.get::<Option<String>>("erased_at")?.is_some(),
                })
            } else {
                None
            };
            Ok((state, r.get::<Option<String>>("owner")?))
        },
    )?;
    Ok(row.unwrap_or((None, None)))
}

/// A contact point's person now, and the customer of the person a row names.
pub fn person_and_contact_owner(
    db: &dyn Conn,
    person_id: &str,
    contact_id: &str,
) -> Result<(Option<String>, Option<String>), ServerError> {
    db.one(
        "SELECT (SELECT customer_id FROM people WHERE id = ?1) AS customer_id,
                (SELECT person_id FROM contact_points WHERE id = ?2) AS person_id",
        args![person_id, contact_id],
        |r| Ok((r.get("customer_id")?, r.get("person_id")?)),
    )
}

/// The customer a row of `table` (people, addresses, orders, jobs) belongs to.
pub fn owner(db: &dyn Conn, table: Owned, id: &str) -> Result<Option<String>, ServerError> {
    let sql = match table {
        Owned::Person => "SELECT customer_id FROM people WHERE id = ?1",
        Owned::Address => "SELECT customer_id FROM addresses WHERE id = ?1",
        Owned::Order => "SELECT customer_id FROM orders WHERE id = ?1",
        Owned::Job => "SELECT customer_id FROM jobs WHERE id = ?1",
    };
    db.opt(sql, args![id], |r| r.get("customer_id"))
}

#[derive(Debug, Clone, Copy)]
pub enum Owned {
    Person,
    Address,
    Order,
    Job,
}

/// People are added after the customer's others; an import's keep file order.
pub fn upsert_person(
    db: &dyn Conn,
    id: &str,
    p: &PersonIn,
    customer_id: &str,
    position: i64,
) -> Result<(), ServerError> {
    db.execute(
        "INSERT INTO people (id, customer_id, name, roles, position) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, roles = excluded.roles",
        args![id, customer_id, p.name, to_json(&p.roles)?, position],
    )?;
    Ok(())
}

/// The person a contact point belongs to.
pub fn contact_owner(db: &dyn Conn, id: &str) -> Result<Option<String>, ServerError> {
    db.opt("SELECT person_id FROM contact_points WHERE id = ?1", args![id], |r| {
        r.get("person_id")
    })
}

/// Whether the person has a preferred contact point of the kind other than `id`.
pub fn has_other_preferred(db: &dyn Conn, person_id: &str, kind: &str, id: &str) -> Result<bool, ServerError> {
    Ok(db
        .opt(
            "SELECT 1 AS x FROM contact_points WHERE person_id = ?1 AND kind = ?2 AND preferred = 1 AND id <> ?3 LIMIT 1",
            args![person_id, kind, id],
            |r| r.get::<i64>("x"),
        )?
        .is_some())
}

/// Where a contact point goes: its id, its person, whether it is the person's
/// preferred one of its kind, and its place in the person's list.
pub struct ContactPlace<'a> {
    pub id: &'a str,
    pub person_id: &'a str,
    pub preferred: bool,
    pub position: i64,
}

pub fn upsert_contact_point(
    db: &dyn Conn,
    place: &ContactPlace<'_>,
    c: &ContactPointIn,
    at: &str,
    by: &str,
) -> Result<(), ServerError> {
    db.execute(
        "INSERT INTO contact_points (id, person_id, kind, label, value, preferred, updated_at, updated_by, position,
                                     purposes, consent_service, consent_marketing)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, label = excluded.label, value = excluded.value,
             preferred = excluded.preferred, updated_at = excluded.updated_at, updated_by = excluded.updated_by,
             purposes = excluded.purposes, consent_service = excluded.consent_service,
             consent_marketing = excluded.consent_marketing",
        args![
            place.id,
            place.person_id,
            name(&c.kind),
            c.label,
            c.value,
            place.preferred,
            at,
            by,
            place.position,
            to_json(&c.purposes)?,
            c.consent_service,
            c.consent_marketing
        ],
    )?;
    Ok(())
}

pub fn upsert_address(db: &dyn Conn, id: &str, a: &AddressIn, customer_id: &str) -> Result<(), ServerError> {
    db.execute(
        "INSERT INTO addresses (id, customer_id, purpose, line1, line2, city, postcode) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET purpose = excluded.purpose, line1 = excluded.line1, line2 = excluded.line2,
             city = excluded.city, postcode = excluded.postcode",
        args![id, customer_id, name(&a.purpose), a.line1, a.line2, a.city, a.postcode],
    )?;
    Ok(())
}

/// The order numbered `number`.
pub fn order_numbered(db: &dyn Conn, number: &str) -> Result<Option<String>, ServerError> {
    db.opt("SELECT id FROM orders WHERE number = ?1", args![number], |r| {
        r.get("id")
    })
}

pub fn upsert_order(db: &dyn Conn, id: &str, o: &OrderIn, customer_id: &str) -> Result<(), ServerError> {
    db.execute(
        "INSERT INTO orders (id, customer_id, number, kind, status, placed_at, lines) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET number = excluded.number, kind = excluded.kind, status = excluded.status,
             placed_at = excluded.placed_at, lines = excluded.lines",
        args![
            id,
            customer_id,
            o.number,
            name(&o.kind),
            name(&o.status),
            ts(o.placed_at),
            to_json(&o.lines)?
        ],
    )?;
    Ok(())
}

/// A job's customer and partner, when it exists.
pub fn job(db: &dyn Conn, id: &str) -> Result<Option<(String, String)>, ServerError> {
    db.opt("SELECT customer_id, org_id FROM jobs WHERE id = ?1", args![id], |r| {
        Ok((r.get("customer_id")?, r.get("org_id")?))
    })
}

/// The job numbered `number`.
pub fn job_numbered(db: &dyn Conn, number: &str) -> Result<Option<String>, ServerError> {
    db.opt("SELECT id FROM jobs WHERE number = ?1", args![number], |r| r.get("id"))
}

/// The ids of a job and of what it refers to, its references looked up.
pub struct JobLinks<'a> {
    pub id: &'a str,
    pub customer_id: &'a str,
    pub contact_person_id: Option<&'a str>,
    pub address_id: Option<&'a str>,
    pub order_id: Option<&'a str>,
}

pub fn insert_job(db: &dyn Conn, links: &JobLinks<'_>, j: &JobIn, number: &str, at: &str) -> Result<(), ServerError> {
    let (start, end) = (j.appointment.map(|a| ts(a.0)), j.appointment.map(|a| ts(a.1)));
    super::jobs::insert(
        db,
        &super::jobs::NewJobRow {
            id: links.id,
            number,
            customer_id: links.customer_id,
            org_id: &j.partner,
            kind: j.kind,
            status: j.status,
            summary: &j.summary,
            contact_person_id: links.contact_person_id,
            address_id: links.address_id,
            order_id: links.order_id,
            appointment_start: start.as_deref(),
            appointment_end: end.as_deref(),
            at,
        },
    )
}

pub fn update_job(db: &dyn Conn, links: &JobLinks<'_>, j: &JobIn, at: &str) -> Result<(), ServerError> {
    db.execute(
        "UPDATE jobs SET number = COALESCE(?2, number), org_id = ?3, kind = ?4, status = ?5, summary = ?6,
                contact_person_id = ?7, address_id = ?8, order_id = ?9, appointment_start = ?10,
                appointment_end = ?11, updated_at = ?12
         WHERE id = ?1",
        args![
            links.id,
            j.number,
            j.partner,
            name(&j.kind),
            name(&j.status),
            j.summary,
            links.contact_person_id,
            links.address_id,
            links.order_id,
            j.appointment.map(|a| ts(a.0)),
            j.appointment.map(|a| ts(a.1)),
            at
        ],
    )?;
    Ok(())
}

/// An import sent to the API, as it starts.
pub struct NewImport<'a> {
    pub id: &'a str,
    pub org_id: &'a str,
    pub user_id: &'a str,
    pub kind: ImportKind,
    pub format: ImportFormat,
    pub at: &'a str,
    pub lease_until: &'a str,
}

pub fn insert(db: &dyn Conn, i: &NewImport<'_>) -> Result<(), ServerError> {
    db.execute(
        "INSERT INTO imports (id, org_id, user_id, kind, format, status, created_at, lease_until)
         VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6, ?7)",
        args![
            i.id,
            i.org_id,
            i.user_id,
            i.kind.as_str(),
            i.format.as_str(),
            i.at,
            i.lease_until
        ],
    )?;
    Ok(())
}

/// How far an import got.
pub struct Progress<'a> {
    pub rows_read: u64,
    pub rows_imported: u64,
    pub rows_rejected: u64,
    pub rejections: &'a [RowRejection],
}

/// Records progress and renews the lease of a running import.
pub fn progress(db: &dyn Conn, id: &str, p: &Progress<'_>, lease_until: &str) -> Result<(), ServerError> {
    db.execute(
        "UPDATE imports SET rows_read = ?2, rows_imported = ?3, rows_rejected = ?4, rejections = ?5, lease_until = ?6
         WHERE id = ?1",
        args![
            id,
            p.rows_read as i64,
            p.rows_imported as i64,
            p.rows_rejected as i64,
            to_json(&p.rejections)?,
            lease_until
        ],
    )?;
    Ok(())
}

/// Ends an import: done, or failed with `error`.
pub fn finish(db: &dyn Conn, id: &str, p: &Progress<'_>, error: Option<&str>, at: &str) -> Result<(), ServerError> {
    db.execute(
        "UPDATE imports SET rows_read = ?2, rows_imported = ?3, rows_rejected = ?4, rejections = ?5,
                status = ?6, error = ?7, finished_at = ?8
         WHERE id = ?1",
        args![
            id,
            p.rows_read as i64,
            p.rows_imported as i64,
            p.rows_rejected as i64,
            to_json(&p.rejections)?,
            if error.is_some() { "failed" } else { "done" },
            error,
            at
        ],
    )?;
    Ok(())
}

const IMPORTS: &str = "SELECT id, kind, format, status, rows_read, rows_imported, rows_rejected, rejections, error,
                              created_at, finished_at, lease_until
                       FROM imports";

fn report(r: Row<'_>, now: DateTime<Utc>) -> Result<ImportReport, ServerError> {
    let kind: String = r.get("kind")?;
    let status = match r.str("status")? {
        "running" if r.ts("lease_until")? < now => ImportStatus::Interrupted,
        "running" => ImportStatus::Running,
        "done" => ImportStatus::Done,
        _ => ImportStatus::Failed,
    };
    Ok(ImportReport {
        id: r.get("id")?,
        kind: ImportKind::parse(&kind).ok_or_else(|| ServerError::Internal(format!("stored import kind '{kind}'")))?,
        format: r.parse("format")?,
        status,
        rows_read: r.get::<i64>("rows_read")?.max(0) as u64,
        rows_imported: r.get::<i64>("rows_imported")?.max(0) as u64,
        rows_rejected: r.get::<i64>("rows_rejected")?.max(0) as u64,
        rejections: r.json("rejections")?,
        error: r.get("error")?,
        created_at: r.ts("created_at")?,
        finished_at: r.opt_ts("finished_at")?,
    })
}

pub fn get(db: &dyn Conn, id: &str, now: DateTime<Utc>) -> Result<Option<ImportReport>, ServerError> {
    db.opt(&format!("{IMPORTS} WHERE id = ?1"), args![id], |r| report(r, now))
}

/// The newest imports first.
pub fn recent(db: &dyn Conn, limit: i64, now: DateTime<Utc>) -> Result<Vec<ImportReport>, ServerError> {
    db.all(
        &format!("{IMPORTS} ORDER BY created_at DESC, id DESC LIMIT ?1"),
        args![limit],
        |r| report(r, now),
    )
}

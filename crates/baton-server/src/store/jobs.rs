//! Partner jobs: work a partner does for a customer (a delivery, an install, a stay).

use baton_proto::Job;

use super::{Conn, Row, ToParam};
use crate::args;
use crate::error::ServerError;

const SELECT: &str = "SELECT j.id, j.number, j.customer_id, j.org_id, o.name AS org_name, j.kind, j.status,
        j.summary, j.contact_person_id, j.address_id, j.appointment_start, j.appointment_end, j.updated_at,
        j.order_id
     FROM jobs j JOIN orgs o ON o.id = j.org_id";

fn from_row(r: Row<'_>) -> Result<Job, ServerError> {
    Ok(Job {
        id: r.get("id")?,
        number: r.get("number")?,
        customer_id: r.get("customer_id")?,
        org_id: r.get("org_id")?,
        org_name: r.get("org_name")?,
        kind: r.parse("kind")?,
        status: r.parse("status")?,
        summary: r.get("summary")?,
        contact_person_id: r.get("contact_person_id")?,
        address_id: r.get("address_id")?,
        appointment_start: r.opt_ts("appointment_start")?,
        appointment_end: r.opt_ts("appointment_end")?,
        updated_at: r.ts("updated_at")?,
        order_id: r.get("order_id")?,
    })
}

fn jobs_where(db: &dyn Conn, condition: &str, params: &[&dyn ToParam]) -> Result<Vec<Job>, ServerError> {
    db.all(&format!("{SELECT} WHERE {condition}"), params, from_row)
}

pub fn get(db: &dyn Conn, id: &str) -> Result<Option<Job>, ServerError> {
    Ok(jobs_where(db, "j.id = ?1", args![id])?.into_iter().next())
}

/// All jobs of a customer (any org).
pub fn of_customer(db: &dyn Conn, customer_id: &str) -> Result<Vec<Job>, ServerError> {
    jobs_where(db, "j.customer_id = ?1 ORDER BY j.id", args![customer_id])
}

/// A page of the jobs of partner `org` (every job when `org` is empty), optionally
/// only those in `status`, keyset-paged by id.
pub fn page(
    db: &dyn Conn,
    org: &str,
    status: Option<&str>,
    after: &str,
    limit: usize,
) -> Result<Vec<Job>, ServerError> {
    jobs_where(
        db,
        "j.id > ?1 AND (?2 = '' OR j.org_id = ?2) AND (?4 IS NULL OR j.status = ?4) ORDER BY j.id LIMIT ?3",
        args![after, org, limit as i64, status],
    )
}

/// How many jobs partner `org` has (every job when `org` is empty).
pub fn count(db: &dyn Conn, org: &str) -> Result<i64, ServerError> {
    db.value(
        "SELECT COUNT(*) AS n FROM jobs WHERE ?1 = '' OR org_id = ?1",
        args![org],
        "n",
    )
}

pub fn set_status(db: &dyn Conn, id: &str, status: baton_proto::JobStatus, at: &str) -> Result<(), ServerError> {
    db.execute(
        "UPDATE jobs SET status = ?1, updated_at = ?2 WHERE id = ?3",
        args![status.as_str(), at, id],
    )?;
    Ok(())
}

/// The job moves to partner `org_id`.
pub fn reassign(db: &dyn Conn, id: &str, org_id: &str, at: &str) -> Result<(), ServerError> {
    db.execute(
        "UPDATE jobs SET org_id = ?1, updated_at = ?2 WHERE id = ?3",
        args![org_id, at, id],
    )?;
    Ok(())
}

/// Who the partner contacts for the job.
pub fn set_contact(db: &dyn Conn, id: &str, person_id: &str, at: &str) -> Result<(), ServerError> {
    db.execute(
        "UPDATE jobs SET contact_person_id = ?1, updated_at = ?2 WHERE id = ?3",
        args![person_id, at, id],
    )?;
    Ok(())
}

/// A job to give a partner.
pub struct NewJobRow<'a> {
    pub id: &'a str,
    pub number: &'a str,
    pub customer_id: &'a str,
    pub org_id: &'a str,
    pub kind: baton_proto::JobKind,
    pub status: baton_proto::JobStatus,
    pub summary: &'a str,
    pub contact_person_id: Option<&'a str>,
    pub address_id: Option<&'a str>,
    pub order_id: Option<&'a str>,
    pub appointment_start: Option<&'a str>,
    pub appointment_end: Option<&'a str>,
    pub at: &'a str,
}

pub fn insert(db: &dyn Conn, j: &NewJobRow<'_>) -> Result<(), ServerError> {
    db.execute(
        "INSERT INTO jobs (id, number, customer_id, org_id, kind, status, summary, contact_person_id, address_id,
                           order_id, appointment_start, appointment_end, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        args![
            j.id,
            j.number,
            j.customer_id,
            j.org_id,
            crate::wire::name(&j.kind),
            j.status.as_str(),
            j.summary,
            j.contact_person_id,
            j.address_id,
            j.order_id,
            j.appointment_start,
            j.appointment_end,
            j.at
        ],
    )?;
    Ok(())
}

/// A new appointment window (and status, which a booking may move on).
pub fn reschedule(
    db: &dyn Conn,
    id: &str,
    start: &str,
    end: &str,
    status: baton_proto::JobStatus,
    at: &str,
) -> Result<(), ServerError> {
    db.execute(
        "UPDATE jobs SET appointment_start = ?1, appointment_end = ?2, status = ?3, updated_at = ?4 WHERE id = ?5",
        args![start, end, status.as_str(), at, id],
    )?;
    Ok(())
}

/// Whether a job number is in use.
pub fn number_taken(db: &dyn Conn, number: &str) -> Result<bool, ServerError> {
    Ok(db
        .opt("SELECT id FROM jobs WHERE number = ?1", args![number], |r| {
            r.get::<String>("id")
        })?
        .is_some())
}

//! One-question surveys: who was asked about what, and whether they answered.
//! Only the SHA-256 of a link's token is here; a token is looked up by its hash.

use chrono::{DateTime, Utc};

use super::Conn;
use crate::args;
use crate::error::ServerError;

/// A survey to record as sent.
pub struct NewSurvey<'a> {
    pub id: &'a str,
    pub token_hash: &'a str,
    pub customer_id: &'a str,
    /// The organisation the answer rates.
    pub org_id: &'a str,
    pub job_id: Option<&'a str>,
    pub ticket_id: Option<&'a str>,
    pub person_id: Option<&'a str>,
    pub confirmation_id: &'a str,
    pub sent_by: &'a str,
    pub created_at: &'a str,
    pub expires_at: &'a str,
}

pub fn insert(db: &dyn Conn, s: &NewSurvey<'_>) -> Result<(), ServerError> {
    db.execute(
        "INSERT INTO surveys (id, token_hash, customer_id, org_id, job_id, ticket_id, person_id, confirmation_id,
                              sent_by, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        args![
            s.id,
            s.token_hash,
            s.customer_id,
            s.org_id,
            s.job_id,
            s.ticket_id,
            s.person_id,
            s.confirmation_id,
            s.sent_by,
            s.created_at,
            s.expires_at
        ],
    )?;
    Ok(())
}

/// When a survey about this job (`job` true) or ticket was sent, if one was.
pub fn sent_for(db: &dyn Conn, job: bool, id: &str) -> Result<Option<DateTime<Utc>>, ServerError> {
    let sql = if job {
        "SELECT created_at FROM surveys WHERE job_id = ?1"
    } else {
        "SELECT created_at FROM surveys WHERE ticket_id = ?1"
    };
    db.opt(sql, args![id], |r| r.ts("created_at"))
}

/// A survey found by its link, with what its question names.
#[derive(Debug, Clone)]
pub struct Found {
    pub id: String,
    pub customer_id: String,
    pub org_id: String,
    pub org_name: String,
    pub job_id: Option<String>,
    pub job_number: Option<String>,
    pub ticket_id: Option<String>,
    pub ticket_number: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
}

pub fn by_token_hash(db: &dyn Conn, hash: &str) -> Result<Option<Found>, ServerError> {
    db.opt(
        "SELECT s.id, s.customer_id, s.org_id, o.name AS org_name, s.job_id, j.number AS job_number,
                s.ticket_id, t.number AS ticket_number, s.expires_at, s.answered_at
         FROM surveys s JOIN orgs o ON o.id = s.org_id
              LEFT JOIN jobs j ON j.id = s.job_id LEFT JOIN tickets t ON t.id = s.ticket_id
         WHERE s.token_hash = ?1",
        args![hash],
        |r| {
            Ok(Found {
                id: r.get("id")?,
                customer_id: r.get("customer_id")?,
                org_id: r.get("org_id")?,
                org_name: r.get("org_name")?,
                job_id: r.get("job_id")?,
                job_number: r.get("job_number")?,
                ticket_id: r.get("ticket_id")?,
                ticket_number: r.get("ticket_number")?,
                expires_at: r.ts("expires_at")?,
                answered_at: r.opt_ts("answered_at")?,
            })
        },
    )
}

/// Records the answer once: false when the survey was already answered.
pub fn mark_answered(db: &dyn Conn, id: &str, at: &str, feedback_id: &str) -> Result<bool, ServerError> {
    let n = db.execute(
        "UPDATE surveys SET answered_at = ?1, feedback_id = ?2 WHERE id = ?3 AND answered_at IS NULL",
        args![at, feedback_id, id],
    )?;
    Ok(n == 1)
}

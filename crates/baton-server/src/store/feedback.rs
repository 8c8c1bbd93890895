//! What customers said of a job: satisfaction (CSAT) and recommendation (NPS).

use super::Conn;
use crate::args;
use crate::error::ServerError;

#[derive(Clone, Copy)]
pub struct NewFeedback<'a> {
    pub id: &'a str,
    pub customer_id: &'a str,
    pub org_id: &'a str,
    pub job_id: &'a str,
    pub csat: Option<u8>,
    pub nps: Option<u8>,
    pub comment: &'a str,
    /// Whether the customer had to repeat something already known; `None`: not asked.
    pub reasked: Option<bool>,
    pub at: &'a str,
}

pub fn insert(db: &dyn Conn, f: &NewFeedback<'_>) -> Result<(), ServerError> {
    db.execute(
        "INSERT INTO feedback (id, customer_id, org_id, job_id, csat, nps, comment, reasked, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        args![
            f.id,
            f.customer_id,
            f.org_id,
            f.job_id,
            f.csat,
            f.nps,
            f.comment,
            f.reasked,
            f.at
        ],
    )?;
    Ok(())
}

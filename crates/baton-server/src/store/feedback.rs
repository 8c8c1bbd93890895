//! What customers said of a job: satisfaction (CSAT) and recommendation (NPS).

use super::Conn;
use crate::args;
use crate::error::ServerError;

#[derive(Clone, Copy)]
pub struct NewFeedback<'a> {
    pub id: &'a str,
    pub customer_id: &'a str,
    pub org_id: &'a str,
    pub job_id: Option<&'a str>,
    /// A survey's answer about a ticket names the ticket.
    pub ticket_id: Option<&'a str>,
    pub csat: Option<u8>,
    pub nps: Option<u8>,
    pub comment: &'a str,
    /// Whether the customer had to repeat something already known; `None`: not asked.
    pub reasked: Option<bool>,
    pub at: &'a str,
    /// Who recorded it: an agent from a call, or the customer in a survey.
    pub source: Source,
}

/// Where a rating came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Agent,
    Survey,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Agent => "agent",
            Source::Survey => "survey",
        }
    }
}

pub fn insert(db: &dyn Conn, f: &NewFeedback<'_>) -> Result<(), ServerError> {
    db.execute(
        "INSERT INTO feedback (id, customer_id, org_id, job_id, csat, nps, comment, reasked, at, ticket_id, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        args![
            f.id,
            f.customer_id,
            f.org_id,
            f.job_id,
            f.csat,
            f.nps,
            f.comment,
            f.reasked,
            f.at,
            f.ticket_id,
            f.source.as_str()
        ],
    )?;
    Ok(())
}

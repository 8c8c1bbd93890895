//! Plain inserts of the base rows a retailer's systems already hold (customers,
//! people, contact points, addresses, orders, jobs, their history and survey
//! scores), for loading data in bulk. What agents do on top of them goes through
//! the mutations.

use chrono::{DateTime, Duration, Timelike, Utc};

use super::Conn;
use crate::args;
use crate::error::ServerError;

pub struct Rows<'a> {
    pub tx: &'a dyn Conn,
    pub now: DateTime<Utc>,
    /// `now` as stored.
    pub at: String,
    pub jobs: usize,
}

pub struct NewContact<'a> {
    pub kind: &'a str,
    pub label: &'a str,
    pub value: &'a str,
    /// JSON array of ContactPurpose.
    pub purposes: &'a str,
}

pub struct NewJob<'a> {
    pub id: &'a str,
    pub number: &'a str,
    pub customer_id: &'a str,
    pub org: &'a str,
    pub kind: &'a str,
    pub status: &'a str,
    pub summary: &'a str,
    pub contact_person_id: Option<&'a str>,
    pub address_id: Option<&'a str>,
    pub order_id: Option<&'a str>,
    /// Appointment: days from today and the hour it starts (two hours long).
    pub day: i64,
    pub hour: u32,
}

impl<'a> Rows<'a> {
    pub fn new(tx: &'a dyn Conn, now: DateTime<Utc>) -> Rows<'a> {
        Rows {
            tx,
            now,
            at: crate::wire::ts(now),
            jobs: 0,
        }
    }

    pub fn customer(&self, id: &str, number: &str, name: &str) -> Result<(), ServerError> {
        self.tx.execute(
            "INSERT INTO customers (id, number, display_name, updated_at) VALUES (?1, ?2, ?3, ?4)",
            args![id, number, name, self.at],
        )?;
        Ok(())
    }

    pub fn person(
        &self,
        id: &str,
        customer_id: &str,
        name: &str,
        roles: &str,
        position: usize,
        contacts: &[NewContact<'_>],
    ) -> Result<(), ServerError> {
        self.tx.execute(
            "INSERT INTO people (id, customer_id, name, roles, position) VALUES (?1, ?2, ?3, ?4, ?5)",
            args![id, customer_id, name, roles, position as i64],
        )?;
        let mut seen_kinds: [bool; 2] = [false, false];
        for (ci, c) in contacts.iter().enumerate() {
            let k = usize::from(c.kind == "email");
            // The first phone and the first email of a person are the preferred ones.
            let preferred = !seen_kinds[k];
            seen_kinds[k] = true;
            self.tx.execute(
                "INSERT INTO contact_points (id, person_id, kind, label, value, preferred, updated_at, updated_by, position, purposes)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'Northwind onboarding', ?8, ?9)",
                args![
                format!("cp_{}_{}", id.trim_start_matches("per_"), ci + 1),
                id,
                c.kind,
                c.label,
                c.value,
                preferred,
                self.at,
                ci as i64,
                c.purposes
            ])?;
        }
        Ok(())
    }

    pub fn address(
        &self,
        id: &str,
        customer_id: &str,
        purpose: &str,
        line1: &str,
        city: &str,
        postcode: &str,
    ) -> Result<(), ServerError> {
        self.tx.execute(
            "INSERT INTO addresses (id, customer_id, purpose, line1, city, postcode) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            args![id, customer_id, purpose, line1, city, postcode],
        )?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub fn order(
        &self,
        id: &str,
        customer_id: &str,
        number: &str,
        kind: &str,
        status: &str,
        days_ago: i64,
        lines: &str,
    ) -> Result<(), ServerError> {
        self.tx
            .execute(
                "INSERT INTO orders (id, customer_id, number, kind, status, placed_at, lines) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                args![
                id,
                customer_id,
                number,
                kind,
                status,
                crate::wire::ts(self.now - Duration::days(days_ago)),
                lines
            ])?;
        Ok(())
    }

    pub fn job(&mut self, j: &NewJob<'_>) -> Result<(), ServerError> {
        let start = (self.now + Duration::days(j.day))
            .with_hour(j.hour)
            .and_then(|d| d.with_minute(0))
            .and_then(|d| d.with_second(0))
            .and_then(|d| d.with_nanosecond(0))
            .unwrap_or(self.now);
        let end = start + Duration::hours(2);
        self.tx.execute(
            "INSERT INTO jobs (id, number, customer_id, org_id, kind, status, summary, contact_person_id, address_id,
                                   order_id, appointment_start, appointment_end, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            args![
                j.id,
                j.number,
                j.customer_id,
                j.org,
                j.kind,
                j.status,
                j.summary,
                j.contact_person_id,
                j.address_id,
                j.order_id,
                crate::wire::ts(start),
                crate::wire::ts(end),
                self.at,
            ],
        )?;
        self.jobs += 1;
        Ok(())
    }

    /// A timeline entry from the retailer's own systems (orders, bookings).
    pub fn history(
        &self,
        id: &str,
        customer_id: &str,
        kind: &str,
        text: &str,
        job_id: Option<&str>,
    ) -> Result<(), ServerError> {
        self.tx.execute(
            "INSERT INTO timeline (id, customer_id, at, kind, org_id, author, text, job_id)
                 VALUES (?1, ?2, ?3, ?4, 'northwind', 'Northwind systems', ?5, ?6)",
            args![id, customer_id, self.at, kind, text, job_id],
        )?;
        Ok(())
    }

    /// A survey score without a comment, as imported from a survey tool.
    /// A rating, `days_ago` days before this load's time.
    pub fn feedback(&self, f: &super::feedback::NewFeedback<'_>, days_ago: i64) -> Result<(), ServerError> {
        let at = chrono::DateTime::parse_from_rfc3339(&self.at)
            .map(|t| crate::wire::ts(t.with_timezone(&chrono::Utc) - chrono::Duration::days(days_ago)))
            .unwrap_or_else(|_| self.at.clone());
        super::feedback::insert(self.tx, &super::feedback::NewFeedback { at: &at, ..*f })
    }
}

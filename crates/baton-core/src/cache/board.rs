//! The jobs board: a partner's jobs by appointment day and status, from the
//! job rows' own columns (kept by `records::upsert`).

use baton_proto::Job;
use rusqlite::params;

use super::Cache;
use crate::error::{CoreError, Result};
use crate::view::{ContactPerson, JobBoardFilter, JobRow};

/// The most jobs one board holds; the date range narrows it.
pub const MAX_ROWS: usize = 2000;

impl Cache {
    /// Jobs matching `filter`, by appointment time; unscheduled ones last.
    pub fn jobs_board(&self, filter: &JobBoardFilter) -> Result<Vec<JobRow>> {
        let conn = self.lock()?;
        let mut stmt = conn.prepare_cached(
            "SELECT IFNULL(c.display_name, '') AS customer_name, j.doc, p.person_id, p.name AS contact_name, p.phone
             FROM jobs j LEFT JOIN customers c ON c.id = j.customer_id
             LEFT JOIN people p ON p.customer_id = j.customer_id AND p.person_id = j.contact_person_id
             WHERE (?1 IS NULL OR j.org_id = ?1)
               AND ((j.appointment_at IS NOT NULL AND (?2 IS NULL OR j.appointment_at >= ?2)
                                                  AND (?3 IS NULL OR j.appointment_at < ?3))
                    OR (?4 AND j.appointment_at IS NULL))
             ORDER BY j.appointment_at IS NULL, j.appointment_at, j.number LIMIT ?5",
        )?;
        let mut rows = stmt.query(params![
            filter.org_id,
            filter.from.map(|d| d.timestamp()),
            filter.to.map(|d| d.timestamp()),
            filter.unscheduled,
            MAX_ROWS as i64
        ])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let job: Job = serde_json::from_str(&r.get::<_, String>("doc")?)
                .map_err(|e| CoreError::Internal(format!("a cached job is unreadable: {e}")))?;
            out.push(JobRow {
                customer_name: r.get("customer_name")?,
                contact: contact_person(r)?,
                next: job.status.next(),
                job,
            });
        }
        Ok(out)
    }
}

/// The `person_id`, `contact_name` and `phone` columns of a row joined to `people`.
pub(super) fn contact_person(r: &rusqlite::Row<'_>) -> Result<Option<ContactPerson>> {
    let Some(person_id) = r.get::<_, Option<String>>("person_id")? else {
        return Ok(None);
    };
    Ok(Some(ContactPerson {
        person_id,
        name: r.get("contact_name")?,
        phone: r.get("phone")?,
    }))
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;
    use rusqlite_migration::Migrations;

    /// A cache filled by a version before "who to contact" learns, on upgrade,
    /// whom each job's partner calls and on which number (the same rule as
    /// `Person::appointment_phone`: preferred for appointments first).
    #[test]
    fn the_upgrade_indexes_whom_to_contact_from_what_the_cache_holds() {
        let migrations = Migrations::from_directory(&super::super::MIGRATIONS_DIR).expect("migrations");
        let mut conn = Connection::open_in_memory().expect("sqlite");
        migrations.to_version(&mut conn, 3).expect("version 3");
        let phone = |id: &str, value: &str, preferred: bool, purposes: &str| {
            format!(
                r#"{{"id":"{id}","kind":"phone","label":"mobile","value":"{value}","preferred":{preferred},"updated_at":"2026-01-01T00:00:00Z","updated_by":"x","purposes":{purposes}}}"#
            )
        };
        let doc = format!(
            r#"{{"id":"cus_1","people":[{{"id":"per_1","name":"Arthur","contacts":[]}},{{"id":"per_2","name":"Margaret","contacts":[{},{},{}]}}]}}"#,
            phone("cp_1", "+441865123456", true, "[]"),
            phone("cp_2", "+447946000101", false, r#"["appointments"]"#),
            phone("cp_3", "+447946000202", true, r#"["appointments"]"#),
        );
        conn.execute(
            "INSERT INTO customers (id, number, display_name, server_doc, doc) VALUES ('cus_1', 'C-1', 'Arthur', ?1, ?1)",
            [&doc],
        )
        .expect("customer");
        conn.execute(
            r#"INSERT INTO jobs (id, customer_id, number, doc) VALUES ('job_1', 'cus_1', 'J-1', '{"contact_person_id":"per_2"}')"#,
            [],
        )
        .expect("job");
        migrations.to_latest(&mut conn).expect("latest");
        let (name, phone): (String, Option<String>) = conn
            .query_row(
                "SELECT p.name, p.phone FROM jobs j JOIN people p ON p.customer_id = j.customer_id AND p.person_id = j.contact_person_id",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("the job's contact");
        assert_eq!((name.as_str(), phone.as_deref()), ("Margaret", Some("+447946000202")));
        let none: Option<String> = conn
            .query_row("SELECT phone FROM people WHERE person_id = 'per_1'", [], |r| r.get(0))
            .expect("a person without a phone");
        assert_eq!(none, None);
    }
}

//! The jobs board: a partner's jobs by appointment day and status, from the
//! job rows' own columns (kept by `records::upsert`).

use baton_proto::Job;
use rusqlite::params;

use super::Cache;
use crate::error::{CoreError, Result};
use crate::view::{JobBoardFilter, JobRow};

/// The most jobs one board holds; the date range narrows it.
pub const MAX_ROWS: usize = 2000;

impl Cache {
    /// Jobs matching `filter`, by appointment time; unscheduled ones last.
    pub fn jobs_board(&self, filter: &JobBoardFilter) -> Result<Vec<JobRow>> {
        let conn = self.lock()?;
        let mut stmt = conn.prepare_cached(
            "SELECT IFNULL(c.display_name, ''), j.doc FROM jobs j LEFT JOIN customers c ON c.id = j.customer_id
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
            let job: Job = serde_json::from_str(&r.get::<_, String>(1)?)
                .map_err(|e| CoreError::Internal(format!("a cached job is unreadable: {e}")))?;
            out.push(JobRow {
                customer_name: r.get(0)?,
                next: job.status.next(),
                job,
            });
        }
        Ok(out)
    }
}

//! A partner's figures (story 5), computed from the records themselves so the
//! retailer and the partner always see the same numbers.

use baton_proto::Scorecard;
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::ServerError;

pub fn for_org(conn: &Connection, org_id: &str, now: &str) -> Result<Option<Scorecard>, ServerError> {
    let org: Option<String> = conn
        .query_row(
            "SELECT name FROM orgs WHERE id = ?1 AND kind = 'partner'",
            [org_id],
            |r| r.get(0),
        )
        .optional()?;
    let Some(org_name) = org else { return Ok(None) };
    let one = |sql: &str| -> Result<i64, ServerError> { Ok(conn.query_row(sql, params![org_id], |r| r.get(0))?) };
    let (feedback_count, csat, promoters, detractors, rated): (i64, Option<f64>, i64, i64, i64) = conn.query_row(
        "SELECT COUNT(*), AVG(csat), COALESCE(SUM(nps >= 9), 0), COALESCE(SUM(nps <= 6), 0), COUNT(nps)
         FROM feedback WHERE org_id = ?1",
        [org_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )?;
    // A completed callback was on time when its reaching attempt came by its due time.
    let (completed, on_time): (i64, i64) = conn.query_row(
        "SELECT COUNT(*), COALESCE(SUM(due_at IS NULL OR json_extract(attempts, '$[#-1].at') <= due_at), 0)
         FROM callbacks WHERE owner_org_id = ?1 AND status = 'completed'",
        [org_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(Some(Scorecard {
        org_id: org_id.to_string(),
        org_name,
        jobs_open: one(
            "SELECT COUNT(*) FROM jobs WHERE org_id = ?1 AND status NOT IN ('completed', 'failed', 'cancelled')",
        )?,
        jobs_completed: one("SELECT COUNT(*) FROM jobs WHERE org_id = ?1 AND status = 'completed'")?,
        jobs_failed: one("SELECT COUNT(*) FROM jobs WHERE org_id = ?1 AND status = 'failed'")?,
        feedback_count,
        csat: csat.map(|c| (c * 100.0).round() / 100.0),
        nps: (rated > 0).then(|| ((promoters - detractors) as f64 * 100.0 / rated as f64).round()),
        callbacks_due: conn.query_row(
            "SELECT COUNT(*) FROM callbacks WHERE owner_org_id = ?1 AND status = 'queued' AND due_at <= ?2",
            params![org_id, now],
            |r| r.get(0),
        )?,
        callbacks_completed: completed,
        callbacks_on_time: (completed > 0).then(|| (on_time as f64 / completed as f64 * 1000.0).round() / 1000.0),
        commitments_kept: one("SELECT COUNT(*) FROM commitments WHERE owner_org_id = ?1 AND status = 'kept'")?,
        commitments_broken: one("SELECT COUNT(*) FROM commitments WHERE owner_org_id = ?1 AND status = 'broken'")?,
        tickets_escalated_open: one(
            "SELECT COUNT(*) FROM tickets WHERE escalated_org_id = ?1 AND status IN ('open', 'pending')",
        )?,
    }))
}

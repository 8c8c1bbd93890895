//! A partner's figures (story 5), computed from the records themselves so the
//! retailer and the partner always see the same numbers.

use baton_proto::Scorecard;

use super::Conn;
use crate::args;
use crate::error::ServerError;

/// The period a scorecard's outcomes cover: from `since` (all time without) to
/// `until` (exclusive; up to now without).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Period {
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    pub until: Option<chrono::DateTime<chrono::Utc>>,
}

/// The scorecard of partner `org_id` at `now`, its outcomes in `period`;
/// `None` when it is not a partner.
pub fn for_org(db: &dyn Conn, org_id: &str, now: &str, period: Period) -> Result<Option<Scorecard>, ServerError> {
    // Stored times sort after "" and before "~": no bound is all time.
    let from = period.since.map(crate::wire::ts).unwrap_or_default();
    let to = period.until.map(crate::wire::ts).unwrap_or_else(|| "~".to_string());
    let org: Option<String> = db.opt(
        "SELECT name FROM orgs WHERE id = ?1 AND kind = 'partner'",
        args![org_id],
        |r| r.get("name"),
    )?;
    let Some(org_name) = org else { return Ok(None) };
    let count = |sql: &str| -> Result<i64, ServerError> { db.value(sql, args![org_id], "n") };
    let in_period = |sql: &str| -> Result<i64, ServerError> { db.value(sql, args![org_id, from, to], "n") };
    let (feedback_count, csat, promoters, detractors, rated): (i64, Option<f64>, i64, i64, i64) = db.one(
        "SELECT COUNT(*) AS n, CAST(AVG(csat) AS DOUBLE PRECISION) AS csat,
                COALESCE(SUM(CASE WHEN nps >= 9 THEN 1 ELSE 0 END), 0) AS promoters,
                COALESCE(SUM(CASE WHEN nps <= 6 THEN 1 ELSE 0 END), 0) AS detractors, COUNT(nps) AS rated
         FROM feedback WHERE org_id = ?1 AND at >= ?2 AND at < ?3",
        args![org_id, from, to],
        |r| {
            Ok((
                r.get("n")?,
                r.get("csat")?,
                r.get("promoters")?,
                r.get("detractors")?,
                r.get("rated")?,
            ))
        },
    )?;
    // Re-asked details: what the customers said, where they were asked.
    let (reasked_answers, reasked): (i64, i64) = db.one(
        "SELECT COUNT(reasked) AS answers, COALESCE(SUM(reasked), 0) AS yes
         FROM feedback WHERE org_id = ?1 AND at >= ?2 AND at < ?3",
        args![org_id, from, to],
        |r| Ok((r.get("answers")?, r.get("yes")?)),
    )?;
    let (propagated, propagation_p50_ms, propagation_p95_ms) = super::propagation::figures(db, org_id, &from, &to)?;
    // A completed callback was on time when its reaching attempt came by its due time.
    let (completed, on_time): (i64, i64) = db.one(
        &format!(
            "SELECT COUNT(*) AS n,
                    COALESCE(SUM(CASE WHEN due_at IS NULL OR {} <= due_at THEN 1 ELSE 0 END), 0) AS on_time
             FROM callbacks WHERE owner_org_id = ?1 AND status = 'completed' AND updated_at >= ?2 AND updated_at < ?3",
            db.backend().json_last_text("attempts", "at")
        ),
        args![org_id, from, to],
        |r| Ok((r.get("n")?, r.get("on_time")?)),
    )?;
    Ok(Some(Scorecard {
        org_id: org_id.to_string(),
        org_name,
        since: period.since,
        until: period.until,
        jobs_open: count(
            "SELECT COUNT(*) AS n FROM jobs WHERE org_id = ?1 AND status NOT IN ('completed', 'failed', 'cancelled')",
        )?,
        jobs_completed: in_period(
            "SELECT COUNT(*) AS n FROM jobs WHERE org_id = ?1 AND status = 'completed' AND updated_at >= ?2 AND updated_at < ?3",
        )?,
        jobs_failed: in_period(
            "SELECT COUNT(*) AS n FROM jobs WHERE org_id = ?1 AND status = 'failed' AND updated_at >= ?2 AND updated_at < ?3",
        )?,
        feedback_count,
        csat: csat.map(|c| (c * 100.0).round() / 100.0),
        nps: (rated > 0).then(|| ((promoters - detractors) as f64 * 100.0 / rated as f64).round()),
        callbacks_due: db.value(
            "SELECT COUNT(*) AS n FROM callbacks WHERE owner_org_id = ?1 AND status = 'queued' AND due_at <= ?2",
            args![org_id, now],
            "n",
        )?,
        callbacks_completed: completed,
        callbacks_on_time: (completed > 0).then(|| (on_time as f64 / completed as f64 * 1000.0).round() / 1000.0),
        commitments_kept: in_period(
            "SELECT COUNT(*) AS n FROM commitments WHERE owner_org_id = ?1 AND status = 'kept' AND resolved_at >= ?2 AND resolved_at < ?3",
        )?,
        commitments_broken: in_period(
            "SELECT COUNT(*) AS n FROM commitments WHERE owner_org_id = ?1 AND status = 'broken' AND resolved_at >= ?2 AND resolved_at < ?3",
        )?,
        tickets_escalated_open: count(
            "SELECT COUNT(*) AS n FROM tickets WHERE escalated_org_id = ?1 AND status IN ('open', 'pending')",
        )?,
        reasked_answers,
        reasked,
        propagated,
        propagation_p50_ms,
        propagation_p95_ms,
    }))
}

//! A partner's figures (story 5), computed from the records themselves so the
//! retailer and the partner always see the same numbers.

use baton_proto::{Scorecard, ScorecardFigure, ScorecardItem, ScorecardItems, MAX_SCORECARD_ITEMS};

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

/// The items behind `figure` of partner `org_id`'s scorecard at `now` for
/// `period`, newest first, at most `MAX_SCORECARD_ITEMS`: the same rows the
/// figure counts. `None` when `org_id` is not a partner.
pub fn items(
    db: &dyn Conn,
    org_id: &str,
    now: &str,
    period: Period,
    figure: ScorecardFigure,
) -> Result<Option<ScorecardItems>, ServerError> {
    let Some(card) = for_org(db, org_id, now, period)? else {
        return Ok(None);
    };
    let from = period.since.map(crate::wire::ts).unwrap_or_default();
    let to = period.until.map(crate::wire::ts).unwrap_or_else(|| "~".to_string());
    let in_period = |column: &str| format!("{column} >= ?2 AND {column} < ?3");
    // (select list, table, condition, the figure's count): `?1` the partner,
    // `?2`/`?3` the period, `?4` now.
    let (select, table, condition, total) = match figure {
        ScorecardFigure::JobsOpen => (
            "j.id, j.customer_id, j.number AS text, j.updated_at AS at, NULL AS late".to_string(),
            "jobs",
            "j.org_id = ?1 AND j.status NOT IN ('completed', 'failed', 'cancelled')".to_string(),
            card.jobs_open,
        ),
        ScorecardFigure::JobsCompleted | ScorecardFigure::JobsFailed => {
            let (status, total) = if figure == ScorecardFigure::JobsCompleted {
                ("completed", card.jobs_completed)
            } else {
                ("failed", card.jobs_failed)
            };
            (
                "j.id, j.customer_id, j.number AS text, j.updated_at AS at, NULL AS late".to_string(),
                "jobs",
                format!(
                    "j.org_id = ?1 AND j.status = '{status}' AND {}",
                    in_period("j.updated_at")
                ),
                total,
            )
        }
        ScorecardFigure::Feedback | ScorecardFigure::Reasked => {
            let (only, total) = if figure == ScorecardFigure::Reasked {
                (" AND j.reasked = 1", card.reasked)
            } else {
                ("", card.feedback_count)
            };
            (
                "j.id, j.customer_id, j.comment AS text, j.at AS at, \
                 CASE WHEN j.reasked IS NULL THEN NULL WHEN j.reasked = 1 THEN 1 ELSE 0 END AS late"
                    .to_string(),
                "feedback",
                format!("j.org_id = ?1 AND {}{only}", in_period("j.at")),
                total,
            )
        }
        ScorecardFigure::CallbacksDue => (
            "j.id, j.customer_id, j.request AS text, j.due_at AS at, NULL AS late".to_string(),
            "callbacks",
            "j.owner_org_id = ?1 AND j.status = 'queued' AND j.due_at <= ?4".to_string(),
            card.callbacks_due,
        ),
        ScorecardFigure::CallbacksCompleted => {
            let reached = db.backend().json_last_text("j.attempts", "at");
            (
                format!(
                    "j.id, j.customer_id, j.request AS text, j.updated_at AS at, \
                     CASE WHEN j.due_at IS NULL OR {reached} <= j.due_at THEN 0 ELSE 1 END AS late"
                ),
                "callbacks",
                format!(
                    "j.owner_org_id = ?1 AND j.status = 'completed' AND {}",
                    in_period("j.updated_at")
                ),
                card.callbacks_completed,
            )
        }
        ScorecardFigure::CommitmentsKept | ScorecardFigure::CommitmentsBroken => {
            let (status, late, total) = if figure == ScorecardFigure::CommitmentsKept {
                ("kept", 0, card.commitments_kept)
            } else {
                ("broken", 1, card.commitments_broken)
            };
            (
                format!("j.id, j.customer_id, j.text AS text, j.resolved_at AS at, {late} AS late"),
                "commitments",
                format!(
                    "j.owner_org_id = ?1 AND j.status = '{status}' AND {}",
                    in_period("j.resolved_at")
                ),
                total,
            )
        }
        ScorecardFigure::TicketsEscalatedOpen => (
            "j.id, j.customer_id, j.subject AS text, j.escalated_at AS at, NULL AS late".to_string(),
            "tickets",
            "j.escalated_org_id = ?1 AND j.status IN ('open', 'pending')".to_string(),
            card.tickets_escalated_open,
        ),
    };
    let items = db.all(
        &format!(
            "SELECT {select}, c.number AS customer_number
             FROM {table} j JOIN customers c ON c.id = j.customer_id WHERE {condition}
             ORDER BY at DESC, j.id LIMIT ?5"
        ),
        args![org_id, from, to, now, MAX_SCORECARD_ITEMS as i64],
        |r| {
            Ok(ScorecardItem {
                id: r.get("id")?,
                customer_id: r.get("customer_id")?,
                customer_number: r.get("customer_number")?,
                text: r.get("text")?,
                at: r.ts("at")?,
                late: r.get::<Option<i64>>("late")?.map(|l| l != 0),
            })
        },
    )?;
    Ok(Some(ScorecardItems { figure, total, items }))
}

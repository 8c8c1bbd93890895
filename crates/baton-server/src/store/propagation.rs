//! When changes to a partner's records first reached one of its live consoles:
//! the "time to propagate a change" of its scorecard (story 5).

use super::Conn;
use crate::args;
use crate::error::ServerError;

/// A change of partner `org_id`'s feed, saved at `changed_at`, first held by
/// one of its consoles at `delivered_at`, `lag_ms` later.
pub struct Delivery<'a> {
    pub org_id: &'a str,
    pub seq: i64,
    pub changed_at: &'a str,
    pub delivered_at: &'a str,
    pub lag_ms: i64,
}

/// Records first deliveries; a change another node or console recorded first keeps its time.
pub fn record(db: &dyn Conn, rows: &[Delivery<'_>]) -> Result<(), ServerError> {
    for d in rows {
        db.execute(
            "INSERT INTO propagation (org_id, seq, changed_at, delivered_at, lag_ms) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (org_id, seq) DO NOTHING",
            args![d.org_id, d.seq, d.changed_at, d.delivered_at, d.lag_ms],
        )?;
    }
    Ok(())
}

/// Forgets deliveries of changes saved before `before`.
pub fn prune(db: &dyn Conn, before: &str) -> Result<usize, ServerError> {
    db.execute("DELETE FROM propagation WHERE changed_at < ?1", args![before])
}

/// How many of `org_id`'s changes saved in `[from, to)` were delivered, and the
/// median and 95th-percentile delay (nearest rank), in milliseconds.
pub fn figures(
    db: &dyn Conn,
    org_id: &str,
    from: &str,
    to: &str,
) -> Result<(i64, Option<i64>, Option<i64>), ServerError> {
    let n: i64 = db.value(
        "SELECT COUNT(*) AS n FROM propagation WHERE org_id = ?1 AND changed_at >= ?2 AND changed_at < ?3",
        args![org_id, from, to],
        "n",
    )?;
    let rank = |p: f64| -> Result<Option<i64>, ServerError> {
        if n == 0 {
            return Ok(None);
        }
        let offset = ((p * n as f64).ceil() as i64 - 1).clamp(0, n - 1);
        db.opt(
            "SELECT lag_ms FROM propagation WHERE org_id = ?1 AND changed_at >= ?2 AND changed_at < ?3
             ORDER BY lag_ms LIMIT 1 OFFSET ?4",
            args![org_id, from, to, offset],
            |r| r.get("lag_ms"),
        )
    };
    Ok((n, rank(0.50)?, rank(0.95)?))
}

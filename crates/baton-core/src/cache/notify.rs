//! Which of the user's own callbacks have come due and not been announced yet,
//! so the desktop shows each one notification, once, even across restarts.

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::Cache;
use crate::error::Result;
use crate::view::{FollowUpFilter, FollowUpRow};

impl Cache {
    /// Callbacks owned by `user_id` that are due at `now` and were not announced
    /// before; they are recorded as announced in the same call. A rescheduled
    /// callback (a new due time) is announced again when it comes due.
    pub fn take_due_callbacks(&self, user_id: &str, now: DateTime<Utc>) -> Result<Vec<FollowUpRow>> {
        let filter = FollowUpFilter {
            owner_user_id: Some(user_id.to_string()),
            due_before: Some(now),
            ..FollowUpFilter::default()
        };
        let due: Vec<FollowUpRow> = self
            .follow_ups(&filter, now)?
            .into_iter()
            .filter(|r| r.kind == baton_proto::FollowUpKind::Callback && !r.waiting)
            .collect();
        let mut conn = self.lock()?;
        let tx = conn.transaction()?;
        let mut fresh = Vec::new();
        {
            let mut mark = tx.prepare_cached(
                "INSERT INTO notified (item_id, due_at) VALUES (?1, ?2)
                 ON CONFLICT(item_id) DO UPDATE SET due_at = excluded.due_at WHERE due_at <> excluded.due_at",
            )?;
            for r in due {
                let at = r.due_at.map_or(0, |d| d.timestamp());
                if mark.execute(params![r.id, at])? > 0 {
                    fresh.push(r);
                }
            }
        }
        tx.commit()?;
        Ok(fresh)
    }

    /// When the next of the user's callbacks comes due, if any is scheduled.
    pub fn next_callback_due(&self, user_id: &str, after: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
        let conn = self.lock()?;
        let at: Option<i64> = conn.query_row(
            "SELECT MIN(due_at) FROM follow_ups WHERE kind = 'callback' AND owner_user_id = ?1 AND due_at > ?2",
            params![user_id, after.timestamp()],
            |r| r.get(0),
        )?;
        Ok(at.and_then(|s| DateTime::from_timestamp(s, 0)))
    }
}

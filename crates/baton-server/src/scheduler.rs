//! The escalation sweep. Overdue callbacks and commitments move to the owning
//! organisation's supervisor queue; a partner's item overdue beyond the
//! threshold moves on to the retailer's supervisors.
//!
//! Why it is reliable across restarts: the level an item reached is stored on the
//! item, and a sweep is one write transaction that raises levels, writes the
//! timeline and audit entries and appends the feed together. A sweep that dies
//! leaves nothing behind, and the next one (whenever it runs) picks up every item
//! that is overdue *by then* — the condition is "overdue", never "became overdue
//! since the last run" — and an item already at its level is not touched again.

use std::collections::BTreeSet;

use crate::store::queues::{OverdueRow, Queue};
use crate::store::{self, Conn};
use baton_proto::{BusinessClock, EscalationLevel, OrgKind, Text, TextArg, TimelineKind};
use chrono::{DateTime, Duration, Utc};

use crate::error::ServerError;
use crate::mutations::Ctx;
use crate::wire::{parse_ts, ts};
use crate::AppState;

/// When overdue items escalate.
#[derive(Debug, Clone)]
pub struct EscalationPolicy {
    /// How long a partner's item may stay overdue in its own supervisors' queue
    /// before the retailer's supervisors get it, unless the partner has its own
    /// SLA (`orgs.callback_sla_minutes`, `commitment_sla_minutes`).
    pub partner_grace: Duration,
}

impl Default for EscalationPolicy {
    fn default() -> Self {
        EscalationPolicy {
            partner_grace: Duration::hours(4),
        }
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepReport {
    /// Items moved up a level.
    pub escalated: usize,
    /// Scopes with new changes, for pokes.
    pub touched: BTreeSet<String>,
}

/// An overdue item and the level it should be at.
struct Due {
    row: OverdueRow,
    due: DateTime<Utc>,
    target: EscalationLevel,
    /// How late it is in its owner's business hours (wall time without a calendar).
    late: Duration,
    /// Whether `late` counts only opening hours.
    business_hours: bool,
}

/// Items overdue in their owner's business time, and the level each should be
/// at. An item due while its owner is closed is not overdue until the owner
/// has been open for some of the time since; the partner's grace before the
/// retailer gets it counts opening hours only.
fn overdue(conn: &dyn Conn, now: DateTime<Utc>, policy: &EscalationPolicy) -> Result<Vec<Due>, ServerError> {
    let clocks = store::orgs::clocks(conn)?;
    let always = BusinessClock::always_open();
    let mut out = Vec::new();
    for row in store::queues::overdue(conn, &ts(now))? {
        let due = parse_ts(&row.due)?;
        let clock = clocks.get(&row.owner_org_id).unwrap_or(&always);
        // Overdue once the owner has been open for some of the time since it
        // was due. Each test looks only as far ahead as it needs (the grace at
        // most), however long ago the item fell due.
        if clock.next_open(due).is_none_or(|open| open >= now) {
            continue;
        }
        // A partner's own SLA, set by the retailer's admins, replaces the default.
        let grace = row.sla_minutes.map_or(policy.partner_grace, Duration::minutes);
        let target = if row.owner_kind == OrgKind::Partner && clock.add(due, grace) <= now {
            EscalationLevel::RetailerSupervisor
        } else {
            EscalationLevel::OwnerSupervisor
        };
        if target.level() <= row.escalation_level {
            continue;
        }
        out.push(Due {
            due,
            late: clock.open_between(due, now),
            business_hours: !clock.is_around_the_clock(),
            row,
            target,
        });
    }
    Ok(out)
}

/// One sweep, in the caller's write transaction. `fail_after` stops it with an
/// error after that many escalations (the transaction then rolls back): the
/// crash point of the restart test.
pub fn sweep(
    conn: &dyn Conn,
    now: DateTime<Utc>,
    policy: &EscalationPolicy,
    fail_after: Option<usize>,
) -> Result<SweepReport, ServerError> {
    let items = overdue(conn, now, policy)?;
    if items.is_empty() {
        return Ok(SweepReport::default());
    }
    let caller = crate::mutations::system_caller(conn)?;
    let mut report = SweepReport::default();
    let mut customers = BTreeSet::new();
    for item in items {
        if fail_after.is_some_and(|n| report.escalated >= n) {
            return Err(ServerError::Internal("the sweep was interrupted".into()));
        }
        let mut ctx = Ctx::new(conn, &caller, &item.row.customer_id, now);
        ctx.by = "Baton (automatic escalation)".into();
        let late = item.late;
        let overdue = Text::new(
            &format!(
                "overdue since {{0}} ({} h {} min late{})",
                late.num_hours(),
                late.num_minutes() % 60,
                if item.business_hours { " in opening hours" } else { "" }
            ),
            vec![TextArg::time(item.due)],
        );
        let reason = overdue.render();
        // The level only ever goes up, so a repeated sweep cannot escalate twice.
        let changed = store::queues::escalate(
            conn,
            item.row.queue,
            &item.row.id,
            item.target.level(),
            &ctx.at,
            &reason,
        )?;
        if !changed {
            continue;
        }
        crate::webhooks::emit(
            conn,
            &item.row.owner_org_id,
            baton_proto::WebhookEvent::FollowUpOverdue,
            &ctx.at,
            &item.row.customer_id,
            match item.row.queue {
                Queue::Callbacks => crate::webhooks::Item::Callback(&item.row.id),
                _ => crate::webhooks::Item::Commitment(&item.row.id),
            },
            serde_json::json!({"level": item.target}),
        )?;
        let (what, entity) = match item.row.queue {
            Queue::Callbacks => ("Callback", "callback"),
            _ => ("Commitment", "commitment"),
        };
        let queue = match item.target {
            EscalationLevel::OwnerSupervisor => format!("the supervisors at {}", item.row.owner_name),
            EscalationLevel::RetailerSupervisor => format!("the supervisors at {}", caller.user.org.name),
        };
        ctx.audit(
            "escalate_overdue",
            entity,
            &item.row.id,
            None,
            &format!("{:?}", item.target),
        )?;
        ctx.timeline(
            &item.row.customer_id,
            TimelineKind::Escalated,
            &Text::plain(&format!("{what} ")).then("", &overdue).then(
                ", ",
                &Text::new(
                    "moved to {0}: {1}",
                    vec![TextArg::quote(&queue), TextArg::quote(&item.row.text)],
                ),
            ),
            item.row.job_id.as_deref(),
            item.row.ticket_id.as_deref(),
        )?;
        customers.insert(item.row.customer_id.clone());
        report.escalated += 1;
    }
    for customer in customers {
        let mut ctx = Ctx::new(conn, &caller, &customer, now);
        ctx.publish_customer(&customer, &[])?;
        report.touched.extend(ctx.touched);
    }
    Ok(report)
}

impl AppState {
    /// Runs one escalation sweep now and pokes the consoles it concerns.
    pub async fn sweep(&self, fail_after: Option<usize>) -> Result<SweepReport, ServerError> {
        let now = self.now();
        let policy = self.escalation.clone();
        let report = self
            .db
            .write(move |tx| {
                let report = sweep(tx, now, &policy, fail_after)?;
                Ok((report, crate::feed::head(tx)?))
            })
            .await?;
        let (report, head) = report;
        if report.escalated > 0 {
            tracing::info!(escalated = report.escalated, "overdue items escalated");
            self.poke(head, report.touched.iter().cloned().collect());
        }
        Ok(report)
    }
}

/// Sweeps every `every` until the server stops. A failed sweep is logged and tried
/// again on the next tick; nothing of it was kept.
pub async fn run(state: AppState, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = state.shutdown.cancelled() => return,
            _ = tick.tick() => {
                if let Err(e) = state.sweep(None).await {
                    tracing::error!(error = %e, "escalation sweep failed; will retry");
                }
            }
        }
    }
}

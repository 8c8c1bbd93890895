//! The work agents do for a customer across organisations: tickets (cases) with
//! SLA clocks and escalation, callbacks and commitments.
//!
//! They travel inside the customer document (see `Customer`), so a console has
//! them offline and a partner's copy holds exactly the items it works on.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

use crate::JobStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum TicketStatus {
    Open,
    /// Waiting on the customer.
    Pending,
    Resolved,
    Closed,
}

impl TicketStatus {
    /// Open and pending tickets are live; resolved ones may reopen; closed is final.
    pub fn can_move_to(self, next: TicketStatus) -> bool {
        use TicketStatus::*;
        matches!(
            (self, next),
            (Open, Pending | Resolved | Closed) | (Pending, Open | Resolved | Closed) | (Resolved, Open | Closed)
        )
    }

    pub fn is_live(self) -> bool {
        matches!(self, TicketStatus::Open | TicketStatus::Pending)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

impl Priority {
    /// Hours allowed for the first response and for resolution.
    pub fn sla_hours(self) -> (i64, i64) {
        match self {
            Priority::Low => (24, 120),
            Priority::Normal => (8, 72),
            Priority::High => (4, 24),
            Priority::Urgent => (1, 8),
        }
    }
}

/// A ticket's SLA clocks. While the clock is paused (e.g. "waiting on partner"),
/// the due times move on by the paused time; the reason is visible to both sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct Sla {
    pub first_response_due: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub resolution_due: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// Set while the clock is paused.
    pub paused_since: Option<DateTime<Utc>>,
    pub pause_reason: Option<String>,
    /// Paused time already added to the due times.
    #[ts(type = "number")] // counts and ids stay far below 2^53; JSON carries numbers
    pub paused_seconds: i64,
}

/// A ticket handed to a partner: the owner keeps the ticket and its SLA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct Escalation {
    pub org_id: String,
    pub org_name: String,
    pub at: DateTime<Utc>,
    /// Who escalated, as "name (organisation)".
    pub by: String,
    /// What the partner is asked to do, with the context it needs.
    pub reason: String,
}

/// A case. One organisation owns it from start to end; it can span others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct Ticket {
    pub id: String,
    /// Human ticket number, e.g. `T-400001`.
    pub number: String,
    pub subject: String,
    pub status: TicketStatus,
    pub priority: Priority,
    pub owner_org_id: String,
    pub owner_org_name: String,
    pub owner_user_id: Option<String>,
    pub owner_name: Option<String>,
    /// Set when the ticket is escalated to a partner organisation.
    pub escalation: Option<Escalation>,
    pub sla: Sla,
    /// Jobs this ticket is about.
    pub job_ids: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
}

/// How long the owning organisation has to make a condition-triggered callback
/// once its condition becomes true.
pub const TRIGGERED_CALLBACK_SLA_MINUTES: i64 = 120;

/// How long to wait before calling again after the first and the second
/// unanswered call.
pub const CALLBACK_RETRY_MINUTES: [i64; 2] = [30, 120];

/// Unanswered calls after which a callback goes to the owner's supervisors.
pub const MAX_UNANSWERED_CALLS: usize = 3;

/// What makes a condition-triggered callback due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export)]
pub enum CallbackTrigger {
    /// Due the moment the job reaches this status.
    JobStatus { job_id: String, status: JobStatus },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum CallbackStatus {
    /// Waiting for its trigger condition to become true.
    Waiting,
    /// In the owning organisation's queue: due now or at `due_at`.
    Queued,
    Completed,
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum AttemptOutcome {
    /// Spoke to the customer: the callback is done.
    Reached,
    NoAnswer,
    LeftMessage,
    WrongNumber,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct CallbackAttempt {
    pub at: DateTime<Utc>,
    pub by: String,
    pub outcome: AttemptOutcome,
    pub note: String,
}

/// Who an overdue item was escalated to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum EscalationLevel {
    /// The owning organisation's supervisors.
    OwnerSupervisor,
    /// The retailer's supervisors: a partner's item overdue beyond the threshold.
    RetailerSupervisor,
}

impl EscalationLevel {
    pub fn from_level(level: i64) -> Option<EscalationLevel> {
        match level {
            1 => Some(EscalationLevel::OwnerSupervisor),
            2 => Some(EscalationLevel::RetailerSupervisor),
            _ => None,
        }
    }

    pub fn level(self) -> i64 {
        match self {
            EscalationLevel::OwnerSupervisor => 1,
            EscalationLevel::RetailerSupervisor => 2,
        }
    }
}

/// An overdue callback or commitment in a supervisor queue, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct QueueEscalation {
    pub level: EscalationLevel,
    pub at: DateTime<Utc>,
    pub reason: String,
}

/// "Call the customer back": owned by the organisation that can act on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct Callback {
    pub id: String,
    pub owner_org_id: String,
    pub owner_org_name: String,
    pub owner_user_id: Option<String>,
    pub owner_name: Option<String>,
    /// The person to call, and the number to call them on (E.164). A partner
    /// without the `phone` field gets no number, and no person its jobs do not name.
    pub person_id: Option<String>,
    pub phone: Option<String>,
    /// What the customer asked for, in their words.
    pub request: String,
    /// When to call. With `due_until`, the start of the window the customer asked for.
    pub due_at: Option<DateTime<Utc>>,
    /// The end of the callback window; the callback is overdue after it (or after
    /// `due_at` when there is no window).
    #[serde(default)]
    pub due_until: Option<DateTime<Utc>>,
    pub trigger: Option<CallbackTrigger>,
    pub job_id: Option<String>,
    pub status: CallbackStatus,
    /// Set when the callback went overdue (or could not be done) and moved to a supervisor queue.
    #[serde(default)]
    pub escalation: Option<QueueEscalation>,
    pub attempts: Vec<CallbackAttempt>,
    pub created_at: DateTime<Utc>,
    /// Who asked for it, as "name (organisation)".
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum CommitmentStatus {
    Open,
    Kept,
    Broken,
    Cancelled,
}

/// A promise made to the customer ("confirmation email within 24 h").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct Commitment {
    pub id: String,
    pub text: String,
    pub due_at: DateTime<Utc>,
    pub owner_org_id: String,
    pub owner_org_name: String,
    pub owner_user_id: Option<String>,
    pub owner_name: Option<String>,
    pub ticket_id: Option<String>,
    pub job_id: Option<String>,
    pub status: CommitmentStatus,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub resolved_at: Option<DateTime<Utc>>,
    /// Set when the commitment went overdue and moved to a supervisor queue.
    #[serde(default)]
    pub escalation: Option<QueueEscalation>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum FollowUpKind {
    Callback,
    Commitment,
}

/// A callback or a commitment: what supervisors reassign, reschedule and escalate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct FollowUp {
    pub kind: FollowUpKind,
    pub id: String,
}

/// Open follow-ups of one organisation, for the supervisor queue's counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct QueueCounts {
    pub org_id: String,
    pub org_name: String,
    #[ts(type = "number")] // counts and ids stay far below 2^53; JSON carries numbers
    pub callbacks_open: i64,
    #[ts(type = "number")] // counts and ids stay far below 2^53; JSON carries numbers
    pub callbacks_overdue: i64,
    #[ts(type = "number")] // counts and ids stay far below 2^53; JSON carries numbers
    pub callbacks_escalated: i64,
    #[ts(type = "number")] // counts and ids stay far below 2^53; JSON carries numbers
    pub commitments_open: i64,
    #[ts(type = "number")] // counts and ids stay far below 2^53; JSON carries numbers
    pub commitments_overdue: i64,
    #[ts(type = "number")] // counts and ids stay far below 2^53; JSON carries numbers
    pub commitments_escalated: i64,
}

/// Customer feedback on a partner's work (story 5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct Feedback {
    pub id: String,
    pub org_id: String,
    pub job_id: Option<String>,
    /// Satisfaction, 1 to 5.
    pub csat: Option<u8>,
    /// Likelihood to recommend, 0 to 10.
    pub nps: Option<u8>,
    pub comment: String,
    pub at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::TicketStatus::*;

    #[test]
    fn closed_tickets_stay_closed_and_resolved_ones_can_reopen() {
        for next in [Open, Pending, Resolved, Closed] {
            assert!(!Closed.can_move_to(next));
        }
        assert!(Resolved.can_move_to(Open));
        assert!(!Resolved.can_move_to(Pending));
        assert!(Open.can_move_to(Resolved) && Pending.can_move_to(Open));
    }
}

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

/// "Call the customer back": owned by the organisation that can act on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct Callback {
    pub id: String,
    pub owner_org_id: String,
    pub owner_org_name: String,
    pub owner_user_id: Option<String>,
    pub owner_name: Option<String>,
    /// The person to call, and the number to call them on (E.164).
    pub person_id: Option<String>,
    pub phone: String,
    /// What the customer asked for, in their words.
    pub request: String,
    pub due_at: Option<DateTime<Utc>>,
    pub trigger: Option<CallbackTrigger>,
    pub job_id: Option<String>,
    pub status: CallbackStatus,
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

//! What happened: the customer's timeline across organisations, confirmations
//! sent to the customer, the audit log, merges of duplicate customers, and the
//! partner scorecard built from all of it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum TimelineKind {
    /// A note written by an agent (on the customer, a job or a ticket).
    Note,
    /// A phone call, chat or visit, as recorded by whoever had it.
    Interaction,
    ContactChanged,
    JobStatus,
    JobAssigned,
    JobContact,
    /// A job given to a partner.
    JobCreated,
    /// A job's appointment moved.
    JobRescheduled,
    /// An order recorded or changed.
    Order,
    TicketOpened,
    TicketEscalated,
    TicketStatus,
    CallbackScheduled,
    CallbackAttempt,
    CommitmentRecorded,
    CommitmentResolved,
    /// An overdue callback or commitment moved to a supervisor queue.
    Escalated,
    /// A confirmation sent (or queued) to the customer.
    Confirmation,
    Feedback,
    Merged,
    Unmerged,
    /// A one-question survey sent to the customer (about `job_id` or `ticket_id`).
    Survey,
}

/// One append-only entry of a customer's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct TimelineEntry {
    pub id: String,
    pub at: DateTime<Utc>,
    pub kind: TimelineKind,
    pub org_id: String,
    pub org_name: String,
    /// Who, as "name (organisation)".
    pub author: String,
    /// What happened, as this viewer may read it (`template` with `args` filled in).
    pub text: String,
    /// Who may read it (notes may be internal to the writer's organisation).
    #[serde(default)]
    pub visibility: NoteVisibility,
    /// The server's wording, with `{n}` for `args[n]`. Kept on the server, where
    /// the scope rule masks `args` and renders `text` for each viewer; not sent
    /// while history travels inside the customer document (it would double its size).
    #[serde(skip)]
    #[ts(skip)]
    #[schema(ignore)]
    pub template: String,
    /// The values the text refers to.
    #[serde(skip)]
    #[ts(skip)]
    #[schema(ignore)]
    pub args: Vec<crate::TextArg>,
    pub job_id: Option<String>,
    pub ticket_id: Option<String>,
}

/// Who may read a note: everyone on the case, or the writer's organisation only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum NoteVisibility {
    /// The retailer and the partners working on what the entry is about (its job or ticket).
    #[default]
    Shared,
    /// The writer's organisation only: a partner's internal note never reaches the
    /// retailer or another partner; the retailer's never reaches a partner.
    Internal,
}

impl NoteVisibility {
    pub fn as_str(self) -> &'static str {
        match self {
            NoteVisibility::Shared => "shared",
            NoteVisibility::Internal => "internal",
        }
    }
}

/// How a conversation with the customer happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum InteractionChannel {
    Phone,
    Chat,
    Email,
    Sms,
    Visit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Channel {
    Email,
    Sms,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum DeliveryStatus {
    /// Recorded and waiting to be sent.
    Pending,
    Sent,
    /// The last attempt failed; it will be retried.
    Failed,
    /// No consented email or mobile to send to: shown to agents, never silently dropped.
    NoChannel,
}

/// What the customer is told when something about them is recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct Confirmation {
    pub id: String,
    pub person_id: Option<String>,
    pub channel: Option<Channel>,
    /// The email address or phone number it goes to; `None` with no channel, or
    /// for a viewer who may not see that person's contact of that kind.
    pub recipient: Option<String>,
    /// What was recorded, e.g. "mobile changed to +44 7946 000999", as this viewer may read it.
    pub summary: String,
    /// The server's wording of `summary`, with `{n}` for `summary_args[n]` (kept on
    /// the server, like a timeline entry's).
    #[serde(skip)]
    #[ts(skip)]
    #[schema(ignore)]
    pub summary_template: String,
    #[serde(skip)]
    #[ts(skip)]
    #[schema(ignore)]
    pub summary_args: Vec<crate::TextArg>,
    /// Who recorded it, as "name (organisation)".
    pub changed_by: String,
    pub org_id: String,
    pub at: DateTime<Utc>,
    pub status: DeliveryStatus,
    pub attempts: u32,
    /// Why the last attempt failed, while it is being retried.
    #[serde(default)]
    pub last_error: Option<String>,
    /// When the next attempt is due (pending or failed).
    #[serde(default)]
    pub next_attempt_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub sent_at: Option<DateTime<Utc>>,
}

/// One row of the audit log: every write, who, which organisation, before/after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct AuditEntry {
    #[ts(type = "number")] // counts and ids stay far below 2^53; JSON carries numbers
    pub id: i64,
    pub at: DateTime<Utc>,
    pub user_id: String,
    pub org_id: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum DuplicateReason {
    SameEmail,
    /// The same phone number and the same family name. A number alone is not
    /// enough: a family landline is shared by design.
    SamePhoneAndSurname,
    SameNameAndPostcode,
}

/// Another customer that is probably the same one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct DuplicateCandidate {
    pub customer_id: String,
    pub number: String,
    pub display_name: String,
    pub reasons: Vec<DuplicateReason>,
}

/// A merge of `merged_id` into `survivor_id`: what moved, so it can be undone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct MergeRecord {
    pub id: String,
    pub survivor_id: String,
    pub merged_id: String,
    pub at: DateTime<Utc>,
    pub by: String,
    pub undone_at: Option<DateTime<Utc>>,
}

/// The period a scorecard covers: the last `days`, or from `since` to
/// `until` (either open); all time when empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ScorecardPeriod {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
}

/// A partner's figures, the same for the retailer and for the partner (story 5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct Scorecard {
    pub org_id: String,
    pub org_name: String,
    /// The start of the period the figures about outcomes cover (jobs completed
    /// or failed, feedback, callbacks completed, promises kept or broken); `None`
    /// for all time. Open jobs, callbacks due and escalated tickets are as of now.
    pub since: Option<DateTime<Utc>>,
    /// The end of that period (exclusive); `None` for up to now.
    #[serde(default)]
    pub until: Option<DateTime<Utc>>,
    #[ts(type = "number")] // counts and ids stay far below 2^53; JSON carries numbers
    pub jobs_open: i64,
    #[ts(type = "number")] // counts and ids stay far below 2^53; JSON carries numbers
    pub jobs_completed: i64,
    #[ts(type = "number")] // counts and ids stay far below 2^53; JSON carries numbers
    pub jobs_failed: i64,
    #[ts(type = "number")] // counts and ids stay far below 2^53; JSON carries numbers
    pub feedback_count: i64,
    /// Mean satisfaction, 1 to 5.
    pub csat: Option<f64>,
    /// Net promoter score, -100 to 100.
    pub nps: Option<f64>,
    #[ts(type = "number")] // counts and ids stay far below 2^53; JSON carries numbers
    pub callbacks_due: i64,
    #[ts(type = "number")] // counts and ids stay far below 2^53; JSON carries numbers
    pub callbacks_completed: i64,
    /// Share of completed callbacks done by their due time.
    pub callbacks_on_time: Option<f64>,
    #[ts(type = "number")] // counts and ids stay far below 2^53; JSON carries numbers
    pub commitments_kept: i64,
    #[ts(type = "number")] // counts and ids stay far below 2^53; JSON carries numbers
    pub commitments_broken: i64,
    #[ts(type = "number")] // counts and ids stay far below 2^53; JSON carries numbers
    pub tickets_escalated_open: i64,
    /// Feedback in the period that says whether the customer had to repeat
    /// something already known, and how much of it says they did.
    #[ts(type = "number")] // counts and ids stay far below 2^53; JSON carries numbers
    pub reasked_answers: i64,
    #[ts(type = "number")] // counts and ids stay far below 2^53; JSON carries numbers
    pub reasked: i64,
    /// Changes to this partner's records in the period that reached one of its
    /// live consoles, and how long that took (median and 95th percentile, ms):
    /// from the change being saved to the partner's first console holding it,
    /// counted for changes saved while one of its consoles was connected.
    #[ts(type = "number")] // counts and ids stay far below 2^53; JSON carries numbers
    pub propagated: i64,
    #[ts(type = "number | null")]
    pub propagation_p50_ms: Option<i64>,
    #[ts(type = "number | null")]
    pub propagation_p95_ms: Option<i64>,
}

/// A scorecard figure that can be opened to the items behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ScorecardFigure {
    JobsOpen,
    JobsCompleted,
    JobsFailed,
    Feedback,
    Reasked,
    CallbacksDue,
    CallbacksCompleted,
    CommitmentsKept,
    CommitmentsBroken,
    TicketsEscalatedOpen,
}

/// One item behind a scorecard figure: a job, a callback, a promise, a ticket
/// or a rating of the partner's, on a customer's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct ScorecardItem {
    pub id: String,
    pub customer_id: String,
    /// The customer's account number.
    pub customer_number: String,
    /// What it is: a job's number, a callback's request, a promise, a ticket's
    /// subject, what the customer said.
    pub text: String,
    /// When it counted: completed, resolved, rated; for open work, when due or escalated.
    pub at: DateTime<Utc>,
    /// A callback completed after its due time, a promise broken, a customer who
    /// had to repeat something; `None` where lateness does not apply.
    pub late: Option<bool>,
}

/// The items behind one figure of a partner's scorecard, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct ScorecardItems {
    pub figure: ScorecardFigure,
    /// How many the figure counts (the list stops at `MAX_SCORECARD_ITEMS`).
    #[ts(type = "number")] // counts and ids stay far below 2^53; JSON carries numbers
    pub total: i64,
    pub items: Vec<ScorecardItem>,
}

/// The most items one drill-down lists.
pub const MAX_SCORECARD_ITEMS: usize = 500;

/// What a survey asks about: a completed job or a resolved ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SurveySubjectKind {
    Job,
    Ticket,
}

/// The job or ticket a survey is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct SurveySubject {
    pub kind: SurveySubjectKind,
    pub id: String,
}

/// How long a survey link can be answered.
pub const SURVEY_DAYS: i64 = 30;

/// A survey as the customer who holds its link sees it: no account, nothing
/// of the record beyond what the question names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct SurveyQuestion {
    /// Who asks: the retailer's name.
    pub retailer: String,
    /// The one question, e.g. "How satisfied are you with the delivery by
    /// Brightline Logistics (job J-1001)?"
    pub question: String,
    /// The organisation being rated.
    pub org_name: String,
    /// "job J-1001" or "case T-1002".
    pub subject: String,
    pub expires_at: DateTime<Utc>,
    /// Set once answered: a link is answered once.
    pub answered_at: Option<DateTime<Utc>>,
}

/// The customer's answer: satisfaction from 1 (very dissatisfied) to 5 (very
/// satisfied), and optionally what they would like to add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct SurveyAnswer {
    #[schema(minimum = 1, maximum = 5)]
    pub csat: u8,
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub comment: String,
}

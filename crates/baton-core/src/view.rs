//! What the console shows, as the UI receives it (TypeScript bindings generated).

use baton_proto::{Customer, ErrorCode, Job, UserInfo};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How a search result matched what the agent typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum MatchKind {
    Phone,
    Email,
    Name,
    CustomerNumber,
    JobNumber,
    OrderNumber,
    TicketNumber,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SearchHit {
    pub customer_id: String,
    pub customer_number: String,
    pub display_name: String,
    /// The person the match is about (the phone's owner, the named person).
    pub person_name: Option<String>,
    pub match_kind: MatchKind,
    /// What matched, ready to show: "+44 7946 000202 (mobile)".
    pub matched: String,
}

/// Where an edit is on its way to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum EditState {
    /// Saved in the local cache, waiting to reach the server.
    SavedLocally,
    /// Accepted by the server.
    Synced,
    /// Accepted, but it replaced a value this user had not seen: review it.
    Conflict,
    /// Refused by the server; the record shows the server's value again.
    Rejected,
}

/// The latest edit of one field, for the marker next to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FieldEdit {
    pub mutation_id: String,
    /// What was edited, e.g. `contact:<contact point id>`.
    pub target: String,
    pub state: EditState,
    pub value: String,
    pub created_at: DateTime<Utc>,
    pub error_code: Option<ErrorCode>,
    pub message: Option<String>,
    /// For a conflict: the value this edit replaced without having seen it.
    pub replaced_value: Option<String>,
}

/// What the user decides about a rejected or conflicting edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Resolution {
    /// Keep what is on the record now (the user's value for a conflict, the
    /// server's for a rejection) and clear the marker.
    Keep,
    /// Conflicts only: put back the value the edit replaced, as a new edit.
    RestoreReplaced,
}

/// One customer as the record screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CustomerView {
    pub customer: Customer,
    pub jobs: Vec<Job>,
    pub edits: Vec<FieldEdit>,
    /// When this user opened the record before the current time (none: the
    /// first time). What changed after it, by someone else, is in `changes`.
    #[serde(default)]
    pub last_viewed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub changes: Vec<ChangeMarker>,
    /// For each job, the statuses it may move to next (the lifecycle the server enforces).
    #[serde(default)]
    pub job_moves: Vec<JobMoves>,
    /// The server holds older history (timeline entries, confirmations) than
    /// the console keeps: `load_full_history` fetches it.
    #[serde(default)]
    pub older_history: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct JobMoves {
    pub job_id: String,
    pub next: Vec<baton_proto::JobStatus>,
}

/// Something on the record that someone else changed since this user last
/// opened it: shown next to the field, with who and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ChangeMarker {
    /// What changed: `contact:<id>`, `job:<id>`, `ticket:<id>`, `callback:<id>`,
    /// `commitment:<id>`, `timeline:<entry id>`.
    pub target: String,
    /// Who, as "name (organisation)".
    pub by: String,
    pub at: DateTime<Utc>,
    /// What happened, ready to show.
    pub what: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Connectivity {
    Connecting,
    Online,
    Offline,
    /// The server no longer accepts this session: sign in again. Edits stay queued.
    SignedOut,
    /// The server needs a newer console. Edits stay queued.
    UpdateRequired,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SyncStatus {
    pub connectivity: Connectivity,
    /// Edits saved locally that the server has not confirmed yet.
    pub pending: u32,
    /// Edits the server refused, waiting for the user to look at them.
    pub rejected: u32,
    /// Edits that replaced a value the user had not seen, waiting for the user to decide.
    pub conflicts: u32,
    pub last_sync_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// True until the first full snapshot is in the cache.
    pub initial_sync: bool,
    /// While a snapshot is loading: how far it is.
    #[serde(default)]
    pub snapshot: Option<SnapshotProgress>,
}

/// How far a snapshot (the first sign-in's, or one the server asked for) is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SnapshotProgress {
    /// Records (customers and jobs) stored so far.
    pub received: u32,
    /// Records the snapshot holds, as the server counted them when it began.
    pub total: u32,
    /// At the rate of this session so far; `None` until it can tell.
    pub seconds_left: Option<u32>,
}

impl Default for SyncStatus {
    fn default() -> Self {
        SyncStatus {
            connectivity: Connectivity::Connecting,
            pending: 0,
            rejected: 0,
            conflicts: 0,
            last_sync_at: None,
            last_error: None,
            initial_sync: true,
            snapshot: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SessionInfo {
    pub server_url: String,
    pub user: UserInfo,
}

/// Whom to contact about a job or a callback, and on which number: the job's
/// contact person (the on-site contact), not necessarily the account holder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ContactPerson {
    pub person_id: String,
    pub name: String,
    /// E.164; none when the person has no phone this user may see.
    pub phone: Option<String>,
}

/// An open callback or commitment in a queue, with its customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FollowUpRow {
    pub kind: baton_proto::FollowUpKind,
    pub id: String,
    pub customer_id: String,
    pub customer_name: String,
    /// The person to call: the callback's person, else the contact of the job
    /// it is about (with the callback's own number, when it has one).
    pub contact: Option<ContactPerson>,
    pub owner_org_id: String,
    pub owner_org_name: String,
    pub owner_user_id: Option<String>,
    pub owner_name: Option<String>,
    /// The customer's request, or the promise made.
    pub text: String,
    /// The number to call (callbacks).
    pub phone: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
    pub due_until: Option<DateTime<Utc>>,
    /// A callback still waiting for its condition (never overdue).
    pub waiting: bool,
    pub overdue: bool,
    pub escalation: Option<baton_proto::QueueEscalation>,
    /// The time left in the owning organisation's business hours, when it has
    /// a calendar (without one, business time is wall time).
    pub business: Option<BusinessTimeLeft>,
    /// Where the customer lives (IANA), to show their local time beside the due time.
    pub customer_time_zone: Option<String>,
}

/// A due time measured in its owner's opening hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BusinessTimeLeft {
    /// Opening-hours minutes until it is due; negative: overdue by that many.
    #[ts(type = "number")]
    pub minutes: i64,
    /// When the owner next opens, while it is closed now.
    pub opens_at: Option<DateTime<Utc>>,
}

impl BusinessTimeLeft {
    /// `due` as seen from `now` on `clock`; `None` for an owner open around the clock.
    pub fn of(clock: &baton_proto::BusinessClock, now: DateTime<Utc>, due: DateTime<Utc>) -> Option<BusinessTimeLeft> {
        if clock.is_around_the_clock() {
            return None;
        }
        Some(BusinessTimeLeft {
            minutes: clock.remaining(now, due).num_minutes(),
            opens_at: (!clock.is_open(now)).then(|| clock.next_open(now)).flatten(),
        })
    }
}

impl FollowUpRow {
    /// Who the item is about, as a notification or a list names them: the person
    /// to call, with the account when that is someone else's.
    pub fn whom(&self) -> String {
        match &self.contact {
            Some(c) if c.name != self.customer_name => format!("{} ({})", c.name, self.customer_name),
            Some(c) => c.name.clone(),
            None => self.customer_name.clone(),
        }
    }
}

/// Which follow-ups a queue shows. Everything unset: all open ones.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FollowUpFilter {
    pub owner_org_id: Option<String>,
    pub owner_user_id: Option<String>,
    #[serde(default)]
    pub overdue_only: bool,
    #[serde(default)]
    pub escalated_only: bool,
    /// Only those due at or before this time ("due today": the end of the user's day).
    pub due_before: Option<DateTime<Utc>>,
}

/// What a supervisor does to the selected follow-ups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "action", rename_all = "snake_case")]
#[ts(export)]
pub enum QueueAction {
    Reassign {
        owner_org_id: String,
        owner_user_id: Option<String>,
    },
    Reschedule {
        due_at: DateTime<Utc>,
        due_until: Option<DateTime<Utc>>,
    },
    Escalate {
        reason: String,
    },
}

/// One selected follow-up: which item, on which customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FollowUpRef {
    pub customer_id: String,
    pub item: baton_proto::FollowUp,
}

/// An open ticket on a home view, with its customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TicketRow {
    pub customer_id: String,
    pub customer_name: String,
    pub ticket: baton_proto::Ticket,
    /// Past its resolution due time.
    pub overdue: bool,
}

/// Which open tickets a home view shows. Everything unset: all of them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TicketFilter {
    pub owner_org_id: Option<String>,
    pub owner_user_id: Option<String>,
    /// Tickets escalated to this (partner) organisation.
    pub escalated_to: Option<String>,
}

/// A job on the dispatcher's board, with its customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct JobRow {
    pub customer_name: String,
    /// The job's contact person and their number for appointments.
    pub contact: Option<ContactPerson>,
    pub job: Job,
    /// The statuses the job may move to next.
    pub next: Vec<baton_proto::JobStatus>,
}

/// Which jobs the board shows: appointments in `[from, to)`, plus jobs with no
/// appointment yet when `unscheduled`. `org_id` narrows to one partner (retailer staff).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct JobBoardFilter {
    pub org_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    #[serde(default)]
    pub unscheduled: bool,
}

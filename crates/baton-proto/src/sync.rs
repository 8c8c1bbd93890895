//! The sync protocol: snapshot, change feed, live pokes and intent mutations.
//! See docs/sync.md for the rules these types carry.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use utoipa::ToSchema;

use crate::{
    AttemptOutcome, CallbackTrigger, CommitmentStatus, Confirmation, Consent, ContactKind, ContactPurpose, Customer,
    ErrorCode, FollowUp, InteractionChannel, Job, JobStatus, Priority, SurveySubject, TicketStatus, TimelineEntry,
};

/// Which kind of document a change or snapshot item carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum EntityKind {
    Customer,
    Job,
}

impl EntityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Customer => "customer",
            EntityKind::Job => "job",
        }
    }

    pub fn parse(s: &str) -> Option<EntityKind> {
        match s {
            "customer" => Some(EntityKind::Customer),
            "job" => Some(EntityKind::Job),
            _ => None,
        }
    }
}

/// A full document, as the caller's scope may see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", content = "doc", rename_all = "snake_case")]
pub enum Record {
    Customer(Customer),
    Job(Job),
}

impl Record {
    pub fn kind(&self) -> EntityKind {
        match self {
            Record::Customer(_) => EntityKind::Customer,
            Record::Job(_) => EntityKind::Job,
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Record::Customer(c) => &c.id,
            Record::Job(j) => &j.id,
        }
    }
}

/// One item of a customer's history: it travels on its own (protocol 2), so an
/// edit ships what it added, never the history before it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", content = "entry", rename_all = "snake_case")]
pub enum HistoryItem {
    Timeline(TimelineEntry),
    Confirmation(Confirmation),
}

impl HistoryItem {
    pub fn id(&self) -> &str {
        match self {
            HistoryItem::Timeline(e) => &e.id,
            HistoryItem::Confirmation(c) => &c.id,
        }
    }

    pub fn at(&self) -> DateTime<Utc> {
        match self {
            HistoryItem::Timeline(e) => e.at,
            HistoryItem::Confirmation(c) => c.at,
        }
    }
}

/// The recent history of one customer as the caller may see it: the newest
/// [`HISTORY_TAIL`] timeline entries and as many confirmations, oldest first.
/// It replaces whatever history the console held for the customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CustomerHistory {
    pub customer_id: String,
    pub items: Vec<HistoryItem>,
    /// The server holds older entries than these: page them with
    /// `GET /v1/customers/{id}/timeline?before=`.
    pub older: bool,
}

/// How many timeline entries (and confirmations) of each customer a snapshot
/// carries; older ones are paged on demand.
pub const HISTORY_TAIL: usize = 50;

/// One entry of the change feed.
///
/// Protocol 2: `Upsert` of a customer carries its current state, with empty
/// `timeline` and `confirmations`; its history arrives as `history_item`
/// (one new or changed entry, by id) and `history` (replace what you hold: sent
/// when what the caller may see of the history changed as a whole, e.g. a
/// partner given a job on the customer). Protocol 1: `Upsert` carries the whole
/// document, history included, and the history ops never appear.
/// `Remove` means "this document left your scope or was deleted: drop it".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ChangeOp {
    // Boxed: feeds are mostly upserts, but a Vec<Change> should not size every
    // entry to the largest document.
    Upsert {
        record: Box<Record>,
    },
    Remove {
        entity: EntityKind,
        id: String,
    },
    HistoryItem {
        customer_id: String,
        item: Box<HistoryItem>,
    },
    History {
        history: Box<CustomerHistory>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Change {
    pub seq: i64,
    #[serde(flatten)]
    pub op: ChangeOp,
}

/// `GET /v1/sync/snapshot`: a page of the caller's whole scope, pinned at `seq`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SnapshotPage {
    /// The server database this snapshot comes from; see `ChangesPage::epoch`.
    pub epoch: String,
    /// Pull changes after this seq once the last page is stored.
    pub seq: i64,
    pub records: Vec<Record>,
    /// On the first page: how many records (customers and jobs) the whole
    /// snapshot holds, for the console to show its progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Protocol 2: the recent history of each customer on this page (its
    /// `records` carry current state only). Absent in protocol 1.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub histories: Vec<CustomerHistory>,
    /// Pass as `?token=` for the next page; `None` on the last page. The client
    /// stores it with the page, so a crash resumes where it stopped.
    pub next_token: Option<String>,
}

/// `GET /v1/sync/changes?after=`: changes of the caller's scope in commit order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChangesPage {
    /// Identity of the server database. Send it back as `?epoch=`: a cursor from
    /// another database (restored, recreated) gets 410 and the client re-snapshots.
    pub epoch: String,
    pub changes: Vec<Change>,
    /// The cursor to store once these changes are applied.
    pub cursor: i64,
    pub has_more: bool,
}

/// An edit as the user meant it, not as rows. The server re-validates and applies it.
/// Items an edit creates carry an id chosen by the console (a UUID), so they can
/// be shown and referred to offline, and a retry can never create them twice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export)]
pub enum Intent {
    /// Change one of a person's phone numbers or email addresses.
    SetContactPoint {
        customer_id: String,
        person_id: String,
        contact_point_id: String,
        value: String,
        /// The value the user saw when editing; a mismatch on the server is a conflict.
        base_value: String,
    },
    /// Give a person a new phone number or email address.
    AddContactPoint {
        customer_id: String,
        person_id: String,
        contact_point_id: String,
        kind: ContactKind,
        label: String,
        value: String,
        purposes: Vec<ContactPurpose>,
    },
    /// Say what a contact point is for, whether it is the preferred one, and consent.
    SetContactPreferences {
        customer_id: String,
        person_id: String,
        contact_point_id: String,
        purposes: Vec<ContactPurpose>,
        preferred: bool,
        consent: Consent,
    },
    /// Give a job to another partner organisation (retailer staff only). The old
    /// partner's consoles lose the job, and the customer unless another of its
    /// jobs remains; the new partner's consoles receive both.
    ReassignJob {
        customer_id: String,
        job_id: String,
        org_id: String,
    },
    /// Record an order or subscription the retailer took (retailer staff): its
    /// number in the retailer's systems and its products.
    CreateOrder {
        customer_id: String,
        order_id: String,
        /// The retailer's order number (`O-…`); the server numbers it when absent.
        #[serde(default)]
        number: Option<String>,
        kind: crate::OrderKind,
        lines: Vec<crate::OrderLine>,
    },
    /// Change an order's status, and its products when given (retailer staff).
    UpdateOrder {
        customer_id: String,
        order_id: String,
        status: crate::OrderStatus,
        #[serde(default)]
        lines: Option<Vec<crate::OrderLine>>,
    },
    /// Give a partner a job for the customer (retailer staff): what to do, who to
    /// contact, where, for which order, and when. The partner's consoles receive
    /// the job and, of the customer, only what its fields allow.
    CreateJob {
        customer_id: String,
        job_id: String,
        org_id: String,
        kind: crate::JobKind,
        summary: String,
        contact_person_id: String,
        #[serde(default)]
        address_id: Option<String>,
        #[serde(default)]
        order_id: Option<String>,
        #[serde(default)]
        appointment_start: Option<DateTime<Utc>>,
        #[serde(default)]
        appointment_end: Option<DateTime<Utc>>,
    },
    /// Move a job's appointment (retailer staff, or the job's partner). The
    /// contact person is confirmed the new window; the partner's consoles mark it
    /// as changed.
    RescheduleJob {
        customer_id: String,
        job_id: String,
        appointment_start: DateTime<Utc>,
        appointment_end: DateTime<Utc>,
        /// Why, for the timeline ("the customer asked for the afternoon").
        #[serde(default)]
        reason: Option<String>,
    },
    /// Cancel a job that has not finished (retailer staff), with the reason; the
    /// contact person is told.
    CancelJob {
        customer_id: String,
        job_id: String,
        reason: String,
    },
    /// Move a job along its lifecycle (its partner, or retailer staff). Judged by
    /// the server against the job's current status, whatever the user saw.
    SetJobStatus {
        customer_id: String,
        job_id: String,
        status: JobStatus,
        base_status: JobStatus,
    },
    /// Name the person a partner must contact for a job (retailer staff).
    SetJobContact {
        customer_id: String,
        job_id: String,
        person_id: String,
    },
    /// Write a note on the customer's timeline, optionally about a job or ticket.
    AddNote {
        customer_id: String,
        note_id: String,
        text: String,
        job_id: Option<String>,
        ticket_id: Option<String>,
        /// Shared with everyone on the case (the default), or internal to the writer's organisation.
        #[serde(default)]
        visibility: crate::NoteVisibility,
    },
    /// Record a conversation with the customer (a call, chat, email or visit) on
    /// the timeline, optionally about a job or ticket.
    LogInteraction {
        customer_id: String,
        interaction_id: String,
        channel: InteractionChannel,
        summary: String,
        job_id: Option<String>,
        ticket_id: Option<String>,
    },
    /// Open a case owned by the caller's organisation.
    OpenTicket {
        customer_id: String,
        ticket_id: String,
        subject: String,
        priority: Priority,
        job_ids: Vec<String>,
    },
    /// Hand a ticket to a partner with the context it needs; the owner keeps it.
    /// `pause_reason` pauses the SLA clock while the partner works.
    EscalateTicket {
        customer_id: String,
        ticket_id: String,
        org_id: String,
        reason: String,
        pause_reason: Option<String>,
    },
    SetTicketStatus {
        customer_id: String,
        ticket_id: String,
        status: TicketStatus,
        base_status: TicketStatus,
    },
    /// Ask an organisation that can act to call the customer back, at a time or
    /// when a condition becomes true.
    ScheduleCallback {
        customer_id: String,
        callback_id: String,
        owner_org_id: String,
        owner_user_id: Option<String>,
        person_id: Option<String>,
        phone: String,
        request: String,
        due_at: Option<DateTime<Utc>>,
        /// The end of the window the customer asked for ("between 2 and 4 pm").
        #[serde(default)]
        due_until: Option<DateTime<Utc>>,
        trigger: Option<CallbackTrigger>,
        job_id: Option<String>,
    },
    /// Record a call made for a callback; `reached` completes it.
    RecordCallbackAttempt {
        customer_id: String,
        callback_id: String,
        outcome: AttemptOutcome,
        note: String,
    },
    /// Record a promise made to the customer.
    RecordCommitment {
        customer_id: String,
        commitment_id: String,
        text: String,
        due_at: DateTime<Utc>,
        owner_org_id: String,
        ticket_id: Option<String>,
        job_id: Option<String>,
    },
    /// Mark a commitment kept, broken or cancelled.
    ResolveCommitment {
        customer_id: String,
        commitment_id: String,
        status: CommitmentStatus,
    },
    /// Give an open callback or commitment to another owner (supervisors: a
    /// partner's within its organisation, the retailer's to any organisation).
    ReassignFollowUp {
        customer_id: String,
        item: FollowUp,
        owner_org_id: String,
        owner_user_id: Option<String>,
    },
    /// Set a new due time (and, for a callback, window) on an open follow-up
    /// (supervisors). It leaves the supervisor queue and is confirmed to the customer.
    RescheduleFollowUp {
        customer_id: String,
        item: FollowUp,
        due_at: DateTime<Utc>,
        due_until: Option<DateTime<Utc>>,
    },
    /// Send an open follow-up to the retailer's supervisors now (supervisors).
    EscalateFollowUp {
        customer_id: String,
        item: FollowUp,
        reason: String,
    },
    /// Record customer feedback on a partner's job.
    RecordFeedback {
        customer_id: String,
        feedback_id: String,
        job_id: String,
        #[schema(maximum = 255)]
        csat: Option<u8>,
        #[schema(maximum = 255)]
        nps: Option<u8>,
        comment: String,
        /// Whether the customer had to repeat something Baton already held
        /// ("re-asked details"); `None` when not asked.
        #[serde(default)]
        reasked: Option<bool>,
    },
    /// Create a customer from a call no record explains (retailer staff): the
    /// caller, as account holder, with the number they called from.
    CreateCustomer {
        customer_id: String,
        person_id: String,
        contact_point_id: String,
        name: String,
        phone: String,
    },
    /// Send the customer a written confirmation of what was agreed ("your visit is
    /// Tuesday 10–12"), on the person's preferred consented channel (else the
    /// account holder's). Stored and shown on the record with its delivery state.
    SendConfirmation {
        customer_id: String,
        confirmation_id: String,
        person_id: Option<String>,
        /// The words to send (retailer staff); empty when a template is given.
        #[serde(default)]
        text: String,
        /// One of the retailer's confirmation templates. Partners send only these:
        /// nothing they write goes out under the retailer's name.
        #[serde(default)]
        template_id: Option<String>,
    },
    /// Send the customer a one-question survey about a completed job or a
    /// resolved ticket (retailer staff): a link on the preferred consented
    /// channel of the job's contact (else the account holder), answered once,
    /// within 30 days, with no account. The answer is recorded as feedback on
    /// the organisation that did the work. One survey per job or ticket.
    SendSurvey {
        customer_id: String,
        survey_id: String,
        about: SurveySubject,
    },
    /// Record where the customer lives, as an IANA time zone such as
    /// `America/New_York` (retailer staff), or forget it (`null`: the
    /// retailer's own stands in). Consoles show their local time beside due times.
    SetCustomerTimeZone {
        customer_id: String,
        time_zone: Option<String>,
    },
    /// Merge a duplicate customer into `customer_id` (retailer staff). Nothing is
    /// lost: people, jobs, cases and both histories move, and the merge can be undone.
    MergeCustomers {
        customer_id: String,
        merged_id: String,
        merge_id: String,
    },
    /// Undo a merge: what moved goes back to the restored customer.
    UndoMerge { customer_id: String, merge_id: String },
    /// Erase a customer at their request (retailer supervisors): their personal
    /// data is replaced in every table that holds it, an erasure record is
    /// kept, and every console drops the customer.
    EraseCustomer { customer_id: String, reason: String },
}

impl Intent {
    pub fn name(&self) -> &'static str {
        match self {
            Intent::SetContactPoint { .. } => "set_contact_point",
            Intent::AddContactPoint { .. } => "add_contact_point",
            Intent::SetContactPreferences { .. } => "set_contact_preferences",
            Intent::ReassignJob { .. } => "reassign_job",
            Intent::CreateOrder { .. } => "create_order",
            Intent::UpdateOrder { .. } => "update_order",
            Intent::CreateJob { .. } => "create_job",
            Intent::RescheduleJob { .. } => "reschedule_job",
            Intent::CancelJob { .. } => "cancel_job",
            Intent::SetJobStatus { .. } => "set_job_status",
            Intent::SetJobContact { .. } => "set_job_contact",
            Intent::AddNote { .. } => "add_note",
            Intent::LogInteraction { .. } => "log_interaction",
            Intent::OpenTicket { .. } => "open_ticket",
            Intent::EscalateTicket { .. } => "escalate_ticket",
            Intent::SetTicketStatus { .. } => "set_ticket_status",
            Intent::ScheduleCallback { .. } => "schedule_callback",
            Intent::RecordCallbackAttempt { .. } => "record_callback_attempt",
            Intent::RecordCommitment { .. } => "record_commitment",
            Intent::ResolveCommitment { .. } => "resolve_commitment",
            Intent::ReassignFollowUp { .. } => "reassign_follow_up",
            Intent::RescheduleFollowUp { .. } => "reschedule_follow_up",
            Intent::EscalateFollowUp { .. } => "escalate_follow_up",
            Intent::RecordFeedback { .. } => "record_feedback",
            Intent::SendConfirmation { .. } => "send_confirmation",
            Intent::SendSurvey { .. } => "send_survey",
            Intent::SetCustomerTimeZone { .. } => "set_customer_time_zone",
            Intent::CreateCustomer { .. } => "create_customer",
            Intent::MergeCustomers { .. } => "merge_customers",
            Intent::UndoMerge { .. } => "undo_merge",
            Intent::EraseCustomer { .. } => "erase_customer",
        }
    }

    /// The value the edit sets, for conflict records and display.
    pub fn value(&self) -> String {
        match self {
            Intent::SetContactPoint { value, .. } | Intent::AddContactPoint { value, .. } => value.clone(),
            Intent::ReassignJob { org_id, .. } | Intent::EscalateTicket { org_id, .. } => org_id.clone(),
            Intent::SetJobStatus { status, .. } => status.as_str().to_string(),
            Intent::SetJobContact { person_id, .. } => person_id.clone(),
            Intent::CreateJob { summary, .. } => summary.clone(),
            Intent::CancelJob { reason, .. } => reason.clone(),
            Intent::RescheduleJob { appointment_start, .. } => appointment_start.to_rfc3339(),
            Intent::AddNote { text, .. } => text.clone(),
            Intent::LogInteraction { summary, .. } => summary.clone(),
            Intent::RecordCommitment { text, .. } | Intent::SendConfirmation { text, .. } => text.clone(),
            Intent::ScheduleCallback { request, .. } => request.clone(),
            Intent::MergeCustomers { merged_id, .. } => merged_id.clone(),
            Intent::CreateCustomer { name, .. } => name.clone(),
            other => other.name().to_string(),
        }
    }

    /// The customer whose document the edit changes (for a merge, the survivor).
    pub fn customer_id(&self) -> &str {
        match self {
            Intent::SetContactPoint { customer_id, .. }
            | Intent::AddContactPoint { customer_id, .. }
            | Intent::SetContactPreferences { customer_id, .. }
            | Intent::ReassignJob { customer_id, .. }
            | Intent::CreateOrder { customer_id, .. }
            | Intent::UpdateOrder { customer_id, .. }
            | Intent::CreateJob { customer_id, .. }
            | Intent::RescheduleJob { customer_id, .. }
            | Intent::CancelJob { customer_id, .. }
            | Intent::SetJobStatus { customer_id, .. }
            | Intent::SetJobContact { customer_id, .. }
            | Intent::AddNote { customer_id, .. }
            | Intent::LogInteraction { customer_id, .. }
            | Intent::OpenTicket { customer_id, .. }
            | Intent::EscalateTicket { customer_id, .. }
            | Intent::SetTicketStatus { customer_id, .. }
            | Intent::ScheduleCallback { customer_id, .. }
            | Intent::RecordCallbackAttempt { customer_id, .. }
            | Intent::RecordCommitment { customer_id, .. }
            | Intent::ResolveCommitment { customer_id, .. }
            | Intent::ReassignFollowUp { customer_id, .. }
            | Intent::RescheduleFollowUp { customer_id, .. }
            | Intent::EscalateFollowUp { customer_id, .. }
            | Intent::RecordFeedback { customer_id, .. }
            | Intent::SendConfirmation { customer_id, .. }
            | Intent::SendSurvey { customer_id, .. }
            | Intent::SetCustomerTimeZone { customer_id, .. }
            | Intent::CreateCustomer { customer_id, .. }
            | Intent::MergeCustomers { customer_id, .. }
            | Intent::UndoMerge { customer_id, .. }
            | Intent::EraseCustomer { customer_id, .. } => customer_id,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Mutation {
    /// Idempotency key: a retry of the same id is answered from the server's record.
    pub id: Uuid,
    /// Per-client sequence, for ordering and audit.
    pub client_seq: i64,
    /// When the user made the edit (client clock: display and audit only).
    pub created_at: DateTime<Utc>,
    pub intent: Intent,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PushRequest {
    pub client_id: Uuid,
    pub mutations: Vec<Mutation>,
}

/// A contact-data conflict: the edit won (last write to reach the server), and the
/// value it replaced, which was not the one the user saw, is kept here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct Conflict {
    pub field: String,
    pub base_value: String,
    pub replaced_value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum MutationOutcome {
    /// Applied; the change is in the feed at or before `seq`.
    Applied { seq: i64, conflict: Option<Conflict> },
    /// Refused for good (invalid, not allowed). Never retried; shown to the user.
    Rejected { code: ErrorCode, message: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MutationResult {
    pub id: Uuid,
    #[serde(flatten)]
    pub outcome: MutationOutcome,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PushResponse {
    pub results: Vec<MutationResult>,
}

/// Data of the SSE `poke` event: something at or before `seq` is waiting in your feed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Poke {
    pub seq: i64,
}

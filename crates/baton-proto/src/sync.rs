//! The sync protocol: snapshot, change feed, live pokes and intent mutations.
//! See docs/sync.md for the rules these types carry.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::{Customer, ErrorCode, Job, JobStatus};

/// Which kind of document a change or snapshot item carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

/// One entry of the change feed. `Upsert` carries the whole document; `Remove`
/// means "this document left your scope or was deleted: drop it".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ChangeOp {
    // Boxed: feeds are mostly upserts, but a Vec<Change> should not size every
    // entry to the largest document.
    Upsert { record: Box<Record> },
    Remove { entity: EntityKind, id: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub seq: i64,
    #[serde(flatten)]
    pub op: ChangeOp,
}

/// `GET /v1/sync/snapshot`: a page of the caller's whole scope, pinned at `seq`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SnapshotPage {
    /// The server database this snapshot comes from; see `ChangesPage::epoch`.
    pub epoch: String,
    /// Pull changes after this seq once the last page is stored.
    pub seq: i64,
    pub records: Vec<Record>,
    /// Pass as `?token=` for the next page; `None` on the last page. The client
    /// stores it with the page, so a crash resumes where it stopped.
    pub next_token: Option<String>,
}

/// `GET /v1/sync/changes?after=`: changes of the caller's scope in commit order.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
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
    /// Give a job to another partner organisation (retailer staff only). The old
    /// partner's consoles lose the job, and the customer unless another of its
    /// jobs remains; the new partner's consoles receive both.
    ReassignJob {
        customer_id: String,
        job_id: String,
        org_id: String,
    },
    /// Move a job along its lifecycle (its partner, or retailer staff). Judged by
    /// the server against the job's current status, whatever the user saw.
    SetJobStatus {
        customer_id: String,
        job_id: String,
        status: JobStatus,
        base_status: JobStatus,
    },
}

impl Intent {
    pub fn name(&self) -> &'static str {
        match self {
            Intent::SetContactPoint { .. } => "set_contact_point",
            Intent::ReassignJob { .. } => "reassign_job",
            Intent::SetJobStatus { .. } => "set_job_status",
        }
    }

    /// The value the edit sets, for audit and display.
    pub fn value(&self) -> &str {
        match self {
            Intent::SetContactPoint { value, .. } => value,
            Intent::ReassignJob { org_id, .. } => org_id,
            Intent::SetJobStatus { status, .. } => status.as_str(),
        }
    }

    pub fn customer_id(&self) -> &str {
        match self {
            Intent::SetContactPoint { customer_id, .. }
            | Intent::ReassignJob { customer_id, .. }
            | Intent::SetJobStatus { customer_id, .. } => customer_id,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mutation {
    /// Idempotency key: a retry of the same id is answered from the server's record.
    pub id: Uuid,
    /// Per-client sequence, for ordering and audit.
    pub client_seq: i64,
    /// When the user made the edit (client clock: display and audit only).
    pub created_at: DateTime<Utc>,
    pub intent: Intent,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushRequest {
    pub client_id: Uuid,
    pub mutations: Vec<Mutation>,
}

/// A contact-data conflict: the edit won (last write to reach the server), and the
/// value it replaced, which was not the one the user saw, is kept here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Conflict {
    pub field: String,
    pub base_value: String,
    pub replaced_value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum MutationOutcome {
    /// Applied; the change is in the feed at or before `seq`.
    Applied { seq: i64, conflict: Option<Conflict> },
    /// Refused for good (invalid, not allowed). Never retried; shown to the user.
    Rejected { code: ErrorCode, message: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MutationResult {
    pub id: Uuid,
    #[serde(flatten)]
    pub outcome: MutationOutcome,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushResponse {
    pub results: Vec<MutationResult>,
}

/// Data of the SSE `poke` event: something at or before `seq` is waiting in your feed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Poke {
    pub seq: i64,
}

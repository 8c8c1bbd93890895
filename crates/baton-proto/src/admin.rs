//! Administration: organisations, users and invitations.
//!
//! A retailer admin runs every organisation; a partner admin runs its own
//! organisation's users and nothing else.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

use crate::{Org, PartnerField, Role};

/// An organisation as its administrators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct AdminOrg {
    #[serde(flatten)]
    pub org: Org,
    /// The customer fields this partner's jobs need (empty for the retailer).
    pub visible_fields: Vec<PartnerField>,
    /// Minutes a partner's callback may stay overdue in its own queue before
    /// the retailer's supervisors get it, counted in its business hours; `null`
    /// takes the server's default.
    #[ts(type = "number | null")]
    pub callback_sla_minutes: Option<i64>,
    /// The same, for a partner's promises to customers.
    #[ts(type = "number | null")]
    pub commitment_sla_minutes: Option<i64>,
    /// Set when the organisation was deactivated: its users cannot sign in.
    pub deactivated_at: Option<DateTime<Utc>>,
    /// Users that may sign in (not disabled).
    #[ts(type = "number")]
    pub active_users: i64,
    /// Its business hours; `null`: open around the clock.
    pub calendar: Option<crate::BusinessCalendar>,
}

/// `POST /v1/admin/orgs`: a new partner organisation.
#[derive(Debug, Clone, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct NewPartner {
    /// Its id, chosen by the retailer: `brightline`. Letters, digits, `-`, `_`, `.`.
    #[schema(pattern = "^[A-Za-z0-9_.:-]{1,100}$")]
    pub id: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[serde(default)]
    pub visible_fields: Vec<PartnerField>,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 10080)]
    #[ts(type = "number | null")]
    pub callback_sla_minutes: Option<i64>,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 10080)]
    #[ts(type = "number | null")]
    pub commitment_sla_minutes: Option<i64>,
}

/// `PATCH /v1/admin/orgs/{id}`: what to change; a field left out is kept.
/// An SLA of `0` returns it to the server's default.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct OrgUpdate {
    #[serde(default)]
    #[ts(optional)]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub visible_fields: Option<Vec<PartnerField>>,
    #[serde(default)]
    #[ts(optional, type = "number")]
    #[schema(minimum = 0, maximum = 10080)]
    pub callback_sla_minutes: Option<i64>,
    #[serde(default)]
    #[ts(optional, type = "number")]
    #[schema(minimum = 0, maximum = 10080)]
    pub commitment_sla_minutes: Option<i64>,
    /// `false` deactivates the organisation (its sessions end, its users cannot
    /// sign in, nothing new may be given to it); `true` reactivates it.
    #[serde(default)]
    #[ts(optional)]
    pub active: Option<bool>,
}

/// Work still open at an organisation: what to give to someone else when it
/// is deactivated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct OpenWork {
    pub org_id: String,
    pub items: Vec<OpenWorkItem>,
}

/// One open item: a job not finished, a callback queued, a promise open, or a
/// ticket escalated to the organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct OpenWorkItem {
    pub kind: OpenWorkKind,
    pub id: String,
    pub customer_id: String,
    pub customer_name: String,
    /// What it is: the job's type, the callback's request, the promise, the ticket's subject.
    pub summary: String,
    /// When it is due (an appointment's start, a callback's time), if it has one.
    pub due_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum OpenWorkKind {
    Job,
    Callback,
    Commitment,
    Ticket,
}

/// A user as administrators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct AdminUser {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub org: Org,
    pub disabled_at: Option<DateTime<Utc>>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    /// Sessions still live (consoles signed in).
    #[ts(type = "number")]
    pub sessions: i64,
    /// Whether the user still has to set a password from an invitation or reset.
    pub invite_pending: bool,
}

/// `POST /v1/admin/users`: invite a user. The answer holds a one-time code the
/// user sets a password with; nobody else ever knows the password.
#[derive(Debug, Clone, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct NewUser {
    /// What they sign in with: letters, digits, `.`, `-`, `_`, `@`; 2 to 100.
    #[schema(pattern = "^[A-Za-z0-9._@-]{2,100}$")]
    pub username: String,
    #[schema(min_length = 1, max_length = 200)]
    pub display_name: String,
    pub role: Role,
    /// The user's organisation; a partner admin may only name its own.
    #[schema(pattern = "^[A-Za-z0-9_.:-]{1,100}$")]
    pub org_id: String,
    /// Where to email the invitation: a link to set their password (and the
    /// code, for the console's sign-in screen). Used for this message only.
    #[serde(default)]
    #[ts(optional)]
    #[schema(max_length = 254)]
    pub email: Option<String>,
}

/// `PATCH /v1/admin/users/{id}`: what to change; a field left out is kept.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct UserUpdate {
    #[serde(default)]
    #[ts(optional)]
    #[schema(min_length = 1, max_length = 200)]
    pub display_name: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub role: Option<Role>,
    /// `true` disables the user (its sessions end at once); `false` enables it.
    #[serde(default)]
    #[ts(optional)]
    pub disabled: Option<bool>,
    /// Moves the user to this organisation (the retailer's admins only): its
    /// sessions end, and the open callbacks, promises and tickets assigned to it
    /// stay with its old organisation, unassigned. Give `role` too when the
    /// new organisation cannot have the current one.
    #[serde(default)]
    #[ts(optional)]
    #[schema(min_length = 1, max_length = 64)]
    pub org_id: Option<String>,
}

/// A one-time code that lets a user set their password, given once to the
/// admin who asked for it (it is stored only as a hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct Invitation {
    pub user: AdminUser,
    /// Give it to the user (in person, by phone): they set their password with
    /// it through `POST /v1/auth/accept-invite`. Dashes and case do not matter.
    pub code: String,
    pub expires_at: DateTime<Utc>,
    /// The address the invitation was emailed to, when it was.
    #[serde(default)]
    pub emailed_to: Option<String>,
    /// Why it could not be emailed (the code above still works).
    #[serde(default)]
    pub email_error: Option<String>,
}

/// `POST /v1/auth/accept-invite`: set a password with an invitation or reset code.
#[derive(Debug, Clone, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct AcceptInvite {
    /// The code from the invitation (something besides spaces and control characters).
    #[schema(max_length = 100, pattern = "^[\\s\\S]*[^\\x00-\\x20][\\s\\S]*$")]
    pub code: String,
    /// At least 12 characters.
    #[schema(min_length = 12, max_length = 1024)]
    pub password: String,
}

/// How many sessions an action ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct SessionsEnded {
    #[ts(type = "number")]
    pub ended: i64,
}

/// Longest wait an SLA may give, in minutes (a week).
pub const MAX_SLA_MINUTES: i64 = 7 * 24 * 60;
/// Shortest password a user may set.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// A username: 2 to 100 letters, digits, `.`, `-`, `_` or `@`.
pub fn valid_username(name: &str) -> bool {
    (2..=100).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'))
}

/// An organisation's API key, as administrators see it (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct ApiKey {
    pub id: String,
    pub org: Org,
    /// What uses it: "Carrier tracking system".
    pub name: String,
    /// What it may do: a partner's keys act as a dispatcher, the retailer's as an agent.
    pub role: Role,
    /// The key's first characters, to tell keys apart.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// `POST /v1/admin/api-keys`: a key for an organisation's own system.
#[derive(Debug, Clone, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct NewApiKey {
    #[schema(pattern = "^[A-Za-z0-9_.:-]{1,100}$")]
    pub org_id: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
}

/// A key just made: `secret` is shown this once and stored only as a hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct ApiKeyIssued {
    pub key: ApiKey,
    /// Send it as `Authorization: Bearer <secret>`.
    pub secret: String,
}

/// What an organisation's webhook may be told of — always about its own work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum WebhookEvent {
    /// One of its jobs changed status (for the retailer: any job).
    JobStatusChanged,
    /// A callback it owns entered its queue.
    CallbackQueued,
    /// A callback or promise it owns became overdue and escalated.
    FollowUpOverdue,
    /// A promise it owns was marked broken.
    CommitmentBroken,
    /// A ticket was escalated to it.
    TicketEscalated,
    /// A confirmation to a customer could not be sent (the retailer).
    ConfirmationFailed,
}

/// An organisation's subscription to events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct Webhook {
    pub id: String,
    pub org_id: String,
    pub url: String,
    pub events: Vec<WebhookEvent>,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
}

/// `POST /v1/admin/webhooks`.
#[derive(Debug, Clone, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct NewWebhook {
    #[schema(pattern = "^[A-Za-z0-9_.:-]{1,100}$")]
    pub org_id: String,
    /// `https://…` (or `http://` to this machine), at most 500 characters.
    #[schema(max_length = 500)]
    pub url: String,
    /// At least one.
    pub events: Vec<WebhookEvent>,
}

/// A webhook just made, with the secret its deliveries are signed with (shown once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct WebhookCreated {
    pub webhook: Webhook,
    /// `X-Baton-Signature` is `sha256=` and the hex HMAC-SHA256, with this
    /// secret, of `X-Baton-Timestamp` + `.` + the body.
    pub secret: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum WebhookDeliveryStatus {
    /// Waiting for its first or next attempt.
    Pending,
    Delivered,
    /// Given up after every retry; replay it to try again.
    Failed,
}

/// One delivery of one event to one webhook, as its log shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct WebhookDelivery {
    pub id: String,
    pub webhook_id: String,
    pub event: WebhookEvent,
    /// The JSON body sent.
    pub payload: String,
    pub status: WebhookDeliveryStatus,
    #[ts(type = "number")]
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    /// The receiver's last HTTP status, if it answered.
    #[ts(type = "number | null")]
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

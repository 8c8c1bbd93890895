//! Request and response bodies of the REST API that are not documents themselves.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{Callback, Commitment, Org, PartnerField, PersonRole, Ticket};

/// One page of a list. Pass `next_cursor` back as `?cursor=` for the next page;
/// it is absent on the last page.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// A person on a customer that a search matched, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct MatchedPerson {
    pub person_id: String,
    pub name: String,
    pub roles: Vec<PersonRole>,
    /// What matched: a phone number (E.164), an email address, or the name.
    pub matched: String,
}

/// A customer found by `GET /v1/customers`, with every person that matched: a
/// number shared by a household finds all of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct CustomerSummary {
    pub id: String,
    pub number: String,
    pub display_name: String,
    pub people: Vec<MatchedPerson>,
}

/// `POST /v1/mutations`: one intent mutation, for integrations that do not keep an
/// outbox. Idempotent by `id` exactly like `/v1/sync/push`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MutationRequest {
    pub id: Uuid,
    pub intent: crate::Intent,
}

/// An organisation and, for partners, the customer fields its jobs need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct OrgProfile {
    #[serde(flatten)]
    pub org: Org,
    pub visible_fields: Vec<PartnerField>,
    /// Its business hours, which its SLA clocks and escalations count;
    /// `null`: open around the clock.
    #[serde(default)]
    pub calendar: Option<crate::BusinessCalendar>,
}

/// A queue item with the customer it belongs to, for cross-customer lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct TicketItem {
    pub customer_id: String,
    pub customer_name: String,
    pub ticket: Ticket,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct CallbackItem {
    pub customer_id: String,
    pub customer_name: String,
    pub callback: Callback,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct CommitmentItem {
    pub customer_id: String,
    pub customer_name: String,
    pub commitment: Commitment,
}

/// Everything held on one customer, for a data-subject access request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct CustomerExport {
    pub exported_at: chrono::DateTime<chrono::Utc>,
    /// The whole record: people, contact points with purposes and consent,
    /// addresses, orders, tickets, callbacks, promises, confirmations, timeline.
    pub customer: crate::Customer,
    /// The partner jobs done for the customer.
    pub jobs: Vec<crate::Job>,
    /// Every recorded change to the customer's data: who, which organisation, when, before and after.
    pub audit: Vec<crate::AuditEntry>,
}

/// A confirmation the retailer has worded, which anyone (partners included) may
/// send to a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct ConfirmationTemplate {
    pub id: String,
    /// What staff pick it by: "Visit booked".
    pub name: String,
    /// The words the customer receives.
    pub body: String,
}

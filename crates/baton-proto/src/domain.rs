//! The customer record as it travels between server and consoles.
//!
//! A customer is synced as one document (people, their contact points and the
//! addresses) because that is the unit an agent reads and a partner is scoped to.
//! Jobs are separate documents: they are assigned to partner organisations and
//! move between them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

use crate::casework::{Callback, Commitment, Ticket};
use crate::history::{Confirmation, TimelineEntry};

/// A person's role on a customer account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum PersonRole {
    /// Owns the account and pays; the one who bought.
    AccountHolder,
    /// The person to deal with at the site (install address, delivery address).
    SiteContact,
    /// Allowed to act for the account holder.
    AuthorisedThirdParty,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ContactKind {
    Phone,
    Email,
}

/// A phone number (E.164) or an email address of one person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct ContactPoint {
    pub id: String,
    pub kind: ContactKind,
    /// What the customer calls it: "mobile", "home", "work", "personal".
    pub label: String,
    /// E.164 for phones (`+447700900123`), lower-cased address for emails.
    pub value: String,
    /// The one to use first for this person.
    pub preferred: bool,
    /// When it last changed, by whom and in which org: drives "changed since you looked".
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
    /// What this contact point is for: which number to call about appointments,
    /// which address gets confirmations.
    #[serde(default)]
    pub purposes: Vec<ContactPurpose>,
    #[serde(default)]
    pub consent: Consent,
}

/// What a contact point is to be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ContactPurpose {
    /// Arranging visits, deliveries and callbacks.
    Appointments,
    /// Receiving confirmations of what was recorded.
    Confirmations,
    Billing,
    Marketing,
}

/// What the person agreed to be contacted about on this contact point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct Consent {
    /// Service messages: appointments, confirmations, callbacks.
    pub service: bool,
    pub marketing: bool,
}

impl Default for Consent {
    fn default() -> Self {
        Consent {
            service: true,
            marketing: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub roles: Vec<PersonRole>,
    pub contacts: Vec<ContactPoint>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum AddressPurpose {
    Billing,
    Delivery,
    Installation,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct Address {
    pub id: String,
    pub purpose: AddressPurpose,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub postcode: String,
}

/// One customer account with everything a console may show of it. Partner users
/// receive a filtered copy holding only what their jobs need.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct Customer {
    pub id: String,
    /// Human account number, e.g. `C-000042`.
    pub number: String,
    pub display_name: String,
    pub people: Vec<Person>,
    pub addresses: Vec<Address>,
    /// Orders and subscriptions with their products.
    #[serde(default)]
    pub orders: Vec<Order>,
    /// Cases, including those escalated to a partner.
    #[serde(default)]
    pub tickets: Vec<Ticket>,
    #[serde(default)]
    pub callbacks: Vec<Callback>,
    #[serde(default)]
    pub commitments: Vec<Commitment>,
    /// Every confirmation sent to the customer about a recorded change or promise.
    #[serde(default)]
    pub confirmations: Vec<Confirmation>,
    /// Every interaction, note, change and confirmation across organisations, oldest first.
    #[serde(default)]
    pub timeline: Vec<TimelineEntry>,
    pub updated_at: DateTime<Utc>,
    /// Where the customer lives, as an IANA time zone (`Europe/London`): their
    /// own when recorded, else the retailer's; `None` when neither is known.
    /// Consoles show the customer's local time beside a due time when it differs.
    #[serde(default)]
    pub time_zone: Option<String>,
}

impl Customer {
    pub fn person(&self, id: &str) -> Option<&Person> {
        self.people.iter().find(|p| p.id == id)
    }

    /// One contact point of one person of this customer.
    pub fn contact_point(&self, person_id: &str, contact_point_id: &str) -> Option<&ContactPoint> {
        self.person(person_id)?
            .contacts
            .iter()
            .find(|c| c.id == contact_point_id)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum JobKind {
    Installation,
    Delivery,
    DigitalFulfilment,
    ServiceVisit,
    Stay,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum JobStatus {
    Created,
    Scheduled,
    EnRoute,
    AtDepot,
    Delayed,
    Completed,
    Failed,
    Cancelled,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Created => "created",
            JobStatus::Scheduled => "scheduled",
            JobStatus::EnRoute => "en_route",
            JobStatus::AtDepot => "at_depot",
            JobStatus::Delayed => "delayed",
            JobStatus::Completed => "completed",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }

    /// The job lifecycle: which status may follow which. Completed, failed and
    /// cancelled jobs are closed. Used by the server to validate every status
    /// change, and by consoles to offer only valid ones.
    pub fn can_move_to(self, next: JobStatus) -> bool {
        use JobStatus::*;
        matches!(
            (self, next),
            (Created, Scheduled | Cancelled)
                | (Scheduled, EnRoute | AtDepot | Delayed | Completed | Failed | Cancelled)
                | (EnRoute, AtDepot | Delayed | Completed | Failed)
                | (AtDepot, EnRoute | Delayed | Completed | Failed | Cancelled)
                | (Delayed, Scheduled | EnRoute | AtDepot | Completed | Failed | Cancelled)
        )
    }

    pub const ALL: [JobStatus; 8] = [
        JobStatus::Created,
        JobStatus::Scheduled,
        JobStatus::EnRoute,
        JobStatus::AtDepot,
        JobStatus::Delayed,
        JobStatus::Completed,
        JobStatus::Failed,
        JobStatus::Cancelled,
    ];

    pub fn parse(s: &str) -> Option<JobStatus> {
        JobStatus::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The statuses this one may move to, in lifecycle order.
    pub fn next(self) -> Vec<JobStatus> {
        JobStatus::ALL.into_iter().filter(|n| self.can_move_to(*n)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::JobStatus::*;

    #[test]
    fn closed_jobs_stay_closed_and_jobs_cannot_go_back_to_created() {
        for closed in [Completed, Failed, Cancelled] {
            for next in [
                Created, Scheduled, EnRoute, AtDepot, Delayed, Completed, Failed, Cancelled,
            ] {
                assert!(!closed.can_move_to(next), "{closed:?} -> {next:?}");
            }
        }
        assert!(Scheduled.can_move_to(AtDepot) && AtDepot.can_move_to(EnRoute) && Delayed.can_move_to(Scheduled));
        assert!(!Scheduled.can_move_to(Created) && !EnRoute.can_move_to(Scheduled) && !Created.can_move_to(Completed));
    }

    #[test]
    fn the_number_for_appointments_is_the_preferred_one_for_them_then_any_for_them_then_the_preferred() {
        use super::{ContactKind, ContactPoint, ContactPurpose, Person};
        let point = |id: &str, kind: ContactKind, preferred: bool, purposes: Vec<ContactPurpose>| ContactPoint {
            id: id.into(),
            kind,
            label: "mobile".into(),
            value: id.into(),
            preferred,
            updated_at: chrono::DateTime::default(),
            updated_by: String::new(),
            purposes,
            consent: Default::default(),
        };
        let appts = || vec![ContactPurpose::Appointments];
        let mut p = Person {
            id: "p".into(),
            name: "Margaret".into(),
            roles: vec![],
            contacts: vec![
                point("email", ContactKind::Email, true, appts()),
                point("home", ContactKind::Phone, true, vec![]),
                point("work", ContactKind::Phone, false, appts()),
                point("mobile", ContactKind::Phone, true, appts()),
            ],
        };
        let pick = |p: &Person| p.appointment_phone().map(|c| c.id.clone());
        assert_eq!(pick(&p).as_deref(), Some("mobile"));
        p.contacts.pop();
        assert_eq!(pick(&p).as_deref(), Some("work"));
        p.contacts.pop();
        assert_eq!(pick(&p).as_deref(), Some("home"));
        p.contacts.pop();
        assert_eq!(pick(&p), None, "an email is never the number to call");
    }
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Installation => "installation",
            JobKind::Delivery => "delivery",
            JobKind::DigitalFulfilment => "digital_fulfilment",
            JobKind::ServiceVisit => "service_visit",
            JobKind::Stay => "stay",
        }
    }

    pub fn parse(s: &str) -> Option<JobKind> {
        [
            JobKind::Installation,
            JobKind::Delivery,
            JobKind::DigitalFulfilment,
            JobKind::ServiceVisit,
            JobKind::Stay,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// A piece of work a partner organisation does for a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct Job {
    pub id: String,
    /// Human job number, e.g. `J-000042`.
    pub number: String,
    pub customer_id: String,
    pub org_id: String,
    pub org_name: String,
    pub kind: JobKind,
    pub status: JobStatus,
    pub summary: String,
    /// The person the partner must contact for this job (e.g. the on-site contact).
    pub contact_person_id: Option<String>,
    pub address_id: Option<String>,
    /// The order this job fulfils.
    #[serde(default)]
    pub order_id: Option<String>,
    pub appointment_start: Option<DateTime<Utc>>,
    pub appointment_end: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum OrderKind {
    /// A one-off purchase.
    Order,
    /// A recurring product (a magazine, a service plan).
    Subscription,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum OrderStatus {
    Placed,
    Fulfilled,
    Active,
    Cancelled,
    Returned,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct OrderLine {
    pub sku: String,
    pub name: String,
    #[schema(maximum = 4294967295_u64)]
    pub quantity: u32,
}

/// An order or subscription and its products.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct Order {
    pub id: String,
    /// Human order number, e.g. `O-300001`.
    pub number: String,
    pub kind: OrderKind,
    pub status: OrderStatus,
    pub placed_at: DateTime<Utc>,
    pub lines: Vec<OrderLine>,
}

/// The customer fields a partner organisation's jobs need. A partner receives a
/// customer's people and data only through its jobs, and of those only these kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum PartnerField {
    /// Phone numbers of the job's contact person.
    Phone,
    /// Email addresses of the job's contact person.
    Email,
    /// The address the job is carried out at.
    Address,
    /// The order the job fulfils, with its products.
    Orders,
}

impl Person {
    /// The number to call this person on about a job or a callback, so nobody
    /// asks for it again: their preferred phone for appointments, else any phone
    /// for appointments, else their preferred phone, else the first.
    pub fn appointment_phone(&self) -> Option<&ContactPoint> {
        let phones = || self.contacts.iter().filter(|c| c.kind == ContactKind::Phone);
        let for_appointments = |c: &&ContactPoint| c.purposes.contains(&ContactPurpose::Appointments);
        phones()
            .find(|c| c.preferred && for_appointments(c))
            .or_else(|| phones().find(for_appointments))
            .or_else(|| phones().find(|c| c.preferred))
            .or_else(|| phones().next())
    }

    /// Where this person's confirmations go: a contact point marked for
    /// confirmations, else their preferred email, else a mobile number — only
    /// where they consented to service messages. Email is preferred over SMS.
    pub fn confirmation_channel(&self) -> Option<(crate::Channel, &ContactPoint)> {
        let usable = || self.contacts.iter().filter(|c| c.consent.service);
        let channel = |c: &ContactPoint| match c.kind {
            ContactKind::Email => crate::Channel::Email,
            ContactKind::Phone => crate::Channel::Sms,
        };
        let marked = usable()
            .filter(|c| c.purposes.contains(&ContactPurpose::Confirmations))
            .min_by_key(|c| c.kind == ContactKind::Phone);
        let fallback = || {
            usable()
                .filter(|c| c.kind == ContactKind::Email)
                .max_by_key(|c| c.preferred)
                .or_else(|| usable().find(|c| c.kind == ContactKind::Phone && c.label == "mobile"))
        };
        marked.or_else(fallback).map(|c| (channel(c), c))
    }
}

//! What every intent needs while it applies: the caller and their scope, one
//! clock reading, and the side effects every write owes — the audit log, the
//! customer's timeline, confirmations to the customer, and the change feed.

use std::collections::BTreeSet;

use baton_proto::contact::ContactError;
use baton_proto::{
    Channel, Conflict, ContactKind, ContactPoint, ContactPurpose, Customer, DeliveryStatus, NoteVisibility, OrgKind,
    PersonRole, Text, TextArg, TimelineKind,
};
use chrono::{DateTime, Utc};

use crate::auth::AuthUser;
use crate::docs::{self, Scope};
use crate::error::ServerError;
use crate::feed;
use crate::store::{self, Conn};

pub struct Ctx<'a> {
    pub conn: &'a dyn Conn,
    pub caller: &'a AuthUser,
    pub scope: Scope,
    /// The customer the intent is about; every audit row is filed under it.
    pub customer_id: String,
    pub now: DateTime<Utc>,
    /// `now` as stored (RFC 3339).
    pub at: String,
    /// The caller as shown to people: "Alice Carter (Northwind Electricals)".
    pub by: String,
    /// Scopes with new changes in the feed, for pokes.
    pub touched: BTreeSet<String>,
    /// A contact-data conflict this edit caused (last write won).
    pub conflict: Option<Conflict>,
}

impl From<ContactError> for ServerError {
    fn from(e: ContactError) -> Self {
        ServerError::Api(e.code, e.message)
    }
}

/// The retailer's system, not any person: the caller of automatic writes
/// (escalation sweeps, delivery outcomes).
pub fn system_caller(conn: &dyn Conn) -> Result<AuthUser, ServerError> {
    Ok(AuthUser {
        user: baton_proto::UserInfo {
            id: "system".into(),
            username: "system".into(),
            display_name: "Baton".into(),
            role: baton_proto::Role::Supervisor,
            org: store::orgs::retailer(conn)?,
        },
        token: String::new(),
    })
}

impl<'a> Ctx<'a> {
    pub fn new(conn: &'a dyn Conn, caller: &'a AuthUser, customer_id: &str, now: DateTime<Utc>) -> Ctx<'a> {
        Ctx {
            conn,
            caller,
            scope: caller.scope(),
            customer_id: customer_id.to_string(),
            now,
            at: crate::wire::ts(now),
            by: format!("{} ({})", caller.user.display_name, caller.user.org.name),
            touched: BTreeSet::new(),
            conflict: None,
        }
    }

    pub fn org(&self) -> &str {
        &self.caller.user.org.id
    }

    /// The customer's current state as the caller sees it (its history is not
    /// read: no edit depends on it); 404 when they cannot.
    pub fn customer(&self, id: &str) -> Result<Customer, ServerError> {
        docs::visible_state(self.conn, &self.scope, id)
    }

    /// Refuses partners: `what` is for the retailer's staff.
    pub fn require_internal(&self, what: &str) -> Result<(), ServerError> {
        match self.scope {
            Scope::Internal => Ok(()),
            Scope::Org(_) => Err(ServerError::forbidden(format!("only the retailer's staff can {what}"))),
        }
    }

    /// An organisation's business clock: its opening hours, or around the clock.
    pub fn business_clock(&self, org_id: &str) -> Result<baton_proto::BusinessClock, ServerError> {
        Ok(baton_proto::BusinessClock::for_calendar(
            store::orgs::calendar(self.conn, org_id)?.as_ref(),
        ))
    }

    /// The kind of an organisation work is being given to: 422 when there is
    /// none with that id, 409 when it was deactivated.
    pub fn org_kind(&self, org_id: &str) -> Result<OrgKind, ServerError> {
        match store::orgs::kind_and_active(self.conn, org_id)? {
            None => Err(ServerError::bad_request(format!("there is no organisation '{org_id}'"))),
            Some((_, false)) => Err(ServerError::Api(
                baton_proto::ErrorCode::Conflict,
                format!("the organisation '{org_id}' is deactivated and takes no new work"),
            )),
            Some((kind, true)) => Ok(kind),
        }
    }

    /// Checks that work may be handed to `org_id`: a partner may give work only
    /// to its own organisation or to the retailer — never to another partner,
    /// which would hand that partner the customer. Retailer staff may give it to
    /// any organisation. 422 for an unknown organisation.
    pub fn handoff_to(&self, org_id: &str) -> Result<(), ServerError> {
        let kind = self.org_kind(org_id)?;
        match &self.scope {
            Scope::Org(own) if org_id != own && kind != OrgKind::Retailer => Err(ServerError::forbidden(
                "a partner can give work only to its own organisation or to the retailer",
            )),
            _ => Ok(()),
        }
    }

    /// Refuses an id a client chose when something already has it.
    pub fn require_new(&self, table: &str, id: &str) -> Result<(), ServerError> {
        let taken = store::ids::taken(self.conn, table, id)?;
        if taken {
            return Err(ServerError::Api(
                baton_proto::ErrorCode::Conflict,
                format!("the id '{id}' is already in use"),
            ));
        }
        Ok(())
    }

    /// Records who changed what, in which organisation, when, from what to what.
    pub fn audit(
        &self,
        action: &str,
        entity: &str,
        entity_id: &str,
        before: Option<&str>,
        after: &str,
    ) -> Result<(), ServerError> {
        store::audit::append(
            self.conn,
            &store::audit::NewEntry {
                at: &self.at,
                user_id: &self.caller.user.id,
                org_id: &self.caller.user.org.id,
                action,
                entity,
                entity_id,
                before,
                after,
                customer_id: Some(&self.customer_id),
            },
        )?;
        Ok(())
    }

    /// Appends an entry to the customer's timeline, written by the caller.
    pub fn timeline(
        &self,
        customer_id: &str,
        kind: TimelineKind,
        text: &Text,
        job_id: Option<&str>,
        ticket_id: Option<&str>,
    ) -> Result<(), ServerError> {
        self.timeline_with_id(
            &uuid::Uuid::new_v4().to_string(),
            customer_id,
            kind,
            text,
            (job_id, ticket_id),
            NoteVisibility::Shared,
        )
    }

    /// Appends an entry with the id the caller chose, about a job and/or a
    /// ticket, readable as `visibility` says.
    pub fn timeline_with_id(
        &self,
        id: &str,
        customer_id: &str,
        kind: TimelineKind,
        text: &Text,
        (job_id, ticket_id): (Option<&str>, Option<&str>),
        visibility: NoteVisibility,
    ) -> Result<(), ServerError> {
        store::timeline::append(
            self.conn,
            &store::timeline::NewEntry {
                id,
                customer_id,
                at: &self.at,
                kind,
                org_id: self.org(),
                author: &self.by,
                text,
                job_id,
                ticket_id,
                visibility,
            },
        )?;
        Ok(())
    }

    /// Records a confirmation to the customer of what was just recorded (see
    /// [`ConfirmTo`] for who gets it), one row per recipient, each on the
    /// timeline. With no consented channel it is stored as `no_channel`:
    /// visible, never dropped. It reads the whole record (not the caller's
    /// view): a partner's change is confirmed on the customer's own channel even
    /// when the partner cannot see it.
    pub fn confirm(&self, customer_id: &str, to: ConfirmTo<'_>, text: &Text) -> Result<(), ServerError> {
        self.confirm_with_id(&uuid::Uuid::new_v4().to_string(), customer_id, to, text)
    }

    /// `confirm` with the id of its first row chosen by the client (a confirmation sent on purpose).
    pub fn confirm_with_id(
        &self,
        id: &str,
        customer_id: &str,
        to: ConfirmTo<'_>,
        text: &Text,
    ) -> Result<(), ServerError> {
        let customer = docs::load_customers(self.conn, &[customer_id.to_string()])?
            .into_iter()
            .next()
            .ok_or_else(|| ServerError::not_found("customer"))?;
        let mut recipients_said: Option<Text> = None;
        for (i, target) in recipients(&customer, &to).into_iter().enumerate() {
            let row_id = if i == 0 {
                id.to_string()
            } else {
                uuid::Uuid::new_v4().to_string()
            };
            let (channel, recipient, status) = match &target.to {
                Some((ch, to)) => (Some(*ch), Some(to.as_str()), DeliveryStatus::Pending),
                None => (None, None, DeliveryStatus::NoChannel),
            };
            store::confirmations::insert(
                self.conn,
                &store::confirmations::NewConfirmation {
                    id: &row_id,
                    customer_id: &customer.id,
                    person_id: target.person_id.as_deref(),
                    channel,
                    recipient,
                    summary: text,
                    changed_by: &self.by,
                    org_id: self.org(),
                    at: &self.at,
                    status,
                    survey: None,
                },
            )?;
            let how = match &target.to {
                Some((ch, to)) => {
                    let (kind, how) = match ch {
                        Channel::Email => (ContactKind::Email, "by email to {0}"),
                        Channel::Sms => (ContactKind::Phone, "by SMS to {0}"),
                    };
                    Text::new(how, vec![TextArg::contact(kind, target.person_id.as_deref(), to)])
                }
                None => Text::plain("nowhere — no consented email or mobile to send it to"),
            };
            recipients_said = Some(match recipients_said {
                None => Text::plain("Confirmation queued ").then("", &how),
                Some(so_far) => so_far.then(", ", &how),
            });
        }
        // One entry for all of them: the record says who got what, once.
        if let Some(said) = recipients_said {
            self.timeline(
                &customer.id,
                TimelineKind::Confirmation,
                &said.then(": ", text),
                None,
                None,
            )?;
        }
        Ok(())
    }

    /// Marks the customer changed and appends its new document for every scope
    /// that sees it now, and a removal for each scope in `before` that no longer does.
    pub fn publish_customer(&mut self, customer_id: &str, before: &[Scope]) -> Result<(), ServerError> {
        store::customers::touch(self.conn, customer_id, &self.at)?;
        let scopes = feed::refresh_customer(self.conn, customer_id, before)?;
        self.touched.extend(scopes);
        Ok(())
    }

    /// Appends a job for its scopes (and a removal for `previous_org`), plus its customer.
    pub fn publish_job(&mut self, job_id: &str, previous_org: Option<&str>) -> Result<(), ServerError> {
        let scopes = feed::append_job(self.conn, job_id, previous_org)?;
        self.touched.extend(scopes);
        Ok(())
    }
}

/// Who a confirmation goes to.
#[derive(Debug, Clone, Copy)]
pub enum ConfirmTo<'a> {
    /// Something agreed with this person, or with the account holder when `None`:
    /// to them on their confirmation channel, else to the account's contact
    /// marked for confirmations.
    Person(Option<&'a str>),
    /// A change to a person's contact data (the "was this you?" rule): to that
    /// person on their confirmation channel as it is now, to `old` — the value
    /// that was there before, on its own channel — and to the account's contact
    /// marked for confirmations.
    ContactChange {
        person_id: &'a str,
        old: Option<&'a ContactPoint>,
    },
}

impl Ctx<'_> {
    /// Where a message to `person` (or the account holder) goes: their
    /// consented confirmation channel, else the account's contact marked for
    /// confirmations; `None` when there is nowhere to send it.
    pub fn message_target(
        &self,
        customer: &Customer,
        person: Option<&str>,
    ) -> Option<(Option<String>, Channel, String)> {
        recipients(customer, &ConfirmTo::Person(person))
            .into_iter()
            .find_map(|t| t.to.map(|(ch, to)| (t.person_id, ch, to)))
    }
}

/// One row of a confirmation: the person it is for and where it goes.
struct Target {
    person_id: Option<String>,
    to: Option<(Channel, String)>,
}

fn channel_of(c: &ContactPoint) -> Option<(Channel, String)> {
    let ch = match c.kind {
        ContactKind::Email => Channel::Email,
        // A text message only goes to a mobile.
        ContactKind::Phone if c.label == "mobile" => Channel::Sms,
        ContactKind::Phone => return None,
    };
    c.consent.service.then(|| (ch, c.value.clone()))
}

/// The recipients of a confirmation, each address once.
fn recipients(customer: &Customer, to: &ConfirmTo<'_>) -> Vec<Target> {
    let holder = customer
        .people
        .iter()
        .find(|p| p.roles.contains(&PersonRole::AccountHolder));
    let on_channel = |p: &baton_proto::Person| Target {
        person_id: Some(p.id.clone()),
        to: p.confirmation_channel().map(|(ch, cp)| (ch, cp.value.clone())),
    };
    // The account's own contact for confirmations: the holder's contact point marked for them.
    let marked = holder.and_then(|h| {
        h.contacts
            .iter()
            .filter(|c| c.purposes.contains(&ContactPurpose::Confirmations))
            .find_map(channel_of)
            .map(|to| Target {
                person_id: Some(h.id.clone()),
                to: Some(to),
            })
    });
    let mut out: Vec<Target> = Vec::new();
    match to {
        ConfirmTo::Person(person) => {
            let person = person.and_then(|id| customer.person(id)).or(holder);
            match person.map(on_channel) {
                Some(t) if t.to.is_some() => out.push(t),
                other => out.extend(marked.or(other)),
            }
        }
        ConfirmTo::ContactChange { person_id, old } => {
            if let Some(p) = customer.person(person_id) {
                out.push(on_channel(p));
            }
            if let Some(to) = old.and_then(channel_of) {
                out.push(Target {
                    person_id: Some(person_id.to_string()),
                    to: Some(to),
                });
            }
            out.extend(marked);
        }
    }
    // Each address once; a row with no channel only when nothing else goes out.
    let mut seen = std::collections::HashSet::new();
    let any_sent = out.iter().any(|t| t.to.is_some());
    out.retain(|t| match &t.to {
        Some((_, addr)) => seen.insert(addr.clone()),
        None => !any_sent && seen.insert(String::new()),
    });
    out
}

//! What every intent needs while it applies: the caller and their scope, one
//! clock reading, and the side effects every write owes — the audit log, the
//! customer's timeline, confirmations to the customer, and the change feed.

use std::collections::BTreeSet;

use baton_proto::contact::ContactError;
use baton_proto::{Conflict, Customer, DeliveryStatus, TimelineKind};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use crate::auth::AuthUser;
use crate::docs::{self, Scope};
use crate::error::ServerError;
use crate::feed;
use crate::wire::name;

pub struct Ctx<'a> {
    pub conn: &'a Connection,
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
pub fn system_caller(conn: &Connection) -> Result<AuthUser, ServerError> {
    let (id, name): (String, String) = conn.query_row(
        "SELECT id, name FROM orgs WHERE kind = 'retailer' ORDER BY id LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(AuthUser {
        user: baton_proto::UserInfo {
            id: "system".into(),
            username: "system".into(),
            display_name: "Baton".into(),
            role: baton_proto::Role::Supervisor,
            org: baton_proto::Org {
                id,
                name,
                kind: baton_proto::OrgKind::Retailer,
            },
        },
        token: String::new(),
    })
}

impl<'a> Ctx<'a> {
    pub fn new(conn: &'a Connection, caller: &'a AuthUser, customer_id: &str, now: DateTime<Utc>) -> Ctx<'a> {
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

    /// The customer as the caller sees it; 404 when they cannot.
    pub fn customer(&self, id: &str) -> Result<Customer, ServerError> {
        docs::visible_customer(self.conn, &self.scope, id)
    }

    /// Refuses partners: `what` is for the retailer's staff.
    pub fn require_internal(&self, what: &str) -> Result<(), ServerError> {
        match self.scope {
            Scope::Internal => Ok(()),
            Scope::Org(_) => Err(ServerError::forbidden(format!("only the retailer's staff can {what}"))),
        }
    }

    /// The name of an organisation, or 422 when there is none with that id.
    pub fn org_kind(&self, org_id: &str) -> Result<String, ServerError> {
        self.conn
            .prepare_cached("SELECT kind FROM orgs WHERE id = ?1")?
            .query_row([org_id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| ServerError::bad_request(format!("there is no organisation '{org_id}'")))
    }

    /// Refuses an id a client chose when something already has it.
    pub fn require_new(&self, table: &str, id: &str) -> Result<(), ServerError> {
        let sql = format!("SELECT 1 FROM {table} WHERE id = ?1");
        let taken = self.conn.query_row(&sql, [id], |_| Ok(())).optional()?.is_some();
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
        self.conn
            .prepare_cached(
                "INSERT INTO audit_log (at, user_id, org_id, action, entity, entity_id, before, after, customer_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                self.at,
                self.caller.user.id,
                self.caller.user.org.id,
                action,
                entity,
                entity_id,
                before,
                after,
                self.customer_id
            ])?;
        Ok(())
    }

    /// Appends an entry to the customer's timeline, written by the caller.
    pub fn timeline(
        &self,
        customer_id: &str,
        kind: TimelineKind,
        text: &str,
        job_id: Option<&str>,
        ticket_id: Option<&str>,
    ) -> Result<(), ServerError> {
        self.timeline_with_id(
            &uuid::Uuid::new_v4().to_string(),
            customer_id,
            kind,
            text,
            job_id,
            ticket_id,
        )
    }

    pub fn timeline_with_id(
        &self,
        id: &str,
        customer_id: &str,
        kind: TimelineKind,
        text: &str,
        job_id: Option<&str>,
        ticket_id: Option<&str>,
    ) -> Result<(), ServerError> {
        self.conn
            .prepare_cached(
                "INSERT INTO timeline (id, customer_id, at, kind, org_id, author, text, job_id, ticket_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                id,
                customer_id,
                self.at,
                name(&kind),
                self.org(),
                self.by,
                text,
                job_id,
                ticket_id
            ])?;
        Ok(())
    }

    /// Records a confirmation to the customer of what was just recorded, on the
    /// person's confirmation channel (else the account holder's). With no
    /// consented channel it is stored as `no_channel`: visible, never dropped.
    /// It reads the whole record (not the caller's view): a partner's change is
    /// confirmed on the customer's own channel even when the partner cannot see it.
    pub fn confirm(&self, customer_id: &str, person_id: Option<&str>, summary: &str) -> Result<(), ServerError> {
        self.confirm_with_id(&uuid::Uuid::new_v4().to_string(), customer_id, person_id, summary)
    }

    /// `confirm` with an id the client chose (a confirmation sent on purpose).
    pub fn confirm_with_id(
        &self,
        id: &str,
        customer_id: &str,
        person_id: Option<&str>,
        summary: &str,
    ) -> Result<(), ServerError> {
        let customer = docs::load_customers(self.conn, &[customer_id.to_string()])?
            .into_iter()
            .next()
            .ok_or_else(|| ServerError::not_found("customer"))?;
        let holder = customer
            .people
            .iter()
            .find(|p| p.roles.contains(&baton_proto::PersonRole::AccountHolder));
        let person = person_id.and_then(|id| customer.person(id));
        let target = [person, holder]
            .into_iter()
            .flatten()
            .find_map(|p| p.confirmation_channel().map(|(ch, cp)| (p, ch, cp.value.clone())));
        let (person_id, channel, recipient, status) = match target {
            Some((p, ch, to)) => (Some(p.id.clone()), Some(name(&ch)), Some(to), DeliveryStatus::Pending),
            None => (person.map(|p| p.id.clone()), None, None, DeliveryStatus::NoChannel),
        };
        self.conn
            .prepare_cached(
                "INSERT INTO confirmations (id, customer_id, person_id, channel, recipient, summary, changed_by, org_id, at, status)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                id,
                customer.id,
                person_id,
                channel,
                recipient,
                summary,
                self.by,
                self.org(),
                self.at,
                name(&status)
            ])?;
        let to = match (&channel, &recipient) {
            (Some(ch), Some(to)) => format!("by {ch} to {to}"),
            _ => "— no consented email or mobile to send it to".to_string(),
        };
        self.timeline(
            &customer.id,
            TimelineKind::Confirmation,
            &format!("Confirmation queued {to}: {summary}"),
            None,
            None,
        )
    }

    /// Marks the customer changed and appends its new document for every scope
    /// that sees it now, and a removal for each scope in `before` that no longer does.
    pub fn publish_customer(&mut self, customer_id: &str, before: &[Scope]) -> Result<(), ServerError> {
        self.conn
            .prepare_cached("UPDATE customers SET updated_at = ?1 WHERE id = ?2")?
            .execute(params![self.at, customer_id])?;
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

//! The documents the API and the change feed carry, and the one rule for what a
//! scope may see of them.
//!
//! Partner scope rule: a partner sees a customer only through its work on it — a
//! job assigned to it, a ticket escalated to it, a callback or commitment it owns —
//! and of that customer only what the work needs: the people its jobs name as
//! contact (with the kinds of contact data its organisation's `visible_fields`
//! allow), its jobs' addresses and orders, its own tickets, callbacks,
//! commitments and confirmations, and the timeline entries about them. Every
//! endpoint, list and feed row goes through [`customer_for_scope`].

use std::collections::HashSet;

use baton_proto::text::render;
use baton_proto::{
    Callback, CallbackTrigger, Commitment, Confirmation, ContactKind, Customer, Job, NoteVisibility, PartnerField,
    Person, TextArg, Ticket, TimelineEntry,
};

pub use crate::store::customers::load as load_customers;
pub use crate::store::jobs::{get as load_job, of_customer as jobs_of_customer, page as jobs_page};

use crate::error::ServerError;
use crate::store::{self, Conn};

/// Who is looking: retailer staff see everything, a partner only its work's needs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    Internal,
    Org(String),
}

impl Scope {
    pub fn key(&self) -> String {
        match self {
            Scope::Internal => "internal".to_string(),
            Scope::Org(id) => format!("org:{id}"),
        }
    }

    /// The partner organisation, or `None` for retailer staff.
    pub fn org(&self) -> Option<&str> {
        match self {
            Scope::Internal => None,
            Scope::Org(org) => Some(org),
        }
    }
}

/// The customer fields `org`'s jobs need.
pub fn visible_fields(conn: &dyn Conn, org: &str) -> Result<Vec<PartnerField>, ServerError> {
    store::orgs::visible_fields(conn, org)
}

/// The customer as `scope` may see it, or `None` when it is outside the scope.
pub fn customer_for_scope(
    conn: &dyn Conn,
    scope: &Scope,
    customer: &Customer,
) -> Result<Option<Customer>, ServerError> {
    let internal_notes = customer
        .timeline
        .iter()
        .any(|e| e.visibility == NoteVisibility::Internal);
    Ok(scoped(conn, scope, customer, internal_notes)?.map(|s| s.with_history(customer)))
}

/// What a scope may see of one customer: its current state, and the rule for
/// which history items it sees and how.
pub struct Scoped {
    /// The customer as the scope sees it, with `timeline` and `confirmations` empty.
    pub state: Customer,
    pub rule: HistoryRule,
}

impl Scoped {
    /// The state with the items of `full`'s history the scope may see.
    pub fn with_history(self, full: &Customer) -> Customer {
        let mut c = self.state;
        c.timeline = full.timeline.iter().filter_map(|e| self.rule.timeline(e)).collect();
        c.confirmations = full
            .confirmations
            .iter()
            .filter_map(|x| self.rule.confirmation(x))
            .collect();
        c
    }
}

/// The state of `customer` as `scope` sees it and its history rule, or `None`
/// when the customer is outside the scope. `internal_notes`: the history to be
/// judged holds notes internal to an organisation (the retailer's staff rule
/// then needs to know which organisations are partners).
pub fn scoped(
    conn: &dyn Conn,
    scope: &Scope,
    customer: &Customer,
    internal_notes: bool,
) -> Result<Option<Scoped>, ServerError> {
    match scope {
        Scope::Internal => {
            let partners = if internal_notes {
                store::orgs::partner_ids(conn)?.into_iter().collect()
            } else {
                HashSet::new()
            };
            let mut state = customer.clone();
            state.timeline.clear();
            state.confirmations.clear();
            Ok(Some(Scoped {
                state,
                rule: HistoryRule::Internal { partners },
            }))
        }
        Scope::Org(org) => {
            let jobs: Vec<Job> = jobs_of_customer(conn, &customer.id)?
                .into_iter()
                .filter(|j| &j.org_id == org)
                .collect();
            let fields = visible_fields(conn, org)?;
            Ok(scoped_for_partner(customer, org, &jobs, &fields))
        }
    }
}

/// The part of `customer` that partner `org`, with these `jobs` on it, may see;
/// `None` when the partner has no work on the customer.
pub fn filter_for_partner(customer: &Customer, org: &str, jobs: &[Job], fields: &[PartnerField]) -> Option<Customer> {
    scoped_for_partner(customer, org, jobs, fields).map(|s| s.with_history(customer))
}

/// Which history items a scope sees, and how.
pub enum HistoryRule {
    /// Retailer staff: everything but partners' internal notes.
    Internal {
        partners: HashSet<String>,
    },
    Partner(PartnerView),
}

/// What a partner's history rule depends on: its work on the customer (jobs,
/// tickets) and the people and contact values it sees there now.
pub struct PartnerView {
    org: String,
    job_ids: HashSet<String>,
    ticket_ids: HashSet<String>,
    /// The people its jobs name as contact.
    contacts: HashSet<String>,
    /// Every contact value it sees in the record as it is now: a value in
    /// history (an old number, another person's address) shows only if it is one.
    seen: HashSet<String>,
}

impl HistoryRule {
    /// The entry as the scope sees it, or `None`.
    pub fn timeline(&self, e: &TimelineEntry) -> Option<TimelineEntry> {
        match self {
            HistoryRule::Internal { partners } => {
                // Partners' internal notes stay with the partner that wrote them.
                (e.visibility == NoteVisibility::Shared || !partners.contains(&e.org_id)).then(|| e.clone())
            }
            HistoryRule::Partner(v) => {
                let visible = e.org_id == v.org
                    || (e.visibility == NoteVisibility::Shared
                        && (v.on_my_job(&e.job_id) || v.on_my_ticket(&e.ticket_id)));
                visible.then(|| {
                    let args = v.mask(&e.args);
                    TimelineEntry {
                        text: render(&e.template, &args),
                        args,
                        job_id: v.my_job(&e.job_id),
                        ticket_id: v.my_ticket(&e.ticket_id),
                        ..e.clone()
                    }
                })
            }
        }
    }

    /// The confirmation as the scope sees it, or `None`.
    pub fn confirmation(&self, c: &Confirmation) -> Option<Confirmation> {
        match self {
            HistoryRule::Internal { .. } => Some(c.clone()),
            HistoryRule::Partner(v) => (c.org_id == v.org).then(|| {
                let summary_args = v.mask(&c.summary_args);
                Confirmation {
                    person_id: c.person_id.clone().filter(|_| v.person_seen(&c.person_id)),
                    recipient: c.recipient.clone().filter(|r| v.seen.contains(r.as_str())),
                    summary: render(&c.summary_template, &summary_args),
                    summary_args,
                    ..c.clone()
                }
            }),
        }
    }

    /// A digest of everything the rule depends on; `None` for retailer staff,
    /// whose rule depends on no record.
    pub fn digest(&self) -> Option<String> {
        use sha2::{Digest, Sha256};
        let HistoryRule::Partner(v) = self else { return None };
        let mut h = Sha256::new();
        for set in [&v.job_ids, &v.ticket_ids, &v.contacts, &v.seen] {
            let mut items: Vec<&String> = set.iter().collect();
            items.sort();
            for item in items {
                h.update(item.as_bytes());
                h.update([0]);
            }
            h.update([1]);
        }
        Some(hex::encode(h.finalize()))
    }
}

impl PartnerView {
    fn on_my_job(&self, job: &Option<String>) -> bool {
        job.as_deref().is_some_and(|j| self.job_ids.contains(j))
    }

    fn on_my_ticket(&self, t: &Option<String>) -> bool {
        t.as_deref().is_some_and(|t| self.ticket_ids.contains(t))
    }

    /// A reference to another organisation's job or ticket names its work: dropped.
    fn my_job(&self, job: &Option<String>) -> Option<String> {
        job.clone().filter(|j| self.job_ids.contains(j.as_str()))
    }

    fn my_ticket(&self, t: &Option<String>) -> Option<String> {
        t.clone().filter(|t| self.ticket_ids.contains(t.as_str()))
    }

    fn person_seen(&self, p: &Option<String>) -> bool {
        p.as_deref().is_some_and(|p| self.contacts.contains(p))
    }

    fn mask(&self, args: &[TextArg]) -> Vec<TextArg> {
        args.iter()
            .map(|a| match a {
                TextArg::Contact { kind, person_id, value } => TextArg::Contact {
                    kind: *kind,
                    person_id: person_id.clone().filter(|_| self.person_seen(person_id)),
                    value: value.clone().filter(|v| self.seen.contains(v.as_str())),
                },
                TextArg::Person { person_id, name } => TextArg::Person {
                    person_id: person_id.clone().filter(|_| self.person_seen(person_id)),
                    name: name.clone().filter(|_| self.person_seen(person_id)),
                },
                TextArg::Job { job_id, number } => {
                    let mine = self.on_my_job(job_id);
                    TextArg::Job {
                        job_id: job_id.clone().filter(|_| mine),
                        number: number.clone().filter(|_| mine),
                    }
                }
                TextArg::Ticket { ticket_id, number } => {
                    let mine = self.on_my_ticket(ticket_id);
                    TextArg::Ticket {
                        ticket_id: ticket_id.clone().filter(|_| mine),
                        number: number.clone().filter(|_| mine),
                    }
                }
                other => other.clone(),
            })
            .collect()
    }
}

fn scoped_for_partner(customer: &Customer, org: &str, jobs: &[Job], fields: &[PartnerField]) -> Option<Scoped> {
    let job_ids: HashSet<String> = jobs.iter().map(|j| j.id.clone()).collect();
    let contacts: HashSet<String> = jobs.iter().filter_map(|j| j.contact_person_id.clone()).collect();
    let addresses: HashSet<&str> = jobs.iter().filter_map(|j| j.address_id.as_deref()).collect();
    let orders: HashSet<&str> = jobs.iter().filter_map(|j| j.order_id.as_deref()).collect();
    let allowed = |f: PartnerField| fields.contains(&f);
    let kind_allowed = |kind: ContactKind| match kind {
        ContactKind::Phone => allowed(PartnerField::Phone),
        ContactKind::Email => allowed(PartnerField::Email),
    };
    let mut view = PartnerView {
        org: org.to_string(),
        job_ids,
        ticket_ids: HashSet::new(),
        contacts,
        seen: HashSet::new(),
    };

    let tickets: Vec<_> = customer
        .tickets
        .iter()
        .filter(|t| t.owner_org_id == org || t.escalation.as_ref().is_some_and(|e| e.org_id == org))
        .map(|t| Ticket {
            job_ids: t
                .job_ids
                .iter()
                .filter(|j| view.job_ids.contains(j.as_str()))
                .cloned()
                .collect(),
            ..t.clone()
        })
        .collect();
    view.ticket_ids = tickets.iter().map(|t| t.id.clone()).collect();
    let callbacks: Vec<Callback> = customer
        .callbacks
        .iter()
        .filter(|c| c.owner_org_id == org || view.on_my_job(&c.job_id))
        .map(|c| Callback {
            // The number it is to be made on, with `phone`; the person, if a job names them.
            phone: c.phone.clone().filter(|_| allowed(PartnerField::Phone)),
            person_id: c.person_id.clone().filter(|_| view.person_seen(&c.person_id)),
            job_id: view.my_job(&c.job_id),
            trigger: c.trigger.clone().filter(|t| match t {
                CallbackTrigger::JobStatus { job_id, .. } => view.job_ids.contains(job_id.as_str()),
            }),
            ..c.clone()
        })
        .collect();
    let commitments: Vec<_> = customer
        .commitments
        .iter()
        .filter(|c| c.owner_org_id == org || view.on_my_job(&c.job_id) || view.on_my_ticket(&c.ticket_id))
        .map(|c| Commitment {
            job_id: view.my_job(&c.job_id),
            ticket_id: view.my_ticket(&c.ticket_id),
            ..c.clone()
        })
        .collect();
    if jobs.is_empty() && tickets.is_empty() && callbacks.is_empty() && commitments.is_empty() {
        return None;
    }

    let people: Vec<Person> = customer
        .people
        .iter()
        .filter(|p| view.contacts.contains(p.id.as_str()))
        .map(|p| {
            let mut p = p.clone();
            p.contacts.retain(|c| kind_allowed(c.kind));
            p
        })
        .collect();
    view.seen = people
        .iter()
        .flat_map(|p| p.contacts.iter().map(|c| c.value.clone()))
        .chain(callbacks.iter().filter_map(|c| c.phone.clone()))
        .collect();
    let display_name = people
        .first()
        .map_or_else(|| customer.number.clone(), |p| p.name.clone());
    let state = Customer {
        id: customer.id.clone(),
        number: customer.number.clone(),
        display_name,
        // Where they live, coarsely: whoever calls needs their local time.
        time_zone: customer.time_zone.clone(),
        addresses: customer
            .addresses
            .iter()
            .filter(|a| allowed(PartnerField::Address) && addresses.contains(a.id.as_str()))
            .cloned()
            .collect(),
        orders: customer
            .orders
            .iter()
            .filter(|o| allowed(PartnerField::Orders) && orders.contains(o.id.as_str()))
            .cloned()
            .collect(),
        confirmations: Vec::new(),
        timeline: Vec::new(),
        people,
        tickets,
        callbacks,
        commitments,
        updated_at: customer.updated_at,
    };
    Some(Scoped {
        state,
        rule: HistoryRule::Partner(view),
    })
}

/// A job as `scope` may see it: a partner gets the address and order it
/// fulfils only with those fields.
pub fn job_for_partner(mut job: Job, fields: &[PartnerField]) -> Job {
    if !fields.contains(&PartnerField::Address) {
        job.address_id = None;
    }
    if !fields.contains(&PartnerField::Orders) {
        job.order_id = None;
    }
    job
}

/// `jobs` as `scope` sees them (each must be the scope's own, or the scope internal).
pub fn jobs_for_scope(conn: &dyn Conn, scope: &Scope, jobs: Vec<Job>) -> Result<Vec<Job>, ServerError> {
    match scope {
        Scope::Internal => Ok(jobs),
        Scope::Org(org) => {
            let fields = visible_fields(conn, org)?;
            Ok(jobs.into_iter().map(|j| job_for_partner(j, &fields)).collect())
        }
    }
}

/// The customers the partner in SQL parameter `param` has work on, as a subquery.
pub fn partner_customers(param: &str) -> String {
    store::ties::customers_of(param)
}

/// Every scope that can see a customer: `internal`, plus each partner with work on it.
pub fn scopes_of_customer(conn: &dyn Conn, customer_id: &str) -> Result<Vec<Scope>, ServerError> {
    let mut out = vec![Scope::Internal];
    out.extend(
        store::ties::partners_of_customer(conn, customer_id)?
            .into_iter()
            .map(Scope::Org),
    );
    Ok(out)
}

/// How many records (customers and jobs) `scope` sees, for a snapshot's progress.
pub fn scope_size(conn: &dyn Conn, scope: &Scope) -> Result<u64, ServerError> {
    let (customers, jobs) = match scope {
        Scope::Internal => (store::customers::count_live(conn)?, store::jobs::count(conn, "")?),
        Scope::Org(org) => (store::ties::count_customers(conn, org)?, store::jobs::count(conn, org)?),
    };
    Ok((customers + jobs).max(0) as u64)
}

/// Ids of a page of customers visible to `scope`, keyset-paged by id.
pub fn customer_ids_page(
    conn: &dyn Conn,
    scope: &Scope,
    after: &str,
    limit: usize,
) -> Result<Vec<String>, ServerError> {
    match scope {
        Scope::Internal => store::customers::ids_page(conn, after, limit),
        Scope::Org(org) => store::ties::customer_ids_page(conn, org, after, limit),
    }
}

/// The customer `id` as `scope` sees it; out of scope, merged away and unknown
/// all answer the same 404, so an id tells a partner nothing.
pub fn visible_customer(conn: &dyn Conn, scope: &Scope, id: &str) -> Result<Customer, ServerError> {
    let full = load_customers(conn, &[id.to_string()])?
        .into_iter()
        .next()
        .ok_or_else(|| ServerError::not_found("customer"))?;
    customer_for_scope(conn, scope, &full)?.ok_or_else(|| ServerError::not_found("customer"))
}

/// The current state of customer `id` as `scope` sees it, without its history
/// (what an edit is checked against); 404 as [`visible_customer`].
pub fn visible_state(conn: &dyn Conn, scope: &Scope, id: &str) -> Result<Customer, ServerError> {
    let state = store::customers::load_state(conn, &[id.to_string()])?
        .into_iter()
        .next()
        .ok_or_else(|| ServerError::not_found("customer"))?;
    Ok(scoped(conn, scope, &state, false)?
        .ok_or_else(|| ServerError::not_found("customer"))?
        .state)
}

/// The job `id` if `scope` may see it (its own partner, or retailer staff).
pub fn visible_job(conn: &dyn Conn, scope: &Scope, id: &str) -> Result<Job, ServerError> {
    match load_job(conn, id)? {
        Some(job) if scope.org().is_none_or(|org| org == job.org_id) => {
            Ok(jobs_for_scope(conn, scope, vec![job])?.remove(0))
        }
        _ => Err(ServerError::not_found("job")),
    }
}

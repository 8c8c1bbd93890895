//! A checked row, written: what it refers to is looked up in the same write
//! transaction (a customer, a person of that customer, an active partner), so
//! a row lands whole or is refused with its reason, and nothing half-made stays.

use baton_proto::OrgKind;

use super::rows::{Checked, Refusal};
use crate::error::ServerError;
use crate::store::imports::{self as sql, Owned};
use crate::store::{self, Conn};

/// What a landed row changed, for the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Touched {
    Customer(String),
    /// A job, and the partner it had before when it moved.
    Job {
        id: String,
        previous_org: Option<String>,
    },
}

/// The write side of one batch: time, author, and the account numbers given
/// to new customers that came without one.
pub struct Writer<'a> {
    pub tx: &'a dyn Conn,
    pub at: &'a str,
    pub by: &'a str,
    next_customer_number: Option<i64>,
    /// The next job number, written back once at the end of the batch.
    next_job_number: Option<i64>,
    /// Partners looked up in this batch: (kind, active).
    partners: std::collections::HashMap<String, Option<(OrgKind, bool)>>,
    /// Customers whose records changed, marked changed once at the end.
    changed: std::collections::BTreeSet<String>,
}

type Landed = Result<Touched, Refusal>;

impl<'a> Writer<'a> {
    pub fn new(tx: &'a dyn Conn, at: &'a str, by: &'a str) -> Writer<'a> {
        Writer {
            tx,
            at,
            by,
            next_customer_number: None,
            next_job_number: None,
            partners: Default::default(),
            changed: Default::default(),
        }
    }

    /// Marks the changed customers and keeps the job counter.
    pub fn finish(self) -> Result<(), ServerError> {
        let changed: Vec<String> = self.changed.into_iter().collect();
        for ids in changed.chunks(1000) {
            sql::touch_customers(self.tx, ids, self.at)?;
        }
        if let Some(n) = self.next_job_number {
            store::meta::set(self.tx, "next_job_number", &n.to_string())?;
        }
        Ok(())
    }

    fn next_job_number(&mut self) -> Result<String, ServerError> {
        let n = match self.next_job_number {
            Some(n) => n,
            None => store::meta::next_counter(self.tx, "next_job_number", 90_000_001)?,
        };
        self.next_job_number = Some(n + 1);
        Ok(format!("J-{n}"))
    }

    /// Writes one row; `line` orders the people and contact points it adds.
    pub fn row(&mut self, row: &Checked, line: u64) -> Result<Landed, ServerError> {
        match row {
            Checked::Customer(c) => self.customer(c),
            Checked::Person(p) => self.person(p, line),
            Checked::ContactPoint(c) => self.contact_point(c, line),
            Checked::Address(a) => self.address(a),
            Checked::Order(o) => self.order(o),
            Checked::Job(j) => self.job(j),
        }
    }

    fn customer(&mut self, c: &super::rows::CustomerIn) -> Result<Landed, ServerError> {
        let existing = sql::customer(self.tx, &c.id)?;
        if let Some(number) = &c.number {
            if let Some(holder) = sql::customer_numbered(self.tx, number)? {
                if holder != c.id {
                    return Ok(Err(Refusal::bad(format!(
                        "account number {number} belongs to another customer"
                    ))));
                }
            }
        }
        match existing {
            Some(state) if state.erased => Ok(Err(erased())),
            Some(_) => {
                sql::update_customer(self.tx, c, self.at)?;
                Ok(Ok(Touched::Customer(c.id.clone())))
            }
            None => {
                let number = match &c.number {
                    Some(n) => n.clone(),
                    None => self.free_customer_number()?,
                };
                sql::insert_customer(self.tx, c, &number, self.at)?;
                Ok(Ok(Touched::Customer(c.id.clone())))
            }
        }
    }

    /// The next account number no customer holds (as `create_customer` gives them).
    fn free_customer_number(&mut self) -> Result<String, ServerError> {
        let mut n = match self.next_customer_number {
            Some(n) => n,
            None => 100_000 + store::customers::inserted(self.tx)? + 1,
        };
        loop {
            let number = format!("C-{n}");
            n += 1;
            if !store::customers::number_taken(self.tx, &number)? {
                self.next_customer_number = Some(n);
                return Ok(number);
            }
        }
    }

    /// The customer `id` names now: the one it was merged into, if it was.
    /// `first` is what a lookup already found of `id` itself.
    fn live_customer(
        &self,
        id: &str,
        first: Option<Option<sql::CustomerState>>,
    ) -> Result<Result<String, Refusal>, ServerError> {
        let mut id = id.to_string();
        let mut state = match first {
            Some(s) => s,
            None => sql::customer(self.tx, &id)?,
        };
        for _ in 0..16 {
            match state {
                None => {
                    return Ok(Err(Refusal::bad(
                        "customer_ref names no customer: import the customers file first",
                    )))
                }
                Some(s) if s.erased => return Ok(Err(erased())),
                Some(s) => match s.merged_into {
                    Some(into) => id = into,
                    None => return Ok(Ok(id)),
                },
            }
            state = sql::customer(self.tx, &id)?;
        }
        Err(ServerError::Internal("a chain of merged customers does not end".into()))
    }

    /// The customer a new record goes to, or the one an existing record already
    /// has (an import does not move records between customers: that is a merge),
    /// and whether the record exists.
    fn owner_for(
        &self,
        table: Owned,
        id: &str,
        customer_ref_id: &str,
    ) -> Result<Result<(String, bool), Refusal>, ServerError> {
        let (state, current) = sql::customer_and_owner(self.tx, customer_ref_id, table, id)?;
        let target = match self.live_customer(customer_ref_id, Some(state))? {
            Ok(t) => t,
            Err(r) => return Ok(Err(r)),
        };
        match current {
            Some(current) if current != target => Ok(Err(Refusal::bad(
                "this record belongs to another customer: an import does not move records between customers (merge them in the console)",
            ))),
            current => Ok(Ok((target, current.is_some()))),
        }
    }

    fn person(&mut self, p: &super::rows::PersonIn, line: u64) -> Result<Landed, ServerError> {
        let customer = match self.owner_for(Owned::Person, &p.id, &p.customer_id)? {
            Ok((c, _)) => c,
            Err(r) => return Ok(Err(r)),
        };
        sql::upsert_person(self.tx, p, &customer, line as i64)?;
        self.changed.insert(customer.clone());
        Ok(Ok(Touched::Customer(customer)))
    }

    fn contact_point(&mut self, c: &super::rows::ContactPointIn, line: u64) -> Result<Landed, ServerError> {
        let (customer, current) = sql::person_and_contact_owner(self.tx, &c.person_id, &c.id)?;
        let Some(customer) = customer else {
            return Ok(Err(Refusal::bad(
                "person_ref names no person: import the people file first",
            )));
        };
        if current.is_some_and(|p| p != c.person_id) {
            return Ok(Err(Refusal::bad(
                "this contact point belongs to another person: an import does not move it",
            )));
        }
        let customer = match self.live_customer(&customer, None)? {
            Ok(c) => c,
            Err(r) => return Ok(Err(r)),
        };
        // Unless the file says, a person's first phone (or email) is the preferred one.
        let preferred = match c.preferred {
            Some(p) => p,
            None => !sql::has_other_preferred(self.tx, &c.person_id, &crate::wire::name(&c.kind), &c.id)?,
        };
        sql::upsert_contact_point(self.tx, c, preferred, line as i64, self.at, self.by)?;
        self.changed.insert(customer.clone());
        Ok(Ok(Touched::Customer(customer)))
    }

    fn address(&mut self, a: &super::rows::AddressIn) -> Result<Landed, ServerError> {
        let customer = match self.owner_for(Owned::Address, &a.id, &a.customer_id)? {
            Ok((c, _)) => c,
            Err(r) => return Ok(Err(r)),
        };
        sql::upsert_address(self.tx, a, &customer)?;
        self.changed.insert(customer.clone());
        Ok(Ok(Touched::Customer(customer)))
    }

    fn order(&mut self, o: &super::rows::OrderIn) -> Result<Landed, ServerError> {
        let customer = match self.owner_for(Owned::Order, &o.id, &o.customer_id)? {
            Ok((c, _)) => c,
            Err(r) => return Ok(Err(r)),
        };
        if let Some(holder) = sql::order_numbered(self.tx, &o.number)? {
            if holder != o.id {
                return Ok(Err(Refusal::bad(format!(
                    "order number {} belongs to another order",
                    o.number
                ))));
            }
        }
        sql::upsert_order(self.tx, o, &customer)?;
        self.changed.insert(customer.clone());
        Ok(Ok(Touched::Customer(customer)))
    }

    fn job(&mut self, j: &super::rows::JobIn) -> Result<Landed, ServerError> {
        let (customer, exists) = match self.owner_for(Owned::Job, &j.id, &j.customer_id)? {
            Ok(c) => c,
            Err(r) => return Ok(Err(r)),
        };
        let partner = match self.partners.get(&j.partner) {
            Some(p) => *p,
            None => {
                let p = store::orgs::kind_and_active(self.tx, &j.partner)?;
                self.partners.insert(j.partner.clone(), p);
                p
            }
        };
        match partner {
            Some((OrgKind::Partner, true)) => {}
            Some((OrgKind::Partner, false)) => {
                return Ok(Err(Refusal::bad(format!(
                    "partner {} is deactivated: give the job to an active partner",
                    j.partner
                ))))
            }
            _ => {
                return Ok(Err(Refusal::bad(format!(
                    "partner {} is not a partner organisation",
                    j.partner
                ))))
            }
        }
        for (table, id, field) in [
            (Owned::Person, &j.contact_person_id, "contact_person_ref"),
            (Owned::Address, &j.address_id, "address_ref"),
            (Owned::Order, &j.order_id, "order_ref"),
        ] {
            if let Some(id) = id {
                if sql::owner(self.tx, table, id)?.as_deref() != Some(customer.as_str()) {
                    return Ok(Err(Refusal::bad(format!(
                        "{field} names nothing of this job's customer: import it first, for the same customer"
                    ))));
                }
            }
        }
        if let Some(number) = &j.number {
            if let Some(holder) = sql::job_numbered(self.tx, number)? {
                if holder != j.id {
                    return Ok(Err(Refusal::bad(format!("job number {number} belongs to another job"))));
                }
            }
        }
        let previous_org = match exists {
            true => {
                let org = sql::job(self.tx, &j.id)?.map(|(_, org)| org);
                sql::update_job(self.tx, j, self.at)?;
                org
            }
            false => {
                let number = match &j.number {
                    Some(n) => n.clone(),
                    None => self.next_job_number()?,
                };
                sql::insert_job(self.tx, j, &customer, &number, self.at)?;
                None
            }
        };
        self.changed.insert(customer.clone());
        Ok(Ok(Touched::Job {
            id: j.id.clone(),
            previous_org,
        }))
    }
}

fn erased() -> Refusal {
    Refusal::bad("this customer was erased at their request: their data is not imported again")
}

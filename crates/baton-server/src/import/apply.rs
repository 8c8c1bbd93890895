//! A checked row, written: what it refers to is looked up in the same write
//! transaction (a customer, a person of that customer, an active partner), so
//! a row lands whole or is refused with its reason, and nothing half-made stays.

use baton_proto::{ImportKind, OrgKind};

use super::rows::{self, Checked, Refusal};
use crate::error::ServerError;
use crate::store::imports::{self as sql, JobLinks, Owned};
use crate::store::{self, import_refs, Conn};

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
    /// The next sequential id of each kind, written back once at the end.
    next_ids: std::collections::BTreeMap<&'static str, i64>,
    /// Whether records imported with hashed ids exist (schema before 19).
    hashed_ids: Option<bool>,
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
            next_ids: Default::default(),
            hashed_ids: None,
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
        for (kind, n) in &self.next_ids {
            store::meta::set(self.tx, &id_counter(kind), &n.to_string())?;
        }
        Ok(())
    }

    /// The record of `kind` that `external_ref` names, if one was imported.
    fn find(&mut self, kind: ImportKind, external_ref: &str) -> Result<Option<String>, ServerError> {
        if let Some(id) = import_refs::find(self.tx, kind, external_ref)? {
            return Ok(Some(id));
        }
        let hashed = match self.hashed_ids {
            Some(h) => h,
            None => {
                let h = store::meta::get(self.tx, "import_hashed_ids")?.is_some();
                self.hashed_ids = Some(h);
                h
            }
        };
        if hashed {
            let id = rows::hashed_id(kind, external_ref);
            // Each kind is named after the table that holds it.
            if store::ids::taken(self.tx, kind.as_str(), &id)? {
                import_refs::insert(self.tx, kind, external_ref, &id)?;
                return Ok(Some(id));
            }
        }
        Ok(None)
    }

    /// A new record's id, with its reference recorded: called as the row lands.
    fn make(&mut self, kind: ImportKind, external_ref: &str) -> Result<String, ServerError> {
        let mut n = match self.next_ids.get(kind.as_str()) {
            Some(n) => *n,
            None => store::meta::get(self.tx, &id_counter(kind.as_str()))?
                .and_then(|v| v.parse::<i64>().ok())
                .unwrap_or(1),
        };
        // A console offline may have chosen an id of this form; it keeps it.
        let mut id = rows::sequential_id(kind, n);
        while store::ids::taken(self.tx, kind.as_str(), &id)? {
            n += 1;
            id = rows::sequential_id(kind, n);
        }
        self.next_ids.insert(kind.as_str(), n + 1);
        import_refs::insert(self.tx, kind, external_ref, &id)?;
        Ok(id)
    }

    /// The customer a row's `customer_ref` names, or why the row is refused.
    fn customer_of(&mut self, customer_ref: &str) -> Result<Result<String, Refusal>, ServerError> {
        Ok(self
            .find(ImportKind::Customers, customer_ref)?
            .ok_or_else(|| Refusal::bad("customer_ref names no customer: import the customers file first")))
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

    fn customer(&mut self, c: &rows::CustomerIn) -> Result<Landed, ServerError> {
        let id = self.find(ImportKind::Customers, &c.external_ref)?;
        if let Some(number) = &c.number {
            if let Some(holder) = sql::customer_numbered(self.tx, number)? {
                if Some(&holder) != id.as_ref() {
                    return Ok(Err(Refusal::bad(format!(
                        "account number {number} belongs to another customer"
                    ))));
                }
            }
        }
        let existing = match &id {
            Some(id) => sql::customer(self.tx, id)?,
            None => None,
        };
        match (id, existing) {
            (Some(_), Some(state)) if state.erased => Ok(Err(erased())),
            (Some(id), Some(_)) => {
                sql::update_customer(self.tx, &id, c, self.at)?;
                Ok(Ok(Touched::Customer(id)))
            }
            _ => {
                let number = match &c.number {
                    Some(n) => n.clone(),
                    None => self.free_customer_number()?,
                };
                let id = self.make(ImportKind::Customers, &c.external_ref)?;
                sql::insert_customer(self.tx, &id, c, &number, self.at)?;
                Ok(Ok(Touched::Customer(id)))
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
        id: Option<&str>,
        customer_ref_id: &str,
    ) -> Result<Result<(String, bool), Refusal>, ServerError> {
        let (state, current) = match id {
            Some(id) => sql::customer_and_owner(self.tx, customer_ref_id, table, id)?,
            None => (sql::customer(self.tx, customer_ref_id)?, None),
        };
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

    /// For a row of a record that belongs to a customer (a person, address,
    /// order or job): the record's id if it was imported before, and the
    /// customer it goes to, or why the row is refused.
    fn placed(
        &mut self,
        kind: ImportKind,
        table: Owned,
        external_ref: &str,
        customer_ref: &str,
    ) -> Result<Result<(Option<String>, String), Refusal>, ServerError> {
        let named = match self.customer_of(customer_ref)? {
            Ok(c) => c,
            Err(r) => return Ok(Err(r)),
        };
        let id = self.find(kind, external_ref)?;
        Ok(self
            .owner_for(table, id.as_deref(), &named)?
            .map(|(customer, _)| (id, customer)))
    }

    /// `id`, or a new one for `external_ref` when the record is new.
    fn id_or_new(&mut self, kind: ImportKind, id: Option<String>, external_ref: &str) -> Result<String, ServerError> {
        match id {
            Some(id) => Ok(id),
            None => self.make(kind, external_ref),
        }
    }

    fn person(&mut self, p: &rows::PersonIn, line: u64) -> Result<Landed, ServerError> {
        let (id, customer) = match self.placed(ImportKind::People, Owned::Person, &p.external_ref, &p.customer_ref)? {
            Ok(placed) => placed,
            Err(r) => return Ok(Err(r)),
        };
        let id = self.id_or_new(ImportKind::People, id, &p.external_ref)?;
        sql::upsert_person(self.tx, &id, p, &customer, line as i64)?;
        self.changed.insert(customer.clone());
        Ok(Ok(Touched::Customer(customer)))
    }

    fn contact_point(&mut self, c: &rows::ContactPointIn, line: u64) -> Result<Landed, ServerError> {
        let no_person = || Refusal::bad("person_ref names no person: import the people file first");
        let Some(person_id) = self.find(ImportKind::People, &c.person_ref)? else {
            return Ok(Err(no_person()));
        };
        let id = self.find(ImportKind::ContactPoints, &c.external_ref)?;
        let (customer, current) = match &id {
            Some(id) => sql::person_and_contact_owner(self.tx, &person_id, id)?,
            None => (sql::owner(self.tx, Owned::Person, &person_id)?, None),
        };
        let Some(customer) = customer else {
            return Ok(Err(no_person()));
        };
        if current.is_some_and(|p| p != person_id) {
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
            None => !sql::has_other_preferred(
                self.tx,
                &person_id,
                &crate::wire::name(&c.kind),
                id.as_deref().unwrap_or(""),
            )?,
        };
        let id = self.id_or_new(ImportKind::ContactPoints, id, &c.external_ref)?;
        let place = sql::ContactPlace {
            id: &id,
            person_id: &person_id,
            preferred,
            position: line as i64,
        };
        sql::upsert_contact_point(self.tx, &place, c, self.at, self.by)?;
        self.changed.insert(customer.clone());
        Ok(Ok(Touched::Customer(customer)))
    }

    fn address(&mut self, a: &rows::AddressIn) -> Result<Landed, ServerError> {
        let (id, customer) =
            match self.placed(ImportKind::Addresses, Owned::Address, &a.external_ref, &a.customer_ref)? {
                Ok(placed) => placed,
                Err(r) => return Ok(Err(r)),
            };
        let id = self.id_or_new(ImportKind::Addresses, id, &a.external_ref)?;
        sql::upsert_address(self.tx, &id, a, &customer)?;
        self.changed.insert(customer.clone());
        Ok(Ok(Touched::Customer(customer)))
    }

    fn order(&mut self, o: &rows::OrderIn) -> Result<Landed, ServerError> {
        let (id, customer) = match self.placed(ImportKind::Orders, Owned::Order, &o.external_ref, &o.customer_ref)? {
            Ok(placed) => placed,
            Err(r) => return Ok(Err(r)),
        };
        if let Some(holder) = sql::order_numbered(self.tx, &o.number)? {
            if Some(&holder) != id.as_ref() {
                return Ok(Err(Refusal::bad(format!(
                    "order number {} belongs to another order",
                    o.number
                ))));
            }
        }
        let id = self.id_or_new(ImportKind::Orders, id, &o.external_ref)?;
        sql::upsert_order(self.tx, &id, o, &customer)?;
        self.changed.insert(customer.clone());
        Ok(Ok(Touched::Customer(customer)))
    }

    fn job(&mut self, j: &rows::JobIn) -> Result<Landed, ServerError> {
        let (id, customer) = match self.placed(ImportKind::Jobs, Owned::Job, &j.external_ref, &j.customer_ref)? {
            Ok(placed) => placed,
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
        let mut linked = [None, None, None];
        for (slot, (kind, table, external_ref, field)) in linked.iter_mut().zip([
            (
                ImportKind::People,
                Owned::Person,
                &j.contact_person_ref,
                "contact_person_ref",
            ),
            (ImportKind::Addresses, Owned::Address, &j.address_ref, "address_ref"),
            (ImportKind::Orders, Owned::Order, &j.order_ref, "order_ref"),
        ]) {
            let Some(external_ref) = external_ref else { continue };
            let found = match self.find(kind, external_ref)? {
                Some(id) if sql::owner(self.tx, table, &id)?.as_deref() == Some(customer.as_str()) => Some(id),
                _ => None,
            };
            if found.is_none() {
                return Ok(Err(Refusal::bad(format!(
                    "{field} names nothing of this job's customer: import it first, for the same customer"
                ))));
            }
            *slot = found;
        }
        if let Some(number) = &j.number {
            if let Some(holder) = sql::job_numbered(self.tx, number)? {
                if Some(&holder) != id.as_ref() {
                    return Ok(Err(Refusal::bad(format!("job number {number} belongs to another job"))));
                }
            }
        }
        let [contact_person_id, address_id, order_id] = linked;
        let previous_org = match &id {
            Some(id) => sql::job(self.tx, id)?.map(|(_, org)| org),
            None => None,
        };
        let number = match (&id, &j.number) {
            (None, None) => Some(self.next_job_number()?),
            (None, Some(n)) => Some(n.clone()),
            (Some(_), _) => None,
        };
        let id = self.id_or_new(ImportKind::Jobs, id, &j.external_ref)?;
        let links = JobLinks {
            id: &id,
            customer_id: &customer,
            contact_person_id: contact_person_id.as_deref(),
            address_id: address_id.as_deref(),
            order_id: order_id.as_deref(),
        };
        match number {
            Some(number) => sql::insert_job(self.tx, &links, j, &number, self.at)?,
            None => sql::update_job(self.tx, &links, j, self.at)?,
        }
        self.changed.insert(customer.clone());
        Ok(Ok(Touched::Job { id, previous_org }))
    }
}

/// The `meta` key of the counter of sequential ids of `kind`.
fn id_counter(kind: &str) -> String {
    format!("import_next_id:{kind}")
}

fn erased() -> Refusal {
    Refusal::bad("this customer was erased at their request: their data is not imported again")
}

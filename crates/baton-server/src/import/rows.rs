//! The rows of an import file, as read (CSV or JSON Lines) and as checked.
//!
//! Reading and checking need no database, so a batch is checked on every core
//! before its write transaction. What a row refers to (a customer, a partner)
//! is checked inside the transaction (`store::imports`).

use baton_proto::contact::{normalize_email, normalize_phone, ContactError};
use baton_proto::validate::{self, MAX_SHORT};
use baton_proto::{
    AddressPurpose, ContactKind, ContactPurpose, ErrorCode, ImportKind, JobKind, JobStatus, OrderKind, OrderLine,
    OrderStatus, PersonRole, RowRejection,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use sha2::{Digest, Sha256};

/// A list cell: `a;b` in CSV, `["a", "b"]` (or the same string) in JSON Lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct List(pub Vec<String>);

impl<'de> Deserialize<'de> for List {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<List, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Items(Vec<String>),
        }
        Ok(match Raw::deserialize(d)? {
            Raw::Text(s) => List(
                s.split(';')
                    .map(|p| p.trim().to_string())
                    .filter(|p| !p.is_empty())
                    .collect(),
            ),
            Raw::Items(items) => List(items),
        })
    }
}

/// A yes/no cell: `true`/`false`, `yes`/`no`, `1`/`0` (or a JSON boolean).
/// Anything else is an error, never a guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag(pub bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Flag, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Bool(bool),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Bool(b) => Ok(Flag(b)),
            Raw::Text(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => Ok(Flag(true)),
                "false" | "no" | "0" => Ok(Flag(false)),
                _ => Err(serde::de::Error::custom(format!(
                    "'{s}' is not yes or no: use true/false, yes/no or 1/0"
                ))),
            },
        }
    }
}

/// A quantity cell: a number in either format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count(pub u32);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Count, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(u32),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Number(n) => Ok(Count(n)),
            Raw::Text(s) => s
                .trim()
                .parse()
                .map(Count)
                .map_err(|_| serde::de::Error::custom(format!("'{s}' is not a whole number"))),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerRow {
    pub external_ref: String,
    pub name: String,
    pub number: Option<String>,
    pub time_zone: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonRow {
    pub external_ref: String,
    pub customer_ref: String,
    pub name: String,
    pub roles: Option<List>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactPointRow {
    pub external_ref: String,
    pub person_ref: String,
    pub kind: String,
    pub value: String,
    pub label: Option<String>,
    pub purposes: Option<List>,
    pub preferred: Option<Flag>,
    pub consent_service: Option<Flag>,
    pub consent_marketing: Option<Flag>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddressRow {
    pub external_ref: String,
    pub customer_ref: String,
    pub purpose: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub postcode: String,
}

/// One order, or (CSV) one of its products: an order's rows are consecutive
/// and share its reference; the order's own columns are read from the first.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderRow {
    pub external_ref: String,
    pub customer_ref: String,
    pub number: String,
    pub kind: Option<String>,
    pub status: Option<String>,
    pub placed_at: String,
    pub sku: Option<String>,
    pub product: Option<String>,
    pub quantity: Option<Count>,
    /// JSON Lines only: every product at once.
    pub lines: Option<Vec<OrderLine>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobRow {
    pub external_ref: String,
    pub customer_ref: String,
    pub partner: String,
    pub kind: String,
    pub summary: String,
    pub status: Option<String>,
    pub number: Option<String>,
    pub contact_person_ref: Option<String>,
    pub address_ref: Option<String>,
    pub order_ref: Option<String>,
    pub appointment_start: Option<String>,
    pub appointment_end: Option<String>,
}

/// The columns of each kind: (required, optional). A file naming a column not
/// listed, or missing a required one, is refused before any row is read.
pub fn columns(kind: ImportKind) -> (&'static [&'static str], &'static [&'static str]) {
    match kind {
        ImportKind::Customers => (&["external_ref", "name"], &["number", "time_zone"]),
        ImportKind::People => (&["external_ref", "customer_ref", "name"], &["roles"]),
        ImportKind::ContactPoints => (
            &["external_ref", "person_ref", "kind", "value"],
            &["label", "purposes", "preferred", "consent_service", "consent_marketing"],
        ),
        ImportKind::Addresses => (
            &["external_ref", "customer_ref", "purpose", "line1", "city", "postcode"],
            &["line2"],
        ),
        ImportKind::Orders => (
            &["external_ref", "customer_ref", "number", "placed_at"],
            &["kind", "status", "sku", "product", "quantity", "lines"],
        ),
        ImportKind::Jobs => (
            &["external_ref", "customer_ref", "partner", "kind", "summary"],
            &[
                "status",
                "number",
                "contact_person_ref",
                "address_ref",
                "order_ref",
                "appointment_start",
                "appointment_end",
            ],
        ),
    }
}

/// Checks a file's header (CSV) against the kind's columns.
pub fn check_header(kind: ImportKind, header: &[&str]) -> Result<(), String> {
    let (required, optional) = columns(kind);
    let unknown: Vec<&str> = header
        .iter()
        .copied()
        .filter(|h| !required.contains(h) && !optional.contains(h))
        .collect();
    let missing: Vec<&str> = required.iter().copied().filter(|r| !header.contains(r)).collect();
    let mut seen = std::collections::HashSet::new();
    let repeated: Vec<&str> = header.iter().copied().filter(|h| !seen.insert(*h)).collect();
    let mut problems = Vec::new();
    if !missing.is_empty() {
        problems.push(format!("missing column(s) {}", missing.join(", ")));
    }
    if !unknown.is_empty() {
        problems.push(format!(
            "unknown column(s) {} (the {} columns are {}{}{})",
            unknown.join(", "),
            kind.as_str(),
            required.join(", "),
            if optional.is_empty() { "" } else { ", and optionally " },
            optional.join(", ")
        ));
    }
    if !repeated.is_empty() {
        problems.push(format!("column(s) named twice: {}", repeated.join(", ")));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// The prefix of the ids of records of `kind`, as everywhere in Baton.
pub fn id_prefix(kind: ImportKind) -> &'static str {
    match kind {
        ImportKind::Customers => "cus",
        ImportKind::People => "per",
        ImportKind::ContactPoints => "cp",
        ImportKind::Addresses => "adr",
        ImportKind::Orders => "ord",
        ImportKind::Jobs => "job",
    }
}

/// The id of the `n`th record of `kind` an import made: in arrival order, so a
/// bulk import appends to its tables and their indexes.
pub fn sequential_id(kind: ImportKind, n: i64) -> String {
    format!("{}_r{n:010}", id_prefix(kind))
}

/// The id versions before schema 19 gave an imported record: a hash of its
/// kind and reference. Still looked up for references imported then.
pub fn hashed_id(kind: ImportKind, external_ref: &str) -> String {
    let digest = Sha256::new()
        .chain_update(kind.as_str())
        .chain_update([0u8])
        .chain_update(external_ref)
        .finalize();
    format!("{}_i{}", id_prefix(kind), hex::encode(&digest[..10]))
}

/// A row, checked: every value in the form it is stored.
#[derive(Debug, Clone, PartialEq)]
pub enum Checked {
    Customer(CustomerIn),
    Person(PersonIn),
    ContactPoint(ContactPointIn),
    Address(AddressIn),
    Order(OrderIn),
    Job(JobIn),
}

#[derive(Debug, Clone, PartialEq)]
pub struct CustomerIn {
    pub external_ref: String,
    pub name: String,
    pub number: Option<String>,
    /// The customer's own time zone; an empty cell keeps the one recorded.
    pub time_zone: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PersonIn {
    pub external_ref: String,
    pub customer_ref: String,
    pub name: String,
    pub roles: Vec<PersonRole>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ContactPointIn {
    pub external_ref: String,
    pub person_ref: String,
    pub kind: ContactKind,
    pub value: String,
    pub label: String,
    pub purposes: Vec<ContactPurpose>,
    pub preferred: Option<bool>,
    pub consent_service: bool,
    pub consent_marketing: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AddressIn {
    pub external_ref: String,
    pub customer_ref: String,
    pub purpose: AddressPurpose,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub postcode: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrderIn {
    pub external_ref: String,
    pub customer_ref: String,
    pub number: String,
    pub kind: OrderKind,
    pub status: OrderStatus,
    pub placed_at: DateTime<Utc>,
    pub lines: Vec<OrderLine>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JobIn {
    pub external_ref: String,
    pub customer_ref: String,
    pub partner: String,
    pub kind: JobKind,
    pub status: JobStatus,
    pub summary: String,
    pub number: Option<String>,
    pub contact_person_ref: Option<String>,
    pub address_ref: Option<String>,
    pub order_ref: Option<String>,
    pub appointment: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// Why a row is refused: the error code a client already knows and a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: ErrorCode,
    pub message: String,
}

impl Refusal {
    pub fn bad(message: impl Into<String>) -> Refusal {
        Refusal {
            code: ErrorCode::BadRequest,
            message: message.into(),
        }
    }

    pub fn at(self, line: u64) -> RowRejection {
        RowRejection {
            line,
            code: self.code,
            message: self.message,
        }
    }
}

impl From<ContactError> for Refusal {
    fn from(e: ContactError) -> Refusal {
        Refusal {
            code: e.code,
            message: e.message,
        }
    }
}

type Checking<T> = Result<T, Refusal>;

fn reference(field: &str, value: &str) -> Checking<()> {
    if value.is_empty() || value.chars().count() > 100 || value.trim() != value || value.chars().any(char::is_control) {
        return Err(Refusal::bad(format!(
            "{field} must be 1 to 100 characters without leading or trailing spaces"
        )));
    }
    Ok(())
}

fn short(field: &str, value: &str) -> Checking<String> {
    Ok(validate::text(field, value, MAX_SHORT)?)
}

/// An enumeration cell by its wire name, listing the names it may take.
fn choice<T: DeserializeOwned>(field: &str, value: &str, allowed: &[&str]) -> Checking<T> {
    serde_json::from_value(serde_json::Value::String(value.trim().to_string()))
        .map_err(|_| Refusal::bad(format!("{field} '{value}' is not one of {}", allowed.join(", "))))
}

fn choices<T: DeserializeOwned>(field: &str, list: Option<&List>, allowed: &[&str]) -> Checking<Vec<T>> {
    let mut out = Vec::new();
    for v in list.map(|l| l.0.as_slice()).unwrap_or_default() {
        out.push(choice(field, v, allowed)?);
    }
    Ok(out)
}

/// A time: RFC 3339 (`2026-12-03T09:00:00Z`, `…+01:00`) or, where a day is
/// enough, a date (`2026-12-03`, read as midnight UTC).
fn time(field: &str, value: &str, date_ok: bool) -> Checking<DateTime<Utc>> {
    let v = value.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.with_timezone(&Utc));
    }
    if date_ok {
        if let Some(t) = NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
        {
            return Ok(t.and_utc());
        }
    }
    Err(Refusal::bad(format!(
        "{field} '{v}' is not a time: use RFC 3339, like 2026-12-03T09:00:00Z{}",
        if date_ok { ", or a date like 2026-12-03" } else { "" }
    )))
}

fn empty_is_none(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.trim().is_empty())
}

const ROLES: &[&str] = &["account_holder", "site_contact", "authorised_third_party"];
const PURPOSES: &[&str] = &["appointments", "confirmations", "billing", "marketing"];
const ADDRESS_PURPOSES: &[&str] = &["billing", "delivery", "installation"];
const ORDER_KINDS: &[&str] = &["order", "subscription"];
const ORDER_STATUSES: &[&str] = &["placed", "fulfilled", "active", "cancelled", "returned"];
const JOB_KINDS: &[&str] = &[
    "installation",
    "delivery",
    "digital_fulfilment",
    "service_visit",
    "stay",
];
const JOB_STATUSES: &[&str] = &[
    "created",
    "scheduled",
    "en_route",
    "at_depot",
    "delayed",
    "completed",
    "failed",
    "cancelled",
];

impl CustomerRow {
    pub fn check(self) -> Checking<Checked> {
        reference("external_ref", &self.external_ref)?;
        let number = empty_is_none(self.number);
        if let Some(n) = &number {
            validate::reference("number", n)?;
        }
        Ok(Checked::Customer(CustomerIn {
            name: short("name", &self.name)?,
            external_ref: self.external_ref,
            number,
            time_zone: empty_is_none(self.time_zone)
                .map(|z| validate::time_zone("time_zone", &z))
                .transpose()?,
        }))
    }
}

impl PersonRow {
    pub fn check(self) -> Checking<Checked> {
        reference("external_ref", &self.external_ref)?;
        reference("customer_ref", &self.customer_ref)?;
        Ok(Checked::Person(PersonIn {
            name: short("name", &self.name)?,
            external_ref: self.external_ref,
            customer_ref: self.customer_ref,
            roles: choices("role", self.roles.as_ref(), ROLES)?,
        }))
    }
}

impl ContactPointRow {
    pub fn check(self) -> Checking<Checked> {
        reference("external_ref", &self.external_ref)?;
        reference("person_ref", &self.person_ref)?;
        let kind: ContactKind = choice("kind", &self.kind, &["phone", "email"])?;
        let value = match kind {
            ContactKind::Phone => normalize_phone(&self.value)?,
            ContactKind::Email => normalize_email(&self.value)?,
        };
        let label = match empty_is_none(self.label) {
            Some(l) => short("label", &l)?,
            None => crate::wire::name(&kind),
        };
        Ok(Checked::ContactPoint(ContactPointIn {
            external_ref: self.external_ref,
            person_ref: self.person_ref,
            kind,
            value,
            label,
            purposes: choices("purpose", self.purposes.as_ref(), PURPOSES)?,
            preferred: self.preferred.map(|f| f.0),
            consent_service: self.consent_service.is_none_or(|f| f.0),
            consent_marketing: self.consent_marketing.is_some_and(|f| f.0),
        }))
    }
}

impl AddressRow {
    pub fn check(self) -> Checking<Checked> {
        reference("external_ref", &self.external_ref)?;
        reference("customer_ref", &self.customer_ref)?;
        Ok(Checked::Address(AddressIn {
            purpose: choice("purpose", &self.purpose, ADDRESS_PURPOSES)?,
            line1: short("line1", &self.line1)?,
            line2: empty_is_none(self.line2).map(|l| short("line2", &l)).transpose()?,
            city: short("city", &self.city)?,
            postcode: short("postcode", &self.postcode)?,
            external_ref: self.external_ref,
            customer_ref: self.customer_ref,
        }))
    }
}

impl OrderRow {
    /// The order's own columns, checked; its products are gathered by the reader.
    pub fn check(self, lines: Vec<OrderLine>) -> Checking<Checked> {
        reference("external_ref", &self.external_ref)?;
        reference("customer_ref", &self.customer_ref)?;
        validate::reference("number", &self.number)?;
        validate::order_lines(&lines)?;
        Ok(Checked::Order(OrderIn {
            external_ref: self.external_ref,
            customer_ref: self.customer_ref,
            number: self.number,
            kind: match empty_is_none(self.kind) {
                Some(k) => choice("kind", &k, ORDER_KINDS)?,
                None => OrderKind::Order,
            },
            status: match empty_is_none(self.status) {
                Some(s) => choice("status", &s, ORDER_STATUSES)?,
                None => OrderStatus::Placed,
            },
            placed_at: time("placed_at", &self.placed_at, true)?,
            lines,
        }))
    }

    /// This row's products: its `lines` (JSON Lines), or the one product its
    /// `sku`, `product` and `quantity` name.
    pub fn take_lines(&mut self) -> Checking<Vec<OrderLine>> {
        let one = (
            empty_is_none(self.sku.take()),
            empty_is_none(self.product.take()),
            self.quantity.take(),
        );
        match (self.lines.take(), one) {
            (Some(_), (Some(_), _, _) | (_, Some(_), _) | (_, _, Some(_))) => Err(Refusal::bad(
                "give an order's products either as lines or as sku, product and quantity, not both",
            )),
            (Some(lines), _) => Ok(lines),
            (None, (Some(sku), Some(name), quantity)) => Ok(vec![OrderLine {
                sku,
                name,
                quantity: quantity.map_or(1, |q| q.0),
            }]),
            (None, (None, None, None)) => Ok(Vec::new()),
            (None, _) => Err(Refusal::bad("a product needs both its sku and its product name")),
        }
    }
}

impl JobRow {
    pub fn check(self) -> Checking<Checked> {
        reference("external_ref", &self.external_ref)?;
        reference("customer_ref", &self.customer_ref)?;
        validate::id("partner", &self.partner)?;
        let number = empty_is_none(self.number);
        if let Some(n) = &number {
            validate::reference("number", n)?;
        }
        let appointment = match (
            empty_is_none(self.appointment_start),
            empty_is_none(self.appointment_end),
        ) {
            (Some(s), Some(e)) => {
                let (s, e) = (
                    time("appointment_start", &s, false)?,
                    time("appointment_end", &e, false)?,
                );
                validate::appointment(s, e)?;
                Some((s, e))
            }
            (None, None) => None,
            _ => {
                return Err(Refusal::bad(
                    "an appointment needs both appointment_start and appointment_end",
                ))
            }
        };
        let refs = |v: Option<String>, field: &str| -> Checking<Option<String>> {
            match empty_is_none(v) {
                Some(r) => {
                    reference(field, &r)?;
                    Ok(Some(r))
                }
                None => Ok(None),
            }
        };
        let status = match empty_is_none(self.status) {
            Some(s) => choice("status", &s, JOB_STATUSES)?,
            None if appointment.is_some() => JobStatus::Scheduled,
            None => JobStatus::Created,
        };
        Ok(Checked::Job(JobIn {
            kind: choice("kind", &self.kind, JOB_KINDS)?,
            status,
            summary: short("summary", &self.summary)?,
            number,
            contact_person_ref: refs(self.contact_person_ref, "contact_person_ref")?,
            address_ref: refs(self.address_ref, "address_ref")?,
            order_ref: refs(self.order_ref, "order_ref")?,
            external_ref: self.external_ref,
            customer_ref: self.customer_ref,
            partner: self.partner,
            appointment,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(kind: &str, value: &str) -> ContactPointRow {
        ContactPointRow {
            external_ref: "cp-1".into(),
            person_ref: "p-1".into(),
            kind: kind.into(),
            value: value.into(),
            label: None,
            purposes: None,
            preferred: None,
            consent_service: None,
            consent_marketing: None,
        }
    }

    #[test]
    fn ids_sort_in_arrival_order_and_never_meet_the_hashed_ones() {
        let (a, b) = (
            sequential_id(ImportKind::Customers, 9),
            sequential_id(ImportKind::Customers, 10),
        );
        assert_eq!(a, "cus_r0000000009");
        assert!(a < b, "{a} sorts before {b}");
        assert_ne!(
            sequential_id(ImportKind::Jobs, 1).len(),
            hashed_id(ImportKind::Jobs, "J-1").len()
        );
        assert_eq!(
            hashed_id(ImportKind::Customers, "A-1"),
            hashed_id(ImportKind::Customers, "A-1")
        );
        assert_ne!(
            hashed_id(ImportKind::Customers, "A-1")[4..],
            hashed_id(ImportKind::People, "A-1")[4..]
        );
        validate::id("id", &hashed_id(ImportKind::Jobs, "anything at all / with spaces")).expect("a valid id");
        validate::id("id", &sequential_id(ImportKind::ContactPoints, 1)).expect("a valid id");
    }

    #[test]
    fn a_phone_with_letters_or_an_extension_is_refused_with_its_reason() {
        let err = contact("phone", "0800 FLOWERS").check().expect_err("letters");
        assert_eq!(err.code, ErrorCode::InvalidPhone);
        let err = contact("phone", "07911 123456 ext 4").check().expect_err("extension");
        assert!(err.message.contains("extension"), "{}", err.message);
        match contact("phone", "07911 123456").check() {
            Ok(Checked::ContactPoint(c)) => {
                assert_eq!(c.value, "+447911123456");
                assert_eq!(c.label, "phone");
                assert!(c.consent_service && !c.consent_marketing);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn headers_name_what_is_missing_and_what_is_unknown() {
        let err = check_header(ImportKind::Customers, &["external_ref", "nmae"]).expect_err("typo");
        assert!(err.contains("missing column(s) name"), "{err}");
        assert!(err.contains("unknown column(s) nmae"), "{err}");
        check_header(ImportKind::Customers, &["name", "external_ref"]).expect("any order");
    }

    #[test]
    fn an_appointment_needs_both_ends_in_order() {
        let job = |start: Option<&str>, end: Option<&str>| JobRow {
            external_ref: "j".into(),
            customer_ref: "c".into(),
            partner: "brightline".into(),
            kind: "installation".into(),
            summary: "Fit".into(),
            status: None,
            number: None,
            contact_person_ref: None,
            address_ref: None,
            order_ref: None,
            appointment_start: start.map(str::to_string),
            appointment_end: end.map(str::to_string),
        };
        assert!(job(Some("2026-12-03T09:00:00Z"), None).check().is_err());
        assert!(job(Some("2026-12-03T11:00:00Z"), Some("2026-12-03T09:00:00Z"))
            .check()
            .is_err());
        assert!(job(Some("tomorrow"), Some("2026-12-03T09:00:00Z")).check().is_err());
        match job(Some("2026-12-03T09:00:00+01:00"), Some("2026-12-03T11:00:00+01:00")).check() {
            Ok(Checked::Job(j)) => assert_eq!(j.status, JobStatus::Scheduled),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn flags_are_strict() {
        let f: Result<Flag, _> = serde_json::from_str("\"maybe\"");
        assert!(f.is_err());
        let f: Flag = serde_json::from_str("\"Yes\"").expect("yes");
        assert!(f.0);
    }
}

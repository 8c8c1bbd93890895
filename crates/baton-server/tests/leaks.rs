//! The leak test. For seeded random edits by every role, it works out from the
//! raw tables and the written scope rule (docs/security.md) — never from the
//! server's own filter — every value each partner may not see: names of people
//! its jobs do not name, phone numbers, emails, addresses and order numbers it
//! has no field for, and the ids and numbers of work that is not its own. Then
//! it calls every GET operation of the served OpenAPI document as that partner
//! (every id, every filter value, every cursor to the end, search by every
//! value held, the snapshot, the change feed, the event stream) and every
//! intent it sent, and searches every response body for those values.
//!
//! `BATON_LEAK_SEEDS` (default 3) and `BATON_LEAK_STEPS` (default 60) set how
//! much of it runs; `make soak` runs hundreds of seeds.

use std::collections::{BTreeMap, BTreeSet};

use baton_proto::PartnerField;
use baton_server::args;
use baton_server::store::{Conn, Row, ToParam};
use baton_server::ServerError;
use futures_util::StreamExt;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use serde_json::{json, Value};

mod common;
use common::Api;

const PARTNERS: [(&str, &str); 3] = [("dan", "brightline"), ("priya", "swiftparcel"), ("lena", "pageturn")];
const STAFF: [&str; 2] = ["alice", "sam"];

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// What a value is, for the failure message.
type Labelled = BTreeSet<(String, String)>;

/// Every value of each kind the database holds, and what one partner may see of them.
#[derive(Default, Clone)]
struct Values {
    names: BTreeSet<String>,
    people: BTreeSet<String>,
    phones: BTreeSet<String>,
    emails: BTreeSet<String>,
    addresses: BTreeSet<String>,
    orders: BTreeSet<String>,
    customers: BTreeSet<String>,
    jobs: BTreeSet<String>,
    tickets: BTreeSet<String>,
    callbacks: BTreeSet<String>,
    commitments: BTreeSet<String>,
    /// Notes, by the id each one's text carries.
    notes: BTreeSet<String>,
}

impl Values {
    fn kinds(&self) -> [(&'static str, &BTreeSet<String>); 12] {
        [
            ("name", &self.names),
            ("person id", &self.people),
            ("phone", &self.phones),
            ("email", &self.emails),
            ("address", &self.addresses),
            ("order number", &self.orders),
            ("customer", &self.customers),
            ("job", &self.jobs),
            ("ticket", &self.tickets),
            ("callback", &self.callbacks),
            ("commitment", &self.commitments),
            ("note", &self.notes),
        ]
    }

    fn kinds_mut(&mut self) -> [&mut BTreeSet<String>; 12] {
        [
            &mut self.names,
            &mut self.people,
            &mut self.phones,
            &mut self.emails,
            &mut self.addresses,
            &mut self.orders,
            &mut self.customers,
            &mut self.jobs,
            &mut self.tickets,
            &mut self.callbacks,
            &mut self.commitments,
            &mut self.notes,
        ]
    }

    fn extend(&mut self, other: &Values) {
        for (mine, (_, theirs)) in self.kinds_mut().into_iter().zip(other.kinds()) {
            mine.extend(theirs.iter().cloned());
        }
    }

    /// What is in `self` and not in `seen`, labelled, with every written form of a phone.
    fn minus(&self, seen: &Values) -> Labelled {
        let mut out = Labelled::new();
        for ((what, all), (_, ok)) in self.kinds().into_iter().zip(seen.kinds()) {
            for v in all.difference(ok) {
                if what == "phone" {
                    for form in phone_forms(v) {
                        out.insert((what.to_string(), form));
                    }
                } else {
                    out.insert((what.to_string(), v.clone()));
                }
            }
        }
        out
    }
}

/// The E.164 value and the ways a server or console might write it out.
fn phone_forms(e164: &str) -> Vec<String> {
    let mut forms = vec![e164.to_string()];
    if let Ok(n) = phonenumber::parse(None, e164) {
        forms.push(n.format().mode(phonenumber::Mode::International).to_string());
        forms.push(n.format().mode(phonenumber::Mode::National).to_string());
        forms.push(n.national().value().to_string());
    }
    forms
}

/// The values of the one column `sql` selects (named `v` here, on either backend).
fn column(conn: &dyn Conn, sql: &str, params: &[&dyn ToParam]) -> BTreeSet<String> {
    let at = sql.find(" FROM ").expect("a SELECT … FROM");
    let sql = format!("{} AS v{}", &sql[..at], &sql[at..]);
    conn.all(&sql, params, |r| r.get::<Option<String>>("v"))
        .expect("query")
        .into_iter()
        .flatten()
        .collect()
}

/// Every value the database holds now.
fn everything(conn: &dyn Conn) -> Values {
    let c = |sql: &str| column(conn, sql, args![]);
    Values {
        names: &c("SELECT name FROM people") | &c("SELECT display_name FROM customers"),
        people: c("SELECT id FROM people"),
        phones: &c("SELECT value FROM contact_points WHERE kind = 'phone'") | &c("SELECT phone FROM callbacks"),
        emails: c("SELECT value FROM contact_points WHERE kind = 'email'"),
        addresses: &c("SELECT line1 FROM addresses") | &c("SELECT postcode FROM addresses"),
        orders: c("SELECT number FROM orders"),
        customers: &c("SELECT id FROM customers") | &c("SELECT number FROM customers"),
        jobs: &c("SELECT id FROM jobs") | &c("SELECT number FROM jobs"),
        tickets: &c("SELECT id FROM tickets") | &c("SELECT number FROM tickets"),
        callbacks: c("SELECT id FROM callbacks"),
        commitments: c("SELECT id FROM commitments"),
        notes: c("SELECT id FROM timeline WHERE kind = 'note'"),
    }
}

/// What partner `org` may see now, by the written rule (docs/security.md),
/// straight from the tables: its work is its jobs, the tickets it owns or that
/// are escalated to it, the callbacks it owns or that are on its jobs, and the
/// commitments it owns or that are on its jobs or tickets; the customers of that
/// work; of their people only those its jobs name as contact; of those people
/// only the kinds of contact data its fields allow (and, with `phone`, the
/// numbers its callbacks are to be made on); its jobs' addresses with
/// `address`; its jobs' orders with `orders`. Of the notes, its own, and the
/// others' shared ones about its jobs or tickets (an internal note stays with
/// the organisation that wrote it).
fn visible_to(conn: &dyn Conn, org: &str) -> Values {
    let fields: Vec<PartnerField> = serde_json::from_str(
        &conn
            .value::<String>(
                "SELECT visible_fields FROM orgs WHERE id = ?1",
                args![org],
                "visible_fields",
            )
            .expect("org"),
    )
    .expect("fields");
    let has = |f: PartnerField| fields.contains(&f);
    let c = |sql: &str| column(conn, sql, args![org]);
    const JOBS: &str = "SELECT id FROM jobs WHERE org_id = ?1";
    const TICKETS: &str = "SELECT id FROM tickets WHERE owner_org_id = ?1 OR escalated_org_id = ?1";
    let callbacks = format!("FROM callbacks WHERE owner_org_id = ?1 OR job_id IN ({JOBS})");
    let commitments =
        format!("FROM commitments WHERE owner_org_id = ?1 OR job_id IN ({JOBS}) OR ticket_id IN ({TICKETS})");
    let people = "SELECT contact_person_id FROM jobs WHERE org_id = ?1";
    let customers = format!(
        "SELECT customer_id FROM jobs WHERE org_id = ?1
         UNION SELECT customer_id FROM tickets WHERE id IN ({TICKETS})
         UNION SELECT customer_id {callbacks} UNION SELECT customer_id {commitments}"
    );
    let contact = |kind: &str| {
        c(&format!(
            "SELECT value FROM contact_points WHERE kind = '{kind}' AND person_id IN ({people})"
        ))
    };
    let mut v = Values {
        names: c(&format!("SELECT name FROM people WHERE id IN ({people})")),
        people: c(people),
        customers: &c(&format!("SELECT id FROM customers WHERE id IN ({customers})"))
            | &c(&format!("SELECT number FROM customers WHERE id IN ({customers})")),
        jobs: &c(JOBS) | &c("SELECT number FROM jobs WHERE org_id = ?1"),
        tickets: &c(TICKETS) | &c(&format!("SELECT number FROM tickets WHERE id IN ({TICKETS})")),
        callbacks: c(&format!("SELECT id {callbacks}")),
        commitments: c(&format!("SELECT id {commitments}")),
        notes: c(&format!(
            "SELECT id FROM timeline WHERE kind = 'note'
               AND (org_id = ?1 OR (visibility = 'shared' AND (job_id IN ({JOBS}) OR ticket_id IN ({TICKETS}))))"
        )),
        ..Values::default()
    };
    if has(PartnerField::Phone) {
        v.phones = &contact("phone") | &c(&format!("SELECT phone {callbacks}"));
    }
    if has(PartnerField::Email) {
        v.emails = contact("email");
    }
    if has(PartnerField::Address) {
        let of_jobs = "FROM addresses WHERE id IN (SELECT address_id FROM jobs WHERE org_id = ?1)";
        v.addresses = &c(&format!("SELECT line1 {of_jobs}")) | &c(&format!("SELECT postcode {of_jobs}"));
    }
    if has(PartnerField::Orders) {
        v.orders = c("SELECT number FROM orders WHERE id IN (SELECT order_id FROM jobs WHERE org_id = ?1)");
    }
    v
}

/// `needle` in `hay` as a whole token: not inside a longer word, number or id.
fn contains_token(hay: &str, needle: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    hay.match_indices(needle).any(|(at, _)| {
        let before = hay[..at].chars().next_back();
        let after = hay[at + needle.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

/// One request a partner made and the body it got back.
struct Seen {
    request: String,
    body: String,
}

/// Searches each response for each forbidden value, leaving out values the
/// request itself carried (an echo tells the caller nothing new).
fn leaks(seen: &[Seen], forbidden: &Labelled) -> Vec<String> {
    let mut out = Vec::new();
    for s in seen {
        for (what, value) in forbidden {
            if contains_token(&s.body, value) && !s.request.contains(value.as_str()) {
                let at = s.body.find(value.as_str()).unwrap_or(0);
                let from = s.body[..at].char_indices().rev().nth(80).map_or(0, |(i, _)| i);
                let to = s.body[at..]
                    .char_indices()
                    .nth(80 + value.chars().count())
                    .map_or(s.body.len(), |(i, _)| at + i);
                out.push(format!("{what} {value:?} in {}: …{}…", s.request, &s.body[from..to]));
            }
        }
    }
    out
}

/// The test's own picture of the data: every row id it may draw an edit from.
struct Pool {
    customers: Vec<String>,
    people: Vec<(String, String)>,
    contacts: Vec<(String, String, String, String, String)>,
    jobs: Vec<(String, String, String)>,
    tickets: Vec<(String, String, String)>,
    callbacks: Vec<(String, String)>,
    commitments: Vec<(String, String)>,
    orgs: Vec<String>,
    users: Vec<(String, String)>,
    webhooks: Vec<String>,
    imports: Vec<String>,
}

fn rows<T>(conn: &dyn Conn, sql: &str, f: impl FnMut(Row<'_>) -> Result<T, ServerError>) -> Vec<T> {
    conn.all(sql, args![], f).expect("query")
}

impl Pool {
    fn read(conn: &dyn Conn) -> Pool {
        Pool {
            customers: rows(conn, "SELECT id FROM customers WHERE merged_into IS NULL", |r| {
                r.get("id")
            }),
            people: rows(conn, "SELECT customer_id, id FROM people", |r| {
                Ok((r.get("customer_id")?, r.get("id")?))
            }),
            contacts: rows(
                conn,
                "SELECT p.customer_id, p.id AS person_id, cp.id, cp.value, cp.kind
                 FROM contact_points cp JOIN people p ON p.id = cp.person_id",
                |r| {
                    Ok((
                        r.get("customer_id")?,
                        r.get("person_id")?,
                        r.get("id")?,
                        r.get("value")?,
                        r.get("kind")?,
                    ))
                },
            ),
            jobs: rows(conn, "SELECT customer_id, id, status FROM jobs", |r| {
                Ok((r.get("customer_id")?, r.get("id")?, r.get("status")?))
            }),
            tickets: rows(conn, "SELECT customer_id, id, status FROM tickets", |r| {
                Ok((r.get("customer_id")?, r.get("id")?, r.get("status")?))
            }),
            callbacks: rows(conn, "SELECT customer_id, id FROM callbacks", |r| {
                Ok((r.get("customer_id")?, r.get("id")?))
            }),
            commitments: rows(conn, "SELECT customer_id, id FROM commitments", |r| {
                Ok((r.get("customer_id")?, r.get("id")?))
            }),
            orgs: rows(conn, "SELECT id FROM orgs", |r| r.get("id")),
            users: rows(conn, "SELECT id, org_id FROM users", |r| {
                Ok((r.get("id")?, r.get("org_id")?))
            }),
            webhooks: rows(conn, "SELECT id FROM webhooks", |r| r.get("id")),
            imports: rows(conn, "SELECT id FROM imports", |r| r.get("id")),
        }
    }
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T], customer: &str, key: impl Fn(&T) -> &str) -> Option<&'a T> {
    // Mostly an item of the chosen customer; sometimes any item at all (a foreign id).
    if rng.random_bool(0.8) {
        let own: Vec<&T> = items.iter().filter(|i| key(i) == customer).collect();
        if let Some(i) = own.choose(rng) {
            return Some(i);
        }
    }
    items.choose(rng)
}

/// A random intent, drawn from the ids the database holds (the caller's own
/// customers mostly, anyone's sometimes) and made-up values.
fn random_intent(rng: &mut StdRng, pool: &Pool, mine: &[String]) -> Value {
    let customer = if rng.random_bool(0.8) && !mine.is_empty() {
        mine.choose(rng).cloned()
    } else {
        pool.customers.choose(rng).cloned()
    }
    .unwrap_or_default();
    let c = customer.as_str();
    let person = pick(rng, &pool.people, c, |p| &p.0)
        .map(|p| p.1.clone())
        .unwrap_or_default();
    let contact = pick(rng, &pool.contacts, c, |p| &p.0).cloned().unwrap_or_default();
    let job = pick(rng, &pool.jobs, c, |p| &p.0).cloned().unwrap_or_default();
    let ticket = pick(rng, &pool.tickets, c, |p| &p.0).cloned().unwrap_or_default();
    let callback = pick(rng, &pool.callbacks, c, |p| &p.0)
        .map(|p| p.1.clone())
        .unwrap_or_default();
    let commitment = pick(rng, &pool.commitments, c, |p| &p.0)
        .map(|p| p.1.clone())
        .unwrap_or_default();
    let org = pool.orgs.choose(rng).cloned().unwrap_or_default();
    let user = pool
        .users
        .iter()
        .filter(|u| u.1 == org)
        .collect::<Vec<_>>()
        .choose(rng)
        .map(|u| u.0.clone());
    let id = || uuid::Uuid::new_v4().to_string();
    // A note's text carries its id, so finding the id finds the words.
    let note_id = id();
    let phone = format!("+447{}{:08}", rng.random_range(4..=9), rng.random_range(0..100_000_000));
    let email = format!("leak{}@example.net", rng.random_range(0..1_000_000));
    let new_value = if contact.4 == "email" {
        email.clone()
    } else {
        phone.clone()
    };
    let due = (chrono::Utc::now() + chrono::Duration::hours(rng.random_range(-30..60))).to_rfc3339();
    let job_statuses = [
        "scheduled",
        "en_route",
        "at_depot",
        "delayed",
        "completed",
        "failed",
        "cancelled",
    ];
    let status = *job_statuses.choose(rng).unwrap_or(&"scheduled");
    let item_kind = if rng.random_bool(0.5) { "callback" } else { "commitment" };
    let item_id = if item_kind == "callback" {
        &callback
    } else {
        &commitment
    };
    let purposes = ["appointments", "confirmations", "billing", "marketing"];
    let some_purposes: Vec<&str> = purposes.iter().copied().filter(|_| rng.random_bool(0.4)).collect();
    if rng.random_range(0..50) == 0 {
        // Rarely, an erasure: nothing of the erased customer may linger anywhere.
        return json!({"type": "erase_customer", "customer_id": c, "reason": "Customer's request"});
    }
    let start = chrono::Utc::now() + chrono::Duration::hours(rng.random_range(1..200));
    let (start, end) = (start.to_rfc3339(), (start + chrono::Duration::hours(2)).to_rfc3339());
    match rng.random_range(0..28) {
        0 | 1 => json!({"type": "set_contact_point", "customer_id": c, "person_id": contact.1,
                    "contact_point_id": contact.2, "value": new_value, "base_value": contact.3}),
        2 => json!({"type": "add_contact_point", "customer_id": c, "person_id": person, "contact_point_id": id(),
                    "kind": if rng.random_bool(0.5) { "email" } else { "phone" },
                    "label": if rng.random_bool(0.5) { "mobile" } else { "personal" },
                    "value": if rng.random_bool(0.5) { email.clone() } else { phone.clone() }, "purposes": some_purposes}),
        3 => json!({"type": "set_contact_preferences", "customer_id": c, "person_id": contact.1,
                    "contact_point_id": contact.2, "purposes": some_purposes, "preferred": rng.random_bool(0.5),
                    "consent": {"service": rng.random_bool(0.8), "marketing": rng.random_bool(0.3)}}),
        4 => json!({"type": "reassign_job", "customer_id": job.0, "job_id": job.1, "org_id": org}),
        5 | 6 => {
            json!({"type": "set_job_status", "customer_id": job.0, "job_id": job.1, "status": status, "base_status": job.2})
        }
        7 => json!({"type": "set_job_contact", "customer_id": job.0, "job_id": job.1, "person_id": person}),
        8 | 24 | 25 => {
            json!({"type": "add_note", "customer_id": c, "note_id": note_id, "text": format!("Note {note_id}"),
                    "job_id": rng.random_bool(0.5).then(|| job.1.clone()), "ticket_id": rng.random_bool(0.3).then(|| ticket.1.clone()),
                    "visibility": if rng.random_bool(0.5) { "internal" } else { "shared" }})
        }
        9 => json!({"type": "log_interaction", "customer_id": c, "interaction_id": id(), "channel": "phone",
                    "summary": "Customer rang about the visit", "job_id": rng.random_bool(0.5).then(|| job.1.clone()), "ticket_id": null}),
        10 => json!({"type": "open_ticket", "customer_id": c, "ticket_id": id(), "subject": "Visit went wrong",
                    "priority": "normal", "job_ids": if rng.random_bool(0.5) { vec![job.1.clone()] } else { vec![] }}),
        11 => json!({"type": "escalate_ticket", "customer_id": ticket.0, "ticket_id": ticket.1, "org_id": org,
                    "reason": "Please call the customer", "pause_reason": null}),
        12 => json!({"type": "set_ticket_status", "customer_id": ticket.0, "ticket_id": ticket.1,
                    "status": (["pending", "resolved", "closed", "open"].choose(rng)), "base_status": ticket.2}),
        13 | 14 => json!({"type": "schedule_callback", "customer_id": c, "callback_id": id(), "owner_org_id": org,
                    "owner_user_id": user, "person_id": rng.random_bool(0.7).then(|| person.clone()),
                    "phone": if rng.random_bool(0.5) && contact.4 == "phone" { contact.3.clone() } else { phone.clone() },
                    "request": "Call back about the visit", "due_at": due,
                    "job_id": rng.random_bool(0.6).then(|| job.1.clone()), "trigger": null}),
        15 => json!({"type": "record_callback_attempt", "customer_id": c, "callback_id": callback,
                    "outcome": (["reached", "no_answer", "left_message", "wrong_number"].choose(rng)), "note": ""}),
        16 => json!({"type": "record_commitment", "customer_id": c, "commitment_id": id(), "text": "Send the manual",
                    "due_at": due, "owner_org_id": org, "ticket_id": rng.random_bool(0.3).then(|| ticket.1.clone()),
                    "job_id": rng.random_bool(0.5).then(|| job.1.clone())}),
        17 => json!({"type": "resolve_commitment", "customer_id": c, "commitment_id": commitment,
                    "status": (["kept", "broken", "cancelled"].choose(rng))}),
        18 => json!({"type": "reassign_follow_up", "customer_id": c, "item": {"kind": item_kind, "id": item_id},
                    "owner_org_id": org, "owner_user_id": user}),
        19 => json!({"type": "reschedule_follow_up", "customer_id": c, "item": {"kind": item_kind, "id": item_id},
                    "due_at": due, "due_until": null}),
        20 | 21 => {
            json!({"type": "create_job", "customer_id": c, "job_id": id(), "org_id": org, "kind": "service_visit",
                    "summary": "Look at the aerial", "contact_person_id": person,
                    "appointment_start": start, "appointment_end": end})
        }
        22 => json!({"type": "reschedule_job", "customer_id": job.0, "job_id": job.1,
                    "appointment_start": start, "appointment_end": end, "reason": "Asked for later"}),
        23 => json!({"type": "cancel_job", "customer_id": job.0, "job_id": job.1, "reason": "Returned"}),
        _ if rng.random_bool(0.5) => json!({"type": "send_confirmation", "customer_id": c, "confirmation_id": id(),
                    "person_id": rng.random_bool(0.5).then(|| person.clone()), "template_id": "tpl_visit_booked"}),
        _ => json!({"type": "send_confirmation", "customer_id": c, "confirmation_id": id(),
                    "person_id": rng.random_bool(0.5).then(|| person.clone()), "text": "Your visit is booked"}),
    }
}

impl Api {
    async fn request(&self, token: &str, path: &str) -> Seen {
        self.request_as(token, path, None).await
    }

    /// A GET as a console of sync `protocol` makes it (the newest when `None`).
    async fn request_as(&self, token: &str, path: &str, protocol: Option<&str>) -> Seen {
        let mut req = self.http.get(self.url(path)).bearer_auth(token);
        if let Some(p) = protocol {
            req = req.header(baton_proto::PROTOCOL_HEADER, p);
        }
        let res = req.send().await.expect("get");
        assert!(
            res.status().is_success() || protocol.is_none(),
            "{path} as protocol {protocol:?}: {}",
            res.status()
        );
        Seen {
            // As the caller wrote it, so an echo of its own query is recognised.
            request: format!("GET {}", path.replace("%2B", "+").replace("%20", " ")),
            body: res.text().await.expect("body"),
        }
    }

    /// Every page of a list, following `next_cursor` (or `next_token`).
    async fn pages(&self, token: &str, path: &str, out: &mut Vec<Seen>) {
        self.pages_as(token, path, None, out).await
    }

    async fn pages_as(&self, token: &str, path: &str, protocol: Option<&str>, out: &mut Vec<Seen>) {
        let join = if path.contains('?') { '&' } else { '?' };
        let mut next: Option<String> = None;
        for _ in 0..500 {
            let url = match &next {
                None => path.to_string(),
                Some(c) if path.contains("/sync/snapshot") => format!("{path}{join}token={c}"),
                Some(c) => format!("{path}{join}cursor={c}"),
            };
            let seen = self.request_as(token, &url, protocol).await;
            let body: Value = serde_json::from_str(&seen.body).unwrap_or(Value::Null);
            out.push(seen);
            next = body["next_cursor"]
                .as_str()
                .or(body["next_token"].as_str())
                .map(|c| c.to_string());
            if next.is_none() {
                return;
            }
        }
        panic!("{path}: more than 500 pages");
    }
}

/// The sample values a query parameter is tried with.
fn samples(param: &Value, doc: &Value, pool: &Pool) -> Vec<String> {
    let name = param["name"].as_str().unwrap_or_default();
    let mut schema = &param["schema"];
    if let Some(r) = schema["$ref"].as_str() {
        schema = &doc["components"]["schemas"][r.trim_start_matches("#/components/schemas/")];
    }
    let enums: Vec<String> = schema["enum"]
        .as_array()
        .or(schema["oneOf"][0]["enum"].as_array())
        .map(|v| v.iter().filter_map(|e| e.as_str().map(String::from)).collect())
        .unwrap_or_default();
    match name {
        "owner_org" | "escalated_to" | "org" => pool.orgs.clone(),
        "owner_user" => pool.users.iter().map(|u| u.0.clone()).collect(),
        // Every customer, the partner's or not: a filter must not widen the scope.
        "customer" => pool.customers.clone(),
        "overdue" | "escalated" => vec!["true".into(), "false".into()],
        "due_before" => vec![(chrono::Utc::now() + chrono::Duration::days(30))
            .to_rfc3339()
            .replace('+', "%2B")],
        _ if !enums.is_empty() => enums,
        _ => Vec::new(),
    }
}

/// Everything partner `token` can read: every GET of the OpenAPI document.
async fn crawl(api: &Api, token: &str, doc: &Value, pool: &Pool, all: &Values) -> (Vec<Seen>, Vec<Seen>) {
    let mut current = Vec::new();
    let mut history = Vec::new();
    let paths = doc["paths"].as_object().expect("paths");
    for (path, ops) in paths {
        let Some(get) = ops.get("get") else { continue };
        let path = path.trim_start_matches("/v1");
        if path == "/sync/events" {
            // The stream's first event, a poke, is all it ever carries besides heartbeats.
            let res = api
                .http
                .get(api.url(path))
                .bearer_auth(token)
                .send()
                .await
                .expect("events");
            let mut stream = res.bytes_stream();
            let mut body = String::new();
            while !body.contains("\n\n") {
                match stream.next().await {
                    Some(Ok(chunk)) => body.push_str(&String::from_utf8_lossy(&chunk)),
                    _ => break,
                }
            }
            current.push(Seen {
                request: "GET /sync/events".into(),
                body,
            });
            continue;
        }
        // The feed and snapshots as consoles of both protocols read them: whole
        // documents (1), and state with history as its own records (2).
        if path == "/sync/changes" {
            for protocol in ["1", "2"] {
                let mut after = 0;
                loop {
                    let seen = api
                        .request_as(token, &format!("/sync/changes?after={after}&limit=50"), Some(protocol))
                        .await;
                    let body: Value = serde_json::from_str(&seen.body).expect("changes");
                    history.push(seen);
                    after = body["cursor"].as_i64().expect("cursor");
                    if body["has_more"] != true {
                        break;
                    }
                }
            }
            continue;
        }
        if path == "/sync/snapshot" {
            for protocol in ["1", "2"] {
                api.pages_as(token, "/sync/snapshot?limit=3", Some(protocol), &mut current)
                    .await;
            }
            continue;
        }
        if path == "/customers" {
            // No filter: everyone the caller may see, every page.
            api.pages(token, "/customers?limit=20", &mut current).await;
            for phone in &all.phones {
                api.pages(
                    token,
                    &format!("/customers?phone={}&limit=1", phone.replace('+', "%2B")),
                    &mut current,
                )
                .await;
            }
            for email in &all.emails {
                api.pages(token, &format!("/customers?email={email}&limit=1"), &mut current)
                    .await;
            }
            let words: BTreeSet<String> = all
                .names
                .iter()
                .flat_map(|n| n.split(' ').map(String::from).collect::<Vec<_>>())
                .filter(|w| w.chars().count() >= 2)
                .chain(all.orders.iter().cloned())
                .chain(all.customers.iter().filter(|c| c.starts_with("C-")).cloned())
                .chain(all.jobs.iter().filter(|c| c.starts_with("J-")).cloned())
                .collect();
            for w in words {
                api.pages(
                    token,
                    &format!("/customers?q={}&limit=1", w.replace(' ', "%20")),
                    &mut current,
                )
                .await;
            }
            continue;
        }
        if path.contains("{id}") {
            let ids: Vec<String> = if path.starts_with("/customers/") {
                pool.customers.clone()
            } else if path.starts_with("/jobs/") {
                pool.jobs.iter().map(|j| j.1.clone()).collect()
            } else if path.starts_with("/tickets/") {
                pool.tickets.iter().map(|j| j.1.clone()).collect()
            } else if path.starts_with("/callbacks/") {
                pool.callbacks.iter().map(|j| j.1.clone()).collect()
            } else if path.starts_with("/commitments/") {
                pool.commitments.iter().map(|j| j.1.clone()).collect()
            } else if path.starts_with("/orgs/") || path.starts_with("/admin/orgs/") {
                pool.orgs.clone()
            } else if path.starts_with("/admin/users/") {
                pool.users.iter().map(|u| u.0.clone()).collect()
            } else if path.starts_with("/admin/webhooks/") {
                pool.webhooks.clone()
            } else if path.starts_with("/imports/") {
                pool.imports.clone()
            } else {
                panic!("the leak test does not know the ids of {path}")
            };
            for id in ids {
                let p = path.replace("{id}", &id);
                if get["parameters"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p["name"] == "cursor"))
                {
                    api.pages(token, &format!("{p}?limit=2"), &mut current).await;
                } else if p.ends_with("/deliveries") {
                    // A webhook's log is history: what it was told then, judged
                    // against what it has ever been allowed to see.
                    history.push(api.request(token, &p).await);
                } else {
                    current.push(api.request(token, &p).await);
                }
            }
            continue;
        }
        let params: Vec<&Value> = get["parameters"]
            .as_array()
            .map(|ps| ps.iter().collect())
            .unwrap_or_default();
        let paged = params.iter().any(|p| p["name"] == "cursor");
        let base = if paged {
            format!("{path}?limit=2")
        } else {
            path.to_string()
        };
        if paged {
            api.pages(token, &base, &mut current).await;
        } else {
            current.push(api.request(token, &base).await);
        }
        for p in params {
            let name = p["name"].as_str().unwrap_or_default();
            if matches!(name, "cursor" | "limit") {
                continue;
            }
            let join = if base.contains('?') { '&' } else { '?' };
            for v in samples(p, doc, pool) {
                api.pages(token, &format!("{base}{join}{name}={v}"), &mut current).await;
            }
        }
    }
    (current, history)
}

async fn one_seed(seed: u64, steps: usize) {
    let api = Api::start_sized(30 + (seed as usize % 20)).await;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut tokens = BTreeMap::new();
    for user in STAFF.iter().chain(PARTNERS.iter().map(|p| &p.0)) {
        tokens.insert(*user, api.login(user).await);
    }
    // Each partner is crawled as its administrator, who reaches everything its
    // dispatchers do (the scope rule is the organisation's) and the admin
    // operations besides.
    let ada = api.login("ada").await;
    let mut crawlers = BTreeMap::new();
    for (_, org) in PARTNERS {
        crawlers.insert(org, api.invited(&ada, &format!("{org}-admin"), "admin", org).await);
        // Every event the partner may be told of is logged as a webhook delivery,
        // whose payloads the crawl then reads as that partner's admin.
        let (status, hook) = api
            .send(
                "POST",
                &ada,
                "/admin/webhooks",
                json!({"org_id": org, "url": format!("https://hooks.example.com/{org}"),
                       "events": ["job_status_changed", "callback_queued", "follow_up_overdue", "commitment_broken",
                                  "ticket_escalated", "confirmation_failed"]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{hook}");
    }
    // An import whose report names a refused row's value: the crawl reads
    // imports too (a partner's admin is refused them).
    let res = api
        .http
        .post(api.url("/imports?kind=customers"))
        .bearer_auth(&ada)
        .header("content-type", "text/csv")
        .body("external_ref,name,number\nLEAK-1,Imported Customer,\nLEAK-2,Number Taken,C-100001\n")
        .send()
        .await
        .expect("import");
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let import: Value = res.json().await.expect("import status");
    let location = format!("/imports/{}", import["id"].as_str().expect("id"));
    while api.get(&ada, &location).await.1["status"] == "running" {
        tokio::task::yield_now().await;
    }
    let mut all_ever = api.read(|c| Ok(everything(c))).await;
    let mut ever_seen: BTreeMap<&str, Values> = api
        .read(|c| Ok(PARTNERS.iter().map(|(_, org)| (*org, visible_to(c, org))).collect()))
        .await;
    let mut partner_sent: BTreeMap<&str, Vec<Seen>> = BTreeMap::new();

    for step in 0..steps {
        let pool = api.read(|c| Ok(Pool::read(c))).await;
        let users: Vec<&str> = STAFF.iter().copied().chain(PARTNERS.iter().map(|p| p.0)).collect();
        let user = *users.choose(&mut rng).expect("users");
        let partner = PARTNERS.iter().find(|p| p.0 == user).map(|p| p.1);
        let mine: Vec<String> = match partner {
            Some(org) => api
                .read(move |c| Ok(visible_to(c, org)))
                .await
                .customers
                .into_iter()
                .filter(|c| c.starts_with("cus_"))
                .collect(),
            None => pool.customers.clone(),
        };
        let intent = random_intent(&mut rng, &pool, &mine);
        let (status, body) = if step % 2 == 0 {
            api.mutate(&tokens[user], intent.clone()).await
        } else {
            let m = json!({"id": uuid::Uuid::new_v4(), "client_seq": step, "created_at": chrono::Utc::now(),
                           "intent": intent.clone()});
            api.push(&tokens[user], json!([m])).await
        };
        assert_eq!(status, StatusCode::OK, "seed {seed} step {step}: {intent} → {body}");
        // And says it is on the record, viewing or editing one of its contacts
        // (refused, unseen, where the record is not the user's to see).
        let contact = pool
            .contacts
            .iter()
            .find(|c| c.0 == intent["customer_id"])
            .map(|c| c.2.clone());
        let presence = json!({"customer_id": intent["customer_id"],
                              "activity": if rng.random_bool(0.5) { "editing" } else { "viewing" },
                              "contact_point_id": contact});
        api.send("PUT", &tokens[user], "/presence", presence).await;
        if let Some(org) = partner {
            partner_sent.entry(org).or_default().push(Seen {
                request: format!("intent {intent}"),
                body: body.to_string(),
            });
        }
        let (all_now, seen_now): (Values, Vec<Values>) = api
            .read(|c| {
                Ok((
                    everything(c),
                    PARTNERS.iter().map(|(_, org)| visible_to(c, org)).collect(),
                ))
            })
            .await;
        all_ever.extend(&all_now);
        for ((_, org), seen) in PARTNERS.iter().zip(&seen_now) {
            ever_seen.get_mut(org).expect("partner").extend(seen);
        }
    }

    let queued: i64 = api
        .read(|c| c.value("SELECT COUNT(*) AS n FROM webhook_deliveries", args![], "n"))
        .await;
    assert!(queued > 0, "the partners' webhooks were told of something to search");
    let doc: Value = serde_json::from_str(&api.request("", "/openapi.json").await.body).expect("openapi");
    let pool = api.read(|c| Ok(Pool::read(c))).await;
    let mut found = Vec::new();
    for (_, org) in PARTNERS {
        let now = api.read(move |c| Ok(visible_to(c, org))).await;
        let forbidden_now = all_ever.minus(&now);
        let never_seen = all_ever.minus(&ever_seen[org]);
        assert!(
            forbidden_now.iter().any(|(w, _)| w == "phone") && forbidden_now.iter().any(|(w, _)| w == "name"),
            "{org}: the test must have something to look for"
        );
        let (current, history) = crawl(&api, &crawlers[org], &doc, &pool, &all_ever).await;
        assert!(
            current.len() > 100,
            "{org}: the crawl reached {} responses",
            current.len()
        );
        found.extend(
            leaks(&current, &forbidden_now)
                .into_iter()
                .map(|l| format!("{org}: {l}")),
        );
        found.extend(leaks(&history, &never_seen).into_iter().map(|l| format!("{org}: {l}")));
        if let Some(sent) = partner_sent.get(org) {
            found.extend(leaks(sent, &forbidden_now).into_iter().map(|l| format!("{org}: {l}")));
        }
    }
    found.sort();
    found.dedup();
    let shown: Vec<&String> = found.iter().take(40).collect();
    assert!(
        found.is_empty(),
        "seed {seed}: {} leaks, the first:\n{}",
        found.len(),
        shown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n")
    );
}

#[tokio::test]
async fn no_partner_response_holds_a_value_the_rule_hides() {
    let seeds = env_usize("BATON_LEAK_SEEDS", 3) as u64;
    let steps = env_usize("BATON_LEAK_STEPS", 60);
    for seed in 0..seeds {
        one_seed(seed, steps).await;
    }
}

#[test]
fn tokens_are_whole() {
    assert!(contains_token("call +447946000202 now", "+447946000202"));
    assert!(!contains_token("\"cus_0000123\"", "cus_000012"));
    assert!(contains_token("\"cus_000012\"", "cus_000012"));
    assert!(!contains_token("O-3000012", "O-300001"));
    assert!(contains_token("(O-300001)", "O-300001"));
}

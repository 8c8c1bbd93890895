//! Reading whole documents from the normalised tables. Every loader takes a batch
//! of ids (a snapshot page, a list page) and runs one query per table.

use std::collections::HashMap;

use baton_proto::text::render;
use baton_proto::{
    Address, Callback, CallbackAttempt, CallbackTrigger, Commitment, Confirmation, Consent, ContactPoint, Customer,
    Escalation, EscalationLevel, Job, Order, Person, PersonRole, QueueEscalation, Sla, TextArg, Ticket, TimelineEntry,
};
use rusqlite::{params, Connection, Row};

use crate::error::ServerError;
use crate::wire::{from_json, parse, parse_opt_ts, parse_ts};

fn ids_json(ids: &[String]) -> String {
    serde_json::Value::from(ids.to_vec()).to_string()
}

/// Runs `sql` (whose `?1` is a JSON array of customer ids and whose first column is
/// the customer id) and groups the rows `f` makes by customer, in query order.
fn by_customer<T>(
    conn: &Connection,
    sql: &str,
    list: &str,
    f: impl Fn(&Row<'_>) -> Result<T, ServerError>,
) -> Result<HashMap<String, Vec<T>>, ServerError> {
    let mut out: HashMap<String, Vec<T>> = HashMap::new();
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query([list])?;
    while let Some(r) = rows.next()? {
        out.entry(r.get(0)?).or_default().push(f(r)?);
    }
    Ok(out)
}

fn take<T>(m: &mut HashMap<String, Vec<T>>, id: &str) -> Vec<T> {
    m.remove(id).unwrap_or_default()
}

/// Loads full (internal) customer documents for `ids`, in the order given;
/// unknown and merged-away ids are skipped.
pub fn load_customers(conn: &Connection, ids: &[String]) -> Result<Vec<Customer>, ServerError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = ids_json(ids);
    const IN: &str = "IN (SELECT value FROM json_each(?1))";

    let mut contacts = by_customer(
        conn,
        &format!(
            "SELECT cp.person_id, cp.id, cp.kind, cp.label, cp.value, cp.preferred, cp.updated_at, cp.updated_by,
                    cp.purposes, cp.consent_service, cp.consent_marketing
             FROM contact_points cp JOIN people p ON p.id = cp.person_id
             WHERE p.customer_id {IN} ORDER BY cp.person_id, cp.position"
        ),
        &list,
        |r| {
            Ok(ContactPoint {
                id: r.get(1)?,
                kind: parse("contact kind", &r.get::<_, String>(2)?)?,
                label: r.get(3)?,
                value: r.get(4)?,
                preferred: r.get(5)?,
                updated_at: parse_ts(&r.get::<_, String>(6)?)?,
                updated_by: r.get(7)?,
                purposes: from_json("purposes", &r.get::<_, String>(8)?)?,
                consent: Consent {
                    service: r.get(9)?,
                    marketing: r.get(10)?,
                },
            })
        },
    )?;
    let mut people = by_customer(
        conn,
        &format!(
            "SELECT customer_id, id, name, roles FROM people WHERE customer_id {IN} ORDER BY customer_id, position"
        ),
        &list,
        |r| {
            let id: String = r.get(1)?;
            let roles: Vec<PersonRole> = from_json("roles", &r.get::<_, String>(3)?)?;
            Ok(Person {
                id,
                name: r.get(2)?,
                roles,
                contacts: Vec::new(),
            })
        },
    )?;
    for person in people.values_mut().flatten() {
        person.contacts = contacts.remove(&person.id).unwrap_or_default();
    }
    let mut addresses = by_customer(
        conn,
        &format!(
            "SELECT customer_id, id, purpose, line1, line2, city, postcode FROM addresses
             WHERE customer_id {IN} ORDER BY customer_id, id"
        ),
        &list,
        |r| {
            Ok(Address {
                id: r.get(1)?,
                purpose: parse("address purpose", &r.get::<_, String>(2)?)?,
                line1: r.get(3)?,
                line2: r.get(4)?,
                city: r.get(5)?,
                postcode: r.get(6)?,
            })
        },
    )?;
    let mut orders = by_customer(
        conn,
        &format!(
            "SELECT customer_id, id, number, kind, status, placed_at, lines FROM orders
             WHERE customer_id {IN} ORDER BY customer_id, placed_at, id"
        ),
        &list,
        |r| {
            Ok(Order {
                id: r.get(1)?,
                number: r.get(2)?,
                kind: parse("order kind", &r.get::<_, String>(3)?)?,
                status: parse("order status", &r.get::<_, String>(4)?)?,
                placed_at: parse_ts(&r.get::<_, String>(5)?)?,
                lines: from_json("order lines", &r.get::<_, String>(6)?)?,
            })
        },
    )?;
    let mut tickets = by_customer(
        conn,
        &format!(
            "SELECT t.customer_id, t.id, t.number, t.subject, t.status, t.priority, t.owner_org_id, oo.name,
                    t.owner_user_id, ou.display_name, t.escalated_org_id, eo.name, t.escalated_at, t.escalated_by,
                    t.escalation_reason, t.first_response_due, t.first_response_at, t.resolution_due, t.resolved_at,
                    t.paused_since, t.pause_reason, t.paused_seconds, t.job_ids, t.created_at, t.created_by, t.updated_at
             FROM tickets t JOIN orgs oo ON oo.id = t.owner_org_id
             LEFT JOIN users ou ON ou.id = t.owner_user_id LEFT JOIN orgs eo ON eo.id = t.escalated_org_id
             WHERE t.customer_id {IN} ORDER BY t.customer_id, t.created_at, t.id"
        ),
        &list,
        ticket_from_row,
    )?;
    let mut callbacks = by_customer(
        conn,
        &format!(
            "SELECT c.customer_id, c.id, c.owner_org_id, o.name, c.owner_user_id, u.display_name, c.person_id,
                    c.phone, c.request, c.due_at, c.trigger, c.job_id, c.status, c.attempts, c.created_at,
                    c.created_by, c.updated_at, c.due_until, c.escalation_level, c.escalated_at, c.escalation_reason
             FROM callbacks c JOIN orgs o ON o.id = c.owner_org_id LEFT JOIN users u ON u.id = c.owner_user_id
             WHERE c.customer_id {IN} ORDER BY c.customer_id, c.created_at, c.id"
        ),
        &list,
        |r| {
            let trigger: Option<String> = r.get(10)?;
            let attempts: Vec<CallbackAttempt> = from_json("attempts", &r.get::<_, String>(13)?)?;
            Ok(Callback {
                id: r.get(1)?,
                owner_org_id: r.get(2)?,
                owner_org_name: r.get(3)?,
                owner_user_id: r.get(4)?,
                owner_name: r.get(5)?,
                person_id: r.get(6)?,
                phone: r.get(7)?,
                request: r.get(8)?,
                due_at: parse_opt_ts(r.get(9)?)?,
                trigger: trigger
                    .as_deref()
                    .map(|t| from_json::<CallbackTrigger>("trigger", t))
                    .transpose()?,
                job_id: r.get(11)?,
                status: parse("callback status", &r.get::<_, String>(12)?)?,
                attempts,
                created_at: parse_ts(&r.get::<_, String>(14)?)?,
                created_by: r.get(15)?,
                updated_at: parse_ts(&r.get::<_, String>(16)?)?,
                due_until: parse_opt_ts(r.get(17)?)?,
                escalation: escalation(r, 18)?,
            })
        },
    )?;
    let mut commitments = by_customer(
        conn,
        &format!(
            "SELECT c.customer_id, c.id, c.text, c.due_at, c.owner_org_id, o.name, c.owner_user_id, u.display_name,
                    c.ticket_id, c.job_id, c.status, c.created_at, c.created_by, c.resolved_at,
                    c.escalation_level, c.escalated_at, c.escalation_reason
             FROM commitments c JOIN orgs o ON o.id = c.owner_org_id LEFT JOIN users u ON u.id = c.owner_user_id
             WHERE c.customer_id {IN} ORDER BY c.customer_id, c.due_at, c.id"
        ),
        &list,
        |r| {
            Ok(Commitment {
                id: r.get(1)?,
                text: r.get(2)?,
                due_at: parse_ts(&r.get::<_, String>(3)?)?,
                owner_org_id: r.get(4)?,
                owner_org_name: r.get(5)?,
                owner_user_id: r.get(6)?,
                owner_name: r.get(7)?,
                ticket_id: r.get(8)?,
                job_id: r.get(9)?,
                status: parse("commitment status", &r.get::<_, String>(10)?)?,
                created_at: parse_ts(&r.get::<_, String>(11)?)?,
                created_by: r.get(12)?,
                resolved_at: parse_opt_ts(r.get(13)?)?,
                escalation: escalation(r, 14)?,
            })
        },
    )?;
    let mut confirmations = by_customer(
        conn,
        &format!(
            "SELECT customer_id, id, person_id, channel, recipient, summary, changed_by, org_id, at, status, attempts,
                    last_error, next_attempt_at, sent_at, summary_args
             FROM confirmations WHERE customer_id {IN} ORDER BY customer_id, at, rowid"
        ),
        &list,
        |r| {
            let channel: Option<String> = r.get(3)?;
            let summary_template: String = r.get(5)?;
            let summary_args: Vec<TextArg> = from_json("summary args", &r.get::<_, String>(14)?)?;
            Ok(Confirmation {
                id: r.get(1)?,
                person_id: r.get(2)?,
                channel: channel.as_deref().map(|c| parse("channel", c)).transpose()?,
                recipient: r.get(4)?,
                summary: render(&summary_template, &summary_args),
                summary_template,
                summary_args,
                changed_by: r.get(6)?,
                org_id: r.get(7)?,
                at: parse_ts(&r.get::<_, String>(8)?)?,
                status: parse("delivery status", &r.get::<_, String>(9)?)?,
                attempts: r.get(10)?,
                last_error: r.get(11)?,
                next_attempt_at: parse_opt_ts(r.get(12)?)?,
                sent_at: parse_opt_ts(r.get(13)?)?,
            })
        },
    )?;
    let mut timeline = by_customer(
        conn,
        &format!(
            "SELECT t.customer_id, t.id, t.at, t.kind, t.org_id, o.name, t.author, t.text, t.job_id, t.ticket_id, t.args
             FROM timeline t JOIN orgs o ON o.id = t.org_id
             WHERE t.customer_id {IN} ORDER BY t.customer_id, t.at, t.rowid"
        ),
        &list,
        |r| {
            let template: String = r.get(7)?;
            let args: Vec<TextArg> = from_json("timeline args", &r.get::<_, String>(10)?)?;
            Ok(TimelineEntry {
                id: r.get(1)?,
                at: parse_ts(&r.get::<_, String>(2)?)?,
                kind: parse("timeline kind", &r.get::<_, String>(3)?)?,
                org_id: r.get(4)?,
                org_name: r.get(5)?,
                author: r.get(6)?,
                text: render(&template, &args),
                template,
                args,
                job_id: r.get(8)?,
                ticket_id: r.get(9)?,
            })
        },
    )?;

    let mut by_id: HashMap<String, Customer> = HashMap::new();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT id, number, display_name, updated_at FROM customers WHERE id {IN} AND merged_into IS NULL AND erased_at IS NULL"
    ))?;
    let mut rows = stmt.query([&list])?;
    while let Some(r) = rows.next()? {
        let id: String = r.get(0)?;
        let updated_at: String = r.get(3)?;
        let customer = Customer {
            people: take(&mut people, &id),
            addresses: take(&mut addresses, &id),
            orders: take(&mut orders, &id),
            tickets: take(&mut tickets, &id),
            callbacks: take(&mut callbacks, &id),
            commitments: take(&mut commitments, &id),
            confirmations: take(&mut confirmations, &id),
            timeline: take(&mut timeline, &id),
            number: r.get(1)?,
            display_name: r.get(2)?,
            updated_at: parse_ts(&updated_at)?,
            id: id.clone(),
        };
        by_id.insert(id, customer);
    }
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// The escalation columns (level, at, reason) starting at column `i`.
fn escalation(r: &Row<'_>, i: usize) -> Result<Option<QueueEscalation>, ServerError> {
    let Some(level) = EscalationLevel::from_level(r.get(i)?) else {
        return Ok(None);
    };
    Ok(Some(QueueEscalation {
        level,
        at: parse_ts(&r.get::<_, Option<String>>(i + 1)?.unwrap_or_default())?,
        reason: r.get::<_, Option<String>>(i + 2)?.unwrap_or_default(),
    }))
}

fn ticket_from_row(r: &Row<'_>) -> Result<Ticket, ServerError> {
    let escalated_org: Option<String> = r.get(10)?;
    let escalation = match escalated_org {
        Some(org_id) => Some(Escalation {
            org_id,
            org_name: r.get::<_, Option<String>>(11)?.unwrap_or_default(),
            at: parse_ts(&r.get::<_, Option<String>>(12)?.unwrap_or_default())?,
            by: r.get::<_, Option<String>>(13)?.unwrap_or_default(),
            reason: r.get::<_, Option<String>>(14)?.unwrap_or_default(),
        }),
        None => None,
    };
    Ok(Ticket {
        id: r.get(1)?,
        number: r.get(2)?,
        subject: r.get(3)?,
        status: parse("ticket status", &r.get::<_, String>(4)?)?,
        priority: parse("priority", &r.get::<_, String>(5)?)?,
        owner_org_id: r.get(6)?,
        owner_org_name: r.get(7)?,
        owner_user_id: r.get(8)?,
        owner_name: r.get(9)?,
        escalation,
        sla: Sla {
            first_response_due: parse_ts(&r.get::<_, String>(15)?)?,
            first_response_at: parse_opt_ts(r.get(16)?)?,
            resolution_due: parse_ts(&r.get::<_, String>(17)?)?,
            resolved_at: parse_opt_ts(r.get(18)?)?,
            paused_since: parse_opt_ts(r.get(19)?)?,
            pause_reason: r.get(20)?,
            paused_seconds: r.get(21)?,
        },
        job_ids: from_json("job ids", &r.get::<_, String>(22)?)?,
        created_at: parse_ts(&r.get::<_, String>(23)?)?,
        created_by: r.get(24)?,
        updated_at: parse_ts(&r.get::<_, String>(25)?)?,
    })
}

fn job_from_row(r: &Row<'_>) -> Result<Job, ServerError> {
    Ok(Job {
        id: r.get(0)?,
        number: r.get(1)?,
        customer_id: r.get(2)?,
        org_id: r.get(3)?,
        org_name: r.get(4)?,
        kind: parse("job kind", &r.get::<_, String>(5)?)?,
        status: parse("job status", &r.get::<_, String>(6)?)?,
        summary: r.get(7)?,
        contact_person_id: r.get(8)?,
        address_id: r.get(9)?,
        appointment_start: parse_opt_ts(r.get(10)?)?,
        appointment_end: parse_opt_ts(r.get(11)?)?,
        updated_at: parse_ts(&r.get::<_, String>(12)?)?,
        order_id: r.get(13)?,
    })
}

const JOB_COLUMNS: &str = "j.id, j.number, j.customer_id, j.org_id, o.name, j.kind, j.status, j.summary,
     j.contact_person_id, j.address_id, j.appointment_start, j.appointment_end, j.updated_at, j.order_id";

fn jobs_where(conn: &Connection, condition: &str, args: impl rusqlite::Params) -> Result<Vec<Job>, ServerError> {
    let sql = format!("SELECT {JOB_COLUMNS} FROM jobs j JOIN orgs o ON o.id = j.org_id WHERE {condition}");
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(args)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(job_from_row(r)?);
    }
    Ok(out)
}

pub fn load_job(conn: &Connection, id: &str) -> Result<Option<Job>, ServerError> {
    Ok(jobs_where(conn, "j.id = ?1", [id])?.into_iter().next())
}

/// All jobs of a customer (any org).
pub fn jobs_of_customer(conn: &Connection, customer_id: &str) -> Result<Vec<Job>, ServerError> {
    jobs_where(conn, "j.customer_id = ?1 ORDER BY j.id", [customer_id])
}

/// A page of the jobs of partner `org` (every job when `org` is empty), optionally
/// only those in `status`, keyset-paged by id.
pub fn jobs_page(
    conn: &Connection,
    org: &str,
    status: Option<&str>,
    after: &str,
    limit: usize,
) -> Result<Vec<Job>, ServerError> {
    jobs_where(
        conn,
        "j.id > ?1 AND (?2 = '' OR j.org_id = ?2) AND (?4 IS NULL OR j.status = ?4) ORDER BY j.id LIMIT ?3",
        params![after, org, limit as i64, status],
    )
}

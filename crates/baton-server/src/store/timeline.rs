//! The timeline: what happened on a customer's record, oldest first.

use std::collections::HashMap;

use baton_proto::text::render;
use baton_proto::{TextArg, TimelineEntry};

use super::{grouped, Conn};
use crate::error::ServerError;

/// The timelines of the customers in the id list `list`, by customer.
pub fn for_customers(db: &dyn Conn, list: &str) -> Result<HashMap<String, Vec<TimelineEntry>>, ServerError> {
    select(db, "t.customer_id", list)
}

/// The entries with the ids in the id list `list`, by customer.
pub fn by_ids(db: &dyn Conn, list: &str) -> Result<HashMap<String, Vec<TimelineEntry>>, ServerError> {
    select(db, "t.id", list)
}

fn select(db: &dyn Conn, column: &str, list: &str) -> Result<HashMap<String, Vec<TimelineEntry>>, ServerError> {
    let sql = format!(
        "SELECT t.customer_id, t.id, t.at, t.kind, t.org_id, o.name AS org_name, t.author, t.text, t.job_id,
                t.ticket_id, t.args, t.visibility
         FROM timeline t JOIN orgs o ON o.id = t.org_id
         WHERE {column} IN {} ORDER BY t.customer_id, t.at, t.rowid",
        db.backend().ids_in(1)
    );
    grouped(db, &sql, list, "customer_id", |r| {
        let template: String = r.get("text")?;
        let args: Vec<TextArg> = r.json("args")?;
        Ok(TimelineEntry {
            id: r.get("id")?,
            at: r.ts("at")?,
            kind: r.parse("kind")?,
            org_id: r.get("org_id")?,
            org_name: r.get("org_name")?,
            author: r.get("author")?,
            text: render(&template, &args),
            visibility: r.parse("visibility")?,
            template,
            args,
            job_id: r.get("job_id")?,
            ticket_id: r.get("ticket_id")?,
        })
    })
}

/// An entry to append.
pub struct NewEntry<'a> {
    pub id: &'a str,
    pub customer_id: &'a str,
    pub at: &'a str,
    pub kind: baton_proto::TimelineKind,
    pub org_id: &'a str,
    pub author: &'a str,
    pub text: &'a baton_proto::Text,
    pub job_id: Option<&'a str>,
    pub ticket_id: Option<&'a str>,
    pub visibility: baton_proto::NoteVisibility,
}

pub fn append(db: &dyn Conn, e: &NewEntry<'_>) -> Result<(), ServerError> {
    db.execute(
        "INSERT INTO timeline (id, customer_id, at, kind, org_id, author, text, job_id, ticket_id, args, visibility)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        crate::args![
            e.id,
            e.customer_id,
            e.at,
            crate::wire::name(&e.kind),
            e.org_id,
            e.author,
            e.text.template,
            e.job_id,
            e.ticket_id,
            crate::wire::to_json(&e.text.args)?,
            e.visibility.as_str()
        ],
    )?;
    Ok(())
}

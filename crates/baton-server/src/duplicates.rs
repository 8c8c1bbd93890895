//! Likely duplicate customers: the same email address, the same phone number and
//! family name, or the same name at the same postcode. A phone number alone is
//! not enough — a household landline is shared by design — and people on the
//! same customer are never duplicates of each other.

use std::collections::BTreeMap;

use baton_proto::{DuplicateCandidate, DuplicateReason};
use rusqlite::Connection;

use crate::error::ServerError;

fn surname(name: &str) -> String {
    name.split_whitespace().last().unwrap_or_default().to_lowercase()
}

/// Other (unmerged) customers that are probably `customer_id`, with the reasons.
pub fn candidates(conn: &Connection, customer_id: &str) -> Result<Vec<DuplicateCandidate>, ServerError> {
    let mut found: BTreeMap<String, Vec<DuplicateReason>> = BTreeMap::new();
    let mut add = |id: String, reason: DuplicateReason| {
        let reasons = found.entry(id).or_default();
        if !reasons.contains(&reason) {
            reasons.push(reason);
        }
    };

    // Same contact value on another customer: email always counts, a phone only
    // with the same family name.
    let mut stmt = conn.prepare_cached(
        "SELECT c1.kind, p1.name, p2.customer_id, p2.name
         FROM people p1 JOIN contact_points c1 ON c1.person_id = p1.id
         JOIN contact_points c2 ON c2.value = c1.value AND c2.id <> c1.id
         JOIN people p2 ON p2.id = c2.person_id
         WHERE p1.customer_id = ?1 AND p2.customer_id <> ?1",
    )?;
    let mut rows = stmt.query([customer_id])?;
    while let Some(r) = rows.next()? {
        let kind: String = r.get(0)?;
        let (mine, theirs): (String, String) = (r.get(1)?, r.get(3)?);
        if kind == "email" {
            add(r.get(2)?, DuplicateReason::SameEmail);
        } else if surname(&mine) == surname(&theirs) {
            add(r.get(2)?, DuplicateReason::SamePhoneAndSurname);
        }
    }

    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT p2.customer_id
         FROM people p1 JOIN addresses a1 ON a1.customer_id = p1.customer_id
         JOIN people p2 ON p2.name = p1.name COLLATE NOCASE AND p2.customer_id <> p1.customer_id
         JOIN addresses a2 ON a2.customer_id = p2.customer_id AND a2.postcode = a1.postcode
         WHERE p1.customer_id = ?1",
    )?;
    let mut rows = stmt.query([customer_id])?;
    while let Some(r) = rows.next()? {
        add(r.get(0)?, DuplicateReason::SameNameAndPostcode);
    }

    let mut out = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT number, display_name FROM customers WHERE id = ?1 AND merged_into IS NULL AND erased_at IS NULL",
    )?;
    for (id, reasons) in found {
        let mut rows = stmt.query([&id])?;
        if let Some(r) = rows.next()? {
            out.push(DuplicateCandidate {
                number: r.get(0)?,
                display_name: r.get(1)?,
                customer_id: id.clone(),
                reasons,
            });
        }
    }
    Ok(out)
}

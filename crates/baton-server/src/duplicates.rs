//! Likely duplicate customers: the same email address, the same phone number and
//! family name, or the same name at the same postcode. A phone number alone is
//! not enough — a household landline is shared by design — and people on the
//! same customer are never duplicates of each other.

use std::collections::BTreeMap;

use baton_proto::{DuplicateCandidate, DuplicateReason};

use crate::error::ServerError;
use crate::store::{self, Conn};

fn surname(name: &str) -> String {
    name.split_whitespace().last().unwrap_or_default().to_lowercase()
}

/// Other (unmerged) customers that are probably `customer_id`, with the reasons.
pub fn candidates(conn: &dyn Conn, customer_id: &str) -> Result<Vec<DuplicateCandidate>, ServerError> {
    let mut found: BTreeMap<String, Vec<DuplicateReason>> = BTreeMap::new();
    let mut add = |id: String, reason: DuplicateReason| {
        let reasons = found.entry(id).or_default();
        if !reasons.contains(&reason) {
            reasons.push(reason);
        }
    };

    // Same contact value on another customer: email always counts, a phone only
    // with the same family name.
    for shared in store::customers::shared_contacts(conn, customer_id)? {
        if shared.kind == "email" {
            add(shared.other_customer_id, DuplicateReason::SameEmail);
        } else if surname(&shared.own_name) == surname(&shared.other_name) {
            add(shared.other_customer_id, DuplicateReason::SamePhoneAndSurname);
        }
    }
    for other in store::customers::same_name_and_postcode(conn, customer_id)? {
        add(other, DuplicateReason::SameNameAndPostcode);
    }

    let mut out = Vec::new();
    for (id, reasons) in found {
        if let Some((number, display_name)) = store::customers::label(conn, &id)? {
            out.push(DuplicateCandidate {
                number,
                display_name,
                customer_id: id,
                reasons,
            });
        }
    }
    Ok(out)
}

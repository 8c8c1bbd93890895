//! Contact points: a person's phone numbers and email addresses, with what each
//! is for and the customer's consent.

use baton_proto::{Consent, ContactKind, ContactPurpose};

use super::Conn;
use crate::args;
use crate::error::ServerError;
use crate::wire::{name, to_json};

/// A contact point to add, after the person's others.
pub struct NewContactPoint<'a> {
    pub id: &'a str,
    pub person_id: &'a str,
    pub kind: ContactKind,
    pub label: &'a str,
    /// Normalised: E.164 for a phone, lower case for an email.
    pub value: &'a str,
    pub preferred: bool,
    pub purposes: &'a [ContactPurpose],
    pub at: &'a str,
    pub by: &'a str,
}

pub fn insert(db: &dyn Conn, c: &NewContactPoint<'_>) -> Result<(), ServerError> {
    db.execute(
        "INSERT INTO contact_points (id, person_id, kind, label, value, preferred, updated_at, updated_by, position, purposes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,
                 (SELECT COALESCE(MAX(position), -1) + 1 FROM contact_points WHERE person_id = ?2), ?9)",
        args![
            c.id,
            c.person_id,
            name(&c.kind),
            c.label,
            c.value,
            c.preferred,
            c.at,
            c.by,
            to_json(&c.purposes)?
        ],
    )?;
    Ok(())
}

/// A new value for contact point `id`, by whom.
pub fn set_value(db: &dyn Conn, id: &str, value: &str, at: &str, by: &str) -> Result<(), ServerError> {
    db.execute(
        "UPDATE contact_points SET value = ?1, updated_at = ?2, updated_by = ?3 WHERE id = ?4",
        args![value, at, by, id],
    )?;
    Ok(())
}

/// What contact point `id` is for, whether it is the preferred one of its kind,
/// and the consent given; when preferred, the person's others of that kind stop being so.
#[allow(clippy::too_many_arguments)]
pub fn set_preferences(
    db: &dyn Conn,
    id: &str,
    person_id: &str,
    kind: ContactKind,
    purposes: &[ContactPurpose],
    preferred: bool,
    consent: Consent,
    at: &str,
    by: &str,
) -> Result<(), ServerError> {
    if preferred {
        db.execute(
            "UPDATE contact_points SET preferred = 0 WHERE person_id = ?1 AND kind = ?2 AND id <> ?3",
            args![person_id, name(&kind), id],
        )?;
    }
    db.execute(
        "UPDATE contact_points SET purposes = ?1, preferred = ?2, consent_service = ?3, consent_marketing = ?4,
                updated_at = ?5, updated_by = ?6 WHERE id = ?7",
        args![
            to_json(&purposes)?,
            preferred,
            consent.service,
            consent.marketing,
            at,
            by,
            id
        ],
    )?;
    Ok(())
}

//! Organisations: the retailer and its partners, with the customer fields each
//! partner's jobs need.

use baton_proto::{
    AdminOrg, BusinessCalendar, BusinessClock, OpenWorkItem, OpenWorkKind, Org, OrgKind, OrgProfile, PartnerField,
};

use super::Conn;
use crate::args;
use crate::error::ServerError;

/// Every organisation, the retailer first, then by name.
pub fn all(db: &dyn Conn) -> Result<Vec<OrgProfile>, ServerError> {
    db.all(
        "SELECT id, name, kind, visible_fields, calendar FROM orgs ORDER BY kind DESC, name",
        args![],
        |r| {
            Ok(OrgProfile {
                org: Org {
                    id: r.get("id")?,
                    name: r.get("name")?,
                    kind: r.parse("kind")?,
                },
                visible_fields: r.json("visible_fields")?,
                calendar: r.opt_json("calendar")?,
            })
        },
    )
}

/// An organisation's business hours (`None`: open around the clock).
pub fn calendar(db: &dyn Conn, id: &str) -> Result<Option<BusinessCalendar>, ServerError> {
    Ok(db
        .opt("SELECT calendar FROM orgs WHERE id = ?1", args![id], |r| {
            r.opt_json("calendar")
        })?
        .flatten())
}

/// The business clock of every organisation that has a calendar.
pub fn clocks(db: &dyn Conn) -> Result<std::collections::HashMap<String, BusinessClock>, ServerError> {
    let rows = db.all(
        "SELECT id, calendar FROM orgs WHERE calendar IS NOT NULL",
        args![],
        |r| Ok((r.get::<String>("id")?, r.json::<BusinessCalendar>("calendar")?)),
    )?;
    Ok(rows.into_iter().map(|(id, c)| (id, c.clock())).collect())
}

/// Sets or clears (`None`) an organisation's business hours, checked by the caller.
pub fn set_calendar(db: &dyn Conn, id: &str, calendar: Option<&BusinessCalendar>) -> Result<(), ServerError> {
    let json = calendar
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| ServerError::Internal(e.to_string()))?;
    db.execute("UPDATE orgs SET calendar = ?2 WHERE id = ?1", args![id, json])?;
    Ok(())
}

/// The customer fields `org`'s jobs need (none for an unknown org).
pub fn visible_fields(db: &dyn Conn, org: &str) -> Result<Vec<PartnerField>, ServerError> {
    Ok(db
        .opt("SELECT visible_fields FROM orgs WHERE id = ?1", args![org], |r| {
            r.json("visible_fields")
        })?
        .unwrap_or_default())
}

/// The ids of every partner organisation.
pub fn partner_ids(db: &dyn Conn) -> Result<std::collections::HashSet<String>, ServerError> {
    Ok(db
        .all("SELECT id FROM orgs WHERE kind = 'partner'", args![], |r| r.get("id"))?
        .into_iter()
        .collect())
}

/// The retailer organisation (the first, should there be several).
pub fn retailer(db: &dyn Conn) -> Result<Org, ServerError> {
    db.opt(
        "SELECT id, name, kind FROM orgs WHERE kind = 'retailer' ORDER BY id LIMIT 1",
        args![],
        |r| {
            Ok(Org {
                id: r.get("id")?,
                name: r.get("name")?,
                kind: r.parse("kind")?,
            })
        },
    )?
    .ok_or_else(|| ServerError::Internal("the database has no retailer organisation".into()))
}

/// An organisation's name and kind.
pub fn get(db: &dyn Conn, id: &str) -> Result<Option<Org>, ServerError> {
    db.opt("SELECT id, name, kind FROM orgs WHERE id = ?1", args![id], |r| {
        Ok(Org {
            id: r.get("id")?,
            name: r.get("name")?,
            kind: r.parse("kind")?,
        })
    })
}

/// The name of an organisation that must exist (one a stored row refers to).
pub fn name(db: &dyn Conn, id: &str) -> Result<String, ServerError> {
    get(db, id)?
        .map(|o| o.name)
        .ok_or_else(|| ServerError::Internal(format!("organisation '{id}' is referred to but missing")))
}

const ADMIN_SELECT: &str = "SELECT o.id, o.name, o.kind, o.visible_fields, o.callback_sla_minutes,
        o.commitment_sla_minutes, o.deactivated_at, o.calendar,
        (SELECT COUNT(*) FROM users u WHERE u.org_id = o.id AND u.disabled_at IS NULL
            AND NOT EXISTS (SELECT 1 FROM api_keys k WHERE k.user_id = u.id)) AS active_users
     FROM orgs o";

fn admin_from_row(r: super::Row<'_>) -> Result<AdminOrg, ServerError> {
    Ok(AdminOrg {
        org: Org {
            id: r.get("id")?,
            name: r.get("name")?,
            kind: r.parse("kind")?,
        },
        visible_fields: r.json("visible_fields")?,
        callback_sla_minutes: r.get("callback_sla_minutes")?,
        commitment_sla_minutes: r.get("commitment_sla_minutes")?,
        deactivated_at: r.opt_ts("deactivated_at")?,
        active_users: r.get("active_users")?,
        calendar: r.opt_json("calendar")?,
    })
}

/// Organisations as administrators see them: every one, or only `only`.
pub fn admin_list(db: &dyn Conn, only: Option<&str>) -> Result<Vec<AdminOrg>, ServerError> {
    db.all(
        &format!("{ADMIN_SELECT} WHERE (?1 IS NULL OR o.id = ?1) ORDER BY o.kind DESC, o.name, o.id"),
        args![only],
        admin_from_row,
    )
}

pub fn admin_get(db: &dyn Conn, id: &str) -> Result<Option<AdminOrg>, ServerError> {
    db.opt(&format!("{ADMIN_SELECT} WHERE o.id = ?1"), args![id], admin_from_row)
}

/// Whether any organisation exists (an initialised database has its retailer).
pub fn any(db: &dyn Conn) -> Result<bool, ServerError> {
    Ok(db
        .opt("SELECT id FROM orgs LIMIT 1", args![], |r| r.get::<String>("id"))?
        .is_some())
}

/// A new organisation.
pub fn insert(
    db: &dyn Conn,
    id: &str,
    name: &str,
    kind: OrgKind,
    visible_fields: &[PartnerField],
    callback_sla_minutes: Option<i64>,
    commitment_sla_minutes: Option<i64>,
) -> Result<(), ServerError> {
    let fields = serde_json::to_string(visible_fields).map_err(|e| ServerError::Internal(e.to_string()))?;
    let kind = match kind {
        OrgKind::Retailer => "retailer",
        OrgKind::Partner => "partner",
    };
    db.execute(
        "INSERT INTO orgs (id, name, kind, visible_fields, callback_sla_minutes, commitment_sla_minutes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        args![id, name, kind, fields, callback_sla_minutes, commitment_sla_minutes],
    )?;
    Ok(())
}

/// Writes an organisation's settings (the caller has merged the change into `org`).
pub fn update(db: &dyn Conn, org: &AdminOrg) -> Result<(), ServerError> {
    let fields = serde_json::to_string(&org.visible_fields).map_err(|e| ServerError::Internal(e.to_string()))?;
    let deactivated = org.deactivated_at.map(crate::wire::ts);
    db.execute(
        "UPDATE orgs SET name = ?2, visible_fields = ?3, callback_sla_minutes = ?4, commitment_sla_minutes = ?5,
                deactivated_at = ?6
         WHERE id = ?1",
        args![
            org.org.id.as_str(),
            org.org.name.as_str(),
            fields,
            org.callback_sla_minutes,
            org.commitment_sla_minutes,
            deactivated
        ],
    )?;
    Ok(())
}

/// An organisation's kind and whether it is active (None when there is none).
pub fn kind_and_active(db: &dyn Conn, id: &str) -> Result<Option<(OrgKind, bool)>, ServerError> {
    db.opt("SELECT kind, deactivated_at FROM orgs WHERE id = ?1", args![id], |r| {
        Ok((r.parse("kind")?, r.get::<Option<String>>("deactivated_at")?.is_none()))
    })
}

/// The work still open at `org`, to be given to someone else: its unfinished
/// jobs, queued callbacks, open promises and the tickets escalated to it.
pub fn open_work(db: &dyn Conn, org: &str) -> Result<Vec<OpenWorkItem>, ServerError> {
    let mut out = Vec::new();
    for (kind, sql) in [
        (
            OpenWorkKind::Job,
            "SELECT j.id, j.customer_id, c.display_name AS customer_name, j.summary, j.appointment_start AS due_at
             FROM jobs j JOIN customers c ON c.id = j.customer_id
             WHERE j.org_id = ?1 AND j.status NOT IN ('completed', 'cancelled', 'failed')
             ORDER BY j.appointment_start, j.id",
        ),
        (
            OpenWorkKind::Callback,
            "SELECT i.id, i.customer_id, c.display_name AS customer_name, i.request AS summary, i.due_at
             FROM callbacks i JOIN customers c ON c.id = i.customer_id
             WHERE i.owner_org_id = ?1 AND i.status = 'queued' ORDER BY i.due_at, i.id",
        ),
        (
            OpenWorkKind::Commitment,
            "SELECT i.id, i.customer_id, c.display_name AS customer_name, i.text AS summary, i.due_at
             FROM commitments i JOIN customers c ON c.id = i.customer_id
             WHERE i.owner_org_id = ?1 AND i.status = 'open' ORDER BY i.due_at, i.id",
        ),
        (
            OpenWorkKind::Ticket,
            "SELECT t.id, t.customer_id, c.display_name AS customer_name, t.subject AS summary,
                    NULL AS due_at
             FROM tickets t JOIN customers c ON c.id = t.customer_id
             WHERE t.escalated_org_id = ?1 AND t.status IN ('open', 'pending')
             ORDER BY t.id",
        ),
    ] {
        out.extend(db.all(sql, args![org], |r| {
            Ok(OpenWorkItem {
                kind,
                id: r.get("id")?,
                customer_id: r.get("customer_id")?,
                customer_name: r.get("customer_name")?,
                summary: r.get("summary")?,
                due_at: r.opt_ts("due_at")?,
            })
        })?);
    }
    Ok(out)
}

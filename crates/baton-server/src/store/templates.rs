//! Confirmation templates: what anyone may send a customer in the retailer's words.

use baton_proto::ConfirmationTemplate;

use super::Conn;
use crate::args;
use crate::error::ServerError;

/// Every template, by name.
pub fn all(db: &dyn Conn) -> Result<Vec<ConfirmationTemplate>, ServerError> {
    db.all(
        "SELECT id, name, body FROM confirmation_templates ORDER BY name, id",
        args![],
        |r| {
            Ok(ConfirmationTemplate {
                id: r.get("id")?,
                name: r.get("name")?,
                body: r.get("body")?,
            })
        },
    )
}

/// The body of template `id`, if there is one.
pub fn body(db: &dyn Conn, id: &str) -> Result<Option<String>, ServerError> {
    db.opt(
        "SELECT body FROM confirmation_templates WHERE id = ?1",
        args![id],
        |r| r.get("body"),
    )
}

/// Adds a template, or rewords the one with the same id.
pub fn put(db: &dyn Conn, t: &ConfirmationTemplate, at: &str, by_user: &str) -> Result<(), ServerError> {
    db.execute(
        "INSERT INTO confirmation_templates (id, name, body, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, body = excluded.body,
             updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        args![t.id, t.name, t.body, at, by_user],
    )?;
    Ok(())
}

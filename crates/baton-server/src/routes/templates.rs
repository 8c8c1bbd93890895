//! The retailer's confirmation templates: what anyone may send a customer in
//! the retailer's words (and all a partner may send).

use axum::extract::State;
use baton_proto::validate::{self, MAX_SHORT, MAX_TEXT};
use baton_proto::{ConfirmationTemplate, Role};
use rusqlite::params;

use crate::auth::AuthUser;
use crate::docs::Scope;
use crate::error::{ApiJson, ServerError};
use crate::AppState;

/// The retailer's confirmation templates, by name.
#[utoipa::path(get, path = "/v1/confirmation-templates", tag = "orgs",
    responses((status = 200, description = "Templates anyone may send", body = Vec<ConfirmationTemplate>),
              (status = 401, description = "Not signed in", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    _caller: AuthUser,
) -> Result<ApiJson<Vec<ConfirmationTemplate>>, ServerError> {
    let found = state.db.read(|tx| all(tx)).await?;
    Ok(ApiJson(found))
}

pub fn all(conn: &rusqlite::Connection) -> Result<Vec<ConfirmationTemplate>, ServerError> {
    let mut stmt = conn.prepare_cached("SELECT id, name, body FROM confirmation_templates ORDER BY name, id")?;
    let rows = stmt.query_map([], |r| {
        Ok(ConfirmationTemplate {
            id: r.get("id")?,
            name: r.get("name")?,
            body: r.get("body")?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Adds a template, or rewords one with the same id (retailer supervisors). Audited.
#[utoipa::path(post, path = "/v1/confirmation-templates", tag = "orgs", request_body = ConfirmationTemplate,
    responses((status = 200, description = "The template as stored", body = ConfirmationTemplate),
              (status = 401, description = "Not signed in", body = baton_proto::ApiError),
              (status = 403, description = "Only the retailer's supervisors word templates", body = baton_proto::ApiError),
              (status = 422, description = "A missing or oversized field", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn put(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(t): ApiJson<ConfirmationTemplate>,
) -> Result<ApiJson<ConfirmationTemplate>, ServerError> {
    if caller.scope() != Scope::Internal || caller.user.role != Role::Supervisor {
        return Err(ServerError::forbidden(
            "only the retailer's supervisors word confirmation templates",
        ));
    }
    validate::id("id", &t.id)?;
    let t = ConfirmationTemplate {
        name: validate::text("name", &t.name, MAX_SHORT)?,
        body: validate::text("body", &t.body, MAX_TEXT)?,
        id: t.id,
    };
    let at = crate::wire::ts(state.now());
    let stored = t.clone();
    state
        .db
        .write(move |tx| {
            let before: Option<String> = tx
                .query_row("SELECT body FROM confirmation_templates WHERE id = ?1", [&t.id], |r| {
                    r.get(0)
                })
                .ok();
            tx.execute(
                "INSERT INTO confirmation_templates (id, name, body, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(id) DO UPDATE SET name = excluded.name, body = excluded.body,
                     updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                params![t.id, t.name, t.body, at, caller.user.id],
            )?;
            tx.execute(
                "INSERT INTO audit_log (at, user_id, org_id, action, entity, entity_id, before, after)
                 VALUES (?1, ?2, ?3, 'set_confirmation_template', 'confirmation_template', ?4, ?5, ?6)",
                params![at, caller.user.id, caller.user.org.id, t.id, before, t.body],
            )?;
            Ok(())
        })
        .await?;
    Ok(ApiJson(stored))
}

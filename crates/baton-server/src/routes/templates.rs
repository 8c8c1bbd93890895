//! The retailer's confirmation templates: what anyone may send a customer in
//! the retailer's words (and all a partner may send).

use axum::extract::State;
use baton_proto::validate::{self, MAX_SHORT, MAX_TEXT};
use baton_proto::ConfirmationTemplate;

use crate::auth::AuthUser;
use crate::docs::Scope;
use crate::error::{ApiJson, ServerError};
use crate::{store, AppState};

/// The retailer's confirmation templates, by name.
#[utoipa::path(get, operation_id = "confirmation_templates", path = "/v1/confirmation-templates", tag = "orgs",
    responses((status = 200, description = "Templates anyone may send", body = Vec<ConfirmationTemplate>),
              (status = 401, description = "Not signed in", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    _caller: AuthUser,
) -> Result<ApiJson<Vec<ConfirmationTemplate>>, ServerError> {
    let found = state.db.read(|tx| store::templates::all(tx)).await?;
    Ok(ApiJson(found))
}

/// Adds a template, or rewords one with the same id (retailer supervisors). Audited.
#[utoipa::path(post, operation_id = "put_confirmation_template", path = "/v1/confirmation-templates", tag = "orgs", request_body = ConfirmationTemplate,
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
    if caller.scope() != Scope::Internal || !caller.user.role.supervises() {
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
            let before = store::templates::body(tx, &t.id)?;
            store::templates::put(tx, &t, &at, &caller.user.id)?;
            store::audit::append(
                tx,
                &store::audit::NewEntry {
                    at: &at,
                    user_id: &caller.user.id,
                    org_id: &caller.user.org.id,
                    action: "set_confirmation_template",
                    entity: "confirmation_template",
                    entity_id: &t.id,
                    before: before.as_deref(),
                    after: &t.body,
                    customer_id: None,
                },
            )?;
            Ok(())
        })
        .await?;
    Ok(ApiJson(stored))
}

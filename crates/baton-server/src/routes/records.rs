//! Direct reads of one document, scoped exactly like the sync feed.

use axum::extract::State;
use baton_proto::{Customer, Job};

use crate::auth::AuthUser;
use crate::docs::{self, Scope};
use crate::error::{ApiJson, ApiPath, ServerError};
use crate::AppState;

fn check_id(id: &str) -> Result<(), ServerError> {
    if id.is_empty() || id.len() > 100 {
        return Err(ServerError::bad_request("id must be 1 to 100 characters"));
    }
    Ok(())
}

pub async fn customer(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<Customer>, ServerError> {
    check_id(&id)?;
    let scope = caller.scope();
    let found = state
        .db
        .read(move |tx| {
            let Some(full) = docs::load_customers(tx, &[id])?.into_iter().next() else {
                return Ok(None);
            };
            docs::customer_for_scope(tx, &scope, &full)
        })
        .await?;
    // Out of scope and missing look the same: a partner learns nothing from an id.
    found.map(ApiJson).ok_or_else(|| ServerError::not_found("customer"))
}

pub async fn job(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<Job>, ServerError> {
    check_id(&id)?;
    let scope = caller.scope();
    let found = state.db.read(move |tx| docs::load_job(tx, &id)).await?;
    match (found, scope) {
        (Some(job), Scope::Internal) => Ok(ApiJson(job)),
        (Some(job), Scope::Org(org)) if job.org_id == org => Ok(ApiJson(job)),
        _ => Err(ServerError::not_found("job")),
    }
}

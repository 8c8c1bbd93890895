//! Presence: who else is on a record right now. A console says so while the
//! record is on screen; anyone who may see the record asks who else is there.
//! What one learns of the others goes through the scope rule: a partner sees
//! its own people and the retailer's, never another partner's (that would tell
//! it who else works for the customer), and what someone is editing only when
//! it may see that contact itself.

use axum::extract::State;
use axum::http::StatusCode;
use baton_proto::{OrgKind, Presence, PresenceActivity, PresenceUpdate, PRESENCE_TTL_SECONDS};

use super::list::check_id;
use crate::auth::AuthUser;
use crate::docs::{self, Scope};
use crate::error::{ApiJson, ApiPath, ServerError};
use crate::wire::ts;
use crate::{store, AppState};

/// Says the caller is on a record (viewing, editing a contact) or has left it.
/// Renewed every few seconds by the console; it lapses after 45 s without.
#[utoipa::path(put, path = "/v1/presence", tag = "customers", request_body = PresenceUpdate,
    responses((status = 204, description = "Recorded"),
              (status = 401, description = "Not signed in", body = baton_proto::ApiError),
              (status = 404, description = "No such customer, or not visible to the caller", body = baton_proto::ApiError),
              (status = 422, description = "Not a presence update", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn put_presence(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(update): ApiJson<PresenceUpdate>,
) -> Result<StatusCode, ServerError> {
    check_id(&update.customer_id)?;
    if let Some(cp) = &update.contact_point_id {
        check_id(cp)?;
    }
    let now = state.now();
    let (at, until) = (ts(now), ts(now + chrono::Duration::seconds(PRESENCE_TTL_SECONDS)));
    let scope = caller.scope();
    let user = caller.user.id.clone();
    state
        .db
        .write(move |tx| {
            let customer = docs::visible_customer(tx, &scope, &update.customer_id)?;
            store::presence::clear_lapsed(tx, &at)?;
            match update.activity {
                PresenceActivity::Left => store::presence::remove(tx, &customer.id, &user),
                activity => {
                    // Only a contact the caller can see is one it can be editing.
                    let editing = update
                        .contact_point_id
                        .as_deref()
                        .filter(|cp| activity == PresenceActivity::Editing && contact_name(&customer, cp).is_some());
                    store::presence::put(tx, &customer.id, &user, activity, editing, &at, &until)
                }
            }
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who else is on this record now, as the caller may know of them.
#[utoipa::path(get, path = "/v1/customers/{id}/presence", tag = "customers",
    params(("id" = String, Path, description = "Customer id")),
    responses((status = 200, description = "The others on the record, earliest first", body = Vec<Presence>),
              (status = 401, description = "Not signed in", body = baton_proto::ApiError),
              (status = 404, description = "No such customer, or not visible to the caller", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn presence_on_customer(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<Vec<Presence>>, ServerError> {
    check_id(&id)?;
    let now = ts(state.now());
    let scope = caller.scope();
    let me = caller.user.id.clone();
    let found = state
        .db
        .read(move |tx| {
            let customer = docs::visible_customer(tx, &scope, &id)?;
            let rows = store::presence::on(tx, &customer.id, &me, &now)?;
            Ok(rows
                .into_iter()
                .filter(|r| match &scope {
                    Scope::Internal => true,
                    Scope::Org(own) => &r.org_id == own || r.org_kind == OrgKind::Retailer,
                })
                .map(|r| Presence {
                    editing: r.contact_point_id.as_deref().and_then(|cp| contact_name(&customer, cp)),
                    user_id: r.user_id,
                    name: r.name,
                    org_id: r.org_id,
                    org_name: r.org_name,
                    activity: r.activity,
                    since: r.since,
                })
                .collect())
        })
        .await?;
    Ok(ApiJson(found))
}

/// "Margaret Hughes's mobile", for a contact point of `customer` (as the viewer sees it).
fn contact_name(customer: &baton_proto::Customer, contact_point_id: &str) -> Option<String> {
    customer.people.iter().find_map(|p| {
        p.contacts
            .iter()
            .find(|c| c.id == contact_point_id)
            .map(|c| format!("{}'s {}", p.name, c.label))
    })
}

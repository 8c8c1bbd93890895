//! Organisations, partner scorecards, and single intent mutations.

use axum::extract::State;
use baton_proto::{MutationRequest, MutationResult, OrgKind, OrgProfile, Scorecard};

use super::list::check_id;
use crate::auth::AuthUser;
use crate::docs::Scope;
use crate::error::{ApiJson, ApiPath, ApiQuery, ServerError};
use crate::{mutations, store, AppState};

/// The organisations on customers' journeys. A partner sees the retailer and itself.
#[utoipa::path(get, path = "/v1/orgs", tag = "orgs",
    responses((status = 200, description = "Organisations, with the customer fields each partner's jobs need", body = Vec<OrgProfile>)),
    security(("bearer" = [])))]
pub async fn orgs(State(state): State<AppState>, caller: AuthUser) -> Result<ApiJson<Vec<OrgProfile>>, ServerError> {
    let scope = caller.scope();
    let found = state.db.read(|tx| store::orgs::all(tx)).await?;
    // A partner sees the retailer and itself.
    let found = found
        .into_iter()
        .filter(|o| match &scope {
            Scope::Org(own) => o.org.kind != OrgKind::Partner || own == &o.org.id,
            Scope::Internal => true,
        })
        .collect();
    Ok(ApiJson(found))
}

/// The period a scorecard covers.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScorecardQuery {
    /// Outcomes of the last this many days (1 to 3660); all time without.
    days: Option<i64>,
}

/// A partner's figures: jobs, feedback (CSAT, NPS), callbacks kept on time,
/// commitments, escalations. The retailer sees every partner's; a partner its own.
#[utoipa::path(get, path = "/v1/orgs/{id}/scorecard", tag = "orgs",
    params(("id" = String, Path, description = "Partner organisation id"), ScorecardQuery),
    responses((status = 200, description = "The partner's scorecard", body = Scorecard),
              (status = 404, description = "No such partner, or not the caller's", body = baton_proto::ApiError),
              (status = 422, description = "A period that is not 1 to 3660 days", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn scorecard(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<ScorecardQuery>,
) -> Result<ApiJson<Scorecard>, ServerError> {
    check_id(&id)?;
    let since = match q.days {
        None => None,
        Some(d) if (1..=3660).contains(&d) => Some(state.now() - chrono::Duration::days(d)),
        Some(_) => return Err(ServerError::bad_request("days must be between 1 and 3660")),
    };
    if caller.scope().org().is_some_and(|own| own != id) {
        return Err(ServerError::not_found("organisation"));
    }
    let now = crate::wire::ts(state.now());
    let found = state
        .db
        .read(move |tx| store::scorecards::for_org(tx, &id, &now, since))
        .await?;
    found.map(ApiJson).ok_or_else(|| ServerError::not_found("organisation"))
}

/// Applies one intent mutation. Idempotent by `id`: sending the same id again
/// returns the recorded result and changes nothing. A refused edit is answered
/// `200` with `outcome: rejected` and its `{code, message}`, exactly as
/// `/v1/sync/push` records it.
#[utoipa::path(post, path = "/v1/mutations", tag = "mutations", request_body = MutationRequest,
    responses((status = 200, description = "Applied (with the feed seq) or rejected (with code and message)", body = MutationResult),
              (status = 422, description = "The body is not a mutation", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn mutate(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(req): ApiJson<MutationRequest>,
) -> Result<ApiJson<MutationResult>, ServerError> {
    let m = baton_proto::Mutation {
        id: req.id,
        client_seq: 0,
        created_at: state.now(),
        intent: req.intent,
    };
    mutations::apply(&state, &caller, uuid::Uuid::nil(), vec![m])
        .await?
        .into_iter()
        .next()
        .map(ApiJson)
        .ok_or_else(|| ServerError::Internal("a mutation went unanswered".into()))
}

//! Organisations, partner scorecards, and single intent mutations.

use axum::extract::State;
use baton_proto::{MutationRequest, MutationResult, OrgKind, OrgProfile, Scorecard, ScorecardFigure, ScorecardItems};

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

/// The period a scorecard covers: the last `days`, or from `since` to `until`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScorecardQuery {
    /// Outcomes of the last this many days (1 to 3660); all time without.
    #[param(minimum = 1, maximum = 3660)]
    days: Option<i64>,
    /// Outcomes from this instant (RFC 3339); with `days` too, the later start.
    since: Option<chrono::DateTime<chrono::Utc>>,
    /// Outcomes before this instant (RFC 3339); up to now without.
    until: Option<chrono::DateTime<chrono::Utc>>,
}

impl ScorecardQuery {
    /// The period the filters give. Each narrows it: with `days` and `since`
    /// the later start counts, and a period that ends before it starts holds
    /// no outcome (its figures are zero, open work is as of now).
    fn period(&self, now: chrono::DateTime<chrono::Utc>) -> Result<store::scorecards::Period, ServerError> {
        let by_days = match self.days {
            Some(d) if (1..=3660).contains(&d) => Some(now - chrono::Duration::days(d)),
            Some(_) => return Err(ServerError::bad_request("days must be between 1 and 3660")),
            None => None,
        };
        let since = by_days.max(self.since);
        Ok(store::scorecards::Period {
            since,
            until: self.until,
        })
    }
}

/// The partner `id` if the caller may see its figures: the retailer any
/// partner's, a partner its own (anything else is the same 404).
fn check_reach(caller: &AuthUser, id: &str) -> Result<(), ServerError> {
    check_id(id)?;
    if caller.scope().org().is_some_and(|own| own != id) {
        return Err(ServerError::not_found("organisation"));
    }
    Ok(())
}

/// A partner's figures: jobs, feedback (CSAT, NPS, re-asked details),
/// callbacks kept on time, commitments, escalations, the time to propagate a
/// change. The retailer sees every partner's; a partner its own.
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
    let period = q.period(state.now())?;
    check_reach(&caller, &id)?;
    let now = crate::wire::ts(state.now());
    let found = state
        .db
        .read(move |tx| store::scorecards::for_org(tx, &id, &now, period))
        .await?;
    found.map(ApiJson).ok_or_else(|| ServerError::not_found("organisation"))
}

/// Which figure to open, for which period (as for the scorecard).
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ItemsQuery {
    /// The figure whose items to list.
    figure: ScorecardFigure,
    /// Outcomes of the last this many days (1 to 3660); all time without.
    #[param(minimum = 1, maximum = 3660)]
    days: Option<i64>,
    /// Outcomes from this instant (RFC 3339); with `days` too, the later start.
    since: Option<chrono::DateTime<chrono::Utc>>,
    /// Outcomes before this instant (RFC 3339); up to now without.
    until: Option<chrono::DateTime<chrono::Utc>>,
}

/// The items behind one figure of a partner's scorecard, newest first: the jobs,
/// callbacks, promises, tickets or ratings it counts, each on its customer.
/// The same for the retailer and the partner.
#[utoipa::path(get, path = "/v1/orgs/{id}/scorecard/items", tag = "orgs",
    params(("id" = String, Path, description = "Partner organisation id"), ItemsQuery),
    responses((status = 200, description = "The figure's items", body = ScorecardItems),
              (status = 404, description = "No such partner, or not the caller's", body = baton_proto::ApiError),
              (status = 422, description = "An unknown figure or a period as for the scorecard", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn scorecard_items(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<ItemsQuery>,
) -> Result<ApiJson<ScorecardItems>, ServerError> {
    let period = ScorecardQuery {
        days: q.days,
        since: q.since,
        until: q.until,
    }
    .period(state.now())?;
    check_reach(&caller, &id)?;
    let now = crate::wire::ts(state.now());
    let found = state
        .db
        .read(move |tx| store::scorecards::items(tx, &id, &now, period, q.figure))
        .await?;
    found.map(ApiJson).ok_or_else(|| ServerError::not_found("organisation"))
}

/// How many weeks a trend covers.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrendQuery {
    /// Weeks, 2 to 52 (12 by default).
    #[param(minimum = 2, maximum = 52)]
    weeks: Option<u32>,
}

/// A partner's scorecard week by week, oldest first, the last week ending now:
/// each point covers its week's outcomes. The same for the retailer and the partner.
#[utoipa::path(get, path = "/v1/orgs/{id}/scorecard/trend", tag = "orgs",
    params(("id" = String, Path, description = "Partner organisation id"), TrendQuery),
    responses((status = 200, description = "One scorecard per week, oldest first", body = Vec<Scorecard>),
              (status = 404, description = "No such partner, or not the caller's", body = baton_proto::ApiError),
              (status = 422, description = "Weeks not 2 to 52", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn scorecard_trend(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<TrendQuery>,
) -> Result<ApiJson<Vec<Scorecard>>, ServerError> {
    let weeks = q.weeks.unwrap_or(12);
    if !(2..=52).contains(&weeks) {
        return Err(ServerError::bad_request("weeks must be between 2 and 52"));
    }
    check_reach(&caller, &id)?;
    let now = state.now();
    let stamp = crate::wire::ts(now);
    let points = state
        .db
        .read(move |tx| {
            (0..weeks)
                .rev()
                .map(|back| {
                    let until = now - chrono::Duration::weeks(i64::from(back));
                    let period = store::scorecards::Period {
                        since: Some(until - chrono::Duration::weeks(1)),
                        until: Some(until),
                    };
                    store::scorecards::for_org(tx, &id, &stamp, period)?
                        .ok_or_else(|| ServerError::not_found("organisation"))
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(ApiJson(points))
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

//! Administration: organisations, users and API keys (admins only; a partner
//! own organisation). Handlers extract, call `crate::admin`, and poke.

use axum::extract::State;
use axum::http::StatusCode;
use baton_proto::{
    AdminOrg, AdminUser, ApiKey, ApiKeyIssued, BusinessCalendar, Invitation, NewApiKey, NewPartner, NewUser, OpenWork,
    OrgUpdate, SessionsEnded, UserUpdate,
};
use baton_proto::{NewWebhook, Webhook, WebhookCreated, WebhookDelivery};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::admin::{self, Actor};
use crate::auth::AuthUser;
use crate::error::{ApiJson, ApiPath, ApiQuery, ServerError};
use crate::wire::ts;
use crate::AppState;

/// The organisations the caller administers: all of them for the retailer's
/// admins, its own for a partner admin.
#[utoipa::path(get, operation_id = "admin_orgs", path = "/v1/admin/orgs", tag = "admin",
    responses((status = 200, description = "Organisations with their settings and active users", body = Vec<AdminOrg>),
              (status = 401, description = "Not signed in", body = baton_proto::ApiError),
              (status = 403, description = "Not an administrator", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn orgs(State(state): State<AppState>, caller: AuthUser) -> Result<ApiJson<Vec<AdminOrg>>, ServerError> {
    let reach = admin::reach(&caller)?;
    Ok(ApiJson(state.db.read(move |tx| admin::list_orgs(tx, &reach)).await?))
}

/// Creates a partner organisation (the retailer's admins). Audited.
#[utoipa::path(post, operation_id = "admin_create_org", path = "/v1/admin/orgs", tag = "admin", request_body = NewPartner,
    responses((status = 201, description = "Created", body = AdminOrg),
              (status = 401, description = "Not signed in", body = baton_proto::ApiError),
              (status = 403, description = "Not a retailer administrator", body = baton_proto::ApiError),
              (status = 409, description = "The id is taken", body = baton_proto::ApiError),
              (status = 422, description = "A bad id, name or SLA", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn create_org(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(new): ApiJson<NewPartner>,
) -> Result<(StatusCode, ApiJson<AdminOrg>), ServerError> {
    let reach = admin::reach(&caller)?;
    let at = ts(state.now());
    let created = state
        .db
        .write(move |tx| admin::create_partner(tx, &reach, &Actor::of(&caller), &new, &at))
        .await?;
    tracing::info!(org = %created.org.id, "partner organisation created");
    Ok((StatusCode::CREATED, ApiJson(created)))
}

/// One organisation the caller administers.
#[utoipa::path(get, operation_id = "admin_get_org", path = "/v1/admin/orgs/{id}", tag = "admin",
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, description = "The organisation", body = AdminOrg),
              (status = 401, description = "Not signed in", body = baton_proto::ApiError),
              (status = 403, description = "Not an administrator", body = baton_proto::ApiError),
              (status = 404, description = "No such organisation, or not the caller's", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn get_org(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<AdminOrg>, ServerError> {
    let reach = admin::reach(&caller)?;
    Ok(ApiJson(state.db.read(move |tx| admin::org(tx, &reach, &id)).await?))
}

/// Renames a partner, changes the customer fields its jobs need or its SLAs,
/// deactivates or reactivates it (the retailer's admins). Changing the fields
/// re-sends the partner's consoles everything they hold under the new rule;
/// deactivating ends its users' sessions. Audited.
#[utoipa::path(patch, operation_id = "admin_update_org", path = "/v1/admin/orgs/{id}", tag = "admin", request_body = OrgUpdate,
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, description = "The organisation as changed", body = AdminOrg),
              (status = 401, description = "Not signed in", body = baton_proto::ApiError),
              (status = 403, description = "Not a retailer administrator", body = baton_proto::ApiError),
              (status = 404, description = "No such organisation", body = baton_proto::ApiError),
              (status = 422, description = "A bad name or SLA, or a setting the retailer's own organisation does not have", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn update_org(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(change): ApiJson<OrgUpdate>,
) -> Result<ApiJson<AdminOrg>, ServerError> {
    let reach = admin::reach(&caller)?;
    let now = state.now();
    let (changed, head) = state
        .db
        .write(move |tx| {
            let changed = admin::update_org(tx, &reach, &Actor::of(&caller), &id, &change, now)?;
            Ok((changed, crate::feed::head(tx)?))
        })
        .await?;
    if !changed.touched.is_empty() {
        state.poke(head, changed.touched);
    }
    if changed.sessions_ended {
        state.revoked();
    }
    Ok(ApiJson(changed.org))
}

/// What is still open at an organisation — unfinished jobs, queued callbacks,
/// open promises, tickets escalated to it — to give to someone else before or
/// after it is deactivated.
#[utoipa::path(get, operation_id = "admin_open_work", path = "/v1/admin/orgs/{id}/open-work", tag = "admin",
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, description = "Its open work", body = OpenWork),
              (status = 401, description = "Not signed in", body = baton_proto::ApiError),
              (status = 403, description = "Not an administrator", body = baton_proto::ApiError),
              (status = 404, description = "No such organisation, or not the caller's", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn open_work(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<OpenWork>, ServerError> {
    let reach = admin::reach(&caller)?;
    Ok(ApiJson(
        state.db.read(move |tx| admin::open_work(tx, &reach, &id)).await?,
    ))
}

/// Sets an organisation's business hours: opening periods in its time zone,
/// and holidays. Its SLA clocks, triggered callbacks and escalations then count
/// only the time it is open. The retailer's admins set any organisation's, a
/// partner's admins their own. Audited.
#[utoipa::path(put, operation_id = "admin_set_calendar", path = "/v1/admin/orgs/{id}/calendar", tag = "admin",
    request_body = BusinessCalendar,
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, description = "The organisation with its hours", body = AdminOrg),
              (status = 401, description = "Not signed in", body = baton_proto::ApiError),
              (status = 403, description = "Not an administrator", body = baton_proto::ApiError),
              (status = 404, description = "No such organisation, or not the caller's", body = baton_proto::ApiError),
              (status = 422, description = "A bad time zone, opening period or holiday", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn set_calendar(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(calendar): ApiJson<BusinessCalendar>,
) -> Result<ApiJson<AdminOrg>, ServerError> {
    let reach = admin::reach(&caller)?;
    let now = state.now();
    let org = state
        .db
        .write(move |tx| admin::set_calendar(tx, &reach, &Actor::of(&caller), &id, Some(&calendar), now))
        .await?;
    Ok(ApiJson(org))
}

/// Removes an organisation's business hours: it counts as open around the clock. Audited.
#[utoipa::path(delete, operation_id = "admin_clear_calendar", path = "/v1/admin/orgs/{id}/calendar", tag = "admin",
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, description = "The organisation, open around the clock", body = AdminOrg),
              (status = 401, description = "Not signed in", body = baton_proto::ApiError),
              (status = 403, description = "Not an administrator", body = baton_proto::ApiError),
              (status = 404, description = "No such organisation, or not the caller's", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn clear_calendar(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<AdminOrg>, ServerError> {
    let reach = admin::reach(&caller)?;
    let now = state.now();
    let org = state
        .db
        .write(move |tx| admin::set_calendar(tx, &reach, &Actor::of(&caller), &id, None, now))
        .await?;
    Ok(ApiJson(org))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UsersQuery {
    /// Only this organisation's users.
    #[param(pattern = "^[A-Za-z0-9_.:-]{1,100}$")]
    org: Option<String>,
}

/// The users the caller administers, by organisation and name, with their last
/// sign-in and live sessions.
#[utoipa::path(get, operation_id = "admin_users", path = "/v1/admin/users", tag = "admin", params(UsersQuery),
    responses((status = 200, description = "Users", body = Vec<AdminUser>),
              (status = 401, description = "Not signed in", body = baton_proto::ApiError),
              (status = 403, description = "Not an administrator", body = baton_proto::ApiError),
              (status = 404, description = "No such organisation, or not the caller's", body = baton_proto::ApiError),
              (status = 422, description = "A bad query", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn users(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiQuery(q): ApiQuery<UsersQuery>,
) -> Result<ApiJson<Vec<AdminUser>>, ServerError> {
    let reach = admin::reach(&caller)?;
    let now = ts(state.now());
    Ok(ApiJson(
        state
            .db
            .read(move |tx| admin::list_users(tx, &reach, q.org.as_deref(), &now))
            .await?,
    ))
}

/// Invites a user: creates it without a password and answers a one-time code
/// (valid 7 days, stored only as a hash) the user sets a password with. With
/// an `email`, the invitation is also emailed to them: a link to set their
/// password (`/welcome/{code}`, on the server's public address) and the code;
/// `emailed_to` or `email_error` says how that went. A partner admin invites
/// into its own organisation. Audited.
#[utoipa::path(post, operation_id = "admin_invite", path = "/v1/admin/users", tag = "admin", request_body = NewUser,
    responses((status = 201, description = "Invited: give the code to the user", body = Invitation),
              (status = 401, description = "Not signed in", body = baton_proto::ApiError),
              (status = 403, description = "Not an administrator", body = baton_proto::ApiError),
              (status = 404, description = "No such organisation, or not the caller's", body = baton_proto::ApiError),
              (status = 409, description = "The username is taken, or the organisation is deactivated", body = baton_proto::ApiError),
              (status = 422, description = "A bad username, name or email address, or a role the organisation cannot have", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn invite(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(new): ApiJson<NewUser>,
) -> Result<(StatusCode, ApiJson<Invitation>), ServerError> {
    let reach = admin::reach(&caller)?;
    let now = state.now();
    // A bad address is refused before anything is stored.
    let email = new
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(baton_proto::contact::normalize_email)
        .transpose()?;
    let (mut invited, retailer) = state
        .db
        .write(move |tx| {
            let invited = admin::invite(tx, &reach, &Actor::of(&caller), &new, now)?;
            Ok((invited, crate::store::orgs::retailer(tx)?.name))
        })
        .await?;
    tracing::info!(user = %invited.user.id, org = %invited.user.org.id, "user invited");
    if let Some(to) = email {
        match crate::delivery::send_invitation(&state.delivery, &to, &invited, &retailer).await {
            Ok(()) => invited.emailed_to = Some(to),
            Err(e) => {
                tracing::warn!(user = %invited.user.id, "the invitation could not be emailed");
                invited.email_error = Some(e.replace(&to, "the address"));
            }
        }
    }
    Ok((StatusCode::CREATED, ApiJson(invited)))
}

/// One user the caller administers.
#[utoipa::path(get, operation_id = "admin_get_user", path = "/v1/admin/users/{id}", tag = "admin",
    params(("id" = String, Path, description = "User id")),
    responses((status = 200, description = "The user", body = AdminUser),
              (status = 401, description = "Not signed in", body = baton_proto::ApiError),
              (status = 403, description = "Not an administrator", body = baton_proto::ApiError),
              (status = 404, description = "No such user, or not the caller's", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn get_user(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<AdminUser>, ServerError> {
    let reach = admin::reach(&caller)?;
    let now = ts(state.now());
    Ok(ApiJson(
        state.db.read(move |tx| admin::user(tx, &reach, &id, &now)).await?,
    ))
}

/// Renames a user, changes its role, disables or enables it, or (the
/// retailer's admins) moves it to another organisation. A disabled user, or one
/// whose role or organisation changed, must sign in again; a moved user's open
/// callbacks, promises and tickets stay with its old organisation, unassigned.
/// The retailer's last administrator cannot be disabled, demoted or moved. Audited.
#[utoipa::path(patch, operation_id = "admin_update_user", path = "/v1/admin/users/{id}", tag = "admin", request_body = UserUpdate,
    params(("id" = String, Path, description = "User id")),
    responses((status = 200, description = "The user as changed", body = AdminUser),
              (status = 401, description = "Not signed in", body = baton_proto::ApiError),
              (status = 403, description = "Not an administrator", body = baton_proto::ApiError),
              (status = 404, description = "No such user, or not the caller's", body = baton_proto::ApiError),
              (status = 409, description = "It is the retailer's last administrator", body = baton_proto::ApiError),
              (status = 422, description = "A bad name, a role the organisation cannot have, or a deactivated organisation", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn update_user(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(change): ApiJson<UserUpdate>,
) -> Result<ApiJson<AdminUser>, ServerError> {
    let reach = admin::reach(&caller)?;
    let now = state.now();
    let (changed, head) = state
        .db
        .write(move |tx| {
            let changed = admin::update_user(tx, &reach, &Actor::of(&caller), &id, &change, now)?;
            Ok((changed, crate::feed::head(tx)?))
        })
        .await?;
    if changed.sessions_ended {
        state.revoked();
    }
    state.poke(head, changed.touched);
    Ok(ApiJson(changed.user))
}

/// Resets a user's password: the old one stops working, its sessions end, and
/// the answer holds a one-time code it sets a new one with. Audited.
#[utoipa::path(post, operation_id = "admin_reset_password", path = "/v1/admin/users/{id}/reset-password", tag = "admin",
    params(("id" = String, Path, description = "User id")),
    responses((status = 200, description = "A code for the user", body = Invitation),
              (status = 401, description = "Not signed in", body = baton_proto::ApiError),
              (status = 403, description = "Not an administrator", body = baton_proto::ApiError),
              (status = 404, description = "No such user, or not the caller's", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn reset_password(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<Invitation>, ServerError> {
    let reach = admin::reach(&caller)?;
    let now = state.now();
    let code = state
        .db
        .write(move |tx| admin::reset_password(tx, &reach, &Actor::of(&caller), &id, now))
        .await?;
    state.revoked();
    Ok(ApiJson(code))
}

/// Ends every session of a user (its consoles must sign in again). Audited.
#[utoipa::path(post, operation_id = "admin_revoke_sessions", path = "/v1/admin/users/{id}/revoke-sessions", tag = "admin",
    params(("id" = String, Path, description = "User id")),
    responses((status = 200, description = "How many sessions ended", body = SessionsEnded),
              (status = 401, description = "Not signed in", body = baton_proto::ApiError),
              (status = 403, description = "Not an administrator", body = baton_proto::ApiError),
              (status = 404, description = "No such user, or not the caller's", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn revoke_sessions(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<SessionsEnded>, ServerError> {
    let reach = admin::reach(&caller)?;
    let now = state.now();
    let ended = state
        .db
        .write(move |tx| admin::revoke_sessions(tx, &reach, &Actor::of(&caller), &id, now))
        .await?;
    state.revoked();
    Ok(ApiJson(SessionsEnded { ended }))
}

/// The API keys of the organisations the caller administers (never the keys
/// themselves: only their first characters).
#[utoipa::path(get, operation_id = "admin_api_keys", path = "/v1/admin/api-keys", tag = "admin",
    responses((status = 200, description = "Keys, newest first", body = Vec<ApiKey>),
              (status = 401, description = "Not signed in", body = baton_proto::ApiError),
              (status = 403, description = "Not an administrator", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn api_keys(State(state): State<AppState>, caller: AuthUser) -> Result<ApiJson<Vec<ApiKey>>, ServerError> {
    let reach = admin::reach(&caller)?;
    Ok(ApiJson(state.db.read(move |tx| admin::list_keys(tx, &reach)).await?))
}

/// Makes a key for an organisation's own system (a carrier's tracking, a
/// hotel's booking system): it acts through the same intents and scope rule as
/// the organisation's dispatchers. The secret is in this answer only. Audited.
#[utoipa::path(post, operation_id = "admin_create_api_key", path = "/v1/admin/api-keys", tag = "admin", request_body = NewApiKey,
    responses((status = 201, description = "The key and, this once, its secret", body = ApiKeyIssued),
              (status = 401, description = "Not signed in", body = baton_proto::ApiError),
              (status = 403, description = "Not an administrator", body = baton_proto::ApiError),
              (status = 404, description = "No such organisation, or not the caller's", body = baton_proto::ApiError),
              (status = 409, description = "The organisation is deactivated", body = baton_proto::ApiError),
              (status = 422, description = "A bad name", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn create_api_key(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(new): ApiJson<NewApiKey>,
) -> Result<(StatusCode, ApiJson<ApiKeyIssued>), ServerError> {
    let reach = admin::reach(&caller)?;
    let now = state.now();
    let issued = state
        .db
        .write(move |tx| admin::create_key(tx, &reach, &Actor::of(&caller), &new, now))
        .await?;
    tracing::info!(key = %issued.key.id, org = %issued.key.org.id, "API key created");
    Ok((StatusCode::CREATED, ApiJson(issued)))
}

/// Revokes a key: it stops working at once. Audited.
#[utoipa::path(post, operation_id = "admin_revoke_api_key", path = "/v1/admin/api-keys/{id}/revoke", tag = "admin",
    params(("id" = String, Path, description = "Key id")),
    responses((status = 200, description = "The key, revoked", body = ApiKey),
              (status = 401, description = "Not signed in", body = baton_proto::ApiError),
              (status = 403, description = "Not an administrator", body = baton_proto::ApiError),
              (status = 404, description = "No such key, or not the caller's", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn revoke_api_key(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<ApiKey>, ServerError> {
    let reach = admin::reach(&caller)?;
    let now = state.now();
    let key = state
        .db
        .write(move |tx| admin::revoke_key(tx, &reach, &Actor::of(&caller), &id, now))
        .await?;
    state.revoked();
    Ok(ApiJson(key))
}

/// The webhooks of the organisations the caller administers.
#[utoipa::path(get, operation_id = "admin_webhooks", path = "/v1/admin/webhooks", tag = "admin",
    responses((status = 200, description = "Webhooks", body = Vec<Webhook>),
              (status = 401, description = "Not signed in", body = baton_proto::ApiError),
              (status = 403, description = "Not an administrator", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn webhooks(State(state): State<AppState>, caller: AuthUser) -> Result<ApiJson<Vec<Webhook>>, ServerError> {
    let reach = admin::reach(&caller)?;
    Ok(ApiJson(
        state.db.read(move |tx| admin::list_webhooks(tx, &reach)).await?,
    ))
}

/// Subscribes an organisation's system to events about its own work. Each
/// delivery is a JSON `POST` with `X-Baton-Event`, `X-Baton-Delivery`,
/// `X-Baton-Timestamp` and `X-Baton-Signature` (`sha256=` HMAC of
/// `timestamp.body` with the secret in this answer, shown once); retried with
/// back-off until the receiver answers 2xx. Audited.
#[utoipa::path(post, operation_id = "admin_create_webhook", path = "/v1/admin/webhooks", tag = "admin", request_body = NewWebhook,
    responses((status = 201, description = "The webhook and, this once, its signing secret", body = WebhookCreated),
              (status = 401, description = "Not signed in", body = baton_proto::ApiError),
              (status = 403, description = "Not an administrator", body = baton_proto::ApiError),
              (status = 404, description = "No such organisation, or not the caller's", body = baton_proto::ApiError),
              (status = 422, description = "A URL that is not https (or local http), or no events", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn create_webhook(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(new): ApiJson<NewWebhook>,
) -> Result<(StatusCode, ApiJson<WebhookCreated>), ServerError> {
    let reach = admin::reach(&caller)?;
    let now = state.now();
    let created = state
        .db
        .write(move |tx| admin::create_webhook(tx, &reach, &Actor::of(&caller), &new, now))
        .await?;
    Ok((StatusCode::CREATED, ApiJson(created)))
}

/// Stops a webhook: nothing more is queued or sent to it. Audited.
#[utoipa::path(post, operation_id = "admin_disable_webhook", path = "/v1/admin/webhooks/{id}/disable", tag = "admin",
    params(("id" = String, Path, description = "Webhook id")),
    responses((status = 200, description = "The webhook, disabled", body = Webhook),
              (status = 401, description = "Not signed in", body = baton_proto::ApiError),
              (status = 403, description = "Not an administrator", body = baton_proto::ApiError),
              (status = 404, description = "No such webhook, or not the caller's", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn disable_webhook(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<Webhook>, ServerError> {
    let reach = admin::reach(&caller)?;
    let now = state.now();
    Ok(ApiJson(
        state
            .db
            .write(move |tx| admin::disable_webhook(tx, &reach, &Actor::of(&caller), &id, now))
            .await?,
    ))
}

/// A webhook's delivery log, newest first: what was sent, how each attempt went.
#[utoipa::path(get, operation_id = "admin_webhook_deliveries", path = "/v1/admin/webhooks/{id}/deliveries", tag = "admin",
    params(("id" = String, Path, description = "Webhook id")),
    responses((status = 200, description = "Up to 200 deliveries", body = Vec<WebhookDelivery>),
              (status = 401, description = "Not signed in", body = baton_proto::ApiError),
              (status = 403, description = "Not an administrator", body = baton_proto::ApiError),
              (status = 404, description = "No such webhook, or not the caller's", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn webhook_deliveries(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<Vec<WebhookDelivery>>, ServerError> {
    let reach = admin::reach(&caller)?;
    Ok(ApiJson(
        state
            .db
            .read(move |tx| admin::webhook_deliveries(tx, &reach, &id))
            .await?,
    ))
}

/// Sends a logged delivery again now (a failed one, or one the receiver lost). Audited.
#[utoipa::path(post, operation_id = "admin_replay_delivery", path = "/v1/admin/webhook-deliveries/{id}/replay", tag = "admin",
    params(("id" = String, Path, description = "Delivery id")),
    responses((status = 200, description = "The delivery, due again", body = WebhookDelivery),
              (status = 401, description = "Not signed in", body = baton_proto::ApiError),
              (status = 403, description = "Not an administrator", body = baton_proto::ApiError),
              (status = 404, description = "No such delivery, or not the caller's", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn replay_delivery(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<WebhookDelivery>, ServerError> {
    let reach = admin::reach(&caller)?;
    let now = state.now();
    let d = state
        .db
        .write(move |tx| admin::replay_delivery(tx, &reach, &Actor::of(&caller), &id, now))
        .await?;
    state.deliveries.notify_one();
    Ok(ApiJson(d))
}

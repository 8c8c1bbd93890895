//! The OpenAPI 3.1 document, generated from the handlers' annotations and the
//! wire types' schemas (utoipa). Served at `/v1/openapi.json`; the committed copy
//! in `docs/openapi.json` is checked against it by a test.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes;

mod contract;
pub use contract::ID_PATTERN;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The token from POST /v1/auth/login"))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Baton retailer API",
        description = "The system of record behind the Baton console: customers and the people on them, \
partner jobs, tickets, callbacks, commitments, confirmations and one timeline across organisations. \
Every request but signing in, accepting an invitation and answering a survey needs `Authorization: Bearer <token>` and may send `x-baton-protocol`. \
Errors are always `{code, message, details?}` with a matching HTTP status. \
Partner users see only their organisation's work and the customer fields it needs; \
anything else answers 404 exactly like an unknown id.",
        license(name = "Apache-2.0")
    ),
    modifiers(&BearerAuth),
    paths(
        routes::health,
        routes::auth::login,
        routes::auth::logout,
        routes::auth::logout_all,
        routes::auth::me,
        routes::auth::accept_invite,
        routes::admin::orgs,
        routes::admin::create_org,
        routes::admin::get_org,
        routes::admin::update_org,
        routes::admin::open_work,
        routes::admin::set_calendar,
        routes::admin::clear_calendar,
        routes::admin::users,
        routes::admin::invite,
        routes::admin::get_user,
        routes::admin::update_user,
        routes::admin::reset_password,
        routes::admin::revoke_sessions,
        routes::admin::api_keys,
        routes::admin::create_api_key,
        routes::admin::revoke_api_key,
        routes::admin::webhooks,
        routes::admin::create_webhook,
        routes::admin::disable_webhook,
        routes::admin::webhook_deliveries,
        routes::admin::replay_delivery,
        routes::imports::create,
        routes::imports::list,
        routes::imports::get,
        routes::orgs::orgs,
        routes::orgs::scorecard,
        routes::orgs::scorecard_trend,
        routes::orgs::scorecard_items,
        routes::records::search,
        routes::records::customer,
        routes::records::timeline,
        routes::records::customer_duplicates,
        routes::records::merges,
        routes::presence::presence_on_customer,
        routes::presence::put_presence,
        routes::records::audit,
        routes::records::export,
        routes::templates::list,
        routes::templates::put,
        routes::records::jobs,
        routes::records::job,
        routes::casework::tickets,
        routes::casework::get_ticket,
        routes::casework::callbacks,
        routes::casework::get_callback,
        routes::casework::queues,
        routes::casework::commitments,
        routes::casework::get_commitment,
        routes::orgs::mutate,
        routes::sync::snapshot,
        routes::sync::changes,
        routes::sync::events,
        routes::sync::push,
        routes::surveys::get,
        routes::surveys::answer,
    ),
    tags(
        (name = "auth", description = "Signing in and out"),
        (name = "customers", description = "The unified customer record"),
        (name = "jobs", description = "Partner jobs"),
        (name = "tickets", description = "Cases, including those escalated to partners"),
        (name = "callbacks", description = "Callbacks owned by the organisation that can act"),
        (name = "commitments", description = "Promises made to customers"),
        (name = "orgs", description = "Organisations and partner scorecards"),
        (name = "admin", description = "Administration: organisations, users and invitations (administrators only)"),
        (name = "mutations", description = "Every edit, as an idempotent intent"),
        (name = "sync", description = "Snapshot, change feed, live pokes and batched push for consoles"),
        (name = "surveys", description = "The one-question survey a customer answers from a link, with no account"),
    )
)]
pub struct ApiDoc;

/// The document as served and committed (pretty JSON with a trailing newline).
pub fn document() -> String {
    let mut doc = match serde_json::to_value(ApiDoc::openapi()) {
        Ok(doc) => doc,
        Err(e) => return format!("{{\"error\": \"{e}\"}}\n"),
    };
    contract::complete(&mut doc);
    let json = serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    format!("{json}\n")
}

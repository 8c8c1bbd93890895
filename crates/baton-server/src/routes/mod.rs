//! HTTP routes under `/v1`. Handlers are thin: extract, authorise, call the store.

pub mod admin;
pub mod auth;
pub mod casework;
pub mod imports;
pub mod list;
pub mod orgs;
pub mod page;
pub mod presence;
pub mod records;
pub mod surveys;
pub mod sync;
pub mod templates;
pub mod welcome;

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use baton_proto::{ErrorCode, MIN_PROTOCOL_VERSION, PROTOCOL_HEADER, PROTOCOL_VERSION};
use tower_http::compression::predicate::{DefaultPredicate, Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::trace::TraceLayer;

/// Answers smaller than this go uncompressed: not worth the time.
const COMPRESS_ABOVE: u16 = 8 * 1024;

use crate::error::ServerError;
use crate::AppState;

/// Largest request body accepted, in bytes.
pub const BODY_LIMIT: usize = 1024 * 1024;

pub fn router(state: AppState) -> Router {
    let v1 = Router::new()
        .route("/health", get(health))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/logout-all", post(auth::logout_all))
        .route("/auth/accept-invite", post(auth::accept_invite))
        .route("/me", get(auth::me))
        .route("/admin/orgs", get(admin::orgs).post(admin::create_org))
        .route("/admin/orgs/{id}", get(admin::get_org).patch(admin::update_org))
        .route("/admin/orgs/{id}/open-work", get(admin::open_work))
        .route(
            "/admin/orgs/{id}/calendar",
            put(admin::set_calendar).delete(admin::clear_calendar),
        )
        .route("/admin/users", get(admin::users).post(admin::invite))
        .route("/admin/users/{id}", get(admin::get_user).patch(admin::update_user))
        .route("/admin/users/{id}/reset-password", post(admin::reset_password))
        .route("/admin/users/{id}/revoke-sessions", post(admin::revoke_sessions))
        .route("/admin/api-keys", get(admin::api_keys).post(admin::create_api_key))
        .route("/admin/api-keys/{id}/revoke", post(admin::revoke_api_key))
        .route("/admin/webhooks", get(admin::webhooks).post(admin::create_webhook))
        .route("/admin/webhooks/{id}/disable", post(admin::disable_webhook))
        .route("/admin/webhooks/{id}/deliveries", get(admin::webhook_deliveries))
        .route("/admin/webhook-deliveries/{id}/replay", post(admin::replay_delivery))
        .route(
            "/imports",
            get(imports::list)
                .post(imports::create)
                .layer(axum::extract::DefaultBodyLimit::max(imports::IMPORT_LIMIT)),
        )
        .route("/imports/{id}", get(imports::get))
        .route("/openapi.json", get(openapi))
        .route("/orgs", get(orgs::orgs))
        .route("/confirmation-templates", get(templates::list).post(templates::put))
        .route("/orgs/{id}/scorecard", get(orgs::scorecard))
        .route("/orgs/{id}/scorecard/trend", get(orgs::scorecard_trend))
        .route("/orgs/{id}/scorecard/items", get(orgs::scorecard_items))
        .route("/customers", get(records::search))
        .route("/customers/{id}", get(records::customer))
        .route("/customers/{id}/timeline", get(records::timeline))
        .route("/customers/{id}/duplicates", get(records::customer_duplicates))
        .route("/customers/{id}/merges", get(records::merges))
        .route("/customers/{id}/presence", get(presence::presence_on_customer))
        .route("/presence", put(presence::put_presence))
        .route("/customers/{id}/audit", get(records::audit))
        .route("/customers/{id}/export", get(records::export))
        .route("/jobs", get(records::jobs))
        .route("/jobs/{id}", get(records::job))
        .route("/tickets", get(casework::tickets))
        .route("/tickets/{id}", get(casework::get_ticket))
        .route("/callbacks", get(casework::callbacks))
        .route("/callbacks/{id}", get(casework::get_callback))
        .route("/queues", get(casework::queues))
        .route("/commitments", get(casework::commitments))
        .route("/commitments/{id}", get(casework::get_commitment))
        .route("/mutations", post(orgs::mutate))
        .route("/sync/snapshot", get(sync::snapshot))
        .route("/sync/changes", get(sync::changes))
        .route("/sync/events", get(sync::events))
        .route("/sync/push", post(sync::push))
        .route("/surveys/{token}", get(surveys::get).post(surveys::answer));
    Router::new()
        .nest("/v1", v1)
        .route("/metrics", get(crate::metrics::serve))
        // The survey page customers open from their email or text message.
        .route("/s/{token}", get(surveys::page).post(surveys::page_answer))
        // The page an emailed invitation links to: choose a password.
        .route("/welcome/{code}", get(welcome::page).post(welcome::set_password))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), crate::metrics::track))
        // Large answers (snapshot pages, feed pages, lists) go gzip-compressed to
        // clients that ask: a tenth of the bytes for a few percent of a core
        // (docs/benchmarks.md). Live streams and small answers go as they are.
        .layer(
            CompressionLayer::new()
                .gzip(true)
                .quality(CompressionLevel::Fastest)
                .compress_when(DefaultPredicate::new().and(SizeAbove::new(COMPRESS_ABOVE))),
        )
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(state.clone(), protocol_version))
        // The path, never the query: a search's query string is a customer's phone or email.
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            tracing::debug_span!("request", method = %req.method(), path = %req.uri().path())
        }))
        .with_state(state)
}

/// Liveness: answers `ok` while the server runs.
#[utoipa::path(get, path = "/v1/health", tag = "auth",
    responses((status = 200, description = "The server is up", body = String, content_type = "text/plain")))]
pub async fn health() -> &'static str {
    "ok"
}

/// This API's OpenAPI 3.1 document.
async fn openapi() -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        crate::openapi::document(),
    )
}

async fn not_found() -> ServerError {
    ServerError::not_found("route")
}

/// A known path with a method it does not take: a typed error, not an empty 405.
async fn method_not_allowed(method: axum::http::Method) -> ServerError {
    ServerError::Api(
        ErrorCode::MethodNotAllowed,
        format!("this path does not take {method}; see /v1/openapi.json"),
    )
}

/// Refuses clients older than n-1 with 426 and tells every client what we speak.
async fn protocol_version(State(_): State<AppState>, req: Request, next: Next) -> Response {
    if let Some(v) = req.headers().get(PROTOCOL_HEADER) {
        let parsed = v.to_str().ok().and_then(|s| s.trim().parse::<u32>().ok());
        match parsed {
            Some(v) if v < MIN_PROTOCOL_VERSION => {
                return ServerError::Api(
                    ErrorCode::UpgradeRequired,
                    format!(
                    "this console speaks protocol {v}; the server needs {MIN_PROTOCOL_VERSION} or newer: update Baton"
                ),
                )
                .into_response()
            }
            Some(v) if v > PROTOCOL_VERSION => {
                return ServerError::bad_request(format!(
                    "this server speaks protocol {PROTOCOL_VERSION}; the console speaks {v}: update the server"
                ))
                .into_response()
            }
            Some(_) => {}
            None => return ServerError::bad_request(format!("{PROTOCOL_HEADER} must be a number")).into_response(),
        }
    }
    let mut res = next.run(req).await;
    res.headers_mut()
        .insert(PROTOCOL_HEADER, HeaderValue::from(PROTOCOL_VERSION));
    res
}

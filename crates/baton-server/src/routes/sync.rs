//! The sync endpoints: snapshot, change feed, live pokes (SSE) and push.

use std::convert::Infallible;

use axum::extract::State;
use axum::http::header;
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use baton_proto::{ChangesPage, ErrorCode, Poke, PushRequest, PushResponse, SnapshotPage};
use futures_util::stream::{self, Stream, StreamExt};
use serde::Deserialize;
use tokio_stream::wrappers::{BroadcastStream, IntervalStream};
use utoipa::IntoParams;

use crate::auth::AuthUser;
use crate::error::{ApiJson, ApiQuery, ServerError};
use crate::mutations::{self, MAX_BATCH};
use crate::pages::{PageKey, SharedPage};
use crate::{feed, store, AppState};

/// The protocol the caller reads the feed with: its `x-baton-protocol`
/// header (checked by the protocol layer to be one this server serves), the
/// newest when absent.
pub struct ClientProtocol(pub feed::Protocol);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientProtocol {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        let version = match parts.headers.get(baton_proto::PROTOCOL_HEADER) {
            None => baton_proto::PROTOCOL_VERSION,
            Some(v) => v
                .to_str()
                .ok()
                .and_then(|v| v.trim().parse::<u32>().ok())
                .ok_or_else(|| {
                    ServerError::bad_request(format!("{} must be a number", baton_proto::PROTOCOL_HEADER))
                })?,
        };
        Ok(ClientProtocol(feed::Protocol::of(version)))
    }
}

const DEFAULT_PAGE: usize = 500;
const MAX_PAGE: usize = 5000;

fn page_size(limit: Option<usize>) -> Result<usize, ServerError> {
    match limit {
        None => Ok(DEFAULT_PAGE),
        Some(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
        Some(_) => Err(ServerError::bad_request(format!(
            "limit must be between 1 and {MAX_PAGE}"
        ))),
    }
}

fn check_epoch(state: &AppState, epoch: Option<&str>) -> Result<(), ServerError> {
    match epoch {
        Some(e) if e != state.db.epoch() => Err(ServerError::Api(
            ErrorCode::Gone,
            "this cursor belongs to another server database; take a new snapshot".into(),
        )),
        _ => Ok(()),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SnapshotQuery {
    /// `next_token` of the previous page; omit to start a snapshot.
    token: Option<String>,
    /// Records per page, 1 to 5000 (500 by default).
    #[param(minimum = 1, maximum = 5000)]
    limit: Option<usize>,
    /// The `epoch` of the first page, when passing a token.
    epoch: Option<String>,
}

/// A page of everything the caller may see, pinned at a feed `seq`.
#[utoipa::path(get, path = "/v1/sync/snapshot", tag = "sync", params(SnapshotQuery),
    responses((status = 200, description = "A snapshot page", body = SnapshotPage),
              (status = 410, description = "The token belongs to another server database, or cannot be read: start a new snapshot", body = baton_proto::ApiError),
              (status = 422, description = "Malformed token or limit", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn snapshot(
    State(state): State<AppState>,
    caller: AuthUser,
    ClientProtocol(protocol): ClientProtocol,
    ApiQuery(q): ApiQuery<SnapshotQuery>,
) -> Result<ApiJson<SnapshotPage>, ServerError> {
    let limit = page_size(q.limit)?;
    if q.token.is_some() {
        check_epoch(&state, q.epoch.as_deref())?;
    }
    let scope = caller.scope();
    let mut page = state
        .db
        .read(move |tx| feed::snapshot_page(tx, &scope, q.token.as_deref(), limit, protocol))
        .await?;
    page.epoch = state.db.epoch().to_string();
    Ok(ApiJson(page))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// The cursor stored from the last page (or the snapshot's `seq`).
    #[param(minimum = 0)]
    after: i64,
    /// Changes per page, 1 to 5000 (500 by default).
    #[param(minimum = 1, maximum = 5000)]
    limit: Option<usize>,
    /// The server database the cursor came from.
    epoch: Option<String>,
}

/// Changes to the caller's scope after a cursor, in commit order.
#[utoipa::path(get, path = "/v1/sync/changes", tag = "sync", params(ChangesQuery),
    responses((status = 200, description = "A page of changes", body = ChangesPage),
              (status = 410, description = "The cursor is from another database or behind the retained feed: take a new snapshot", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn changes(
    State(state): State<AppState>,
    caller: AuthUser,
    ClientProtocol(protocol): ClientProtocol,
    ApiQuery(q): ApiQuery<ChangesQuery>,
) -> Result<Response, ServerError> {
    let limit = page_size(q.limit)?;
    check_epoch(&state, q.epoch.as_deref())?;
    if q.after < 0 {
        return Err(ServerError::bad_request("after must be 0 or a seq from this feed"));
    }
    let scope = caller.scope();
    let partner = scope.org().map(str::to_string);
    let key = PageKey {
        scope: scope.key(),
        after: q.after,
        limit,
        protocol: protocol.version(),
    };
    let db = state.db.clone();
    let read = || async move {
        let served = db
            .read(move |tx| {
                if q.after > feed::head(tx)? {
                    return Err(ServerError::Api(
                        ErrorCode::Gone,
                        "this cursor is ahead of the server's feed; take a new snapshot".into(),
                    ));
                }
                if q.after < feed::floor(tx)? {
                    return Err(ServerError::Api(
                        ErrorCode::Gone,
                        "this cursor is older than the changes the server keeps; take a new snapshot".into(),
                    ));
                }
                feed::changes(tx, &scope, q.after, limit, protocol)
            })
            .await?;
        let mut page = served.page;
        page.epoch = db.epoch().to_string();
        let body = serde_json::to_vec(&page).map_err(|e| ServerError::Internal(format!("encoding a page: {e}")))?;
        Ok(SharedPage {
            body: body.into(),
            saved: served.saved,
        })
    };
    // Every console of the scope poked by a commit asks for this page at once.
    let page = state.pages.get(key, state.db.commits(), read).await?;
    if let Some(org) = partner {
        record_first_deliveries(&state, &caller, &org, &page.saved);
    }
    Ok(([(header::CONTENT_TYPE, "application/json")], page.body.clone()).into_response())
}

/// Notes, off the request's path, when changes on this page first reached
/// partner `org` (its scorecard's time to propagate a change).
fn record_first_deliveries(state: &AppState, caller: &AuthUser, org: &str, saved: &[(i64, String)]) {
    let Some(since) = state.propagation.live_since(&caller.token) else {
        return;
    };
    let now = chrono::Utc::now();
    let first = state.propagation.first_deliveries(org, since, saved, now);
    if first.is_empty() {
        return;
    }
    let (db, org, delivered_at) = (state.db.clone(), org.to_string(), crate::wire::ts(now));
    tokio::spawn(async move {
        let recorded = db
            .write(move |tx| {
                let rows: Vec<_> = first
                    .iter()
                    .map(|d| store::propagation::Delivery {
                        org_id: &org,
                        seq: d.seq,
                        changed_at: &d.changed_at,
                        delivered_at: &delivered_at,
                        lag_ms: d.lag_ms,
                    })
                    .collect();
                store::propagation::record(tx, &rows)
            })
            .await;
        if let Err(e) = recorded {
            tracing::warn!(error = %e, "recording when changes reached a partner");
        }
    });
}

fn poke(seq: i64) -> Result<Event, Infallible> {
    let data = serde_json::to_string(&Poke { seq }).unwrap_or_else(|_| "{}".into());
    Ok(Event::default().event("poke").id(seq.to_string()).data(data))
}

/// Live pokes for the caller's scope (Server-Sent Events: `poke` with `{seq}`,
/// and `heartbeat` every 15 s). The first event carries the feed head, so a
/// reconnecting console (whatever its `Last-Event-ID`) pulls what it missed.
#[utoipa::path(get, path = "/v1/sync/events", tag = "sync",
    responses((status = 200, description = "An event stream", content_type = "text/event-stream", body = String)),
    security(("bearer" = [])))]
pub async fn events(
    State(state): State<AppState>,
    caller: AuthUser,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ServerError> {
    let rx = state.commits.subscribe();
    let head = state.db.read(|tx| feed::head(tx)).await?;
    let scope = caller.scope().key();
    let live = BroadcastStream::new(rx).filter_map(move |msg| {
        let out = match msg {
            Ok(c) if c.scopes.iter().any(|s| s == &scope) => Some(poke(c.seq)),
            Ok(_) => None,
            // Missed some commits: a poke without a known seq still makes the console pull.
            Err(_lagged) => Some(poke(0)),
        };
        std::future::ready(out)
    });
    // Heartbeats are events, not comments, so a console can tell a quiet stream
    // from a dead one by the time since the last event.
    let heartbeat = IntervalStream::new(tokio::time::interval_at(
        tokio::time::Instant::now() + state.heartbeat,
        state.heartbeat,
    ))
    .map(|_| Ok(Event::default().event("heartbeat").data("")));
    // The stream ends when its session does: signed out (here or everywhere),
    // idle, expired or its user disabled. Re-checked when sessions are revoked on
    // this server, and at every heartbeat for changes made elsewhere.
    let ended = tokio_util::sync::CancellationToken::new();
    tokio::spawn(watch_session(state.clone(), caller.token.clone(), ended.clone()));
    // While the stream is open, what this session pulls counts towards its
    // organisation's time to propagate a change.
    let open = state.propagation.stream_opened(&caller.token, chrono::Utc::now());
    let stream = stream::once(std::future::ready(poke(head)))
        .chain(stream::select(live, heartbeat))
        .map(move |event| {
            let _open = &open;
            event
        })
        .take_until(state.shutdown.clone().cancelled_owned())
        .take_until(ended.cancelled_owned());
    Ok(Sse::new(stream))
}

/// Applies a batch of up to 100 intent mutations from one console, in order.
#[utoipa::path(post, path = "/v1/sync/push", tag = "sync", request_body = PushRequest,
    responses((status = 200, description = "One result per mutation: applied or rejected", body = PushResponse),
              (status = 422, description = "Malformed body or too many mutations", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn push(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(req): ApiJson<PushRequest>,
) -> Result<ApiJson<PushResponse>, ServerError> {
    if req.mutations.is_empty() {
        return Ok(ApiJson(PushResponse { results: Vec::new() }));
    }
    if req.mutations.len() > MAX_BATCH {
        return Err(ServerError::bad_request(format!(
            "push at most {MAX_BATCH} mutations at once"
        )));
    }
    let results = mutations::apply(&state, &caller, req.client_id, req.mutations).await?;
    Ok(ApiJson(PushResponse { results }))
}

/// Cancels `ended` once `token`'s session is no longer live.
async fn watch_session(state: AppState, token: String, ended: tokio_util::sync::CancellationToken) {
    let mut revoked = state.revocations.subscribe();
    let mut every = tokio::time::interval(state.heartbeat);
    loop {
        tokio::select! {
            _ = ended.cancelled() => return,
            _ = state.shutdown.cancelled() => return,
            _ = revoked.recv() => {}
            _ = every.tick() => {}
        }
        if !matches!(crate::auth::session_alive(&state, &token).await, Ok(true)) {
            ended.cancel();
            return;
        }
    }
}

//! Bulk imports over the API: the file is the request body, the import runs in
//! the background on this node, and its status (rows read, imported, refused
//! with line and reason) is read back from any node.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use baton_proto::{ImportFormat, ImportKind, ImportReport};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::admin;
use crate::auth::AuthUser;
use crate::error::{ApiBytes, ApiJson, ApiPath, ApiQuery, ServerError};
use crate::import::{self, Job};
use crate::store;
use crate::wire::ts;
use crate::AppState;

/// Largest file the API takes, in bytes (a larger one: `baton-server import`).
pub const IMPORT_LIMIT: usize = 256 * 1024 * 1024;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// What the file holds.
    kind: ImportKind,
    /// How it is written, when the content type does not say
    /// (`text/csv`; `application/x-ndjson` or `application/jsonl`).
    format: Option<ImportFormat>,
}

/// Starts an import of the body (a CSV or JSON Lines file) and answers at once
/// with its status; read `GET /v1/imports/{id}` until it is `done`. A header
/// row naming unknown columns is refused here, before anything is stored.
/// Retailer administrators only.
#[utoipa::path(post, operation_id = "create_import", path = "/v1/imports", tag = "admin", params(ImportQuery),
    request_body(description = "The file: CSV with a header row, or JSON Lines (as `application/octet-stream`, say which in `format`)",
                 content((String = "text/csv"), (String = "application/x-ndjson"), (String = "application/octet-stream"))),
    responses((status = 202, description = "Started", body = ImportReport,
               headers(("location" = String, description = "Where its status is read"))),
              (status = 401, description = "Not signed in", body = baton_proto::ApiError),
              (status = 403, description = "Not a retailer administrator", body = baton_proto::ApiError),
              (status = 413, description = "Larger than 256 MiB: use `baton-server import`", body = baton_proto::ApiError),
              (status = 422, description = "No format, or a header row that is not this kind's", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    caller: AuthUser,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<ImportQuery>,
    ApiBytes(body): ApiBytes,
) -> Result<(StatusCode, HeaderMap, ApiJson<ImportReport>), ServerError> {
    let reach = admin::reach(&caller)?;
    admin::retailer_only(&reach, "import data")?;
    let format = match q.format {
        Some(f) => f,
        None => format_of(&headers)?,
    };
    import::check_header(&body, q.kind, format)?;
    let id = format!("imp_{}", uuid::Uuid::new_v4().simple());
    let now = state.now();
    let (by, org) = (caller.user.id.clone(), caller.user.org.id.clone());
    {
        let (id, by, org, at, lease) = (
            id.clone(),
            by.clone(),
            org.clone(),
            ts(now),
            ts(now + chrono::Duration::minutes(2)),
        );
        state
            .db
            .write(move |tx| {
                store::imports::insert(
                    tx,
                    &store::imports::NewImport {
                        id: &id,
                        org_id: &org,
                        user_id: &by,
                        kind: q.kind,
                        format,
                        at: &at,
                        lease_until: &lease,
                    },
                )
            })
            .await?;
    }
    let report = {
        let id = id.clone();
        state.db.read(move |tx| store::imports::get(tx, &id, now)).await?
    }
    .ok_or_else(|| ServerError::Internal("an import just stored is not found".into()))?;
    tracing::info!(import = %id, kind = q.kind.as_str(), bytes = body.len(), "import started");
    let task = state.clone();
    tokio::task::spawn_blocking(move || {
        let job = Job {
            kind: q.kind,
            format,
            by: &by,
            org_id: &org,
            status_id: Some(&id),
        };
        let outcome = import::run(&task, &body[..], &job, |_| {});
        let at = ts(task.now());
        let finished = match &outcome {
            Ok(t) => task
                .db
                .write_blocking(|tx| store::imports::finish(tx, &id, &t.progress(), None, &at)),
            Err(e) => {
                let message = e.to_string();
                task.db.write_blocking(|tx| {
                    let t = store::imports::get(tx, &id, task.now())?;
                    let none = import::Tally::default();
                    let progress = none.progress();
                    let p = match &t {
                        Some(r) => store::imports::Progress {
                            rows_read: r.rows_read,
                            rows_imported: r.rows_imported,
                            rows_rejected: r.rows_rejected,
                            rejections: &r.rejections,
                        },
                        None => progress,
                    };
                    store::imports::finish(tx, &id, &p, Some(&message), &at)
                })
            }
        };
        match (outcome, finished) {
            (Ok(t), Ok(())) => {
                tracing::info!(import = %id, imported = t.rows_imported, refused = t.rows_rejected, "import done")
            }
            (Err(e), _) => tracing::error!(import = %id, error = %e, "import failed"),
            (_, Err(e)) => tracing::error!(import = %id, error = %e, "recording the end of an import"),
        }
    });
    let mut out = HeaderMap::new();
    if let Ok(v) = format!("/v1/imports/{}", report.id).parse() {
        out.insert(header::LOCATION, v);
    }
    Ok((StatusCode::ACCEPTED, out, ApiJson(report)))
}

/// The format a content type names.
fn format_of(headers: &HeaderMap) -> Result<ImportFormat, ServerError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match ct.as_str() {
        "text/csv" => Ok(ImportFormat::Csv),
        "application/x-ndjson" | "application/jsonl" | "application/x-jsonlines" => Ok(ImportFormat::Jsonl),
        _ => Err(ServerError::bad_request(
            "say how the file is written: content-type text/csv or application/x-ndjson, or ?format=csv|jsonl",
        )),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ImportId {
    #[param(pattern = "^[A-Za-z0-9_.:-]{1,100}$")]
    id: String,
}

/// How an import is going: rows read, imported and refused (the first 1,000
/// with line and reason). Retailer administrators only.
#[utoipa::path(get, operation_id = "get_import", path = "/v1/imports/{id}", tag = "admin", params(ImportId),
    responses((status = 200, description = "Its status", body = ImportReport),
              (status = 401, description = "Not signed in", body = baton_proto::ApiError),
              (status = 403, description = "Not a retailer administrator", body = baton_proto::ApiError),
              (status = 404, description = "No such import", body = baton_proto::ApiError),
              (status = 422, description = "A malformed id", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(ImportId { id }): ApiPath<ImportId>,
) -> Result<ApiJson<ImportReport>, ServerError> {
    let reach = admin::reach(&caller)?;
    admin::retailer_only(&reach, "read imports")?;
    baton_proto::validate::id("id", &id)?;
    let now = state.now();
    state
        .db
        .read(move |tx| store::imports::get(tx, &id, now))
        .await?
        .map(ApiJson)
        .ok_or_else(|| ServerError::not_found("import"))
}

/// The 50 newest imports. Retailer administrators only.
#[utoipa::path(get, operation_id = "imports", path = "/v1/imports", tag = "admin",
    responses((status = 200, description = "Newest first", body = Vec<ImportReport>),
              (status = 401, description = "Not signed in", body = baton_proto::ApiError),
              (status = 403, description = "Not a retailer administrator", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn list(State(state): State<AppState>, caller: AuthUser) -> Result<ApiJson<Vec<ImportReport>>, ServerError> {
    let reach = admin::reach(&caller)?;
    admin::retailer_only(&reach, "read imports")?;
    let now = state.now();
    Ok(ApiJson(
        state.db.read(move |tx| store::imports::recent(tx, 50, now)).await?,
    ))
}

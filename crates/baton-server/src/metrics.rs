//! Prometheus figures at `GET /metrics`: requests by route and status with
//! their latency, mutations by outcome, confirmations sent and failed, and at
//! scrape time the feed's head, live streams and confirmations waiting. Routes
//! are the matched templates (`/v1/customers/{id}`), never a path with an id or
//! a query: nothing about a customer reaches the figures.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::error::ServerError;
use crate::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    status: String,
}

/// The server's figures; cheap to clone (shared).
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    mutations: Family<OutcomeLabels, Counter>,
    deliveries: Family<OutcomeLabels, Counter>,
    webhooks: Family<OutcomeLabels, Counter>,
    feed_head: Gauge,
    streams: Gauge,
    confirmations: Family<StatusLabels, Gauge>,
}

fn latency_histogram() -> Histogram {
    // 0.25 ms to about 8 s.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("baton");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(latency_histogram as fn() -> Histogram);
        let mutations = Family::<OutcomeLabels, Counter>::default();
        let deliveries = Family::<OutcomeLabels, Counter>::default();
        let webhooks = Family::<OutcomeLabels, Counter>::default();
        let feed_head = Gauge::default();
        let streams = Gauge::default();
        let confirmations = Family::<StatusLabels, Gauge>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route",
            latency.clone(),
        );
        registry.register("mutations", "Intent mutations, applied or rejected", mutations.clone());
        registry.register(
            "confirmation_deliveries",
            "Confirmations sent or failed (and retried)",
            deliveries.clone(),
        );
        registry.register(
            "webhook_attempts",
            "Webhook delivery attempts, delivered or failed",
            webhooks.clone(),
        );
        registry.register("feed_head_seq", "The change feed's newest seq", feed_head.clone());
        registry.register(
            "live_streams",
            "Consoles' live event streams open on this node",
            streams.clone(),
        );
        registry.register(
            "confirmations",
            "Confirmations by delivery status",
            confirmations.clone(),
        );
        Metrics {
            registry: Arc::new(registry),
            requests,
            latency,
            mutations,
            deliveries,
            webhooks,
            feed_head,
            streams,
            confirmations,
        }
    }
}

impl Metrics {
    /// Counts mutation outcomes (`applied`, `rejected`).
    pub fn mutations(&self, results: &[baton_proto::MutationResult]) {
        for r in results {
            let outcome = match r.outcome {
                baton_proto::MutationOutcome::Applied { .. } => "applied",
                baton_proto::MutationOutcome::Rejected { .. } => "rejected",
            };
            self.mutations
                .get_or_create(&OutcomeLabels {
                    outcome: outcome.into(),
                })
                .inc();
        }
    }

    pub fn webhooks(&self, delivered: usize, failed: usize) {
        for (outcome, n) in [("delivered", delivered), ("failed", failed)] {
            self.webhooks
                .get_or_create(&OutcomeLabels {
                    outcome: outcome.into(),
                })
                .inc_by(n as u64);
        }
    }

    pub fn deliveries(&self, sent: usize, failed: usize) {
        for (outcome, n) in [("sent", sent), ("failed", failed)] {
            self.deliveries
                .get_or_create(&OutcomeLabels {
                    outcome: outcome.into(),
                })
                .inc_by(n as u64);
        }
    }
}

/// Times and counts every request by its matched route.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = req.method().as_str().to_string();
    let started = Instant::now();
    let res = next.run(req).await;
    let m = &state.metrics;
    m.latency
        .get_or_create(&RouteLabels {
            method: method.clone(),
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    m.requests
        .get_or_create(&RequestLabels {
            method,
            route,
            status: res.status().as_u16(),
        })
        .inc();
    res
}

/// `GET /metrics`, in the Prometheus text format. With `BATON_METRICS_TOKEN`
/// set on the server, a scrape must send it as a bearer token.
pub async fn serve(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ServerError> {
    if let Some(expected) = &state.metrics_token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "));
        let same = given.is_some_and(|g| {
            use sha2::Digest;
            // Compared as digests, so the time taken says nothing about the token.
            sha2::Sha256::digest(g.as_bytes()) == sha2::Sha256::digest(expected.as_bytes())
        });
        if !same {
            return Err(ServerError::unauthenticated("the metrics need the scrape token"));
        }
    }
    let (head, waiting) = state
        .db
        .read(|tx| {
            Ok((
                crate::feed::head(tx)?,
                crate::store::confirmations::count_by_status(tx)?,
            ))
        })
        .await?;
    let m = &state.metrics;
    m.feed_head.set(head);
    m.streams.set(state.commits.receiver_count() as i64);
    for (status, n) in waiting {
        m.confirmations.get_or_create(&StatusLabels { status }).set(n);
    }
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &m.registry)
        .map_err(|e| ServerError::Internal(format!("encoding the metrics: {e}")))?;
    Ok((
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response())
}

//! The HTTP client for the Baton API: typed requests, typed errors.

use std::time::Duration;

use baton_proto::{
    ApiError, ChangesPage, ErrorCode, LoginRequest, LoginResponse, PushRequest, PushResponse, SnapshotPage,
    PROTOCOL_HEADER, PROTOCOL_VERSION,
};
use reqwest::{RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::{CoreError, Result};

#[derive(Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

/// Checks and normalises a server URL typed by a user (`https://host:port`, no
/// trailing slash). Plain `http://` is accepted only for a server on this
/// computer: anything else would send customer data and passwords readable to
/// whoever shares the network.
pub fn normalize_server_url(input: &str) -> Result<String> {
    let trimmed = input.trim().trim_end_matches('/');
    let url = reqwest::Url::parse(trimmed).map_err(|e| {
        CoreError::invalid(
            ErrorCode::BadRequest,
            format!("'{trimmed}' is not a server address: {e}"),
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(CoreError::invalid(
            ErrorCode::BadRequest,
            "the server address must start with https:// (or http:// for a server on this computer)",
        ));
    }
    if url.scheme() == "http" && !is_loopback(&url) {
        return Err(CoreError::invalid(
            ErrorCode::BadRequest,
            format!(
                "Baton connects to a server over the network only with https://, so nobody on the way can read \
                 customer data or your password: use https://{}… (http:// is only for a server on this computer)",
                url.host_str().unwrap_or_default()
            ),
        ));
    }
    Ok(trimmed.to_string())
}

fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Certificate authorities a console trusts besides the system's own store and
/// the public roots: a retailer's own CA, from PEM files.
fn trusted_roots(files: &[std::path::PathBuf]) -> Result<Vec<reqwest::Certificate>> {
    let mut out = Vec::new();
    for f in files {
        let pem = std::fs::read(f).map_err(|e| {
            CoreError::invalid(
                ErrorCode::BadRequest,
                format!("cannot read the certificate authority {}: {e}", f.display()),
            )
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            CoreError::invalid(
                ErrorCode::BadRequest,
                format!("{} is not a PEM certificate: {e}", f.display()),
            )
        })?;
        out.extend(certs);
    }
    Ok(out)
}

/// A request that did not get an answer: an untrusted certificate is said as
/// such (it will not fix itself), anything else is the network, said in words.
fn send_error(server: &str, e: reqwest::Error) -> CoreError {
    let mut chain = String::new();
    let mut source: Option<&dyn std::error::Error> = Some(&e);
    while let Some(err) = source {
        chain.push_str(&err.to_string());
        chain.push(' ');
        source = err.source();
    }
    if chain.contains("certificate") || chain.contains("UnknownIssuer") {
        return CoreError::invalid(
            ErrorCode::BadRequest,
            "this computer does not trust the server's certificate: ask your administrator for the retailer's \
             certificate authority (BATON_CA_CERT), or check the server address",
        );
    }
    let why = if e.is_timeout() {
        "it did not answer in time"
    } else if chain.contains("dns error") || chain.contains("failed to lookup address") {
        "its address cannot be found (check the server address, or this computer's network)"
    } else if chain.contains("Connection refused") {
        "it refuses connections (it may be stopped or restarting)"
    } else if e.is_connect() {
        "this computer cannot connect to it (check the network)"
    } else {
        "the connection broke off"
    };
    tracing::debug!(error = %e.without_url(), "request failed");
    offline(server, why)
}

/// `CoreError::Offline` for `server` (its host, as the user typed it).
fn offline(server: &str, why: &str) -> CoreError {
    let host = server
        .split_once("://")
        .map_or(server, |(_, rest)| rest)
        .trim_end_matches('/');
    CoreError::Offline {
        server: host.to_string(),
        why: why.to_string(),
    }
}

impl ApiClient {
    pub fn new(base: &str, token: Option<String>, ca_certs: &[std::path::PathBuf]) -> Result<ApiClient> {
        let mut builder = reqwest::Client::builder().connect_timeout(Duration::from_secs(5));
        for cert in trusted_roots(ca_certs)? {
            builder = builder.add_root_certificate(cert);
        }
        let http = builder
            .build()
            .map_err(|e| CoreError::Internal(format!("building the HTTP client: {e}")))?;
        Ok(ApiClient {
            http,
            base: normalize_server_url(base)?,
            token,
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v1{path}", self.base)
    }

    fn with_headers(&self, req: RequestBuilder) -> RequestBuilder {
        let req = req.header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string());
        match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    async fn send<T: DeserializeOwned>(&self, req: RequestBuilder) -> Result<T> {
        self.send_within(req, Duration::from_secs(30)).await
    }

    /// `send`, allowed `limit` (a file upload takes longer than a read).
    async fn send_within<T: DeserializeOwned>(&self, req: RequestBuilder, limit: Duration) -> Result<T> {
        let res = self
            .with_headers(req)
            .timeout(limit)
            .send()
            .await
            .map_err(|e| send_error(&self.base, e))?;
        let status = res.status();
        if status.is_success() {
            return res.json::<T>().await.map_err(|e| {
                tracing::debug!(error = %e.without_url(), "reading an answer");
                offline(&self.base, "its answer was cut off")
            });
        }
        Err(error_from(&self.base, status, res.text().await.unwrap_or_default()))
    }

    pub async fn login(&self, username: &str, password: &str) -> Result<LoginResponse> {
        let body = LoginRequest {
            username: username.to_string(),
            password: password.to_string(),
        };
        self.send(self.http.post(self.url("/auth/login")).json(&body)).await
    }

    pub async fn logout(&self) -> Result<()> {
        let res = self
            .with_headers(self.http.post(self.url("/auth/logout")))
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .map_err(|e| send_error(&self.base, e))?;
        match res.status() {
            s if s.is_success() || s == StatusCode::UNAUTHORIZED => Ok(()),
            s => Err(error_from(&self.base, s, res.text().await.unwrap_or_default())),
        }
    }

    pub async fn snapshot(&self, token: Option<&str>, epoch: Option<&str>, limit: usize) -> Result<SnapshotPage> {
        let mut q: Vec<(&str, String)> = vec![("limit", limit.to_string())];
        if let Some(t) = token {
            q.push(("token", t.to_string()));
        }
        if let Some(e) = epoch {
            q.push(("epoch", e.to_string()));
        }
        self.send(self.http.get(self.url("/sync/snapshot")).query(&q)).await
    }

    pub async fn changes(&self, after: i64, epoch: Option<&str>, limit: usize) -> Result<ChangesPage> {
        let mut q: Vec<(&str, String)> = vec![("after", after.to_string()), ("limit", limit.to_string())];
        if let Some(e) = epoch {
            q.push(("epoch", e.to_string()));
        }
        self.send(self.http.get(self.url("/sync/changes")).query(&q)).await
    }

    /// Sets a password with an invitation or reset code, and signs in.
    pub async fn accept_invite(&self, code: &str, password: &str) -> Result<LoginResponse> {
        let body = baton_proto::AcceptInvite {
            code: code.to_string(),
            password: password.to_string(),
        };
        self.send(self.http.post(self.url("/auth/accept-invite")).json(&body))
            .await
    }

    /// An administration request: `GET` without a body, or a method with one.
    pub async fn admin<B: serde::Serialize, T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T> {
        let req = self.http.request(method, self.url(&format!("/admin{path}")));
        let req = match body {
            Some(b) => req.json(b),
            None => req,
        };
        self.send(req).await
    }

    /// Starts an import of `file` (retailer administrators); the server answers
    /// at once with its status.
    pub async fn import_start(
        &self,
        kind: baton_proto::ImportKind,
        format: baton_proto::ImportFormat,
        file: String,
    ) -> Result<baton_proto::ImportReport> {
        let content_type = match format {
            baton_proto::ImportFormat::Csv => "text/csv",
            baton_proto::ImportFormat::Jsonl => "application/x-ndjson",
        };
        let req = self
            .http
            .post(self.url("/imports"))
            .query(&[("kind", kind.as_str()), ("format", format.as_str())])
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(file);
        self.send_within(req, Duration::from_secs(600)).await
    }

    /// The retailer's imports, newest first.
    pub async fn imports(&self) -> Result<Vec<baton_proto::ImportReport>> {
        self.send(self.http.get(self.url("/imports"))).await
    }

    pub async fn import(&self, id: &str) -> Result<baton_proto::ImportReport> {
        self.send(self.http.get(self.url(&format!("/imports/{}", url_segment(id)))))
            .await
    }

    /// The organisations the user can hand work to (a partner: the retailer and itself).
    pub async fn orgs(&self) -> Result<Vec<baton_proto::OrgProfile>> {
        self.send(self.http.get(self.url("/orgs"))).await
    }

    pub async fn confirmation_templates(&self) -> Result<Vec<baton_proto::ConfirmationTemplate>> {
        self.send(self.http.get(self.url("/confirmation-templates"))).await
    }

    /// A customer's whole record as the caller may see it, all history included.
    pub async fn customer(&self, customer_id: &str) -> Result<baton_proto::Customer> {
        let path = format!("/customers/{}", url_segment(customer_id));
        self.send(self.http.get(self.url(&path))).await
    }

    /// The jobs of a customer the caller may see.
    pub async fn customer_jobs(&self, customer_id: &str) -> Result<Vec<baton_proto::Job>> {
        let page: baton_proto::Page<baton_proto::Job> = self
            .send(self.http.get(self.url("/jobs")).query(&[("customer", customer_id)]))
            .await?;
        Ok(page.items)
    }

    /// The server's search (`GET /v1/customers`) by one field: `phone`,
    /// `email` or `q` (a name or a number); its first page.
    pub async fn search_customers(&self, field: &str, value: &str) -> Result<Vec<baton_proto::CustomerSummary>> {
        let page: baton_proto::Page<baton_proto::CustomerSummary> = self
            .send(
                self.http
                    .get(self.url("/customers"))
                    .query(&[(field, value), ("limit", "20")]),
            )
            .await?;
        Ok(page.items)
    }

    /// Customers that are probably the same one as `customer_id` (retailer staff).
    pub async fn duplicates(&self, customer_id: &str) -> Result<Vec<baton_proto::DuplicateCandidate>> {
        let path = format!("/customers/{}/duplicates", url_segment(customer_id));
        self.send(self.http.get(self.url(&path))).await
    }

    /// The merges into `customer_id`, newest first, undone ones included (retailer staff).
    pub async fn merges(&self, customer_id: &str) -> Result<Vec<baton_proto::MergeRecord>> {
        let path = format!("/customers/{}/merges", url_segment(customer_id));
        self.send(self.http.get(self.url(&path))).await
    }

    /// Says the user is on a record (or has left it).
    pub async fn presence_put(&self, update: &baton_proto::PresenceUpdate) -> Result<()> {
        let res = self
            .with_headers(self.http.put(self.url("/presence")).json(update))
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .map_err(|e| send_error(&self.base, e))?;
        let status = res.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(error_from(&self.base, status, res.text().await.unwrap_or_default()))
        }
    }

    /// Who else is on a record now.
    pub async fn presence(&self, customer_id: &str) -> Result<Vec<baton_proto::Presence>> {
        let path = format!("/customers/{}/presence", url_segment(customer_id));
        self.send(self.http.get(self.url(&path))).await
    }

    /// A partner's scorecard: the same figures the retailer and the partner see.
    pub async fn scorecard(
        &self,
        org_id: &str,
        period: &baton_proto::ScorecardPeriod,
    ) -> Result<baton_proto::Scorecard> {
        let path = format!("/orgs/{}/scorecard", url_segment(org_id));
        self.send(self.http.get(self.url(&path)).query(period)).await
    }

    pub async fn scorecard_items(
        &self,
        org_id: &str,
        figure: baton_proto::ScorecardFigure,
        period: &baton_proto::ScorecardPeriod,
    ) -> Result<baton_proto::ScorecardItems> {
        let path = format!("/orgs/{}/scorecard/items", url_segment(org_id));
        self.send(
            self.http
                .get(self.url(&path))
                .query(&[("figure", figure)])
                .query(period),
        )
        .await
    }

    pub async fn scorecard_trend(&self, org_id: &str, weeks: u32) -> Result<Vec<baton_proto::Scorecard>> {
        let path = format!("/orgs/{}/scorecard/trend", url_segment(org_id));
        self.send(self.http.get(self.url(&path)).query(&[("weeks", weeks)]))
            .await
    }

    pub async fn push(&self, req: &PushRequest) -> Result<PushResponse> {
        self.send(self.http.post(self.url("/sync/push")).json(req)).await
    }

    /// Opens the live poke stream; the caller reads it until it ends or stalls.
    pub async fn events(&self) -> Result<reqwest::Response> {
        let res = self
            .with_headers(self.http.get(self.url("/sync/events")))
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .send()
            .await
            .map_err(|e| send_error(&self.base, e))?;
        if res.status().is_success() {
            Ok(res)
        } else {
            let status = res.status();
            Err(error_from(&self.base, status, res.text().await.unwrap_or_default()))
        }
    }
}

fn error_from(server: &str, status: StatusCode, body: String) -> CoreError {
    match serde_json::from_str::<ApiError>(&body) {
        Ok(e) => CoreError::Api(e),
        // Not our server's JSON (a proxy page, a gateway error): say what happened.
        Err(_) if status.is_server_error() => offline(
            server,
            &format!(
                "it answered with an error ({}), perhaps from a proxy in front of it",
                status.as_u16()
            ),
        ),
        Err(_) => CoreError::Api(ApiError::new(
            ErrorCode::Internal,
            format!("the server answered {status}"),
        )),
    }
}

/// An id as one URL path segment (ids are plain, but never trust that at a boundary).
pub(crate) fn url_segment(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.:".contains(c) {
                c.to_string()
            } else {
                format!("%{:02X}", c as u32 & 0xff)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server that is down is named, the reason is said in words, and the
    /// user is told the edits are safe — no library's text.
    #[tokio::test]
    async fn an_unreachable_server_is_said_in_words_a_user_acts_on() {
        // A port nothing listens on: bound, then released.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let api = ApiClient::new(&format!("http://127.0.0.1:{port}"), None, &[]).expect("client");
        let err = api.login("alice", "password").await.expect_err("nobody answers");
        assert_eq!(err.code(), ErrorCode::Offline);
        let message = err.to_api().message;
        assert_eq!(
            message,
            format!(
                "The server at 127.0.0.1:{port} is not answering: it refuses connections (it may be stopped or \
                 restarting). Your edits are kept on this computer and will be sent when it answers."
            )
        );
        // A proxy's error page in place of the server's answer.
        let proxied = error_from("https://baton.example.com/", StatusCode::BAD_GATEWAY, "<html>".into());
        assert!(proxied
            .to_string()
            .starts_with("The server at baton.example.com is not answering: it answered with an error (502)"));
    }

    #[test]
    fn server_urls_are_checked_and_normalised() {
        assert_eq!(
            normalize_server_url(" http://127.0.0.1:8787/ ").ok().as_deref(),
            Some("http://127.0.0.1:8787")
        );
        for bad in ["", "localhost:8787", "ftp://x", "http://"] {
            assert!(normalize_server_url(bad).is_err(), "{bad}");
        }
    }
}

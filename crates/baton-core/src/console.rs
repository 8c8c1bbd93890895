//! `Console`: a signed-in user's cache and sync engine. What the desktop app's
//! commands call, and what tests and tools use to act as a console.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use baton_proto::{ContactKind, ErrorCode, Intent, JobStatus, OrgKind};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::{broadcast, watch};

use crate::cache::{AtRest, Cache, CacheKey};
use crate::client::{normalize_server_url, ApiClient};
use crate::credentials::{account, cache_key_account, SecretStore};
use crate::error::{CoreError, Result};
use crate::sync::{SyncHandle, SyncOptions};
use crate::view::{CustomerView, MatchKind, Resolution, SearchHit, SessionInfo, SyncStatus};

/// Where the organisations as last fetched are kept (forms and business hours offline).
const ORGS_KEY: &str = "orgs";

/// Where a console keeps its files and secrets.
#[derive(Clone)]
pub struct ConsoleConfig {
    /// Holds `session.json` (who was signed in, no secrets) and `caches/`.
    pub data_dir: PathBuf,
    pub secrets: Arc<dyn SecretStore>,
    pub sync: SyncOptions,
    /// PEM files of certificate authorities to trust besides the system's (a
    /// retailer's own CA for its server).
    pub ca_certs: Vec<PathBuf>,
    /// Keep the cache unencrypted: only for measuring what encryption costs.
    pub plain_cache: bool,
}

impl ConsoleConfig {
    fn session_file(&self) -> PathBuf {
        self.data_dir.join("session.json")
    }

    fn cache_file(&self, server_url: &str, username: &str) -> PathBuf {
        let digest = Sha256::digest(account(server_url, username).as_bytes());
        let name: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        self.data_dir.join("caches").join(format!("{name}.sqlite"))
    }
}

/// The last session, as remembered on disk (no token: that is in the keyring).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SessionFile {
    server_url: String,
    user: baton_proto::UserInfo,
}

fn read_session(path: &Path) -> Option<SessionFile> {
    let text = std::fs::read_to_string(path).ok()?;
    match serde_json::from_str(&text) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!(error = %e, path = %path.display(), "ignoring an unreadable session file");
            None
        }
    }
}

pub struct Console {
    info: SessionInfo,
    cfg: ConsoleConfig,
    api: ApiClient,
    cache: Cache,
    sync: SyncHandle,
}

fn require(field: &str, value: &str, max: usize) -> Result<()> {
    if value.trim().is_empty() {
        return Err(CoreError::invalid(
            ErrorCode::BadRequest,
            format!("{field} is required"),
        ));
    }
    if value.len() > max {
        return Err(CoreError::invalid(
            ErrorCode::BadRequest,
            format!("{field} is too long"),
        ));
    }
    Ok(())
}

impl Console {
    /// Signs in against the server, keeps the token in the secret store and starts syncing.
    pub async fn sign_in(cfg: ConsoleConfig, server_url: &str, username: &str, password: &str) -> Result<Console> {
        require("server address", server_url, 500)?;
        require("username", username, 200)?;
        require("password", password, 1024)?;
        let server_url = normalize_server_url(server_url)?;
        let res = ApiClient::new(&server_url, None, &cfg.ca_certs)?
            .login(username.trim(), password)
            .await?;
        Console::signed_in(cfg, server_url, res)
    }

    /// Sets the user's password with the one-time code an administrator gave
    /// them (an invitation or a reset) and signs in.
    pub async fn accept_invite(cfg: ConsoleConfig, server_url: &str, code: &str, password: &str) -> Result<Console> {
        require("server address", server_url, 500)?;
        require("code", code, 100)?;
        let chars = password.chars().count();
        if chars < baton_proto::MIN_PASSWORD_CHARS || password.len() > 1024 {
            return Err(CoreError::invalid(
                ErrorCode::BadRequest,
                format!(
                    "the password must be {} to 1024 characters",
                    baton_proto::MIN_PASSWORD_CHARS
                ),
            ));
        }
        let server_url = normalize_server_url(server_url)?;
        let res = ApiClient::new(&server_url, None, &cfg.ca_certs)?
            .accept_invite(code.trim(), password)
            .await?;
        Console::signed_in(cfg, server_url, res)
    }

    fn signed_in(cfg: ConsoleConfig, server_url: String, res: baton_proto::LoginResponse) -> Result<Console> {
        cfg.secrets.set(&account(&server_url, &res.user.username), &res.token)?;
        std::fs::create_dir_all(&cfg.data_dir)
            .map_err(|e| CoreError::Internal(format!("creating {}: {e}", cfg.data_dir.display())))?;
        let file = SessionFile {
            server_url: server_url.clone(),
            user: res.user.clone(),
        };
        let text = serde_json::to_string_pretty(&file).map_err(|e| CoreError::Internal(e.to_string()))?;
        std::fs::write(cfg.session_file(), text)
            .map_err(|e| CoreError::Internal(format!("writing the session file: {e}")))?;
        tracing::info!(user = %res.user.username, server = %server_url, "signed in");
        Console::open(
            cfg,
            SessionInfo {
                server_url,
                user: res.user,
            },
            res.token,
        )
    }

    /// The API client of this session.
    pub(crate) fn api(&self) -> &ApiClient {
        &self.api
    }

    /// Reopens the last session if its token is still in the secret store.
    pub fn resume(cfg: ConsoleConfig) -> Result<Option<Console>> {
        let Some(file) = read_session(&cfg.session_file()) else {
            return Ok(None);
        };
        let Some(token) = cfg.secrets.get(&account(&file.server_url, &file.user.username))? else {
            return Ok(None);
        };
        Console::open(
            cfg,
            SessionInfo {
                server_url: file.server_url,
                user: file.user,
            },
            token,
        )
        .map(Some)
    }

    /// Who signed in last on this machine (to prefill the sign-in form), if anyone.
    pub fn last_session(cfg: &ConsoleConfig) -> Option<SessionInfo> {
        read_session(&cfg.session_file()).map(|f| SessionInfo {
            server_url: f.server_url,
            user: f.user,
        })
    }

    fn open(cfg: ConsoleConfig, info: SessionInfo, token: String) -> Result<Console> {
        let path = cfg.cache_file(&info.server_url, &info.user.username);
        let cache = if cfg.plain_cache {
            Cache::open(&path, &AtRest::Plain)?
        } else {
            let key_account = cache_key_account(&info.server_url, &info.user.username);
            match cfg.secrets.get(&key_account)? {
                Some(hex) => Cache::open(&path, &AtRest::Encrypted(CacheKey::from_hex(&hex)?))?,
                None => {
                    // A new key. A file already there is either a plain cache from an
                    // earlier Baton (encrypted now, edits kept) or one whose key is gone
                    // from the keyring: unreadable, set aside rather than deleted.
                    let key = CacheKey::random();
                    cfg.secrets.set(&key_account, &key.to_hex())?;
                    match Cache::open(&path, &AtRest::Encrypted(key.clone())) {
                        Ok(c) => c,
                        Err(e) if path.exists() => {
                            tracing::warn!(error = %e, "the local cache cannot be read with a new key; setting it aside");
                            let aside = path.with_extension(format!("unreadable-{}", chrono::Utc::now().timestamp()));
                            std::fs::rename(&path, &aside)
                                .map_err(|e| CoreError::Internal(format!("setting the unreadable cache aside: {e}")))?;
                            crate::cache::delete_files(&path)?;
                            Cache::open(&path, &AtRest::Encrypted(key))?
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
        };
        if cache.for_org(&info.user.org.id)? {
            tracing::info!("the user's organisation changed: its records from the old one are gone");
        }
        let api = ApiClient::new(&info.server_url, Some(token), &cfg.ca_certs)?;
        let sync = SyncHandle::start(api.clone(), cache.clone(), cfg.sync.clone())?;
        Ok(Console {
            info,
            cfg,
            api,
            cache,
            sync,
        })
    }

    /// Signs out: ends the server session (when reachable) and removes the token
    /// from the secret store. The cache, with any queued edits, stays on disk so
    /// nothing saved is lost; it is pushed after the next sign-in.
    /// Signs out. Edits still queued go to the server first (waiting a little
    /// for them); if some cannot, nothing is removed and the answer is
    /// `unsynced` with how many, unless the user chose to discard them. Then the
    /// server session ends, and the token, the cache and its key are deleted:
    /// nothing of the user's customers stays on this computer.
    pub async fn sign_out(&self, discard_unsynced: bool) -> Result<()> {
        if !discard_unsynced {
            self.drain().await?;
        }
        self.end_session().await
    }

    /// Sends what is queued, waiting a little; `unsynced` (with how many) when
    /// some edits could not reach the server.
    pub async fn drain(&self) -> Result<()> {
        if self.status().pending > 0 {
            self.sync_now();
            let _ = self
                .wait_until(std::time::Duration::from_secs(10), |c| c.status().pending == 0)
                .await;
            let pending = self.status().pending;
            if pending > 0 {
                return Err(CoreError::Api(baton_proto::ApiError {
                    details: Some(serde_json::json!({ "pending": pending })),
                    ..baton_proto::ApiError::new(
                        ErrorCode::Unsynced,
                        format!(
                            "{pending} {} not reached the server yet; signing out now would lose {}",
                            if pending == 1 { "edit has" } else { "edits have" },
                            if pending == 1 { "it" } else { "them" }
                        ),
                    )
                }));
            }
        }
        Ok(())
    }

    async fn end_session(&self) -> Result<()> {
        self.sync.stop();
        if let Err(e) = self.api.logout().await {
            tracing::warn!(error = %e, "could not end the server session; removing the local token anyway");
        }
        let (server, user) = (&self.info.server_url, &self.info.user.username);
        self.cfg.secrets.delete(&account(server, user))?;
        match std::fs::remove_file(self.cfg.session_file()) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(CoreError::Internal(format!("removing the session file: {e}"))),
        }
        crate::cache::delete_files(&self.cfg.cache_file(server, user))?;
        self.cfg.secrets.delete(&cache_key_account(server, user))
    }

    /// Lets go of this console without signing out (its session ended on the
    /// server): the cache, its key and its queued edits stay for the next sign-in.
    pub fn release(&self) {
        self.sync.stop();
    }

    /// The cache, unless the server ended the session: then nothing of it is
    /// shown until the user signs in again.
    fn live(&self) -> Result<&Cache> {
        if self.status().connectivity == crate::view::Connectivity::SignedOut {
            return Err(CoreError::Locked);
        }
        Ok(&self.cache)
    }

    pub fn session(&self) -> &SessionInfo {
        &self.info
    }

    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    pub fn search(&self, query: &str) -> Result<Vec<SearchHit>> {
        self.live()?.search(query)
    }

    /// This user as the server names an author: "name (organisation)".
    fn by(&self) -> String {
        format!("{} ({})", self.info.user.display_name, self.info.user.org.name)
    }

    /// The record as it stands, marked with what others changed since the user
    /// last opened it (see `open_customer`).
    pub fn customer(&self, id: &str) -> Result<CustomerView> {
        let since = self.live()?.compared_to(id)?;
        self.marked(self.stored(id)?, since)
    }

    fn stored(&self, id: &str) -> Result<CustomerView> {
        self.live()?
            .customer_view(id)?
            .ok_or_else(|| CoreError::invalid(ErrorCode::NotFound, "that customer is not in your records"))
    }

    fn marked(&self, mut view: CustomerView, since: Option<chrono::DateTime<chrono::Utc>>) -> Result<CustomerView> {
        view.last_viewed_at = since;
        if let Some(since) = since {
            view.changes = crate::markers::changes_since(&view.customer, since, &self.by());
        }
        Ok(view)
    }

    /// The user opens a record: from now on its markers compare against the
    /// previous opening, and stay while it is on screen however often it refreshes.
    pub fn open_customer(&self, id: &str) -> Result<CustomerView> {
        let view = self.stored(id)?;
        let since = self.live()?.record_opened(id, chrono::Utc::now())?;
        self.marked(view, since)
    }

    /// Opens a record, fetching it from the server when the cache does not
    /// hold it yet because the first snapshot is still loading: the agent can
    /// work on any customer while the rest arrives. Otherwise as `open_customer`.
    pub async fn open_customer_or_fetch(&self, id: &str) -> Result<CustomerView> {
        match self.open_customer(id) {
            Err(e) if e.code() == ErrorCode::NotFound && self.status().initial_sync => {
                let (customer, jobs) = tokio::try_join!(self.api.customer(id), self.api.customer_jobs(id))?;
                self.live()?.store_fetched(&customer, &jobs)?;
                self.open_customer(id)
            }
            other => other,
        }
    }

    /// Searches the cache and, while the first snapshot is still loading, the
    /// server too (for customers not yet arrived; opening one fetches it).
    /// Offline, or once the cache is complete, the cache alone answers.
    pub async fn search_everywhere(&self, query: &str) -> Result<Vec<SearchHit>> {
        let mut hits = self.search(query)?;
        let q = query.trim();
        if !self.status().initial_sync || q.chars().count() < 2 || hits.len() >= crate::cache::search::MAX_HITS {
            return Ok(hits);
        }
        let phone_like =
            q.chars().any(|c| c.is_ascii_digit()) && q.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
        let (field, kind) = if phone_like {
            match baton_proto::contact::normalize_phone(q) {
                Ok(_) => ("phone", MatchKind::Phone),
                // A number still being typed: the server finds whole numbers only.
                Err(_) => return Ok(hits),
            }
        } else if q.contains('@') {
            ("email", MatchKind::Email)
        } else {
            ("q", MatchKind::Name)
        };
        let found = match self.api.search_customers(field, q).await {
            Ok(found) => found,
            Err(e) => {
                tracing::debug!(error = %e, "server search while syncing; the cache answers alone");
                return Ok(hits);
            }
        };
        for c in found {
            if hits.iter().any(|h| h.customer_id == c.id) {
                continue;
            }
            let person = c.people.first();
            hits.push(SearchHit {
                customer_id: c.id.clone(),
                customer_number: c.number.clone(),
                display_name: c.display_name.clone(),
                person_name: person.map(|p| p.name.clone()),
                match_kind: if kind == MatchKind::Name && person.is_none() {
                    MatchKind::CustomerNumber
                } else {
                    kind
                },
                matched: person.map_or_else(|| c.number.clone(), |p| p.matched.clone()),
            });
            if hits.len() >= crate::cache::search::MAX_HITS {
                break;
            }
        }
        Ok(hits)
    }

    /// The organisations work can be handed to: fresh from the server when it
    /// answers, else as last fetched (so the forms work offline), else the user's own.
    pub async fn orgs(&self) -> Result<Vec<baton_proto::OrgProfile>> {
        match self.api.orgs().await {
            Ok(orgs) => {
                self.live()?.store(ORGS_KEY, &orgs)?;
                Ok(orgs)
            }
            Err(e) => {
                tracing::debug!(error = %e, "organisations from the cache");
                Ok(self.live()?.stored(ORGS_KEY)?.unwrap_or_else(|| {
                    vec![baton_proto::OrgProfile {
                        org: self.info.user.org.clone(),
                        visible_fields: Vec::new(),
                        calendar: None,
                    }]
                }))
            }
        }
    }

    /// The retailer's confirmation templates (all a partner may send): fresh
    /// from the server when it answers, else as last fetched, so the form works offline.
    pub async fn confirmation_templates(&self) -> Result<Vec<baton_proto::ConfirmationTemplate>> {
        const KEY: &str = "confirmation_templates";
        match self.api.confirmation_templates().await {
            Ok(found) => {
                self.live()?.store(KEY, &found)?;
                Ok(found)
            }
            Err(e) => {
                tracing::debug!(error = %e, "confirmation templates from the cache");
                Ok(self.live()?.stored(KEY)?.unwrap_or_default())
            }
        }
    }

    /// The record on screen, re-read after a change: what it shows now counts as seen.
    pub fn refresh_customer(&self, id: &str) -> Result<CustomerView> {
        let view = self.customer(id)?;
        self.live()?.record_seen(id, chrono::Utc::now())?;
        Ok(view)
    }

    /// Partner scorecards: every partner's for the retailer's staff, a partner's
    /// own for its users. Figures are computed by the server over all data, so
    /// this needs the connection; offline it says so.
    pub async fn scorecards(&self, period: &baton_proto::ScorecardPeriod) -> Result<Vec<baton_proto::Scorecard>> {
        let orgs = self.api.orgs().await?;
        let mut out = Vec::new();
        for o in orgs.iter().filter(|o| o.org.kind == OrgKind::Partner) {
            out.push(self.api.scorecard(&o.org.id, period).await?);
        }
        Ok(out)
    }

    /// The items behind one figure of a partner's scorecard, newest first (needs
    /// the connection).
    pub async fn scorecard_items(
        &self,
        org_id: &str,
        figure: baton_proto::ScorecardFigure,
        period: &baton_proto::ScorecardPeriod,
    ) -> Result<baton_proto::ScorecardItems> {
        self.api.scorecard_items(org_id, figure, period).await
    }

    /// One partner's scorecard week by week, oldest first (needs the connection).
    pub async fn scorecard_trend(&self, org_id: &str, weeks: u32) -> Result<Vec<baton_proto::Scorecard>> {
        self.api.scorecard_trend(org_id, weeks).await
    }

    /// Fetches a customer's whole history from the server (the console keeps
    /// the recent part of each record) and keeps it; returns the record as it
    /// now shows. Needs the connection.
    pub async fn load_full_history(&self, customer_id: &str) -> Result<CustomerView> {
        let full = self.api.customer(customer_id).await?;
        self.live()?.store_full_history(&full)?;
        self.customer(customer_id)
    }

    /// Likely duplicates of a customer, for a side-by-side review before a merge.
    /// Found by the server over every customer, so this needs the connection.
    pub async fn duplicates(&self, customer_id: &str) -> Result<Vec<baton_proto::DuplicateCandidate>> {
        self.api.duplicates(customer_id).await
    }

    /// The merges into a customer, so one can be undone (needs the connection).
    pub async fn merges(&self, customer_id: &str) -> Result<Vec<baton_proto::MergeRecord>> {
        self.api.merges(customer_id).await
    }

    /// Says the user is on a record, and answers who else is: live across
    /// organisations, so two of them do not call the customer at once. Needs the
    /// connection; offline there is nobody to tell.
    pub async fn presence(
        &self,
        customer_id: &str,
        activity: baton_proto::PresenceActivity,
        contact_point_id: Option<String>,
    ) -> Result<Vec<baton_proto::Presence>> {
        let update = baton_proto::PresenceUpdate {
            customer_id: customer_id.to_string(),
            activity,
            contact_point_id,
        };
        self.api.presence_put(&update).await?;
        if activity == baton_proto::PresenceActivity::Left {
            return Ok(Vec::new());
        }
        self.api.presence(customer_id).await
    }

    /// Open tickets for a home view, the most urgent first.
    pub fn tickets(&self, filter: &crate::view::TicketFilter) -> Result<Vec<crate::view::TicketRow>> {
        self.live()?.tickets(filter, chrono::Utc::now())
    }

    /// The dispatcher's jobs board.
    pub fn jobs_board(&self, filter: &crate::view::JobBoardFilter) -> Result<Vec<crate::view::JobRow>> {
        if let (Some(from), Some(to)) = (filter.from, filter.to) {
            if to <= from {
                return Err(CoreError::invalid(
                    ErrorCode::BadRequest,
                    "the board's range must end after it starts",
                ));
            }
        }
        self.live()?.jobs_board(filter)
    }

    /// This user's callbacks that have come due since last asked, each once.
    pub fn take_due_callbacks(&self) -> Result<Vec<crate::view::FollowUpRow>> {
        self.live()?.take_due_callbacks(&self.info.user.id, chrono::Utc::now())
    }

    /// When this user's next scheduled callback comes due.
    pub fn next_callback_due(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        self.live()?.next_callback_due(&self.info.user.id, chrono::Utc::now())
    }

    /// Changes one phone number or email of a person: saved locally at once (works
    /// offline), queued, and pushed. Invalid values are refused before anything is queued.
    pub fn set_contact_point(
        &self,
        customer_id: &str,
        person_id: &str,
        contact_point_id: &str,
        value: &str,
    ) -> Result<CustomerView> {
        let current = self.customer(customer_id)?;
        let point = current
            .customer
            .contact_point(person_id, contact_point_id)
            .ok_or_else(|| CoreError::invalid(ErrorCode::NotFound, "that contact is not on this customer"))?;
        if value.trim().is_empty() {
            let what = if point.kind == ContactKind::Phone {
                "phone number"
            } else {
                "email address"
            };
            return Err(CoreError::invalid(
                ErrorCode::BadRequest,
                format!("the {what} cannot be empty"),
            ));
        }
        let intent = Intent::SetContactPoint {
            customer_id: customer_id.to_string(),
            person_id: person_id.to_string(),
            contact_point_id: contact_point_id.to_string(),
            value: value.to_string(),
            base_value: point.value.clone(),
        };
        self.live()?.enqueue(intent, &self.by())?;
        self.sync.nudge();
        self.customer(customer_id)
    }

    /// Gives a job to another partner organisation. Retailer staff only; queued
    /// like every edit, and confirmed when the feed delivers the moved job.
    pub fn reassign_job(&self, job_id: &str, org_id: &str) -> Result<()> {
        if self.info.user.org.kind != OrgKind::Retailer {
            return Err(CoreError::invalid(
                ErrorCode::Forbidden,
                "only the retailer's staff can reassign a job",
            ));
        }
        require("partner organisation", org_id, 100)?;
        let job = self
            .cache
            .job(job_id)?
            .ok_or_else(|| CoreError::invalid(ErrorCode::NotFound, "that job is not in your records"))?;
        let intent = Intent::ReassignJob {
            customer_id: job.customer_id,
            job_id: job.id,
            org_id: org_id.trim().to_string(),
        };
        self.live()?.enqueue(intent, &self.by())?;
        self.sync.nudge();
        Ok(())
    }

    /// Moves a job along its lifecycle. Refused here when the move is not allowed
    /// from the status this console shows; the server judges it again against
    /// the job's current status.
    pub fn set_job_status(&self, job_id: &str, status: JobStatus) -> Result<()> {
        let job = self
            .cache
            .job(job_id)?
            .ok_or_else(|| CoreError::invalid(ErrorCode::NotFound, "that job is not in your records"))?;
        if !job.status.can_move_to(status) {
            return Err(CoreError::invalid(
                ErrorCode::BadRequest,
                format!(
                    "a job that is {} cannot become {}",
                    job.status.as_str(),
                    status.as_str()
                ),
            ));
        }
        let intent = Intent::SetJobStatus {
            customer_id: job.customer_id,
            job_id: job.id,
            status,
            base_status: job.status,
        };
        self.live()?.enqueue(intent, &self.by())?;
        self.sync.nudge();
        Ok(())
    }

    /// Queues any edit (a note, a callback, a commitment, a queue action…): saved
    /// locally with its outbox entry in one transaction, then pushed. The server
    /// validates and authorises it again; a refusal comes back on the record.
    /// Returns the mutation id.
    pub fn submit(&self, intent: Intent) -> Result<uuid::Uuid> {
        let staff_only = match &intent {
            Intent::CreateCustomer { .. } => Some("create a customer"),
            Intent::CreateJob { .. } => Some("give a partner a job"),
            Intent::CancelJob { .. } => Some("cancel a job"),
            Intent::CreateOrder { .. } | Intent::UpdateOrder { .. } => Some("record orders"),
            _ => None,
        };
        if let Some(what) = staff_only.filter(|_| self.info.user.org.kind != OrgKind::Retailer) {
            return Err(CoreError::invalid(
                ErrorCode::Forbidden,
                format!("only the retailer's staff can {what}"),
            ));
        }
        let id = self.live()?.enqueue(intent, &self.by())?;
        self.sync.nudge();
        Ok(id)
    }

    /// Open callbacks and commitments for a queue view, overdue first.
    pub fn follow_ups(&self, filter: &crate::view::FollowUpFilter) -> Result<Vec<crate::view::FollowUpRow>> {
        let now = chrono::Utc::now();
        let mut rows = self.live()?.follow_ups(filter, now)?;
        self.measure_in_business_hours(&mut rows, now)?;
        Ok(rows)
    }

    /// Adds the business time left to each row whose owner has opening hours,
    /// from the organisations as last fetched (so it works offline).
    fn measure_in_business_hours(
        &self,
        rows: &mut [crate::view::FollowUpRow],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        let orgs: Vec<baton_proto::OrgProfile> = self.live()?.stored(ORGS_KEY)?.unwrap_or_default();
        let clocks: std::collections::HashMap<&str, baton_proto::BusinessClock> = orgs
            .iter()
            .filter_map(|o| o.calendar.as_ref().map(|c| (o.org.id.as_str(), c.clock())))
            .collect();
        for row in rows.iter_mut().filter(|r| !r.waiting) {
            if let (Some(clock), Some(due)) = (clocks.get(row.owner_org_id.as_str()), row.due_until.or(row.due_at)) {
                row.business = crate::view::BusinessTimeLeft::of(clock, now, due);
            }
        }
        Ok(())
    }

    /// Open, overdue and escalated follow-ups per owning organisation.
    pub fn queue_counts(&self) -> Result<Vec<baton_proto::QueueCounts>> {
        self.live()?.queue_counts(chrono::Utc::now())
    }

    /// Reassigns, reschedules or escalates each selected follow-up (supervisors):
    /// one queued edit per item, all saved before this returns, so a bulk action
    /// survives going offline or closing the app. Returns how many were queued.
    pub fn act_on_follow_ups(
        &self,
        items: &[crate::view::FollowUpRef],
        action: &crate::view::QueueAction,
    ) -> Result<usize> {
        use crate::view::QueueAction;
        if !self.info.user.role.supervises() {
            return Err(CoreError::invalid(
                ErrorCode::Forbidden,
                "only supervisors can reassign, reschedule or escalate",
            ));
        }
        if items.is_empty() {
            return Err(CoreError::invalid(ErrorCode::BadRequest, "select at least one item"));
        }
        match action {
            QueueAction::Reassign { owner_org_id, .. } => require("organisation", owner_org_id, 100)?,
            QueueAction::Reschedule { due_at, due_until } => {
                if due_until.is_some_and(|u| u <= *due_at) {
                    return Err(CoreError::invalid(
                        ErrorCode::BadRequest,
                        "the window must end after it starts",
                    ));
                }
            }
            QueueAction::Escalate { reason } => require("reason", reason, 4000)?,
        }
        for r in items {
            let intent = match action.clone() {
                QueueAction::Reassign {
                    owner_org_id,
                    owner_user_id,
                } => Intent::ReassignFollowUp {
                    customer_id: r.customer_id.clone(),
                    item: r.item.clone(),
                    owner_org_id,
                    owner_user_id,
                },
                QueueAction::Reschedule { due_at, due_until } => Intent::RescheduleFollowUp {
                    customer_id: r.customer_id.clone(),
                    item: r.item.clone(),
                    due_at,
                    due_until: due_until.filter(|_| r.item.kind == baton_proto::FollowUpKind::Callback),
                },
                QueueAction::Escalate { reason } => Intent::EscalateFollowUp {
                    customer_id: r.customer_id.clone(),
                    item: r.item.clone(),
                    reason: reason.trim().to_string(),
                },
            };
            self.live()?.enqueue(intent, &self.by())?;
        }
        self.sync.nudge();
        Ok(items.len())
    }

    /// Deals with a rejected or conflicting edit: keep what the record shows, or
    /// (for a conflict) put back the value the edit replaced. Returns the record.
    pub fn resolve_edit(&self, mutation_id: &str, resolution: Resolution) -> Result<CustomerView> {
        let (intent, conflict) = self
            .cache
            .unresolved(mutation_id)?
            .ok_or_else(|| CoreError::invalid(ErrorCode::NotFound, "there is nothing to resolve for that edit"))?;
        if resolution == Resolution::RestoreReplaced {
            let (
                Some(conflict),
                Intent::SetContactPoint {
                    customer_id,
                    person_id,
                    contact_point_id,
                    ..
                },
            ) = (conflict, &intent)
            else {
                return Err(CoreError::invalid(
                    ErrorCode::BadRequest,
                    "only a conflicting contact edit can be restored",
                ));
            };
            self.set_contact_point(customer_id, person_id, contact_point_id, &conflict.replaced_value)?;
        }
        self.live()?.mark_resolved(mutation_id)?;
        self.sync.nudge();
        self.customer(intent.customer_id())
    }

    pub fn status(&self) -> SyncStatus {
        self.sync.status()
    }

    pub fn subscribe_status(&self) -> watch::Receiver<SyncStatus> {
        self.sync.subscribe_status()
    }

    pub fn subscribe_changes(&self) -> broadcast::Receiver<Vec<String>> {
        self.sync.subscribe_changes()
    }

    /// Waits, woken by this console's own status and change events (no polling),
    /// until `check` holds. For tools, tests and anything that must act once the
    /// cache reaches a state.
    pub async fn wait_until(&self, limit: std::time::Duration, mut check: impl FnMut(&Console) -> bool) -> Result<()> {
        let deadline = tokio::time::Instant::now() + limit;
        let mut status = self.subscribe_status();
        let mut changes = self.subscribe_changes();
        loop {
            if check(self) {
                return Ok(());
            }
            tokio::select! {
                _ = status.changed() => {}
                _ = changes.recv() => {}
                _ = tokio::time::sleep_until(deadline) => {
                    return Err(CoreError::TimedOut(format!("{limit:?}; status {:?}", self.status())));
                }
            }
        }
    }

    pub fn sync_now(&self) {
        self.sync.nudge();
    }
}

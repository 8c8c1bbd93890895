//! Customers and jobs: search, one record, its timeline, audit trail, likely
//! duplicates and merges. Everything is read through the caller's scope.

use axum::extract::State;
use baton_proto::contact::{normalize_email, normalize_phone};
use baton_proto::{
    AuditEntry, Customer, CustomerSummary, DuplicateCandidate, Job, JobStatus, MatchedPerson, MergeRecord, Page,
    TimelineEntry,
};
use serde::Deserialize;
use utoipa::IntoParams;

use super::list::{check_id, PageQuery, PositionQuery};
use crate::auth::AuthUser;
use crate::docs::{self, Scope};
use crate::error::{ApiJson, ApiPath, ApiQuery, ServerError};
use crate::store::customers::Lookup;
use crate::store::{self, Conn};
use crate::{duplicates, AppState};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// A phone number in any common format (`07946 000202`, `+44 7946 000202`).
    /// Letters are refused; a number no phone can have finds no one.
    #[param(pattern = "^[+]?[0-9][0-9 ().-]{0,29}$")]
    phone: Option<String>,
    /// An email address (case does not matter).
    #[param(pattern = "^[^@\\x00-\\x20\\x7f]{1,64}@[^@\\x00-\\x20\\x7f]{1,189}$")]
    email: Option<String>,
    /// A name (or part of one), or a customer (`C-…`), order (`O-…`) or job (`J-…`) number.
    #[param(min_length = 2, max_length = 100, pattern = "^[\\s\\S]*[^\\x00-\\x20][\\s\\S]*$")]
    q: Option<String>,
    /// `next_cursor` of the previous page; omit for the first page.
    #[param(max_length = 200)]
    cursor: Option<String>,
    /// 1 to 200 (50 by default).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<usize>,
}

enum Needle {
    /// A phone (E.164) or email value of a contact point.
    Contact(String),
    /// Part of a person's name, lower-cased.
    Name(String),
    /// A customer, order or job number.
    Number(String),
    /// A phone or email no contact point can hold: nothing matches.
    Nothing,
}

/// What a search asks for: every filter given narrows it; none lists everyone
/// the caller may see.
struct Needles(Vec<Needle>);

impl Needles {
    fn from(q: &SearchQuery) -> Result<Needles, ServerError> {
        let mut needles = Vec::new();
        if let Some(p) = &q.phone {
            let body = p.strip_prefix('+').unwrap_or(p);
            let shaped = body.chars().count() <= 30
                && body.starts_with(|c: char| c.is_ascii_digit())
                && body.chars().all(|c| c.is_ascii_digit() || " ().-".contains(c));
            if !shaped {
                return Err(ServerError::Api(
                    baton_proto::ErrorCode::InvalidPhone,
                    "phone may hold only digits, spaces, brackets, dots and dashes, after an optional +".into(),
                ));
            }
            needles.push(normalize_phone(p).map_or(Needle::Nothing, Needle::Contact));
        }
        if let Some(e) = &q.email {
            let parts: Vec<&str> = e.split('@').collect();
            let shaped = matches!(parts.as_slice(), [local, domain]
                if (1..=64).contains(&local.chars().count()) && (1..=189).contains(&domain.chars().count()))
                && !e.chars().any(|c| c <= ' ' || c == '\x7f');
            if !shaped {
                return Err(ServerError::Api(
                    baton_proto::ErrorCode::InvalidEmail,
                    "email must be one @ between a name and a domain, without spaces".into(),
                ));
            }
            needles.push(normalize_email(e).map_or(Needle::Nothing, Needle::Contact));
        }
        if let Some(q) = &q.q {
            let blank = |c: char| c <= ' ';
            if !(2..=100).contains(&q.chars().count()) || q.chars().all(blank) {
                return Err(ServerError::bad_request(
                    "q must be 2 to 100 characters, not all spaces",
                ));
            }
            let text = q.trim_matches(blank);
            let upper = text.to_uppercase();
            let numbered = ["C-", "O-", "J-"].iter().any(|p| upper.starts_with(p))
                && upper.len() > 2
                && upper[2..].chars().all(|c| c.is_ascii_digit());
            needles.push(if numbered {
                Needle::Number(upper)
            } else {
                Needle::Name(text.to_lowercase())
            });
        }
        Ok(Needles(needles))
    }

    /// Candidate customers (ids after `cursor`, in id order), before scoping,
    /// by the first filter; a partner's are only customers it has work on.
    fn candidates(
        &self,
        conn: &dyn Conn,
        scope: &Scope,
        cursor: &str,
        fetch: usize,
    ) -> Result<Vec<String>, ServerError> {
        let lookup = match self.0.first() {
            None => Lookup::Everyone,
            Some(Needle::Nothing) => return Ok(Vec::new()),
            Some(n) => n.lookup(),
        };
        store::customers::search(conn, &lookup, scope.org().unwrap_or_default(), cursor, fetch)
    }

    /// The people that matched when every filter matches `doc` (as the caller
    /// sees it): those the first filter naming people found.
    fn matches(&self, doc: &Customer, jobs: &[Job]) -> Option<Vec<MatchedPerson>> {
        let mut people = None::<Vec<MatchedPerson>>;
        for needle in &self.0 {
            let found = needle.matches(doc, jobs)?;
            if people.as_ref().is_none_or(Vec::is_empty) {
                people = Some(found);
            }
        }
        Some(people.unwrap_or_default())
    }
}

impl Needle {
    fn lookup(&self) -> Lookup<'_> {
        match self {
            Needle::Contact(v) => Lookup::Contact(v),
            Needle::Name(n) => Lookup::Name(n),
            Needle::Number(n) => Lookup::Number(n),
            Needle::Nothing => Lookup::Contact(""),
        }
    }

    /// The people of `doc` (as the caller sees it) that match; `None` when the
    /// caller's view holds nothing that matches (so the hit is not shown at all).
    fn matches(&self, doc: &Customer, jobs: &[Job]) -> Option<Vec<MatchedPerson>> {
        let person = |p: &baton_proto::Person, matched: &str| MatchedPerson {
            person_id: p.id.clone(),
            name: p.name.clone(),
            roles: p.roles.clone(),
            matched: matched.to_string(),
        };
        let people: Vec<MatchedPerson> = match self {
            Needle::Contact(v) => doc
                .people
                .iter()
                .filter(|p| p.contacts.iter().any(|c| &c.value == v))
                .map(|p| person(p, v))
                .collect(),
            Needle::Name(n) => doc
                .people
                .iter()
                .filter(|p| p.name.to_lowercase().contains(n.as_str()))
                .map(|p| person(p, &p.name))
                .collect(),
            Needle::Number(n) => {
                let seen = doc.number == *n
                    || doc.orders.iter().any(|o| o.number == *n)
                    || jobs.iter().any(|j| j.number == *n);
                return seen.then(Vec::new);
            }
            Needle::Nothing => return None,
        };
        (!people.is_empty()).then_some(people)
    }
}

/// Find customers by phone, email, name or number.
///
/// A number shared by several people (a household landline) returns every one
/// of them, grouped by customer; nothing is picked at random.
#[utoipa::path(get, path = "/v1/customers", tag = "customers", params(SearchQuery),
    responses((status = 200, description = "Matching customers with the people that matched", body = Page<CustomerSummary>),
              (status = 422, description = "Invalid search", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn search(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> Result<ApiJson<Page<CustomerSummary>>, ServerError> {
    let needle = Needles::from(&q)?;
    let (cursor, limit) = PageQuery {
        cursor: q.cursor.clone(),
        limit: q.limit,
    }
    .get()?;
    let scope = caller.scope();
    let page = state
        .db
        .read(move |tx| {
            // Candidates are read in batches and judged in the caller's scope; the
            // cursor is the last customer *shown*, so it names nothing hidden.
            let batch = limit + 1;
            let mut after = cursor;
            let mut items = Vec::new();
            loop {
                let ids = needle.candidates(tx, &scope, &after, batch)?;
                let exhausted = ids.len() < batch;
                for c in docs::load_customers(tx, &ids)? {
                    let Some(doc) = docs::customer_for_scope(tx, &scope, &c)? else {
                        continue;
                    };
                    let jobs: Vec<Job> = docs::jobs_of_customer(tx, &doc.id)?
                        .into_iter()
                        .filter(|j| scope.org().is_none_or(|o| o == j.org_id))
                        .collect();
                    if let Some(people) = needle.matches(&doc, &jobs) {
                        if items.len() == limit {
                            let next_cursor = items.last().map(|i: &CustomerSummary| i.id.clone());
                            return Ok(Page { items, next_cursor });
                        }
                        items.push(CustomerSummary {
                            id: doc.id,
                            number: doc.number,
                            display_name: doc.display_name,
                            people,
                        });
                    }
                }
                match ids.last() {
                    Some(last) if !exhausted => after = last.clone(),
                    _ => {
                        return Ok(Page {
                            items,
                            next_cursor: None,
                        })
                    }
                }
            }
        })
        .await?;
    Ok(ApiJson(page))
}

/// One customer record, as the caller may see it.
#[utoipa::path(get, path = "/v1/customers/{id}", tag = "customers",
    params(("id" = String, Path, description = "Customer id")),
    responses((status = 200, description = "The customer record", body = Customer),
              (status = 404, description = "No such customer, or not visible to the caller", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn customer(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<Customer>, ServerError> {
    check_id(&id)?;
    let scope = caller.scope();
    let found = state.db.read(move |tx| docs::visible_customer(tx, &scope, &id)).await?;
    Ok(ApiJson(found))
}

/// The customer's timeline across organisations, oldest first.
#[utoipa::path(get, path = "/v1/customers/{id}/timeline", tag = "customers",
    params(("id" = String, Path, description = "Customer id"), PositionQuery),
    responses((status = 200, description = "Timeline entries the caller may see", body = Page<TimelineEntry>),
              (status = 404, description = "No such customer, or not visible to the caller", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn timeline(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(page): ApiQuery<PositionQuery>,
) -> Result<ApiJson<Page<TimelineEntry>>, ServerError> {
    check_id(&id)?;
    let (cursor, limit) = page.get()?;
    let start = usize::try_from(cursor.unwrap_or(0)).unwrap_or(usize::MAX);
    let scope = caller.scope();
    let doc = state.db.read(move |tx| docs::visible_customer(tx, &scope, &id)).await?;
    let items: Vec<TimelineEntry> = doc.timeline.into_iter().skip(start).take(limit + 1).collect();
    let more = items.len() > limit;
    Ok(ApiJson(Page {
        next_cursor: more.then(|| (start + limit).to_string()),
        items: items.into_iter().take(limit).collect(),
    }))
}

/// Customers that are probably this one (retailer staff).
#[utoipa::path(get, path = "/v1/customers/{id}/duplicates", tag = "customers",
    params(("id" = String, Path, description = "Customer id")),
    responses((status = 200, description = "Likely duplicates, with why", body = Vec<DuplicateCandidate>),
              (status = 403, description = "Partners cannot review duplicates", body = baton_proto::ApiError),
              (status = 404, description = "No such customer, or not visible to the caller", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn customer_duplicates(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<Vec<DuplicateCandidate>>, ServerError> {
    let found = retailer_read(&state, &caller, id, "review duplicates", |tx, id| {
        duplicates::candidates(tx, id)
    })
    .await?;
    Ok(ApiJson(found))
}

/// Merges into this customer, including undone ones (retailer staff).
#[utoipa::path(get, path = "/v1/customers/{id}/merges", tag = "customers",
    params(("id" = String, Path, description = "Customer id")),
    responses((status = 200, description = "Merges into this customer, newest first", body = Vec<MergeRecord>),
              (status = 403, description = "Partners cannot see merges", body = baton_proto::ApiError),
              (status = 404, description = "No such customer, or not visible to the caller", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn merges(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<Vec<MergeRecord>>, ServerError> {
    let found = retailer_read(&state, &caller, id, "see merges", |tx, id| store::merges::into(tx, id)).await?;
    Ok(ApiJson(found))
}

/// Every write to this customer's data, newest first (retailer staff).
#[utoipa::path(get, path = "/v1/customers/{id}/audit", tag = "customers",
    params(("id" = String, Path, description = "Customer id"), PositionQuery),
    responses((status = 200, description = "Audit entries: who, which organisation, when, before and after", body = Page<AuditEntry>),
              (status = 403, description = "Partners cannot read the audit log", body = baton_proto::ApiError),
              (status = 404, description = "No such customer, or not visible to the caller", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn audit(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(page): ApiQuery<PositionQuery>,
) -> Result<ApiJson<Page<AuditEntry>>, ServerError> {
    let (cursor, limit) = page.get()?;
    let before = cursor.unwrap_or(i64::MAX);
    let found = retailer_read(&state, &caller, id, "read the audit log", move |tx, id| {
        let mut items = store::audit::of_customer_page(tx, id, before, limit + 1)?;
        let more = items.len() > limit;
        items.truncate(limit);
        let next_cursor = more.then(|| items.last().map(|e| e.id.to_string())).flatten();
        Ok(Page { items, next_cursor })
    })
    .await?;
    Ok(ApiJson(found))
}

/// Everything held on a customer, as JSON, for a data-subject access request
/// (retailer supervisors). The export itself is audited.
#[utoipa::path(get, path = "/v1/customers/{id}/export", tag = "customers",
    params(("id" = String, Path, description = "Customer id")),
    responses((status = 200, description = "The customer's record, jobs and audit trail", body = baton_proto::CustomerExport),
              (status = 403, description = "Only the retailer's supervisors export customer data", body = baton_proto::ApiError),
              (status = 404, description = "No such customer, or not visible to the caller", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn export(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<baton_proto::CustomerExport>, ServerError> {
    let supervisor = caller.user.role.supervises();
    let now = state.now();
    let export = retailer_read(&state, &caller, id.clone(), "export customer data", move |tx, id| {
        if !supervisor {
            return Err(ServerError::forbidden(
                "only the retailer's supervisors export customer data",
            ));
        }
        let customer = docs::visible_customer(tx, &Scope::Internal, id)?;
        let jobs = docs::jobs_of_customer(tx, id)?;
        let audit = store::audit::of_customer(tx, id)?;
        Ok(baton_proto::CustomerExport {
            exported_at: now,
            customer,
            jobs,
            audit,
        })
    })
    .await?;
    let (user, org, at) = (caller.user.id.clone(), caller.user.org.id.clone(), crate::wire::ts(now));
    state
        .db
        .write(move |tx| {
            store::audit::append(
                tx,
                &store::audit::NewEntry {
                    at: &at,
                    user_id: &user,
                    org_id: &org,
                    action: "export_customer",
                    entity: "customer",
                    entity_id: &id,
                    before: None,
                    after: "exported",
                    customer_id: Some(&id),
                },
            )?;
            Ok(())
        })
        .await?;
    Ok(ApiJson(export))
}

/// Reads something of customer `id` that only the retailer's staff may see: the
/// same 404 as every endpoint when the caller cannot see the customer, and 403
/// when they can but are a partner.
async fn retailer_read<T: Send + 'static>(
    state: &AppState,
    caller: &AuthUser,
    id: String,
    what: &'static str,
    read: impl FnOnce(&dyn Conn, &str) -> Result<T, ServerError> + Send + 'static,
) -> Result<T, ServerError> {
    check_id(&id)?;
    let scope = caller.scope();
    state
        .db
        .read(move |tx| {
            docs::visible_customer(tx, &scope, &id)?;
            internal_only(&scope, what)?;
            read(tx, &id)
        })
        .await
}

fn internal_only(scope: &Scope, what: &str) -> Result<(), ServerError> {
    match scope {
        Scope::Internal => Ok(()),
        Scope::Org(_) => Err(ServerError::forbidden(format!("only the retailer's staff can {what}"))),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobsQuery {
    /// Only jobs in this status.
    status: Option<JobStatus>,
    /// Only the jobs of this customer (all of them, on one page).
    #[param(pattern = "^[A-Za-z0-9_.:-]{1,100}$")]
    customer: Option<String>,
    /// `next_cursor` of the previous page; omit for the first page.
    #[param(max_length = 200)]
    cursor: Option<String>,
    /// 1 to 200 (50 by default).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<usize>,
}

/// Jobs the caller may see: all for retailer staff, its own for a partner.
#[utoipa::path(get, path = "/v1/jobs", tag = "jobs", params(JobsQuery),
    responses((status = 200, description = "Jobs in id order", body = Page<Job>),
              (status = 422, description = "Invalid filter", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn jobs(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiQuery(q): ApiQuery<JobsQuery>,
) -> Result<ApiJson<Page<Job>>, ServerError> {
    let (cursor, limit) = PageQuery {
        cursor: q.cursor,
        limit: q.limit,
    }
    .get()?;
    let scope = caller.scope();
    let org = scope.org().unwrap_or_default().to_string();
    let status = q.status.map(|s| s.as_str());
    if let Some(customer) = q.customer {
        check_id(&customer)?;
        let items = state
            .db
            .read(move |tx| {
                let jobs = docs::jobs_of_customer(tx, &customer)?
                    .into_iter()
                    .filter(|j| (org.is_empty() || j.org_id == org) && status.is_none_or(|s| j.status.as_str() == s))
                    .collect();
                docs::jobs_for_scope(tx, &scope, jobs)
            })
            .await?;
        return Ok(ApiJson(Page {
            items,
            next_cursor: None,
        }));
    }
    let mut items = state
        .db
        .read(move |tx| {
            let jobs = docs::jobs_page(tx, &org, status, &cursor, limit + 1)?;
            docs::jobs_for_scope(tx, &scope, jobs)
        })
        .await?;
    let more = items.len() > limit;
    items.truncate(limit);
    let next_cursor = more.then(|| items.last().map(|j| j.id.clone())).flatten();
    Ok(ApiJson(Page { items, next_cursor }))
}

/// One job, if it is the caller's partner's or the caller is retailer staff.
#[utoipa::path(get, path = "/v1/jobs/{id}", tag = "jobs",
    params(("id" = String, Path, description = "Job id")),
    responses((status = 200, description = "The job", body = Job),
              (status = 404, description = "No such job, or not visible to the caller", body = baton_proto::ApiError)),
    security(("bearer" = [])))]
pub async fn job(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<Job>, ServerError> {
    check_id(&id)?;
    let scope = caller.scope();
    let found = state.db.read(move |tx| docs::visible_job(tx, &scope, &id)).await?;
    Ok(ApiJson(found))
}

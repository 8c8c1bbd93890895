//! Cursor pagination and the one way list endpoints read items: candidate rows
//! by SQL, then each item taken from its customer's document *as the caller's
//! scope sees it* (`docs::customer_for_scope`), so a list can never show what
//! the single-item endpoint or the sync feed would not.

use std::collections::HashMap;

use baton_proto::{Customer, Page};
use rusqlite::Connection;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::docs::{self, Scope};
use crate::error::ServerError;

pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 200;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// `next_cursor` of the previous page; omit for the first page.
    pub cursor: Option<String>,
    /// Items per page, 1 to 200 (50 by default).
    pub limit: Option<usize>,
}

impl PageQuery {
    /// The validated (cursor, limit).
    pub fn get(&self) -> Result<(String, usize), ServerError> {
        let limit = match self.limit {
            None => DEFAULT_LIMIT,
            Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
            Some(_) => {
                return Err(ServerError::bad_request(format!(
                    "limit must be between 1 and {MAX_LIMIT}"
                )))
            }
        };
        let cursor = self.cursor.clone().unwrap_or_default();
        if cursor.len() > 200 {
            return Err(ServerError::bad_request("cursor is malformed"));
        }
        Ok((cursor, limit))
    }
}

/// Ids must be plain: checked before they reach a query.
pub fn check_id(id: &str) -> Result<(), ServerError> {
    baton_proto::validate::id("id", id).map_err(ServerError::from)
}

/// Runs `sql` — which selects `(id, customer_id)` rows ordered by id, with `?1`
/// the cursor and `?2` the row limit, then `extra` parameters — and maps each row
/// to an item of its customer's scoped document with `pick`. Rows whose item the
/// scope cannot see are dropped.
pub fn items<T>(
    conn: &Connection,
    scope: &Scope,
    sql: &str,
    cursor: &str,
    limit: usize,
    extra: &[&dyn rusqlite::ToSql],
    pick: impl Fn(&Customer, &str) -> Option<T>,
) -> Result<Page<T>, ServerError> {
    let mut args: Vec<&dyn rusqlite::ToSql> = vec![&cursor];
    let fetch = (limit + 1) as i64;
    args.push(&fetch);
    args.extend_from_slice(extra);
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows: Vec<(String, String)> = stmt
        .query_map(args.as_slice(), |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next_cursor = more.then(|| rows.last().map(|r| r.0.clone())).flatten();

    let mut ids: Vec<String> = rows.iter().map(|r| r.1.clone()).collect();
    ids.sort();
    ids.dedup();
    let mut visible: HashMap<String, Customer> = HashMap::new();
    for c in docs::load_customers(conn, &ids)? {
        if let Some(doc) = docs::customer_for_scope(conn, scope, &c)? {
            visible.insert(doc.id.clone(), doc);
        }
    }
    let items = rows
        .iter()
        .filter_map(|(id, customer)| visible.get(customer).and_then(|c| pick(c, id)))
        .collect();
    Ok(Page { items, next_cursor })
}

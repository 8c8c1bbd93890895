//! Cursor pagination and the one way list endpoints read items: candidate rows
//! by SQL, then each item taken from its customer's document *as the caller's
//! scope sees it* (`docs::customer_for_scope`), so a list can never show what
//! the single-item endpoint or the sync feed would not.

use std::collections::HashMap;

use crate::store::queues::ItemRow;
use crate::store::Conn;
use baton_proto::{Customer, Page};
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
    #[param(max_length = 200)]
    pub cursor: Option<String>,
    /// Items per page, 1 to 200 (50 by default).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<usize>,
}

/// A page of a list read by position (a timeline, an audit trail): the cursor
/// is a number.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PositionQuery {
    /// `next_cursor` of the previous page; omit for the first page.
    #[param(pattern = "^[0-9]{1,18}$")]
    pub cursor: Option<String>,
    /// Items per page, 1 to 200 (50 by default).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<usize>,
}

impl PositionQuery {
    /// The validated (position, limit); no cursor is position `None`.
    pub fn get(&self) -> Result<(Option<i64>, usize), ServerError> {
        let (cursor, limit) = PageQuery {
            cursor: self.cursor.clone(),
            limit: self.limit,
        }
        .get()?;
        if cursor.is_empty() {
            return Ok((None, limit));
        }
        let at = cursor
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0 && cursor.len() <= 18 && cursor.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| ServerError::bad_request("cursor is malformed"))?;
        Ok((Some(at), limit))
    }
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

/// Maps queue rows — fetched after the cursor with one more than `limit`, so a
/// full page knows there is more — to items of their customers' scoped documents
/// with `pick`. Rows whose item the scope cannot see are dropped.
pub fn items<T>(
    conn: &dyn Conn,
    scope: &Scope,
    mut rows: Vec<ItemRow>,
    limit: usize,
    pick: impl Fn(&Customer, &str) -> Option<T>,
) -> Result<Page<T>, ServerError> {
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next_cursor = more.then(|| rows.last().map(|r| r.id.clone())).flatten();

    let mut ids: Vec<String> = rows.iter().map(|r| r.customer_id.clone()).collect();
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
        .filter_map(|r| visible.get(&r.customer_id).and_then(|c| pick(c, &r.id)))
        .collect();
    Ok(Page { items, next_cursor })
}

//! Bulk imports: the retailer's existing customers, people, contact points,
//! addresses, orders and jobs, loaded from CSV or JSON Lines and upserted by
//! the retailer's own references, so running a file again updates what the
//! first run made instead of duplicating it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

use crate::ErrorCode;

/// What one file holds: one kind of record per file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ImportKind {
    Customers,
    People,
    ContactPoints,
    Addresses,
    Orders,
    Jobs,
}

impl ImportKind {
    /// In the order a set of files must be loaded: a row refers only to kinds before it.
    pub const ALL: [ImportKind; 6] = [
        ImportKind::Customers,
        ImportKind::People,
        ImportKind::ContactPoints,
        ImportKind::Addresses,
        ImportKind::Orders,
        ImportKind::Jobs,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Customers => "customers",
            ImportKind::People => "people",
            ImportKind::ContactPoints => "contact_points",
            ImportKind::Addresses => "addresses",
            ImportKind::Orders => "orders",
            ImportKind::Jobs => "jobs",
        }
    }

    pub fn parse(s: &str) -> Option<ImportKind> {
        ImportKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ImportFormat {
    /// Comma-separated, a header row naming the columns, UTF-8.
    Csv,
    /// One JSON object per line, UTF-8.
    Jsonl,
}

impl ImportFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportFormat::Csv => "csv",
            ImportFormat::Jsonl => "jsonl",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ImportStatus {
    Running,
    /// Every row was read; the good ones landed, the bad ones are listed.
    Done,
    /// The file could not be read as a whole (a bad header, not UTF-8).
    Failed,
    /// The node running it stopped before the end. The rows before that point
    /// landed; sending the same file again finishes it without duplicates.
    Interrupted,
}

/// A row that did not land, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct RowRejection {
    /// Line of the file, counting from 1 (a CSV's header is line 1).
    #[ts(type = "number")]
    pub line: u64,
    pub code: ErrorCode,
    pub message: String,
}

/// How an import went (`GET /v1/imports/{id}`; the CLI prints the same).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[ts(export)]
pub struct ImportReport {
    pub id: String,
    pub kind: ImportKind,
    pub format: ImportFormat,
    pub status: ImportStatus,
    #[ts(type = "number")]
    pub rows_read: u64,
    #[ts(type = "number")]
    pub rows_imported: u64,
    #[ts(type = "number")]
    pub rows_rejected: u64,
    /// The first 1,000 rejected rows, in file order.
    pub rejections: Vec<RowRejection>,
    /// Why a failed import stopped.
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// The most rejections an import keeps (the count goes on).
pub const MAX_REJECTIONS: usize = 1000;

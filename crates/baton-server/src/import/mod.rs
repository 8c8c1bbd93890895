//! Bulk imports: a file of one kind of record (CSV or JSON Lines) read as a
//! stream, checked a batch at a time on every core, and written a batch per
//! transaction, so other writers are never held up for long and an import cut
//! short leaves whole batches behind (running the file again finishes it: rows
//! are upserted by their external reference).
//!
//! Each bad row is refused with its line and reason; the good rows land. The
//! file as a whole is refused only when it cannot be read as one (a header
//! naming unknown columns, an I/O error). Imported records reach consoles
//! through the feed; an import of more than [`FEED_DOCUMENTS`] records instead
//! raises the feed's floor, so every console re-loads its snapshot once
//! (cheaper than a change per record, and the same end state).

pub mod apply;
pub mod rows;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read};

use baton_proto::{ImportFormat, ImportKind, OrderLine, RowRejection, MAX_REJECTIONS};
use serde::de::DeserializeOwned;

use self::apply::{Touched, Writer};
use self::rows::{Checked, Refusal};
use crate::docs::Scope;
use crate::error::ServerError;
use crate::store::{self, Conn};
use crate::{feed, AppState};

/// Records (rows or grouped order lines) per write transaction.
pub const BATCH: usize = 5_000;
/// Above this many records, an import raises the feed floor instead of
/// appending a change per record.
pub const FEED_DOCUMENTS: u64 = 20_000;

/// How an import went so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub rows_read: u64,
    pub rows_imported: u64,
    pub rows_rejected: u64,
    /// The first [`MAX_REJECTIONS`], in file order.
    pub rejections: Vec<RowRejection>,
    /// Bytes of the file read.
    pub bytes: u64,
    /// Records written, for the feed's budget.
    records: u64,
}

impl Tally {
    fn reject(&mut self, r: RowRejection, rows: u64) {
        self.rows_rejected += rows;
        if self.rejections.len() < MAX_REJECTIONS {
            self.rejections.push(r);
        }
    }

    pub fn progress(&self) -> store::imports::Progress<'_> {
        store::imports::Progress {
            rows_read: self.rows_read,
            rows_imported: self.rows_imported,
            rows_rejected: self.rows_rejected,
            rejections: &self.rejections,
        }
    }
}

/// Who imports, and (for the API) the import's status row to keep current.
pub struct Job<'a> {
    pub kind: ImportKind,
    pub format: ImportFormat,
    /// The user the audit log and the contact points name.
    pub by: &'a str,
    pub org_id: &'a str,
    pub status_id: Option<&'a str>,
}

/// The kind and format a file's name implies: `customers.csv`,
/// `contact_points.jsonl` (also `.ndjson`).
pub fn kind_of(path: &std::path::Path) -> (Option<ImportKind>, Option<ImportFormat>) {
    let kind = path.file_stem().and_then(|s| s.to_str()).and_then(ImportKind::parse);
    let format = match path.extension().and_then(|e| e.to_str()) {
        Some("csv") => Some(ImportFormat::Csv),
        Some("jsonl" | "ndjson") => Some(ImportFormat::Jsonl),
        _ => None,
    };
    (kind, format)
}

/// Reads `input` to the end, writing its good rows. `on_batch` is told the
/// tally after each batch (a progress bar, the status row).
///
/// One thread reads and checks (the checks on every core) while this one
/// writes the batch before, so parsing phone numbers and writing rows overlap.
/// The file's first `import_feed_limit + 1` records are read before anything is
/// written: a file that ends within them reaches consoles as changes, a longer
/// one by raising the feed floor.
pub fn run<R: Read + Send>(
    state: &AppState,
    input: R,
    job: &Job<'_>,
    mut on_batch: impl FnMut(&Tally),
) -> Result<Tally, ServerError> {
    let mut reader = Reader::open(input, job.format, job.kind)?;
    let limit = state.import_feed_limit;
    let kind = job.kind;
    let mut tally = Tally::default();
    std::thread::scope(|s| -> Result<(), ServerError> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Checkeds, ServerError>>(2);
        let producer = s.spawn(move || {
            let mut groups = OrderGroups::default();
            let first = usize::try_from(limit).unwrap_or(usize::MAX).saturating_add(1);
            let mut want = first.max(BATCH);
            let mut feed_mode = None;
            loop {
                let read = read_items(&mut reader, &mut groups, kind, want);
                let (items, rows) = match read {
                    Ok(r) => r,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                };
                let feed = *feed_mode.get_or_insert(reader.finished && items.len() as u64 <= limit);
                let bytes = reader.bytes();
                let mut items = items;
                let mut first_chunk = true;
                while !items.is_empty() || first_chunk {
                    let rest = items.split_off(items.len().min(BATCH));
                    let chunk = std::mem::replace(&mut items, rest);
                    let batch = check_all(chunk).map(|items| Checkeds {
                        rows: if first_chunk { rows } else { 0 },
                        bytes,
                        feed,
                        items,
                    });
                    first_chunk = false;
                    let failed = batch.is_err();
                    if tx.send(batch).is_err() || failed {
                        return;
                    }
                }
                if reader.finished {
                    return;
                }
                want = BATCH;
            }
        });
        for batch in rx {
            let batch = batch?;
            tally.rows_read += batch.rows;
            tally.bytes = batch.bytes;
            if !batch.items.is_empty() {
                write_batch(state, job, batch.items, batch.feed, &mut tally)?;
            }
            on_batch(&tally);
        }
        producer
            .join()
            .map_err(|_| ServerError::Internal("the import's reader stopped unexpectedly".into()))
    })?;
    state.db.write_blocking(|tx| {
        store::audit::append(
            tx,
            &store::audit::NewEntry {
                at: &crate::wire::ts(state.now()),
                user_id: job.by,
                org_id: job.org_id,
                action: "import",
                entity: "import",
                entity_id: job.status_id.unwrap_or(job.kind.as_str()),
                before: None,
                after: &serde_json::json!({
                    "kind": job.kind.as_str(),
                    "rows_read": tally.rows_read,
                    "rows_imported": tally.rows_imported,
                    "rows_rejected": tally.rows_rejected,
                })
                .to_string(),
                customer_id: None,
            },
        )
    })?;
    Ok(tally)
}

/// A record checked: its first line, how many file rows it spans, and the
/// record or why it is refused.
type CheckedRow = (u64, u64, Result<Checked, Refusal>);

/// A checked batch on its way to the writer.
struct Checkeds {
    /// File rows read for it.
    rows: u64,
    bytes: u64,
    /// Whether its records reach consoles as changes (else: the floor rises).
    feed: bool,
    items: Vec<CheckedRow>,
}

/// Up to `want` records, and how many file rows they came from.
fn read_items<R: Read>(
    reader: &mut Reader<R>,
    groups: &mut OrderGroups,
    kind: ImportKind,
    want: usize,
) -> Result<(Vec<Item>, u64), ServerError> {
    let mut items = Vec::with_capacity(want.min(1 << 16));
    let mut rows = 0;
    while items.len() < want {
        let Some(next) = reader.next_raw(kind)? else {
            items.extend(groups.flush());
            break;
        };
        rows += 1;
        match next {
            (line, Raw::Order(row)) => items.extend(groups.add(line, row)),
            (line, raw) => items.push(Item { line, rows: 1, raw }),
        }
    }
    Ok((items, rows))
}

/// One record to write: a row, or an order with all its lines.
struct Item {
    line: u64,
    rows: u64,
    raw: Raw,
}

enum Raw {
    Customer(rows::CustomerRow),
    Person(rows::PersonRow),
    ContactPoint(rows::ContactPointRow),
    Address(rows::AddressRow),
    Order(rows::OrderRow),
    Grouped(rows::OrderRow, Vec<OrderLine>),
    Refused(Refusal),
    Job(rows::JobRow),
}

impl Raw {
    fn check(self) -> Result<Checked, Refusal> {
        match self {
            Raw::Customer(r) => r.check(),
            Raw::Person(r) => r.check(),
            Raw::ContactPoint(r) => r.check(),
            Raw::Address(r) => r.check(),
            Raw::Order(mut r) => {
                let lines = r.take_lines()?;
                r.check(lines)
            }
            Raw::Grouped(r, lines) => r.check(lines),
            Raw::Job(r) => r.check(),
            Raw::Refused(r) => Err(r),
        }
    }
}

/// Gathers an order's consecutive rows into one record.
#[derive(Default)]
struct OrderGroups {
    open: Option<OpenOrder>,
    /// Where each order seen began, to refuse lines that come back to it later.
    seen: HashMap<String, u64>,
}

struct OpenOrder {
    line: u64,
    rows: u64,
    head: rows::OrderRow,
    lines: Vec<OrderLine>,
    refused: Option<Refusal>,
}

impl OrderGroups {
    fn add(&mut self, line: u64, mut row: rows::OrderRow) -> Vec<Item> {
        let lines = row.take_lines();
        if let Some(open) = self.open.as_mut() {
            if open.head.external_ref == row.external_ref {
                open.rows += 1;
                if open.refused.is_none() {
                    open.refused = match lines {
                        Err(r) => Some(Refusal::bad(format!("line {line}: {}", r.message))),
                        Ok(_) if row.customer_ref != open.head.customer_ref || row.number != open.head.number => {
                            Some(Refusal::bad(format!(
                                "line {line} gives this order another customer_ref or number than its first line"
                            )))
                        }
                        Ok(more) => {
                            open.lines.extend(more);
                            None
                        }
                    };
                }
                return Vec::new();
            }
        }
        let out = self.flush();
        let refused = match (self.seen.get(&row.external_ref), &lines) {
            (Some(first), _) => Some(Refusal::bad(format!(
                "order {} began on line {first}: an order's rows must be consecutive",
                row.external_ref
            ))),
            (None, Err(r)) => Some(r.clone()),
            (None, Ok(_)) => None,
        };
        self.seen.entry(row.external_ref.clone()).or_insert(line);
        self.open = Some(OpenOrder {
            line,
            rows: 1,
            head: row,
            lines: lines.unwrap_or_default(),
            refused,
        });
        out
    }

    fn flush(&mut self) -> Vec<Item> {
        match self.open.take() {
            None => Vec::new(),
            Some(o) => vec![Item {
                line: o.line,
                rows: o.rows,
                raw: match o.refused {
                    Some(r) => Raw::Refused(r),
                    None => Raw::Grouped(o.head, o.lines),
                },
            }],
        }
    }
}

/// Checks every item, on as many threads as there are cores.
/// A checker that panicked is an error of the import, never rows dropped.
fn check_all(batch: Vec<Item>) -> Result<Vec<CheckedRow>, ServerError> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    let chunk = batch.len().div_ceil(threads).max(1);
    let mut parts: Vec<Vec<Item>> = Vec::new();
    let mut rest = batch;
    while rest.len() > chunk {
        let tail = rest.split_off(chunk);
        parts.push(rest);
        rest = tail;
    }
    parts.push(rest);
    std::thread::scope(|s| {
        let handles: Vec<_> = parts
            .into_iter()
            .map(|part| {
                s.spawn(move || {
                    part.into_iter()
                        .map(|i| (i.line, i.rows, i.raw.check()))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut out = Vec::new();
        for h in handles {
            out.extend(
                h.join()
                    .map_err(|_| ServerError::Internal("checking a batch of rows failed".into()))?,
            );
        }
        Ok(out)
    })
}

/// Writes one batch in one transaction and tells consoles.
fn write_batch(
    state: &AppState,
    job: &Job<'_>,
    checked: Vec<CheckedRow>,
    feed_mode: bool,
    tally: &mut Tally,
) -> Result<(), ServerError> {
    let at = crate::wire::ts(state.now());
    let lease = crate::wire::ts(state.now() + chrono::Duration::minutes(2));
    let (tally_out, seq, scopes) = state.db.write_blocking(|tx| {
        if tx.backend() == store::Backend::Sqlite {
            // References may arrive in any order, so the table of references
            // can be written at random places: a page cache that holds it
            // saves a read per row.
            tx.batch("PRAGMA cache_size = -262144")?;
        }
        let mut t = tally.clone();
        let mut writer = Writer::new(tx, &at, job.by);
        let mut touched = Vec::new();
        for (line, rows, row) in &checked {
            let landed = match row {
                Ok(row) => writer.row(row, *line)?,
                Err(r) => Err(r.clone()),
            };
            match landed {
                Ok(t2) => {
                    t.rows_imported += rows;
                    touched.push(t2);
                }
                Err(r) => t.reject(r.at(*line), *rows),
            }
        }
        writer.finish()?;
        let first = t.records == 0;
        t.records += touched.len() as u64;
        let scopes = if feed_mode {
            append_to_feed(tx, &touched)?
        } else if touched.is_empty() {
            Vec::new()
        } else {
            raise_floor(tx, first)?
        };
        if let Some(id) = job.status_id {
            store::imports::progress(tx, id, &t.progress(), &lease)?;
        }
        Ok((t, feed::head(tx)?, scopes))
    })?;
    *tally = Tally {
        bytes: tally.bytes,
        ..tally_out
    };
    state.poke(seq, scopes);
    Ok(())
}

/// A change per touched customer and job, for every scope that sees it.
fn append_to_feed(tx: &dyn Conn, touched: &[Touched]) -> Result<Vec<String>, ServerError> {
    let mut scopes = HashSet::new();
    let mut customers = HashSet::new();
    for t in touched {
        if let Touched::Job { id, previous_org } = t {
            scopes.extend(feed::append_job(tx, id, previous_org.as_deref())?);
            if let Some(job) = crate::docs::load_job(tx, id)? {
                customers.insert(job.customer_id);
            }
        }
    }
    for t in touched {
        if let Touched::Customer(id) = t {
            if customers.insert(id.clone()) {
                scopes.extend(feed::append_customer(tx, id)?);
            }
        }
    }
    Ok(scopes.into_iter().collect())
}

/// Past the budget: one change no console reads moves the feed on, and the
/// floor rises to it, so every console re-loads its snapshot (which reads the
/// tables as they now are). Returns every scope, to poke, the first time.
fn raise_floor(tx: &dyn Conn, first: bool) -> Result<Vec<String>, ServerError> {
    let seq = store::feed::append(
        tx,
        "import",
        "customer",
        "import",
        None,
        None,
        &chrono::Utc::now().to_rfc3339(),
    )?;
    store::meta::set(tx, "log_floor", &seq.to_string())?;
    // Every console re-loads its snapshot, history included.
    store::history::clear_pending(tx)?;
    if !first {
        return Ok(Vec::new());
    }
    let mut scopes = vec![Scope::Internal.key()];
    for org in store::orgs::all(tx)? {
        scopes.push(Scope::Org(org.org.id).key());
    }
    Ok(scopes)
}

/// Refuses a file whose header row is not of `kind` (CSV), before anything is stored.
pub fn check_header(file: &[u8], kind: ImportKind, format: ImportFormat) -> Result<(), ServerError> {
    Reader::open(file, format, kind).map(|_| ())
}

/// A file, read a record at a time.
struct Reader<R: Read> {
    inner: Inner<R>,
    finished: bool,
}

enum Inner<R: Read> {
    Csv {
        rdr: csv::Reader<R>,
        headers: csv::StringRecord,
        record: csv::StringRecord,
    },
    Jsonl {
        rdr: BufReader<R>,
        line: u64,
        bytes: u64,
        buf: Vec<u8>,
    },
}

impl<R: Read> Reader<R> {
    fn open(input: R, format: ImportFormat, kind: ImportKind) -> Result<Reader<R>, ServerError> {
        let inner = match format {
            ImportFormat::Csv => {
                let mut rdr = csv::ReaderBuilder::new()
                    .has_headers(true)
                    .flexible(false)
                    .from_reader(input);
                let raw = rdr
                    .headers()
                    .map_err(|e| ServerError::bad_request(format!("the file's header row cannot be read: {e}")))?
                    .clone();
                // A spreadsheet's byte-order mark and stray spaces are not part of a column's name.
                let headers: csv::StringRecord = raw
                    .iter()
                    .enumerate()
                    .map(|(i, h)| if i == 0 { h.trim_start_matches('\u{feff}') } else { h }.trim())
                    .collect();
                rows::check_header(kind, &headers.iter().collect::<Vec<_>>())
                    .map_err(|e| ServerError::bad_request(format!("the file's header row has {e}")))?;
                Inner::Csv {
                    rdr,
                    headers,
                    record: csv::StringRecord::new(),
                }
            }
            ImportFormat::Jsonl => Inner::Jsonl {
                rdr: BufReader::with_capacity(1 << 20, input),
                line: 0,
                bytes: 0,
                buf: Vec::new(),
            },
        };
        Ok(Reader { inner, finished: false })
    }

    fn bytes(&self) -> u64 {
        match &self.inner {
            Inner::Csv { rdr, .. } => rdr.position().byte(),
            Inner::Jsonl { bytes, .. } => *bytes,
        }
    }

    /// The next row and its line; `None` at the end of the file.
    fn next_raw(&mut self, kind: ImportKind) -> Result<Option<(u64, Raw)>, ServerError> {
        if self.finished {
            return Ok(None);
        }
        let next = match &mut self.inner {
            Inner::Csv { rdr, headers, record } => match rdr.read_record(record) {
                Ok(false) => None,
                Ok(true) => {
                    let line = record.position().map_or(0, |p| p.line());
                    Some((line, decode(kind, |k| parse_csv(k, record, headers))))
                }
                Err(e) => match e.kind() {
                    csv::ErrorKind::Io(_) => {
                        return Err(ServerError::bad_request(format!("the file could not be read: {e}")))
                    }
                    _ => {
                        let line = e.position().map_or(0, |p| p.line());
                        Some((line, Raw::Refused(Refusal::bad(csv_problem(&e)))))
                    }
                },
            },
            Inner::Jsonl { rdr, line, bytes, buf } => loop {
                buf.clear();
                let n = rdr
                    .read_until(b'\n', buf)
                    .map_err(|e| ServerError::bad_request(format!("the file could not be read: {e}")))?;
                if n == 0 {
                    break None;
                }
                *line += 1;
                *bytes += n as u64;
                if buf.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                break Some((*line, decode(kind, |k| parse_json(k, buf))));
            },
        };
        if next.is_none() {
            self.finished = true;
        }
        Ok(next)
    }
}

fn csv_problem(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "the row is not UTF-8 text".to_string(),
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("the row has {len} fields where the header has {expected_len}")
        }
        _ => format!("the row cannot be read: {e}"),
    }
}

/// One decoder per kind, so `parse` can be generic over the row type.
trait Decode {
    fn row<T: DeserializeOwned>(&mut self) -> Result<T, String>;
}

struct CsvRow<'a>(&'a csv::StringRecord, &'a csv::StringRecord);
impl Decode for CsvRow<'_> {
    fn row<T: DeserializeOwned>(&mut self) -> Result<T, String> {
        self.0.deserialize(Some(self.1)).map_err(|e| match e.kind() {
            csv::ErrorKind::Deserialize { err, .. } => match err.field() {
                Some(i) => format!("column {}: {}", self.1.get(i as usize).unwrap_or("?"), err.kind()),
                None => err.kind().to_string(),
            },
            _ => e.to_string(),
        })
    }
}

struct JsonRow<'a>(&'a [u8]);
impl Decode for JsonRow<'_> {
    fn row<T: DeserializeOwned>(&mut self) -> Result<T, String> {
        serde_json::from_slice(self.0).map_err(|e| format!("the line is not a {}: {e}", "record of this kind"))
    }
}

fn parse_csv(kind: ImportKind, record: &csv::StringRecord, headers: &csv::StringRecord) -> Result<Raw, String> {
    parse(kind, &mut CsvRow(record, headers))
}

fn parse_json(kind: ImportKind, line: &[u8]) -> Result<Raw, String> {
    parse(kind, &mut JsonRow(line))
}

fn parse(kind: ImportKind, d: &mut impl Decode) -> Result<Raw, String> {
    Ok(match kind {
        ImportKind::Customers => Raw::Customer(d.row()?),
        ImportKind::People => Raw::Person(d.row()?),
        ImportKind::ContactPoints => Raw::ContactPoint(d.row()?),
        ImportKind::Addresses => Raw::Address(d.row()?),
        ImportKind::Orders => Raw::Order(d.row()?),
        ImportKind::Jobs => Raw::Job(d.row()?),
    })
}

fn decode(kind: ImportKind, f: impl FnOnce(ImportKind) -> Result<Raw, String>) -> Raw {
    f(kind).unwrap_or_else(|m| Raw::Refused(Refusal::bad(m)))
}

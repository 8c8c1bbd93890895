//! Bulk import: CSV files of customers, their people, phone numbers and jobs,
//! generated here and loaded through `baton_server::import` (what
//! `baton-server import` runs), next to the raw SQLite insert rate on the same
//! machine.

use std::io::Write;
use std::time::Instant;

use anyhow::{bail, Result};
use baton_proto::{ImportFormat, ImportKind};

/// Writes the four files: `customers` customers with one person and one mobile
/// number each (in national format, so each is parsed), and `jobs` jobs.
fn write_files(dir: &std::path::Path, customers: usize, jobs: usize) -> Result<Vec<(ImportKind, std::path::PathBuf)>> {
    let open = |name: &str| -> Result<(std::path::PathBuf, std::io::BufWriter<std::fs::File>)> {
        let path = dir.join(name);
        Ok((path.clone(), std::io::BufWriter::new(std::fs::File::create(path)?)))
    };
    let (cp, mut c) = open("customers.csv")?;
    let (pp, mut p) = open("people.csv")?;
    let (kp, mut k) = open("contact_points.csv")?;
    let (jp, mut j) = open("jobs.csv")?;
    writeln!(c, "external_ref,name")?;
    writeln!(p, "external_ref,customer_ref,name,roles")?;
    writeln!(k, "external_ref,person_ref,kind,value,label,purposes")?;
    writeln!(
        j,
        "external_ref,customer_ref,partner,kind,summary,contact_person_ref,appointment_start,appointment_end"
    )?;
    for i in 0..customers {
        writeln!(c, "CRM-{i},Customer {i}")?;
        writeln!(p, "P-{i},CRM-{i},Person {i},account_holder;site_contact")?;
        writeln!(k, "K-{i},P-{i},phone,07946 {i:06},mobile,appointments")?;
    }
    for i in 0..jobs {
        let day = 1 + i % 28;
        writeln!(
            j,
            "J-{i},CRM-{i},{},{},Job {i},P-{i},2027-02-{day:02}T09:00:00Z,2027-02-{day:02}T11:00:00Z",
            if i % 2 == 0 { "brightline" } else { "swiftparcel" },
            if i % 2 == 0 { "installation" } else { "delivery" },
        )?;
    }
    for mut w in [c, p, k, j] {
        w.flush()?;
    }
    Ok(vec![
        (ImportKind::Customers, cp),
        (ImportKind::People, pp),
        (ImportKind::ContactPoints, kp),
        (ImportKind::Jobs, jp),
    ])
}

/// Rows per second of one transaction of prepared single-row INSERTs into a
/// four-column table: the most rows SQLite takes on this machine.
fn raw_inserts(dir: &std::path::Path, total: usize) -> Result<f64> {
    let mut c = rusqlite::Connection::open(dir.join("raw-inserts.sqlite"))?;
    c.pragma_update(None, "journal_mode", "WAL")?;
    c.execute_batch("CREATE TABLE t (id TEXT PRIMARY KEY, a TEXT NOT NULL, b TEXT NOT NULL, c TEXT NOT NULL)")?;
    let started = Instant::now();
    let tx = c.transaction()?;
    {
        let mut st = tx.prepare("INSERT INTO t (id, a, b, c) VALUES (?1, ?2, ?3, ?4)")?;
        for i in 0..total {
            st.execute([
                format!("id_{i:012}"),
                format!("a{i}"),
                format!("+447946{i:06}"),
                "x".to_string(),
            ])?;
        }
    }
    tx.commit()?;
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

pub async fn bench(customers: usize, jobs: usize) -> Result<()> {
    if jobs > customers {
        bail!("an import of {jobs} jobs needs at least as many customers");
    }
    let dir = tempfile::tempdir()?;
    let files = write_files(dir.path(), customers, jobs)?;
    let state = baton_server::AppState::open(&dir.path().join("server.sqlite"))?;
    baton_server::demo::seed(&state, 10).await?;
    let started = Instant::now();
    let mut rows = 0;
    let mut parts = Vec::new();
    for (kind, path) in files {
        let file = std::io::BufReader::new(std::fs::File::open(&path)?);
        let state = state.clone();
        let t = Instant::now();
        let tally = tokio::task::spawn_blocking(move || {
            let job = baton_server::import::Job {
                kind,
                format: ImportFormat::Csv,
                by: "usr_ada",
                org_id: "northwind",
                status_id: None,
            };
            baton_server::import::run(&state, file, &job, |_| {})
        })
        .await??;
        if tally.rows_rejected > 0 {
            bail!(
                "{} rows of {} were refused: {:?}",
                tally.rows_rejected,
                kind.as_str(),
                tally.rejections.first()
            );
        }
        rows += tally.rows_imported;
        parts.push(format!("{} {:.1} s", kind.as_str(), t.elapsed().as_secs_f64()));
    }
    let elapsed = started.elapsed().as_secs_f64();
    let raw = raw_inserts(dir.path(), 1_000_000)?;
    println!(
        "bulk import (CSV):         {elapsed:>10.1} s for {customers} customers + {jobs} jobs ({rows} rows, {:.0} rows/s: {}; target 90 s); raw SQLite inserts {raw:.0} rows/s",
        rows as f64 / elapsed,
        parts.join(", "),
    );
    Ok(())
}

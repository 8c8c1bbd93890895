//! The same figures on PostgreSQL, with one server node and with three sharing
//! the database, each next to the raw commit rate of the database itself.

use std::time::Instant;

use anyhow::{Context, Result};
use baton_server::{AppState, Location, RunningServer};

use crate::{bench_mutations, bench_propagation, login, Args};

/// Single-row INSERT transactions per second from `writers` connections: the
/// most single mutations a server on this database could ever apply.
fn raw_commits(url: &str, writers: usize, total: usize) -> Result<f64> {
    let mut setup = postgres::Client::connect(url, postgres::NoTls)?;
    setup.batch_execute("CREATE TABLE IF NOT EXISTS raw_commits (id BIGSERIAL PRIMARY KEY, v TEXT NOT NULL)")?;
    let started = Instant::now();
    let threads: Vec<_> = (0..writers)
        .map(|_| {
            let url = url.to_string();
            std::thread::spawn(move || -> Result<()> {
                let mut c = postgres::Client::connect(&url, postgres::NoTls)?;
                let insert = c.prepare("INSERT INTO raw_commits (v) VALUES ($1)")?;
                for i in 0..total / writers {
                    c.execute(&insert, &[&format!("+447946{i:06}")])?;
                }
                Ok(())
            })
        })
        .collect();
    for t in threads {
        t.join().map_err(|_| anyhow::anyhow!("a raw writer panicked"))??;
    }
    Ok((total / writers * writers) as f64 / started.elapsed().as_secs_f64())
}

pub async fn bench(args: &Args) -> Result<()> {
    let pg = baton_testkit::Postgres::durable();
    let customers = args.pg_customers;
    let raw_url = pg.database();
    let raw = tokio::task::spawn_blocking({
        let (url, writers, total) = (raw_url.clone(), args.writers, args.mutations);
        move || raw_commits(&url, writers, total)
    })
    .await??;
    println!(
        "PostgreSQL raw commits:    {raw:>10.0} single-row transactions/s ({} writers, fsync on)",
        args.writers
    );

    for nodes in [1usize, 3] {
        let location = Location::parse(&pg.database());
        let started = Instant::now();
        let mut servers = Vec::new();
        for i in 0..nodes {
            let mut state = AppState::connect(&location)?;
            state.sweep_every = None;
            let addr = "127.0.0.1:0".parse()?;
            servers.push(if i == 0 {
                RunningServer::demo_on(addr, state, customers).await?
            } else {
                RunningServer::start(addr, state).await?
            });
        }
        if nodes == 1 {
            println!(
                "PostgreSQL demo load:      {:>10.2} s for {customers} customers",
                started.elapsed().as_secs_f64()
            );
        }
        let urls: Vec<String> = servers.iter().map(RunningServer::url).collect();
        let http = reqwest::Client::new();
        let token = login(&http, &urls[0], "sam").await.context("logging in the writers")?;
        let pg_args = Args {
            customers,
            ..args.clone()
        };
        let single = bench_mutations(&urls, &token, &pg_args, 1).await?;
        println!(
            "PostgreSQL, {nodes} node{}:      {single:>10.0} mutations/s, 1/req ({} writers; {:.0}% of the raw commit rate)",
            if nodes == 1 { " " } else { "s" },
            args.writers,
            100.0 * single / raw
        );
        let label = format!("PostgreSQL, {nodes} node{}", if nodes == 1 { "" } else { "s" });
        bench_propagation(&urls, &pg_args, &label).await?;
        for s in servers {
            s.stop().await?;
        }
    }
    Ok(())
}

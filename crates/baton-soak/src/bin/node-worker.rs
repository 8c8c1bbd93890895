//! A server node as a process of its own, so tests can kill it with SIGKILL
//! mid-request (see `tests/nodes.rs`): it serves `--database-url` (PostgreSQL,
//! shared with other nodes) on `--port`, with the escalation sweep and the
//! confirmation delivery running as in `baton-server serve`, and prints
//! `listening` once it accepts connections.

use std::io::Write;
use std::time::Duration;

use anyhow::{Context, Result};
use baton_server::{AppState, Location};
use clap::Parser;

#[derive(Parser)]
struct Args {
    #[arg(long)]
    database_url: String,
    #[arg(long)]
    port: u16,
    /// Load this many demo customers first (when the database is empty).
    #[arg(long, default_value_t = 0)]
    demo: usize,
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let mut state = AppState::connect(&Location::parse(&args.database_url))?;
    state.sweep_every = Some(Duration::from_millis(200));
    state.deliver_every = Some(Duration::from_millis(200));
    if args.demo > 0 {
        baton_server::demo::seed(&state, args.demo).await?;
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
        .await
        .with_context(|| format!("binding port {}", args.port))?;
    println!("listening");
    std::io::stdout().flush()?;
    baton_server::serve(listener, state).await?;
    Ok(())
}

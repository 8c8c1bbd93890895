//! `baton-server`: run the retailer API, or a demo of it with generated data.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use baton_server::{demo, AppState, Location};
use clap::{Parser, Subcommand};
use tokio::net::TcpListener;

#[derive(Parser)]
#[command(name = "baton-server", version, about = "The Baton retailer API server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// How the server follows up: escalation sweeps and sending confirmations.
/// Secrets never come from the command line (where every user of the machine can
/// read them): the SMTP password and the SMS token are read from the environment
/// or from a file.
#[derive(clap::Args)]
struct EngineArgs {
    /// SMTP server for confirmation emails: smtp://host:port, smtp://host:port?tls=required
    /// or smtps://host, with no password in it. Without it, email confirmations stay pending.
    #[arg(long, env = "BATON_SMTP_URL")]
    smtp_url: Option<String>,
    /// SMTP user name; the password comes from BATON_SMTP_PASSWORD or --smtp-password-file.
    #[arg(long, env = "BATON_SMTP_USER")]
    smtp_user: Option<String>,
    /// A file holding the SMTP password (instead of BATON_SMTP_PASSWORD).
    #[arg(long)]
    smtp_password_file: Option<PathBuf>,
    /// Sender of confirmation emails.
    #[arg(long, env = "BATON_EMAIL_FROM", default_value = "Customer care <care@localhost>")]
    email_from: String,
    /// HTTP SMS gateway taking POST {"to", "body"}. Without it, SMS confirmations stay pending.
    #[arg(long, env = "BATON_SMS_URL")]
    sms_url: Option<String>,
    /// A file holding the SMS gateway's bearer token (instead of BATON_SMS_TOKEN).
    #[arg(long)]
    sms_token_file: Option<PathBuf>,
    /// The retailer's time zone (IANA name): times in messages to customers are
    /// written in it ("Thursday 3 December 2026 at 10:00").
    #[arg(long, env = "BATON_TIME_ZONE", default_value = "Europe/London")]
    time_zone: String,
    /// The address customers reach this server at, e.g. https://care.example.com:
    /// survey links start with it. Without it, surveys wait until it is set.
    #[arg(long, env = "BATON_PUBLIC_URL")]
    public_url: Option<url::Url>,
    /// Seconds between escalation sweeps of overdue callbacks and commitments.
    #[arg(long, env = "BATON_SWEEP_SECONDS", default_value_t = 30)]
    sweep_seconds: u64,
}

/// A secret from the environment variable `var`, or from `file`, trimmed.
fn secret(var: &str, file: Option<&PathBuf>) -> anyhow::Result<Option<String>> {
    if let Some(path) = file {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        return Ok(Some(text.trim().to_string()));
    }
    Ok(std::env::var(var).ok().filter(|v| !v.is_empty()))
}

impl EngineArgs {
    fn apply(self, mut state: AppState) -> anyhow::Result<AppState> {
        if let Some(url) = &self.smtp_url {
            let parsed = reqwest::Url::parse(url).context("--smtp-url is not a URL")?;
            if parsed.password().is_some() {
                anyhow::bail!(
                    "--smtp-url must not hold a password (it would be visible to every user of this machine): \
                     give the user with --smtp-user and the password in BATON_SMTP_PASSWORD or --smtp-password-file"
                );
            }
        }
        let password = secret("BATON_SMTP_PASSWORD", self.smtp_password_file.as_ref())?;
        let smtp_credentials = match (self.smtp_user, password) {
            (Some(user), Some(password)) => Some((user, password)),
            (Some(_), None) => anyhow::bail!("--smtp-user needs BATON_SMTP_PASSWORD or --smtp-password-file"),
            (None, Some(_)) => anyhow::bail!("an SMTP password needs --smtp-user"),
            (None, None) => None,
        };
        state.sweep_every = Some(std::time::Duration::from_secs(self.sweep_seconds.max(1)));
        state.deliver_every = Some(std::time::Duration::from_secs(15));
        state.delivery = baton_server::delivery::DeliveryConfig {
            smtp_url: self.smtp_url,
            smtp_credentials,
            email_from: Some(self.email_from),
            sms_url: self.sms_url,
            sms_token: secret("BATON_SMS_TOKEN", self.sms_token_file.as_ref())?,
            time_zone: Some(self.time_zone.parse().map_err(|_| {
                anyhow::anyhow!(
                    "--time-zone {:?} is not a time zone: give an IANA name such as Europe/London",
                    self.time_zone
                )
            })?),
            public_url: self.public_url,
        };
        Ok(state)
    }
}

#[derive(Subcommand)]
enum UserAction {
    Disable { username: String },
    Enable { username: String },
}

/// How long sessions live and who reaches sign-in.
#[derive(clap::Args)]
struct SessionArgs {
    /// Minutes a session may go unused before the console must sign in again.
    #[arg(long, env = "BATON_SESSION_IDLE_MINUTES", default_value_t = 480)]
    session_idle_minutes: i64,
    /// Days after sign-in a session ends, however busy.
    #[arg(long, env = "BATON_SESSION_DAYS", default_value_t = 30)]
    session_days: i64,
    /// Behind a reverse proxy: count failed sign-ins by the address it puts last in
    /// X-Forwarded-For, not by the proxy's own.
    #[arg(long, env = "BATON_TRUST_FORWARDED_FOR")]
    trust_forwarded_for: bool,
}

impl SessionArgs {
    fn apply(self, mut state: AppState) -> anyhow::Result<AppState> {
        if self.session_idle_minutes < 1 || self.session_days < 1 {
            anyhow::bail!("--session-idle-minutes and --session-days must be at least 1");
        }
        state.sessions.idle = chrono::Duration::minutes(self.session_idle_minutes);
        state.sessions.absolute = chrono::Duration::days(self.session_days);
        state.sessions.trust_forwarded_for = self.trust_forwarded_for;
        Ok(state)
    }
}

/// The database a command works on.
#[derive(clap::Args)]
struct DbArg {
    /// The database: a SQLite file (created if needed), or a `postgres://` URL
    /// (several server nodes may share one PostgreSQL database).
    #[arg(
        long = "db",
        visible_alias = "database-url",
        env = "BATON_DB",
        default_value = "baton.sqlite"
    )]
    db: String,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API from a database file (created and migrated if needed).
    Serve {
        #[command(flatten)]
        db: DbArg,
        #[arg(long, env = "BATON_ADDR", default_value = "127.0.0.1:8787")]
        addr: SocketAddr,
        /// Keep this many days of the change feed; consoles offline for longer re-snapshot.
        #[arg(long, env = "BATON_RETAIN_DAYS", default_value_t = 30)]
        retain_days: i64,
        /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
        #[arg(long, env = "BATON_TLS_CERT", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The certificate's private key (PEM).
        #[arg(long, env = "BATON_TLS_KEY", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        #[command(flatten)]
        sessions: SessionArgs,
        #[command(flatten)]
        engine: EngineArgs,
    },
    /// Disable or enable a user: a disabled user's sessions end at once (and any
    /// live stream closes) and it cannot sign in.
    User {
        #[command(flatten)]
        db: DbArg,
        #[command(subcommand)]
        action: UserAction,
    },
    /// Set up a new database: the retailer organisation and its first
    /// administrator. The password comes from a prompt, from standard input
    /// (--password-stdin) or from BATON_ADMIN_PASSWORD; never from the command line.
    Init {
        #[command(flatten)]
        db: DbArg,
        /// The retailer's name, as its staff and partners see it.
        #[arg(long)]
        org: String,
        /// The organisation's id (letters, digits, '-', '_', '.'); by default made from its name.
        #[arg(long)]
        org_id: Option<String>,
        /// The administrator's username.
        #[arg(long, default_value = "admin")]
        admin: String,
        /// The administrator's name as others see it.
        #[arg(long, default_value = "Administrator")]
        admin_name: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Copy a SQLite database to a new file while the server runs (an online
    /// backup, checked for integrity). Restore by serving the copy.
    Backup {
        #[command(flatten)]
        db: DbArg,
        /// The new file to write.
        #[arg(long)]
        to: PathBuf,
    },
    /// Load the retailer's customers, people, contact points, addresses, orders
    /// and jobs from CSV or JSON Lines files (docs/import.md lists the columns).
    /// Rows are upserted by their external_ref, so running a file again updates
    /// instead of duplicating; each bad row is reported with its line and reason
    /// while the good ones land (the exit status is then 1).
    Import {
        #[command(flatten)]
        db: DbArg,
        /// The files, one kind of record each, named by kind (customers.csv,
        /// jobs.jsonl) unless --kind says; loaded in dependency order.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// What every file holds: customers, people, contact_points, addresses, orders or jobs.
        #[arg(long)]
        kind: Option<String>,
        /// csv or jsonl, when the file's extension does not say.
        #[arg(long)]
        format: Option<String>,
        /// The retailer admin the audit log names (by default the first one).
        #[arg(long = "as", value_name = "USERNAME")]
        as_user: Option<String>,
    },
    /// Serve the API with demo data: the product stories plus generated customers.
    Demo {
        #[arg(long, env = "BATON_ADDR", default_value = "127.0.0.1:8787")]
        addr: SocketAddr,
        /// How many customers to generate (the story customers included).
        #[arg(long, default_value_t = 300)]
        customers: usize,
        /// Keep the data in this SQLite file or `postgres://` database; by default
        /// a temporary file, gone on exit.
        #[arg(long, visible_alias = "database-url")]
        db: Option<String>,
        /// Load the data, report how long it took, and exit (for measuring large sets).
        #[arg(long)]
        load_only: bool,
        #[command(flatten)]
        engine: EngineArgs,
    },
    /// Print the OpenAPI document (the committed copy is docs/openapi.json).
    Openapi,
}

/// Cancels the server on Ctrl-C or SIGTERM, so live streams end and shutdown completes.
async fn shutdown_signal(state: AppState) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    tracing::info!("shutting down");
    state.shutdown.cancel();
}

/// Trims the change feed once a day to the retention window.
async fn compact_daily(state: AppState, retain: chrono::Duration) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(24 * 3600));
    loop {
        every.tick().await;
        match state.compact_feed(retain).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(removed = n, "compacted the change feed"),
            Err(e) => tracing::error!(error = %e, "compacting the change feed"),
        }
    }
}

/// The shipped binaries' allocator (docs/decisions.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        // Colour only on a terminal: a log file or journal gets plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve {
            db,
            addr,
            retain_days,
            tls_cert,
            tls_key,
            sessions,
            engine,
        } => {
            let location = location(&db.db)?;
            let state = engine.apply(open(&location)?)?;
            let mut state = sessions.apply(state)?;
            state.metrics_token = std::env::var("BATON_METRICS_TOKEN").ok().filter(|t| !t.is_empty());
            if !state.db.read(|tx| baton_server::admin::initialised(tx)).await? {
                anyhow::bail!(
                    "{} is not set up yet: nobody could sign in. Run\n  baton-server init --db {} --org \"Your company\"\n\
                     to create the retailer organisation and its first administrator",
                    location.describe(),
                    shell_word(&db.db)
                );
            }
            tokio::spawn(compact_daily(state.clone(), chrono::Duration::days(retain_days.max(1))));
            let listener = TcpListener::bind(addr)
                .await
                .with_context(|| format!("binding {addr}"))?;
            tokio::spawn(shutdown_signal(state.clone()));
            match (tls_cert, tls_key) {
                (Some(cert), Some(key)) => {
                    let tls = baton_server::tls_config(&cert, &key).await.with_context(|| {
                        format!(
                            "reading the TLS certificate {} and key {}",
                            cert.display(),
                            key.display()
                        )
                    })?;
                    tracing::info!(addr = %listener.local_addr()?, db = %location.describe(), tls = true, "serving");
                    baton_server::serve_tls(listener, state, tls).await?;
                }
                _ => {
                    tracing::info!(addr = %listener.local_addr()?, db = %location.describe(), tls = false, "serving");
                    baton_server::serve(listener, state).await?;
                }
            }
        }
        Command::Openapi => print!("{}", baton_server::openapi::document()),
        Command::Backup { db, to } => {
            let location = location(&db.db)?;
            let state = open(&location)?;
            let started = std::time::Instant::now();
            let target = to.clone();
            let pages = tokio::task::spawn_blocking(move || state.db.backup_blocking(&target)).await??;
            println!(
                "backed up {} to {} ({pages} pages) in {:.1} s",
                location.describe(),
                to.display(),
                started.elapsed().as_secs_f64()
            );
        }
        Command::Import {
            db,
            files,
            kind,
            format,
            as_user,
        } => {
            let state = open(&location(&db.db)?)?;
            let refused =
                tokio::task::spawn_blocking(move || import_files(&state, files, kind, format, as_user)).await??;
            if refused > 0 {
                std::process::exit(1);
            }
        }
        Command::Init {
            db,
            org,
            org_id,
            admin,
            admin_name,
            password_stdin,
        } => {
            let location = location(&db.db)?;
            let org_id = org_id.unwrap_or_else(|| slug(&org));
            let password = admin_password(password_stdin)?;
            let chars = password.chars().count();
            if chars < baton_proto::MIN_PASSWORD_CHARS || password.len() > 1024 {
                anyhow::bail!(
                    "the password must be {} to 1024 characters",
                    baton_proto::MIN_PASSWORD_CHARS
                );
            }
            let hash = baton_server::auth::hash_password(&password)?;
            let state = open(&location)?;
            let now = chrono::Utc::now();
            let (o, u, n) = (org_id.clone(), admin.clone(), admin_name.clone());
            let org_name = org.clone();
            let created = state
                .db
                .write(move |tx| baton_server::admin::init(tx, &o, &org_name, &u, &n, &hash, now))
                .await?;
            println!("{} is set up on {}.", created.org.name, location.describe());
            println!("  organisation id: {}", created.org.id);
            println!("  administrator:   {} ({})", created.username, created.display_name);
            println!();
            println!("Start the server:  baton-server serve --db {}", shell_word(&db.db));
            println!(
                "Then sign in to the console with the server's address and the username '{}'.",
                created.username
            );
        }
        Command::User { db, action } => {
            let state = open(&location(&db.db)?)?;
            let (username, disable) = match action {
                UserAction::Disable { username } => (username, true),
                UserAction::Enable { username } => (username, false),
            };
            let at = baton_server::wire::ts(chrono::Utc::now());
            let name = username.clone();
            let found = state
                .db
                .write(move |tx| baton_server::auth::set_disabled(tx, &name, disable, &at))
                .await?;
            if !found {
                anyhow::bail!("there is no user '{username}'");
            }
            println!(
                "{username} is {}",
                if disable {
                    "disabled; its sessions have ended"
                } else {
                    "enabled"
                }
            );
        }
        Command::Demo {
            addr,
            customers,
            db,
            load_only,
            engine,
        } => {
            let tmp = tempfile::tempdir().context("creating a temporary directory")?;
            let location = db.map_or_else(
                || Location::Sqlite(tmp.path().join("baton-demo.sqlite")),
                |d| Location::parse(&d),
            );
            let state = engine.apply(open(&location)?)?;
            let started = std::time::Instant::now();
            match demo::seed(&state, customers).await? {
                Some(s) => {
                    let secs = started.elapsed().as_secs_f64();
                    tracing::info!(customers = s.customers, jobs = s.jobs, secs, "demo data loaded");
                    if load_only {
                        println!(
                            "loaded {} customers ({} jobs) in {secs:.1} s: {:.0} customers/s",
                            s.customers,
                            s.jobs,
                            s.customers as f64 / secs
                        );
                    }
                }
                None => tracing::info!("database already holds data; demo data not loaded again"),
            }
            if load_only {
                return Ok(());
            }
            let listener = TcpListener::bind(addr)
                .await
                .with_context(|| format!("binding {addr}"))?;
            let local = listener.local_addr()?;
            println!("Baton demo server on http://{local}");
            println!("Sign in with any of these users, password '{}':", demo::DEMO_PASSWORD);
            for (user, name, role, org) in demo::USERS {
                println!("  {user:<6} {name:<14} {role:<19} {org}");
            }
            tokio::spawn(shutdown_signal(state.clone()));
            baton_server::serve(listener, state).await?;
        }
    }
    Ok(())
}

/// Opens the database at `location`, saying which (never with credentials) when it cannot.
fn open(location: &Location) -> anyhow::Result<AppState> {
    AppState::connect(location).with_context(|| format!("opening {}", location.describe()))
}

/// The database named by `--db`. A PostgreSQL URL with a password is taken
/// from `BATON_DB` only, never the command line, where every user of the
/// machine can read it.
fn location(db: &str) -> anyhow::Result<Location> {
    let location = Location::parse(db);
    if let Location::Postgres(url) = &location {
        let has_password = url
            .parse::<postgres::Config>()
            .map(|c| c.get_password().is_some())
            .unwrap_or(false);
        if has_password && std::env::var("BATON_DB").ok().as_deref() != Some(db) {
            anyhow::bail!(
                "a database URL with a password must come from BATON_DB (an EnvironmentFile), \
                 not the command line, where every user of this machine can read it"
            );
        }
    }
    Ok(location)
}

/// An organisation id made from its name: "Northwind Electricals" → "northwind-electricals".
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    let out: String = out.chars().take(100).collect();
    if out.is_empty() {
        "retailer".into()
    } else {
        out
    }
}

/// A path as the user may paste it into a shell.
fn shell_word(s: &str) -> String {
    if s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-:".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The first administrator's password: from standard input, the environment,
/// or a prompt (asked twice) on a terminal.
fn admin_password(from_stdin: bool) -> anyhow::Result<String> {
    use std::io::{BufRead, IsTerminal};
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        return Ok(line.trim_end_matches(['\n', '\r']).to_string());
    }
    if let Some(p) = std::env::var("BATON_ADMIN_PASSWORD").ok().filter(|p| !p.is_empty()) {
        return Ok(p);
    }
    if !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "give the administrator's password on a terminal, with --password-stdin, or in BATON_ADMIN_PASSWORD"
        );
    }
    let first = rpassword::prompt_password("Administrator password (12 characters or more): ")?;
    let again = rpassword::prompt_password("The same again: ")?;
    if first != again {
        anyhow::bail!("the passwords differ");
    }
    Ok(first)
}

/// `baton-server import`: each file in dependency order, with a progress bar on
/// a terminal; returns how many rows were refused.
fn import_files(
    state: &AppState,
    files: Vec<PathBuf>,
    kind: Option<String>,
    format: Option<String>,
    as_user: Option<String>,
) -> anyhow::Result<u64> {
    use baton_proto::{ImportFormat, ImportKind};
    let kind = match kind.as_deref() {
        None => None,
        Some(k) => Some(ImportKind::parse(k).with_context(|| {
            format!("--kind {k}: use customers, people, contact_points, addresses, orders or jobs")
        })?),
    };
    let format = match format.as_deref() {
        None => None,
        Some("csv") => Some(ImportFormat::Csv),
        Some("jsonl" | "ndjson") => Some(ImportFormat::Jsonl),
        Some(f) => anyhow::bail!("--format {f}: use csv or jsonl"),
    };
    let (by, org) = state.db.read_blocking(|tx| {
        let admin = match &as_user {
            Some(name) => baton_server::store::users::by_username(tx, name)?
                .filter(|a| {
                    a.user.role == baton_proto::Role::Admin && a.user.org.kind == baton_proto::OrgKind::Retailer
                })
                .map(|a| a.user.id)
                .ok_or_else(|| {
                    baton_server::error::ServerError::bad_request(format!(
                        "{name} is not an administrator of the retailer"
                    ))
                })?,
            None => baton_server::store::users::retailer_admins(tx)?
                .into_iter()
                .next()
                .ok_or_else(|| {
                    baton_server::error::ServerError::bad_request(
                        "this database is not set up: run `baton-server init` first",
                    )
                })?,
        };
        Ok((admin, baton_server::store::orgs::retailer(tx)?.id))
    })?;
    let mut plan = Vec::new();
    for path in files {
        let (k, f) = baton_server::import::kind_of(&path);
        let k = kind.or(k).with_context(|| {
            format!(
                "{}: name the file by its kind (customers.csv …) or give --kind",
                path.display()
            )
        })?;
        let f = format
            .or(f)
            .with_context(|| format!("{}: a .csv or .jsonl file, or give --format", path.display()))?;
        plan.push((k, f, path));
    }
    plan.sort_by_key(|(k, _, _)| *k);
    let mut refused = 0;
    for (kind, format, path) in plan {
        let file = std::fs::File::open(&path).with_context(|| format!("opening {}", path.display()))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let bar = indicatif::ProgressBar::new(size).with_style(
            indicatif::ProgressStyle::with_template(
                "{msg:>20} [{bar:30}] {percent:>3}% {binary_bytes}/{binary_total_bytes} {per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_message(
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        let started = std::time::Instant::now();
        let job = baton_server::import::Job {
            kind,
            format,
            by: &by,
            org_id: &org,
            status_id: None,
        };
        let tally = baton_server::import::run(state, std::io::BufReader::new(file), &job, |t| {
            bar.set_position(t.bytes)
        })
        .with_context(|| format!("importing {}", path.display()))?;
        bar.finish_and_clear();
        println!(
            "{}: {} rows read, {} imported, {} refused in {:.1} s",
            path.display(),
            tally.rows_read,
            tally.rows_imported,
            tally.rows_rejected,
            started.elapsed().as_secs_f64()
        );
        for r in &tally.rejections {
            println!(
                "  line {}: {} ({})",
                r.line,
                r.message,
                baton_server::wire::name(&r.code)
            );
        }
        if tally.rows_rejected > tally.rejections.len() as u64 {
            println!(
                "  … and {} more refused rows",
                tally.rows_rejected - tally.rejections.len() as u64
            );
        }
        refused += tally.rows_rejected;
    }
    Ok(refused)
}

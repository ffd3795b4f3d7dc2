//! The `complaints-server` binary: parses its arguments, opens the database,
//! and serves [`complaints_server::app`] until Ctrl-C or SIGTERM.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use complaints_server::{app, open_db, AppState, DB_FILE_NAME};
use tracing_subscriber::EnvFilter;

const USAGE: &str = "\
complaints-server: serves the complaints app and its API

USAGE:
    complaints-server [OPTIONS]
    complaints-server region add <CODE> <NAME> [--data-dir <DIR>]
    complaints-server branch add <CODE> <NAME> --region <CODE> [--data-dir <DIR>]
    complaints-server user add <USERNAME> --role <ROLE> [--branch <CODE>] [--region <CODE>]
                               [--name <DISPLAY NAME>] [--data-dir <DIR>]
    complaints-server user passwd <USERNAME> [--data-dir <DIR>]
    complaints-server migrate --from <DIR | sqlite://FILE> --to <URL>

SUBCOMMANDS (administration; the server need not be stopped):
    region add     Adds a region of the after-sales network
    branch add     Adds a branch (service station) of a region
    user add       Adds a user and prints their new random password, once.
                   ROLE: staff, branch_manager (both need --branch),
                   regional_manager (needs --region), admin
    user passwd    Gives a user a new random password (printed once) and
                   signs out all their devices
    migrate        Copies every table of one database into another, e.g. a
                   data directory's SQLite file into PostgreSQL
                   (--to postgres://USER@HOST:PORT/DB): users keep their ids,
                   the op log its seqs (the devices' cursors). Stop the
                   servers of both first. Refuses, copying nothing, if the
                   target holds other rows under the same keys; running it
                   again copies only what is missing. Ends with each
                   table's counts and exits 1 unless every row arrived

OPTIONS:
    --addr <HOST:PORT>    Address to listen on [env: COMPLAINTS_ADDR] [default: 127.0.0.1:8080]
    --data-dir <DIR>      Directory of the SQLite database and the photos,
                          created if missing
                          [env: COMPLAINTS_DATA_DIR] [default: ./data]
    --database-url <URL>  postgres://USER@HOST:PORT/DB: keep the records in
                          this PostgreSQL database instead of the data
                          directory's SQLite file (several instances may
                          share it; photos stay in each --data-dir)
                          [env: COMPLAINTS_DATABASE_URL]
    --dist <DIR>          Directory of the built app (trunk build output)
                          [env: COMPLAINTS_DIST] [default: ./dist]
    --token-lifetime <N>  How long a sign-in lasts, also offline on a device:
                          a number and s, m, h or d
                          [env: COMPLAINTS_TOKEN_LIFETIME] [default: 14d]
    --demo                On an empty database, create demo regions,
                          branches and users and print how to sign in
                          [env: COMPLAINTS_DEMO=1|true|yes|on, 0|false|no|off]
                          and a dozen sample complaints in its branches,
                          unless COMPLAINTS_DEMO_SAMPLES=0|false|no|off
                          The data directory may not be inside --dist.
    -h, --help            Print this help
    -V, --version         Print the version

Logging is controlled by RUST_LOG (default: info); COMPLAINTS_LOG_FORMAT=json
writes one JSON object per line. Every request's lines carry its request_id
(the proxy's x-request-id, or a new one), also answered in x-request-id.";

/// The resolved configuration: command line beats environment beats default.
#[derive(Debug, PartialEq, Eq)]
struct Config {
    addr: String,
    data_dir: PathBuf,
    /// `--database-url`: PostgreSQL instead of SQLite in `data_dir`.
    database_url: Option<String>,
    dist_dir: PathBuf,
    token_lifetime: chrono::TimeDelta,
    demo: bool,
    /// With `demo`: the sample complaints too (`COMPLAINTS_DEMO_SAMPLES`,
    /// on unless switched off: the end-to-end tests start without them).
    demo_samples: bool,
}

#[derive(Debug, PartialEq, Eq)]
enum Command {
    Run(Config),
    Admin {
        data_dir: PathBuf,
        database_url: Option<String>,
        action: Admin,
    },
    /// `migrate --from <DIR | URL> --to <URL>`.
    Migrate {
        from: String,
        to: String,
    },
    Help,
    Version,
}

/// An administrative subcommand.
#[derive(Debug, PartialEq, Eq)]
enum Admin {
    RegionAdd {
        code: String,
        name: String,
    },
    BranchAdd {
        code: String,
        name: String,
        region: String,
    },
    UserAdd {
        username: String,
        role: String,
        branch: Option<String>,
        region: Option<String>,
        name: Option<String>,
    },
    UserPasswd {
        username: String,
    },
}

/// Parses `region|branch|user <verb> <positional>... [--flag value]...`.
fn parse_admin(args: Vec<String>, env: impl Fn(&str) -> Option<String>) -> Result<Command, String> {
    let mut positional = Vec::new();
    let mut flags: Vec<(String, String)> = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            return Ok(Command::Help);
        }
        if !arg.starts_with("--") {
            positional.push(arg);
            continue;
        }
        let (name, value) = match arg.split_once('=') {
            Some((name, value)) => (name.to_owned(), value.to_owned()),
            None => {
                let value = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
                (arg, value)
            }
        };
        if value.is_empty() {
            return Err(format!("{name} needs a non-empty value"));
        }
        flags.push((name, value));
    }
    let positional: Vec<&str> = positional.iter().map(String::as_str).collect();
    let (allowed, action): (&[&str], _) = match positional.as_slice() {
        ["region", "add", code, name] => (
            &[],
            Admin::RegionAdd {
                code: code.to_string(),
                name: name.to_string(),
            },
        ),
        ["branch", "add", code, name] => (
            &["--region"],
            Admin::BranchAdd {
                code: code.to_string(),
                name: name.to_string(),
                region: String::new(),
            },
        ),
        ["user", "add", username] => (
            &["--role", "--branch", "--region", "--name"],
            Admin::UserAdd {
                username: username.to_string(),
                role: String::new(),
                branch: None,
                region: None,
                name: None,
            },
        ),
        ["user", "passwd", username] => (
            &[],
            Admin::UserPasswd {
                username: username.to_string(),
            },
        ),
        ["region", ..] => return Err("usage: region add <CODE> <NAME>".to_owned()),
        ["branch", ..] => return Err("usage: branch add <CODE> <NAME> --region <CODE>".to_owned()),
        _ => {
            return Err(
                "usage: user add <USERNAME> --role <ROLE> ... | user passwd <USERNAME>".to_owned(),
            )
        }
    };
    let mut data_dir = None;
    let mut database_url = None;
    let mut value_of = std::collections::BTreeMap::new();
    for (name, value) in flags {
        if name == "--data-dir" {
            data_dir = Some(value);
        } else if name == "--database-url" {
            database_url = Some(value);
        } else if allowed.contains(&name.as_str()) {
            value_of.insert(name, value);
        } else {
            return Err(format!("unknown argument '{name}' for this subcommand"));
        }
    }
    let action = match action {
        Admin::BranchAdd { code, name, .. } => Admin::BranchAdd {
            code,
            name,
            region: value_of
                .remove("--region")
                .ok_or("branch add needs --region <CODE>")?,
        },
        Admin::UserAdd { username, .. } => Admin::UserAdd {
            username,
            role: value_of
                .remove("--role")
                .ok_or("user add needs --role <ROLE>")?,
            branch: value_of.remove("--branch"),
            region: value_of.remove("--region"),
            name: value_of.remove("--name"),
        },
        other => other,
    };
    let data_dir = data_dir
        .or_else(|| env("COMPLAINTS_DATA_DIR").filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "./data".to_owned())
        .into();
    let database_url = database_url.or_else(|| env("COMPLAINTS_DATABASE_URL"));
    Ok(Command::Admin {
        data_dir,
        database_url,
        action,
    })
}

/// Parses `migrate --from <DIR | URL> --to <URL>` (after `migrate`).
fn parse_migrate(args: Vec<String>) -> Result<Command, String> {
    const USAGE: &str = "usage: migrate --from <DIR | sqlite://FILE> --to <URL>";
    let mut from = None;
    let mut to = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            return Ok(Command::Help);
        }
        let (name, value) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name.to_owned(), value.to_owned()),
            _ if arg.starts_with("--") => {
                let value = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
                (arg, value)
            }
            _ => return Err(format!("unexpected argument '{arg}'; {USAGE}")),
        };
        if value.is_empty() {
            return Err(format!("{name} needs a non-empty value"));
        }
        match name.as_str() {
            "--from" => from = Some(value),
            "--to" => to = Some(value),
            _ => return Err(format!("unknown argument '{name}' for migrate; {USAGE}")),
        }
    }
    match (from, to) {
        (Some(from), Some(to)) => Ok(Command::Migrate { from, to }),
        _ => Err(format!("migrate needs --from and --to; {USAGE}")),
    }
}

fn parse_args(
    args: impl IntoIterator<Item = OsString>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Command, String> {
    let env = |name: &str| env(name).filter(|value| !value.is_empty());
    let mut addr = None;
    let mut data_dir = None;
    let mut database_url = None;
    let mut dist_dir = None;
    let mut token_lifetime = None;
    let mut demo = false;

    let mut args = args.into_iter().peekable();
    if let Some(first) = args.peek().and_then(|arg| arg.to_str()) {
        if matches!(first, "region" | "branch" | "user" | "migrate") {
            let migrate = first == "migrate";
            let args = args
                .skip(usize::from(migrate))
                .map(|arg| {
                    arg.into_string()
                        .map_err(|arg| format!("argument is not valid UTF-8: {arg:?}"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            return if migrate {
                parse_migrate(args)
            } else {
                parse_admin(args, env)
            };
        }
    }
    while let Some(arg) = args.next() {
        let arg = arg
            .into_string()
            .map_err(|arg| format!("argument is not valid UTF-8: {arg:?}"))?;
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => {
                (name.to_owned(), Some(value.to_owned()))
            }
            _ => (arg, None),
        };
        let slot = match name.as_str() {
            "--demo" if inline.is_none() => {
                demo = true;
                continue;
            }
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "--addr" => &mut addr,
            "--data-dir" => &mut data_dir,
            "--database-url" => &mut database_url,
            "--dist" => &mut dist_dir,
            "--token-lifetime" => &mut token_lifetime,
            other => return Err(format!("unknown argument '{other}'")),
        };
        let value = match inline {
            Some(value) => value,
            None => args
                .next()
                .and_then(|value| value.into_string().ok())
                .ok_or_else(|| format!("{name} needs a value"))?,
        };
        if value.is_empty() {
            return Err(format!("{name} needs a non-empty value"));
        }
        *slot = Some(value);
    }

    Ok(Command::Run(Config {
        addr: addr
            .or_else(|| env("COMPLAINTS_ADDR"))
            .unwrap_or_else(|| "127.0.0.1:8080".to_owned()),
        data_dir: data_dir
            .or_else(|| env("COMPLAINTS_DATA_DIR"))
            .unwrap_or_else(|| "./data".to_owned())
            .into(),
        database_url: database_url.or_else(|| env("COMPLAINTS_DATABASE_URL")),
        dist_dir: dist_dir
            .or_else(|| env("COMPLAINTS_DIST"))
            .unwrap_or_else(|| "./dist".to_owned())
            .into(),
        token_lifetime: match token_lifetime.or_else(|| env("COMPLAINTS_TOKEN_LIFETIME")) {
            Some(text) => complaints_server::auth::parse_lifetime(&text)?,
            None => complaints_server::auth::AuthConfig::default().token_lifetime,
        },
        demo: demo
            || env("COMPLAINTS_DEMO")
                .map(|v| parse_switch("COMPLAINTS_DEMO", &v))
                .transpose()?
                .unwrap_or(false),
        demo_samples: env("COMPLAINTS_DEMO_SAMPLES")
            .map(|v| parse_switch("COMPLAINTS_DEMO_SAMPLES", &v))
            .transpose()?
            .unwrap_or(true),
    }))
}

/// An on/off setting: `1`, `true`, `yes`, `on` or `0`, `false`, `no`, `off`
/// (any case); anything else is an error rather than a guess.
fn parse_switch(name: &str, value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(format!(
            "{name}={value:?}: expected 1/true/yes/on or 0/false/no/off"
        )),
    }
}

/// Whether `data_dir` is `dist_dir` or inside it: its database would then be
/// served over HTTP as a static file. Compared as absolute paths with `.`
/// and `..` resolved, and again through symbolic links where both exist.
fn data_dir_inside_dist(data_dir: &Path, dist_dir: &Path) -> bool {
    let lexical = |path: &Path| -> PathBuf {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let mut out = PathBuf::new();
        for part in absolute.components() {
            match part {
                std::path::Component::CurDir => {}
                std::path::Component::ParentDir => {
                    out.pop();
                }
                other => out.push(other),
            }
        }
        out
    };
    if lexical(data_dir).starts_with(lexical(dist_dir)) {
        return true;
    }
    // The nearest existing ancestor of the data directory, through links.
    let mut probe = lexical(data_dir);
    while !probe.exists() && probe.pop() {}
    match (probe.canonicalize(), dist_dir.canonicalize()) {
        (Ok(data), Ok(dist)) => data.starts_with(dist),
        _ => false,
    }
}

fn main() -> ExitCode {
    let config = match parse_args(std::env::args_os().skip(1), |name| std::env::var(name).ok()) {
        Ok(Command::Run(config)) => config,
        Ok(Command::Admin {
            data_dir,
            database_url,
            action,
        }) => {
            let runtime = match tokio::runtime::Runtime::new() {
                Ok(runtime) => runtime,
                Err(error) => return fail("cannot start the async runtime", &error),
            };
            return runtime.block_on(admin(data_dir, database_url, action));
        }
        Ok(Command::Migrate { from, to }) => {
            let runtime = match tokio::runtime::Runtime::new() {
                Ok(runtime) => runtime,
                Err(error) => return fail("cannot start the async runtime", &error),
            };
            return runtime.block_on(migrate(&from, &to));
        }
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Command::Version) => {
            println!("complaints-server {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("complaints-server: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };

    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr);
    // One JSON object per line (for a log collector), or readable lines.
    if std::env::var("COMPLAINTS_LOG_FORMAT").is_ok_and(|format| format == "json") {
        logs.json().with_current_span(true).init();
    } else {
        logs.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init();
    }

    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => return fail("cannot start the async runtime", &error),
    };
    runtime.block_on(run(config))
}

async fn run(config: Config) -> ExitCode {
    if data_dir_inside_dist(&config.data_dir, &config.dist_dir) {
        eprintln!(
            "complaints-server: the data directory {} is inside the app directory {}: \
             its database would be served over HTTP. Choose another --data-dir.",
            config.data_dir.display(),
            config.dist_dir.display()
        );
        return ExitCode::from(2);
    }
    let db = match open_database(&config.data_dir, config.database_url.as_deref()).await {
        Ok(db) => db,
        Err(error) => return fail(&error.0, &error.1),
    };

    let listener = match tokio::net::TcpListener::bind(&config.addr).await {
        Ok(listener) => listener,
        Err(error) => {
            let hint = if error.kind() == std::io::ErrorKind::AddrInUse {
                " (is another server running? choose another port with --addr)"
            } else {
                ""
            };
            return fail(&format!("cannot listen on {}{hint}", config.addr), &error);
        }
    };
    let shown_addr = listener
        .local_addr()
        .map(|addr| addr.to_string())
        .unwrap_or_else(|_| config.addr.clone());

    if !config.dist_dir.join("index.html").is_file() {
        tracing::warn!(
            dist = %config.dist_dir.display(),
            "no index.html in the app directory: build the app first (trunk build --release)"
        );
    }
    println!(
        "complaints-server listening on http://{shown_addr} (data: {}, app: {})",
        database_shown(&config.data_dir, config.database_url.as_deref()),
        config.dist_dir.display()
    );

    let risk = match complaints_server::load_risk_config(&config.data_dir) {
        Ok(risk) => risk,
        Err(error) => {
            let error = std::io::Error::new(std::io::ErrorKind::InvalidData, error);
            return fail("the risk-rule configuration cannot be read", &error);
        }
    };
    let auth_config = complaints_server::auth::AuthConfig {
        token_lifetime: config.token_lifetime,
        ..Default::default()
    };
    if config.demo {
        let seeded = complaints_server::demo::seed_with(
            &db,
            &auth_config.password_params,
            config.demo_samples,
        )
        .await;
        match seeded {
            Ok(complaints_server::demo::Seeded::Added { password }) => {
                let url = format!("http://{shown_addr}");
                println!("{}", complaints_server::demo::sign_in_help(&password, &url));
            }
            Ok(complaints_server::demo::Seeded::NotEmpty) => {
                println!("--demo: this database is not empty; nothing was added");
            }
            Err(error) => return fail("cannot create the demo data", &error),
        }
    } else if no_users(&db).await {
        println!(
            "No users yet: add an administrator with \
             `complaints-server user add <name> --role admin`, or start with --demo."
        );
    }
    let state = AppState {
        db: db.clone(),
        dist_dir: config.dist_dir,
        risk: std::sync::Arc::new(risk),
        auth: std::sync::Arc::new(complaints_server::auth::Auth::new(auth_config)),
        photos: std::sync::Arc::new(complaints_server::photos::PhotoFiles::new(
            config.data_dir.join("photos"),
        )),
    };
    let listener = complaints_server::net::DeadlineListener::new(
        listener,
        complaints_server::net::REQUEST_WINDOW,
    );
    let served = axum::serve(
        listener,
        // Connect info: the login rate limit also counts per client address.
        app(state)
            .layer(axum::middleware::map_request(
                complaints_server::net::expose_client_addr,
            ))
            .into_make_service_with_connect_info::<complaints_server::net::ClientAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await;
    db.close().await;
    match served {
        Ok(()) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(error) => fail("server error", &error),
    }
}

/// Whether the database has no users (and so nobody can sign in).
async fn no_users(db: &sqlx::AnyPool) -> bool {
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users")
        .fetch_one(db)
        .await
        .is_ok_and(|count| count == 0)
}

/// Opens the PostgreSQL database at `url`, or else SQLite in `data_dir`; an
/// error comes with what could not be opened.
async fn open_database(
    data_dir: &Path,
    url: Option<&str>,
) -> Result<sqlx::AnyPool, (String, complaints_server::AppError)> {
    match url {
        Some(url) => complaints_server::open_url(url).await,
        None => open_db(data_dir).await,
    }
    .map_err(|error| {
        let shown = database_shown(data_dir, url);
        (format!("cannot open the database {shown}"), error)
    })
}

/// The database as a log line names it: the SQLite file, or the PostgreSQL
/// URL without its user and password.
fn database_shown(data_dir: &Path, url: Option<&str>) -> String {
    match url {
        Some(url) => {
            let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
            let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
            let rest = rest.split_once('?').map_or(rest, |(path, _)| path);
            format!("{scheme}://{rest}")
        }
        None => data_dir.join(DB_FILE_NAME).display().to_string(),
    }
}

/// Runs an administrative subcommand against the database in `data_dir`
/// (or at `database_url`).
async fn admin(data_dir: PathBuf, database_url: Option<String>, action: Admin) -> ExitCode {
    use complaints_server::auth;

    let db = match open_database(&data_dir, database_url.as_deref()).await {
        Ok(db) => db,
        Err(error) => return fail(&error.0, &error.1),
    };
    let params = auth::AuthConfig::default().password_params;
    let done = match action {
        Admin::RegionAdd { code, name } => auth::add_region(&db, &code, &name)
            .await
            .map(|()| println!("added region {code} ({name})")),
        Admin::BranchAdd { code, name, region } => auth::add_branch(&db, &code, &name, &region)
            .await
            .map(|()| println!("added branch {code} ({name}) of region {region}")),
        Admin::UserAdd {
            username,
            role,
            branch,
            region,
            name,
        } => {
            let name = name.unwrap_or_default();
            let user = auth::NewUser::new(
                &username,
                &name,
                &role,
                branch.as_deref(),
                region.as_deref(),
            );
            auth::add_user(&db, &user, &params).await.map(|password| {
                println!("added user {username} ({role})");
                println!("password: {password}");
                println!("(shown once: pass it on now; `user passwd {username}` makes a new one)");
            })
        }
        Admin::UserPasswd { username } => {
            auth::reset_password(&db, &username, &params)
                .await
                .map(|password| {
                    println!("new password for {username}: {password}");
                    println!("(shown once; every device of {username} must sign in again)");
                })
        }
    };
    db.close().await;
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail("refused", &error),
    }
}

/// Copies the database `from` into `to` (module `migrate`), printing the
/// progress and the table of counts; exit code 1 unless every row arrived.
async fn migrate(from: &str, to: &str) -> ExitCode {
    use complaints_server::migrate;

    let source = match migrate::open_source(from).await {
        Ok(pool) => pool,
        Err(error) => return fail("migrate", &error),
    };
    let target = match migrate::open_target(to).await {
        Ok(pool) => pool,
        Err(error) => return fail("migrate", &error),
    };
    println!(
        "migrating {} ({}) into {} ({})",
        database_shown(Path::new(from), Some(from).filter(|_| from.contains("://"))),
        complaints_server::Backend::of(&source).name(),
        database_shown(Path::new(""), Some(to)),
        complaints_server::Backend::of(&target).name(),
    );
    let done = migrate::migrate(&source, &target, |line| println!("{line}")).await;
    source.close().await;
    target.close().await;
    match done {
        Ok(report) => {
            print!("\n{}", report.table());
            if report.complete() {
                println!("done: {} rows copied", report.copied());
                ExitCode::SUCCESS
            } else {
                eprintln!(
                    "complaints-server: error: migrate: some source rows are not in the target \
                     (MISSING above)"
                );
                ExitCode::FAILURE
            }
        }
        Err(error) => fail("migrate", &error),
    }
}

/// Prints `error: <context>: <error>: <cause>...` and returns exit code 1.
fn fail(context: &str, error: &dyn std::error::Error) -> ExitCode {
    let mut message = format!("complaints-server: error: {context}: {error}");
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        // thiserror messages often embed their source already.
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    eprintln!("{message}");
    ExitCode::FAILURE
}

/// Resolves on Ctrl-C or (on Unix) SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutdown requested, finishing open requests");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str], env: &[(&str, &str)]) -> Result<Command, String> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        parse_args(args.iter().map(OsString::from), move |name| {
            env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    fn config(addr: &str, data: &str, dist: &str) -> Command {
        Command::Run(Config {
            addr: addr.into(),
            data_dir: data.into(),
            database_url: None,
            dist_dir: dist.into(),
            token_lifetime: chrono::TimeDelta::days(14),
            demo: false,
            demo_samples: true,
        })
    }

    #[test]
    fn token_lifetime_and_demo() {
        let Ok(Command::Run(c)) = parse(&["--token-lifetime", "90s", "--demo"], &[]) else {
            panic!("a run command");
        };
        assert_eq!(c.token_lifetime, chrono::TimeDelta::seconds(90));
        assert!(c.demo);
        let Ok(Command::Run(c)) = parse(
            &[],
            &[
                ("COMPLAINTS_TOKEN_LIFETIME", "2h"),
                ("COMPLAINTS_DEMO", "1"),
            ],
        ) else {
            panic!("a run command");
        };
        assert_eq!(c.token_lifetime, chrono::TimeDelta::hours(2));
        assert!(c.demo);
        for bad in ["14", "d", "5s", "400d", "1w", "-3d", "1.5h"] {
            let error = parse(&["--token-lifetime", bad], &[]).unwrap_err();
            assert!(error.contains("token lifetime"), "{bad}: {error}");
        }
        assert!(parse(&["--demo=yes"], &[]).is_err());
    }

    #[test]
    fn demo_false_means_false_and_nonsense_is_an_error() {
        for (value, on) in [
            ("false", false),
            ("0", false),
            ("off", false),
            ("No", false),
        ]
        .into_iter()
        .chain([("true", true), ("1", true), ("yes", true), ("ON", true)])
        {
            let Ok(Command::Run(c)) = parse(&[], &[("COMPLAINTS_DEMO", value)]) else {
                panic!("a run command for {value}");
            };
            assert_eq!(c.demo, on, "COMPLAINTS_DEMO={value}");
        }
        let error = parse(&[], &[("COMPLAINTS_DEMO", "maybe")]).unwrap_err();
        assert!(error.contains("COMPLAINTS_DEMO"), "{error}");
    }

    #[test]
    fn the_demo_samples_are_on_unless_switched_off() {
        for (env, on) in [
            (None, true),
            (Some("off"), false),
            (Some("0"), false),
            (Some("yes"), true),
        ] {
            let vars: Vec<(&str, &str)> = env
                .map(|v| ("COMPLAINTS_DEMO_SAMPLES", v))
                .into_iter()
                .chain([("COMPLAINTS_DEMO", "1")])
                .collect();
            let Ok(Command::Run(c)) = parse(&[], &vars) else {
                panic!("a run command for {env:?}");
            };
            assert_eq!(c.demo_samples, on, "{env:?}");
        }
        let error = parse(&[], &[("COMPLAINTS_DEMO_SAMPLES", "few")]).unwrap_err();
        assert!(error.contains("COMPLAINTS_DEMO_SAMPLES"), "{error}");
    }

    #[test]
    fn a_data_directory_inside_the_app_directory_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let dist = tmp.path().join("dist");
        std::fs::create_dir_all(dist.join("icons")).unwrap();
        assert!(data_dir_inside_dist(&dist.join("data"), &dist));
        assert!(data_dir_inside_dist(&dist, &dist));
        assert!(data_dir_inside_dist(&dist.join("icons/../x"), &dist));
        assert!(data_dir_inside_dist(
            &tmp.path().join("other/../dist/d"),
            &dist
        ));
        assert!(!data_dir_inside_dist(&tmp.path().join("data"), &dist));
        assert!(!data_dir_inside_dist(&tmp.path().join("dist2"), &dist));
        // Through a symbolic link to a directory inside dist.
        #[cfg(unix)]
        {
            let link = tmp.path().join("link");
            std::os::unix::fs::symlink(dist.join("icons"), &link).unwrap();
            assert!(data_dir_inside_dist(&link.join("data"), &dist));
        }
    }

    #[test]
    fn defaults_env_and_flags() {
        assert_eq!(
            parse(&[], &[]),
            Ok(config("127.0.0.1:8080", "./data", "./dist"))
        );
        assert_eq!(
            parse(
                &[],
                &[("COMPLAINTS_ADDR", "0.0.0.0:9000"), ("COMPLAINTS_DIST", "")]
            ),
            Ok(config("0.0.0.0:9000", "./data", "./dist"))
        );
        assert_eq!(
            parse(
                &[
                    "--addr",
                    "127.0.0.1:1",
                    "--data-dir=/tmp/d",
                    "--dist",
                    "out"
                ],
                &[
                    ("COMPLAINTS_ADDR", "0.0.0.0:9000"),
                    ("COMPLAINTS_DATA_DIR", "x")
                ]
            ),
            Ok(config("127.0.0.1:1", "/tmp/d", "out"))
        );
    }

    #[test]
    fn help_version_and_errors() {
        assert_eq!(parse(&["--help"], &[]), Ok(Command::Help));
        assert_eq!(parse(&["-V"], &[]), Ok(Command::Version));
        assert!(parse(&["--bogus"], &[]).unwrap_err().contains("--bogus"));
        assert!(parse(&["--addr"], &[])
            .unwrap_err()
            .contains("needs a value"));
        assert!(parse(&["--dist="], &[]).unwrap_err().contains("non-empty"));
    }

    #[test]
    fn admin_subcommands() {
        assert_eq!(
            parse(&["region", "add", "EAST", "East China"], &[]),
            Ok(Command::Admin {
                data_dir: "./data".into(),
                database_url: None,
                action: Admin::RegionAdd {
                    code: "EAST".into(),
                    name: "East China".into()
                }
            })
        );
        assert_eq!(
            parse(
                &["branch", "add", "SH01", "Shanghai 1", "--region=EAST"],
                &[("COMPLAINTS_DATA_DIR", "/srv/d")]
            ),
            Ok(Command::Admin {
                data_dir: "/srv/d".into(),
                database_url: None,
                action: Admin::BranchAdd {
                    code: "SH01".into(),
                    name: "Shanghai 1".into(),
                    region: "EAST".into()
                }
            })
        );
        assert_eq!(
            parse(
                &[
                    "user",
                    "add",
                    "wang",
                    "--role",
                    "staff",
                    "--branch",
                    "SH01",
                    "--name",
                    "Wang Wei",
                    "--data-dir",
                    "/tmp/x"
                ],
                &[]
            ),
            Ok(Command::Admin {
                data_dir: "/tmp/x".into(),
                database_url: None,
                action: Admin::UserAdd {
                    username: "wang".into(),
                    role: "staff".into(),
                    branch: Some("SH01".into()),
                    region: None,
                    name: Some("Wang Wei".into())
                }
            })
        );
        assert_eq!(
            parse(
                &[
                    "user",
                    "passwd",
                    "wang",
                    "--database-url",
                    "postgres://h/db"
                ],
                &[]
            ),
            Ok(Command::Admin {
                data_dir: "./data".into(),
                database_url: Some("postgres://h/db".into()),
                action: Admin::UserPasswd {
                    username: "wang".into()
                }
            })
        );
        assert!(parse(&["branch", "add", "SH01", "x"], &[])
            .unwrap_err()
            .contains("--region"));
        assert!(parse(&["user", "add", "wang"], &[])
            .unwrap_err()
            .contains("--role"));
        assert!(parse(&["user", "passwd", "wang", "--role", "x"], &[])
            .unwrap_err()
            .contains("--role"));
        assert!(parse(&["user", "delete", "wang"], &[])
            .unwrap_err()
            .contains("usage"));
        assert!(parse(&["region", "add", "EAST"], &[])
            .unwrap_err()
            .contains("usage"));
    }

    #[test]
    fn migrate_subcommand() {
        assert_eq!(
            parse(
                &[
                    "migrate",
                    "--from",
                    "/srv/data",
                    "--to=postgres://c@db:5432/complaints"
                ],
                // The data directory and URL of the environment are not a
                // migration's ends: both are named.
                &[
                    ("COMPLAINTS_DATA_DIR", "/elsewhere"),
                    ("COMPLAINTS_DATABASE_URL", "postgres://x/y")
                ]
            ),
            Ok(Command::Migrate {
                from: "/srv/data".into(),
                to: "postgres://c@db:5432/complaints".into()
            })
        );
        assert_eq!(
            parse(
                &[
                    "migrate",
                    "--to",
                    "sqlite:///tmp/b.db",
                    "--from",
                    "sqlite:///tmp/a.db"
                ],
                &[]
            ),
            Ok(Command::Migrate {
                from: "sqlite:///tmp/a.db".into(),
                to: "sqlite:///tmp/b.db".into()
            })
        );
        assert_eq!(parse(&["migrate", "--help"], &[]), Ok(Command::Help));
        for (args, expected) in [
            (&["migrate"][..], "needs --from and --to"),
            (&["migrate", "--from", "d"], "needs --from and --to"),
            (
                &["migrate", "--to", "postgres://h/db"],
                "needs --from and --to",
            ),
            (&["migrate", "--from"], "--from needs a value"),
            (&["migrate", "--from=", "--to", "x"], "non-empty"),
            (
                &["migrate", "--from", "d", "--to", "x", "--data-dir", "y"],
                "--data-dir",
            ),
            (&["migrate", "d", "x"], "unexpected argument 'd'"),
        ] {
            let error = parse(args, &[]).unwrap_err();
            assert!(error.contains(expected), "{args:?}: {error}");
        }
    }
}
